"""Build the Docker image and check it against running containers: ``make image-check``.

    python deploy/check_image.py              # build with docker-sandbox, then check
    python deploy/check_image.py --no-build   # check the image already tagged optviz

Each container runs the image as it is, in one of four ways: ``default``; ``read-only``
(``docker run --read-only --tmpfs /tmp``); ``uid 12345:0`` (``--user 12345:0``, an arbitrary uid
in group 0, as OpenShift runs images); ``both`` at once. For each, it measures and checks:

* the uid the server runs as (not 0), and that it cannot write to the code in /app;
* seconds from ``docker run`` to the first 200 from ``GET /healthz`` (at most 5);
* seconds from ``docker run`` until ``docker inspect`` reports the container healthy (at most 15);
* one page load (``GET /`` answers the Dash page);
* one figure update, as the browser makes it on opening the page: the callback that turns the
  (empty) URL into the default configuration, then the one whose outputs include
  ``contour-graph.figure``, built from ``GET /_dash-dependencies``;
* that the JIT compiled nothing at start (no "cannot write Numba's disk cache" warning), that
  the log has no traceback, and that the container wrote no file (``docker diff`` is empty);
* and, for the default container, ``docker stop``: gunicorn stops by itself (exit code 0) before
  docker's 10 s grace period ends.

It prints a table and exits 1 when any check fails. Containers are removed at the end, whatever
happens; the Docker daemon is left running (``../shared/tools/docker-sandbox down`` stops it).
Traffic goes to 127.0.0.1 only (ports published on the loopback interface).
"""
from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SANDBOX = Path(os.environ.get("DOCKER_SANDBOX", ROOT.parent / "shared" / "tools" / "docker-sandbox"))
IMAGE = "optviz"
MODES = {
    "default": [],
    "read-only": ["--read-only", "--tmpfs", "/tmp"],
    "uid 12345:0": ["--user", "12345:0"],
    "both": ["--read-only", "--tmpfs", "/tmp", "--user", "12345:0"],
}
HEALTHZ_LIMIT = 5.0      # seconds from docker run to the first 200 from /healthz
HEALTHY_LIMIT = 15.0     # seconds from docker run to "healthy" in docker inspect
STOP_LIMIT = 10.0        # docker stop's default grace period
JIT_WARNING = "cannot write Numba's disk cache"


# --- docker and HTTP helpers (deploy/failover.py uses them too) -------------------------------------

def docker(*args: str, timeout: float = 120, check: bool = True) -> str:
    """Run ``docker ARGS`` (the legacy builder, as docker-sandbox uses); its stdout."""
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, env=env)
    if check and result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout.strip()


def remove_containers(*names: str) -> None:
    for name in names:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url: str, body: dict | None = None, timeout: float = 10.0, gzip_ok: bool = False):
    """``(status, headers, bytes)`` of a GET, or of a JSON POST when ``body`` is given. HTTP errors
    are returned, not raised; a gzip body is decompressed (``gzip_ok`` asks for one)."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if gzip_ok:
        headers["Accept-Encoding"] = "gzip"
    req = urllib.request.Request(url, data=data, headers=headers, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, head, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, raw = error.code, error.headers, error.read()
    if head.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return status, head, raw


class DashClient:
    """Builds ``/_dash-update-component`` requests from ``/_dash-dependencies``, as
    tests/test_app_callbacks.py's ``Endpoint`` does, for the two callbacks of opening the page."""

    def __init__(self, base: str, timeout: float = 10.0):
        self.base = base
        status, _, raw = request(f"{base}/_dash-dependencies", timeout=timeout)
        if status != 200:
            raise RuntimeError(f"GET /_dash-dependencies answered {status}")
        self.deps = json.loads(raw)

    def body(self, marker: str, values: dict, changed: list) -> dict:
        dep = next(d for d in self.deps if marker in d["output"].strip(".").split("..."))

        def item(spec):
            if spec["id"].startswith("{"):  # pattern-matching (ALL): no such components yet
                return []
            return {"id": spec["id"], "property": spec["property"],
                    "value": values.get(f"{spec['id']}.{spec['property']}")}

        outputs = []
        for part in dep["output"].strip(".").split("..."):
            cid, prop = part.rsplit(".", 1)
            outputs.append([] if cid.startswith("{") else {"id": cid, "property": prop})
        return {"output": dep["output"], "outputs": outputs, "inputs": [item(s) for s in dep["inputs"]],
                "state": [item(s) for s in dep["state"]], "changedPropIds": changed}

    def default_config(self, timeout: float = 10.0) -> dict:
        """The default configuration, as the page gets it: the URL (empty) -> the config store."""
        body = self.body("config-store.data", {"url.search": ""}, ["url.search"])
        status, _, raw = request(f"{self.base}/_dash-update-component", body, timeout=timeout)
        if status != 200:
            raise RuntimeError(f"the configuration callback answered {status}: {raw[:200]!r}")
        return json.loads(raw)["response"]["config-store"]["data"]

    def figure_body(self, config: dict) -> dict:
        """The figure update for ``config``: the callback whose outputs include the map's figure."""
        return self.body("contour-graph.figure", {"config-store.data": config}, ["config-store.data"])


def figure_ok(status: int, raw: bytes) -> bool:
    if status != 200:
        return False
    response = json.loads(raw).get("response", {})
    figure = response.get("contour-graph", {}).get("figure")
    return isinstance(figure, dict) and bool(figure.get("data"))


# --- the checks ----------------------------------------------------------------------------------

def build() -> float:
    print(f"building {IMAGE} with {SANDBOX} build {IMAGE} ...", flush=True)
    started = time.monotonic()
    result = subprocess.run([str(SANDBOX), "build", IMAGE], cwd=ROOT, capture_output=True, text=True,
                            timeout=1800)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"the build failed ({result.returncode})")
    return time.monotonic() - started


def check_mode(mode: str, options: list[str]) -> list[tuple[str, str, bool]]:
    """Run one container and check it; ``(check, value, ok)`` rows."""
    rows: list[tuple[str, str, bool]] = []
    name = f"optviz-check-{mode.replace(' ', '-').replace(':', '-')}-{os.getpid()}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    remove_containers(name)
    try:
        started = time.monotonic()
        docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8050", *options, IMAGE)

        healthz = None
        deadline = started + 60
        while time.monotonic() < deadline and healthz is None:
            try:
                if request(f"{base}/healthz", timeout=2)[0] == 200:
                    healthz = time.monotonic() - started
                    break
            except OSError:
                pass
            time.sleep(0.05)
        rows.append(("/healthz 200 after docker run (s)", "never" if healthz is None else f"{healthz:.2f}",
                     healthz is not None and healthz <= HEALTHZ_LIMIT))

        healthy = None
        while time.monotonic() < started + 60:
            status = docker("inspect", "-f", "{{.State.Health.Status}}", name)
            if status == "healthy":
                healthy = time.monotonic() - started
                break
            if status == "unhealthy" or docker("inspect", "-f", "{{.State.Running}}", name) != "true":
                break
            time.sleep(0.2)
        rows.append(("docker reports healthy after (s)", "never" if healthy is None else f"{healthy:.2f}",
                     healthy is not None and healthy <= HEALTHY_LIMIT))

        uid = docker("exec", name, "id", "-u")
        rows.append(("runs as uid (not 0)", uid, uid.isdigit() and int(uid) != 0))
        code_writable = subprocess.run(["docker", "exec", name, "sh", "-c", "test -w /app/app.py || test -w /app"],
                                       capture_output=True, timeout=60).returncode == 0
        rows.append(("code in /app read-only to it", "yes" if not code_writable else "WRITABLE", not code_writable))
        heartbeat = docker("exec", name, "python", "-c",
                           "import runpy; print(runpy.run_path('/app/gunicorn.conf.py')['worker_tmp_dir'])")
        rows.append(("gunicorn heartbeat dir", heartbeat, heartbeat in ("/dev/shm", "/tmp")))

        status, head, raw = request(f"{base}/", timeout=10)
        page = status == 200 and head.get("Content-Type", "").startswith("text/html") \
            and b'id="react-entry-point"' in raw
        rows.append(("GET / (the Dash page)", f"{status}, {len(raw) // 1024} KB", page))

        try:
            client = DashClient(base)
            t0 = time.monotonic()
            config = client.default_config()
            status, _, raw = request(f"{base}/_dash-update-component", client.figure_body(config), timeout=30)
            seconds = time.monotonic() - t0
            ok = figure_ok(status, raw)
            value = f"{status}, {len(raw) // 1024} KB, {seconds:.2f} s"
        except Exception as error:  # noqa: BLE001 - reported as a failed check
            ok, value = False, f"{type(error).__name__}: {error}"[:60]
        rows.append(("figure update (POST, default view)", value, ok))

        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True, timeout=60)
        log = logs.stdout + logs.stderr
        compiled = JIT_WARNING in log
        rows.append(("JIT loaded from the cache (no compile)", "no" if compiled else "yes", not compiled))
        rows.append(("no traceback in the log", "traceback!" if "Traceback" in log else "none",
                     "Traceback" not in log))

        written = [line for line in docker("diff", name).splitlines() if line.strip()]
        rows.append(("files it wrote (docker diff)", str(len(written)) if written else "none", not written))

        if mode == "default":
            t0 = time.monotonic()
            docker("stop", name, timeout=60)
            stopped = time.monotonic() - t0
            exit_code = docker("inspect", "-f", "{{.State.ExitCode}}", name)
            rows.append(("docker stop (s, exit code)", f"{stopped:.2f}, {exit_code}",
                         stopped < STOP_LIMIT and exit_code == "0"))
    except Exception as error:  # noqa: BLE001 - a container that did not run is a failed check
        rows.append(("container ran", f"{type(error).__name__}: {error}"[:80], False))
    finally:
        if any(not ok for _, _, ok in rows):
            logs = subprocess.run(["docker", "logs", "--tail", "30", name], capture_output=True, text=True,
                                  timeout=60)
            sys.stderr.write(f"--- {mode}: last log lines\n{logs.stdout}{logs.stderr}\n")
        remove_containers(name)
    return rows


def table(results: dict[str, list[tuple[str, str, bool]]]) -> str:
    modes = list(results)
    checks: list[str] = []
    for rows in results.values():
        checks += [check for check, _, _ in rows if check not in checks]
    cells = {(mode, check): (value, ok) for mode, rows in results.items() for check, value, ok in rows}
    header = ["check", *modes]
    lines = [header, ["---"] * len(header)]
    for check in checks:
        line = [check]
        for mode in modes:
            value, ok = cells.get((mode, check), ("", True))
            line.append(f"{value} {'ok' if ok else 'FAIL'}" if value else "-")
        lines.append(line)
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-build", action="store_true", help="check the image already tagged optviz")
    args = parser.parse_args()

    built = None if args.no_build else build()
    image_id = docker("image", "inspect", "-f", "{{.Id}}", IMAGE)[7:19]
    size_mb = int(docker("image", "inspect", "-f", "{{.Size}}", IMAGE)) / 1e6
    print(f"image check, {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {platform.node()} "
          f"({os.cpu_count()} cores), docker {docker('version', '-f', '{{.Server.Version}}')}")
    print(f"image {IMAGE} {image_id}, {size_mb:.0f} MB" + ("" if built is None else f", built in {built:.0f} s"))

    results = {}
    for mode, options in MODES.items():  # one container at a time: the start-up times are measured
        print(f"checking: docker run {' '.join(options + [IMAGE]) if options else IMAGE} ...", flush=True)
        results[mode] = check_mode(mode, options)
    print()
    print(table(results))
    failed = [(mode, check) for mode, rows in results.items() for check, _, ok in rows if not ok]
    print()
    print(f"limits: /healthz within {HEALTHZ_LIMIT:g} s, healthy within {HEALTHY_LIMIT:g} s, "
          f"docker stop within {STOP_LIMIT:g} s")
    if failed:
        print("FAILED: " + "; ".join(f"{check} ({mode})" for mode, check in failed))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
