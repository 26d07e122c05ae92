"""How long ``loket serve --demo`` takes from the command to the first ``/healthz`` answer.

    .venv/bin/python bench/startup.py [--runs 5]

Cold: a new folder (migrations run, the demo site is written, demo accounts are hashed).
Warm: the same folder again (the database exists). Each run starts the real command in a
fresh process, polls ``/healthz`` every 10 ms and stops the server. Also times the import of
the app alone, the part every start pays. Prints a table; run by hand, never in the tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import free_port  # noqa: E402

LOKET = [sys.executable, "-m", "queue_server.cli"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (all its threads), from /proc: unlike the
    wall clock it hardly moves when other work shares the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_to_healthz(folder: Path, timeout_s: float = 60.0) -> tuple[float, float]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([*LOKET, "serve", "--demo", "--port", str(port)], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - started, cpu_seconds(process.pid)
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.perf_counter() - started > timeout_s:
                raise RuntimeError("the demo did not start")
            time.sleep(0.01)
    finally:
        process.terminate()
        process.wait(timeout=30)


def time_import() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import queue_server.cli, queue_server.web.app"],
                   check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    wall: dict[str, list[float]] = {"import app": [], "cold start": [], "warm start": []}
    cpu: dict[str, list[float]] = {"cold start": [], "warm start": []}
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            wall["import app"].append(time_import())
            for what in ("cold start", "warm start"):
                seconds, cpu_s = time_to_healthz(folder)
                wall[what].append(seconds)
                cpu[what].append(cpu_s)
        print(f"run {run + 1}/{args.runs} done", file=sys.stderr, flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"| {'what':<12} | runs | median s | min s | max s | server CPU s (median) |")
    print(f"|{'-' * 14}|-----:|---------:|------:|------:|----------------------:|")
    for what, times in wall.items():
        cpu_text = f"{statistics.median(cpu[what]):.2f}" if what in cpu else "–"
        print(f"| {what:<12} | {len(times):>4} | {statistics.median(times):>8.2f} | "
              f"{min(times):>5.2f} | {max(times):>5.2f} | {cpu_text:>21} |")


if __name__ == "__main__":
    main()
