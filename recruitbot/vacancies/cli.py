"""``recruitbot vacancies import|search``: the catalogue from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from recruitbot.cli import CommandError
from recruitbot.db import shared_engine
from recruitbot.places import DEFAULT_PLACES_CSV, Gazetteer, GazetteerError, load_gazetteer
from recruitbot.settings import load_settings
from recruitbot.vacancies.feeds import FeedError
from recruitbot.vacancies.importer import CHUNK_SIZE, EmptyFeedError, ImportReport, import_feed
from recruitbot.vacancies.model import JOB_TYPES, SearchCriteria, SearchResult
from recruitbot.vacancies.search import Catalogue


def register(subparsers: Any) -> None:
    """Add the ``vacancies`` command and its subcommands to the ``recruitbot`` parser."""
    vacancies = subparsers.add_parser("vacancies", help="import and search the vacancy catalogue")
    vacancies.add_argument(
        "--places",
        type=Path,
        default=DEFAULT_PLACES_CSV,
        metavar="CSV",
        help="the UK gazetteer to place locations with (default: the bundled one)",
    )
    commands = vacancies.add_subparsers(dest="vacancies_command", metavar="COMMAND", required=True)

    importing = commands.add_parser("import", help="sync the catalogue with a feed")
    importing.add_argument("source", metavar="SOURCE", help="a feed file or http(s) URL")
    importing.add_argument(
        "--partial",
        action="store_true",
        help="the feed lists only some vacancies: do not close the ones it leaves out",
    )
    importing.set_defaults(handler=run_import)

    searching = commands.add_parser("search", help="search the open vacancies")
    searching.add_argument("--keyword", help="role or sector words")
    searching.add_argument("--location", help="a UK town, county or region")
    searching.add_argument("--type", dest="job_type", choices=JOB_TYPES, help="the job type")
    searching.add_argument("--min-salary", type=_whole_number, metavar="N", help="annual salary in GBP")
    searching.add_argument("--limit", type=_whole_number, default=10, metavar="N", help="how many to show")
    searching.add_argument("--json", action="store_true", help="print the result as JSON")
    searching.set_defaults(handler=run_search)


def _whole_number(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return value


def _open(args: argparse.Namespace) -> tuple[Engine, Gazetteer]:
    try:
        gazetteer = load_gazetteer(args.places)
    except GazetteerError as exc:
        raise CommandError(str(exc)) from exc
    return shared_engine(load_settings().database_url), gazetteer


def run_import(args: argparse.Namespace) -> int:
    """Import the feed at ``args.source`` and print what changed."""
    engine, gazetteer = _open(args)
    try:
        report = import_feed(engine, gazetteer, args.source, partial=args.partial, progress=_print_progress)
    except (FeedError, EmptyFeedError) as exc:
        raise CommandError(f"{exc} (the catalogue is unchanged)") from exc
    _print_skipped(report)
    print(
        f"{report.source}: {report.created} created, {report.updated} updated, "
        f"{report.reopened} reopened, {report.unchanged} unchanged, {report.closed} closed, "
        f"{report.skipped} skipped"
    )
    return 0


def _print_progress(done: int, total: int) -> None:
    # The importer reports every CHUNK_SIZE records; small feeds need no progress lines.
    if total > CHUNK_SIZE:
        print(f"... {done:,} of {total:,} records", file=sys.stderr, flush=True)


def _print_skipped(report: ImportReport) -> None:
    for error in report.errors:
        where = f"record {error.index}" if error.index >= 0 else "feed"
        named = f" (id {error.record_id})" if error.record_id else ""
        print(f"skipped {where}{named}: {error.field}: {error.problem}", file=sys.stderr)


def run_search(args: argparse.Namespace) -> int:
    """Search the open vacancies and print one page of them."""
    engine, gazetteer = _open(args)
    criteria = SearchCriteria(
        keyword=args.keyword, location=args.location, job_type=args.job_type, min_salary=args.min_salary
    )
    result = Catalogue(engine, gazetteer).search(criteria, limit=args.limit)
    print(json.dumps(_as_json(result), indent=2) if args.json else _as_text(result))
    return 0


def _as_json(result: SearchResult) -> dict[str, Any]:
    data = asdict(result)
    for vacancy in data["vacancies"]:
        vacancy["posted"] = vacancy["posted"].isoformat()
        vacancy["closes"] = vacancy["closes"].isoformat() if vacancy["closes"] else None
    return data


def _as_text(result: SearchResult) -> str:
    lines = [f"{result.total} matching vacancies"]
    lines += [f"  widened {step.kind}: {step.from_value} -> {step.to_value}" for step in result.widened]
    for vacancy in result.vacancies:
        lines.append(
            f"{vacancy.id}  {vacancy.title} | {vacancy.location} | {vacancy.job_type} | "
            f"{vacancy.salary or 'salary not given'} | posted {vacancy.posted.isoformat()}"
        )
    return "\n".join(lines)
