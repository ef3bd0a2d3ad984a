"""Benchmark of the vacancy catalogue: import time and search latency on synthetic vacancies.

Run from the project root:

    .venv/bin/python -m bench.catalogue              # 100,000 vacancies on SQLite
    .venv/bin/python -m bench.catalogue --quick      # 2,000 vacancies
    .venv/bin/python -m bench.catalogue --postgres postgresql://postgres@127.0.0.1:5432/postgres

With ``--postgres`` the same runs again on a scratch database ``recruitbot_test_bench_*``
created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url

from recruitbot.db import make_engine
from recruitbot.places import Gazetteer, Place, load_gazetteer
from recruitbot.vacancies.importer import import_feed
from recruitbot.vacancies.model import JOB_TYPES, SearchCriteria
from recruitbot.vacancies.search import Catalogue

TODAY = date.today()  # the importer dates its work today, so the data is generated around it

LEVELS = ("", "", "", "Senior ", "Junior ", "Trainee ", "Lead ", "Graduate ")
FIELDS = (
    "Payroll", "Accounts", "HR", "Marketing", "Sales", "Customer Service", "Legal", "IT Support",
    "Procurement", "Office", "Recruitment", "Finance", "Data", "Project", "Facilities", "Credit Control",
    "Purchase Ledger", "Communications", "Operations", "Compliance", "Training", "Events", "Property",
    "Insurance", "Claims", "Logistics", "Business Development", "Executive", "Reception", "Admin",
)  # fmt: skip
ROLES = (
    "Assistant", "Administrator", "Officer", "Manager", "Coordinator", "Advisor", "Executive",
    "Analyst", "Clerk", "Specialist", "Consultant", "Supervisor", "Team Leader",
)  # fmt: skip
SOLO_TITLES = ("Receptionist", "Bookkeeper", "Paralegal", "Accountant", "Secretary", "Personal Assistant")
SECTORS = (
    "Accountancy", "Banking", "Charity", "Construction", "Education", "Engineering", "Healthcare",
    "Hospitality", "Insurance", "Legal", "Manufacturing", "Media", "Property", "Public Sector",
    "Retail", "Technology", "Transport", "Utilities", None,
)  # fmt: skip
# Everyday words of job adverts; summaries also draw on made-up words, so that the
# vocabulary is as wide as real adverts' and no filler word is in every summary.
COMMON_WORDS = (
    "busy", "friendly", "growing", "established", "leading", "national", "regional", "independent",
    "global", "local", "team", "office", "clients", "customers", "colleagues", "suppliers", "reports",
    "spreadsheets", "invoices", "budgets", "forecasts", "systems", "processes", "records", "filing",
    "diary", "meetings", "calls", "emails", "queries", "support", "deliver", "manage", "prepare",
    "maintain", "coordinate", "develop", "improve", "assist", "organise", "respond", "monitor",
    "accurate", "organised", "proactive", "confident", "motivated", "detail", "excellent", "strong",
    "communication", "skills", "experience", "knowledge", "benefits", "pension", "holiday", "parking",
    "hybrid", "flexible", "training", "progression", "career", "opportunity", "join", "within",
    "across", "daily", "weekly", "monthly",
)  # fmt: skip
SYLLABLES = ("ka", "lo", "mi", "ver", "tan", "sul", "bre", "dro", "fen", "gal", "hur", "jin", "pos", "qua", "rit")
SALARIES = (
    "£{k}k", "£{k},000 - £{k2},000 per annum", "£{h}.50 per hour", "£{d}0 per day", "Up to £{k2}k",
    "From £{k},000", "Competitive", None, "£{k},000 pa + benefits", "£{h} - £{h2} ph",
)  # fmt: skip
KEYWORDS = (
    "payroll", "accounts", "hr", "marketing", "sales", "customer service", "legal", "it support",
    "admin", "receptionist", "bookkeeper", "finance", "data", "project manager", "payroll clerk",
    "senior accounts assistant", "credit control", "personal assistant", "events", "compliance",
    "purchase ledger clerk", "office manager", "astronaut", "trainee payroll", "insurance claims",
    "paralegal", "recruitment consultant", "business development manager", "operations", "secretary",
)  # fmt: skip


def summary(title: str, sector: str | None, town: str, rng: random.Random, vocabulary: list[str]) -> str:
    """A few sentences like an advert's: the role, then filler, sometimes another field named."""
    sentences = [f"We are recruiting a {title} for a {sector or 'growing'} employer in {town}."]
    for _ in range(rng.randint(2, 4)):
        sentences.append(" ".join(rng.choices(vocabulary, k=rng.randint(8, 16))).capitalize() + ".")
    if rng.random() < 0.15:
        sentences.append(f"You will work closely with the {rng.choice(FIELDS).lower()} team.")
    return " ".join(sentences)


def vacancy_records(count: int, places: list[Place], rng: random.Random) -> Iterator[dict[str, Any]]:
    """``count`` plausible vacancies in the project's own feed format."""
    made_up = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(3000)}
    vocabulary = [*COMMON_WORDS, *sorted(made_up)]
    weights = [8 if place.kind == "city" else 1 for place in places]
    chosen = rng.choices(places, weights=weights, k=count)
    for number, place in enumerate(chosen):
        if rng.random() < 0.1:
            title = rng.choice(SOLO_TITLES)
        else:
            title = f"{rng.choice(LEVELS)}{rng.choice(FIELDS)} {rng.choice(ROLES)}"
        sector = rng.choice(SECTORS)
        k = rng.randint(18, 60)
        template = rng.choice(SALARIES)
        figures = {"k": k, "k2": k + 4, "h": rng.randint(11, 25), "h2": rng.randint(26, 30), "d": rng.randint(15, 60)}
        posted = TODAY - timedelta(days=rng.randint(0, 60))
        # Feeds mostly list vacancies still open; a few have just passed their closing date.
        closes = None if rng.random() < 0.3 else TODAY + timedelta(days=rng.randint(-3, 90))
        yield {
            "id": f"BENCH-{number:07}",
            "title": title,
            "location": place.name if rng.random() < 0.8 else f"{place.name}, {place.county or place.region}",
            "job_type": rng.choice(JOB_TYPES),
            "salary": template.format(**figures) if template else None,
            "summary": summary(title, sector, place.name, rng, vocabulary),
            "url": f"https://jobs.example/{number}",
            "posted": posted.isoformat(),
            "closes": closes.isoformat() if closes and closes >= posted else None,
            "sector": sector,
        }


def search_mix(count: int, places: list[Place], rng: random.Random) -> list[SearchCriteria]:
    """Searches as the chat makes them: keyword and/or place, sometimes a type or salary."""
    towns = [place.name for place in places if place.kind in ("town", "city")]
    areas = [place.name for place in places if place.kind in ("county", "region")]
    mix: list[SearchCriteria] = []
    for _ in range(count):
        roll = rng.random()
        keyword = rng.choice(KEYWORDS)
        location = rng.choice(towns) if rng.random() < 0.7 else rng.choice(areas)
        job_type = rng.choice(JOB_TYPES) if rng.random() < 0.4 else None
        min_salary = rng.choice((20000, 25000, 30000, 40000)) if rng.random() < 0.2 else None
        if roll < 0.45:
            mix.append(SearchCriteria(keyword, location, job_type, min_salary))
        elif roll < 0.65:
            mix.append(SearchCriteria(keyword=keyword, job_type=job_type, min_salary=min_salary))
        elif roll < 0.9:
            mix.append(SearchCriteria(location=location, job_type=job_type, min_salary=min_salary))
        else:
            mix.append(SearchCriteria(job_type=rng.choice(JOB_TYPES), min_salary=min_salary))
    return mix


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run(engine: Engine, gazetteer: Gazetteer, feed: Path, searches: list[SearchCriteria], label: str) -> None:
    """Import ``feed`` twice (the second a no-op sync), then time every search."""
    started = time.perf_counter()
    report = import_feed(engine, gazetteer, str(feed))
    imported = time.perf_counter() - started
    started = time.perf_counter()
    again = import_feed(engine, gazetteer, str(feed))
    reimported = time.perf_counter() - started
    catalogue = Catalogue(engine, gazetteer)
    for criteria in searches[:50]:  # warm the caches the real bot would have warm
        catalogue.search(criteria, today=TODAY)
    timings: list[float] = []
    cpu_timings: list[float] = []
    widened = 0
    for criteria in searches:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = catalogue.search(criteria, today=TODAY)
        timings.append((time.perf_counter() - started) * 1000)
        cpu_timings.append((time.process_time() - cpu_started) * 1000)
        widened += bool(result.widened)
    print(f"\n{label}")
    print(f"  import: {report.created:,} vacancies in {imported:.1f} s; unchanged re-import {reimported:.1f} s")
    print(f"  open today: {catalogue.count_open(today=TODAY):,}; skipped in feed: {report.skipped}")
    print(f"  re-import: {again.unchanged:,} unchanged, {again.updated} updated")
    print(f"  {len(searches):,} searches ({widened:,} widened), ms per search:")
    for name, values in (("wall", timings), ("cpu ", cpu_timings)):
        print(
            f"    {name} p50 {percentile(values, 0.5):.2f}  p95 {percentile(values, 0.95):.2f}  "
            f"p99 {percentile(values, 0.99):.2f}  max {max(values):.2f}  mean {statistics.fmean(values):.2f}"
        )
    # Other work on the machine stretches wall times: say how busy it was.
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    slowest = sorted(zip(timings, searches, strict=True), key=lambda pair: pair[0])[-3:]
    for elapsed, criteria in reversed(slowest):
        print(f"    slow: {elapsed:.1f} ms {criteria}")


@contextmanager
def scratch_postgres(server_url: str) -> Iterator[str]:
    """A fresh database on ``server_url``'s server, dropped afterwards."""
    server = make_url(server_url)
    name = f"recruitbot_test_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="vacancies to generate")
    parser.add_argument("--quick", action="store_true", help="2,000 vacancies, for a smoke run")
    parser.add_argument("--searches", type=int, default=2000, help="searches to time")
    parser.add_argument("--postgres", metavar="URL", help="also run on a scratch database on this server")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    count = 2000 if args.quick else args.count
    rng = random.Random(args.seed)
    gazetteer = load_gazetteer()
    places = [place for name in gazetteer.all_names() if (place := gazetteer.resolve(name)) is not None]
    places = list(dict.fromkeys(places))
    searches = search_mix(args.searches, places, rng)
    with tempfile.TemporaryDirectory(prefix="recruitbot-bench-") as folder:
        feed = Path(folder) / "feed.json"
        feed.write_text(json.dumps(list(vacancy_records(count, places, rng))), encoding="utf-8")
        print(f"{count:,} vacancies, feed {feed.stat().st_size / 1e6:.1f} MB")
        backends: list[tuple[str, Callable[[], Any]]] = [
            ("SQLite", lambda: _sqlite(Path(folder) / "bench.db")),
        ]
        if args.postgres:
            backends.append(("PostgreSQL", lambda: scratch_postgres(args.postgres)))
        for label, open_database in backends:
            with open_database() as url:
                engine = make_engine(url)
                try:
                    run(engine, gazetteer, feed, searches, f"{label}, {count:,} vacancies")
                finally:
                    engine.dispose()
    return 0


@contextmanager
def _sqlite(path: Path) -> Iterator[str]:
    yield f"sqlite:///{path}"


if __name__ == "__main__":
    sys.exit(main())
