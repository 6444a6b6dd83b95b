"""Small frozen records that describe optimizers, their hyperparameters and their results.

Metadata is data: ranges, defaults, log-scale flags and help texts live here and drive both the
validation in :func:`optviz.simulate` and the sliders of the app.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

__all__ = ["Hyperparameter", "OptimizerSpec", "Trajectory", "STEPS_CAP"]

#: The most steps one run may take.
STEPS_CAP = 100_000

_KINDS = ("float", "int", "bool", "choice")


def _fmt(value: float) -> str:
    if value == math.inf:
        return "inf"
    if value == -math.inf:
        return "-inf"
    if float(value).is_integer() and abs(value) < 1e16:
        return f"{int(value)}"   # 4294967295, not 4.29497e+09
    return f"{value:g}"


@dataclass(frozen=True)
class Hyperparameter:
    """One tunable number (or switch) of an optimizer, a surface or a schedule.

    ``low`` and ``high`` bound the valid range; ``low_open`` / ``high_open`` exclude the bound
    itself (a learning rate must be > 0).  ``slider`` gives the range a UI slider should cover,
    when it is narrower than the valid range.  ``log`` says a log-scale slider suits it.
    """

    name: str
    default: Any
    low: float = -math.inf
    high: float = math.inf
    kind: str = "float"
    choices: tuple[str, ...] = ()
    log: bool = False
    help: str = ""
    low_open: bool = False
    high_open: bool = False
    slider: tuple[float, float] | None = None

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(f"{self.name}: kind must be one of {_KINDS}, not {self.kind!r}")
        if self.kind == "choice" and self.default not in self.choices:
            raise ValueError(f"{self.name}: default {self.default!r} is not among {self.choices}")
        if self.kind in ("float", "int"):
            self.validate(self.default)
            lo, hi = self.slider_range
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ValueError(f"{self.name}: give a finite slider range; the valid range is unbounded")

    # -- description ---------------------------------------------------------------------------
    @property
    def allowed(self) -> str:
        """The valid values in words, for error messages and help."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lo = "(" if self.low_open else "["
        hi = ")" if self.high_open else "]"
        what = "an integer" if self.kind == "int" else "a number"
        return f"{what} in {lo}{_fmt(self.low)}, {_fmt(self.high)}{hi}"

    @property
    def slider_range(self) -> tuple[float, float]:
        """The range a slider should span: ``slider`` if given, else the valid range, moved in by
        a thousandth of its width at an excluded end (``[0, 1)`` slides over ``[0, 0.999]``)."""
        if self.slider is not None:
            return self.slider
        lo, hi = self.low, self.high
        width = hi - lo
        if self.low_open:
            lo += 1e-3 * width
        if self.high_open:
            hi -= 1e-3 * width
        return (lo, hi)

    # -- checking --------------------------------------------------------------------------------
    def validate(self, value: Any) -> Any:
        """Return ``value`` as this hyperparameter's Python type, or raise ``ValueError``."""
        name = self.name
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            if isinstance(value, numbers.Integral) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                return value.strip().lower() in ("true", "1", "yes", "on")
            raise ValueError(f"{name} must be true or false; got {value!r}")
        if self.kind == "choice":
            if isinstance(value, str) and value.strip() in self.choices:
                return value.strip()
            raise ValueError(f"{name} must be {self.allowed}; got {value!r}")
        # float or int
        if isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be {self.allowed}; got {value!r}")
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError(f"{name} must be {self.allowed}; got {value!r}") from None
        if not isinstance(value, numbers.Real):
            raise ValueError(f"{name} must be {self.allowed}; got {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{name} must be {self.allowed}; got {_fmt(number) if not math.isnan(number) else 'nan'}")
        if self.kind == "int":
            if number != int(number):
                raise ValueError(f"{name} must be {self.allowed}; got {value!r}")
        below = number <= self.low if self.low_open else number < self.low
        above = number >= self.high if self.high_open else number > self.high
        if below or above:
            raise ValueError(f"{name} must be {self.allowed}; got {_fmt(number)}")
        return int(number) if self.kind == "int" else number

    def encode(self, value: Any) -> float:
        """The value as the float a kernel reads (a switch is 0 or 1, a choice its index)."""
        if self.kind == "bool":
            return 1.0 if value else 0.0
        if self.kind == "choice":
            return float(self.choices.index(value))
        return float(value)


def resolve(params: tuple[Hyperparameter, ...], given: Mapping[str, Any], owner: str) -> dict:
    """Validate ``given`` against ``params`` and fill in defaults; raise ``ValueError`` naming an
    unknown or out-of-range value and what is allowed."""
    known = {h.name: h for h in params}
    unknown = [k for k in given if k not in known]
    if unknown:
        allowed = ", ".join(known) if known else "none"
        raise ValueError(f"{owner} has no hyperparameter {unknown[0]!r}; allowed: {allowed}")
    return {h.name: h.validate(given[h.name]) if h.name in given else h.default for h in params}


@dataclass(frozen=True)
class OptimizerSpec:
    """Everything optviz knows about one optimizer.

    ``update`` is the update rule in LaTeX; ``kernel`` the compiled loop (see
    :mod:`optviz.kernels`), which reads the hyperparameters in the order given here, followed by
    ``fixed`` (values that are not exposed, such as ``nesterov=True`` for the Nesterov variant).
    ``state`` names the columns of optimizer state the kernel records for drawing.
    """

    name: str
    title: str
    family: str
    update: str
    hyperparameters: tuple[Hyperparameter, ...]
    kernel: Callable = field(repr=False, compare=False)
    fixed: tuple[tuple[str, float], ...] = ()
    state: tuple[str, ...] = ()
    torch: str | None = None
    reference: str = ""
    note: str = ""

    def defaults(self) -> dict:
        return {h.name: h.default for h in self.hyperparameters}

    def hyperparameter(self, name: str) -> Hyperparameter:
        for h in self.hyperparameters:
            if h.name == name:
                return h
        allowed = ", ".join(h.name for h in self.hyperparameters)
        raise ValueError(f"{self.name} has no hyperparameter {name!r}; allowed: {allowed}")

    def resolve(self, given: Mapping[str, Any]) -> dict:
        """Validated hyperparameters with defaults filled in."""
        return resolve(self.hyperparameters, given, f"optimizer {self.name!r}")

    def encode(self, values: Mapping[str, Any]) -> np.ndarray:
        """The kernel's hyperparameter array: exposed values in order, then ``fixed``."""
        row = [h.encode(values[h.name]) for h in self.hyperparameters]
        row += [float(v) for _, v in self.fixed]
        return np.array(row, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One run: the iterates, their loss, and what it cost.

    ``xy[0]`` is the start; ``xy[k]`` the iterate after ``k`` steps.  ``f_evals``, ``g_evals`` and
    ``h_evals`` count function, gradient and Hessian evaluations made by the optimizer up to each
    iterate (cumulative), so methods with line searches can be compared at equal cost.  A run that
    diverged stops at its last finite iterate, with ``diverged=True``.
    """

    optimizer: str
    surface: str
    hyperparameters: dict
    xy: np.ndarray
    loss: np.ndarray
    f_evals: np.ndarray
    g_evals: np.ndarray
    h_evals: np.ndarray
    diverged: bool
    requested_steps: int
    state: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """The number of steps taken (``len(xy) - 1``)."""
        return len(self.xy) - 1

    @property
    def evaluations(self) -> np.ndarray:
        """Cumulative function plus gradient evaluations at each iterate (the app's cost axis)."""
        return self.f_evals + self.g_evals

    def __repr__(self) -> str:
        end = self.xy[-1]
        status = "diverged" if self.diverged else "ok"
        return (f"Trajectory({self.optimizer} on {self.surface}, steps={self.steps}, "
                f"end=({end[0]:.6g}, {end[1]:.6g}), loss={self.loss[-1]:.6g}, {status})")
