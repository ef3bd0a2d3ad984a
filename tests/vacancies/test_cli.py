from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from recruitbot.cli import main
from tests.vacancies.builders import record
from tests.vacancies.conftest import FeedServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RECRUITBOT_DATABASE_URL", url)
    return url


@pytest.fixture
def run(database_url: str, places_csv: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``recruitbot vacancies ARGS`` on a fresh database; return (status, stdout, stderr)."""

    def run_command(*args: str) -> tuple[int, str, str]:
        status = main(["vacancies", "--places", str(places_csv), *args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run_command


def write_feed(tmp_path: Path, records: list[dict[str, Any]], name: str = "feed.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(records), encoding="utf-8")
    return str(path)


def test_import_prints_counts_and_skipped_records(run: Any, tmp_path: Path) -> None:
    feed = write_feed(tmp_path, [record("V1"), record("V2", posted="yesterday"), record("V3")])
    status, out, err = run("import", feed)
    assert status == 0
    assert out == f"{feed}: 2 created, 0 updated, 0 reopened, 0 unchanged, 0 closed, 1 skipped\n"
    assert err == "skipped record 1 (id V2): posted: 'yesterday' is not an ISO date (YYYY-MM-DD)\n"
    status, out, _ = run("import", feed)
    assert (status, out) == (0, f"{feed}: 0 created, 0 updated, 0 reopened, 2 unchanged, 0 closed, 1 skipped\n")


def test_partial_import_keeps_unlisted_vacancies(run: Any, tmp_path: Path) -> None:
    run("import", write_feed(tmp_path, [record("V1"), record("V2")]))
    status, out, _ = run("import", "--partial", write_feed(tmp_path, [record("V3")], "more.json"))
    assert status == 0 and "1 created" in out and "0 closed" in out
    status, out, _ = run("import", write_feed(tmp_path, [record("V3")], "full.json"))
    assert status == 0 and "2 closed" in out


def test_long_imports_report_progress_on_stderr(run: Any, tmp_path: Path) -> None:
    feed = write_feed(tmp_path, [record(f"V{n}") for n in range(5001)])
    status, _, err = run("import", feed)
    assert status == 0
    assert err.splitlines() == ["... 5,000 of 5,001 records", "... 5,001 of 5,001 records"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "no valid vacancy in the feed (0 skipped)"),
        ('[{"id": "V1", ', "not valid JSON"),
        ("<html><body>No jobs here</body></html>", "no schema.org JobPosting found"),
    ],
)
def test_an_unusable_feed_fails_with_one_line_and_changes_nothing(
    run: Any, tmp_path: Path, content: str, message: str
) -> None:
    run("import", write_feed(tmp_path, [record("V1")]))
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    status, out, err = run("import", str(bad))
    assert status == 1
    assert out == ""
    assert err.startswith("recruitbot: error: ") and message in err
    assert err.rstrip().endswith("(the catalogue is unchanged)")
    assert "Traceback" not in err
    status, out, _ = run("search", "--json")
    assert [vacancy["id"] for vacancy in json.loads(out)["vacancies"]] == ["V1"]


def test_a_404_url_fails_cleanly(run: Any, feed_server: FeedServer) -> None:
    status, _, err = run("import", feed_server.base_url + "/nothing.json")
    assert status == 1
    assert f"recruitbot: error: {feed_server.base_url}/nothing.json answered HTTP 404" in err


def test_a_missing_file_fails_cleanly(run: Any, tmp_path: Path) -> None:
    status, _, err = run("import", str(tmp_path / "absent.json"))
    assert status == 1
    assert "cannot read" in err and "No such file or directory" in err


def test_search_prints_matches_and_widening(run: Any, tmp_path: Path) -> None:
    run(
        "import",
        write_feed(
            tmp_path,
            [
                record("V1", title="Payroll Clerk", location="Bradford", salary="£26k", posted="2099-01-01"),
                record("V2", title="Receptionist", location="Leeds", posted="2099-01-01"),
            ],
        ),
    )
    status, out, _ = run("search", "--keyword", "payroll", "--location", "Leeds")
    assert status == 0
    assert out.splitlines() == [
        "1 matching vacancies",
        "  widened location: Leeds -> West Yorkshire",
        "V1  Payroll Clerk | Bradford | perm | £26k | posted 2099-01-01",
    ]
    status, out, _ = run("search", "--keyword", "payroll", "--location", "Leeds", "--type", "perm", "--json")
    result = json.loads(out)
    assert status == 0
    assert result["total"] == 1
    assert result["criteria"] == {
        "keyword": "payroll",
        "location": "West Yorkshire",
        "job_type": "perm",
        "min_salary": None,
    }
    assert result["widened"] == [{"kind": "location", "from_value": "Leeds", "to_value": "West Yorkshire"}]
    assert result["vacancies"][0]["posted"] == "2099-01-01"
    assert result["vacancies"][0]["salary_min"] == 26000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "--type", "permanent"], "invalid choice: 'permanent'"),
        (["search", "--min-salary", "lots"], "'lots' is not a whole number"),
        (["search", "--limit", "-1"], "'-1' is negative"),
        (["import"], "the following arguments are required: SOURCE"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_a_malformed_command_line_exits_2_with_usage(
    run: Any, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(*args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: recruitbot vacancies" in err and message in err


def test_a_missing_gazetteer_fails_cleanly(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["vacancies", "--places", str(tmp_path / "none.csv"), "search"])
    assert status == 1
    assert capsys.readouterr().err.startswith("recruitbot: error: cannot read the gazetteer")


def test_the_module_entry_point_fails_without_a_traceback(tmp_path: Path, places_csv: Path) -> None:
    env = {**os.environ, "RECRUITBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "recruitbot.cli", "vacancies", "--places", str(places_csv)]
    finished = subprocess.run(
        [*command, "import", str(tmp_path / "absent.json")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 1
    assert finished.stderr.startswith("recruitbot: error: cannot read")
    assert "Traceback" not in finished.stderr
