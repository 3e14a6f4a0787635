"""cryo (PyPI ``cryo``, a self-contained Rust wheel) exporting a block range, for the benches.

It runs from its own virtualenv (bench/.cryo-venv, created on first use) so its wheel never
meets our pins; it exports blocks, transactions and logs to parquet.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CRYO_VENV = Path(__file__).resolve().parent / ".cryo-venv"
_CRYO = """
import sys, cryo
cryo.freeze(["blocks", "transactions", "logs"], start_block=int(sys.argv[1]),
            end_block=int(sys.argv[2]), rpc=sys.argv[3], output_dir=sys.argv[4],
            max_concurrent_requests=8, verbose=False)
"""


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ensure_cryo() -> Path:
    python = CRYO_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CRYO_VENV)], check=True)
        subprocess.run([str(CRYO_VENV / "bin" / "pip"), "install", "-q", "cryo==0.3.2"],
                       check=True)
    return python


def cryo_export(url: str, first: int, last: int) -> tuple[float, float]:
    """cryo's export of blocks, transactions and logs: seconds, its CPU seconds."""
    python = _ensure_cryo()
    with tempfile.TemporaryDirectory() as out:
        cpu, started = _children_cpu_s(), time.perf_counter()
        # NOTE: cryo's ranges end before ``end_block``.
        subprocess.run([str(python), "-c", _CRYO, str(first), str(last + 1), url, out],
                       check=True, capture_output=True, timeout=1800)
        elapsed, cpu = time.perf_counter() - started, _children_cpu_s() - cpu
        files = sorted(p.name for p in Path(out).iterdir())
    if not any("logs" in f for f in files) or not any("transactions" in f for f in files):
        raise RuntimeError(f"cryo wrote {files}")
    return elapsed, cpu
