"""figures.py: pure functions from a surface and trajectories to Plotly figures (no browser)."""
from __future__ import annotations

import base64
import dataclasses
import json
import re
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest
from dash._utils import to_json

import optviz
import surfaces
from optviz.ui import figures as F
from optviz.ui import state

ROSEN = surfaces.get("rosenbrock")


def view(optimizer, surface=ROSEN, uid="r0", color=0, steps=300, **hp):
    traj = optviz.simulate(optimizer, surface, steps=steps, **hp)
    run = state.Run(uid=uid, optimizer=optimizer, hyperparameters=tuple(traj.hyperparameters.items()), color=color)
    return F.RunView(uid=uid, label=state.run_label(run), color=F.COLORS[color], symbol_index=color, trajectory=traj)


def decode(value):
    """A figure array as numbers (plotly sends numpy arrays base64-encoded)."""
    if isinstance(value, dict) and "bdata" in value:
        dtype = {"f4": np.float32, "f8": np.float64, "i1": np.int8, "i2": np.int16, "i4": np.int32,
                 "u1": np.uint8, "u2": np.uint16, "u4": np.uint32}[value["dtype"]]
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=dtype)
    return np.asarray(value, dtype=float)


def numbers(fig):
    """Every numeric array of every trace, decoded."""
    out = []
    for trace in fig.to_dict()["data"]:
        for key in ("x", "y", "z"):
            if key in trace:
                out.append((trace.get("meta", {}).get("role"), key, decode(trace[key])))
    return out


def by_role(fig, role):
    return [t for t in fig.to_dict()["data"] if (t.get("meta") or {}).get("role") == role]


def valid(fig):
    """Plotly's own validation of every property (figures are built unvalidated, for speed)."""
    return go.Figure(json.loads(to_json(fig)))


@pytest.fixture(scope="module")
def runs():
    return [view("gd", lr=0.001), view("adam", uid="r1", color=1, lr=0.05),
            view("momentum", uid="r2", color=2, lr=0.01)]  # momentum lr=0.01 diverges on Rosenbrock


def test_fig001_contour_has_every_run_and_validates(runs):
    fig = F.contour_figure(ROSEN, runs, ROSEN.start, step=10)
    valid(fig)
    paths, markers = by_role(fig, "path"), by_role(fig, "marker")
    # runs that diverged first, under the others, and lighter (they must not hide the others)
    order = [rv.uid for rv in runs if rv.trajectory.diverged] + [rv.uid for rv in runs if not rv.trajectory.diverged]
    assert order != ["r0", "r1", "r2"], "the fixture has a diverged run that is not the first"
    assert [p["meta"]["run"] for p in paths] == order and [m["meta"]["run"] for m in markers] == order
    for p in paths:
        diverged = next(rv for rv in runs if rv.uid == p["meta"]["run"]).trajectory.diverged
        assert (p["opacity"] < 1) == diverged
    by_uid = {rv.uid: rv for rv in runs}
    for p in paths:
        rv = by_uid[p["meta"]["run"]]
        assert p["line"]["color"] == rv.color and p["name"].startswith(rv.label)
        xy = np.column_stack([decode(p["x"]), decode(p["y"])])
        steps = decode(p["customdata"])   # the drawn steps: from the start to the end, by shape
        assert steps[0] == 0 and steps[-1] == rv.trajectory.steps
        np.testing.assert_allclose(xy, rv.trajectory.xy[steps], rtol=1e-6, atol=1e-6)
    data = fig.to_dict()["data"]
    for m in markers:  # each marker names its path and sits on its point at the step
        path = data[m["meta"]["path"]]
        assert path["meta"] == {"role": "path", "run": m["meta"]["run"]}
        px, py, steps = decode(path["x"]), decode(path["y"]), decode(path["customdata"])
        k = int(np.searchsorted(steps, 10, side="right")) - 1  # the last drawn point at or before step 10
        (x0, x1), (y0, y1) = ROSEN.domain  # and a marker off the map is pinned to its edge
        assert decode(m["x"])[0] == np.clip(px[k], np.float32(x0), np.float32(x1))
        assert decode(m["y"])[0] == np.clip(py[k], np.float32(y0), np.float32(y1))
    assert data[0]["type"] == "contour" and by_role(fig, "minima") and by_role(fig, "start")


def test_fig002_no_nan_or_inf_anywhere(runs):
    """Only the 3-D view has NaN, as deliberate gaps where a path is outside the window (next test)."""
    for fig in (F.contour_figure(ROSEN, runs, ROSEN.start), F.surface3d_figure(ROSEN, runs, ROSEN.start),
                F.loss_figure(ROSEN, runs), F.loss_figure(ROSEN, runs, xaxis="cost"), F.distance_figure(ROSEN, runs)):
        for role, key, arr in numbers(fig):
            if fig.layout.scene.xaxis.range is None or role not in ("path", "marker", "edge"):
                assert np.isfinite(arr).all(), (role, key)
            assert not np.isinf(arr).any(), (role, key)
        text = to_json(fig)
        assert not re.search(r"[:,\[]\s*-?(NaN|Infinity)\b", text), "no NaN/inf token outside base64 data"


def test_fig002b_3d_paths_break_outside_the_window_and_run_to_its_edge():
    """Newton's second step on Rosenbrock lands far below the window and the third comes back; a
    diverged run's X sits where the map puts it (its last exit), at the surface's height."""
    newton = view("newton", uid="n0", lr=1.0)
    xy = newton.trajectory.xy
    inside = F._inside(ROSEN, xy)
    assert not inside.all() and inside[-1]
    fig = F.surface3d_figure(ROSEN, [newton], ROSEN.start, step=2)
    (path,) = by_role(fig, "path")
    x, y, z = (decode(path[k]) for k in "xyz")
    steps = decode(path["customdata"])
    assert list(steps[:4]) == [0, 1, 2, 3], "every step that moves is drawn"
    xy, inside = xy[steps], inside[steps]
    assert (np.isnan(z) == ~inside).all() and (np.isnan(x) == ~inside).all()
    np.testing.assert_allclose(x[inside], xy[inside, 0], rtol=1e-6)
    (marker,) = by_role(fig, "marker")
    assert np.isnan(decode(marker["z"])[0]) == (not inside[2])
    (edge,) = by_role(fig, "edge")
    ex, ey = decode(edge["x"]).reshape(-1, 3), decode(edge["y"]).reshape(-1, 3)
    assert np.isnan(ex[:, 2]).all() and np.isfinite(ex[:, :2]).all()
    (x0, x1), (y0, y1) = ROSEN.domain
    on_edge = np.isclose(ex[:, 1], x0) | np.isclose(ex[:, 1], x1) | np.isclose(ey[:, 1], y0) | np.isclose(ey[:, 1], y1)
    assert on_edge.all() and len(ex) == np.count_nonzero(inside[:-1] != inside[1:])
    diverged = view("momentum", uid="m0", lr=0.01)
    (mark,) = by_role(F.surface3d_figure(ROSEN, [diverged], ROSEN.start), "diverged")
    want = F.exit_point(ROSEN, diverged.trajectory.xy)
    assert (decode(mark["x"])[0], decode(mark["y"])[0]) == pytest.approx(want, rel=1e-6)


def test_fig003_diverged_run_is_marked(runs):
    diverged = runs[2]
    assert diverged.trajectory.diverged
    step = diverged.trajectory.steps + 1
    assert diverged.legend.endswith(f"(diverged at step {step})")
    fig = F.contour_figure(ROSEN, runs, ROSEN.start)
    x_marks = by_role(fig, "diverged")
    assert len(x_marks) == 1 and x_marks[0]["marker"]["symbol"] == "x"
    (x0, x1), (y0, y1) = ROSEN.domain
    x, y = decode(x_marks[0]["x"])[0], decode(x_marks[0]["y"])[0]
    assert x0 <= x <= x1 and y0 <= y <= y1, "marked where it left the map, so it can be seen"
    assert f"diverged at step {step}" in x_marks[0]["hovertemplate"]
    for fig in (F.loss_figure(ROSEN, runs), F.distance_figure(ROSEN, runs), F.surface3d_figure(ROSEN, runs, ROSEN.start)):
        assert len(by_role(fig, "diverged")) == 1
    loss = F.loss_figure(ROSEN, runs)
    top = 10 ** loss.layout.yaxis.range[1]
    assert decode(by_role(loss, "diverged")[0]["y"])[0] <= top * 1.0001, "the X stays on the chart"
    assert not by_role(F.contour_figure(ROSEN, runs[:2], ROSEN.start), "diverged")


def test_fig004_exit_point_on_the_window_edge():
    xy = np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 1.0]])
    surface = surfaces.get("quadratic")  # window [-3, 3] x [-3, 3]
    assert F.exit_point(surface, xy) == (3.0, 1.0)
    assert F.exit_point(surface, xy[:2]) == (1.0, 1.0)


def test_fig005_colours_follow_the_run_not_its_position(runs):
    fig = F.contour_figure(ROSEN, [runs[2], runs[0]], ROSEN.start)
    colors = {p["meta"]["run"]: p["line"]["color"] for p in by_role(fig, "path")}
    assert colors == {"r2": F.COLORS[2], "r0": F.COLORS[0]}
    assert len(set(F.COLORS)) == len(F.COLORS) == state.MAX_RUNS


def test_fig006_log_map_labels_levels_in_real_values():
    fig = F.contour_figure(ROSEN, [], ROSEN.start)
    bar = fig.data[0].colorbar
    assert list(bar.ticktext) == ["0.01", "0.1", "1", "10", "100", "1,000"]
    forward, _ = F.level_transform(ROSEN)
    for value, text in zip(bar.tickvals, bar.ticktext):
        assert forward(float(text.replace(",", ""))) == pytest.approx(value)
    quad = surfaces.get("quadratic")  # not log-scaled: plain values
    assert not quad.log_scale
    assert F.level_transform(quad)[0](np.array([2.0]))[0] == 2.0


def test_fig007_surface3d_paths_lie_on_the_surface(runs):
    fig = F.surface3d_figure(ROSEN, runs[:2], ROSEN.start)
    valid(fig)
    mesh = fig.data[0]
    assert mesh.type == "surface"
    lo, hi = F._z_range(ROSEN)
    for path in by_role(fig, "path"):
        z = decode(path["z"])
        shown = np.isfinite(z)
        assert shown.any()
        z = z[shown]
        assert (z >= lo).all() and (z <= hi + 0.05 * (hi - lo)).all()
        x, y = decode(path["x"])[shown], decode(path["y"])[shown]
        forward, _ = F.level_transform(ROSEN)
        true = np.clip(forward(ROSEN.value(x.astype(float), y.astype(float))), lo, hi)
        drawn = F._mesh_height(ROSEN, x.astype(float), y.astype(float))
        # at f where f is above the drawn mesh, else resting on the mesh (never hanging under it)
        np.testing.assert_allclose(z, np.maximum(true, drawn) + F.LIFT * (hi - lo), rtol=1e-4, atol=1e-3)


def test_fig007b_mesh_height_is_bilinear_between_grid_points():
    xs, ys, T = F._mesh(ROSEN)
    assert F._mesh_height(ROSEN, xs[[3, 7]], ys[[5, 9]]) == pytest.approx(T[[5, 9], [3, 7]])
    mid = F._mesh_height(ROSEN, np.array([(xs[3] + xs[4]) / 2]), np.array([ys[5]]))[0]
    assert mid == pytest.approx((T[5, 3] + T[5, 4]) / 2)
    himmelblau = surfaces.get("himmelblau")
    minima = np.asarray(himmelblau.minima)
    lo, hi = F._z_range(himmelblau)
    z = F._height(himmelblau, minima[:, 0], minima[:, 1], np.zeros(len(minima)))
    assert (z >= F._mesh_height(himmelblau, minima[:, 0], minima[:, 1]) + F.LIFT * (hi - lo) - 1e-12).all()


def test_fig008_loss_gap_on_log_axis_and_cost_axis(runs):
    fig = F.loss_figure(ROSEN, runs[:2])
    valid(fig)
    assert fig.layout.yaxis.type == "log" and fig.layout.shapes[0].name == "cursor"
    path = by_role(fig, "path")[1]
    np.testing.assert_allclose(decode(path["y"]), np.maximum(runs[1].trajectory.loss, 1e-16), rtol=1e-5)
    cost = F.loss_figure(ROSEN, runs[:2], xaxis="cost")
    assert "cost" in cost.layout.xaxis.title.text and not cost.layout.shapes
    np.testing.assert_array_equal(decode(by_role(cost, "path")[1]["x"]), runs[1].trajectory.evaluations)


def test_fig009_surface_without_minimum():
    unbounded = replace(ROSEN, minima=())
    traj = view("adam", lr=0.05)
    fig = F.loss_figure(unbounded, [traj])
    assert fig.layout.yaxis.type == "linear" and "no minimum" in F.loss_values(unbounded)[3]
    dist = F.distance_figure(unbounded, [traj])
    assert not dist.data and "no minimum" in dist.layout.annotations[0].text


def test_fig010_long_runs_are_thinned_by_shape():
    """A long run draws the points that show its shape: every dropped iterate lies within a
    1,500th of the window of the point drawn before it, so paths and markers are off by at most a
    pixel; the steps where it sits still cost nothing."""
    rv = view("adam", steps=20_000, lr=0.01)
    fig = F.contour_figure(ROSEN, [rv], ROSEN.start, step=20_000)
    path, marker = by_role(fig, "path")[0], by_role(fig, "marker")[0]
    steps = decode(path["customdata"])
    assert len(steps) <= F.MAX_POINTS and steps[0] == 0 and steps[-1] == 20_000
    xy = rv.trajectory.xy
    kept = np.searchsorted(steps, np.arange(len(xy)), side="right") - 1      # each step's drawn point
    (x0, x1), (y0, y1) = ROSEN.domain
    off = np.hypot(*(xy - xy[steps[kept]]).T) / max(x1 - x0, y1 - y0)
    assert off.max() <= 1 / 1500 + 1e-12
    assert decode(marker["x"])[0] == pytest.approx(xy[-1, 0], rel=1e-6)


def test_fig012_a_long_run_draws_its_first_steps_as_a_short_one():
    """BFGS converges in about 30 steps: at 100,000 steps it used to be drawn as one straight jump
    (even sampling); now its first 35 iterates are drawn exactly as at 200 steps, on every view."""
    short, long = view("bfgs", steps=200), view("bfgs", steps=100_000)
    for figure in (F.contour_figure, F.surface3d_figure):
        a, b = (by_role(figure(ROSEN, [rv], ROSEN.start, step=0), "path")[0] for rv in (short, long))
        n = int(np.searchsorted(decode(a["customdata"]), 35))
        assert n >= 10
        for key in ("x", "y", "customdata"):
            assert np.array_equal(decode(a[key])[:n], decode(b[key])[:n]), (figure.__name__, key)
    (b,) = by_role(F.contour_figure(ROSEN, [long], ROSEN.start), "path")
    assert len(decode(b["x"])) < 50, "on the map, the 99,970 steps where BFGS sits still cost nothing"
    (b,) = by_role(F.loss_figure(ROSEN, [long], 0), "path")
    assert len(decode(b["x"])) <= 1600, "on the loss plot, about a point per pixel of its step axis"


def test_fig013_an_oscillating_run_is_thinned_to_the_limit():
    rv = view("gd", steps=100_000, lr=0.0019)     # zig-zags across Rosenbrock's valley every step
    fig = F.contour_figure(ROSEN, [rv], ROSEN.start, step=0)
    assert len(decode(by_role(fig, "path")[0]["x"])) <= F.MAX_POINTS


def test_fig011_nelder_mead_draws_its_simplex():
    if "nelder_mead" not in optviz.optimizers.names():
        pytest.fail("nelder_mead is not registered")
    rv = view("nelder_mead", steps=50)
    fig = F.contour_figure(ROSEN, [rv], ROSEN.start, step=5)
    valid(fig)
    (simplex,) = by_role(fig, "simplex")
    assert simplex["fill"] == "toself" and len(simplex["meta"]["simplex"]) == 51
    x1, y1, x2, y2, x3, y3 = simplex["meta"]["simplex"][5]
    assert list(simplex["x"]) == [x1, x2, x3, x1] and list(simplex["y"]) == [y1, y2, y3, y1]


def test_fig012_every_optimizer_on_every_surface_draws():
    for name in surfaces.names():
        surface = surfaces.get(name)
        views = [view(opt, surface, uid=f"r{i}", color=i % 8, steps=60) for i, opt in
                 enumerate(optviz.optimizers.names())]
        for fig in (F.contour_figure(surface, views, surface.start), F.surface3d_figure(surface, views, surface.start),
                    F.loss_figure(surface, views), F.distance_figure(surface, views)):
            gaps_allowed = fig.layout.scene.xaxis.range is not None  # the 3-D view's paths (fig002b)
            for role, key, arr in numbers(fig):
                if gaps_allowed and role in ("path", "marker", "edge"):
                    assert not np.isinf(arr).any(), (name, role, key)
                else:
                    assert np.isfinite(arr).all(), (name, role, key)


def test_fig013_patch_traces_are_small_and_encoded(runs):
    traces = F.run_trace_dicts(F.contour_run_traces(ROSEN, runs, 0, 3))
    assert all(isinstance(t["x"], dict) and t["x"]["dtype"] == "f4" for t in traces if t["meta"]["role"] == "path")
    four = [view("adam", uid=f"r{i}", color=i, steps=1000, lr=0.01 * (i + 1)) for i in range(4)]
    full = sum(len(to_json(f(ROSEN, four, ROSEN.start))) for f in (F.contour_figure, F.surface3d_figure))
    full += len(to_json(F.loss_figure(ROSEN, four))) + len(to_json(F.distance_figure(ROSEN, four)))
    assert full < 1_000_000, f"{full:,} bytes for 4 runs x 1000 steps"


def test_fig030_a_surfaces_terrain_is_built_from_the_surface_itself_once():
    """The views take what they draw from the surface object (figures.Terrain), not from the
    registry: a surface that is not registered under its name draws as well, and a second figure
    of the same surface reuses the first one's grids."""
    typed = surfaces.from_formula("x^2 + 3*y^2 + sin(3*x)", domain=((-2, 2), (-1, 1)))
    first = F.terrain(typed)
    assert F.terrain(typed) is first and first.Z.shape == (F.CONTOUR_GRID, F.CONTOUR_GRID)
    assert first.xs[0] == -2 and first.ys[-1] == 1 and not first.undefined.any()
    lo, hi = first.z_range
    assert first.mesh.min() >= lo and first.mesh.max() <= hi
    valid(F.contour_figure(typed, [], typed.start))
    valid(F.surface3d_figure(typed, [], typed.start))
    unregistered = dataclasses.replace(surfaces.get("himmelblau"), name="not_in_the_registry")
    with pytest.raises(ValueError):
        surfaces.get("not_in_the_registry")
    valid(F.contour_figure(unregistered, [], unregistered.start))
    assert F.terrain(unregistered).log is True
