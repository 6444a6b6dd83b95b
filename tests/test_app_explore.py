"""Beyond one run, without a browser: the explore panel's checks, its figures against the grid
functions they draw, a clicked cell's run, and tuning (what "tune" and "tune all" do)."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

import optviz
import surfaces
from optviz import settings
from optviz.ui import callbacks, controller, explore, layout, urlstate
from optviz.ui import state as S

PANEL = {"x": "lr", "x_from": "1e-4", "x_to": "1", "x_points": "12", "y": "beta1", "y_from": "0",
         "y_to": "0.999", "y_points": "10", "measure": "loss", "tol": "1e-6", "resolution": "24",
         "fan_runs": "8", "fan_noise": ""}


def config_of(search: str):
    config, problems = urlstate.parse(search)
    assert not problems, problems
    return config


@pytest.fixture
def adam():
    return config_of("?surface=rosenbrock&steps=120&run=adam:lr=0.05&run=gd:lr=0.001")


# -- the panel's values ---------------------------------------------------------------------------------
def test_a_good_panel_reads_as_its_request(adam):
    request, problems, invalid = explore.read_request(adam, dict(PANEL, run="r0"))
    assert problems == [] and invalid == set()
    assert request.x == explore.Axis("lr", 1e-4, 1.0, 12) and request.y == explore.Axis("beta1", 0.0, 0.999, 10)
    assert (request.resolution, request.fan_runs, request.fan_noise) == (24, 8, None)
    assert explore.Request.from_data(dict(request.to_data(), optimizer="adam")) == request


@pytest.mark.parametrize("change, field, words", [
    ({"x_to": "-3"}, "x_to", "lr"),
    ({"x_from": "2", "x_to": "1"}, "x_from", "smaller value to a larger"),
    ({"x_points": "1000"}, "x_points", "points"),
    ({"y": "lr", "y_from": "1e-3", "y_to": "1"}, "y", "both lr"),
    ({"x": "__class__"}, "x", "no numeric hyperparameter '__class__'"),
    ({"tol": "0"}, "tol", "tolerance"),
    ({"resolution": "9999"}, "resolution", "resolution"),
    ({"fan_runs": "many"}, "fan_runs", "seeds"),
    ({"fan_noise": "-1"}, "fan_noise", "noise"),
])
def test_a_bad_value_is_flagged_named_and_the_last_good_request_kept(adam, change, field, words):
    good, _, _ = explore.read_request(adam, dict(PANEL, run="r0"))
    request, problems, invalid = explore.read_request(adam, dict(PANEL, run="r0", **change), good)
    assert field in invalid
    assert len(problems) == 1 and words in problems[0], problems
    assert request == good, "what the view shows stays as it was"


def test_the_panel_follows_its_run_and_opens_a_new_optimizers_default_sweep(adam):
    out = callbacks.explore_request(adam.to_data(), dict(PANEL, run="r1"), None, "explore-run")
    fields = out["fields"]
    assert out["run"] == "r1" and fields["x"] == "lr" and fields["y"] == "weight_decay"
    assert (fields["x_from"], fields["x_to"]) == optviz.optimizers.get("gd").hyperparameter("lr").slider_range
    assert [o["value"] for o in out["run_options"]] == ["r0", "r1"]
    # the run it explored was removed: the first run, with its own default sweep
    alone = replace(adam, runs=adam.runs[1:])
    out = callbacks.explore_request(alone.to_data(), dict(PANEL, run="r0"), None, None)
    assert out["run"] == "r1" and out["request"]["optimizer"] == "gd"
    # another axis opens that hyperparameter's range
    first = callbacks.explore_request(adam.to_data(), dict(PANEL, run="r0"), None, None)
    out = callbacks.explore_request(adam.to_data(), dict(PANEL, run="r0", y="beta2"), first["request"], "sweep-y")
    assert (out["fields"]["y_from"], out["fields"]["y_to"]) == \
        optviz.optimizers.get("adam").hyperparameter("beta2").slider_range


# -- the figures draw exactly the grids ----------------------------------------------------------------
def test_the_sweep_heatmap_is_the_sweep_with_diverged_cells_apart():
    config = config_of("?surface=rosenbrock&steps=80&run=momentum:lr=0.001,momentum=0.9")
    run = config.runs[0]
    x, y = explore.Axis("lr", 1e-4, 0.05, 9), explore.Axis("momentum", 0.0, 0.99, 7)
    result = explore.sweep_run(config, run, x, y, 1e-6)
    expected = optviz.sweep("momentum", "rosenbrock", steps=80, grid={"lr": x.values(run.spec),
                                                                       "momentum": y.values(run.spec)})
    assert np.array_equal(result.final_loss, expected.final_loss, equal_nan=True)
    assert result.diverged.any() and not result.diverged.all(), "the grid shows both"
    fig = explore.sweep_figure(surfaces.get("rosenbrock"), run.spec, result, "loss", run.values, "#000000")
    cells, diverged = fig.data[0], next(t for t in fig.data if t.meta["role"] == "diverged")
    z = np.array(cells.z, dtype=float)
    assert np.allclose(cells.x, np.log10(expected.values[0])) and np.allclose(cells.y, expected.values[1])
    finite = ~expected.diverged.T
    assert np.allclose(z[finite], np.log10(np.maximum(expected.final_loss.T[finite], 1e-16)))
    assert np.array_equal(~np.isnan(np.array(diverged.z, dtype=float)), expected.diverged.T)
    assert np.isnan(z[expected.diverged.T]).all()
    # the steps to the tolerance: the cells that never get there are their own trace
    steps = explore.sweep_figure(surfaces.get("rosenbrock"), run.spec, result, "steps", run.values, "#000000")
    assert any(t.meta["role"] == "not" for t in steps.data) or (result.steps_to_tol >= 0).all()


def test_a_one_axis_sweep_is_a_curve_and_its_click_finds_the_value(adam):
    run = adam.runs[0]
    result = explore.sweep_run(adam, run, explore.Axis("lr", 1e-3, 1.0, 15), None, 1e-6)
    fig = explore.sweep_figure(adam.surface_obj(), run.spec, result, "loss", run.values, "#000000")
    assert fig.data[0].type == "scatter" and len(fig.data[0].x) == 15
    cells = explore.sweep_cells(run, result)
    click = {"points": [{"x": fig.data[0].x[6] + 0.01, "y": 3}]}
    assert explore.cell_of_click(click, cells) == {"lr": float(result.values[0][6])}


@pytest.mark.parametrize("click", [None, {}, {"points": []}, {"points": [{"x": "NaN", "y": 1}]},
                                   {"points": [{"x": [], "y": 1}]}, "x"])
def test_a_click_that_is_not_on_a_cell_adds_nothing(adam, click):
    run = adam.runs[0]
    result = explore.sweep_run(adam, run, explore.Axis("lr", 1e-3, 1.0, 5), explore.Axis("beta1", 0, 0.9, 4), 1e-6)
    cells = explore.sweep_cells(run, result)
    assert explore.cell_of_click(click, cells) is None
    assert controller.add_cell_run(adam, cells, click) == (adam, None, None)


def test_a_clicked_cell_adds_exactly_that_run(adam):
    run = adam.runs[0]
    x, y = explore.Axis("lr", 1e-3, 1.0, 6), explore.Axis("beta1", 0.0, 0.9, 5)
    result = explore.sweep_run(adam, run, x, y, 1e-6)
    cells = explore.sweep_cells(run, result)
    lr, beta1 = result.values[0][4], result.values[1][2]
    config, new, err = controller.add_cell_run(adam, cells, {"points": [{"x": math.log10(lr), "y": beta1}]})
    assert err is None and config.runs[-1] is new and len(config.runs) == 3
    assert new.values == {**run.values, "lr": lr, "beta1": beta1} and new.conditions == run.conditions
    assert new.uid not in {r.uid for r in adam.runs} and new.color not in {r.color for r in adam.runs}
    traj = optviz.simulate("adam", "rosenbrock", steps=120, **new.values)
    assert traj.loss[-1] == result.final_loss[4, 2]
    # the swept run is gone: nothing is added, and the message says why
    gone = replace(adam, runs=adam.runs[1:])
    assert controller.add_cell_run(gone, cells, {"points": [{"x": 0, "y": 0}]})[2].startswith("the swept run")
    full = replace(adam, runs=tuple(S.new_run(adam.runs[:i]) for i in range(S.MAX_RUNS)))
    full = replace(full, runs=(replace(run, uid=full.runs[0].uid),) + full.runs[1:])
    cells = dict(cells, run=full.runs[0].uid)
    assert "at most 8 runs" in controller.add_cell_run(full, cells, {"points": [{"x": 0, "y": 0}]})[2]


def test_the_basin_map_colours_each_start_by_the_minimum_it_reaches():
    config = config_of("?surface=himmelblau&steps=200&run=gd:lr=0.01")
    result = explore.basins_run(config, config.runs[0], 40)
    expected = optviz.basins("gd", "himmelblau", resolution=40, steps=200, lr=0.01)
    assert np.array_equal(result.minimum, expected.minimum) and set(np.unique(result.minimum)) == {0, 1, 2, 3}
    fig = explore.basins_figure(config.surface_obj(), result, config.start)
    heat = fig.data[0]
    z = np.frombuffer(__import__("base64").b64decode(heat.z["bdata"]), dtype=np.float32).reshape(40, 40) \
        if isinstance(heat.z, dict) else np.array(heat.z, dtype=np.float32)
    assert np.array_equal(np.floor(z).astype(int), expected.minimum)
    keys = [trace.name for trace in fig.data if (trace.meta or {}).get("role") == "key"]
    assert len(fig.layout.annotations or ()) == 0 and len(keys) == 6 and keys[-2:] == ["none", "diverged"]
    assert fig.layout.showlegend and fig.layout.legend.orientation == "h" and not heat.showscale
    assert "4 of 4 minima are reached" in explore.basins_note("GD", config.surface_obj(), result)


def test_a_formulas_basin_map_is_coloured_by_where_its_runs_rest():
    config = config_of("?surface=formula:f=(x^2%2By-11)^2%2B(x%2By^2-7)^2&steps=60&run=newton")
    result = explore.basins_run(config, config.runs[0], 24)
    fig = explore.basins_figure(config.surface_obj(), result, config.start)
    heat = fig.data[0]
    keys = [trace.name for trace in fig.data if (trace.meta or {}).get("role") == "key"]
    assert keys == ["min 1", "min 2", "min 3", "min 4", "saddle 1", "saddle 2", "saddle 3", "saddle 4", "max",
                    "moving", "diverged"] and fig.layout.legend.title.text == "rests at:"
    named = {text.split("<br>")[0] for row in heat.text for text in row}
    assert {f"rests at a minimum ({x:.3g}, {y:.3g})" for x, y in surfaces.get("himmelblau").minima} <= named
    assert "rests at a maximum (-0.271, -0.923)" in named and len(named) == 9
    marks = {trace.name: len(trace.x) for trace in fig.data if (trace.meta or {}).get("role") == "rest"}
    assert marks == {"minimum where runs rest": 4, "saddle point where runs rest": 4, "maximum where runs rest": 1}
    note = explore.basins_note("Newton", config.surface_obj(), result)
    assert "The minima of a typed formula are not known, so the colour is where each run came to rest" in note
    assert "4 minimums" not in note and "4 minima, 4 saddle points, 1 maximum." in note
    assert "A run can rest wherever the gradient vanishes, not only at a minimum." in note


def test_the_fan_repeats_with_its_seeds_and_refuses_what_it_cannot_draw():
    config = config_of("?surface=rosenbrock&steps=100&noise=3&run=momentum:lr=0.001,momentum=0.9")
    run = config.runs[0]
    result = explore.fan_run(config, run, 8, None)
    again = optviz.fan("momentum", "rosenbrock", n=8, noise=3.0, steps=100, lr=0.001, momentum=0.9,
                       start=config.start)
    assert all(np.array_equal(a.xy, b.xy) for a, b in zip(result.runs, again.runs))
    fig = explore.fan_figure(config.surface_obj(), result, config.start, "#0072B2")
    roles = [t.meta["role"] for t in fig.data if isinstance(t.meta, dict)]
    assert roles.count("fan") == 1 and roles.count("mean") == 1 and roles.count("ends") == 1
    assert all(t.showscale is False for t in fig.data if t.type == "contour"), "no colour bar beside the fan"
    long = replace(config, steps=100_000)
    with pytest.raises(ValueError, match="too large to draw"):
        explore.fan_run(long, run, 32, None)
    request = explore.read_request(long, dict(PANEL, run="r0", fan_runs="32"))[0]
    out = callbacks.explore_outputs(long.to_data(), request.to_data(), "fan")
    assert "too large to draw" in out["fan_note"]


def test_each_tab_draws_only_itself_and_a_grid_stops_on_the_work_limit(adam, monkeypatch):
    request = explore.read_request(adam, dict(PANEL, run="r0"))[0].to_data()
    for tab, figure in (("sweep", "sweep"), ("basins", "basins"), ("fan", "fan")):
        out = callbacks.explore_outputs(adam.to_data(), request, tab)
        drawn = [k for k in ("sweep", "basins", "fan") if out[k] is not callbacks.no_update]
        assert drawn == [figure]
    monkeypatch.setattr(settings, "GRID_WORK_LIMIT", 20_000)
    out = callbacks.explore_outputs(adam.to_data(), request, "sweep")
    assert "stopped on the limit" in out["sweep_note"] and "20,000 units" in out["sweep_note"]
    stopped = [t for t in out["sweep"].data if t.meta["role"] == "stopped"]
    assert stopped


# -- tuning ---------------------------------------------------------------------------------------------
def test_tune_gives_the_run_the_learning_rate_tune_finds_and_says_so(adam):
    config, changed, results = controller.tune_runs(adam, ["r0"])
    found = optviz.tune("adam", "rosenbrock", steps=120, start=adam.start)
    lr = config.runs[0].values["lr"]
    assert changed == [0] and math.isclose(lr, float(f"{found.values['lr']:.3g}")) or lr == found.values["lr"]
    assert config.runs[1] == adam.runs[1], "only the run asked for"
    assert results[0].values == {"lr": lr} and results[0].searched == optviz.grid.tune_size("adam")
    report = layout.tune_report(config, results)
    assert "Tuned for the lowest loss after 120 steps" in str(report) and "lr = " in str(report)
    assert not optviz.simulate("adam", "rosenbrock", steps=120, lr=lr).diverged


def test_tune_all_with_the_second_setting_and_a_method_without_a_learning_rate():
    config = config_of("?surface=rosenbrock&steps=80&run=momentum:lr=0.0001,momentum=0.5&run=nelder_mead")
    tuned, changed, results = controller.tune_runs(config, [r.uid for r in config.runs], second=True)
    assert changed == [0]
    assert set(results[0].values) == {"lr", "momentum"} and results[0].searched == \
        optviz.grid.tune_size("momentum", ("lr", "momentum"))
    assert results[1].error and "no learning rate" in results[1].error
    before = optviz.simulate("momentum", "rosenbrock", steps=80, lr=0.0001, momentum=0.5).loss[-1]
    after = optviz.simulate("momentum", "rosenbrock", steps=80, **tuned.runs[0].values).loss[-1]
    assert after < before


def test_tuning_is_bounded_by_the_grid_work_limit(adam, monkeypatch):
    monkeypatch.setattr(settings, "GRID_WORK_LIMIT", 5_000)
    many = replace(adam, steps=100_000)
    config, changed, results = controller.tune_runs(many, [r.uid for r in many.runs])
    assert all(r.error is None for r in results)   # each cell stopped on its share, and the best was kept


def test_a_surface_change_tunes_the_runs_the_app_set_up():
    config = S.default_config("rosenbrock")
    moved, err = controller.set_surface(config, "himmelblau")
    assert err is None
    surface = surfaces.get("himmelblau")
    for before, after in zip(config.runs, moved.runs):
        if before.optimizer in surface.suggestions() or before.spec.family not in S.STEP_SIZE_FAMILIES:
            continue
        found = optviz.tune(before.optimizer, "himmelblau", steps=moved.steps, start=moved.start,
                            **{k: v for k, v in before.hyperparameters if k != "lr"})
        assert after.values["lr"] in (float(f"{found.values['lr']:.3g}"), found.values["lr"])


# -- what a browser (or a script) may send -------------------------------------------------------------
@pytest.mark.parametrize("forged", [
    {"x": {"name": "lr", "low": 1e-4, "high": 1, "points": 10 ** 9}},
    {"x": {"name": "lr", "low": 1e-4, "high": 1, "points": 200}, "y": {"name": "beta1", "low": 0, "high": 0.9,
                                                                      "points": 200}},
    {"x": {"name": "lr", "low": 1, "high": 1e-4, "points": 10}},
    {"resolution": 10 ** 6}, {"fan_runs": 0}, {"fan_runs": 10 ** 6}, {"tol": "nan"}, {"fan_noise": -1},
    {"x": "lr"}, {"run": None, "x": None},
])
def test_a_forged_request_is_refused_before_any_work(adam, forged):
    good = explore.read_request(adam, dict(PANEL, run="r0"))[0].to_data()
    data = {**good, **forged}
    assert explore.Request.from_data(data) is None
    out = callbacks.explore_outputs(adam.to_data(), data, "sweep")
    assert out["sweep"] is callbacks.no_update and "not understood" in out["sweep_note"]


def test_with_no_runs_the_panel_says_so(adam):
    empty = replace(adam, runs=())
    out = callbacks.explore_request(empty.to_data(), dict(PANEL, run="r0"), None, None)
    assert out["x_options"] == [] and out["request"] is None and "add a run" in str(out["alert"])
    good = explore.read_request(adam, dict(PANEL, run="r0"))[0].to_data()
    assert callbacks.explore_outputs(empty.to_data(), good, "basins")["basins_note"] == "Add a run to explore it."


def test_a_grid_in_the_cache_is_counted_by_its_arrays(adam):
    from optviz import cache
    result = explore.basins_run(adam, adam.runs[0], 40)
    assert cache.size_of(result) >= result.minimum.nbytes + result.steps.nbytes + result.final_loss.nbytes
    fan = explore.fan_run(adam, adam.runs[0], 4, 1.0)
    assert cache.size_of(fan) >= sum(t.nbytes for t in fan.runs)


def test_tune_leaves_alone_what_it_cannot_tune_fairly():
    config = config_of("?surface=rosenbrock&steps=60&run=cg&run=lbfgs&run=adagrad:lr=0.1")
    tuned, changed, results = controller.tune_runs(config, [r.uid for r in config.runs], second=True)
    assert changed == [2] and results[0].error and "first trial" in results[0].error and results[1].error
    assert set(results[2].values) == {"lr"}, "AdaGrad has no momentum-like setting"


# -- the share link ------------------------------------------------------------------------------------
@pytest.mark.parametrize("view, change", [
    ("sweep", {}), ("sweep", {"run": "r1"}), ("sweep", {"y": "", "x_points": "60"}),
    ("sweep", {"x": "beta2", "x_from": "0.9", "x_to": "0.9999", "y": "lr", "y_from": "0.001", "y_to": "1",
               "measure": "steps", "tol": "0.001"}),
    ("basins", {"resolution": "100"}), ("fan", {"fan_runs": "8", "fan_noise": "2.5"}), ("fan", {}),
])
def test_the_panel_survives_its_link(adam, view, change):
    values = {**PANEL, "run": "r0", **change}
    if change.get("run") == "r1":   # GD's own sweep
        values.update(x="lr", x_from="0.0001", x_to="10", y="weight_decay", y_from="0", y_to="1")
    request, problems, _ = explore.read_request(adam, values)
    assert not problems, problems
    text = explore.to_link(adam, request, view)
    search = urlstate.serialize(adam) + "&explore=" + __import__("optviz").links.quote_value(text)
    config, link_problems = urlstate.parse(search)
    assert config == adam and not link_problems, "the configuration's link is unchanged by the panel's key"
    opened, link, problems = explore.from_link(search)
    assert opened == view and problems == []
    out = callbacks.explore_request(config.to_data(), {k: None for k in PANEL} | {"run": None}, None, None, link)
    again = explore.Request.from_data(out["request"])
    assert explore.to_link(config, again, view) == text
    if view == "sweep":
        assert (again.x, again.y, again.measure, again.tol) == (request.x, request.y, request.measure, request.tol)
    assert again.run == request.run


@pytest.mark.parametrize("search, words", [
    ("?explore=maps", "explore must be one of sweep, basins, fan"),
    ("?explore=sweep:x", "is not of the form name=value"),
    ("?explore=sweep:colour=red", "is not one of"),
    ("?explore=sweep&explore=fan", "given twice"),
])
def test_a_bad_explore_key_says_what_is_allowed(search, words):
    view, values, problems = explore.from_link(search)
    assert any(words in p for p in problems), problems
    assert urlstate.parse(search)[1] == []


def test_the_default_panel_writes_only_its_view():
    config = S.default_config()
    request = explore.read_request(config, {})[0]
    assert explore.to_link(config, request, "basins") == "basins"
