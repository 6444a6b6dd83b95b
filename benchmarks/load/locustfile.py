"""Visitors of optviz for locust: browsers, API scripts and hostile clients.

    .venv-load/bin/locust -f benchmarks/load/locustfile.py --headless -u 50 -r 10 -t 60s \\
        --host http://127.0.0.1:PORT Browser ApiClient

``run.py`` starts the server and runs this for each scenario; by hand, set ``LOAD_POOL`` to a
file written by ``bodies.py`` (default ``test-artifacts/load/pool.json``).  Runs in
``.venv-load``: it never imports optviz, only replays the configurations in the pool.

User classes (pick them on the command line):

* ``Browser`` (weight 4): opens the page (``GET /``, ``/_dash-layout``, ``/_dash-dependencies``,
  recorded one by one and together as "page load"), draws it (the render callback with an empty
  ``render-store``: full figures), then changes one setting at a time (the next configuration of
  its session), each answered by the render callback with the ``render-store`` the last answer
  gave (the server patches the figures when the surface is the same).  Think time
  ``LOAD_THINK`` seconds (default ``1,5``: uniform between 1 and 5) between actions.
* ``ApiClient`` (weight 1): ``POST /api/trajectory`` (3 in 4) and ``GET /api/optimizers``, with
  the same think time.
* ``Heavy`` (``fixed_count`` = ``LOAD_HEAVY_USERS``, default 3): the heaviest valid figure
  updates back to back, no think time, alternating the work-limited one (its noise seed new each
  time, so no cache answers it) and the time-limited one.

Every request is checked (status 200 and the shape of the answer) and recorded with its exact
latency; at the end the records go to ``LOAD_RESULTS`` (JSON) for ``run.py`` to summarize.  As a
browser does, a request whose keep-alive connection the server had closed (gunicorn closes idle
ones after 2 s) is sent again once on a new connection, and counted apart (``RESENT``).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import time
import sys
import urllib.request
from pathlib import Path

from locust import FastHttpUser, between, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (FULL, HEADERS, HEAVY_TIME, HEAVY_WORK, PAGE, PAGE_PATHS, PATCH, RESENT,  # noqa: E402
                    render_body, render_store, render_template)

ROOT = Path(__file__).resolve().parents[2]
POOL = json.loads(Path(os.environ.get("LOAD_POOL", ROOT / "test-artifacts/load/pool.json")).read_text())
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "1,5").split(","))
RESULTS = os.environ.get("LOAD_RESULTS")

_template: dict = {}          # the render callback's body, from the live /_dash-dependencies
_records: dict[str, dict] = {}
_by_surface: dict[str, list] = {}   # figure updates' latencies by surface
_resent_reasons: dict[str, int] = {}
_started = time.time()


# -- recording ------------------------------------------------------------------------------------
@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, context=None, **_):
    if exception is None and context and "surface" in context:
        _by_surface.setdefault(context["surface"], []).append(response_time)
    if name == RESENT and context and "reason" in context:
        _resent_reasons[context["reason"]] = _resent_reasons.get(context["reason"], 0) + 1
    entry = _records.setdefault(name, {"ms": [], "at": [], "errors": 0, "error_samples": [], "bytes": 0})
    if exception is None:
        entry["ms"].append(response_time)
        entry["at"].append(round(time.time() - _started, 3))
        entry["bytes"] += response_length or 0
    else:
        entry["errors"] += 1
        if len(entry["error_samples"]) < 5:
            entry["error_samples"].append(repr(exception)[:300])


@events.test_start.add_listener
def _on_start(environment, **_):
    global _started
    _started = time.time()
    with urllib.request.urlopen(environment.host + "/_dash-dependencies", timeout=30) as r:
        deps = json.load(r)
    _template.update(render_template(deps))


@events.quitting.add_listener
def _on_quit(environment, **_):
    if RESULTS:
        Path(RESULTS).write_text(json.dumps({"started": _started, "ended": time.time(), "requests": _records,
                                           "figure_by_surface": _by_surface, "resent": _resent_reasons}))


# -- sending --------------------------------------------------------------------------------------
_CLOSED_NAMES = {"EmptyResponse", "RemoteDisconnected", "BadStatusLine", "HTTPConnectionClosed", "ConnectionClosed"}


def _connection_closed(error) -> bool:
    """An error that means the connection was gone before any answer came (the server closes idle
    keep-alive connections after gunicorn's ``keepalive``, 2 s)."""
    return isinstance(error, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)) or \
        type(error).__name__ in _CLOSED_NAMES


def send(client, method: str, path: str, name: str, check, **kwargs):
    """One request, checked: ``check(response)`` returns a problem (text) or None.  As a browser
    does, a request whose connection was closed before any answer came is sent again once on a new
    connection; the first attempt is then recorded under ``RESENT`` (not as an error), so how
    often that happened is in the figures.  Returns the response, or None if it failed."""
    for attempt in range(2):
        with client.request(method, path, name=name, catch_response=True, **kwargs) as r:
            error = getattr(r, "error", None)
            if r.status_code == 0 and attempt == 0 and _connection_closed(error):
                r.request_meta["name"], r.request_meta["request_type"] = RESENT, "CLIENT"
                r.request_meta["context"] = {**(r.request_meta.get("context") or {}), "reason": repr(error)[:120]}
                r.success()
                continue
            if r.status_code != 200:
                problem = f"status {r.status_code}: {repr(error)[:200] if error else (r.text or '')[:200]}"
            else:
                problem = check(r)
            if problem:
                r.failure(problem)
                return None
            r.success()
            return r
    return None


# -- users ------------------------------------------------------------------------------------------
class Browser(FastHttpUser):
    """A visitor on the page: open it, then change settings one at a time."""
    weight = 4
    wait_time = between(*THINK)

    def on_start(self):
        self.session: list = []
        self.rendered = None
        self.step = 0
        self.surface = None

    def _post_render(self, config: dict, name: str) -> bool:
        body = render_body(_template, config, 0 if self.step is None else self.step, self.rendered)
        found = {}

        def check(r):
            found["store"] = render_store(r.text)
            return None if isinstance(found["store"], dict) else f"not a render answer: {r.text[:200]!r}"

        if send(self.client, "POST", "/_dash-update-component", name, check, data=body, headers=HEADERS,
                context={"surface": config["surface"]}) is None:
            return False
        self.rendered = found["store"]
        self.step = config["steps"] if self.step is None else min(self.step, config["steps"])
        self.surface = config["surface"]
        return True

    def open_page(self):
        started = time.perf_counter()
        ok = True
        for path in PAGE_PATHS:
            ok &= send(self.client, "GET", path, f"page: GET {path}", lambda r: None if r.content else "empty") is not None
        elapsed = (time.perf_counter() - started) * 1000
        events.request.fire(request_type="PAGE", name=PAGE, response_time=elapsed, response_length=0,
                            exception=None if ok else RuntimeError("a page request failed"), context={})
        self.session = list(random.choice(POOL["sessions"]))
        self.rendered, self.step = None, None   # a page just opened: the server shows the last step
        self._post_render(self.session.pop(0), FULL)

    @task
    def act(self):
        if not self.session:
            self.open_page()
            return
        config = self.session.pop(0)
        same = self.rendered is not None and config["surface"] == self.surface
        self._post_render(config, PATCH if same else FULL)


class ApiClient(FastHttpUser):
    """A script using the JSON API."""
    weight = 1
    wait_time = between(*THINK)

    @task(3)
    def trajectory(self):
        body = random.choice(POOL["api"])
        send(self.client, "POST", "/api/trajectory", "api: POST /api/trajectory",
             lambda r: None if r.text.startswith('{"optimizer"') and r.text.endswith("}}")
             else f"not a trajectory: {r.text[:200]!r}",
             data=json.dumps(body), headers=HEADERS)

    @task(1)
    def optimizers(self):
        send(self.client, "GET", "/api/optimizers", "api: GET /api/optimizers",
             lambda r: None if '"optimizers"' in r.text[:50] else f"not the optimizers: {r.text[:200]!r}")


class Heavy(FastHttpUser):
    """A client sending the heaviest valid figure updates back to back."""
    fixed_count = int(os.environ.get("LOAD_HEAVY_USERS", "3"))
    wait_time = constant(0)
    _seeds = itertools.count(random.randrange(1 << 20))

    def on_start(self):
        self.kind = random.randrange(2)

    @task
    def heavy(self):
        self.kind ^= 1
        if self.kind:
            config = dict(POOL["heavy_work"], seed=next(Heavy._seeds) % (1 << 32))
            name = HEAVY_WORK
        else:
            config, name = POOL["heavy_time"], HEAVY_TIME

        def check(r):
            if render_store(r.text) is None:
                return f"not a render answer: {r.text[:200]!r}"
            return None if "stopped at step" in r.text else "the heavy request was not stopped on a limit"

        send(self.client, "POST", "/_dash-update-component", name, check,
             data=render_body(_template, config, 0, None), headers=HEADERS)
