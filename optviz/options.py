"""The options every run shares, declared once.

``optviz.simulate`` checks its arguments against these records; the app's configuration checker
(:mod:`optviz.config`), which the URL, the controls and the JSON API all go through, checks the
same records; the app builds its controls from them and the OpenAPI description its schemas.
Changing a range here changes it everywhere.
"""
from optviz.spec import STEPS_CAP, Hyperparameter

__all__ = ["STEPS", "NOISE", "SEED", "CLIP", "BATCH", "RUN_OPTIONS", "STEPS_CAP"]

STEPS = Hyperparameter("steps", 300, 0, STEPS_CAP, kind="int", slider=(1, STEPS_CAP),
                       help="How many optimizer steps each run takes.")
NOISE = Hyperparameter("noise", 0.0, 0.0, 1e3, slider=(0.0, 5.0),
                       help="Standard deviation of Gaussian noise added to each gradient component "
                            "(a picture of stochastic gradients).")
SEED = Hyperparameter("seed", 0, 0, 2 ** 32 - 1, kind="int",
                      help="Seed of the gradient noise: the same seed gives the same path.")
CLIP = Hyperparameter("clip", 10.0, 0.0, 1e6, low_open=True, log=True, slider=(1e-2, 1e3),
                      help="Rescale the gradient to at most this norm before each step.")

#: A run's own minibatch size, on the loss of a model on data (at most its number of points,
#: which ``optviz.engine.batched_params`` checks; 200 for the data that ship with optviz).
BATCH = Hyperparameter("batch", 200, 1, 100_000, kind="int", slider=(1, 200),
                       help="On the loss of a model on data: each step's gradient is that of a random "
                            "minibatch of this many points (the seed draws the batches).")

#: The options above, in the order the URL and the API list them.
RUN_OPTIONS = (STEPS, NOISE, SEED, CLIP)
