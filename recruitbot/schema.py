"""The whole SQL schema, as SQLAlchemy metadata, in one place."""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)

metadata = MetaData()

callback_requests = Table(
    "callback_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("channel", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("contact", String(320), nullable=False),
    Column("contact_kind", String(16), nullable=False),
    Column("question", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_via", String(16), nullable=False),
)


# The vacancy catalogue. ``id`` is the feed's own reference. place/county/region/nation
# hold where the location sits in the UK gazetteer (resolved at import) so that widening a
# search is an indexed equality filter. ``closed_at`` is set when a full feed no longer
# lists the vacancy. ``live`` says the vacancy belongs in the search index: not closed and
# not past its closing date when last checked; ``tags`` are its facets as search tokens
# (see recruitbot.vacancies.tags).
vacancies = Table(
    "vacancies",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("id", String(200), nullable=False, unique=True),
    Column("title", String(300), nullable=False),
    Column("location", String(200), nullable=False),
    Column("job_type", String(16), nullable=False),
    Column("salary", String(200)),
    Column("salary_min", Integer),
    Column("salary_max", Integer),
    Column("summary", Text, nullable=False),
    Column("url", String(2000), nullable=False),
    Column("posted", Date, nullable=False),
    Column("closes", Date),
    Column("sector", String(200)),
    Column("place", String(120)),
    Column("county", String(120)),
    Column("region", String(120)),
    Column("nation", String(120)),
    Column("content_hash", String(64), nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("live", Boolean, nullable=False),
    Column("tags", Text, nullable=False),
    CheckConstraint("job_type IN ('temp', 'perm', 'contract')", name="ck_vacancies_job_type"),
)
Index("ix_vacancies_posted", vacancies.c.posted)
Index("ix_vacancies_place", vacancies.c.place, vacancies.c.posted)
Index("ix_vacancies_county", vacancies.c.county, vacancies.c.posted)
Index("ix_vacancies_region", vacancies.c.region, vacancies.c.posted)
Index("ix_vacancies_nation", vacancies.c.nation, vacancies.c.posted)
Index("ix_vacancies_job_type", vacancies.c.job_type, vacancies.c.posted)
Index("ix_vacancies_live_closes", vacancies.c.live, vacancies.c.closes)

# Full-text search. SQLite: an FTS5 index of the live vacancies only, kept in step by
# triggers, holding their words, location and tags, so that a search filters and counts
# inside FTS5. Its rowid, ``fts_key``, is the posting day then ``pk``: FTS5 reads rowids
# newest first, so "newest first" needs no sort. PostgreSQL: a generated tsvector with a
# GIN index, under a text search configuration like "english" but without stop words, so
# "IT" stays searchable. Title, sector and summary are weighted A, B and D (title first).
VACANCY_FTS_TABLE = "vacancies_fts"
VACANCY_TS_CONFIG = "recruitbot"
# How SQLite's full-text index splits text into words (stemmed, case and accents folded).
VACANCY_FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"

_FTS_COLUMNS = "title, sector, summary, location, tags"
_SQLITE_FTS_DDL = (
    """ALTER TABLE vacancies ADD COLUMN fts_key INTEGER
        GENERATED ALWAYS AS ((CAST(julianday(posted) AS INTEGER) << 32) | pk) VIRTUAL""",
    "CREATE UNIQUE INDEX ix_vacancies_fts_key ON vacancies (fts_key)",
    f"""CREATE VIRTUAL TABLE {VACANCY_FTS_TABLE} USING fts5(
        {_FTS_COLUMNS},
        content='vacancies', content_rowid='fts_key',
        tokenize='{VACANCY_FTS_TOKENIZE}')""",
    f"""CREATE TRIGGER vacancies_fts_insert AFTER INSERT ON vacancies WHEN new.live BEGIN
        INSERT INTO {VACANCY_FTS_TABLE}(rowid, {_FTS_COLUMNS})
        VALUES (new.fts_key, new.title, new.sector, new.summary, new.location, new.tags);
    END""",
    f"""CREATE TRIGGER vacancies_fts_delete AFTER DELETE ON vacancies WHEN old.live BEGIN
        INSERT INTO {VACANCY_FTS_TABLE}({VACANCY_FTS_TABLE}, rowid, {_FTS_COLUMNS})
        VALUES ('delete', old.fts_key, old.title, old.sector, old.summary, old.location, old.tags);
    END""",
    f"""CREATE TRIGGER vacancies_fts_update
    AFTER UPDATE OF title, sector, summary, location, tags, posted, live ON vacancies BEGIN
        INSERT INTO {VACANCY_FTS_TABLE}({VACANCY_FTS_TABLE}, rowid, {_FTS_COLUMNS})
        SELECT 'delete', old.fts_key, old.title, old.sector, old.summary, old.location, old.tags WHERE old.live;
        INSERT INTO {VACANCY_FTS_TABLE}(rowid, {_FTS_COLUMNS})
        SELECT new.fts_key, new.title, new.sector, new.summary, new.location, new.tags WHERE new.live;
    END""",
)

_POSTGRES_FTS_DDL = (
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = '{VACANCY_TS_CONFIG}_stem') THEN
            CREATE TEXT SEARCH DICTIONARY {VACANCY_TS_CONFIG}_stem (TEMPLATE = snowball, LANGUAGE = english);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{VACANCY_TS_CONFIG}') THEN
            CREATE TEXT SEARCH CONFIGURATION {VACANCY_TS_CONFIG} (COPY = english);
            ALTER TEXT SEARCH CONFIGURATION {VACANCY_TS_CONFIG}
                ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
                WITH {VACANCY_TS_CONFIG}_stem;
        END IF;
    END $$""",
    f"""ALTER TABLE vacancies ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('{VACANCY_TS_CONFIG}', coalesce(title, '')), 'A')
        || setweight(to_tsvector('{VACANCY_TS_CONFIG}', coalesce(sector, '')), 'B')
        || setweight(to_tsvector('{VACANCY_TS_CONFIG}', coalesce(summary, '')), 'D')) STORED""",
    "CREATE INDEX ix_vacancies_search_vector ON vacancies USING GIN (search_vector)",
)

for _statement in _SQLITE_FTS_DDL:
    event.listen(vacancies, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in _POSTGRES_FTS_DDL:
    event.listen(vacancies, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
event.listen(vacancies, "after_drop", DDL(f"DROP TABLE IF EXISTS {VACANCY_FTS_TABLE}").execute_if(dialect="sqlite"))


# Job alerts (recruitbot.alerts). A person is who alerts are for: a Telegram or Slack user,
# or an email address for sign-ups on the website; ``ref`` is a random public id that signed
# links carry (row ids are never exposed, and are reused by SQLite after an erasure).
alert_people = Table(
    "alert_people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(32), nullable=False, unique=True),
    Column("channel", String(16), nullable=False),
    Column("user_id", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("channel", "user_id", name="uq_alert_people_identity"),
    CheckConstraint("channel IN ('email', 'telegram', 'slack')", name="ck_alert_people_channel"),
)

# The conversations (tracker sender ids) a person signed up in: "forget me" erases them too.
alert_conversations = Table(
    "alert_conversations",
    metadata,
    Column("person_id", ForeignKey("alert_people.id", ondelete="CASCADE"), primary_key=True),
    Column("channel", String(64), primary_key=True),
    Column("sender_id", String(255), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_alert_conversations_sender", alert_conversations.c.sender_id)

# One alert: the criteria as the person gave them, how often and where to send, its state.
# ``criteria_key`` is the criteria as matched (terms, resolved place, type, salary), so that
# "Marketing in leeds" and "marketing, Leeds" are the same alert; the partial unique index
# makes the database refuse a second live copy of one alert.
alert_subscriptions = Table(
    "alert_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(32), nullable=False, unique=True),
    Column("person_id", ForeignKey("alert_people.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("origin_channel", String(64), nullable=False),
    Column("origin_sender_id", String(255), nullable=False, index=True),
    Column("keyword", String(200)),
    Column("location", String(200)),
    Column("job_type", String(16)),
    Column("min_salary", Integer),
    Column("criteria_key", String(700), nullable=False),
    Column("frequency", String(16), nullable=False),
    Column("delivery", String(16), nullable=False),
    Column("address", String(320), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("digest_sent_on", Date),
    CheckConstraint("frequency IN ('instant', 'daily')", name="ck_alert_subscriptions_frequency"),
    CheckConstraint("delivery IN ('email', 'telegram', 'slack')", name="ck_alert_subscriptions_delivery"),
    CheckConstraint(
        "status IN ('pending', 'active', 'paused', 'deleted')", name="ck_alert_subscriptions_status"
    ),
    CheckConstraint("job_type IS NULL OR job_type IN ('temp', 'perm', 'contract')", name="ck_alert_job_type"),
    CheckConstraint("min_salary IS NULL OR min_salary >= 0", name="ck_alert_min_salary"),
)
Index("ix_alert_subscriptions_status", alert_subscriptions.c.status)
Index(
    "uq_alert_subscriptions_live",
    alert_subscriptions.c.person_id,
    alert_subscriptions.c.criteria_key,
    alert_subscriptions.c.delivery,
    alert_subscriptions.c.address,
    unique=True,
    sqlite_where=text("status <> 'deleted'"),
    postgresql_where=text("status <> 'deleted'"),
)

# Consent as given: which wording (version and SHA-256 of the exact text shown), where, when.
alert_consents = Table(
    "alert_consents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("alert_people.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("subscription_id", ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True),
    Column("event", String(16), nullable=False),
    Column("wording_version", String(64), nullable=False),
    Column("wording_hash", String(64), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("event IN ('given', 'confirmed', 'withdrawn')", name="ck_alert_consents_event"),
)

# The delivery ledger: one row per person and vacancy, ever. The unique constraint is what
# makes "a vacancy at most once per person" hold across channels, restarts and retries.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("alert_people.id", ondelete="CASCADE"), nullable=False),
    Column("vacancy_pk", ForeignKey("vacancies.pk", ondelete="CASCADE"), nullable=False),
    Column("subscription_id", ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claim", String(32)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_error", String(200)),
    UniqueConstraint("person_id", "vacancy_pk", name="uq_alert_deliveries_person_vacancy"),
    CheckConstraint(
        "status IN ('pending', 'sending', 'sent', 'failed', 'abandoned', 'skipped')",
        name="ck_alert_deliveries_status",
    ),
)
# Partial indexes, so that a dispatch writing a hundred thousand rows updates two indexes, not
# four: rows still to send, by alert, and rows being sent. Queries name these conditions as
# the same literal SQL (ALERT_DELIVERY_DUE, ALERT_DELIVERY_SENDING) for SQLite to use them.
ALERT_DELIVERY_DUE = "status IN ('pending', 'failed')"
ALERT_DELIVERY_SENDING = "status = 'sending'"
Index(
    "ix_alert_deliveries_due",
    alert_deliveries.c.subscription_id,
    alert_deliveries.c.next_attempt_at,
    sqlite_where=text(ALERT_DELIVERY_DUE),
    postgresql_where=text(ALERT_DELIVERY_DUE),
)
Index(
    "ix_alert_deliveries_sending",
    alert_deliveries.c.claimed_at,
    sqlite_where=text(ALERT_DELIVERY_SENDING),
    postgresql_where=text(ALERT_DELIVERY_SENDING),
)

# Vacancies already matched against the alerts: what is not in here is new.
alert_scanned_vacancies = Table(
    "alert_scanned_vacancies",
    metadata,
    Column("vacancy_pk", ForeignKey("vacancies.pk", ondelete="CASCADE"), primary_key=True),
    Column("scanned_at", DateTime(timezone=True), nullable=False),
)

# Conversations to erase from the tracker store again once the turn that asked is over:
# Rasa saves the tracker after the action that erased it has run.
alert_pending_erasures = Table(
    "alert_pending_erasures",
    metadata,
    Column("sender_id", String(255), primary_key=True),
    Column("not_before", DateTime(timezone=True), nullable=False),
)
