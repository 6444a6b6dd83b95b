"""How optimizers are declared: one module each, registered, reading each hyperparameter by its name.

A kernel receives the hyperparameters as an array in the spec's order (``spec.encode``: the exposed
ones, then ``fixed``).  Each module unpacks that array by position, so a spec listing ``beta1``
second while the update reads ``hp[1]`` as ``beta2`` would run silently wrong.  These tests read
every function of the module that takes ``hp`` and check that ``hp[i]`` is always bound to the
name of the spec's i-th hyperparameter, and that each hyperparameter is read somewhere.
"""
import ast
import importlib
import inspect
import pkgutil

import pytest

from optviz import drivers, optimizers

MODULES = [importlib.import_module(f"optviz.optimizers.{m.name}") for m in pkgutil.iter_modules(optimizers.__path__)]
SPECS = optimizers.all_specs()


def test_every_optimizer_module_is_registered():
    registered = set(optimizers._MODULES)
    missing = [module.__name__ for module in MODULES if module not in registered]
    assert not missing, f"add these to optviz.optimizers._MODULES: {missing}"
    assert all(getattr(module, "SPECS", None) for module in MODULES), "each module declares SPECS"


def hp_reads(module) -> dict[int, set[str]]:
    """``{i: {names bound to hp[i]}}`` over every function of ``module`` with an argument ``hp``:
    ``lr, beta1 = hp[0], hp[1]``, ``amsgrad = hp[5] != 0`` and ``lr = hp[0]`` forms."""
    reads: dict[int, set[str]] = {}

    def index_of(node):
        if isinstance(node, ast.Compare):
            node = node.left
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "int" and node.args:
            node = node.args[0]
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "hp"
                and isinstance(node.slice, ast.Constant)):
            return node.slice.value
        return None

    tree = ast.parse(inspect.getsource(module))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef) or "hp" not in [a.arg for a in function.args.args]:
            continue
        named = set()
        for node in ast.walk(function):
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target, value = node.targets[0], node.value
            pairs = (zip(target.elts, value.elts) if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple)
                     else [(target, value)])
            for name, expression in pairs:
                i = index_of(expression)
                if i is not None and isinstance(name, ast.Name):
                    reads.setdefault(i, set()).add(name.id)
                    inner = expression.left if isinstance(expression, ast.Compare) else expression
                    named.add(id(inner.args[0] if isinstance(inner, ast.Call) else inner))
        for node in ast.walk(function):   # hp[i] used any other way cannot be checked: report it
            if isinstance(node, ast.Subscript) and index_of(node) is not None and id(node) not in named:
                reads.setdefault(index_of(node), set()).add(f"<hp[{index_of(node)}] used without a name>")
    return reads


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_each_kernel_reads_each_hyperparameter_by_the_name_the_spec_gives_it(spec):
    module = importlib.import_module(spec.kernel.py_func.__module__)
    expected = [h.name for h in spec.hyperparameters] + [name for name, _ in spec.fixed]
    reads = hp_reads(module)
    wrong = {i: names for i, names in reads.items() if i >= len(expected) or names != {expected[i]}}
    assert not wrong, f"hp[i] bound to other names than the spec's {expected}: {wrong}"
    unread = [name for i, name in enumerate(expected) if i not in reads]
    assert not unread, f"{spec.name}: never read from hp: {unread}"


def test_the_name_check_catches_a_swapped_hyperparameter(monkeypatch):
    """The check above fails for a module that reads beta2 where the spec has beta1."""
    import optviz.optimizers.adam as adam
    source = inspect.getsource(adam).replace("lr, beta1, beta2, eps,", "lr, beta2, beta1, eps,", 1)
    monkeypatch.setattr(inspect, "getsource", lambda module: source)
    reads = hp_reads(adam)
    assert reads[1] == {"beta2"} and reads[2] == {"beta1"}


def test_first_order_methods_declare_only_init_and_update():
    """The modules whose kernels are made by the drivers hold no loop of their own: their kernel
    is the driver's loop compiled for their init and update (or picks one of two such kernels by
    a switch, as AdaBelief's rectify does)."""
    made = {s.name for s in SPECS if s.kernel in drivers.MADE}
    assert made >= {"adam", "adamw", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adamax", "nadam",
                    "radam", "adabelief", "lion", "signsgd", "newton", "gd"}
    for spec in SPECS:
        if spec.kernel.py_func.__code__.co_code == drivers._first_order.__code__.co_code:
            module = importlib.import_module(spec.kernel.py_func.__module__)
            assert spec.kernel.py_func.__globals__["update"] is module.update
            assert spec.kernel.py_func.__globals__["init"] is module.init
    for name in made - {"gd"}:   # gd keeps its line searches' loop
        module = importlib.import_module(optimizers.get(name).kernel.py_func.__module__)
        assert "for t in range" not in inspect.getsource(module), f"{module.__name__} keeps a loop of its own"
