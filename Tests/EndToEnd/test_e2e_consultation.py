"""IM consultations between agents (issue #20 item 6a; docs/architecture.md section 10.3),
session's side, with the real executables, RabbitMQ and PostgreSQL: the owner of an
interaction invites another agent, both post internal messages that the customer never
receives, the consulted agent reads the interaction only while the consultation is open,
and the consultation ends by hand or by itself when the interaction closes or changes
owner, with its `interaction.consultation.*` events.

Ownership comes from `transfer` in production; here the test plays transfer's part and
publishes the `interaction.assign` command itself, exactly as the contract describes it
(as test_e2e_session.py does), or an agent opens the interaction (`POST /v1/interactions`).
Every test makes its own agent ids and numbers.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime

import pika
import pytest
import requests

import e2e_support as sb

SESSION = sb.base_url("session")
CONSULTATION_KEYS = {"id", "interaction_id", "from_agent", "agent", "state", "started_at", "ended_at", "ended_by"}


def _client(system, sub: str, roles: list[str], name: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {system.token(sub, roles, name=name)}"
    return session


class Desk:
    """An agent (or supervisor) desktop: its id, name and HTTP session."""

    def __init__(self, system, name: str, roles: tuple[str, ...] = ("agent",)):
        self.id = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}"
        self.name = name
        self.http = _client(system, self.id, list(roles), name)

    def read(self, interaction_id: str) -> requests.Response:
        return self.http.get(f"{SESSION}/v1/interactions/{interaction_id}", timeout=5)

    def invite(self, interaction_id: str, agent_id: str | None) -> requests.Response:
        body = {} if agent_id is None else {"agent_id": agent_id}
        return self.http.post(f"{SESSION}/v1/interactions/{interaction_id}/consultations", json=body, timeout=5)

    def consultations(self, interaction_id: str) -> requests.Response:
        return self.http.get(f"{SESSION}/v1/interactions/{interaction_id}/consultations", timeout=5)

    def consultation(self, consultation_id: str) -> requests.Response:
        return self.http.get(f"{SESSION}/v1/consultations/{consultation_id}", timeout=5)

    def post(self, consultation_id: str, text: str) -> requests.Response:
        return self.http.post(f"{SESSION}/v1/consultations/{consultation_id}/messages", json={"text": text}, timeout=5)

    def end(self, consultation_id: str) -> requests.Response:
        return self.http.post(f"{SESSION}/v1/consultations/{consultation_id}/end", timeout=5)

    def reply(self, interaction_id: str, text: str = "Happy to help") -> requests.Response:
        return self.http.post(f"{SESSION}/v1/interactions/{interaction_id}/messages", json={"text": text}, timeout=5)

    def done(self, interaction_id: str) -> requests.Response:
        return self.http.post(f"{SESSION}/v1/interactions/{interaction_id}/done", timeout=5)


@pytest.fixture
def ann(system) -> Desk:
    return Desk(system, "Ann Owner")


@pytest.fixture
def bob(system) -> Desk:
    return Desk(system, "Bob Helper")


@pytest.fixture
def carl(system) -> Desk:
    return Desk(system, "Carl Third")


@pytest.fixture
def sam(system) -> Desk:
    """An agent who is in none of it."""
    return Desk(system, "Sam Stranger")


@pytest.fixture
def sue(system) -> Desk:
    return Desk(system, "Sue Pervisor", ("supervisor",))


@pytest.fixture
def admin(system) -> requests.Session:
    return _client(system, "ada", ["admin"], "Ada Admin")


@pytest.fixture
def outbound(system):
    """A temporary queue bound to switchboard.outbound (sms.#): every SMS anyone sends, as
    a carrier connector sees it. `sent(interaction_id)` pumps for a moment and lists the SMS
    of that interaction."""
    connection = pika.BlockingConnection(pika.URLParameters(system.amqp_url))
    channel = connection.channel()
    queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue, "switchboard.outbound", "sms.#")
    received: list[dict] = []
    channel.basic_consume(queue, lambda _c, _m, _p, body: received.append(json.loads(body)), auto_ack=True)

    def sent(interaction_id: str, seconds: float = 1.5) -> list[dict]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.05)
        return [sms for sms in received if sms.get("interaction_id") == interaction_id]

    yield sent
    connection.close()


def _ok(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.url}: {response.status_code} {response.text}"
    return response.json()


def _refused(response: requests.Response, status: int, code: str) -> dict:
    assert (response.status_code, response.headers.get("content-type", "").split(";")[0]) == (status, "application/problem+json"), (
        f"{response.request.method} {response.url}: expected {status} {code}, got {response.status_code} {response.text}")
    body = response.json()
    assert body["code"] == code, body
    return body


def assign(observer, interaction_id: str, agent: Desk, expected_owner: str | None, reason: str = "routed") -> None:
    """Transfer's `interaction.assign` command, as the contract describes it."""
    observer.publish({"interaction_id": interaction_id, "agent_id": agent.id, "agent_name": agent.name,
                      "expected_owner_id": expected_owner, "reason": reason},
                     exchange="switchboard.commands", routing_key="session.interaction.assign")


def owned_by(supervisor: Desk, interaction_id: str, agent: Desk) -> dict:
    def probe():
        body = _ok(supervisor.read(interaction_id), 200)
        return body if (body.get("owner") or {}).get("id") == agent.id else None

    return sb.wait_until(probe, timeout=10, what=f"{interaction_id} owned by {agent.id}")


def inbound_interaction(observer, admin, supervisor: Desk, owner: Desk, text: str = "My refund has not arrived") -> tuple[str, str, str]:
    """A customer's SMS to a fresh Session-mode number, assigned to OWNER: (interaction id,
    customer, organisation number)."""
    _, customer = sb.customer_number()
    org = sb.org_number()
    _ok(admin.put(f"{SESSION}/v1/numbers/{org.replace('+', '%2B')}", json={"mode": "session"}, timeout=5), 200)
    observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": text})
    interaction = sb.wait_for_interaction(supervisor.http, timeout=15, **{"from": customer, "to": org})
    assign(observer, interaction["id"], owner, None)
    owned_by(supervisor, interaction["id"], owner)
    return interaction["id"], customer, org


def opened_interaction(owner: Desk) -> str:
    """An interaction OWNER opens by texting a customer first: owned from the start."""
    _, customer = sb.customer_number()
    body = _ok(owner.http.post(f"{SESSION}/v1/interactions", json={"to": customer, "from": sb.org_number(),
                                                                   "text": "Hello, about your order"}, timeout=5), 201)
    return body["id"]


def of_interaction(event_type: str, interaction_id: str):
    return lambda d: d.routing_key == event_type and sb.event_data(d).get("interaction_id") == interaction_id


def assert_consultation(body: dict, interaction_id: str, owner: Desk, agent: Desk, state: str) -> None:
    assert set(body) == CONSULTATION_KEYS, f"every key, none else: {body}"
    assert body["interaction_id"] == interaction_id and body["state"] == state
    assert body["from_agent"] == {"id": owner.id, "name": owner.name}
    assert body["agent"] == {"id": agent.id, "name": None}, "session does not own the agent directory"
    datetime.fromisoformat(body["started_at"].replace("Z", "+00:00"))
    uuid.UUID(body["id"])


def test_a_consultation_from_invitation_to_end(system, observer, admin, ann, bob, sam, sue, outbound):
    """A invites B on A's interaction; B reads it while the consultation is open, both post
    internal messages that land in the transcript (same seq numbering) and in
    `interaction.consultation.message` only: no SMS, no `interaction.message.appended`, not
    counted as exchanges. B ends it: B loses the interaction (404), keeps the consultation."""
    interaction, customer, org = inbound_interaction(observer, admin, sue, ann)
    _refused(bob.read(interaction), 404, "not_found")
    _refused(bob.consultations(interaction), 404, "not_found")

    invited = ann.invite(interaction, bob.id)
    started = _ok(invited, 201)
    assert_consultation(started, interaction, ann, bob, "open")
    assert started["ended_at"] is None and started["ended_by"] is None
    assert invited.headers["Location"] == f"/v1/consultations/{started['id']}"
    consultation = started["id"]
    _refused(ann.invite(interaction, bob.id), 409, "consultation_open")

    # B reads the interaction like a participant while it is open, and finds it in its list,
    # but acts on nothing; a stranger still sees nothing of it.
    read = _ok(bob.read(interaction), 200)
    assert read["owner"]["id"] == ann.id and read["transcript"][0]["text"] == "My refund has not arrived"
    assert interaction in [i["id"] for i in sb.find_interactions(bob.http, **{"from": customer, "to": org})]
    _refused(bob.reply(interaction), 403, "not_owner")
    _refused(bob.done(interaction), 403, "not_owner")
    _refused(bob.invite(interaction, sam.id), 403, "not_owner")
    for response in (sam.read(interaction), sam.consultations(interaction), sam.consultation(consultation),
                     sam.post(consultation, "Let me in"), sam.end(consultation)):
        _refused(response, 404, "not_found")
    assert _ok(bob.consultation(consultation), 200) == started
    assert _ok(sue.consultation(consultation), 200) == started
    assert _ok(sue.consultations(interaction), 200) == {"items": [started]}
    _refused(sue.post(consultation, "A supervisor's word"), 403, "not_in_consultation")

    # Both post; the customer gets none of it.
    asked = _ok(ann.post(consultation, "  Did the refund for A-17 go out? Call me on +1 415 555 0100\n"), 201)
    assert asked["kind"] == "internal" and asked["direction"] is None
    assert asked["author"] == {"type": "agent", "id": ann.id, "name": ann.name}
    assert asked["text"] == "Did the refund for A-17 go out? Call me on +1 415 555 0100", "trimmed"
    assert asked["entities"]["phones"] == ["+14155550100"] and asked["parts"] == [] and asked["media"] == []
    answered = _ok(bob.post(consultation, "Yes, yesterday."), 201)
    assert answered["author"] == {"type": "agent", "id": bob.id, "name": bob.name} and answered["seq"] == asked["seq"] + 1
    _refused(bob.post(consultation, "   "), 422, "invalid_request")

    transcript = _ok(ann.read(interaction), 200)["transcript"]
    assert [e["seq"] for e in transcript] == list(range(1, len(transcript) + 1)), "one seq numbering"
    internal = [e for e in transcript if e["kind"] == "internal"]
    assert internal == [asked, answered]
    assert _ok(bob.read(interaction), 200)["transcript"] == transcript
    assert _ok(ann.read(interaction), 200)["contact_history"]["message_exchanges_24h"] == 1, "internal messages are not exchanges"
    assert outbound(interaction) == [], "no SMS for internal messages"

    # Events: started, then one message per post with its entry; never message.appended.
    started_event = observer.wait_event(of_interaction("interaction.consultation.started", interaction), what="consultation started")
    envelope = started_event.json
    assert envelope["type"] == "switchboard.interaction.consultation.started" and envelope["subject"] == interaction
    assert envelope["source"] == "/switchboard/session" and started_event.properties.correlation_id == interaction
    assert sb.event_data(started_event) == {"interaction_id": interaction, "consultation": started}
    sb.wait_until(lambda: len(observer.events_of("interaction.consultation.message",
                                                 lambda d: sb.event_data(d).get("interaction_id") == interaction)) == 2
                  or observer.pump(0.1), timeout=10, what="two consultation.message events")
    messages = [sb.event_data(d) for d in observer.events_of("interaction.consultation.message",
                                                             lambda d: sb.event_data(d).get("interaction_id") == interaction)]
    assert [m["entry"] for m in messages] == [asked, answered]
    assert all(m["consultation"] == started for m in messages)
    appended = observer.events_of("interaction.message.appended", lambda d: sb.event_data(d).get("interaction_id") == interaction)
    assert {sb.event_data(d)["seq"] for d in appended}.isdisjoint({asked["seq"], answered["seq"]})
    assert all(sb.event_data(d)["kind"] != "internal" for d in appended)

    # B ends it: ended_by B; nothing more is posted; B no longer reads the interaction.
    ended = _ok(bob.end(consultation), 200)
    assert_consultation(ended, interaction, ann, bob, "ended")
    assert ended["ended_by"] == {"id": bob.id, "name": bob.name} and ended["ended_at"] is not None
    _refused(bob.end(consultation), 409, "consultation_ended")
    _refused(ann.end(consultation), 409, "consultation_ended")
    _refused(ann.post(consultation, "One more thing"), 409, "consultation_ended")
    _refused(bob.read(interaction), 404, "not_found")
    assert interaction not in [i["id"] for i in sb.find_interactions(bob.http, **{"from": customer, "to": org})]
    assert _ok(bob.consultation(consultation), 200) == ended, "its own consultation stays readable"
    assert _ok(bob.consultations(interaction), 200) == {"items": [ended]}
    assert _ok(ann.read(interaction), 200)["transcript"][-2:] == [asked, answered], "the history keeps them"
    ended_event = observer.wait_event(of_interaction("interaction.consultation.ended", interaction), what="consultation ended")
    assert sb.event_data(ended_event) == {"interaction_id": interaction, "consultation": ended}

    # A new consultation with B may start again, newest first in the list.
    again = _ok(ann.invite(interaction, bob.id), 201)
    assert [c["id"] for c in _ok(ann.consultations(interaction), 200)["items"]] == [again["id"], consultation]
    assert outbound(interaction, 0.5) == []


def test_consultations_end_when_the_interaction_closes(system, observer, ann, bob, carl, outbound):
    """Done closes the interaction and, in the same transaction, ends its open consultations
    by the system (`ended_by` null), their events before `interaction.closed`; nothing more
    is posted, nobody is invited, and the consulted agents lose the interaction."""
    interaction = opened_interaction(ann)
    with_bob = _ok(ann.invite(interaction, bob.id), 201)
    with_carl = _ok(ann.invite(interaction, carl.id), 201)
    _ok(carl.post(with_carl["id"], "Happy to help"), 201)
    _ok(ann.end(with_carl["id"]), 200)  # ended by hand before: stays as it was

    _ok(ann.done(interaction), 200)
    ended = _ok(bob.consultation(with_bob["id"]), 200)
    assert ended["state"] == "ended" and ended["ended_by"] is None and ended["ended_at"] is not None
    assert _ok(carl.consultation(with_carl["id"]), 200)["ended_by"] == {"id": ann.id, "name": ann.name}
    _refused(bob.post(with_bob["id"], "Still there?"), 409, "consultation_ended")
    _refused(bob.end(with_bob["id"]), 409, "consultation_ended")
    _refused(bob.read(interaction), 404, "not_found")
    _refused(ann.invite(interaction, bob.id), 409, "interaction_closed")

    closed = observer.wait_event(of_interaction("interaction.closed", interaction), what="interaction.closed")
    by_system = observer.wait_event(
        lambda d: of_interaction("interaction.consultation.ended", interaction)(d)
        and sb.event_data(d)["consultation"]["id"] == with_bob["id"], what="the consultation ended by the system")
    assert sb.event_data(by_system)["consultation"] == ended
    assert observer.events.index(by_system) < observer.events.index(closed), "ended before the interaction closed"
    sms = outbound(interaction)
    assert [s["text"] for s in sms] == ["Hello, about your order"], "only the agent's own first message went out"


def test_consultations_end_when_the_owner_changes(system, observer, ann, bob, carl, sue):
    """An accepted transfer (the `interaction.assign` command with the new owner) ends the
    previous owner's consultations by the system in the transaction of the assignment; the
    previous owner still reads the interaction but no longer invites; the new owner may."""
    interaction = opened_interaction(ann)
    consultation = _ok(ann.invite(interaction, bob.id), 201)
    assert _ok(bob.read(interaction), 200)["owner"]["id"] == ann.id

    assign(observer, interaction, carl, ann.id, reason="transferred")
    owned_by(sue, interaction, carl)
    ended = _ok(sue.consultation(consultation["id"]), 200)
    assert ended["state"] == "ended" and ended["ended_by"] is None
    _refused(bob.read(interaction), 404, "not_found")
    _refused(bob.post(consultation["id"], "Hello?"), 409, "consultation_ended")
    assert _ok(ann.read(interaction), 200)["owner"]["id"] == carl.id, "a past owner still reads"
    _refused(ann.invite(interaction, bob.id), 403, "not_owner")
    fresh = _ok(carl.invite(interaction, bob.id), 201)
    assert fresh["from_agent"] == {"id": carl.id, "name": carl.name}
    assert _ok(bob.read(interaction), 200)["owner"]["id"] == carl.id

    assigned = observer.wait_event(lambda d: of_interaction("interaction.assigned", interaction)(d)
                                   and sb.event_data(d)["agent_id"] == carl.id, what="interaction.assigned to C")
    by_system = observer.wait_event(of_interaction("interaction.consultation.ended", interaction), what="consultation ended")
    assert sb.event_data(by_system)["consultation"] == ended
    assert observer.events.index(by_system) < observer.events.index(assigned)


def test_invitations_that_are_refused(system, ann, bob, sam, sue, admin):
    """Only the owner invites, another agent, once at a time; supervisors and admins do not
    invite on an agent's behalf; an interaction the caller cannot see is 404 like an unknown
    one."""
    interaction = opened_interaction(ann)
    body = _refused(ann.invite(interaction, None), 422, "invalid_request")
    assert body["detail"].startswith("agent_id")
    assert _refused(ann.invite(interaction, ann.id), 422, "invalid_request")["detail"].startswith("agent_id is the caller")
    assert _refused(ann.invite(interaction, "two words"), 422, "invalid_request")["detail"].startswith("agent_id")
    _refused(sue.invite(interaction, bob.id), 403, "forbidden")
    _refused(admin.post(f"{SESSION}/v1/interactions/{interaction}/consultations", json={"agent_id": bob.id}, timeout=5),
             403, "forbidden")
    stranger = sam.invite(interaction, bob.id)
    unknown = sam.invite(str(uuid.uuid4()), bob.id)
    _refused(stranger, 404, "not_found")
    assert (unknown.status_code, unknown.json()["code"]) == (stranger.status_code, stranger.json()["code"])
    _refused(ann.http.get(f"{SESSION}/v1/consultations/{uuid.uuid4()}", timeout=5), 404, "not_found")
    assert _ok(ann.consultations(interaction), 200) == {"items": []}
    assert _ok(sue.consultations(interaction), 200) == {"items": []}
