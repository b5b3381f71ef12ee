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

This module parses; the tree and its compiler are ``template_nodes.py``, the filters
``template_filters.py``, text templates (email, SMS) ``text_templates.py``, and the check of
paths against an event's schema ``template_paths.py``.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import json
import re
from collections.abc import Sequence
from typing import Any

from sendout.domain.template_filters import DATE_DIRECTIVES, FILTERS
from sendout.domain.template_nodes import (
    COMPILED_CACHE_SIZE,
    MAX_DEPTH,
    MAX_RENDERED_BYTES,
    MAX_TEMPLATE_BYTES,
    ArrayNode,
    Const,
    FilterCall,
    Interpolation,
    Node,
    ObjectNode,
    Placeholder,
    Renderer,
    Template,
    TemplateError,
)

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
SEGMENT = re.compile(r"[A-Za-z0-9_\-\[\]]+")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class Parser:
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
        if not path_text or not all(SEGMENT.fullmatch(s) for s in segments):
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
        if not directives <= DATE_DIRECTIVES:
            raise TemplateError(
                f"date supports %{' %'.join(sorted(DATE_DIRECTIVES - {'%'}))}",
                line=line,
                column=column,
            )
    return FilterCall(name, tuple(args))


def parse_template(text: str) -> Template:
    """Parse a template; ``TemplateError`` says what is wrong and where."""
    if len(text.encode()) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"Templates are limited to {MAX_TEMPLATE_BYTES} bytes")
    parser = Parser(text)
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
        if not path or not all(SEGMENT.fullmatch(s) for s in segments):
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
