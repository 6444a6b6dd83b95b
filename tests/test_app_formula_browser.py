"""Your own formula, in a headless Chromium: type one and press Enter, get a clear message for a
bad one (the last good one stays), open a link with one, at a desktop's and a phone's size.
Screenshots go to test-artifacts/ (look at them).
"""
from __future__ import annotations

import json

import pytest
from dash.testing.wait import until

from tests.test_app_browser import by_id, dom_id, emulate, open_page, open_sized, runs_of, screenshot, search_of, \
    type_into, visible

FORMULA_BOX = dom_id({"type": "hp-text", "run": "surface", "name": "f"})


@pytest.fixture
def app(dash_app):
    return dash_app


def map_z(duo):
    return duo.driver.execute_script(
        "const gd = document.querySelector('#contour-graph .js-plotly-plot');"
        "return gd && gd._fullData.length ? JSON.stringify(Array.from(gd._fullData[0].z[40]).slice(0, 8)) : null")


def test_formula001_type_a_formula_and_press_enter(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=formula&steps=200&run=gd:lr=0.05&run=adam:lr=0.1", runs=2)
    box = by_id(dash_duo, FORMULA_BOX)
    assert box.get_attribute("value") == "sin(x)*cos(y) + 0.1*(x^2 + y^2)"
    before, paths = map_z(dash_duo), {u: p["path"]["x"][-1] for u, p in runs_of(dash_duo).items()}
    type_into(dash_duo, FORMULA_BOX, "(x^2 - 1)^2 + 0.5*y^2 + 0.2*x")
    until(lambda: "f=(x%5E2%20-%201)%5E2" in search_of(dash_duo), 10, msg="the link never took the formula")
    until(lambda: map_z(dash_duo) != before, 10, msg="the map was not redrawn")
    until(lambda: {u: p["path"]["x"][-1] for u, p in runs_of(dash_duo).items()} != paths, 10)
    screenshot(dash_duo, artifacts, "formula-typed.png")

    good = search_of(dash_duo)
    type_into(dash_duo, FORMULA_BOX, "2x + y")
    until(lambda: visible(dash_duo, "#controls-alert"), 10, msg="a bad formula gave no message")
    alert = dash_duo.find_element("#controls-alert").text
    assert "column 2: missing operator before 'x'" in alert and "Still using (x^2 - 1)^2" in alert
    until(lambda: "is-invalid" in by_id(dash_duo, FORMULA_BOX).get_attribute("class"), 5)
    assert search_of(dash_duo) == good, "the link keeps the last good formula"
    assert by_id(dash_duo, FORMULA_BOX).get_attribute("value") == "2x + y", "what was typed stays to be fixed"
    screenshot(dash_duo, artifacts, "formula-refused.png")

    # the folded window: a new left edge shows in its one-line summary (the boxes are not redrawn)
    type_into(dash_duo, FORMULA_BOX, "(x^2 - 1)^2 + 0.5*y^2")
    until(lambda: not visible(dash_duo, "#controls-alert"), 10, msg="the good formula's alert stayed")
    summary = dash_duo.find_element(".formula-window summary")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", summary)
    summary.click()
    type_into(dash_duo, dom_id({"type": "hp", "run": "surface", "name": "x_min"}), "-2")
    until(lambda: "window: x from -2 to 5" in summary.text, 10, msg=summary.text)
    until(lambda: "x_min=-2" in search_of(dash_duo), 10)
    assert dash_duo.get_logs() == []


def test_formula002_a_link_with_a_formula_on_a_phone(dash_duo, app, artifacts):
    """390 x 844: a formula undefined on the left half (log x) draws a blank region there, and a
    run that walks into it is marked diverged; the page does not scroll sideways."""
    open_sized(dash_duo, app, 390, 844, "?surface=formula:f=log(x)%2By^2,x_min=-1,x_max=3,y_min=-2,y_max=2"
               "&start=2,1.5&steps=100&run=gd:lr=0.6", phone=True, runs=1)
    z = json.loads(dash_duo.driver.execute_script(
        "const gd = document.querySelector('#contour-graph .js-plotly-plot');"
        "return JSON.stringify(Array.from(gd._fullData[0].z[80]))"))
    assert z[0] is None and z[-1] is not None, "blank where log x is undefined, drawn where it is"
    mesh = json.loads(dash_duo.driver.execute_script(
        "const gd = document.querySelector('#surface3d-graph .js-plotly-plot');"
        "const t = gd._fullData.find(d => d.type === 'surface');"
        "return JSON.stringify(Array.from(t.z[Math.floor(t.z.length / 2)]))"))
    assert mesh[0] is None and mesh[-1] is not None, "the 3-D surface has a hole there too (not a plateau)"
    dash_duo.driver.execute_script(
        "document.getElementById('surface3d-graph').scrollIntoView({block: 'center', behavior: 'instant'})")
    screenshot(dash_duo, artifacts, "formula-3d-390x844.png")
    width = dash_duo.driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    dash_duo.driver.execute_script("document.getElementById('surface-params').scrollIntoView({block: 'center'})")
    screenshot(dash_duo, artifacts, "formula-390x844.png")
    assert dash_duo.get_logs() == []


def test_formula003_a_basin_map_shows_where_the_runs_rest(dash_duo, app, artifacts):
    """Himmelblau typed out, Newton's basin map at a projector's size and on a phone: a formula
    lists no minima, so the map is coloured by where each run came to rest, and Newton rests at
    the four minima, the four saddle points and the maximum."""
    link = ("?surface=formula:f=(x%5E2%2By-11)%5E2%2B(x%2By%5E2-7)%5E2,x_min=-5,x_max=5&steps=60&run=newton"
            "&explore=basins:run=1,resolution=48")
    dash_duo.start_server(app)
    for width, height, phone in ((1280, 720, False), (390, 844, True)):
        emulate(dash_duo, width, height, phone)
        dash_duo.driver.get(dash_duo.server_url + "/" + link)
        dash_duo.wait_for_element("#basins-graph .js-plotly-plot", timeout=20)
        marks = ("const gd = document.querySelector('#basins-graph .js-plotly-plot');"
                 "return gd && gd._fullData ? gd._fullData.filter(t => (t.meta || {}).role === 'rest')"
                 ".map(t => [t.name, t.x.length]) : null")
        until(lambda: dash_duo.driver.execute_script(marks), 15, msg="the basin map never marked where runs rest")
        assert sorted(map(tuple, dash_duo.driver.execute_script(marks))) == [
            ("maximum where runs rest", 1), ("minimum where runs rest", 4), ("saddle point where runs rest", 4)]
        note = dash_duo.find_element("#basins-note").text
        assert "where each run came to rest" in note and "4 minima, 4 saddle points, 1 maximum" in note
        dash_duo.driver.execute_script("document.getElementById('basins-graph').scrollIntoView({block: 'center', behavior: 'instant'})")
        screenshot(dash_duo, artifacts, f"formula-basins-{width}x{height}.png")
        width_of = ("const gd = document.querySelector('#basins-graph .js-plotly-plot');"
                    "return [gd._fullLayout._size.w, gd.getBoundingClientRect().width]")
        plot, whole = dash_duo.driver.execute_script(width_of)
        assert plot > 0.6 * whole, f"the map is {plot:.0f} of {whole:.0f} px wide: its key squeezes it"
    assert dash_duo.get_logs() == []


def test_formula004_presenting_a_formula_shows_it_beside_the_map(dash_duo, app, artifacts):
    """1280 x 720, presenting: the control panel with the formula is hidden, so the legend column
    shows the surface and its formula, typeset."""
    open_sized(dash_duo, app, 1280, 720, "?surface=formula:f=(x%5E2-1)%5E2%20%2B%20y%5E2&present=on"
               "&run=gd:lr=0.05&run=adam:lr=0.3", runs=2)
    until(lambda: "presenting" in (dash_duo.find_element("#page-root").get_attribute("class") or ""), 5)
    head = dash_duo.wait_for_element("#legend-bar .legend-surface", timeout=10)
    dash_duo.wait_for_element("#legend-bar .legend-surface mjx-container", timeout=10)
    assert "Your own formula" in head.text and visible(dash_duo, "#legend-bar .legend-surface")
    box = dash_duo.driver.execute_script(
        "return document.querySelector('#legend-bar .legend-surface').getBoundingClientRect().toJSON()")
    assert box["width"] <= 320 and box["right"] <= 1280, box
    screenshot(dash_duo, artifacts, "formula-present-1280x720.png")
    assert dash_duo.get_logs() == []
