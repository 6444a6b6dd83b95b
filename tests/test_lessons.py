"""Every lesson's caption is true: each claim it makes is checked here on the engine's output for
the lesson's own scene, simulated as the app simulates it (optviz.runner, within the work limit).

A lesson is registered in optviz/lessons.py and its claims here, with ``@claims("name")``; a
lesson without claims fails ``test_lsn001``.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from optviz import lessons, runner
from optviz.spec import Trajectory

CLAIMS: dict = {}


def claims(name: str):
    """Register the checks of lesson ``name``'s caption (a function of its runs, in legend order)."""
    def register(fn):
        CLAIMS[name] = fn
        return fn
    return register


def runs_of(name: str) -> list[Trajectory]:
    scene = lessons.get(name).scene
    runs = runner.simulate_config(scene)
    assert all(isinstance(r, Trajectory) for r in runs), f"{name}: a run could not start: {runs}"
    return runs


def steps_to(run: Trajectory, level: float, f_min: float = 0.0) -> int | None:
    """The first step at which the loss gap is at most ``level`` (None if never)."""
    below = np.flatnonzero(run.loss - f_min <= level)
    return int(below[0]) if below.size else None


def sign_changes(values: np.ndarray) -> int:
    return int(np.count_nonzero(np.diff(np.sign(values)) != 0))


# -- the lessons' claims ---------------------------------------------------------------------------
@claims("learning_rate")
def _learning_rate(runs):
    slow, fast, diverging = runs
    x_slow, x_fast = slow.xy[:, 0], fast.xy[:, 0]
    assert sign_changes(x_slow) == 0 and (np.diff(x_slow) < 0).all(), "lr 0.1 creeps down one side"
    assert sign_changes(x_fast) == len(x_fast) - 1, "lr 0.7 crosses the minimum at every step"
    assert abs(x_fast[-1]) < abs(x_slow[-1]), "and converges faster"
    assert np.allclose(x_slow[1:] / x_slow[:-1], 0.8) and np.allclose(x_fast[1:] / x_fast[:-1], -0.4)
    x_div = diverging.xy[:, 0]
    assert np.allclose(x_div[1:] / x_div[:-1], -1.2), "lr 1.1 overshoots more at every jump"
    assert diverging.diverged or abs(x_div[-1]) > 1e2 * abs(x_div[0]), "and diverges"


@claims("saddle")
def _saddle(runs):
    gd, momentum, adam, rmsprop, newton = runs
    # gradient descent slides into the saddle and hesitates there
    closest = int(np.argmin(np.hypot(*gd.xy.T)))
    assert np.hypot(*gd.xy[closest]) < 0.1 and closest > 20, "GD comes close to the saddle and lingers"
    near = np.hypot(*gd.xy.T) < 0.2
    assert near.sum() > 40, f"GD stays near the saddle for a long while ({near.sum()} steps)"
    assert abs(gd.xy[-1, 1]) > 1.5, "before it leaves along y (out of the window)"
    # the adaptive methods leave at once: far from the ridge while GD is still near the saddle
    for run in (adam, rmsprop):
        assert abs(run.xy[20, 1]) > 10 * abs(gd.xy[20, 1]), f"{run.optimizer} leaves at once"
    # Newton's method lands on the saddle in one step and stays
    assert np.allclose(newton.xy[1], 0.0, atol=1e-12) and np.allclose(newton.xy[1:], 0.0, atol=1e-12)
    assert len({r.optimizer for r in runs}) >= 4, "the saddle lesson compares at least four methods"


# -- every lesson ---------------------------------------------------------------------------------
def test_lsn001_every_lesson_has_its_claims_checked():
    assert set(CLAIMS) == set(lessons.names())


@pytest.mark.parametrize("name", lessons.names())
def test_lsn002_the_caption_is_true(name):
    CLAIMS[name](runs_of(name))


@pytest.mark.parametrize("name", lessons.names())
def test_lsn003_a_lesson_is_a_complete_scene_with_a_caption(name):
    lesson = lessons.get(name)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", name) and lesson.title
    scene = lesson.scene                                   # raises if the link has problems
    assert scene.lesson == name and scene.reveal is lesson.reveal and scene.runs
    assert lesson.link.startswith("?") and "lesson=" not in lesson.link
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", lesson.caption.strip()) if s]
    assert 2 <= len(sentences) <= 4, f"{name}: {len(sentences)} sentences"
    assert lesson.try_next and len(lesson.try_next) < 300
    assert all(r.status in ("ok", "diverged") for r in runs_of(name)), "no run stops on the work limit"


def test_lsn004_the_registry():
    assert len(lessons.names()) == len(set(lessons.names()))
    assert lessons.get("saddle").name == "saddle"
    with pytest.raises(ValueError, match="unknown lesson 'nope'; known: "):
        lessons.get("nope")
