"""Contacts as an agent desktop and the other services see them (issue #5): identification
of inbound messages, manual contact assignment, the 24-hour history count, merge and
undo and their records read back, and consent (STOP/START) blocking and allowing replies in `session`.

docs/architecture.md section 3 (the contacts API), section 4 (contacts and consent rules) and
section 1 (contacts learns interactions from `interaction.*` events and tells session
through `contact.*` and `consent.changed`).

Ownership comes from `transfer` in production; here the test publishes the
`interaction.assign` command itself, as test_e2e_session.py does. Old interactions
(2 days ago) and consent keywords (ingest's detection may not exist yet) are synthetic
CloudEvents published to `switchboard.events`. Every test uses its own numbers.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
import requests

import e2e_support as sb

CONTACTS = sb.base_url("contacts")
SESSION = sb.base_url("session")
CONTACT_KEYS = {"id", "first_name", "last_name", "display_name", "phones", "emails", "attributes", "created_at", "updated_at"}


# --- Helpers ----------------------------------------------------------------------------


def _client(system, sub: str, roles: list[str], name: str | None = None) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {system.token(sub, roles, name=name or sub)}"
    return session


@pytest.fixture
def supervisor(system) -> requests.Session:
    return _client(system, "boss", ["supervisor"], "Sue Pervisor")


@pytest.fixture
def sam(system) -> requests.Session:
    return _client(system, "sam", ["agent"], "Sam Other")


def _rfc3339(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now() -> str:
    return _rfc3339(datetime.now(timezone.utc))


def publish_event(observer, event_type: str, data: dict, subject: str | None = None) -> str:
    event_id = str(uuid.uuid4())
    envelope = {
        "specversion": "1.0", "id": event_id, "source": "/switchboard/e2e", "type": f"switchboard.{event_type}",
        "time": _now(), "subject": subject, "datacontenttype": "application/json", "data": data,
    }
    observer.publish(envelope, exchange="switchboard.events", routing_key=event_type, message_id=event_id)
    return event_id


def inbound(observer, customer: str, org: str, text: str = "Hello, I need help") -> None:
    observer.publish({"id": sb.carrier_id(), "from": customer, "to": org, "text": text})


def interaction_of(client, customer: str, org: str) -> dict:
    return sb.wait_for_interaction(client, timeout=15, **{"from": customer, "to": org})


def assign_owner(observer, supervisor, interaction_id: str, agent_id: str = "kate", agent_name: str = "Kate Lewis") -> None:
    command = {
        "interaction_id": interaction_id, "agent_id": agent_id, "agent_name": agent_name,
        "expected_owner_id": None, "reason": "routed",
    }
    observer.publish(command, exchange="switchboard.commands", routing_key="session.interaction.assign")
    sb.wait_until(lambda: (sb.get_interaction(supervisor, interaction_id).get("owner") or {}).get("id") == agent_id,
                  timeout=10, what=f"{interaction_id} owned by {agent_id}")


def contact_on(client, interaction_id: str, expected: dict | None) -> dict:
    return sb.wait_until(
        lambda: (body := sb.get_interaction(client, interaction_id)).get("contact") == expected and body,
        timeout=10, what=f"contact {expected} on interaction {interaction_id}",
    )


def create_contact(client, **fields) -> dict:
    response = client.post(f"{CONTACTS}/v1/contacts", json=fields, timeout=5)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == CONTACT_KEYS
    assert response.headers["Location"] == f"/v1/contacts/{body['id']}"
    return body


def get_contact(client, contact_id: str) -> requests.Response:
    return client.get(f"{CONTACTS}/v1/contacts/{contact_id}", timeout=5, allow_redirects=False)


def history(client, contact_id: str, **params) -> dict:
    response = client.get(f"{CONTACTS}/v1/contacts/{contact_id}/history", params=params, timeout=5, allow_redirects=False)
    assert response.status_code == 200, response.text
    return response.json()


def history_ids(client, contact_id: str) -> set[str]:
    return {item["interaction_id"] for item in history(client, contact_id, limit=200)["items"]}


def synthetic_interaction(observer, customer: str, org: str, created_at: datetime) -> str:
    interaction_id = str(uuid.uuid4())
    publish_event(observer, "interaction.created", {
        "interaction_id": interaction_id, "mode": "page", "media": "sms", "from": customer, "to": org,
        "queue": "default", "origin": "Inbound SMS Page Mode", "created_at": _rfc3339(created_at),
    }, subject=interaction_id)
    return interaction_id


def keyword(observer, customer: str, org: str, word: str, action: str) -> None:
    publish_event(observer, "consent.keyword", {
        "message_id": str(uuid.uuid4()), "from": customer, "to": org, "keyword": word, "action": action, "at": _now(),
    })


def problem(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, f"{response.status_code} {response.text}"
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


# --- Tests ------------------------------------------------------------------------------


def test_inbound_sms_from_a_known_contact_shows_the_contact(system, observer, agent, supervisor, system_client):
    national, customer = sb.customer_number()
    org = sb.org_number()
    # Created by another system (a CRM), with the number in national form and a mixed-case domain.
    contact = create_contact(system_client, first_name="Kate", last_name="Customer", phones=[national],
                             emails=[f"  kate.{uuid.uuid4().hex[:8]}@Example.COM "], attributes={"tier": "gold"})
    assert contact["phones"] == [customer]
    assert contact["display_name"] == "Kate Customer"
    assert contact["emails"][0].endswith("@example.com") and contact["emails"][0].startswith("kate.")

    # Lookups: the phone in any format, the email with another domain case, name words.
    for params in ({"phone": national}, {"phone": customer}, {"email": contact["emails"][0].replace("example.com", "EXAMPLE.com")},
                   {"q": "kate CUSTOM", "phone": customer}):
        found = system_client.get(f"{CONTACTS}/v1/contacts", params=params, timeout=5)
        assert found.status_code == 200, found.text
        assert [c["id"] for c in found.json()["items"]] == [contact["id"]], params
    problem(system_client.get(f"{CONTACTS}/v1/contacts", params={"phone": "not a number"}, timeout=5), 422, "invalid_request")

    # The same number or address on another contact is refused.
    problem(agent.post(f"{CONTACTS}/v1/contacts", json={"first_name": "Copy", "phones": [customer]}, timeout=5), 409, "phone_taken")
    problem(agent.post(f"{CONTACTS}/v1/contacts", json={"emails": [contact["emails"][0]]}, timeout=5), 409, "email_taken")

    inbound(observer, customer, org)
    interaction = interaction_of(supervisor, customer, org)
    contact_on(supervisor, interaction["id"], {"id": contact["id"], "name": "Kate Customer"})
    identified = observer.wait_event(
        lambda d: d.routing_key == "contact.identified" and sb.event_data(d).get("interaction_id") == interaction["id"],
        what="contact.identified")
    assert sb.event_data(identified) == {"interaction_id": interaction["id"], "contact_id": contact["id"],
                                         "contact_name": "Kate Customer"}
    assert identified.json["source"] == "/switchboard/contacts"


def test_unknown_number_then_manual_assignment(system, observer, agent, supervisor, sam):
    _, customer = sb.customer_number()
    org = sb.org_number()
    inbound(observer, customer, org)
    interaction_id = interaction_of(supervisor, customer, org)["id"]
    assert sb.get_interaction(supervisor, interaction_id)["contact"] is None

    contact = create_contact(agent, first_name="Walk", last_name="In")
    assign_owner(observer, supervisor, interaction_id, "kate", "Kate Lewis")
    url = f"{CONTACTS}/v1/contact-assignments"
    body = {"interaction_id": interaction_id, "contact_id": contact["id"], "add_phone": True}

    # Contacts learns the owner from interaction.assigned: until then kate is not the owner.
    def assigned():
        response = agent.post(url, json=body, timeout=5)
        return response if response.status_code == 200 else None

    response = sb.wait_until(assigned, timeout=10, what="manual contact assignment accepted")
    assert response.json() == {"interaction_id": interaction_id, "contact_id": contact["id"], "contact_name": "Walk In",
                               "phone_added": True}
    # An agent who never owned it gets what an unknown interaction gets (ids cannot be probed).
    problem(sam.post(url, json=body, timeout=5), 404, "not_found")
    problem(agent.post(url, json={**body, "interaction_id": str(uuid.uuid4())}, timeout=5), 404, "not_found")

    contact_on(supervisor, interaction_id, {"id": contact["id"], "name": "Walk In"})
    observer.wait_event(lambda d: d.routing_key == "contact.assigned" and sb.event_data(d).get("interaction_id") == interaction_id,
                        what="contact.assigned")
    assert get_contact(agent, contact["id"]).json()["phones"] == [customer]
    assert interaction_id in history_ids(agent, contact["id"])

    # The number is now that contact's: another contact cannot take it with the assignment.
    other = create_contact(supervisor, first_name="Someone", last_name="Else")
    problem(supervisor.post(url, json={**body, "contact_id": other["id"]}, timeout=5), 409, "phone_taken")


def test_history_counts_the_interactions_of_the_last_24_hours(system, observer, agent, supervisor):
    _, customer = sb.customer_number()
    contact = create_contact(agent, first_name="Count", last_name="Me", phones=[customer])
    two_days_ago = datetime.now(timezone.utc) - timedelta(days=2)
    old = [synthetic_interaction(observer, customer, sb.org_number(), two_days_ago - timedelta(minutes=i)) for i in range(2)]
    new = []
    for _ in range(3):
        org = sb.org_number()
        inbound(observer, customer, org)
        new.append(interaction_of(supervisor, customer, org)["id"])

    body = sb.wait_until(lambda: (h := history(supervisor, contact["id"]))["contact_id"] and len(h["items"]) == 5 and h,
                         timeout=15, what="five interactions in the history")
    assert body["count_24h"] == 3
    assert [item["interaction_id"] for item in body["items"]][-2:] == old, "newest first; the old ones last"
    assert {item["interaction_id"] for item in body["items"][:3]} == set(new)
    first = body["items"][0]
    assert first["from"] == customer and first["mode"] in ("page", "session") and first["state"] in ("queued", "active")
    assert first["link"] == "identified"

    recent = history(supervisor, contact["id"], since=_rfc3339(datetime.now(timezone.utc) - timedelta(days=1)))
    assert {item["interaction_id"] for item in recent["items"]} == set(new) and recent["count_24h"] == 3

    page = history(supervisor, contact["id"], limit=2)
    assert len(page["items"]) == 2 and page["next"]
    rest = history(supervisor, contact["id"], limit=10, cursor=page["next"])
    assert [i["interaction_id"] for i in page["items"] + rest["items"]] == [i["interaction_id"] for i in body["items"]]

    # The projection follows the interaction: assignment shows the agent.
    assign_owner(observer, supervisor, new[0], "kate", "Kate Lewis")
    def owner_shown():
        item = next(i for i in history(supervisor, contact["id"])["items"] if i["interaction_id"] == new[0])
        return item["agent"] == {"id": "kate", "name": "Kate Lewis"} and item["state"] == "active"

    sb.wait_until(owner_shown, timeout=10, what="the owner in the history")


def test_merge_then_undo_restores_both_contacts(system, observer, agent, supervisor):
    _, target_phone = sb.customer_number()
    _, source_phone = sb.customer_number()
    _, source_phone2 = sb.customer_number()
    tag = uuid.uuid4().hex[:8]
    target = create_contact(agent, first_name="Kate", last_name="Lewis", phones=[target_phone],
                            emails=[f"kate.{tag}@example.com"], attributes={"tier": "gold"})
    source = create_contact(agent, display_name="K. Lewis (old)", phones=[source_phone, source_phone2],
                            emails=[f"k.{tag}@example.org"], attributes={"tier": "silver", "language": "fr"})
    org = sb.org_number()
    inbound(observer, source_phone, org)
    interaction_id = interaction_of(supervisor, source_phone, org)["id"]
    contact_on(supervisor, interaction_id, {"id": source["id"], "name": "K. Lewis (old)"})
    sb.wait_until(lambda: interaction_id in history_ids(supervisor, source["id"]), what="the source's history")
    target_before = get_contact(agent, target["id"]).json()
    source_before = get_contact(agent, source["id"]).json()

    response = agent.post(f"{CONTACTS}/v1/contacts/{target['id']}/merge", json={"source_id": source["id"]}, timeout=5)
    assert response.status_code == 200, response.text
    merge = response.json()
    assert (merge["target_id"], merge["source_id"], merge["undone_at"]) == (target["id"], source["id"], None)
    merged = merge["target"]
    assert merged["id"] == target["id"] and merged["display_name"] == "Kate Lewis"
    assert merged["phones"] == [target_phone, source_phone, source_phone2]
    assert merged["emails"] == [f"kate.{tag}@example.com", f"k.{tag}@example.org"]
    assert merged["attributes"] == {"tier": "gold", "language": "fr"}
    assert get_contact(agent, target["id"]).json() == merged

    moved = get_contact(agent, source["id"])
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/v1/contacts/{target['id']}"
    assert moved.json() == {"merged_into": target["id"]}
    assert interaction_id in history_ids(supervisor, target["id"])
    event = observer.wait_event(lambda d: d.routing_key == "contact.merged" and sb.event_data(d).get("id") == merge["id"],
                                what="contact.merged")
    assert sb.event_data(event)["target_name"] == "Kate Lewis"
    assert sb.event_data(event)["source_id"] == source["id"]
    contact_on(supervisor, interaction_id, {"id": target["id"], "name": "Kate Lewis"})
    # The source's number now identifies the target.
    found = agent.get(f"{CONTACTS}/v1/contacts", params={"phone": source_phone}, timeout=5).json()["items"]
    assert [c["id"] for c in found] == [target["id"]]

    undo = agent.post(f"{CONTACTS}/v1/merges/{merge['id']}/undo", timeout=5)
    assert undo.status_code == 200, undo.text
    assert undo.json()["undone_at"] is not None
    assert get_contact(agent, target["id"]).json() == target_before
    assert get_contact(agent, source["id"]).json() == source_before
    assert undo.json()["target"] == target_before and undo.json()["source"] == source_before
    assert interaction_id in history_ids(supervisor, source["id"])
    assert interaction_id not in history_ids(supervisor, target["id"])
    observer.wait_event(lambda d: d.routing_key == "contact.unmerged" and sb.event_data(d).get("id") == merge["id"],
                        what="contact.unmerged")
    contact_on(supervisor, interaction_id, {"id": source["id"], "name": "K. Lewis (old)"})
    problem(agent.post(f"{CONTACTS}/v1/merges/{merge['id']}/undo", timeout=5), 409, "merge_undone")

    # Once the target changed after a merge, undoing it would lose that change.
    again = agent.post(f"{CONTACTS}/v1/contacts/{target['id']}/merge", json={"source_id": source["id"]}, timeout=5).json()
    patched = agent.patch(f"{CONTACTS}/v1/contacts/{target['id']}", json={"attributes": {"vip": "yes"}}, timeout=5)
    assert patched.status_code == 200, patched.text
    problem(agent.post(f"{CONTACTS}/v1/merges/{again['id']}/undo", timeout=5), 409, "target_changed")
    problem(agent.patch(f"{CONTACTS}/v1/contacts/{source['id']}", json={"first_name": "X"}, timeout=5), 409, "contact_merged")
    problem(agent.post(f"{CONTACTS}/v1/contacts/{target['id']}/merge", json={"source_id": target["id"]}, timeout=5),
            422, "invalid_request")


def merges_of(client, contact_id: str, **params) -> dict:
    response = client.get(f"{CONTACTS}/v1/merges", params={"contact_id": contact_id, **params}, timeout=5)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "next"}, body
    return body


def merge_by_id(client, merge_id: str) -> requests.Response:
    return client.get(f"{CONTACTS}/v1/merges/{merge_id}", timeout=5, allow_redirects=False)


def test_merges_are_readable_by_contact_and_by_id(system, agent, supervisor, sam, system_client):
    """docs/architecture.md 10.3: a merge, and then its undo, read back exactly as the
    operation answered, from both contacts and by id; newest first with a cursor; 404 for
    what does not exist, 422 without a contact, 403 for a system token; a DELETE takes the
    records of what it erases with it."""
    _, target_phone = sb.customer_number()
    _, source_phone = sb.customer_number()
    _, other_phone = sb.customer_number()
    target = create_contact(agent, first_name="Read", last_name="Target", phones=[target_phone])
    source = create_contact(agent, display_name="Read Source", phones=[source_phone], attributes={"tier": "silver"})
    other = create_contact(agent, first_name="Other", last_name="Source", phones=[other_phone])

    merged = agent.post(f"{CONTACTS}/v1/contacts/{target['id']}/merge", json={"source_id": source["id"]}, timeout=5)
    assert merged.status_code == 200, merged.text
    merge = merged.json()
    by_id = merge_by_id(agent, merge["id"])
    assert by_id.status_code == 200, by_id.text
    assert by_id.json() == merge
    assert merge["undone_at"] is None and merge["source"] is None
    for contact in (target, source):
        assert merges_of(agent, contact["id"]) == {"items": [merge], "next": None}, contact
    # The shared address book: another agent and a supervisor read them too.
    assert merges_of(sam, source["id"])["items"] == [merge]
    assert merge_by_id(supervisor, merge["id"]).json() == merge

    undone = agent.post(f"{CONTACTS}/v1/merges/{merge['id']}/undo", timeout=5)
    assert undone.status_code == 200, undone.text
    undo = undone.json()
    assert undo["undone_at"] is not None and undo["source"]["id"] == source["id"]
    assert merge_by_id(agent, merge["id"]).json() == undo
    assert merges_of(agent, source["id"])["items"] == [undo]
    record = ("id", "target_id", "source_id", "at")
    assert [undo[key] for key in record] == [merge[key] for key in record]

    # A second merge into the same target is listed first; pages follow each other.
    again = agent.post(f"{CONTACTS}/v1/contacts/{target['id']}/merge", json={"source_id": other["id"]}, timeout=5).json()
    assert merges_of(agent, target["id"]) == {"items": [again, undo], "next": None}
    first = merges_of(agent, target["id"], limit=1)
    assert first["items"] == [again] and first["next"]
    assert merges_of(agent, target["id"], limit=1, cursor=first["next"]) == {"items": [undo], "next": None}
    assert merges_of(agent, other["id"])["items"] == [again]
    # A merged contact lists its merges (no redirect): the one that took it is among them.
    assert get_contact(agent, other["id"]).status_code == 301

    # What does not exist, what is not a contact, who may not read.
    problem(merge_by_id(agent, str(uuid.uuid4())), 404, "not_found")
    problem(merge_by_id(agent, "not-a-uuid"), 404, "not_found")
    problem(agent.get(f"{CONTACTS}/v1/merges", params={"contact_id": str(uuid.uuid4())}, timeout=5), 404, "not_found")
    for params, detail in (({}, "contact_id is required"), ({"contact_id": "c-1842"}, "contact_id must be a UUID"),
                           ({"contact_id": target["id"], "limit": 0}, "limit must be 1 to 200")):
        assert problem(agent.get(f"{CONTACTS}/v1/merges", params=params, timeout=5), 422, "invalid_request")["detail"] == detail
    problem(system_client.get(f"{CONTACTS}/v1/merges", params={"contact_id": target["id"]}, timeout=5), 403, "forbidden")
    problem(merge_by_id(system_client, merge["id"]), 403, "forbidden")

    # Deleting the target erases what was merged into it and every record naming either.
    assert agent.delete(f"{CONTACTS}/v1/contacts/{target['id']}", timeout=5).status_code == 204
    for merge_id in (merge["id"], again["id"]):
        problem(merge_by_id(agent, merge_id), 404, "not_found")
    for contact in (target, source, other):
        assert merges_of(agent, contact["id"]) == {"items": [], "next": None}, contact


def test_delete_keeps_history_and_erases_personal_data(system, observer, agent, supervisor):
    _, customer = sb.customer_number()
    contact = create_contact(agent, first_name="Gone", last_name="Soon", phones=[customer], attributes={"a": "b"})
    org = sb.org_number()
    inbound(observer, customer, org)
    interaction_id = interaction_of(supervisor, customer, org)["id"]
    sb.wait_until(lambda: interaction_id in history_ids(supervisor, contact["id"]), what="the history")

    assert agent.delete(f"{CONTACTS}/v1/contacts/{contact['id']}", timeout=5).status_code == 204
    problem(get_contact(agent, contact["id"]), 410, "contact_deleted")
    assert interaction_id in history_ids(supervisor, contact["id"])
    assert agent.get(f"{CONTACTS}/v1/contacts", params={"phone": customer}, timeout=5).json()["items"] == []
    # The number is free again.
    create_contact(agent, first_name="New", last_name="Owner", phones=[customer])


def test_stop_blocks_replies_and_start_allows_them(system, observer, agent, supervisor, system_client):
    _, customer = sb.customer_number()
    org = sb.org_number()
    inbound(observer, customer, org)
    interaction_id = interaction_of(supervisor, customer, org)["id"]
    assign_owner(observer, supervisor, interaction_id)
    url = f"{SESSION}/v1/interactions/{interaction_id}/messages"
    consent_url = f"{CONTACTS}/v1/consent/{quote(customer, safe='')}"

    keyword(observer, customer, org, "STOP", "opt_out")
    changed = observer.wait_event(
        lambda d: d.routing_key == "consent.changed" and sb.event_data(d).get("number") == customer, what="consent.changed")
    assert sb.event_data(changed)["org_number"] == org and sb.event_data(changed)["state"] == "opted_out"
    consent = system_client.get(consent_url, timeout=5).json()
    assert consent["number"] == customer and consent["state"] == "opted_out"
    assert consent["by_org_number"] == {org: "opted_out"}
    assert [(h["keyword"], h["action"]) for h in consent["history"]] == [("STOP", "opt_out")]

    def refused():
        response = agent.post(url, json={"text": "Are you there?"}, timeout=5)
        return (response,) if response.status_code == 409 else None  # a 409 Response is falsy

    problem(sb.wait_until(refused, timeout=10, what="reply refused after STOP")[0], 409, "recipient_opted_out")

    time.sleep(0.01)
    keyword(observer, customer, org, "HELP", "help")
    time.sleep(0.01)
    keyword(observer, customer, org, "START", "opt_in")
    sb.wait_until(lambda: system_client.get(consent_url, timeout=5).json()["state"] == "opted_in", what="opted in again")
    accepted = sb.wait_until(lambda: (r := agent.post(url, json={"text": "Welcome back"}, timeout=5)).status_code == 202 and r,
                             timeout=10, what="reply accepted after START")
    assert accepted.json()["message_id"]
    consent = system_client.get(consent_url, timeout=5).json()
    assert [h["action"] for h in consent["history"]] == ["opt_out", "help", "opt_in"]
    assert consent["by_org_number"] == {org: "opted_in"}
    assert len(observer.events_of("consent.changed", lambda d: sb.event_data(d).get("number") == customer)) >= 1
