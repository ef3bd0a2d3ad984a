"""Builds the offline spaCy pipeline that Rasa's SpacyNLP loads.

No spaCy 3.4 English model can be downloaded on our machines, so the pipeline is built
from packages: a blank English tokenizer, the lookup lemmatizer from spacy-lookups-data
(lemmas feed Rasa's CountVectorsFeaturizer), and an EntityRuler that tags UK places as
``location`` and employment types as ``job_type`` (read by SpacyEntityExtractor).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from recruitbot.places import DEFAULT_PLACES_CSV, Gazetteer
from recruitbot.settings import PROJECT_ROOT

PLACES_CSV = DEFAULT_PLACES_CSV
DEFAULT_MODEL_DIR = PROJECT_ROOT / "models" / "spacy" / "en_recruitbot"

# Words people type for each employment type; EntitySynonymMapper normalises them.
JOB_TYPE_PHRASES = (
    "temp", "temps", "temporary", "temping", "temp to perm", "temp-to-perm",
    "perm", "permanent", "full time permanent", "full-time permanent",
    "contract", "contracts", "contractor", "contracting", "fixed term", "fixed-term",
    "ftc", "interim",
)

# Prepositions after which a lower-case common word ("reading", "bath") is read as a place.
PLACE_PREPOSITIONS = ("in", "near", "around", "round", "nr", "at")


def english_words(lemma_table: dict[str, str]) -> set[str]:
    """Lower-case English words: every inflected form in the lemma table and every lemma."""
    return {word for word in lemma_table if word.islower()} | set(lemma_table.values())


def place_patterns(names: Iterable[str], common_words: set[str]) -> Iterator[dict[str, Any]]:
    """EntityRuler patterns for places.

    A name that is also an English word ("Reading", "Bath", "Hull") is matched only when
    capitalised, or lower case straight after a preposition ("jobs in hull"); the entity
    then covers the preposition too and the consumer strips it (see ``strip_preposition``).
    """
    for name in names:
        if " " not in name and name.lower() in common_words:
            yield {"label": "location", "pattern": [{"ORTH": name}]}
            yield {
                "label": "location",
                "pattern": [{"LOWER": {"IN": list(PLACE_PREPOSITIONS)}}, {"ORTH": name.lower()}],
            }
        else:
            yield {"label": "location", "pattern": name}


def strip_preposition(value: str) -> str:
    """'in hull' -> 'hull': undo the preposition that a common-word place pattern includes."""
    head, _, rest = value.strip().partition(" ")
    return rest if rest and head.lower() in PLACE_PREPOSITIONS else value.strip()


def english_lemma_table() -> dict[str, str]:
    """SpaCy's English lemma lookup table (inflected form -> lemma), from spacy-lookups-data."""
    import gzip
    import importlib.resources

    data = importlib.resources.files("spacy_lookups_data") / "data" / "en_lemma_lookup.json.gz"
    table: dict[str, str] = json.loads(gzip.decompress(data.read_bytes()))
    return table


# How candidates shorten words in chat, read as the words themselves ("2nd int" is "second
# interview"): the lemma is what the featurizers count, so both spellings share their features.
CANDIDATE_SHORTHAND = {
    "int": "interview", "intv": "interview", "interv": "interview", "interveiw": "interview",
    "inteview": "interview", "intervew": "interview", "1st": "first", "2nd": "second", "3rd": "third",
    "u": "you", "ur": "your", "r": "be", "pls": "please", "plz": "please", "thx": "thanks", "ta": "thanks",
    "asap": "soon", "mgr": "manager",
}


def _lemma_table_with_capitals() -> dict[str, str]:
    """The lemma table, plus a capitalised twin of each entry ("Interviews" -> "interview").

    The pipeline keeps case (so "Reading" the town differs from "reading"), but the lookup
    table only holds lower-case forms, and most messages start with a capital.
    """
    table = {**english_lemma_table(), **CANDIDATE_SHORTHAND}
    for word, lemma in list(table.items()):
        table.setdefault(word.capitalize(), lemma)
    return table


def build(model_dir: Path = DEFAULT_MODEL_DIR, places_csv: Path = PLACES_CSV) -> Path:
    """Build the spaCy pipeline into ``model_dir`` and return it."""
    import spacy  # heavy: imported only when building
    from spacy.lookups import Table
    from spacy.pipeline import EntityRuler, Lemmatizer

    nlp = spacy.blank("en")
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    assert isinstance(lemmatizer, Lemmatizer) and isinstance(ruler, EntityRuler)
    nlp.initialize()
    lemma_table = _lemma_table_with_capitals()
    lemmatizer.lookups.set_table("lemma_lookup", Table.from_dict(lemma_table, name="lemma_lookup"))
    names = Gazetteer.from_csv(places_csv).all_names()
    patterns = list(place_patterns(names, english_words(lemma_table)))
    patterns += [{"label": "job_type", "pattern": phrase} for phrase in JOB_TYPE_PHRASES]
    ruler.add_patterns(patterns)
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(model_dir)
    return model_dir


def source_fingerprint(places_csv: Path = PLACES_CSV) -> str:
    """A hash of everything the built pipeline depends on."""
    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    digest.update(places_csv.read_bytes())
    return digest.hexdigest()


def ensure_built(model_dir: Path = DEFAULT_MODEL_DIR, places_csv: Path = PLACES_CSV) -> bool:
    """Build the pipeline unless the one on disk was built from the same sources.

    Returns:
        True when it was (re)built.
    """
    stamp = model_dir / "recruitbot-fingerprint.json"
    fingerprint = source_fingerprint(places_csv)
    if stamp.exists() and json.loads(stamp.read_text())["fingerprint"] == fingerprint:
        return False
    build(model_dir, places_csv)
    stamp.write_text(json.dumps({"fingerprint": fingerprint}))
    return True


def main(argv: list[str] | None = None) -> int:
    """Command line: build the spaCy pipeline when its sources changed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--places", type=Path, default=PLACES_CSV)
    args = parser.parse_args(argv)
    if not args.places.exists():
        print(f"error: gazetteer not found: {args.places}", file=sys.stderr)
        return 2
    built = ensure_built(args.out, args.places)
    print(f"spaCy pipeline {'built' if built else 'up to date'}: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
