"""Callbacks as an agent desktop schedules them and a dialer receives them (issue #6).

docs/architecture.md section 3 (the callback API, errors, who may see what), section 4 (a
callback fires once, at its due time, however many instances run and whatever restarts
happen) and section 5 (events through the outbox).

`callback.due` is received on temporary exclusive queues bound to `switchboard.events`
with the key `callback.due` only, before anything is scheduled. Every test schedules its
own callbacks (fresh agent, queue and contact ids) and matches events by their ids.
The heavy test starts a second `callback` instance (port SB_CALLBACK2_PORT, default
18085) from SWITCHBOARD_BIN_DIR with the suite's environment, kills it with SIGKILL
halfway through 1,000 firings and restarts it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pika
import pytest
import requests

import e2e_support as sb

CALLBACKS = sb.base_url("callback") + "/v1/callbacks"
# docs/architecture.md section 4 / issue #6: within 1 s of the due time.
FIRING_BOUND = 1.0
CALLBACK_KEYS = {
    "id", "phone", "contact_id", "interaction_id", "due_at", "time_zone", "target", "channel", "notes", "state",
    "scheduled_by", "scheduled_by_name", "outcome", "created_at", "updated_at", "fired_at", "completed_at",
}


# --- Helpers ----------------------------------------------------------------------------


def _rfc3339(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _client(system, sub: str, roles: list[str], name: str | None = None) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {system.token(sub, roles, name=name or sub.title())}"
    return session


def _assert_problem(response, status: int, code: str | None = None) -> dict:
    """An RFC 9457 problem with the project's fields."""
    assert response.status_code == status, f"{response.request.method} {response.url}: {response.status_code} {response.text}"
    assert response.headers.get("content-type", "").startswith("application/problem+json"), response.headers
    problem = response.json()
    for key in ("type", "title", "status", "detail", "code"):
        assert key in problem, f"problem without {key}: {problem}"
    assert problem["status"] == status, problem
    if code is not None:
        assert problem["code"] == code, problem
    return problem


def _schedule(client: requests.Session, base: str = CALLBACKS, **fields) -> dict:
    body = {"phone": sb.customer_number()[0], "target": {"type": "queue", "id": _unique("q")}, **fields}
    response = client.post(base, json=body, timeout=10)
    assert response.status_code == 201, f"POST /v1/callbacks {body}: {response.status_code} {response.text}"
    return response.json()


class EventWatcher:
    """A temporary exclusive queue on `switchboard.events` bound with exactly KEYS, consumed
    on this thread; each delivery is kept with the wall-clock time it was taken off the
    socket (pump often, or that time is late)."""

    def __init__(self, amqp_url: str, keys: list[str]):
        params = pika.URLParameters(amqp_url)
        params.heartbeat = 0
        self.connection = pika.BlockingConnection(params)
        self.channel = self.connection.channel()
        queue = self.channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        for key in keys:
            self.channel.queue_bind(queue, "switchboard.events", key)
        self.received: list[tuple[float, sb.Delivery]] = []

        def on_message(_channel, method, properties, body):
            delivery = sb.Delivery(method.exchange, method.routing_key, properties, body, time.monotonic())
            self.received.append((time.time(), delivery))

        self.channel.basic_consume(queue, on_message, auto_ack=True)

    def pump(self, seconds: float = 0.05) -> None:
        self.connection.process_data_events(time_limit=seconds)

    def pump_until(self, deadline: float) -> None:
        """Pump until the wall-clock DEADLINE."""
        while time.time() < deadline:
            self.pump(min(0.05, max(0.0, deadline - time.time())))

    def of(self, callback_id: str, key: str | None = None) -> list[tuple[float, sb.Delivery]]:
        return [
            (at, d) for at, d in self.received
            if sb.event_data(d).get("id", sb.event_data(d).get("callback_id")) == callback_id and (key is None or d.routing_key == key)
        ]

    def wait_for(self, callback_id: str, key: str, timeout: float, count: int = 1) -> list[tuple[float, sb.Delivery]]:
        deadline = time.time() + timeout
        while len(self.of(callback_id, key)) < count:
            if time.time() > deadline:
                seen = "\n".join(f"  {d.routing_key} {d.body[:200]!r}" for _, d in self.received[-10:])
                raise AssertionError(f"{count} {key} for {callback_id}: not within {timeout:.0f}s; last seen:\n{seen or '  (none)'}")
            self.pump()
        return self.of(callback_id, key)

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass


@pytest.fixture
def due_watcher(system):
    watcher = EventWatcher(system.amqp_url, ["callback.due"])
    yield watcher
    watcher.close()


@pytest.fixture
def callback_watcher(system):
    watcher = EventWatcher(
        system.amqp_url, ["callback.scheduled", "callback.rescheduled", "callback.cancelled", "callback.completed"]
    )
    yield watcher
    watcher.close()


@pytest.fixture
def supervisor(system) -> requests.Session:
    return _client(system, "boss-e2e", ["supervisor"], "Boss")


def _check_envelope(delivery: sb.Delivery, event: str) -> dict:
    """CloudEvents envelope and AMQP properties (docs/architecture.md section 2)."""
    props = delivery.properties
    body = delivery.json
    assert delivery.exchange == "switchboard.events" and delivery.routing_key == event, delivery
    assert body["specversion"] == "1.0", body
    assert body["type"] == f"switchboard.{event}", body
    assert body["source"] == "/switchboard/callback", body
    assert body["id"] and props.message_id == body["id"], (props, body)
    assert props.content_type == "application/cloudevents+json", props
    assert props.delivery_mode == 2, props
    assert props.type == event, props
    assert delivery.headers.get("traceparent"), props
    return body


# --- Firing -----------------------------------------------------------------------------


def test_callback_fires_once_at_its_due_time(system, due_watcher, callback_watcher):
    agent_id = _unique("kate")
    kate = _client(system, agent_id, ["agent"], "Kate Lewis")
    national, e164 = sb.customer_number()
    contact = _unique("contact")
    due = round(time.time() + 2.0, 3)

    response = kate.post(CALLBACKS, json={
        "phone": national, "contact_id": contact, "due_at": _rfc3339(due), "time_zone": "America/New_York",
        "target": {"type": "agent", "id": agent_id}, "channel": "voice", "notes": "Renewal questions",
    }, timeout=10)
    assert response.status_code == 201, response.text
    created = response.json()
    callback_id = created["id"]
    assert response.headers.get("location") == f"/v1/callbacks/{callback_id}", response.headers
    assert set(created) == CALLBACK_KEYS, created
    assert created["phone"] == e164, created
    assert created["state"] == "scheduled" and created["fired_at"] is None, created
    assert abs(_epoch(created["due_at"]) - due) < 0.002, created
    assert created["scheduled_by"] == agent_id and created["scheduled_by_name"] == "Kate Lewis", created
    assert created["target"] == {"type": "agent", "id": agent_id}, created

    [(_, fired)] = due_watcher.wait_for(callback_id, "callback.due", timeout=10)
    received_at = due_watcher.of(callback_id)[0][0]
    assert received_at >= due - 0.01, f"fired {due - received_at:.3f}s early"
    assert received_at <= due + FIRING_BOUND, f"callback.due received {received_at - due:.3f}s after the due time"

    body = _check_envelope(fired, "callback.due")
    assert "subject" not in body, body  # no interaction: CloudEvents leaves an unset optional attribute out
    assert fired.properties.correlation_id == callback_id, fired.properties
    data = body["data"]
    assert set(data) == CALLBACK_KEYS, data
    assert data["id"] == callback_id and data["phone"] == e164 and data["contact_id"] == contact, data
    assert data["interaction_id"] is None and data["time_zone"] == "America/New_York", data
    assert data["target"] == {"type": "agent", "id": agent_id} and data["channel"] == "voice", data
    assert data["notes"] == "Renewal questions" and data["scheduled_by"] == agent_id, data
    assert data["state"] == "due" and data["fired_at"], data
    assert 0 <= _epoch(data["fired_at"]) - due <= FIRING_BOUND, data

    # callback.scheduled carries the shared contract session reads.
    [(_, scheduled)] = callback_watcher.wait_for(callback_id, "callback.scheduled", timeout=5)
    scheduled_data = _check_envelope(scheduled, "callback.scheduled")["data"]
    assert scheduled_data["callback_id"] == callback_id, scheduled_data
    assert scheduled_data["scheduled_by"] == agent_id and scheduled_data["scheduled_by_name"] == "Kate Lewis", scheduled_data
    assert abs(_epoch(scheduled_data["due_at"]) - due) < 0.002, scheduled_data

    due_watcher.pump_until(time.time() + 1.5)
    assert len(due_watcher.of(callback_id)) == 1, "callback.due more than once"

    state = kate.get(f"{CALLBACKS}/{callback_id}", timeout=5)
    assert state.status_code == 200 and state.json()["state"] == "due", state.text

    done = kate.post(f"{CALLBACKS}/{callback_id}/complete", json={"outcome": "reached"}, timeout=5)
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "completed" and done.json()["outcome"] == "reached", done.text
    assert done.json()["completed_at"], done.text
    [(_, completed)] = callback_watcher.wait_for(callback_id, "callback.completed", timeout=5)
    assert _check_envelope(completed, "callback.completed")["data"]["state"] == "completed"

    _assert_problem(kate.post(f"{CALLBACKS}/{callback_id}/complete", json={"outcome": "again"}, timeout=5), 409, "callback_closed")
    _assert_problem(kate.patch(f"{CALLBACKS}/{callback_id}", json={"notes": "late"}, timeout=5), 409, "callback_closed")
    _assert_problem(kate.delete(f"{CALLBACKS}/{callback_id}", timeout=5), 409, "callback_closed")

    metrics = requests.get(sb.base_url("callback") + "/metrics", timeout=5).text
    assert sb.metric_sum(metrics, "switchboard_callback_scheduled_total") >= 1, metrics
    assert sb.metric_sum(metrics, "switchboard_callback_due_total") >= 1, metrics
    assert sb.metric_sum(metrics, "switchboard_callback_completed_total") >= 1, metrics
    assert sb.metric_sum(metrics, "switchboard_callback_late_seconds_count") >= 1, metrics


def test_reschedule_and_cancel_before_the_due_time(system, due_watcher, callback_watcher):
    agent_id = _unique("kate")
    kate = _client(system, agent_id, ["agent"])
    target = {"type": "agent", "id": agent_id}
    first_due = round(time.time() + 3.0, 3)
    moved = _schedule(kate, due_at=_rfc3339(first_due), target=target)
    cancelled = _schedule(kate, due_at=_rfc3339(first_due), target=target)

    new_due = round(time.time() + 5.0, 3)
    response = kate.patch(f"{CALLBACKS}/{moved['id']}", json={"due_at": _rfc3339(new_due), "notes": "after lunch"}, timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "scheduled" and response.json()["notes"] == "after lunch", response.text
    assert abs(_epoch(response.json()["due_at"]) - new_due) < 0.002, response.text

    response = kate.delete(f"{CALLBACKS}/{cancelled['id']}", timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "cancelled", response.text
    _assert_problem(kate.delete(f"{CALLBACKS}/{cancelled['id']}", timeout=5), 409, "callback_closed")

    [(_, rescheduled)] = callback_watcher.wait_for(moved["id"], "callback.rescheduled", timeout=5)
    assert abs(_epoch(_check_envelope(rescheduled, "callback.rescheduled")["data"]["due_at"]) - new_due) < 0.002
    callback_watcher.wait_for(cancelled["id"], "callback.cancelled", timeout=5)

    due_watcher.pump_until(new_due + FIRING_BOUND + 0.5)
    fired = due_watcher.of(moved["id"])
    assert len(fired) == 1, f"the rescheduled callback fired {len(fired)} times"
    received_at = fired[0][0]
    assert new_due - 0.01 <= received_at <= new_due + FIRING_BOUND, f"fired at {received_at - new_due:+.3f}s from its new due time"
    assert due_watcher.of(cancelled["id"]) == [], "the cancelled callback fired"

    # Rescheduling a due callback makes it scheduled again; it fires again at the new time.
    again_due = round(time.time() + 1.5, 3)
    response = kate.patch(f"{CALLBACKS}/{moved['id']}", json={"due_at": _rfc3339(again_due)}, timeout=5)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "scheduled" and response.json()["fired_at"] is None, response.text
    events = due_watcher.wait_for(moved["id"], "callback.due", timeout=5, count=2)
    assert len({d.json["id"] for _, d in events}) == 2, "two firings are two events"
    assert events[1][0] <= again_due + FIRING_BOUND, f"refired {events[1][0] - again_due:.3f}s late"

    # A due callback may be cancelled.
    response = kate.delete(f"{CALLBACKS}/{moved['id']}", timeout=5)
    assert response.status_code == 200 and response.json()["state"] == "cancelled", response.text


def _next_transition(zone: ZoneInfo, forward: bool) -> tuple[date, str]:
    """The next day within a year on which ZONE springs forward (FORWARD) or falls back,
    and a wall time inside the gap or overlap of that day."""
    today = datetime.now(timezone.utc).date()
    for offset in range(2, 360):
        day = today + timedelta(days=offset)
        start = datetime(day.year, day.month, day.day, tzinfo=zone).utcoffset()
        end = (datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1)).utcoffset()
        if start != end and (end > start) == forward:
            for minute in range(0, 24 * 60, 15):
                wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
                first = wall.replace(fold=0).utcoffset()
                second = wall.replace(fold=1).utcoffset()
                if first != second:
                    return day, f"{minute // 60:02d}:{minute % 60:02d}"
    raise AssertionError(f"no {'spring-forward' if forward else 'fall-back'} transition in {zone} within a year")


@pytest.mark.parametrize("forward", [True, False], ids=["gap", "overlap"])
def test_local_time_in_a_zone_across_daylight_saving(system, forward):
    """A wall time in the spring-forward gap moves forward by the gap's length; one in the
    fall-back overlap is its first occurrence (the same as Python's zoneinfo with fold=0)."""
    kate = _client(system, _unique("kate"), ["agent"])
    zone = ZoneInfo("America/New_York")
    day, wall = _next_transition(zone, forward)
    created = _schedule(kate, date=day.isoformat(), time=wall, time_zone="America/New_York")
    hour, minute = map(int, wall.split(":"))
    expected = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).replace(fold=0).astimezone(timezone.utc)
    assert _epoch(created["due_at"]) == expected.timestamp(), (day, wall, created["due_at"], expected)
    assert created["time_zone"] == "America/New_York", created
    response = kate.delete(f"{CALLBACKS}/{created['id']}", timeout=5)
    assert response.status_code == 200, response.text


def test_local_time_with_a_half_hour_offset(system):
    kate = _client(system, _unique("kate"), ["agent"])
    day = datetime.now(timezone.utc).date() + timedelta(days=3)
    created = _schedule(kate, date=day.isoformat(), time="10:00:00", time_zone="Asia/Kolkata")
    expected = datetime(day.year, day.month, day.day, 4, 30, tzinfo=timezone.utc)
    assert _epoch(created["due_at"]) == expected.timestamp(), created
    assert kate.delete(f"{CALLBACKS}/{created['id']}", timeout=5).status_code == 200


# --- Validation and access --------------------------------------------------------------


def _far(days: float) -> str:
    return _rfc3339(time.time() + days * 86400)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_at": "2020-01-01T00:00:00Z"}, "due_at"),
        ({"due_at": None, "date": "2020-01-01", "time": "10:00", "time_zone": "Europe/London"}, "date"),
        ({"due_at": None, "date": "2030-01-01", "time": "10:00", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"due_at": None, "date": "2030-01-01", "time": "10:00", "time_zone": "EST"}, "time_zone"),
        ({"due_at": None, "date": "2027-02-30", "time": "10:00", "time_zone": "UTC"}, "date"),
        ({"due_at": None, "date": "2030-01-01", "time": "25:00", "time_zone": "UTC"}, "time"),
        ({"due_at": "next tuesday"}, "due_at"),
        ({"due_at": "TOO_FAR"}, "due_at"),
        ({"date": "2030-01-01", "time": "10:00"}, "due_at"),
        ({"phone": "call me maybe"}, "phone"),
        ({"phone": "+99912345678"}, "phone"),
        ({"target": {"type": "team", "id": "x"}}, "target.type"),
        ({"target": None}, "target"),
        ({"channel": "fax"}, "channel"),
        ({"interaction_id": "not-a-uuid"}, "interaction_id"),
    ],
    ids=[
        "past", "past-local", "unknown-zone", "abbreviation", "no-such-day", "bad-time", "bad-due-at", "too-far",
        "both-forms", "bad-phone", "unknown-country", "bad-target-type", "no-target", "bad-channel", "bad-interaction",
    ],
)
def test_invalid_callback_is_422_naming_the_field(system, changes, field):
    kate = _client(system, _unique("kate"), ["agent"])
    body = {"phone": "+14155550100", "due_at": _far(1), "target": {"type": "queue", "id": "sales"}, **changes}
    if body.get("due_at") == "TOO_FAR":
        body["due_at"] = _far(400)  # SWITCHBOARD_CALLBACK_MAX_AHEAD_DAYS defaults to 365
    body = {key: value for key, value in body.items() if value is not None}
    problem = _assert_problem(kate.post(CALLBACKS, json=body, timeout=5), 422, "invalid_request")
    assert problem["detail"].startswith(field), problem


@pytest.mark.parametrize("query", ["state=bogus", "target=team:x", "target=agent:", "due_before=yesterday", "limit=0", "limit=201", "cursor=zzz"])
def test_bad_list_query_is_422(system, query):
    kate = _client(system, _unique("kate"), ["agent"])
    _assert_problem(kate.get(f"{CALLBACKS}?{query}", timeout=5), 422, "invalid_request")


def test_authentication_and_roles(system, anonymous):
    body = {"phone": "+14155550100", "due_at": _far(1), "target": {"type": "queue", "id": "sales"}}
    _assert_problem(anonymous.post(CALLBACKS, json=body, timeout=5), 401, "unauthorized")
    _assert_problem(anonymous.get(CALLBACKS, timeout=5), 401, "unauthorized")
    connector = _client(system, "connector-e2e", ["system"])
    _assert_problem(connector.post(CALLBACKS, json=body, timeout=5), 403, "forbidden")
    kate = _client(system, _unique("kate"), ["agent"])
    _assert_problem(kate.get(f"{CALLBACKS}/{uuid.uuid4()}", timeout=5), 404, "not_found")
    _assert_problem(kate.get(f"{CALLBACKS}/not-a-uuid", timeout=5), 404, "not_found")
    _assert_problem(kate.post(f"{CALLBACKS}/{uuid.uuid4()}/complete", json={"outcome": "x"}, timeout=5), 404, "not_found")
    _assert_problem(kate.patch(f"{CALLBACKS}/{uuid.uuid4()}", json={"notes": "x"}, timeout=5), 404, "not_found")


def test_who_may_see_and_change_a_callback(system, supervisor):
    kate_id, lee_id, sam_id = _unique("kate"), _unique("lee"), _unique("sam")
    kate, lee, sam = (_client(system, who, ["agent"]) for who in (kate_id, lee_id, sam_id))
    queue = _unique("sales")

    for_lee = _schedule(kate, due_at=_far(1), target={"type": "agent", "id": lee_id})
    url = f"{CALLBACKS}/{for_lee['id']}"
    # Another agent neither sees nor changes it: 404, as if it did not exist.
    _assert_problem(sam.get(url, timeout=5), 404, "not_found")
    _assert_problem(sam.patch(url, json={"notes": "mine now"}, timeout=5), 404, "not_found")
    _assert_problem(sam.delete(url, timeout=5), 404, "not_found")
    assert sam.get(CALLBACKS, params={"target": f"agent:{lee_id}"}, timeout=5).json()["items"] == []
    # The scheduler and the target agent see and change it; so does a supervisor.
    assert kate.get(url, timeout=5).status_code == 200
    response = lee.patch(url, json={"notes": "lee will call"}, timeout=5)
    assert response.status_code == 200 and response.json()["notes"] == "lee will call", response.text
    assert [c["id"] for c in lee.get(CALLBACKS, params={"target": f"agent:{lee_id}"}, timeout=5).json()["items"]] == [for_lee["id"]]
    response = supervisor.patch(url, json={"target": {"type": "queue", "id": queue}}, timeout=5)
    assert response.status_code == 200 and response.json()["target"] == {"type": "queue", "id": queue}, response.text

    # A queue callback is visible to every agent, but only its scheduler (or target agent,
    # or a supervisor) may change it: 403 for the others.
    assert sam.get(url, timeout=5).status_code == 200
    _assert_problem(sam.patch(url, json={"notes": "x"}, timeout=5), 403, "forbidden")
    _assert_problem(sam.delete(url, timeout=5), 403, "forbidden")
    _assert_problem(sam.post(f"{url}/complete", json={"outcome": "reached"}, timeout=5), 403, "forbidden")
    assert [c["id"] for c in sam.get(CALLBACKS, params={"target": f"queue:{queue}"}, timeout=5).json()["items"]] == [for_lee["id"]]
    response = supervisor.delete(url, timeout=5)
    assert response.status_code == 200 and response.json()["state"] == "cancelled", response.text


def test_list_filters_and_pagination(system):
    kate = _client(system, _unique("kate"), ["agent"])
    queue = _unique("q")
    base = time.time() + 3600
    created = [_schedule(kate, due_at=_rfc3339(base + i * 60), target={"type": "queue", "id": queue}) for i in range(3)]

    page1 = kate.get(CALLBACKS, params={"target": f"queue:{queue}", "limit": 2}, timeout=5)
    assert page1.status_code == 200, page1.text
    body1 = page1.json()
    assert [c["id"] for c in body1["items"]] == [c["id"] for c in created[:2]], "earliest due first"
    assert body1["next"], body1
    body2 = kate.get(CALLBACKS, params={"target": f"queue:{queue}", "limit": 2, "cursor": body1["next"]}, timeout=5).json()
    assert [c["id"] for c in body2["items"]] == [created[2]["id"]], body2
    assert body2["next"] is None, body2

    before = kate.get(CALLBACKS, params={"target": f"queue:{queue}", "due_before": _rfc3339(base + 30)}, timeout=5).json()
    assert [c["id"] for c in before["items"]] == [created[0]["id"]], before
    kate.delete(f"{CALLBACKS}/{created[1]['id']}", timeout=5)
    scheduled = kate.get(CALLBACKS, params={"target": f"queue:{queue}", "state": "scheduled"}, timeout=5).json()
    assert [c["id"] for c in scheduled["items"]] == [created[0]["id"], created[2]["id"]], scheduled
    for callback in (created[0], created[2]):
        kate.delete(f"{CALLBACKS}/{callback['id']}", timeout=5)


# --- With other services ----------------------------------------------------------------


def test_callback_from_an_interaction_appears_in_its_transcript(system, system_client, supervisor, callback_watcher, observer):
    national, customer = sb.customer_number()
    org = sb.org_number()
    response = system_client.post(
        sb.base_url("ingest") + "/v1/inbound",
        json={"id": sb.carrier_id("CB"), "from": national, "to": org, "text": "Please call me tomorrow"},
        timeout=5,
    )
    assert response.status_code == 202, response.text
    interaction = sb.wait_for_interaction(supervisor, **{"from": customer, "to": org})
    sb.wait_for_transcript(supervisor, interaction["id"], 1)

    kate_id = _unique("kate")
    kate = _client(system, kate_id, ["agent"], "Kate Lewis")
    body = {"phone": customer, "interaction_id": interaction["id"], "due_at": _far(1), "target": {"type": "agent", "id": kate_id}}
    # Not hers yet: the interaction answers as if it did not exist, and nothing is scheduled.
    _assert_problem(kate.post(CALLBACKS, json=body, timeout=5), 404, "not_found")

    # Once she owns it (session's interaction.assigned reaches callback), she may link it.
    observer.publish({"interaction_id": interaction["id"], "agent_id": kate_id, "agent_name": "Kate Lewis",
                      "expected_owner_id": None, "reason": "routed"},
                     exchange="switchboard.commands", routing_key="session.interaction.assign")

    def scheduled_by_kate():
        response = kate.post(CALLBACKS, json=body, timeout=5)
        return response.json() if response.status_code == 201 else None

    created = sb.wait_until(scheduled_by_kate, timeout=10, what="the callback linked to kate's interaction")
    assert created["interaction_id"] == interaction["id"], created

    [(_, scheduled)] = callback_watcher.wait_for(created["id"], "callback.scheduled", timeout=5)
    body = _check_envelope(scheduled, "callback.scheduled")
    assert body["subject"] == interaction["id"] and scheduled.properties.correlation_id == interaction["id"], body
    assert body["data"]["interaction_id"] == interaction["id"], body

    def callback_entry():
        transcript = sb.get_interaction(supervisor, interaction["id"]).get("transcript") or []
        return [e for e in transcript if e["kind"] == "system" and "Callback scheduled for" in e["text"]]

    [entry] = sb.wait_until(callback_entry, timeout=10, what=f"a callback entry in the transcript of {interaction['id']}")
    assert entry["author"]["type"] == "system" and "Kate Lewis" in entry["text"], entry
    kate.delete(f"{CALLBACKS}/{created['id']}", timeout=5)


def test_contact_merge_repoints_callbacks(system, observer, callback_watcher):
    kate = _client(system, _unique("kate"), ["agent"])
    source, target = _unique("contact-src"), _unique("contact-dst")
    created = _schedule(kate, contact_id=source, due_at=_far(1))
    merge = {
        "specversion": "1.0", "id": str(uuid.uuid4()), "source": "/switchboard/contacts", "type": "switchboard.contact.merged",
        "time": _rfc3339(time.time()), "datacontenttype": "application/json",
        "data": {"id": str(uuid.uuid4()), "target_id": target, "source_id": source, "at": _rfc3339(time.time()), "undone_at": None},
    }
    observer.publish(json.dumps(merge), exchange="switchboard.events", routing_key="contact.merged", message_id=merge["id"])

    def contact_now():
        return kate.get(f"{CALLBACKS}/{created['id']}", timeout=5).json()["contact_id"] == target

    sb.wait_until(contact_now, timeout=10, what=f"callback {created['id']} re-pointed to {target}")
    [(_, changed)] = callback_watcher.wait_for(created["id"], "callback.rescheduled", timeout=5)
    assert _check_envelope(changed, "callback.rescheduled")["data"]["contact_id"] == target
    kate.delete(f"{CALLBACKS}/{created['id']}", timeout=5)


def test_undoing_a_merge_gives_the_callbacks_back(system, observer, callback_watcher):
    """`contact.unmerged` returns the callbacks that merge re-pointed to the source contact;
    a callback of the target that the merge did not move stays."""
    kate = _client(system, _unique("kate"), ["agent"])
    source, target = _unique("contact-src"), _unique("contact-dst")
    moved = _schedule(kate, contact_id=source, due_at=_far(1))
    own = _schedule(kate, contact_id=target, due_at=_far(1))
    merge_id = str(uuid.uuid4())

    def publish(kind: str, data: dict) -> None:
        event = {
            "specversion": "1.0", "id": str(uuid.uuid4()), "source": "/switchboard/contacts", "type": f"switchboard.{kind}",
            "time": _rfc3339(time.time()), "datacontenttype": "application/json", "data": data,
        }
        observer.publish(json.dumps(event), exchange="switchboard.events", routing_key=kind, message_id=event["id"])

    def contact_of(callback: dict) -> str:
        return kate.get(f"{CALLBACKS}/{callback['id']}", timeout=5).json()["contact_id"]

    publish("contact.merged", {"id": merge_id, "target_id": target, "source_id": source, "at": _rfc3339(time.time())})
    sb.wait_until(lambda: contact_of(moved) == target, timeout=10, what="callback re-pointed to the target")
    publish("contact.unmerged", {"id": merge_id, "target_id": target, "source_id": source, "at": _rfc3339(time.time())})
    sb.wait_until(lambda: contact_of(moved) == source, timeout=10, what="callback given back to the source")
    events = callback_watcher.wait_for(moved["id"], "callback.rescheduled", timeout=5, count=2)
    assert [_check_envelope(d, "callback.rescheduled")["data"]["contact_id"] for _, d in events] == [target, source]
    assert contact_of(own) == target, "the target's own callback stays"
    for callback in (moved, own):
        kate.delete(f"{CALLBACKS}/{callback['id']}", timeout=5)


# --- Many callbacks, two instances, one killed ------------------------------------------

BULK = 1000
WINDOW = 3.0
HEAVY_LIMIT = 40.0


def _start_instance(executable: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as handle:
        return subprocess.Popen(
            [str(executable)], env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop_instance(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=sb.STOP_LIMIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.heavy
def test_thousand_callbacks_fire_exactly_once_across_two_instances_and_a_kill(system, tmp_path):
    """1,000 callbacks due within the same 3 seconds, two `callback` instances, one killed
    with SIGKILL halfway through and restarted: every callback fires, as exactly one
    `callback.due` event (one CloudEvent id), within a second of its due time by the
    database's clock. Bounded: the test fails rather than run past 40 s."""
    started = time.monotonic()
    executable = Path(os.environ.get("SWITCHBOARD_BIN_DIR", sb.DEFAULT_BIN_DIR)) / "callback"
    if not os.access(executable, os.X_OK):
        pytest.fail(f"no executable {executable} for the second callback instance (set SWITCHBOARD_BIN_DIR)", pytrace=False)
    port = int(os.environ.get("SB_CALLBACK2_PORT", "18085"))
    if sb.port_open(port):
        pytest.fail(f"port {port} for the second callback instance is in use (set SB_CALLBACK2_PORT)", pytrace=False)
    env = {**system.env, "SWITCHBOARD_HTTP_PORT": str(port)}
    log = (system.services.log_dir if system.services else tmp_path) / "callback-2.log"
    second_url = f"http://127.0.0.1:{port}"

    def second_ready() -> bool:
        try:
            return requests.get(second_url + "/health/ready", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    second = _start_instance(executable, env, log)
    watcher: EventWatcher | None = None
    local = threading.local()

    def client() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = _client(system, "bulk-scheduler", ["agent"], "Bulk")
        return local.session

    try:
        sb.wait_until(second_ready, timeout=30, what=f"second callback instance ready on {port} (log {log})", interval=0.1)
        watcher = EventWatcher(system.amqp_url, ["callback.due"])
        queue = _unique("bulk")
        bases = [CALLBACKS, second_url + "/v1/callbacks"]

        def create(index: int, due_at: str) -> str:
            response = client().post(
                bases[index % 2],
                json={"phone": "+14155550100", "due_at": due_at, "target": {"type": "queue", "id": queue}, "channel": "voice"},
                timeout=10,
            )
            assert response.status_code == 201, response.text
            return response.json()["id"]

        with ThreadPoolExecutor(max_workers=16) as pool:
            # Measure the creation rate on probes due in an hour (then cancelled), and pick
            # the due window so that creation ends at least 2 s before it starts.
            probe_start = time.monotonic()
            probes = list(pool.map(lambda i: create(i, _far(1 / 24)), range(40)))
            rate = len(probes) / max(0.01, time.monotonic() - probe_start)
            list(pool.map(lambda p: client().delete(f"{CALLBACKS}/{p}", timeout=10), probes))
            lead = min(18.0, BULK / rate * 1.5 + 2.5)
            window_start = time.time() + lead
            dues = [round(window_start + WINDOW * i / BULK, 3) for i in range(BULK)]
            ids = list(pool.map(lambda pair: create(pair[0], _rfc3339(pair[1])), enumerate(dues)))
        created_at = time.time()
        assert created_at + 2.0 <= window_start, (
            f"creating {BULK} callbacks took until {created_at - window_start:+.1f}s from the due window "
            f"(probe rate {rate:.0f}/s); the window must start 2 s after creation"
        )
        due_of = dict(zip(ids, dues))

        killed = restarted = False
        deadline = min(window_start + WINDOW + 8.0, time.time() + HEAVY_LIMIT - (time.monotonic() - started) - 3)
        while time.time() < deadline:
            if not killed and time.time() >= window_start + WINDOW / 2:
                second.send_signal(signal.SIGKILL)
                second.wait()
                killed = True
                second = _start_instance(executable, env, log)
                restarted = True
            watcher.pump(0.05)
            if len({sb.event_data(d).get("id") for _, d in watcher.received}) >= BULK and time.time() > window_start + WINDOW + 1.0:
                break
        watcher.pump_until(time.time() + 1.0)  # duplicates, if any, would arrive now
        assert killed and restarted, "the window ended before the kill"

        events: dict[str, set[str]] = {}
        late: list[float] = []
        deliveries = 0
        for received_at, delivery in watcher.received:
            data = sb.event_data(delivery)
            if data.get("id") not in due_of:
                continue
            deliveries += 1
            events.setdefault(data["id"], set()).add(delivery.json["id"])
            late.append(_epoch(data["fired_at"]) - due_of[data["id"]])
        missing = [i for i in ids if i not in events]
        twice = {i: e for i, e in events.items() if len(e) > 1}
        assert not missing, f"{len(missing)} of {BULK} callbacks never fired, e.g. {missing[:3]}"
        assert not twice, f"{len(twice)} callbacks fired more than once, e.g. {list(twice.items())[:3]}"
        assert min(late) >= -0.01, f"a callback fired {-min(late):.3f}s early"
        assert max(late) <= FIRING_BOUND, (
            f"fired up to {max(late):.3f}s after the due time (median {sorted(late)[len(late) // 2]:.3f}s)"
        )
        # Redelivered copies of one event (same CloudEvent id) are allowed: publishing is
        # at-least-once and consumers dedup by message_id (docs/architecture.md section 5).
        print(f"\n{BULK} callbacks, {deliveries} deliveries, lateness max {max(late):.3f}s, lead {lead:.1f}s, rate {rate:.0f}/s")
        assert time.monotonic() - started < HEAVY_LIMIT, f"took {time.monotonic() - started:.1f}s"
    finally:
        if watcher is not None:
            watcher.close()
        _stop_instance(second)
