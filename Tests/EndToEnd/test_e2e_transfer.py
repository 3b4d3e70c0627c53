"""Routing offers and instant transfers through `transfer` (issue #4; docs/architecture.md
section 4 "Routing" and "Instant transfer"), and what a supervisor sees of them
(`GET /v1/agents`, `GET /v1/queues`, session's `GET /v1/interactions?queue=&state=`; section
10.3), with the real executables, RabbitMQ and PostgreSQL.

The suite runs `transfer` with SWITCHBOARD_OFFER_TIMEOUT=3 (set in sb_env), so expiries
take seconds. Every test makes its own queue and agent ids (uuid suffix), so agents and
interactions left over by other tests never meet its interactions.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests

import e2e_support as sb

TRANSFER = sb.base_url("transfer")
SESSION = sb.base_url("session")
OFFER_TIMEOUT = 3


def _client(system, sub: str, roles: list[str], name: str | None = None) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {system.token(sub, roles, name=name or sub)}"
    return session


@pytest.fixture
def admin(system) -> requests.Session:
    return _client(system, "ada", ["admin"], "Ada Admin")


@pytest.fixture
def supervisor(system) -> requests.Session:
    return _client(system, "boss", ["supervisor"], "Sue Pervisor")


class Agent:
    """An agent of the directory with its own desktop (token sub = its id)."""

    def __init__(self, system, admin, name: str, queues: list[str], capacity: int = 5):
        self.id = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}"
        self.name = name
        self.desk = _client(system, self.id, ["agent"], name)
        response = admin.put(f"{TRANSFER}/v1/agents/{self.id}",
                             json={"name": name, "queues": queues, "capacity": {"sms": capacity}}, timeout=5)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["presence"] == {"sms": "not_ready"} and body["capacity"] == {"sms": capacity}

    def presence(self, state: str) -> dict:
        response = self.desk.put(f"{TRANSFER}/v1/agents/{self.id}/presence", json={"channel": "sms", "state": state}, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    def ready(self) -> dict:
        body = self.presence("ready")
        time.sleep(0.05)  # distinct ready_since marks: "longest idle" is then well defined
        return body

    def offers(self) -> list[dict]:
        response = self.desk.get(f"{TRANSFER}/v1/agents/{self.id}/offers", timeout=5)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def wait_offer(self, interaction_id: str, timeout: float = 10) -> dict:
        return sb.wait_until(
            lambda: next((o for o in self.offers() if o["interaction_id"] == interaction_id), None),
            timeout, f"an offer of {interaction_id} to {self.id}",
        )

    def accept(self, offer: dict) -> requests.Response:
        return self.desk.post(f"{TRANSFER}/v1/offers/{offer['id']}/accept", timeout=5)

    def reject(self, offer: dict) -> requests.Response:
        return self.desk.post(f"{TRANSFER}/v1/offers/{offer['id']}/reject", timeout=5)

    def agent(self) -> dict:
        response = self.desk.get(f"{TRANSFER}/v1/agents/{self.id}", timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    def reply(self, interaction_id: str, text: str = "Happy to help") -> requests.Response:
        return self.desk.post(f"{SESSION}/v1/interactions/{interaction_id}/messages", json={"text": text}, timeout=5)

    def transfer(self, interaction_id: str, target_type: str, target_id: str, note: str | None = None) -> requests.Response:
        body = {"interaction_id": interaction_id, "target": {"type": target_type, "id": target_id}}
        if note:
            body["note"] = note
        return self.desk.post(f"{TRANSFER}/v1/transfers", json=body, timeout=5)


def new_queue() -> str:
    return f"q-{uuid.uuid4().hex[:10]}"


def arrive(observer, admin, supervisor, queue: str, text: str = "Hello, I need help") -> tuple[str, str]:
    """An inbound SMS to a fresh organisation number routed to QUEUE: (interaction id, customer)."""
    _, customer = sb.customer_number()
    org = sb.org_number()
    response = admin.put(f"{SESSION}/v1/numbers/{org.replace('+', '%2B')}", json={"mode": "session", "queue": queue}, timeout=5)
    assert response.status_code == 200, response.text
    observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": text})
    interaction = sb.wait_for_interaction(supervisor, timeout=15, **{"from": customer, "to": org})
    assert interaction["queue"] == queue
    return interaction["id"], customer


def owner_of(supervisor, interaction_id: str) -> str | None:
    body = sb.get_interaction(supervisor, interaction_id)
    return (body.get("owner") or {}).get("id")


def wait_owner(supervisor, interaction_id: str, agent_id: str, timeout: float = 10) -> dict:
    def probe():
        body = sb.get_interaction(supervisor, interaction_id)
        return body if (body.get("owner") or {}).get("id") == agent_id else None

    return sb.wait_until(probe, timeout, f"{interaction_id} owned by {agent_id}")


def wait_load(agent: Agent, load: int, timeout: float = 10) -> dict:
    return sb.wait_until(lambda: (lambda a: a if a["load"]["sms"] == load else None)(agent.agent()), timeout,
                         f"{agent.id} with load {load}")


def assert_no_offer(agent: Agent, interaction_id: str, seconds: float = 1.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert not [o for o in agent.offers() if o["interaction_id"] == interaction_id], f"{agent.id} was offered {interaction_id}"
        time.sleep(0.1)


def routed_to(observer, admin, supervisor, agent: Agent, queue: str) -> str:
    """An interaction routed to AGENT and accepted: owned by it in session."""
    interaction_id, _ = arrive(observer, admin, supervisor, queue)
    assert agent.accept(agent.wait_offer(interaction_id)).status_code == 200
    wait_owner(supervisor, interaction_id, agent.id)
    return interaction_id


# --- Routing --------------------------------------------------------------------------------


def test_offered_to_the_longest_idle_ready_agent_and_accepted(system, observer, admin, supervisor):
    queue = new_queue()
    first = Agent(system, admin, "Kate Lewis", [queue])
    second = Agent(system, admin, "Sam Other", [queue])
    absent = Agent(system, admin, "Nora Away", [queue])
    first.ready()
    second.ready()
    # `absent` stays not_ready.

    interaction_id, customer = arrive(observer, admin, supervisor, queue)
    offer = first.wait_offer(interaction_id)
    assert offer["kind"] == "route" and offer["state"] == "pending" and offer["agent_id"] == first.id
    assert offer["from_agent"] is None
    assert offer["preview"]["from"] == customer and offer["preview"]["case_data"] == {}
    assert offer["preview"]["origin"] == "Inbound SMS Session Mode"
    assert_no_offer(second, interaction_id, 0.5)
    assert_no_offer(absent, interaction_id, 0.1)
    observer.wait_event(lambda d: d.routing_key == "offer.created" and sb.event_data(d).get("id") == offer["id"])

    accepted = first.accept(offer)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    observer.wait_event(lambda d: d.routing_key == "offer.accepted" and sb.event_data(d).get("id") == offer["id"])
    body = wait_owner(supervisor, interaction_id, first.id)
    assert body["state"] == "active"
    assigned = observer.wait_event(lambda d: d.routing_key == "interaction.assigned"
                                   and sb.event_data(d).get("interaction_id") == interaction_id)
    assert sb.event_data(assigned)["reason"] == "routed"
    wait_load(first, 1)
    assert first.reply(interaction_id).status_code == 202

    # The next arrival goes to `second`: idle longer than `first`, who was just assigned one.
    next_id, _ = arrive(observer, admin, supervisor, queue)
    second.wait_offer(next_id)
    assert_no_offer(first, next_id, 0.3)


def test_reject_goes_to_the_next_agent_and_never_back(system, observer, admin, supervisor):
    queue = new_queue()
    first = Agent(system, admin, "Kate Lewis", [queue])
    second = Agent(system, admin, "Sam Other", [queue])
    first.ready()
    second.ready()
    interaction_id, _ = arrive(observer, admin, supervisor, queue)

    offer = first.wait_offer(interaction_id)
    rejected = first.reject(offer)
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    observer.wait_event(lambda d: d.routing_key == "offer.rejected" and sb.event_data(d).get("id") == offer["id"])
    again = first.reject(offer)
    assert again.status_code == 409 and again.json()["code"] == "offer_not_pending"

    second_offer = second.wait_offer(interaction_id)
    assert second.reject(second_offer).status_code == 200
    # Both declined: it waits, and goes to neither again.
    assert_no_offer(first, interaction_id, 1.0)
    assert_no_offer(second, interaction_id, 0.1)

    third = Agent(system, admin, "Tom Third", [queue])
    third.ready()
    assert third.accept(third.wait_offer(interaction_id)).status_code == 200
    wait_owner(supervisor, interaction_id, third.id)


def test_expiry_goes_to_the_next_agent_and_a_late_accept_is_refused(system, observer, admin, supervisor):
    queue = new_queue()
    first = Agent(system, admin, "Kate Lewis", [queue])
    second = Agent(system, admin, "Sam Other", [queue])
    first.ready()
    second.ready()
    interaction_id, _ = arrive(observer, admin, supervisor, queue)

    offer = first.wait_offer(interaction_id)
    observer.wait_event(lambda d: d.routing_key == "offer.expired" and sb.event_data(d).get("id") == offer["id"],
                        timeout=OFFER_TIMEOUT + 5)
    late = first.accept(offer)
    assert late.status_code == 409 and late.json()["code"] == "offer_expired"
    assert owner_of(supervisor, interaction_id) is None

    second_offer = second.wait_offer(interaction_id)
    assert second.accept(second_offer).status_code == 200
    wait_owner(supervisor, interaction_id, second.id)
    assert_no_offer(first, interaction_id, 0.3)


def test_accept_after_its_time_even_before_the_scheduler_ran_is_refused(system, observer, admin, supervisor):
    queue = new_queue()
    only = Agent(system, admin, "Kate Lewis", [queue])
    only.ready()
    interaction_id, _ = arrive(observer, admin, supervisor, queue)
    offer = only.wait_offer(interaction_id)
    # Wait until just past the deadline (the scheduler may or may not have run yet).
    expires = offer["expires_at"]
    time.sleep(OFFER_TIMEOUT + 0.2)
    late = only.accept(offer)
    assert late.status_code == 409 and late.json()["code"] == "offer_expired", (expires, late.text)
    assert owner_of(supervisor, interaction_id) is None


def test_no_agent_the_interaction_waits_until_one_is_ready(system, observer, admin, supervisor):
    queue = new_queue()
    later = Agent(system, admin, "Kate Lewis", [queue])
    interaction_id, _ = arrive(observer, admin, supervisor, queue)
    assert_no_offer(later, interaction_id, 1.0)

    later.ready()
    offer = later.wait_offer(interaction_id, timeout=5)
    assert later.accept(offer).status_code == 200
    wait_owner(supervisor, interaction_id, later.id)


def test_capacity_is_respected_and_freed_capacity_is_used(system, observer, admin, supervisor):
    queue = new_queue()
    busy = Agent(system, admin, "Kate Lewis", [queue], capacity=1)
    busy.ready()
    first_id, _ = arrive(observer, admin, supervisor, queue)
    second_id, _ = arrive(observer, admin, supervisor, queue)

    first_offer = busy.wait_offer(first_id)
    assert_no_offer(busy, second_id, 1.0)  # a pending offer takes the only slot
    assert busy.accept(first_offer).status_code == 200
    wait_owner(supervisor, first_id, busy.id)
    wait_load(busy, 1)
    assert_no_offer(busy, second_id, 1.0)  # owning one takes it too

    # Done frees the slot: the waiting interaction is offered at once.
    done = busy.desk.post(f"{SESSION}/v1/interactions/{first_id}/done", timeout=5)
    assert done.status_code == 200, done.text
    wait_load(busy, 0)
    assert busy.accept(busy.wait_offer(second_id)).status_code == 200
    wait_owner(supervisor, second_id, busy.id)

    # Raising the capacity is a trigger too.
    third_id, _ = arrive(observer, admin, supervisor, queue)
    assert_no_offer(busy, third_id, 0.8)
    response = admin.put(f"{TRANSFER}/v1/agents/{busy.id}", json={"name": busy.name, "queues": [queue], "capacity": {"sms": 2}}, timeout=5)
    assert response.status_code == 200 and response.json()["presence"] == {"sms": "ready"}
    busy.wait_offer(third_id, timeout=5)


def test_two_accepts_of_one_offer_one_wins(system, observer, admin, supervisor):
    queue = new_queue()
    agent = Agent(system, admin, "Kate Lewis", [queue])
    agent.ready()
    interaction_id, _ = arrive(observer, admin, supervisor, queue)
    offer = agent.wait_offer(interaction_id)

    def accept(_):
        desk = _client(system, agent.id, ["agent"], agent.name)
        return desk.post(f"{TRANSFER}/v1/offers/{offer['id']}/accept", timeout=10)

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(accept, range(2)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    assert next(r for r in responses if r.status_code == 409).json()["code"] == "offer_not_pending"
    wait_owner(supervisor, interaction_id, agent.id)
    rejected = agent.reject(offer)
    assert rejected.status_code == 409 and rejected.json()["code"] == "offer_not_pending"
    observer.wait_event(lambda d: d.routing_key == "interaction.assigned" and sb.event_data(d).get("interaction_id") == interaction_id)
    observer.pump(0.5)
    assigns = observer.events_of("interaction.assigned", lambda d: sb.event_data(d).get("interaction_id") == interaction_id)
    assert len(assigns) == 1


def test_only_the_offered_agent_answers(system, observer, admin, supervisor):
    queue = new_queue()
    agent = Agent(system, admin, "Kate Lewis", [queue])
    other = Agent(system, admin, "Sam Other", [queue])
    agent.ready()
    interaction_id, _ = arrive(observer, admin, supervisor, queue)
    offer = agent.wait_offer(interaction_id)
    assert other.accept(offer).status_code == 404
    assert supervisor.post(f"{TRANSFER}/v1/offers/{offer['id']}/accept", timeout=5).status_code == 403
    assert other.desk.get(f"{TRANSFER}/v1/agents/{agent.id}/offers", timeout=5).status_code == 403
    assert other.desk.put(f"{TRANSFER}/v1/agents/{agent.id}/presence", json={"channel": "sms", "state": "not_ready"},
                          timeout=5).status_code == 403


# --- Instant transfer -----------------------------------------------------------------------


def test_transfer_to_an_agent_accepted_moves_ownership(system, observer, admin, supervisor):
    queue = new_queue()
    source = Agent(system, admin, "Kate Lewis", [queue])
    target = Agent(system, admin, "Sam Other", [f"{queue}-other"])
    source.ready()
    target.ready()
    interaction_id = routed_to(observer, admin, supervisor, source, queue)

    # An agent who never owned it is told it does not exist (ids cannot be probed).
    intruder = target.transfer(interaction_id, "agent", source.id)
    assert intruder.status_code == 404 and intruder.json()["code"] == "not_found", intruder.text
    unknown = source.transfer(str(uuid.uuid4()), "agent", target.id)
    assert unknown.status_code == 404

    created = source.transfer(interaction_id, "agent", target.id, note="Billing question")
    assert created.status_code == 202, created.text
    transfer = created.json()
    assert transfer["state"] == "pending" and transfer["from_agent_id"] == source.id
    assert transfer["target"] == {"type": "agent", "id": target.id} and transfer["interaction_id"] == interaction_id
    assert created.headers["Location"] == f"/v1/transfers/{transfer['id']}"
    observer.wait_event(lambda d: d.routing_key == "transfer.requested" and sb.event_data(d).get("id") == transfer["id"])

    offer = target.wait_offer(interaction_id)
    assert offer["kind"] == "transfer" and offer["transfer_id"] == transfer["id"]
    assert offer["from_agent"] == {"id": source.id, "name": source.name}
    assert target.accept(offer).status_code == 200

    body = wait_owner(supervisor, interaction_id, target.id)
    assert any(e["kind"] == "system" and e["text"].startswith("Transferred on") for e in body["transcript"])
    assigned = observer.wait_event(lambda d: d.routing_key == "interaction.assigned"
                                   and sb.event_data(d).get("transfer_id") == transfer["id"])
    assert sb.event_data(assigned)["reason"] == "transferred" and sb.event_data(assigned)["previous_owner_id"] == source.id

    refused = source.reply(interaction_id)
    assert refused.status_code == 403 and refused.json()["code"] == "not_owner"
    assert target.reply(interaction_id).status_code == 202
    shown = source.desk.get(f"{TRANSFER}/v1/transfers/{transfer['id']}", timeout=5)
    assert shown.status_code == 200 and shown.json()["state"] == "accepted"
    wait_load(source, 0)
    wait_load(target, 1)


def test_transfer_rejected_stays_with_the_source_who_is_notified(system, observer, admin, supervisor):
    queue = new_queue()
    source = Agent(system, admin, "Kate Lewis", [queue])
    target = Agent(system, admin, "Sam Other", [f"{queue}-other"])
    source.ready()
    target.ready()
    interaction_id = routed_to(observer, admin, supervisor, source, queue)

    transfer = source.transfer(interaction_id, "agent", target.id).json()
    offer = target.wait_offer(interaction_id)
    assert target.reject(offer).status_code == 200
    observer.wait_event(lambda d: d.routing_key == "transfer.rejected" and sb.event_data(d).get("id") == transfer["id"])

    shown = source.desk.get(f"{TRANSFER}/v1/transfers/{transfer['id']}", timeout=5).json()
    assert shown["state"] == "rejected"
    assert owner_of(supervisor, interaction_id) == source.id
    assert source.reply(interaction_id).status_code == 202

    notifications = source.desk.get(f"{TRANSFER}/v1/agents/{source.id}/notifications", timeout=5)
    assert notifications.status_code == 200
    note = next(n for n in notifications.json()["items"] if n["transfer_id"] == transfer["id"])
    assert note["kind"] == "transfer_rejected" and note["interaction_id"] == interaction_id
    assert note["by_agent"] == {"id": target.id, "name": target.name}
    assert note["text"] == "Sam Other rejected the transfer"


def test_transfer_expired_stays_with_the_source_who_is_notified(system, observer, admin, supervisor):
    queue = new_queue()
    source = Agent(system, admin, "Kate Lewis", [queue])
    target = Agent(system, admin, "Sam Other", [f"{queue}-other"])
    source.ready()
    target.ready()
    interaction_id = routed_to(observer, admin, supervisor, source, queue)

    transfer = source.transfer(interaction_id, "agent", target.id).json()
    observer.wait_event(lambda d: d.routing_key == "transfer.expired" and sb.event_data(d).get("id") == transfer["id"],
                        timeout=OFFER_TIMEOUT + 5)
    assert owner_of(supervisor, interaction_id) == source.id
    items = source.desk.get(f"{TRANSFER}/v1/agents/{source.id}/notifications", timeout=5).json()["items"]
    assert any(n["transfer_id"] == transfer["id"] and n["kind"] == "transfer_expired" for n in items)


def test_second_transfer_while_one_is_pending_is_refused(system, observer, admin, supervisor):
    queue = new_queue()
    source = Agent(system, admin, "Kate Lewis", [queue])
    target = Agent(system, admin, "Sam Other", [f"{queue}-a"])
    other = Agent(system, admin, "Tom Third", [f"{queue}-b"])
    for agent in (source, target, other):
        agent.ready()
    interaction_id = routed_to(observer, admin, supervisor, source, queue)

    assert source.transfer(interaction_id, "agent", target.id).status_code == 202
    second = source.transfer(interaction_id, "agent", other.id)
    assert second.status_code == 409 and second.json()["code"] == "transfer_pending"
    assert_no_offer(other, interaction_id, 0.5)


def test_transfer_to_a_queue_is_routed_there_as_a_new_arrival(system, observer, admin, supervisor):
    queue = new_queue()
    target_queue = new_queue()
    source = Agent(system, admin, "Kate Lewis", [queue, target_queue])
    receiver = Agent(system, admin, "Sam Other", [target_queue])
    source.ready()
    interaction_id = routed_to(observer, admin, supervisor, source, queue)
    assert admin.put(f"{TRANSFER}/v1/queues/{target_queue}", json={"name": f"Billing {target_queue}"}, timeout=5).status_code == 200
    found = source.desk.get(f"{TRANSFER}/v1/targets", params={"q": target_queue}, timeout=5).json()["items"]
    assert {"type": "queue", "id": target_queue} in [{"type": t["type"], "id": t["id"]} for t in found]

    created = source.transfer(interaction_id, "queue", target_queue)
    assert created.status_code == 202, created.text
    transfer = created.json()
    assert transfer["state"] == "completed" and transfer["target"] == {"type": "queue", "id": target_queue}
    wait_load(source, 0)

    receiver.ready()
    offer = receiver.wait_offer(interaction_id)
    assert offer["kind"] == "route" and offer["from_agent"]["id"] == source.id
    assert_no_offer(source, interaction_id, 0.3)  # the source released it
    assert receiver.accept(offer).status_code == 200
    wait_owner(supervisor, interaction_id, receiver.id)
    assigned = observer.wait_event(lambda d: d.routing_key == "interaction.assigned"
                                   and sb.event_data(d).get("interaction_id") == interaction_id
                                   and sb.event_data(d).get("agent_id") == receiver.id)
    data = sb.event_data(assigned)
    assert data["reason"] == "transferred" and data["previous_owner_id"] == source.id and data["transfer_id"] == transfer["id"]
    assert source.reply(interaction_id).status_code == 403


def test_transfer_to_a_routing_point_goes_to_its_queue(system, observer, admin, supervisor):
    queue = new_queue()
    target_queue = new_queue()
    point = f"rp-{uuid.uuid4().hex[:8]}"
    source = Agent(system, admin, "Kate Lewis", [queue])
    receiver = Agent(system, admin, "Sam Other", [target_queue])
    source.ready()
    receiver.ready()
    interaction_id = routed_to(observer, admin, supervisor, source, queue)
    response = admin.put(f"{TRANSFER}/v1/routing-points/{point}", json={"name": "Billing line", "queue": target_queue}, timeout=5)
    assert response.status_code == 200 and response.json() == {"id": point, "name": "Billing line", "queue": target_queue}

    created = source.transfer(interaction_id, "routing_point", point)
    assert created.status_code == 202 and created.json()["target_queue"] == target_queue
    assert receiver.accept(receiver.wait_offer(interaction_id)).status_code == 200
    wait_owner(supervisor, interaction_id, receiver.id)



# --- What the interaction shows of offers and transfers (docs/architecture.md section 10.3) ---


def wait_interaction(supervisor, interaction_id: str, predicate, what: str, timeout: float = 10) -> dict:
    def probe():
        body = sb.get_interaction(supervisor, interaction_id)
        return body if predicate(body) else None

    return sb.wait_until(probe, timeout, f"{interaction_id} {what}")


def test_the_interaction_is_offered_while_an_offer_is_pending(system, observer, admin, supervisor):
    queue = new_queue()
    kate = Agent(system, admin, "Kate Lewis", [queue])
    sam = Agent(system, admin, "Sam Other", [queue])
    interaction_id, customer = arrive(observer, admin, supervisor, queue)
    body = sb.get_interaction(supervisor, interaction_id)
    assert body["state"] == "queued" and body["transfer"] is None
    # A new customer number, no contact: this interaction and its one message.
    assert body["contact_history"] == {"message_exchanges_24h": 1, "open_or_recent_interactions": 1}

    kate.ready()
    first = kate.wait_offer(interaction_id)
    wait_interaction(supervisor, interaction_id, lambda b: b["state"] == "offered", "offered")
    listed = supervisor.get(f"{SESSION}/v1/interactions", params={"from": customer, "state": "offered"}, timeout=5)
    assert listed.status_code == 200 and [i["id"] for i in listed.json()["items"]] == [interaction_id]
    assert "contact_history" not in listed.json()["items"][0] and listed.json()["items"][0]["transfer"] is None

    # Rejected with nobody else Ready: back in the queue.
    assert kate.reject(first).status_code == 200
    wait_interaction(supervisor, interaction_id, lambda b: b["state"] == "queued", "queued again")

    sam.ready()
    second = sam.wait_offer(interaction_id)
    wait_interaction(supervisor, interaction_id, lambda b: b["state"] == "offered", "offered again")
    assert sam.accept(second).status_code == 200
    body = wait_owner(supervisor, interaction_id, sam.id)
    assert body["state"] == "active"
    observer.wait_event(lambda d: d.routing_key == "offer.accepted" and sb.event_data(d).get("id") == second["id"])
    observer.pump(0.5)
    assert sb.get_interaction(supervisor, interaction_id)["state"] == "active", "the offer's events never move it back"


def test_the_interaction_shows_a_transfer_until_it_is_rejected_or_accepted(system, observer, admin, supervisor):
    queue = new_queue()
    source = Agent(system, admin, "Kate Lewis", [queue])
    target = Agent(system, admin, "Sam Other", [f"{queue}-other"])
    source.ready()
    target.ready()
    interaction_id = routed_to(observer, admin, supervisor, source, queue)
    assert sb.get_interaction(supervisor, interaction_id)["transfer"] is None

    transfer = source.transfer(interaction_id, "agent", target.id).json()
    offer = target.wait_offer(interaction_id)
    body = wait_interaction(supervisor, interaction_id, lambda b: (b["transfer"] or {}).get("expires_at") is not None,
                            "showing its transfer with the offer's expiry")
    assert body["state"] == "active", "a transfer offer leaves it active"
    # Transfer's events carry no target name: null. The expiry is the offer's (its event and
    # its HTTP view may round the same instant to milliseconds either way).
    shown = dict(body["transfer"])
    expires_at = datetime.fromisoformat(shown.pop("expires_at"))
    assert abs(expires_at - datetime.fromisoformat(offer["expires_at"])) <= timedelta(milliseconds=1)
    assert shown == {
        "id": transfer["id"], "target": {"type": "agent", "id": target.id, "name": None},
        "from_agent": {"id": source.id, "name": source.name}, "state": "pending",
    }
    mine = source.desk.get(f"{SESSION}/v1/interactions", params={"owner": "me", "state": "active"}, timeout=5).json()["items"]
    assert next(i for i in mine if i["id"] == interaction_id)["transfer"] == body["transfer"], "lists show it too"

    assert target.reject(offer).status_code == 200
    body = wait_interaction(supervisor, interaction_id, lambda b: b["transfer"] is None, "without its rejected transfer")
    assert body["state"] == "active" and body["owner"]["id"] == source.id

    again = source.transfer(interaction_id, "agent", target.id)
    assert again.status_code == 202, again.text
    offer = target.wait_offer(interaction_id)
    wait_interaction(supervisor, interaction_id, lambda b: (b["transfer"] or {}).get("id") == again.json()["id"], "showing the new transfer")
    assert target.accept(offer).status_code == 200
    body = wait_interaction(supervisor, interaction_id, lambda b: b["transfer"] is None and (b["owner"] or {}).get("id") == target.id,
                            "owned by the target, no transfer shown")
    assert body["state"] == "active"


# --- Supervisor views (docs/architecture.md section 10.3) -----------------------------------


def supervised_agent(supervisor, agent: Agent, queue: str) -> dict:
    """AGENT as `GET /v1/agents?queue=QUEUE` shows it to a supervisor."""
    response = supervisor.get(f"{TRANSFER}/v1/agents", params={"queue": queue}, timeout=5)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [a["id"] for a in body["items"]] == [agent.id] and body["next"] is None, body
    return body["items"][0]


def supervised_queue(supervisor, queue: str) -> dict | None:
    """QUEUE's counts in `GET /v1/queues`, following `next` until it is found or the list ends."""
    params: dict[str, object] = {"limit": 200}
    while True:
        response = supervisor.get(f"{TRANSFER}/v1/queues", params=params, timeout=5)
        assert response.status_code == 200, response.text
        body = response.json()
        found = next((q for q in body["items"] if q["id"] == queue), None)
        if found or body["next"] is None:
            return found
        params["cursor"] = body["next"]


def wait_queue(supervisor, queue: str, timeout: float = 10, **expected) -> dict:
    def probe():
        counts = supervised_queue(supervisor, queue)
        return counts if counts and all(counts[key] == value for key, value in expected.items()) else None

    return sb.wait_until(probe, timeout, f"queue {queue} with {expected}")


def wait_supervised(supervisor, agent: Agent, queue: str, timeout: float = 10, **expected) -> dict:
    def probe():
        seen = supervised_agent(supervisor, agent, queue)
        return seen if all(seen[key] == value for key, value in expected.items()) else None

    return sb.wait_until(probe, timeout, f"{agent.id} with {expected}")


def listed_ids(client, **params) -> list[str]:
    return [i["id"] for i in sb.find_interactions(client, **params)]


def test_supervisor_sees_presence_load_and_the_queue_fill_and_drain(system, observer, admin, supervisor):
    queue = new_queue()
    agent = Agent(system, admin, "Kate Lewis", [queue], capacity=2)
    assert supervised_agent(supervisor, agent, queue) == {
        "id": agent.id, "name": agent.name, "queues": [queue], "capacity": {"sms": 2}, "presence": {"sms": "not_ready"},
        "load": {"sms": 0}, "offers_pending": 0, "spare_capacity": {"sms": 2},
    }
    # A queue exists as soon as an agent names it.
    assert supervised_queue(supervisor, queue) == {
        "id": queue, "name": None, "waiting": 0, "offered": 0, "longest_wait_seconds": 0, "agents": 1, "agents_ready": 0,
    }

    # An SMS with nobody Ready waits in the queue, and the wait grows.
    interaction_id, _ = arrive(observer, admin, supervisor, queue)
    wait_queue(supervisor, queue, waiting=1, offered=0)
    time.sleep(1.2)
    assert supervised_queue(supervisor, queue)["longest_wait_seconds"] >= 1
    assert listed_ids(supervisor, queue=queue, state="queued") == [interaction_id]
    assert listed_ids(supervisor, queue=queue, state="open") == [interaction_id]
    assert listed_ids(agent.desk, queue=queue) == [], "what waits in a queue is not an agent's to list"

    # Ready: it is offered at once.
    agent.ready()
    offer = agent.wait_offer(interaction_id, timeout=5)
    wait_queue(supervisor, queue, waiting=0, offered=1, longest_wait_seconds=0, agents_ready=1)
    seen = wait_supervised(supervisor, agent, queue, offers_pending=1)
    assert seen["presence"] == {"sms": "ready"} and seen["load"] == {"sms": 0} and seen["spare_capacity"] == {"sms": 1}

    # Accepted: neither waiting nor offered; the agent's load goes up.
    assert agent.accept(offer).status_code == 200
    wait_owner(supervisor, interaction_id, agent.id)
    wait_queue(supervisor, queue, waiting=0, offered=0, agents_ready=1)
    seen = wait_supervised(supervisor, agent, queue, load={"sms": 1})
    assert seen["offers_pending"] == 0 and seen["spare_capacity"] == {"sms": 1}
    assert listed_ids(supervisor, queue=queue, state="active") == [interaction_id]
    assert listed_ids(supervisor, queue=queue, state="queued") == []
    assert listed_ids(agent.desk, queue=queue) == [interaction_id], "the owner lists it now"

    # Not Ready: the supervisor sees that too; the load stays.
    agent.presence("not_ready")
    assert wait_supervised(supervisor, agent, queue, presence={"sms": "not_ready"})["load"] == {"sms": 1}
    wait_queue(supervisor, queue, agents_ready=0)


def test_supervisor_views_need_a_supervisor_and_validate(system, supervisor, admin):
    queue = new_queue()
    agent = Agent(system, admin, "Kate Lewis", [queue])
    for path in ("/v1/agents", "/v1/queues"):
        refused = agent.desk.get(f"{TRANSFER}{path}", timeout=5)
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden", (path, refused.text)
        assert requests.get(f"{TRANSFER}{path}", timeout=5).status_code == 401
        assert admin.get(f"{TRANSFER}{path}", params={"limit": 1}, timeout=5).status_code == 200
    for path, params, detail in (
        ("/v1/agents", {"queue": "sales west"}, "queue must be"),
        ("/v1/agents", {"limit": 0}, "limit must be"),
        ("/v1/queues", {"cursor": "not-ours"}, "cursor is not valid"),
    ):
        bad = supervisor.get(f"{TRANSFER}{path}", params=params, timeout=5)
        assert bad.status_code == 422 and bad.json()["detail"].startswith(detail), (path, params, bad.text)
    bad = supervisor.get(f"{SESSION}/v1/interactions", params={"queue": "sales west"}, timeout=5)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("queue must be"), bad.text
    assert supervisor.get(f"{SESSION}/v1/interactions", params={"queue": queue, "state": "offered"}, timeout=5).status_code == 200

    # Pages of one agent each, in id order, until `next` is null.
    second = Agent(system, admin, "Sam Other", [queue])
    seen, params = [], {"queue": queue, "limit": 1}
    while True:
        body = supervisor.get(f"{TRANSFER}/v1/agents", params=params, timeout=5).json()
        assert len(body["items"]) <= 1
        seen += [a["id"] for a in body["items"]]
        if body["next"] is None:
            break
        params["cursor"] = body["next"]
    assert seen == sorted([agent.id, second.id])

def test_directory_needs_admin_and_validates(system, admin):
    agent = _client(system, "kate", ["agent"], "Kate Lewis")
    assert agent.put(f"{TRANSFER}/v1/agents/x-{uuid.uuid4().hex[:6]}", json={"name": "X"}, timeout=5).status_code == 403
    assert requests.get(f"{TRANSFER}/v1/targets", timeout=5).status_code == 401
    bad = admin.put(f"{TRANSFER}/v1/agents/x-{uuid.uuid4().hex[:6]}", json={"name": "X", "capacity": {"sms": -1}}, timeout=5)
    assert bad.status_code == 422 and bad.headers["Content-Type"].startswith("application/problem+json")
    missing = admin.put(f"{TRANSFER}/v1/agents/nobody-{uuid.uuid4().hex[:6]}/presence", json={"channel": "sms", "state": "ready"}, timeout=5)
    assert missing.status_code == 404
    wrong = admin.put(f"{TRANSFER}/v1/agents/kate/presence", json={"channel": "voice", "state": "ready"}, timeout=5)
    assert wrong.status_code == 422


def test_the_offer_preview_shows_the_contact_once_identified(system, observer, admin, supervisor, agent):
    """Offers carry who is writing (docs/architecture.md section 10.3): a number that
    belongs to a contact is identified by `contacts`, and transfer puts the contact in the
    preview of the pending offer (an agent that is offered it sees the name before it
    accepts)."""
    queue = new_queue()
    kate = Agent(system, admin, "Kate Preview", [queue])
    kate.ready()
    _, customer = sb.customer_number()
    org = sb.org_number()
    name = f"Pat {uuid.uuid4().hex[:6]}"
    made = agent.post(f"{sb.base_url('contacts')}/v1/contacts", json={"first_name": name, "phones": [customer]}, timeout=5)
    assert made.status_code == 201, made.text
    contact = made.json()
    response = admin.put(f"{SESSION}/v1/numbers/{org.replace('+', '%2B')}", json={"mode": "session", "queue": queue}, timeout=5)
    assert response.status_code == 200, response.text
    observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": "It's Pat again"})
    interaction = sb.wait_for_interaction(supervisor, timeout=15, **{"from": customer, "to": org})

    # Both stay with the offer, as REST reads it: the contact and the customer's text.
    offer = sb.wait_until(
        lambda: next((o for o in kate.offers() if o["interaction_id"] == interaction["id"] and o["preview"].get("contact")
                      and o["preview"].get("text")), None),
        15, "the pending offer with its contact and text")
    assert offer["preview"]["text"] == "It's Pat again"
    assert offer["preview"]["contact"] == {"id": contact["id"], "name": contact["display_name"]}
    assert offer["preview"]["from"] == customer
