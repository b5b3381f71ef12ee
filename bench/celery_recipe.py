"""The idiomatic peer of Sendout's delivery (issue 23, target 6): Celery 5 on Redis.

One task per webhook: the task signs the envelope as Sendout does (``sendout.domain.signing``:
the ``x-voucherify-signature`` and Standard Webhooks headers) and POSTs it with a keep-alive
``requests`` session, one per worker process. Results are not stored (fire and forget, as a
webhook sender would run it). ``bench/celery_baseline.py`` runs it; to run it by hand::

    celery -A celery_recipe worker -P prefork -c $(nproc) -Q QUEUE   # from bench/

and enqueue ``deliver.apply_async((url, message_id, body), queue=QUEUE)``.
"""

from __future__ import annotations

import time

import requests
from celery import Celery

from sendout.domain.signing import signature_headers

BROKER = "redis://127.0.0.1:6379/0"
#: a webhook secret as Sendout makes them (``whsec_`` and 32 bytes, base64)
SECRET = "whsec_c2VuZG91dC1iZW5jaC1jZWxlcnktYmFzZWxpbmUtMzI="
TIMEOUT = 10.0  # seconds, Sendout's default attempt timeout

app = Celery("sendout_bench", broker=BROKER)
app.conf.update(
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    # no pidbox queues left behind in a shared Redis
    worker_enable_remote_control=False,
)

_session: requests.Session | None = None


def session() -> requests.Session:
    """This worker process's keep-alive session (made after the fork, so never shared)."""
    global _session
    if _session is None:
        _session = requests.Session()
    return _session


@app.task(name="bench.deliver")  # type: ignore[untyped-decorator]
def deliver(url: str, message_id: str, body: str) -> int:
    data = body.encode()
    headers = {
        "Content-Type": "application/json",
        **signature_headers([SECRET], message_id, int(time.time()), data),
    }
    response = session().post(url, data=data, headers=headers, timeout=TIMEOUT)
    response.raise_for_status()
    return response.status_code
