"""optviz: see how optimization algorithms move across a loss landscape.

>>> import optviz
>>> run = optviz.simulate("adam", "rosenbrock", steps=500, lr=0.05)
>>> run.xy.shape
(501, 2)
>>> optviz.sweep("adam", "rosenbrock", steps=500, grid={"lr": [0.01, 0.05, 0.1]}).final_loss.shape
(3,)
"""
__version__ = "0.1.0"

from optviz import optimizers, schedules
from optviz.engine import STEPS_CAP, simulate
from optviz.grid import basins, fan, resting_points, sweep, tune
from optviz.spec import Hyperparameter, OptimizerSpec, Trajectory

__all__ = ["simulate", "sweep", "basins", "resting_points", "fan", "tune", "optimizers", "schedules", "Trajectory", "OptimizerSpec", "Hyperparameter",
           "STEPS_CAP", "__version__"]
