"""Each optimizer module's algorithm box: the ``.. math::`` block of its docstring, which the app's
"about <optimizer>" panel typesets whole inside ``\\begin{aligned}`` with MathJax."""

import importlib
import pkgutil
import re

import pytest

from optviz import optimizers

SPECS = optimizers.all_specs()
MODULES = [importlib.import_module(f"optviz.optimizers.{m.name}")
           for m in pkgutil.iter_modules(optimizers.__path__)]


# -- the algorithm boxes -------------------------------------------------------------------------
def math_blocks(doc):
    """The contents of the docstring's ``.. math::`` blocks (their indented lines)."""
    return [m.group(1) for m in re.finditer(r"^\.\. math::\n((?:[ \t]+.*\n|[ \t]*\n)+)", doc, re.MULTILINE)]


def balanced(latex):
    depth = 0
    for char in latex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def text_arguments(latex):
    """The arguments of every ``\\text{...}`` in ``latex``."""
    out = []
    for m in re.finditer(r"\\text\s*\{", latex):
        depth, i = 1, m.end()
        while depth and i < len(latex):
            depth += {"{": 1, "}": -1}.get(latex[i], 0)
            i += 1
        out.append(latex[m.end():i - 1])
    return out


def test_every_optimizer_module_is_checked():
    kernels = {spec.kernel.py_func.__module__ for spec in SPECS}
    assert kernels <= {m.__name__ for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__.rsplit(".", 1)[1] for m in MODULES])
def test_docstring_has_one_algorithm_box_with_the_update(module):
    doc = module.__doc__ or ""
    assert doc.count(".. math::") == 1, f"{module.__name__}: {doc.count('.. math::')} math blocks"
    (box,) = math_blocks(doc)
    assert box.strip() and balanced(box), f"{module.__name__}: braces do not balance"
    assert "&" in box, f"{module.__name__}: an aligned box needs & to align on"
    # the update of the parameters: theta_t = ..., theta <- ..., or a point x_... = ...
    updates = re.search(r"\\theta(_t|_\{t\})?\s*&?\s*(=|\\leftarrow)|\bx_[\w{}]*\s*&?=", box)
    assert updates, f"{module.__name__}: no update of theta or x in the box"
    # MathJax as the app loads it has no textmacros: a macro inside \text{} shows as typed
    for arg in text_arguments(box):
        assert "\\" not in arg, f"{module.__name__}: \\text{{{arg}}} (write names as \\mathtt{{a\\_b}})"
