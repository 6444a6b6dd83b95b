"""The one place that imports Numba and sets its options.

Every compiled function in optviz and ``surfaces`` goes through the decorators here, so the JIT
options (disk cache, error model, no fastmath) are decided once:

* ``cache=True``: compiled code is kept on disk, so a new process loads it instead of compiling.
* ``error_model="numpy"``: a division by zero gives ``inf`` or ``nan`` instead of raising, which is
  how a diverging run is detected and stopped.
* no ``fastmath``: it assumes there is no ``nan`` or ``inf``, and divergence detection needs them.

Surfaces reach the optimizer kernels as first-class functions of one fixed signature
(:data:`SCALAR_FN`, :data:`PAIR_FN`, :data:`TRIPLE_FN`).  A kernel is therefore compiled once, for
every surface, and its disk cache stays valid when a surface is edited or added: the surface is
compiled (and cached) on its own, and the kernel calls it through a pointer.

Numba keys a cached function by its own source file only, but a kernel also compiles in the
helpers it calls, from other modules (the drivers, ``record``, the schedules, the line searches).
The cache locators registered below add to the key of every function in this package the digest
of every file its compiled code depends on: :func:`dependencies` follows the compiled functions it
names, and theirs, through their globals.  Editing a helper therefore recompiles exactly the
functions that use it, and no list has to be kept by hand.
"""
import functools
import hashlib
import logging
import os
import platform
import types as types_module

from numba import njit, types
from numba.core import caching as _caching
from numba.core.types.function_type import WrapperAddressProtocol
from numba.core import cgutils
from numba.core import compiler as _compiler, compiler_machinery as _compiler_machinery, lowering as _lowering
from numba.core import typed_passes as _typed_passes
from numba.extending import intrinsic
from llvmlite import ir

__all__ = ["jit", "compiled", "types", "kernel", "fma", "first_class", "thread_cpu_ns",
           "SCALAR_FN", "PAIR_FN", "TRIPLE_FN", "KERNEL_SIGNATURE"]

_OPTIONS = dict(cache=True, error_model="numpy", nogil=True)

# --- The disk cache's locators.  Registered before the first compiled function of this module
# (fma, thread_cpu_ns), because Numba picks a function's locator when the function is decorated.

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
#: Where compiled code may call helpers of other modules: the package and the tests' own compiled
#: wrappers (a cached wrapper around a line search would otherwise keep running the old search).
_STAMPED_DIRS = (_PACKAGE, os.path.join(os.path.dirname(_PACKAGE), "tests"))


def _names(code: types_module.CodeType):
    """Every global or attribute name ``code`` (and the functions nested in it) refers to."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types_module.CodeType):
            yield from _names(const)


def dependencies(py_func) -> list[str]:
    """The source files whose code compiled ``py_func`` builds in: its own, and those of every
    compiled function it names (``record``, or ``kernels.record`` through a module), and theirs,
    transitively.  Functions reached only at run time (a surface passed as an argument) are not
    dependencies."""
    files, seen, todo = set(), set(), [py_func]
    while todo:
        fn = todo.pop()
        if id(fn) in seen or not hasattr(fn, "__code__"):
            continue
        seen.add(id(fn))
        if os.path.exists(fn.__code__.co_filename):   # not text generated at run time (its maker's file counts)
            files.add(os.path.abspath(fn.__code__.co_filename))
        # a copy of another module's function (optviz.drivers.specialise) keeps that module's globals
        module_file = fn.__globals__.get("__file__")
        if module_file:
            files.add(os.path.abspath(module_file))
        names = set(_names(fn.__code__))
        for name in names:
            found = fn.__globals__.get(name)
            candidates = [found]
            if isinstance(found, types_module.ModuleType):
                candidates = [getattr(found, other, None) for other in names]
            for candidate in candidates:
                target = getattr(candidate, "py_func", None)   # a Numba dispatcher
                if target is not None:
                    todo.append(target)
    return sorted(files)


def _digest(paths) -> str:
    """SHA-256 of the contents of ``paths``."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as source:
            digest.update(os.path.basename(path).encode() + b"\0" + source.read())
    return digest.hexdigest()


def _under(path, folders) -> bool:
    path = os.path.abspath(path)
    return any(path.startswith(folder + os.sep) for folder in folders)


#: Files whose compiled functions the locators below place: the package, the surfaces and the tests.
_LOCATED_DIRS = (*_STAMPED_DIRS, os.path.join(os.path.dirname(_PACKAGE), "surfaces"))
_log = logging.getLogger(__name__)
_warned_unwritable = False


class _Locator:
    """What optviz's locators change in Numba's, for files under :data:`_LOCATED_DIRS` only:

    * the source stamp also covers the files the function's compiled code depends on (see
      :func:`dependencies`; for files under :data:`_STAMPED_DIRS`);
    * a cache directory that exists and can be read but not written is accepted, for loading.
      Numba's own locators insist on writing a test file first, so a read-only image
      (``docker run --read-only``) or one run as another uid (``--user 12345:0``, as OpenShift
      does) found no locator, and ``import optviz`` failed with "cannot cache function ...: no
      locator available" although every function was compiled already.  Saving into such a
      directory fails softly: see :func:`_save_overload`.
    """

    #: Whether the cache directory could be written when the function was located.
    writable = True
    #: The function located (its dependencies extend the source stamp).
    _py_func = None

    def get_source_stamp(self):
        stamp = super().get_source_stamp()
        if not _under(self._py_file, _STAMPED_DIRS) or self._py_func is None:
            return stamp
        others = [path for path in dependencies(self._py_func) if path != os.path.abspath(self._py_file)]
        return (stamp, _digest(others))

    def ensure_cache_path(self):
        try:
            super().ensure_cache_path()  # creates the directory, writes and deletes a temporary file
        except OSError:
            path = self.get_cache_path()
            if not (os.path.isdir(path) and os.access(path, os.R_OK | os.X_OK)):
                raise
            self.writable = False
        else:
            self.writable = True

    @classmethod
    def from_function(cls, py_func, py_file):
        if not _under(py_file, _LOCATED_DIRS):
            return None
        located = super().from_function(py_func, py_file)
        if located is not None:
            located._py_func = py_func
        return located


class _UserDirLocator(_Locator, _caching.UserProvidedCacheLocator):
    """``NUMBA_CACHE_DIR`` is set (the Docker image)."""


class _InTreeLocator(_Locator, _caching.InTreeCacheLocator):
    """The default: ``__pycache__`` beside the source."""


if _UserDirLocator not in _caching.CacheImpl._locator_classes:
    _caching.CacheImpl._locator_classes[:0] = [_UserDirLocator, _InTreeLocator]

# Numba has no hook for a failed save: Dispatcher.compile adds the new overload and then calls
# Cache.save_overload, whose OSError (the read-only directory accepted above) would propagate to
# the caller of the function.  For functions placed by the locators above, it is logged once per
# process instead, and the compiled code is used from memory (a new process compiles it again).
_numba_save_overload = getattr(_caching.Cache.save_overload, "__wrapped__", _caching.Cache.save_overload)


@functools.wraps(_numba_save_overload)
def _save_overload(self, sig, data):
    global _warned_unwritable
    try:
        _numba_save_overload(self, sig, data)
    except OSError as error:
        if not isinstance(self._impl.locator, _Locator):
            raise
        if not _warned_unwritable:
            _warned_unwritable = True
            _log.warning("cannot write Numba's disk cache in %s (%s): compiled code is kept in memory "
                         "only; compile the cache where it can be written (the Docker image does so "
                         "at build time)", self._cache_path, error)


_caching.Cache.save_overload = _save_overload


f8 = types.float64
i8 = types.int64
params_t = types.float64[::1]

#: ``f(x, y, p) -> float``: a surface's value.
SCALAR_SIG = f8(f8, f8, params_t)
#: ``f(x, y, p) -> (gx, gy)``: a surface's gradient.
PAIR_SIG = types.UniTuple(f8, 2)(f8, f8, params_t)
#: ``f(x, y, p) -> (hxx, hxy, hyy)``: a surface's Hessian (symmetric, upper triangle).
TRIPLE_SIG = types.UniTuple(f8, 3)(f8, f8, params_t)

SCALAR_FN = types.FunctionType(SCALAR_SIG)
PAIR_FN = types.FunctionType(PAIR_SIG)
TRIPLE_FN = types.FunctionType(TRIPLE_SIG)

#: Every optimizer kernel has this signature (see :mod:`optviz.kernels` for the meaning of each
#: argument); returns ``(steps_done, diverged)``.
KERNEL_SIGNATURE = types.UniTuple(i8, 2)(
    SCALAR_FN, PAIR_FN, TRIPLE_FN, params_t,  # the surface: value, gradient, Hessian, parameters
    f8, f8, i8,                                # start x, start y, steps
    types.float64[::1],                        # hyperparameters, in the spec's order
    types.float64[::1],                        # common options (noise, seed, clip, schedule, bound)
    types.float64[:, ::1],                     # out: iterates, (steps + 1, 2)
    types.float64[::1],                        # out: loss, (steps + 1,)
    types.int64[:, ::1],                       # out: cumulative (f, g, H) evaluations, (steps + 1, 3)
    types.float64[:, ::1],                     # out: optimizer state to draw, (steps + 1, k)
)


def jit(fn=None, **overrides):
    """``numba.njit`` with optviz's options; lazily typed (compiled on first call)."""
    options = {**_OPTIONS, **overrides}
    if fn is None:
        return lambda f: njit(**options)(f)
    return njit(**options)(fn)


def compiled(signature):
    """Compile eagerly for one fixed ``signature`` (a surface's functions, the kernels)."""
    return lambda fn: njit(signature, **_OPTIONS)(fn)


# --- Wide vectors for the grid loops.  LLVM, like gcc, keeps to 256-bit vectors on AVX-512
# machines unless a function asks for more; the grid loops gain from the machine's widest (GD's
# basin map ran in 17-18 ms with them against 22-24 ms, 2 threads, on the machine of 2026-11-30).
# A function asks with the attribute "prefer-vector-width", which llvmlite's IR builder cannot
# add (it knows only LLVM's enumerated attributes), so the lowering below writes it.  It changes
# which instructions compute a value, never the value: no reassociation, no contraction.


class _WideAttributes(ir.values.FunctionAttributes):
    """A function's attributes, and ``"prefer-vector-width"="512"``."""

    def _to_list(self, ret_type):
        return super()._to_list(ret_type) + ['"prefer-vector-width"="512"']

    def __bool__(self):   # llvmlite writes a function's attributes only when the set is not empty
        return True


class _WideLower(_lowering.Lower):
    def lower_normal_function(self, fndesc):
        super().lower_normal_function(fndesc)
        wide = _WideAttributes()
        for name in self.function.attributes:
            wide.add(name)
        wide.alignstack, wide.personality = self.function.attributes.alignstack, self.function.attributes.personality
        self.function.attributes = wide


@_compiler_machinery.register_pass(mutates_CFG=True, analysis_only=False)
class _WideNativeLowering(_typed_passes.NativeLowering):
    _name = "optviz_wide_native_lowering"

    @property
    def lowering_class(self):
        return _WideLower


class _WideVectors(_compiler.CompilerBase):
    """Numba's nopython pipeline, lowering with :class:`_WideLower`."""

    def define_pipelines(self):
        pipeline = _compiler.DefaultPassBuilder.define_nopython_pipeline(self.state)
        passes = [(_WideNativeLowering if cls is _typed_passes.NativeLowering else cls, what)
                  for cls, what in pipeline.passes]
        if passes == pipeline.passes:
            raise RuntimeError("Numba's nopython pipeline has no NativeLowering pass to replace")
        pipeline.passes = passes
        pipeline.finalize()
        return [pipeline]


def compiled_wide(signature):
    """As :func:`compiled`, with LLVM told to use the machine's widest vectors (512-bit on
    AVX-512) in this function and what it inlines: for loops that vectorise across many runs."""
    return lambda fn: njit(signature, pipeline_class=_WideVectors, **_OPTIONS)(fn)


def kernel(fn):
    """Compile an optimizer kernel eagerly with :data:`KERNEL_SIGNATURE` (loaded from the disk
    cache when it is warm)."""
    return compiled(KERNEL_SIGNATURE)(fn)


class FirstClass(WrapperAddressProtocol):
    """A function compiled with one signature, as compiled code receives it: the address of its
    C wrapper, looked up once.

    Passing the dispatcher itself works too, but then Numba looks up two addresses and unpickles
    the signature again on every call: about 60 us of a kernel call that takes 45 us otherwise.
    Calls from compiled code are as fast either way.  Calling the object from Python calls the
    dispatcher."""

    def __init__(self, dispatcher):
        overloads = list(getattr(dispatcher, "overloads", {}).values())
        if len(overloads) != 1:
            raise ValueError(f"{dispatcher!r} must be compiled for exactly one signature (a surface's functions "
                             f"are declared with surfaces._base.value_function, gradient_function and "
                             f"hessian_function); it has {len(overloads)}")
        (result,) = overloads
        self.dispatcher = dispatcher   # keeps the compiled code alive
        self._signature = result.signature
        self._address = result.library.get_pointer_to_function(result.fndesc.llvm_cfunc_wrapper_name)

    def __wrapper_address__(self):
        return self._address

    def signature(self):
        return self._signature

    def __call__(self, *args):
        return self.dispatcher(*args)


@functools.cache
def first_class(dispatcher) -> FirstClass:
    """The :class:`FirstClass` of a function compiled with :func:`compiled` (one per function)."""
    return FirstClass(dispatcher)


@intrinsic
def _fused_multiply_add(typingctx, a, b, c):
    def codegen(context, builder, signature, args):
        return builder.fma(*args)
    return f8(f8, f8, f8), codegen


@jit
def fma(a, b, c):
    """``a * b + c`` rounded once (LLVM's ``llvm.fma``), as torch's CPU kernels compute
    ``c.add_(b, alpha=a)``; needed to reproduce torch's iterates to the last bit."""
    return _fused_multiply_add(float(a), float(b), float(c))


#: Linux's clock of the CPU time the calling thread has used (``CLOCK_THREAD_CPUTIME_ID``).
_THREAD_CLOCK = 3 if platform.system() == "Linux" else None


@intrinsic
def _thread_cpu_time(typingctx):
    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        if _THREAD_CLOCK is None:
            return ir.Constant(i64, 0)
        timespec = ir.LiteralStructType([i64, i64])   # (tv_sec, tv_nsec) on 64-bit Linux
        now = cgutils.alloca_once(builder, timespec)
        clock_gettime = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(32), [ir.IntType(32), timespec.as_pointer()]), "clock_gettime")
        builder.call(clock_gettime, [ir.Constant(ir.IntType(32), _THREAD_CLOCK), now])
        seconds = builder.load(cgutils.gep_inbounds(builder, now, 0, 0))
        nanoseconds = builder.load(cgutils.gep_inbounds(builder, now, 0, 1))
        return builder.add(builder.mul(seconds, ir.Constant(i64, 1_000_000_000)), nanoseconds)
    return types.int64(), codegen


@jit
def thread_cpu_ns():
    """The CPU time the calling thread has used, in nanoseconds (``time.thread_time_ns()``), read
    from compiled code without the GIL (a system call, about 0.2 us).  Unlike the wall clock it
    does not run faster when the machine is busy, so a limit on it stops the same run at about
    the same step under any load.  0 outside Linux."""
    return _thread_cpu_time()
