"""Slides and animations, made in a headless Chromium (dash_duo) as a visitor makes them.

``window.optvizExport.slide`` and ``.animation`` are called through ``execute_async_script``; the
files come back as base64 and are decoded here: the PNG with Pillow (twice the composed size, the
runs' colours in its pixels), the SVG with xml.etree (the title, the formula, every run's label,
f at the step, the step), the GIF with Pillow (frames, size, timing, a legend colour), WebM and
MP4 with the ffmpeg of imageio-ffmpeg (frames, size).  Every file is saved to test-artifacts/
(look at them).  Each test ends with a clean browser console.
"""
from __future__ import annotations

import base64
import io
import re
import time
import xml.etree.ElementTree as ET

import imageio_ffmpeg
import pytest
from dash.testing.wait import until
from PIL import Image
from selenium.webdriver.common.by import By

from test_app_browser import open_page, search_of, wait_ready

LINK = ("?surface=rosenbrock&start=-1.2,1&steps=1000&run=gd:lr=0.001&run=momentum:lr=0.001&run=adam:lr=0.05"
        "&run=newton&run=bfgs")
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]
SVG = "{http://www.w3.org/2000/svg}"

CALL = """
const done = arguments[arguments.length - 1];
const began = performance.now();
Promise.resolve().then(() => %s).then(async (r) => {
  const url = r.dataUrl || await new Promise((ok, no) => {
    const reader = new FileReader();
    reader.onload = () => ok(reader.result);
    reader.onerror = () => no(reader.error);
    reader.readAsDataURL(r.blob);
  });
  done({ok: true, filename: r.filename, data: url.slice(url.indexOf(',') + 1), type: url.slice(5, url.indexOf(';')),
        seconds: (performance.now() - began) / 1000, width: r.width || null, height: r.height || null});
}, (err) => done({ok: false, error: String((err && err.message) || err)}));
"""


@pytest.fixture
def app(dash_app):
    return dash_app


def export(duo, expression: str, timeout: float = 240) -> dict:
    """Run ``expression`` (a promise of ``{filename, dataUrl | blob}``) in the page; the file's bytes."""
    duo.driver.set_script_timeout(timeout)
    out = duo.driver.execute_async_script(CALL % expression)
    if out["ok"]:
        out["bytes"] = base64.b64decode(out["data"])
    return out


def go_to_step(duo, step: int, steps: int):
    duo.driver.execute_script("window.dash_clientside.set_props('step-slider', {value: arguments[0]})", step)
    duo.wait_for_text_to_equal("#step-readout", f"step {step:,} / {steps:,}")
    time.sleep(0.3)


def legend(duo) -> list[tuple[str, str]]:
    """(label, status) of every entry of the page's legend bar."""
    return duo.driver.execute_script("""
        return Array.from(document.querySelectorAll('#legend-bar .legend-item')).map(item => [
          item.querySelector('.legend-label').textContent, item.querySelector('.legend-status').textContent]);""")


def has_color(image: Image.Image, hex_color: str, tolerance: int = 0) -> bool:
    rgb = tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    colors = image.convert("RGB").getcolors(maxcolors=1 << 24)
    return any(all(abs(a - b) <= tolerance for a, b in zip(c, rgb)) for _, c in colors)


def save(artifacts, name: str, data: bytes):
    (artifacts / name).write_bytes(data)


def test_xpb001_a_slide_as_png_and_svg(dash_duo, app, artifacts):
    open_page(dash_duo, app, LINK, runs=5)
    go_to_step(dash_duo, 300, 1000)
    entries = legend(dash_duo)
    # f at step 300: a number, or "< 1e-15" for a loss at the log plot's floor (Newton and BFGS are done)
    assert all(re.fullmatch(r"f (= [0-9.e+-]+|< 1e-15)", status) for _, status in entries), entries
    assert [status for _, status in entries[3:]] == ["f < 1e-15", "f < 1e-15"], entries

    png = export(dash_duo, "window.optvizExport.slide({format: 'png', views: ['map', 'loss']})")
    assert png["ok"], png.get("error")
    assert png["filename"] == "optviz-rosenbrock-5runs-step300.png" and png["type"] == "image/png"
    save(artifacts, "export-slide.png", png["bytes"])
    image = Image.open(io.BytesIO(png["bytes"]))
    assert image.size == (3200, 1800), "twice the composed size (1600 x 900)"
    for color in COLORS:
        assert has_color(image, color), f"the legend's {color} is in the pixels"

    svg = export(dash_duo, "window.optvizExport.slide({format: 'svg', views: ['map', 'surface3d', 'loss', 'distance']})")
    assert svg["ok"], svg.get("error")
    assert svg["filename"] == "optviz-rosenbrock-5runs-step300.svg" and svg["type"] == "image/svg+xml"
    save(artifacts, "export-slide.svg", svg["bytes"])
    root = ET.fromstring(svg["bytes"])
    assert root.tag == f"{SVG}svg" and (root.get("width"), root.get("height")) == ("1600", "900")
    own = "".join(t for el in root.iter(f"{SVG}text") if el.get("class") != "" for t in el.itertext())
    assert "Rosenbrock" in own and "f(x, y) = (1 − x)² + 100 (y − x²)²" in own
    assert "step 300 / 1,000" in own
    entries_svg = [["".join(t.itertext()) for t in g.iter(f"{SVG}tspan")]
                   for g in root.iter(f"{SVG}g") if g.get("class") == "legend-entry"]
    # as the page's legend at this step (a loss at the plot's floor reads "< 1e-15" in both)
    assert entries_svg == [list(entry) for entry in entries], "each run's label and f at the step"
    import optviz
    for (label, value), (name, hp) in zip(entries_svg, [("gd", {"lr": 0.001}), ("momentum", {"lr": 0.001}),
                                                         ("adam", {"lr": 0.05})]):
        loss = optviz.simulate(name, "rosenbrock", start=(-1.2, 1.0), steps=1000, **hp).loss[300]
        assert value == f"f = {float(f'{loss:.3g}'):g}", (label, value, loss)
    assert entries_svg[3] == ["Newton's method", "f < 1e-15"]
    views = [g.get("data-view") for g in root.iter(f"{SVG}g") if g.get("class") == "slide-view"]
    assert views == ["map", "surface3d", "loss", "distance"]
    nested = [g.find(f"{SVG}svg") for g in root.iter(f"{SVG}g") if g.get("class") == "slide-view"]
    assert sum(n is not None for n in nested) == 3, "the 2-D views stay vectors"
    images = [i for i in root.iter(f"{SVG}image") if i.get("href", "").startswith("data:image/png;base64,")]
    assert len(images) == 1, "the 3-D view is embedded as a PNG"
    three_d = Image.open(io.BytesIO(base64.b64decode(images[0].get("href").split(",", 1)[1])))
    assert three_d.size == (2 * int(float(images[0].get("width"))), 2 * int(float(images[0].get("height"))))
    assert dash_duo.get_logs() == []


def test_xpb002_a_slide_in_reveal_mode_shows_the_paths_up_to_the_step(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?lesson=saddle", runs=5)
    go_to_step(dash_duo, 40, 200)
    png = export(dash_duo, "window.optvizExport.slide({format: 'png', views: ['map', 'surface3d', 'loss']})")
    assert png["ok"], png.get("error")
    assert png["filename"] == "optviz-saddle-5runs-step40.png"
    save(artifacts, "export-slide-reveal.png", png["bytes"])
    # the map's paths in the slide's figure end at step 40
    drawn = dash_duo.driver.execute_script("""
        const gd = document.querySelector('#contour-graph .js-plotly-plot');
        const fig = window.optvizExport.figureAt(gd, 40);
        return fig.data.filter(t => t.meta && t.meta.role === 'path').map(t => Array.from(t.customdata).pop());""")
    assert drawn and all(last <= 40 for last in drawn), drawn
    assert dash_duo.get_logs() == []


def test_xpb003_a_gif_of_the_playback(dash_duo, app, artifacts):
    open_page(dash_duo, app, LINK, runs=5)
    out = export(dash_duo, "window.optvizExport.animation({format: 'gif', fps: 10, frames: 12, from: 0, to: 600, "
                           "width: 960, height: 600})")
    assert out["ok"], out.get("error")
    assert out["filename"] == "optviz-rosenbrock-5runs-steps0-600.gif" and out["type"] == "image/gif"
    save(artifacts, "export-animation.gif", out["bytes"])
    gif = Image.open(io.BytesIO(out["bytes"]))
    assert gif.n_frames == 12 and gif.size == (960, 600)
    durations, frames = [], []
    for i in range(gif.n_frames):
        gif.seek(i)
        durations.append(gif.info["duration"])
        frames.append(gif.convert("RGB"))
    assert sum(durations) == 1200, durations
    frames[0].save(artifacts / "export-animation-first.png")
    frames[-1].save(artifacts / "export-animation-last.png")
    for color in COLORS:
        assert has_color(frames[-1], color), f"the legend's {color}, exactly"
    assert frames[0].tobytes() != frames[-1].tobytes(), "the markers moved"
    assert dash_duo.get_logs() == []


def test_xpb004_a_webm_and_an_mp4_of_the_playback(dash_duo, app, artifacts, tmp_path):
    open_page(dash_duo, app, LINK + "&reveal=on", runs=5)
    out = export(dash_duo, "window.optvizExport.animation({format: 'webm', fps: 15, frames: 30, withLoss: true, "
                           "width: 1280, height: 800})")
    assert out["ok"], out.get("error")
    assert out["filename"] == "optviz-rosenbrock-5runs-steps0-1000.webm" and out["type"] == "video/webm"
    data = out["bytes"]
    assert data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64], "an EBML header with the webm doctype"
    save(artifacts, "export-animation.webm", data)
    path = tmp_path / "a.webm"
    path.write_bytes(data)
    assert imageio_ffmpeg.count_frames_and_secs(str(path))[0] == 30
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert tuple(meta["size"]) == (1280, 800) and abs(meta["duration"] - 2.0) < 0.1
    decoded = list(reader)
    assert len(decoded) == 30
    last = Image.frombytes("RGB", (1280, 800), decoded[-1])
    last.save(artifacts / "export-animation-webm-last.png")
    assert has_color(last, "#0072B2", tolerance=24), "VP9 keeps the legend's blue within a few levels"

    mp4 = export(dash_duo, "window.optvizExport.animation({format: 'mp4', fps: 10, frames: 12, width: 960, height: 600})")
    assert mp4["ok"], mp4.get("error")
    assert mp4["filename"].endswith(".mp4") and mp4["bytes"][4:8] == b"ftyp"
    save(artifacts, "export-animation.mp4", mp4["bytes"])
    path = tmp_path / "a.mp4"
    path.write_bytes(mp4["bytes"])
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 12 and abs(seconds - 1.2) < 0.2, (frames, seconds)
    assert dash_duo.get_logs() == []


def test_xpb005_limits_and_cancel(dash_duo, app, artifacts):
    open_page(dash_duo, app, LINK, runs=5)
    too_many = export(dash_duo, "window.optvizExport.animation({format: 'gif', frames: 601})")
    assert not too_many["ok"] and "600" in too_many["error"]
    too_big = export(dash_duo, "window.optvizExport.animation({format: 'webm', width: 4000, height: 3000})")
    assert not too_big["ok"] and "1920" in too_big["error"]
    # a file over the size limit stops and says so (the limit lowered to 300 kB to see it here)
    heavy = export(dash_duo, "(window.optvizExport.limits.bytes = 300 * 1024, "
                             "window.optvizExport.animation({format: 'gif', frames: 200, width: 1600, height: 1000})"
                             ".finally(() => { window.optvizExport.limits.bytes = 20 * 1024 * 1024; }))")
    assert not heavy["ok"] and "more than the limit of 0.3 MB" in heavy["error"] and "fewer frames" in heavy["error"]
    cancelled = export(dash_duo, "(setTimeout(() => window.optvizExport.cancel(), 1500), "
                                 "window.optvizExport.animation({format: 'webm', frames: 300}))")
    assert not cancelled["ok"] and cancelled["error"] == "cancelled"
    again = export(dash_duo, "window.optvizExport.animation({format: 'gif', frames: 2, width: 640, height: 400})")
    assert again["ok"], "an export after a cancelled one works"
    assert dash_duo.get_logs() == []


NAMELESS_JS = """
const root = document.querySelector(arguments[0]);
const nameless = [];
for (const el of root.querySelectorAll('input, select, button, textarea, progress, [role=button], a[href]')) {
  const label = (el.labels && Array.from(el.labels).map(l => l.textContent).join(' ')) || '';
  const name = (el.getAttribute('aria-label') || label || el.textContent || el.title || '').trim();
  if (!name) nameless.push(el.outerHTML.slice(0, 120));
}
return nameless;
"""


def open_menu(duo):
    if not duo.driver.find_elements(By.CSS_SELECTOR, "#export-menu .dropdown-menu.show"):
        duo.find_element("#export-menu .dropdown-toggle").click()
    until(lambda: duo.driver.find_elements(By.CSS_SELECTOR, "#export-menu .dropdown-menu.show"), 5)


def test_xpb006_the_menu_the_dialog_and_the_data_links(dash_duo, app, artifacts):
    open_page(dash_duo, app, "?surface=booth&steps=40&run=adam:lr=0.1&run=gd:lr=0.01", runs=2)
    open_menu(dash_duo)
    until(lambda: dash_duo.find_element("#export-item-csv").get_attribute("href").endswith(
        "/export/data.csv" + search_of(dash_duo)), 5, msg="the CSV link follows the view")
    assert dash_duo.driver.execute_script(NAMELESS_JS, "#export-menu") == []
    # the data links follow the address bar
    steps = dash_duo.find_element("#steps-input")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", steps)
    steps.clear()
    steps.send_keys("25\n")
    until(lambda: "steps=25" in search_of(dash_duo), 10)
    until(lambda: "steps=25" in dash_duo.find_element("#export-item-json").get_attribute("href"), 5)
    data = dash_duo.driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(document.getElementById('export-item-csv').getAttribute('href')).then(r => r.text()).then(done);""")
    assert data.startswith("run,optimizer,label,step,") and data.count("\r\n") == 1 + 2 * 26

    open_menu(dash_duo)
    dash_duo.find_element("#export-item-slide").click()
    dash_duo.wait_for_text_to_equal("#export-dialog-title", "Export a slide")
    assert dash_duo.driver.execute_script(NAMELESS_JS, "#export-dialog") == []
    assert not dash_duo.find_element("#export-slide-section").get_attribute("hidden")
    screenshot_dialog = artifacts / "export-dialog-slide.png"
    dash_duo.driver.save_screenshot(str(screenshot_dialog))
    dash_duo.find_element("#export-start").click()
    until(lambda: "saved optviz-booth-2runs-step25.png" in dash_duo.find_element("#export-status").text, 30,
          msg="the slide was not exported from the dialog")
    assert "optviz-booth-2runs-step25.svg" in dash_duo.find_element("#export-status").text
    assert dash_duo.find_element("#export-progress").get_attribute("value") == "100"
    dash_duo.find_element("#export-dialog .btn-close").click()
    until(lambda: not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#export-dialog.show"), 5)

    open_menu(dash_duo)
    dash_duo.find_element("#export-item-gif").click()
    dash_duo.wait_for_text_to_equal("#export-dialog-title", "Export an animation")
    assert dash_duo.find_element("#export-slide-section").get_attribute("hidden")
    assert dash_duo.driver.execute_script(NAMELESS_JS, "#export-dialog") == []
    frames = dash_duo.find_element("#export-frames")
    frames.clear()
    frames.send_keys("6")
    dash_duo.driver.save_screenshot(str(artifacts / "export-dialog-animation.png"))
    dash_duo.find_element("#export-start").click()
    until(lambda: re.search(r"saved optviz-booth-2runs-steps0-25\.gif \([\d.]+ MB, 6 frames\)",
                            dash_duo.find_element("#export-status").text), 60,
          msg="the GIF was not exported from the dialog")
    dash_duo.find_element("#export-dialog .btn-close").click()
    until(lambda: not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#export-dialog.show"), 5)
    wait_ready(dash_duo, 2)
    assert dash_duo.get_logs() == []
