"""What the "about <optimizer>" panel shows besides the numbers: each spec's ``lineage`` (what the
method changes compared with the one it grew from) and each module's algorithm box (the
``.. math::`` block of its docstring, typeset whole by the app inside ``\\begin{aligned}``)."""
import importlib
import pkgutil
import re

import pytest

from optviz import optimizers

#: The parents each lineage must name: registered optimizers by id, or other methods by a word of
#: their name.  Gradient descent has none; it names what grew from it instead.
PARENTS = {
    "gd": (),
    "momentum": ("gd",),
    "nesterov": ("momentum",),
    "adagrad": ("gd",),
    "rmsprop": ("adagrad",),
    "adadelta": ("rmsprop",),
    "adam": ("momentum", "rmsprop"),
    "adamw": ("adam",),
    "adamax": ("adam",),
    "nadam": ("adam", "nesterov"),
    "radam": ("adam",),
    "adabelief": ("adam",),
    "lion": ("signsgd",),
    "signsgd": ("gd",),
    "newton": ("gd",),
    "cg": ("gd",),
    "bfgs": ("newton",),
    "lbfgs": ("bfgs",),
    "nelder_mead": ("Spendley",),   # Spendley, Hext and Himsworth's simplex method (1962)
}

SPECS = optimizers.all_specs()
IDS = [s.name for s in SPECS]
MODULES = [importlib.import_module(f"optviz.optimizers.{m.name}")
           for m in pkgutil.iter_modules(optimizers.__path__)]


def sentences(text):
    """``text`` cut at sentence ends (a full stop, ! or ? followed by white space)."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def spellings(name):
    """How a text may name optimizer ``name`` (or a method outside the registry)."""
    if name not in optimizers.names():
        return {name}
    spec = optimizers.get(name)
    found = {spec.name, spec.title, re.sub(r"\s*\(.*?\)", "", spec.title)}
    found |= {part.strip() for part in spec.title.split("/")}
    return {s for s in found if s}


def names(text, name):
    return any(re.search(rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])", text, re.IGNORECASE)
               for s in spellings(name))


def test_every_optimizer_has_a_declared_parent():
    assert set(PARENTS) == set(optimizers.names())
    for name, parents in PARENTS.items():
        assert name == "gd" or parents, f"{name}: only gradient descent has no parent"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_lineage_is_two_or_three_short_sentences(spec):
    text = spec.lineage
    assert text == text.strip() and text.endswith("."), f"{spec.name}: {text!r}"
    assert 2 <= len(sentences(text)) <= 3, f"{spec.name}: {sentences(text)}"
    assert len(text) < 500, f"{spec.name}: {len(text)} characters"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_lineage_names_the_parent(spec):
    for parent in PARENTS[spec.name]:
        assert names(spec.lineage, parent), f"{spec.name}: its lineage does not name {parent}"
    if not PARENTS[spec.name]:
        children = [name for name, parents in PARENTS.items() if spec.name in parents]
        named = [name for name in children if names(spec.lineage, name)]
        assert len(named) >= 2, f"{spec.name}: a root names what grew from it ({children}), not only {named}"


def test_sentences_are_cut_at_sentence_ends_only():
    assert sentences("Steps of 0.5 grow. Then 1,000 steps (x = 2.5) follow!  Done?") == [
        "Steps of 0.5 grow.", "Then 1,000 steps (x = 2.5) follow!", "Done?"]


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
