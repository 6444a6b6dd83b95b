"""Lessons: classic scenes of optimization, each with a caption that says what to look at.

A lesson is a complete scene, written as a share link (:mod:`optviz.links`: surface and its
parameters, start, steps, runs with their hyperparameters and conditions, the loss axis), a
caption of two to four plain sentences, and one "now try" suggestion: a control to move and what
will happen.  Every claim a caption makes is checked on the engine's output for that scene
(``tests/test_lessons.py``); a lesson whose claim fails does not ship.

>>> from optviz import lessons
>>> lessons.get("saddle").scene.surface
'saddle'

The app opens a lesson from ``?lesson=NAME``: the lesson's scene, in reveal mode (the paths grow
as the animation plays), with its caption above the views.  Any other key of the link changes the
scene, so a lecturer can adapt a lesson and share the result.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from optviz.config import Config
from optviz.registry import Registry

__all__ = ["Lesson", "names", "get", "all_lessons"]


@dataclass(frozen=True)
class Lesson:
    """One lesson: ``name`` is its id (``?lesson=NAME``), ``link`` its scene as a share link,
    ``caption`` what to look at, ``try_next`` the one thing to try next, ``reveal`` whether
    playback draws the paths as it goes (on for lessons)."""

    name: str
    title: str
    link: str
    caption: str
    try_next: str
    reveal: bool = True

    @property
    def scene(self) -> Config:
        """The scene as a configuration (checked: a lesson's link has no problem)."""
        return _scene(self)


@functools.lru_cache(maxsize=None)
def _scene(lesson: Lesson) -> Config:
    from optviz import links   # links read ?lesson= through this module
    config, problems = links.parse(lesson.link)
    if problems:
        raise ValueError(f"lesson {lesson.name!r}: its link has problems: {'; '.join(problems)}")
    return replace(config, lesson=lesson.name, reveal=lesson.reveal)


_LESSONS = (
    Lesson(
        name="learning_rate",
        title="The learning rate on a parabola",
        link="?surface=parabola&start=1,0&steps=30&run=gd:lr=0.1&run=gd:lr=0.7&run=gd:lr=1.1",
        caption=("On f = x², gradient descent multiplies x by 1 − 2·lr at every step, and the curvature L = 2 "
                 "decides everything. Below 1/L (lr 0.1) the run creeps down one side and never crosses "
                 "the minimum; between 1/L and 2/L (lr 0.7) it jumps across the minimum at every step and "
                 "still converges, faster; beyond 2/L (lr 1.1) each jump overshoots more and the run "
                 "diverges."),
        try_next="Set the second run's lr to 0.5: it lands on the minimum in a single step (1 − 2·0.5 = 0).",
    ),
    Lesson(
        name="ravine",
        title="Momentum in a ravine",
        link=("?surface=quadratic:condition=100,rotation=30&start=-2.5,1.5&steps=500"
              "&run=gd:lr=0.019&run=momentum:lr=0.019,momentum=0.8"),
        caption=("This tilted bowl is a hundred times more curved across its valley than along it, so "
                 "gradient descent must keep lr below 2/100 or it is thrown out across the valley. At "
                 "lr 0.019 it zig-zags from wall to wall, and along the floor it closes only 1.9% of the "
                 "remaining distance per step: the loss takes 361 steps to fall below 1e-6. Momentum 0.8 "
                 "with the same lr adds up the small pushes that all point along the floor and gets there "
                 "in 70 steps, less than a fifth of that."),
        try_next=("Raise gradient descent's lr to 0.021, just past 2/100: the zig-zag now grows at every "
                  "step and the run diverges."),
    ),
    Lesson(
        name="nesterov",
        title="Nesterov against heavy-ball momentum",
        link=("?surface=quadratic:condition=100,rotation=30&start=-2.5,1.5&steps=200"
              "&run=momentum:lr=0.005&run=nesterov:lr=0.005"),
        caption=("Both runs use lr 0.005 and momentum 0.9 on the ravine of the momentum lesson. Heavy-ball "
                 "momentum keeps swinging from wall to wall: 20 steps in, it still swings about 0.9 to "
                 "either side of the valley's floor. Nesterov's method takes its gradient where the "
                 "momentum is about to carry it, so it brakes before each wall, and after 20 steps its "
                 "swing is a thousand times smaller. It brings the loss below 1e-6 in 50 steps, heavy "
                 "ball in 146."),
        try_next=("Raise Nesterov's lr to 0.015: it now diverges, while heavy ball is still stable at that "
                  "lr; braking early makes Nesterov less tolerant of large steps."),
    ),
    Lesson(
        name="long_valley",
        title="The long valley",
        link=("?surface=long_valley&start=-0.5,0.6&steps=400"
              "&run=gd:lr=0.09&run=momentum:lr=0.02&run=adam:lr=0.1&run=newton"),
        caption=("The walls of this valley curve a hundred times more than its floor, so gradient descent "
                 "must keep lr below 0.1; at lr 0.09 it bounces from wall to wall, then creeps down the "
                 "gentle floor at most 0.018 per step and needs 389 steps to bring the loss below 1e-4. "
                 "Momentum (lr 0.02) gathers speed on the steady slope and needs 146 steps; Adam (lr 0.1) "
                 "gives the tiny slope along x a full step of 0.1 and needs 72. Newton's method, exact on "
                 "a bowl, jumps to x = 67.5 on its first step and diverges: on the straight part of the "
                 "floor its model of the curvature is far too flat."),
        try_next=("Raise gradient descent's lr to 0.105, past 2/20 = 0.1: its bounce across the valley grows "
                  "instead of dying, and the run diverges."),
    ),
    Lesson(
        name="beale",
        title="Beale: steep walls, flat floor",
        link=("?surface=beale&start=4,1.2&steps=500"
              "&run=gd:lr=0.01&run=gd:lr=0.001&run=momentum:lr=0.001&run=adam:lr=0.05"),
        caption=("At this start on Beale's steep wall the gradient is about 290 long, while on the valley "
                 "floor below it is less than 0.1. Gradient descent's step is lr times the gradient: at "
                 "lr 0.01 its first step, 2.9 long, crosses the valley and its second throws it off the "
                 "map. At lr 0.001 it survives the wall but then inches along the floor and ends about 1 "
                 "short of the minimum (3, 0.5), while momentum with that lr builds up speed and ends ten "
                 "times closer. Adam divides each step by the recent size of the gradient, so none of its "
                 "steps is longer than 0.071, however steep the wall, and it reaches the minimum (loss "
                 "below 1e-4 at step 287)."),
        try_next=("Raise momentum's lr to 0.002: it then reaches the minimum too (loss below 1e-4 by "
                  "step 420), later than Adam."),
    ),
    Lesson(
        name="adagrad_rmsprop",
        title="AdaGrad's shrinking steps, RMSProp's short memory",
        link="?surface=beale&start=0.7,1.4&steps=1000&run=adagrad:lr=0.1&run=rmsprop:lr=0.01",
        caption=("Both runs start with steps of 0.1 along each axis and follow the same road down Beale's "
                 "valley. AdaGrad divides the gradient by the root of the sum of all its past squares "
                 "(sum_x and sum_y in its state); that sum can only grow, so its rate only shrinks, and "
                 "after 1000 steps it is still 0.4 short of the minimum (3, 0.5). RMSProp divides by a "
                 "moving average of the squares instead, which forgets the steep start: as the gradients "
                 "get small its rate lr/√v grows back, to over 40 times AdaGrad's by the end, and it "
                 "reaches the minimum (loss below 1e-4 at step 744)."),
        try_next=("Raise AdaGrad's lr to 1: its rate still only shrinks, but from ten times higher, and it "
                  "reaches the minimum too (loss below 1e-4 by step 280)."),
    ),
    Lesson(
        name="bias_correction",
        title="Adam's bias correction",
        link=("?surface=long_valley&start=-0.5,0.6&steps=150"
              "&run=adam:lr=0.05&run=adam:lr=0.05,bias_correction=false"),
        caption=("Adam's running averages m (of gradients) and v (of squared gradients) start at zero, and "
                 "bias correction divides them by 1 − β^t to undo that: with it, the first steps move each "
                 "coordinate by lr = 0.05. Without it the first steps are not smaller but larger, because "
                 "v, which forgets more slowly (β2 = 0.999), starts much further below its true size than "
                 "m (β1 = 0.9): the step along the floor is 3.2 times lr at first and 6.4 times lr by the "
                 "tenth step. So the uncorrected run swings further across the valley and overshoots the "
                 "minimum along x, past the edge of the map, before it comes back."),
        try_next=("Set the uncorrected run's beta2 to 0.99: since √(1 − 0.99) = 1 − 0.9, its first step is "
                  "exactly lr again, and its early steps grow to only about twice lr."),
    ),
    Lesson(
        name="weight_decay",
        title="Weight decay: Adam's L2 against AdamW",
        link=("?surface=booth&start=-3,-1&steps=1000"
              "&run=adam:lr=0.1&run=adam:lr=0.1,weight_decay=1&run=adamw:lr=0.1,weight_decay=1"),
        caption=("Plain Adam reaches Booth's minimum (1, 3). Adam with weight_decay λ = 1 adds λ·θ to the "
                 "gradient, so it follows the gradient of f + ½λ(x² + y²) and settles exactly at that "
                 "function's minimum, (1.23, 2.56). AdamW instead shrinks the point itself by lr·λ·θ at "
                 "every step, while its Adam step moves a coordinate by about lr at most: the shrinking "
                 "wins wherever a coordinate is larger than 1/λ = 1, so AdamW is pulled into the square "
                 "|x|, |y| ≤ 1 within 7 steps, stays there and creeps towards its corner (1, 1), ending "
                 "at (0.93, 0.95)."),
        try_next=("Lower the L2 run's weight_decay to 0.5: the pull towards the origin weakens and it settles "
                  "at (1.15, 2.75), closer to the minimum."),
    ),
    Lesson(
        name="sign_methods",
        title="signSGD and Lion: steps of fixed length",
        link=("?surface=quadratic:condition=10,rotation=30&start=-2.55,1.5&steps=150"
              "&run=gd:lr=0.15&run=signsgd:lr=0.1&run=lion:lr=0.1"),
        caption=("signSGD and Lion keep only the sign of each gradient component (Lion, of a blend of the "
                 "gradient and its momentum), so every step moves each coordinate by exactly lr = 0.1: "
                 "their paths are made of diagonal moves, however gentle the slope. Gradient descent's "
                 "steps shrink with the gradient near the minimum, and its loss falls below 1e-20. The "
                 "sign methods cannot slow down: in their last 50 steps they still move 0.1 along each "
                 "axis, never closer than 0.05 to the minimum, and signSGD ends up hopping back and forth "
                 "between two points about 0.5 away from it."),
        try_next=("Set the learning-rate schedule to cosine: the sign steps now shrink with the rate, and "
                  "both sign methods end within 0.001 of the minimum."),
    ),
    Lesson(
        name="saddle",
        title="A saddle point",
        link=("?surface=saddle&start=1,0.001&steps=200&run=gd:lr=0.02&run=momentum:lr=0.02"
              "&run=adam:lr=0.05&run=rmsprop&run=newton"),
        caption=("The start lies a hair off the ridge of f = x² − y², where the gradient points almost "
                 "straight at the saddle. Gradient descent slides into the saddle and hesitates there for "
                 "a long while before the tiny y grows enough to carry it away; Adam and RMSprop divide "
                 "by the gradient's size, so they leave at once. Newton's method jumps onto the saddle in "
                 "one step and stays: it goes to where the gradient vanishes, minimum or not."),
        try_next=("Set start y to 0.000001, a thousand times closer to the ridge: gradient descent no "
                  "longer gets away within the 200 steps (it needs about 335), while Adam still leaves "
                  "within 15."),
    ),
    Lesson(
        name="noise",
        title="Gradient noise: off the saddle, then settling down",
        link=("?surface=styblinski_tang&start=0.1567312567803401,-4.5&steps=300&run=gd:lr=0.01"
              "&run=gd:lr=0.01;noise=5&run=gd:lr=0.01;noise=5;schedule=cosine"),
        caption=("The start lies exactly on the ridge between two minima, where the slope along x is zero. "
                 "With exact gradients, gradient descent slides down the ridge into the saddle point "
                 "between the two minima and stays there for good; with noise added to every gradient "
                 "(σ = 5, standing in for the error of a minibatch gradient), the first nudges tip it off "
                 "the ridge within 10 steps and it rolls into the global minimum. At a constant learning "
                 "rate the noise keeps it jittering around the minimum, while the cosine schedule shrinks "
                 "the steps to nothing, so the third run settles: over its last 50 steps its loss stays "
                 "fifty times closer to the minimum's."),
        try_next=("Set the shared gradient noise σ to 0.01: the first run, which has no noise of its own, "
                  "now gets this tiny noise and leaves the saddle too, within about 50 steps."),
    ),
    Lesson(
        name="minibatch",
        title="Minibatch noise is not Gaussian noise",
        link=("?surface=linear_regression&start=-0.5,2&steps=800"
              "&run=gd:lr=0.2;seed=3;batch=8&run=gd:lr=0.2;noise=0.224;seed=3"),
        caption=("Both runs are gradient descent on the loss of a line fitted to 200 points, with gradients "
                 "that are wrong by the same amount on average: the first uses a random batch of 8 points at "
                 "each step, the second the whole data set plus Gaussian noise of σ = 0.224 per component, "
                 "the root-mean-square error of an 8-point batch at the minimum. A batch's error has the "
                 "shape of the curvature, large across this narrow valley and almost nothing along it, so "
                 "the first run jitters in a small cloud around the minimum. Gaussian noise pushes as hard "
                 "along the valley's nearly flat floor as across it, and the floor barely pushes back: over "
                 "the last 400 steps the second run strays about ten times further along the valley, while "
                 "across it both stay as close."),
        try_next=("Give the first run a batch of 200, the whole data set: its gradients are then exact, and "
                  "it settles on the minimum (within 1e-4 by step 800)."),
    ),
    Lesson(
        name="clipping",
        title="Gradient clipping on a steep wall",
        link=("?surface=goldstein_price&start=-1.5,-1.5&steps=400"
              "&run=gd:lr=0.001&run=gd:lr=0.001;clip=100&run=gd:lr=0.00001"),
        caption=("At this start on the rim of Goldstein-Price the gradient is about 25,000 long. Gradient "
                 "descent with lr 0.001 takes a first step of 25 and is thrown far off the map. Clipping "
                 "the gradient's norm at 100 caps every step at lr × 100 = 0.1, so the same lr walks down "
                 "to the global minimum (0, −1), where f = 3, and is there (within 1e-4) by step 50. "
                 "Without clipping, an lr small enough to survive the rim (0.00001) is still short of it "
                 "after 400 steps, with f above 5."),
        try_next=("Lower the clipped run's clip to 10: its steps shrink to 0.01, and it needs about 180 "
                  "steps to reach the minimum."),
    ),
    Lesson(
        name="himmelblau",
        title="Himmelblau: four minima, one start",
        link=("?surface=himmelblau&start=0,-3&steps=200"
              "&run=gd:lr=0.01&run=momentum:lr=0.005&run=adam:lr=0.1&run=newton"),
        caption=("Himmelblau's function has four minima, all with f = 0, each at the bottom of its own "
                 "basin, and this start at (0, −3) lies near where the basins meet. From the same point "
                 "gradient descent rolls to (3.58, −1.85), momentum swings round to (3, 2) and Adam heads "
                 "for (−3.78, −3.28). Newton's method stops on a saddle at (−0.13, −1.95), where the "
                 "gradient is zero but f is 178."),
        try_next=("Click the map near (−4, 4) to start there, deep inside one basin: all three first-order "
                  "methods now end in the same minimum, (−2.81, 3.13)."),
    ),
    Lesson(
        name="rosenbrock_cost",
        title="Rosenbrock: what each method pays",
        link=("?surface=rosenbrock&start=-1.2,1&steps=2000&lossx=cost"
              "&run=gd:lr=0.001&run=momentum:lr=0.001&run=adam:lr=0.05&run=bfgs&run=newton"),
        caption=("Here the loss is plotted against cost (function values plus gradients), not "
                 "steps. To bring the loss below 1e-6 momentum spends 1386 gradients and Adam 1691, and "
                 "gradient descent is still above 0.07 after 2000; BFGS, which learns the curvature from "
                 "its gradients and checks each step with a line search, needs 83 evaluations. Newton's "
                 "method takes only 5 steps, but each also computes the Hessian (all second "
                 "derivatives), which the axis counts as 4 gradients: a cost of 25, still the least."),
        try_next=("Switch the loss plot to per step: BFGS now looks about 50 times faster than momentum "
                  "instead of 17, since each of its steps spends about three evaluations."),
    ),
    Lesson(
        name="nelder_mead",
        title="Nelder-Mead: no gradients at all",
        link="?surface=rosenbrock&start=-1.2,1&steps=300&lossx=cost&run=nelder_mead&run=bfgs&run=gd:lr=0.001",
        caption=("Nelder-Mead never computes a gradient: it moves a triangle of three points (drawn on the "
                 "map), replacing its worst corner by the reflection through the other two, stretched when "
                 "that goes well and pulled in when it does not. Counted in evaluations, it brings the loss "
                 "below 1e-6 with 139 function values, where BFGS uses 83 values and gradients and "
                 "gradient descent, after 300 gradients, is still above 3. By the end the triangle, whose "
                 "sides along the axes are 0.25 long at the start, has shrunk to a point at the minimum "
                 "(1, 1)."),
        try_next=("Set Nelder-Mead's initial_size to 2, a first triangle as wide as the valley's bend: it "
                  "now needs only 87 function values."),
    ),
)
_REGISTRY = Registry("lesson", _LESSONS)


def names() -> list[str]:
    """The ids of every lesson, in the order the picker lists them."""
    return _REGISTRY.names()


def all_lessons() -> list[Lesson]:
    return _REGISTRY.all()


def get(name: str) -> Lesson:
    """The lesson called ``name``; ``ValueError`` listing the known ids for an unknown one."""
    return _REGISTRY.get(name)
