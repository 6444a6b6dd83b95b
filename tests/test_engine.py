"""The public API: optviz.simulate, its validation, divergence handling and common options."""
import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optviz
import surfaces
from optviz import optimizers, schedules


# -- results ------------------------------------------------------------------------------------

def test_trajectory_shapes_and_start():
    run = optviz.simulate("adam", "rosenbrock", start=(-1.5, 2.0), steps=50, lr=0.05)
    assert run.xy.shape == (51, 2) and run.xy.dtype == np.float64
    assert run.loss.shape == (51,)
    assert run.steps == 50 and run.requested_steps == 50 and not run.diverged
    assert tuple(run.xy[0]) == (-1.5, 2.0)
    surface = surfaces.get("rosenbrock")
    np.testing.assert_allclose(run.loss, surface.value(run.xy[:, 0], run.xy[:, 1]), rtol=1e-15)
    assert list(run.g_evals) == list(range(51))
    assert not run.f_evals.any() and not run.h_evals.any()
    assert set(run.state) == {"m_x", "m_y", "v_x", "v_y"}
    assert run.hyperparameters["lr"] == 0.05 and run.hyperparameters["beta1"] == 0.9


def test_default_start_is_the_surfaces():
    for name in surfaces.names():
        run = optviz.simulate("momentum", name, steps=0)
        assert tuple(run.xy[0]) == surfaces.get(name).start


def test_zero_steps():
    run = optviz.simulate("adam", "quadratic", start=(1.0, 2.0), steps=0)
    assert run.xy.shape == (1, 2) and run.steps == 0 and not run.diverged


def test_surface_object_and_parameters():
    bowl = surfaces.get("quadratic", condition=100.0, rotation=30.0)
    run = optviz.simulate("momentum", bowl, start=(1.0, 1.0), steps=5, lr=0.001)
    np.testing.assert_allclose(run.loss[0], bowl.value(1.0, 1.0))
    assert run.surface == "quadratic"


# -- divergence -----------------------------------------------------------------------------------

def test_divergence_stops_with_finite_prefix():
    run = optviz.simulate("gd" if "gd" in optimizers.names() else "momentum", "quadratic",
                          start=(1.0, 1.0), steps=1000, lr=5.0)
    assert run.diverged
    assert run.steps < 1000
    assert np.isfinite(run.xy).all() and np.isfinite(run.loss).all()
    assert len(run.loss) == len(run.xy) == len(run.g_evals)


def test_divergence_on_unbounded_surface_is_not_an_error():
    if "saddle" not in surfaces.names():
        pytest.skip("saddle surface not registered yet")
    run = optviz.simulate("adam", "saddle", start=(1.0, 0.1), steps=100_000, lr=0.5)
    assert run.diverged and np.isfinite(run.xy).all()


# -- common options -------------------------------------------------------------------------------

def test_noise_is_reproducible_and_seeded():
    a = optviz.simulate("adam", "rosenbrock", steps=200, noise=1.0, seed=3)
    b = optviz.simulate("adam", "rosenbrock", steps=200, noise=1.0, seed=3)
    c = optviz.simulate("adam", "rosenbrock", steps=200, noise=1.0, seed=4)
    clean = optviz.simulate("adam", "rosenbrock", steps=200)
    np.testing.assert_array_equal(a.xy, b.xy)
    assert not np.array_equal(a.xy, c.xy)
    assert not np.array_equal(a.xy, clean.xy)


def test_noise_has_the_requested_scale():
    # On a flat direction the gradient is pure noise: GD's steps are -lr * sigma * N(0, 1).
    run = optviz.simulate("momentum", "quadratic", start=(0.0, 0.0), steps=20_000, lr=1e-6,
                          momentum=0.0, noise=2.0, seed=1)
    steps = np.diff(run.xy, axis=0) / -1e-6
    assert abs(steps.std() - 2.0) < 0.05


def test_clipping_limits_the_step():
    run = optviz.simulate("momentum", "rosenbrock", start=(-2.0, -1.0), steps=20, lr=0.01,
                          momentum=0.0, clip=1.0)
    lengths = np.hypot(*np.diff(run.xy, axis=0).T)
    assert lengths.max() <= 0.01 * 1.0 + 1e-12
    unclipped = optviz.simulate("momentum", "rosenbrock", start=(-2.0, -1.0), steps=1, lr=0.01, momentum=0.0)
    assert np.hypot(*(unclipped.xy[1] - unclipped.xy[0])) > 1.0


@pytest.mark.parametrize("name", schedules.names())
def test_schedule_scales_plain_gd_steps(name):
    # Plain GD on a linear-gradient bowl: the step taken at t is lr * factor(t) * gradient.
    steps = 40
    run = optviz.simulate("momentum", "quadratic", start=(1.0, 0.5), steps=steps, lr=0.01, momentum=0.0,
                          schedule=name)
    bowl = surfaces.get("quadratic")
    grads = bowl.gradient(run.xy[:-1, 0], run.xy[:-1, 1])
    taken = -np.diff(run.xy, axis=0)
    factors = taken[:, 0] / (0.01 * grads[:, 0])
    np.testing.assert_allclose(factors, schedules.factors(name, steps), rtol=1e-10)


def test_schedule_formulas():
    f = schedules.factors({"name": "step", "step_size": 10, "gamma": 0.5}, 30)
    assert f[0] == 1.0 and f[9] == 1.0 and f[10] == 0.5 and f[29] == 0.25
    f = schedules.factors({"name": "cosine", "end_factor": 0.1}, 100)
    assert f[0] == 1.0 and math.isclose(f[50], 0.55) and f.min() > 0.1
    f = schedules.factors({"name": "linear", "end_factor": 0.0}, 10)
    np.testing.assert_allclose(f, 1.0 - np.arange(10) / 10)
    f = schedules.factors({"name": "inverse_time", "decay": 1.0}, 4)
    np.testing.assert_allclose(f, [1, 1 / 2, 1 / 3, 1 / 4])
    f = schedules.factors({"name": "inverse_sqrt", "scale": 1.0}, 4)
    np.testing.assert_allclose(f, 1 / np.sqrt([1, 2, 3, 4]))
    f = schedules.factors({"name": "exponential", "gamma": 0.9}, 4)
    np.testing.assert_allclose(f, 0.9 ** np.arange(4))


# -- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    (dict(optimizer="adamm"), "unknown optimizer 'adamm'; known: "),
    (dict(surface="rosenbrok"), "unknown surface 'rosenbrok'; known: "),
    (dict(lr=-1.0), "lr must be a number in (0, 10]; got -1"),
    (dict(lr=float("nan")), "lr must be a number in (0, 10]; got nan"),
    (dict(lr=float("inf")), "lr must be a number in (0, 10]; got inf"),
    (dict(lr="fast"), "lr must be a number in (0, 10]; got 'fast'"),
    (dict(beta1=1.0), "beta1 must be a number in [0, 1); got 1"),
    (dict(amsgrad="maybe"), "amsgrad must be true or false; got 'maybe'"),
    (dict(momentum=0.9), "optimizer 'adam' has no hyperparameter 'momentum'; allowed: lr, beta1"),
    (dict(steps=-1), "steps must be an integer in [0, 100000]; got -1"),
    (dict(steps=100_001), "steps must be an integer in [0, 100000]; got 100001"),
    (dict(steps=2.5), "steps must be an integer in [0, 100000]; got 2.5"),
    (dict(steps="10"), "steps must be an integer in [0, 100000]; got '10'"),
    (dict(start=(0.0,)), "start must be a pair of finite numbers (x, y)"),
    (dict(start=(0.0, float("nan"))), "start y must be a finite number"),
    (dict(start="1,2"), "start must be a pair of finite numbers (x, y)"),
    (dict(noise=-0.1), "noise must be a number in [0, 1000]; got -0.1"),
    (dict(noise=float("inf")), "noise must be a number in [0, 1000]; got inf"),
    (dict(seed=-1), "seed must be an integer in [0, 4294967295]; got -1"),
    (dict(seed=1.5), "seed must be an integer in [0, 4294967295]; got 1.5"),
    (dict(clip=0.0), "clip must be None (no clipping) or a number in (0, 1000000]; got 0.0"),
    (dict(clip=float("nan")), "clip must be None (no clipping) or a number in (0, 1000000]; got nan"),
    (dict(schedule="warp"), "unknown schedule 'warp'; known: constant, step"),
    (dict(schedule={"name": "step", "gamma": 2.0}), "gamma must be a number in (0, 1]; got 2"),
    (dict(schedule={"name": "step", "size": 2}), "schedule 'step' has no hyperparameter 'size'"),
    (dict(schedule={"gamma": 0.5}), "schedule needs a 'name'"),
    (dict(schedule=3), "schedule must be None, a name"),
    (dict(steps=10 ** 400), "steps must be an integer in [0, 100000]; got inf"),
    (dict(seed=-10 ** 400), "seed must be an integer in [0, 4294967295]; got -inf"),
    (dict(start=(10 ** 400, 0)), "start x must be a finite number; got an integer of about 401 digits"),
    (dict(noise="0.5"), "noise must be a number in [0, 1000]; got '0.5'"),
    (dict(lr=True), "lr must be a number in (0, 10]; got True"),
    (dict(amsgrad=1), "amsgrad must be true or false; got 1"),
    (dict(work_limit=0), "work_limit must be None (no limit) or a number > 0; got 0"),
    (dict(schedule={"name": "step", "gamma": "0.5"}), "gamma must be a number in (0, 1]; got '0.5'"),
])
def test_bad_input_names_what_and_what_is_allowed(kwargs, message):
    args = dict(optimizer="adam", surface="rosenbrock")
    args.update(kwargs)
    with pytest.raises(ValueError) as info:
        optviz.simulate(args.pop("optimizer"), args.pop("surface"), **args)
    assert message in str(info.value)


def test_start_where_the_surface_overflows_is_reported():
    with pytest.raises(ValueError, match="outside the region"):
        optviz.simulate("adam", "rosenbrock", start=(1e300, 1e300), steps=3)


@settings(max_examples=200, deadline=None)
@given(lr=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5), st.none(),
                    st.booleans(), st.integers(-10, 10)),
       steps=st.one_of(st.integers(-5, 300), st.floats(), st.text(max_size=3)),
       x=st.floats(width=64), y=st.floats(width=64))
def test_any_input_gives_a_trajectory_or_a_value_error(lr, steps, x, y):
    try:
        run = optviz.simulate("adam", "beale" if "beale" in surfaces.names() else "rosenbrock",
                              start=(x, y), steps=steps, lr=lr)
    except ValueError:
        return
    assert np.isfinite(run.xy).all() and np.isfinite(run.loss).all()
    assert len(run.xy) == run.steps + 1 <= run.requested_steps + 1


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(optimizers.names()), data=st.data())
def test_every_optimizer_accepts_any_valid_hyperparameters(name, data):
    """Any value inside a spec's declared range runs without error and yields finite output."""
    spec = optimizers.get(name)
    values = {}
    for h in spec.hyperparameters:
        if h.kind == "bool":
            values[h.name] = data.draw(st.booleans())
        elif h.kind == "choice":
            values[h.name] = data.draw(st.sampled_from(h.choices))
        else:
            lo, hi = h.slider_range
            lo = max(lo, h.low)
            hi = min(hi, h.high)
            v = data.draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))
            if h.kind == "int":
                v = int(round(v))
            if (h.low_open and v <= h.low) or (h.high_open and v >= h.high):
                v = h.default
            values[h.name] = v
    surface = data.draw(st.sampled_from(surfaces.names()))
    run = optviz.simulate(name, surface, steps=300, noise=data.draw(st.sampled_from([0.0, 0.5])), **values)
    assert np.isfinite(run.xy).all() and np.isfinite(run.loss).all()
    assert (np.diff(run.g_evals) >= 0).all() and (np.diff(run.f_evals) >= 0).all()


@pytest.mark.parametrize("rows, width", [(1, 1), (201, 4), (40_001, 6), (100_001, 2)])
def test_output_arrays_are_disjoint_zeroed_views_of_one_buffer(rows, width):
    from optviz.engine import _outputs
    from optviz.kernels import N_COUNTS
    xy, loss, counts, state = _outputs(rows, width)
    assert (xy.shape, loss.shape, counts.shape, state.shape) == ((rows, 2), (rows,), (rows, N_COUNTS), (rows, width))
    assert counts.dtype == np.int64 and xy.dtype == loss.dtype == state.dtype == np.float64
    assert all(a.flags.c_contiguous for a in (xy, loss, counts, state))
    assert not (xy.any() or loss.any() or counts.any() or state.any())
    xy[:] = 1.0
    loss[:] = 2.0
    counts[:] = -1
    state[:] = 3.0
    assert (xy == 1.0).all() and (loss == 2.0).all() and (counts == -1).all() and (state == 3.0).all()


def test_a_long_run_returns_the_same_arrays_as_a_short_one_on_its_prefix():
    short = optviz.simulate("adam", "rosenbrock", steps=300, lr=0.05)
    long = optviz.simulate("adam", "rosenbrock", steps=100_000, lr=0.05)
    assert np.array_equal(long.xy[:301], short.xy) and np.array_equal(long.loss[:301], short.loss)
    assert np.array_equal(long.g_evals[:301], short.g_evals)
    assert np.array_equal(long.state["m_x"][:301], short.state["m_x"])


# -- the work limit --------------------------------------------------------------------------------

HEAVY_LBFGS = dict(lr=1000.0, max_eval=1000, history_size=1000, tolerance_grad=0.0, tolerance_change=0.0,
                   line_search_fn="strong_wolfe")


@pytest.mark.parametrize("name", optimizers.names())
def test_a_run_stops_on_its_work_limit_with_its_own_status(name):
    """Every kernel counts its work and stops at the limit: the last kept step is within it, the
    next one would not have been, and what was kept equals the same run without a limit."""
    full = optviz.simulate(name, "quadratic", steps=400, noise=0.3, seed=2)
    assert full.status == "ok" and full.work > 400
    limit = full.work // 3
    cut = optviz.simulate(name, "quadratic", steps=400, noise=0.3, seed=2, work_limit=limit)
    assert cut.status == "work_limit" and not cut.diverged and 0 < cut.steps < 400
    assert cut.work <= limit < optviz.simulate(name, "quadratic", steps=cut.steps + 1, noise=0.3, seed=2).work
    assert np.array_equal(cut.xy, full.xy[:cut.steps + 1]) and np.array_equal(cut.g_evals, full.g_evals[:cut.steps + 1])
    for key, column in cut.state.items():
        assert np.array_equal(column, full.state[key][:cut.steps + 1])
    again = optviz.simulate(name, "quadratic", steps=400, noise=0.3, seed=2, work_limit=full.work)
    assert again.status == "ok" and again.work == full.work, "a limit the run does not reach changes nothing"


def test_work_counts_evaluations_and_steps():
    adam = optviz.simulate("adam", "rosenbrock", steps=250)
    assert adam.work == 250 + 250, "one gradient per step, plus the step"
    newton = optviz.simulate("newton", "rosenbrock", steps=5)
    assert newton.work == 5 * 3, "gradient, Hessian and the step"
    bfgs = optviz.simulate("bfgs", "rosenbrock", steps=40)
    assert bfgs.work == bfgs.f_evals[-1] + bfgs.g_evals[-1] + 40


def test_lbfgs_pays_for_a_long_history():
    """The two-loop recursion over 1,000 pairs costs more than the evaluations: it is counted, so
    a fixed-step L-BFGS with a long memory cannot run for free."""
    short = optviz.simulate("lbfgs", "quadratic", steps=2000, lr=0.01, history_size=1, tolerance_grad=0.0,
                            tolerance_change=0.0)
    long = optviz.simulate("lbfgs", "quadratic", steps=2000, lr=0.01, history_size=1000, tolerance_grad=0.0,
                           tolerance_change=0.0)
    assert np.array_equal(short.f_evals, long.f_evals)
    assert long.work > short.work + 50 * 2000


def test_the_heaviest_run_is_bounded_by_its_limit():
    """The run of the issue (about 2e8 evaluations without a limit) stops at the limit."""
    run = optviz.simulate("lbfgs", "goldstein_price", steps=100_000, noise=0.5, work_limit=200_000, **HEAVY_LBFGS)
    assert run.status == "work_limit" and run.work <= 200_000 and run.steps < 1000


def test_a_stopped_run_holds_only_its_own_rows():
    """A run that diverged or stopped early does not pin the buffer of the steps it was asked
    for, so a cache of runs can count its memory."""
    diverged = optviz.simulate("gd", "rosenbrock", steps=100_000, lr=0.01)
    assert diverged.diverged and diverged.steps == 3
    assert diverged.nbytes < 1000
    for size in (2, 300, 20_000, 100_000):   # buffers rounded up to huge pages are trimmed too
        run = optviz.simulate("adam", "rosenbrock", steps=size)
        needed = (size + 1) * 8 * (2 + 1 + 4 + len(run.state))   # xy, loss, counts (f, g, H, work), state
        assert needed <= run.nbytes <= 1.25 * needed


def test_a_slow_run_stops_at_its_deadline():
    """Work units do not see slow arithmetic (subnormal numbers make an L-BFGS step on the parabola
    about 15 times dearer): a deadline on the clock stops such a run, with its own status."""
    slow = dict(lr=0.001, max_eval=2, history_size=1000, tolerance_grad=0.0, tolerance_change=0.0,
                line_search_fn="strong_wolfe")
    started = time.perf_counter()
    run = optviz.simulate("lbfgs", "parabola", steps=100_000, time_limit=0.3, **slow)
    elapsed = time.perf_counter() - started
    assert run.status == "time_limit" and 0 < run.steps < 100_000 and elapsed < 1.0
    assert np.isfinite(run.xy).all()
    full = optviz.simulate("lbfgs", "parabola", steps=run.steps, **slow)
    assert np.array_equal(run.xy, full.xy), "what was kept is the run's own beginning"
    assert optviz.simulate("adam", "rosenbrock", steps=1000, time_limit=10.0).status == "ok"
