"""Checking a template's paths against an event's schema: what a template may read, and a
message naming the nearest valid key when it reads something else."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sendout.domain.template_nodes import Placeholder, Template, TemplateError


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
