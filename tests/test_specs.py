"""Every declared hyperparameter (optimizers, schedules, surface parameters) can drive a slider:
its default is valid, and its slider range is finite and made of valid values."""
import math

import pytest

import surfaces
from optviz import optimizers, schedules
from optviz.spec import Hyperparameter

ALL = ([(f"optimizer {s.name}", h) for s in optimizers.all_specs() for h in s.hyperparameters]
       + [(f"schedule {s}", h) for s in schedules.names() for h in schedules.get(s).parameters]
       + [(f"surface {s.name}", h) for s in surfaces.all_surfaces() for h in s.parameters])


@pytest.mark.parametrize("owner, h", ALL, ids=[f"{o}.{h.name}" for o, h in ALL])
def test_hyperparameter_declaration(owner, h: Hyperparameter):
    assert h.name.isidentifier() and h.help, owner
    assert h.validate(h.default) == h.default
    if h.kind in ("float", "int"):
        lo, hi = h.slider_range
        assert math.isfinite(lo) and math.isfinite(hi) and lo < hi, (owner, h.name)
        h.validate(lo)
        h.validate(hi)
        assert lo <= h.default <= hi or h.default == 0 and h.log, (owner, h.name, h.default)
        if h.log:
            assert lo > 0, (owner, h.name)


def test_names_unique_within_each_owner():
    for spec in optimizers.all_specs():
        names = [h.name for h in spec.hyperparameters] + [n for n, _ in spec.fixed]
        assert len(names) == len(set(names)), spec.name


@pytest.mark.parametrize("h, value, message", [
    (Hyperparameter("lr", 0.1, 0.0, 1.0, low_open=True), 0.0, "lr must be a number in (0, 1]; got 0"),
    (Hyperparameter("n", 3, 1, 10, kind="int"), 2.5, "n must be an integer in [1, 10]; got 2.5"),
    (Hyperparameter("f", "a", kind="choice", choices=("a", "b")), "c", "f must be one of 'a', 'b'; got 'c'"),
    (Hyperparameter("on", True, kind="bool"), "perhaps", "on must be true or false; got 'perhaps'"),
])
def test_validation_messages(h, value, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]") + "$"):
        h.validate(value)


def test_strings_from_urls_are_accepted():
    assert Hyperparameter("lr", 0.1, 0.0, 1.0).validate(" 0.5 ") == 0.5
    assert Hyperparameter("n", 3, 1, 10, kind="int").validate("4") == 4
    assert Hyperparameter("on", True, kind="bool").validate("false") is False
