"""Filling manifest templates: placeholders are replaced in parsed values, never in raw text."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def map_strings(node: Any, change: Callable[[str], str]) -> Any:
    """Return a copy of a JSON/YAML tree with every string passed through ``change``."""
    if isinstance(node, str):
        return change(node)
    if isinstance(node, Mapping):
        return {key: map_strings(value, change) for key, value in node.items()}
    if isinstance(node, list):
        return [map_strings(item, change) for item in node]
    return node
