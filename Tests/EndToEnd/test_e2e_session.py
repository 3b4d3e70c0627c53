"""The interaction life cycle an agent desktop drives through `session` (issue: session
service; docs/architecture.md sections 2, 3 and 4), with the real executables, RabbitMQ
and PostgreSQL.

Ownership comes from `transfer` in production; here the test plays transfer's part and
publishes the `interaction.assign` command itself, exactly as the contract describes it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import uuid
from datetime import datetime, timezone

import pika
import pytest
import requests

import e2e_support as sb

SESSION = sb.base_url("session")


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


@pytest.fixture
def sam(system) -> requests.Session:
    return _client(system, "sam", ["agent"], "Sam Other")


@pytest.fixture
def outbound(system):
    """A temporary queue bound to switchboard.outbound (sms.#): what a carrier connector sees."""
    connection = pika.BlockingConnection(pika.URLParameters(system.amqp_url))
    channel = connection.channel()
    queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue, "switchboard.outbound", "sms.#")
    received: list[tuple[str, pika.BasicProperties, dict]] = []

    def on_message(_channel, method, properties, body):
        received.append((method.routing_key, properties, json.loads(body)))

    channel.basic_consume(queue, on_message, auto_ack=True)

    def wait(predicate, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in received:
                if predicate(item):
                    return item
            connection.process_data_events(time_limit=0.05)
        raise AssertionError(f"no outbound SMS matched within {timeout}s; saw {received[-5:]}")

    yield wait
    connection.close()


def configure(admin, number: str, **settings) -> dict:
    response = admin.put(f"{SESSION}/v1/numbers/{number.replace('+', '%2B')}", json=settings, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def inbound(observer, customer: str, org: str, text: str) -> None:
    observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": text})


def interaction_of(agent_client, customer: str, org: str, count: int = 1) -> list[dict]:
    def probe():
        items = sb.find_interactions(agent_client, **{"from": customer, "to": org})
        return items if len(items) >= count else None

    return sb.wait_until(probe, timeout=15, what=f"{count} interaction(s) from {customer}")


def read(client, interaction_id: str) -> requests.Response:
    return client.get(f"{SESSION}/v1/interactions/{interaction_id}", timeout=5)


def assign(observer, interaction_id: str, agent_id: str, agent_name: str, expected_owner: str | None = None,
           reason: str = "routed") -> None:
    command = {
        "interaction_id": interaction_id, "agent_id": agent_id, "agent_name": agent_name,
        "expected_owner_id": expected_owner, "reason": reason,
    }
    observer.publish(command, exchange="switchboard.commands", routing_key="session.interaction.assign")


def owned_by(supervisor, interaction_id: str, agent_id: str) -> dict:
    def probe():
        body = read(supervisor, interaction_id).json()
        return body if (body.get("owner") or {}).get("id") == agent_id else None

    return sb.wait_until(probe, timeout=10, what=f"{interaction_id} owned by {agent_id}")


def publish_event(observer, event_type: str, data: dict, subject: str | None = None) -> None:
    event_id = str(uuid.uuid4())
    envelope = {
        "specversion": "1.0", "id": event_id, "source": "/switchboard/e2e", "type": f"switchboard.{event_type}",
        "time": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"), "subject": subject,
        "datacontenttype": "application/json", "data": data,
    }
    observer.publish(envelope, exchange="switchboard.events", routing_key=event_type, message_id=event_id)


def new_conversation(observer, agent, supervisor, admin, text="Hello, I need help", **settings):
    _, customer = sb.customer_number()
    org = sb.org_number()
    if settings:
        configure(admin, org, **settings)
    inbound(observer, customer, org, text)
    interaction = interaction_of(supervisor, customer, org)[0]
    return customer, org, interaction["id"]


def test_page_mode_reply_goes_out_in_parts_and_closes(system, observer, agent, supervisor, admin, outbound):
    customer, org, interaction_id = new_conversation(observer, agent, supervisor, admin, mode="page")
    assert read(supervisor, interaction_id).json()["origin"] == "Inbound SMS Page Mode"
    assert read(agent, interaction_id).status_code == 404, "an agent sees only what it owns or owned"

    assign(observer, interaction_id, "kate", "Kate Lewis")
    body = owned_by(supervisor, interaction_id, "kate")
    assert body["state"] == "active"
    assert any(e["kind"] == "system" and e["text"] == "Accepted by Kate Lewis" for e in body["transcript"])
    observer.wait_event(lambda d: d.routing_key == "interaction.assigned" and sb.event_data(d).get("interaction_id") == interaction_id)

    reply = ("Thanks for writing to us. " * 12).strip()  # 311 GSM-7 characters: three parts of at most 153
    response = agent.post(f"{SESSION}/v1/interactions/{interaction_id}/messages", json={"text": reply}, timeout=5)
    assert response.status_code == 202, response.text
    sent = response.json()
    assert sent["encoding"] == "gsm7" and len(sent["parts"]) == 3 and sent["closed"] is True

    key, properties, sms = outbound(lambda item: item[2]["interaction_id"] == interaction_id)
    assert key == "sms.default"
    assert properties.message_id == sms["message_id"] == sent["message_id"]
    assert sms["from"] == org and sms["to"] == customer and sms["text"] == reply
    assert sms["parts"] == sent["parts"] and "".join(sms["parts"]) == reply
    assert all(len(part) <= 153 for part in sms["parts"])

    closed = read(agent, interaction_id).json()
    assert closed["state"] == "closed" and closed["close_reason"] == "replied"
    outbound_entry = next(e for e in closed["transcript"] if e["direction"] == "outbound")
    assert outbound_entry["author"] == {"type": "agent", "id": "kate", "name": "Kate Lewis"}
    assert [p["status"] for p in outbound_entry["parts"]] == ["queued"] * 3

    # Page mode: the next message from the same customer is a new interaction.
    inbound(observer, customer, org, "One more question")
    assert len(interaction_of(supervisor, customer, org, count=2)) == 2

    # A delivery receipt moves the parts forward.
    publish_event(observer, "message.status", {"message_id": sent["message_id"], "part": None, "status": "delivered",
                                                "at": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")})
    sb.wait_until(lambda: [p["status"] for p in next(e for e in read(agent, interaction_id).json()["transcript"]
                                                      if e["direction"] == "outbound")["parts"]] == ["delivered"] * 3,
                  what="parts delivered")


def test_done_requires_disposition_and_records_note_and_case_data(system, observer, agent, supervisor, admin):
    _, _, interaction_id = new_conversation(observer, agent, supervisor, admin, mode="session", disposition_required=True)
    assign(observer, interaction_id, "kate", "Kate Lewis")
    owned_by(supervisor, interaction_id, "kate")
    base = f"{SESSION}/v1/interactions/{interaction_id}"

    refused = agent.post(f"{base}/done", timeout=5)
    assert refused.status_code == 409 and refused.json()["code"] == "disposition_required"
    assert refused.headers["Content-Type"].startswith("application/problem+json")

    codes = [c["code"] for c in agent.get(f"{SESSION}/v1/dispositions", timeout=5).json()["items"]]
    assert "resolved" in codes
    assert agent.put(f"{base}/disposition", json={"code": "no-such-code"}, timeout=5).json()["code"] == "unknown_disposition"
    assert agent.put(f"{base}/disposition", json={"code": "resolved"}, timeout=5).status_code == 200
    assert agent.put(f"{base}/note", json={"text": "Customer wants a refund"}, timeout=5).json()["note"] == "Customer wants a refund"
    patched = agent.patch(f"{base}/case-data", data=json.dumps({"order": "A-17", "tier": "gold"}),
                          headers={"Content-Type": "application/merge-patch+json"}, timeout=5)
    assert patched.status_code == 200 and patched.json()["case_data"] == {"order": "A-17", "tier": "gold"}
    patched = agent.patch(f"{base}/case-data", data=json.dumps({"tier": None}), timeout=5)
    assert patched.json()["case_data"] == {"order": "A-17"}
    assert agent.patch(f"{base}/case-data", data=json.dumps({"n": 5}), timeout=5).status_code == 422

    done = agent.post(f"{base}/done", timeout=5)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["state"] == "closed" and body["close_reason"] == "done" and body["disposition"] == "resolved"
    assert body["transcript"][-1]["kind"] == "system" and "Done" in body["transcript"][-1]["text"]
    observer.wait_event(lambda d: d.routing_key == "interaction.closed" and sb.event_data(d).get("interaction_id") == interaction_id)
    updates = observer.events_of("interaction.updated", lambda d: sb.event_data(d).get("interaction_id") == interaction_id)
    assert {sb.event_data(d)["field"] for d in updates} >= {"disposition", "note", "case_data"}
    again = agent.post(f"{base}/done", timeout=5)
    assert again.status_code == 409 and again.json()["code"] == "interaction_closed"


def test_only_the_owner_acts_and_strangers_see_nothing(system, observer, agent, supervisor, admin, sam):
    _, _, interaction_id = new_conversation(observer, agent, supervisor, admin)
    assign(observer, interaction_id, "kate", "Kate Lewis")
    owned_by(supervisor, interaction_id, "kate")
    base = f"{SESSION}/v1/interactions/{interaction_id}"
    assert read(sam, interaction_id).status_code == 404
    assert sam.post(f"{base}/messages", json={"text": "hi"}, timeout=5).status_code == 404
    assert read(supervisor, interaction_id).status_code == 200
    refused = supervisor.post(f"{base}/messages", json={"text": "hi"}, timeout=5)
    assert refused.status_code == 403 and refused.json()["code"] == "not_owner"
    mine = sb.find_interactions(agent, owner="me", state="open")
    assert interaction_id in [item["id"] for item in mine]
    assert interaction_id not in [item["id"] for item in sb.find_interactions(sam, state="open")]

    # A stale assignment (expected owner no longer matches) is ignored; a transfer moves ownership.
    assign(observer, interaction_id, "sam", "Sam Other", expected_owner=None)
    assign(observer, interaction_id, "sam", "Sam Other", expected_owner="kate", reason="transferred")
    body = owned_by(supervisor, interaction_id, "sam")
    assert any(e["text"].startswith("Transferred on ") and "by Kate Lewis" in e["text"] for e in body["transcript"])
    refused = agent.post(f"{base}/messages", json={"text": "still mine?"}, timeout=5)
    assert refused.status_code == 403 and refused.json()["code"] == "not_owner", "the source loses the right to act"
    assert read(agent, interaction_id).status_code == 200, "but keeps seeing what it handled"
    assert sam.post(f"{base}/messages", json={"text": "Sam here"}, timeout=5).status_code == 202


def test_replies_are_validated_and_refused_after_opt_out(system, observer, agent, supervisor, admin, outbound):
    customer, org, interaction_id = new_conversation(observer, agent, supervisor, admin)
    assign(observer, interaction_id, "kate", "Kate Lewis")
    owned_by(supervisor, interaction_id, "kate")
    url = f"{SESSION}/v1/interactions/{interaction_id}/messages"

    empty = agent.post(url, json={"text": "   "}, timeout=5)
    assert empty.status_code == 422 and empty.json()["code"] == "empty_reply"
    too_long = agent.post(url, json={"text": "x" * (153 * 10 + 1)}, timeout=5)
    assert too_long.status_code == 422 and too_long.json()["code"] == "reply_too_long"

    now = lambda: datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")  # noqa: E731
    publish_event(observer, "consent.changed", {"number": customer, "org_number": org, "state": "opted_out", "at": now()})

    def refused():
        response = agent.post(url, json={"text": "Are you there?"}, timeout=5)
        return (response,) if response.status_code == 409 else None

    (response,) = sb.wait_until(refused, timeout=10, what="reply refused after STOP")
    assert response.json()["code"] == "recipient_opted_out"

    time.sleep(0.01)
    publish_event(observer, "consent.changed", {"number": customer, "org_number": org, "state": "opted_in", "at": now()})
    (accepted,) = sb.wait_until(lambda: (r := agent.post(url, json={"text": "Welcome back"}, timeout=5)).status_code == 202 and (r,),
                                timeout=10, what="reply accepted after START")
    outbound(lambda item: item[2]["message_id"] == accepted.json()["message_id"])


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def test_agent_opens_an_outbound_interaction(system, observer, agent, supervisor, sam, outbound):
    """Issue #14: an agent texts a customer first. The interaction is the agent's from the
    start, its first message is on the transcript and goes out on switchboard.outbound like
    a reply, the other services see it like any other (contacts identifies it, transfer does
    not offer it), a second one to the same customer is refused while it is open, and an
    opted-out customer is not texted."""
    display, customer = sb.customer_number()
    org = sb.org_number()
    contact = agent.post(f"{sb.base_url('contacts')}/v1/contacts", json={"first_name": "Dana", "phones": [display]}, timeout=5)
    assert contact.status_code == 201, contact.text
    text = "Hello Dana, your replacement card has shipped."

    response = agent.post(f"{SESSION}/v1/interactions", json={"to": display, "from": org, "text": f"  {text}\n"}, timeout=5)
    assert response.status_code == 201, response.text
    body = response.json()
    interaction_id = body["id"]
    assert response.headers["Location"] == f"/v1/interactions/{interaction_id}"
    assert body["owner"] == {"id": "kate", "name": "Kate Lewis"}
    assert body["state"] == "active" and body["mode"] == "session" and body["origin"] == "Outbound SMS Session Mode"
    assert body["from"] == customer and body["to"] == org, "numbers normalised; from is the customer, as on every interaction"
    assert body["channel"] == "default" and body["queue"] == "default"
    [entry] = body["transcript"]
    assert entry["seq"] == 1 and entry["kind"] == "message" and entry["direction"] == "outbound"
    assert entry["author"] == {"type": "agent", "id": "kate", "name": "Kate Lewis"}
    assert entry["text"] == text
    assert entry["parts"] == [{"text": text, "status": "queued", "error_code": None, "error_reason": None}]
    assert read(agent, interaction_id).json()["transcript"] == body["transcript"]
    assert interaction_id in [item["id"] for item in sb.find_interactions(agent, owner="me", state="open")]
    assert read(sam, interaction_id).status_code == 404, "another agent does not see it"

    key, properties, sms = outbound(lambda item: item[2]["interaction_id"] == interaction_id)
    assert key == "sms.default" and properties.correlation_id == interaction_id
    assert sms["from"] == org and sms["to"] == customer and sms["text"] == text and sms["parts"] == [text]
    assert sms["encoding"] == "gsm7" and properties.message_id == sms["message_id"]

    def of_it(event_type):
        return lambda d: d.routing_key == event_type and sb.event_data(d).get("interaction_id") == interaction_id

    assigned = observer.wait_event(of_it("interaction.assigned"), what="interaction.assigned")
    created = observer.wait_event(of_it("interaction.created"), what="interaction.created")
    appended = observer.wait_event(of_it("interaction.message.appended"), what="interaction.message.appended")
    assert sb.event_data(assigned)["agent_id"] == "kate" and sb.event_data(assigned)["reason"] == "outbound"
    assert observer.events.index(assigned) < observer.events.index(created), "assigned before created: transfer never routes it"
    assert sb.event_data(created)["origin"] == "Outbound SMS Session Mode" and sb.event_data(created)["from"] == customer
    assert sb.event_data(appended)["direction"] == "outbound" and sb.event_data(appended)["message_id"] == sms["message_id"]
    # Contacts identifies it like any new interaction.
    identified = sb.wait_until(lambda: read(agent, interaction_id).json()["contact"], timeout=10, what="the contact identified")
    assert identified["id"] == contact.json()["id"]

    again = agent.post(f"{SESSION}/v1/interactions", json={"to": customer, "from": org, "text": "Are you there?"}, timeout=5)
    assert again.status_code == 409 and again.json()["code"] == "interaction_open"
    assert again.json()["detail"].endswith(interaction_id), "named to its owner"
    stranger = sam.post(f"{SESSION}/v1/interactions", json={"to": customer, "from": org, "text": "Hi"}, timeout=5)
    assert stranger.status_code == 409 and stranger.json()["code"] == "interaction_open"
    assert interaction_id not in stranger.json()["detail"], "an agent who cannot see it is not told which one"

    # The customer's answer joins it (Session mode).
    inbound(observer, customer, org, "Thanks!")
    joined = sb.wait_for_transcript(agent, interaction_id, 2)
    assert joined["transcript"][1]["direction"] == "inbound" and joined["transcript"][1]["text"] == "Thanks!"
    assert not observer.events_of("offer.created", lambda d: sb.event_data(d).get("interaction_id") == interaction_id)

    # A delivery failure shows the carrier's code and text on the part.
    publish_event(observer, "message.status", {"message_id": sms["message_id"], "part": 1, "status": "undelivered",
                                                "error_code": "30003", "error_reason": "Unreachable destination handset",
                                                "at": _now()})
    part = sb.wait_until(lambda: (p := read(agent, interaction_id).json()["transcript"][0]["parts"][0])["status"] == "undelivered" and p,
                         what="the part undelivered")
    assert part["error_code"] == "30003" and part["error_reason"] == "Unreachable destination handset"

    # An opted-out customer is not texted.
    _, other = sb.customer_number()
    publish_event(observer, "consent.changed", {"number": other, "org_number": org, "state": "opted_out", "at": _now()})
    sb.wait_until(lambda: sb.session_opted_out(system.env["SWITCHBOARD_POSTGRES_URL"], other, org), what="session knows the opt-out")

    def refused():
        response = agent.post(f"{SESSION}/v1/interactions", json={"to": other, "from": org, "text": "Hello"}, timeout=5)
        # A Response is falsy for a 4xx: hand back its content type instead.
        refused = response.status_code == 409 and response.json()["code"] == "recipient_opted_out"
        return response.headers["Content-Type"] if refused else None

    assert sb.wait_until(refused, timeout=10, what="opening refused after STOP").startswith("application/problem+json")


def test_opening_an_interaction_is_validated(agent, system_client):
    url = f"{SESSION}/v1/interactions"
    org = sb.org_number()
    assert system_client.post(url, json={"to": "+14155550100", "from": org, "text": "Hi"}, timeout=5).status_code == 403
    cases = [
        ({"from": org, "text": "Hi"}, "invalid_request", "to is required"),
        ({"to": "hello", "from": org, "text": "Hi"}, "invalid_request", "to is not a phone number"),
        ({"to": "+14155550100", "from": "x", "text": "Hi"}, "invalid_request", "from is not a phone number or short code"),
        ({"to": "+14155550100", "from": org, "text": "   "}, "empty_reply", "text is empty"),
        ({"to": "+14155550100", "from": org, "text": "x" * (153 * 10 + 1)}, "reply_too_long", "text needs 11 SMS parts"),
        ({"to": "+14155550100", "from": org, "text": "Hi", "channel": "no spaces"}, "invalid_request", "channel must be"),
    ]
    for fields, code, detail in cases:
        response = agent.post(url, json=fields, timeout=5)
        assert response.status_code == 422 and response.json()["code"] == code, (fields, response.text)
        assert response.json()["detail"].startswith(detail), response.text
    assert not sb.find_interactions(agent, to=org), "nothing was opened"


def test_sms_preview_counts_parts_and_characters(agent):
    response = agent.post(f"{SESSION}/v1/sms/preview", json={"text": "a" * 161}, timeout=5)
    assert response.status_code == 200
    body = response.json()
    assert body["encoding"] == "gsm7" and len(body["parts"]) == 2 and body["characters_remaining"] == 153 - 8
    unicode = agent.post(f"{SESSION}/v1/sms/preview", json={"text": "Привет 👋"}, timeout=5).json()
    assert unicode["encoding"] == "ucs2" and unicode["characters_remaining"] == 70 - 9
    assert body["misspelled"] == [], body


def test_sms_preview_flags_misspelled_words(agent):
    # Offsets are UTF-16 code units (the emoji counts two), as a browser textarea's selection.
    text = "👋 Helo, I recieved my parcel, see https://exmaple.com or mail kaet@exmaple.com"
    response = agent.post(f"{SESSION}/v1/sms/preview", json={"text": text}, timeout=5)
    assert response.status_code == 200, response.text
    misspelled = response.json()["misspelled"]
    assert [(m["word"], m["offset"], m["length"]) for m in misspelled] == [("Helo", 3, 4), ("recieved", 11, 8)], misspelled
    assert "received" in misspelled[1]["suggestions"] and len(misspelled[1]["suggestions"]) <= 5


def test_transcript_entities(system, observer, agent, supervisor, admin):
    text = "Call me at (415) 555-0134 or mail kate@Example.com, see https://pаypal.com/login"
    _, _, interaction_id = new_conversation(observer, agent, supervisor, admin, text=text)
    entry = read(supervisor, interaction_id).json()["transcript"][0]
    entities = entry["entities"]
    assert entities["phones"] == ["+14155550134"]
    assert entities["emails"] == ["kate@example.com"]
    assert entities["urls"][0]["display"].startswith("https://xn--") and entities["urls"][0]["suspicious"] is True


def test_standard_responses(system, admin, agent, observer, supervisor):
    shortcut = f"hours{uuid.uuid4().hex[:6]}"
    created = admin.post(f"{SESSION}/v1/standard-responses",
                         json={"name": "Opening hours", "shortcut": shortcut, "text": "We are open 9 to 5."}, timeout=5)
    assert created.status_code == 201, created.text
    response_id = created.json()["id"]
    assert agent.post(f"{SESSION}/v1/standard-responses", json={"name": "x", "text": "y"}, timeout=5).status_code == 403
    clash = admin.post(f"{SESSION}/v1/standard-responses", json={"name": "Other", "shortcut": shortcut, "text": "z"}, timeout=5)
    assert clash.status_code == 409
    by_shortcut = agent.get(f"{SESSION}/v1/standard-responses", params={"shortcut": shortcut}, timeout=5).json()["items"]
    assert [item["id"] for item in by_shortcut] == [response_id]
    by_words = agent.get(f"{SESSION}/v1/standard-responses", params={"q": "open 9"}, timeout=5).json()["items"]
    assert response_id in [item["id"] for item in by_words]

    _, _, interaction_id = new_conversation(observer, agent, supervisor, admin)
    assign(observer, interaction_id, "kate", "Kate Lewis")
    owned_by(supervisor, interaction_id, "kate")
    sent = agent.post(f"{SESSION}/v1/interactions/{interaction_id}/messages",
                      json={"text": "We are open 9 to 5.", "standard_response_id": response_id}, timeout=5)
    assert sent.status_code == 202
    assert agent.get(f"{SESSION}/v1/standard-responses/{response_id}", timeout=5).json()["usage_count"] == 1

    updated = admin.put(f"{SESSION}/v1/standard-responses/{response_id}",
                        json={"name": "Hours", "shortcut": shortcut, "text": "Open 8 to 6."}, timeout=5)
    assert updated.json()["text"] == "Open 8 to 6."
    assert admin.delete(f"{SESSION}/v1/standard-responses/{response_id}", timeout=5).status_code == 204
    assert agent.get(f"{SESSION}/v1/standard-responses/{response_id}", timeout=5).status_code == 404


def test_inactivity_timeout_fires_after_a_restart_of_session(system, observer, agent, supervisor, admin):
    if system.services is None:
        pytest.skip("needs to restart session: run without SWITCHBOARD_E2E_EXTERNAL")
    _, _, interaction_id = new_conversation(observer, agent, supervisor, admin, mode="session", inactivity_timeout_seconds=10)
    created = read(supervisor, interaction_id).json()
    last = datetime.fromisoformat(created["transcript"][-1]["at"].replace("Z", "+00:00"))
    stop_seconds = system.services.restart("session")
    assert stop_seconds < 10, f"session took {stop_seconds:.1f}s to stop"

    def closed():
        body = read(supervisor, interaction_id).json()
        return body if body["state"] == "closed" else None

    body = sb.wait_until(closed, timeout=20, what="timeout closed the session", interval=0.1)
    assert body["close_reason"] == "timeout"
    closed_at = datetime.fromisoformat(body["closed_at"].replace("Z", "+00:00"))
    late = (closed_at - last).total_seconds() - 10
    assert 0 <= late <= 1.0, f"fired {late:.2f}s after the deadline"
    assert "inactivity" in body["transcript"][-1]["text"]


def test_order_kept_over_interleaved_conversations_with_two_session_instances(system, observer, supervisor, admin):
    if system.services is None:
        pytest.skip("needs a second session instance: run without SWITCHBOARD_E2E_EXTERNAL")
    second = system.services.spawn("session", 18082, log_name="session-2")
    try:
        sb.wait_until(lambda: sb.ready_at(18082), timeout=60, what="second session instance ready")
        org = sb.org_number()
        customers = [sb.customer_number()[1] for _ in range(20)]
        for round_ in range(10):
            for customer in customers:
                inbound(observer, customer, org, f"message {round_}")
        for customer in customers:
            def transcript():
                items = sb.find_interactions(supervisor, **{"from": customer, "to": org})
                if len(items) != 1:
                    return None
                entries = read(supervisor, items[0]["id"]).json()["transcript"]
                return entries if len(entries) == 10 else None

            entries = sb.wait_until(transcript, timeout=30, what=f"10 entries from {customer}")
            assert [e["text"] for e in entries] == [f"message {n}" for n in range(10)]
            assert [e["seq"] for e in entries] == list(range(1, 11))
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=15)
        except subprocess.TimeoutExpired:
            second.kill()


def test_media_stored_before_its_message_is_kept_until_the_message_arrives(system, observer, supervisor):
    """`media.stored` travels on another queue than `message.received` and can overtake it:
    the media id must still end up on the transcript entry, not be dropped."""
    message_id = str(uuid.uuid4())
    media_id = str(uuid.uuid4())
    _, customer = sb.customer_number()
    org = sb.org_number()
    publish_event(observer, "media.stored", {"media_id": media_id, "interaction_id": None, "message_id": message_id,
                                              "content_type": "image/png", "bytes": 10})
    time.sleep(1)  # session has handled it (no transcript entry yet)
    now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    received = {
        "specversion": "1.0", "id": str(uuid.uuid4()), "source": "/switchboard/e2e", "type": "switchboard.message.received",
        "time": now, "datacontenttype": "application/json",
        "data": {"message_id": message_id, "channel": "default", "carrier_message_id": sb.carrier_id("MM"), "from": customer,
                 "to": org, "text": "", "media": [{"index": 0, "content_type": "image/png"}], "received_at": now,
                 "accepted_at": now, "sequence": 1},
    }
    # Inbound messages reach session through the partition exchange, hashed on correlation_id.
    observer.publisher.basic_publish(
        "switchboard.events", "message.received", json.dumps(received).encode(),
        pika.BasicProperties(delivery_mode=2, content_type="application/cloudevents+json", message_id=received["id"],
                             correlation_id=f"e2e-{customer}"),
    )
    interaction = sb.wait_until(lambda: sb.find_interactions(supervisor, **{"from": customer, "to": org}), timeout=15,
                                what="the MMS interaction")[0]
    entry = read(supervisor, interaction["id"]).json()["transcript"][0]
    assert entry["media"] == [media_id]
