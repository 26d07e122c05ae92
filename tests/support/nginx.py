"""Run nginx in front of a test server with a site block from docs/operating.md."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import missing


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if found is None:
        missing("nginx")
        raise AssertionError("unreachable")
    return found


@contextlib.contextmanager
def running_nginx(site: str, port: int, workdir: Path) -> Iterator[str]:
    """nginx serving ``site`` (the ``http`` level blocks, listening on ``port``) with every
    file it writes under ``workdir``; yields ``127.0.0.1:<port>`` once it answers."""
    nginx = nginx_binary()
    conf = workdir / "nginx.conf"
    conf.write_text(f"""
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log;
events {{}}
http {{
    access_log {workdir}/nginx-access.log;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
{site}
}}
""")
    process = subprocess.Popen([nginx, "-p", str(workdir), "-c", str(conf),
                                "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
