"""Dispatch: match new vacancies to alerts, then deliver them, each vacancy at most once per person.

The delivery ledger (``alert_deliveries``) has one row per person and vacancy, unique in the
database. A row is written, as ``pending``, in the same transaction that matches the vacancy
and marks it scanned: that is the decision to send it, made once whatever the channel, however
many dispatches run, and whichever of the person's alerts matched.

Delivering one alert's message goes:

1. claim: in one committed transaction the alert's due rows become ``sending`` under a
   random claim (and a daily digest takes today's slot); a concurrent dispatch cannot take them;
2. send, outside any transaction;
3. record: the claimed rows become ``sent``; or, when the notifier raised, ``failed`` with the
   next try backed off (doubling), or ``abandoned`` after the last try; a digest gives back
   its slot so that the retry can go out the same day.

Guarantee: never twice. A failure the notifier reports is retried on a later run and sent
once it works. A process that dies between claim and record leaves its one message's rows
``sending``: it may or may not have gone out, so they are not sent again (at most once), and
each dispatch reports them as ``in_doubt`` for an operator to look at. Every other row is
either sent exactly once, still due, or known to have failed.
"""

from __future__ import annotations

import gc
import logging
import secrets
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.engine import Connection, Engine

from recruitbot.alerts.clock import as_utc
from recruitbot.alerts.matching import AlertIndex, Match, mark_scanned, unscanned_vacancies
from recruitbot.alerts.model import DispatchReport, Frequency, Status
from recruitbot.alerts.notify import AlertMessage, DeliveryError, Notifier
from recruitbot.alerts.policy import AlertPolicy
from recruitbot.alerts.store import alert_from_row
from recruitbot.alerts.tokens import Links, LinkSigner, Purpose
from recruitbot.contact import mask
from recruitbot.places import Gazetteer
from recruitbot.schema import (
    ALERT_DELIVERY_DUE,
    ALERT_DELIVERY_SENDING,
    alert_deliveries,
    alert_people,
    alert_subscriptions,
    vacancies,
)
from recruitbot.vacancies.scope import VACANCY_COLUMNS, to_vacancy

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, ABANDONED, SKIPPED = "pending", "sending", "sent", "failed", "abandoned", "skipped"
# The partial indexes' own conditions, as literal SQL (see recruitbot.schema).
_DUE = text(f"alert_deliveries.{ALERT_DELIVERY_DUE}")
_SENDING = text(f"alert_deliveries.{ALERT_DELIVERY_SENDING}")
_MATCHING_CACHE_KIB = 64 * 1024


@dataclass(frozen=True)
class _Claim:
    """One alert's rows taken for one message."""

    token: str
    ids: tuple[int, ...]
    subscription: Any
    person_ref: str
    digest_day: date | None
    previous_digest_day: date | None


class Dispatcher:
    """Runs dispatches."""

    def __init__(
        self,
        engine: Engine,
        gazetteer: Gazetteer,
        notifiers: Mapping[str, Notifier],
        signer: LinkSigner,
        links: Links,
        policy: AlertPolicy,
    ) -> None:
        """Match in ``engine``'s database and deliver through ``notifiers`` (one per delivery channel)."""
        self._engine = engine
        self._gazetteer = gazetteer
        self._notifiers = dict(notifiers)
        self._signer = signer
        self._links = links
        self._policy = policy

    def run(self, now: datetime) -> DispatchReport:
        """Match the vacancies no dispatch has seen, then deliver everything that is due."""
        now = as_utc(now)
        scanned, matched = self.match_new(now)
        counts = self.deliver_due(now)
        with self._engine.connect() as connection:
            in_doubt = connection.execute(
                select(func.count())
                .select_from(alert_deliveries)
                .where(_SENDING, alert_deliveries.c.claimed_at < now)
            ).scalar_one()
        return DispatchReport(scanned=scanned, matched=matched, in_doubt=int(in_doubt), **counts)

    def match_new(self, now: datetime) -> tuple[int, int]:
        """Match unscanned open vacancies first seen by ``now``; return (vacancies scanned, matches)."""
        scanned = matched = 0
        with _no_cycle_collection():
            with self._engine.connect() as connection:
                index = AlertIndex.load(connection, self._gazetteer)
            while True:
                with self._engine.begin() as connection, _page_cache(connection, _MATCHING_CACHE_KIB):
                    batch = unscanned_vacancies(connection, now.date(), self._policy.batch_size, seen_by=now)
                    if not batch:
                        break
                    matches = index.match(connection, batch)
                    _record_matches(connection, matches, now)
                    mark_scanned(connection, [vacancy.pk for vacancy in batch], now)
                scanned += len(batch)
                matched += len(matches)
        if scanned:
            log.info("matched %d new vacancies: %d deliveries decided", scanned, matched)
        return scanned, matched

    def deliver_due(self, now: datetime) -> dict[str, int]:
        """Send every active alert's due rows, one message per alert; return the counts for the report."""
        counts: Counter[str] = Counter()
        d = alert_deliveries.c
        # Only active alerts have due rows (pausing or deleting one drops them); _claim checks anyway.
        query = select(d.subscription_id).where(_DUE, d.next_attempt_at <= now).distinct().order_by(d.subscription_id)
        with self._engine.connect() as connection:
            due = connection.execute(query).scalars().all()
        for subscription_id in due:
            claim = self._claim(subscription_id, now)
            if claim is not None:
                counts.update(self._deliver(claim, now))
        keys = ("messages_sent", "vacancies_sent", "messages_failed", "vacancies_abandoned", "vacancies_skipped")
        return {key: counts[key] for key in keys}

    def _claim(self, subscription_id: int, now: datetime) -> _Claim | None:
        """Take the alert's due rows (and a digest's slot for today), or None when there is nothing to send now."""
        s, d = alert_subscriptions.c, alert_deliveries.c
        token = secrets.token_hex(16)
        with self._engine.connect() as connection, connection.begin() as transaction:
            row = connection.execute(
                select(alert_subscriptions, alert_people.c.ref.label("person_ref"))
                .join(alert_people, alert_people.c.id == s.person_id)
                .where(s.id == subscription_id, s.status == Status.ACTIVE.value)
            ).first()
            if row is None:
                return None
            digest_day = None
            if row.frequency == Frequency.DAILY.value:
                if not self._policy.digest_due(now):
                    return None
                digest_day = self._policy.local_day(now)
                slot = connection.execute(
                    update(alert_subscriptions)
                    .where(s.id == subscription_id, or_(s.digest_sent_on.is_(None), s.digest_sent_on < digest_day))
                    .values(digest_sent_on=digest_day)
                )
                if slot.rowcount == 0:
                    return None  # today's digest has gone (or is going) already
            due = connection.execute(
                select(d.id).where(d.subscription_id == subscription_id, _DUE, d.next_attempt_at <= now)
            ).scalars().all()
            # Taken only if still due: of two dispatches at once, one gets each row.
            taken = connection.execute(
                update(alert_deliveries).where(d.id.in_(due), _DUE).values(status=SENDING, claim=token, claimed_at=now)
            ) if due else None
            if taken is None or taken.rowcount == 0:
                transaction.rollback()  # nothing left to send; give the digest slot back
                return None
        return _Claim(token, tuple(due), row, row.person_ref, digest_day, row.digest_sent_on)

    def _deliver(self, claim: _Claim, now: datetime) -> Counter[str]:
        """Send the claimed rows as one message and record how it went."""
        d, v = alert_deliveries.c, vacancies.c
        with self._engine.begin() as connection:
            rows = connection.execute(
                select(d.id, d.attempts, v.closed_at, *VACANCY_COLUMNS)
                .join(vacancies, v.pk == d.vacancy_pk)
                .where(d.id.in_(claim.ids), d.claim == claim.token)
                .order_by(v.posted.desc(), v.pk.desc())
            ).all()
            live = [row for row in rows if _still_open(row.closed_at, row.closes, now.date())]
            closed = [row.id for row in rows if row not in live]
            _set_status(connection, closed, SKIPPED)
            if not live:
                _give_back_digest_slot(connection, claim)
        counts: Counter[str] = Counter(vacancies_skipped=len(closed))
        if not live:
            return counts
        message = self._message(claim, live, now)
        try:
            notifier = self._notifiers.get(message.alert.delivery)
            if notifier is None:
                raise DeliveryError(f"no notifier for {message.alert.delivery}")
            notifier.send(message)
        except Exception as exc:  # any failure to hand over: retried later, never lost
            counts.update(self._record_failure(claim, live, exc, now))
            return counts
        with self._engine.begin() as connection:
            connection.execute(
                update(alert_deliveries)
                .where(d.id.in_(claim.ids), d.claim == claim.token)
                .values(status=SENT, sent_at=now, claim=None, last_error=None)
            )
        counts.update(messages_sent=1, vacancies_sent=len(live))
        return counts

    def _message(self, claim: _Claim, rows: list[Any], now: datetime) -> AlertMessage:
        subscription = claim.subscription
        expires = now + self._policy.link_lifetime
        unsubscribe = self._signer.sign(Purpose.UNSUBSCRIBE, subscription.ref, expires)
        return AlertMessage(
            alert=alert_from_row(subscription),
            recipient=subscription.address,
            vacancies=tuple(to_vacancy(row[3:]) for row in rows),
            unsubscribe_url=self._links.unsubscribe(unsubscribe),
            unsubscribe_mailto=self._links.unsubscribe_mailto(unsubscribe),
            erase_url=self._links.erase(self._signer.sign(Purpose.ERASE, claim.person_ref, expires)),
            sent_at=now,
        )

    def _record_failure(self, claim: _Claim, rows: list[Any], error: Exception, now: datetime) -> Counter[str]:
        """Back the rows off for a later retry (or give up after the last try); free a digest's slot."""
        subscription = claim.subscription
        log.warning(
            "alert %s: sending to %s by %s failed (%s), will retry",
            subscription.ref, mask(subscription.address), subscription.delivery, type(error).__name__,
        )
        permanent = isinstance(error, DeliveryError) and error.permanent
        abandoned = 0
        with self._engine.begin() as connection:
            for row in rows:
                attempts = row.attempts + 1
                gives_up = permanent or attempts >= self._policy.max_attempts
                abandoned += gives_up
                connection.execute(
                    update(alert_deliveries)
                    .where(alert_deliveries.c.id == row.id, alert_deliveries.c.claim == claim.token)
                    .values(
                        status=ABANDONED if gives_up else FAILED,
                        attempts=attempts,
                        next_attempt_at=now + self._policy.retry_delay(attempts),
                        claim=None,
                        last_error=type(error).__name__[:200],
                    )
                )
            s = alert_subscriptions.c
            if permanent:
                # Nobody can receive this alert any more: stop it rather than fail every dispatch.
                connection.execute(
                    update(alert_subscriptions)
                    .where(s.id == subscription.id, s.status == Status.ACTIVE.value)
                    .values(status=Status.PAUSED.value, updated_at=now)
                )
            _give_back_digest_slot(connection, claim)
        if permanent:
            log.warning("alert %s: paused, its recipient cannot be reached (%s)", subscription.ref, error)
        elif abandoned:
            log.error("alert %s: gave up on %d vacancies after %d tries", subscription.ref, abandoned,
                      self._policy.max_attempts)
        return Counter(messages_failed=1, vacancies_abandoned=abandoned)


def _record_matches(connection: Connection, matches: list[Match], now: datetime) -> None:
    """Write the matches to the ledger as pending; a person's vacancy already there stays as it is.

    A dispatch can decide a hundred thousand deliveries, so the rows skip SQLAlchemy's work
    per row: PostgreSQL takes them as three arrays in one statement, SQLite as plain tuples.
    """
    if not matches:
        return
    columns = "person_id, vacancy_pk, subscription_id, status, attempts, next_attempt_at, created_at"
    if connection.dialect.name == "postgresql":
        persons, vacancy_pks, subscriptions = (list(column) for column in zip(*matches, strict=True))
        connection.execute(
            text(
                f"INSERT INTO alert_deliveries ({columns})"
                " SELECT person, vacancy, subscription, :status, 0, :now, :now FROM unnest("
                " CAST(:persons AS integer[]), CAST(:vacancies AS integer[]), CAST(:subscriptions AS integer[])"
                " ) AS matched(person, vacancy, subscription)"
                " ON CONFLICT (person_id, vacancy_pk) DO NOTHING"
            ),
            {"status": PENDING, "now": now, "persons": persons, "vacancies": vacancy_pks,
             "subscriptions": subscriptions},
        )
        return
    # The text SQLAlchemy stores for a time on SQLite, so that times compare as they should.
    to_stored = alert_deliveries.c.created_at.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    stamp = to_stored(now) if to_stored else now
    connection.exec_driver_sql(
        f"INSERT INTO alert_deliveries ({columns}) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5)"
        " ON CONFLICT (person_id, vacancy_pk) DO NOTHING",
        # In the unique index's order, so that each of its pages is visited once, not again and again.
        [(person, vacancy, subscription, PENDING, stamp) for person, vacancy, subscription in sorted(matches)],
    )


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector meanwhile (it stays off if it was off).

    Matching builds a few hundred thousand small tuples (the alert index, the matches, the
    ledger rows). None of them form cycles, so reference counting frees them all; the cyclic
    collector would only walk them again and again as they pile up, a fifth of the time of a
    large dispatch. It runs as usual once matching is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def _page_cache(connection: Connection, kibibytes: int) -> Iterator[None]:
    """On SQLite, a page cache of ``kibibytes`` for this connection meanwhile (the default is 2 MiB).

    Writing a batch's ledger rows touches pages all over the ledger's unique index; with the
    default cache SQLite rereads them again and again, which doubles the time of a large batch.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = {-int(kibibytes)}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _give_back_digest_slot(connection: Connection, claim: _Claim) -> None:
    """Let a digest that sent nothing go out later today after all."""
    if claim.digest_day is not None:
        s = alert_subscriptions.c
        connection.execute(
            update(alert_subscriptions)
            .where(s.id == claim.subscription.id, s.digest_sent_on == claim.digest_day)
            .values(digest_sent_on=claim.previous_digest_day)
        )


def _still_open(closed_at: datetime | None, closes: date | None, today: date) -> bool:
    return closed_at is None and (closes is None or closes >= today)


def _set_status(connection: Connection, ids: list[int], status: str) -> None:
    if ids:
        connection.execute(
            update(alert_deliveries).where(alert_deliveries.c.id.in_(ids)).values(status=status, claim=None)
        )


def cancel_undelivered(connection: Connection, subscription_ids: list[int]) -> None:
    """Drop what these alerts had decided but not yet sent (they were paused, edited or deleted)."""
    if subscription_ids:
        d = alert_deliveries.c
        connection.execute(
            alert_deliveries.delete().where(and_(d.subscription_id.in_(subscription_ids), _DUE))
        )
