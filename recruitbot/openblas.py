"""Which OpenBLAS kernels the servers' numpy uses, where OpenBLAS's own choice is the slower one.

DIET's prediction is numpy's matrix products (recruitbot/nlu/diet_forward.py). numpy 1.23's
OpenBLAS (0.3.20) picks its kernels by CPU, and names every AMD family-25 CPU "Zen", whose kernels
use AVX2 only, although the newer ones (Zen 4: AMD EPYC 9004, some of this machine kind) have
AVX-512 as an Intel Skylake-X has. On such a machine, with one BLAS thread, a message's 6 rows by
256 times 256 by 1024 took 190 µs with the Zen kernels and 117 with Skylake-X's, 256 by 256 ones
47 against 9 (2026-11-28). :func:`core_type` names the Skylake-X kernels for an AMD CPU that has
every AVX-512 extension they use; anywhere else OpenBLAS's own choice stands (an Intel CPU with
AVX-512 already gets them; a CPU without AVX-512 must not: they would stop it with an illegal
instruction).
"""

from __future__ import annotations

from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# What OpenBLAS's Skylake-X kernels need (its own test for them: AVX-512 F, CD, BW, DQ and VL).
_SKYLAKE_X_NEEDS = frozenset({"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"})


def core_type(cpuinfo: str) -> str | None:
    """The OPENBLAS_CORETYPE to set for a CPU described as in /proc/cpuinfo; None to leave OpenBLAS's choice."""
    vendor: str | None = None
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        name = name.strip()
        if name == "vendor_id" and vendor is None:
            vendor = value.strip()
        elif name == "flags" and not flags:
            flags = set(value.split())
    if vendor == "AuthenticAMD" and flags >= _SKYLAKE_X_NEEDS:
        return "SkylakeX"
    return None


def server_core_type() -> str | None:
    """:func:`core_type` for this machine (None where /proc/cpuinfo cannot be read)."""
    try:
        return core_type(CPUINFO.read_text())
    except OSError:
        return None
