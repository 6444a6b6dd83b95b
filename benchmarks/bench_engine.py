"""How fast is ``optviz.simulate``?  Nanoseconds per optimizer step beside a C reference, in one run.

    .venv/bin/python benchmarks/bench_engine.py            # full run: about 40 s plus the cold compile
    .venv/bin/python benchmarks/bench_engine.py --quick    # short run: smaller sizes, no compile processes
    .venv/bin/python benchmarks/bench_engine.py --steps 50000 --skip-compile

What it measures (see benchmarks/README.md for the latest figures and how to read them):

1. Adam on Rosenbrock, every iterate and its loss stored, in plain C (``reference_adam.c``, built
   here with ``gcc -O3``, no ``-ffast-math``, loaded with ctypes), plus C variants that show the
   ``pow(beta, t)`` and subnormal-product traps, the cost of calling the surface through a function
   pointer, and the fair floor (the C loop doing every store and test optviz's kernel does).
   The C iterates are checked against optviz's to 1e-12 before anything is reported.
2. ``optviz.simulate("adam", "rosenbrock", ...)`` end to end (validation, allocation, kernel) and
   the compiled kernel alone on preallocated arrays, with a plain ``@njit`` loop for comparison.
3. The same Adam as a Python loop on floats, as a NumPy loop on 2-element arrays, and as
   ``torch.optim.Adam`` on a 2-element float64 tensor (fewer steps: they are slow).
4. Every registered optimizer (``optviz.optimizers.names()``) on rosenbrock and quadratic with
   default hyperparameters: ns per step and per function + gradient evaluation.
5. Short runs as the app makes them: one ``simulate`` call of 0, 200 and 1,000 steps.
6. Compile time: ``import optviz`` + first ``simulate`` in a new process with an empty
   ``NUMBA_CACHE_DIR`` (cold) and again with that cache filled (warm); one surface's and one
   kernel's compile alone.

Timings are the best of several repeats with ``time.perf_counter`` after a warm-up; the main
comparison interleaves the implementations round by round so a busy neighbour slows all alike.
This is a benchmark to run by hand, not a test: it prints, and never fails on a slow figure.
"""
from __future__ import annotations

import argparse
import ctypes
import dataclasses
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numba  # noqa: E402

import optviz  # noqa: E402
import surfaces  # noqa: E402
from optviz import optimizers  # noqa: E402
from optviz.kernels import N_COUNTS  # noqa: E402

C_SOURCE = Path(__file__).resolve().parent / "reference_adam.c"
C_FLAGS = ["-O3", "-ffp-contract=off", "-shared", "-fPIC"]
LR = 0.05                # Adam's learning rate on Rosenbrock (the docstring's example)
TARGET, LIMIT = 1.5, 2.0  # the aim and ceiling for simulate / C
CHECK_TOL = 1e-12


# -- timing ------------------------------------------------------------------------------------
def best_of(fn, repeats: int) -> float:
    """Best wall time of ``fn()`` in seconds over ``repeats`` calls, after one warm-up call."""
    fn()
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def best_interleaved(fns: dict, rounds: int) -> dict:
    """Best time of each function, timed one after another in ``rounds`` rounds."""
    for fn in fns.values():
        fn()
    best = {name: math.inf for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def ns(seconds: float, steps: int) -> float:
    return seconds / max(steps, 1) * 1e9


# -- machine -----------------------------------------------------------------------------------
def machine_info() -> dict:
    cpu = platform.processor() or "unknown"
    mhz = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and cpu in ("unknown", "x86_64", ""):
                cpu = value.strip()
            if key.strip() == "cpu MHz" and mhz is None:
                mhz = float(value)
    except OSError:
        pass
    info = {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu + (f" ({mhz:.0f} MHz)" if mhz else ""),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "llvmlite": __import__("llvmlite").__version__,
        "numpy": np.__version__,
        "load": "%.2f %.2f %.2f" % os.getloadavg() if hasattr(os, "getloadavg") else "n/a",
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "unset"),
    }
    cc = shutil.which(os.environ.get("CC", "gcc"))
    if cc:
        version = subprocess.run([cc, "-dumpfullversion"], capture_output=True, text=True).stdout.strip()
        info["cc"] = f"{Path(cc).name} {version}"
    return info


# -- C reference -------------------------------------------------------------------------------
C_VARIANTS = {
    "adam_c": "C -O3 reference (beta^t product, frozen)",
    "adam_c_pow": "C, pow(beta, t) every step",
    "adam_c_product": "C, beta^t product never frozen (subnormal)",
    "adam_c_indirect": "C, surface through function pointers",
    "adam_c_full": "C + clip, schedule, counts and state stores",
}


def build_c(tmp: Path):
    """Compile reference_adam.c into ``tmp`` and load it; ``None`` (with a message) if there is
    no C compiler."""
    cc = shutil.which(os.environ.get("CC", "gcc"))
    if cc is None:
        print("no C compiler (gcc or $CC): the C rows are skipped", file=sys.stderr)
        return None
    lib_path = tmp / "reference_adam.so"
    subprocess.run([cc, *C_FLAGS, "-o", str(lib_path), str(C_SOURCE), "-lm"], check=True)
    lib = ctypes.CDLL(str(lib_path))
    d, i64, ptr = ctypes.c_double, ctypes.c_int64, ctypes.c_void_p
    common = [d, d, i64, d, d, d, d, d, ptr, ptr]
    for name in C_VARIANTS:
        fn = getattr(lib, name)
        fn.argtypes = common + ([d, d, d, ptr, ptr] if name == "adam_c_full" else [])
        fn.restype = i64
    return lib


class Buffers:
    """Output arrays of one run, allocated (and touched) once."""

    def __init__(self, steps: int):
        self.xy = np.zeros((steps + 1, 2))
        self.loss = np.zeros(steps + 1)
        self.counts = np.zeros((steps + 1, N_COUNTS), dtype=np.int64)
        self.state = np.zeros((steps + 1, 4))


def c_caller(lib, name: str, x0: float, y0: float, steps: int, hp: dict, bound: float, out: Buffers):
    fn = getattr(lib, name)
    args = [x0, y0, steps, hp["lr"], hp["beta1"], hp["beta2"], hp["eps"], bound,
            out.xy.ctypes.data, out.loss.ctypes.data]
    if name == "adam_c_full":
        args += [0.0, math.inf, 0.0, out.counts.ctypes.data, out.state.ctypes.data]
    return lambda: fn(*args)


# -- the same Adam elsewhere -------------------------------------------------------------------
@numba.njit(cache=False, error_model="numpy")
def adam_numba_prototype(x, y, steps, lr, beta1, beta2, eps, bound, xy, loss):
    """The C reference's loop as a plain @njit function, Rosenbrock written inline."""
    mx = my = vx = vy = 0.0
    b1t = b2t = 1.0
    f = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
    xy[0, 0] = x
    xy[0, 1] = y
    loss[0] = f
    for t in range(1, steps + 1):
        gx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x)
        gy = 200.0 * (y - x * x)
        mx = beta1 * mx + (1.0 - beta1) * gx
        my = beta1 * my + (1.0 - beta1) * gy
        vx = beta2 * vx + (1.0 - beta2) * gx * gx
        vy = beta2 * vy + (1.0 - beta2) * gy * gy
        if 1.0 - b1t != 1.0:
            b1t *= beta1
        if 1.0 - b2t != 1.0:
            b2t *= beta2
        step_size = lr / (1.0 - b1t)
        bc2_sqrt = math.sqrt(1.0 - b2t)
        x -= step_size * mx / (math.sqrt(vx) / bc2_sqrt + eps)
        y -= step_size * my / (math.sqrt(vy) / bc2_sqrt + eps)
        f = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
        if not (abs(x) <= bound and abs(y) <= bound and math.isfinite(f)):
            return t - 1
        xy[t, 0] = x
        xy[t, 1] = y
        loss[t] = f
    return steps


def adam_python(x, y, steps, lr, beta1, beta2, eps, bound, xy, loss):
    """The same loop in Python on floats, storing into NumPy arrays."""
    sqrt, isfinite = math.sqrt, math.isfinite
    mx = my = vx = vy = 0.0
    b1t = b2t = 1.0
    xy[0, 0], xy[0, 1], loss[0] = x, y, (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
    for t in range(1, steps + 1):
        gx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x)
        gy = 200.0 * (y - x * x)
        mx = beta1 * mx + (1.0 - beta1) * gx
        my = beta1 * my + (1.0 - beta1) * gy
        vx = beta2 * vx + (1.0 - beta2) * gx * gx
        vy = beta2 * vy + (1.0 - beta2) * gy * gy
        if 1.0 - b1t != 1.0:
            b1t *= beta1
        if 1.0 - b2t != 1.0:
            b2t *= beta2
        step_size = lr / (1.0 - b1t)
        bc2_sqrt = sqrt(1.0 - b2t)
        x -= step_size * mx / (sqrt(vx) / bc2_sqrt + eps)
        y -= step_size * my / (sqrt(vy) / bc2_sqrt + eps)
        f = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
        if not (abs(x) <= bound and abs(y) <= bound and isfinite(f)):
            return t - 1
        xy[t, 0], xy[t, 1], loss[t] = x, y, f
    return steps


def adam_numpy(x, y, steps, lr, beta1, beta2, eps, bound, xy, loss):
    """The same loop with the parameters, moments and gradient as 2-element NumPy arrays."""
    theta = np.array([x, y])
    m = np.zeros(2)
    v = np.zeros(2)
    b1t = b2t = 1.0
    xy[0] = theta
    loss[0] = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
    for t in range(1, steps + 1):
        x, y = theta
        g = np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])
        m = beta1 * m + (1.0 - beta1) * g
        v = beta2 * v + (1.0 - beta2) * g * g
        if 1.0 - b1t != 1.0:
            b1t *= beta1
        if 1.0 - b2t != 1.0:
            b2t *= beta2
        theta = theta - (lr / (1.0 - b1t)) * m / (np.sqrt(v) / math.sqrt(1.0 - b2t) + eps)
        x, y = theta
        f = (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2
        if not (np.all(np.abs(theta) <= bound) and math.isfinite(f)):
            return t - 1
        xy[t] = theta
        loss[t] = f
    return steps


def torch_adam(steps: int, x0: float, y0: float, hp: dict):
    """``torch.optim.Adam`` on a 2-element float64 tensor; returns (seconds per call, last xy).
    ``None`` if torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    xy = np.zeros((steps + 1, 2))

    def run():
        p = torch.tensor([x0, y0], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"])
        xy[0] = (x0, y0)
        for t in range(1, steps + 1):
            opt.zero_grad()
            f = (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] * p[0]) ** 2
            f.backward()
            opt.step()
            xy[t] = p.detach().numpy()

    seconds = best_of(run, 2)
    return seconds, xy[-1].copy()


# -- every optimizer -------------------------------------------------------------------------
def kernel_call(spec, surface: str, steps: int, **hyper):
    """A zero-argument call of ``spec``'s compiled kernel with the exact arguments ``simulate``
    passes it (captured from a real call), so it can be timed without validation or allocation."""
    captured = {}

    def recorder(*kernel_args):
        captured["args"] = kernel_args
        return spec.kernel(*kernel_args)

    optviz.simulate(dataclasses.replace(spec, kernel=recorder), surface, steps=steps, **hyper)
    kernel_args = captured["args"]
    call = lambda: spec.kernel(*kernel_args)  # noqa: E731
    call.args = kernel_args
    return call


def _work(run) -> np.ndarray:
    """Cumulative function + gradient + Hessian evaluations at each iterate."""
    return run.f_evals + run.g_evals + run.h_evals


def _last_active(run) -> int:
    """The last step that evaluated anything (a converged line-search method stops evaluating)."""
    grew = np.nonzero(np.diff(_work(run)))[0]
    return int(grew[-1]) + 1 if grew.size else 0


def prepare_optimizer(name: str, surface: str, steps: int, repeats: int) -> dict:
    """Choose the run to time for ``name`` on ``surface`` with default hyperparameters, and
    measure what is not ns/step (see :func:`time_optimizers`)."""
    spec = optimizers.get(name)
    hyper: dict = {}
    probe = optviz.simulate(name, surface, steps=200)
    active = max(_last_active(probe), 1)
    per_step = int(_work(probe)[active]) / active
    n = steps if per_step <= 1.5 else max(1_000, steps // 10)
    run = optviz.simulate(name, surface, steps=n)
    notes = []
    if run.diverged and run.steps < 0.9 * n:
        lr = spec.defaults().get("lr")
        first = run.steps
        for _ in range(4):
            if not isinstance(lr, float) or not (run.diverged and run.steps < 0.9 * n):
                break
            lr /= 10.0
            hyper = {"lr": lr}
            run = optviz.simulate(name, surface, steps=n, **hyper)
        notes.append(f"default diverges at step {first}" + (f"; timed with lr={lr:g}" if hyper else ""))
    if run.diverged:
        notes.append(f"diverged at step {run.steps}")
    tiny = np.finfo(np.float64).tiny
    # steps whose iterate or drawn optimizer state (momentum, moments) holds a subnormal number
    values = np.column_stack([run.xy, *run.state.values()])
    subnormal = np.mean(np.any((values != 0.0) & (np.abs(values) < tiny), axis=1))
    if subnormal > 0:
        share = f"{subnormal:.0%}" if subnormal >= 0.005 else "<1%"
        notes.append(f"{share} of steps with subnormal iterate or state")
    done = max(run.steps, 1)
    active = _last_active(run)
    evals = int(run.f_evals[active] + run.g_evals[active])
    busy_ns = None
    if evals and active < 0.9 * done:
        notes.append(f"stops evaluating after step {active} (converged)")
        busy = best_of(kernel_call(spec, surface, active, **hyper), 20 * repeats)
        idle = best_of(kernel_call(spec, surface, 0, **hyper), 20 * repeats)
        busy_ns = max(busy - idle, 0.0) * 1e9
    return {
        "optimizer": name, "surface": surface, "steps": run.steps, "done": done, "evals": evals,
        "evals_step": evals / max(active, 1), "h_step": int(run.h_evals[active]) / max(active, 1),
        "busy_ns": busy_ns, "note": "; ".join(notes),
        "call": lambda: optviz.simulate(name, surface, steps=n, **hyper),
    }


def time_optimizers(steps: int, repeats: int, c_ns: float | None) -> list[dict]:
    """ns/step of ``simulate(name, surface)`` for every registered optimizer on rosenbrock and
    quadratic, default hyperparameters (best of ``repeats`` calls back to back).

    A run that diverges early is retried with the learning rate divided by 10 (noted).  Methods
    that make more than 1.5 evaluations a step while working (line searches, Newton) run
    ``steps // 10`` steps.  ns per evaluation is over the whole run, unless the method converged
    and stopped evaluating early: then it is the kernel's time over the steps that still evaluated,
    less the cost of a call with no steps, per evaluation made.
    """
    rows = []
    for name in optimizers.names():
        for surface in ("rosenbrock", "quadratic"):
            try:
                rows.append(prepare_optimizer(name, surface, steps, repeats))
            except Exception as exc:  # a module being written in parallel must not stop the run
                rows.append({"optimizer": name, "surface": surface, "error": f"{type(exc).__name__}: {exc}"})
    for r in rows:
        if "call" not in r:
            continue
        seconds = best_of(r["call"], repeats)
        per_step = ns(seconds, r["done"])
        r.update(ns_step=per_step, ratio=per_step / c_ns if c_ns else None)
        if r["busy_ns"] is not None:
            r["ns_eval"] = r["busy_ns"] / r["evals"]
        else:
            r["ns_eval"] = seconds * 1e9 / r["evals"] if r["evals"] else None
        del r["call"]
    return rows


# -- compile time ------------------------------------------------------------------------------
_COLD_SCRIPT = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, {root!r})
    t0 = time.perf_counter()
    import optviz
    t1 = time.perf_counter()
    optviz.simulate("adam", "rosenbrock", steps=200)
    t2 = time.perf_counter()
    print(json.dumps({{"import": t1 - t0, "first_simulate": t2 - t1}}))
""")


def compile_times(tmp: Path) -> dict:
    """``import optviz`` and the first simulate in new processes: empty cache, then warm cache."""
    cache = tmp / "numba_cache"
    cache.mkdir()
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    script = _COLD_SCRIPT.format(root=str(ROOT))
    out = {}
    for label in ("cold", "warm"):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                              cwd=str(tmp))
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{label} import failed:\n{proc.stderr[-2000:]}")
        out[label] = {**json.loads(proc.stdout.strip().splitlines()[-1]), "process": wall}
    return out


def compile_one_surface_and_kernel() -> dict:
    """Compile rosenbrock's three functions and Adam's kernel again, without the disk cache (in
    this process, so numba itself is already initialised: the cost of editing one file)."""
    from optviz import jit as ojit
    import surfaces.rosenbrock as rb

    options = {**getattr(ojit, "_OPTIONS", {}), "cache": False}
    t0 = time.perf_counter()
    for fn, sig in ((rb.value, ojit.SCALAR_SIG), (rb.gradient, ojit.PAIR_SIG), (rb.hessian, ojit.TRIPLE_SIG)):
        numba.njit(sig, **options)(fn.py_func)
    t1 = time.perf_counter()
    numba.njit(ojit.KERNEL_SIGNATURE, **options)(optimizers.get("adam").kernel.py_func)
    t2 = time.perf_counter()
    return {"surface": t1 - t0, "kernel": t2 - t1}


# -- report ------------------------------------------------------------------------------------
def fmt(value, digits=1):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def table(header: list[str], rows: list[list[str]], left: tuple[int, ...] = (0,)) -> str:
    """A Markdown table; columns in ``left`` (indices, negative from the end) are left-aligned."""
    left_cols = {i % len(header) for i in left}
    rule = "|" + "|".join("---" if i in left_cols else "---:" for i in range(len(header))) + "|"
    lines = ["| " + " | ".join(header) + " |", rule]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="short run: smaller sizes, fewer repeats, no cold/warm compile processes")
    parser.add_argument("--steps", type=int, default=None,
                        help="steps of the C, Numba and per-optimizer runs (default 100,000; 20,000 with --quick)")
    parser.add_argument("--skip-compile", action="store_true",
                        help="skip the cold/warm compile-time processes (they take most of a full run)")
    args = parser.parse_args(argv)

    quick = args.quick
    steps = args.steps or (20_000 if quick else 100_000)
    steps = min(steps, optviz.STEPS_CAP)
    py_steps = min(steps, 5_000 if quick else 20_000)
    np_steps = min(steps, 1_000 if quick else 5_000)
    torch_steps = min(steps, 500 if quick else 3_000)
    rounds = 7 if quick else 40
    repeats = 2 if quick else 9
    short_repeats = 50 if quick else 300

    info = machine_info()
    print("optviz engine benchmark  " + "  ".join(f"{k}={v}" for k, v in info.items()), flush=True)

    spec = optimizers.get("adam")
    surf = surfaces.get("rosenbrock")
    hp = spec.resolve({"lr": LR})
    x0, y0 = surf.start

    reference = optviz.simulate("adam", "rosenbrock", steps=steps, lr=LR)
    run_kernel = kernel_call(spec, "rosenbrock", steps, lr=LR)
    try:  # the bound simulate gives the kernel (opts is its 9th argument)
        from optviz.kernels import OPT_BOUND
        bound = float(run_kernel.args[8][OPT_BOUND])
    except Exception:  # the layout moved: any bound the run never reaches will do
        bound = 1e300

    results: dict = {"info": info, "steps": steps}
    rows_main = []
    with tempfile.TemporaryDirectory(prefix="optviz-bench-") as tmpdir:
        tmp = Path(tmpdir)
        lib = build_c(tmp)

        # 1-2. C, the Numba prototype, the kernel alone and simulate, interleaved.
        fns, buffers = {}, {}
        if lib is not None:
            for name in C_VARIANTS:
                buffers[name] = Buffers(steps)
                fns[name] = c_caller(lib, name, x0, y0, steps, hp, bound, buffers[name])
        proto = Buffers(steps)
        fns["numba_prototype"] = lambda: adam_numba_prototype(x0, y0, steps, hp["lr"], hp["beta1"], hp["beta2"],
                                                              hp["eps"], bound, proto.xy, proto.loss)
        fns["kernel"] = run_kernel
        fns["simulate"] = lambda: optviz.simulate("adam", "rosenbrock", steps=steps, lr=LR)
        best = best_interleaved(fns, rounds)

        # The check: every implementation ends where optviz does.
        print(f"\ncheck: Adam on Rosenbrock, lr={LR}, {steps:,} steps from ({x0}, {y0}); "
              f"optviz ends at ({reference.xy[-1, 0]:.17g}, {reference.xy[-1, 1]:.17g})")
        check_ok = True
        for name, buf in [*buffers.items(), ("numba_prototype", proto)]:
            diff = float(np.max(np.abs(buf.xy - reference.xy)))
            exact = name in ("adam_c", "adam_c_full", "adam_c_indirect", "numba_prototype")
            ok = diff <= CHECK_TOL
            check_ok &= ok or not exact
            status = "OK" if ok else ("MISMATCH" if exact else "differs (rounds beta^t differently)")
            print(f"  {name:18s} max |xy - optviz xy| over the run = {diff:.3e}  {status}")
        results["check_ok"] = check_ok
        c_ns = ns(best["adam_c"], steps) if lib is not None else None

        for name, label in C_VARIANTS.items():
            if name in best:
                rows_main.append((label, steps, ns(best[name], steps)))
        rows_main.append(("Numba prototype: plain @njit loop, surface inline", steps, ns(best["numba_prototype"], steps)))
        rows_main.append(("optviz Adam kernel alone (outputs preallocated)", steps, ns(best["kernel"], steps)))
        rows_main.append(("optviz.simulate end to end", steps, ns(best["simulate"], steps)))

        # 3. Python, NumPy and torch.
        buf = Buffers(py_steps)
        t = best_of(lambda: adam_python(x0, y0, py_steps, hp["lr"], hp["beta1"], hp["beta2"], hp["eps"], bound,
                                        buf.xy, buf.loss), repeats)
        py_diff = float(np.max(np.abs(buf.xy - reference.xy[: py_steps + 1])))
        print(f"  {'python loop':18s} max |xy - optviz xy| over {py_steps:,} steps = {py_diff:.3e}")
        rows_main.append(("Python loop on floats", py_steps, ns(t, py_steps)))
        buf = Buffers(np_steps)
        t = best_of(lambda: adam_numpy(x0, y0, np_steps, hp["lr"], hp["beta1"], hp["beta2"], hp["eps"], bound,
                                       buf.xy, buf.loss), max(2, repeats // 2))
        rows_main.append(("NumPy loop on 2-element arrays", np_steps, ns(t, np_steps)))
        torch_result = torch_adam(torch_steps, x0, y0, hp)
        if torch_result is not None:
            t, last = torch_result
            torch_diff = float(np.max(np.abs(last - reference.xy[torch_steps])))
            rows_main.append(("torch.optim.Adam, 2-element float64 tensor", torch_steps, ns(t, torch_steps)))
            print(f"  {'torch.optim.Adam':18s} |xy - optviz xy| after {torch_steps:,} steps = {torch_diff:.3e}"
                  + (" (torch rounds the update in another order)" if torch_diff else ""))
        results["main"] = rows_main

        # 4. Every optimizer.
        results["optimizers"] = time_optimizers(steps, repeats, c_ns)

        # 5. Short runs.
        kernel_ns = ns(best["kernel"], steps)
        short = []
        results["kernel_call_0"] = best_of(kernel_call(spec, "rosenbrock", 0), short_repeats) * 1e6
        for n in (0, 200, 1_000):
            t = best_of(lambda: optviz.simulate("adam", "rosenbrock", steps=n), short_repeats)
            short.append((n, t * 1e6, t * 1e6 - n * kernel_ns / 1e3))
        results["short"] = short

        # 6. Compile time.
        if not (args.skip_compile or quick):
            try:
                results["compile"] = compile_times(tmp)
            except Exception as exc:
                results["compile_error"] = str(exc)
        results["compile_one"] = compile_one_surface_and_kernel()

    print_report(results, c_ns)
    return 0


def print_report(results: dict, c_ns: float | None) -> None:
    info = results["info"]
    steps = results["steps"]
    main_rows = results["main"]
    sim = next(v for label, n, v in main_rows if label.startswith("optviz.simulate"))
    kern = next(v for label, n, v in main_rows if label.startswith("optviz Adam kernel"))
    out = [f"\n## optviz engine benchmark ({info['date']})", ""]
    out.append(f"Machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, numba {info['numba']} "
               f"(llvmlite {info['llvmlite']}), NumPy {info['numpy']}, {info.get('cc', 'no C compiler')}; "
               f"load average at start {info['load']}; OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE']} "
               "(irrelevant here: no BLAS call in these loops).")
    out.append("")
    out.append(f"### Adam on Rosenbrock (lr={LR}, every iterate and its loss stored)")
    out.append("")
    out.append(table(["implementation", "steps", "ns/step", "x C"],
                     [[label, fmt(n), fmt(v), fmt(v / c_ns, 2) if c_ns else "n/a"] for label, n, v in main_rows]))
    out.append("")
    if c_ns:
        ratio = sim / c_ns
        verdict = "meets the aim" if ratio <= TARGET else ("within the limit" if ratio <= LIMIT else "ABOVE the limit")
        out.append(f"simulate / C = **{ratio:.2f}x** (aim <= {TARGET}x, limit {LIMIT}x): {verdict}; "
                   f"kernel alone / C = {kern / c_ns:.2f}x.  C check: "
                   + ("iterates identical to optviz's within 1e-12." if results["check_ok"] else "**MISMATCH**, see above."))
        out.append("")
    out.append(f"### Every optimizer, default hyperparameters (first-order: {steps:,} steps; "
               f"more than 1.5 evaluations a step: {max(1_000, steps // 10):,})")
    out.append("")
    rows = []
    for r in results["optimizers"]:
        if "error" in r:
            rows.append([r["optimizer"], r["surface"], "error", "", "", "", "", "", r["error"][:80]])
            continue
        rows.append([r["optimizer"], r["surface"], fmt(r["steps"]), fmt(r["ns_step"]), fmt(r["ratio"], 2),
                     fmt(r["evals_step"], 2) + (f" (+{r['h_step']:.2g} H)" if r["h_step"] else ""),
                     fmt(r["ns_eval"]), r["note"]])
    out.append(table(["optimizer", "surface", "steps", "ns/step", "x C Adam", "f+g evals/step (while evaluating)",
                      "ns per f+g eval",
                      "note"], rows, left=(0, 1, -1)))
    out.append("")
    out.append("### Short runs: one `simulate(\"adam\", \"rosenbrock\", steps=n)` call")
    out.append("")
    out.append(table(["steps", "µs per call", "µs beyond the kernel's steps"],
                     [[fmt(n), fmt(us), fmt(extra)] for n, us, extra in results["short"]]))
    out.append("")
    out.append(f"Of the fixed cost, {results['kernel_call_0']:.1f} µs is the call into the compiled kernel itself "
               "with steps=0 (Numba's argument unboxing); the rest is simulate's validation, allocation and "
               "Trajectory.")
    out.append("")
    if "compile" in results or "compile_one" in results or "compile_error" in results:
        out.append("### Compile time")
        out.append("")
        rows = []
        if "compile" in results:
            for label in ("cold", "warm"):
                c = results["compile"][label]
                what = "empty NUMBA_CACHE_DIR" if label == "cold" else "cache filled by the cold run"
                rows.append([f"new process, {what}: import optviz", fmt(c["import"], 2)])
                rows.append([f"new process, {what}: first simulate", fmt(c["first_simulate"], 3)])
                rows.append([f"new process, {what}: whole process", fmt(c["process"], 2)])
        if "compile_error" in results:
            rows.append(["cold/warm processes", "failed: " + results["compile_error"].splitlines()[0][:80]])
        if "compile_one" in results:
            rows.append(["one surface (rosenbrock value, gradient, Hessian), no cache", fmt(results["compile_one"]["surface"], 2)])
            rows.append(["Adam's kernel alone (helpers compiled), no cache", fmt(results["compile_one"]["kernel"], 2)])
        out.append(table(["what", "seconds"], rows))
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
