"""The HTTP API as another system (POST /v1/inbound) and an agent desktop
(GET /v1/interactions) use it. docs/architecture.md section 3."""

from __future__ import annotations

import uuid

import pytest

import e2e_support as sb


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


INBOUND = sb.base_url("ingest") + "/v1/inbound"
INTERACTIONS = sb.base_url("session") + "/v1/interactions"


def test_post_inbound_accepts_once_then_reports_the_duplicate(system_client, desk):
    national, customer = sb.customer_number()
    org = sb.org_number()
    message = {"id": sb.carrier_id("HT"), "from": national, "to": org, "text": "over HTTP"}

    first = system_client.post(INBOUND, json=message, timeout=5)
    assert first.status_code == 202, first.text
    accepted = first.json()
    assert accepted["duplicate"] is False and accepted["message_id"], accepted

    again = system_client.post(INBOUND, json=message, timeout=5)
    assert again.status_code == 200, again.text
    assert again.json() == {"message_id": accepted["message_id"], "duplicate": True}

    interaction = sb.wait_for_interaction(desk, **{"from": customer, "to": org})
    detail = sb.wait_for_transcript(desk, interaction["id"], 1)
    assert [e["text"] for e in detail["transcript"]] == ["over HTTP"]


def test_post_inbound_rejects_an_invalid_message(system_client):
    response = system_client.post(INBOUND, json={"id": sb.carrier_id("HT"), "to": sb.org_number(), "text": "no from"}, timeout=5)
    problem = _assert_problem(response, 422, "invalid_message")
    assert "from" in problem["detail"], problem


def test_post_inbound_needs_the_system_role(agent, anonymous, system):
    message = {"id": sb.carrier_id("HT"), "from": sb.customer_number()[1], "to": sb.org_number(), "text": "nope"}
    _assert_problem(agent.post(INBOUND, json=message, timeout=5), 403)
    _assert_problem(anonymous.post(INBOUND, json=message, timeout=5), 401)
    forged = sb.mint_token("x" * 40, "connector-e2e", ["system"])  # signed with another secret
    _assert_problem(anonymous.post(INBOUND, json=message, headers={"Authorization": f"Bearer {forged}"}, timeout=5), 401)
    expired = system.token("connector-e2e", ["system"], ttl=-60)
    _assert_problem(anonymous.post(INBOUND, json=message, headers={"Authorization": f"Bearer {expired}"}, timeout=5), 401)


def test_unknown_interaction_is_404(desk):
    _assert_problem(desk.get(f"{INTERACTIONS}/{uuid.uuid4()}", timeout=5), 404)


def test_interactions_need_a_token(anonymous):
    _assert_problem(anonymous.get(INTERACTIONS, timeout=5), 401)
    _assert_problem(anonymous.get(f"{INTERACTIONS}/{uuid.uuid4()}", timeout=5), 401)


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "state=bogus", "created_after=yesterday"])
def test_bad_query_is_422(desk, query):
    problem = _assert_problem(desk.get(f"{INTERACTIONS}?{query}", timeout=5), 422)
    assert problem["code"], problem


def test_pagination_with_limit_1(system_client, desk):
    org = sb.org_number()
    customers = [sb.customer_number()[1] for _ in range(2)]
    for customer in customers:
        response = system_client.post(
            INBOUND, json={"id": sb.carrier_id("PG"), "from": customer, "to": org, "text": "page me"}, timeout=5
        )
        assert response.status_code == 202, response.text
    sb.wait_until(lambda: len(sb.find_interactions(desk, to=org)) == 2, what=f"two interactions to {org}")

    page1 = desk.get(INTERACTIONS, params={"to": org, "limit": 1}, timeout=5)
    assert page1.status_code == 200, page1.text
    body1 = page1.json()
    assert len(body1["items"]) == 1 and body1["next"], body1

    page2 = desk.get(INTERACTIONS, params={"to": org, "limit": 1, "cursor": body1["next"]}, timeout=5)
    assert page2.status_code == 200, page2.text
    body2 = page2.json()
    assert len(body2["items"]) == 1, body2

    seen = [body1["items"][0], body2["items"][0]]
    assert {i["from"] for i in seen} == set(customers), seen
    assert seen[0]["id"] != seen[1]["id"]
    if body2["next"] is not None:  # a last page may still hand out a cursor; it must be empty
        page3 = desk.get(INTERACTIONS, params={"to": org, "limit": 1, "cursor": body2["next"]}, timeout=5)
        assert page3.status_code == 200 and page3.json()["items"] == [], page3.text
