"""The page: a control panel (surface, start and steps, training conditions, runs) beside the four
views and their shared playback bar.  Every control is generated from metadata (an optimizer's
spec, a surface's parameters, a schedule's parameters, the app's own settings in ``state``).
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
import textwrap
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

import surfaces
from optviz import __version__, lessons, links, optimizers, schedules
from optviz.spec import Hyperparameter
from optviz.ui import ids
from optviz.ui import export_panel  # the top bar's export menu (slides, animations, data)
from optviz.ui.figures import COLORS, SYMBOLS
from optviz.ui import explore
from optviz.options import BATCH
from optviz.ui.state import (CLIP, MAX_RUNS, NOISE, SEED, STEPS, Config, Run, format_number,
                             own_conditions_label, run_label)

__all__ = ["build_layout", "run_card", "param_controls", "surface_info", "schedule_info", "SYMBOL_CHARS",
           "SPEEDS"]

#: Unicode stand-ins for the marker shapes of figures.SYMBOLS (for the legend and the run cards).
SYMBOL_CHARS = {"circle": "●", "square": "■", "diamond": "◆", "triangle-up": "▲", "pentagon": "⬟",
                "hexagon": "⬢", "star-diamond": "✦", "triangle-down": "▼"}
#: The attribute that names the sliders inside an element for screen readers (dcc.Slider takes no
#: aria-label: assets/optviz.js gives its handle the name).
SLIDER_LABEL = "data-slider-label"
#: Playback speeds, in steps per second.
SPEEDS = (5, 15, 30, 60, 150, 400, 1000)
DEFAULT_SPEED = 60
#: How many of a run's hyperparameters are shown before "more settings" (the spec lists the most
#: important first: the learning rate, then momentum or beta1).
PRIMARY = 2
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": "hover", "showSendToCloud": False,
                "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d", "sendChartToCloud"],
                "toImageButtonOptions": {"format": "png", "filename": "optviz", "scale": 2}}


# -- parameter controls ----------------------------------------------------------------------------
def _slider_spec(hp: Hyperparameter) -> dict[str, Any]:
    """min, max, step, marks and whether the slider runs over log10 of the value."""
    lo, hi = hp.slider_range
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        d = float(hp.default)
        lo, hi = (d / 10, d * 10) if hp.log and d > 0 else (d - max(1.0, abs(d)), d + max(1.0, abs(d)))
    if hp.log and lo > 0:
        a, b = math.log10(lo), math.log10(hi)
        decades = list(range(math.ceil(a), math.floor(b) + 1))
        if len(decades) > 3:  # keep the labels apart on a narrow slider
            decades = [decades[0], decades[len(decades) // 2], decades[-1]]
        marks = {k: _decade(k) for k in decades}
        return dict(min=a, max=b, step=0.01, marks=marks, log=True)
    step = _nice_step((hi - lo) / 200)
    if hp.kind == "int":  # every integer while there are not too many of them
        step = 1 if hi - lo <= 2000 else int(round(step))
    return dict(min=lo, max=hi, step=step, marks={lo: format_number(lo), hi: format_number(hi)}, log=False)


def _nice_step(raw: float) -> float:
    """The 1-2-5 step nearest above ``raw`` (so a dragged slider gives round numbers)."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    mag = 10.0 ** math.floor(math.log10(raw))
    return next(float(f"{m * mag:.12g}") for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))


def _decade(k: int) -> str:
    if -3 <= k <= 3:
        return format_number(10.0 ** k)
    return f"1e{k}"


def _slider_position(hp: Hyperparameter, spec: dict, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float(hp.default)
    if spec["log"]:
        v = math.log10(v) if v > 0 else spec["min"]
    return min(max(v, spec["min"]), spec["max"])


def param_controls(owner: str, hp: Hyperparameter, value: Any, *, label: str | None = None):
    """The control for one parameter: a switch, a select, or a slider with a number box beside it
    that holds the exact value (over log10 of the value where ``hp.log``)."""
    name = label or hp.name
    title = f"{hp.help} Allowed: {hp.allowed}."
    if hp.kind == "bool":
        return html.Div(dbc.Switch(id={"type": "hp-switch", "run": owner, "name": hp.name}, value=bool(value),
                                   label=name, label_class_name="param-label"),
                        className="param-row param-switch", title=title)
    if hp.kind == "choice":
        choice_id = {"type": "hp-choice", "run": owner, "name": hp.name}
        return html.Div([
            html.Label(name, htmlFor=dom_id(choice_id), className="param-label", title=title),
            dbc.Select(id=choice_id, value=value, size="sm",
                       options=[{"label": c, "value": c} for c in hp.choices], className="param-select"),
        ], className="param-row param-choice")
    if hp.kind == "text":   # a typed formula: applied on Enter (or when the box loses focus)
        text_id = {"type": ids.HP_TEXT, "run": owner, "name": hp.name}
        return html.Div([
            html.Label(f"{name}(x, y) =" if hp.name == "f" else name, htmlFor=dom_id(text_id), className="param-label",
                       title=title),
            # twice the limit: a longer paste must reach the check, which says the limit (cut at the
            # limit, it was refused for ending too early)
            dbc.Input(id=text_id, type="text", value=value, debounce=True, size="sm", className="param-text",
                      maxLength=2 * int(hp.high), autoComplete="off"),
            dbc.FormFeedback("Not used: see the message below.", type="invalid"),
            html.Div(["Press Enter to draw it. ", hp.help, "."], id=f"{owner}-{hp.name}-help",
                      className="param-help small text-muted"),
        ], className="param-row param-text-row")
    spec = _slider_spec(hp)
    feedback = f"{hp.name} must be {hp.allowed}"
    if owner == ids.SURFACE_OWNER and hp.name in surfaces.FORMULA_WINDOW:   # also refused for its partner
        feedback = (f"Not used: see the message below (a window needs x_min < x_max and y_min < y_max, "
                    f"each within ±{format_number(hp.high)})")
    return html.Div([
        html.Label(name, htmlFor=dom_id(ids.hp(owner, hp.name)), className="param-label", title=title),
        html.Div([
            dbc.Input(id=ids.hp(owner, hp.name), type="text", value=value, debounce=True,
                      size="sm", className="param-input", inputMode="decimal"),
            dbc.FormFeedback(feedback, type="invalid"),
        ], className="param-input-wrap", title=title),
        dcc.Slider(id=ids.hp_slider(owner, hp.name, False), min=spec["min"], max=spec["max"], step=spec["step"],
                   value=_slider_position(hp, spec, value), marks=spec["marks"], allow_direct_input=False,
                   updatemode="mouseup", className="param-slider log-slider" if spec["log"] else "param-slider"),
    ], className="param-row", **{SLIDER_LABEL: f"{name} (log scale)" if spec["log"] else name})


# -- runs ------------------------------------------------------------------------------------------
#: The optimizer picker's groups, in order: gradient descent first, then what grew from it.
FAMILIES = (("first-order", "Gradient descent"), ("momentum", "Momentum"), ("adaptive", "Adaptive step sizes"),
            ("sign", "Sign-based"), ("conjugate-gradient", "Conjugate gradient"),
            ("second-order", "Second-order"), ("quasi-Newton", "Quasi-Newton"),
            ("derivative-free", "Without gradients"))


def _optimizer_options():
    """The picker's options grouped by family (a group's name is an option that cannot be
    chosen: a native select has no groups in Dash), gradient descent first."""
    specs = optimizers.all_specs()
    order = [f for f, _ in FAMILIES] + sorted({s.family for s in specs} - {f for f, _ in FAMILIES})
    names = dict(FAMILIES)
    options = []
    for family in order:
        members = [s for s in specs if s.family == family]
        if not members:
            continue
        options.append({"label": f"— {names.get(family, family)} —", "value": f"family:{family}", "disabled": True})
        options += [{"label": s.title, "value": s.name} for s in members]
    return options


def run_card(run: Run, position: int | None = None) -> dbc.Card:
    """One run's card: optimizer, duplicate/remove, its hyperparameters, and what it computes."""
    spec = run.spec
    color = COLORS[run.color % len(COLORS)]
    symbol = SYMBOL_CHARS[SYMBOLS[run.color % len(SYMBOLS)]]
    # a run is known by its marker's shape (its colour and label change; the shape does not)
    shape = SYMBOLS[run.color % len(SYMBOLS)].replace("-", " ")
    values = run.values
    rows = [param_controls(run.uid, h, values[h.name]) for h in spec.hyperparameters]
    primary, rest = rows[:PRIMARY], rows[PRIMARY:]
    body = [*primary]
    if rest:
        body.append(html.Details([html.Summary(f"more settings ({len(rest)})"), *rest], className="more-params"))
    body.append(own_conditions(run))
    tune = []
    if explore.tune_params(spec, False):
        tune = [dbc.Button(["tune lr", html.Span(f" of the {shape} run", className="visually-hidden")],
                           id=ids.run_part(ids.RUN_TUNE, run.uid), color="link", size="sm", n_clicks=0,
                           className="tune-button",
                           title="Set the learning rate that reaches the lowest loss within the steps (a search "
                                 "over the slider's range, refined around the best)")]
    body.append(html.Div([
        *tune,
        dbc.Button(f"about {spec.title}", id=ids.run_part(ids.ABOUT_TOGGLE, run.uid), color="link", size="sm",
                   n_clicks=0, className="about-toggle"),
        # filled on first opening (see callbacks.about): typesetting formulas nobody opened
        # would slow every page load
        html.Div(id=ids.run_part(ids.ABOUT_BODY, run.uid), className="about-body collapsed"),
    ], className="about-optimizer"))
    return dbc.Card([
        dbc.CardHeader(html.Div([
            html.Span(symbol, className="run-swatch", style={"color": color}, title=run_label(run),
                      **{"aria-hidden": "true"}),
            html.Label(f"optimizer of the {shape} run", htmlFor=dom_id(ids.run_part(ids.RUN_OPTIMIZER, run.uid)),
                       className="visually-hidden"),
            dbc.Select(id=ids.run_part(ids.RUN_OPTIMIZER, run.uid), options=_optimizer_options(),
                       value=run.optimizer, size="sm", className="run-optimizer"),
            dbc.Button(icon("copy", "duplicate"), id=ids.run_part(ids.RUN_DUPLICATE, run.uid), color="link", size="sm",
                       className="run-action", title="Duplicate this run (compare two settings side by side)",
                       n_clicks=0),
            dbc.Button(icon("close", "remove"), id=ids.run_part(ids.RUN_REMOVE, run.uid), color="link", size="sm",
                       className="run-action run-remove", title="Remove this run", n_clicks=0),
        ], className="run-header")),
        dbc.CardBody(body, className="run-body"),
    ], className="run-card", style={"borderLeftColor": color}, id=ids.run_part("run-card", run.uid))


#: The value of a run's condition selects that follows the shared setting.
SHARED = "shared"


def own_conditions(run: Run):
    """A run's own training conditions: each box left empty (or "shared") follows the shared
    setting; a value set here holds for this run only."""
    own = dict(run.conditions)
    uid = run.uid
    shared = "shared"

    def number(name: str, hp: Hyperparameter, label: str, empty: str = shared):
        return html.Div([
            dbc.Label(label, html_for=dom_id(ids.cond(uid, name)), className="param-label"),
            dbc.Input(id=ids.cond(uid, name), type="text", value=own.get(name), debounce=True,
                      size="sm", placeholder=empty, inputMode="decimal"),
            dbc.FormFeedback(f"{hp.name} must be {hp.allowed}, or empty for {empty}", type="invalid"),
        ], className="field", title=f"{hp.help} Empty: {'the shared setting' if empty == shared else empty}.")

    schedule = own.get("schedule", SHARED)
    clip = own.get("clip", "") if "clip" in own else ""
    clip_mode = SHARED if "clip" not in own else ("off" if clip is None else "on")
    rows = [
        dbc.Row([dbc.Col(number("noise", NOISE, "noise σ")), dbc.Col(number("seed", SEED, "seed")),
                 dbc.Col(number("batch", BATCH, "batch", "all"))], className="g-2"),
        html.Div([
            dbc.Label("schedule", html_for=dom_id(ids.cond(uid, "schedule")), className="param-label"),
            dbc.Select(id=ids.cond(uid, "schedule"), value=schedule, size="sm",
                       options=[{"label": "shared", "value": SHARED}] +
                               [{"label": schedules.get(n).title, "value": n} for n in schedules.names()]),
        ], className="field"),
    ]
    if schedule != SHARED:
        values = dict(own.get("schedule_params", ()))
        rows += [param_controls(ids.own_schedule_owner(uid), h, values.get(h.name, h.default))
                 for h in schedules.get(schedule).parameters]
    rows.append(dbc.Row([
        dbc.Col(html.Div([
            dbc.Label("clip", html_for=dom_id(ids.cond(uid, "clip_mode")), className="param-label"),
            dbc.Select(id=ids.cond(uid, "clip_mode"), value=clip_mode, size="sm",
                       options=[{"label": "shared", "value": SHARED}, {"label": "off", "value": "off"},
                                {"label": "at norm", "value": "on"}]),
        ], className="field")),
        dbc.Col(html.Div([
            dbc.Label("norm", html_for=dom_id(ids.cond(uid, "clip")), className="param-label"),
            dbc.Input(id=ids.cond(uid, "clip"), type="text", value=clip if clip_mode == "on" else CLIP.default,
                      debounce=True, size="sm", disabled=clip_mode != "on", inputMode="decimal"),
            dbc.FormFeedback(f"clip must be {CLIP.allowed}", type="invalid"),
        ], className="field", title=CLIP.help)),
    ], className="g-2"))
    summary = "training conditions: " + (own_conditions_label(run) or "shared")
    return html.Details([html.Summary(summary), *rows], className="own-conditions", open=bool(own))


def dom_id(component_id) -> str:
    """The DOM id Dash gives a component id (a pattern-matching id is its sorted JSON)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def about_optimizer(name: str):
    """What an optimizer computes, under its run card: its update rule in short, what it changes
    compared with its parent, and a button that opens the whole algorithm (see :func:`algorithm`)."""
    spec = optimizers.get(name)
    # one equation per line (the rule's parts are written "a,\\quad b"), so it fits the panel
    lines = " \\\\\n".join(f"&{part}" for part in re.split(r",\s*\\quad\s*", spec.update))
    about = [dcc.Markdown(f"$$\\small \\begin{{aligned}}{lines}\\end{{aligned}}$$", mathjax=True,
                          className="update-rule")]
    if spec.note:
        about.append(html.P(spec.note, className="mb-1"))
    lineage = getattr(spec, "lineage", "")
    if lineage:
        about.append(html.P(lineage, className="mb-1 lineage"))
    ref = " · ".join(x for x in (spec.reference, spec.torch and f"as {spec.torch}") if x)
    if ref:
        about.append(html.P(ref, className="text-muted small mb-1"))
    about.append(dbc.Button("the whole update rule", id={"type": ids.ALGORITHM_BUTTON, "optimizer": name},
                            color="primary", outline=True, size="sm", n_clicks=0, className="algorithm-button"))
    return about


#: The symbols of the algorithm boxes, by hyperparameter (``(optimizer, name)`` first, then ``("*", name)``).
MATH_SYMBOLS = {
    ("*", "lr"): r"\eta", ("*", "beta1"): r"\beta_1", ("*", "beta2"): r"\beta_2", ("*", "eps"): r"\epsilon",
    ("*", "weight_decay"): r"\lambda", ("*", "momentum"): r"\mu", ("*", "dampening"): r"\tau",
    ("*", "alpha"): r"\alpha", ("*", "rho"): r"\rho", ("*", "gamma"): r"\gamma", ("*", "sigma"): r"\sigma",
    ("adagrad", "lr_decay"): r"\delta", ("adagrad", "initial_accumulator_value"): r"\tau",
    ("nadam", "momentum_decay"): r"\psi", ("newton", "damping"): r"\lambda",
}


def algorithm_box(name: str) -> str:
    """The ``.. math::`` algorithm box of the optimizer's module docstring: the docstring is
    the spec, the app shows it (no second copy)."""
    spec = optimizers.get(name)
    kernel = getattr(spec.kernel, "py_func", spec.kernel)
    doc = sys.modules[kernel.__module__].__doc__ or ""
    found = re.search(r"\.\. math::\n((?:[ \t]+.*\n|[ \t]*\n)+)", doc)
    return textwrap.dedent(found.group(1)).strip() if found else spec.update


def algorithm(name: str):
    """The whole update rule of optimizer ``name``, typeset line by line, with its symbols named
    as its sliders are."""
    spec = optimizers.get(name)
    box = algorithm_box(name)
    rows = []
    for h in spec.hyperparameters:
        symbol = MATH_SYMBOLS.get((name, h.name)) or MATH_SYMBOLS.get(("*", h.name))
        if symbol and symbol in box:
            rows.append(html.Tr([html.Td(dcc.Markdown(f"${symbol}$", mathjax=True)), html.Td(html.Code(h.name)),
                                 html.Td(h.help)]))
    parts = [dcc.Markdown(f"$$\\begin{{aligned}}\n{box}\n\\end{{aligned}}$$", mathjax=True, className="algorithm")]
    parts.append(html.P("g is the gradient the method sees (exact, or with the noise you set, then clipped); "
                        "ηₜ is lr times the schedule's factor at step t.", className="small text-muted"))
    if rows:
        parts.append(html.Table([html.Thead(html.Tr([html.Th("symbol"), html.Th("slider"), html.Th("meaning")])),
                                 html.Tbody(rows)], className="symbol-table"))
    lineage = getattr(spec, "lineage", "")
    if lineage:
        parts.append(html.P(lineage, className="lineage"))
    ref = " · ".join(x for x in (spec.reference, spec.torch and f"the same iterates as {spec.torch}") if x)
    if ref:
        parts.append(html.P(ref, className="text-muted small mb-0"))
    return parts


# -- surface and schedule --------------------------------------------------------------------------
def surface_info(surface: surfaces.Surface):
    parts = [dcc.Markdown(f"$${surface.latex}$$", mathjax=True, className="formula")]
    if surface.note:
        parts.append(html.P(surface.note, className="surface-note"))
    if surface.reference:
        parts.append(html.P(surface.reference, className="text-muted small mb-0"))
    return parts


def surface_params(config: Config):
    surface = surfaces.get(config.surface)
    values = dict(config.surface_params)
    rows = [param_controls(ids.SURFACE_OWNER, h, values.get(h.name, h.default)) for h in surface.parameters
            if h.name not in surfaces.FORMULA_WINDOW]
    window = [param_controls(ids.SURFACE_OWNER, h, values.get(h.name, h.default)) for h in surface.parameters
              if h.name in surfaces.FORMULA_WINDOW]
    if window:   # a typed formula's window, folded: most formulas suit the default
        summary = html.Summary(window_summary(config.surface_obj()),
                               id={"type": ids.WINDOW_SUMMARY, "owner": ids.SURFACE_OWNER})
        rows.append(html.Details([summary, *window], className="more-params formula-window"))
    return rows


def window_summary(surface: surfaces.Surface) -> str:
    """The folded window's one line (kept current by a callback: the boxes are not redrawn)."""
    (x0, x1), (y0, y1) = surface.domain
    return f"window: x from {format_number(x0)} to {format_number(x1)}, y from {format_number(y0)} to {format_number(y1)}"


def schedule_info(name: str):
    spec = schedules.get(name)
    return [dcc.Markdown(f"$$\\small {spec.latex}$$", mathjax=True, className="formula"),
            html.P(spec.help, className="small text-muted mb-1")]


def schedule_params(config: Config):
    spec = schedules.get(config.schedule)
    values = dict(config.schedule_params)
    return [*schedule_info(config.schedule),
            *[param_controls(ids.SCHEDULE_OWNER, h, values.get(h.name, h.default)) for h in spec.parameters]]


# -- page ------------------------------------------------------------------------------------------
def _number_field(id_: str, value, label: str, *, feedback: str, help_text: str):
    """A labelled number box; ``feedback`` shows under it when the server flags it invalid."""
    return html.Div([
        dbc.Label(label, html_for=id_, className="param-label"),
        dbc.Input(id=id_, type="text", value=value, debounce=True, size="sm", inputMode="decimal"),
        dbc.FormFeedback(feedback, type="invalid"),
    ], className="field", title=help_text)


def _hp_field(id_: str, hp: Hyperparameter, value, label: str):
    return _number_field(id_, value, label, feedback=f"{hp.name} must be {hp.allowed}", help_text=hp.help)


FREE_PLAY = "Free play: no lesson"


def lesson_picker(config: Config):
    return dbc.Card(dbc.CardBody([
        html.H2(html.Label("Lesson", htmlFor=ids.LESSON_SELECT), className="panel-title"),
        # (the placeholder is what the select shows for "": dbc.Select's own hidden option has that value)
        dbc.Select(id=ids.LESSON_SELECT, value=config.lesson, size="sm", placeholder=FREE_PLAY,
                   options=[{"label": FREE_PLAY, "value": ""}] +
                           [{"label": lesson.title, "value": lesson.name} for lesson in lessons.all_lessons()]),
        html.P("A lesson loads a classic scene and says what to look at; change anything, and share the link.",
               className="hint mb-0"),
    ]), className="panel lesson-panel")


def lesson_caption(config: Config):
    """The lesson's caption above the views (nothing outside a lesson)."""
    if not config.lesson:
        return []
    lesson = lessons.get(config.lesson)
    # how the scene is shown (revealed as it plays, presented) is not a change to it
    shown_as_scene = dataclasses.replace(config, reveal=lesson.scene.reveal, present=lesson.scene.present)
    changed = links.serialize(shown_as_scene) != links.serialize(lesson.scene)
    parts = [
        html.Div([html.Span("Lesson", className="lesson-kicker"), html.Strong(lesson.title, className="lesson-title")]),
        html.P(lesson.caption, className="lesson-text"),
        html.P([html.Strong("Now try: "), lesson.try_next], className="lesson-try"),
    ]
    if changed:
        parts.append(html.P("You have changed the lesson's scene: the caption describes the original "
                            "(pick the lesson again to go back to it).", className="lesson-changed"))
    return parts


def _controls(config: Config):
    surface = config.surface_obj()
    # (the exact range depends on the surface: the message above the runs gives it)
    feedback_x, feedback_y = ("start x must be a number near the map", "start y must be a number near the map")
    surface_card = dbc.Card(dbc.CardBody([
        html.H2(html.Label("Surface", htmlFor=ids.SURFACE_SELECT), className="panel-title"),
        dbc.Select(id=ids.SURFACE_SELECT, value=config.surface,
                   options=[{"label": s.title, "value": s.name} for s in surfaces.all_surfaces()]),
        html.Div(surface_info(surface), id=ids.SURFACE_INFO, className="surface-info"),
        html.Div(surface_params(config), id=ids.SURFACE_PARAMS),
    ]), className="panel")
    start_card = dbc.Card(dbc.CardBody([
        html.H2("Start and steps", className="panel-title"),
        dbc.Row([
            dbc.Col(_number_field(ids.START_X, config.start[0], "start x", feedback=feedback_x,
                                  help_text="Where every run starts (or click the map).")),
            dbc.Col(_number_field(ids.START_Y, config.start[1], "start y", feedback=feedback_y,
                                  help_text="Where every run starts (or click the map).")),
            dbc.Col(_hp_field(ids.STEPS_INPUT, STEPS, config.steps, "steps")),
        ], className="g-2"),
        html.P("Tip: click the map to start there.", className="hint"),
    ]), className="panel")
    clip_on = config.clip is not None
    conditions = dbc.Card(dbc.CardBody([
        html.H2("Training conditions", className="panel-title"),
        dbc.Row([
            dbc.Col(_hp_field(ids.NOISE_INPUT, NOISE, config.noise, "gradient noise σ")),
            dbc.Col(_hp_field(ids.SEED_INPUT, SEED, config.seed, "seed")),
        ], className="g-2"),
        html.Div([
            dbc.Label("learning-rate schedule", html_for=ids.SCHEDULE_SELECT, className="param-label"),
            dbc.Select(id=ids.SCHEDULE_SELECT, value=config.schedule, size="sm",
                       options=[{"label": schedules.get(n).title, "value": n} for n in schedules.names()]),
        ], className="field"),
        html.Div(schedule_params(config), id=ids.SCHEDULE_PARAMS, className="schedule-params"),
        dcc.Graph(id=ids.SCHEDULE_PLOT, config={"displayModeBar": False, "responsive": True},
                  style={"height": "120px"}, className="schedule-plot"),
        dbc.Row([
            dbc.Col(dbc.Switch(id=ids.CLIP_SWITCH, value=clip_on, label="clip gradient norm",
                               label_class_name="param-label"), width="auto", className="pt-1"),
            dbc.Col(html.Div([
                html.Label("gradient norm to clip at", htmlFor=ids.CLIP_INPUT, className="visually-hidden"),
                dbc.Input(id=ids.CLIP_INPUT, type="text", value=config.clip if clip_on else CLIP.default,
                          debounce=True, size="sm", inputMode="decimal"),
                dbc.FormFeedback(f"clip must be {CLIP.allowed}", type="invalid"),
            ], title=CLIP.help)),
        ], className="g-2 align-items-center"),
    ]), className="panel")
    runs_header = html.Div([
        html.H2(["Runs ", html.Span(f"{len(config.runs)}/{MAX_RUNS}", id=ids.RUN_COUNT, className="run-count")],
                className="panel-title mb-0"),
        dbc.Button("+ add run", id=ids.ADD_RUN_BUTTON, color="primary", size="sm", n_clicks=0,
                   disabled=len(config.runs) >= MAX_RUNS, title="Add a run (up to 8)"),
    ], className="runs-header")
    tune_bar = html.Div([
        dbc.Button("tune all", id=ids.TUNE_ALL_BUTTON, color="primary", outline=True, size="sm", n_clicks=0,
                   title="Give every run the learning rate that reaches its lowest loss within the steps, so the "
                         "comparison is fair"),
        dbc.Switch(id=ids.TUNE_SECOND, value=False, label="also momentum or β₁", label_class_name="param-label",
                   className="tune-second"),
    ], className="tune-bar", title="Tuning searches lr (and, with the switch, the run's momentum, beta1, alpha or "
                                   "rho) over a grid, then a finer one around the best")
    return [
        lesson_picker(config), surface_card, start_card, conditions,
        dbc.Alert(id=ids.CONTROLS_ALERT, color="warning", is_open=False, className="controls-alert"),
        runs_header, tune_bar,
        dbc.Alert(id=ids.TUNE_REPORT, color="info", is_open=False, dismissable=True, className="tune-report"),
        html.Div([run_card(r) for r in config.runs], id=ids.RUNS_CONTAINER, className="runs"),
    ]


def icon(name: str, text: str):
    """An icon (see assets/optviz.css) with its meaning for screen readers."""
    return [html.Span(className=f"ov-icon ov-icon-{name}", **{"aria-hidden": "true"}),
            html.Span(text, className="visually-hidden")]


def _transport(config: Config):
    button = dict(color="secondary", outline=True, size="sm", className="transport-btn", n_clicks=0)
    return dbc.Card(dbc.CardBody(html.Div([
        html.Div([
            dbc.Button(icon("first", "first step"), id=ids.FIRST_BUTTON, title="First step (Home)", **button),
            dbc.Button(icon("back", "step back"), id=ids.BACK_BUTTON, title="Step back (←)", **button),
            dbc.Button(play_label(False), id=ids.PLAY_BUTTON, color="primary", size="sm", n_clicks=0,
                       className="transport-btn play-btn", title="Play / pause (space)"),
            dbc.Button(icon("forward", "step forward"), id=ids.FORWARD_BUTTON, title="Step forward (→)", **button),
            dbc.Button(icon("last", "last step"), id=ids.LAST_BUTTON, title="Last step (End)", **button),
        ], className="transport-buttons"),
        html.Div(dcc.Slider(id=ids.STEP_SLIDER, min=0, max=config.steps, step=1, value=config.steps,
                            marks=step_marks(config.steps), updatemode="drag", allow_direct_input=False),
                 className="step-slider-wrap", **{SLIDER_LABEL: "step"}),
        # written by assets/optviz.js (never by a callback: playback updates it every frame)
        html.Div(f"step {config.steps:,} / {config.steps:,}", id=ids.STEP_READOUT, className="step-readout"),
        html.Label("playback speed", htmlFor=ids.SPEED_SELECT, className="visually-hidden"),
        dbc.Select(id=ids.SPEED_SELECT, value=str(DEFAULT_SPEED), size="sm", className="speed-select",
                   options=[{"label": f"{s} steps/s", "value": str(s)} for s in SPEEDS]),
        html.Div([
            html.Div(dbc.Switch(id=ids.REVEAL_SWITCH, value=config.reveal, label="reveal",
                                label_class_name="reveal-label"),
                     title="Reveal: draw the paths only up to the current step, so playing builds them"),
            html.Div(dbc.Switch(id=ids.PRESENT_SWITCH, value=config.present, label="present",
                                label_class_name="reveal-label"),
                     title="Presentation mode: the views fill the screen, with larger fonts, lines and markers "
                           "(no control panel or top bar; this switch turns it off)", className="present-wrap"),
        ], className="reveal-wrap"),
        dcc.Store(id=ids.STEP_STORE),
    ], className="transport")), className="panel transport-card", id=ids.PLAYBACK)


def play_label(playing: bool):
    """The play button's face (the browser builds the same, see assets/optviz.js)."""
    return [html.Span(className=f"ov-icon ov-icon-{'pause' if playing else 'play'}"), " pause" if playing else " play"]


def step_marks(steps: int) -> dict:
    marks = {0: "0", steps: format_number(steps)}
    for frac in (0.25, 0.5, 0.75):
        k = int(round(steps * frac))
        if 0 < k < steps and steps >= 8:
            marks[k] = format_number(k)
    return dict(sorted(marks.items()))


def _graph(id_: str, size: str, **kw):
    """A view's graph; its height comes from assets/optviz.css (``graph-main`` or ``graph-lower``),
    which presentation mode and a filled view change."""
    return dcc.Loading(dcc.Graph(id=id_, config=GRAPH_CONFIG, className=f"graph graph-{size}", responsive=True, **kw),
                       type="circle", delay_show=400, overlay_style={"visibility": "visible", "opacity": 0.6})


def _fill_button(view: str):
    """Makes one view fill the window (assets/optviz.js); again, back to all four."""
    return html.Button("⤢", className="fill-button", title="Fill the window with this view (again: all views)",
                       **{"data-view": view, "aria-label": f"fill the window with the {view} view", "type": "button"})


def _views():
    return [
        dbc.Row([
            dbc.Col(dbc.Card([
                html.Div([html.H2("Map", className="view-title"),
                          html.Span("click: start here · scroll: zoom · double-click: reset",
                                    className="view-hint"),
                          html.Button("set start", id=ids.SET_START_BUTTON, className="set-start-button",
                                      title="On a touch screen, a tap on the map moves the start only in this mode",
                                      **{"aria-pressed": "false", "type": "button"}),
                          _fill_button("map")], className="view-head"),
                _graph(ids.CONTOUR_GRAPH, "main", clear_on_unhover=True),
            ], className="view view-map"), xs=12, xl=6),
            dbc.Col(dbc.Card([
                html.Div([html.H2("Surface in 3-D", className="view-title"),
                          html.Span("drag to turn", className="view-hint"), _fill_button("3-D")],
                         className="view-head"),
                _graph(ids.SURFACE3D_GRAPH, "main"),
            ], className="view view-3-D"), xs=12, xl=6),
        ], className="g-2 views-main"),
        dbc.Row([
            dbc.Col(dbc.Card([
                html.Div([html.H2("Loss", className="view-title"),
                          html.Span("", id=ids.LOSS_NOTE, className="view-hint"),
                          dbc.RadioItems(id=ids.LOSSX_RADIO, inline=True, value="step", className="lossx-radio",
                                         options=[{"label": "per step", "value": "step"},
                                                  {"label": "per cost (evaluations)", "value": "cost"}]),
                          _fill_button("loss")],
                         className="view-head"),
                _graph(ids.LOSS_GRAPH, "lower"),
            ], className="view view-loss"), xs=12, xl=6),
            dbc.Col(dbc.Card([
                html.Div([html.H2("Distance to the nearest minimum", className="view-title"),
                          html.Span("", id=ids.DISTANCE_NOTE, className="view-hint"), _fill_button("distance")],
                         className="view-head"),
                _graph(ids.DISTANCE_GRAPH, "lower"),
            ], className="view view-distance"), xs=12, xl=6),
        ], className="g-2 mt-0 views-lower"),
    ]


# -- beyond one run ---------------------------------------------------------------------------------
def _small_field(id_: str, label, value, *, feedback: str, help_text: str, width: str = "5.5rem",
                 placeholder=None):
    return html.Div([
        dbc.Label(label, html_for=id_, className="param-label"),
        dbc.Input(id=id_, type="text", value=value, debounce=True, size="sm", inputMode="decimal",
                  style={"width": width}, placeholder=placeholder),
        dbc.FormFeedback(feedback, type="invalid"),
    ], className="explore-field", title=help_text)


def _hp_small_field(id_: str, label: str, value, hp: Hyperparameter, width: str = "5.5rem", placeholder=None):
    return _small_field(id_, label, value, feedback=f"must be {hp.allowed}", help_text=hp.help, width=width,
                        placeholder=placeholder)


def _axis_fields(axis: str, spec, name: str, optional: bool):
    options = explore.axis_choices(spec) if spec is not None else []
    if optional:
        options = [{"label": "none (a curve)", "value": explore.NO_AXIS}] + options
    low, high = explore.default_axis(spec, name) if spec is not None and name else ("", "")
    points = explore.SWEEP_POINTS
    where = "horizontal" if axis == "x" else "vertical"

    def named(text):   # "from" twice on the page: a screen reader hears which axis
        return [html.Span(f"{where} axis ", className="visually-hidden"), text]

    return html.Div([
        html.Div([
            dbc.Label(f"{'vertical' if axis == 'y' else 'horizontal'} axis", html_for=ids.sweep_field(axis),
                      className="param-label"),
            dbc.Select(id=ids.sweep_field(axis), value=name, options=options, size="sm"),
        ], className="explore-field"),
        _small_field(ids.sweep_field(axis, "from"), named("from"), low, feedback="not allowed (see the message)",
                     help_text="The axis's first value (within the hyperparameter's allowed range)."),
        _small_field(ids.sweep_field(axis, "to"), named("to"), high, feedback="not allowed (see the message)",
                     help_text="The axis's last value (above the first)."),
        _small_field(ids.sweep_field(axis, "points"), named("points"), points.default, width="4rem",
                     feedback="not allowed (see the message)",
                     help_text=f"Values along this axis: 2 to {points.high} (a curve: up to {explore.CURVE_POINTS.high})."),
    ], className="explore-axis")


def explore_run_options(config: Config) -> list[dict]:
    """The explore panel's choice of run: each run by its place in the legend and its label."""
    return [{"label": f"run {i + 1}: {run_label(r)}", "value": r.uid} for i, r in enumerate(config.runs)]


def explore_panel(config: Config):
    """Beyond one run: a sweep over a run's hyperparameters, its basins of attraction, and its
    noise fan.  Closed, it computes nothing; open, it follows the configuration."""
    run = config.runs[0] if config.runs else None
    spec = run.spec if run is not None else None
    x, y = explore.default_axes(spec) if spec is not None else ("", "")
    sweep_tab = html.Div([
        html.Div([
            _axis_fields("x", spec, x, optional=False),
            _axis_fields("y", spec, y, optional=True),
            html.Div([
                html.Div([
                    dbc.Label("cells show", html_for=ids.SWEEP_MEASURE, className="param-label"),
                    dbc.Select(id=ids.SWEEP_MEASURE, value="loss", size="sm",
                               options=[{"label": "final loss", "value": "loss"},
                                        {"label": "steps to tolerance", "value": "steps"}]),
                ], className="explore-field"),
                _hp_small_field(ids.SWEEP_TOL, "tolerance", explore.TOL.default, explore.TOL),
            ], className="explore-axis"),
        ], className="explore-controls"),
        html.P(id=ids.SWEEP_NOTE, className="explore-note"),
        _graph(ids.SWEEP_GRAPH, "explore"),
        dcc.Store(id=ids.SWEEP_CELLS),
    ])
    basins_tab = html.Div([
        html.Div(_hp_small_field(ids.BASINS_RESOLUTION, "starts per side", explore.BASINS.default, explore.BASINS,
                              width="4.5rem"), className="explore-controls"),
        html.P(id=ids.BASINS_NOTE, className="explore-note"),
        _graph(ids.BASINS_GRAPH, "explore"),
    ])
    fan_tab = html.Div([
        html.Div([
            _hp_small_field(ids.FAN_RUNS, "seeds", explore.FAN.default, explore.FAN, width="4rem"),
            _hp_small_field(ids.FAN_NOISE, "noise σ", "", explore.FAN_NOISE, placeholder="auto"),
        ], className="explore-controls"),
        html.P(id=ids.FAN_NOTE, className="explore-note"),
        _graph(ids.FAN_GRAPH, "explore"),
    ])
    panes = (("sweep", "Sweep", sweep_tab), ("basins", "Basins", basins_tab), ("fan", "Noise fan", fan_tab))
    return dbc.Card([
        html.Div([
            html.H2("Beyond one run: sweeps, basins, noise", className="view-title"),
            html.Span("one run, many times: how much its outcome depends on its settings, its start, its luck",
                      className="view-hint"),
            dbc.Switch(id=ids.EXPLORE_OPEN, value=False, label_class_name="reveal-label", className="explore-switch",
                       label=["show", html.Span(" sweeps, basins and noise fans", className="visually-hidden")]),
        ], className="view-head"),
        dbc.Collapse(html.Div([
            html.Div([
                dbc.Label("explore", html_for=ids.EXPLORE_RUN, className="param-label"),
                dbc.Select(id=ids.EXPLORE_RUN, value=run.uid if run else None, options=explore_run_options(config),
                           size="sm", className="explore-run"),
            ], className="explore-run-row"),
            dbc.Alert(id=ids.EXPLORE_ALERT, color="warning", is_open=False, className="explore-alert"),
            dcc.Store(id=ids.EXPLORE_REQUEST),
            dcc.Store(id=ids.EXPLORE_LINK),
            dcc.Store(id=ids.EXPLORE_SYNC),
            # a radio group, not dbc.Tabs (whose tabs point aria-controls at ids that do not exist)
            html.Div(dbc.RadioItems(
                id=ids.EXPLORE_TABS, value="sweep", inline=True, className="explore-tabs",
                options=[{"label": label, "value": name} for name, label, _ in panes],
                input_class_name="btn-check", label_class_name="btn btn-outline-primary btn-sm",
                label_checked_class_name="active"), role="radiogroup", **{"aria-label": "view of the explored run"}),
            *[html.Div(body, id=ids.explore_pane(name), className="explore-pane", hidden=name != "sweep")
              for name, _, body in panes],
        ], className="explore-inner"), id=ids.EXPLORE_BODY, is_open=False),
    ], className="view view-explore mt-2", id=ids.EXPLORE)


def tune_report(config: Config, results) -> list:
    """What "tune" found, run by run (see ``controller.tune_runs``)."""
    if not results:
        return []
    f_star = config.surface_obj().minimum_value
    what = "f − f*" if f_star is not None else "f"
    items = []
    for r in results:
        if r.error:
            items.append(html.Li(f"{r.label}: {r.error}."))
            continue
        setting = ", ".join(f"{k} = {format_number(v)}" for k, v in r.values.items())
        gap = r.loss - f_star if f_star is not None else r.loss
        items.append(html.Li([html.Strong(r.label), f": {setting}, reaching {what} = {gap:.3g} "
                              f"(best of {r.searched} settings tried)."]))
    return [html.Strong(f"Tuned for the lowest loss after {config.steps:,} steps:"), html.Ul(items, className="mb-0")]


OVERLAY_OPTIONS = [
    {"label": "step inspector: the numbers at this step", "value": "numbers"},
    {"label": "arrows: −∇f, −momentum, next step", "value": "arrows"},
    {"label": "gradient field", "value": "field"},
    {"label": "curvature (Hessian directions, κ)", "value": "curvature"},
    {"label": "quadratic model (Newton, BFGS)", "value": "model"},
]


def _inspector():
    return html.Div([
        dbc.Checklist(id=ids.OVERLAYS, options=OVERLAY_OPTIONS, value=[], inline=True, switch=True,
                      className="overlay-options"),
        html.Div(id=ids.INSPECTOR, className="inspector-body"),
    ], className="inspector-bar")


def inspector_table(config: Config, rows) -> Any:
    """One column per run (its colour and label on top), one row per quantity."""
    if not rows:
        return html.P("No runs.", className="text-muted mb-0")
    by_uid = {r.uid: r for r in config.runs}
    cards = []
    for row in rows:
        run = by_uid[row.uid]
        color = COLORS[run.color % len(COLORS)]
        cards.append(html.Div([
            html.Div([html.Span(SYMBOL_CHARS[SYMBOLS[run.color % len(SYMBOLS)]], style={"color": color},
                                className="legend-swatch"), html.Span(run_label(run)),
                      html.Span(f" · step {row.k:,}", className="text-muted")], className="inspector-head"),
            html.Table(html.Tbody([html.Tr([html.Th(label, scope="row"), html.Td(value)])
                                   for label, value in row.items]), className="inspector-table"),
        ], className="inspector-run", style={"borderTopColor": color}))
    return cards


def build_layout(config: Config):
    """The whole page, showing ``config`` (the callbacks then load the configuration in the URL)."""
    navbar = html.Header(html.Div([
        html.Div([html.H1("optviz", className="brand"),
                  html.Span("see how optimizers move across a loss landscape", className="tagline")]),
        html.Div([
            html.Button("☰ controls", id=ids.CONTROLS_BUTTON, className="controls-button",
                        title="Show or hide the control panel", **{"aria-expanded": "false", "type": "button",
                                                                     "aria-controls": "sidebar"}),
            dbc.Button([html.Span(className="ov-icon ov-icon-link"), " copy link to this view"], id=ids.SHARE_BUTTON, color="light", size="sm", n_clicks=0,
                       title="The address reproduces exactly what you see"),
            *export_panel.components(config),
            html.A("reset", href="/", className="reset-link", title="Back to the default view"),
            html.Span(f"v{__version__}", className="version"),
        ], className="nav-actions"),
    ], className="topbar-inner"), className="topbar")
    return html.Div([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.URL_SYNC),
        dcc.Store(id=ids.URL_WRITTEN),
        dcc.Store(id=ids.CONFIG_STORE),
        dcc.Store(id=ids.RENDER_STORE),
        dcc.Store(id=ids.MAP_CLICK),
        # the first Tab stop: past the control panel's many fields to the playback bar (assets/optviz.js
        # moves the focus to the play button)
        html.A("skip to the playback controls", href=f"#{ids.PLAYBACK}", className="skip-link"),
        navbar,
        dbc.Modal([dbc.ModalHeader(dbc.ModalTitle(id=ids.ALGORITHM_TITLE)), dbc.ModalBody(id=ids.ALGORITHM_BODY)],
                  id=ids.ALGORITHM_MODAL, size="xl", scrollable=True, is_open=False, labelledby=ids.ALGORITHM_TITLE),
        html.Main(dbc.Row([
            dbc.Col([html.Button("✕ close", className="drawer-close", title="Close the control panel",
                                 **{"type": "button", "aria-controls": "sidebar"}),
                     *_controls(config)], xs=12, className="sidebar", id="sidebar"),
            dbc.Col([
                dbc.Alert(id=ids.URL_ALERT, color="warning", is_open=False, dismissable=True, className="url-alert"),
                dbc.Alert(id=ids.SIM_ALERT, color="danger", is_open=False, dismissable=True),
                html.Div(lesson_caption(config), id=ids.LESSON_CAPTION, className="lesson-caption"),
                _transport(config),
                html.Div(id=ids.LEGEND, className="legend-bar"),
                _inspector(),
                *_views(),
                explore_panel(config),
            ], xs=12, className="main-area"),
        ], className="g-3"), className="page"),
        html.Div(className="drawer-backdrop", **{"aria-hidden": "true"}),
    ], id=ids.PAGE, className="presenting" if config.present else "")
