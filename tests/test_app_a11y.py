"""Accessibility: axe-core scans of the page in its main states, keyboard reach with a visible
focus, and run colours that stay apart under colour-vision deficiencies.

axe-core (tests/vendor/axe.min.js, MPL-2.0, see tests/vendor/SOURCE.md) is injected into the
page under test only; it is never served to users.  A scan fails on any violation of impact
"serious" or "critical" and prints the rest.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.test_app_browser import by_id, dom_id, open_page, open_sized, screenshot, visible, wait_ready

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")

#: Nodes axe may not judge, each for a reason the app cannot act on (never a whole rule).
EXCLUDE: list[list[str]] = []

RUN_AXE_JS = """
const done = arguments[arguments.length - 1];
axe.run({exclude: arguments[0]}, {resultTypes: ['violations']}).then(r => done({
  version: axe.version,
  violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target, impact: n.impact, html: n.html.slice(0, 160),
                              summary: n.failureSummary}))}))
})).catch(e => done({error: String(e && e.stack || e)}));
"""


@pytest.fixture
def app(dash_app):
    return dash_app


def axe_scan(duo, artifacts: Path, name: str) -> list[dict]:
    """Run axe on the page as it is; save the result as test-artifacts/axe-<name>.json, print
    every violation, and fail on serious or critical ones (rule id, impact, selectors)."""
    driver = duo.driver
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE_SOURCE)
    driver.set_script_timeout(90)
    result = driver.execute_async_script(RUN_AXE_JS, EXCLUDE)
    assert "error" not in result, result.get("error")
    violations = result["violations"]
    (artifacts / f"axe-{name}.json").write_text(json.dumps(violations, indent=1), encoding="utf-8")
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                            for n in v["nodes"][:12])
        more = f" (+{len(v['nodes']) - 12} more)" if len(v["nodes"]) > 12 else ""
        lines.append(f"{v['id']} [{v['impact']}] x{len(v['nodes'])}: {v['help']}\n    {targets}{more}")
    print(f"\naxe {result['version']} on {name}: {len(violations)} rule(s) violated")
    for line in lines:
        print("  " + line)
    bad = [line for v, line in zip(violations, lines) if v["impact"] in ("serious", "critical")]
    assert not bad, f"axe on {name}: serious or critical violations:\n" + "\n".join(bad)
    return violations


# -- axe scans ---------------------------------------------------------------------------------------
OPEN_EVERYTHING_JS = """
document.querySelectorAll('details').forEach(d => { d.open = true; });
document.querySelectorAll('.about-toggle').forEach(b => b.click());
const numbers = Array.from(document.querySelectorAll('#overlay-options input')).find(i => i.value === 'numbers');
if (numbers && !numbers.checked) numbers.click();
"""


def test_a11y001_default_page(dash_duo, app, artifacts):
    open_page(dash_duo, app)
    axe_scan(dash_duo, artifacts, "default")
    screenshot(dash_duo, artifacts, "a11y-default.png")
    # then every part that starts closed: a link with a warning, a diverged run, runs with
    # switches and choices under "more settings", own conditions, "about", the step inspector
    dash_duo.driver.get(dash_duo.server_url + "/?surface=nowhere&steps=100&run=adam:lr=0.05&run=momentum:lr=0.01"
                        "&run=nelder_mead&run=lbfgs&run=rmsprop:lr=0.01")
    dash_duo.wait_for_element("#contour-graph .js-plotly-plot", timeout=20)
    wait_ready(dash_duo, 5)
    dash_duo.wait_for_element("#url-alert", timeout=10)
    dash_duo.driver.execute_script(OPEN_EVERYTHING_JS)
    until(lambda: len(dash_duo.find_elements("#step-inspector .inspector-run")) == 5, 10)
    until(lambda: dash_duo.driver.execute_script(
        "return document.querySelectorAll('.about-body mjx-container').length") >= 5, 15,
        msg="every run's update rule is typeset")
    time.sleep(0.5)  # the "about" bodies have opened (0.2 s)
    axe_scan(dash_duo, artifacts, "everything-open")
    screenshot(dash_duo, artifacts, "a11y-everything-open.png")
    assert dash_duo.get_logs() == []


def test_a11y002_a_lesson_and_presentation_mode(dash_duo, app, artifacts):
    from optviz import lessons
    name = "learning_rate" if "learning_rate" in lessons.names() else lessons.names()[0]
    lesson = lessons.get(name)
    open_page(dash_duo, app, f"?lesson={name}", runs=len(lesson.scene.runs))
    until(lambda: lesson.title in dash_duo.find_element("#lesson-caption").text, 10)
    axe_scan(dash_duo, artifacts, "lesson")
    dash_duo.driver.get(dash_duo.server_url + f"/?lesson={name}&present=on")
    dash_duo.wait_for_element("#contour-graph .js-plotly-plot", timeout=20)
    wait_ready(dash_duo, len(lesson.scene.runs))
    until(lambda: "presenting" in (dash_duo.find_element("#page-root").get_attribute("class") or ""), 5)
    axe_scan(dash_duo, artifacts, "present")
    screenshot(dash_duo, artifacts, "a11y-present.png")
    assert dash_duo.get_logs() == []


def test_a11y003_phone_with_the_controls_drawer_open(dash_duo, app, artifacts):
    open_sized(dash_duo, app, 390, 844, "?surface=himmelblau&steps=100&run=adam:lr=0.1&run=momentum:lr=0.01",
               phone=True, runs=2)
    driver = dash_duo.driver
    active = "const e = document.activeElement; return e.id || e.className"
    sidebar_visibility = "return getComputedStyle(document.getElementById('sidebar')).visibility"
    assert driver.execute_script(sidebar_visibility) == "hidden", "the closed drawer is out of the Tab order"
    axe_scan(dash_duo, artifacts, "phone")
    # opened from the keyboard, the drawer takes the focus; Escape closes it and gives it back
    dash_duo.find_element("#controls-button").send_keys(Keys.ENTER)
    until(lambda: visible(dash_duo, ".sidebar") and driver.execute_script(
        "return document.querySelector('.sidebar').getBoundingClientRect().left") >= -1, 3)
    assert driver.execute_script(active) == "drawer-close", "the focus moves into the open drawer"
    time.sleep(0.3)  # the drawer's slide (0.2 s) has ended: colours are final
    axe_scan(dash_duo, artifacts, "phone-drawer")
    screenshot(dash_duo, artifacts, "a11y-phone-drawer.png")
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    until(lambda: "controls-open" not in dash_duo.find_element("#page-root").get_attribute("class"), 3)
    assert driver.execute_script(active) == "controls-button", "closing gives the focus back to the button"
    until(lambda: driver.execute_script(sidebar_visibility) == "hidden", 3)
    assert dash_duo.get_logs() == []


def test_a11y004_the_update_rule_dialog(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=50&run=adam:lr=0.05", runs=1)
    toggle = by_id(dash_duo, dom_id({"type": "about-toggle", "run": "r0"}))
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", toggle)
    button = dash_duo.wait_for_element(".algorithm-button", timeout=10)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", button)
    button.send_keys(Keys.ENTER)   # from the keyboard
    dash_duo.wait_for_element(".modal.show #algorithm-body", timeout=10)
    until(lambda: dash_duo.driver.execute_script(
        "return document.querySelectorAll('#algorithm-body mjx-container').length") > 0, 15,
        msg="the update rule was not typeset")
    time.sleep(0.5)  # the dialog's fade-in has ended
    inside = "return !!document.activeElement.closest('.modal')"
    assert dash_duo.driver.execute_script(inside), "the open dialog has the focus"
    axe_scan(dash_duo, artifacts, "update-rule")
    screenshot(dash_duo, artifacts, "a11y-update-rule.png")
    ActionChains(dash_duo.driver).send_keys(Keys.ESCAPE).perform()
    until(lambda: not dash_duo.find_elements(".modal.show"), 5, msg="Escape closes the dialog")
    until(lambda: dash_duo.driver.execute_script("return document.activeElement") == button, 3,
          msg="closing the dialog gives the focus back to its button")
    assert dash_duo.get_logs() == []


# -- keyboard ----------------------------------------------------------------------------------------
FOCUSED_JS = """
const e = document.activeElement;
if (!e || e === document.body) return null;
const s = getComputedStyle(e);
const alpha = c => { const m = c.match(/rgba?\\(([^)]*)\\)/); if (!m) return 1;
                     const p = m[1].split(/[ ,\\/]+/).filter(Boolean); return p.length > 3 ? parseFloat(p[3]) : 1; };
// a focus ring: an outline of at least 1 px in a colour that shows, or a box-shadow ring (spread >= 1 px)
const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1 && alpha(s.outlineColor) >= 0.3;
const ring = s.boxShadow !== 'none' && s.boxShadow.split(/,(?![^(]*\\))/).some(part => {
  const lengths = (part.replace(/rgba?\\([^)]*\\)/, '').match(/-?[\\d.]+px/g) || []).map(parseFloat);
  return alpha(part) >= 0.2 && (lengths[3] || 0) >= 1;
});
const cls = typeof e.className === 'string' ? e.className : '';
return {tag: e.tagName.toLowerCase(), id: e.id || '', cls: cls, role: e.getAttribute('role') || '',
        name: (e.getAttribute('aria-label') || e.textContent || e.value || '').trim().slice(0, 40),
        inSlider: !!e.closest('#step-slider'), visible: outline || ring,
        outline: s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor, shadow: s.boxShadow};
"""

#: What a keyboard user must reach by Tab from the top of the page: name -> test on the focused element.
KEYBOARD_TARGETS = {
    "play button": lambda f: f["id"] == "play-button",
    "step slider": lambda f: f["role"] == "slider" and f["inSlider"],
    "a run's optimizer picker": lambda f: '"type":"run-optimizer"' in f["id"],
    "a learning-rate box": lambda f: '"name":"lr"' in f["id"] and '"type":"hp"' in f["id"],
    "a legend entry": lambda f: "legend-item" in f["cls"],
    "a view's fill button": lambda f: "fill-button" in f["cls"],
    "the share button": lambda f: f["id"] == "share-button",
}


def test_a11y005_tab_reaches_every_control_with_a_visible_focus(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=rosenbrock&steps=100&run=adam:lr=0.05&run=momentum:lr=0.001", runs=2)
    driver = dash_duo.driver
    # (instant: Bootstrap makes scrolling smooth, and the page is long)
    driver.execute_script("document.activeElement && document.activeElement.blur(); "
                          "window.scrollTo({top: 0, behavior: 'instant'})")
    seen: dict[str, list[dict]] = {name: [] for name in KEYBOARD_TARGETS}
    order = []
    for _ in range(250):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focused = driver.execute_script(FOCUSED_JS)
        if focused is None:
            break   # past the end of the page
        order.append(focused)
        for name, test in KEYBOARD_TARGETS.items():
            if test(focused):
                time.sleep(0.25)   # Bootstrap's focus ring fades in (0.15 s)
                seen[name].append(driver.execute_script(FOCUSED_JS))
                if len(seen[name]) == 1:
                    screenshot(dash_duo, artifacts, f"focus-{name.replace(' ', '-').replace(chr(39), '')}.png")
        if len(order) > 3 and focused == order[0]:
            break   # back at the top
    (artifacts / "tab-order.json").write_text(json.dumps({"order": order, "targets": seen}, indent=1),
                                               encoding="utf-8")
    print(f"\n{len(order)} tab stops:")
    for f in order:
        print(f"  {f['tag']}#{f['id'][:40]}.{f['cls'][:30]} [{f['role']}] {f['name']!r}")
    missing = [name for name, found in seen.items() if not found]
    assert not missing, f"Tab from the top never reaches: {', '.join(missing)}"
    unstyled = [f"{name}: {f['tag']}#{f['id']}.{f['cls']} (outline {f['outline']}, box-shadow {f['shadow']})"
                for name, found in seen.items() for f in found if not f["visible"]]
    assert not unstyled, "no visible focus (outline or box-shadow) on:\n" + "\n".join(unstyled)
    assert len(seen["a legend entry"]) == 2 and len(seen["a view's fill button"]) == 4
    assert "skip-link" in order[0]["cls"], f"the first Tab stop is the skip link, not {order[0]}"

    # the skip link takes the focus past the control panel to the play button
    # (instant: Bootstrap makes scrolling smooth, and the page is long)
    driver.execute_script("document.activeElement && document.activeElement.blur(); "
                          "window.scrollTo({top: 0, behavior: 'instant'})")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    until(lambda: "skip-link" in driver.execute_script(FOCUSED_JS)["cls"], 3)
    assert driver.execute_script("return document.activeElement.getBoundingClientRect().top") >= 0, \
        "the skip link shows when focused"
    screenshot(dash_duo, artifacts, "focus-skip-link.png")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    until(lambda: (driver.execute_script(FOCUSED_JS) or {}).get("id") == "play-button", 3,
          msg="Enter on the skip link focuses the play button")
    assert "?" in driver.current_url and "#" not in driver.current_url, "the address keeps no #fragment"
    assert dash_duo.get_logs() == []


# -- palette: the run colours under colour-vision deficiencies (no browser) ---------------------------
#: Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision
#: deficiency", IEEE TVCG 15(6): 1291-1298, table of matrices at severity 1.0 (dichromacy), applied to
#: linear sRGB.
MACHADO_2009 = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}
#: The least CIEDE2000 difference between two run colours, in every simulated vision, for the colour
#: alone to tell the runs apart.  ΔE00 of about 1-2 is barely noticeable between two large patches side
#: by side; a run is a 3 px line or a 17 px marker that must be matched to its legend entry across the
#: screen, and small fields look less saturated, so 10 (five to ten times that) is asked: a judgement,
#: not a standard.  Below it a pair must differ in marker shape, in 2-D and 3-D alike (figures.SYMBOLS,
#: SYMBOLS_3D): the current-step markers and the legend show the shape; the paths' lines do not.
MIN_DELTA_E = 10.0
#: Pairs known to fall below MIN_DELTA_E (and so relying on their shapes): none since Tol's wine
#: replaced Tol's olive (which was within 5.1 of the vermillion for deuteranopes and 6.1 of the
#: orange for protanopes).  A change of palette that adds a pair fails here, to be looked at.
KNOWN_CLOSE: set[tuple[str, str]] = set()
_SRGB_TO_XYZ = ((0.4124564, 0.3575761, 0.1804375), (0.2126729, 0.7151522, 0.0721750),
                (0.0193339, 0.1191920, 0.9503041))


def linear_rgb(hex_colour: str):
    """sRGB hex -> linear RGB in [0, 1] (IEC 61966-2-1)."""
    import numpy as np
    c = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb_linear):
    """Linear sRGB -> CIELAB (D65 white, CIE 15:2004)."""
    import numpy as np
    m = np.array(_SRGB_TO_XYZ)
    t = (m @ rgb_linear) / (m @ np.ones(3))
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), as written out by Sharma, Wu & Dalal (2005),
    "The CIEDE2000 color-difference formula: implementation notes, supplementary test data, and
    mathematical observations", Color Research & Application 30(1): 21-30."""
    import math
    (L1, a1, b1), (L2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_l, d_c = L2 - L1, c2p - c1p
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_bar - 30)) + 0.24 * math.cos(math.radians(2 * h_bar))
         + 0.32 * math.cos(math.radians(3 * h_bar + 6)) - 0.20 * math.cos(math.radians(4 * h_bar - 63)))
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def seen_as(hex_colour: str, vision: str):
    """The CIELAB colour a person with ``vision`` ("normal" or a key of MACHADO_2009) sees."""
    import numpy as np
    rgb = linear_rgb(hex_colour)
    if vision != "normal":
        rgb = np.clip(np.array(MACHADO_2009[vision]) @ rgb, 0.0, 1.0)
    return lab(rgb)


def palette_differences(colours) -> dict[str, list[tuple[float, str, str]]]:
    """vision -> [(ΔE00, colour, colour)] for every pair, smallest first."""
    import itertools
    out = {}
    for vision in ("normal", *MACHADO_2009):
        labs = {c: seen_as(c, vision) for c in colours}
        out[vision] = sorted((ciede2000(labs[a], labs[b]), a, b) for a, b in itertools.combinations(colours, 2))
    return out


def test_a11y006_the_colour_formulas_match_their_references():
    # pairs of the supplementary test data of Sharma, Wu & Dalal (2005)
    for lab1, lab2, expected in [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
                                 ((50, 0, 0), (50, -1, 2), 2.3669),
                                 ((50, 2.49, -0.001), (50, -2.49, 0.0009), 7.1792),
                                 ((50, 2.5, 0), (73, 25, -18), 27.1492),
                                 ((50, 2.5, 0), (61, -5, 29), 22.8977),
                                 ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
                                 ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082)]:
        assert abs(ciede2000(lab1, lab2) - expected) < 1e-4, (lab1, lab2)
        assert abs(ciede2000(lab2, lab1) - expected) < 1e-4, "symmetric"
    assert abs(seen_as("#ffffff", "normal")[0] - 100) < 1e-3 and abs(seen_as("#000000", "normal")[0]) < 1e-9
    red = seen_as("#ff0000", "normal")   # sRGB red in CIELAB (D65): 53.24, 80.09, 67.20
    assert abs(red[0] - 53.24) < 0.05 and abs(red[1] - 80.09) < 0.05 and abs(red[2] - 67.20) < 0.05
    for vision in MACHADO_2009:   # each simulation keeps greys grey
        for grey in ("#ffffff", "#777777"):
            assert ciede2000(seen_as(grey, vision), seen_as(grey, "normal")) < 0.5, (vision, grey)
    # and a dichromat confuses what the model says: red and green for deuteranopes, not for trichromats
    assert ciede2000(seen_as("#d62728", "deuteranopia"), seen_as("#2ca02c", "deuteranopia")) < \
        0.5 * ciede2000(seen_as("#d62728", "normal"), seen_as("#2ca02c", "normal"))


def test_a11y007_run_colours_stay_apart_for_colour_blind_viewers():
    from optviz.ui import figures
    colours = list(figures.COLORS)
    assert len(set(figures.SYMBOLS)) == len(figures.SYMBOLS) == len(colours), "a distinct 2-D marker per run"
    diffs = palette_differences(colours)
    print()
    for vision, pairs in diffs.items():
        d, a, b = pairs[0]
        print(f"  {vision:>12}: min ΔE00 {d:5.1f} ({a} vs {b}); under {MIN_DELTA_E:g}: "
              + (", ".join(f"{x} vs {y} ({e:.1f})" for e, x, y in pairs if e < MIN_DELTA_E) or "none"))
    index = {c: i for i, c in enumerate(colours)}
    close = {(a, b) for pairs in diffs.values() for d, a, b in pairs if d < MIN_DELTA_E}
    assert all(d >= 20 for d, _, _ in diffs["normal"]), "with normal vision every pair is far apart"
    for a, b in close:
        i, j = index[a], index[b]
        assert figures.SYMBOLS[i] != figures.SYMBOLS[j] and figures.SYMBOLS_3D[i] != figures.SYMBOLS_3D[j], \
            f"runs {i} and {j} ({a}, {b}) look alike to colour-blind viewers and share a marker shape"
    assert close <= KNOWN_CLOSE, f"new pairs of run colours under ΔE00 {MIN_DELTA_E:g}: {sorted(close - KNOWN_CLOSE)}"
    # runs whose 3-D markers share a shape must differ by colour alone, in every vision
    for i, j in ((i, j) for i in range(len(colours)) for j in range(i + 1, len(colours))
                 if figures.SYMBOLS_3D[i] == figures.SYMBOLS_3D[j]):
        assert (colours[i], colours[j]) not in close, (i, j)


# -- every control has a name, in the layout itself (no browser) --------------------------------------
def _walk(component, ancestors=()):
    yield component, ancestors
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            yield from _walk(child, (*ancestors, component))


def unnamed_controls(root) -> list[str]:
    """Text boxes and selects with no <label for> them, sliders with no data-slider-label around them."""
    import dash_bootstrap_components as dbc
    from dash import dcc, html

    from optviz.ui import layout
    parts = list(_walk(root))
    labelled = {getattr(c, "htmlFor", None) for c, _ in parts if isinstance(c, html.Label)}
    labelled |= {getattr(c, "html_for", None) for c, _ in parts if isinstance(c, dbc.Label)}
    missing = []
    for c, ancestors in parts:
        if isinstance(c, (dbc.Input, dbc.Select)) and layout.dom_id(c.id) not in labelled:
            missing.append(f"{type(c).__name__} {c.id}")
        if isinstance(c, dcc.Slider) and not any(layout.SLIDER_LABEL in a.to_plotly_json()["props"] for a in ancestors):
            missing.append(f"Slider {c.id}")
    return missing


def test_a11y008_every_control_of_the_layout_is_named():
    from optviz import lessons, optimizers
    from optviz.ui import layout, state
    assert unnamed_controls(layout.build_layout(state.default_config())) == []
    for name in lessons.names():
        assert unnamed_controls(layout.build_layout(lessons.get(name).scene)) == [], name
    for name in optimizers.names():
        run = state.new_run([], name)
        assert unnamed_controls(layout.run_card(run)) == [], name
