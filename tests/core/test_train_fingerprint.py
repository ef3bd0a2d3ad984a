"""The model's name changes with every training source, the pipeline's own components included, and nothing else."""

from __future__ import annotations

from pathlib import Path

from recruitbot.train import fingerprint


def _project(root: Path) -> Path:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "recruitbot" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("pipeline: []\n")
    (root / "domain.yml").write_text("intents: [greet]\n")
    (root / "data" / "nlu" / "general.yml").write_text("nlu: []\n")
    (root / "recruitbot" / "nlu" / "quick_intent.py").write_text("THRESHOLD = 0.98\n")
    return root


def test_a_component_of_the_pipeline_is_a_source(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = fingerprint(root)
    (root / "recruitbot" / "nlu" / "quick_intent.py").write_text("THRESHOLD = 0.9\n")
    assert fingerprint(root) != before


def test_data_config_and_domain_are_sources(tmp_path: Path) -> None:
    root = _project(tmp_path)
    seen = {fingerprint(root)}
    for source in ("config.yml", "domain.yml", "data/nlu/general.yml"):
        (root / source).write_text((root / source).read_text() + "# changed\n")
        seen.add(fingerprint(root))
    assert len(seen) == 4


def test_compiled_bytecode_and_other_files_are_not(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = fingerprint(root)
    (root / "recruitbot" / "nlu" / "__pycache__").mkdir()
    (root / "recruitbot" / "nlu" / "__pycache__" / "quick_intent.cpython-310.pyc").write_bytes(b"\x00\x01")
    (root / "recruitbot" / "web.py").write_text("# not a training source\n")
    (root / "README.md").write_text("# notes\n")
    assert fingerprint(root) == before
