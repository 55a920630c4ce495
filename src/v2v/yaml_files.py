"""Users' YAML files (configs, palettes) read strictly: a key written twice in one mapping is an
error that names the key and both lines, not a silent "the last one wins" (PyYAML's default),
which would quietly drop a setting the user believes is in force."""

from __future__ import annotations

from typing import Any

import yaml


class DuplicateKeyError(yaml.YAMLError):
    """A mapping holds the same key twice."""


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys in any mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
                seen[key] = line
            except TypeError:  # an unhashable key: construct_mapping names it below
                continue
            if first is not None:
                raise DuplicateKeyError(
                    f"the key {key!r} appears twice in one section (lines {first} and {line}); "
                    "keep one of them"
                )
        return super().construct_mapping(node, deep=deep)


def load_strict(text: str) -> Any:
    """``yaml.safe_load`` that raises ``DuplicateKeyError`` (a ``yaml.YAMLError``) on a key
    written twice in one mapping."""
    return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no Python objects
