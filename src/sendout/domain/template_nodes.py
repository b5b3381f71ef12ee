"""A parsed payload template: its tree, its limits, its error, and the compiler that turns the
tree into closures (``templates.py`` parses; DESIGN.md §6). Rendering builds the Python object
that is then serialized, so the output is valid JSON by construction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sendout.domain.errors import InvalidPayload
from sendout.domain.template_filters import FILTERS, as_text

MAX_TEMPLATE_BYTES = 64 * 1024
MAX_DEPTH = 32
MAX_RENDERED_BYTES = 256 * 1024
COMPILED_CACHE_SIZE = 1024  # distinct templates kept compiled

Renderer = Callable[[Mapping[str, Any]], Any]


class TemplateError(InvalidPayload):
    """Invalid payload template"""

    default_key = "invalid_template"

    def __init__(self, details: str, *, line: int | None = None, column: int | None = None):
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(details=f"{details}{where}")
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class FilterCall:
    name: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Placeholder:
    path: tuple[str, ...]
    filters: tuple[FilterCall, ...]
    line: int
    column: int

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True, slots=True)
class Const:
    value: Any


@dataclass(frozen=True, slots=True)
class Interpolation:
    parts: tuple[str | Placeholder, ...]


@dataclass(frozen=True, slots=True)
class ObjectNode:
    #: (key path, value); a dotted key is already split into its path
    members: tuple[tuple[tuple[str, ...], Node, int, int], ...]


@dataclass(frozen=True, slots=True)
class ArrayNode:
    items: tuple[Node, ...]


Node = Const | Placeholder | Interpolation | ObjectNode | ArrayNode


@dataclass(frozen=True, slots=True)
class Template:
    root: Node
    placeholders: tuple[Placeholder, ...]

    def compile(self) -> Renderer:
        return compile_node(self.root)


# --- compiling -----------------------------------------------------------------------------


def _resolver(path: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Any]:
    """A function reading ``path`` from the data: dict keys, and list indexes for numeric
    segments; anything missing or of the wrong kind reads as ``None``. Specialized by shape
    because it runs for every placeholder of every send-out."""
    if not any(segment.isdigit() for segment in path):
        if len(path) == 1:
            (first,) = path
            return lambda data: data.get(first)
        if len(path) == 2:
            first, second = path

            def two(data: Mapping[str, Any]) -> Any:
                value = data.get(first)
                return value.get(second) if value.__class__ is dict else None

            return two

    indexes = tuple(int(p) if p.isdigit() else None for p in path)

    def resolve(data: Mapping[str, Any]) -> Any:
        current: Any = data
        for segment, index in zip(path, indexes, strict=True):
            if isinstance(current, dict):
                current = current.get(segment)
            elif isinstance(current, list) and index is not None:
                current = current[index] if index < len(current) else None
            else:
                return None
            if current is None:
                return None
        return current

    return resolve


def compile_placeholder(placeholder: Placeholder) -> Renderer:
    resolve = _resolver(placeholder.path)
    if not placeholder.filters:
        return resolve
    steps = [(FILTERS[f.name].function, f.args) for f in placeholder.filters]

    def render(data: Mapping[str, Any]) -> Any:
        value = resolve(data)
        for function, args in steps:
            value = function(value, *args)
        return value

    return render


def compile_node(node: Node) -> Renderer:
    if isinstance(node, Const):
        value = node.value
        return lambda data: value
    if isinstance(node, Placeholder):
        return compile_placeholder(node)
    if isinstance(node, Interpolation):
        return _compile_interpolation(node)
    if isinstance(node, ArrayNode):
        items = [compile_node(item) for item in node.items]
        return lambda data: [render(data) for render in items]
    return _compile_object(node)


def _compile_interpolation(node: Interpolation) -> Renderer:
    parts = node.parts
    if len(parts) <= 3 and sum(isinstance(p, Placeholder) for p in parts) == 1:
        # The common "text {{x}} text" shape, without a join.
        index = next(i for i, p in enumerate(parts) if isinstance(p, Placeholder))
        before = "".join(p for p in parts[:index] if isinstance(p, str))
        after = "".join(p for p in parts[index + 1 :] if isinstance(p, str))
        placeholder = parts[index]
        assert isinstance(placeholder, Placeholder)
        value_of = compile_placeholder(placeholder)

        def one(data: Mapping[str, Any]) -> str:
            value = value_of(data)
            return before + (value if value.__class__ is str else as_text(value)) + after

        return one
    compiled = [
        (None, part) if isinstance(part, str) else (compile_placeholder(part), "") for part in parts
    ]

    def interpolate(data: Mapping[str, Any]) -> str:
        return "".join(
            text if render is None else as_text(render(data)) for render, text in compiled
        )

    return interpolate


def _compile_object(node: ObjectNode) -> Renderer:
    # Group dotted keys into a nested layout once, at compile time.
    layout: dict[str, Any] = {}
    for path, value, _line, _column in node.members:
        target = layout
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = compile_node(value)

    def build(shape: dict[str, Any]) -> Renderer:
        fields = [(k, build(v) if isinstance(v, dict) else v) for k, v in shape.items()]
        return lambda data: {key: render(data) for key, render in fields}

    return build(layout)
