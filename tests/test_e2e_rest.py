"""The real Rasa and action servers on free ports, holding a conversation over the REST channel."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from recruitbot.alerts.conversations import make_conversation_store
from recruitbot.keys import SECRET_HEADER, action_secret
from recruitbot.run import Stack, ask
from recruitbot.settings import load_settings
from tests.helpers import running_stack

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.model, pytest.mark.servers]


def response_texts(name: str) -> list[str]:
    for source in (ROOT / "domain.yml", ROOT / "data" / "responses" / "faq.yml"):
        responses = yaml.safe_load(source.read_text()).get("responses", {})
        if name in responses:
            return [variation["text"] for variation in responses[name]]
    raise KeyError(name)


@pytest.fixture(scope="module")
def var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def stack(trained_model: Path, var: Path) -> Iterator[Stack]:
    # Every test talks from 127.0.0.1: no rate per address.
    with running_stack(trained_model, var, RECRUITBOT_IP_MESSAGES_PER_MINUTE="0") as running:
        yield running


def outbox(var: Path) -> list[str]:
    """The emails written to the offline outbox so far."""
    return [mail.read_text() for mail in sorted((var / "outbox").glob("*.eml"))]


def texts(stack: Stack, sender: str, message: str) -> list[str]:
    return [str(reply.get("text", "")) for reply in ask(stack.ports.rasa, sender, message)]


def test_a_candidate_asks_questions_then_asks_for_a_person(stack: Stack, var: Path) -> None:
    sender = f"e2e-{uuid.uuid4().hex}"
    greeting = ask(stack.ports.rasa, sender, "hi there")
    assert [r["text"] for r in greeting] == response_texts("utter_greet")
    assert "/human_handoff" in [b["payload"] for b in greeting[0]["buttons"]]

    assert texts(stack, sender, "does getting a 2nd interview mean ive got the job??") == response_texts(
        "utter_faq/second_interview_meaning")
    # The related-question button sends its title as text; it must reach its own answer.
    assert texts(stack, sender, "Why do employers hold second interviews?") == response_texts(
        "utter_faq/second_interview_purpose")

    assert texts(stack, sender, "can I speak to a real person please") == (
        response_texts("utter_handoff_intro") + response_texts("utter_ask_handoff_name"))
    assert texts(stack, sender, "Sam Patel") == [
        response_texts("utter_ask_handoff_contact")[0].replace("{handoff_name}", "Sam Patel")]
    [refusal, reask] = texts(stack, sender, "sam.patel@@example")
    assert refusal.startswith("That email address doesn't look right")
    assert reask == response_texts("utter_ask_handoff_contact")[0].replace("{handoff_name}", "Sam Patel")
    assert texts(stack, sender, "sam.patel@example.co.uk") == response_texts("utter_ask_handoff_question")
    [done] = texts(stack, sender, "Could someone look over my CV before my interview on Friday?")
    assert done.startswith("Done: your request (reference CB-")

    [body] = [text for text in outbox(var) if "Sam Patel" in text]
    assert "Sam Patel" in body and "sam.patel@example.co.uk" in body and "CV before my interview" in body

    assert texts(stack, sender, "wait, am I talking to a bot?") == response_texts("utter_iamabot")


def test_gibberish_gets_an_honest_fallback_with_suggestions(stack: Stack) -> None:
    sender = f"e2e-{uuid.uuid4().hex}"
    [reply] = ask(stack.ports.rasa, sender, "qwxz plorf zzzt")
    assert reply["text"] == response_texts("utter_ask_affirmation")[0]
    payloads = [b["payload"] for b in reply["buttons"]]
    assert payloads[-2:] == ["/human_handoff", "/out_of_scope"]
    # "Something else" asks to rephrase; then a clear question is answered.
    assert texts(stack, sender, "/out_of_scope") == response_texts("utter_ask_rephrase")
    assert texts(stack, sender, "how long does it take them to decide") == response_texts(
        "utter_faq/decision_timeline")


def cards_of(replies: list[dict]) -> list[dict]:
    return [card for reply in replies if reply.get("custom") for card in reply["custom"]["cards"]]


def test_vacancy_search_refine_show_more_and_no_dead_end(stack: Stack) -> None:
    sender = f"e2e-{uuid.uuid4().hex}"
    first = cards_of(ask(stack.ports.rasa, sender, "any temp admin jobs in Leeds?"))
    assert len(first) == 3
    assert {(c["job_type"], c["location"]) for c in first} == {("temp", "Leeds")}

    perm = ask(stack.ports.rasa, sender, "what about perm ones?")
    assert {(c["job_type"], c["location"]) for c in cards_of(perm)} == {("perm", "Leeds")}

    more = ask(stack.ports.rasa, sender, "show more")
    assert more[0]["text"].startswith("Here are 4 to")
    assert not {c["id"] for c in cards_of(more)} & {c["id"] for c in cards_of(perm)}

    nothing = ask(stack.ports.rasa, sender, "any astronaut jobs?")
    assert nothing[0]["text"] == response_texts("utter_vacancies_none")[0]
    assert "/subscribe_alerts" in [b["payload"] for b in nothing[0]["buttons"]]


def test_a_job_alert_sign_up_list_stop_and_forget_me(stack: Stack, var: Path) -> None:
    sender = f"e2e-{uuid.uuid4().hex}"
    # Everything the sentence names is taken; only how often and where to are asked.
    assert texts(stack, sender, "let me know when new marketing jobs come up in Leeds") == response_texts(
        "utter_ask_alert_frequency")
    [unclear, again] = texts(stack, sender, "hmm")
    assert (unclear, again) == (response_texts("utter_alert_frequency_unclear")[0],
                                response_texts("utter_ask_alert_frequency")[0])
    # A frequency alerts do not offer, whatever the NLU reads into it (a model read this one as a goodbye).
    [not_offered, again] = texts(stack, sender, "every fortnight")
    assert (not_offered, again) == (response_texts("utter_alert_frequency_not_offered")[0],
                                    response_texts("utter_ask_alert_frequency")[0])
    assert texts(stack, sender, "once a day please") == response_texts("utter_ask_alert_email")
    [refusal, reask] = texts(stack, sender, "jo.bloggs@@example")
    assert refusal.startswith("That email address doesn't look right")
    assert reask == response_texts("utter_ask_alert_email")[0]
    # Asked why, it says what the address is for and what is kept, then asks again (read as a goodbye, this
    # question had ended the sign-up).
    [why, kept, reask] = texts(stack, sender, "why do you need my email?")
    assert why == response_texts("utter_privacy_why_email")[0]
    assert "deleted 90 days after your last message" in kept and '"forget me"' in kept
    assert reask == response_texts("utter_ask_alert_email")[0]
    [consent] = ask(stack.ports.rasa, sender, "jo.bloggs@example.co.uk")
    assert "jo.bloggs@example.co.uk" in consent["text"] and "marketing · Leeds" in consent["text"]
    assert "once a day" in consent["text"] and "unsubscribe" in consent["text"]
    assert [b["payload"] for b in consent["buttons"]] == ["/affirm", "/deny"]
    assert outbox(var) == [] or not any("jo.bloggs@example.co.uk" in mail for mail in outbox(var))

    [done] = texts(stack, sender, "/affirm")
    assert done.startswith("Nearly done: I've emailed a confirmation link to j***@example.co.uk")
    [confirmation] = [mail for mail in outbox(var) if "To: jo.bloggs@example.co.uk" in mail]
    assert "Please confirm your job alert" in confirmation and "/alerts/confirm?token=" in confirmation

    [listing] = texts(stack, sender, "what alerts do I have?")
    assert "marketing · Leeds: by email to j***@example.co.uk, once a day (waiting for you to confirm)" in listing
    [stopped] = texts(stack, sender, "stop my job alerts")
    assert stopped.startswith("Done: I've stopped your job alert for marketing · Leeds.")
    [none] = texts(stack, sender, "what alerts do I have?")
    assert none == response_texts("utter_alerts_none_website")[0]

    assert texts(stack, sender, "please forget me") == response_texts("utter_ask_forget_me")
    [erased] = texts(stack, sender, "yes")
    assert erased.startswith("Done:")


def test_an_alert_sign_up_can_be_declined(stack: Stack) -> None:
    sender = f"e2e-{uuid.uuid4().hex}"
    assert texts(stack, sender, "email me about new temp admin jobs in York, my email is sam@example.com") == [
        response_texts("utter_ask_alert_frequency")[0]]
    [consent] = texts(stack, sender, "straight away")
    assert "sam@example.com" in consent and "temp · admin · York" in consent
    [unclear, again] = texts(stack, sender, "hmm")
    assert unclear == response_texts("utter_alert_consent_needs_yes")[0] and again == consent
    # A no that corrects the criteria changes them and shows the wording again (read as a no, or as the FAQ on
    # how long to wait, it had cancelled the sign-up or answered the FAQ).
    [changed, again] = texts(stack, sender, "no wait, make it marketing")
    assert changed.endswith("temp · marketing · York.") and "temp · marketing · York" in again
    assert "sam@example.com" in again and "as soon as they come in" in again
    assert texts(stack, sender, "no thanks") == response_texts("utter_alert_cancelled")
    assert texts(stack, sender, "what alerts have I got?") == response_texts("utter_alerts_none_website")


def callback_request(stack: Stack, name: str, contact: str, question: str) -> list[str]:
    """A new conversation asks for a person and answers the three questions; the replies to the last."""
    sender = f"e2e-{uuid.uuid4().hex}"
    texts(stack, sender, "can I speak to a real person please")
    texts(stack, sender, name)
    assert texts(stack, sender, contact) == response_texts("utter_ask_handoff_question")
    return texts(stack, sender, question)


def test_a_stop_or_cancel_in_the_middle_of_a_form_stops_that_form(stack: Stack, var: Path) -> None:
    # "stop" and "cancel that" read as "stop my alerts"; in a form they stop the form (actions/stop_form.py).
    sign_up = f"e2e-{uuid.uuid4().hex}"
    assert texts(stack, sign_up, "job alerts for admin in leeds") == response_texts("utter_ask_alert_frequency")[:1]
    assert texts(stack, sign_up, "stop") == response_texts("utter_alert_cancelled")
    assert texts(stack, sign_up, "what alerts have I got?") == response_texts("utter_alerts_none_website")

    # A goodbye is not an answer for its "now": it ends the sign-up.
    sign_up = f"e2e-{uuid.uuid4().hex}"
    assert texts(stack, sign_up, "job alerts for admin in leeds") == response_texts("utter_ask_alert_frequency")[:1]
    assert texts(stack, sign_up, "bye for now") == response_texts("utter_alert_cancelled_goodbye")

    sign_up = f"e2e-{uuid.uuid4().hex}"
    assert texts(stack, sign_up, "job alerts for admin in leeds") == response_texts("utter_ask_alert_frequency")[:1]
    assert len(texts(stack, sign_up, "once a day")) == 1  # the address question
    assert texts(stack, sign_up, "cancel that") == response_texts("utter_alert_cancelled")
    # A new sign-up asks again: the stopped one's answers are not carried into it.
    assert texts(stack, sign_up, "job alerts please") == response_texts("utter_ask_alert_frequency")[:1]

    callback = f"e2e-{uuid.uuid4().hex}"
    texts(stack, callback, "can I speak to a real person please")
    assert texts(stack, callback, "stop") == response_texts("utter_handoff_cancelled")
    [goodbye] = texts(stack, callback, "no")  # to its "anything else?", as after a "no" that stopped it
    assert goodbye in response_texts("utter_goodbye")

    # At the one free-text answer, a question about stopping alerts is the question.
    [done] = callback_request(stack, "Alex Moss", "my email is alex.moss@example.org",
                              "how do i stop the job alert emails, the unsubscribe link is broken")
    assert done.startswith("Done: your request (reference CB-")
    [body] = [text for text in outbox(var) if "Alex Moss" in text]
    assert "the unsubscribe link is broken" in body and "alex.moss@example.org" in body  # without "my email is"


def test_jobs_asked_for_in_the_middle_of_a_callback_request_are_shown_not_taken_as_the_answer(
    stack: Stack, var: Path
) -> None:
    # "anything hybrid in manchester?" or "admin jobs in leeds" was refused as a name ("Sorry, I need just
    # your name"), and "Show more" under the results too: a search shows the jobs, then asks again.
    sender = f"e2e-{uuid.uuid4().hex}"
    ask_name = response_texts("utter_ask_handoff_name")
    assert texts(stack, sender, "can someone ring me tomorrow afternoon") == (
        response_texts("utter_handoff_intro") + ask_name)
    for search in ("admin jobs in leeds", "/more_vacancies"):
        replies = ask(stack.ports.rasa, sender, search)
        assert len(cards_of(replies)) == 3 and replies[-1]["text"] == ask_name[0], search
    ask_contact = response_texts("utter_ask_handoff_contact")[0].replace("{handoff_name}", "Priya Sharma")
    assert texts(stack, sender, "Priya Sharma") == [ask_contact]
    replies = ask(stack.ports.rasa, sender, "any marketing jobs in Manchester?")
    assert cards_of(replies) and replies[-1]["text"] == ask_contact
    assert texts(stack, sender, "robin.shaw@example.org") == response_texts("utter_ask_handoff_question")
    [done] = texts(stack, sender, "are there any admin jobs in leeds that would suit me?")
    assert done.startswith("Done: your request (reference CB-")
    [body] = [text for text in outbox(var) if "Priya Sharma" in text]
    assert "robin.shaw@example.org" in body and "admin jobs in leeds that would suit me" in body


def erasure_request(stack: Stack, body: bytes, secret: str | None) -> int:
    headers = {"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret is not None else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{stack.ports.rasa}/webhooks/erasure/senders", data=body,
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_the_erasure_routes_answer_only_the_bots_own_processes(stack: Stack) -> None:
    sender = f"e2e-{uuid.uuid4().hex}"
    assert ask(stack.ports.rasa, sender, "hello")
    body = json.dumps({"sender_ids": [sender]}).encode()
    assert erasure_request(stack, body, None) == 403
    assert erasure_request(stack, body, "x" * 64) == 403
    secret = action_secret(load_settings())
    assert erasure_request(stack, b'{"sender_ids": "everyone"}', secret) == 400
    assert erasure_request(stack, b"not json", secret) == 400
    # The conversation is still there: the store erases it now, through the server.
    store = make_conversation_store(stack.tracker_store_url, "", f"http://127.0.0.1:{stack.ports.rasa}", secret)
    assert store.erase([sender]) > 0
    assert store.erase([sender]) == 0


def test_a_conversation_erased_through_the_server_is_gone_from_its_memory_too(stack: Stack) -> None:
    # After two turns the server hands this tracker back from memory (recruitbot/tracker_store.py).
    sender = f"e2e-{uuid.uuid4().hex}"
    texts(stack, sender, "can I speak to a real person please")
    contact_question = response_texts("utter_ask_handoff_contact")[0].replace("{handoff_name}", "Alex Kim")
    assert texts(stack, sender, "Alex Kim") == [contact_question]
    secret = action_secret(load_settings())
    store = make_conversation_store(stack.tracker_store_url, "", f"http://127.0.0.1:{stack.ports.rasa}", secret)
    assert store.erase([sender]) > 0
    # A new conversation: no callback form waiting for a contact any more.
    assert texts(stack, sender, "alex.kim@example.com") != response_texts("utter_ask_handoff_question")
    assert texts(stack, sender, "Alex Kim") != [contact_question]


def test_rasas_http_api_is_off_and_only_the_channels_answer(stack: Stack) -> None:
    base = f"http://127.0.0.1:{stack.ports.rasa}"
    for method, path in (("GET", "/status"), ("GET", "/conversations/someone/tracker"), ("PUT", "/model"),
                         ("POST", "/model/parse"), ("GET", "/domain")):
        request = urllib.request.Request(base + path, data=b"{}" if method != "GET" else None, method=method)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code in (404, 405), (method, path, refused.value.code)
    assert ask(stack.ports.rasa, f"e2e-{uuid.uuid4().hex}", "hello")


def test_a_conversation_survives_a_restart_of_the_rasa_server_in_the_middle_of_a_form(stack: Stack) -> None:
    sender = f"e2e-{uuid.uuid4().hex}"
    texts(stack, sender, "can I speak to a real person please")
    contact_question = response_texts("utter_ask_handoff_contact")[0].replace("{handoff_name}", "Alex Kim")
    assert texts(stack, sender, "Alex Kim") == [contact_question]

    stack.restart("rasa")  # the SQLite tracker store holds the conversation meanwhile

    assert texts(stack, sender, "alex.kim@example.com") == response_texts("utter_ask_handoff_question")


def test_a_sender_or_message_no_store_can_hold_is_refused_or_cleaned_and_the_server_lives_on(stack: Stack) -> None:
    url = f"http://127.0.0.1:{stack.ports.rasa}/webhooks/rest/webhook"
    # JSON may spell lone surrogates; Rasa's SQL tracker store exits the whole server on such a sender.
    bad_sender = b'{"sender": "\\ud8f2\\ud84e", "message": "hello"}'
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, data=bad_sender), timeout=30)
    assert refused.value.code == 400
    assert b"invalid_sender" in refused.value.read()
    sender = f"e2e-{uuid.uuid4().hex}"
    bad_message = b'{"sender": "' + sender.encode() + b'", "message": "hello\\ud800 there\\u0000"}'
    with urllib.request.urlopen(urllib.request.Request(url, data=bad_message), timeout=30) as answered:
        assert answered.status == 200
    assert texts(stack, sender, "hi there") == response_texts("utter_greet")


def test_no_email_address_or_phone_number_reaches_the_servers_logs(stack: Stack, var: Path) -> None:
    [done] = callback_request(stack, "Jo Bloggs", "07700 900123", "Please call me about temp work")
    assert done.startswith("Done: your request")
    # Every conversation of this module gave an address or a number; the servers log at INFO.
    logs = "\n".join(log.read_text(errors="replace") for log in (var / "logs").glob("*.log"))
    assert "INFO" in logs
    for secret in ("07700 900123", "07700900123", "sam.patel@example.co.uk", "alex.kim@example.com",
                   "alex.moss@example.org"):
        assert secret not in logs, secret
