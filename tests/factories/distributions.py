"""The bodies of ``POST /v1/distributions`` the distribution tests start from: one webhook
channel (to a port where nothing listens) with the seed example's order confirmation."""

from __future__ import annotations

from typing import Any

ORDER_CONFIRMATION = """{
  "order": {
    "orderId": "{{order.id}}",
    "total": {{order.total_amount}},
    "currency": "USD",
    "message": "Thank you for your order, {{customer.name}}!"
  }
}"""


def webhook(**fields: Any) -> dict[str, Any]:
    return {
        "type": "webhook",
        "event_name": "order_paid",
        # Loopback, port 9 (discard): nothing listens, so deliveries fail at once, locally.
        "url": "http://127.0.0.1:9/sendout",
        **fields,
    }


def distribution(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Paid orders",
        "trigger": {"event": "customer.order.paid"},
        "action": {"type": "PLAIN"},
        "channels": [webhook(payload=ORDER_CONFIRMATION)],
        **fields,
    }
