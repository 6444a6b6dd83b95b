"""Switches for other libraries' conventions, against those libraries' own iterates.

The iterates come from the libraries themselves (tests/reference/library_iterates.py wrote
tests/data/library_iterates.json with optax 0.2.8 on jax 0.10.2 in float64, and adabelief-pytorch
0.2.1 on torch).  They round some operations in another order (jax's ``b ** t`` where optviz
keeps a running product; a division before a multiplication), so the paths agree within 1e-12
(measured 1.4e-15 to 5.1e-15 over 300 steps),
not bit for bit; and each switch changes the path by far more than that (checked too).
"""
import json
from pathlib import Path

import numpy as np
import pytest

import optviz

CASES = json.loads((Path(__file__).parent / "data" / "library_iterates.json").read_text())


@pytest.mark.parametrize("name", list(CASES))
def test_the_switch_reproduces_the_library(name):
    case = CASES[name]
    settings = dict(case["settings"])
    optimizer = settings.pop("optimizer")
    expected = np.array(case["xy"])
    run = optviz.simulate(optimizer, "rosenbrock", start=tuple(expected[0]), steps=len(expected) - 1, **settings)
    assert not run.diverged
    error = np.max(np.abs(run.xy - expected))
    assert error < 1e-12, f"{name}: max |optviz - {case['library']}| = {error:.3g}"

    switch = next(k for k, v in settings.items() if v is True and k != "amsgrad")
    without = optviz.simulate(optimizer, "rosenbrock", start=tuple(expected[0]), steps=len(expected) - 1,
                              **{**settings, switch: False})
    assert np.max(np.abs(without.xy - expected)) > 1e-6, f"{switch} makes a difference"


def test_the_switches_default_to_torchs_behaviour():
    for optimizer, switch in [("adam", "amsgrad_of_v_hat"), ("nadam", "constant_momentum"),
                              ("radam", "eps_on_v_hat"), ("adabelief", "rectify")]:
        spec = optviz.optimizers.get(optimizer)
        assert spec.hyperparameter(switch).default is False
