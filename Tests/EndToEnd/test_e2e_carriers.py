"""Carrier webhooks, channels, long-SMS reassembly, consent keywords and delivery receipts
through the running ingest (issue #8; docs/architecture.md sections 2, 3, 4 "Consent" and 5).

Each test plays a carrier with a request in that carrier's recorded format, signed the way
the carrier signs it (computed here in Python, independently of the Swift code), and
reads the result the way an agent desktop does (session's API, as a supervisor) or as
another system does (events on `switchboard.events`, dead letters).

Channels are created per test with `public_base_url` = the ingest URL the test calls
(http://127.0.0.1:8081), so the URL Twilio would sign is exactly the one requested.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
import requests

import e2e_support as sb

INGEST = sb.base_url("ingest")
SESSION = sb.base_url("session")
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
CONSENT_FIELDS = {"message_id", "from", "to", "keyword", "action", "at"}


# --- Fixtures and helpers ---------------------------------------------------------------


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


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def make_channel(admin, carrier: str, region: str = "US", unauthenticated: bool = False, **credentials) -> str:
    """A new channel; `unauthenticated=True` sets allow_unauthenticated_webhooks (needed for a
    Vonage, Jasmin or Kannel channel without its secret: webhooks are never open by default)."""
    name = f"e2e-{carrier}-{uuid.uuid4().hex[:10]}"
    body = {"carrier": carrier, "default_region": region, "public_base_url": INGEST, "credentials": credentials}
    if unauthenticated:
        body["allow_unauthenticated_webhooks"] = True
    response = admin.put(f"{INGEST}/v1/channels/{name}", json=body, timeout=5)
    assert response.status_code == 201, response.text
    return name


def twilio_signature(token: str, url: str, params: dict[str, str] | None = None) -> str:
    """Twilio's algorithm: URL + each POST parameter's name and value, sorted by name."""
    data = url + "".join(name + value for name, value in sorted((params or {}).items()))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_post(channel: str, token: str, params: dict[str, str], suffix: str = "", signature: str | None = None,
                sign_with: str | None = None) -> requests.Response:
    url = f"{INGEST}/v1/webhooks/twilio/{channel}{suffix}"
    headers = {}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    else:
        headers["X-Twilio-Signature"] = twilio_signature(sign_with or token, url, params)
    return requests.post(url, data=params, headers=headers, timeout=5)


def twilio_inbound(sid: str, customer: str, org: str, body: str) -> dict[str, str]:
    """A recorded Twilio inbound SMS webhook (Programmable Messaging), fields as Twilio sends them."""
    return {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "SAN FRANCISCO",
        "FromZip": "94105", "SmsSid": sid, "FromState": "CA", "SmsStatus": "received", "FromCity": "SAN FRANCISCO",
        "Body": body, "FromCountry": "US", "To": org, "MessagingServiceSid": "MG" + "0" * 32, "ToZip": "94105",
        "NumSegments": "1", "MessageSid": sid, "AccountSid": "AC" + "1" * 32, "From": customer, "ApiVersion": "2010-04-01",
    }


def vonage_sign(params: dict[str, str], secret: str) -> dict[str, str]:
    """Vonage's md5hash signature: `&name=value` for every parameter sorted by name, plus the secret."""
    signed = {**params, "timestamp": str(int(time.time()))}
    data = "".join(f"&{k}={v.replace('&', '_').replace('=', '_')}" for k, v in sorted(signed.items())) + secret
    return {**signed, "sig": hashlib.md5(data.encode()).hexdigest()}


def transcript_texts(client, interaction_id: str) -> list[str]:
    return [e["text"] for e in sb.get_interaction(client, interaction_id)["transcript"] if e["kind"] == "message"]


def one_message(client, customer: str, org: str, expected: str) -> dict:
    """The one interaction of this conversation, whose transcript is exactly one message: EXPECTED."""
    interaction = sb.wait_for_interaction(client, timeout=15, **{"from": customer, "to": org})
    sb.wait_until(lambda: transcript_texts(client, interaction["id"]), timeout=10, what="a transcript entry")
    time.sleep(1.0)  # a duplicate or a stray part would have arrived by now
    assert transcript_texts(client, interaction["id"]) == [expected]
    assert len(sb.find_interactions(client, **{"from": customer, "to": org})) == 1
    return sb.get_interaction(client, interaction["id"])


def nothing_for(client, customer: str, org: str, seconds: float = 1.5) -> None:
    time.sleep(seconds)
    assert sb.find_interactions(client, **{"from": customer, "to": org}) == []


def metric(name: str) -> float:
    return sb.metric_sum(requests.get(f"{INGEST}/metrics", timeout=5).text, name)


# --- Channels ---------------------------------------------------------------------------


def test_channels_are_admin_only_and_never_return_secrets(system, admin, agent, anonymous):
    name = f"e2e-chan-{uuid.uuid4().hex[:10]}"
    url = f"{INGEST}/v1/channels/{name}"
    body = {"carrier": "twilio", "default_region": "gb", "public_base_url": INGEST + "/",
            "credentials": {"auth_token": "s3cret-token"}}
    assert anonymous.put(url, json=body, timeout=5).status_code == 401
    assert agent.put(url, json=body, timeout=5).status_code == 403
    created = admin.put(url, json=body, timeout=5)
    assert created.status_code == 201, created.text
    view = created.json()
    assert view["name"] == name and view["carrier"] == "twilio" and view["default_region"] == "GB"
    assert view["public_base_url"] == INGEST and view["credentials_set"] == ["auth_token"]
    assert "s3cret-token" not in created.text

    read = admin.get(url, timeout=5)
    assert read.status_code == 200 and "s3cret-token" not in read.text and "credentials" not in read.json()
    assert agent.get(url, timeout=5).status_code == 403

    # Credentials left out are kept; a twilio channel without a token is refused.
    replaced = admin.put(url, json={"carrier": "twilio", "public_base_url": INGEST}, timeout=5)
    assert replaced.status_code == 200 and replaced.json()["credentials_set"] == ["auth_token"]
    refused = admin.put(f"{INGEST}/v1/channels/{name}-x", json={"carrier": "twilio", "public_base_url": INGEST}, timeout=5)
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_channel"
    assert admin.put(url, json={"carrier": "pigeon"}, timeout=5).status_code == 422

    assert admin.delete(url, timeout=5).status_code == 204
    assert admin.get(url, timeout=5).status_code == 404
    assert admin.delete(url, timeout=5).status_code == 404
    # Its webhooks are gone with it.
    params = twilio_inbound(sb.carrier_id("SM"), sb.customer_number()[1], sb.org_number(), "hello")
    assert twilio_post(name, "s3cret-token", params).status_code == 404


def test_a_carrier_endpoint_needs_a_channel_of_that_carrier(admin):
    vonage = make_channel(admin, "vonage", signature_secret="s3cret")
    params = twilio_inbound(sb.carrier_id("SM"), sb.customer_number()[1], sb.org_number(), "hello")
    assert twilio_post(vonage, "whatever", params).status_code == 404
    assert requests.get(f"{INGEST}/v1/webhooks/jasmin/{vonage}/inbound", params={"id": "1"}, timeout=5).status_code == 404
    assert requests.get(f"{INGEST}/v1/webhooks/kannel/no-such-channel/inbound", timeout=5).status_code == 404


# --- Twilio -----------------------------------------------------------------------------


def test_twilio_signed_sms_becomes_an_interaction_once(admin, supervisor):
    token = uuid.uuid4().hex
    channel = make_channel(admin, "twilio", auth_token=token)
    _, customer = sb.customer_number()
    org = sb.org_number()
    sid = sb.carrier_id("SM")
    params = twilio_inbound(sid, customer, org, "Where is my order?")

    first = twilio_post(channel, token, params)
    assert first.status_code == 200, first.text
    assert first.headers["Content-Type"].startswith("text/xml") and first.text == TWIML
    retry = twilio_post(channel, token, params)  # Twilio retries on a timeout: same MessageSid
    assert retry.status_code == 200 and retry.text == TWIML

    interaction = one_message(supervisor, customer, org, "Where is my order?")
    assert interaction["from"] == customer and interaction["to"] == org


def test_channel_credentials_are_sealed_at_rest(system, admin, supervisor):
    """With SWITCHBOARD_CREDENTIALS_KEY set (scripts/lib/infra.sh sets a dev key), the
    stored row holds neither the secret nor its name, and signatures still verify with it."""
    token = "tok-" + uuid.uuid4().hex
    channel = make_channel(admin, "twilio", auth_token=token)
    stored = subprocess.run(
        ["psql", "-X", "-q", "-w", "-At", "-d", system.env["SWITCHBOARD_POSTGRES_URL"], "-c",
         f"SELECT credentials::text FROM ingest.channels WHERE name = '{channel}'"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    assert stored and token not in stored and "auth_token" not in stored and '"sealed"' in stored, stored
    _, customer = sb.customer_number()
    org = sb.org_number()
    response = twilio_post(channel, token, twilio_inbound(sb.carrier_id("SM"), customer, org, "sealed but valid"))
    assert response.status_code == 200, response.text
    one_message(supervisor, customer, org, "sealed but valid")


def test_credentials_sealed_with_another_key_must_be_sent_again(system, admin, tmp_path):
    """An ingest started with another SWITCHBOARD_CREDENTIALS_KEY cannot read a channel's
    sealed credentials: its webhook fails (never verifies against nothing), a PUT without
    credentials is 409 `credentials_unreadable`, a PUT that sends them again saves."""
    token = "tok-" + uuid.uuid4().hex
    channel = make_channel(admin, "twilio", auth_token=token)
    executable = Path(os.environ.get("SWITCHBOARD_BIN_DIR", sb.DEFAULT_BIN_DIR)) / "ingest"
    port = int(os.environ.get("SB_INGEST2_PORT", "18181"))
    if sb.port_open(port):
        pytest.fail(f"port {port} for the second ingest instance is in use (set SB_INGEST2_PORT)", pytrace=False)
    other_key = base64.b64encode(os.urandom(32)).decode()
    env = {**system.env, "SWITCHBOARD_HTTP_PORT": str(port), "SWITCHBOARD_CREDENTIALS_KEY": other_key}
    with open(tmp_path / "ingest-2.log", "ab") as log:
        second = subprocess.Popen([str(executable)], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        sb.wait_until(lambda: sb.ready_at(port), timeout=30, what="second ingest ready")
        url = f"http://127.0.0.1:{port}"
        params = twilio_inbound(sb.carrier_id("SM"), sb.customer_number()[1], sb.org_number(), "unreadable")
        signed = {"X-Twilio-Signature": twilio_signature(token, f"{INGEST}/v1/webhooks/twilio/{channel}", params)}
        webhook = requests.post(f"{url}/v1/webhooks/twilio/{channel}", data=params, headers=signed, timeout=5)
        assert webhook.status_code == 500, webhook.text
        assert webhook.headers["Content-Type"].startswith("application/problem+json"), webhook.headers
        assert webhook.json()["code"] == "internal_error", webhook.text
        body = {"carrier": "twilio", "default_region": "US", "public_base_url": INGEST}
        refused = admin.put(f"{url}/v1/channels/{channel}", json=body, timeout=5)
        assert refused.status_code == 409 and refused.json()["code"] == "credentials_unreadable", refused.text
        saved = admin.put(f"{url}/v1/channels/{channel}", json={**body, "credentials": {"auth_token": token}}, timeout=5)
        assert saved.status_code == 200, saved.text
    finally:
        second.terminate()
        second.wait(timeout=15)
    admin.delete(f"{INGEST}/v1/channels/{channel}", timeout=5)


def test_twilio_bad_or_missing_signature_is_403_and_stores_nothing(admin, supervisor):
    token = uuid.uuid4().hex
    channel = make_channel(admin, "twilio", auth_token=token)
    _, customer = sb.customer_number()
    org = sb.org_number()
    params = twilio_inbound(sb.carrier_id("SM"), customer, org, "forged")
    url = f"{INGEST}/v1/webhooks/twilio/{channel}"

    missing = requests.post(url, data=params, timeout=5)
    wrong_token = twilio_post(channel, token, params, sign_with="not-the-token")
    tampered = twilio_post(channel, token, {**params, "Body": "changed"}, signature=twilio_signature(token, url, params))
    other_url = twilio_post(channel, token, params, signature=twilio_signature(token, url + "?x=1", params))
    for response in (missing, wrong_token, tampered, other_url):
        assert response.status_code == 403, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid_signature"
    nothing_for(supervisor, customer, org)


def test_twilio_stop_emits_consent_keyword_and_is_still_delivered(admin, supervisor, observer):
    token = uuid.uuid4().hex
    channel = make_channel(admin, "twilio", auth_token=token)
    _, customer = sb.customer_number()
    org = sb.org_number()
    response = twilio_post(channel, token, twilio_inbound(sb.carrier_id("SM"), customer, org, "  Stop. "))
    assert response.status_code == 200, response.text

    event = observer.wait_event(
        lambda d: d.routing_key == "consent.keyword" and sb.event_data(d).get("from") == customer, what="consent.keyword"
    )
    data = sb.event_data(event)
    assert set(data) == CONSENT_FIELDS, data
    assert data["to"] == org and data["keyword"] == "STOP" and data["action"] == "opt_out"
    assert event.json["type"] == "switchboard.consent.keyword" and event.json["source"] == "/switchboard/ingest"
    received = observer.wait_event(
        lambda d: d.routing_key == "message.received" and sb.event_data(d).get("from") == customer, what="message.received"
    )
    assert sb.event_data(received)["message_id"] == data["message_id"]
    one_message(supervisor, customer, org, "  Stop. ")


# --- Vonage -----------------------------------------------------------------------------


def test_vonage_signed_get_and_out_of_order_json_parts(admin, supervisor):
    secret = uuid.uuid4().hex
    channel = make_channel(admin, "vonage", signature_secret=secret)
    url = f"{INGEST}/v1/webhooks/vonage/{channel}/inbound"
    _, customer = sb.customer_number()
    org = sb.org_number()
    msisdn, to = customer.lstrip("+"), org.lstrip("+")
    params = {"msisdn": msisdn, "to": to, "messageId": uuid.uuid4().hex[:16].upper(), "text": "Hi from Vonage",
              "type": "text", "keyword": "HI", "api-key": "abcd1234", "message-timestamp": "2026-11-20 13:23:14"}

    unsigned = requests.get(url, params=params, timeout=5)
    assert unsigned.status_code == 403, unsigned.text
    signed = vonage_sign(params, secret)
    assert requests.get(url, params=signed, timeout=5).status_code == 204
    assert requests.get(url, params=signed, timeout=5).status_code == 204  # retry
    one_message(supervisor, customer, org, "Hi from Vonage")

    # A long SMS in three parts, posted as JSON, last part first.
    _, customer2 = sb.customer_number()
    ref = str(int(time.time()) % 200)
    texts = ["This message was ", "split by the network ", "into three parts."]
    for seq in (3, 1, 2):
        part = {"msisdn": customer2.lstrip("+"), "to": to, "messageId": uuid.uuid4().hex[:16].upper(), "text": texts[seq - 1],
                "type": "text", "concat": "true", "concat-ref": ref, "concat-total": "3", "concat-part": str(seq)}
        response = requests.post(url, json=vonage_sign(part, secret), timeout=5)
        assert response.status_code == 204, response.text
    one_message(supervisor, customer2, org, "".join(texts))


# --- Jasmin -----------------------------------------------------------------------------


def test_jasmin_forwarded_sms_is_acked_once(admin, supervisor):
    token = "tok-" + uuid.uuid4().hex
    channel = make_channel(admin, "jasmin", url_token=token)
    url = f"{INGEST}/v1/webhooks/jasmin/{channel}/inbound?token={token}"
    national, customer = sb.customer_number()
    org = sb.org_number()
    text = "Привет, нужна помощь"
    form = {"id": str(uuid.uuid4()), "from": national, "to": org, "origin-connector": "smppc01", "priority": "0",
            "coding": "8", "validity": "", "content": text, "binary": text.encode("utf-16-be").hex().upper()}
    first = requests.post(url, data=form, timeout=5)
    assert first.status_code == 200 and first.text == "ACK/Jasmin", first.text
    again = requests.post(url, data=form, timeout=5)
    assert again.status_code == 200 and again.text == "ACK/Jasmin"
    one_message(supervisor, customer, org, text)


def test_jasmin_url_token_is_checked(admin, supervisor):
    channel = make_channel(admin, "jasmin", url_token="tok-" + uuid.uuid4().hex)
    _, customer = sb.customer_number()
    org = sb.org_number()
    form = {"id": str(uuid.uuid4()), "from": customer, "to": org, "coding": "0", "content": "hello"}
    response = requests.post(f"{INGEST}/v1/webhooks/jasmin/{channel}/inbound?token=wrong", data=form, timeout=5)
    assert response.status_code == 403
    nothing_for(supervisor, customer, org, 1.0)


def test_jasmin_and_kannel_tokens_count_only_in_the_url(admin, supervisor):
    """The token is part of the URL given to the carrier (`?token=`); a form field named
    token is not accepted in its place."""
    for carrier in ("jasmin", "kannel"):
        token = "tok-" + uuid.uuid4().hex
        channel = make_channel(admin, carrier, url_token=token)
        _, customer = sb.customer_number()
        org = sb.org_number()
        form = ({"id": str(uuid.uuid4()), "from": customer, "to": org, "coding": "0", "content": "hello", "token": token}
                if carrier == "jasmin" else
                {"sender": customer, "receiver": org, "text": "hello", "id": str(uuid.uuid4()), "token": token})
        response = requests.post(f"{INGEST}/v1/webhooks/{carrier}/{channel}/inbound", data=form, timeout=5)
        assert response.status_code == 403, (carrier, response.text)
        assert response.json()["code"] == "invalid_signature"
        nothing_for(supervisor, customer, org, 0.5)


@pytest.mark.parametrize("carrier,credential", [("vonage", "signature_secret"), ("jasmin", "url_token"), ("kannel", "url_token")])
def test_webhooks_are_never_open_unless_allowed(carrier, credential, admin, supervisor):
    """A channel whose webhooks could be called without any check is refused (422) unless the
    admin sets allow_unauthenticated_webhooks; the choice is readable and kept."""
    name = f"e2e-{carrier}-{uuid.uuid4().hex[:10]}"
    url = f"{INGEST}/v1/channels/{name}"
    refused = admin.put(url, json={"carrier": carrier}, timeout=5)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_channel" and credential in refused.json()["detail"]
    assert admin.get(url, timeout=5).status_code == 404

    allowed = admin.put(url, json={"carrier": carrier, "allow_unauthenticated_webhooks": True}, timeout=5)
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["allow_unauthenticated_webhooks"] is True
    kept = admin.put(url, json={"carrier": carrier, "default_region": "GB"}, timeout=5)
    assert kept.status_code == 200 and kept.json()["allow_unauthenticated_webhooks"] is True
    # Withdrawing the permission without giving a secret is refused too.
    withdrawn = admin.put(url, json={"carrier": carrier, "allow_unauthenticated_webhooks": False}, timeout=5)
    assert withdrawn.status_code == 422
    secured = admin.put(url, json={"carrier": carrier, "allow_unauthenticated_webhooks": False,
                                   "credentials": {credential: "s3cret-" + uuid.uuid4().hex}}, timeout=5)
    assert secured.status_code == 200 and secured.json()["allow_unauthenticated_webhooks"] is False
    # Now unsigned calls are refused.
    _, customer = sb.customer_number()
    org = sb.org_number()
    unsigned = requests.get(f"{INGEST}/v1/webhooks/{carrier}/{name}/inbound", timeout=5, params={
        "msisdn": customer.lstrip("+"), "to": org.lstrip("+"), "messageId": str(uuid.uuid4()), "text": "hi", "type": "text",
        "id": str(uuid.uuid4()), "from": customer, "content": "hi", "sender": customer, "receiver": org,
    })
    assert unsigned.status_code == 403, unsigned.text


# --- Kannel -----------------------------------------------------------------------------


def test_kannel_udh_parts_out_of_order_make_one_message(admin, supervisor):
    channel = make_channel(admin, "kannel", unauthenticated=True)
    _, customer = sb.customer_number()
    org = sb.org_number()
    ref = int(time.time()) % 250
    texts = ["Part one, ", "part two, ", "part three."]
    for seq in (2, 3, 1):
        udh = bytes([0x05, 0x00, 0x03, ref, 0x03, seq])
        query = (f"sender={quote(customer)}&receiver={quote(org)}&text={quote(texts[seq - 1])}&ts={int(time.time())}"
                 f"&id={uuid.uuid4()}&coding=0&charset=UTF-8&udh={quote_from_bytes(udh)}")
        response = requests.get(f"{INGEST}/v1/webhooks/kannel/{channel}/inbound?{query}", timeout=5)
        assert response.status_code == 200, response.text
        if seq == 2:
            retry = requests.get(f"{INGEST}/v1/webhooks/kannel/{channel}/inbound?{query}", timeout=5)
            assert retry.status_code == 200  # a retried part is no second part
    one_message(supervisor, customer, org, "".join(texts))


def test_kannel_national_number_uses_the_channel_region(admin, supervisor):
    channel = make_channel(admin, "kannel", region="GB", unauthenticated=True)
    digits = f"{uuid.uuid4().int % 1000000:06d}"
    national, customer = f"07700 {digits}", f"+447700{digits}"  # a UK mobile number, written nationally
    org = sb.org_number()
    query = urlencode({"sender": national, "receiver": org, "text": "from the UK", "id": str(uuid.uuid4())})
    assert requests.get(f"{INGEST}/v1/webhooks/kannel/{channel}/inbound?{query}", timeout=5).status_code == 200
    one_message(supervisor, customer, org, "from the UK")


# --- Queue parts and incomplete messages ------------------------------------------------


def test_queue_parts_out_of_order_make_one_message(observer, supervisor):
    _, customer = sb.customer_number()
    org = sb.org_number()
    ref = int(time.time()) % 60000
    texts = ["Three ", "parts, ", "one message"]
    for seq in (3, 2, 1):
        observer.publish({"id": sb.carrier_id("PT"), "from": customer, "to": org, "text": texts[seq - 1],
                          "part": {"ref": ref, "total": 3, "seq": seq}})
    event = observer.wait_event(
        lambda d: d.routing_key == "message.received" and sb.event_data(d).get("from") == customer, what="message.received"
    )
    assert sb.event_data(event)["text"] == "".join(texts)
    assert not sb.event_data(event).get("incomplete")
    one_message(supervisor, customer, org, "".join(texts))


def test_an_incomplete_long_sms_is_emitted_after_the_wait(system, observer, supervisor):
    wait = int(system.env.get("SWITCHBOARD_REASSEMBLY_TIMEOUT_SECONDS") or "60")
    if wait > 10:
        pytest.skip(f"SWITCHBOARD_REASSEMBLY_TIMEOUT_SECONDS is {wait}; set it to at most 10 to run this test")
    _, customer = sb.customer_number()
    org = sb.org_number()
    ref = int(time.time()) % 60000
    for seq, text in ((1, "First "), (3, "third")):
        observer.publish({"id": sb.carrier_id("PT"), "from": customer, "to": org, "text": text,
                          "part": {"ref": ref, "total": 3, "seq": seq}})
    event = observer.wait_event(
        lambda d: d.routing_key == "message.received" and sb.event_data(d).get("from") == customer,
        timeout=wait + 10, what="the incomplete message.received",
    )
    assert sb.event_data(event)["text"] == "First third" and sb.event_data(event)["incomplete"] is True


# --- Delivery receipts ------------------------------------------------------------------


def assign(observer, interaction_id: str, agent_id: str, agent_name: str) -> None:
    observer.publish({"interaction_id": interaction_id, "agent_id": agent_id, "agent_name": agent_name,
                      "expected_owner_id": None, "reason": "routed"},
                     exchange="switchboard.commands", routing_key="session.interaction.assign")


def outbound_statuses(client, interaction_id: str) -> list[str]:
    entries = [e for e in sb.get_interaction(client, interaction_id)["transcript"] if e.get("direction") == "outbound"]
    return [p["status"] for p in entries[-1]["parts"]] if entries else []


def replied(observer, supervisor, agent) -> tuple[str, str]:
    """A conversation owned by kate with one reply from her: (interaction id, our outbound message_id)."""
    _, customer = sb.customer_number()
    org = sb.org_number()
    observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": "Can you call me back?"})
    interaction = sb.wait_for_interaction(supervisor, timeout=15, **{"from": customer, "to": org})
    assign(observer, interaction["id"], "kate", "Kate Lewis")
    sb.wait_until(lambda: (sb.get_interaction(supervisor, interaction["id"]).get("owner") or {}).get("id") == "kate",
                  what="kate owns the interaction")
    response = agent.post(f"{SESSION}/v1/interactions/{interaction['id']}/messages", json={"text": "Sure, at 3 pm."}, timeout=5)
    assert response.status_code == 202, response.text
    return interaction["id"], response.json()["message_id"]


def carrier_delivered(carrier: str, channel: str, token: str, carrier_id: str) -> requests.Response:
    base = f"{INGEST}/v1/webhooks/{carrier}/{channel}"
    if carrier == "twilio":
        params = {"MessageSid": carrier_id, "SmsSid": carrier_id, "MessageStatus": "delivered", "SmsStatus": "delivered",
                  "AccountSid": "AC" + "1" * 32, "From": "+15005550006", "To": "+14155550100", "ApiVersion": "2010-04-01",
                  "RawDlrDoneDate": datetime.now(timezone.utc).strftime("%y%m%d%H%M")}
        return twilio_post(channel, token, params, suffix="/status")
    if carrier == "vonage":
        return requests.get(f"{base}/receipt", params={
            "msisdn": "14155550100", "to": "12015550123", "network-code": "310090", "messageId": carrier_id, "price": "0.00570000",
            "status": "delivered", "scts": datetime.now(timezone.utc).strftime("%y%m%d%H%M"), "err-code": "0",
            "api-key": "abcd1234", "message-timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        }, timeout=5)
    if carrier == "jasmin":
        return requests.post(f"{base}/receipt", data={
            "id": carrier_id, "message_status": "DELIVRD", "level": "3", "connector": "smppc01", "id_smsc": "2d1b7a",
            "sub": "001", "dlvrd": "001", "subdate": "2611201323", "donedate": "2611201324", "err": "000", "text": "Sure, at 3",
        }, timeout=5)
    return requests.get(f"{base}/receipt?id={quote(carrier_id)}&status=1", timeout=5)


@pytest.mark.parametrize("carrier", ["twilio", "vonage", "jasmin", "kannel"])
def test_receipts_update_the_delivery_status(carrier, admin, observer, supervisor, agent):
    token = uuid.uuid4().hex
    channel = make_channel(admin, carrier, unauthenticated=carrier != "twilio",
                           **({"auth_token": token} if carrier == "twilio" else {}))
    interaction_id, message_id = replied(observer, supervisor, agent)
    sb.wait_until(lambda: outbound_statuses(supervisor, interaction_id) == ["queued"], what="the reply queued")

    # The connector's first receipt: our message_id and the carrier's id.
    carrier_id = f"{carrier}-{uuid.uuid4().hex}"
    observer.publish({"message_id": message_id, "id": carrier_id, "channel": channel, "status": "sent", "at": now_rfc3339()},
                     routing_key="receipt")
    sb.wait_until(lambda: outbound_statuses(supervisor, interaction_id) == ["sent"], what="the reply sent")

    # Then the carrier's own receipt, with only its id; a retry of it changes nothing.
    response = carrier_delivered(carrier, channel, token, carrier_id)
    assert response.status_code in (200, 204), response.text
    if carrier == "jasmin":
        assert response.text == "ACK/Jasmin"
    assert carrier_delivered(carrier, channel, token, carrier_id).status_code in (200, 204)
    sb.wait_until(lambda: outbound_statuses(supervisor, interaction_id) == ["delivered"], what="the reply delivered")
    event = observer.wait_event(
        lambda d: d.routing_key == "message.status" and sb.event_data(d).get("message_id") == message_id
        and sb.event_data(d).get("status") == "delivered", what="message.status delivered",
    )
    assert event.json["source"] == "/switchboard/ingest"
    observer.pump(1.0)
    delivered = observer.events_of("message.status", lambda d: sb.event_data(d).get("message_id") == message_id
                                   and sb.event_data(d).get("status") == "delivered")
    assert len(delivered) == 1, "the carrier's retry emitted a second status"


def test_unknown_carrier_ids(admin, observer):
    token = uuid.uuid4().hex
    channel = make_channel(admin, "twilio", auth_token=token)
    before = metric("switchboard_ingest_unmatched_receipts_total")
    response = twilio_post(channel, token, {"MessageSid": sb.carrier_id("SM"), "MessageStatus": "delivered"}, suffix="/status")
    assert response.status_code == 204, response.text
    sb.wait_until(lambda: metric("switchboard_ingest_unmatched_receipts_total") >= before + 1, what="the unmatched counter")

    marker = str(uuid.uuid4())
    observer.publish({"id": sb.carrier_id("XX"), "channel": channel, "status": "delivered"}, routing_key="receipt",
                     message_id=marker)
    dead = observer.wait_dead(lambda d: d.properties.message_id == marker, what="the unmatched receipt")
    error = dead.headers.get("x-switchboard-error")
    error = error.decode() if isinstance(error, bytes) else error
    assert "unknown carrier id" in error
