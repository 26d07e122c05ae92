"""Start real ``loket serve`` processes for tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    database_url: str = ""

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def start_server(database_url: str, site_file: Path, workdir: Path, *, clock: str | None = None,
                 port: int | None = None, extra_env: dict[str, str] | None = None,
                 timeout_s: float = 30.0, host: str = "127.0.0.1",
                 demo: bool = False, more_sites: tuple[Path, ...] = (),
                 root_path: str = "") -> Iterator[Server]:
    port = port or free_port()
    log = workdir / f"server-{port}.log"
    args = [sys.executable, "-m", "queue_server.cli", "serve", "--host", host, "--port", str(port),
            "--database-url", database_url, "--config", str(site_file),
            "--log-level", "warning"]
    for more in more_sites:  # further MPPs, served under /s/{code}/
        args += ["--config", str(more)]
    if clock:
        args += ["--clock", clock]
    if demo:
        args.append("--demo")
    if root_path:  # behind a proxy at this path; /healthz still answers on the bare port
        args += ["--root-path", root_path]
    env = {**os.environ, **(extra_env or {})}
    with log.open("wb") as out:
        process = subprocess.Popen(args, cwd=workdir, stdout=out, stderr=subprocess.STDOUT,
                                   env=env)
    server = Server(f"http://127.0.0.1:{port}", process, log, database_url)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{server.output()}")
            try:
                if httpx.get(f"{server.url}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start in {timeout_s}s:\n{server.output()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
