"""Writes the small data sets the model surfaces are the losses of (run once; the CSV files are
committed, so the surfaces never depend on a random generator's version):

    .venv/bin/python surfaces/data/make_data.py

* ``linear_regression.csv``: 200 points ``(u, t)``, ``u ~ N(2, 0.6)`` (a feature that is not
  centred: the loss is a long, narrow valley), ``t = 1.2 u - 0.8 + N(0, 0.4)``.
* ``logistic_regression.csv``: 200 points ``(u, v, s)``, half of class ``s = +1`` around
  ``(1, 0.5)`` and half of class ``s = -1`` around ``(-1, -0.5)``, unit spread (they overlap, so
  the minimum is finite).
* ``tiny_network.csv``: 200 points ``(u, t)``, ``u ~ U(-2, 2)``, ``t = tanh(1.5 u) + N(0, 0.1)``.
"""
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 2026
N = 200


def main() -> None:
    rng = np.random.default_rng(SEED)
    u = rng.normal(2.0, 0.6, N)
    t = 1.2 * u - 0.8 + rng.normal(0.0, 0.4, N)
    np.savetxt(HERE / "linear_regression.csv", np.column_stack([u, t]), delimiter=",", fmt="%.17g",
               header="u,t", comments="")
    s = np.repeat([1.0, -1.0], N // 2)
    z = rng.normal(0.0, 1.0, (N, 2)) + np.outer(s, [1.0, 0.5])
    np.savetxt(HERE / "logistic_regression.csv", np.column_stack([z, s]), delimiter=",", fmt="%.17g",
               header="u,v,s", comments="")
    u = rng.uniform(-2.0, 2.0, N)
    t = np.tanh(1.5 * u) + rng.normal(0.0, 0.1, N)
    np.savetxt(HERE / "tiny_network.csv", np.column_stack([u, t]), delimiter=",", fmt="%.17g",
               header="u,t", comments="")


if __name__ == "__main__":
    main()
