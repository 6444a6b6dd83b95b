"""The page's components, generated from metadata: contract ids, and a control for every
hyperparameter of every registered optimizer (whatever is registered when the tests run)."""
from __future__ import annotations

import json
import math
import re

import pytest

import surfaces
from optviz import optimizers, schedules
from optviz.ui import ids, layout, state

CONTRACT = ("surface-select", "contour-graph", "surface3d-graph", "loss-graph", "play-button", "step-slider",
            "add-run-button", "start-x", "start-y", "steps-input")


def walk(component):
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from walk(child)


def by_id(root):
    out = {}
    for c in walk(root):
        cid = getattr(c, "id", None)
        if cid is not None:
            key = cid if isinstance(cid, str) else tuple(sorted(cid.items()))
            assert key not in out, f"duplicate id {cid}"
            out[key] = c
    return out


def test_lay001_contract_ids_exist_once():
    found = by_id(layout.build_layout(state.default_config()))
    for cid in CONTRACT + ("distance-graph",):
        assert cid in found, cid
    assert found["contour-graph"].__class__.__name__ == "Graph"
    assert found["step-slider"].__class__.__name__ == "Slider"


@pytest.mark.parametrize("name", optimizers.names())
def test_lay002_every_hyperparameter_has_its_control(name):
    spec = optimizers.get(name)
    run = state.new_run([], name)
    found = by_id(layout.run_card(run))
    for h in spec.hyperparameters:
        key = lambda kind: tuple(sorted({"type": kind, "run": run.uid, "name": h.name}.items()))  # noqa: E731
        if h.kind == "bool":
            assert found[key("hp-switch")].value == h.default
        elif h.kind == "choice":
            assert [o["value"] for o in found[key("hp-choice")].options] == list(h.choices)
        else:
            box, slider = found[key("hp")], found[key("hp-slider")]
            assert box.value == h.default and box.type == "text" and box.inputMode == "decimal"  # a comma reaches us
            assert slider.min <= slider.value <= slider.max
            lo, hi = h.slider_range
            if h.log and lo > 0:
                assert "log-slider" in slider.className
                assert slider.min == pytest.approx(math.log10(lo)) and slider.max == pytest.approx(math.log10(hi))
                assert all(isinstance(k, int) for k in slider.marks), "marks at decades"
            else:
                assert "log-slider" not in slider.className
    assert tuple(sorted({"type": "run-optimizer", "run": run.uid}.items())) in found


@pytest.mark.parametrize("name", surfaces.names())
def test_lay003_surface_parameters_and_formula(name):
    config = state.default_config(name)
    text = json.dumps(layout.surface_params(config), default=lambda o: o.to_plotly_json())
    shown = set(re.findall(r'"id": \{"type": "hp(?:-text|-switch|-choice)?", "run": "surface", "name": "([a-z_]+)"\}',
                           text))
    assert shown == {h.name for h in surfaces.get(name).parameters}, "a control for each parameter (a window folded)"
    info = layout.surface_info(surfaces.get(name))
    assert info[0].mathjax is True and surfaces.get(name).latex in info[0].children


@pytest.mark.parametrize("name", schedules.names())
def test_lay004_schedule_parameters(name):
    config = state.default_config()
    config = state.with_changes(config, schedule=name,
                                schedule_params=tuple((h.name, h.default) for h in schedules.get(name).parameters))
    assert len(layout.schedule_params(config)) == 2 + len(schedules.get(name).parameters)


def test_lay005_slider_steps_are_round():
    assert layout._nice_step(0.004995) == 0.005 and layout._nice_step(2.4) == 5.0 and layout._nice_step(1e-7) == 1e-7
    marks = layout.step_marks(300)
    assert list(marks) == [0, 75, 150, 225, 300]
    assert list(layout.step_marks(3)) == [0, 3]


def test_lay006_ids_module_matches_the_contract():
    assert (ids.SURFACE_SELECT, ids.CONTOUR_GRAPH, ids.SURFACE3D_GRAPH, ids.LOSS_GRAPH, ids.PLAY_BUTTON,
            ids.STEP_SLIDER, ids.ADD_RUN_BUTTON, ids.START_X, ids.START_Y, ids.STEPS_INPUT) == CONTRACT
    assert ids.hp("r3", "lr") == {"type": "hp", "run": "r3", "name": "lr"}
