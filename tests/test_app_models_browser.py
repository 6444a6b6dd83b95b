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


def test_model002_the_minibatch_lesson_and_a_runs_own_batch(dash_duo, app, artifacts):
    """The lesson draws the minibatch run's small cloud beside the Gaussian run's long smear; a
    batch typed into a run's own conditions goes into the link and changes its path."""
    from dash.testing.wait import until

    from tests.test_app_browser import by_id, dom_id, search_of, type_into
    open_sized(dash_duo, app, 1280, 720, "?lesson=minibatch", runs=2)
    screenshot(dash_duo, artifacts, "model-lesson-minibatch-1280x720.png")
    assert "a random batch of 8 points" in dash_duo.find_element("#lesson-caption").get_attribute("textContent")
    before = runs_of(dash_duo)["r0"]["path"]["x"][-1]
    box = dom_id({"type": "cond", "run": "r0", "name": "batch"})
    assert by_id(dash_duo, box).get_attribute("value") == "8", "the lesson's run shows its batch (its conditions open)"
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})",
                                   by_id(dash_duo, box))
    type_into(dash_duo, box, "16")
    until(lambda: ";batch=16" in search_of(dash_duo), 10, msg="the run's batch never reached the link")
    until(lambda: runs_of(dash_duo)["r0"]["path"]["x"][-1] != before, 10)
    assert dash_duo.get_logs() == []
