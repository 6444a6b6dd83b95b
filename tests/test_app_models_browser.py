"""The losses of real models in a headless Chromium, at a projector's size: each draws its map
with its minima, and the default runs move on it. Screenshots go to test-artifacts/ (look at them)."""
from __future__ import annotations

import pytest

import surfaces
from tests.test_app_browser import open_sized, runs_of, screenshot, traces


@pytest.fixture
def app(dash_app):
    return dash_app


@pytest.mark.parametrize("name", ["linear_regression", "logistic_regression", "tiny_network"])
def test_model001_each_model_loss_at_a_projectors_size(dash_duo, app, name, artifacts):
    open_sized(dash_duo, app, 1280, 720, f"?surface={name}&steps=200", runs=4)
    stars = [t for t in traces(dash_duo, "contour-graph") if (t["meta"] or {}).get("role") == "minima"]
    assert stars and len(stars[0]["x"]) == len(surfaces.get(name).minima)
    for uid, parts in runs_of(dash_duo).items():
        path = parts["path"]
        assert len(path["x"]) > 5 and (path["x"][0], path["y"][0]) != (path["x"][-1], path["y"][-1]), uid
    screenshot(dash_duo, artifacts, f"model-{name}-1280x720.png")
    assert dash_duo.get_logs() == []
