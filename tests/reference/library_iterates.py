"""Write tests/data/library_iterates.json: iterates of optimizers as other libraries compute them.

optviz's switches for other libraries' conventions (optax's AMSGrad, NAdam and RAdam, the
rectified AdaBelief of adabelief-pytorch) are tested against these numbers.  The libraries are not
test dependencies (jax alone is 100 MB), so the iterates are made once with this script and kept:

    python -m venv /tmp/ref && /tmp/ref/bin/pip install optax==0.2.8 jax==0.10.2
    /tmp/ref/bin/python tests/reference/library_iterates.py optax
    pip install --no-deps --target /tmp/ref-pkgs adabelief-pytorch==0.2.1 tabulate colorama
    PYTHONPATH=/tmp/ref-pkgs .venv/bin/python tests/reference/library_iterates.py adabelief

Each case runs on Rosenbrock, f = (1 - x)^2 + 100 (y - x^2)^2, from (-1.2, 1), in float64.
"""
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "library_iterates.json"
START, STEPS = (-1.2, 1.0), 300


def optax_cases() -> dict:
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import optax

    def rosenbrock(p):
        return (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2

    grad = jax.jit(jax.grad(rosenbrock))
    cases = {
        "optax.amsgrad": (optax.amsgrad(0.05, b1=0.9, b2=0.999, eps=1e-8),
                          {"optimizer": "adam", "lr": 0.05, "amsgrad": True, "amsgrad_of_v_hat": True}),
        "optax.nadam": (optax.nadam(0.01, b1=0.9, b2=0.999, eps=1e-8),
                        {"optimizer": "nadam", "lr": 0.01, "constant_momentum": True}),
        "optax.radam": (optax.radam(0.001, b1=0.9, b2=0.999, eps=1e-3),
                        {"optimizer": "radam", "lr": 0.001, "eps": 1e-3, "eps_on_v_hat": True}),
    }
    out = {}
    for name, (tx, settings) in cases.items():
        params = jnp.array(START, dtype=jnp.float64)
        state = tx.init(params)
        path = [list(map(float, params))]
        for _ in range(STEPS):
            updates, state = tx.update(grad(params), state, params)
            params = optax.apply_updates(params, updates)
            path.append(list(map(float, params)))
        out[name] = {"library": f"optax {optax.__version__}, jax {jax.__version__}", "settings": settings,
                     "xy": path}
    return out


def adabelief_cases() -> dict:
    import adabelief_pytorch
    import torch
    from adabelief_pytorch import AdaBelief

    out = {}
    for lr in (0.001, 0.003):
        p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        opt = AdaBelief([p], lr=lr, betas=(0.9, 0.999), eps=1e-16, weight_decay=0.0, weight_decouple=True,
                        rectify=True, degenerated_to_sgd=True, print_change_log=False)
        path = [p.detach().tolist()]
        for _ in range(STEPS):
            opt.zero_grad()
            loss = (1.0 - p[0]) ** 2 + 100.0 * (p[1] - p[0] ** 2) ** 2
            loss.backward()
            opt.step()
            path.append(p.detach().tolist())
        out[f"adabelief_pytorch.AdaBelief(rectify=True, lr={lr})"] = {
            "library": f"adabelief-pytorch {getattr(adabelief_pytorch, '__version__', '0.2.1')}, torch {torch.__version__}",
            "settings": {"optimizer": "adabelief", "lr": lr, "rectify": True},
            "xy": path}
    return out


if __name__ == "__main__":
    which = sys.argv[1]
    data = json.loads(OUT.read_text()) if OUT.exists() else {}
    data.update(optax_cases() if which == "optax" else adabelief_cases())
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT}: {', '.join(data)}")
