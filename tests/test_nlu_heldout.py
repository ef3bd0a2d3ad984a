"""The trained model on phrasings it never saw (tests/nlu/heldout.yml), with the floors enforced."""

import asyncio
from pathlib import Path

import pytest

from recruitbot.evaluate import HELDOUT, evaluate, format_report

ROOT = Path(__file__).resolve().parent.parent
OVERALL_FLOOR = 0.95
PER_LABEL_FLOOR = 0.85


def _training_texts() -> set[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return {m.get("text").strip().lower() for m in load_data(str(ROOT / "data" / "nlu")).intent_examples}


def test_heldout_set_is_not_in_the_training_data():
    from rasa.shared.nlu.training_data.loading import load_data

    heldout = {m.get("text").strip().lower() for m in load_data(str(HELDOUT)).intent_examples}
    assert len(heldout) >= 240
    assert heldout.isdisjoint(_training_texts())


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
