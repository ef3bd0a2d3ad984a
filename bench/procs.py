"""What /proc says about the machine and about a bot's processes: memory, CPU time, listening ports."""

from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LISTEN = "0A"  # the TCP state column of /proc/net/tcp for a listening socket


def _pids() -> list[int]:
    return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()]


def _read(path: Path) -> str:
    # Processes come and go while we read; a vanished one simply contributes nothing.
    try:
        return path.read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return ""


def _stat_fields(pid: int) -> list[str]:
    # The command name (field 2) may contain spaces; everything after its closing ")" is space-separated.
    text = _read(PROC / str(pid) / "stat")
    return text[text.rfind(")") + 2 :].split() if text else []


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        for line in _read(PROC / "net" / table).splitlines()[1:]:
            columns = line.split()
            local_port = int(columns[1].rsplit(":", 1)[1], 16)
            if local_port == port and columns[3] == LISTEN:
                inodes.add(columns[9])
    return inodes


def listening_pids(port: int) -> set[int]:
    """The processes holding a socket that listens on this TCP port (Sanic workers share one)."""
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    found = set()
    for pid in _pids():
        try:
            descriptors = list((PROC / str(pid) / "fd").iterdir())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) in sockets:
                    found.add(pid)
                    break
            except OSError:
                continue
    return found


def with_descendants(roots: set[int]) -> set[int]:
    """These processes and every process they started, recursively."""
    children: dict[int, list[int]] = {}
    for pid in _pids():
        fields = _stat_fields(pid)
        if fields:
            children.setdefault(int(fields[1]), []).append(pid)
    found, pending = set(roots), list(roots)
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def bot_pids(ports: tuple[int, ...]) -> set[int]:
    """Every process of a bot: whatever listens on its ports, and their children."""
    return with_descendants(set().union(*(listening_pids(port) for port in ports)))


def rss_mb(pids: set[int]) -> float:
    """The resident set sizes of these processes, added up, in MiB (shared pages count once per process)."""
    total_kb = 0
    for pid in pids:
        for line in _read(PROC / str(pid) / "status").splitlines():
            if line.startswith("VmRSS:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def cpu_seconds(pids: set[int]) -> float:
    """User plus system CPU time these processes have used so far."""
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (all cores, idle and iowait excluded)."""
    values = [int(value) for value in _read(PROC / "stat").splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def own_cpu_seconds() -> float:
    """CPU time this process (the load client) has used so far."""
    times = os.times()
    return times.user + times.system


def cores() -> int:
    """The CPU cores this process may run on (what ``nproc`` prints)."""
    return len(os.sched_getaffinity(0))


def machine() -> dict[str, object]:
    """The machine and software the figures were measured on."""
    cpu_model = next(
        (line.split(":", 1)[1].strip() for line in _read(PROC / "cpuinfo").splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    mem_kb = next(int(line.split()[1]) for line in _read(PROC / "meminfo").splitlines() if line.startswith("MemTotal:"))
    return {
        "nproc": cores(),
        "cpu_model": cpu_model,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "rasa": version("rasa"),
        "rasa_sdk": version("rasa-sdk"),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def processes_running(*words: str) -> list[int]:
    """The processes whose command line contains every one of these words."""
    found = []
    for pid in _pids():
        arguments = _read(PROC / str(pid) / "cmdline").split("\0")
        if all(word in arguments for word in words):
            found.append(pid)
    return found
