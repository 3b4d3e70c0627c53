"""Hostile input that the security probe of issue #18 found mishandled: a NUL character
(U+0000) in search parameters, paths, bodies and AMQP messages, and JWTs that are not
valid yet or name another algorithm. Each is refused with the project's problem format
(or a dead letter with its reason), never a 500 or a silent retry loop."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests

import e2e_support as sb


def _problem(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.url}: {response.status_code} {response.text}"
    assert response.headers.get("content-type", "").startswith("application/problem+json"), response.headers
    problem = response.json()
    assert problem["code"] == code, problem
    return problem


# --- NUL in query parameters and paths -----------------------------------------------------

NUL_QUERIES = [
    ("session", "/v1/interactions", "owner"),
    ("session", "/v1/interactions", "contact_id"),
    ("session", "/v1/interactions", "from"),
    ("session", "/v1/standard-responses", "q"),
    ("session", "/v1/standard-responses", "shortcut"),
    ("contacts", "/v1/contacts", "q"),
    ("contacts", "/v1/contacts", "email"),
    ("transfer", "/v1/targets", "q"),
    ("callback", "/v1/callbacks", "target"),
    ("media", "/v1/media", "interaction_id"),
]


@pytest.mark.parametrize("service,path,parameter", NUL_QUERIES)
def test_nul_in_a_query_parameter_is_422_naming_it(system, service, path, parameter):
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {system.token('sue', ['supervisor', 'admin'])}"
    response = client.get(f"{sb.base_url(service)}{path}?{parameter}=a%00b", timeout=5)
    problem = _problem(response, 422, "invalid_character")
    assert f"'{parameter}'" in problem["detail"], problem


@pytest.mark.parametrize("service,path", [
    ("session", "/v1/numbers/%2B1415%00"),
    ("contacts", "/v1/consent/%2B1415555%000100"),
    ("ingest", "/v1/channels/main%00"),
])
def test_nul_in_a_path_is_422(system, service, path):
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {system.token('root', ['admin'])}"
    _problem(client.get(f"{sb.base_url(service)}{path}", timeout=5), 422, "invalid_character")


# --- NUL in bodies ----------------------------------------------------------------------------


def test_nul_in_json_bodies_is_422_naming_the_field(system, system_client):
    admin = requests.Session()
    admin.headers["Authorization"] = f"Bearer {system.token('root', ['admin', 'agent'], name='Root')}"
    national, _ = sb.customer_number()
    cases = [
        (system_client, "ingest", "/v1/inbound",
         {"id": sb.carrier_id("NU"), "from": national, "to": sb.org_number(), "text": "hi\u0000there"}, "text"),
        (admin, "ingest", f"/v1/channels/e2e-nul-{uuid.uuid4().hex[:8]}",
         {"carrier": "kannel", "credentials": {"url_token": "a\u0000b"}}, "credentials.url_token"),
        (admin, "session", "/v1/standard-responses", {"name": "n\u0000", "text": "Hello"}, "name"),
        (admin, "callback", "/v1/callbacks",
         {"phone": national, "due_at": "2030-01-01T10:00:00Z", "target": {"type": "queue", "id": "default"},
          "notes": "call\u0000back"}, "notes"),
        (admin, "contacts", "/v1/contacts", {"first_name": "Ann\u0000"}, "first_name"),
    ]
    for client, service, path, body, field in cases:
        method = client.put if path.startswith("/v1/channels/") else client.post
        problem = _problem(method(f"{sb.base_url(service)}{path}", json=body, timeout=5), 422, "invalid_character")
        assert problem["detail"].startswith(f"{field} contains a NUL"), (path, problem)


def test_nul_over_amqp_is_dead_lettered_at_once_with_its_reason(observer):
    national, _ = sb.customer_number()
    marker = str(uuid.uuid4())
    observer.publish({"id": sb.carrier_id("NA"), "from": national, "to": sb.org_number(), "text": "bad\u0000byte"},
                     message_id=marker)
    dead = observer.wait_dead(lambda d: d.properties.message_id == marker, what="the message with a NUL")
    reason = dead.headers.get("x-switchboard-error")
    reason = reason.decode() if isinstance(reason, bytes) else reason
    assert reason and "text contains a NUL character" in reason, dead.headers
    # Dead-lettered by ingest's validation on the first delivery, not by the delivery limit.
    assert "x-death" not in dead.headers or all(
        death.get("reason") != b"delivery_limit" and death.get("reason") != "delivery_limit"
        for death in dead.headers.get("x-death", [])
    ), dead.headers


# --- JWTs -------------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _token(secret: str, header: dict, claims: dict, digest=hashlib.sha256) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64(signature)}"


# One authenticated read per service (each answers 200 to a supervisor with a good token).
READS = {
    "ingest": None,  # admin-only reads need a channel: covered by the 401 before the role check below
    "session": "/v1/dispositions",
    "transfer": "/v1/targets?q=a",
    "contacts": "/v1/contacts?q=zz",
    "callback": "/v1/callbacks",
    "media": "/v1/media?interaction_id=" + str(uuid.uuid4()),
}


def _read_path(service: str) -> str:
    return READS[service] or "/v1/channels/e2e-none"


@pytest.mark.parametrize("service", sorted(READS))
def test_tokens_not_valid_yet_or_of_another_algorithm_are_401_on_every_service(system, service):
    now = int(time.time())
    claims = {"sub": "sue", "name": "Sue", "roles": ["supervisor", "admin"], "exp": now + 600}
    url = sb.base_url(service) + _read_path(service)

    good = requests.get(url, headers={"Authorization": f"Bearer {_token(system.jwt_secret, {'alg': 'HS256', 'typ': 'JWT'}, claims)}"},
                        timeout=5)
    assert good.status_code in (200, 404), good.text  # authenticated (ingest: no such channel)

    refused = {
        "nbf in the future": _token(system.jwt_secret, {"alg": "HS256", "typ": "JWT"}, {**claims, "nbf": now + 300}),
        "alg HS512": _token(system.jwt_secret, {"alg": "HS512", "typ": "JWT"}, claims, hashlib.sha512),
        "alg HS512, HS256 signature": _token(system.jwt_secret, {"alg": "HS512", "typ": "JWT"}, claims),
        "alg none": f"{_b64(json.dumps({'alg': 'none'}).encode())}.{_b64(json.dumps(claims).encode())}.",
        "no alg": _token(system.jwt_secret, {"typ": "JWT"}, claims),
    }
    for what, token in refused.items():
        response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert response.status_code == 401, f"{what}: {response.status_code} {response.text}"
        assert response.json()["code"] == "unauthorized", what

    passed = _token(system.jwt_secret, {"alg": "HS256", "typ": "JWT"}, {**claims, "nbf": now - 5})
    assert requests.get(url, headers={"Authorization": f"Bearer {passed}"}, timeout=5).status_code in (200, 404)
