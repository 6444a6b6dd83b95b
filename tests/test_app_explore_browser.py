"""Beyond one run, in a headless Chromium: the sweep heatmap (a click adds exactly that cell's
run), the basin map, the noise fan and tuning, at a desktop's, a projector's and a phone's size.
Screenshots go to test-artifacts/ (look at them).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains

import optviz
import surfaces
from tests.test_app_browser import (by_id, dom_id, open_page, open_sized, press, runs_of, screenshot,
                                    search_of, type_into, visible)

FIGURE_JS = """
const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
if (!gd || !gd._fullData || !gd._fullData.length) return null;
return gd._fullData.map(t => ({
  type: t.type, name: t.name, role: (t.meta || {}).role || null,
  x: t.x ? Array.from(t.x).map(Number) : null, y: t.y ? Array.from(t.y).map(Number) : null,
  z: t.z ? Array.from(t.z).map(r => (r.length !== undefined ? Array.from(r) : r).map ?
        Array.from(r).map(v => v === null ? null : Number(v)) : Number(r)) : null,
}));
"""

# where a value of the sweep's axes is on the plot area, from its top-left corner (where
# selenium 4.2's move_to_element_with_offset counts from), for a real click
CELL_JS = """
const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
return {dx: xa.l2p(arguments[1]), dy: ya.l2p(arguments[2])};
"""


@pytest.fixture
def app(dash_app):
    return dash_app


def figure(duo, graph: str):
    return duo.driver.execute_script(FIGURE_JS, graph)


def open_panel(duo, tab: str | None = None):
    press(duo, "#explore-open")
    until(lambda: visible(duo, "#explore-tabs"), 5, msg="the explore panel never opened")
    if tab:
        choose_tab(duo, tab)


def choose_tab(duo, tab: str):
    """Click the label of the view ``tab`` in the panel's radio group."""
    label = duo.driver.execute_script(
        "const i = document.querySelector('#explore-tabs input[value=\"' + arguments[0] + '\"]');"
        "return i && document.querySelector('label[for=\"' + i.id + '\"]')", tab)
    duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", label)
    label.click()
    until(lambda: visible(duo, f"#explore-pane-{tab}"), 5, msg=f"the {tab} pane never showed")


def choose(duo, element_id: str, value: str):
    from selenium.webdriver.support.select import Select
    Select(by_id(duo, element_id)).select_by_value(value)


def role(traces, name):
    return [t for t in traces or [] if t["role"] == name]


def test_explore001_sweep_heatmap_and_a_click_adds_exactly_that_cell(dash_duo, app, artifacts):
    """Adam's lr x beta1 sweep on Rosenbrock: a heatmap over log10(lr), diverged cells in their
    own trace, the run's setting ringed; a real click on a cell adds that cell's run."""
    open_page(dash_duo, app, "?surface=rosenbrock&steps=200&run=adam:lr=0.05&run=gd:lr=0.001", runs=2)
    open_panel(dash_duo)
    until(lambda: role(figure(dash_duo, "sweep-graph"), "cells"), 10, msg="the sweep never drew")
    traces = figure(dash_duo, "sweep-graph")
    cells = role(traces, "cells")[0]
    assert cells["type"] == "heatmap"
    assert len(cells["x"]) == 40 and len(cells["y"]) == 40
    assert math.isclose(cells["x"][0], -4) and math.isclose(cells["x"][-1], 0), "lr runs over log10 of 1e-4 .. 1"
    expected = optviz.sweep("adam", "rosenbrock", steps=200, grid={
        "lr": [float(f"{v:.4g}") for v in np.geomspace(1e-4, 1, 40)],
        "beta1": [float(f"{v:.4g}") for v in np.linspace(0, 0.999, 40)]})
    assert role(traces, "diverged") or not expected.diverged.any()
    assert role(traces, "current"), "the run's own setting is marked"
    note = dash_duo.find_element("#sweep-note").text
    assert "Adam" in note and "1,600 settings of lr and beta1" in note and "Click a cell" in note
    dash_duo.driver.execute_script("document.getElementById('explore-panel').scrollIntoView({behavior: 'instant'})")
    screenshot(dash_duo, artifacts, "explore-sweep.png")

    # a real click on the cell (lr[30], beta1[10]) adds that run
    before = set(runs_of(dash_duo))
    i, j = 30, 10
    lr, beta1 = float(expected.values[0][i]), float(expected.values[1][j])
    offset = dash_duo.driver.execute_script(CELL_JS, "sweep-graph", math.log10(lr), beta1)
    drag = dash_duo.find_element("#sweep-graph .nsewdrag")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", drag)
    ActionChains(dash_duo.driver).move_to_element_with_offset(drag, round(offset["dx"]), round(offset["dy"])) \
        .click().perform()
    until(lambda: len(runs_of(dash_duo)) == 3, 10, msg="a click on a cell did not add its run")
    (uid,) = set(runs_of(dash_duo)) - before
    new = by_id(dash_duo, dom_id({"type": "hp", "run": uid, "name": "lr"}))
    assert float(new.get_attribute("value")) == lr
    beta = by_id(dash_duo, dom_id({"type": "hp", "run": uid, "name": "beta1"}))
    assert float(beta.get_attribute("value")) == beta1
    until(lambda: search_of(dash_duo).count("run=adam") == 2, 5, msg="the link has the new run")
    # the new run is the cell: its final loss is the cell's
    run = optviz.simulate("adam", "rosenbrock", steps=200, lr=lr, beta1=beta1)
    assert run.loss[-1] == expected.final_loss[i, j] or (run.diverged and expected.diverged[i, j])
    assert dash_duo.get_logs() == []


def test_explore002_basins_of_himmelblau_at_a_projectors_size(dash_duo, app, artifacts):
    """1280 x 720, presenting: GD's basin map on Himmelblau shows its four minima's basins."""
    open_sized(dash_duo, app, 1280, 720, "?surface=himmelblau&steps=300&run=gd:lr=0.01&present=on", runs=1)
    # presenting hides the control panel, not the views below the four
    open_panel(dash_duo, "basins")
    until(lambda: role(figure(dash_duo, "basins-graph"), "basins"), 10, msg="the basin map never drew")
    heat = role(figure(dash_duo, "basins-graph"), "basins")[0]
    assert len(heat["x"]) == 64 and len(heat["y"]) == 64
    expected = optviz.basins("gd", "himmelblau", resolution=64, steps=300, lr=0.01)
    assert sorted(set(np.unique(expected.minimum)) & {0, 1, 2, 3}) == [0, 1, 2, 3]
    z = np.array(heat["z"], dtype=float)
    assert np.array_equal(np.floor(z).astype(int), np.where(expected.minimum >= 0, expected.minimum, 4 + (expected.minimum == -2)))
    note = dash_duo.find_element("#basins-note").text
    assert "4 of 4 minima are reached" in note
    press(dash_duo, "#basins-graph")
    screenshot(dash_duo, artifacts, "explore-basins-1280x720-present.png")
    assert dash_duo.get_logs() == []


def test_explore003_noise_fan_on_a_phone(dash_duo, app, artifacts):
    """390 x 844: the fan draws 16 seeds and their mean; the same seeds draw the same fan."""
    open_sized(dash_duo, app, 390, 844, "?surface=rosenbrock&steps=150&run=momentum:lr=0.001,momentum=0.9",
               phone=True, runs=1)
    open_panel(dash_duo, "fan")
    until(lambda: role(figure(dash_duo, "fan-graph"), "mean"), 10, msg="the fan never drew")
    traces = figure(dash_duo, "fan-graph")
    rosenbrock = surfaces.get("rosenbrock")
    noise = float(f"{0.05 * np.hypot(*rosenbrock.gradient(*rosenbrock.start)):.2g}")   # a twentieth of the gradient
    expected = optviz.fan("momentum", "rosenbrock", n=16, noise=noise, steps=150, lr=0.001, momentum=0.9,
                          start=rosenbrock.start)
    mean = role(traces, "mean")[0]
    assert np.allclose(mean["x"][-1], expected.mean[-1, 0]) and np.allclose(mean["y"][-1], expected.mean[-1, 1])
    ends = role(traces, "ends")[0]
    assert len(ends["x"]) == 16
    assert f"σ = {noise:g}, seeds 0 to 15" in dash_duo.find_element("#fan-note").text
    width = dash_duo.driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    press(dash_duo, "#fan-graph")
    screenshot(dash_duo, artifacts, "explore-fan-390x844.png")
    assert dash_duo.get_logs() == []


def test_explore004_tune_all_makes_the_comparison_fair(dash_duo, app, artifacts):
    """"tune all" gives each run the learning rate tune finds, says what it found, and the link keeps it."""
    open_page(dash_duo, app, "?surface=rosenbrock&steps=200&run=adam:lr=0.001&run=momentum:lr=0.0001,momentum=0.9",
              runs=2)
    press(dash_duo, "#tune-all-button")
    until(lambda: visible(dash_duo, "#tune-report"), 15, msg="tuning never reported")
    report = dash_duo.find_element("#tune-report").text
    assert "Adam (run 1)" in report and "Momentum" in report and "lr =" in report
    found = optviz.tune("adam", "rosenbrock", steps=200, start=surfaces.get("rosenbrock").start)
    lr = float(by_id(dash_duo, dom_id({"type": "hp", "run": "r0", "name": "lr"})).get_attribute("value"))
    assert math.isclose(lr, float(f"{found.values['lr']:.3g}")) or math.isclose(lr, found.values["lr"])
    until(lambda: "0.001" not in search_of(dash_duo).split("run=adam")[1].split("&")[0], 5)
    press(dash_duo, "#tune-report")
    screenshot(dash_duo, artifacts, "tune-all.png")
    assert dash_duo.get_logs() == []


def test_explore005_a_bad_value_is_flagged_and_the_sweep_stays(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=100&run=adam:lr=0.05", runs=1)
    open_panel(dash_duo)
    until(lambda: role(figure(dash_duo, "sweep-graph"), "cells"), 10)
    before = role(figure(dash_duo, "sweep-graph"), "cells")[0]["x"]
    type_into(dash_duo, "sweep-x-to", "-3")
    until(lambda: visible(dash_duo, "#explore-alert"), 5)
    assert "lr" in dash_duo.find_element("#explore-alert").text
    until(lambda: "is-invalid" in by_id(dash_duo, "sweep-x-to").get_attribute("class"), 5)
    assert role(figure(dash_duo, "sweep-graph"), "cells")[0]["x"] == before
    type_into(dash_duo, "sweep-x-to", "0.1")
    until(lambda: math.isclose(role(figure(dash_duo, "sweep-graph"), "cells")[0]["x"][-1], -1), 10)
    until(lambda: not visible(dash_duo, "#explore-alert"), 5, msg="the alert stayed after the value was fixed")
    assert dash_duo.get_logs() == []


def test_explore006_a_new_surface_retunes_the_default_runs_and_their_cards_show_it(dash_duo, app, artifacts):
    """The runs the app set up get the new surface's settings, and their cards show them (so the
    next change does not read the old ones back)."""
    from optviz.ui import controller
    from optviz.ui import state as S
    open_page(dash_duo, app, runs=4)
    choose(dash_duo, "surface-select", "himmelblau")
    moved, _ = controller.set_surface(S.default_config(), "himmelblau")
    uids = [r.uid for r in moved.runs]

    def card_lrs():   # read in one script: the cards are being replaced
        return [float(v) if v else None for v in dash_duo.driver.execute_script(
            "return arguments[0].map(id => (document.getElementById(id) || {}).value)",
            [dom_id({"type": "hp", "run": uid, "name": "lr"}) for uid in uids])]

    until(lambda: card_lrs() == [r.values["lr"] for r in moved.runs], 15,
          msg="the run cards do not show the new surface's learning rates")
    # another change keeps them (and the link has them)
    type_into(dash_duo, "steps-input", "301")
    until(lambda: "steps=301" in search_of(dash_duo), 10)
    assert card_lrs() == [r.values["lr"] for r in moved.runs]
    assert dash_duo.get_logs() == []


def test_explore007_the_open_panel_passes_axe(dash_duo, app, artifacts):
    """The panel open on each tab, with a bad value flagged: no serious or critical axe violation."""
    from tests.test_app_a11y import axe_scan
    open_page(dash_duo, app, "?surface=himmelblau&steps=100&run=adam:lr=0.05", runs=1)
    open_panel(dash_duo)
    until(lambda: role(figure(dash_duo, "sweep-graph"), "cells"), 10)
    type_into(dash_duo, "sweep-x-points", "1")
    until(lambda: visible(dash_duo, "#explore-alert"), 5)
    axe_scan(dash_duo, artifacts, "explore-sweep")
    for tab, graph, trace in (("basins", "basins-graph", "basins"), ("fan", "fan-graph", "mean")):
        choose_tab(dash_duo, tab)
        until(lambda: role(figure(dash_duo, graph), trace), 10)
        axe_scan(dash_duo, artifacts, f"explore-{tab}")


def test_explore008_the_panel_travels_in_the_share_link(dash_duo, app, artifacts):
    """A link with explore=... opens the panel on that view with those settings; what the panel
    then shows is in the address, and the same address shows it again."""
    open_page(dash_duo, app, "?surface=himmelblau&steps=200&run=gd:lr=0.01&run=adam:lr=0.1"
                             "&explore=basins:run=2,resolution=30", runs=2)
    until(lambda: role(figure(dash_duo, "basins-graph"), "basins"), 15, msg="the link did not open the basin map")
    heat = role(figure(dash_duo, "basins-graph"), "basins")[0]
    assert len(heat["x"]) == 30 and "Adam" in dash_duo.find_element("#basins-note").text
    assert by_id(dash_duo, "basins-resolution").get_attribute("value") == "30"
    until(lambda: "explore=basins:run=2,resolution=30" in search_of(dash_duo), 5)
    # another view and setting: the address follows
    choose_tab(dash_duo, "sweep")
    until(lambda: role(figure(dash_duo, "sweep-graph"), "cells"), 10)
    type_into(dash_duo, "sweep-x-points", "25")
    until(lambda: "explore=sweep:run=2,x_points=25" in search_of(dash_duo), 10, msg=search_of(dash_duo))
    address = dash_duo.driver.current_url
    dash_duo.driver.get(address)
    dash_duo.wait_for_element("#contour-graph .js-plotly-plot", timeout=20)
    until(lambda: role(figure(dash_duo, "sweep-graph"), "cells"), 15, msg="the same address did not show the sweep")
    assert len(role(figure(dash_duo, "sweep-graph"), "cells")[0]["x"]) == 25
    assert dash_duo.find_element("#explore-tabs input[value='sweep']").is_selected()
    # closing the panel takes it out of the address
    press(dash_duo, "#explore-open")
    until(lambda: "explore=" not in search_of(dash_duo), 5)
    assert dash_duo.get_logs() == []
