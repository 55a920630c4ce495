"""A tiny registry: backends register under a name; the config picks one by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from v2v.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps backend names to classes for one pipeline phase."""

    def __init__(self, phase: str) -> None:
        self.phase = phase
        self._items: dict[str, type[T]] = {}

    def register(self, name: str) -> Callable[[type[T]], type[T]]:
        def decorator(cls: type[T]) -> type[T]:
            if name in self._items:
                raise ValueError(f"{self.phase} backend {name!r} is registered twice")
            self._items[name] = cls
            return cls

        return decorator

    def get(self, name: str) -> type[T]:
        try:
            return self._items[name]
        except KeyError:
            allowed = ", ".join(sorted(self._items)) or "(none)"
            raise ConfigError(
                f"{self.phase}.backend: unknown backend {name!r}; allowed: {allowed}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def describe(self) -> dict[str, str]:
        """Name → first line of the backend's docstring."""
        return {
            name: (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
            for name, cls in sorted(self._items.items())
        }
