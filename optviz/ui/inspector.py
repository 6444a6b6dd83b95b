"""The step inspector: every run's numbers at one step, read from the engine's arrays (pure).

At step ``k`` a run shows row ``k`` of its arrays: the iterate ``x_k``, its loss, the evaluations
so far, the step that brought it there (``x_k - x_{k-1}``) and the optimizer's state after that
step, with what each state variable means.  Derived numbers are computed at that one row, never
over the run: the exact gradient at ``x_{k-1}`` and ``x_k`` (from the surface; with gradient noise
the optimizer saw a noisy one), the step's length against the gradient's (the effective learning
rate), the rate per coordinate, and for second-order methods the curvature they used.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import surfaces
from optviz.spec import Trajectory

__all__ = ["Row", "rows", "arrows", "MEANINGS"]

#: What a state variable is, by optimizer (``*`` for any) and name (a pair ``name_x``, ``name_y``
#: is one vector ``name``).
MEANINGS = {
    ("*", "velocity"): "velocity b: the decaying sum of past gradients (torch's momentum buffer)",
    ("*", "m"): "first moment m: the running average of gradients",
    ("*", "v"): "second moment v: the running average of squared gradients",
    ("adagrad", "sum"): "accumulated squares: the sum of every squared gradient so far (it only grows)",
    ("adadelta", "u"): "accumulated squared updates (the step's own scale)",
    ("adamax", "u"): "infinity norm u: max(β₂·u, |g|), the largest recent gradient",
    ("adabelief", "s"): "belief s: the running average of (g − m)², how far the gradient strays from m",
    ("rmsprop", "b"): "momentum buffer b (when momentum > 0)",
    ("cg", "direction"): "search direction d",
    ("*", "step_size"): "step length chosen along the direction (line search, or lr)",
    ("cg", "beta"): "β: how much of the previous direction the new one keeps",
    ("lbfgs", "h_diag"): "γ: the scale of the initial inverse-Hessian estimate",
    ("lbfgs", "memory"): "pairs (s, y) remembered",
    ("radam", "rho"): "ρₜ: the length of the approximated moving average (the variance is rectified once it exceeds 5)",
    ("newton", "shift"): "shift added to the Hessian's eigenvalues (damping or modification)",
    ("newton", "fallback"): "1 when the Hessian was singular and the step fell back to the gradient",
}
_NEWTON_EIGEN = ("eig_min", "eig_max")
_BFGS_H = ("h11", "h12", "h22")
_SIMPLEX = ("x1", "y1", "x2", "y2", "x3", "y3")


@dataclass(frozen=True)
class Row:
    """One run at one step: ``(label, value)`` pairs, in order, for the table; ``k`` is the row
    of the arrays shown (the run's last when the step is past its end)."""

    uid: str
    k: int
    items: tuple[tuple[str, str], ...]


def _num(v: float) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return f"{v:.4g}"


def _vec(x: float, y: float) -> str:
    return f"({_num(x)}, {_num(y)})"


def _meaning(optimizer: str, name: str) -> str:
    return MEANINGS.get((optimizer, name)) or MEANINGS.get(("*", name)) or name


def _state_items(traj: Trajectory, k: int, surface: surfaces.Surface) -> list[tuple[str, str]]:
    state = traj.state
    out: list[tuple[str, str]] = []
    done: set[str] = set()
    if all(n in state for n in _SIMPLEX):
        vertices = [(state[f"x{i}"][k], state[f"y{i}"][k]) for i in (1, 2, 3)]
        out.append(("simplex (best first)", " ".join(_vec(*v) for v in vertices)))
        done.update(_SIMPLEX)
    if all(n in state for n in _NEWTON_EIGEN):
        lo, hi = state["eig_min"][k], state["eig_max"][k]
        out.append(("Hessian eigenvalues it used", f"{_num(lo)}, {_num(hi)}"))
        if k > 0 and lo != 0 and math.isfinite(lo) and math.isfinite(hi):
            out.append(("local condition number", _num(abs(hi / lo))))
        done.update(_NEWTON_EIGEN)
    if all(n in state for n in _BFGS_H):
        h11, h12, h22 = (state[n][k] for n in _BFGS_H)
        out.append(("inverse-Hessian estimate H", f"[[{_num(h11)}, {_num(h12)}], [{_num(h12)}, {_num(h22)}]]"))
        x, y = traj.xy[k]
        (a, b), (_, c) = surface.hessian(x, y)
        det = a * c - b * b
        true = f"[[{_num(c / det)}, {_num(-b / det)}], [{_num(-b / det)}, {_num(a / det)}]]" if det else "singular"
        out.append(("true inverse Hessian here", true))
        done.update(_BFGS_H)
    for name, column in state.items():
        if name in done:
            continue
        if name.endswith("_x") and name[:-2] + "_y" in state:
            base = name[:-2]
            out.append((_meaning(traj.optimizer, base), _vec(column[k], state[base + "_y"][k])))
            done.update((name, base + "_y"))
        elif not name.endswith("_y") or name[:-2] + "_x" not in state:
            out.append((_meaning(traj.optimizer, name), _num(column[k])))
            done.add(name)
    return out


def rows(surface: surfaces.Surface, runs: list[tuple[str, Trajectory]], step: int) -> list[Row]:
    """The inspector's rows for ``runs`` (``(uid, trajectory)`` pairs) at ``step``."""
    out = []
    for uid, traj in runs:
        k = int(min(max(step, 0), traj.steps))
        x, y = traj.xy[k]
        gx, gy = (float(v) for v in surface.gradient(x, y))
        items = [("position (x, y)", _vec(x, y)), ("f", _num(traj.loss[k])), ("∇f at x (exact)", _vec(gx, gy)),
                 ("evaluations so far (f, ∇f, ∇²f)",
                  f"{traj.f_evals[k]:,}, {traj.g_evals[k]:,}, {traj.h_evals[k]:,}")]
        if k > 0:
            dx, dy = traj.xy[k] - traj.xy[k - 1]
            px, py = (float(v) for v in surface.gradient(*traj.xy[k - 1]))
            step_len = math.hypot(dx, dy)
            grad_len = math.hypot(px, py)
            items += [("step that led here, Δx", _vec(dx, dy)),
                      ("|Δx| / |∇f| at the previous point (effective lr)",
                       _num(step_len / grad_len) if grad_len > 0 else "—")]
            rate = _rates(traj, k, dx, dy, px, py)
            if rate:
                items.append(rate)
        items += _state_items(traj, k, surface)
        if k == traj.steps and traj.status != "ok":
            items.append(("status", {"diverged": f"diverged at step {k + 1}",
                                     "work_limit": "stopped here (work limit)",
                                     "time_limit": "stopped here (time limit)"}[traj.status]))
        out.append(Row(uid=uid, k=k, items=tuple(items)))
    return out


def _rates(traj: Trajectory, k: int, dx: float, dy: float, px: float, py: float) -> tuple[str, str] | None:
    """The rate each coordinate moved at: per unit of first moment m where the optimizer keeps
    one (Adam's lr / (1 - β₁ᵗ) / (√v̂ + ε), exactly), else per unit of gradient."""
    state = traj.state
    if "m_x" in state:
        mx, my = state["m_x"][k], state["m_y"][k]
        vals = [abs(dx / mx) if mx else math.nan, abs(dy / my) if my else math.nan]
        return "rate per coordinate |Δxᵢ| / |mᵢ|", _vec(*vals)
    if traj.optimizer in ("adagrad", "rmsprop", "adadelta"):
        vals = [abs(dx / px) if px else math.nan, abs(dy / py) if py else math.nan]
        return "rate per coordinate |Δxᵢ| / |∂ᵢf|", _vec(*vals)
    return None


def arrows(surface: surfaces.Surface, runs: list[tuple[str, Trajectory, str]], step: int) -> list[dict]:
    """Plotly annotations: at each run's current point, the negative gradient and the velocity or
    first moment (directions, drawn at a fixed length: an eighth of the window) and the step about
    to be taken (at its true length)."""
    (x0, x1), (y0, y1) = surface.domain
    unit = 0.125 * max(x1 - x0, y1 - y0)
    out = []
    for uid, traj, color in runs:
        k = int(min(max(step, 0), traj.steps))
        x, y = (float(v) for v in traj.xy[k])
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        gx, gy = (float(v) for v in surface.gradient(x, y))
        vectors = [("−∇f", -gx, -gy, "dot", True)]
        for name in ("velocity", "m"):   # the method moves against its buffer: x -= lr·b
            if f"{name}_x" in traj.state:
                vectors.append((f"−{name}", -traj.state[f"{name}_x"][k], -traj.state[f"{name}_y"][k], "dash", True))
        if k < traj.steps:
            dx, dy = (float(v) for v in traj.xy[k + 1] - traj.xy[k])
            vectors.append(("next step", dx, dy, "solid", False))
        for label, vx, vy, dash, normalise in vectors:
            length = math.hypot(vx, vy)
            if not (length > 0 and math.isfinite(length)):
                continue
            scale = unit / length if normalise else 1.0
            tx, ty = x + vx * scale, y + vy * scale
            out.append(dict(x=tx, y=ty, ax=x, ay=y, xref="x", yref="y", axref="x", ayref="y", text="",
                            showarrow=True, arrowhead=2, arrowsize=1.1, arrowwidth=2.5 if dash == "solid" else 1.6,
                            arrowcolor=color, opacity=1.0 if dash == "solid" else 0.75,
                            hovertext=f"{label}", name=f"arrow-{uid}-{label}"))
    return out


# -- overlays on the map -----------------------------------------------------------------------------
def gradient_field(surface: surfaces.Surface, n: int = 15) -> dict:
    """The negative gradient on an ``n`` x ``n`` grid over the window, as one path shape of small
    arrows of equal length: where the gradient points, not how steep it is."""
    (x0, x1), (y0, y1) = surface.domain
    xs = np.linspace(x0, x1, n + 2)[1:-1]
    ys = np.linspace(y0, y1, n + 2)[1:-1]
    X, Y = np.meshgrid(xs, ys)
    G = np.asarray(surface.gradient(X.ravel(), Y.ravel()), dtype=float)   # (n * n, 2)
    gx, gy = -G[:, 0], -G[:, 1]
    norm = np.hypot(gx, gy)
    ok = np.isfinite(norm) & (norm > 0)
    length = 0.4 * min(x1 - x0, y1 - y0) / (n + 1)
    parts = []
    for x, y, u, v in zip(X.ravel()[ok], Y.ravel()[ok], gx[ok] / norm[ok], gy[ok] / norm[ok]):
        tx, ty = x + u * length, y + v * length
        hx, hy = 0.35 * length * u, 0.35 * length * v          # the head: two short strokes back
        parts.append(f"M{x:.6g},{y:.6g}L{tx:.6g},{ty:.6g}"
                     f"M{tx - hx - 0.6 * hy:.6g},{ty - hy + 0.6 * hx:.6g}L{tx:.6g},{ty:.6g}"
                     f"L{tx - hx + 0.6 * hy:.6g},{ty - hy - 0.6 * hx:.6g}")
    return dict(type="path", path="".join(parts) or "M0,0", xref="x", yref="y", layer="above",
                line=dict(color="rgba(52,73,94,0.55)", width=1.2), name="gradient-field")


def curvature(surface: surfaces.Surface, runs: list[tuple[str, Trajectory, str]], step: int
              ) -> tuple[list[dict], list[dict]]:
    """At each run's current point, the Hessian's eigen-directions (segments whose lengths go as
    1/√|λ|: long along flat directions, short along steep ones) and the local condition number;
    returns ``(shapes, annotations)``."""
    (x0, x1), (y0, y1) = surface.domain
    unit = 0.1 * max(x1 - x0, y1 - y0)
    shapes, notes = [], []
    for uid, traj, color in runs:
        k = int(min(max(step, 0), traj.steps))
        x, y = (float(v) for v in traj.xy[k])
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        hessian = np.asarray(surface.hessian(x, y), dtype=float)
        if not np.isfinite(hessian).all():
            continue
        values, vectors = np.linalg.eigh(hessian)
        scale = np.sqrt(np.abs(values).max()) if np.abs(values).max() > 0 else 1.0
        for lam, vec in zip(values, vectors.T):
            half = unit * scale / math.sqrt(abs(lam)) if lam != 0 else 2 * unit
            half = min(half, 2 * unit)
            ex, ey = vec * half
            shapes.append(dict(type="line", x0=x - ex, y0=y - ey, x1=x + ex, y1=y + ey, xref="x", yref="y",
                               layer="above", line=dict(color=color, width=2, dash="solid" if lam > 0 else "dot"),
                               name=f"eigen-{uid}"))
        lo, hi = sorted(np.abs(values))
        kappa = hi / lo if lo > 0 else math.inf
        notes.append(dict(x=x, y=y, xref="x", yref="y", text=f"κ = {_num(kappa)}", showarrow=False,
                          yshift=-16, font=dict(size=11, color=color), bgcolor="rgba(255,255,255,0.75)",
                          name=f"kappa-{uid}"))
    return shapes, notes


def quadratic_model(surface: surfaces.Surface, runs: list[tuple[str, Trajectory, str]], step: int) -> list[dict]:
    """For Newton and BFGS runs: the quadratic model they minimise from the current point,
    m(p) = f + ∇fᵀp + ½ pᵀBp (B the Hessian for Newton, the inverse of BFGS's estimate), as three
    of its level sets (ellipses through the current point and inside it) when B is positive
    definite; the model's minimum is where the method steps (before its line search)."""
    (x0, x1), (y0, y1) = surface.domain
    shapes = []
    t = np.linspace(0, 2 * math.pi, 73)
    for uid, traj, color in runs:
        if traj.optimizer not in ("newton", "bfgs"):
            continue
        k = int(min(max(step, 0), traj.steps))
        x, y = (float(v) for v in traj.xy[k])
        g = np.array([float(v) for v in surface.gradient(x, y)])
        if traj.optimizer == "newton":
            B = np.asarray(surface.hessian(x, y), dtype=float)
        else:
            H = np.array([[traj.state["h11"][k], traj.state["h12"][k]], [traj.state["h12"][k], traj.state["h22"][k]]])
            if abs(np.linalg.det(H)) < 1e-300:
                continue
            B = np.linalg.inv(H)
        values, vectors = np.linalg.eigh(B)
        if not (np.all(np.isfinite(values)) and values.min() > 0):
            continue
        centre = np.array([x, y]) - np.linalg.solve(B, g)
        drop = 0.5 * g @ np.linalg.solve(B, g)          # m(x_k) - m(centre)
        if not (drop > 0 and math.isfinite(drop)):
            continue
        path = ""
        for frac in (1.0, 0.5, 0.15):                 # level sets: m = m(centre) + frac * drop
            radii = np.sqrt(2 * frac * drop / values)
            ring = centre[:, None] + vectors @ (radii[:, None] * np.vstack([np.cos(t), np.sin(t)]))
            ring[0] = np.clip(ring[0], x0 - (x1 - x0), x1 + (x1 - x0))
            ring[1] = np.clip(ring[1], y0 - (y1 - y0), y1 + (y1 - y0))
            path += "M" + "L".join(f"{px:.6g},{py:.6g}" for px, py in ring.T) + "Z"
        shapes.append(dict(type="path", path=path, xref="x", yref="y", layer="above",
                           line=dict(color=color, width=1.5, dash="dash"), name=f"model-{uid}"))
        shapes.append(dict(type="circle", x0=centre[0] - 0.01 * (x1 - x0), x1=centre[0] + 0.01 * (x1 - x0),
                           y0=centre[1] - 0.01 * (y1 - y0), y1=centre[1] + 0.01 * (y1 - y0), xref="x", yref="y",
                           fillcolor=color, line=dict(color="white", width=1), layer="above",
                           name=f"model-min-{uid}"))
    return shapes
