"""The optimizer registry.

Each module of this package declares ``SPECS``, a tuple of :class:`~optviz.spec.OptimizerSpec`
(one kernel may serve several variants: Adam and AdamW, momentum and Nesterov).  Adding an
optimizer is one module and one line in ``_MODULES``.
"""
from optviz.optimizers import adam, sgd
from optviz.optimizers import adagrad, rmsprop, adadelta, adamax, nadam, radam, adabelief, lion, signsgd
from optviz.optimizers import gd, newton, cg, bfgs, lbfgs, nelder_mead
from optviz.registry import Registry
from optviz.spec import OptimizerSpec

__all__ = ["names", "get", "all_specs"]

_MODULES = (
    sgd,
    adam,
    adagrad,
    rmsprop,
    adadelta,
    adamax,
    nadam,
    radam,
    adabelief,
    lion,
    signsgd,
    gd,
    newton,
    cg,
    bfgs,
    lbfgs,
    nelder_mead,
)
_REGISTRY = Registry("optimizer", (spec for module in _MODULES for spec in module.SPECS))


def names() -> list[str]:
    """The ids of every optimizer, in display order."""
    return _REGISTRY.names()


def all_specs() -> list[OptimizerSpec]:
    return _REGISTRY.all()


def get(name: str) -> OptimizerSpec:
    """The spec of optimizer ``name``; ``ValueError`` listing the known ids for an unknown one."""
    return _REGISTRY.get(name)
