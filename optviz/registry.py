"""The one small implementation behind the registries of optimizers, surfaces, schedules and
lessons: items by their ``name``, in display order, and a lookup whose error lists the known
names.

>>> from optviz.registry import Registry
>>> colours = Registry("colour", [type("C", (), {"name": n})() for n in ("red", "blue")])
>>> colours.names()
['red', 'blue']
>>> colours.get("green")
Traceback (most recent call last):
    ...
ValueError: unknown colour 'green'; known: red, blue
"""
from __future__ import annotations

from typing import Generic, Iterable, TypeVar

T = TypeVar("T")

__all__ = ["Registry"]


class Registry(Generic[T]):
    """``items`` by their ``name`` attribute, in the order given; ``kind`` names them in errors."""

    def __init__(self, kind: str, items: Iterable[T]):
        self.kind = kind
        self._items: dict[str, T] = {}
        for item in items:
            if item.name in self._items:
                raise ValueError(f"two {kind}s are called {item.name!r}")
            self._items[item.name] = item

    def names(self) -> list[str]:
        """The ids, in display order."""
        return list(self._items)

    def all(self) -> list[T]:
        return list(self._items.values())

    def get(self, name: str) -> T:
        """The item called ``name``; ``ValueError`` listing the known names for an unknown one."""
        try:
            return self._items[name]
        except (KeyError, TypeError):
            raise ValueError(f"unknown {self.kind} {name!r}; known: {', '.join(self._items)}") from None
