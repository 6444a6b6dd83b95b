"""The "export" menu of the top bar and its dialog: a slide (PNG and SVG), an animation (GIF,
WebM or MP4) and the data (CSV and JSON).

Slides and animations are made in the browser (``assets/export.js``, with Plotly's own
``toImage``): they use the visitor's CPU, never the server's work budget, and need nothing the
page does not already have.  The data links point at the server's ``/export/data.csv`` and
``/export/data.json`` (:mod:`optviz.export`), with the query string of the view (kept equal to
the address bar by a clientside callback).

``components(config)`` returns what the top bar shows; ``register()`` adds the clientside
callbacks (the functions are ``window.dash_clientside.optvizExport`` in ``assets/export.js``).
"""
from __future__ import annotations

import json
import re

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, html

import surfaces
from optviz import links
from optviz.config import Config
from optviz.ui import ids

__all__ = ["components", "register", "formula_text", "SIZES", "FPS", "MAX_FRAMES"]

MENU = "export-menu"
ITEM_SLIDE = "export-item-slide"
ITEM_GIF = "export-item-gif"
ITEM_VIDEO = "export-item-video"
ITEM_CSV = "export-item-csv"
ITEM_JSON = "export-item-json"
DIALOG = "export-dialog"
DIALOG_TITLE = "export-dialog-title"
MODE = "export-mode"                 # "slide" or "animation" (a Store)
SLIDE_SECTION = "export-slide-section"
ANIMATION_SECTION = "export-animation-section"
VIEWS = "export-views"
SLIDE_FORMATS = "export-slide-formats"
ANIMATION_FORMAT = "export-animation-format"
FPS_SELECT = "export-fps"
FRAMES_INPUT = "export-frames"
FROM_INPUT = "export-from-step"
TO_INPUT = "export-to-step"
SIZE_SELECT = "export-size"
WITH_LOSS = "export-with-loss"
PROGRESS = "export-progress"
STATUS = "export-status"
START = "export-start"
CANCEL = "export-cancel"
SCENE = "export-scene"               # the surfaces' titles and formulas, for the slide's title

#: Animation sizes (width x height, pixels) and frame rates offered; the defaults.
SIZES = ("960x600", "1280x800", "1600x1000", "1920x1080")
FPS = (10, 15, 30)
DEFAULT_SIZE, DEFAULT_FPS, DEFAULT_FRAMES = "1280x800", 15, 100
#: The most frames an animation may have (assets/export.js enforces it too).
MAX_FRAMES = 600


# -- the formula as text ---------------------------------------------------------------------------
_SUPERSCRIPT = str.maketrans("0123456789+-=()nixy", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱˣʸ")
_SYMBOLS = {r"\pi": "π", r"\kappa": "κ", r"\theta": "θ", r"\top": "ᵀ", r"\cdot": "·", r"\times": "×",
            r"\sin": "sin", r"\cos": "cos", r"\exp": "exp", r"\log": "log", r"\sqrt": "√", r"\tanh": "tanh",
            r"\lambda": "λ", r"\lVert": "‖", r"\rVert": "‖", r"\sum": "Σ"}
#: Subscripts that have a Unicode form (u_i reads as uᵢ); others are written inline (R_θ as Rθ).
_SUBSCRIPT = str.maketrans("0123456789i", "₀₁₂₃₄₅₆₇₈₉ᵢ")
_FRACTIONS = {("1", "2"): "½", ("1", "3"): "⅓", ("1", "4"): "¼", ("1", "5"): "⅕", ("2", "3"): "⅔"}


def _group(text: str, i: int) -> tuple[str, int]:
    """The argument of a LaTeX command at ``text[i]``: a ``{...}`` group or a single character."""
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text):
        return "", i
    if text[i] == "\\":   # a command: \top, \theta
        name = re.match(r"\\([A-Za-z]+|.?)", text[i:]).group(0)
        return name, i + len(name)
    if text[i] != "{":
        return text[i], i + 1
    depth = 0
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i + 1:j], j + 1
    return text[i + 1:], len(text)


def _wrapped(text: str) -> str:
    return text if re.fullmatch(r"[\w.√πκθ]+|\(.*\)", text) else f"({text})"


def _convert(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if text.startswith(r"\begin{bmatrix}", i):
            end = text.find(r"\end{bmatrix}", i)
            body = text[i + len(r"\begin{bmatrix}"):end if end >= 0 else len(text)]
            rows = [" ".join(_convert(cell).strip() for cell in row.split("&")) for row in body.split(r"\\")]
            out.append("[" + "; ".join(rows) + "]")
            i = end + len(r"\end{bmatrix}") if end >= 0 else len(text)
        elif text.startswith((r"\tfrac", r"\frac"), i):
            i += len(r"\tfrac") if text.startswith(r"\tfrac", i) else len(r"\frac")
            num, i = _group(text, i)
            den, i = _group(text, i)
            num, den = _convert(num).strip(), _convert(den).strip()
            out.append(_FRACTIONS.get((num, den)) or f"{_wrapped(num)}/{_wrapped(den)}")
        elif text.startswith(r"\sqrt", i):
            arg, i = _group(text, i + len(r"\sqrt"))
            out.append("√" + _wrapped(_convert(arg).strip()))
        elif text.startswith(r"\sum", i):   # a sum's bounds are left out: Σ over the data reads as Σ
            i += len(r"\sum")
            while i < len(text) and text[i] in " _^":
                if text[i] == " ":
                    i += 1
                else:
                    _, i = _group(text, i + 1)
            out.append("Σ ")
        elif text.startswith(r"\operatorname", i):
            arg, i = _group(text, i + len(r"\operatorname"))
            out.append(arg)
        elif c == "\\":
            name = re.match(r"\\([A-Za-z]+|.?)", text[i:]).group(0)
            i += len(name)
            if name in (r"\left", r"\right"):
                continue
            if name in (r"\,", r"\;", r"\:", r"\ "):
                out.append(" ")
            elif name in (r"\quad", r"\qquad"):
                out.append("  ")
            else:
                word = _SYMBOLS.get(name, name[1:])
                out.append(word + (" " if word.isalpha() and len(word) > 1 and i < len(text)
                                   and text[i].isalnum() else ""))
        elif c in "^_":
            arg, i = _group(text, i + 1)
            arg = _convert(arg).strip()
            if c == "^" and arg == "ᵀ":
                out.append("ᵀ")
            elif c == "^" and all(ch in "0123456789+-=()nixy" for ch in arg.replace("−", "-")):
                out.append(arg.replace("−", "-").translate(_SUPERSCRIPT))
            elif c == "^":
                out.append("^" + _wrapped(arg))
            elif all(ch in "0123456789i" for ch in arg):
                out.append(arg.translate(_SUBSCRIPT))
            else:
                out.append(arg)   # a subscript: R_θ reads as Rθ
        elif c in "{}":
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def formula_text(latex: str) -> str:
    """A surface's LaTeX formula as plain Unicode text, for a slide's title
    (``f(x, y) = (1 − x)² + 100 (y − x²)²``)."""
    text = _convert(latex)
    text = re.sub(r"(?<=[\w)\]²³⁴⁶]) - ", " − ", text)
    text = re.sub(r"(?<![\w)])-(?=[\w(√])", "−", text)
    text = re.sub(r"(?<=[πθκ]) (?=[a-z])", "", text)             # 3π x -> 3πx
    text = re.sub(r"(?<=\d)(?=(sin|cos|exp|log)\b)", " ", text)  # 10cos -> 10 cos
    return re.sub(r" {3,}", "  ", re.sub(r"(?<! ) {2}(?! )", " ", text)).strip()


def scene_data() -> dict:
    """Every surface's title, formula (as text) and default parameters, for assets/export.js."""
    return {s.name: {"title": s.title, "formula": formula_text(s.latex), "params": dict(s.values)}
            for s in surfaces.all_surfaces()}


# -- the components --------------------------------------------------------------------------------
def data_href(kind: str, search: str) -> str:
    return f"/export/data.{kind}{search}"


def _menu(config: Config):
    search = links.serialize(config)
    return dbc.DropdownMenu([
        dbc.DropdownMenuItem("slide: PNG and SVG…", id=ITEM_SLIDE, n_clicks=0),
        dbc.DropdownMenuItem("animation: GIF…", id=ITEM_GIF, n_clicks=0),
        dbc.DropdownMenuItem("animation: video (WebM, MP4)…", id=ITEM_VIDEO, n_clicks=0),
        dbc.DropdownMenuItem(divider=True),
        dbc.DropdownMenuItem("data: CSV (every step of every run)", id=ITEM_CSV, href=data_href("csv", search),
                             external_link=True),
        dbc.DropdownMenuItem("data: JSON (with the link)", id=ITEM_JSON, href=data_href("json", search),
                             external_link=True),
    ], id=MENU, label="export", color="light", size="sm", align_end=True, class_name="export-menu")


def _labelled(id_: str, label: str, control, help_text: str = ""):
    return html.Div([dbc.Label(label, html_for=id_, className="param-label"), control],
                    className="field", title=help_text or None)


def _slide_section():
    return html.Div([
        html.Fieldset([
            html.Legend("views", className="export-legend"),
            dbc.Checklist(id=VIEWS, inline=True, value=["map", "loss"], options=[
                {"label": "map", "value": "map"}, {"label": "3-D surface", "value": "surface3d"},
                {"label": "loss", "value": "loss"}, {"label": "distance", "value": "distance"}]),
        ]),
        html.Fieldset([
            html.Legend("files", className="export-legend"),
            dbc.Checklist(id=SLIDE_FORMATS, inline=True, value=["png", "svg"], options=[
                {"label": "PNG (2× resolution)", "value": "png"}, {"label": "SVG (editable)", "value": "svg"}]),
        ]),
        html.P("The views at the current step, with the surface's title and formula, the legend (each run's "
               "colour, marker, label and f at this step) and the step. Files are named after the scene, "
               "e.g. optviz-rosenbrock-5runs-step300.png.", className="hint mb-0"),
    ], id=SLIDE_SECTION)


def _animation_section():
    return html.Div([
        html.Fieldset([
            html.Legend("format", className="export-legend"),
            dbc.RadioItems(id=ANIMATION_FORMAT, inline=True, value="gif", options=[
                {"label": "GIF", "value": "gif"}, {"label": "WebM", "value": "webm"},
                {"label": "MP4 (where the browser records it)", "value": "mp4"}]),
        ]),
        dbc.Row([
            dbc.Col(_labelled(FPS_SELECT, "frames per second", dbc.Select(
                id=FPS_SELECT, value=str(DEFAULT_FPS), size="sm",
                options=[{"label": f"{f} fps", "value": str(f)} for f in FPS]))),
            dbc.Col(_labelled(FRAMES_INPUT, "frames", dbc.Input(
                id=FRAMES_INPUT, type="number", min=2, max=MAX_FRAMES, step=1, value=DEFAULT_FRAMES, size="sm"),
                f"How many frames (2 to {MAX_FRAMES}); the steps are spread evenly over them.")),
            dbc.Col(_labelled(SIZE_SELECT, "size (pixels)", dbc.Select(
                id=SIZE_SELECT, value=DEFAULT_SIZE, size="sm",
                options=[{"label": s.replace("x", " × "), "value": s} for s in SIZES]))),
        ], className="g-2"),
        dbc.Row([
            dbc.Col(_labelled(FROM_INPUT, "from step", dbc.Input(
                id=FROM_INPUT, type="number", min=0, step=1, placeholder="0", size="sm"),
                "The first step shown (empty: 0).")),
            dbc.Col(_labelled(TO_INPUT, "to step", dbc.Input(
                id=TO_INPUT, type="number", min=0, step=1, placeholder="last", size="sm"),
                "The last step shown (empty: the last step).")),
            dbc.Col(dbc.Switch(id=WITH_LOSS, value=False, label="loss plot beside the map",
                               label_class_name="param-label"), className="pt-4"),
        ], className="g-2"),
        html.P(f"The playback of the map with the legend and a step counter (paths grow with the steps when "
               f"reveal is on). Limits: at most {MAX_FRAMES} frames and 20 MB; an export stops and says so "
               f"if it would be larger or take more than 3 minutes.", className="hint mb-0"),
    ], id=ANIMATION_SECTION, hidden=True)


def _dialog():
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Export", id=DIALOG_TITLE)),
        dbc.ModalBody([
            _slide_section(),
            _animation_section(),
            html.Div([
                html.Label("progress", htmlFor=PROGRESS, className="param-label"),
                html.Progress(id=PROGRESS, value="0", max="100", className="export-progress"),
                html.Div("", id=STATUS, className="export-status", role="status", **{"aria-live": "polite"}),
            ], className="export-progress-row"),
        ]),
        dbc.ModalFooter([
            dbc.Button("cancel", id=CANCEL, color="secondary", outline=True, size="sm", n_clicks=0, disabled=True,
                       title="Stop the export"),
            dbc.Button("export", id=START, color="primary", size="sm", n_clicks=0),
        ]),
    ], id=DIALOG, is_open=False, labelledby=DIALOG_TITLE, size="lg")


def components(config: Config) -> list:
    """The menu, its dialog, and the data export.js reads (hidden)."""
    return [
        _menu(config),
        _dialog(),
        dash.dcc.Store(id=MODE, data="slide"),
        html.Div(id=SCENE, hidden=True, **{"data-surfaces": json.dumps(scene_data(), ensure_ascii=False)}),
    ]


# -- callbacks -------------------------------------------------------------------------------------
_registered = False


def register() -> None:
    """The clientside callbacks of the menu and the dialog (idempotent)."""
    global _registered
    if _registered:
        return
    _registered = True
    fn = lambda name: ClientsideFunction("optvizExport", name)   # noqa: E731
    dash.clientside_callback(
        fn("dataLinks"),
        Output(ITEM_CSV, "href"), Output(ITEM_JSON, "href"),
        Input(ids.URL_SYNC, "data"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        fn("open"),
        Output(DIALOG, "is_open"), Output(DIALOG_TITLE, "children"), Output(MODE, "data"),
        Output(SLIDE_SECTION, "hidden"), Output(ANIMATION_SECTION, "hidden"), Output(ANIMATION_FORMAT, "value"),
        Input(ITEM_SLIDE, "n_clicks"), Input(ITEM_GIF, "n_clicks"), Input(ITEM_VIDEO, "n_clicks"),
        State(ANIMATION_FORMAT, "value"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        fn("start"),
        Output(STATUS, "children"),
        Input(START, "n_clicks"),
        State(MODE, "data"), State(VIEWS, "value"), State(SLIDE_FORMATS, "value"),
        State(ANIMATION_FORMAT, "value"), State(FPS_SELECT, "value"), State(FRAMES_INPUT, "value"),
        State(FROM_INPUT, "value"), State(TO_INPUT, "value"), State(SIZE_SELECT, "value"), State(WITH_LOSS, "value"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        fn("cancel"),
        Output(CANCEL, "disabled"),
        Input(CANCEL, "n_clicks"), Input(DIALOG, "is_open"),
        prevent_initial_call=True,
    )
