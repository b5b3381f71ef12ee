"""Text templates: an email subject or body, an SMS; any text with ``{{ path | filter }}``
placeholders, escaped for HTML where asked, with the images (``| qr``, ``| barcode``) an HTML
body draws."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping
from typing import Any

from sendout.domain.template_filters import InlineImage, as_text
from sendout.domain.template_nodes import (
    COMPILED_CACHE_SIZE,
    MAX_TEMPLATE_BYTES,
    Const,
    Interpolation,
    Node,
    Placeholder,
    Template,
    TemplateError,
    compile_placeholder,
)
from sendout.domain.templates import Parser


def parse_text_template(text: str) -> Template:
    """A text template (an email subject or body, an SMS): any text, with placeholders."""
    if len(text.encode()) > MAX_TEMPLATE_BYTES:
        raise TemplateError(f"Templates are limited to {MAX_TEMPLATE_BYTES} bytes")
    parser = Parser(text)
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
    return html.escape(as_text(value))


@functools.lru_cache(maxsize=COMPILED_CACHE_SIZE)
def compiled_text(text: str, *, html: bool = False) -> Callable[[Mapping[str, Any]], str]:
    """The renderer of a text template; ``html``: each value escaped (and images drawn)."""
    root = parse_text_template(text).root
    show = _as_html if html else as_text
    if isinstance(root, Const):
        constant = str(root.value)
        return lambda data: constant
    assert isinstance(root, Interpolation)
    compiled = [
        (None, part) if isinstance(part, str) else (compile_placeholder(part), "")
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
            value = compile_placeholder(placeholder)(data)
            seen = {(i.kind, i.data) for i in found}
            if isinstance(value, InlineImage) and (value.kind, value.data) not in seen:
                found.append(value)
    return found
