"""The app's view of the configuration: :mod:`optviz.config` (the records, the canonical format
and its checker, shared with the JSON API) and the legend's run labels.

The app's global settings are :class:`~optviz.spec.Hyperparameter` records declared in
:mod:`optviz.options`, like an optimizer's, so one set of helpers validates them, builds their
controls and writes them to the URL.
"""
from __future__ import annotations

from optviz import schedules
from optviz.config import (CLIP, LOSS_AXES, MAX_RUNS, NOISE, SEED, STEPS, Config, Problems, Run, check_start,
                           default_config, default_runs, default_surface, format_number, free_color, new_run,
                           next_uid, resolve_values, start_bounds, validate_value, with_changes)

__all__ = ["Config", "Run", "STEPS", "NOISE", "SEED", "CLIP", "MAX_RUNS", "LOSS_AXES", "default_config",
           "default_surface", "default_runs", "new_run", "run_label", "validate_value", "start_bounds",
           "check_start", "format_number", "with_changes", "next_uid", "free_color", "resolve_values", "Problems",
           "own_conditions_label"]


#: Families whose ``lr`` is the step size itself, which the legend always shows.
STEP_SIZE_FAMILIES = ("first-order", "momentum", "adaptive", "sign")


def run_label(run: Run) -> str:
    """The legend entry of a run: its optimizer's title, its learning rate where that is the
    step size, and any other hyperparameter that differs from the default
    (``Adam lr=0.05 beta1=0.8``; ``BFGS``, not ``BFGS lr=1``)."""
    spec = run.spec
    values = run.values
    shown = {}
    if "lr" in values and spec.family in STEP_SIZE_FAMILIES:
        shown["lr"] = values["lr"]   # elsewhere lr is a line search's first trial or a damping: shown when set
    shown.update(run.non_default())
    parts = []
    for name, value in shown.items():
        if isinstance(value, bool):
            parts.append(name if value else f"no {name}")
        elif isinstance(value, str):
            parts.append(f"{name}={value}")
        else:
            parts.append(f"{name}={_short(value)}")
    if len(parts) > 3:
        parts = parts[:3] + ["…"]
    label = " ".join([spec.title.split(" (")[0]] + parts)
    own = own_conditions_label(run)
    return f"{label} · {own}" if own else label


def own_conditions_label(run: Run) -> str:
    """The conditions a run sets for itself, in words (``noise 0.5, cosine, no clip``); empty
    when it follows the shared ones."""
    own = dict(run.conditions)
    parts = []
    if "noise" in own:
        parts.append(f"noise {_short(own['noise'])}")
    if "seed" in own:
        parts.append(f"seed {own['seed']}")
    if "batch" in own:
        parts.append(f"batches of {own['batch']}")
    if "schedule" in own:
        parts.append(schedules.get(own["schedule"]).title.lower())
    if "clip" in own:
        parts.append("no clip" if own["clip"] is None else f"clip {_short(own['clip'])}")
    return ", ".join(parts)


def _short(value: float) -> str:
    return format_number(value) if isinstance(value, int) else f"{value:.4g}"
