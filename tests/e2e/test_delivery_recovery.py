"""Send-outs end to end, after delivery: held while their distribution is paused, sent again
when it is set live, recovered or resent on demand, and the send-out log's filters and errors."""

from __future__ import annotations

import voucherify

from tests.e2e.conftest import Api, Receiver, wait_until
from tests.e2e.deliveries import distribution_to, track


def test_send_outs_wait_while_paused_and_go_out_when_set_live(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    receiver.script = [(410, {}, 0.0)]
    created = distribution_to(api, receiver.url, "hold")
    track(sdk, "hold", "h1", "H1")
    wait_until(api, created["id"], lambda s: s and s[0]["status"] == "FAILED", "not failed")
    # Paused by the failure: new events still make send-outs, which wait.
    track(sdk, "hold", "h2", "H2")
    track(sdk, "hold", "h3", "H3")
    held = wait_until(
        api,
        created["id"],
        lambda s: sum(x["status"] == "HELD" for x in s) == 2,
        "not held",
    )
    assert len(receiver.requests) == 1
    _, notes = api.call("GET", "/v1/notifications?unread=true&type=distribution.paused")
    (note,) = [n for n in notes["notifications"] if n["resource"]["id"] == created["id"]]
    assert "410" in note["message"]
    assert notes["unread"] >= 1

    status, live = api.call("POST", f"/v1/distributions/{created['id']}/activate")
    assert (status, live["status"], live["paused_reason"]) == (200, "ACTIVE", None)
    receiver.wait_for(3)
    sendouts = wait_until(
        api,
        created["id"],
        lambda s: sum(x["status"] == "DELIVERED" for x in s) == 2,
        "held send-outs did not resume",
    )
    assert {s["id"] for s in sendouts if s["status"] == "DELIVERED"} == {
        s["id"] for s in held if s["status"] == "HELD"
    }

    # Every failure since a time goes out again; then any one, on demand.
    failed = next(s for s in sendouts if s["status"] == "FAILED")
    status, recovered = api.call(
        "POST", f"/v1/distributions/{created['id']}/recover", {"since": failed["created_at"]}
    )
    assert status == 200
    assert (recovered["object"], recovered["requeued"]) == ("recovery", 1)
    receiver.wait_for(4)
    wait_until(
        api,
        created["id"],
        lambda s: all(x["status"] == "DELIVERED" for x in s),
        "recovered send-out not delivered",
    )
    status, resent = api.call("POST", f"/v1/sendouts/{failed['id']}/resend")
    assert (status, resent["status"], resent["reason"]) == (200, "PENDING", "resent")
    receiver.wait_for(5)
    assert [h["webhook-id"] for h, _ in receiver.requests].count(failed["id"]) == 3

    status, marked = api.call("POST", f"/v1/notifications/{note['id']}/read")
    assert (status, marked["read"]) == (200, True)
    status, error = api.call("POST", "/v1/notifications/ntf_missing/read")
    assert status == 404, error


def test_send_out_log_filters_and_errors(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    created = distribution_to(api, receiver.url, "logged")
    track(sdk, "logged", "log1", "Log")
    (sendout,) = wait_until(api, created["id"], lambda s: len(s) == 1, "no send-out")
    assert sendout["event_type"] == "customer.custom_event"
    customer = sendout["customer_id"]
    for query, expected in [
        (f"customer_id={customer}", 1),
        ("customer_id=cust_nobody", 0),
        (f"distribution_id={created['id']}&event_type=customer.custom_event", 1),
        (f"distribution_id={created['id']}&event_type=customer.order.paid", 0),
        (f"distribution_id={created['id']}&created_after={sendout['created_at']}", 1),
        (f"distribution_id={created['id']}&created_before={sendout['created_at']}", 0),
    ]:
        status, listing = api.call("GET", f"/v1/sendouts?{query}")
        assert (status, listing["total"]) == (200, expected), query
    for query in ("status=LOST", "created_after=yesterday", "limit=0"):
        status, error = api.call("GET", f"/v1/sendouts?{query}")
        assert status == 400, query
        assert error["key"], query
    status, error = api.call("POST", "/v1/sendouts/whs_missing/resend")
    assert status == 404
    status, error = api.call("POST", f"/v1/distributions/{created['id']}/recover", {})
    assert status == 400
    assert "since" in error["details"]
    channel = created["channels"][0]["id"]
    status, error = api.call("GET", f"/v1/distributions/{created['id']}/channels/ch_nope/secret")
    assert status == 404
    status, error = api.call(
        "POST", f"/v1/distributions/distr_nope/channels/{channel}/secret/rotate"
    )
    assert status == 404
    bad_retry = {"max_retries": 99}
    status, error = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "x",
            "trigger": {"event": "customer.custom_event", "custom_event": "x"},
            "action": {"type": "PLAIN"},
            "channels": [{"event_name": "x", "url": receiver.url, "retry": bad_retry}],
        },
    )
    assert status == 400, error
    assert "max_retries" in error["details"]
