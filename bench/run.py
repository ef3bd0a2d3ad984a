"""Benchmark our bot against a stock ``rasa init`` bot: ``python -m bench [--quick] [--profile]``.

Trains (or reuses) both bots, starts each on loopback in turn, times its cold start, holds the
same load shape of multi-turn conversations with each (1, 10 and 50 at a time), and prints a
Markdown table side by side with the ratios ours/stock; the same figures go to a JSON file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bench import ours, pyspy, stock
from bench.bots import Started, Trained
from bench.load import Level, LevelResult, Script, Turn, run_level
from bench.procs import (
    bot_pids,
    busy_cpu_seconds,
    cores,
    cpu_seconds,
    listening_pids,
    machine,
    own_cpu_seconds,
    rss_mb,
)
from recruitbot.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
FULL = (Level(1, 15, 120), Level(10, 60, 150), Level(50, 200, 180))
QUICK = (Level(1, 3, 60), Level(5, 10, 60))
BACKGROUND_WARNING = 0.10  # share of the machine's CPU used by other processes that makes a level suspect
BOTS = ("ours", "stock")
PRODUCTION = "production"  # ours in the production profile (--production): an extra column
FLOOR = "floor"  # the stock project with no trained model (--floor): what Rasa alone costs; an extra column
NONE = "-"  # a cell with nothing to show


@dataclass(frozen=True)
class Bot:
    """How to train, run and talk to one bot."""

    name: str
    prepare: Callable[[bool, bool, Path], Trained]  # (time a first training if none is recorded, retrain, logs)
    running: Callable[[Trained, Path], AbstractContextManager[Started]]
    scripts: tuple[Script, ...]


@dataclass
class LevelRun:
    """A level's load figures plus the bot's and the machine's CPU time during it."""

    result: LevelResult
    server_cpu_s: float
    background_cpu_share: float

    def summary(self) -> dict[str, object]:
        """The figures of this level, for the JSON report."""
        messages = self.result.messages
        return {
            **self.result.summary(),
            "server_cpu_s": round(self.server_cpu_s, 2),
            "server_cpu_ms_per_message": round(self.server_cpu_s * 1000 / messages, 1) if messages else None,
            "background_cpu_share": round(self.background_cpu_share, 3),
        }


@dataclass
class Report:
    """Everything measured on one bot."""

    name: str
    trained: Trained
    cold_start_s: float = math.nan
    rss_ready_mb: float = math.nan
    rss_after_mb: float = math.nan
    processes: int = 0
    warm_up_errors: int = 0
    levels: list[LevelRun] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)

    def level(self, concurrency: int) -> LevelRun:
        """The run at this concurrency."""
        return next(run for run in self.levels if run.result.concurrency == concurrency)

    def summary(self) -> dict[str, object]:
        """Everything measured, for the JSON report."""
        return {
            "model": str(self.trained.model.relative_to(PROJECT_ROOT)),
            "train_s": round(self.trained.train_s, 1) if self.trained.train_s is not None else None,
            "train_source": self.trained.train_source,
            "cold_start_s": round(self.cold_start_s, 2),
            "rss_mb": {"ready": round(self.rss_ready_mb, 1), "after_load": round(self.rss_after_mb, 1)},
            "processes": self.processes,
            "warm_up_errors": self.warm_up_errors,
            "levels": [run.summary() for run in self.levels],
            "profiles": self.profiles,
        }


def _describe(turn: Turn) -> str:
    replies = []
    for reply in turn.replies:
        text = str(reply.get("text", ""))
        buttons = reply.get("buttons")
        extras = [f"{len(buttons)} buttons"] if isinstance(buttons, list) else []
        extras += [kind for kind in ("image", "custom") if reply.get(kind)]
        replies.append(text + (f" [{', '.join(extras)}]" if extras else ""))
    outcome = f"ERROR {turn.error}" if turn.error else " / ".join(replies)
    return f"{turn.sender}  {turn.latency_ms:7.0f} ms\n  > {turn.text}\n  < {outcome}\n"


def warm_up(bot: Started, scripts: tuple[Script, ...], transcript: Path) -> int:
    """Hold each conversation once, unmeasured, writing what was said; return the failed turns."""
    with transcript.open("w") as out:

        def write(turn: Turn) -> None:
            out.write(_describe(turn))

        result = asyncio.run(run_level(bot.webhook, scripts, Level(1, len(scripts), 300), f"bench-{bot.name}-warm",
                                       on_turn=write, apologies=bot.apologies))
    return result.error_count


def start_profiles(bot: Started, results: Path, profiling: ExitStack) -> list[str]:
    """Start py-spy on each of the bot's servers until ``profiling`` closes; return the profiles' paths."""
    paths = []
    for server, port in bot.servers.items():
        output = results / f"profile-{bot.name}-{server}.speedscope.json"
        profiling.enter_context(pyspy.recording(min(listening_pids(port)), output))
        paths.append(str(output.relative_to(PROJECT_ROOT)))
    return paths


def measure_level(bot: Started, scripts: tuple[Script, ...], level: Level) -> LevelRun:
    """Run one level of load, with the CPU time the bot and everything else used meanwhile."""
    pids = bot_pids(tuple(bot.servers.values()))
    server_before, busy_before, own_before = cpu_seconds(pids), busy_cpu_seconds(), own_cpu_seconds()
    result = asyncio.run(run_level(bot.webhook, scripts, level, f"bench-{bot.name}-c{level.concurrency}",
                                   apologies=bot.apologies))
    server_cpu = cpu_seconds(pids) - server_before
    background = busy_cpu_seconds() - busy_before - server_cpu - (own_cpu_seconds() - own_before)
    capacity = result.elapsed_s * cores()
    return LevelRun(result, server_cpu, max(0.0, background) / capacity if capacity else 0.0)


def bench_bots(bots: list[Bot], trained: dict[str, Trained], levels: tuple[Level, ...], results: Path,
               profile: bool) -> dict[str, Report]:
    """Start the bots one after the other, then run each level against each bot in turn; stop them.

    The bots run side by side, and each level is measured on one bot right after the other (the
    others idle meanwhile): on a machine whose speed drifts from minute to minute, each ratio then
    compares figures taken a few seconds apart instead of minutes apart.
    """
    reports = {bot.name: Report(bot.name, trained[bot.name]) for bot in bots}
    with ExitStack() as running:
        started: dict[str, Started] = {}
        for bot in bots:  # each cold start with the bots already started idle
            say(f"{bot.name}: starting")
            started[bot.name] = running.enter_context(bot.running(trained[bot.name], results / "logs"))
            report = reports[bot.name]
            report.cold_start_s = started[bot.name].cold_start_s
            report.rss_ready_mb = rss_mb(bot_pids(tuple(started[bot.name].servers.values())))
            say(f"{bot.name}: answered after {report.cold_start_s:.1f} s; warming up")
            report.warm_up_errors = warm_up(started[bot.name], bot.scripts,
                                            results / f"transcript-{bot.name}.txt")
        for level in levels:
            for bot in bots:
                report = reports[bot.name]
                say(f"{bot.name}: {level.concurrency} concurrent conversation(s)")
                with ExitStack() as profiling:
                    if profile and level.concurrency == 1:
                        report.profiles += start_profiles(started[bot.name], results, profiling)
                    report.levels.append(measure_level(started[bot.name], bot.scripts, level))
                say(f"{bot.name}:   {json.dumps(report.levels[-1].summary())}")
        for bot in bots:
            pids = bot_pids(tuple(started[bot.name].servers.values()))
            reports[bot.name].rss_after_mb, reports[bot.name].processes = rss_mb(pids), len(pids)
    return reports


# The table


@dataclass(frozen=True)
class Extra:
    """A column pair beyond ours and stock: another bot's figure and its ratio to stock."""

    name: str  # the bot's name in the reports
    heading: str
    ratio_heading: str


# Shown after ours and stock, in this order, when benchmarked.
EXTRAS = (Extra(PRODUCTION, "ours, production profile", "production/stock"),
          Extra(FLOOR, "floor (Rasa alone)", "floor/stock"))


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure for each bot, the ratios to stock and the issue's target for them."""

    metric: str
    figures: dict[str, float | None]  # bot name -> figure (None: not measured)
    digits: int = 0
    target: tuple[str, float] | None = None  # ("≥", 4.0): the ratio to stock the issue asks for; ("=", 0): the figure
    cells: dict[str, str] | None = None  # bot name -> text shown instead of the figure (errors)

    @property
    def ratio(self) -> float | None:
        """Ours divided by stock."""
        return self.ratio_of("ours")

    def ratio_of(self, name: str) -> float | None:
        """That bot's figure divided by stock's."""
        figure, stock = self.figures.get(name), self.figures.get("stock")
        if figure is None or stock is None or self.cells or not stock:
            return None
        return figure / stock

    def met(self, name: str = "ours") -> bool | None:
        """Whether that bot meets the target (None: no target, or nothing to compare)."""
        if self.target is None:
            return None
        sign, bound = self.target
        value = self.figures.get(name) if sign == "=" else self.ratio_of(name)
        if value is None:
            return None
        return {"≥": value >= bound, "≤": value <= bound, "=": value == bound}[sign]

    def markdown(self, extras: tuple[Extra, ...]) -> str:
        """The row as a Markdown table line, with a figure and a ratio for each of ``extras``."""
        def cell(name: str) -> str:
            if self.cells:
                return self.cells.get(name, NONE)
            value = self.figures.get(name)
            return NONE if value is None or math.isnan(value) else f"{value:.{self.digits}f}"

        def ratio(name: str) -> str:
            value = self.ratio_of(name)
            return NONE if value is None else f"{value:.2f}"

        def verdict(met: bool | None) -> str:
            return {True: " ✓", False: " ✗", None: ""}[met]

        target = f"{self.target[0]} {self.target[1]:g}{verdict(self.met())}" if self.target else ""
        line = f"| {self.metric} | {cell('ours')} | {cell('stock')} | {ratio('ours')} | {target} |"
        for extra in extras:
            line += f" {cell(extra.name)} | {ratio(extra.name)}{verdict(self.met(extra.name))} |"
        return line


def _figure(reports: dict[str, Report], get: Callable[[Report], float | None]) -> dict[str, float | None]:
    return {name: get(report) for name, report in reports.items()}


def _errors(reports: dict[str, Report], concurrency: int) -> dict[str, str]:
    def cell(report: Report) -> str:
        result = report.level(concurrency).result
        return f"{result.error_count} / {result.messages}"

    return {name: cell(report) for name, report in reports.items()}


def _error_count(report: Report, concurrency: int) -> float:
    return float(report.level(concurrency).result.error_count)


def level_rows(reports: dict[str, Report], concurrency: int) -> list[Row]:
    """Throughput, latency, errors and CPU per message at one concurrency."""
    def latency(p: float) -> Callable[[Report], float]:
        return lambda report: report.level(concurrency).result.percentile_ms(p)

    def cpu_per_message(report: Report) -> float | None:
        run = report.level(concurrency)
        return run.server_cpu_s * 1000 / run.result.messages if run.result.messages else None

    at = f"{concurrency} conv."
    sequential, top = concurrency == 1, concurrency == 50
    return [
        Row(f"throughput, {at} (msg/s)", _figure(reports, lambda r: r.level(concurrency).result.throughput), 1,
            ("≥", 4.0) if top else None),
        Row(f"p50 latency, {at} (ms)", _figure(reports, latency(50)), 0, ("≤", 0.25) if sequential else None),
        Row(f"p95 latency, {at} (ms)", _figure(reports, latency(95))),
        Row(f"p99 latency, {at} (ms)", _figure(reports, latency(99)), 0, ("≤", 0.5) if sequential else None),
        Row(f"errors, {at} (failed / sent)", _figure(reports, lambda r: _error_count(r, concurrency)),
            target=("=", 0) if top else None, cells=_errors(reports, concurrency)),
        Row(f"server CPU per message, {at} (ms)", _figure(reports, cpu_per_message)),
    ]


def table_rows(reports: dict[str, Report], levels: tuple[Level, ...]) -> list[Row]:
    """Every row of the table, level by level, then memory, cold start and training."""
    rows = [row for level in levels for row in level_rows(reports, level.concurrency)]
    rows += [
        Row("RSS after the load, all server processes (MB)", _figure(reports, lambda r: r.rss_after_mb), 0,
            ("≤", 1.0)),
        Row("server processes", _figure(reports, lambda r: float(r.processes))),
        Row("cold start, process start to first correct reply (s)", _figure(reports, lambda r: r.cold_start_s), 1,
            ("≤", 0.5)),
        Row("train time (s)", _figure(reports, lambda r: r.trained.train_s)),
    ]
    return rows


def markdown(reports: dict[str, Report], levels: tuple[Level, ...], host: dict[str, object], mode: str) -> str:
    """The report as Markdown: machine, load shape, the table and notes."""
    average_turns = {name: sum(map(len, bot.scripts)) / len(bot.scripts)
                     for name, bot in BOT_DEFINITIONS.items() if name in reports}
    extras = tuple(extra for extra in EXTRAS if extra.name in reports)
    lines = [
        f"Machine: {host['nproc']} cores (nproc), {host['cpu_model']}, {host['ram_gb']} GB RAM; "
        f"Python {host['python']}, rasa {host['rasa']}, rasa-sdk {host['rasa_sdk']}; "
        f"load average at start {host['load_average']}.",
        f"Load ({mode}): " + ", ".join(
            f"{level.concurrency} concurrent ({level.conversations} conversations, at most {level.max_seconds:g} s)"
            for level in levels)
        + "; conversations of " + ", ".join(f"{turns:.1f} turns ({name})" for name, turns in average_turns.items())
        + " on average; each bot warmed up with one of each conversation first.",
        "",
        "| metric | ours | stock | ours/stock | target |"
        + "".join(f" {extra.heading} | {extra.ratio_heading} |" for extra in extras),
        "| --- | ---: | ---: | ---: | --- |" + " ---: | ---: |" * len(extras),
        *(row.markdown(extras) for row in table_rows(reports, levels)),
        "",
    ]
    for report in reports.values():
        lines.append(f"- {report.name}: model {report.trained.model.name}; train time (a first training, "
                     f"empty Rasa cache) {report.trained.train_source}.")
        if report.warm_up_errors:
            lines.append(f"- {report.name}: {report.warm_up_errors} turn(s) failed while warming up.")
        if report.profiles:
            lines.append(f"- {report.name}: profiled with py-spy during the 1 conv. level, which slows it a little.")
        for run in report.levels:
            if run.background_cpu_share > BACKGROUND_WARNING:
                lines.append(
                    f"- WARNING {report.name}, {run.result.concurrency} conv.: other processes used "
                    f"{run.background_cpu_share:.0%} of the machine's CPU meanwhile; the figures are suspect.")
    return "\n".join(lines) + "\n"


def _report_json(reports: dict[str, Report], levels: tuple[Level, ...], host: dict[str, object], mode: str,
                 started_at: str) -> dict[str, object]:
    return {
        "mode": mode,
        "started_at": started_at,
        "machine": host,
        "levels": [level.__dict__ for level in levels],
        "bots": {name: report.summary() for name, report in reports.items()},
        "table": [
            {"metric": row.metric, **{name: (row.cells or row.figures).get(name) for name in reports},
             "ratio": row.ratio, "target": f"{row.target[0]} {row.target[1]:g}" if row.target else None,
             "met": row.met(),
             **{f"{name}_ratio": row.ratio_of(name) for name in reports if name not in BOTS},
             **{f"{name}_met": row.met(name) for name in reports if name not in BOTS}}
            for row in table_rows(reports, levels)
        ],
    }


def profile_summary(report: Report) -> str:
    """Where the sampled CPU time of each profiled server went, as text."""
    parts = []
    for profile in report.profiles:
        path = PROJECT_ROOT / profile
        if not path.exists():
            parts.append(f"{profile}: py-spy wrote nothing (see {path.with_suffix('.log').name})\n")
            continue
        spots = pyspy.hotspots(path)
        parts.append(f"{profile}: busy {spots.busy_s:.1f} s of {spots.sampled_s:.1f} s sampled; "
                     "share of the busy time with the function on the stack\n")
        parts += [f"  {share:6.1%}  {name}\n" for name, share in spots.inclusive]
        parts.append("  ...and as the innermost Python frame (own time)\n")
        parts += [f"  {share:6.1%}  {name}\n" for name, share in spots.own]
    return "".join(parts)


def say(message: str) -> None:
    """A progress line on stderr (stdout carries only the table)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


BOT_DEFINITIONS = {
    "ours": Bot("ours", lambda timing, retrain, logs: ours.prepare(retrain, timing, logs),
                ours.running, ours.SCRIPTS),
    "stock": Bot("stock", lambda _timing, retrain, logs: stock.prepare(retrain, logs), stock.running, stock.SCRIPTS),
    # The same model as ours (prepared, and timed if need be, as ours), served in the production profile.
    PRODUCTION: Bot(PRODUCTION, lambda timing, _retrain, logs: ours.prepare(False, timing, logs),
                    ours.running_production, ours.SCRIPTS),
    # The stock bot's project and chats with no trained model: what Rasa alone costs.
    FLOOR: Bot(FLOOR, lambda _timing, retrain, logs: stock.prepare_floor(retrain, logs), stock.running, stock.SCRIPTS),
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a tiny load (1 and 5 concurrent); reuses cached models and recorded train times")
    parser.add_argument("--untimed", action="store_true",
                        help="reuse our model without timing a first training of it when none is recorded "
                             "(the table then shows no train time for ours)")
    parser.add_argument("--retrain", action="store_true",
                        help="time both trainings afresh (ours in a scratch directory, the stock bot's into the cache)")
    parser.add_argument("--profile", action="store_true",
                        help="record py-spy profiles of the servers during the sequential level")
    parser.add_argument("--only", choices=BOTS, help="benchmark one bot only (no ratios)")
    parser.add_argument("--production", action="store_true",
                        help="also benchmark ours in the production profile (Rasa servers behind nginx, PostgreSQL, "
                             "Redis; needs them running here), as extra columns")
    parser.add_argument("--floor", action="store_true",
                        help="also benchmark the floor: the stock bot's project and chats with no trained model "
                             "(keyword intents, rules, memoization), what Rasa 3.6 alone costs, as extra columns")
    parser.add_argument("--out", type=Path, help="the JSON report (default bench/results/latest.json, "
                        "quick.json with --quick); the Markdown table goes beside it")
    return parser.parse_args(argv)


def _fresh_results_dir(results: Path) -> None:
    results.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(results / "logs", ignore_errors=True)


def run(quick: bool, retrain: bool, profile: bool, only: str | None, out: Path,
        production: bool = False, untimed: bool = False, floor: bool = False) -> dict[str, Report]:
    """Prepare each bot, then benchmark them level by level; write the reports; return them."""
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    host = machine()
    levels, mode = (QUICK, "quick") if quick else (FULL, "full")
    names = ([only] if only else list(BOTS)) + ([PRODUCTION] if production else []) + ([FLOOR] if floor else [])
    _fresh_results_dir(RESULTS)
    trained = {}
    for name in names:  # both trainings first, one at a time, so that no server runs beside a training
        say(f"{name}: preparing the model")
        trained[name] = BOT_DEFINITIONS[name].prepare(not (quick or untimed), retrain, RESULTS / "logs")
    reports = bench_bots([BOT_DEFINITIONS[name] for name in names], trained, levels, RESULTS, profile)
    text = markdown(reports, levels, host, mode)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(_report_json(reports, levels, host, mode, started_at), indent=2) + "\n")
    out.with_suffix(".md").write_text(text)
    sys.stdout.write(text)
    summaries = "\n".join(filter(None, (profile_summary(report) for report in reports.values())))
    if summaries:
        (RESULTS / "profile-summary.txt").write_text(summaries)
        sys.stderr.write(summaries)
    say(f"wrote {out.relative_to(PROJECT_ROOT) if out.is_relative_to(PROJECT_ROOT) else out} and its .md")
    return reports


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    args = _parse(argv)
    out = args.out or RESULTS / ("quick.json" if args.quick else "latest.json")
    try:
        run(args.quick, args.retrain, args.profile, args.only, out.resolve(), args.production, args.untimed,
            args.floor)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        # StartupError is a RuntimeError; the servers' own logs say why they stopped.
        say(f"error: {exc}; the servers' and trainings' logs are in {RESULTS.relative_to(PROJECT_ROOT)}/logs/")
        return 1
    return 0
