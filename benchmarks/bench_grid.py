"""How fast are ``optviz.sweep`` and ``optviz.basins``?  ns per cell-step beside a blocked C loop, in one run.

    .venv/bin/python benchmarks/bench_grid.py            # full run: about 15 s on 2 idle cores
    .venv/bin/python benchmarks/bench_grid.py --quick    # fewer rounds and sampled cells: about 9 s
    .venv/bin/python benchmarks/bench_grid.py --threads 1 --block 8

What it measures (the issue's targets: each grid within 2x of the blocked C loop, aim 1.2x, and
every cell equal, bit for bit, to ``simulate`` with the same settings):

1. **Sweep**: Adam (torch's form, defaults beta2=0.999, eps=1e-8) on Rosenbrock from (-1.2, 1.0),
   500 steps, over lr = geomspace(1e-3, 1, 128) x beta1 = linspace(0, 0.99, 128): 16,384 runs,
   8.2 million steps.  Per cell: the final loss and point and whether the run diverged.
2. **Basins**: fixed-step gradient descent (lr=0.01) on Himmelblau from 200 x 200 starts spanning
   the window, 500 steps: 40,000 runs, 20 million steps.  Per cell: the final point and loss and
   the index of the minimum reached (-1 none, -2 diverged).

Each grid is computed in the same run by

* C, blocked (``reference_grid.c``, built here with ``gcc -O3 -march=native -fopenmp
  -ffp-contract=off -fno-math-errno``, no ``-ffast-math``, loaded with ctypes): cells in blocks of
  ``--block`` runs (32), the steps outside and the runs of a block inside, so gcc vectorises across
  runs; OpenMP shares the blocks among ``--threads`` threads (also shown on 1 thread).  On an
  AVX-512 machine it is built a second time with ``-mprefer-vector-width=512`` (gcc otherwise
  keeps to 256-bit vectors); the faster of the two is the reference the ratios are taken to;
* C, the obvious loop: one run per iteration, the steps inside, OpenMP over the cells;
* NumPy: every cell as one element of float64 arrays, one step of the whole grid at a time, a
  diverged cell kept where it was by ``np.where``;
* optviz: ``optviz.sweep(...)`` / ``optviz.basins(...)`` end to end (validation, the grid loop on
  its own threads, the result object);
* ``optviz.simulate`` called once per cell for a sample of cells (one thread), scaled to the grid.

Before any figure is printed, the C cells are checked against optviz's: final loss, final point
(sweep) or minimum index (basins), and the diverged mask, all with ``np.array_equal``; the
NumPy version's largest difference is reported (it need not be 0); and the sampled ``simulate``
runs are compared with the grid's cells.  For the C to agree bit for bit it does each operation
in optviz's order, and each of these matters (measured on the sweep when the C was written,
2026-11-29): no contraction into fused multiply-adds (with ``-ffp-contract=fast`` 13,025 of the
16,384 final losses differ, many by orders of magnitude: the runs are chaotic); Adam's ``beta^t``
as optviz's running product (``pow(beta, t)`` changes 12,372 of them); Rosenbrock's loss as
``a*a + 100*(b*b)``, the order of ``100 * b ** 2`` (``(100*b)*b`` changes 147 final losses in the
last bit, the iterates not at all).  The product's freeze rule (``bias_power``) changes no value
in 500 steps; it keeps a long run's product out of subnormal numbers.  ``-fno-math-errno`` only
lets gcc use the square-root instruction inline (no errno path), which is what lets it vectorise
the blocked Adam loop; it changes no value.

The blocked C computes only what the issue's reference computes (final loss and point,
divergence, and for the basins the minimum reached); a third C row ("+ ...", ``*_full`` in the C)
also streams the other figure optviz's grid returns for every cell (a sweep's ``steps_to_tol``,
a basin map's settled ``steps``), checked against optviz's too, to show what that costs.

Timings are the best of several rounds with ``time.perf_counter``; each round times every
implementation one after another so a busy neighbour slows all alike (but the NumPy version,
timed after the others: its large temporaries slow whatever runs next), after a first call (the
warm-up) whose results are the ones checked.  ns per cell-step is the time over cells x steps
(nominal: a run that diverged early counts all its steps).  OpenMP's idle threads are told to
sleep (``OMP_WAIT_POLICY=PASSIVE``) so they do not spin beside optviz's threads.  The machines are
shared and the grids use both cores, so interleaving cannot protect the figures from a process
that holds a core for the whole run: the report gives the CPU other processes used while each
grid was timed (from /proc/stat) and the blocked C's speed-up from 1 to 2 threads, and says when
the multi-threaded figures are not to be trusted.  This is a benchmark to run by hand, not a
test: it prints, and never fails on a slow figure.
"""
from __future__ import annotations

import os

# Before anything loads libgomp: OpenMP threads that spin after a parallel region would steal a
# core from optviz's threads, timed right after them.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import ctypes  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bench_engine  # noqa: E402  (beside this file)
import optviz  # noqa: E402
import surfaces  # noqa: E402
from optviz import optimizers  # noqa: E402
from optviz.engine import bound as run_bound  # noqa: E402

C_SOURCE = Path(__file__).resolve().parent / "reference_grid.c"
C_FLAGS = ["-O3", "-march=native", "-fopenmp", "-ffp-contract=off", "-fno-math-errno", "-shared", "-fPIC"]
#: gcc's -march=native on an AVX-512 machine still prefers 256-bit vectors; the blocked loops are
#: also built with 512-bit ones there, and the faster build is the reference (GD's short step gains
#: from 512 bits, Adam's divisions and square roots do not, on the machine of 2026-11-29).
WIDE_FLAG = "-mprefer-vector-width=512"
TARGET, LIMIT = 1.2, 2.0   # the aim and ceiling for optviz / blocked C

SWEEP_START = (-1.2, 1.0)
SWEEP_STEPS = 500
SWEEP_LRS = np.geomspace(1e-3, 1.0, 128)
SWEEP_BETAS = np.linspace(0.0, 0.99, 128)
BASINS_RESOLUTION = 200
BASINS_STEPS = 500
BASINS_LR = 0.01
DIVERGES = -2   # optviz.grid's minimum code for a run that diverged


# -- timing ------------------------------------------------------------------------------------
def best_rounds(fns: dict, rounds: dict, apart: tuple = ("numpy",)) -> dict:
    """Best wall time of each function over its number of rounds; the rounds are interleaved
    (round r times every function that still has rounds left, one after another), except those
    named in ``apart``, timed after all the others: the NumPy version's large temporaries slow
    whatever runs next (optviz's basins took 64 ms just after it, 36 ms otherwise, measured
    2026-11-30).  The caller has made the warm-up call of each."""
    best = {name: math.inf for name in fns}
    together = [name for name in fns if name not in apart]
    for group in (together, [name for name in fns if name in apart]):
        for r in range(max([rounds[name] for name in group], default=0)):
            for name in group:
                if r < rounds[name]:
                    t0 = time.perf_counter()
                    fns[name]()
                    best[name] = min(best[name], time.perf_counter() - t0)
    return best


class OtherLoad:
    """CPU time the rest of the machine used while a block of timings ran, in cores: the busy
    time of every CPU in /proc/stat less this process's own (``os.times``), over the wall time.
    A benchmark of 2-thread loops on 2 cores is only meaningful when this is near 0."""

    def __enter__(self):
        self.start = (self._busy(), self._own(), time.perf_counter())
        return self

    def __exit__(self, *exc):
        busy, own, wall = self._busy(), self._own(), time.perf_counter()
        if busy is None or self.start[0] is None:
            self.cores = None
        else:
            self.cores = max(0.0, (busy - self.start[0]) - (own - self.start[1])) / max(wall - self.start[2], 1e-9)

    @staticmethod
    def _busy():
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()
        except (OSError, IndexError):
            return None
        ticks = [int(v) for v in fields[1:9]]   # user nice system idle iowait irq softirq steal
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own():
        t = os.times()
        return t.user + t.system


def ns(seconds: float, cell_steps: int) -> float:
    return seconds / max(cell_steps, 1) * 1e9


# -- machine -----------------------------------------------------------------------------------
def machine_info() -> dict:
    """bench_engine.py's facts about the machine, with optviz's version and OpenMP's wait policy
    instead of OpenBLAS's core type (no BLAS call here)."""
    info = bench_engine.machine_info()
    info.pop("OPENBLAS_CORETYPE", None)
    info["optviz"] = getattr(optviz, "__version__", "n/a")
    info["OMP_WAIT_POLICY"] = os.environ.get("OMP_WAIT_POLICY", "unset")
    return info


# -- C reference -------------------------------------------------------------------------------
def has_avx512() -> bool:
    try:
        return any(line.startswith("flags") and " avx512f" in line
                   for line in Path("/proc/cpuinfo").read_text().splitlines())
    except OSError:
        return False


def build_c(tmp: Path, cc: str | None, block: int, extra: tuple[str, ...] = (), tag: str = ""):
    """Compile reference_grid.c into ``tmp`` and load it; ``None`` (with a message) if that fails."""
    if cc is None:
        print("no C compiler (gcc or $CC): the C rows are skipped", file=sys.stderr)
        return None
    lib_path = tmp / f"reference_grid{tag}.so"
    proc = subprocess.run([cc, *C_FLAGS, *extra, f"-DBLOCK={block}", "-o", str(lib_path), str(C_SOURCE), "-lm"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"building reference_grid.c failed (the C rows are skipped):\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    lib = ctypes.CDLL(str(lib_path))
    d, i64, i32, ptr = ctypes.c_double, ctypes.c_int64, ctypes.c_int, ctypes.c_void_p
    for name in ("adam_sweep_blocked", "adam_sweep_blocked_full", "adam_sweep_obvious"):
        fn = getattr(lib, name)
        fn.argtypes = [i64, ptr, ptr, ptr, ptr, ptr, d, d, i64, d, i32, ptr, ptr, ptr]
        fn.argtypes += [d, d, ptr] if name.endswith("_full") else []
        fn.restype = None
    for name in ("gd_basins_blocked", "gd_basins_blocked_full", "gd_basins_obvious"):
        fn = getattr(lib, name)
        fn.argtypes = [i64, ptr, d, d, i64, ptr, i32, ptr, i64, d, ptr, ptr, ptr, ptr]
        fn.argtypes += [ptr] if name.endswith("_full") else []
        fn.restype = ctypes.c_int if name.endswith("_full") else None
    return lib


class Cells:
    """What a grid implementation returns, one entry per cell in optviz's (row-major) order."""

    def __init__(self, n: int):
        self.final_xy = np.zeros((n, 2))
        self.final_loss = np.zeros(n)
        self.done = np.zeros(n, dtype=np.int64)
        self.minimum = np.zeros(n, dtype=np.int64)
        self.to_tol = np.zeros(n, dtype=np.int64)     # the *_full C loops only
        self.settled = np.zeros(n, dtype=np.int64)


def c_sweep(lib, name: str, hp: dict, x0: float, y0: float, steps: int, bound: float, threads: int, out: Cells,
            f_star: float, tol: float):
    fn = getattr(lib, name)
    arrays = [np.ascontiguousarray(hp[k], dtype=np.float64) for k in ("lr", "beta1", "beta2", "eps", "weight_decay")]
    n = len(arrays[0])
    args = [n, *(a.ctypes.data for a in arrays), x0, y0, steps, bound, threads,
            out.final_xy.ctypes.data, out.final_loss.ctypes.data, out.done.ctypes.data]
    if name.endswith("_full"):
        args += [f_star, tol, out.to_tol.ctypes.data]

    def call():
        fn(*args)
        return arrays   # keeps the inputs alive as long as the call

    return call


def c_basins(lib, name: str, starts: np.ndarray, lr: float, wd: float, steps: int, bounds: np.ndarray,
             threads: int, minima: np.ndarray, radius: float, out: Cells):
    fn = getattr(lib, name)
    starts = np.ascontiguousarray(starts, dtype=np.float64)
    bounds = np.ascontiguousarray(bounds, dtype=np.float64)
    minima = np.ascontiguousarray(minima, dtype=np.float64).reshape(-1, 2)
    args = [len(starts), starts.ctypes.data, lr, wd, steps, bounds.ctypes.data, threads, minima.ctypes.data,
            len(minima), radius, out.final_xy.ctypes.data, out.final_loss.ctypes.data, out.done.ctypes.data,
            out.minimum.ctypes.data]
    if name.endswith("_full"):
        args.append(out.settled.ctypes.data)

    def call():
        if fn(*args):
            raise RuntimeError(f"{name}: more minima than reference_grid.c's MAX_MINIMA")
        return starts, bounds, minima

    return call


# -- NumPy -------------------------------------------------------------------------------------
def numpy_adam_sweep(hp: dict, x0: float, y0: float, steps: int, bound: float, out: Cells) -> None:
    """Adam on Rosenbrock for every cell at once: one step of the whole grid at a time.  A cell
    that diverges keeps its last good point and loss (its moments run on, unused)."""
    lr, b1, b2, eps, wd = (np.asarray(hp[k], dtype=np.float64) for k in ("lr", "beta1", "beta2", "eps", "weight_decay"))
    n = len(lr)
    one_b1, one_b2 = 1.0 - b1, 1.0 - b2
    x, y = np.full(n, x0), np.full(n, y0)
    f = np.full(n, (1.0 - x0) ** 2 + 100.0 * (y0 - x0 * x0) ** 2)
    mx, my, vx, vy = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    b1t, b2t = np.ones(n), np.ones(n)
    alive = (np.abs(x) <= bound) & (np.abs(y) <= bound) & np.isfinite(f)
    done = np.zeros(n, dtype=np.int64)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            b = y - x * x
            gx = -2.0 * (1.0 - x) - 400.0 * x * b + wd * x
            gy = 200.0 * b + wd * y
            mx = b1 * mx + one_b1 * gx
            my = b1 * my + one_b1 * gy
            vx = b2 * vx + one_b2 * gx * gx
            vy = b2 * vy + one_b2 * gy * gy
            b1t = np.where(1.0 - b1t == 1.0, b1t, b1t * b1)
            b2t = np.where(1.0 - b2t == 1.0, b2t, b2t * b2)
            step_size = lr / (1.0 - b1t)
            bc2_sqrt = np.sqrt(1.0 - b2t)
            xn = x - step_size * mx / (np.sqrt(vx) / bc2_sqrt + eps)
            yn = y - step_size * my / (np.sqrt(vy) / bc2_sqrt + eps)
            a, b = 1.0 - xn, yn - xn * xn
            fn = a * a + 100.0 * (b * b)
            x, y, f, alive = kept(t, alive, bound, x, y, f, xn, yn, fn, done)
    out.final_xy[:, 0], out.final_xy[:, 1], out.final_loss[:], out.done[:] = x, y, f, done


def kept(t: int, alive, bound, x, y, f, xn, yn, fn, done):
    """One step of every cell at once, as optviz's loop records it: a cell that escapes its
    bound (or whose f is not finite) has diverged and stays where it was; ``done`` gets ``t``
    where the step was kept.  Returns the new ``x, y, f`` and which cells are still going."""
    ok = alive & (np.abs(xn) <= bound) & (np.abs(yn) <= bound) & np.isfinite(fn)
    done[ok] = t
    return np.where(ok, xn, x), np.where(ok, yn, y), np.where(ok, fn, f), ok


def numpy_gd_basins(starts: np.ndarray, lr: float, wd: float, steps: int, bounds: np.ndarray, minima: np.ndarray,
                    radius: float, out: Cells) -> None:
    """Gradient descent on Himmelblau from every start at once, then optviz.grid's minimum code."""
    x, y = starts[:, 0].copy(), starts[:, 1].copy()
    a, b = x * x + y - 11.0, x + y * y - 7.0
    f = a * a + b * b
    alive = (np.abs(x) <= bounds) & (np.abs(y) <= bounds) & np.isfinite(f)
    done = np.zeros(len(x), dtype=np.int64)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            a, b = x * x + y - 11.0, x + y * y - 7.0
            xn = x - lr * (4.0 * a * x + 2.0 * b + wd * x)
            yn = y - lr * (2.0 * a + 4.0 * b * y + wd * y)
            a, b = xn * xn + yn - 11.0, xn + yn * yn - 7.0
            fn = a * a + b * b
            x, y, f, alive = kept(t, alive, bounds, x, y, f, xn, yn, fn, done)
    out.final_xy[:, 0], out.final_xy[:, 1], out.final_loss[:], out.done[:] = x, y, f, done
    d2 = (x[:, None] - minima[None, :, 0]) ** 2 + (y[:, None] - minima[None, :, 1]) ** 2
    nearest = np.argmin(d2, axis=1)
    reached = d2[np.arange(len(x)), nearest] <= radius * radius
    out.minimum[:] = np.where(done < steps, DIVERGES, np.where(reached, nearest, -1))


# -- checks ------------------------------------------------------------------------------------
def compare(name: str, cells: Cells, steps: int, ref_loss: np.ndarray, ref_diverged: np.ndarray,
            ref_xy: np.ndarray | None = None, ref_minimum: np.ndarray | None = None, exact: bool = True) -> dict:
    """``cells`` against optviz's arrays (flattened): same diverged mask, and bit-equal final
    loss (and final point, or minimum index) on every cell."""
    diverged = cells.done < steps
    same_mask = np.array_equal(diverged, ref_diverged)
    keep = ~ref_diverged
    loss_ok = np.array_equal(cells.final_loss[keep], ref_loss[keep])
    loss_all_ok = np.array_equal(cells.final_loss, ref_loss)
    with np.errstate(invalid="ignore"):
        diff = float(np.nanmax(np.abs(cells.final_loss[keep] - ref_loss[keep]), initial=0.0))
        rel = float(np.nanmax(np.abs(cells.final_loss[keep] - ref_loss[keep])
                              / np.maximum(np.abs(ref_loss[keep]), np.finfo(float).tiny), initial=0.0))
    differing = int(np.count_nonzero(cells.final_loss != ref_loss))
    mask_diff = np.count_nonzero(diverged != ref_diverged)
    parts = [f"diverged mask {'same' if same_mask else f'DIFFERS ({mask_diff} cells)'}",
             f"final loss {'bit-equal' if loss_ok else 'differs'} on the {np.count_nonzero(keep):,} cells that did "
             f"not diverge" + ("" if loss_ok else f" ({np.count_nonzero(cells.final_loss[keep] != ref_loss[keep]):,} "
                                               f"cells; max abs {diff:.3e}, max rel {rel:.3e})"),
             f"on all cells {'bit-equal' if loss_all_ok else 'differs in %d' % differing}"]
    ok = same_mask and loss_ok and loss_all_ok
    if ref_xy is not None:
        xy_ok = np.array_equal(cells.final_xy, ref_xy)
        xy_diff = float(np.max(np.abs(cells.final_xy - ref_xy)))
        parts.append(f"final point {'bit-equal' if xy_ok else 'max abs diff %.3e' % xy_diff}")
        ok &= xy_ok
    if ref_minimum is not None:
        min_ok = np.array_equal(cells.minimum, ref_minimum)
        min_diff = np.count_nonzero(cells.minimum != ref_minimum)
        parts.append("minimum index " + ("same" if min_ok else f"DIFFERS in {min_diff} cells"))
        ok &= min_ok
    status = "OK" if ok else ("MISMATCH" if exact else "differs (rounding order; need not be 0)")
    print(f"  {name:22s} {status}: " + "; ".join(parts))
    return {"ok": ok, "max_abs": diff, "max_rel": rel}


def check_extra(checks: dict, theirs: np.ndarray, ours: np.ndarray, what: str, field: str, detail: str) -> None:
    """Check the extra figure the full blocked C streams (``what``) against optviz's ``field``,
    print the verdict, and fold it into ``checks["c_blocked_full"]``."""
    wrong = np.count_nonzero(theirs != ours)
    same = wrong == 0
    print(f"  {'c_blocked_full':22s} {'OK' if same else 'MISMATCH'}: {what} "
          + (f"equal to optviz's {field} on every cell" if same else f"differs from optviz's {field} in {wrong} cells")
          + f" ({detail})")
    checks["c_blocked_full"]["ok"] &= same


def simulate_sample(call_cell, n: int, size: int, rng) -> tuple[np.ndarray, list, float]:
    """``simulate`` for ``size`` cells chosen at random (the first and last always), one after
    another on this thread; returns the indices, the runs and the seconds per cell (best of 2)."""
    index = np.unique(np.concatenate([[0, n - 1], rng.choice(n, size=size - 2, replace=False)]))
    runs = [call_cell(i) for i in index]   # warm-up, and the runs checked
    best = math.inf
    for _ in range(2):
        t0 = time.perf_counter()
        for i in index:
            call_cell(i)
        best = min(best, time.perf_counter() - t0)
    return index, runs, best / len(index)


def check_sample(label: str, index, runs, final_loss: np.ndarray, diverged: np.ndarray,
                 final_xy: np.ndarray | None) -> bool:
    bad = 0
    for i, run in zip(index, runs):
        same = run.loss[-1] == final_loss[i] or (math.isnan(run.loss[-1]) and math.isnan(final_loss[i]))
        same &= bool(run.diverged) == bool(diverged[i])
        if final_xy is not None:
            same &= bool(np.array_equal(run.xy[-1], final_xy[i]))
        bad += not same
    print(f"  {label:22s} {'OK' if not bad else 'MISMATCH'}: {len(index)} cells chosen at random, run alone with "
          f"optviz.simulate: final loss{', point' if final_xy is not None else ''} and divergence "
          + ("bit-equal to the grid's" if not bad else f"differ in {bad} cells"))
    return not bad


# -- the two grids -------------------------------------------------------------------------------
def c_variants(libs: dict, kind: str, threads: int) -> list[tuple[str, object, str, int]]:
    """(row key, library, function, threads) of the C rows."""
    lib, wide = libs.get("default"), libs.get("wide")
    rows = []
    if lib is not None:
        rows.append(("c_blocked", lib, f"{kind}_blocked", threads))
    if wide is not None:
        rows.append(("c_blocked_wide", wide, f"{kind}_blocked", threads))
    if lib is not None:
        rows += [("c_blocked_1", lib, f"{kind}_blocked", 1), ("c_obvious", lib, f"{kind}_obvious", threads)]
    best_lib = wide if wide is not None and kind == "gd_basins" else lib   # the faster build on 2026-11-29
    if best_lib is not None:
        rows.append(("c_blocked_full", best_lib, f"{kind}_blocked_full", threads))
    return rows


C_KEYS = ("c_blocked", "c_blocked_wide", "c_blocked_1", "c_obvious", "c_blocked_full")


def bench_sweep(libs: dict, threads: int, rounds: int, numpy_rounds: int, sample: int, rng) -> dict:
    spec = optimizers.get("adam")
    surf = surfaces.get("rosenbrock")
    x0, y0 = SWEEP_START
    steps = SWEEP_STEPS
    grid = {"lr": SWEEP_LRS, "beta1": SWEEP_BETAS}

    def run_optviz():
        return optviz.sweep("adam", "rosenbrock", start=SWEEP_START, steps=steps, grid=grid)

    t0 = time.perf_counter()
    ref = run_optviz()
    first = time.perf_counter() - t0
    shape = ref.final_loss.shape
    n = ref.final_loss.size
    defaults = spec.resolve({})
    lr_mesh, beta1_mesh = np.meshgrid(ref.values[0], ref.values[1], indexing="ij")   # the grid's own values
    hp = {"lr": lr_mesh.ravel(), "beta1": beta1_mesh.ravel()}
    for k in ("beta2", "eps", "weight_decay"):
        hp[k] = np.full(n, float(defaults[k]))
    bound = run_bound(surf, x0, y0)
    f_star = surf.minimum_value if surf.minimum_value is not None else math.nan
    ref_loss, ref_div, ref_xy = ref.final_loss.ravel(), ref.diverged.ravel(), ref.final_xy.reshape(n, 2)

    fns, outs, rnds = {}, {}, {}
    for name, lib, fn_name, th in c_variants(libs, "adam_sweep", threads):
        outs[name] = Cells(n)
        fns[name] = c_sweep(lib, fn_name, hp, x0, y0, steps, bound, th, outs[name], f_star, ref.tol)
        rnds[name] = rounds
    outs["numpy"] = Cells(n)
    fns["optviz"] = run_optviz
    rnds["optviz"] = rounds
    fns["numpy"] = lambda: numpy_adam_sweep(hp, x0, y0, steps, bound, outs["numpy"])
    rnds["numpy"] = numpy_rounds   # timed apart (see best_rounds)
    for name, fn in fns.items():
        if name != "optviz":
            fn()

    print(f"\ncheck, sweep: Adam on Rosenbrock from {SWEEP_START}, {steps} steps, {shape[0]} lr x {shape[1]} beta1 "
          f"= {n:,} cells; bound {bound:g}; optviz: {int(ref_div.sum())} diverged, final loss from "
          f"{np.nanmin(ref_loss):.3g} to {np.nanmax(ref_loss):.3g}")
    checks = {}
    for name in C_KEYS:
        if name in outs:
            checks[name] = compare(name, outs[name], steps, ref_loss, ref_div, ref_xy=ref_xy)
    if "c_blocked_full" in outs:
        ref_tol = ref.steps_to_tol.ravel()
        check_extra(checks, outs["c_blocked_full"].to_tol, ref_tol, f"first step with f - f* <= {ref.tol:g}",
                    "steps_to_tol", f"{np.count_nonzero(ref_tol >= 0):,} cells reach it")
    checks["numpy"] = compare("numpy", outs["numpy"], steps, ref_loss, ref_div, ref_xy=ref_xy, exact=False)

    def cell(i):
        a, b = np.unravel_index(i, shape)
        return optviz.simulate("adam", "rosenbrock", start=SWEEP_START, steps=steps,
                               lr=float(ref.values[0][a]), beta1=float(ref.values[1][b]))

    index, runs, per_cell = simulate_sample(cell, n, sample, rng)
    checks["simulate"] = {"ok": check_sample("optviz vs simulate", index, runs, ref_loss, ref_div, ref_xy)}

    with OtherLoad() as other:
        best = best_rounds(fns, rnds)
    return {"best": best, "other": other.cores, "checks": checks, "cells": n, "steps": steps,
            "simulate_per_cell": per_cell,
            "sample": len(index), "diverged": int(ref_div.sum()), "done": int(ref.steps_done.sum()), "first": first}


def bench_basins(libs: dict, threads: int, rounds: int, numpy_rounds: int, sample: int, rng) -> dict:
    spec = optimizers.get("gd")
    surf = surfaces.get("himmelblau")
    steps, res = BASINS_STEPS, BASINS_RESOLUTION

    def run_optviz():
        return optviz.basins("gd", "himmelblau", resolution=res, steps=steps, lr=BASINS_LR)

    t0 = time.perf_counter()
    ref = run_optviz()
    first = time.perf_counter() - t0
    n = ref.minimum.size
    X, Y = np.meshgrid(ref.xs, ref.ys)   # row i is ys[i], column j is xs[j], as basins lays them out
    starts = np.column_stack([X.ravel(), Y.ravel()])
    bounds = np.array([run_bound(surf, float(x), float(y)) for x, y in starts])
    values = spec.resolve({"lr": BASINS_LR})
    wd = float(values["weight_decay"])
    minima = np.asarray(ref.minima, dtype=np.float64).reshape(-1, 2)
    ref_loss, ref_min = ref.final_loss.ravel(), ref.minimum.ravel()
    ref_div = (ref.status.ravel() == "diverged")

    fns, outs, rnds = {}, {}, {}
    for name, lib, fn_name, th in c_variants(libs, "gd_basins", threads):
        outs[name] = Cells(n)
        fns[name] = c_basins(lib, fn_name, starts, BASINS_LR, wd, steps, bounds, th, minima, ref.radius, outs[name])
        rnds[name] = rounds
    outs["numpy"] = Cells(n)
    fns["optviz"] = run_optviz
    rnds["optviz"] = rounds
    fns["numpy"] = lambda: numpy_gd_basins(starts, BASINS_LR, wd, steps, bounds, minima, ref.radius, outs["numpy"])
    rnds["numpy"] = numpy_rounds   # timed apart (see best_rounds)
    for name, fn in fns.items():
        if name != "optviz":
            fn()

    counts = {k: int(np.count_nonzero(ref_min == k)) for k in sorted(set(ref_min.tolist()))}
    print(f"\ncheck, basins: GD lr={BASINS_LR} on Himmelblau, {res} x {res} starts over {surf.domain}, {steps} steps; "
          f"radius {ref.radius:.4g}; optviz's minimum index counts {counts}")
    checks = {}
    for name in C_KEYS:
        if name in outs:
            checks[name] = compare(name, outs[name], steps, ref_loss, ref_div, ref_minimum=ref_min)
    if "c_blocked_full" in outs:
        ref_steps = ref.steps.ravel()
        check_extra(checks, outs["c_blocked_full"].settled, ref_steps, "settled step", "Basins.steps",
                    f"median {int(np.median(ref_steps))}, max {int(ref_steps.max())}")
    checks["numpy"] = compare("numpy", outs["numpy"], steps, ref_loss, ref_div, ref_minimum=ref_min, exact=False)

    def cell(i):
        return optviz.simulate("gd", "himmelblau", start=(float(starts[i, 0]), float(starts[i, 1])), steps=steps,
                               lr=BASINS_LR)

    index, runs, per_cell = simulate_sample(cell, n, sample, rng)
    checks["simulate"] = {"ok": check_sample("optviz vs simulate", index, runs, ref_loss, ref_div, None)}

    with OtherLoad() as other:
        best = best_rounds(fns, rnds)
    c_done = int(outs["c_obvious"].done.sum()) if "c_obvious" in outs else None
    return {"best": best, "checks": checks, "cells": n, "steps": steps, "simulate_per_cell": per_cell,
            "sample": len(index), "diverged": int(ref_div.sum()), "done": c_done, "first": first, "other": other.cores}


# -- report ------------------------------------------------------------------------------------
fmt, table = bench_engine.fmt, bench_engine.table   # numbers and Markdown tables as bench_engine prints them


def grid_section(title: str, r: dict, threads: int, block: int, what: str, wide: bool) -> list[str]:
    best, checks = r["best"], r["checks"]
    cell_steps = r["cells"] * r["steps"]
    # the reference: the faster of the blocked builds on the grid's threads
    ref_key = min((k for k in ("c_blocked", "c_blocked_wide") if k in best), key=best.get, default=None)
    c_ref = best.get(ref_key)
    full_vectors = "512-bit" if wide and what == "basins" else "gcc's"
    full_what = ("each cell's first step with f - f* <= tol (optviz's steps_to_tol)" if what == "sweep"
                 else "each cell's settled step (optviz's Basins.steps)")
    labels = [
        ("c_blocked", f"C, blocked ({block} runs a block, gcc's vectors), OpenMP {threads} threads"),
        ("c_blocked_wide", f"C, blocked ({block} runs a block, 512-bit vectors), OpenMP {threads} threads"),
        ("c_blocked_1", f"C, blocked ({block} runs a block, gcc's vectors), 1 thread"),
        ("c_obvious", f"C, one run per iteration, OpenMP {threads} threads"),
        ("c_blocked_full", f"C, blocked ({block} runs a block, {full_vectors} vectors) + {full_what}, "
                           f"OpenMP {threads} threads"),
        ("numpy", "NumPy, the whole grid one step at a time (1 thread)"),
        ("optviz", f"optviz.{what} end to end"),
    ]
    rows = []
    for key, label in labels:
        if key not in best:
            continue
        seconds = best[key]
        check = checks.get(key, {})
        if key == "optviz":
            note = "reference for the checks" + ("; sampled cells = simulate" if checks["simulate"]["ok"]
                                                 else "; sampled cells DIFFER from simulate")
        elif key == "numpy":
            note = ("bit-equal to optviz" if check.get("ok") else
                    f"max abs diff {check.get('max_abs', math.nan):.2e} (rel {check.get('max_rel', math.nan):.1e})")
        else:
            note = "bit-equal to optviz" if check.get("ok") else "**MISMATCH**"
        if key == ref_key:
            label += " **(reference)**"
        rows.append([label, fmt(seconds * 1e3, 1), fmt(ns(seconds, cell_steps), 2),
                     fmt(seconds / c_ref, 2) if c_ref else "n/a", note])
    per_cell = r["simulate_per_cell"]
    rows.append([f"optviz.simulate per cell, 1 thread ({r['sample']} cells, scaled to the grid)",
                 fmt(per_cell * r["cells"] * 1e3, 1), fmt(per_cell / r["steps"] * 1e9, 2),
                 fmt(per_cell * r["cells"] / c_ref, 2) if c_ref else "n/a", "one Python call per cell"])
    out = [f"### {title}", ""]
    out.append(table(["implementation", "ms", "ns/cell-step", "x blocked C", "cells"], rows, left=(0, -1)))
    out.append("")
    if c_ref:
        ratio = best["optviz"] / c_ref
        verdict = "meets the aim" if ratio <= TARGET else ("within the limit" if ratio <= LIMIT else "ABOVE the limit")
        all_ok = all(checks[k]["ok"] for k in (*C_KEYS, "simulate") if k in checks)
        extra = "steps_to_tol" if what == "sweep" else "the settled steps"
        also = (f" (optviz / the blocked C that also computes {extra}: {best['optviz'] / best['c_blocked_full']:.2f}x)"
                if "c_blocked_full" in best else "")
        out.append(f"optviz / blocked C = **{ratio:.2f}x** (aim <= {TARGET}x, limit {LIMIT}x): {verdict}{also}.  "
                   f"Check: " + ("C cells bit-equal to optviz's, sampled cells bit-equal to simulate."
                                 if all_ok else "**MISMATCH**, see above."))
        out.append("")
    if what == "sweep":
        out.append("What the C needs to agree bit for bit (see the docstring): no fused multiply-add "
                   "(-ffp-contract=off), beta^t as optviz's running product (not pow), and Rosenbrock's loss "
                   "as a*a + 100*(b*b).")
        out.append("")
    notes = []
    other = r.get("other")
    if other is not None:
        notes.append(f"Other processes (or the hypervisor) used {other:.2f} cores on average while these were timed")
    speedup = best["c_blocked_1"] / best["c_blocked"] if "c_blocked" in best and "c_blocked_1" in best else None
    if speedup is not None:
        notes.append(f"the blocked C ran {speedup:.2f}x faster on {threads} threads than on 1")
    if notes:
        if threads > 1 and speedup is not None and speedup < 1.6:
            verdict = " (**a busy machine: the multi-threaded figures are not reliable; rerun when it is quiet**)."
        elif other is not None and other > 0.2:
            verdict = (" (the best rounds look quiet, as the C's scaling shows, but the machine was not: "
                       "rerun when it is quiet to be sure).")
        else:
            verdict = "."
        out.append("; ".join(notes) + verdict)
        out.append("")
    out.append(f"The first optviz.{what} call of this process (untimed above) took {r['first'] * 1e3:,.0f} ms, "
               "compiling or loading whatever it compiles on first use.")
    out.append("")
    return out


def print_report(info: dict, sweep: dict, basins: dict, threads: int, block: int, flags: str, wide: bool) -> None:
    out = [f"\n## optviz grid benchmark ({info['date']})", ""]
    out.append(f"Machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, numba {info['numba']} "
               f"(llvmlite {info['llvmlite']}), NumPy {info['numpy']}, optviz {info['optviz']}, "
               f"{info.get('cc', 'no C compiler')} ({flags}); load average at start {info['load']}; "
               f"OMP_WAIT_POLICY={info['OMP_WAIT_POLICY']}.")
    out.append("")
    s = sweep
    out += grid_section(f"Sweep: Adam on Rosenbrock, {len(SWEEP_LRS)} lr x {len(SWEEP_BETAS)} beta1 = {s['cells']:,} "
                        f"runs x {s['steps']} steps ({s['cells'] * s['steps'] / 1e6:.1f} million steps; "
                        f"{s['diverged']} diverged)", s, threads, block, "sweep", wide)
    b = basins
    done = (f"; {b['done'] / (b['cells'] * b['steps']):.0%} of the steps run before divergence"
            if b["diverged"] and b["done"] else "")
    out += grid_section(f"Basins: GD (lr={BASINS_LR}) on Himmelblau, {BASINS_RESOLUTION} x {BASINS_RESOLUTION} starts "
                        f"x {b['steps']} steps ({b['cells'] * b['steps'] / 1e6:.1f} million steps; "
                        f"{b['diverged']:,} diverged{done})", b, threads, block, "basins", wide)
    print("\n".join(out))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and sampled cells (about 9 s)")
    parser.add_argument("--threads", type=int, default=2, help="OpenMP threads of the C loops (default 2, as optviz)")
    parser.add_argument("--block", type=int, default=32, help="runs in a block of the blocked C loop (default 32)")
    args = parser.parse_args(argv)

    rounds = 3 if args.quick else 9
    numpy_rounds = 1 if args.quick else 3
    sample = 64 if args.quick else 256
    rng = np.random.default_rng(0)

    cc = shutil.which(os.environ.get("CC", "gcc"))
    info = machine_info()
    print("optviz grid benchmark  " + "  ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    flags = " ".join([*C_FLAGS[:-2], f"-DBLOCK={args.block}"]) + (f"; also {WIDE_FLAG}" if has_avx512() else "")
    with tempfile.TemporaryDirectory(prefix="optviz-bench-grid-") as tmpdir:
        libs = {"default": build_c(Path(tmpdir), cc, args.block)}
        if libs["default"] is not None and has_avx512():
            libs["wide"] = build_c(Path(tmpdir), cc, args.block, (WIDE_FLAG,), "_wide")
        sweep = bench_sweep(libs, args.threads, rounds, numpy_rounds, sample, rng)
        basins = bench_basins(libs, args.threads, rounds, numpy_rounds, sample, rng)
    print_report(info, sweep, basins, args.threads, args.block, flags, "wide" in libs and libs["wide"] is not None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
