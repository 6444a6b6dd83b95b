"""The app in a headless Chromium (dash_duo): what a user sees and does.

Figures are read from the page the way Plotly holds them (``_fullData``: base64 arrays decoded).
Each test ends with a clean browser console.  Screenshots go to test-artifacts/ (look at them).
"""
from __future__ import annotations

import json
import time

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

TRACES_JS = """
const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
if (!gd || !gd._fullData) return null;
return gd._fullData.map(t => ({
  name: t.name, meta: t.meta || null, type: t.type,
  x: t.x ? Array.from(t.x).map(Number) : null, y: t.y ? Array.from(t.y).map(Number) : null,
  color: t.line ? t.line.color : null,
  steps: t.customdata ? Array.from(t.customdata).map(Number) : null,
}));
"""


@pytest.fixture
def app(dash_app):
    return dash_app


def dom_id(pattern: dict) -> str:
    """The DOM id Dash gives a pattern-matching id."""
    return json.dumps(pattern, sort_keys=True, separators=(",", ":"))


def traces(duo, graph: str):
    return duo.driver.execute_script(TRACES_JS, graph)


def runs_of(duo, graph: str = "contour-graph") -> dict:
    """run uid -> {"path": trace, "marker": trace} on one graph."""
    out: dict = {}
    for t in traces(duo, graph) or []:
        meta = t["meta"] or {}
        if meta.get("role") in ("path", "marker"):
            out.setdefault(meta["run"], {})[meta["role"]] = t
    return out


def wait_ready(duo, runs: int | None = None, timeout: float = 15):
    """Until every view has drawn (and the map shows ``runs`` runs, if given)."""
    def ready():
        for graph in ("contour-graph", "surface3d-graph", "loss-graph", "distance-graph"):
            if not traces(duo, graph) and graph != "distance-graph":
                return False
        return runs is None or len(runs_of(duo)) == runs
    until(ready, timeout, msg="the views never finished drawing")


def open_page(duo, app, search: str = "", runs: int | None = None):
    duo.start_server(app)
    if search:
        duo.driver.get(duo.server_url + "/" + search)
    duo.wait_for_element("#contour-graph .js-plotly-plot", timeout=20)
    wait_ready(duo, runs)


def drawn(path: dict, step: int) -> tuple[float, float]:
    """The point a path draws for ``step``: the last drawn point at or before it (long runs are
    thinned by shape; the step of each drawn point is the trace's customdata)."""
    i = max(j for j, s in enumerate(path["steps"]) if s <= step)
    return path["x"][i], path["y"][i]


def by_id(duo, element_id: str):
    """The element with this DOM id (selenium's By.ID cannot take the quotes of a JSON id)."""
    elem = duo.driver.execute_script("return document.getElementById(arguments[0])", element_id)
    assert elem is not None, f"no element with id {element_id}"
    return elem


def type_into(duo, element_id: str, text: str):
    elem = by_id(duo, element_id)
    elem.send_keys(Keys.CONTROL, "a")
    elem.send_keys(Keys.DELETE)
    elem.send_keys(text, Keys.ENTER)


def search_of(duo) -> str:
    return duo.driver.execute_script("return window.location.search")


def screenshot(duo, artifacts, name: str):
    duo.driver.save_screenshot(str(artifacts / name))


# -- tests -----------------------------------------------------------------------------------------
def test_app001_default_view_loads_clean(dash_duo, app, artifacts):
    open_page(dash_duo, app)
    runs = runs_of(dash_duo)
    assert 3 <= len(runs) <= 8, "the first view compares several runs"
    for uid, parts in runs.items():
        path = parts["path"]
        assert len(path["x"]) > 10, f"run {uid}'s whole path is drawn from the first render"
        assert all(v == v for v in path["x"] + path["y"]), "no NaN in paths"
    colors = [p["path"]["color"] for p in runs.values()]
    assert len(set(colors)) == len(colors), "each run has its own colour"
    for graph in ("surface3d-graph", "loss-graph"):
        assert set(runs_of(dash_duo, graph)) == set(runs), f"{graph} shows the same runs"
    legend = dash_duo.find_element("#legend-bar").text
    assert "lr=" in legend
    dash_duo.wait_for_text_to_equal("#surface-select", dash_duo.find_element("#surface-select").text)
    assert "surface=" in search_of(dash_duo) and "run=" in search_of(dash_duo), "the URL describes the view"
    screenshot(dash_duo, artifacts, "default-view.png")
    assert dash_duo.get_logs() == []


def test_app002_learning_rate_changes_the_path(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&start=-1.2,1&steps=200&run=adam:lr=0.01&run=adam:lr=0.1", runs=2)
    before = runs_of(dash_duo)
    assert set(before) == {"r0", "r1"}
    assert "Adam lr=0.01" in before["r0"]["path"]["name"] and "Adam lr=0.1" in before["r1"]["path"]["name"]
    type_into(dash_duo, dom_id({"type": "hp", "run": "r0", "name": "lr"}), "0.05")
    until(lambda: runs_of(dash_duo)["r0"]["path"]["x"] != before["r0"]["path"]["x"], 10,
          msg="changing the learning rate did not change the path")
    after = runs_of(dash_duo)
    assert "lr=0.05" in after["r0"]["path"]["name"]
    assert after["r1"]["path"]["x"] == before["r1"]["path"]["x"], "the other run is untouched"
    assert after["r1"]["path"]["color"] == before["r1"]["path"]["color"]
    until(lambda: "run=adam:lr=0.05" in search_of(dash_duo), 5, msg="the URL follows the change")
    # the slider follows the typed value (log10 scale: 0.05 -> -1.30)
    slider = by_id(dash_duo, dom_id({"type": "hp-slider", "run": "r0", "name": "lr"})).find_element(
        By.CSS_SELECTOR, "[role=slider]")
    assert abs(float(slider.get_attribute("aria-valuenow")) - (-1.30103)) < 0.02
    assert dash_duo.get_logs() == []


def test_app003_click_on_map_moves_the_start(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=100&run=adam:lr=0.05&run=momentum:lr=0.01&run=nelder_mead",
              runs=3)
    legend = dash_duo.find_element("#legend-bar").text
    assert "diverged at step" in legend, legend
    assert any("diverged at step" in t["name"] for t in traces(dash_duo, "contour-graph") if t["name"])
    assert [t for t in traces(dash_duo, "contour-graph") if (t["meta"] or {}).get("role") == "simplex"]
    screenshot(dash_duo, artifacts, "diverged-and-simplex.png")
    graph = dash_duo.find_element("#contour-graph .nsewdrag")
    # click at 3/4 of the width and 1/4 of the height of the plot area
    rect = graph.rect
    dash_duo.driver.execute_script("""
        const el = arguments[0], r = el.getBoundingClientRect();
        const opts = {bubbles: true, clientX: r.left + r.width * 0.75, clientY: r.top + r.height * 0.25};
        el.dispatchEvent(new MouseEvent('mousedown', opts));
        el.dispatchEvent(new MouseEvent('mouseup', opts));
        el.dispatchEvent(new MouseEvent('click', opts));
    """, graph)
    until(lambda: dash_duo.find_element("#start-x").get_attribute("value") not in ("-1.2", ""), 10,
          msg="clicking the map did not move the start")
    x = float(dash_duo.find_element("#start-x").get_attribute("value"))
    y = float(dash_duo.find_element("#start-y").get_attribute("value"))
    assert 0.5 < x < 1.5 and 1.5 < y < 2.5, (x, y, rect)  # the window is x in [-2, 2], y in [-1, 3]
    until(lambda: abs(runs_of(dash_duo)["r0"]["path"]["x"][0] - x) < 1e-6, 10, msg="the path does not start there")
    assert abs(runs_of(dash_duo)["r0"]["path"]["y"][0] - y) < 1e-6
    assert f"start={x:g},{y:g}" in search_of(dash_duo)
    assert dash_duo.get_logs() == []


def test_app004_url_round_trip(dash_duo, app, artifacts):
    link = ("?surface=quadratic:condition=50&start=-2,1&steps=150&noise=0.1&seed=7&schedule=step:step_size=30"
            "&run=momentum:lr=0.02&run=adam:lr=0.2,beta1=0.8")
    open_page(dash_duo, app, link, runs=2)
    assert dash_duo.find_element("#surface-select").get_attribute("value") == "quadratic"
    assert dash_duo.find_element("#steps-input").get_attribute("value") == "150"
    assert dash_duo.find_element("#start-x").get_attribute("value") == "-2"
    assert dash_duo.find_element("#noise-input").get_attribute("value") == "0.1"
    assert dash_duo.find_element("#schedule-select").get_attribute("value") == "step"
    lr = by_id(dash_duo, dom_id({"type": "hp", "run": "r1", "name": "lr"}))
    assert lr.get_attribute("value") == "0.2"
    beta1 = by_id(dash_duo, dom_id({"type": "hp", "run": "r1", "name": "beta1"}))
    assert beta1.get_attribute("value") == "0.8"
    cond = by_id(dash_duo, dom_id({"type": "hp", "run": "surface", "name": "condition"}))
    assert cond.get_attribute("value") == "50"
    assert runs_of(dash_duo)["r0"]["path"]["steps"][-1] == 150
    # the page writes back exactly the link it was opened with
    until(lambda: search_of(dash_duo) == link, 5, msg=f"URL {search_of(dash_duo)!r} != {link!r}")
    type_into(dash_duo, "steps-input", "80")
    until(lambda: "steps=80" in search_of(dash_duo), 10, msg="changing steps did not update the URL")
    until(lambda: runs_of(dash_duo)["r0"]["path"]["steps"][-1] == 80, 10)
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#url-alert"), "a clean link shows no warning"
    assert dash_duo.get_logs() == []


def test_app005_play_moves_the_markers(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=1000&run=gd:lr=0.001&run=momentum:lr=0.001"
                             "&run=adam:lr=0.05&run=rmsprop&run=adam:lr=0.01&run=momentum:lr=0.0005,momentum=0.95"
                             "&run=rmsprop:lr=0.002&run=gd:lr=0.0015", runs=8)
    dash_duo.find_element("#step-first-button").click()
    dash_duo.wait_for_text_to_equal("#step-readout", "step 0 / 1,000")

    def marker(graph="contour-graph", uid="r2"):
        m = runs_of(dash_duo, graph)[uid]["marker"]
        return m["x"][0], m["y"][0]

    start = marker()
    Select(dash_duo.find_element("#speed-select")).select_by_value("150")
    dash_duo.find_element("#play-button").click()
    dash_duo.wait_for_contains_text("#play-button", "pause")
    until(lambda: marker() != start, 5, msg="playing did not move the marker")
    seen = {marker()}
    t0 = time.time()
    while time.time() - t0 < 1.5:
        seen.add(marker())
        time.sleep(0.1)
    assert len(seen) >= 5, f"the marker moved in only {len(seen)} distinct places in 1.5 s"
    screenshot(dash_duo, artifacts, "playing.png")
    assert "pause" in dash_duo.find_element("#play-button").text, "still playing (1,000 steps at 150/s)"
    dash_duo.find_element("#play-button").click()  # pause
    dash_duo.wait_for_contains_text("#play-button", "play")
    time.sleep(0.3)
    paused = marker()
    time.sleep(0.5)
    assert marker() == paused, "pause stops the markers"
    step = int(dash_duo.find_element("#step-readout").text.split()[1].replace(",", ""))
    assert 0 < step < 1000
    # every view moved to that step, with the same run at the same iterate
    path = runs_of(dash_duo)["r2"]["path"]
    assert marker() == drawn(path, step)
    loss = runs_of(dash_duo, "loss-graph")["r2"]
    assert loss["marker"]["x"][0] == drawn(loss["path"], step)[0] <= step
    dash_duo.find_element("#step-forward-button").click()
    dash_duo.wait_for_text_to_equal("#step-readout", f"step {step + 1:,} / 1,000")
    until(lambda: marker() == drawn(path, step + 1), 3)
    assert dash_duo.get_logs() == []


def test_app006_bad_link_shows_a_message_and_a_working_page(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=nowhere&steps=abc&run=warp:lr=1&run=adam:lr=500,zeta=2&start=1,2,3",
              runs=1)
    dash_duo.wait_for_element("#url-alert", timeout=10)
    text = dash_duo.find_element("#url-alert").text
    for expected in ("nowhere", "rosenbrock", "steps", "warp", "adam", "lr", "zeta", "start"):
        assert expected in text, f"the message names {expected!r}: {text}"
    assert dash_duo.find_element("#surface-select").get_attribute("value") == "rosenbrock"
    assert dash_duo.find_element("#steps-input").get_attribute("value") == "300"
    adam = runs_of(dash_duo)["r0"]["path"]
    assert "Adam lr=0.001" in adam["name"], "the bad lr fell back to Adam's default; the run is kept"
    screenshot(dash_duo, artifacts, "bad-link.png")
    assert dash_duo.get_logs() == []


def test_app007_invalid_typed_value_keeps_the_figure(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=100&run=adam:lr=0.05", runs=1)
    before = runs_of(dash_duo)["r0"]["path"]["x"]
    lr_id = dom_id({"type": "hp", "run": "r0", "name": "lr"})
    type_into(dash_duo, lr_id, "50")
    until(lambda: "is-invalid" in by_id(dash_duo, lr_id).get_attribute("class"), 10,
          msg="an out-of-range lr is not flagged")
    alert = dash_duo.find_element("#controls-alert").text
    assert "lr must be a number in (0, 10]" in alert and "50" in alert
    assert by_id(dash_duo, lr_id).get_attribute("value") == "50", "what was typed stays"
    assert runs_of(dash_duo)["r0"]["path"]["x"] == before, "the figure keeps the last good run"
    type_into(dash_duo, "steps-input", "-3")
    until(lambda: "is-invalid" in dash_duo.find_element("#steps-input").get_attribute("class"), 10)
    screenshot(dash_duo, artifacts, "invalid-input.png")
    type_into(dash_duo, lr_id, "0.2")
    until(lambda: "is-invalid" not in by_id(dash_duo, lr_id).get_attribute("class"), 10)
    until(lambda: runs_of(dash_duo)["r0"]["path"]["x"] != before, 10)
    assert dash_duo.get_logs() == []


def test_app008_add_duplicate_remove_keep_colours(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=50&run=adam:lr=0.05&run=momentum:lr=0.001", runs=2)
    colours = {uid: r["path"]["color"] for uid, r in runs_of(dash_duo).items()}
    by_id(dash_duo, dom_id({"type": "run-duplicate", "run": "r0"})).click()
    until(lambda: len(runs_of(dash_duo)) == 3, 10, msg="duplicate did not add a run")
    dash_duo.find_element("#add-run-button").click()
    until(lambda: len(runs_of(dash_duo)) == 4, 10, msg="add did not add a run")
    by_id(dash_duo, dom_id({"type": "run-remove", "run": "r0"})).click()
    until(lambda: "r0" not in runs_of(dash_duo), 10, msg="remove did not remove the run")
    now = runs_of(dash_duo)
    assert now["r1"]["path"]["color"] == colours["r1"], "a run keeps its colour when another is removed"
    assert len({r["path"]["color"] for r in now.values()}) == 3
    assert now["r2"]["path"]["name"].startswith("Adam lr=0.05"), "the duplicate copies the hyperparameters"
    until(lambda: search_of(dash_duo).count("run=") == 3, 5)
    screenshot(dash_duo, artifacts, "runs-edited.png")
    assert dash_duo.get_logs() == []


def test_app009_a_run_off_the_map_keeps_its_marker_on_the_edge(dash_duo, app, artifacts):
    """RMSprop escapes the saddle through the top of the window; its marker stays on the edge,
    following the run along it, and comes back to the path at the start."""
    open_page(dash_duo, app, "?surface=saddle&start=1,0.001&steps=150&run=rmsprop:lr=0.01", runs=1)

    def marker():
        m = runs_of(dash_duo)["r0"]["marker"]
        return m["x"][0], m["y"][0]

    path = runs_of(dash_duo)["r0"]["path"]
    assert max(path["y"]) > 1.5, "the run leaves the window (y up to 1.5)"
    x, y = marker()   # at the last step, as drawn by the server
    assert y == 1.5 and abs(x - path["x"][-1]) < 1e-6
    dash_duo.find_element("#step-first-button").click()
    dash_duo.wait_for_text_to_equal("#step-readout", "step 0 / 150")
    until(lambda: marker() == (path["x"][0], path["y"][0]), 3, msg="the marker went back to the start")
    dash_duo.find_element("#step-last-button").click()
    dash_duo.wait_for_text_to_equal("#step-readout", "step 150 / 150")
    until(lambda: marker()[1] == 1.5, 3, msg="off the map, the marker is pinned to the edge by optviz.js")
    screenshot(dash_duo, artifacts, "off-map-marker.png")
    assert dash_duo.get_logs() == []


def test_app010_a_run_stopped_on_the_work_limit_says_so(dash_duo, app, artifacts):
    """The link that used to take the site down: every run stops on the request's work limit,
    the legend says where, and the message above the views says why and how to stay under it."""
    hp = "max_eval=1000,history_size=1000,tolerance_grad=0,tolerance_change=0,line_search_fn=strong_wolfe"
    link = "?surface=goldstein_price&steps=100000&noise=0.5&" + "&".join(
        f"run=lbfgs:lr={lr},{hp}" for lr in (1000, 500, 200, 100, 50, 20, 10, 2))
    open_page(dash_duo, app, link, runs=8)
    legend = dash_duo.find_element("#legend-bar").text
    assert legend.count("stopped at step") == 8 and "(work limit)" in legend
    dash_duo.wait_for_element("#sim-alert", timeout=10)
    alert = dash_duo.find_element("#sim-alert").text
    assert "units of work" in alert and "max_eval" in alert and "fewer steps" in alert
    screenshot(dash_duo, artifacts, "work-limit.png")
    assert dash_duo.get_logs() == []


def test_app011_the_update_rule_is_typeset_under_the_content_security_policy(dash_duo, app, artifacts):
    """The page runs with a strict CSP (no eval, no inline script but Dash's own, by hash): the
    3-D view and MathJax's formulas still draw, with a clean console."""
    open_page(dash_duo, app, "?surface=rosenbrock&steps=50&run=adam:lr=0.05", runs=1)
    toggle = by_id(dash_duo, dom_id({"type": "about-toggle", "run": "r0"}))
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", toggle)
    until(lambda: dash_duo.driver.execute_script("return document.querySelectorAll('mjx-container').length") > 0,
          15, msg="the update rule was not typeset")
    assert dash_duo.driver.execute_script("return document.querySelectorAll('#surface3d-graph canvas').length") > 0
    screenshot(dash_duo, artifacts, "about-adam.png")
    assert dash_duo.get_logs() == []


# -- the teaching layer ----------------------------------------------------------------------------
PATH_D_JS = """
const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
const out = {};
for (const g of gd.querySelectorAll('g.trace.scatter')) {
  const t = g.__data__ && g.__data__[0] && g.__data__[0].trace;
  if (!t || !t.meta || t.meta.role !== 'path') continue;
  const line = g.querySelector('path.js-line');
  const d = line ? line.getAttribute('d') : '';
  const points = Array.from(g.querySelectorAll('path.point')).filter(p => p.style.display !== 'none').length;
  out[t.meta.run] = {vertices: (d.match(/[ML]/g) || []).length, points: points};
}
return out;
"""


def test_app012_every_lesson_opens_clean(dash_duo, app, artifacts):
    from optviz import lessons
    dash_duo.start_server(app)
    for name in lessons.names():
        lesson = lessons.get(name)
        dash_duo.driver.get(dash_duo.server_url + f"/?lesson={name}")
        dash_duo.wait_for_element("#contour-graph .js-plotly-plot", timeout=20)
        wait_ready(dash_duo, len(lesson.scene.runs))
        until(lambda: lesson.title in dash_duo.find_element("#lesson-caption").text, 10)
        assert dash_duo.find_element("#lesson-select").get_attribute("value") == name
        assert f"lesson={name}" in search_of(dash_duo)
        dash_duo.wait_for_text_to_equal("#step-readout", f"step 0 / {lesson.scene.steps:,}")
        dash_duo.find_element("#step-last-button").click()
        dash_duo.wait_for_text_to_equal("#step-readout", f"step {lesson.scene.steps:,} / {lesson.scene.steps:,}")
        time.sleep(0.5)
        screenshot(dash_duo, artifacts, f"lesson-{name}.png")
        assert dash_duo.get_logs() == [], name


def test_app013_reveal_draws_exactly_the_steps_up_to_the_current_one(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?lesson=learning_rate", runs=3)
    for graph in ("contour-graph", "loss-graph"):
        until(lambda: all(v["vertices"] == 1 for v in dash_duo.driver.execute_script(PATH_D_JS, graph).values()), 5,
              msg=f"{graph}: at step 0 only the start is drawn")
    for _ in range(7):
        dash_duo.find_element("#step-forward-button").click()
    dash_duo.wait_for_text_to_equal("#step-readout", "step 7 / 30")
    for graph in ("contour-graph", "loss-graph"):
        until(lambda: all(v["vertices"] == 8 for v in dash_duo.driver.execute_script(PATH_D_JS, graph).values()), 5,
              msg=f"{graph}: at step 7 the paths have exactly the points of steps 0..7")
    drawn = dash_duo.driver.execute_script(PATH_D_JS, "contour-graph")
    assert set(drawn) == {"r0", "r1", "r2"} and all(v["points"] == 8 for v in drawn.values())
    screenshot(dash_duo, artifacts, "reveal-step-7.png")
    dash_duo.find_element("#reveal-switch").click()   # off: whole paths again
    until(lambda: all(v["vertices"] > 8 for v in dash_duo.driver.execute_script(PATH_D_JS, "contour-graph").values()),
          10, msg="reveal off draws every path whole")
    until(lambda: "reveal=off" in search_of(dash_duo), 5)
    assert dash_duo.get_logs() == []


def test_app014_a_run_sets_its_own_conditions_in_its_card(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=200&run=gd:lr=0.001&run=gd:lr=0.001", runs=2)
    before = runs_of(dash_duo)["r1"]["path"]["x"]
    card = by_id(dash_duo, dom_id({"type": "run-card", "run": "r1"}))
    summary = card.find_element(By.CSS_SELECTOR, ".own-conditions > summary")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click()", summary)
    type_into(dash_duo, dom_id({"type": "cond", "run": "r1", "name": "noise"}), "0.5")
    until(lambda: ";noise=0.5" in search_of(dash_duo), 10, msg="the link carries the run's own noise")
    until(lambda: runs_of(dash_duo)["r1"]["path"]["x"] != before, 10)
    assert runs_of(dash_duo)["r0"]["path"]["name"] == "Gradient descent lr=0.001", "the other run is untouched"
    until(lambda: "noise 0.5" in dash_duo.find_element("#legend-bar").text, 5)
    screenshot(dash_duo, artifacts, "own-conditions.png")
    assert dash_duo.get_logs() == []


def test_app015_a_lesson_from_the_picker_and_the_inspector(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=50&run=adam:lr=0.05", runs=1)
    Select(dash_duo.find_element("#lesson-select")).select_by_value("saddle")
    until(lambda: "A saddle point" in dash_duo.find_element("#lesson-caption").text, 10)
    until(lambda: "lesson=saddle" in search_of(dash_duo) and len(runs_of(dash_duo)) >= 4, 10)
    assert dash_duo.find_element("#surface-select").get_attribute("value") == "saddle"
    numbers = dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#overlay-options input')).find(i => i.value === 'numbers')")
    dash_duo.driver.execute_script("arguments[0].click()", numbers)
    until(lambda: len(dash_duo.find_elements("#step-inspector .inspector-run")) >= 4, 10,
          msg="the inspector shows every run")
    assert "position (x, y)" in dash_duo.find_element("#step-inspector").text
    screenshot(dash_duo, artifacts, "inspector.png")
    assert dash_duo.get_logs() == []


def test_app016_back_and_forward_undo_and_redo_and_a_click_is_never_snapped(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=50&run=adam:lr=0.05", runs=1)
    first = search_of(dash_duo)
    type_into(dash_duo, "steps-input", "80")
    until(lambda: "steps=80" in search_of(dash_duo), 10)
    # a click just beside the minimum's star at (1, 1): the start is where the pointer was
    graph = dash_duo.find_element("#contour-graph .nsewdrag")
    dash_duo.driver.execute_script("""
        const el = arguments[0], gd = document.querySelector('#contour-graph .js-plotly-plot');
        const r = el.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const opts = {bubbles: true, clientX: r.left + xa.c2p(1.05), clientY: r.top + ya.c2p(0.95)};
        el.dispatchEvent(new MouseEvent('click', opts));
    """, graph)
    until(lambda: "start=1.0" in search_of(dash_duo), 10, msg="the click did not move the start")
    x = float(dash_duo.find_element("#start-x").get_attribute("value"))
    y = float(dash_duo.find_element("#start-y").get_attribute("value"))
    assert abs(x - 1.05) < 0.02 and abs(y - 0.95) < 0.02 and (x, y) != (1.0, 1.0), "not snapped onto the star"
    dash_duo.driver.back()
    until(lambda: "start=-1.2,1" in search_of(dash_duo) and "steps=80" in search_of(dash_duo), 10,
          msg="Back undoes the click")
    until(lambda: dash_duo.find_element("#start-x").get_attribute("value") == "-1.2", 10)
    dash_duo.driver.back()
    until(lambda: search_of(dash_duo) == first, 10, msg="Back again undoes the steps")
    until(lambda: dash_duo.find_element("#steps-input").get_attribute("value") == "50", 10)
    dash_duo.driver.forward()
    until(lambda: "steps=80" in search_of(dash_duo), 10, msg="Forward redoes")
    until(lambda: dash_duo.find_element("#steps-input").get_attribute("value") == "80", 10)
    assert dash_duo.driver.current_url.startswith(dash_duo.server_url), "still in the app"
    assert dash_duo.get_logs() == []


def test_app017_the_legend_follows_the_step_and_hides_a_run(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=100&run=adam:lr=0.05&run=bfgs&run=momentum:lr=0.01", runs=3)
    legend = dash_duo.find_element("#legend-bar").text
    assert "final f" in legend and "BFGS lr" not in legend, "BFGS's lr is not a step size: not in its label"
    dash_duo.find_element("#step-first-button").click()
    for _ in range(3):
        dash_duo.find_element("#step-forward-button").click()
    dash_duo.wait_for_text_to_equal("#step-readout", "step 3 / 100")
    from optviz import runner
    from optviz.ui import urlstate as U
    config = U.parse(search_of(dash_duo))[0]
    adam = runner.simulate_config(config)[0]
    until(lambda: f"f = {float(f'{adam.loss[3]:.3g}'):g}" in dash_duo.find_element("#legend-bar").text, 5,
          msg="the legend shows f at step 3")
    dash_duo.find_element("#step-last-button").click()
    until(lambda: "final f" in dash_duo.find_element("#legend-bar").text, 5)
    assert "diverged at step" in dash_duo.find_element("#legend-bar").text
    item = dash_duo.find_element("#legend-bar .legend-item[data-run='r0']")
    item.click()
    hidden_js = ("const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');"
                 "const mine = gd.data.filter(t => t.meta && t.meta.run === 'r0');"
                 "return mine.length > 0 && mine.every(t => t.visible === false)")
    until(lambda: dash_duo.driver.execute_script(hidden_js, "contour-graph"), 5,
          msg="a click on the legend hides the run on the map")
    for graph in ("surface3d-graph", "loss-graph", "distance-graph"):
        assert dash_duo.driver.execute_script(hidden_js, graph), graph
    assert item.get_attribute("aria-pressed") == "false"
    screenshot(dash_duo, artifacts, "legend-hidden-run.png")
    item.send_keys(Keys.ENTER)   # and back, from the keyboard
    until(lambda: item.get_attribute("aria-pressed") == "true", 5)
    assert dash_duo.get_logs() == []


# -- screen sizes: a projector and a phone (Chrome's device emulation, as DevTools does it) -------
def emulate(duo, width: int, height: int, phone: bool = False):
    """Make the page ``width`` x ``height`` CSS pixels; a phone also gets touch (a coarse pointer)."""
    duo.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 2 if phone else 1, "mobile": phone})
    duo.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": phone, "maxTouchPoints": 5})


PLOT_AREA_JS = """
const drag = document.querySelector('#' + arguments[0] + ' .nsewdrag');
if (!drag) return null;
const r = drag.getBoundingClientRect();
return {width: r.width, height: r.height, top: r.top};
"""


def open_sized(duo, app, width: int, height: int, search: str, phone: bool = False, runs: int | None = None):
    duo.start_server(app)
    emulate(duo, width, height, phone)
    duo.driver.get(duo.server_url + "/" + search)
    duo.wait_for_element("#contour-graph .js-plotly-plot", timeout=20)
    wait_ready(duo, runs)


def press(duo, selector: str):
    """Scroll ``selector`` to the middle of the (emulated) screen and click it."""
    elem = duo.find_element(selector)
    duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", elem)
    elem.click()
    return elem


def visible(duo, selector: str) -> bool:
    return duo.driver.execute_script(
        "const e = document.querySelector(arguments[0]); if (!e) return false;"
        "const r = e.getBoundingClientRect(), s = getComputedStyle(e);"
        "return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0"
        " && r.right > 0 && r.left < window.innerWidth", selector)


def test_app018_presentation_mode_at_a_projectors_size(dash_duo, app, artifacts):
    """1280 x 720: no control panel, the map's plot at least 550 px square, larger lines; the
    switch and the link agree; a view fills the window and Escape brings all four back."""
    open_sized(dash_duo, app, 1280, 720, "?surface=rosenbrock&steps=150&run=adam:lr=0.05&run=momentum:lr=0.001"
               "&present=on", runs=2)
    until(lambda: "presenting" in (dash_duo.find_element("#page-root").get_attribute("class") or ""), 5)
    assert not visible(dash_duo, ".sidebar"), "presentation mode hides the control panel"
    until(lambda: (dash_duo.driver.execute_script(PLOT_AREA_JS, "contour-graph") or {}).get("height", 0) >= 550, 8,
          msg="the map's plot area is at least 550 px high when presenting at 1280 x 720")
    area = dash_duo.driver.execute_script(PLOT_AREA_JS, "contour-graph")
    assert area["width"] >= 550, area
    widths = [t["line"]["width"] for t in dash_duo.driver.execute_script(
        "return document.querySelector('#contour-graph .js-plotly-plot')._fullData"
        ".filter(t => t.meta && t.meta.role === 'path').map(t => ({line: {width: t.line.width}}))")]
    screenshot(dash_duo, artifacts, "present-1280x720.png")
    assert visible(dash_duo, "#legend-bar") and dash_duo.driver.execute_script(
        "return document.querySelector('#legend-bar').getBoundingClientRect().left") > area["width"], \
        "presenting, the legend is a column beside the map"
    until(lambda: "Rosenbrock" in dash_duo.find_element("#legend-bar .legend-surface").text, 5,
          msg="presenting, the legend names the surface (the control panel that does is hidden)")
    dash_duo.wait_for_element("#legend-bar .legend-surface mjx-container", timeout=10)
    # the 3-D view fills the screen under the playback bar; Escape brings all four back
    press(dash_duo, ".view-3-D .fill-button")
    until(lambda: dash_duo.find_element("#page-root").get_attribute("data-filled") == "3-D", 3)
    assert not visible(dash_duo, ".view-map") and not visible(dash_duo, ".view-loss")
    box = "return document.querySelector(arguments[0]).getBoundingClientRect().toJSON()"
    until(lambda: dash_duo.driver.execute_script(box, "#surface3d-graph")["height"] >= 620, 5,
          msg="the filled 3-D view takes the screen's height")
    assert dash_duo.driver.execute_script(box, "#surface3d-graph")["top"] < 100
    screenshot(dash_duo, artifacts, "present-1280x720-3d-filled.png")
    dash_duo.find_element("body").send_keys(Keys.ESCAPE)
    until(lambda: dash_duo.find_element("#page-root").get_attribute("data-filled") is None, 3)
    assert visible(dash_duo, ".view-map") and visible(dash_duo, ".view-3-D")
    # switching presentation off brings the panel back, thinner lines, and a link without it
    press(dash_duo, "#present-switch")
    until(lambda: "present" not in search_of(dash_duo), 5, msg="the link drops present=on")
    until(lambda: visible(dash_duo, ".sidebar"), 5)
    until(lambda: "presenting" not in (dash_duo.find_element("#page-root").get_attribute("class") or ""), 5)
    thinner = dash_duo.driver.execute_script(
        "return document.querySelector('#contour-graph .js-plotly-plot')._fullData"
        ".filter(t => t.meta && t.meta.role === 'path').map(t => t.line.width)")
    until(lambda: dash_duo.driver.execute_script(
        "return document.querySelector('#contour-graph .js-plotly-plot')._fullData"
        ".filter(t => t.meta && t.meta.role === 'path').map(t => t.line.width)")[0] < widths[0], 5,
        msg=f"lines are thinner out of presentation mode ({widths} then {thinner})")
    screenshot(dash_duo, artifacts, "desktop-1280x720.png")
    # out of presentation mode, a filled map is scrolled to the window's top and whole on screen
    press(dash_duo, ".view-map .fill-button")
    until(lambda: (dash_duo.driver.execute_script(PLOT_AREA_JS, "contour-graph") or {}).get("height", 0) >= 500, 5,
          msg="the filled map's plot is at least 500 px high")
    transport = dash_duo.driver.execute_script(box, ".transport-card")
    until(lambda: transport["bottom"] <= dash_duo.driver.execute_script(box, ".view-map")["top"] <= transport["bottom"] + 12,
          3, msg="the filled map is scrolled to just under the playback bar")
    graph = dash_duo.driver.execute_script(box, "#contour-graph")
    assert graph["bottom"] <= 721, f"the filled map fits the window: {graph}"
    screenshot(dash_duo, artifacts, "desktop-1280x720-map-filled.png")
    assert dash_duo.get_logs() == []


def test_app019_a_phone_gets_a_drawer_a_compact_bar_and_scrolls_on_a_swipe(dash_duo, app, artifacts):
    """390 x 844 with touch: the views come first, the playback bar is at most 15% of the
    screen, the controls open as a drawer, a swipe over a graph scrolls the page (no drag
    mode), and a tap on the map moves the start only in "set start" mode."""
    open_sized(dash_duo, app, 390, 844, "?surface=himmelblau&steps=100&run=adam:lr=0.1", phone=True, runs=1)
    assert dash_duo.driver.execute_script("return window.optvizTouch.coarse"), "touch emulation gives a coarse pointer"
    assert dash_duo.driver.execute_script("return window.innerWidth") == 390
    assert not visible(dash_duo, ".sidebar"), "on a phone the control panel starts closed"
    transport = dash_duo.driver.execute_script(
        "return document.querySelector('.transport-card').getBoundingClientRect().height")
    assert transport <= 0.15 * 844, f"the playback bar takes {transport:.0f} px of 844"
    map_top = dash_duo.driver.execute_script(PLOT_AREA_JS, "contour-graph")["top"]
    assert map_top < 844, "the map is on the first screen"
    overflow = dash_duo.driver.execute_script("return document.documentElement.scrollWidth")
    assert overflow <= 391, f"nothing is wider than the phone ({overflow} px)"
    until(lambda: dash_duo.driver.execute_script(
        "return document.querySelector('#contour-graph .js-plotly-plot')._fullLayout.dragmode") is False, 5,
        msg="no drag mode on a touch screen, so a swipe scrolls")
    touch_action = dash_duo.driver.execute_script(
        "return getComputedStyle(document.querySelector('#contour-graph .main-svg')).touchAction")
    assert touch_action == "pan-y", touch_action
    screenshot(dash_duo, artifacts, "phone-390x844.png")

    # a tap on the map does not move the start...
    start = search_of(dash_duo)
    drag = dash_duo.find_element("#contour-graph .nsewdrag")
    drag.click()
    time.sleep(1.0)
    assert search_of(dash_duo) == start, "a tap outside set-start mode leaves the start"
    # ...until "set start" is on
    dash_duo.find_element("#set-start-button").click()
    assert dash_duo.find_element("#set-start-button").get_attribute("aria-pressed") == "true"
    drag.click()
    until(lambda: "start=" in search_of(dash_duo) and search_of(dash_duo) != start, 5,
          msg="in set-start mode a tap moves the start")

    # the drawer: opens over the views with the surface picker, closes on the backdrop
    dash_duo.find_element("#controls-button").click()
    until(lambda: visible(dash_duo, ".sidebar") and dash_duo.driver.execute_script(
        "return document.querySelector('.sidebar').getBoundingClientRect().left") >= -1, 3)
    assert dash_duo.find_element("#controls-button").get_attribute("aria-expanded") == "true"
    picker = dash_duo.driver.execute_script(
        "const r = document.querySelector('.sidebar #surface-select').getBoundingClientRect();"
        "return {left: r.left, right: r.right, top: r.top, height: r.height}")
    assert picker["left"] >= 0 and picker["right"] <= 390 and 0 <= picker["top"] < 844 and picker["height"] > 0, \
        f"the surface picker is on the drawer's first screen: {picker}"
    screenshot(dash_duo, artifacts, "phone-390x844-drawer.png")
    drawer_top = dash_duo.driver.execute_script("return document.querySelector('.sidebar').getBoundingClientRect().top")
    assert abs(drawer_top) <= 1, f"the drawer covers the screen from its top ({drawer_top})"
    dash_duo.driver.execute_script("document.querySelector('.drawer-backdrop').click()")
    until(lambda: "controls-open" not in dash_duo.find_element("#page-root").get_attribute("class"), 3)
    dash_duo.find_element("#controls-button").click()
    until(lambda: "controls-open" in dash_duo.find_element("#page-root").get_attribute("class"), 3)
    # the drawer slides in for 0.2 s: click its close button once it is where the pointer lands
    until(lambda: dash_duo.driver.execute_script("""
        const button = document.querySelector('.drawer-close'), r = button.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit !== null && button.contains(hit);"""), 3, msg="the drawer's close button is uncovered")
    dash_duo.find_element(".drawer-close").click()
    until(lambda: "controls-open" not in dash_duo.find_element("#page-root").get_attribute("class"), 3)
    assert dash_duo.find_element("#controls-button").get_attribute("aria-expanded") == "false"
    assert dash_duo.get_logs() == []


def test_app020_a_wide_desktop_shows_the_panel_and_four_views_side_by_side(dash_duo, app, artifacts):
    """1600 x 1000: the control panel beside the views, the map and the 3-D view side by side
    with square-enough plots, nothing wider than the window, and an "about" arrow that turns."""
    open_sized(dash_duo, app, 1600, 1000, "?surface=rosenbrock&steps=200&run=radam&run=gd:lr=0.001&run=adam"
               "&run=momentum:lr=0.001", runs=4)
    assert visible(dash_duo, ".sidebar") and not visible(dash_duo, "#controls-button")
    box = "return document.querySelector(arguments[0]).getBoundingClientRect().toJSON()"
    sidebar, map_view, view3d = (dash_duo.driver.execute_script(box, s) for s in (".sidebar", ".view-map", ".view-3-D"))
    assert sidebar["right"] <= map_view["left"], "the panel is beside the views"
    assert abs(map_view["top"] - view3d["top"]) < 2 and map_view["right"] <= view3d["left"], \
        "the map and the 3-D view are side by side"
    area = dash_duo.driver.execute_script(PLOT_AREA_JS, "contour-graph")
    assert area["height"] >= 380 and area["width"] >= 380, area
    assert dash_duo.driver.execute_script("return document.documentElement.scrollWidth") <= 1600
    toggle = dash_duo.find_element(".about-toggle")
    arrow = "return getComputedStyle(arguments[0], '::before').content"
    assert "▸" in dash_duo.driver.execute_script(arrow, toggle)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", toggle)
    toggle.click()
    until(lambda: "▾" in dash_duo.driver.execute_script(arrow, toggle), 3, msg="the about arrow turns down when open")
    # RAdam's rule (the longest) is typeset one equation per line, with no horizontal scrolling
    until(lambda: dash_duo.driver.execute_script("return !!document.querySelector('.update-rule svg')"), 10,
          msg="the update rule is typeset")
    widths = dash_duo.driver.execute_script(
        "const e = document.querySelector('.update-rule'); return [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], f"the update rule scrolls sideways: {widths}"
    screenshot(dash_duo, artifacts, "desktop-1600x1000.png")
    assert dash_duo.get_logs() == []


def test_app021_the_legend_writes_a_loss_below_the_floor_as_the_final_text_does(dash_duo, app):
    """Newton on the quadratic reaches f = 2e-31 at step 1: while scrubbing, the legend says
    "< 1e-15" (as at the end), never the log plot's floor as if it were the loss."""
    open_page(dash_duo, app, "?surface=quadratic&start=1,1&steps=10&run=newton&run=gd:lr=0.01", runs=2)
    dash_duo.find_element("#step-first-button").click()
    for _ in range(2):
        dash_duo.find_element("#step-forward-button").click()
    dash_duo.wait_for_text_to_equal("#step-readout", "step 2 / 10")
    item = "#legend-bar .legend-item[data-run='r0'] .legend-status"
    until(lambda: dash_duo.find_element(item).text.endswith("< 1e-15"), 5,
          msg="Newton's loss at step 2 reads < 1e-15")
    assert "=" in dash_duo.find_element("#legend-bar .legend-item[data-run='r1'] .legend-status").text
    assert dash_duo.get_logs() == []
