"""The JIT set-up: one compile per kernel for every surface, and a disk cache that notices edits."""
import os
import subprocess
import sys
import textwrap

import numpy as np

import optviz
import surfaces
from optviz import jit, optimizers
from optviz.kernels import OPT_BOUND, OPT_CLIP, OPT_NOISE, OPT_SEED, default_opts


def test_each_kernel_has_one_compiled_specialisation_for_all_surfaces():
    for name in surfaces.names():
        optviz.simulate("adam", name, steps=3)
    for spec in optimizers.all_specs():
        assert len(spec.kernel.overloads) == 1, spec.name


def test_kernel_cache_key_covers_the_modules_its_code_depends_on():
    spec = optimizers.get("adam")
    locator = spec.kernel._cache._impl.locator
    assert isinstance(locator, (jit._InTreeLocator, jit._UserDirLocator))
    files = {os.path.basename(path) for path in jit.dependencies(spec.kernel.py_func)}
    assert {"adam.py", "drivers.py", "kernels.py", "schedules.py", "jit.py"} <= files, files
    assert "linesearch.py" not in files and "engine.py" not in files, "only what the compiled code calls"
    others = [p for p in jit.dependencies(spec.kernel.py_func) if not p.endswith("/adam.py")]
    assert locator.get_source_stamp()[1] == jit._digest(others)
    gd_files = {os.path.basename(path) for path in jit.dependencies(optimizers.get("gd").kernel.py_func)}
    assert {"gd.py", "drivers.py", "linesearch.py", "kernels.py"} <= gd_files, gd_files


STALE_MODULES = {
    "stale_helper.py": "from optviz.jit import jit\n\n@jit\ndef scale(x):\n    return {factor} * x\n",
    "stale_driver.py": ("import stale_helper\n\ndef _loop(x):\n    return stale_helper.scale(x) + bump(x)\n"),
    "stale_user.py": ("from optviz.jit import compiled, jit\nfrom stale_driver import _loop\n"
                      "import types\n\n@jit\ndef bump(x):\n    return 0.5 * x\n\n"
                      "kernel = compiled('float64(float64)')(types.FunctionType(\n"
                      "    _loop.__code__.replace(co_filename=__file__), {**_loop.__globals__, 'bump': bump}, 'kernel'))\n"),
}


def test_editing_a_helper_module_recompiles_the_code_that_uses_it(tmp_path):
    """No stale kernel: a cached function that calls a helper of another module (directly, through
    a module attribute, or as a copy of another module's loop, as the drivers are made) is
    recompiled in a new process once that helper's file changes, and loaded from the cache while
    nothing changes."""
    def write(factor):
        for name, text in STALE_MODULES.items():
            (tmp_path / name).write_text(text.replace("{factor}", str(factor)))

    code = textwrap.dedent(f"""
        import sys
        from optviz import jit
        jit._STAMPED_DIRS += ({str(tmp_path)!r},)
        jit._LOCATED_DIRS += ({str(tmp_path)!r},)
        sys.path.insert(0, {str(tmp_path)!r})
        import stale_user
        print(stale_user.kernel(2.0), sum(stale_user.kernel.stats.cache_hits.values()))
    """)

    def run():
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                             cwd=str(tmp_path), env={**os.environ, "PYTHONPATH": root})
        assert out.returncode == 0, out.stderr
        value, hits = out.stdout.split()
        return float(value), int(hits)

    write(3.0)
    assert run() == (7.0, 0)           # compiled: 3 * 2 + 0.5 * 2
    assert run() == (7.0, 1)           # loaded from the cache
    write(5.0)                          # only the helper changes (same size: the stamp's mtime alone may not)
    assert run() == (11.0, 0)          # recompiled, not the stale 7.0
    assert run() == (11.0, 1)


def test_a_new_process_loads_kernels_from_the_cache():
    """After this test session has compiled everything, a fresh interpreter compiles nothing."""
    code = textwrap.dedent("""
        import optviz, surfaces
        from optviz import optimizers
        run = optviz.simulate("adam", "rosenbrock", steps=5)
        compiled = [s.kernel for s in optimizers.all_specs()]
        compiled += [f for s in surfaces.all_surfaces() for f in (s.value_fn, s.gradient_fn, s.hessian_fn)]
        missed = [f.py_func.__qualname__ for f in compiled if any(f.stats.cache_misses.values())]
        assert not missed, missed
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_first_class_functions_give_the_kernels_the_same_results_as_dispatchers():
    from optviz.engine import _outputs
    from optviz.jit import first_class
    surface = surfaces.get("beale")
    assert first_class(surface.value_fn) is surface.functions[0]       # looked up once per function
    assert surface.functions[1](1.0, 0.5, surface.params) == surface.gradient_fn(1.0, 0.5, surface.params)
    spec = optimizers.get("rmsprop")
    hp = spec.encode(spec.resolve({"lr": 0.01, "momentum": 0.5}))
    opts = default_opts()
    opts[OPT_NOISE], opts[OPT_SEED], opts[OPT_CLIP], opts[OPT_BOUND] = 0.1, 3.0, 5.0, 1e5
    results = []
    for functions in (surface.functions, (surface.value_fn, surface.gradient_fn, surface.hessian_fn)):
        xy, loss, counts, state = _outputs(301, len(spec.state))
        done = spec.kernel(*functions, surface.params, 1.0, 1.5, 300, hp, opts, xy, loss, counts, state)
        results.append((done, xy.copy(), loss.copy(), state.copy()))
    (done_a, *arrays_a), (done_b, *arrays_b) = results
    assert done_a == done_b == (300, 0)
    assert all(np.array_equal(a, b) for a, b in zip(arrays_a, arrays_b))


def test_first_class_refuses_a_function_not_compiled_for_one_signature():
    import pytest
    from optviz.jit import FirstClass, jit as lazy

    @lazy
    def not_yet_compiled(x, y, p):
        return x

    with pytest.raises(ValueError, match="exactly one signature"):
        FirstClass(not_yet_compiled)


def _host_has_avx512() -> bool:
    from llvmlite import binding
    return bool(binding.get_host_cpu_features().get("avx512f"))


def test_wide_vectors_pipeline_asks_llvm_for_512_bit_vectors_and_changes_no_value():
    """The grid loops are compiled with ``compiled_wide``: LLVM is told, per function, to prefer
    the machine's widest vectors (it keeps to 256 bits on AVX-512 machines otherwise).  A Numba
    upgrade that changes the lowering must not drop this silently."""
    from numba import njit

    def scaled_sum(a, b, out):
        for i in range(a.shape[0]):
            out[i] = a[i] * 1.5 + b[i] / 3.0
    signature = "void(float64[::1], float64[::1], float64[::1])"
    wide = njit(signature, pipeline_class=jit._WideVectors, error_model="numpy")(scaled_sum)   # uncached: IR to read
    plain = njit(signature, error_model="numpy")(scaled_sum)
    (ir,) = wide.inspect_llvm().values()
    assert '"prefer-vector-width"="512"' in ir
    assert '"prefer-vector-width"' not in next(iter(plain.inspect_llvm().values()))
    if _host_has_avx512():
        assert "zmm" in next(iter(wide.inspect_asm().values()))
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=1001), rng.normal(size=1001)
    out_wide, out_plain = np.empty(1001), np.empty(1001)
    wide(a, b, out_wide)
    plain(a, b, out_plain)
    assert np.array_equal(out_wide, out_plain)
