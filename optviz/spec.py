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

__all__ = ["Hyperparameter", "OptimizerSpec", "Trajectory", "STEPS_CAP", "STATUSES", "HESSIAN_COST", "as_float",
           "shown"]

#: The most steps one run may take.
STEPS_CAP = 100_000

_KINDS = ("float", "int", "bool", "choice", "text")


def as_float(value: Any, strict: bool = False) -> float | None:
    """``value`` as a float if it is a real number (or, unless ``strict``, text that reads as
    one), else ``None``.  Never raises: an integer too large for a float (JSON allows
    ``1`` followed by 400 zeros) counts as infinite, and booleans are not numbers."""
    if isinstance(value, str) and not strict:
        try:
            return float(value.strip())
        except ValueError:
            return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def shown(value: Any, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages (a forged value may be huge)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value).bit_length() > 64:
        return f"an integer of about {int(int(value).bit_length() * math.log10(2)) + 1} digits"
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


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
    #: For ``kind="text"``: reads the text and returns it as kept (stripped), or raises a
    #: ``ValueError`` saying what is wrong (a formula's parser); ``high`` is its longest length.
    check: Any = field(default=None, repr=False, compare=False)

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
        if self.kind == "text":
            return f"text of at most {int(self.high)} characters"
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
    def validate(self, value: Any, strict: bool = False) -> Any:
        """Return ``value`` as this hyperparameter's Python type, or raise ``ValueError``.

        Text is read as a number or switch (``"0.05"``, ``"true"``), as a link writes them,
        unless ``strict`` (the Python and JSON APIs): then a number must be a number and a switch
        ``True`` or ``False``."""
        name = self.name
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            if strict:
                raise ValueError(f"{name} must be true or false; got {shown(value)}")
            if isinstance(value, numbers.Integral) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                return value.strip().lower() in ("true", "1", "yes", "on")
            raise ValueError(f"{name} must be true or false; got {shown(value)}")
        if self.kind == "choice":
            if isinstance(value, str) and value.strip() in self.choices:
                return value.strip()
            raise ValueError(f"{name} must be {self.allowed}; got {shown(value)}")
        if self.kind == "text":
            if not isinstance(value, str):
                raise ValueError(f"{name} must be text; got {shown(value)}")
            if len(value) > self.high:
                raise ValueError(f"{name} is {len(value)} characters long; at most {int(self.high)}")
            text = " ".join(value.split())
            if self.check is not None:
                try:
                    self.check(text)
                except ValueError as err:
                    raise ValueError(f"{name}: {err}") from None
            return text
        # float or int
        number = as_float(value, strict)
        if number is None:
            raise ValueError(f"{name} must be {self.allowed}; got {shown(value)}")
        if not math.isfinite(number):
            raise ValueError(f"{name} must be {self.allowed}; got {_fmt(number) if not math.isnan(number) else 'nan'}")
        if self.kind == "int":
            if number != int(number):
                raise ValueError(f"{name} must be {self.allowed}; got {shown(value)}")
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


def resolve(params: tuple[Hyperparameter, ...], given: Mapping[str, Any], owner: str, strict: bool = False) -> dict:
    """Validate ``given`` against ``params`` and fill in defaults; raise ``ValueError`` naming an
    unknown or out-of-range value and what is allowed."""
    known = {h.name: h for h in params}
    unknown = [k for k in given if k not in known]
    if unknown:
        allowed = ", ".join(known) if known else "none"
        raise ValueError(f"{owner} has no hyperparameter {shown(unknown[0])}; allowed: {allowed}")
    return {h.name: h.validate(given[h.name], strict) if h.name in given else h.default for h in params}


@dataclass(frozen=True)
class OptimizerSpec:
    """Everything optviz knows about one optimizer.

    ``update`` is the update rule in LaTeX; ``kernel`` the compiled loop (see
    :mod:`optviz.kernels`), which reads the hyperparameters in the order given here, followed by
    ``fixed`` (values that are not exposed, such as ``nesterov=True`` for the Nesterov variant).
    ``state`` names the columns of optimizer state the kernel records for drawing.
    ``note`` says in a sentence what the method does; ``lineage``, in two or three sentences,
    what this method changes compared with the one it grew from.
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
    lineage: str = ""

    def defaults(self) -> dict:
        return {h.name: h.default for h in self.hyperparameters}

    def hyperparameter(self, name: str) -> Hyperparameter:
        for h in self.hyperparameters:
            if h.name == name:
                return h
        allowed = ", ".join(h.name for h in self.hyperparameters)
        raise ValueError(f"{self.name} has no hyperparameter {name!r}; allowed: {allowed}")

    def resolve(self, given: Mapping[str, Any], strict: bool = False) -> dict:
        """Validated hyperparameters with defaults filled in."""
        return resolve(self.hyperparameters, given, f"optimizer {self.name!r}", strict)

    def encode(self, values: Mapping[str, Any]) -> np.ndarray:
        """The kernel's hyperparameter array: exposed values in order, then ``fixed``."""
        row = [h.encode(values[h.name]) for h in self.hyperparameters]
        row += [float(v) for _, v in self.fixed]
        return np.array(row, dtype=np.float64)


#: What a Hessian costs, in gradients, on the cost axis.  With automatic differentiation an
#: n-dimensional Hessian is n Hessian-vector products, and one product costs about two gradients
#: (forward-over-reverse, Pearlmutter 1994): 2n = 4 for these 2-D surfaces.  A function value
#: counts 1, like a gradient (reverse mode makes a gradient a small multiple of a value; here
#: both are one closure call, as torch's LBFGS counts them).
HESSIAN_COST = 4

#: How a run ended: it took every step, or diverged, or stopped on its work limit or its deadline.
STATUSES = ("ok", "diverged", "work_limit", "time_limit")


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One run: the iterates, their loss, and what it cost.

    ``xy[0]`` is the start; ``xy[k]`` the iterate after ``k`` steps.  ``f_evals``, ``g_evals`` and
    ``h_evals`` count function, gradient and Hessian evaluations made by the optimizer up to each
    iterate (cumulative), so methods with line searches can be compared at equal cost.  A run that
    diverged stops at its last finite iterate, with ``diverged=True``; one that used up its work
    limit stops at its last step within it, with ``status == "work_limit"`` (``"time_limit"`` for
    its deadline).  ``work`` is the work it did, in the units of :mod:`optviz.kernels` (about one
    per evaluation).
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
    status: str = "ok"
    work: int = 0

    @property
    def steps(self) -> int:
        """The number of steps taken (``len(xy) - 1``)."""
        return len(self.xy) - 1

    @property
    def evaluations(self) -> np.ndarray:
        """Cumulative function plus gradient evaluations at each iterate."""
        return self.f_evals + self.g_evals

    @property
    def cost(self) -> np.ndarray:
        """Cumulative cost at each iterate, in gradient evaluations (the app's cost axis): each
        function value 1, each gradient 1, each Hessian :data:`HESSIAN_COST`."""
        return self.f_evals + self.g_evals + HESSIAN_COST * self.h_evals

    @property
    def nbytes(self) -> int:
        """The memory its arrays hold (a buffer shared by several arrays counted once)."""
        held = {}
        for array in (self.xy, self.loss, self.f_evals, self.g_evals, self.h_evals, *self.state.values()):
            owner = array if array.base is None else array.base
            held[id(owner)] = owner.nbytes
        return sum(held.values())

    def __repr__(self) -> str:
        end = self.xy[-1]
        return (f"Trajectory({self.optimizer} on {self.surface}, steps={self.steps}, "
                f"end=({end[0]:.6g}, {end[1]:.6g}), loss={self.loss[-1]:.6g}, {self.status})")
