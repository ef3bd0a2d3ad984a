"""The trained model on phrasings it never saw (tests/nlu/heldout.yml), with the floors enforced."""

import asyncio
import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from recruitbot.evaluate import DEV, HELDOUT, evaluate, format_report

ROOT = Path(__file__).resolve().parent.parent
OVERALL_FLOOR = 0.95
PER_LABEL_FLOOR = 0.85


NEAR_DUPLICATE = 0.9


def _texts(path: Path) -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [re.sub(r"[^a-z0-9 ]", "", m.get("text").lower()).strip() for m in load_data(str(path)).intent_examples]


@pytest.mark.parametrize("evaluation_set", [HELDOUT, DEV], ids=["heldout", "dev"])
def test_evaluation_sets_are_unseen_not_even_near_copies_of_training_data(evaluation_set):
    training = _texts(ROOT / "data" / "nlu")
    heldout = _texts(evaluation_set)
    assert len(heldout) >= 240
    copies = []
    for text in heldout:
        for seen in training:
            matcher = SequenceMatcher(None, text, seen)
            if matcher.real_quick_ratio() >= NEAR_DUPLICATE and matcher.ratio() >= NEAR_DUPLICATE:
                copies.append((text, seen))
    assert copies == []


@pytest.mark.model
def test_heldout_accuracy_meets_the_floors(trained_model, tmp_path_factory):
    report = asyncio.run(evaluate(trained_model))
    out = ROOT / "tests" / "artifacts"
    out.mkdir(exist_ok=True)
    (out / "heldout-report.txt").write_text(format_report(report))
    print(format_report(report))
    assert report.accuracy >= OVERALL_FLOOR, format_report(report)
    low = {label: acc for label, acc in report.label_accuracy().items() if acc < PER_LABEL_FLOOR}
    assert not low, format_report(report)
