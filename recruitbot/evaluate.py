"""Scores a trained model on a held-out NLU set: intent and FAQ-key accuracy, per label.

The held-out set (tests/nlu/heldout.yml) is written separately from the training data and
is never trained on. Usage: ``python -m recruitbot.evaluate [MODEL] [--data FILE] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from recruitbot.settings import PROJECT_ROOT

HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
DEV = PROJECT_ROOT / "tests" / "nlu" / "dev.yml"


@dataclass
class Report:
    """Accuracy overall and per label (an intent, or "faq/<key>" for FAQ questions)."""

    total: int = 0
    correct: int = 0
    per_label: dict[str, dict[str, int]] = field(default_factory=dict)
    mistakes: list[dict[str, str]] = field(default_factory=list)
    entity_expected: int = 0
    entity_found: int = 0

    @property
    def accuracy(self) -> float:
        """Share of examples given the right label."""
        return self.correct / self.total if self.total else 0.0

    def label_accuracy(self) -> dict[str, float]:
        """Accuracy for each label."""
        return {label: c["correct"] / c["total"] for label, c in sorted(self.per_label.items())}

    @property
    def entity_recall(self) -> float:
        """Share of annotated entities found with the right type and text."""
        return self.entity_found / self.entity_expected if self.entity_expected else 1.0


def predicted_label(parse: dict[str, Any]) -> str:
    """The label a parse result gives: the intent, or the full "faq/<key>" for FAQs."""
    intent = str((parse.get("intent") or {}).get("name"))
    if intent == "faq":
        selected = parse.get("response_selector", {}).get("faq", {}).get("response", {})
        return str(selected.get("intent_response_key") or "faq")
    return intent


def _entity_keys(entities: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((e["entity"], str(e.get("text", e.get("value", ""))).lower()) for e in entities)


async def evaluate(model: Path, data: Path = HELDOUT) -> Report:
    """Parse every held-out example with ``model`` and score the results."""
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.utils.log_utils import configure_structlog

    from recruitbot.rasa_server import fast_model_load

    configure_structlog(logging.WARNING)  # otherwise every parse is logged at DEBUG
    with fast_model_load():  # as the Rasa server loads it (the same parses: tests/test_fast_model_load.py)
        agent = Agent.load(str(model))
    report = Report()
    for example in load_data(str(data)).intent_examples:
        text = example.get("text")
        expected = example.get("intent_response_key") or example.get("intent")
        parse = await agent.parse_message(text)
        got = predicted_label(parse)
        counts = report.per_label.setdefault(expected, {"total": 0, "correct": 0})
        counts["total"] += 1
        report.total += 1
        if got == expected:
            counts["correct"] += 1
            report.correct += 1
        else:
            report.mistakes.append({"text": text, "expected": expected, "got": got})
        wanted = _entity_keys([{**e, "text": text[e["start"] : e["end"]]} for e in example.get("entities") or []])
        found = _entity_keys([{**e, "text": text[e["start"] : e["end"]]} for e in parse.get("entities", [])])
        report.entity_expected += sum(wanted.values())
        report.entity_found += sum((wanted & found).values())
    return report


def format_report(report: Report) -> str:
    """A plain-text table of the report."""
    lines = [f"overall: {report.accuracy:.3f} ({report.correct}/{report.total})",
             f"entities (type and span): {report.entity_recall:.3f} ({report.entity_found}/{report.entity_expected})"]
    for label, accuracy in report.label_accuracy().items():
        counts = report.per_label[label]
        lines.append(f"  {label:<32} {accuracy:.3f} ({counts['correct']}/{counts['total']})")
    lines += [f"  miss: {m['text']!r}: expected {m['expected']}, got {m['got']}" for m in report.mistakes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: evaluate a model (default: the current one) and print the table."""
    from recruitbot.train import model_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", type=Path, default=None)
    parser.add_argument("--data", type=Path, default=HELDOUT)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    model = args.model or model_path()
    if not model.exists():
        print(f"error: no model at {model}; train first (make train)", file=sys.stderr)
        return 2
    report = asyncio.run(evaluate(model, args.data))
    if args.json:
        summary = {**asdict(report), "accuracy": report.accuracy, "per_label_accuracy": report.label_accuracy()}
        print(json.dumps(summary, indent=2))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
