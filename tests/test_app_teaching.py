"""The teaching layer without a browser: a run's own conditions reach the engine, the step
inspector shows the engine's own numbers, the overlays are where the numbers say, and the
lesson caption and schedule plot come with the figures."""
from __future__ import annotations

import numpy as np
import pytest

import optviz
import surfaces
from optviz import lessons, runner
from optviz.ui import callbacks, figures, inspector, layout, urlstate


def test_tch001_a_runs_own_conditions_equal_simulate_with_them():
    config, problems = urlstate.parse(
        "?surface=rosenbrock&steps=200&noise=0.2&seed=1&run=gd:lr=0.001"
        "&run=gd:lr=0.001;noise=0.7;seed=5;schedule=cosine:end_factor=0.1;clip=2&run=adam:lr=0.05;clip=off")
    assert problems == []
    shared, own, adam = runner.simulate_config(config)
    same = optviz.simulate("gd", "rosenbrock", steps=200, noise=0.2, seed=1, lr=0.001)
    mine = optviz.simulate("gd", "rosenbrock", steps=200, noise=0.7, seed=5, clip=2.0,
                           schedule={"name": "cosine", "end_factor": 0.1}, lr=0.001)
    theirs = optviz.simulate("adam", "rosenbrock", steps=200, noise=0.2, seed=1, lr=0.05)
    for got, want in ((shared, same), (own, mine), (adam, theirs)):
        assert np.array_equal(got.xy, want.xy)
    assert not np.array_equal(shared.xy, own.xy)


def test_tch002_the_inspector_shows_the_engines_numbers():
    config, _ = urlstate.parse("?surface=rosenbrock&steps=60&run=adam:lr=0.05&run=momentum:lr=0.001&run=bfgs"
                               "&run=newton&run=adagrad:lr=0.1")
    surface = config.surface_obj()
    trajs = runner.simulate_config(config)
    step = 17
    rows = inspector.rows(surface, [(r.uid, t) for r, t in zip(config.runs, trajs)], step)
    fmt = inspector._num
    for row, traj in zip(rows, trajs):
        items = dict(row.items)
        k = min(step, traj.steps)
        assert row.k == k
        assert items["position (x, y)"] == f"({fmt(traj.xy[k, 0])}, {fmt(traj.xy[k, 1])})"
        assert items["f"] == fmt(traj.loss[k])
        assert items["evaluations so far (f, ∇f, ∇²f)"] == \
            f"{traj.f_evals[k]:,}, {traj.g_evals[k]:,}, {traj.h_evals[k]:,}"
        dx, dy = traj.xy[k] - traj.xy[k - 1]
        assert items["step that led here, Δx"] == f"({fmt(dx)}, {fmt(dy)})"
        gx, gy = surface.gradient(*traj.xy[k])
        assert items["∇f at x (exact)"] == f"({fmt(gx)}, {fmt(gy)})"
    adam, momentum, bfgs, newton, adagrad = (dict(r.items) for r in rows)
    k = step
    assert adam["first moment m: the running average of gradients"] == \
        f"({fmt(trajs[0].state['m_x'][k])}, {fmt(trajs[0].state['m_y'][k])})"
    assert adam["rate per coordinate |Δxᵢ| / |mᵢ|"] == "({}, {})".format(
        fmt(abs((trajs[0].xy[k, 0] - trajs[0].xy[k - 1, 0]) / trajs[0].state["m_x"][k])),
        fmt(abs((trajs[0].xy[k, 1] - trajs[0].xy[k - 1, 1]) / trajs[0].state["m_y"][k])))
    assert momentum["velocity b: the decaying sum of past gradients (torch's momentum buffer)"] == \
        f"({fmt(trajs[1].state['velocity_x'][k])}, {fmt(trajs[1].state['velocity_y'][k])})"
    kb = min(k, trajs[2].steps)
    assert bfgs["inverse-Hessian estimate H"].startswith(f"[[{fmt(trajs[2].state['h11'][kb])}, ")
    kn = min(k, trajs[3].steps)
    assert newton["Hessian eigenvalues it used"] == \
        f"{fmt(trajs[3].state['eig_min'][kn])}, {fmt(trajs[3].state['eig_max'][kn])}"
    assert adagrad["accumulated squares: the sum of every squared gradient so far (it only grows)"] == \
        f"({fmt(trajs[4].state['sum_x'][k])}, {fmt(trajs[4].state['sum_y'][k])})"


def test_tch003_past_a_runs_end_the_inspector_shows_its_last_row_and_why():
    config, _ = urlstate.parse("?surface=rosenbrock&steps=100&run=gd:lr=0.01")
    (traj,) = runner.simulate_config(config)
    (row,) = inspector.rows(config.surface_obj(), [("r0", traj)], 90)
    assert traj.diverged and row.k == traj.steps and dict(row.items)["status"] == f"diverged at step {traj.steps + 1}"


def test_tch004_arrows_start_at_the_current_point_and_the_step_is_true_to_length():
    config, _ = urlstate.parse("?surface=rosenbrock&steps=40&run=momentum:lr=0.001")
    (traj,) = runner.simulate_config(config)
    notes = inspector.arrows(config.surface_obj(), [("r0", traj, "#000")], 10)
    assert {n["hovertext"] for n in notes} == {"−∇f", "−velocity", "next step"}
    for n in notes:
        assert (n["ax"], n["ay"]) == tuple(traj.xy[10])
    step = next(n for n in notes if n["hovertext"] == "next step")
    assert np.allclose((step["x"], step["y"]), traj.xy[11])
    gradient = next(n for n in notes if n["hovertext"] == "−∇f")
    direction = np.array([gradient["x"] - gradient["ax"], gradient["y"] - gradient["ay"]])
    g = -surfaces.get("rosenbrock").gradient(*traj.xy[10])
    assert np.allclose(direction / np.linalg.norm(direction), g / np.linalg.norm(g))


def test_tch005_overlays_come_as_one_patch_and_go_away():
    config, _ = urlstate.parse("?surface=rosenbrock&steps=40&run=newton&run=bfgs&run=adam:lr=0.05")
    out = callbacks.inspect_outputs(config.to_data(), 5, ["numbers", "arrows", "field", "curvature", "model"])
    ops = {tuple(op["location"]): op["params"]["value"] for op in out["map"].to_plotly_json()["operations"]}
    shapes, notes = ops[("layout", "shapes")], ops[("layout", "annotations")]
    assert any(s.get("name") == "gradient-field" for s in shapes)
    assert {s["name"] for s in shapes if s["name"].startswith("model-")} >= {"model-r0", "model-r1"}
    assert any(n.get("name", "").startswith("kappa-") for n in notes)
    assert out["table"]
    cleared = callbacks.inspect_outputs(config.to_data(), 5, [])
    ops = {tuple(op["location"]): op["params"]["value"] for op in cleared["map"].to_plotly_json()["operations"]}
    assert ops[("layout", "shapes")] == [] and ops[("layout", "annotations")] == [] and cleared["table"] == []


def test_tch006_newtons_model_is_centred_where_newton_steps():
    config, _ = urlstate.parse("?surface=rosenbrock&steps=10&run=newton")
    (traj,) = runner.simulate_config(config)
    (shape, centre) = inspector.quadratic_model(config.surface_obj(), [("r0", traj, "#000")], 0)
    middle = ((centre["x0"] + centre["x1"]) / 2, (centre["y0"] + centre["y1"]) / 2)
    assert np.allclose(middle, traj.xy[1], atol=1e-9), "the model's minimum is Newton's next iterate"


def test_tch007_render_sends_the_caption_and_the_schedule():
    scene = lessons.get("saddle").scene
    out = callbacks.render_outputs(scene, 5, None)
    assert out["slider_value"] == 0, "a lesson opens at step 0 in reveal mode"
    text = str(out["lesson_caption"])
    assert lessons.get("saddle").caption in text and lessons.get("saddle").try_next in text
    paths = [t for t in out["contour"].to_dict()["data"] if (t.get("meta") or {}).get("role") == "path"]
    assert paths and all(t["meta"]["reveal"] is True for t in paths)
    changed, _ = urlstate.parse("?lesson=saddle&steps=120")
    assert "You have changed" in str(layout.lesson_caption(changed))
    config, _ = urlstate.parse("?steps=100&schedule=step:step_size=10,gamma=0.5&run=gd;schedule=cosine")
    figure = callbacks.render_outputs(config, 0, None)["schedule_plot"]
    shared, own = figure.data
    assert shared.y[0] == 1.0 and abs(shared.y[-1] - 0.5 ** 9) < 1e-6
    assert own.line.color == figures.COLORS[0] and own.y[-1] < 0.01


@pytest.mark.parametrize("name", ["adam", "newton", "nelder_mead", "lbfgs"])
def test_tch008_the_whole_update_rule_is_the_docstrings(name):
    box = layout.algorithm_box(name)
    assert "&" in box and box.count("{") == box.count("}")
    assert box in layout.algorithm(name)[0].children
