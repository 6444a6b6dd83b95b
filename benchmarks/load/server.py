"""Start and stop the production server for a load test, and read its workers' memory.

Stdlib only: imported by the driver (``run.py``), which runs in ``.venv-load`` (locust's
environment), while the server runs in the project's ``.venv``.

The server is exactly the production command, ``gunicorn -c gunicorn.conf.py app:server`` from the
repository root with ``PYTHONPATH=.``, on ``HOST=127.0.0.1`` and a free port; a scenario may add
settings to its environment (``GUNICORN_THREADS``, ``WEB_CONCURRENCY``, ``MALLOC_ARENA_MAX``, ...).
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
START_TIMEOUT = 120.0     # seconds to wait for /healthz (a cold Numba cache compiles for ~20 s)
STOP_TIMEOUT = 15.0       # seconds SIGTERM may take before SIGKILL
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers, when ``pid`` is the master)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: the fields follow the last ')'
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry))
    return sorted(found)


def rss_mb(pid: int) -> float | None:
    """VmRSS of ``pid`` in MB (MiB), or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by ``pid`` (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Server:
    """``with Server(env={...}, log=path) as srv:`` starts gunicorn, waits for /healthz and the
    workers, and on exit sends SIGTERM, then SIGKILL to the whole process group after 15 s."""

    def __init__(self, env: dict[str, str] | None = None, log: Path | None = None):
        self.extra = dict(env or {})
        self.log_path = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.started_in = None
        self.stop_took = None
        self._log = None

    def __enter__(self) -> "Server":
        env = {**os.environ, **self.extra, "HOST": "127.0.0.1", "PORT": str(self.port),
               "PYTHONPATH": str(ROOT)}
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        t0 = time.monotonic()
        self.proc = subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "app:server"], cwd=ROOT, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_ready(t0)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - t0
        return self

    def _wait_ready(self, t0: float) -> None:
        expected = int(self.extra.get("WEB_CONCURRENCY", os.environ.get("WEB_CONCURRENCY", "2")))
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.proc.returncode} at start "
                                   f"(see {self.log_path})")
            if time.monotonic() - t0 > START_TIMEOUT:
                raise RuntimeError(f"gunicorn did not answer /healthz within {START_TIMEOUT:.0f} s")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200 and json.load(r).get("status") == "ok" and len(self.workers()) >= expected:
                        return
            except OSError:
                pass
            time.sleep(0.2)

    def workers(self) -> list[int]:
        return children(self.proc.pid) if self.proc else []

    def memory(self) -> dict[int, float]:
        """Each worker's VmRSS in MB, by pid."""
        return {pid: mb for pid in self.workers() if (mb := rss_mb(pid)) is not None}

    def cpu(self) -> float:
        """CPU seconds used by the master and its current workers."""
        return sum(self.cpu_by_pid().values())

    def cpu_by_pid(self) -> dict[int, float]:
        """CPU seconds used by each current worker, and by the master (under its pid)."""
        return {p: cpu_seconds(p) for p in [self.proc.pid, *self.workers()]} if self.proc else {}

    def stop(self) -> float | None:
        """SIGTERM, wait up to 15 s, then SIGKILL the process group. Returns the seconds SIGTERM
        took (None if it had to be killed)."""
        if self.proc is None:
            return None
        took = None
        if self.proc.poll() is None:
            t0 = time.monotonic()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
                took = time.monotonic() - t0
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        try:   # anything left in the group (a worker the master lost) goes too
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()
        self.proc = None
        return took

    def __exit__(self, *exc) -> None:
        self.stop_took = self.stop()
