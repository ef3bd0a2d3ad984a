from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionAskAffirmation, ranked_topics
from tests.helpers import domain, make_tracker


def fallback_parse() -> dict:
    return {
        "text": "they rang me back about the thing, is it mine",
        "intent": {"name": "nlu_fallback", "confidence": 0.55},
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.55},
            {"name": "faq", "confidence": 0.50},
            {"name": "search_vacancies", "confidence": 0.30},
            {"name": "greet", "confidence": 0.15},
        ],
        "response_selector": {
            "faq": {
                "ranking": [
                    {"intent_response_key": "faq/before_offer", "confidence": 0.7},
                    {"intent_response_key": "faq/second_interview_meaning", "confidence": 0.2},
                    {"intent_response_key": "faq/follow_up", "confidence": 0.1},
                ]
            }
        },
    }


def test_topics_rank_faq_keys_and_intents_on_one_scale():
    # 0.5*0.7=0.35 > search 0.30 > 0.5*0.2=0.10 > 0.05; greet is never suggested
    assert ranked_topics(fallback_parse()) == [
        "faq/before_offer", "search_vacancies", "faq/second_interview_meaning", "faq/follow_up",
    ]


async def test_asks_with_two_likeliest_topics_a_person_and_something_else():
    dispatcher = CollectingDispatcher()
    events = await ActionAskAffirmation().run(dispatcher, make_tracker(latest_message=fallback_parse()), domain())
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_affirmation"
    assert message["buttons"] == [
        {"title": "Should I stop applying before an offer?", "payload": "Should I stop applying before an offer?"},
        {"title": "See vacancies", "payload": "/search_vacancies"},
        {"title": "Talk to a consultant", "payload": "/human_handoff"},
        {"title": "Something else", "payload": "/out_of_scope"},
    ]


async def test_with_no_ranking_still_offers_a_person():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(latest_message={"text": "zzz", "intent": {"name": "nlu_fallback"}})
    await ActionAskAffirmation().run(dispatcher, tracker, domain())
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/human_handoff", "/out_of_scope"]


def test_every_faq_key_has_a_suggestion_title():
    responses = domain()["responses"]
    import yaml

    from recruitbot.evaluate import HELDOUT  # the contract's keys are the held-out set's keys

    keys = {b["intent"] for b in yaml.safe_load(HELDOUT.read_text())["nlu"] if b["intent"].startswith("faq/")}
    assert len(keys) == 12
    for key in keys:
        assert responses["utter_topic_" + key.replace("/", "_")][0]["text"]
