"""The payload designer: JSON templates with ``{{ path | filter }}`` placeholders (DESIGN.md §6).

A template is JSON text in which a placeholder may stand as a whole value (``"total":
{{order.total_amount}}``: the value's JSON goes in, a number stays a number) or inside a string
(``"Hello {{customer.name}}"``: text goes in, escaped when the result is serialized). A key with
dots builds nested objects (``{"order.status": ...}`` → ``{"order": {"status": ...}}``).

Why a parser of our own: the template is not JSON until rendered (a whole-value placeholder is
not a JSON token), positions must be reported by line and column, and every path must be
checked against the event's schema before the template is saved. Text template engines
(jinja2, liquid) can produce invalid JSON and render far slower (reference/stack-bench.md).
Here the template is parsed once into a tree, compiled into closures, and each render builds
the Python object that is then serialized: valid JSON by construction, no user code run.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import hashlib
import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sendout.domain.errors import InvalidPayload

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


# --- filters -------------------------------------------------------------------------------

_DATE_DIRECTIVES = set("YmdHMSybBaAjpI%")


def _text(value: Any) -> str:
    """How a value reads inside a string: JSON for numbers, booleans and structures."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value.__class__ is int:  # what json.dumps writes, without its machinery
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _default(value: Any, fallback: Any = "") -> Any:
    return fallback if value is None or value == "" else value


def _money(value: Any) -> Any:
    """Minor units to a decimal string: 1999 → "19.99" (exact, no float)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    sign = "-" if value < 0 else ""
    units, cents = divmod(abs(value), 100)
    return f"{sign}{units}.{cents:02d}"


def _date(value: Any, fmt: str = "%Y-%m-%d") -> Any:
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime(fmt)


def _length(value: Any) -> Any:
    return len(value) if isinstance(value, str | list | dict) else 0


def _join(value: Any, separator: str = ", ") -> Any:
    if not isinstance(value, list):
        return value
    return separator.join(_text(item) for item in value)


def _truncate(value: Any, size: int = 50) -> Any:
    text = _text(value) if value is not None else None
    if text is None or len(text) <= size:
        return text
    return text[: max(0, size - 3)] + "..."


def _case(method: str) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        return getattr(value, method)() if isinstance(value, str) else value

    return apply


@dataclass(frozen=True, slots=True)
class FilterSpec:
    function: Callable[..., Any]
    #: accepted argument types, in order; fewer may be given
    args: tuple[type, ...] = ()


class InlineImage(str):
    """A code drawn as an image (``| qr``, ``| barcode``): in an HTML email, an ``<img>`` of
    an attached picture the email adapter draws; anywhere else (text, JSON) the code itself,
    which is why it is a ``str``."""

    kind: str

    def __new__(cls, kind: str, data: str) -> InlineImage:
        image = super().__new__(cls, data)
        image.kind = kind
        return image

    @property
    def data(self) -> str:
        return str.__str__(self)

    @property
    def cid(self) -> str:
        digest = hashlib.sha256(f"{self.kind}:{self.data}".encode()).hexdigest()[:24]
        return f"{self.kind}-{digest}@sendout"


def _image(kind: str) -> Callable[[Any], Any]:
    def draw(value: Any) -> Any:
        return None if value is None or value == "" else InlineImage(kind, _text(value))

    return draw


FILTERS: dict[str, FilterSpec] = {
    "default": FilterSpec(_default, (object,)),
    "upper": FilterSpec(_case("upper")),
    "lower": FilterSpec(_case("lower")),
    "trim": FilterSpec(_case("strip")),
    "money": FilterSpec(_money),
    "date": FilterSpec(_date, (str,)),
    "json": FilterSpec(_text),
    "length": FilterSpec(_length),
    "join": FilterSpec(_join, (str,)),
    "truncate": FilterSpec(_truncate, (int,)),
    "qr": FilterSpec(_image("qr")),
    "barcode": FilterSpec(_image("barcode")),
}


# --- the tree ------------------------------------------------------------------------------


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
        return _compile(self.root)


# --- parsing -------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_SEGMENT = re.compile(r"[A-Za-z0-9_\-\[\]]+")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.placeholders: list[Placeholder] = []

    def where(self, pos: int | None = None) -> tuple[int, int]:
        pos = self.pos if pos is None else pos
        line = bisect.bisect_right(self.line_starts, pos)
        return line, pos - self.line_starts[line - 1] + 1

    def fail(self, message: str, pos: int | None = None) -> TemplateError:
        line, column = self.where(pos)
        return TemplateError(message, line=line, column=column)

    def skip_space(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        self.pos = pos

    def expect(self, char: str) -> None:
        self.skip_space()
        if not self.text.startswith(char, self.pos):
            found = self.text[self.pos : self.pos + 1] or "the end"
            raise self.fail(f"Expected {char!r}, found {found!r}")
        self.pos += len(char)

    def value(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"Nested deeper than {MAX_DEPTH} levels")
        self.skip_space()
        text, pos = self.text, self.pos
        if text.startswith("{{", pos):
            return self.placeholder()
        char = text[pos : pos + 1]
        if char == "{":
            return self.object(depth)
        if char == "[":
            return self.array(depth)
        if char == '"':
            return self.string()
        for word, constant in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, pos):
                self.pos += len(word)
                return Const(constant)
        number = _NUMBER.match(text, pos)
        if number:
            self.pos = number.end()
            literal = number.group()
            return Const(float(literal) if any(c in literal for c in ".eE") else int(literal))
        raise self.fail(f"Unexpected {char!r}" if char else "Unexpected end of template")

    def object(self, depth: int) -> ObjectNode:
        self.pos += 1
        members: list[tuple[tuple[str, ...], Node, int, int]] = []
        self.skip_space()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return ObjectNode(())
        while True:
            self.skip_space()
            line, column = self.where()
            if not self.text.startswith('"', self.pos):
                raise self.fail("Expected a quoted key")
            key = self.string()
            if not isinstance(key, Const):
                raise self.fail(
                    "A key cannot hold a placeholder", self.line_starts[line - 1] + column - 1
                )
            path = tuple(str(key.value).split("."))
            if any(part == "" for part in path):
                raise self.fail(
                    f"Empty part in key {key.value!r}", self.line_starts[line - 1] + column - 1
                )
            self.expect(":")
            members.append((path, self.value(depth + 1), line, column))
            self.skip_space()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("}")
            return ObjectNode(tuple(members))

    def array(self, depth: int) -> ArrayNode:
        self.pos += 1
        items: list[Node] = []
        self.skip_space()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return ArrayNode(())
        while True:
            items.append(self.value(depth + 1))
            self.skip_space()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("]")
            return ArrayNode(tuple(items))

    def string(self) -> Const | Interpolation:
        start = self.pos
        self.pos += 1
        text = self.text
        parts: list[str | Placeholder] = []
        chunk: list[str] = []
        while True:
            if self.pos >= len(text):
                raise self.fail("Unterminated string", start)
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                break
            if char == "\\":
                escape = text[self.pos + 1 : self.pos + 2]
                if escape == "u":
                    digits = text[self.pos + 2 : self.pos + 6]
                    if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
                        raise self.fail("Bad \\u escape")
                    chunk.append(chr(int(digits, 16)))
                    self.pos += 6
                    continue
                if escape not in _ESCAPES:
                    raise self.fail(f"Bad escape \\{escape}")
                chunk.append(_ESCAPES[escape])
                self.pos += 2
                continue
            if char == "\n":
                raise self.fail("Line break inside a string (use \\n)")
            if text.startswith("{{", self.pos):
                if chunk:
                    parts.append("".join(chunk))
                    chunk = []
                parts.append(self.placeholder())
                continue
            chunk.append(char)
            self.pos += 1
        if chunk:
            parts.append("".join(chunk))
        if not any(isinstance(p, Placeholder) for p in parts):
            return Const("".join(p for p in parts if isinstance(p, str)))
        return Interpolation(tuple(parts))

    def placeholder(self) -> Placeholder:
        start = self.pos
        end = self.text.find("}}", start + 2)
        if end < 0:
            raise self.fail("Unclosed {{", start)
        inner = self.text[start + 2 : end]
        self.pos = end + 2
        line, column = self.where(start)
        pieces = _split_filters(inner)
        path_text = pieces[0].strip()
        segments = tuple(path_text.split("."))
        if not path_text or not all(_SEGMENT.fullmatch(s) for s in segments):
            raise TemplateError(f"Bad key {path_text!r} in placeholder", line=line, column=column)
        filters = tuple(_parse_filter(p, line, column) for p in pieces[1:])
        placeholder = Placeholder(segments, filters, line, column)
        self.placeholders.append(placeholder)
        return placeholder


def _split_filters(inner: str) -> list[str]:
    """Split on ``|`` outside quotes."""
    pieces: list[str] = []
    current: list[str] = []
    quote = False
    for char in inner:
        if char == '"':
            quote = not quote
        if char == "|" and not quote:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def _parse_filter(text: str, line: int, column: int) -> FilterCall:
    name, _, raw_args = text.partition(":")
    name = name.strip()
    spec = FILTERS.get(name)
    if spec is None:
        near = difflib.get_close_matches(name, FILTERS, n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else f"; filters: {', '.join(FILTERS)}"
        raise TemplateError(f"Unknown filter {name!r}{hint}", line=line, column=column)
    args: list[Any] = []
    if raw_args.strip():
        try:
            args = list(json.loads(f"[{raw_args}]"))
        except ValueError:
            raise TemplateError(
                f"Arguments of {name} must be quoted strings or numbers", line=line, column=column
            ) from None
    if len(args) > len(spec.args) or any(
        not isinstance(arg, kind) or isinstance(arg, bool)
        for arg, kind in zip(args, spec.args, strict=False)
    ):
        raise TemplateError(f"Wrong arguments for filter {name}", line=line, column=column)
    if name == "date" and args:
        directives = set(re.findall(r"%(.)", args[0]))
        if not directives <= _DATE_DIRECTIVES:
            raise TemplateError(
                f"date supports %{' %'.join(sorted(_DATE_DIRECTIVES - {'%'}))}",
                line=line,
                column=column,
            )
    return FilterCall(name, tuple(args))


def parse_template(text: str) -> Template:
    """Parse a template; ``TemplateError`` says what is wrong and where."""
    if len(text.encode()) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"Templates are limited to {MAX_TEMPLATE_BYTES} bytes")
    parser = _Parser(text)
    root = parser.value(0)
    parser.skip_space()
    if parser.pos != len(text):
        raise parser.fail("Unexpected text after the payload")
    _check_keys(root)
    return Template(root, tuple(parser.placeholders))


@functools.lru_cache(maxsize=COMPILED_CACHE_SIZE)
def compiled_template(text: str) -> Renderer:
    """The renderer of a template text, compiled once and kept: send-outs of one channel
    share it."""
    return parse_template(text).compile()


@functools.lru_cache(maxsize=COMPILED_CACHE_SIZE)
def compiled_attributes(attributes: tuple[tuple[str, str | None], ...]) -> Renderer:
    return template_from_attributes(attributes).compile()


def parse_text_template(text: str) -> Template:
    """A text template (an email subject or body, an SMS): any text, with placeholders."""
    if len(text.encode()) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"Templates are limited to {MAX_TEMPLATE_BYTES} bytes")
    parser = _Parser(text)
    parts: list[str | Placeholder] = []
    while True:
        start = text.find("{{", parser.pos)
        if start < 0:
            parts.append(text[parser.pos :])
            break
        parts.append(text[parser.pos : start])
        parser.pos = start
        parts.append(parser.placeholder())
    kept = tuple(p for p in parts if p != "")
    root: Node = Interpolation(kept) if parser.placeholders else Const(text)
    return Template(root, tuple(parser.placeholders))


def _as_html(value: Any) -> str:
    if isinstance(value, InlineImage):
        return f'<img src="cid:{value.cid}" alt="{html.escape(value.data)}">'
    return html.escape(_text(value))


@functools.lru_cache(maxsize=COMPILED_CACHE_SIZE)
def compiled_text(text: str, *, html: bool = False) -> Callable[[Mapping[str, Any]], str]:
    """The renderer of a text template; ``html``: each value escaped (and images drawn)."""
    root = parse_text_template(text).root
    show = _as_html if html else _text
    if isinstance(root, Const):
        constant = str(root.value)
        return lambda data: constant
    assert isinstance(root, Interpolation)
    compiled = [
        (None, part) if isinstance(part, str) else (_compile_placeholder(part), "")
        for part in root.parts
    ]

    def render(data: Mapping[str, Any]) -> str:
        return "".join(part if value is None else show(value(data)) for value, part in compiled)

    return render


def images_of(text: str, data: Mapping[str, Any]) -> list[InlineImage]:
    """The images an HTML text template draws for ``data``, in order, each once."""
    found: list[InlineImage] = []
    for placeholder in parse_text_template(text).placeholders:
        if any(f.name in ("qr", "barcode") for f in placeholder.filters):
            value = _compile_placeholder(placeholder)(data)
            seen = {(i.kind, i.data) for i in found}
            if isinstance(value, InlineImage) and (value.kind, value.data) not in seen:
                found.append(value)
    return found


def check_rendered_size(body: bytes) -> None:
    if len(body) > MAX_RENDERED_BYTES:
        raise TemplateError(
            f"The rendered payload is {len(body)} bytes; the limit is {MAX_RENDERED_BYTES}"
        )


def template_from_attributes(attributes: Sequence[tuple[str, str | None]]) -> Template:
    """The attribute selection ("select the attributes; optionally map them to your own
    keys") as the template it stands for: ``{"<key or path>": {{path}}, ...}``."""
    members = []
    placeholders = []
    for n, (path, key) in enumerate(attributes, start=1):
        segments = tuple(path.split("."))
        if not path or not all(_SEGMENT.fullmatch(s) for s in segments):
            raise TemplateError(f"Bad attribute path {path!r}", line=n, column=1)
        placeholder = Placeholder(segments, (), n, 1)
        placeholders.append(placeholder)
        target = tuple((key or path).split("."))
        if any(part == "" for part in target):
            raise TemplateError(f"Bad attribute key {key!r}", line=n, column=1)
        members.append((target, placeholder, n, 1))
    root = ObjectNode(tuple(members))
    _check_keys(root)
    return Template(root, tuple(placeholders))


def _check_keys(node: Node) -> None:
    """Dotted keys must not collide: ``a`` set as a value and ``a.b`` as an object."""
    if isinstance(node, ArrayNode):
        for item in node.items:
            _check_keys(item)
        return
    if not isinstance(node, ObjectNode):
        return
    leaves: dict[tuple[str, ...], tuple[int, int]] = {}
    for path, value, line, column in node.members:
        for size in range(1, len(path) + 1):
            prefix = path[:size]
            if prefix in leaves and (size < len(path) or prefix == path):
                raise TemplateError(
                    f"Key {'.'.join(path)!r} collides with {'.'.join(prefix)!r}",
                    line=line,
                    column=column,
                )
        if any(other[: len(path)] == path for other in leaves):
            raise TemplateError(f"Key {'.'.join(path)!r} collides", line=line, column=column)
        leaves[path] = (line, column)
        _check_keys(value)


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


def _compile_placeholder(placeholder: Placeholder) -> Renderer:
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


def _compile(node: Node) -> Renderer:
    if isinstance(node, Const):
        value = node.value
        return lambda data: value
    if isinstance(node, Placeholder):
        return _compile_placeholder(node)
    if isinstance(node, Interpolation):
        return _compile_interpolation(node)
    if isinstance(node, ArrayNode):
        items = [_compile(item) for item in node.items]
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
        value_of = _compile_placeholder(placeholder)

        def one(data: Mapping[str, Any]) -> str:
            value = value_of(data)
            return before + (value if value.__class__ is str else _text(value)) + after

        return one
    compiled = [
        (None, part) if isinstance(part, str) else (_compile_placeholder(part), "")
        for part in parts
    ]

    def interpolate(data: Mapping[str, Any]) -> str:
        return "".join(text if render is None else _text(render(data)) for render, text in compiled)

    return interpolate


def _compile_object(node: ObjectNode) -> Renderer:
    # Group dotted keys into a nested layout once, at compile time.
    layout: dict[str, Any] = {}
    for path, value, _line, _column in node.members:
        target = layout
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = _compile(value)

    def build(shape: dict[str, Any]) -> Renderer:
        fields = [(k, build(v) if isinstance(v, dict) else v) for k, v in shape.items()]
        return lambda data: {key: render(data) for key, render in fields}

    return build(layout)


# --- checking paths against an event's schema ---------------------------------------------


@dataclass(frozen=True, slots=True)
class PathSchema:
    """What a template may read: top-level objects, their keys, keys of their object keys."""

    objects: Mapping[str, Sequence[str]]
    nested: Mapping[str, Mapping[str, Sequence[str]]]

    def suggestions(self, wrong: str, among: Sequence[str]) -> str:
        near = difflib.get_close_matches(wrong, among, n=3, cutoff=0.5)
        return f"; nearest valid keys: {', '.join(near)}" if near else ""

    def check(self, placeholder: Placeholder) -> None:
        problem = self.problem(placeholder.path)
        if problem is not None:
            raise TemplateError(problem, line=placeholder.line, column=placeholder.column)

    def problem(self, path: Sequence[str]) -> str | None:
        """Why ``path`` cannot be read from this event's data, or None when it can."""
        dotted_path = ".".join(path)
        head = path[0]
        if head not in self.objects:
            valid = sorted(self.objects)
            return f"Unknown key {dotted_path!r}: no {head!r} in this event" + self.suggestions(
                head, valid
            )
        keys = self.objects[head]
        if len(path) < 2 or not keys:
            return None
        key = path[1]
        if key not in keys:
            dotted = [f"{head}.{k}" for k in keys]
            return f"Unknown key {dotted_path!r}" + self.suggestions(f"{head}.{key}", dotted)
        if len(path) < 3 or key == "metadata":
            return None
        nested = self.nested.get(head, {})
        deeper = nested.get(key)
        if deeper is not None:
            if path[2] not in deeper:
                dotted = [f"{head}.{key}.{k}" for k in deeper]
                return f"Unknown key {dotted_path!r}" + self.suggestions(".".join(path[:3]), dotted)
            return None
        items = nested.get(f"{key}[]")
        if items is not None:
            if not path[2].isdigit():
                return f"{head}.{key} is a list: use an index, e.g. {head}.{key}.0"
            if len(path) > 3 and path[3] not in items:
                dotted = [f"{head}.{key}.{path[2]}.{k}" for k in items]
                return f"Unknown key {dotted_path!r}" + self.suggestions(".".join(path[:4]), dotted)
        return None

    def check_template(self, template: Template) -> None:
        for placeholder in template.placeholders:
            self.check(placeholder)
