"""Inbound SMS published over AMQP by another system, read back by an agent desktop.

docs/architecture.md section 2 (exchanges, inbound message, message properties, CloudEvents) and
section 4 (Session mode).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime

import requests

import e2e_support as sb

ORIGIN_SESSION = "Inbound SMS Session Mode"


def _is_rfc3339_utc(value: str) -> bool:
    if not isinstance(value, str) or not (value.endswith("Z") or value.endswith("+00:00")):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def _trace_id(delivery: sb.Delivery) -> str:
    traceparent = delivery.headers.get("traceparent")
    if isinstance(traceparent, bytes):
        traceparent = traceparent.decode()
    return traceparent.split("-")[1]


def _check_cloudevent(delivery: sb.Delivery, event: str, source: str, interaction_id: str) -> dict:
    """The AMQP properties and CloudEvents envelope every event must have (section 2)."""
    props = delivery.properties
    assert delivery.exchange == "switchboard.events"
    assert delivery.routing_key == event
    body = delivery.json
    assert body["specversion"] == "1.0", body
    assert body["type"] == f"switchboard.{event}", body
    assert body["source"] == source, body
    assert body["subject"] == interaction_id, body
    assert _is_rfc3339_utc(body["time"]), body
    assert body["id"] and props.message_id == body["id"], (props, body)
    assert props.content_type == "application/cloudevents+json", props
    assert props.delivery_mode == 2, props
    assert props.type == event, props
    assert props.timestamp, props
    assert props.correlation_id == interaction_id, props
    traceparent = delivery.headers.get("traceparent")
    assert isinstance(traceparent, (str, bytes)) and traceparent, props
    if isinstance(traceparent, bytes):
        traceparent = traceparent.decode()
    parts = traceparent.split("-")
    assert len(parts) == 4 and len(parts[1]) == 32 and len(parts[2]) == 16, traceparent
    assert body["data"]["interaction_id"] == interaction_id, body
    return body


def test_sms_published_with_pika_reaches_the_agent_api(observer, desk):
    national, customer = sb.customer_number()
    org = sb.org_number()
    sms_id = sb.carrier_id()
    text = f"Hello from pika {sms_id}"
    observer.publish({"id": sms_id, "from": national, "to": org, "text": text})

    interaction = sb.wait_for_interaction(desk, **{"from": customer, "to": org})
    assert interaction["from"] == customer, interaction  # E.164, from "(415) NXX-XXXX"
    assert interaction["to"] == org, interaction
    assert interaction["origin"] == ORIGIN_SESSION, interaction
    assert interaction["mode"] == "session", interaction
    assert interaction["media"] == "sms", interaction
    assert interaction["state"] in ("queued", "offered", "active"), interaction

    detail = sb.wait_for_transcript(desk, interaction["id"], 1)
    assert detail["id"] == interaction["id"]
    [entry] = detail["transcript"]
    assert entry["seq"] == 1, entry
    assert entry["kind"] == "message", entry
    assert entry["direction"] == "inbound", entry
    assert entry["text"] == text, entry
    assert entry["author"]["type"] == "contact", entry
    assert _is_rfc3339_utc(entry["at"]), entry

    iid = interaction["id"]
    created = observer.wait_event(
        lambda d: d.routing_key == "interaction.created" and sb.event_data(d).get("interaction_id") == iid,
        what=f"interaction.created for {iid}",
    )
    body = _check_cloudevent(created, "interaction.created", "/switchboard/session", iid)
    assert body["data"]["from"] == customer and body["data"]["to"] == org, body

    appended = observer.wait_event(
        lambda d: d.routing_key == "interaction.message.appended" and sb.event_data(d).get("interaction_id") == iid,
        what=f"interaction.message.appended for {iid}",
    )
    body = _check_cloudevent(appended, "interaction.message.appended", "/switchboard/session", iid)
    assert body["data"]["seq"] == 1, body
    assert body["data"]["message_id"], body

    # The message.received that caused it carries the same ingest message id and trace.
    received = observer.wait_event(
        lambda d: d.routing_key == "message.received" and sb.event_data(d).get("carrier_message_id") == sms_id,
        what=f"message.received for {sms_id}",
    )
    data = sb.event_data(received)
    assert received.json["source"] == "/switchboard/ingest"
    assert data["message_id"] == body["data"]["message_id"], (data, body)
    assert (data["from"], data["to"], data["text"]) == (customer, org, text), data
    trace_ids = {_trace_id(d) for d in (received, created, appended)}
    assert len(trace_ids) == 1, f"one W3C trace from ingest to session, got {trace_ids}"


def _duplicates_counted() -> float | None:
    """Ingest's count of duplicates (switchboard_ingest_accepted_total{duplicate="true"}),
    or None when it has no such series yet."""
    text = requests.get(sb.base_url("ingest") + "/metrics", timeout=5).text
    values = [
        float(line.rsplit(None, 1)[1])
        for line in text.splitlines()
        if line.startswith("switchboard_ingest_accepted_total{") and 'duplicate="true"' in line
    ]
    return sum(values) if values else None


def test_duplicate_sms_gives_one_transcript_entry(observer, desk):
    national, customer = sb.customer_number()
    org = sb.org_number()
    first = {"id": sb.carrier_id(), "from": national, "to": org, "text": "first, sent twice"}
    third = {"id": sb.carrier_id(), "from": national, "to": org, "text": "third, distinct"}

    duplicates_before = _duplicates_counted()
    amqp_id = observer.publish(first)
    interaction = sb.wait_for_interaction(desk, **{"from": customer, "to": org})
    sb.wait_for_transcript(desk, interaction["id"], 1)
    # A connector retrying: once with the same AMQP message_id, once with a new one; the
    # dedup key is (channel, carrier id) either way.
    observer.publish(first, message_id=amqp_id)
    observer.publish(first)
    observer.publish(third)

    # Wait until ingest has handled both duplicates (its counter of duplicates) and the
    # third message is on the transcript; only then can "no second entry" be asserted.
    sb.wait_until(
        lambda: (_duplicates_counted() or 0) >= (duplicates_before or 0) + 2,
        what="ingest counting the two duplicates (switchboard_ingest_accepted_total{duplicate=\"true\"})",
    )
    detail = sb.wait_for_transcript(desk, interaction["id"], 2)
    observer.wait_event(
        lambda d: d.routing_key == "interaction.message.appended"
        and sb.event_data(d).get("interaction_id") == interaction["id"]
        and sb.event_data(d).get("seq") == 2,
        what="the appended event of the third message",
    )
    observer.pump(0.3)
    detail = sb.get_interaction(desk, interaction["id"])
    texts = [(e["seq"], e["text"]) for e in detail["transcript"]]
    assert texts == [(1, first["text"]), (2, third["text"])], texts
    assert len(sb.find_interactions(desk, **{"from": customer, "to": org})) == 1
    received = observer.events_of("message.received", lambda d: sb.event_data(d).get("carrier_message_id") == first["id"])
    assert len(received) == 1, f"a duplicate produced message.received again: {[d.body for d in received]}"
    appended = observer.events_of(
        "interaction.message.appended", lambda d: sb.event_data(d).get("interaction_id") == interaction["id"]
    )
    assert [sb.event_data(d)["seq"] for d in appended] == [1, 2], [d.body for d in appended]


def test_second_sms_from_the_same_customer_joins_the_session(observer, desk):
    national, customer = sb.customer_number()
    org = sb.org_number()
    one = {"id": sb.carrier_id(), "from": national, "to": org, "text": "I have a question"}
    two = {"id": sb.carrier_id(), "from": customer, "to": org, "text": "about my bill"}
    observer.publish(one)
    interaction = sb.wait_for_interaction(desk, **{"from": customer, "to": org})
    sb.wait_for_transcript(desk, interaction["id"], 1)
    observer.publish(two)  # written as E.164 this time: the same customer

    detail = sb.wait_for_transcript(desk, interaction["id"], 2)
    assert [(e["seq"], e["text"]) for e in detail["transcript"]] == [(1, one["text"]), (2, two["text"])]
    assert all(e["direction"] == "inbound" and e["kind"] == "message" for e in detail["transcript"])

    iid = interaction["id"]
    observer.wait_event(
        lambda d: d.routing_key == "interaction.message.appended"
        and sb.event_data(d).get("interaction_id") == iid
        and sb.event_data(d).get("seq") == 2,
        what="appended seq 2",
    )
    created = observer.events_of("interaction.created", lambda d: sb.event_data(d).get("interaction_id") == iid)
    assert len(created) == 1, [d.body for d in created]
    appended = observer.events_of("interaction.message.appended", lambda d: sb.event_data(d).get("interaction_id") == iid)
    assert [sb.event_data(d)["seq"] for d in appended] == [1, 2]
    assert len(sb.find_interactions(desk, **{"from": customer, "to": org})) == 1


def test_burst_from_one_customer_keeps_its_order(observer, desk):
    """docs/architecture.md section 4, per-conversation order. Each publish is confirmed by the
    broker before the next is sent, so the queue holds them in this order; the
    transcript must show them in that order, in one interaction."""
    national, customer = sb.customer_number()
    org = sb.org_number()
    texts = [f"part {n} of my story" for n in range(1, 11)]
    for text in texts:
        observer.publish({"id": sb.carrier_id(), "from": national, "to": org, "text": text})

    interaction = sb.wait_for_interaction(desk, **{"from": customer, "to": org})
    detail = sb.wait_for_transcript(desk, interaction["id"], len(texts))
    assert [e["seq"] for e in detail["transcript"]] == list(range(1, len(texts) + 1))
    assert [e["text"] for e in detail["transcript"]] == texts, "transcript order differs from publish order"
    assert len(sb.find_interactions(desk, **{"from": customer, "to": org})) == 1


def test_publishing_straight_to_the_queue_through_the_default_exchange(observer, desk):
    national, customer = sb.customer_number()
    org = sb.org_number()
    text = "via the default exchange"
    observer.publish({"id": sb.carrier_id(), "from": national, "to": org, "text": text}, exchange="", routing_key="ingest.messages")
    interaction = sb.wait_for_interaction(desk, **{"from": customer, "to": org})
    detail = sb.wait_for_transcript(desk, interaction["id"], 1)
    assert detail["transcript"][0]["text"] == text


def test_amqp_publish_c_client(system, desk):
    """Debian's amqp-tools (rabbitmq-c): no message_id, no timestamp, only what the
    command line sets."""
    amqp_publish = shutil.which("amqp-publish")
    assert amqp_publish, "amqp-publish not found: install Debian's amqp-tools (scripts/lib/infra.sh sb_install_deps)"
    national, customer = sb.customer_number()
    org = sb.org_number()
    text = "from amqp-publish"
    body = json.dumps({"id": sb.carrier_id(), "from": national, "to": org, "text": text})
    result = subprocess.run(
        [amqp_publish, "-u", system.amqp_url, "-e", "switchboard.inbound", "-r", "message", "-p", "-C", "application/json", "-b", body],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode == 0, result.stderr
    interaction = sb.wait_for_interaction(desk, **{"from": customer, "to": org})
    detail = sb.wait_for_transcript(desk, interaction["id"], 1)
    assert detail["transcript"][0]["text"] == text


def _rejected_count() -> float:
    text = requests.get(sb.base_url("ingest") + "/metrics", timeout=5).text
    return sb.metric_sum(text, "switchboard_ingest_rejected_total")


def test_malformed_input_is_dead_lettered_with_its_reason(observer, desk):
    marker = sb.carrier_id("BAD")
    national, customer = sb.customer_number()
    org = sb.org_number()

    rejected_before = _rejected_count()
    observer.publish(f"not json {marker}", message_id=f"{marker}-notjson")
    not_json = observer.wait_dead(lambda d: d.properties.message_id == f"{marker}-notjson", what="the not-JSON message")
    rejected_after_not_json = _rejected_count()
    observer.publish({"id": marker, "to": org, "text": "no from"}, message_id=f"{marker}-nofrom")
    no_from = observer.wait_dead(lambda d: d.properties.message_id == f"{marker}-nofrom", what="the message without from")
    rejected_after_no_from = _rejected_count()

    for delivery, reason in ((not_json, "json"), (no_from, "from")):
        error = delivery.headers.get("x-switchboard-error")
        if isinstance(error, bytes):
            error = error.decode()
        assert error and reason in error.lower(), f"x-switchboard-error {error!r} does not name {reason!r}"
        queue = delivery.headers.get("x-switchboard-queue")
        assert queue in ("ingest.messages", b"ingest.messages"), delivery.headers
        assert delivery.exchange == "switchboard.dead"
    assert not_json.body == f"not json {marker}".encode(), "the dead letter keeps the original body"
    assert json.loads(no_from.body)["id"] == marker

    # Ingest keeps going: ready, and handles the next valid message.
    assert requests.get(sb.base_url("ingest") + "/health/ready", timeout=5).status_code == 200
    text = "valid after the malformed ones"
    observer.publish({"id": sb.carrier_id(), "from": national, "to": org, "text": text})
    interaction = sb.wait_for_interaction(desk, **{"from": customer, "to": org})
    assert sb.wait_for_transcript(desk, interaction["id"], 1)["transcript"][0]["text"] == text

    # docs/architecture.md section 2: switchboard_ingest_rejected_total counts each of them.
    assert rejected_after_not_json >= rejected_before + 1, (
        f"a not-JSON message was dead-lettered but switchboard_ingest_rejected_total did not count it "
        f"({rejected_before} -> {rejected_after_not_json})"
    )
    assert rejected_after_no_from >= rejected_after_not_json + 1, (
        f"a message without from was dead-lettered but switchboard_ingest_rejected_total did not count it "
        f"({rejected_after_not_json} -> {rejected_after_no_from})"
    )
