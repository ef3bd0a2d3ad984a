"""The servers' numpy uses OpenBLAS's AVX-512 kernels on an AMD CPU that has AVX-512 (recruitbot/openblas.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from recruitbot import openblas
from recruitbot.run import Ports, child_environment

AVX512 = "avx512f avx512cd avx512bw avx512dq avx512vl"
ZEN4 = f"vendor_id\t: AuthenticAMD\ncpu family\t: 25\nflags\t\t: fpu sse2 avx2 {AVX512} avx512_bf16\n"


@pytest.mark.parametrize(("cpuinfo", "expected"), [
    (ZEN4 + "\n" + ZEN4, "SkylakeX"),  # one block per core; the first one's are read
    ("vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 fma\n", None),  # Zen 3: no AVX-512
    (f"vendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 {AVX512.replace(' avx512vl', '')}\n", None),  # one missing
    (f"vendor_id\t: GenuineIntel\nflags\t\t: fpu avx2 {AVX512}\n", None),  # OpenBLAS chooses well on Intel
    ("", None),
])
def test_the_skylake_x_kernels_only_for_an_amd_cpu_with_every_extension_they_use(cpuinfo, expected):
    assert openblas.core_type(cpuinfo) == expected


def test_the_servers_numpy_uses_the_kernels_chosen_for_this_machine(monkeypatch):
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    env = child_environment(Ports(rasa=5101, actions=5151, web=8101))
    chosen = openblas.server_core_type()
    assert env.get("OPENBLAS_CORETYPE") == chosen
    probe = "import numpy, threadpoolctl; print(threadpoolctl.threadpool_info()[0]['architecture'])"
    used = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    if chosen:
        assert used.stdout.strip() == chosen
    else:  # OpenBLAS's own choice, whatever this machine is
        assert used.stdout.strip()


def test_an_operators_own_choice_stands(monkeypatch):
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    assert child_environment(Ports(rasa=5101, actions=5151, web=8101))["OPENBLAS_CORETYPE"] == "Haswell"
