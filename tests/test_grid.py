"""Grids of runs: sweeps, basins, fans and tuning (optviz.grid), against simulate cell by cell."""
import math

import numpy as np
import pytest

import optviz
import surfaces
from optviz import drivers, grid

#: (optimizer, surface, start, grid, fixed and run options): every kind of kernel, with noise,
#: clipping and a schedule, and grids that include diverging cells.
CASES = [
    ("adam", "rosenbrock", (-1.2, 1.0), {"lr": [1e-3, 0.05, 2.0], "beta1": [0.0, 0.9]}, {}),
    ("momentum", "rosenbrock", (-1.2, 1.0), {"lr": [1e-4, 1e-3, 0.01]}, {"momentum": 0.8}),
    ("nesterov", "beale", (1.0, 1.0), {"momentum": [0.5, 0.9]}, {"lr": 0.01, "noise": 0.3, "seed": 4}),
    ("rmsprop", "himmelblau", (0.0, 0.0), {"lr": [0.01, 0.1], "alpha": [0.9, 0.99]}, {"clip": 1.0}),
    ("adagrad", "booth", (-3.0, 4.0), {"lr": [0.1, 1.0]}, {"schedule": "cosine"}),
    ("radam", "quadratic", None, {"lr": [0.01, 0.1]}, {}),
    ("lion", "rosenbrock", (-1.2, 1.0), {"lr": [1e-3, 1e-2]}, {"noise": 0.1}),
    ("gd", "rosenbrock", (-1.2, 1.0), {"lr": [1e-4, 1e-3, 5e-3]}, {}),
    ("gd", "rosenbrock", (-1.2, 1.0), {"lr": [0.1, 1.0]}, {"line_search": "wolfe"}),
    ("newton", "saddle", (0.5, 0.2), {"lr": [0.5, 1.0], "damping": [0.0, 0.1]}, {}),
    ("bfgs", "beale", (1.0, 1.0), {"lr": [0.5, 1.0]}, {}),
    ("cg", "rosenbrock", (-1.2, 1.0), {"restart": [0, 2]}, {}),
    ("lbfgs", "rosenbrock", (-1.2, 1.0), {"lr": [0.5, 1.0]}, {"history_size": 5}),
    ("nelder_mead", "himmelblau", (0.0, 0.0), {"initial_size": [0.1, 1.0]}, {}),
]
RUN_OPTIONS = ("noise", "seed", "clip", "schedule")


@pytest.fixture(params=["run by run", "blocked"])
def path(request, monkeypatch):
    """Both ways a grid is run: each cell by the optimizer's own kernel, or (for the methods the
    drivers make, without noise) blocks of cells by the blocked loop of optviz.drivers, compiled
    for the optimizer and surface whatever the grid's size."""
    if request.param == "blocked":
        monkeypatch.setattr(grid, "BLOCKED_MIN_CELL_STEPS", 0)
        monkeypatch.setattr(grid, "BLOCKED_KERNELS", 10 ** 6)
    else:
        monkeypatch.setattr(grid, "_blocked_kernel", lambda *args, **kwargs: None)
    return request.param


@pytest.mark.parametrize("optimizer, surface, start, axes, fixed", CASES,
                         ids=[f"{c[0]}-{c[1]}-{'-'.join(c[3])}" for c in CASES])
def test_every_sweep_cell_equals_simulate_bit_for_bit(optimizer, surface, start, axes, fixed, path):
    steps, tol = 150, 1e-4
    result = optviz.sweep(optimizer, surface, start=start, steps=steps, grid=axes, tol=tol, **fixed)
    shape = tuple(len(v) for v in axes.values())
    assert result.final_loss.shape == result.steps_to_tol.shape == result.diverged.shape == shape
    f_star = surfaces.get(surface).minimum_value
    for index in np.ndindex(shape):
        values = {name: axis[i] for (name, axis), i in zip(axes.items(), index)}
        run = optviz.simulate(optimizer, surface, start=start, steps=steps, **fixed, **values)
        assert result.final_loss[index] == run.loss[-1], (values, "final loss")
        assert np.array_equal(result.final_xy[index], run.xy[-1]), (values, "final point")
        assert result.diverged[index] == run.diverged and result.status[index] == run.status, values
        assert result.steps_done[index] == run.steps, values
        below = np.flatnonzero(run.loss - f_star <= tol) if f_star is not None else []
        assert result.steps_to_tol[index] == (below[0] if len(below) else -1), values


@pytest.mark.parametrize("values", [[0.01], [0.01, 0.02, 0.05]], ids=["one cell", "three cells"])
def test_a_sweep_of_one_or_a_few_cells_runs_either_way(values, path):
    """A grid's start and fixed values reach the kernels as views of one row; a slice of one
    such row is still a view, and the run-by-run kernel needs its own writable copy."""
    result = optviz.sweep("adam", "rosenbrock", start=(-1.2, 1.0), steps=40, grid={"lr": values})
    for i, lr in enumerate(values):
        assert result.final_loss[i] == optviz.simulate("adam", "rosenbrock", start=(-1.2, 1.0), steps=40,
                                                       lr=lr).loss[-1]


def test_axis_k_runs_over_the_kth_name_of_the_grid():
    lrs, betas = [1e-3, 1e-2, 1e-1], [0.0, 0.5, 0.9, 0.99]
    a = optviz.sweep("adam", "rosenbrock", steps=50, grid={"lr": lrs, "beta1": betas})
    b = optviz.sweep("adam", "rosenbrock", steps=50, grid={"beta1": betas, "lr": lrs})
    assert a.final_loss.shape == (3, 4) and b.final_loss.shape == (4, 3)
    assert np.array_equal(a.final_loss, b.final_loss.T)
    assert a.names == ("lr", "beta1") and np.array_equal(a.values[1], betas)


def test_adam_on_rosenbrock_is_fine_at_lr_001_and_lost_at_05():
    """The outcome depends on the learning rate: within 10,000 steps from (-1.2, 1), lr = 0.01
    reaches the minimum and lr = 0.5 ends far from it (it reached 1e-6 once, at step 618, and
    left again)."""
    result = optviz.sweep("adam", "rosenbrock", start=(-1.2, 1.0), steps=10_000, grid={"lr": [0.01, 0.5]}, tol=1e-6)
    fine, lost = result.final_loss
    assert fine < 1e-12 and result.steps_to_tol[0] > 1000
    assert lost > 1.0 and result.steps_to_tol[1] == 618 and not result.diverged.any()


def test_a_surface_without_known_minima_has_no_steps_to_tol():
    result = optviz.sweep("gd", "saddle", start=(0.5, 0.01), steps=30, grid={"lr": [0.01, 0.1]})
    if surfaces.get("saddle").minima:
        pytest.skip("the saddle lists a minimum")
    assert (result.steps_to_tol == -1).all()


def test_basins_on_a_convex_quadratic_all_reach_the_one_minimum():
    result = optviz.basins("gd", "quadratic", resolution=25, steps=400, lr=0.15)
    assert result.minimum.shape == result.steps.shape == (25, 25)
    assert (result.minimum == 0).all()
    assert result.xs[0] == -3.0 and result.xs[-1] == 3.0 and len(result.ys) == 25
    assert result.steps[12, 12] == 0, "the start at the minimum is there from step 0"
    assert result.steps[0, 0] > result.steps[12, 13] > 0, "farther starts take longer"


def test_himmelblau_basins_under_gd_each_quadrant_reaches_its_own_minimum():
    result = optviz.basins("gd", "himmelblau", resolution=40, steps=1000, lr=0.01)
    for k, (mx, my) in enumerate(result.minima):
        quadrant = (np.sign(result.xs)[None, :] == np.sign(mx)) & (np.sign(result.ys)[:, None] == np.sign(my))
        share = (result.minimum[quadrant] == k).mean()
        assert share > 0.9, (k, share)
        # the cell nearest the minimum itself reaches it
        i, j = np.argmin(np.abs(result.ys - my)), np.argmin(np.abs(result.xs - mx))
        assert result.minimum[i, j] == k


def test_the_blocked_loop_serves_the_methods_the_drivers_make(monkeypatch):
    monkeypatch.setattr(grid, "BLOCKED_MIN_CELL_STEPS", 0)
    used = []
    real = grid._blocked_kernel
    monkeypatch.setattr(grid, "_blocked_kernel", lambda *a, **k: used.append(real(*a, **k)) or used[-1])
    optviz.sweep("adam", "rosenbrock", steps=20, grid={"lr": [0.01, 0.1]})
    optviz.sweep("gd", "rosenbrock", steps=20, grid={"lr": [0.01, 0.1]})
    optviz.sweep("gd", "rosenbrock", steps=20, grid={"lr": [0.01, 0.1]}, line_search="armijo")
    optviz.sweep("bfgs", "rosenbrock", steps=20, grid={"lr": [0.5, 1.0]})
    optviz.sweep("adam", "rosenbrock", steps=20, grid={"lr": [0.01, 0.1]}, noise=0.1)
    assert [u is not None for u in used] == [True, True, False, False, False]


def test_a_short_last_block_and_a_work_limit_keep_every_cell_equal(monkeypatch):
    """19 cells: a block of 16 and one of 3 (its unused lanes repeat a run); a work limit stops
    each cell at the same step as simulate, with the same status."""
    monkeypatch.setattr(grid, "BLOCKED_MIN_CELL_STEPS", 0)
    lrs = list(np.geomspace(1e-3, 3.0, 19))
    result = optviz.sweep("adam", "rosenbrock", steps=400, grid={"lr": lrs}, work_limit=501)
    for i, lr in enumerate(lrs):
        run = optviz.simulate("adam", "rosenbrock", steps=400, lr=lr, work_limit=501)
        assert (result.final_loss[i], result.status[i], result.steps_done[i]) == (run.loss[-1], run.status, run.steps)


@pytest.mark.parametrize("optimizer, hyperparameters", [("adam", {"lr": 0.1}), ("gd", {"lr": 0.02}),
                                                         ("newton", {"lr": 0.5})])
def test_basins_cells_equal_simulate_from_their_start_either_way(optimizer, hyperparameters, path):
    result = optviz.basins(optimizer, "himmelblau", resolution=6, steps=300, **hyperparameters)
    radius = grid.REACH_FRACTION * math.hypot(10, 10)
    for i, j in [(0, 0), (2, 3), (5, 1), (4, 4), (3, 2)]:
        run = optviz.simulate(optimizer, "himmelblau", start=(result.xs[j], result.ys[i]), steps=300,
                              **hyperparameters)
        assert result.final_loss[i, j] == run.loss[-1]
        d = np.hypot(*(np.asarray(result.minima) - run.xy[-1]).T)
        expected = int(np.argmin(d)) if d.min() <= radius else -1
        assert result.minimum[i, j] == expected
        if expected >= 0:
            far = np.flatnonzero(np.hypot(*(run.xy - result.minima[expected]).T) > radius)
            assert result.steps[i, j] == (far[-1] + 1 if len(far) else 0)


@pytest.mark.parametrize("optimizer, surface, hyperparameters, steps, domain", [
    ("gd", "himmelblau", {"lr": 0.01}, 400, None),
    ("adam", "himmelblau", {"lr": 0.2}, 300, None),
    ("momentum", "rastrigin", {"lr": 0.002, "momentum": 0.9}, 300, None),   # 121 minima
    ("gd", "quadratic", {"lr": 0.15}, 200, ((-0.5, 0.5), (-0.5, 0.5))),
    ("gd", "himmelblau", {"lr": 0.025}, 120, None),                          # some diverge
])
def test_the_blocked_basin_map_follows_each_run_as_run_by_run_finds_it(optimizer, surface, hyperparameters,
                                                                        steps, domain, monkeypatch):
    """The blocked loop follows which minimum a run is near as it goes (no path kept); every
    cell's minimum and settled step equal those found by walking back along the run's path."""
    kwargs = dict(resolution=23, steps=steps, domain=domain, **hyperparameters)
    monkeypatch.setattr(grid, "_blocked_kernel", lambda *args, **kw: None)
    by_run = optviz.basins(optimizer, surface, **kwargs)
    monkeypatch.undo()
    monkeypatch.setattr(grid, "BLOCKED_MIN_CELL_STEPS", 0)
    monkeypatch.setattr(grid, "BLOCKED_KERNELS", 10 ** 6)
    blocked = optviz.basins(optimizer, surface, **kwargs)
    assert np.array_equal(blocked.minimum, by_run.minimum)
    assert np.array_equal(blocked.steps, by_run.steps)
    assert np.array_equal(blocked.final_loss, by_run.final_loss, equal_nan=True)
    assert len(np.unique(by_run.minimum)) > 1 or surface == "quadratic"


def test_minima_closer_than_two_radii_go_run_by_run():
    assert drivers.disjoint([(0, 0), (1, 0)], 0.4) and not drivers.disjoint([(0, 0), (1, 0)], 0.5)
    assert drivers.disjoint([(0, 0)], 10.0) and drivers.disjoint([], 1.0)


def test_basins_mark_diverged_starts():
    result = optviz.basins("gd", "himmelblau", resolution=8, steps=100, lr=0.2)
    assert (result.minimum == grid.DIVERGES).any()
    assert (result.status[result.minimum == grid.DIVERGES] == "diverged").all()


HIMMELBLAU = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"


def test_a_typed_himmelblau_basin_map_rests_at_the_built_ins_four_minima():
    """A formula lists no minima; the map finds where its runs came to rest, and GD rests at
    Himmelblau's four minima with each start in the basin the built-in map gives it."""
    typed = surfaces.from_formula(HIMMELBLAU, domain=surfaces.get("himmelblau").domain)
    result = optviz.basins("gd", typed, resolution=24, steps=300, lr=0.01)
    built_in = optviz.basins("gd", "himmelblau", resolution=24, steps=300, lr=0.01)
    rest = result.resting
    assert (result.minimum == grid.NONE).all() and built_in.resting is None
    assert rest.kinds == ("minimum",) * 4
    known = np.array(surfaces.get("himmelblau").minima)
    nearest = [int(np.argmin(np.hypot(*(known - point).T))) for point in rest.points]
    np.testing.assert_allclose(rest.points, known[nearest], atol=1e-6)
    assert sorted(nearest) == [0, 1, 2, 3]
    as_known = np.where(rest.label >= 0, np.array(nearest)[rest.label], rest.label)
    assert np.array_equal(as_known, built_in.minimum)
    np.testing.assert_array_equal(result.final_xy.shape, (24, 24, 2))


def test_newton_rests_at_saddles_and_the_maximum_too():
    typed = surfaces.from_formula(HIMMELBLAU)
    rest = optviz.basins("newton", typed, resolution=24, steps=50).resting
    assert rest.kinds.count("minimum") == 4 and rest.kinds.count("saddle point") == 4
    assert rest.kinds.count("maximum") == 1
    peak = rest.points[rest.kinds.index("maximum")]
    np.testing.assert_allclose(peak, (-0.270845, -0.923039), atol=1e-5)   # Himmelblau's local maximum


def test_a_circle_of_minima_is_one_valley_floor_and_a_run_still_moving_rests_nowhere():
    ring = optviz.basins("gd", surfaces.from_formula("(x^2 + y^2 - 4)^2"), resolution=16, steps=500, lr=0.01)
    assert ring.resting.kinds == ("valley floor",) and (ring.resting.label == 0).all()
    assert math.hypot(*ring.resting.points[0]) == pytest.approx(2.0, abs=1e-6)
    # Newton's ends lie a little inside or outside the circle, where the curvature along it is
    # slightly negative or positive: still one floor (it was 23 "saddle points"), and the peak
    newton = optviz.basins("newton", surfaces.from_formula("(x^2 + y^2 - 4)^2"), resolution=48, steps=60).resting
    assert newton.kinds == ("valley floor", "maximum") and np.allclose(newton.points[1], 0, atol=1e-9)
    slow = optviz.basins("gd", surfaces.from_formula("x^2 + y^2"), resolution=8, steps=3, lr=0.01)
    assert slow.resting.kinds == () and (slow.resting.label == grid.NONE).all()
    flat = optviz.basins("nelder_mead", surfaces.from_formula("0"), resolution=8, steps=30)   # a fuzzed API request
    assert flat.resting.kinds == ("valley floor",) and (flat.resting.label == 0).all()   # it raised: scale 0
    saddle = optviz.basins("gd", surfaces.from_formula("x^2 - y^2"), resolution=8, steps=400, lr=0.1)
    assert saddle.resting.kinds == () and (saddle.resting.label == grid.DIVERGES).any()


def test_fans_with_the_same_seed_repeat_exactly():
    a = optviz.fan("gd", "saddle", n=6, noise=0.5, seed=10, steps=40, lr=0.05)
    b = optviz.fan("gd", "saddle", n=6, noise=0.5, seed=10, steps=40, lr=0.05)
    assert a.seeds == tuple(range(10, 16))
    for ra, rb in zip(a.runs, b.runs):
        assert np.array_equal(ra.xy, rb.xy)
    assert not np.array_equal(a.runs[0].xy, a.runs[1].xy), "different seeds, different paths"
    assert a.mean.shape == (41, 2)
    assert np.allclose(a.mean[5], np.mean([r.xy[5] for r in a.runs], axis=0))
    assert np.array_equal(a.runs[3].xy, optviz.simulate("gd", "saddle", noise=0.5, seed=13, steps=40, lr=0.05).xy)


def test_tune_finds_the_best_learning_rate_on_the_parabola():
    """GD on x^2 + y^2 maps x to (1 - 2 lr) x: lr = 0.5 is best (the minimum in one step)."""
    tuned = optviz.tune("gd", "parabola", steps=50)
    fine = tuned.sweeps[-1].values[0]
    step = np.max(fine[1:] / fine[:-1])
    assert 0.5 / step <= tuned.values["lr"] <= 0.5 * step, tuned.values
    assert tuned.loss < 1e-100


def test_tune_two_hyperparameters():
    tuned = optviz.tune("momentum", "quadratic", steps=100, params=("lr", "momentum"))
    assert set(tuned.values) == {"lr", "momentum"} and tuned.loss < 1e-6
    coarse = tuned.sweeps[0]
    assert tuned.loss <= np.nanmin(np.where(coarse.diverged, np.inf, coarse.final_loss))


def test_a_time_limited_sweep_marks_the_cells_it_did_not_run():
    result = optviz.sweep("lbfgs", "rosenbrock", steps=2000, grid={"lr": np.geomspace(0.1, 1, 200)},
                          max_eval=200, tolerance_grad=0.0, tolerance_change=0.0, time_limit=0.05)
    statuses = set(result.status.ravel())
    assert "time_limit" in statuses
    assert (result.steps_done[result.status == "time_limit"] <= 2000).all()


@pytest.mark.parametrize("call, message", [
    (lambda: optviz.sweep("adam", "rosenbrock", grid={"lrr": [0.1]}), "adam has no hyperparameter 'lrr'"),
    (lambda: optviz.sweep("adam", "rosenbrock", grid={"amsgrad": [0, 1]}), "amsgrad is a bool setting"),
    (lambda: optviz.sweep("adam", "rosenbrock", grid={}), "grid must map one or two"),
    (lambda: optviz.sweep("adam", "rosenbrock", grid={"lr": [1], "beta1": [0.9], "beta2": [0.9]}), "one or two"),
    (lambda: optviz.sweep("adam", "rosenbrock", grid={"lr": list(np.linspace(0.01, 1, 257))}), "1 to 256 values"),
    (lambda: optviz.sweep("adam", "rosenbrock", grid={"lr": [0.1, -1]}), "grid['lr'][1]: lr must be"),
    (lambda: optviz.sweep("adam", "rosenbrock", grid={"lr": "0.1"}), "must be a list of values"),
    (lambda: optviz.sweep("adam", "rosenbrock", grid={"lr": [0.1]}, lr=0.2), "both swept"),
    (lambda: optviz.sweep("adam", "rosenbrock", grid={"lr": [0.1]}, tol=-1), "tol must be"),
    (lambda: optviz.sweep("adam", "rosenbrock", grid={"lr": [0.1] * 200, "beta1": [0.9] * 200}, steps=100_000),
     "too large"),
    (lambda: optviz.basins("gd", "himmelblau", resolution=401), "resolution must be an integer in [2, 400]"),
    (lambda: optviz.basins("gd", "himmelblau", resolution=2.5), "resolution must be an integer"),
    (lambda: optviz.basins("gd", "himmelblau", domain=((1, 0), (0, 1))), "domain must be"),
    (lambda: optviz.fan("gd", "saddle", n=65), "n must be an integer from 1 to 64"),
    (lambda: optviz.tune("adam", "rosenbrock", params=("lr", "beta1", "beta2")), "one or two"),
    (lambda: optviz.tune("adam", "rosenbrock", params=("bias_correction",)), "bool setting"),
])
def test_bad_input_gets_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        call()


def test_runs_resting_past_the_points_a_map_tells_apart_are_counted(monkeypatch):
    monkeypatch.setattr(grid, "REST_CAP", 2)
    typed = surfaces.from_formula(HIMMELBLAU, domain=surfaces.get("himmelblau").domain)
    result = optviz.basins("gd", typed, resolution=24, steps=300, lr=0.01)
    rest = result.resting
    assert len(rest.points) == 2 and rest.untold == int((rest.label == grid.NONE).sum()) > 0
    assert rest.untold + int((rest.label >= 0).sum()) == 24 * 24
