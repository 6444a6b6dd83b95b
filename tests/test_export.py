"""Data export (``/export/data.csv`` and ``/export/data.json``): parsed back with the csv and json
modules, the numbers are the engine's, exactly; the link in the JSON reproduces the view; a bad
link still answers; the answers are downloads, streamed in slices, within the work limit."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import time
from urllib.parse import urlsplit

import numpy as np
import pytest

import app as web
import optviz
import surfaces
from optviz import export, links
from optviz import settings as service_settings
from optviz.config import Config

CLIENT = web.server.test_client()

#: Adam, heavy-ball momentum with its own noise and cosine schedule (its label holds a comma),
#: Newton (Hessians: h_evals and cost), Nelder-Mead (no gradients; a simplex as its state) and
#: gradient descent that diverges at step 4.
LINK = ("?surface=rosenbrock&start=-1.2,1&steps=60&run=adam:lr=0.05"
        "&run=momentum:lr=0.001;noise=0.5;seed=3;schedule=cosine&run=newton&run=nelder_mead&run=gd:lr=0.01")
#: The same runs, as optviz.simulate takes them.
ENGINE = {
    "r0": ("adam", dict(lr=0.05)),
    "r1": ("momentum", dict(lr=0.001, noise=0.5, seed=3, schedule={"name": "cosine"})),
    "r2": ("newton", {}),
    "r3": ("nelder_mead", {}),
    "r4": ("gd", dict(lr=0.01)),
}


def engine(uid: str) -> optviz.Trajectory:
    name, kwargs = ENGINE[uid]
    return optviz.simulate(name, "rosenbrock", start=(-1.2, 1.0), steps=60, **kwargs)


def get_csv(link: str = LINK):
    r = CLIENT.get("/export/data.csv" + link)
    r.get_data()
    r.close()   # ends the streamed answer's request context
    assert r.status_code == 200, r.data[:300]
    return r, list(csv.DictReader(io.StringIO(r.data.decode("utf-8"), newline="")))


def get_json(link: str = LINK):
    r = CLIENT.get("/export/data.json" + link)
    r.get_data()
    r.close()
    assert r.status_code == 200, r.data[:300]
    return r, json.loads(r.data)


def column(rows, name, kind=float):
    return [kind(row[name]) if row[name] != "" else None for row in rows]


def test_exp001_csv_parses_back_to_the_engines_numbers():
    _, rows = get_csv()
    rosen = surfaces.get("rosenbrock")
    assert list(rows[0])[:13] == list(export.BASE_COLUMNS)
    assert [r["run"] for r in rows if r["step"] == "0"] == list(ENGINE)
    for uid in ENGINE:
        traj = engine(uid)
        mine = [r for r in rows if r["run"] == uid]
        assert len(mine) == traj.steps + 1
        assert column(mine, "step", int) == list(range(traj.steps + 1))
        assert {r["optimizer"] for r in mine} == {traj.optimizer}
        assert column(mine, "x") == traj.xy[:, 0].tolist(), uid
        assert column(mine, "y") == traj.xy[:, 1].tolist(), uid
        assert column(mine, "f") == traj.loss.tolist(), uid
        grad = rosen.gradient(traj.xy[:, 0], traj.xy[:, 1])
        assert column(mine, "grad_x") == grad[:, 0].tolist() and column(mine, "grad_y") == grad[:, 1].tolist()
        for name in ("f_evals", "g_evals", "h_evals", "cost"):
            assert column(mine, name, int) == getattr(traj, name).tolist(), (uid, name)
        for name, values in traj.state.items():
            assert column(mine, f"{traj.optimizer}.{name}") == values.tolist(), (uid, name)
    momentum = [r for r in rows if r["run"] == "r1"]
    assert momentum[0]["label"] == "Momentum lr=0.001 · noise 0.5, seed 3, cosine annealing", "a comma, quoted"
    assert {r["adam.m_x"] for r in momentum} == {""}, "another optimizer's state columns are empty"
    assert sum(column([r for r in rows if r["run"] == "r2"], "h_evals", int)) > 0
    assert engine("r4").diverged and len([r for r in rows if r["run"] == "r4"]) == engine("r4").steps + 1


def test_exp002_json_parses_back_and_its_link_reproduces_the_view():
    _, data = get_json()
    config, problems = links.parse(LINK)
    assert data["problems"] == [] == problems
    assert data["config"] == config.to_data()
    link = urlsplit(data["link"])
    assert (link.scheme, link.netloc, link.path) == ("http", "localhost", "/"), "absolute, from the request's host"
    again, more = links.parse(link.query)
    assert again == config and more == [] and Config.from_data(data["config"])[0] == config
    rosen = surfaces.get("rosenbrock")
    assert [r["uid"] for r in data["runs"]] == list(ENGINE)
    for run in data["runs"]:
        traj = engine(run["uid"])
        assert run["optimizer"] == traj.optimizer and run["hyperparameters"] == traj.hyperparameters
        assert run["status"] == traj.status and run["steps"] == traj.steps
        assert np.array_equal(np.array(run["xy"]), traj.xy)
        assert run["loss"] == traj.loss.tolist()
        assert np.array_equal(np.array(run["grad"]), rosen.gradient(traj.xy[:, 0], traj.xy[:, 1]))
        for name in ("f_evals", "g_evals", "h_evals", "cost"):
            assert run[name] == getattr(traj, name).tolist()
        assert run["state"] == {k: v.tolist() for k, v in traj.state.items()}
    by_uid = {r["uid"]: r for r in data["runs"]}
    assert by_uid["r1"]["conditions"] == {"noise": 0.5, "seed": 3, "clip": None,
                                          "schedule": {"name": "cosine", "end_factor": 0.0}}
    assert by_uid["r0"]["conditions"]["schedule"] == {"name": "constant"}
    assert by_uid["r4"]["status"] == "diverged" and by_uid["r4"]["diverged"] is True
    assert by_uid["r1"]["label"] == "Momentum lr=0.001 · noise 0.5, seed 3, cosine annealing"


def test_exp003_the_link_follows_the_requests_host():
    r = CLIENT.get("/export/data.json?surface=booth&steps=3&run=adam", base_url="https://optviz.example.edu")
    link = json.loads(r.get_data())["link"]
    r.close()
    assert link == "https://optviz.example.edu/?surface=booth&start=-3,-1&steps=3&run=adam"


def test_exp004_a_bad_link_still_answers_with_its_problems_listed():
    bad = "?surface=nope&steps=-5&run=adam:lr=abc&run=foo"
    _, data = get_json(bad)
    assert len(data["problems"]) == 4
    text = " ".join(data["problems"])
    for expected in ("nope", "steps", "lr", "foo"):
        assert expected in text
    assert data["config"]["surface"] == "rosenbrock" and data["config"]["steps"] == 300
    assert [r["optimizer"] for r in data["runs"]] == ["adam"] and data["runs"][0]["hyperparameters"]["lr"] == 0.001
    r, rows = get_csv(bad)
    assert len(rows) == 301 and r.headers["Content-Disposition"] == "attachment; filename=optviz-rosenbrock-1runs.csv"
    r, rows = get_csv("?%%%&&=&run=")   # nothing usable, and no runs at all: a header alone
    assert rows == [] and r.data.decode().startswith("run,optimizer,label,step,")


def test_exp005_downloads_named_after_the_scene():
    r, _ = get_csv()
    assert r.mimetype == "text/csv" and r.headers["Content-Disposition"] == \
        "attachment; filename=optviz-rosenbrock-5runs.csv"
    r, _ = get_json("?surface=quadratic:condition=100&run=gd&run=adam")
    assert r.mimetype == "application/json" and r.headers["Content-Disposition"] == \
        "attachment; filename=optviz-quadratic-2runs.json"
    for path in ("/export/data.csv", "/export/data.json"):
        r = CLIENT.get(path + "?steps=5", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
        assert r.headers["Content-Encoding"] in ("zstd", "br", "deflate"), "compressed, CSV included"
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Request-ID"]
        r.get_data()
        r.close()
    assert CLIENT.post("/export/data.csv").status_code == 405
    assert CLIENT.get("/export/data.xlsx").status_code == 404


def test_exp006_not_finite_numbers_are_empty_cells_and_null():
    config, _ = links.parse("?surface=rosenbrock&steps=3&run=adam")
    run = config.runs[0]
    traj = engine("r0")
    state = {k: v[:4].copy() for k, v in traj.state.items()}
    state["m_x"][1], state["m_y"][2] = np.nan, np.inf
    short = dataclasses.replace(traj, xy=traj.xy[:4], loss=traj.loss[:4], f_evals=traj.f_evals[:4],
                                g_evals=traj.g_evals[:4], h_evals=traj.h_evals[:4], state=state)
    rows = list(csv.DictReader(io.StringIO("".join(export.csv_text(config, [(run, short)])), newline="")))
    assert column(rows, "adam.m_x")[1] is None and column(rows, "adam.m_y")[2] is None
    assert column(rows, "adam.m_x")[2] == state["m_x"][2]
    data = json.loads("".join(export.json_text(config, [], "http://x/", [(run, short)])))
    assert data["runs"][0]["state"]["m_x"][1] is None and data["runs"][0]["state"]["m_y"][2] is None


def test_exp007_the_gradient_is_computed_a_slice_at_a_time(monkeypatch):
    """Never a Python loop over steps: one call of surface.gradient per slice of rows."""
    calls = []
    original = surfaces.Surface.gradient

    def counted(self, x, y):
        calls.append(np.size(x))
        return original(self, x, y)

    monkeypatch.setattr(surfaces.Surface, "gradient", counted)
    get_csv("?surface=rosenbrock&steps=10000&run=adam:lr=0.01&run=gd:lr=0.0001")
    per_run = -(-10001 // export.SLICE)
    assert len(calls) == 2 * per_run and max(calls) == export.SLICE
    calls.clear()
    get_json("?surface=rosenbrock&steps=10000&run=adam:lr=0.01")
    assert len(calls) == per_run


def test_exp008_eight_long_runs_are_streamed_in_slices():
    link = "?surface=rosenbrock&steps=100000&" + "&".join(
        f"run={r}" for r in ("gd:lr=0.001", "momentum:lr=0.001", "adam:lr=0.05", "rmsprop", "adam:lr=0.01",
                             "nesterov", "adagrad", "lion"))
    for path in ("/export/data.csv", "/export/data.json"):
        r = CLIENT.get(path + link, buffered=False)
        assert r.status_code == 200 and r.is_streamed
        total = biggest = chunks = 0
        for piece in r.iter_encoded():
            total += len(piece)
            biggest = max(biggest, len(piece))
            chunks += 1
        assert total > 100e6 and chunks > 100 and biggest < 2e6, (path, total, chunks, biggest)
        r.close()


def test_exp009_the_work_limit_applies():
    hp = "max_eval=1000,history_size=1000,tolerance_grad=0,tolerance_change=0,line_search_fn=strong_wolfe"
    link = "?surface=goldstein_price&steps=100000&noise=0.5&" + "&".join(
        f"run=lbfgs:lr={lr},{hp}" for lr in (1000, 500, 200, 100))
    started = time.perf_counter()
    r, data = get_json(link)
    assert time.perf_counter() - started < 2 * service_settings.TIME_LIMIT + 10
    assert [run["status"] for run in data["runs"]] == ["work_limit"] * 4
    assert sum(run["work"] for run in data["runs"]) <= service_settings.WORK_LIMIT
    _, rows = get_csv(link)
    assert len(rows) == sum(run["steps"] + 1 for run in data["runs"])


@pytest.mark.parametrize("link", ["?lesson=saddle", "?surface=quadratic:condition=100,rotation=30&run=newton&run=bfgs",
                                  "?run=lbfgs&run=cg&run=radam&run=adadelta&run=adamax&steps=20"])
def test_exp010_every_state_column_is_named_after_its_optimizer(link):
    _, rows = get_csv(link)
    _, data = get_json(link)
    header = list(rows[0])
    expected = []
    for run in data["runs"]:
        expected += [f"{run['optimizer']}.{k}" for k in run["state"] if f"{run['optimizer']}.{k}" not in expected]
    assert header[13:] == expected


def test_exp011_every_formula_reads_as_text_on_a_slide():
    from optviz.ui.export_panel import formula_text, scene_data
    scenes = scene_data()
    assert set(scenes) == set(surfaces.names())
    for name, scene in scenes.items():
        text = scene["formula"]
        loss = surfaces.get(name).data_size and text.startswith("L(")   # the loss of a model, in its parameters
        assert (text.startswith("f(x, y) = ") or loss) and not any(c in text for c in "\\{}_"), (name, text)
        assert text.count("(") == text.count(")") and text.count("[") == text.count("]"), (name, text)
    assert scenes["rosenbrock"]["formula"] == "f(x, y) = (1 − x)² + 100 (y − x²)²"
    assert scenes["rastrigin"]["formula"] == "f(x, y) = 20 + x² − 10 cos(2πx) + y² − 10 cos(2πy)"
    assert scenes["quadratic"]["params"] == {"condition": 10.0, "rotation": 0.0}
    assert scenes["linear_regression"]["formula"] == "L(w, b) = 1/2n Σ (w uᵢ + b − tᵢ)²"
    assert formula_text(r"\tfrac{x^6}{6} + \sqrt{1 + x^2}") == "x⁶/6 + √(1 + x²)"


def test_exp012_the_menu_links_the_data_of_the_view_it_opens_with():
    layout = json.dumps(web.app.layout.to_plotly_json(), cls=__import__("plotly").utils.PlotlyJSONEncoder)
    search = links.serialize(links.parse("")[0])
    assert f'"href": "/export/data.csv{search}"' in layout and f'"href": "/export/data.json{search}"' in layout
