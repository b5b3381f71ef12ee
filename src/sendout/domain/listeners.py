"""Which distributions an event fires: its type, its trigger parameters, its conditions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sendout.domain.conditions import holds
from sendout.domain.distributions import Distribution, Trigger
from sendout.domain.event_catalogue import MANUAL, PARAMETER_PATHS, TriggerParameter


def _read(data: Mapping[str, Any], dotted: str) -> Any:
    current: Any = data
    for part in dotted.split("."):
        if current.__class__ is dict or isinstance(current, Mapping):  # dict: no ABC check
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def matches(trigger: Trigger, event_type: str, data: Mapping[str, Any]) -> bool:
    """Whether an event fires a trigger: its type, its parameters, its conditions.

    Conditions are ``{"dotted.path": value}`` pairs the event's data must hold, all of them.
    """
    if trigger.event != event_type:
        return False
    if trigger.event == MANUAL:
        return False  # a manual event fires only the distribution it names (see dispatcher)
    for name, expected in trigger.parameters.items():
        paths = PARAMETER_PATHS[TriggerParameter(name)]
        if not any(_read(data, path) == expected for path in paths):
            return False
    return all(holds(_read(data, path), value) for path, value in trigger.conditions.items())


class Listeners:
    """The distributions listening to one event type, and which of them an event fires.

    ``matches`` decides, but only for the distributions whose first trigger parameter is a
    value the event holds: they are looked up by that value, so an event costs about the same
    whether one distribution listens or a hundred (custom events: one per event name).
    """

    def __init__(self, distributions: Sequence[Distribution]) -> None:
        self.distributions = tuple(distributions)
        #: (parameter, expected value) -> positions of the distributions that require it
        self._keyed: dict[tuple[str, str], list[int]] = {}
        self._paths: dict[str, tuple[str, ...]] = {}
        self._unkeyed: list[int] = []  # no parameter we can look up: ``matches`` sees them all
        for n, distribution in enumerate(self.distributions):
            parameters = distribution.trigger.parameters
            name = next(iter(parameters), None)
            if name not in _PARAMETER_NAMES or not isinstance(parameters[name], str):
                self._unkeyed.append(n)
                continue
            self._paths[name] = PARAMETER_PATHS[TriggerParameter(name)]
            self._keyed.setdefault((name, parameters[name]), []).append(n)

    def without(self, distribution_id: str) -> Listeners:
        return Listeners([d for d in self.distributions if d.id != distribution_id])

    def fired_by(self, event_type: str, data: Mapping[str, Any]) -> list[Distribution]:
        """The distributions the event fires, in their order."""
        found = set(self._unkeyed)
        for name, paths in self._paths.items():
            for path in paths:
                value = _read(data, path)
                if isinstance(value, str):  # the parameters' values are strings
                    found.update(self._keyed.get((name, value), ()))
        candidates = (self.distributions[n] for n in sorted(found))
        return [d for d in candidates if matches(d.trigger, event_type, data)]


_PARAMETER_NAMES = frozenset(parameter.value for parameter in TriggerParameter)
