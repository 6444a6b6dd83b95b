"""The app with a typed formula (the surface "formula", surfaces/_formula.py): its link, its box,
its window, the JSON API, and the figures built from it."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import app as web
import optviz
import surfaces
from optviz import links
from optviz.ui import callbacks, controller, figures, layout, urlstate
from test_app_callbacks import controls_of

BUMPY = "sin(x)*cos(y) + 0.1*(x^2 + y^2)"
LINK = "?surface=formula:f=(x^2%2By-11)^2%2B(x%2By^2-7)^2,x_min=-6,x_max=6&run=gd:lr=0.01&run=adam:lr=0.1"


def test_a_typed_formula_survives_the_share_link_round_trip():
    config, problems = urlstate.parse(LINK)
    assert not problems
    assert config.surface == "formula" and dict(config.surface_params)["f"] == "(x^2+y-11)^2+(x+y^2-7)^2"
    assert config.surface_obj().domain == ((-6.0, 6.0), (-5.0, 5.0))
    again, problems = urlstate.parse(urlstate.serialize(config))
    assert again == config and not problems
    assert "f=(x%5E2%2By-11)%5E2" in urlstate.serialize(config), "parentheses and * stay readable; + and ^ escaped"
    typed = surfaces.from_formula("(x^2+y-11)^2+(x+y^2-7)^2", domain=((-6, 6), (-5, 5)))
    assert config.surface_obj() is typed, "the link's surface is the one surfaces.from_formula gives"


def test_every_link_of_today_means_what_it_meant():
    for link in ("?surface=rosenbrock&start=-1.2,1&steps=300&run=adam:lr=0.05,beta1=0.9&run=gd:lr=0.001",
                 "?surface=quadratic:condition=100,rotation=30&run=gd"):
        config, problems = urlstate.parse(link)
        assert not problems and urlstate.serialize(config) == urlstate.serialize(urlstate.parse(
            urlstate.serialize(config))[0])


@pytest.mark.parametrize("link, message", [
    ("?surface=formula:f=os.system(1)&run=gd", "f: column 1: name 'os' is not allowed (allowed: x, y, pi, e, sin"),
    ("?surface=formula:f=9**9**9**9&run=gd", "the exponent 3.8742e+08 is too large"),
    ("?surface=formula:f=x%2By,x_min=3,x_max=2&run=gd", "x_min (3) must be less than x_max (2); used its default window"),
    ("?surface=formula:f=" + "x%2B" * 200 + "y&run=gd", "characters long; at most 300"),
    # refused only once derived (the whole link fell back to the default view, and the API gave a 500)
    ("?surface=formula:f=" + "*".join(f"sin(x%2B{k}*y)" for k in range(1, 25)) + "&run=gd",
     "f: the formula is too complex: its gradient has 4,581 operations, at most 1,500"),
    ("?surface=formula:f=cos(pi)^x&run=gd", "f: column 8: a negative number (-1) to a power in x or y is not real"),
])
def test_a_bad_formula_in_a_link_is_named_and_the_rest_of_the_link_kept(link, message):
    config, problems = urlstate.parse(link)
    assert any(message in p for p in problems), problems
    assert config.surface == "formula" and [r.optimizer for r in config.runs] == ["gd"]
    if "x_min" in link:
        assert dict(config.surface_params)["f"] == "x+y", "a bad window keeps the formula"


def test_typing_a_formula_redraws_and_a_bad_one_keeps_the_last_good_one():
    config = urlstate.parse("?surface=formula&run=gd:lr=0.05")[0]
    out = controller.apply_controls(config, controls_of(config, params={("surface", "f"): "x^2 + 4*y^2"}))
    assert dict(out.config.surface_params)["f"] == "x^2 + 4*y^2" and not out.messages
    run = optviz.simulate("gd", out.config.surface_obj(), start=out.config.start, steps=20, lr=0.05)
    assert run.loss[-1] < run.loss[0]
    bad = controller.apply_controls(out.config, controls_of(out.config, params={("surface", "f"): "x^2 + 4y^2"}))
    assert bad.config == out.config and bad.invalid_params == {("surface", "f")}
    assert "column 8: missing operator before 'y' (write * for a product" in bad.messages[0]
    assert "Still using x^2 + 4*y^2" in bad.messages[0]


def test_a_window_that_is_not_one_is_refused_and_a_window_away_from_the_start_moves_it():
    config = urlstate.parse("?surface=formula&run=gd")[0]
    bad = controller.apply_controls(config, controls_of(config, params={("surface", "x_min"): 7}))
    assert bad.config == config and ("surface", "x_min") in bad.invalid_params
    assert "x_min (7) must be less than x_max (5)" in bad.messages[0]
    moved = controller.apply_controls(config, controls_of(config, params={("surface", "x_min"): 100,
                                                                        ("surface", "x_max"): 110}))
    surface = moved.config.surface_obj()
    assert surface.domain == ((100.0, 110.0), (-5.0, 5.0)) and moved.config.start == surface.start
    assert not moved.messages


def test_a_formula_undefined_at_the_start_moves_it_and_a_start_there_is_refused():
    """log(x) typed while the runs start at x = -3 crashed the callback (simulate refuses a start
    where f has no value): the start moves to the nearest grid point where f has one, and a start
    typed, clicked or linked where f is undefined is refused with the reason."""
    config = urlstate.parse("?surface=formula&start=-3,3&run=gd:lr=0.05&run=adam:lr=0.1")[0]
    out = controller.apply_controls(config, controls_of(config, params={("surface", "f"): "log(x) + y^2"}))
    surface = out.config.surface_obj()
    assert not out.messages and out.config.start == surface.start and surface.start[0] > 0
    assert math.isfinite(surface.value(*surface.start)) and surface.start[1] == pytest.approx(3, abs=0.2)
    rendered = callbacks.render_outputs(out.config, out.config.steps, None)
    assert rendered["contour"] is not None
    typed = controller.apply_controls(out.config, controls_of(out.config, start_x=-2))
    assert typed.config.start == out.config.start and typed.invalid == {"start_x", "start_y"}
    assert "Your own formula is not defined at (-2, 3.085): start where f has a value" in typed.messages[0]
    clicked, err = controller.start_from_click(out.config, {"x": -2, "y": 1})
    assert clicked.start == out.config.start and "is not defined at the start (-2, 1)" in err
    linked, problems = urlstate.parse("?surface=formula:f=log(x)&start=-3,3&run=gd")
    assert linked.start == linked.surface_obj().start and "not defined at the start (-3, 3)" in problems[0]
    nowhere = controller.apply_controls(out.config, controls_of(out.config, params={("surface", "f"): "log(-x^2-1)"}))
    assert nowhere.config == out.config and nowhere.invalid_params == {("surface", "f")}
    assert "the formula is undefined everywhere in the window (x from -5 to 5" in nowhere.messages[0]


def test_the_panel_shows_a_formula_box_and_the_folded_window():
    config = urlstate.parse("?surface=formula:f=x^2&run=gd")[0]
    text = json.dumps(layout.surface_params(config), default=lambda o: o.to_plotly_json())
    assert '"type": "hp-text"' in text and '"value": "x^2"' in text and "Press Enter to draw it" in text
    assert "window: x from -5 to 5, y from -5 to 5" in text
    info = json.dumps(layout.surface_info(config.surface_obj()), default=lambda o: o.to_plotly_json())
    assert "f(x, y) = {x}^{2}" in info, "typeset as typed"


def test_figures_mask_where_the_formula_is_undefined():
    config = urlstate.parse("?surface=formula:f=log(x)%2By^2,x_min=-1,x_max=3,y_min=-1,y_max=1"
                            "&start=2,0.5&run=gd:lr=0.5")[0]
    surface = config.surface_obj()
    contour = figures.contour_figure(surface, [], config.start)
    z = np.array(contour.data[0].z, dtype=float)
    assert np.isnan(z).any() and np.isfinite(z).any()
    out = callbacks.render_outputs(config, config.steps, None)
    assert out["contour"] is not None and out["surface3d"] is not None


def test_the_json_api_runs_a_typed_formula_and_refuses_a_bad_one():
    client = web.server.test_client()
    ok = client.post("/api/trajectory", json={"optimizer": "gd", "surface": {"name": "formula", "f": BUMPY},
                                               "start": [2, 2], "steps": 30, "hyperparameters": {"lr": 0.1}})
    assert ok.status_code == 200, ok.get_json()
    body = ok.get_json()
    assert body["surface"] == "formula" and len(body["xy"]) == 31
    expected = optviz.simulate("gd", surfaces.from_formula(BUMPY), start=(2, 2), steps=30, lr=0.1)
    assert np.array_equal(np.array(body["xy"], dtype=float), expected.xy)
    bad = client.post("/api/trajectory", json={"optimizer": "gd", "surface": {"name": "formula",
                                                                              "f": "__import__('os')"}})
    assert bad.status_code == 400 and "name '__import__' is not allowed" in bad.get_json()["error"]
    costly = "*".join(f"sin(x+{k}*y)" for k in range(1, 25))   # it reads, but its derivatives are too long
    refused = client.post("/api/trajectory", json={"optimizer": "gd", "surface": {"name": "formula", "f": costly}})
    assert refused.status_code == 400 and "its gradient has 4,581 operations" in refused.get_json()["error"]
    listing = client.get("/api/surfaces").get_json()["surfaces"]
    formula = next(s for s in listing if s["name"] == "formula")
    assert formula["parameters"][0] == {**formula["parameters"][0], "name": "f", "kind": "text", "max_length": 300}
    assert formula["minima"] == [] and formula["minimum_value"] is None


def test_a_stream_of_distinct_formulas_keeps_the_cache_bounded_and_compiles_nothing():
    from surfaces import _formula
    overloads = [len(f.overloads) for f in (_formula._value, _formula._gradient, _formula._hessian)]
    for k in range(200):
        config = links.parse(f"?surface=formula:f={k}*x^2%2By^2%2Bsin({k % 9}*x)&steps=50&run=gd:lr=0.01")[0]
        callbacks.render_outputs(config, config.steps, None)
    assert _formula._surface.cache_info().currsize <= _formula._surface.cache_info().maxsize
    assert [len(f.overloads) for f in (_formula._value, _formula._gradient, _formula._hessian)] == overloads
    assert math.isfinite(surfaces.get("formula").value(0.1, 0.2))


def test_the_folded_windows_line_follows_the_window_and_its_boxes_say_why_they_are_refused():
    config = urlstate.parse("?surface=formula:f=x^2,x_min=-2,x_max=2,y_min=-1,y_max=1&run=gd")[0]
    assert callbacks.window_summaries(config.to_data(), 1) == ["window: x from -2 to 2, y from -1 to 1"]
    assert callbacks.window_summaries(config.to_data(), 0) == []
    text = json.dumps(layout.surface_params(config), default=lambda o: o.to_plotly_json())
    assert "Not used: see the message below (a window needs x_min < x_max and y_min < y_max" in text
    assert '"maxLength": 600' in text, "a paste over the limit reaches the check, which names the limit"


def test_a_batch_size_on_a_surface_without_data_is_not_shown_in_the_legend():
    """A link may give a run ;batch=8 on a typed formula, which has no data to draw batches from:
    the run ignores it, so the legend must not say "batches of 8"."""
    config = urlstate.parse("?surface=formula:f=(x%5E2-1)%5E2%2By%5E2&run=gd:lr=0.05;batch=8")[0]
    views, _ = callbacks.simulate_runs(config)
    assert "batches" not in views[0].label and views[0].label.startswith("Gradient descent")
    model = urlstate.parse("?surface=linear_regression&run=gd:lr=0.05;batch=8")[0]
    assert "batches of 8" in callbacks.simulate_runs(model)[0][0].label
