"""The whole SQL schema, as SQLAlchemy metadata, in one place."""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
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


# The vacancy catalogue. ``pk`` is the row key full-text indexes point at; ``id`` is the
# feed's own reference. place/county/region/nation hold where the location sits in the UK
# gazetteer (resolved at import) so that widening a search is an indexed equality filter.
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
    CheckConstraint("job_type IN ('temp', 'perm', 'contract')", name="ck_vacancies_job_type"),
)
Index("ix_vacancies_posted", vacancies.c.posted)
Index("ix_vacancies_place", vacancies.c.place, vacancies.c.posted)
Index("ix_vacancies_county", vacancies.c.county, vacancies.c.posted)
Index("ix_vacancies_region", vacancies.c.region, vacancies.c.posted)
Index("ix_vacancies_nation", vacancies.c.nation, vacancies.c.posted)
Index("ix_vacancies_job_type", vacancies.c.job_type, vacancies.c.posted)

# Full-text search. SQLite: an FTS5 index over the table's own rows (external content),
# kept in step by triggers. PostgreSQL: a generated tsvector with a GIN index, under a text
# search configuration like "english" but without stop words, so "IT" stays searchable.
# Title, sector and summary are weighted A, B and D: the search ranks title hits first.
VACANCY_FTS_TABLE = "vacancies_fts"
VACANCY_TS_CONFIG = "recruitbot"

_SQLITE_FTS_DDL = (
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {VACANCY_FTS_TABLE} USING fts5(
        title, sector, summary,
        content='vacancies', content_rowid='pk',
        tokenize='porter unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS vacancies_fts_insert AFTER INSERT ON vacancies BEGIN
        INSERT INTO {VACANCY_FTS_TABLE}(rowid, title, sector, summary)
        VALUES (new.pk, new.title, new.sector, new.summary);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS vacancies_fts_delete AFTER DELETE ON vacancies BEGIN
        INSERT INTO {VACANCY_FTS_TABLE}({VACANCY_FTS_TABLE}, rowid, title, sector, summary)
        VALUES ('delete', old.pk, old.title, old.sector, old.summary);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS vacancies_fts_update
    AFTER UPDATE OF title, sector, summary ON vacancies BEGIN
        INSERT INTO {VACANCY_FTS_TABLE}({VACANCY_FTS_TABLE}, rowid, title, sector, summary)
        VALUES ('delete', old.pk, old.title, old.sector, old.summary);
        INSERT INTO {VACANCY_FTS_TABLE}(rowid, title, sector, summary)
        VALUES (new.pk, new.title, new.sector, new.summary);
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
event.listen(
    vacancies, "after_drop", DDL(f"DROP TABLE IF EXISTS {VACANCY_FTS_TABLE}").execute_if(dialect="sqlite")
)
