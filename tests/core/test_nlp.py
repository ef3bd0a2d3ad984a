"""The offline spaCy pipeline: lemmas, places and job types as Rasa's SpacyNLP will see them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from recruitbot import nlp

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    import spacy

    return spacy.load(nlp.build(tmp_path_factory.mktemp("spacy") / "en"))


def entities(pipeline, text: str) -> list[tuple[str, str]]:
    return [(ent.text, ent.label_) for ent in pipeline(text).ents]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("any temp admin jobs in Leeds?", [("temp", "job_type"), ("Leeds", "location")]),
        ("permanent roles round the north west", [("permanent", "job_type"), ("the north west", "location")]),
        ("anything in Milton Keynes or brum", [("Milton Keynes", "location"), ("brum", "location")]),
        # Common words are places only when capitalised or after a preposition.
        ("i'm reading about jobs", []),
        ("Reading vacancies", [("Reading", "location")]),
        ("office jobs in hull", [("in hull", "location")]),
        ("fixed-term contract work in Wakefield", [("fixed-term", "job_type"), ("contract", "job_type"),
                                                   ("Wakefield", "location")]),
    ],
)
def test_places_and_job_types(pipeline, text, expected):
    assert entities(pipeline, text) == expected


def test_lemmas_ignore_a_leading_capital(pipeline):
    # (the lookup table lemmatises "well" as "good")
    assert [t.lemma_ for t in pipeline("Interviews went well")] == ["interview", "go", "good"]


def test_candidates_shorthand_reads_as_the_words_it_stands_for(pipeline):
    assert [t.lemma_ for t in pipeline("how to prep for 2nd int thx")] == [
        "how", "to", "prep", "for", "second", "interview", "thanks"]
    assert [t.lemma_ for t in pipeline("Int went well, r u there")] == [
        "interview", "go", "good", ",", "be", "you", "there"]


def test_strip_preposition():
    assert nlp.strip_preposition("in hull") == "hull"
    assert nlp.strip_preposition("Leeds") == "Leeds"
    assert nlp.strip_preposition("near Bath") == "Bath"


def test_every_job_type_phrase_has_a_synonym():
    mapped = {"temp", "perm", "contract"}
    for block in yaml.safe_load((ROOT / "data" / "nlu" / "synonyms.yml").read_text())["nlu"]:
        if "synonym" in block:
            mapped |= {line[2:].strip().lower() for line in block["examples"].splitlines() if line.strip()}
    assert [phrase for phrase in nlp.JOB_TYPE_PHRASES if phrase not in mapped] == []


def test_build_is_skipped_when_sources_are_unchanged(tmp_path):
    assert nlp.ensure_built(tmp_path / "en") is True
    assert nlp.ensure_built(tmp_path / "en") is False
