"""A due SMS callback reaches a person (issue #20 item 5; docs/architecture.md section 10.3).

With the real executables, RabbitMQ and PostgreSQL: an agent schedules an SMS callback;
when it falls due, `callback` publishes `callback.due`, `transfer` offers it (an offer of
kind `callback`, no interaction, the callback in the offer) to its target agent or to an
agent of its target queue, on the agent's live stream and in `GET /v1/agents/{id}/offers`.
Accepting it lets the agent text the customer (agent-initiated outbound) and complete the
callback with an outcome; a rejected offer goes to the next agent of the queue and never
back; a callback completed or cancelled elsewhere withdraws its pending offer; a voice
callback is a dialer's, never offered.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

import e2e_support as sb
from sse_client import SSEStream
from test_e2e_stream import bearer
from test_e2e_transfer import SESSION, TRANSFER, Agent, admin, new_queue, routed_to, supervisor, wait_load, wait_owner  # noqa: F401 (fixtures)

CALLBACKS = sb.base_url("callback") + "/v1/callbacks"
STREAM = f"{TRANSFER}/v1/stream"
OFFER_KEYS = {
    "id", "interaction_id", "agent_id", "kind", "state", "expires_at", "from_agent", "preview", "transfer_id", "created_at",
    "decided_at", "callback",
}
CALLBACK_KEYS = {"id", "phone", "contact_id", "interaction_id", "notes", "due_at", "target", "scheduled_by", "scheduled_by_name"}


def schedule(agent: Agent, target: dict, seconds: float = 1.5, channel: str = "sms", notes: str = "Asked about a refund") -> dict:
    due = (datetime.now(timezone.utc) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    body = {"phone": sb.customer_number()[0], "due_at": due, "target": target, "channel": channel, "notes": notes}
    response = agent.desk.post(CALLBACKS, json=body, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()


def callback_offer(agent: Agent, callback_id: str, timeout: float = 10) -> dict:
    return sb.wait_until(
        lambda: next((o for o in agent.offers() if (o.get("callback") or {}).get("id") == callback_id), None),
        timeout, f"a callback offer of {callback_id} to {agent.id}")


def no_callback_offer(agent: Agent, callback_id: str, seconds: float = 1.5) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert not [o for o in agent.offers() if (o.get("callback") or {}).get("id") == callback_id]
        time.sleep(0.2)


def test_a_due_callback_is_offered_to_its_agent_live_who_texts_and_completes_it(system, admin):
    kate = Agent(system, admin, "Kate Callback", [new_queue()])
    kate.ready()
    stream = SSEStream(STREAM, headers=bearer(system, kate.id, ["agent"], kate.name))
    try:
        assert stream.status == 200
        callback = schedule(kate, {"type": "agent", "id": kate.id})
        event = stream.wait(lambda e: e.event == "offer" and (e.json().get("callback") or {}).get("id") == callback["id"],
                            timeout=15, what="the callback offer on the stream")
        offer = event.json()
        assert set(offer) == OFFER_KEYS and set(offer["callback"]) == CALLBACK_KEYS
        assert offer["kind"] == "callback" and offer["state"] == "pending" and offer["interaction_id"] is None
        assert offer["agent_id"] == kate.id
        assert offer["callback"]["phone"] == callback["phone"] and offer["callback"]["notes"] == "Asked about a refund"
        assert offer["preview"] == {"from": callback["phone"], "text": "Asked about a refund", "origin": "callback", "case_data": {},
                                    "contact": None}
        assert callback_offer(kate, callback["id"])["id"] == offer["id"]

        accepted = kate.accept(offer)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["state"] == "accepted" and accepted.json()["callback"]["id"] == callback["id"]
        stream.wait(lambda e: e.event == "offer" and e.json()["id"] == offer["id"] and e.json()["state"] == "accepted",
                    what="the offer accepted on the stream")
        assert kate.accept(offer).status_code == 409

        # The agent texts the customer back: an agent-initiated conversation it owns.
        opened = kate.desk.post(f"{SESSION}/v1/interactions",
                                json={"to": callback["phone"], "from": sb.org_number(), "text": "Hello, about your refund"},
                                timeout=10)
        assert opened.status_code == 201, opened.text
        assert (opened.json().get("owner") or {}).get("id") == kate.id

        done = kate.desk.post(f"{CALLBACKS}/{callback['id']}/complete", json={"outcome": "texted the customer"}, timeout=5)
        assert done.status_code == 200, done.text
        assert done.json()["state"] == "completed"
    finally:
        stream.close()


def test_a_queue_callback_rejected_goes_to_the_next_agent_and_never_back(system, admin):
    queue = new_queue()
    first = Agent(system, admin, "Ann First", [queue])
    second = Agent(system, admin, "Bob Second", [queue])
    first.ready()
    second.ready()
    callback = schedule(first, {"type": "queue", "id": queue})
    offered = sb.wait_until(
        lambda: next(((agent, o) for agent in (first, second) for o in agent.offers()
                      if (o.get("callback") or {}).get("id") == callback["id"]), None),
        10, "the queue callback offered to one of its agents")
    agent, offer = offered
    other = second if agent is first else first
    assert agent.id == first.id, "the longest-idle agent (ready first) gets it"
    rejected = agent.reject(offer)
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected", rejected.text
    next_offer = callback_offer(other, callback["id"])
    assert next_offer["kind"] == "callback"
    assert other.reject(next_offer).status_code == 200
    # Both declined: it waits (the callback stays `due` in the callback service).
    no_callback_offer(first, callback["id"])
    no_callback_offer(second, callback["id"], seconds=0.5)
    state = first.desk.get(f"{CALLBACKS}/{callback['id']}", timeout=5).json()["state"]
    assert state == "due"


def test_an_agent_not_ready_is_offered_its_callback_when_it_becomes_ready(system, admin):
    kate = Agent(system, admin, "Kate Later", [])
    callback = schedule(kate, {"type": "agent", "id": kate.id}, seconds=1.0)
    time.sleep(2.5)
    no_callback_offer(kate, callback["id"], seconds=0.5)
    kate.ready()
    offer = callback_offer(kate, callback["id"])
    assert offer["state"] == "pending"


def test_an_agent_in_no_queue_is_offered_its_callback_once_it_releases_an_interaction_to_a_queue(
        system, observer, admin, supervisor):
    # Nora takes direct transfers and callbacks only (no queue). Full, her due callback
    # waits; releasing her interaction to a queue frees her capacity, and the routing pass
    # that release runs must look at her callback too: no queue's pass would (docs/decisions.md).
    queue = new_queue()
    assert admin.put(f"{TRANSFER}/v1/queues/{queue}", json={"name": f"Support {queue}"}, timeout=5).status_code == 200
    sam = Agent(system, admin, "Sam Queue", [queue])
    nora = Agent(system, admin, "Nora Direct", [], capacity=1)
    sam.ready()
    nora.ready()
    interaction_id = routed_to(observer, admin, supervisor, sam, queue)
    assert sam.transfer(interaction_id, "agent", nora.id).status_code == 202
    assert nora.accept(nora.wait_offer(interaction_id)).status_code == 200
    wait_owner(supervisor, interaction_id, nora.id)
    wait_load(nora, 1)

    callback = schedule(nora, {"type": "agent", "id": nora.id}, seconds=1.0)
    sb.wait_until(lambda: nora.desk.get(f"{CALLBACKS}/{callback['id']}", timeout=5).json()["state"] == "due", 10,
                  "the callback due")
    no_callback_offer(nora, callback["id"], seconds=1.5)

    released = nora.transfer(interaction_id, "queue", queue)
    assert released.status_code == 202 and released.json()["state"] == "completed", released.text
    offer = callback_offer(nora, callback["id"], timeout=5)
    assert offer["kind"] == "callback" and offer["state"] == "pending"


def test_a_callback_cancelled_while_offered_withdraws_the_offer(system, admin):
    kate = Agent(system, admin, "Kate Withdrawn", [new_queue()])
    kate.ready()
    stream = SSEStream(STREAM, headers=bearer(system, kate.id, ["agent"], kate.name))
    try:
        callback = schedule(kate, {"type": "agent", "id": kate.id})
        offer = callback_offer(kate, callback["id"])
        cancelled = kate.desk.delete(f"{CALLBACKS}/{callback['id']}", timeout=5)
        assert cancelled.status_code == 200, cancelled.text
        stream.wait(lambda e: e.event == "offer" and e.json()["id"] == offer["id"] and e.json()["state"] == "withdrawn",
                    timeout=10, what="the offer withdrawn on the stream")
        sb.wait_until(lambda: not [o for o in kate.offers() if o["id"] == offer["id"]], 5, "the offer gone from the list")
        late = kate.accept(offer)
        assert late.status_code == 409 and late.json()["code"] == "offer_not_pending", late.text
    finally:
        stream.close()


def test_a_voice_callback_is_never_offered(system, admin):
    kate = Agent(system, admin, "Kate Voice", [new_queue()])
    kate.ready()
    callback = schedule(kate, {"type": "agent", "id": kate.id}, seconds=1.0, channel="voice")
    sb.wait_until(lambda: kate.desk.get(f"{CALLBACKS}/{callback['id']}", timeout=5).json()["state"] == "due", 10, "the voice callback due")
    no_callback_offer(kate, callback["id"], seconds=1.5)


def complete(agent: Agent, callback_id: str) -> requests.Response:
    return agent.desk.post(f"{CALLBACKS}/{callback_id}/complete", json={"outcome": "texted the customer"}, timeout=5)


def test_the_agent_who_accepts_a_queue_callback_records_its_outcome(system, admin):
    # Neither its scheduler nor its target (a queue): accepting the offer makes it the
    # agent's to complete (section 10.3), and nobody else's.
    queue = new_queue()
    scheduler = Agent(system, admin, "Sue Scheduler", [])
    taker = Agent(system, admin, "Tom Taker", [queue])
    other = Agent(system, admin, "Bea Other", [queue])
    taker.ready()
    callback = schedule(scheduler, {"type": "queue", "id": queue})
    offer = callback_offer(taker, callback["id"])
    refused = complete(taker, callback["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden", "not its callback before it accepts"
    assert taker.accept(offer).status_code == 200
    url = f"{CALLBACKS}/{callback['id']}"
    sb.wait_until(lambda: taker.desk.patch(url, json={"notes": "Taken by Tom"}, timeout=5).status_code == 200, 10,
                  "the accepting agent allowed to change the callback")
    # Now that the callback service knows who accepted it: that agent, nobody else.
    refused = complete(other, callback["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.text
    done = complete(taker, callback["id"])
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "completed" and done.json()["outcome"] == "texted the customer"
    assert done.json()["notes"] == "Taken by Tom"


def test_a_due_callback_whose_notes_change_is_still_offered(system, admin):
    kate = Agent(system, admin, "Kate Notes", [])
    callback = schedule(kate, {"type": "agent", "id": kate.id}, seconds=1.0)
    sb.wait_until(lambda: kate.desk.get(f"{CALLBACKS}/{callback['id']}", timeout=5).json()["state"] == "due", 10, "the callback due")
    edited = kate.desk.patch(f"{CALLBACKS}/{callback['id']}", json={"notes": "Refund approved, tell her"}, timeout=5)
    assert edited.status_code == 200 and edited.json()["state"] == "due", edited.text
    kate.ready()
    # Offered with the new notes, or offered first and its offer's copy brought up to date.
    offer = sb.wait_until(
        lambda: next((o for o in kate.offers() if (o.get("callback") or {}).get("id") == callback["id"]
                      and o["callback"]["notes"] == "Refund approved, tell her"), None),
        10, "the callback offered with its new notes")
    assert offer["state"] == "pending" and offer["preview"]["text"] == "Refund approved, tell her"


def test_a_declined_due_callback_re_targeted_by_a_supervisor_is_offered_to_its_new_target(system, admin, supervisor):
    queue = new_queue()
    ann = Agent(system, admin, "Ann Decliner", [queue])
    ann.ready()
    callback = schedule(ann, {"type": "queue", "id": queue})
    assert ann.reject(callback_offer(ann, callback["id"])).status_code == 200
    no_callback_offer(ann, callback["id"], seconds=1.0)
    zoe = Agent(system, admin, "Zoe Target", [])
    zoe.ready()
    moved = supervisor.patch(f"{CALLBACKS}/{callback['id']}", json={"target": {"type": "agent", "id": zoe.id}}, timeout=5)
    assert moved.status_code == 200 and moved.json()["state"] == "due", moved.text
    offer = callback_offer(zoe, callback["id"])
    assert offer["callback"]["target"] == {"type": "agent", "id": zoe.id}
    # Handed back to the queue, it is fired anew there: the earlier decline is forgotten.
    assert zoe.reject(offer).status_code == 200
    back = supervisor.patch(f"{CALLBACKS}/{callback['id']}", json={"target": {"type": "queue", "id": queue}}, timeout=5)
    assert back.status_code == 200, back.text
    assert callback_offer(ann, callback["id"])["state"] == "pending"
