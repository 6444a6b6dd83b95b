"""The JIT set-up: one compile per kernel for every surface, and a disk cache that notices edits."""
import shutil
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


def test_kernel_cache_key_covers_the_shared_helper_modules():
    locator = optimizers.get("adam").kernel._cache._impl.locator
    assert isinstance(locator, (jit._InTreeLocator, jit._UserDirLocator))
    assert locator.get_source_stamp()[1] == jit.shared_digest()


def test_shared_digest_changes_when_a_helper_changes(tmp_path, monkeypatch):
    for name in jit.SHARED_MODULES:
        source = jit._PACKAGE + "/" + name
        try:
            shutil.copy(source, tmp_path / name)
        except FileNotFoundError:
            pass
    monkeypatch.setattr(jit, "_PACKAGE", str(tmp_path))
    before = jit.shared_digest()
    with open(tmp_path / "kernels.py", "a") as f:
        f.write("\n# edited\n")
    assert jit.shared_digest() != before


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
