from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from recruitbot.alerts.model import (
    ChangeStatus,
    ConfirmStatus,
    Frequency,
    Requester,
    SignupStatus,
    Status,
)
from recruitbot.alerts.service import AlertService
from recruitbot.alerts.tokens import LinkSigner, Purpose
from recruitbot.places import Gazetteer
from recruitbot.schema import alert_consents, alert_people, alert_subscriptions
from recruitbot.vacancies.model import SearchCriteria
from tests.alerts.helpers import (
    CONSENT,
    PUBLIC_URL,
    SECRET,
    SLACK,
    T0,
    TELEGRAM,
    WEB,
    RecordingNotifier,
    at,
    import_vacancies,
    subscribe,
)
from tests.vacancies.builders import record

MARKETING_LEEDS = SearchCriteria(keyword="marketing", location="Leeds")


def count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def consents(engine: Engine) -> list[tuple[str, str, str, str]]:
    c = alert_consents.c
    with engine.connect() as connection:
        rows = connection.execute(select(c.event, c.wording_version, c.wording_hash, c.channel).order_by(c.id))
        return [tuple(row) for row in rows]


def test_website_signup_waits_for_the_emailed_link_and_records_consent(
    service: AlertService, recorder: RecordingNotifier, engine: Engine, gazetteer: Gazetteer
) -> None:
    email = " Jo.Bloggs@Example.COM "
    outcome = service.start_signup(WEB, MARKETING_LEEDS, Frequency.INSTANT, CONSENT, email=email, now=T0)

    assert outcome.status is SignupStatus.AWAITING_EMAIL_CONFIRMATION
    assert outcome.needs_email_confirmation and outcome.confirmation_sent
    assert outcome.alert is not None and outcome.alert.status is Status.PENDING
    assert outcome.alert.address_hint == "j***@example.com"
    assert outcome.confirmation_link == f"{PUBLIC_URL}/alerts/confirm?token={outcome.confirmation_token}"
    [mail] = recorder.confirmations
    assert (mail.recipient, mail.link) == ("jo.bloggs@example.com", outcome.confirmation_link)
    assert mail.expires_at == T0 + timedelta(hours=48)
    wording_hash = hashlib.sha256(CONSENT.text.encode()).hexdigest()
    assert consents(engine) == [("given", "alerts-v1", wording_hash, "socketio")]

    # Nothing is sent before confirmation, however well a vacancy matches.
    import_vacancies(engine, gazetteer, [record("V1", title="Marketing Assistant")], now=at(5))
    assert service.dispatch(now=at(6)).messages_sent == 0 and recorder.sent == []

    assert outcome.confirmation_token is not None
    confirmed = service.confirm_link(outcome.confirmation_token, now=at(10))
    assert confirmed.status is ConfirmStatus.CONFIRMED
    assert confirmed.alert is not None and confirmed.alert.status is Status.ACTIVE
    assert confirmed.alert.confirmed_at == at(10)
    assert consents(engine)[-1] == ("confirmed", "alerts-v1", wording_hash, "email-link")
    again = service.confirm_link(outcome.confirmation_token, now=at(11))
    assert again.status is ConfirmStatus.ALREADY_CONFIRMED


def test_a_bad_email_is_refused_with_the_validators_reason_and_nothing_stored(
    service: AlertService, engine: Engine
) -> None:
    outcome = service.start_signup(WEB, MARKETING_LEEDS, Frequency.INSTANT, CONSENT, email="jo@@example", now=T0)
    assert outcome.status is SignupStatus.INVALID_EMAIL
    assert outcome.problem and "@" in outcome.problem
    assert (count(engine, alert_people), count(engine, alert_subscriptions), count(engine, alert_consents)) == (0, 0, 0)


@pytest.mark.parametrize(
    ("criteria", "status"),
    [
        (SearchCriteria(), SignupStatus.TOO_BROAD),
        (SearchCriteria(keyword="jobs", location="anywhere", min_salary=30000), SignupStatus.TOO_BROAD),
        (SearchCriteria(keyword="admin", job_type="freelance"), SignupStatus.INVALID_CRITERIA),
        (SearchCriteria(keyword="admin", min_salary=-5), SignupStatus.INVALID_CRITERIA),
        (SearchCriteria(keyword="x" * 201), SignupStatus.INVALID_CRITERIA),
    ],
)
def test_criteria_that_cannot_make_an_alert_are_refused(
    service: AlertService, engine: Engine, criteria: SearchCriteria, status: SignupStatus
) -> None:
    outcome = service.start_signup(TELEGRAM, criteria, Frequency.INSTANT, CONSENT, now=T0)
    assert outcome.status is status
    assert count(engine, alert_subscriptions) == 0


def test_chat_delivery_needs_a_private_telegram_or_slack_chat(service: AlertService) -> None:
    group = Requester("telegram", "-1001234567")
    channel = Requester("slack", "C0CHANNEL")
    for requester, status in ((WEB, SignupStatus.CHAT_DELIVERY_UNAVAILABLE),
                              (group, SignupStatus.NOT_PRIVATE_CHAT), (channel, SignupStatus.NOT_PRIVATE_CHAT)):
        assert service.start_signup(requester, MARKETING_LEEDS, Frequency.DAILY, CONSENT, now=T0).status is status


def test_chat_signup_is_confirmed_by_its_owner_with_a_button(service: AlertService, engine: Engine) -> None:
    outcome = service.start_signup(TELEGRAM, MARKETING_LEEDS, Frequency.DAILY, CONSENT, now=T0)
    assert outcome.status is SignupStatus.AWAITING_CHAT_CONFIRMATION
    assert (outcome.needs_email_confirmation, outcome.confirmation_token) == (False, None)
    assert outcome.alert is not None and outcome.alert.delivery == "telegram"

    someone_else = Requester("telegram", "999")
    assert service.confirm_in_chat(someone_else, outcome.alert.id, now=at(1)).status is ConfirmStatus.NOT_FOUND
    assert service.confirm_in_chat(TELEGRAM, outcome.alert.id, now=at(1)).status is ConfirmStatus.CONFIRMED
    assert [event for event, *_ in consents(engine)] == ["given", "confirmed"]
    assert consents(engine)[-1][3] == "telegram"


def test_an_email_alert_asked_for_in_chat_still_needs_its_link(service: AlertService) -> None:
    outcome = service.start_signup(SLACK, MARKETING_LEEDS, Frequency.INSTANT, CONSENT, email="sam@example.com", now=T0)
    assert outcome.status is SignupStatus.AWAITING_EMAIL_CONFIRMATION and outcome.alert is not None
    refused = service.confirm_in_chat(SLACK, outcome.alert.id, now=at(1))
    assert refused.status is ConfirmStatus.EMAIL_CONFIRMATION_REQUIRED
    assert [alert.delivery for alert in service.list_alerts(SLACK)] == ["email"]


def test_the_same_alert_written_differently_is_already_subscribed(service: AlertService, engine: Engine) -> None:
    alert_id = subscribe(service, MARKETING_LEEDS)
    same = SearchCriteria(keyword="Marketing jobs", location="  leeds city centre ")
    outcome = service.start_signup(WEB, same, Frequency.DAILY, CONSENT, email="jo.bloggs@example.com", now=at(5))
    assert outcome.status is SignupStatus.ALREADY_SUBSCRIBED
    assert outcome.alert is not None and outcome.alert.id == alert_id
    assert count(engine, alert_subscriptions) == 1


def test_another_conversation_learns_nothing_of_an_existing_alert(service: AlertService) -> None:
    subscribe(service, MARKETING_LEEDS)
    stranger = Requester("socketio", "web-session-2")
    outcome = service.start_signup(stranger, MARKETING_LEEDS, Frequency.INSTANT, CONSENT,
                                   email="jo.bloggs@example.com", now=at(5))
    assert (outcome.status, outcome.alert) == (SignupStatus.ALREADY_SUBSCRIBED, None)
    assert service.list_alerts(stranger) == []


def test_asking_again_before_confirming_restarts_the_same_pending_alert(
    service: AlertService, recorder: RecordingNotifier
) -> None:
    first = service.start_signup(WEB, MARKETING_LEEDS, Frequency.INSTANT, CONSENT, email="jo@example.com", now=T0)
    second = service.start_signup(WEB, MARKETING_LEEDS, Frequency.DAILY, CONSENT, email="jo@example.com", now=at(60))
    assert second.status is SignupStatus.AWAITING_EMAIL_CONFIRMATION
    assert first.alert is not None and second.alert is not None
    assert second.alert.id == first.alert.id and second.alert.frequency is Frequency.DAILY
    assert [mail.expires_at for mail in recorder.confirmations] == [at(48 * 60), at(49 * 60)]


def test_the_database_refuses_a_second_live_copy_of_an_alert(service: AlertService, engine: Engine) -> None:
    subscribe(service, MARKETING_LEEDS)
    with engine.connect() as connection:
        row = connection.execute(select(alert_subscriptions)).one()._asdict()
    duplicate = {**row, "id": None, "ref": "another-ref"}
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(alert_subscriptions.insert().values(**{k: v for k, v in duplicate.items() if v is not None}))
    deleted = {**duplicate, "status": "deleted"}
    with engine.begin() as connection:
        connection.execute(alert_subscriptions.insert().values(**{k: v for k, v in deleted.items() if v is not None}))


def test_unconfirmed_signups_expire_and_are_purged_with_the_person(service: AlertService, engine: Engine) -> None:
    outcome = service.start_signup(WEB, MARKETING_LEEDS, Frequency.INSTANT, CONSENT, email="jo@example.com", now=T0)
    subscribe(service, SearchCriteria(keyword="payroll"), requester=TELEGRAM, email=None)
    assert outcome.confirmation_token is not None
    late = T0 + timedelta(hours=48)
    assert service.confirm_link(outcome.confirmation_token, now=late).status is ConfirmStatus.EXPIRED

    assert service.purge_expired(now=late - timedelta(seconds=1)).subscriptions == 0
    report = service.purge_expired(now=late)
    assert (report.subscriptions, report.people) == (1, 1)
    assert count(engine, alert_subscriptions) == 1 and count(engine, alert_people) == 1
    assert [event for event, *_ in consents(engine)] == ["given", "confirmed"]  # the Telegram alert's
    assert service.check_link(outcome.confirmation_token, Purpose.CONFIRM, now=T0).status.value == "not_found"


def test_chat_users_list_find_edit_pause_resume_and_delete_their_alerts(service: AlertService) -> None:
    leeds = subscribe(service, MARKETING_LEEDS, requester=TELEGRAM, email=None)
    hr = subscribe(service, SearchCriteria(keyword="hr", job_type="temp"), requester=TELEGRAM, email="t@example.com")
    assert [alert.id for alert in service.list_alerts(TELEGRAM)] == [leeds, hr]
    assert service.list_alerts(Requester("telegram", "999")) == []

    assert [a.id for a in service.find_alerts(TELEGRAM, SearchCriteria(location="leeds"))] == [leeds]
    assert [a.id for a in service.find_alerts(TELEGRAM, SearchCriteria(keyword="HR"))] == [hr]

    edited = service.edit_alert(TELEGRAM, leeds, SearchCriteria(keyword="marketing", location="Bradford"), now=at(5))
    assert edited.status is ChangeStatus.UPDATED and edited.alerts[0].criteria.location == "Bradford"
    clash = service.edit_alert(TELEGRAM, leeds, SearchCriteria(keyword="hr", job_type="temp"), now=at(6))
    # Same criteria, but one goes by email and one to this chat: two different alerts.
    assert clash.status is ChangeStatus.UPDATED
    same = service.edit_alert(TELEGRAM, leeds, SearchCriteria(keyword="hr", job_type="temp"))
    assert same.status is ChangeStatus.UNCHANGED
    assert service.edit_alert(TELEGRAM, leeds, SearchCriteria()).status is ChangeStatus.TOO_BROAD
    assert service.edit_alert(Requester("telegram", "999"), leeds, MARKETING_LEEDS).status is ChangeStatus.NOT_FOUND

    paused = service.pause(TELEGRAM, now=at(7))
    assert paused.status is ChangeStatus.PAUSED and {a.status for a in paused.alerts} == {Status.PAUSED}
    assert service.pause(TELEGRAM, now=at(8)).status is ChangeStatus.UNCHANGED
    resumed = service.resume(TELEGRAM, hr, now=at(9))
    assert [(a.id, a.status) for a in resumed.alerts] == [(hr, Status.ACTIVE)]
    deleted = service.delete(TELEGRAM, now=at(10))
    assert deleted.status is ChangeStatus.DELETED and len(deleted.alerts) == 2
    assert service.list_alerts(TELEGRAM) == []
    assert service.delete(TELEGRAM).status is ChangeStatus.NOT_FOUND


def test_editing_to_match_another_alert_of_the_same_delivery_is_a_duplicate(service: AlertService) -> None:
    leeds = subscribe(service, MARKETING_LEEDS, requester=TELEGRAM, email=None)
    subscribe(service, SearchCriteria(keyword="marketing", location="Bradford"), requester=TELEGRAM, email=None)
    clash = service.edit_alert(TELEGRAM, leeds, SearchCriteria(keyword="Marketing", location="bradford"), now=at(5))
    assert clash.status is ChangeStatus.DUPLICATE
    assert [a.criteria.location for a in service.list_alerts(TELEGRAM)] == ["Leeds", "Bradford"]


def test_a_website_conversation_manages_only_the_alerts_made_in_it(service: AlertService) -> None:
    mine = subscribe(service, MARKETING_LEEDS)
    other_session = Requester("socketio", "web-session-2")
    subscribe(service, SearchCriteria(keyword="payroll"), requester=other_session)
    assert [alert.id for alert in service.list_alerts(WEB)] == [mine]
    assert service.delete(other_session, mine).status is ChangeStatus.NOT_FOUND
    assert service.delete(WEB, mine).status is ChangeStatus.DELETED


def test_the_unsubscribe_link_deletes_its_alert_once(service: AlertService, engine: Engine) -> None:
    alert_id = subscribe(service, MARKETING_LEEDS)
    token = LinkSigner(SECRET).sign(Purpose.UNSUBSCRIBE, alert_id, T0 + timedelta(days=30))
    first = service.unsubscribe_link(token, now=at(5))
    assert first.status is ChangeStatus.DELETED and first.alerts[0].status is Status.DELETED
    assert service.unsubscribe_link(token, now=at(6)).status is ChangeStatus.UNCHANGED
    assert [event for event, *_ in consents(engine)] == ["given", "confirmed", "withdrawn"]
    assert consents(engine)[-1][3] == "email-link"
    assert service.unsubscribe_link(token + "x", now=at(6)).status is ChangeStatus.INVALID_LINK
    assert service.unsubscribe_link(token, now=T0 + timedelta(days=31)).status is ChangeStatus.EXPIRED
