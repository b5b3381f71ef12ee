"""What the log says about a send-out: the ids it is filed under, and one line per attempt.

An attempt's line carries its outcome (status, duration, the class of a connection
failure), never the request or the answer: their headers hold the channel's secrets
(``Authorization``, signatures) and their bodies customers' data.
"""

from __future__ import annotations

import logging

from sendout.domain.deliveries import SendResult
from sendout.domain.sendouts import Sendout, SourceKind

log = logging.getLogger("sendout.worker")


def sendout_log_fields(sendout: Sendout) -> dict[str, str]:
    """The ids for ``log_fields`` or ``extra=``: its project, itself, and its distribution
    (a project webhook's send-out has none)."""
    fields = {"project_id": sendout.project_id, "sendout_id": sendout.id}
    if sendout.source.kind is SourceKind.DISTRIBUTION:
        fields["distribution_id"] = sendout.source.id
    return fields


def log_attempt(sendout: Sendout, result: SendResult) -> None:
    # DEBUG: a busy worker makes thousands a second; failures that matter reach WARNING
    # when the send-out's retries run out (services/pipeline/source_pausing.py).
    if not log.isEnabledFor(logging.DEBUG):
        return
    log.debug(
        "send-out %s attempt %d: %s (%s) in %d ms",
        sendout.id,
        sendout.attempts_count + 1,
        "delivered" if result.delivered else "failed",
        result.status_code if result.status_code is not None else result.error,
        result.duration_ms,
    )
