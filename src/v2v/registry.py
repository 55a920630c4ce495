"""Registries: each phase's backends register under the name they declare; the config picks one.

A backend class declares, beside itself, everything the rest of the product needs to know:
``name`` (the value of ``phaseN.backend``), ``params`` (its strict pydantic parameter model, the
``phaseN`` section) and ``requirements`` (Python packages, model folders, GPU). The config's
accepted values, ``v2v backends``, the API's catalog and capabilities and the availability
checks all read them from the registries (``v2v.stages.backends``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import InitErrorDetails, PydanticCustomError

from v2v.config_sections import BackendParams, ModelsConfig
from v2v.errors import ConfigError


@dataclass(frozen=True)
class Requirements:
    """What a backend needs to run. ``packages``: Python modules it imports when it is built
    (from the ``extra`` of the distribution); ``models``: folders of the model directory it
    loads (``v2v.models.layout``); ``gpu``: it is meant for a CUDA GPU."""

    packages: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    gpu: bool = False
    extra: str = "gpu"


class Backend:
    """Base of every backend class. Subclasses set the three class attributes and take
    ``(params, models)`` when they are built (``Registry.create``)."""

    name: ClassVar[str]
    params: ClassVar[type[BackendParams]]
    requirements: ClassVar[Requirements] = Requirements()

    def __init__(self, params: BackendParams, models: ModelsConfig | None = None) -> None:
        """Subclasses take their own ``params`` class; ``models`` is the model runtime section."""

    @classmethod
    def summary(cls) -> str:
        """The first line of the class docstring: what the backend does, in one line."""
        lines = (cls.__doc__ or "").strip().splitlines()
        return lines[0] if lines else ""


B = TypeVar("B", bound=Backend)


class Registry(Generic[B]):
    """Backend classes of one pipeline phase (``phase``: ``phase1`` … ``phase4``), by name.

    ``default`` is the backend of a config section that names none. ``loader`` imports the
    built-in backends so that they register (called before every lookup; imports are cached).
    """

    def __init__(self, phase: str, default: str, loader: Callable[[], None]) -> None:
        self.phase = phase
        self.default = default
        self._loader = loader
        self._items: dict[str, type[B]] = {}

    def register(self, cls: type[B]) -> type[B]:
        """Class decorator: add ``cls`` under ``cls.name``."""
        if cls.name in self._items:
            raise ValueError(f"{self.phase} backend {cls.name!r} is registered twice")
        backend = cls.params.model_fields["backend"].default
        if backend != cls.name:
            raise ValueError(
                f"{cls.__name__}.params.backend defaults to {backend!r}, not its name "
                f"{cls.name!r}: declare backend: Literal[{cls.name!r}] = {cls.name!r}"
            )
        self._items[cls.name] = cls
        return cls

    def unregister(self, name: str) -> None:
        """Remove a backend (tests that register their own take it out again)."""
        del self._items[name]

    def get(self, name: str) -> type[B]:
        self._loader()
        try:
            return self._items[name]
        except KeyError:
            raise ConfigError(
                f"{self.phase}.backend: unknown backend {name!r}; allowed: {self._allowed()}"
            ) from None

    def names(self) -> list[str]:
        self._loader()
        return sorted(self._items)

    def __iter__(self) -> Iterator[type[B]]:
        """The backend classes, by name."""
        self._loader()
        return iter([self._items[name] for name in sorted(self._items)])

    def create(self, params: BackendParams, models: ModelsConfig) -> B:
        """Build the backend ``params.backend`` names with its parameters and the model runtime
        section (directory, device, precision; backends without models ignore it)."""
        cls = self.get(params.backend)
        if not isinstance(params, cls.params):
            raise ConfigError(
                f"{self.phase}: the parameters of backend {params.backend!r} must be a "
                f"{cls.params.__name__}, got a {type(params).__name__}"
            )
        return cls(params, models)

    def _allowed(self) -> str:
        return ", ".join(sorted(self._items)) or "(none)"

    # -- the config section ---------------------------------------------------------------------

    def validator(self) -> WrapValidator:
        """Pydantic validation of a ``phaseN`` section: the ``backend`` key (default
        ``self.default``) picks the registered backend whose ``params`` model validates the
        rest, so every registered backend, built-in or not, is an accepted value."""
        return WrapValidator(self._validate_section)

    def _validate_section(self, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, BackendParams):
            if isinstance(value, self.get(value.backend).params):
                return value
            value = value.model_dump()
        if not isinstance(value, dict):
            return handler(value)  # the base model's own error for a non-mapping
        name = value.get("backend", self.default)
        self._loader()
        cls = self._items.get(name) if isinstance(name, str) else None
        if cls is None:
            message = f"unknown backend; allowed: {self._allowed()}".replace("{", "{{")
            error = PydanticCustomError("unknown_backend", message.replace("}", "}}"))
            details = InitErrorDetails(type=error, loc=("backend",), input=name)
            raise ValidationError.from_exception_data(self.phase, [details])
        params: BaseModel = cls.params.model_validate(value)
        return params
