"""Benchmark: microseconds per render of the seed's two payload examples.

Each render is what a send-out needs: template + event data → JSON bytes. Sendout's compiled
template (then orjson) runs next to a jinja2 sandboxed template producing the same JSON text
(with a JSON-escaping finalizer), in interleaved rounds of the same run so drift in this
machine's speed hits both alike. Both outputs are checked to be equal JSON first.

    .venv/bin/python bench/render.py [--renders 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import orjson
from jinja2.sandbox import SandboxedEnvironment

from sendout.domain.templates import parse_template

CUSTOMER_SUMMARY = """{
  "customer_profile": {
    "ID": "{{customer.id}}",
    "name": "{{customer.name}}",
    "email": "{{customer.email}}"
  }
}"""
ORDER_CONFIRMATION = """{
  "order": {
    "orderId": "{{order.id}}",
    "total": {{order.total_amount}},
    "currency": "USD",
    "message": "Thank you for your order, {{customer.name}}!"
  }
}"""
# The same documents for jinja2: strings are emitted through |tojson (JSON-escaped, quoted).
JINJA_CUSTOMER_SUMMARY = """{"customer_profile": {"ID": {{ customer.id|tojson }}, \
"name": {{ customer.name|tojson }}, "email": {{ customer.email|tojson }}}}"""
JINJA_ORDER_CONFIRMATION = """{"order": {"orderId": {{ order.id|tojson }}, \
"total": {{ order.total_amount|tojson }}, "currency": "USD", \
"message": {{ ("Thank you for your order, " ~ customer.name ~ "!")|tojson }}}}"""

DATA: dict[str, Any] = {
    "customer": {
        "id": "cust_Vzck5i8U3OhcEUFY6MKhN9Rv",
        "name": 'John "Johnny" Smith',
        "email": "john.smith@example.com",
        "source_id": "john",
        "metadata": {"tier": "gold"},
        "object": "customer",
    },
    "order": {"id": "ord_0a41f2", "total_amount": 12050, "status": "PAID", "object": "order"},
}


def time_per_call(render: Callable[[], bytes], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        render()
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    env = SandboxedEnvironment(autoescape=False)
    cases = []
    for name, ours, theirs in (
        ("customer summary", CUSTOMER_SUMMARY, JINJA_CUSTOMER_SUMMARY),
        ("order confirmation", ORDER_CONFIRMATION, JINJA_ORDER_CONFIRMATION),
    ):
        compiled = parse_template(ours).compile()
        jinja = env.from_string(theirs)

        def sendout(compiled: Any = compiled) -> bytes:
            return orjson.dumps(compiled(DATA))

        def jinja2(jinja: Any = jinja) -> bytes:
            rendered: str = jinja.render(DATA)
            return rendered.encode()

        assert json.loads(sendout()) == json.loads(jinja2()), name
        cases.append((name, sendout, jinja2))

    print(f"render → JSON bytes, {args.renders:,} renders x {args.rounds} interleaved rounds")
    for name, sendout, jinja2 in cases:
        our_times: list[float] = []
        their_times: list[float] = []
        for _ in range(args.rounds):
            our_times.append(time_per_call(sendout, args.renders))
            their_times.append(time_per_call(jinja2, args.renders))
        mine, other = statistics.median(our_times), statistics.median(their_times)
        print(
            f"  {name:<20} sendout {mine:6.2f} µs   jinja2 sandbox {other:6.2f} µs   "
            f"{other / mine:4.1f}x faster"
        )


if __name__ == "__main__":
    main()
