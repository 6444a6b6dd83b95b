"""What the public server answers to anything a browser or a script may send: only its own paths,
bounded bodies, short errors with a request id, security headers, compression, and figure
updates that stay within the work limit."""
from __future__ import annotations

import gzip
import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import app as web
from optviz import settings as service_settings
from optviz.ui import urlstate

CLIENT = web.server.test_client()


@pytest.mark.parametrize("path", ["/robots.txt", "/.git/config", "/api/anything", "/wp-admin/", "/dash/nope.js",
                                  "/assets/nope.css", "/_reload-hash", "/static/x", "/_dash-component-suites/nope/x.js",
                                  "/_dash-component-suites/dash/nope.js", "/_dash-component-suites/dash/../../app.py"])
def test_srv001_unknown_paths_are_404_with_a_short_message(path):
    r = CLIENT.get(path)
    assert r.status_code == 404, path
    assert len(r.data) < 400 and b"Traceback" not in r.data and b"Exception" not in r.data
    assert r.headers["X-Request-ID"]


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/optimizers", "/api/openapi.json", "/_dash-layout",
                                  "/_dash-dependencies", "/assets/optviz.js", "/_favicon.ico"])
def test_srv002_the_page_its_assets_and_the_api_answer(path):
    assert CLIENT.get(path).status_code == 200, path


def test_srv003_component_suites_still_serve_dash():
    page = CLIENT.get("/").data.decode()
    scripts = [s.split('"')[0] for s in page.split('src="')[1:] if "_dash-component-suites" in s]
    assert scripts
    for src in scripts:
        assert CLIENT.get(src).status_code == 200, src


def test_srv004_security_headers_and_framing():
    r = CLIENT.get("/")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = dict(part.strip().split(" ", 1) for part in r.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"
    assert "'unsafe-eval'" not in csp["script-src"] and "'unsafe-inline'" not in csp["script-src"]
    assert all(h in csp["script-src"] for h in web.app.csp_hashes()), "Dash's inline scripts are allowed by hash"
    assert csp["frame-ancestors"] == "*" and "X-Frame-Options" not in r.headers, "course pages may embed the app"


def test_srv005_framing_can_be_forbidden(monkeypatch):
    import subprocess
    import sys
    code = ("import app; r = app.server.test_client().get('/'); "
            "print(r.headers['X-Frame-Options'], r.headers['Content-Security-Policy'].split('frame-ancestors ')[1])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "OPTVIZ_FRAME_ANCESTORS": "'none'"})
    assert out.stdout.split() == ["DENY", "'none'"], out.stderr[-2000:]
    bad = subprocess.run([sys.executable, "-c", "import optviz.settings"], capture_output=True, text=True,
                         timeout=60, env={**__import__("os").environ, "OPTVIZ_FRAME_ANCESTORS": "<script>"})
    assert bad.returncode != 0 and "OPTVIZ_FRAME_ANCESTORS must be" in bad.stderr


def test_srv006_answers_are_compressed():
    r = CLIENT.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(r.data))
    r = CLIENT.get("/_dash-layout")
    assert "Content-Encoding" not in r.headers


def test_srv007_a_body_over_the_limit_is_413():
    big = json.dumps({"output": "x", "pad": "y" * (service_settings.MAX_BODY_BYTES + 10)})
    for path in ("/_dash-update-component", "/api/trajectory"):
        r = CLIENT.post(path, data=big, content_type="application/json")
        assert r.status_code == 413, path
        assert "1,000,000 bytes" in r.get_json()["error"]


def test_srv008_a_request_id_is_kept_from_a_proxy_or_made():
    assert CLIENT.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    made = CLIENT.get("/healthz", headers={"X-Request-ID": "<bad id>"}).headers["X-Request-ID"]
    assert made != "<bad id>" and len(made) == 12


def test_srv009_methods_not_allowed_say_which_are():
    r = CLIENT.delete("/healthz")
    assert r.status_code == 405 and "GET" in r.headers["Allow"] and r.get_json()["error"]
    r = CLIENT.options("/api/trajectory")
    assert r.status_code == 204 and set(r.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


# -- figure updates as a script could send them ---------------------------------------------------
def _render_body(config_data, step=0, rendered=None):
    deps = json.loads(CLIENT.get("/_dash-dependencies").data)
    dep = next(d for d in deps if "contour-graph.figure" in d["output"])
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in dep["output"].strip(".").split("...")]
    values = {"config-store.data": config_data, "step-slider.value": step, "render-store.data": rendered}
    return {"output": dep["output"], "outputs": outputs,
            "inputs": [{"id": s["id"], "property": s["property"], "value": values.get(f"{s['id']}.{s['property']}")}
                       for s in dep["inputs"]],
            "state": [{"id": s["id"], "property": s["property"], "value": values.get(f"{s['id']}.{s['property']}")}
                      for s in dep["state"]],
            "changedPropIds": ["config-store.data"]}


HOSTILE_LINK = ("?surface=goldstein_price&steps=100000&noise=0.5&" + "&".join(
    f"run=lbfgs:lr={lr},max_eval=1000,history_size=1000,tolerance_grad=0,tolerance_change=0,"
    f"line_search_fn=strong_wolfe" for lr in (1000, 500, 200, 100, 50, 20, 10, 2)))


def test_srv010_the_link_that_took_the_site_down_renders_within_the_limit_and_says_so():
    config, problems = urlstate.parse(HOSTILE_LINK)
    assert problems == [] and len(HOSTILE_LINK) == 947
    started = time.perf_counter()
    r = CLIENT.post("/_dash-update-component", json=_render_body(config.to_data()))
    elapsed = time.perf_counter() - started
    assert r.status_code == 200
    assert elapsed < 2 * service_settings.TIME_LIMIT + 1.0, f"{elapsed:.2f} s"
    response = r.get_json()["response"]
    legend = json.dumps(response["legend-bar"])
    assert legend.count("\\u23f8 stopped at step") == 8 and "(work limit)" in legend
    alert = json.dumps(response["sim-alert"])
    assert "units of work" in alert and "max_eval" in alert and response["sim-alert"]["is_open"] is True


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(["steps", "noise", "seed", "clip", "start", "surface", "schedule", "lossx", "runs",
                              "surface_params", "schedule_params"]),
       value=st.one_of(st.integers(-10 ** 400, 10 ** 400), st.floats(), st.text(max_size=30), st.none(),
                       st.lists(st.integers(-10 ** 30, 10 ** 30), max_size=3),
                       st.dictionaries(st.text(max_size=5), st.integers(-10 ** 400, 10 ** 400), max_size=3)))
def test_srv011_any_value_in_the_store_answers_200(field, value):
    """Numbers of any size, and anything else, in any field of the browser's copy of the
    configuration: the figure update repairs it and answers 200, never an exception's text."""
    data = urlstate.parse("?run=adam&run=gd:lr=0.001")[0].to_data()
    data[field] = value if not (isinstance(value, float) and value != value) else "nan"
    r = CLIENT.post("/_dash-update-component", json=_render_body(data, step=10 ** 400))
    assert r.status_code == 200, r.data[:300]
    assert "Error" not in r.data.decode() or "Error" in json.dumps(value), r.data[:300]


@pytest.mark.parametrize("changed", [None, 5, ["x"], [10 ** 400], "config-store.data", [{"a": 1}]])
def test_srv012_malformed_changed_prop_ids_are_400(changed):
    body = _render_body(urlstate.parse("")[0].to_data())
    body["changedPropIds"] = changed
    r = CLIENT.post("/_dash-update-component", json=body)
    assert r.status_code in (200, 204, 400), r.data[:300]
    assert b"Traceback" not in r.data and b"Error:" not in r.data
