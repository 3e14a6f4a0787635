"""Run the CLI as a user would, from async tests, without blocking the event loop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


async def run_cli(*args: str, within_s: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m hafeniq_chain ARGS``; stdout/stderr captured as text."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hafeniq_chain", *args, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), within_s)
    return subprocess.CompletedProcess(list(args), proc.returncode or 0, out.decode(),
                                       err.decode())
