"""Numba's disk cache works read-only: a process that may not write to a warm cache loads from it.

The Docker image runs with its cache compiled at build time, and must also start with
``docker run --read-only --tmpfs /tmp`` (a read-only file system) and with ``--user 12345:0`` (a
uid that owns nothing).  Numba's own cache locators refuse a directory they cannot write to, and
``import optviz`` then failed with "cannot cache function 'fma': no locator available";
``optviz.jit``'s locators accept it for loading and make a failed save a warning.

Each test runs a child interpreter on a warm copy of the code and its cache (laid out as in the
image: ``NUMBA_CACHE_DIR``) that it cannot write to, in one of two ways:

* ``unwritable-directory``: the child runs as another user (uid/gid 65534, like ``--user``), or,
  when the interpreter cannot be run as that user, as root without the capabilities that let
  root write to files whose mode forbids it; not as root, the copy is made read-only with chmod;
* ``read-only-filesystem``: the copy is bind-mounted read-only in a mount namespace of the child
  (``unshare -m``, like ``--read-only``; as root, else ``unshare -rm`` where user namespaces are
  allowed).

and checks that it works, compiles nothing (every function is a cache hit) and writes nothing.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = os.geteuid() == 0
NOBODY = 65534
MOUNT_FAILED = "read-only bind mount failed"
#: Loading every kernel from a warm cache takes about 1 s here; compiling them takes 15-25 s.
LOAD_SECONDS = 8.0

#: Functions that are not compiled while the cache is warmed: calling them in a read-only child
#: compiles them and tries to save them.
PROBE = '''\
"""Compiled only in the read-only child (tests/test_jit_readonly.py)."""
from optviz.jit import jit


@jit
def twice(x):
    return 2.0 * x


@jit
def thrice(x):
    return 3.0 * x
'''

#: Run in the child: import optviz, simulate, and report what was loaded and what was compiled.
LOAD = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    import optviz, surfaces
    from numba.core.dispatcher import Dispatcher
    from optviz import jit, optimizers
    runs = [optviz.simulate(name, "rosenbrock", steps=50) for name in ("adam", "bfgs", "nelder_mead")]
    runs.append(optviz.simulate("gd", "himmelblau", steps=20, lr=0.01))
    seconds = time.perf_counter() - t0
    compiled = [s.kernel for s in optimizers.all_specs()]
    compiled += [f for s in surfaces.all_surfaces() for f in (s.value_fn, s.gradient_fn, s.hessian_fn)]
    compiled += [f for f in vars(jit).values() if isinstance(f, Dispatcher)]  # fma and the clock
    used = [f for f in compiled if f.overloads]
    print(json.dumps({
        "file": optviz.__file__,
        "seconds": seconds,
        "losses": [float(r.loss[-1]) for r in runs],
        "loaded": sum(sum(f.stats.cache_hits.values()) for f in used),
        "compiled": [f.py_func.__qualname__ for f in used if any(f.stats.cache_misses.values())],
        "writable": sorted({getattr(f._cache._impl.locator, "writable", None) for f in used}, key=str),
        "locators": sorted({type(f._cache._impl.locator).__name__ for f in used}),
    }))
""")

#: Run in the child: compile two new functions into the unwritable cache.
COMPILE = textwrap.dedent("""
    import json
    from optviz import _readonly_probe as probe
    print(json.dumps({"values": [probe.twice(2.0), probe.thrice(2.0), probe.twice(5.0)],
                      "compiled": [sum(f.stats.cache_misses.values()) for f in (probe.twice, probe.thrice)]}))
""")


def _environment(copy: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "PYTHON"))}
    env.update(PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1", NUMBA_CACHE_DIR=str(copy / "cache"))
    if os.environ.get("NUMBA_CPU_NAME"):
        env["NUMBA_CPU_NAME"] = os.environ["NUMBA_CPU_NAME"]
    return env


def _snapshot(folder: Path) -> dict:
    """Every file and folder under ``folder``: its size and modification time."""
    entries = {}
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        entries[str(path.relative_to(folder))] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns)
    return entries


def _chmod_tree(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.lstat().st_mode
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _runs_as_nobody() -> bool:
    """Whether this interpreter (its virtual environment) can be run as uid 65534."""
    if not shutil.which("setpriv"):
        return False
    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            sys.executable, "-c", "import numba"], capture_output=True, timeout=60)
    return probe.returncode == 0


@pytest.fixture(scope="module")
def warm_copy():
    """A copy of optviz and surfaces (source mtimes kept: copytree copies with copy2) in a
    folder every user may read, with a probe module, and Numba's cache compiled into
    ``cache/`` by a writable child process."""
    copy = Path(tempfile.mkdtemp(prefix="optviz-readonly-"))
    try:
        copy.chmod(0o755)
        for package in ("optviz", "surfaces"):
            shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]"))
        (copy / "optviz" / "_readonly_probe.py").write_text(PROBE)
        warm = subprocess.run([sys.executable, "-c", LOAD], cwd=copy, env=_environment(copy),
                              capture_output=True, text=True, timeout=900)
        assert warm.returncode == 0, f"warming the copy's cache failed:\n{warm.stderr[-3000:]}"
        assert any((copy / "cache").iterdir())
        for path in [copy, *copy.rglob("*")]:  # readable by everyone, writable by the owner only
            mode = path.lstat().st_mode
            path.chmod((mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
                        | (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH if path.is_dir() else 0))
                       & ~(stat.S_IWGRP | stat.S_IWOTH))
        yield copy
    finally:
        _chmod_tree(copy, writable=True)
        shutil.rmtree(copy, ignore_errors=True)


def _run_read_only(copy: Path, how: str, code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a child that cannot write to ``copy`` (see the module docstring)."""
    python = [sys.executable, "-c", code]
    env = _environment(copy)
    if how == "unwritable-directory":
        if not IS_ROOT:
            _chmod_tree(copy, writable=False)
            try:
                return subprocess.run(python, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
            finally:
                _chmod_tree(copy, writable=True)
        if _runs_as_nobody():
            command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *python]
            return subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
        # root, but the interpreter is not readable by others: root without DAC override.
        _chmod_tree(copy, writable=False)
        try:
            command = ["setpriv", "--inh-caps=-all", "--bounding-set=-dac_override,-fowner", *python]
            return subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
        finally:
            _chmod_tree(copy, writable=True)
    assert how == "read-only-filesystem"
    unshare = ["unshare", "-m"] if IS_ROOT else ["unshare", "-rm"]
    folder = shlex.quote(str(copy))
    script = (f"{{ mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} {folder}; }} "
              f"|| {{ echo {MOUNT_FAILED} >&2; exit 97; }}; exec {shlex.join(python)}")
    if not shutil.which("unshare"):
        pytest.skip("no unshare(1) here to mount the cache read-only")
    try:
        result = subprocess.run([*unshare, "sh", "-c", script], cwd=copy, env=env, capture_output=True,
                                text=True, timeout=300)
    except OSError as error:
        result = subprocess.CompletedProcess(unshare, 97, "", f"{MOUNT_FAILED}: {error}")
    if result.returncode == 97 and MOUNT_FAILED in result.stderr:
        if IS_ROOT:
            pytest.fail(f"cannot mount the copy read-only with unshare -m:\n{result.stderr.strip()}")
        pytest.skip(f"cannot mount the copy read-only without root here: {result.stderr.strip()}")
    return result


HOW = ["unwritable-directory", "read-only-filesystem"]


@pytest.mark.parametrize("how", HOW)
def test_a_warm_cache_loads_without_write_access(warm_copy, how):
    before = _snapshot(warm_copy)
    started = time.monotonic()
    child = _run_read_only(warm_copy, how, LOAD)
    wall = time.monotonic() - started
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])

    assert report["file"] == str(warm_copy / "optviz" / "__init__.py")
    assert report["locators"] == ["_UserDirLocator"]
    assert report["writable"] == [False], "the child could write to the cache: not a read-only test"
    assert report["compiled"] == [], f"compiled instead of loading: {report['compiled']}"
    assert report["loaded"] >= 20
    assert all(isinstance(loss, float) for loss in report["losses"])
    assert report["seconds"] < LOAD_SECONDS, f"import and 4 runs took {report['seconds']:.1f} s: compiled?"
    assert wall < LOAD_SECONDS + 5
    assert "cannot write Numba's disk cache" not in child.stderr
    assert _snapshot(warm_copy) == before, "the read-only child wrote something"


@pytest.mark.parametrize("how", HOW)
def test_compiling_without_write_access_warns_once_and_runs_from_memory(warm_copy, how):
    before = _snapshot(warm_copy)
    child = _run_read_only(warm_copy, how, COMPILE)
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["values"] == [4.0, 6.0, 10.0]
    assert report["compiled"] == [1, 1]
    assert child.stderr.count("cannot write Numba's disk cache") == 1, child.stderr
    assert _snapshot(warm_copy) == before, "the read-only child wrote something"
