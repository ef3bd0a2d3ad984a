"""The job-alert service: sign-up with consent, confirmation, managing alerts, erasure, dispatch.

Who may touch an alert: a Telegram or Slack user (the channel vouches for their id) reaches
all of their alerts; a website conversation reaches only the alerts made in it, since its
sender id is just a browser session; a signed link reaches the one alert or person it names.
An email address typed into a chat proves nothing, so it never opens anyone's alerts.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement

from recruitbot.alerts.clock import as_utc, utc_now
from recruitbot.alerts.conversations import ConversationStore
from recruitbot.alerts.criteria import AlertScope, CriteriaProblem, alert_scope, clean_criteria
from recruitbot.alerts.dispatch import Dispatcher, cancel_undelivered
from recruitbot.alerts.model import (
    EMAIL,
    Alert,
    ChangeOutcome,
    ChangeStatus,
    ConfirmOutcome,
    ConfirmStatus,
    ConsentWording,
    DispatchReport,
    ErasureOutcome,
    ErasureStatus,
    Frequency,
    LinkCheck,
    LinkStatus,
    PurgeReport,
    Requester,
    SignupOutcome,
    SignupStatus,
    Status,
)
from recruitbot.alerts.notify import ConfirmationMessage, ConfirmationSender, Notifier
from recruitbot.alerts.policy import AlertPolicy
from recruitbot.alerts.sql import insert_ignoring
from recruitbot.alerts.store import alert_from_row
from recruitbot.alerts.tokens import Links, LinkSigner, Purpose, TokenProblem
from recruitbot.contact import EmailProblem, check_email, mask
from recruitbot.places import Gazetteer
from recruitbot.schema import (
    alert_consents,
    alert_conversations,
    alert_deliveries,
    alert_pending_erasures,
    alert_people,
    alert_subscriptions,
    callback_requests,
)
from recruitbot.vacancies.importer import ImportReport
from recruitbot.vacancies.model import SearchCriteria

log = logging.getLogger(__name__)

# The channel recorded for consent given or withdrawn through a signed link in an email.
EMAIL_LINK = "email-link"
TRACKER_STORE = "tracker_store"
_LIVE = alert_subscriptions.c.status != Status.DELETED.value
_UNKNOWN_WORDING = ("unknown", "")


@dataclass(frozen=True)
class _Target:
    """Whom a sign-up is for and where its alerts go."""

    person_channel: str
    person_user_id: str
    delivery: str
    address: str


@dataclass
class _ErasurePlan:
    """What one erasure deletes."""

    subscriptions: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    sender_ids: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)


class AlertService:
    """Everything the chat actions, the link pages and the CLI do with job alerts."""

    def __init__(
        self,
        engine: Engine,
        gazetteer: Gazetteer,
        signer: LinkSigner,
        links: Links,
        notifiers: Mapping[str, Notifier],
        confirmations: ConfirmationSender,
        conversations: ConversationStore,
        policy: AlertPolicy | None = None,
    ) -> None:
        """Keep alerts in ``engine``'s database; send through ``notifiers`` (by delivery) and ``confirmations``.

        ``conversations`` is Rasa's tracker store, for "forget me".
        """
        self._engine = engine
        self._gazetteer = gazetteer
        self._signer = signer
        self._links = links
        self._confirmations = confirmations
        self._conversations = conversations
        self._policy = policy or AlertPolicy()
        self._dispatcher = Dispatcher(engine, gazetteer, notifiers, signer, links, self._policy)

    # Signing up.

    def start_signup(
        self,
        requester: Requester,
        criteria: SearchCriteria,
        frequency: Frequency,
        consent: ConsentWording,
        email: str | None = None,
        now: datetime | None = None,
    ) -> SignupOutcome:
        """Record a pending alert and the consent given for it; email the opt-in link when it goes by email.

        Args:
            requester: who asks (Rasa's input channel and sender id).
            criteria: what to look for; at least a keyword, a place or a job type.
            frequency: instant or a daily digest.
            consent: the consent wording the person said yes to, exactly as shown.
            email: where to send the alerts; None to send them to this chat (Telegram, Slack).
            now: the time (tests); the current time by default.

        Returns:
            ``awaiting_email_confirmation`` (the link is emailed), ``awaiting_chat_confirmation``
            (call :meth:`confirm_in_chat` when the person presses the button),
            ``already_subscribed`` (an identical live alert exists), or why it was refused:
            ``invalid_email`` and ``invalid_criteria`` (with ``problem``), ``too_broad``,
            ``not_private_chat`` (a group chat or channel), ``chat_delivery_unavailable``
            (the website can only send by email).
        """
        now = as_utc(now or utc_now())
        cleaned = clean_criteria(criteria)
        if isinstance(cleaned, CriteriaProblem):
            return SignupOutcome(SignupStatus.INVALID_CRITERIA, problem=f"{cleaned.field}: {cleaned.reason}")
        scope = alert_scope(cleaned, self._gazetteer)
        if scope.is_too_broad:
            return SignupOutcome(SignupStatus.TOO_BROAD)
        target = _signup_target(requester, email)
        if isinstance(target, SignupOutcome):
            return target
        with self._engine.begin() as connection:
            row = self._pending_alert(connection, requester, target, cleaned, scope, frequency, now)
            if row.status != Status.PENDING.value:
                owned = self._owned_row(connection, requester, row.ref) is not None
                return SignupOutcome(SignupStatus.ALREADY_SUBSCRIBED, alert=alert_from_row(row) if owned else None)
            _record_consent(connection, row, "given", consent.version, _digest(consent.text), requester.channel, now)
        alert = alert_from_row(row)
        if target.delivery != EMAIL:
            return SignupOutcome(SignupStatus.AWAITING_CHAT_CONFIRMATION, alert=alert)
        expires = as_utc(row.created_at) + self._policy.confirm_within
        token = self._signer.sign(Purpose.CONFIRM, row.ref, expires)
        link = self._links.confirm(token)
        sent = self._send_confirmation(ConfirmationMessage(alert, target.address, link, expires))
        return SignupOutcome(
            SignupStatus.AWAITING_EMAIL_CONFIRMATION,
            alert=alert,
            needs_email_confirmation=True,
            confirmation_token=token,
            confirmation_link=link,
            confirmation_sent=sent,
        )

    def confirm_link(self, token: str, now: datetime | None = None) -> ConfirmOutcome:
        """Confirm an email alert from its double opt-in link.

        Returns:
            ``confirmed``, ``already_confirmed``, ``expired`` (link or sign-up), ``invalid_link``,
            or ``not_found`` (deleted, or purged after expiring).
        """
        now = as_utc(now or utc_now())
        subject = self._signer.verify(token, Purpose.CONFIRM, now)
        if isinstance(subject, TokenProblem):
            return ConfirmOutcome(_CONFIRM_PROBLEMS[subject])
        with self._engine.begin() as connection:
            row = _alert_by_ref(connection, subject)
            return self._confirm(connection, row, EMAIL_LINK, now)

    def confirm_in_chat(self, requester: Requester, alert_id: str, now: datetime | None = None) -> ConfirmOutcome:
        """Confirm an alert that goes to this chat, when its owner presses the confirm button.

        Returns:
            As :meth:`confirm_link`; ``email_confirmation_required`` for an email alert, which
            only its link confirms.
        """
        now = as_utc(now or utc_now())
        with self._engine.begin() as connection:
            row = self._owned_row(connection, requester, alert_id) if requester.is_chat_user else None
            if row is not None and row.delivery == EMAIL:
                return ConfirmOutcome(ConfirmStatus.EMAIL_CONFIRMATION_REQUIRED, alert_from_row(row))
            return self._confirm(connection, row, requester.channel, now)

    def check_link(self, token: str, purpose: Purpose, now: datetime | None = None) -> LinkCheck:
        """Whether a signed link works, and the alert it names (for confirm and unsubscribe), without using it."""
        now = as_utc(now or utc_now())
        subject = self._signer.verify(token, purpose, now)
        if isinstance(subject, TokenProblem):
            return LinkCheck(LinkStatus.EXPIRED if subject is TokenProblem.EXPIRED else LinkStatus.INVALID)
        with self._engine.connect() as connection:
            if purpose is Purpose.ERASE:
                found = connection.execute(select(alert_people.c.id).where(alert_people.c.ref == subject)).first()
                return LinkCheck(LinkStatus.VALID if found else LinkStatus.NOT_FOUND)
            row = _alert_by_ref(connection, subject)
        if row is None or (row.status == Status.DELETED.value and purpose is Purpose.CONFIRM):
            return LinkCheck(LinkStatus.NOT_FOUND)
        return LinkCheck(LinkStatus.VALID, alert_from_row(row))

    # Managing alerts.

    def list_alerts(self, requester: Requester) -> list[Alert]:
        """The requester's alerts that are not deleted (pending ones included), oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(alert_subscriptions)
                .where(self._owned(requester), _LIVE)
                .order_by(alert_subscriptions.c.created_at, alert_subscriptions.c.id)
            ).all()
        return [alert_from_row(row) for row in rows]

    def find_alerts(self, requester: Requester, described: SearchCriteria) -> list[Alert]:
        """The requester's alerts that fit a description ("my Leeds alert": ``location="Leeds"``).

        Each part given must match: the keyword's terms are among the alert's, the location is
        the same place, the job type and minimum salary are equal. Parts left None match anything.
        """
        wanted = alert_scope(described, self._gazetteer)
        return [
            alert
            for alert in self.list_alerts(requester)
            if _fits(alert_scope(alert.criteria, self._gazetteer), wanted, described)
        ]

    def edit_alert(
        self, requester: Requester, alert_id: str, criteria: SearchCriteria, now: datetime | None = None
    ) -> ChangeOutcome:
        """Replace an alert's criteria (e.g. its location Leeds -> Bradford); it keeps its consent and delivery.

        Returns:
            ``updated``, ``unchanged``, ``duplicate`` (another live alert has these criteria),
            ``invalid_criteria`` (with ``problem``), ``too_broad`` or ``not_found``.
        """
        now = as_utc(now or utc_now())
        cleaned = clean_criteria(criteria)
        if isinstance(cleaned, CriteriaProblem):
            return ChangeOutcome(ChangeStatus.INVALID_CRITERIA, problem=f"{cleaned.field}: {cleaned.reason}")
        scope = alert_scope(cleaned, self._gazetteer)
        if scope.is_too_broad:
            return ChangeOutcome(ChangeStatus.TOO_BROAD)
        s = alert_subscriptions.c
        try:
            with self._engine.begin() as connection:
                row = self._owned_row(connection, requester, alert_id)
                if row is None:
                    return ChangeOutcome(ChangeStatus.NOT_FOUND)
                if alert_from_row(row).criteria == cleaned:
                    return ChangeOutcome(ChangeStatus.UNCHANGED, (alert_from_row(row),))
                connection.execute(
                    update(alert_subscriptions)
                    .where(s.id == row.id)
                    .values(**_criteria_columns(cleaned, scope), updated_at=now)
                )
                cancel_undelivered(connection, [row.id])
                changed = _alert_by_ref(connection, row.ref)
        except IntegrityError:
            return ChangeOutcome(ChangeStatus.DUPLICATE)
        return ChangeOutcome(ChangeStatus.UPDATED, (alert_from_row(changed),))

    def pause(self, requester: Requester, alert_id: str | None = None, now: datetime | None = None) -> ChangeOutcome:
        """Pause one active alert, or all of them (``alert_id`` None); nothing matched meanwhile is sent later.

        Returns:
            ``paused``, ``unchanged`` (none was active) or ``not_found``.
        """
        return self._change(requester, alert_id, (Status.ACTIVE,), Status.PAUSED, ChangeStatus.PAUSED, now)

    def resume(self, requester: Requester, alert_id: str | None = None, now: datetime | None = None) -> ChangeOutcome:
        """Resume one paused alert, or all of them; it sends vacancies that are new from now on.

        Returns:
            ``resumed``, ``unchanged`` (none was paused) or ``not_found``.
        """
        return self._change(requester, alert_id, (Status.PAUSED,), Status.ACTIVE, ChangeStatus.RESUMED, now)

    def delete(self, requester: Requester, alert_id: str | None = None, now: datetime | None = None) -> ChangeOutcome:
        """Delete one alert, or all of them ("stop my job alerts"); the withdrawal is recorded with the consent.

        Returns:
            ``deleted`` or ``not_found``.
        """
        statuses = (Status.PENDING, Status.ACTIVE, Status.PAUSED)
        return self._change(requester, alert_id, statuses, Status.DELETED, ChangeStatus.DELETED, now)

    def unsubscribe_link(self, token: str, now: datetime | None = None) -> ChangeOutcome:
        """Delete the alert an unsubscribe link names (one click, no login).

        Returns:
            ``deleted``, ``unchanged`` (already unsubscribed), ``expired``, ``invalid_link`` or ``not_found``.
        """
        now = as_utc(now or utc_now())
        subject = self._signer.verify(token, Purpose.UNSUBSCRIBE, now)
        if isinstance(subject, TokenProblem):
            return ChangeOutcome(_CHANGE_PROBLEMS[subject])
        with self._engine.begin() as connection:
            row = _alert_by_ref(connection, subject)
            if row is None:
                return ChangeOutcome(ChangeStatus.NOT_FOUND)
            if row.status == Status.DELETED.value:
                return ChangeOutcome(ChangeStatus.UNCHANGED, (alert_from_row(row),))
            _set_statuses(connection, [row], Status.DELETED, EMAIL_LINK, now)
            log.info("alert %s: unsubscribed by link", row.ref)
            return ChangeOutcome(ChangeStatus.DELETED, (alert_from_row(_alert_by_ref(connection, row.ref)),))

    def alerts_for_address(self, address: str) -> list[Alert]:
        """Every alert of the person with this email address or sent to it (for operators, not for chat)."""
        p, s = alert_people.c, alert_subscriptions.c
        checked = email_address(address)
        normalised = checked if not isinstance(checked, EmailProblem) else address.strip().lower()
        person = select(p.id).where(p.channel == EMAIL, p.user_id == normalised)
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(alert_subscriptions)
                .where(or_(s.person_id.in_(person), and_(s.delivery == EMAIL, s.address == normalised)))
                .order_by(s.created_at, s.id)
            ).all()
        return [alert_from_row(row) for row in rows]

    # Erasure.

    def forget_me(self, requester: Requester, now: datetime | None = None) -> ErasureOutcome:
        """Erase everything held about the requester: alerts, consents, deliveries, callback requests, chat history.

        A Telegram or Slack user is erased entirely; a website conversation erases what was made
        in it (an email alert's own emails carry a link that erases that person entirely).
        Rasa saves this conversation again when the current turn ends, so it is erased once
        more by :meth:`purge_expired` after a grace period; ``deleted`` counts rows per table.

        Returns:
            ``erased``, or ``nothing_held``.
        """
        now = as_utc(now or utc_now())
        with self._engine.connect() as connection:
            plan = _plan_for_requester(connection, requester)
        return self._erase(plan, now, pending_sender=requester.sender_id)

    def erase_link(self, token: str, now: datetime | None = None) -> ErasureOutcome:
        """Erase the person an erase link names, with all their alerts and conversations.

        Returns:
            ``erased``, ``nothing_held`` (already erased), ``expired`` or ``invalid_link``.
        """
        now = as_utc(now or utc_now())
        subject = self._signer.verify(token, Purpose.ERASE, now)
        if isinstance(subject, TokenProblem):
            return ErasureOutcome(
                ErasureStatus.EXPIRED if subject is TokenProblem.EXPIRED else ErasureStatus.INVALID_LINK
            )
        with self._engine.connect() as connection:
            person = connection.execute(select(alert_people.c.id).where(alert_people.c.ref == subject)).scalar()
            plan = _plan_for_people(connection, {person}) if person is not None else _ErasurePlan()
        return self._erase(plan, now, pending_sender=None)

    # Worker jobs.

    def dispatch(self, now: datetime | None = None) -> DispatchReport:
        """Match new vacancies to active alerts and deliver what is due (see :mod:`recruitbot.alerts.dispatch`)."""
        return self._dispatcher.run(as_utc(now or utc_now()))

    def after_import(self, report: ImportReport) -> DispatchReport | None:
        """Dispatch when an import added vacancies (hand this to the feed sync as its ``after_import``)."""
        return self.dispatch() if report.created else None

    def purge_expired(self, now: datetime | None = None) -> PurgeReport:
        """Remove sign-ups never confirmed in time (and people left with nothing); finish "forget me" erasures."""
        now = as_utc(now or utc_now())
        s = alert_subscriptions.c
        with self._engine.begin() as connection:
            expired = connection.execute(
                select(s.id, s.person_id).where(
                    s.status == Status.PENDING.value, s.created_at <= now - self._policy.confirm_within
                )
            ).all()
            deleted = _delete_alerts(connection, [row.id for row in expired])
            left_with_none = _people_without_alerts(connection, {row.person_id for row in expired})
            people = _delete_person_rows(connection, left_with_none, set(), set())[alert_people.name]
        if expired:
            log.info("purged %d unconfirmed sign-ups and %d people left with none", len(expired), people)
        erased = self.complete_erasures(now)
        return PurgeReport(subscriptions=deleted[alert_subscriptions.name], people=people, conversations_erased=erased)

    def complete_erasures(self, now: datetime | None = None) -> int:
        """Erase again the conversations whose "forget me" turn is surely over; return how many."""
        now = as_utc(now or utc_now())
        e = alert_pending_erasures.c
        with self._engine.connect() as connection:
            due = connection.execute(select(e.sender_id).where(e.not_before <= now)).scalars().all()
        if not due:
            return 0
        self._conversations.erase(due)
        with self._engine.begin() as connection:
            connection.execute(delete(alert_pending_erasures).where(e.sender_id.in_(due), e.not_before <= now))
        return len(due)

    # Helpers.

    def _pending_alert(
        self,
        connection: Connection,
        requester: Requester,
        target: _Target,
        criteria: SearchCriteria,
        scope: AlertScope,
        frequency: Frequency,
        now: datetime,
    ) -> Any:
        """A new pending alert; or the live one with the same criteria, restarted if still pending."""
        person_id = _person_id(connection, target.person_channel, target.person_user_id, now)
        connection.execute(
            insert_ignoring(connection, alert_conversations, ["person_id", "channel", "sender_id"]).values(
                person_id=person_id, channel=requester.channel, sender_id=requester.sender_id, created_at=now
            )
        )
        s = alert_subscriptions.c
        values = {
            "person_id": person_id,
            "origin_channel": requester.channel,
            "origin_sender_id": requester.sender_id,
            **_criteria_columns(criteria, scope),
            "frequency": frequency.value,
            "delivery": target.delivery,
            "address": target.address,
            "status": Status.PENDING.value,
            "created_at": now,
            "updated_at": now,
        }
        unique = ["person_id", "criteria_key", "delivery", "address"]
        ref = _new_ref()
        insert = insert_ignoring(connection, alert_subscriptions, unique, where=_LIVE)
        connection.execute(insert.values(ref=ref, **values))
        row = _alert_by_ref(connection, ref)
        if row is not None:
            return row
        existing = connection.execute(
            select(alert_subscriptions).where(*(s[name] == values[name] for name in unique), _LIVE)
        ).one()
        if existing.status == Status.PENDING.value:
            # Asked again before confirming: the newest wording, frequency and expiry win.
            connection.execute(update(alert_subscriptions).where(s.id == existing.id).values(**values))
            return _alert_by_ref(connection, existing.ref)
        return existing

    def _confirm(self, connection: Connection, row: Any, channel: str, now: datetime) -> ConfirmOutcome:
        if row is None or row.status == Status.DELETED.value:
            return ConfirmOutcome(ConfirmStatus.NOT_FOUND)
        if row.status != Status.PENDING.value:
            return ConfirmOutcome(ConfirmStatus.ALREADY_CONFIRMED, alert_from_row(row))
        if as_utc(row.created_at) + self._policy.confirm_within <= now:
            return ConfirmOutcome(ConfirmStatus.EXPIRED, alert_from_row(row))
        s = alert_subscriptions.c
        connection.execute(
            update(alert_subscriptions)
            .where(s.id == row.id, s.status == Status.PENDING.value)
            .values(status=Status.ACTIVE.value, confirmed_at=now, updated_at=now)
        )
        _record_consent(connection, row, "confirmed", *_given_wording(connection, row.id), channel, now)
        log.info("alert %s: confirmed by %s", row.ref, channel)
        return ConfirmOutcome(ConfirmStatus.CONFIRMED, alert_from_row(_alert_by_ref(connection, row.ref)))

    def _change(
        self,
        requester: Requester,
        alert_id: str | None,
        from_statuses: tuple[Status, ...],
        to_status: Status,
        done: ChangeStatus,
        now: datetime | None,
    ) -> ChangeOutcome:
        """Move the requester's alert (or all of them) from any of ``from_statuses`` to ``to_status``."""
        now = as_utc(now or utc_now())
        s = alert_subscriptions.c
        with self._engine.begin() as connection:
            query = select(alert_subscriptions).where(self._owned(requester), _LIVE).order_by(s.created_at, s.id)
            if alert_id is not None:
                query = query.where(s.ref == alert_id)
            rows = connection.execute(query).all()
            if not rows:
                return ChangeOutcome(ChangeStatus.NOT_FOUND)
            targets = [row for row in rows if Status(row.status) in from_statuses]
            if not targets:
                return ChangeOutcome(ChangeStatus.UNCHANGED, tuple(alert_from_row(row) for row in rows))
            _set_statuses(connection, targets, to_status, requester.channel, now)
            changed = connection.execute(
                select(alert_subscriptions).where(s.id.in_([row.id for row in targets])).order_by(s.created_at, s.id)
            ).all()
        return ChangeOutcome(done, tuple(alert_from_row(row) for row in changed))

    def _owned(self, requester: Requester) -> ColumnElement[Any]:
        """The alerts ``requester`` may see and change."""
        s = alert_subscriptions.c
        if requester.is_chat_user:
            p = alert_people.c
            person = select(p.id).where(p.channel == requester.channel, p.user_id == requester.sender_id)
            return s.person_id.in_(person)
        return and_(s.origin_channel == requester.channel, s.origin_sender_id == requester.sender_id)

    def _owned_row(self, connection: Connection, requester: Requester, alert_id: str) -> Any:
        return connection.execute(
            select(alert_subscriptions).where(
                alert_subscriptions.c.ref == alert_id, self._owned(requester), _LIVE
            )
        ).first()

    def _send_confirmation(self, message: ConfirmationMessage) -> bool:
        try:
            self._confirmations.send_confirmation(message)
        except Exception as exc:  # the sign-up stands; asking again resends the email
            log.warning("alert %s: confirmation email to %s failed: %s", message.alert.id, mask(message.recipient),
                        type(exc).__name__)
            return False
        return True

    def _erase(self, plan: _ErasurePlan, now: datetime, pending_sender: str | None) -> ErasureOutcome:
        """Erase the conversations first: if that fails, the database still says which to erase."""
        from_tracker = self._conversations.erase(plan.sender_ids)
        with self._engine.begin() as connection:
            owners = _owners(connection, plan.subscriptions)
            deleted = _delete_alerts(connection, plan.subscriptions)
            people = plan.people | _people_without_alerts(connection, owners)
            for name, count in _delete_person_rows(connection, people, plan.sender_ids, plan.emails).items():
                deleted[name] = deleted.get(name, 0) + count
            if pending_sender is not None:
                e = alert_pending_erasures.c
                connection.execute(delete(alert_pending_erasures).where(e.sender_id == pending_sender))
                connection.execute(
                    alert_pending_erasures.insert().values(
                        sender_id=pending_sender, not_before=now + self._policy.erasure_grace
                    )
                )
        deleted[TRACKER_STORE] = from_tracker
        held = any(count for name, count in deleted.items())
        log.info("erased a person's data: %s", ", ".join(f"{name} {count}" for name, count in sorted(deleted.items())))
        return ErasureOutcome(ErasureStatus.ERASED if held else ErasureStatus.NOTHING_HELD, deleted)


_CONFIRM_PROBLEMS = {TokenProblem.EXPIRED: ConfirmStatus.EXPIRED, TokenProblem.INVALID: ConfirmStatus.INVALID_LINK}
_CHANGE_PROBLEMS = {TokenProblem.EXPIRED: ChangeStatus.EXPIRED, TokenProblem.INVALID: ChangeStatus.INVALID_LINK}


def _signup_target(requester: Requester, email: str | None) -> _Target | SignupOutcome:
    """Whose alert it is and where it goes, or why it cannot be."""
    if email is not None:
        checked = email_address(email)
        if isinstance(checked, EmailProblem):
            return SignupOutcome(SignupStatus.INVALID_EMAIL, problem=checked.reason)
        if requester.is_chat_user:
            return _Target(requester.channel, requester.sender_id, EMAIL, checked)
        return _Target(EMAIL, checked, EMAIL, checked)
    if not requester.is_chat_user:
        return SignupOutcome(SignupStatus.CHAT_DELIVERY_UNAVAILABLE)
    if not is_private_chat(requester.channel, requester.sender_id):
        return SignupOutcome(SignupStatus.NOT_PRIVATE_CHAT)
    return _Target(requester.channel, requester.sender_id, requester.channel, requester.sender_id)


def email_address(text: str) -> str | EmailProblem:
    """The address in ``text``, validated, in lower case: one person, however they type it."""
    checked = check_email(text)
    return checked if isinstance(checked, EmailProblem) else checked.value.lower()


def is_private_chat(channel: str, sender_id: str) -> bool:
    """True when ``sender_id`` is one user's own chat: Telegram groups have negative ids, Slack users start U or W."""
    if channel == "telegram":
        return sender_id.isdigit()
    if channel == "slack":
        return sender_id[:1] in ("U", "W")
    return False


def _criteria_columns(criteria: SearchCriteria, scope: AlertScope) -> dict[str, Any]:
    return {
        "keyword": criteria.keyword,
        "location": criteria.location,
        "job_type": criteria.job_type,
        "min_salary": criteria.min_salary,
        "criteria_key": scope.key,
    }


def _fits(alert: AlertScope, wanted: AlertScope, described: SearchCriteria) -> bool:
    if described.keyword and not set(wanted.terms) <= set(alert.terms):
        return False
    if described.location and (wanted.place, wanted.place_words) != (alert.place, alert.place_words):
        return False
    if described.job_type and wanted.job_type != alert.job_type:
        return False
    return not described.min_salary or wanted.min_salary == alert.min_salary


def _new_ref() -> str:
    return secrets.token_urlsafe(16)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _person_id(connection: Connection, channel: str, user_id: str, now: datetime) -> int:
    """The person's row id, made now if new (the unique identity decides between racing sign-ups)."""
    p = alert_people.c
    connection.execute(
        insert_ignoring(connection, alert_people, ["channel", "user_id"]).values(
            ref=_new_ref(), channel=channel, user_id=user_id, created_at=now
        )
    )
    return int(connection.execute(select(p.id).where(p.channel == channel, p.user_id == user_id)).scalar_one())


def _alert_by_ref(connection: Connection, ref: str) -> Any:
    return connection.execute(select(alert_subscriptions).where(alert_subscriptions.c.ref == ref)).first()


def _record_consent(
    connection: Connection, row: Any, event: str, version: str, wording_hash: str, channel: str, now: datetime
) -> None:
    connection.execute(
        alert_consents.insert().values(
            person_id=row.person_id,
            subscription_id=row.id,
            event=event,
            wording_version=version,
            wording_hash=wording_hash,
            channel=channel,
            recorded_at=now,
        )
    )


def _given_wording(connection: Connection, subscription_id: int) -> tuple[str, str]:
    """The version and hash of the wording last agreed to for an alert."""
    c = alert_consents.c
    found = connection.execute(
        select(c.wording_version, c.wording_hash)
        .where(c.subscription_id == subscription_id, c.event == "given")
        .order_by(c.recorded_at.desc(), c.id.desc())
    ).first()
    return (found.wording_version, found.wording_hash) if found is not None else _UNKNOWN_WORDING


def _set_statuses(connection: Connection, rows: list[Any], status: Status, channel: str, now: datetime) -> None:
    """Move ``rows`` to ``status``; drop what they had not yet sent; record a withdrawal of consent on delete."""
    ids = [row.id for row in rows]
    connection.execute(
        update(alert_subscriptions).where(alert_subscriptions.c.id.in_(ids)).values(status=status.value, updated_at=now)
    )
    cancel_undelivered(connection, ids)
    if status is Status.DELETED:
        for row in rows:
            _record_consent(connection, row, "withdrawn", *_given_wording(connection, row.id), channel, now)


def _plan_for_requester(connection: Connection, requester: Requester) -> _ErasurePlan:
    """A chat user entirely; a website conversation, what was made in it."""
    if requester.is_chat_user:
        p = alert_people.c
        person = connection.execute(
            select(p.id).where(p.channel == requester.channel, p.user_id == requester.sender_id)
        ).scalar()
        plan = _plan_for_people(connection, {person}) if person is not None else _ErasurePlan()
    else:
        s = alert_subscriptions.c
        made_here = connection.execute(
            select(s.id).where(s.origin_channel == requester.channel, s.origin_sender_id == requester.sender_id)
        ).scalars()
        plan = _ErasurePlan(subscriptions=set(made_here))
    plan.sender_ids.add(requester.sender_id)
    return plan


def _plan_for_people(connection: Connection, people: set[int]) -> _ErasurePlan:
    """These people, their alerts, their conversations and the email addresses they confirmed."""
    s, c = alert_subscriptions.c, alert_conversations.c
    alerts = connection.execute(
        select(s.id, s.delivery, s.address, s.confirmed_at).where(s.person_id.in_(people))
    ).all()
    senders = connection.execute(select(c.sender_id).where(c.person_id.in_(people))).scalars()
    p = alert_people.c
    identities = connection.execute(select(p.user_id).where(p.id.in_(people), p.channel == EMAIL)).scalars()
    return _ErasurePlan(
        subscriptions={row.id for row in alerts},
        people=set(people),
        sender_ids=set(senders),
        # Only confirmed addresses: an address merely typed in may be someone else's.
        emails={row.address for row in alerts if row.delivery == EMAIL and row.confirmed_at} | set(identities),
    )


def _owners(connection: Connection, alert_ids: Collection[int]) -> set[int]:
    s = alert_subscriptions.c
    return set(connection.execute(select(s.person_id).where(s.id.in_(alert_ids))).scalars()) if alert_ids else set()


def _delete_alerts(connection: Connection, ids: Collection[int]) -> dict[str, int]:
    """Delete alerts with their deliveries and consents; return the rows deleted per table."""
    d = alert_deliveries.c
    # The ledger is indexed by person (its unique key), not by alert: reach the rows through it.
    deliveries = and_(d.person_id.in_(_owners(connection, ids)), d.subscription_id.in_(ids))
    counts: dict[str, int] = {}
    for table, condition in (
        (alert_deliveries, deliveries),
        (alert_consents, alert_consents.c.subscription_id.in_(ids)),
        (alert_subscriptions, alert_subscriptions.c.id.in_(ids)),
    ):
        counts[table.name] = connection.execute(delete(table).where(condition)).rowcount if ids else 0
    return counts


def _people_without_alerts(connection: Connection, people: set[int]) -> set[int]:
    s = alert_subscriptions.c
    if not people:
        return set()
    keeping = set(connection.execute(select(s.person_id).where(s.person_id.in_(people)).distinct()).scalars())
    return people - keeping


def _delete_person_rows(
    connection: Connection, people: set[int], sender_ids: set[str], emails: set[str]
) -> dict[str, int]:
    """Delete people with everything keyed by them, and the callback requests of their conversations and addresses."""
    counts: dict[str, int] = {}
    for table in (alert_deliveries, alert_consents, alert_subscriptions):
        counts[table.name] = connection.execute(delete(table).where(table.c.person_id.in_(people))).rowcount
    c = alert_conversations.c
    counts[alert_conversations.name] = connection.execute(
        delete(alert_conversations).where(or_(c.person_id.in_(people), c.sender_id.in_(sender_ids)))
    ).rowcount
    counts[alert_people.name] = connection.execute(delete(alert_people).where(alert_people.c.id.in_(people))).rowcount
    r = callback_requests.c
    counts[callback_requests.name] = connection.execute(
        delete(callback_requests).where(
            or_(r.sender_id.in_(sender_ids), and_(r.contact_kind == EMAIL, func.lower(r.contact).in_(emails)))
        )
    ).rowcount
    return counts

