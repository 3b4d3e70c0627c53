"""Outbound delivery through the running ingest (issue #14; docs/architecture.md 10.1): an
agent's reply leaves through the channel's carrier API in that carrier's real wire format,
and the carrier's receipts show on the transcript part by part.

The carriers are the fakes of `fake_carriers.py` on loopback, which check each request as
the real API would and post receipts signed as the real carrier signs them; the simulator
carrier is Switchboard's own.
"""

from __future__ import annotations

import uuid

import pytest
import requests

import e2e_support as sb
from fake_carriers import FakeJasmin, FakeKannel, FakeTwilio, FakeVonage

INGEST = sb.base_url("ingest")
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
def kate(system) -> requests.Session:
    return _client(system, "kate", ["agent"], "Kate Lewis")


def put_channel(admin, name: str, body: dict) -> requests.Response:
    return admin.put(f"{INGEST}/v1/channels/{name}", json=body, timeout=5)


def make_channel(admin, carrier: str, outbound: dict, **credentials) -> str:
    name = f"e2e-out-{carrier}-{uuid.uuid4().hex[:8]}"
    body = {"carrier": carrier, "default_region": "US", "public_base_url": INGEST, "credentials": credentials,
            "outbound": {"enabled": True, **outbound}}
    if carrier in ("vonage", "jasmin", "kannel") and not any(k in credentials for k in ("signature_secret", "url_token")):
        body["allow_unauthenticated_webhooks"] = True
    response = put_channel(admin, name, body)
    assert response.status_code == 201, response.text
    return name


def conversation(observer, supervisor, channel: str) -> tuple[str, str, str]:
    """A customer texts the channel; kate owns the interaction: (interaction id, customer, org)."""
    _, customer = sb.customer_number()
    org = sb.org_number()
    observer.publish({"id": sb.carrier_id(), "channel": channel, "from": customer, "to": org, "text": "Hello?"})
    interaction = sb.wait_for_interaction(supervisor, timeout=15, **{"from": customer, "to": org})
    assign(observer, interaction["id"])
    sb.wait_until(lambda: (sb.get_interaction(supervisor, interaction["id"]).get("owner") or {}).get("id") == "kate",
                  what="kate owns the interaction", timeout=15)
    return interaction["id"], customer, org


def assign(observer, interaction_id: str) -> None:
    """Routes the interaction to kate, as transfer does when she accepts its offer."""
    observer.publish({"interaction_id": interaction_id, "agent_id": "kate", "agent_name": "Kate Lewis",
                      "expected_owner_id": None, "reason": "routed"},
                     exchange="switchboard.commands", routing_key="session.interaction.assign")


def reply(kate, interaction_id: str, text: str) -> str:
    response = kate.post(f"{SESSION}/v1/interactions/{interaction_id}/messages", json={"text": text}, timeout=5)
    assert response.status_code == 202, response.text
    return response.json()["message_id"]


def last_outbound_parts(client, interaction_id: str) -> list[dict]:
    entries = [e for e in sb.get_interaction(client, interaction_id)["transcript"] if e.get("direction") == "outbound"]
    return entries[-1]["parts"] if entries else []


def statuses(client, interaction_id: str) -> list[str]:
    return [part["status"] for part in last_outbound_parts(client, interaction_id)]


def test_a_reply_through_the_simulator_is_delivered(admin, observer, supervisor, kate):
    channel = f"e2e-sim-{uuid.uuid4().hex[:8]}"
    response = put_channel(admin, channel, {"carrier": "simulator", "outbound": {"enabled": True, "delivery_delay_ms": 100}})
    assert response.status_code == 201, response.text
    assert response.json()["outbound"]["delivery_delay_ms"] == 100
    _, customer = sb.customer_number()
    org = sb.org_number()
    played = admin.post(f"{INGEST}/v1/simulator/{channel}/inbound", json={"from": customer, "to": org, "text": "Hi there"}, timeout=5)
    assert played.status_code == 202, played.text
    interaction = sb.wait_for_interaction(supervisor, timeout=15, **{"from": customer, "to": org})
    assign(observer, interaction["id"])
    sb.wait_until(lambda: (sb.get_interaction(supervisor, interaction["id"]).get("owner") or {}).get("id") == "kate",
                  what="kate owns the interaction", timeout=15)
    reply(kate, interaction["id"], "Hello from the desk")
    sb.wait_until(lambda: statuses(supervisor, interaction["id"]) == ["delivered"], what="the reply delivered", timeout=20)
    sent = admin.get(f"{INGEST}/v1/simulator/{channel}/messages", params={"to": customer}, timeout=5)
    assert sent.status_code == 200, sent.text
    assert [(m["to"], m["from"], m["text"]) for m in sent.json()["items"]] == [(customer, org, "Hello from the desk")]


CARRIERS = {
    "twilio": lambda: FakeTwilio("AC" + uuid.uuid4().hex, uuid.uuid4().hex),
    "vonage": lambda: FakeVonage(uuid.uuid4().hex[:8], uuid.uuid4().hex[:16], signature_secret=uuid.uuid4().hex),
    "jasmin": lambda: FakeJasmin("jasmin", "secret1"),
    "kannel": lambda: FakeKannel("kannel", "secret2"),
}


def credentials_of(carrier: str, fake) -> dict:
    if carrier == "twilio":
        return {"account_sid": fake.account_sid, "auth_token": fake.auth_token}
    if carrier == "vonage":
        return {"api_key": fake.api_key, "api_secret": fake.api_secret, "signature_secret": fake.signature_secret}
    return {"username": fake.username, "password": fake.password, "url_token": uuid.uuid4().hex}


@pytest.mark.parametrize("carrier", sorted(CARRIERS))
def test_a_three_part_reply_goes_out_part_by_part_and_each_part_shows_its_receipt(carrier, admin, observer, supervisor, kate):
    with CARRIERS[carrier]() as fake:
        channel = make_channel(admin, carrier, {"api_base_url": fake.url, "concatenate": False, "max_per_second": 50},
                               **credentials_of(carrier, fake))
        interaction_id, customer, _ = conversation(observer, supervisor, channel)
        # 389 GSM-7 characters (ü and ß are GSM-7): three parts of at most 153.
        text = " ".join(["Grüße, your order ships tomorrow and we will text you the tracking number."] * 5)
        reply(kate, interaction_id, text)
        fake.wait_for(3, timeout=20)
        assert fake.problems == []
        assert len(fake.texts_for(customer)) == 3
        assert "".join(fake.texts_for(customer)).replace(" ", "") == text.replace(" ", "")
        sb.wait_until(lambda: statuses(supervisor, interaction_id) == ["sent"] * 3, what="three parts sent", timeout=20)
        for submission in list(fake.received):
            assert fake.send_receipt(submission, "delivered") in (200, 204)
        sb.wait_until(lambda: statuses(supervisor, interaction_id) == ["delivered"] * 3, what="three parts delivered", timeout=20)


def twilio_webhook(fake: FakeTwilio, channel: str, customer: str, org: str, body: str) -> requests.Response:
    """An inbound SMS as Twilio posts it to the channel's webhook, signed with the account's token."""
    sid = "SM" + uuid.uuid4().hex
    params = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": fake.account_sid, "From": customer, "To": org,
              "Body": body, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01"}
    url = f"{INGEST}/v1/webhooks/twilio/{channel}"
    return requests.post(url, data=params, headers={"X-Twilio-Signature": fake.signature(url, params)}, timeout=5)


def test_stop_through_a_carrier_webhook_refuses_the_next_reply_and_sends_one_confirmation(system, admin, observer, supervisor, kate):
    """The whole chain of docs/architecture.md 10.1 "Keyword confirmations": the customer's
    STOP arrives through Twilio's signed webhook; ingest answers it with exactly one
    confirmation SMS on the wire; contacts records the opt-out and session refuses the
    agent's next reply with 409 `recipient_opted_out` — nothing else reaches the phone."""
    with FakeTwilio("AC" + uuid.uuid4().hex, uuid.uuid4().hex) as fake:
        channel = make_channel(admin, "twilio", {"api_base_url": fake.url}, account_sid=fake.account_sid, auth_token=fake.auth_token)
        _, customer = sb.customer_number()
        org = sb.org_number()
        assert twilio_webhook(fake, channel, customer, org, "Hello").status_code == 200
        interaction = sb.wait_for_interaction(supervisor, timeout=15, **{"from": customer, "to": org})
        assign(observer, interaction["id"])
        sb.wait_until(lambda: (sb.get_interaction(supervisor, interaction["id"]).get("owner") or {}).get("id") == "kate",
                      what="kate owns the interaction", timeout=15)

        assert twilio_webhook(fake, channel, customer, org, "Stop.").status_code == 200
        fake.wait_for(1, timeout=20, to=customer)
        observer.wait_event(lambda d: d.routing_key == "consent.changed" and sb.event_data(d).get("number") == customer
                            and sb.event_data(d).get("state") == "opted_out", timeout=20, what="consent.changed opted_out")

        # session learns the opt-out from consent.changed a moment after it is published; a
        # reply sent before would rightly go out, so the test waits for session's record.
        sb.wait_until(lambda: sb.session_opted_out(system.env["SWITCHBOARD_POSTGRES_URL"], customer, org), timeout=10,
                      what="session knows the opt-out")
        refusal = kate.post(f"{SESSION}/v1/interactions/{interaction['id']}/messages", json={"text": "Are you sure?"}, timeout=5)
        assert refusal.status_code == 409 and refusal.json()["code"] == "recipient_opted_out", refusal.text
        observer.pump(3.0)
        assert fake.texts_for(customer) == ["You have been unsubscribed and will receive no more messages. Reply START to resubscribe."]
        assert fake.problems == []
