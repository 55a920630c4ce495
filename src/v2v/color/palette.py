"""Palettes: validated lists of exact hex colours.

A palette is what the style guide allows: every fill and stroke of the output is one of its
colours, exactly. Palettes come from a built-in name (``configs/palettes/NAME.yaml``), a YAML
file, or a list of hex strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from v2v.errors import InputError
from v2v.yaml_files import load_strict

MIN_COLORS = 2
MAX_COLORS = 64
PALETTE_DIR = Path(__file__).resolve().parent.parent / "configs" / "palettes"
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def normalize_hex(value: str) -> str:
    """'#abc123' / 'ABC123' → '#ABC123'. Raises InputError naming the bad value."""
    if not isinstance(value, str):
        raise InputError(f"palette colour {value!r} is not a hex string; use the form #RRGGBB")
    match = _HEX.match(value.strip())
    if not match:
        raise InputError(f"palette colour {value!r} is not valid hex; use the form #RRGGBB")
    return "#" + match.group(1).upper()


def _yaml_hex(value: Any, source: str) -> str:
    """A colour value read from YAML; unquoted ``#RRGGBB`` is a comment and ``000000`` a number,
    so anything but a string is rejected with the quoting fix."""
    if not isinstance(value, str):
        raise InputError(
            f"palette {source}: colour {value!r} is not a string; quote hex colours in YAML, "
            'e.g. - "#1A2B3C"'
        )
    return value


@dataclass(frozen=True)
class Palette:
    """An ordered set of 2–64 distinct colours. ``colors`` are '#RRGGBB' upper-case."""

    colors: tuple[str, ...]
    name: str = "custom"
    names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not (MIN_COLORS <= len(self.colors) <= MAX_COLORS):
            raise InputError(
                f"palette {self.name!r} has {len(self.colors)} colours; "
                f"a palette needs {MIN_COLORS} to {MAX_COLORS} colours"
            )
        normalized = tuple(normalize_hex(c) for c in self.colors)
        seen: dict[str, int] = {}
        for index, color in enumerate(normalized):
            if color in seen:
                raise InputError(
                    f"palette {self.name!r} lists {color} twice (entries {seen[color] + 1} and "
                    f"{index + 1}); remove the duplicate"
                )
            seen[color] = index
        object.__setattr__(self, "colors", normalized)
        if self.names and len(self.names) != len(self.colors):
            raise InputError(
                f"palette {self.name!r}: {len(self.names)} names for {len(self.colors)} colours"
            )

    def __len__(self) -> int:
        return len(self.colors)

    def __contains__(self, color: object) -> bool:
        if not isinstance(color, str):
            return False
        try:
            return normalize_hex(color) in self.colors
        except InputError:
            return False

    @cached_property
    def rgb(self) -> NDArray[np.uint8]:
        """(K, 3) uint8 RGB."""
        return np.array(
            [[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in self.colors], dtype=np.uint8
        )

    @cached_property
    def lab(self) -> NDArray[np.float64]:
        """(K, 3) float64 CIELAB (D65)."""
        from v2v.color.ciede2000 import rgb_to_lab

        return rgb_to_lab(self.rgb)

    def darkest(self) -> str:
        """The colour with the lowest CIELAB lightness (the natural outline colour)."""
        return self.colors[int(np.argmin(self.lab[:, 0]))]

    def index(self, color: str) -> int:
        """Position of ``color`` in the palette. Raises InputError when it is not a member."""
        normalized = normalize_hex(color)
        if normalized not in self.colors:
            raise InputError(
                f"{normalized} is not in the palette {self.name!r}; "
                f"use one of {', '.join(self.colors)}"
            )
        return self.colors.index(normalized)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "colors": list(self.colors)}
        if self.names:
            out["names"] = list(self.names)
        return out

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_hex_list(cls, colors: list[str] | tuple[str, ...], name: str = "custom") -> Palette:
        return cls(tuple(colors), name=name)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Palette:
        path = Path(path)
        try:
            data = load_strict(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot read palette file {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise InputError(f"palette file {path} is not valid YAML: {exc}") from None
        return cls._from_data(data, default_name=path.stem, source=str(path))

    @classmethod
    def _from_data(cls, data: Any, default_name: str, source: str) -> Palette:
        if isinstance(data, list):
            entries, name = data, default_name
        elif isinstance(data, dict) and isinstance(data.get("colors"), list):
            entries, name = data["colors"], str(data.get("name", default_name))
        else:
            raise InputError(
                f"palette {source}: expected a list of hex colours or a mapping with a 'colors' "
                "list"
            )
        colors: list[str] = []
        names: list[str] = []
        for entry in entries:
            if isinstance(entry, dict):
                if "hex" not in entry:
                    raise InputError(f"palette {source}: entry {entry!r} has no 'hex' key")
                unknown = sorted(str(key) for key in entry if key not in ("hex", "name"))
                if unknown:
                    raise InputError(
                        f"palette {source}: entry {entry!r} has unknown keys {unknown}; an entry "
                        "takes 'hex' and 'name' (quote a name that contains a comma)"
                    )
                value = _yaml_hex(entry["hex"], source)
                colors.append(value)
                names.append(str(entry.get("name", value)))
            else:
                colors.append(_yaml_hex(entry, source))
                names.append(colors[-1])
        return cls(tuple(colors), name=name, names=tuple(names))

    @classmethod
    def builtin_names(cls) -> list[str]:
        return sorted(p.stem for p in PALETTE_DIR.glob("*.yaml"))

    @classmethod
    def load(cls, spec: str | Path | list[str] | tuple[str, ...] | Palette | None) -> Palette:
        """A palette from a built-in name, a YAML path, a comma-separated hex list or a list.

        ``None`` gives the built-in ``default`` palette.
        """
        if spec is None:
            spec = "default"
        if isinstance(spec, Palette):
            return spec
        if isinstance(spec, Path):
            return cls.from_yaml(spec)
        if isinstance(spec, list | tuple):
            return cls.from_hex_list(list(spec))
        text = spec.strip()
        builtin = PALETTE_DIR / f"{text}.yaml"
        if re.fullmatch(r"[A-Za-z0-9_-]+", text) and builtin.is_file():
            return cls.from_yaml(builtin)
        if text.endswith((".yaml", ".yml")):
            return cls.from_yaml(text)
        if "," in text or text.startswith("#"):
            return cls.from_hex_list([part for part in text.split(",") if part.strip()])
        known = ", ".join(cls.builtin_names())
        raise InputError(
            f"unknown palette {spec!r}: use a built-in name ({known}), a .yaml file, or "
            "comma-separated hex colours like '#000000,#FFFFFF'"
        )
