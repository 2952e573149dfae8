"""Shared by the HTTP benchmarks: serve an ASGI app with uvicorn on loopback, load it with wrk, and
read p50/p95/p99, requests per second and errors from wrk's own latency histogram."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["free_port", "load_average", "median_of", "serve", "wrk"]

ROOT = Path(__file__).resolve().parent.parent
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.3f %.3f %.3f %.3f\\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.duration / 1e6))
end
"""
_HEADER = """
init = function(args)
  for i = 1, #args, 2 do wrk.headers[args[i]] = args[i + 1] end
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_average() -> str:
    """Return the 1-, 5- and 15-minute load averages, as `uptime` prints them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def serve(app: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start uvicorn (httptools and uvloop, which uvicorn[standard] brings) with ``workers``."""
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--http", "httptools", "--loop", "uvloop"]
    command += ["--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{app} did not start")


def _rotation(paths: list[str]) -> str:
    """Return a wrk ``request`` hook that asks ``paths`` in turn, each thread from its own start."""
    listed = ",\n".join(f"  [[{path}]]" for path in paths)
    return f"""
local paths = {{
{listed}
}}
local at = math.random(#paths)
request = function()
  at = at % #paths + 1
  return wrk.format(nil, paths[at])
end
"""


def _once(paths: list[str]) -> str:
    """Return wrk hooks under which each of the two threads asks its own half of ``paths``, each
    path once and in order (starting over only when its half runs out)."""
    listed = ",\n".join(f"  [[{path}]]" for path in paths)
    return f"""
local paths = {{
{listed}
}}
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("part", threads)
end
local at = 0
request = function()
  local half = math.floor(#paths / 2)
  local index = (part - 1) * half + (at % half) + 1
  at = at + 1
  return wrk.format(nil, paths[index])
end
"""


def wrk(
    url: str,
    seconds: int,
    connections: int,
    headers: dict[str, str] | None = None,
    paths: list[str] | None = None,
    once: bool = False,
) -> dict[str, float]:
    """Return one wrk run against ``url`` (or, with ``paths``, against those paths of its host in
    turn; with ``once``, each path asked once): rps, p50/p95/p99 in ms, non-2xx answers and socket
    errors."""
    hook = (_once(paths) if once else _rotation(paths)) if paths else ""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA + _HEADER + hook)
    args: list[str] = []
    for key, value in (headers or {}).items():
        args += [key, value]
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url, "--", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink(missing_ok=True)
    match = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    assert match, out
    requests, non_2xx, socket_errors, p50, p95, p99, duration = match.groups()
    return {
        "requests": float(requests),
        "rps": int(requests) / float(duration),
        "non_2xx": float(non_2xx),
        "socket_errors": float(socket_errors),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
    }


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    """Return the median of each figure over ``runs``; counts of requests, errors and repeats are summed."""
    keys = runs[0].keys()
    return {
        key: (
            sum(r[key] for r in runs)
            if key in ("requests", "non_2xx", "socket_errors", "repeats")
            else statistics.median(r[key] for r in runs)
        )
        for key in keys
    }
