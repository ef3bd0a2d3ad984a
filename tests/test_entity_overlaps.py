"""A place or a job type is never also a search keyword (``recruitbot/nlu/entity_overlaps.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from recruitbot.nlu.entity_overlaps import KeywordsOutsidePlaces, keywords_outside_places


def _entity(kind: str, start: int, end: int, text: str, extractor: str) -> dict[str, Any]:
    return {"entity": kind, "start": start, "end": end, "value": text[start:end], "extractor": extractor}


def test_a_keyword_on_a_place_is_dropped_and_the_place_kept() -> None:
    text = "alert me about payroll jobs in Bristol"
    place = _entity("location", 31, 38, text, "SpacyEntityExtractor")
    payroll = _entity("keyword", 15, 22, text, "GatedDIETClassifier")
    bristol = _entity("keyword", 31, 38, text, "GatedDIETClassifier")
    message = Message(data={TEXT: text, ENTITIES: [place, payroll, bristol]})

    KeywordsOutsidePlaces().process([message])

    assert message.get(ENTITIES) == [place, payroll]


@pytest.mark.parametrize(("keyword", "other"), [
    ((0, 4), (0, 4)),    # the same word
    ((0, 9), (5, 9)),    # "temp work" over "work"
    ((5, 12), (0, 7)),   # overlapping from the left
])
def test_any_overlap_with_a_place_or_a_job_type_drops_the_keyword(keyword: tuple[int, int],
                                                                  other: tuple[int, int]) -> None:
    text = "temp work in Leeds"
    for kind in ("location", "job_type"):
        entities = [_entity(kind, *other, text, "SpacyEntityExtractor"), _entity("keyword", *keyword, text, "DIET")]
        assert keywords_outside_places(entities) == entities[:1]


def test_keywords_beside_places_and_other_entities_stay() -> None:
    text = "payroll jobs in Leeds, email sam@example.com"
    entities = [_entity("keyword", 0, 7, text, "DIET"), _entity("location", 16, 21, text, "SpacyEntityExtractor"),
                _entity("email", 29, 44, text, "RegexEntityExtractor"), _entity("keyword", 29, 44, text, "DIET")]
    message = Message(data={TEXT: text, ENTITIES: list(entities)})

    KeywordsOutsidePlaces().process([message])

    assert message.get(ENTITIES) == entities


@pytest.mark.model
def test_the_trained_pipeline_tags_no_place_as_a_keyword(loaded_agent: Any) -> None:
    texts = ["alert me about payroll jobs in Bristol", "send me alerts for payroll jobs in Bristol",
             "payroll jobs in Bristol", "temp admin jobs in Leeds", "email me accountancy roles near Sheffield"]

    async def parse_all() -> list[dict[str, Any]]:
        return [await loaded_agent.parse_message(text) for text in texts]

    for text, parse in zip(texts, asyncio.run(parse_all()), strict=True):
        places = [(e["start"], e["end"]) for e in parse["entities"] if e["entity"] in ("location", "job_type")]
        keywords = [(e["start"], e["end"]) for e in parse["entities"] if e["entity"] == "keyword"]
        assert places and keywords, (text, parse["entities"])
        assert not [k for k in keywords if any(k[0] < end and start < k[1] for start, end in places)], text
