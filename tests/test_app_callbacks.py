"""The server side of the page without a browser: validation of whatever the browser sends, the
structural edits (add, duplicate, remove, switch optimizer), rendering, and forged requests to
/_dash-update-component (which must answer 200 with an inline message, never 500)."""
from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from dash import Patch, no_update

import surfaces
import optviz
from optviz import optimizers
from optviz import cache
from optviz.ui import callbacks, controller, state, urlstate
from optviz.ui.controller import Controls
from optviz.ui.state import MAX_RUNS, Config

BASE = urlstate.parse("?surface=rosenbrock&steps=200&run=adam:lr=0.05&run=momentum:lr=0.001")[0]


def controls_of(config: Config, **changes) -> Controls:
    """The controls exactly as the page would show ``config``, with ``changes``."""
    params = {(r.uid, k): v for r in config.runs for k, v in r.hyperparameters}
    params.update({("surface", k): v for k, v in config.surface_params})
    params.update({("schedule", k): v for k, v in config.schedule_params})
    params.update(changes.pop("params", {}))
    values = dict(surface=config.surface, start_x=config.start[0], start_y=config.start[1], steps=config.steps,
                  noise=config.noise, seed=config.seed, schedule=config.schedule, clip_on=config.clip is not None,
                  clip=config.clip or 10.0, lossx=config.lossx)
    values.update(changes)
    return Controls(params=params, **values)


# -- validation ------------------------------------------------------------------------------------
def test_cb001_unchanged_controls_change_nothing():
    out = controller.apply_controls(BASE, controls_of(BASE))
    assert out.config == BASE and not out.invalid and not out.invalid_params and not out.messages


def test_cb002_valid_values_are_taken():
    out = controller.apply_controls(BASE, controls_of(BASE, steps=500, noise=0.5, seed=3, clip_on=True, clip=2.5,
                                                      start_x="0.5", params={("r0", "lr"): 0.2}))
    c = out.config
    assert (c.steps, c.noise, c.seed, c.clip, c.start) == (500, 0.5, 3, 2.5, (0.5, 1.0))
    assert c.runs[0].values["lr"] == 0.2 and not out.messages


@pytest.mark.parametrize("bad", [None, "", "abc", "1e999", float("nan"), float("inf"), -1, 10 ** 400, 10 ** 9, 2.5, True,
                                 [1], {"a": 1}])
def test_cb003_bad_steps_are_flagged_and_the_last_good_value_kept(bad):
    out = controller.apply_controls(BASE, controls_of(BASE, steps=bad))
    assert out.config.steps == 200 and out.invalid == {"steps"}
    assert "steps must be an integer in [0, 100000]" in out.messages[0] and "Still using 200" in out.messages[0]


@pytest.mark.parametrize("bad", [None, "x", float("nan"), -0.0001, 50, 1e308 * 10, "0x10", [0.1], {"v": 1}])
def test_cb004_bad_hyperparameters_are_flagged_per_control(bad):
    out = controller.apply_controls(BASE, controls_of(BASE, params={("r0", "lr"): bad, ("r1", "lr"): 0.003}))
    assert out.invalid_params == {("r0", "lr")}
    assert out.config.runs[0].values["lr"] == 0.05, "the last good value stays"
    assert out.config.runs[1].values["lr"] == 0.003, "the other run's change is taken"
    assert "Adam (run 1): lr must be a number in (0, 10]" in out.messages[0]


def test_cb005_bad_start_and_forged_switches():
    out = controller.apply_controls(BASE, controls_of(BASE, start_x=1e6, start_y="nan", clip_on="yes", lossx="time",
                                                      params={("r0", "amsgrad"): "perhaps",
                                                              ("r1", "form"): "sideways",
                                                              ("r9", "lr"): 1.0, ("surface", "nope"): 1}))
    assert out.config.start == BASE.start and out.invalid == {"start_x", "start_y"}
    assert {("r0", "amsgrad"), ("r1", "form")} <= out.invalid_params
    text = " ".join(out.messages)
    for word in ("start x", "-6 to 6", "clip switch", "loss axis", "amsgrad", "sideways"):
        assert word in text
    assert out.config.runs == BASE.runs


def test_cb006_surface_and_schedule_parameters():
    quad = urlstate.parse("?surface=quadratic&run=gd")[0]
    out = controller.apply_controls(quad, controls_of(quad, schedule="step", params={("surface", "condition"): 100,
                                                                                       ("surface", "rotation"): 500}))
    assert dict(out.config.surface_params) == {"condition": 100.0, "rotation": 0.0}
    assert out.invalid_params == {("surface", "rotation")}
    sched, err = controller.set_schedule(out.config, "step")
    assert err is None and dict(sched.schedule_params) == {"step_size": 50, "gamma": 0.5}
    out = controller.apply_controls(sched, controls_of(sched, params={("schedule", "gamma"): 2}))
    assert out.invalid_params == {("schedule", "gamma")}
    assert controller.set_schedule(sched, "warp")[1].startswith("unknown schedule 'warp'")


# -- structural edits ----------------------------------------------------------------------------
def test_cb010_add_duplicate_remove_keep_colours():
    c, run, err = controller.add_run(BASE)
    assert err is None and run.color == 2 and run.uid == "r2" and len(c.runs) == 3
    c, dup, i, err = controller.duplicate_run(c, "r0")
    assert i == 1 and dup.hyperparameters == c.runs[0].hyperparameters and dup.color == 3 and dup.uid == "r3"
    c, i = controller.remove_run(c, "r0")
    assert i == 0 and [r.uid for r in c.runs] == ["r3", "r1", "r2"] and [r.color for r in c.runs] == [3, 1, 2]
    c, run, _ = controller.add_run(c)
    assert run.color == 0, "a new run takes the first free colour"
    assert controller.remove_run(c, "r42") == (c, None) and controller.remove_run(c, {"x": 1}) == (c, None)


def test_cb011_at_most_eight_runs():
    c = BASE
    for _ in range(MAX_RUNS - 2):
        c, run, err = controller.add_run(c)
        assert err is None
    assert len(c.runs) == MAX_RUNS and sorted(r.color for r in c.runs) == list(range(MAX_RUNS))
    assert controller.add_run(c)[2].startswith("at most 8 runs")
    assert controller.duplicate_run(c, "r0")[3].startswith("at most 8 runs")


def test_cb012_change_optimizer_keeps_the_colour():
    c, run, i, err = controller.change_optimizer(BASE, "r1", "adam")
    assert i == 1 and run.color == 1 and run.hyperparameters == tuple(optimizers.get("adam").defaults().items())
    assert controller.change_optimizer(BASE, "r1", "warp")[3].startswith("unknown optimizer 'warp'")
    assert controller.change_optimizer(BASE, "r1", "momentum")[1] is None, "same optimizer: nothing to do"


def test_cb013_click_sets_a_rounded_start():
    c, err = controller.start_from_click(BASE, {"x": 0.123456, "y": 2.987654, "n": 1})
    assert err is None and c.start == (0.123, 2.988)
    assert controller.start_from_click(BASE, {}) == (BASE, None)
    assert controller.start_from_click(BASE, "garbage") == (BASE, None)
    assert "start x" in controller.start_from_click(BASE, {"x": 99, "y": 0})[1]
    assert "two numbers" in controller.start_from_click(BASE, {"x": "a", "y": 0})[1]
    near_the_star, _ = controller.start_from_click(BASE, {"x": 1.004, "y": 0.9968})
    assert near_the_star.start == (1.004, 0.997), "a click beside the minimum's star is not snapped onto it"


def test_cb014_set_surface_resets_start_and_parameters():
    c, err = controller.set_surface(BASE, "quadratic")
    assert err is None and c.start == surfaces.get("quadratic").start and c.runs == BASE.runs
    assert controller.set_surface(BASE, "narnia")[1].startswith("unknown surface 'narnia'")


def test_cb015_forged_store_is_repaired():
    for forged in ("junk", 5, [], {"surface": 3, "runs": "x"}, {"runs": [{"optimizer": "warp"}, 7, {}]},
                   {"surface": "rosenbrock", "steps": -1, "start": [1e9, "a"], "clip": "x", "lossx": 1,
                    "runs": [{"uid": "r0", "optimizer": "adam", "hyperparameters": {"lr": -1}, "color": 99}] * 12}):
        config, problems = Config.from_data(forged)
        assert isinstance(config, Config) and problems
        assert urlstate.parse(urlstate.serialize(config)) == (config, [])
    config, _ = Config.from_data({"runs": [{"uid": "r0", "optimizer": "adam", "color": 1}] * 3})
    assert len({r.uid for r in config.runs}) == 3 and len({r.color for r in config.runs}) == 3


# -- rendering -------------------------------------------------------------------------------------
def test_cb020_render_full_then_patch():
    out = callbacks.render_outputs(BASE, 50, None)
    assert out["slider_max"] == 200 and out["slider_value"] == 200, "a page that just opened shows the end"
    assert out["search"] == urlstate.serialize(BASE)
    assert out["render"]["contour"] == 3 + 2 * 2 and out["render"]["surface3d"] == 3 + 2 * 2
    changed = replace(BASE, runs=(replace(BASE.runs[0], hyperparameters=(("lr", 0.2),) + BASE.runs[0].hyperparameters[1:]),))
    out2 = callbacks.render_outputs(changed, 50, out["render"])
    assert isinstance(out2["contour"], Patch) and isinstance(out2["surface3d"], Patch)
    ops = out2["contour"].to_plotly_json()["operations"]
    assert [o["operation"] for o in ops].count("Delete") == 4 and ops[-1]["operation"] == "Extend"
    assert out2["slider_value"] is no_update
    assert len(json.dumps(out2["contour"].to_plotly_json(), default=str)) < 60_000, "no contour grid in a patch"
    other = callbacks.render_outputs(urlstate.parse("?surface=quadratic&run=gd")[0], 50, out["render"])
    assert not isinstance(other["contour"], Patch), "a new surface is drawn in full"


def test_cb021_render_reports_runs_that_cannot_start(monkeypatch):
    """optviz.simulate's ValueError (a start where the surface is not finite, say) becomes a
    message beside the figures; the other runs are still drawn."""
    real = callbacks.optviz.simulate

    def simulate(optimizer, *args, **kwargs):
        if optimizer == "momentum":
            raise ValueError("the start (0, 0) is outside the region where 'x' is finite")
        return real(optimizer, *args, **kwargs)

    monkeypatch.setattr(callbacks.optviz, "simulate", simulate)
    cache.clear()
    try:
        out = callbacks.render_outputs(BASE, 0, None)
    finally:
        cache.clear()
    assert out["sim_alert_open"] is True
    assert "outside the region" in json.dumps(out["sim_alert"], default=lambda o: o.to_plotly_json())
    assert [t["meta"]["run"] for t in out["contour"].to_dict()["data"] if t["meta"].get("role") == "path"] == ["r0"]


def test_cb022_legend_says_diverged():
    config = urlstate.parse("?surface=rosenbrock&run=momentum:lr=0.01&run=adam:lr=0.05")[0]
    out = callbacks.render_outputs(config, 0, None)
    text = json.dumps(out["legend"], default=lambda o: o.to_plotly_json())
    assert "diverged at step" in text and "f = " in text


# -- requests as a script could send them -----------------------------------------------------------
class Endpoint:
    """Builds /_dash-update-component requests from /_dash-dependencies."""

    def __init__(self, client):
        self.client = client
        self.deps = json.loads(client.get("/_dash-dependencies").data)

    def post(self, marker: str, values: dict, changed: list, patterns: dict | None = None, outputs=None):
        dep = next(d for d in self.deps if marker in d["output"])
        patterns = patterns or {}

        def item(spec):
            if spec["id"].startswith("{"):
                return patterns.get((spec["id"], spec["property"]), [])
            return {"id": spec["id"], "property": spec["property"],
                    "value": values.get(f"{spec['id']}.{spec['property']}")}

        outs = []
        for part in dep["output"].strip(".").split("..."):
            cid, prop = part.rsplit(".", 1)
            outs.append((outputs or {}).get(cid, []) if cid.startswith("{") else {"id": cid, "property": prop})
        body = {"output": dep["output"], "outputs": outs, "inputs": [item(s) for s in dep["inputs"]],
                "state": [item(s) for s in dep["state"]], "changedPropIds": changed}
        return self.client.post("/_dash-update-component", json=body)


@pytest.fixture(scope="module")
def endpoint(dash_app):
    return Endpoint(dash_app.server.test_client())


HP_ALL = '{"name":["ALL"],"run":["ALL"],"type":"hp"}'


def _page_values(config):
    return {"url.search": urlstate.serialize(config), "surface-select.value": config.surface,
            "start-x.value": config.start[0], "start-y.value": config.start[1], "steps-input.value": config.steps,
            "noise-input.value": config.noise, "seed-input.value": config.seed,
            "schedule-select.value": config.schedule, "clip-switch.value": False, "clip-input.value": 10,
            "lossx-radio.value": "step", "config-store.data": config.to_data()}


def test_cb030_forged_out_of_range_value_answers_200_with_inline_error(endpoint):
    values = _page_values(BASE)
    values["steps-input.value"] = 10 ** 12
    lr_id = {"name": "lr", "run": "r0", "type": "hp"}
    patterns = {(HP_ALL, "value"): [{"id": lr_id, "property": "value", "value": -5}]}
    r = endpoint.post("runs-container.children", values, ["steps-input.value"], patterns,
                      outputs={HP_ALL: [{"id": lr_id, "property": "invalid"}]})
    assert r.status_code == 200, r.data[:500]
    resp = r.get_json()["response"]
    assert resp["steps-input"]["invalid"] is True
    assert resp[json.dumps(lr_id, separators=(",", ":"), sort_keys=True)]["invalid"] is True
    alert = json.dumps(resp["controls-alert"])
    assert "steps must be an integer in [0, 100000]" in alert and "lr must be a number in (0, 10]" in alert
    assert "config-store" not in resp, "the configuration (and so the figures) stays as it was"


def test_cb031_forged_garbage_never_answers_500(endpoint):
    garbage = [None, "x" * 10_000, -1e308, [1, 2], {"$": "ne"}, True, float("inf")]
    for field in ("steps-input.value", "start-x.value", "noise-input.value", "seed-input.value",
                  "surface-select.value", "schedule-select.value", "clip-switch.value", "lossx-radio.value",
                  "config-store.data", "url.search", "map-click.data"):
        for value in garbage:
            values = _page_values(BASE)
            values[field] = value if not isinstance(value, float) or math.isfinite(value) else "Infinity"
            r = endpoint.post("runs-container.children", values, [field])
            assert r.status_code in (200, 204), (field, value, r.status_code, r.data[:300])


def test_cb032_forged_render_store_and_config_answer_200(endpoint):
    values = {"config-store.data": {"surface": "rosenbrock", "steps": "many", "runs": [{"optimizer": "adam"}]},
              "step-slider.value": "x", "render-store.data": {"key": 5, "contour": -3}}
    r = endpoint.post("contour-graph.figure", values, ["config-store.data"])
    assert r.status_code == 200, r.data[:300]
    assert "repaired" in json.dumps(r.get_json()["response"]["sim-alert"])


def test_cb033_malformed_requests_are_400_not_500(endpoint):
    for body in ({"output": "nonsense"}, {"output": "..a.b..", "inputs": 5}, {}):
        r = endpoint.client.post("/_dash-update-component", json=body)
        assert r.status_code == 400, (body, r.status_code)


def test_a_new_run_gets_a_learning_rate_that_does_not_diverge_here():
    from optviz.ui import state as S
    config = S.default_config("rosenbrock")
    bare = S.new_run(config.runs, "nesterov")
    assert optviz.simulate("nesterov", "rosenbrock", start=config.start, steps=config.steps,
                           **dict(bare.hyperparameters)).diverged          # torch's default lr does
    run = controller.tamed(config, bare)
    lr = dict(run.hyperparameters)["lr"]
    assert lr < dict(bare.hyperparameters)["lr"]
    assert not optviz.simulate("nesterov", "rosenbrock", start=config.start, steps=config.steps,
                               **dict(run.hyperparameters)).diverged
    assert {k: v for k, v in run.hyperparameters if k != "lr"} == {k: v for k, v in bare.hyperparameters if k != "lr"}
    changed, new, i, err = controller.change_optimizer(config, config.runs[0].uid, "nesterov")
    assert err is None and dict(new.hyperparameters)["lr"] == lr
    parabola = S.default_config("parabola")   # the default already converges there: left alone
    assert controller.tamed(parabola, S.new_run(parabola.runs, "adam")).hyperparameters == \
        S.new_run(parabola.runs, "adam").hyperparameters


# -- runs the app set up suit the surface --------------------------------------------------------
def _steps_to(run, level):
    below = np.flatnonzero(run.loss <= level)
    return int(below[0]) if below.size else None


@pytest.mark.parametrize("condition", [10, 100, 1000])
def test_cb040_the_default_runs_show_the_ravine_lesson_at_any_condition_number(condition):
    """On the ill-conditioned quadratic the default gradient descent zig-zags across the steep
    axis and momentum gets there in far fewer steps, whatever the condition number."""
    from optviz import runner
    config, err = controller.set_surface(state.default_config(), "quadratic")
    assert err is None
    out = controller.apply_controls(config, controls_of(config, steps=3000,
                                                        params={("surface", "condition"): condition}))
    config = out.config
    gd, momentum = (t for r, t in zip(config.runs, runner.simulate_config(config)) if r.optimizer in ("gd", "momentum"))
    assert not gd.diverged and not momentum.diverged
    gd_steps, momentum_steps = _steps_to(gd, 1e-6), _steps_to(momentum, 1e-6)
    assert momentum_steps is not None and (gd_steps is None or momentum_steps * 3 < gd_steps or condition == 10)
    if condition == 10:
        assert momentum_steps < gd_steps
    steep = gd.xy[:40] @ np.array([0.0, 1.0])          # rotation 0: y is the steep axis
    assert np.count_nonzero(np.diff(np.sign(steep)) != 0) > 10, "gradient descent zig-zags across the ravine"


def test_cb041_the_default_runs_reach_the_saddle():
    from optviz import runner
    config, _ = controller.set_surface(state.default_config(), "saddle")
    gd = next(t for r, t in zip(config.runs, runner.simulate_config(config)) if r.optimizer == "gd")
    assert np.hypot(*gd.xy.T).min() < 0.1, "gradient descent slides into the saddle"


def test_cb042_runs_the_user_set_or_from_a_link_are_never_retuned():
    linked = urlstate.parse("?surface=rosenbrock&run=gd:lr=0.001&run=momentum:lr=0.001")[0]
    moved, _ = controller.set_surface(linked, "quadratic")
    assert moved.runs == linked.runs, "runs from a link keep their settings"
    config = state.default_config()
    edited = controller.apply_controls(config, controls_of(config, params={("r0", "lr"): 0.0005})).config
    assert not edited.runs[0].auto and edited.runs[1].auto
    moved, _ = controller.set_surface(edited, "quadratic")
    assert moved.runs[0].values["lr"] == 0.0005, "the run the user set keeps its lr"
    assert moved.runs[1].values["lr"] != edited.runs[1].values["lr"], "the default momentum run is retuned"
    added, run, _ = controller.add_run(moved)
    assert run.auto


@pytest.mark.parametrize("typed, value", [("0,05", 0.05), ("0.05", 0.05), (" 1,5 ", 1.5), ("5e-2", 0.05)])
def test_cb050_a_decimal_comma_reads_as_a_point(typed, value):
    out = controller.apply_controls(BASE, controls_of(BASE, params={("r0", "lr"): typed}, start_x=typed))
    assert out.config.runs[0].values["lr"] == value and out.config.start[0] == value and not out.messages
    linked, problems = urlstate.parse(f"?noise={typed.strip()}")   # the link's values, the same reader
    assert problems == [] and linked.noise == value


def test_cb051_a_comma_that_is_not_a_decimal_comma_is_refused_not_misread():
    out = controller.apply_controls(BASE, controls_of(BASE, params={("r0", "lr"): "0,05,1"}))
    assert out.config.runs[0].values["lr"] == 0.05 and out.invalid_params == {("r0", "lr")}
    assert "lr must be a number in (0, 10]; got '0,05,1'" in out.messages[0]
