"""The cross-agent authorization matrix of issue #18: every object-level operation of
every OpenAPI document, tried by another agent and by a supervisor on an object agent A
owns, with the refusals asserted and nothing changed (docs/architecture.md section 3, "who sees
what").

The principals: agent A (`ann-…`, owner of everything below), agent B (`bob-…`, who
never owned any of it), a supervisor, and admin/system tokens for the set-up. One
module-scoped `world` builds A's objects the way production does: A and B and a
transfer target C (`carl-…`) are put in the directory (admin), a number of our own is
routed to A's queue (admin), a customer with a contact texts in an MMS through
`POST /v1/inbound` (system token, an inline PNG), A is offered it and accepts, replies,
assigns the contact, schedules a callback from it and transfers it to C, who rejects
(so A keeps it and owns a transfer), then consults C on it (an open IM consultation). Each of those is checked to work *for A* before B
tries it, so B's 404 means "not yours", never "not there yet". A second customer's
interaction is accepted by A and transferred to C, who accepts: A is its past owner.

The rules asserted (issue #18 items 1 and 2):

- An agent acting on or reading an interaction it neither owns nor owned, or anything
  hanging off it (its media, transfers, callbacks, contact assignment), gets **404**,
  exactly as for an unknown id (same status and `code`): "not yours" looks like "does
  not exist". `403 not_owner` stays for a caller who may see the interaction but not act
  on it (a supervisor, or A once the interaction was transferred away from it).
- Another agent's callback and offer are 404; another agent's own resources (its
  directory entry, presence, offers, notifications) are refused (403 or 404).
- Lists and the contact history leave the other agent's objects out (and say nothing
  of them: no id, number or owner); the supervisor sees them.
- Every refusal is `application/problem+json` with a `code`, and leaves no trace: the
  state the operation would change is read (by a supervisor or admin) before and after
  and compared.

Coverage: `MATRIX` (one row per object-level operation: A's object, what B gets, what
the supervisor gets) and `EXEMPT` (operations that are not per-object or not
agent-owned, each with its reason) together must be exactly the operations of
`Services/*/openapi.yaml`. A new operation in a document fails
`test_every_documented_operation_is_in_the_matrix_or_exempt` until it is given a row
(or, if it is truly not object-level, an exemption); an operation naming an
interaction (a path under one, or an `interaction_id` in its query or body) cannot be
exempted at all. Role-gated exemptions are still probed: agent B gets 403 and changes
nothing.
"""

from __future__ import annotations

import base64
import re
import struct
import time
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import quote

import pytest
import requests
import yaml

import e2e_support as sb

SESSION = sb.base_url("session")
TRANSFER = sb.base_url("transfer")
CONTACTS = sb.base_url("contacts")
CALLBACKS = sb.base_url("callback")
MEDIA = sb.base_url("media")
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
# An offer lives 3 s in the suite (SWITCHBOARD_OFFER_TIMEOUT in sb_env): one with less
# than this left is not used, so that it cannot expire between "before" and "after".
OFFER_MARGIN = 1.5


# --- The operations of the OpenAPI documents -----------------------------------------------


@dataclass(frozen=True)
class Operation:
    key: str  # "POST /v1/callbacks"
    services: tuple[str, ...]  # the documents naming it (health and metrics are in all six)
    path_parameters: tuple[str, ...]
    query_parameters: tuple[str, ...]
    body_properties: tuple[str, ...]

    @property
    def object_level(self) -> bool:
        """It names one object: a path parameter, or an interaction in its query or body."""
        return bool(self.path_parameters) or self.names_interaction

    @property
    def names_interaction(self) -> bool:
        return (self.key.split(" ", 1)[1].startswith("/v1/interactions/")
                or "interaction_id" in self.query_parameters or "interaction_id" in self.body_properties)


def _deref(document: dict, node: Any) -> Any:
    """NODE with its local `$ref` (`#/components/...`) followed."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node, seen = target, seen + 1
    return node


def _schema_properties(document: dict, schema: Any, depth: int = 0) -> set[str]:
    """Property names of a request body schema, through `$ref`, `allOf`, `oneOf`, `anyOf`."""
    schema = _deref(document, schema)
    if not isinstance(schema, dict) or depth > 8:
        return set()
    names = set((schema.get("properties") or {}).keys())
    for combinator in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(combinator) or []:
            names |= _schema_properties(document, part, depth + 1)
    return names


def documented_operations() -> dict[str, Operation]:
    """Every operation of every `Services/*/openapi.yaml`, by "METHOD /path"."""
    found: dict[str, dict[str, Any]] = {}
    documents = sorted(sb.REPO.glob("Services/*/openapi.yaml"))
    assert len(documents) == len(sb.SERVICES), f"expected one OpenAPI document per service, found {documents}"
    for path_of_document in documents:
        service = path_of_document.parent.name.lower()
        document = yaml.safe_load(path_of_document.read_text())
        for path, item in (document.get("paths") or {}).items():
            shared = item.get("parameters") or []
            for method, operation in item.items():
                if method not in METHODS:
                    continue
                parameters = [_deref(document, p) for p in shared + (operation.get("parameters") or [])]
                body = set()
                for media in ((_deref(document, operation.get("requestBody")) or {}).get("content") or {}).values():
                    body |= _schema_properties(document, media.get("schema"))
                key = f"{method.upper()} {path}"
                entry = found.setdefault(key, {"services": [], "path": set(re.findall(r"\{([^}]+)\}", path)),
                                               "query": set(), "body": set()})
                entry["services"].append(service)
                entry["query"] |= {p.get("name") for p in parameters if p.get("in") == "query"}
                entry["body"] |= body
    return {
        key: Operation(key, tuple(e["services"]), tuple(sorted(e["path"])), tuple(sorted(e["query"])), tuple(sorted(e["body"])))
        for key, e in found.items()
    }


OPERATIONS = documented_operations()


# --- Expectations ----------------------------------------------------------------------------


def _problem(response: requests.Response) -> dict:
    """The problem+json body of a refusal, checked for the project's fields."""
    assert response.headers.get("content-type", "").startswith("application/problem+json"), (
        f"{response.request.method} {response.url}: a refusal without problem+json: "
        f"{response.status_code} {response.headers.get('content-type')} {response.text[:300]!r}"
    )
    body = response.json()
    assert body.get("code"), f"a problem without a code: {body}"
    assert body.get("status") == response.status_code, body
    return body


def _describe(response: requests.Response) -> str:
    return f"{response.request.method} {response.url} -> {response.status_code} {response.text[:400]}"


@dataclass(frozen=True)
class Refused:
    """A refusal: one of STATUSES, problem+json, and CODE when given. With LIKE_UNKNOWN,
    the same status and code as the same call with the object's id replaced by an
    unknown one."""

    statuses: tuple[int, ...]
    code: str | None = None
    like_unknown: bool = False

    def verify(self, response: requests.Response, world: "World", ids: dict[str, str]) -> None:
        assert response.status_code in self.statuses, f"expected {'/'.join(map(str, self.statuses))}: {_describe(response)}"
        body = _problem(response)
        if self.code is not None:
            assert body["code"] == self.code, f"expected code {self.code}: {_describe(response)}"

    def __str__(self) -> str:
        return f"{'/'.join(map(str, self.statuses))}{' ' + self.code if self.code else ''}"


@dataclass(frozen=True)
class Allowed:
    """Success with STATUS; with FIND, A's object is in the answer."""

    status: int
    find: Callable[[Any, dict[str, str]], bool] | None = None

    def verify(self, response: requests.Response, world: "World", ids: dict[str, str]) -> None:
        assert response.status_code == self.status, f"expected {self.status}: {_describe(response)}"
        if self.find is not None:
            assert self.find(response.json(), ids), f"A's object is not in the answer: {_describe(response)}"

    def __str__(self) -> str:
        return str(self.status)


@dataclass(frozen=True)
class Unlisted:
    """A list the caller may read (200) in which A's object is left out, and which names
    nothing of it: not its id, not the customer's number, not its owner."""

    find: Callable[[Any, dict[str, str]], bool]
    leaks: tuple[str, ...] = ("interaction",)

    def verify(self, response: requests.Response, world: "World", ids: dict[str, str]) -> None:
        assert response.status_code == 200, f"expected 200: {_describe(response)}"
        assert not self.find(response.json(), ids), f"A's object is listed: {_describe(response)}"
        for secret in [ids[key] for key in self.leaks] + [world.customer, world.ann, world.ann_name]:
            assert secret not in response.text, f"{secret!r} shown to another agent: {_describe(response)}"

    def __str__(self) -> str:
        return "200 without it"


NOT_FOUND = Refused((404,), "not_found", like_unknown=True)
NOT_OWNER = Refused((403,), "not_owner")
FORBIDDEN = Refused((403,), "forbidden")
# Another agent's own resources: the documents say 403; 404 would do as well.
NOT_YOURS = Refused((403, 404))


# --- The matrix --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One object-level operation: the object of A it is tried on (SUBJECT, a key of
    `World.ids`, substituted for the path parameter; WHAT says what it is), the request
    (BODY and PARAMS from the ids; `ids["caller"]` is "bob", "supervisor" or
    "past_owner"), what agent B and the supervisor get, for rows about an interaction
    what A gets once the interaction was transferred away from it (PAST_OWNER), and the
    state it would change (read with a privileged token; compared before and after every
    refusal). PREPARE gives a caller objects of
    its own (a fresh offer, or a fresh callback for a supervisor allowed to close it);
    SETTLE waits until what a call could have caused asynchronously would show."""

    op: str
    subject: str
    what: str
    bob: Refused | Unlisted
    supervisor: Refused | Allowed
    past_owner: Refused | Allowed | None = None
    body: Callable[[dict[str, str]], Any] | None = None
    params: Callable[[dict[str, str]], dict] | None = None
    state: Callable[["World", dict[str, str]], Any] | None = None
    prepare: Callable[["World", str], dict[str, str]] | None = None
    settle: Callable[["World", dict[str, str]], None] | None = None


def _in_items(key: str, subject: str) -> Callable[[Any, dict[str, str]], bool]:
    return lambda body, ids: any(item.get(key) == ids[subject] for item in body.get("items") or [])


def _interaction_state(world: "World", ids: dict[str, str]) -> dict:
    """What any interaction operation could change, as the supervisor reads it; entries
    added by others (A's markers, the supervisor's callback) are left out, except what
    carries B's name."""
    body = sb.get_interaction(world.sue, ids["interaction"])
    transcript = body["transcript"]
    return {
        "state": body["state"], "owner": (body.get("owner") or {}).get("id"), "contact": body.get("contact"),
        "disposition": body.get("disposition"), "note": body.get("note"), "case_data": body.get("case_data"),
        "outbound": sum(1 for entry in transcript if entry["direction"] == "outbound"),
        "by_bob": [entry["text"] for entry in transcript
                   if world.bob_name in entry["text"] or (entry.get("author") or {}).get("id") == world.bob],
    }


def _callback_state(world: "World", ids: dict[str, str]) -> dict:
    response = world.sue.get(f"{CALLBACKS}/v1/callbacks/{ids['callback']}", timeout=5)
    assert response.status_code == 200, _describe(response)
    return response.json()


def _callbacks_from_the_interaction(world: "World", ids: dict[str, str]) -> dict:
    """The callbacks on the queue target the matrix's POST /v1/callbacks uses, and A's
    interaction as it is."""
    response = world.sue.get(f"{CALLBACKS}/v1/callbacks", params={"target": f"queue:{world.callback_queue}", "limit": 200},
                             timeout=5)
    assert response.status_code == 200, _describe(response)
    mine = sorted(c["id"] for c in response.json()["items"] if c.get("scheduled_by") == world.bob)
    return {"bob's callbacks": mine, "interaction": _interaction_state(world, ids)}


def _offer_state(world: "World", ids: dict[str, str]) -> Any:
    return next((o["state"] for o in world.offers_of(world.ann) if o["id"] == ids["offer"]), "not pending")


def _presence_state(world: "World", ids: dict[str, str]) -> Any:
    response = world.admin.get(f"{TRANSFER}/v1/agents/{ids['ann']}", timeout=5)
    assert response.status_code == 200, _describe(response)
    return response.json()["presence"]


def _transfer_state(world: "World", ids: dict[str, str]) -> dict:
    """The owner, C's offers of the interaction, and A's interaction."""
    offers = world.sue.get(f"{TRANSFER}/v1/agents/{world.carl}/offers", timeout=5)
    assert offers.status_code == 200, _describe(offers)
    return {
        "offers to carl": [o["id"] for o in offers.json()["items"] if o["interaction_id"] == ids["interaction"]],
        "interaction": _interaction_state(world, ids),
    }


def _assignment_state(world: "World", ids: dict[str, str]) -> dict:
    """The history of B's contact (contacts' side, written with the assignment) and A's
    interaction (session's side)."""
    history = world.sue.get(f"{CONTACTS}/v1/contacts/{ids['bobs_contact']}/history", params={"limit": 200}, timeout=5)
    assert history.status_code == 200, _describe(history)
    return {"bob's contact": sorted(i["interaction_id"] for i in history.json()["items"]),
            "interaction": _interaction_state(world, ids)}


def _consultations_of_the_interaction(world: "World", ids: dict[str, str]) -> dict:
    """The interaction's consultations as the supervisor reads them, and the interaction."""
    response = world.sue.get(f"{SESSION}/v1/interactions/{ids['interaction']}/consultations", timeout=5)
    assert response.status_code == 200, _describe(response)
    return {"consultations": response.json()["items"], "interaction": _interaction_state(world, ids)}


def _consultation_state(world: "World", ids: dict[str, str]) -> dict:
    """The consultation as the supervisor reads it, and the internal entries of its
    interaction (a refused post adds none)."""
    response = world.sue.get(f"{SESSION}/v1/consultations/{ids['consultation']}", timeout=5)
    assert response.status_code == 200, _describe(response)
    transcript = sb.get_interaction(world.sue, ids["interaction"])["transcript"]
    return {"consultation": response.json(), "internal": [e["text"] for e in transcript if e["kind"] == "internal"],
            "interaction": _interaction_state(world, ids)}


def _fresh_consultation_for_supervisor(world: "World", who: str) -> dict[str, str]:
    return {"consultation": world.consult(f"dave-{uuid.uuid4().hex[:8]}")} if who == "supervisor" else {}


def _fresh_callback_for_supervisor(world: "World", who: str) -> dict[str, str]:
    return {"callback": world.schedule_callback()} if who == "supervisor" else {}


def _in_an_hour() -> str:
    return (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(timespec="seconds").replace("+00:00", "Z")


MATRIX: list[Row] = [
    # --- session: A's interaction -----------------------------------------------------------
    Row("GET /v1/interactions", "interaction", "a search by A's customer and number",
        bob=Unlisted(_in_items("id", "interaction")), supervisor=Allowed(200, _in_items("id", "interaction")),
        past_owner=Allowed(200, _in_items("id", "interaction")),
        params=lambda ids: {"from": ids["customer"], "to": ids["org"]}),
    Row("GET /v1/interactions/{id}", "interaction", "A's interaction",
        bob=NOT_FOUND, supervisor=Allowed(200), past_owner=Allowed(200)),
    Row("POST /v1/interactions/{id}/messages", "interaction", "a reply in A's interaction",
        bob=NOT_FOUND, supervisor=NOT_OWNER, past_owner=NOT_OWNER, body=lambda ids: {"text": f"Hello from {ids['caller']}"},
        state=_interaction_state),
    Row("POST /v1/interactions/{id}/done", "interaction", "Done on A's interaction",
        bob=NOT_FOUND, supervisor=NOT_OWNER, past_owner=NOT_OWNER, state=_interaction_state),
    Row("PUT /v1/interactions/{id}/disposition", "interaction", "a disposition on A's interaction",
        bob=NOT_FOUND, supervisor=NOT_OWNER, past_owner=NOT_OWNER, body=lambda ids: {"code": "wrong_number"}, state=_interaction_state),
    Row("PUT /v1/interactions/{id}/note", "interaction", "a note on A's interaction",
        bob=NOT_FOUND, supervisor=NOT_OWNER, past_owner=NOT_OWNER, body=lambda ids: {"text": f"{ids['caller']} was here"}, state=_interaction_state),
    Row("PATCH /v1/interactions/{id}/case-data", "interaction", "case data of A's interaction",
        bob=NOT_FOUND, supervisor=NOT_OWNER, past_owner=NOT_OWNER, body=lambda ids: {"intruder": ids["caller"]}, state=_interaction_state),
    # --- session: A's IM consultation with C on A's interaction (issue #20 item 6a) ----------
    # Only agents invite (a supervisor is refused by role, whatever the interaction).
    Row("POST /v1/interactions/{id}/consultations", "interaction", "a consultation on A's interaction",
        bob=NOT_FOUND, supervisor=FORBIDDEN, past_owner=NOT_OWNER,
        body=lambda ids: {"agent_id": f"dave-{ids['fresh']}"}, state=_consultations_of_the_interaction),
    Row("GET /v1/interactions/{id}/consultations", "interaction", "the consultations of A's interaction",
        bob=NOT_FOUND, supervisor=Allowed(200, _in_items("id", "consultation")), past_owner=Allowed(200)),
    Row("GET /v1/consultations/{id}", "consultation", "A's consultation with C",
        bob=NOT_FOUND, supervisor=Allowed(200)),
    Row("POST /v1/consultations/{id}/messages", "consultation", "an internal message in A's consultation with C",
        bob=NOT_FOUND, supervisor=Refused((403,), "not_in_consultation"),
        body=lambda ids: {"text": f"Hello from {ids['caller']}"}, state=_consultation_state),
    Row("POST /v1/consultations/{id}/end", "consultation", "ending A's consultation with C (the supervisor ends a fresh one)",
        bob=NOT_FOUND, supervisor=Allowed(200), state=_consultation_state, prepare=_fresh_consultation_for_supervisor),
    # --- transfer: A's directory entry, offer and transfer ------------------------------------
    Row("GET /v1/agents/{id}", "ann", "A's directory entry",
        bob=NOT_YOURS, supervisor=Allowed(200)),
    Row("PUT /v1/agents/{id}/presence", "ann", "A's presence (B tries not_ready; the supervisor sets ready again)",
        bob=NOT_YOURS, supervisor=Allowed(200),
        body=lambda ids: {"channel": "sms", "state": "ready" if ids["caller"] == "supervisor" else "not_ready"},
        state=_presence_state),
    Row("GET /v1/agents/{id}/offers", "ann", "A's pending offers",
        bob=NOT_YOURS, supervisor=Allowed(200)),
    Row("GET /v1/agents/{id}/notifications", "ann", "A's notifications (C rejected A's transfer)",
        bob=NOT_YOURS, supervisor=Allowed(200, _in_items("transfer_id", "transfer"))),
    Row("POST /v1/offers/{id}/accept", "offer", "a pending offer to A (a new arrival in A's queue)",
        bob=NOT_FOUND, supervisor=FORBIDDEN, state=_offer_state, prepare=lambda world, who: {"offer": world.pending_offer()}),
    Row("POST /v1/offers/{id}/reject", "offer", "a pending offer to A",
        bob=NOT_FOUND, supervisor=FORBIDDEN, state=_offer_state, prepare=lambda world, who: {"offer": world.pending_offer()}),
    # Today B gets 403 not_owner (issue #18 item 2).
    Row("POST /v1/transfers", "interaction", "a transfer of A's interaction to agent C (Ready)",
        bob=NOT_FOUND, supervisor=NOT_OWNER, past_owner=NOT_OWNER,
        body=lambda ids: {"interaction_id": ids["interaction"], "target": {"type": "agent", "id": ids["carl"]}},
        state=_transfer_state),
    Row("GET /v1/transfers/{id}", "transfer", "A's transfer to C (rejected by C)",
        bob=NOT_FOUND, supervisor=Allowed(200)),
    # --- contacts --------------------------------------------------------------------------------
    # Today B gets 403 not_owner (issue #18 item 2). The supervisor assigns the contact it has.
    Row("POST /v1/contact-assignments", "interaction", "A's interaction assigned to B's contact",
        bob=NOT_FOUND, supervisor=Allowed(200), past_owner=NOT_OWNER,
        body=lambda ids: {"interaction_id": ids["interaction"],
                          "contact_id": ids["contact"] if ids["caller"] == "supervisor" else ids["bobs_contact"]},
        state=_assignment_state),
    # Today B sees A's interaction in it (issue #18 item 2).
    Row("GET /v1/contacts/{id}/history", "contact", "the history of A's customer's contact",
        bob=Unlisted(_in_items("interaction_id", "interaction")), supervisor=Allowed(200, _in_items("interaction_id", "interaction")),
        past_owner=Allowed(200, _in_items("interaction_id", "interaction")), params=lambda ids: {"limit": 200}),
    # --- callback --------------------------------------------------------------------------------
    # Today B gets 201 and A's transcript gains "Callback scheduled … by Bob" (issue #18 item 1).
    Row("POST /v1/callbacks", "interaction", "a callback from A's interaction",
        bob=NOT_FOUND, supervisor=Allowed(201), past_owner=Allowed(201),
        body=lambda ids: {"phone": ids["customer"], "interaction_id": ids["interaction"], "due_at": _in_an_hour(),
                          "target": {"type": "queue", "id": ids["callback_queue"]}, "notes": f"by {ids['caller']}"},
        state=_callbacks_from_the_interaction, settle=lambda world, ids: world.settle_callbacks(ids)),
    Row("GET /v1/callbacks", "callback", "a search for callbacks targeted at A",
        bob=Unlisted(_in_items("id", "callback"), leaks=("callback", "interaction")),
        supervisor=Allowed(200, _in_items("id", "callback")),
        params=lambda ids: {"target": f"agent:{ids['ann']}", "limit": 200}),
    Row("GET /v1/callbacks/{id}", "callback", "A's callback (scheduled by A, for A, from A's interaction)",
        bob=NOT_FOUND, supervisor=Allowed(200)),
    Row("PATCH /v1/callbacks/{id}", "callback", "new notes on A's callback",
        bob=NOT_FOUND, supervisor=Allowed(200), body=lambda ids: {"notes": f"changed by {ids['caller']}"},
        state=_callback_state, prepare=_fresh_callback_for_supervisor),
    Row("DELETE /v1/callbacks/{id}", "callback", "cancelling A's callback",
        bob=NOT_FOUND, supervisor=Allowed(200), state=_callback_state, prepare=_fresh_callback_for_supervisor),
    Row("POST /v1/callbacks/{id}/complete", "callback", "completing A's callback",
        bob=NOT_FOUND, supervisor=Allowed(200), body=lambda ids: {"outcome": "reached"},
        state=_callback_state, prepare=_fresh_callback_for_supervisor),
    # --- media: the PNG of A's MMS ----------------------------------------------------------
    Row("GET /v1/media", "interaction", "the media of A's interaction",
        bob=NOT_FOUND, supervisor=Allowed(200, _in_items("id", "media")), past_owner=Allowed(200),
        params=lambda ids: {"interaction_id": ids["interaction"]}),
    Row("GET /v1/media/{id}", "media", "the image of A's MMS",
        bob=NOT_FOUND, supervisor=Allowed(200)),
    Row("GET /v1/media/{id}/thumbnail", "media", "its thumbnail",
        bob=NOT_FOUND, supervisor=Allowed(200)),
    Row("GET /v1/media/{id}/content", "media", "its bytes",
        bob=NOT_FOUND, supervisor=Allowed(200)),
]


# --- What is not in the matrix, and why -------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """How agent B tries a role-gated operation (it must get 403 `forbidden`)."""

    subject: str | None = None
    body: Callable[[dict[str, str]], Any] | None = None
    params: Callable[[dict[str, str]], dict] | None = None
    state: Callable[["World", dict[str, str]], Any] | None = None


@dataclass(frozen=True)
class Exempt:
    """KIND: `operations` (no token, no data), `any-token` (not about one object),
    `shared` (the organisation's records: every agent may read and change them, nobody
    owns them), `carrier` (authenticated by the carrier's signature, not a token),
    `role-gated` (a role agents do not have; PROBE says how B tries it)."""

    kind: str
    reason: str
    probe: Probe | None = None


def _number_state(world: "World", ids: dict[str, str]) -> dict:
    response = world.admin.get(f"{SESSION}/v1/numbers/{quote(ids['org'], safe='')}", timeout=5)
    assert response.status_code == 200, _describe(response)
    return response.json()


def _agent_state(world: "World", ids: dict[str, str]) -> dict:
    response = world.admin.get(f"{TRANSFER}/v1/agents/{ids['ann']}", timeout=5)
    assert response.status_code == 200, _describe(response)
    body = response.json()
    return {key: body.get(key) for key in ("name", "queues", "capacity")}


def _channel_state(world: "World", ids: dict[str, str]) -> int:
    return world.admin.get(f"{sb.base_url('ingest')}/v1/channels/{ids['channel']}", timeout=5).status_code


_OPS = "health, metrics and this document: no token, no data"
_CARRIER = "a carrier's webhook: authenticated by the channel's signature or token, not by an agent (test_e2e_carriers.py)"
_CONTACTS = "contacts are the organisation's shared address book: every agent reads and changes every contact (contacts' Roles)"

EXEMPT: dict[str, Exempt] = {
    "GET /health/live": Exempt("operations", _OPS),
    "GET /health/ready": Exempt("operations", _OPS),
    "GET /metrics": Exempt("operations", _OPS),
    "GET /openapi.yaml": Exempt("operations", _OPS),
    # ingest
    "POST /v1/inbound": Exempt("role-gated", "system or admin: carrier connectors deliver inbound messages",
                               Probe(body=lambda ids: {"id": sb.carrier_id(), "from": ids["customer"], "to": ids["org"],
                                                       "text": "forged by an agent"})),
    "POST /v1/simulator/{channel}/inbound": Exempt("role-gated", "admin or system: plays a customer on a simulator channel",
        Probe("channel", body=lambda ids: {"from": ids["customer"], "to": ids["org"], "text": "forged by an agent"})),
    "GET /v1/simulator/{channel}/messages": Exempt("role-gated", "admin or system: what a simulator channel sent", Probe("channel")),
    "PUT /v1/channels/{name}": Exempt("role-gated", "admin: carrier accounts and their secrets",
                                      Probe("channel", body=lambda ids: {"carrier": "amqp"}, state=_channel_state)),
    "GET /v1/channels/{name}": Exempt("role-gated", "admin: carrier accounts", Probe("channel")),
    "DELETE /v1/channels/{name}": Exempt("role-gated", "admin: carrier accounts", Probe("channel")),
    **{f"{method} /v1/webhooks/{path}": Exempt("carrier", _CARRIER) for method, path in (
        ("POST", "twilio/{channel}"), ("POST", "twilio/{channel}/status"),
        ("GET", "vonage/{channel}/inbound"), ("POST", "vonage/{channel}/inbound"),
        ("GET", "vonage/{channel}/receipt"), ("POST", "vonage/{channel}/receipt"),
        ("GET", "jasmin/{channel}/inbound"), ("POST", "jasmin/{channel}/inbound"),
        ("GET", "jasmin/{channel}/receipt"), ("POST", "jasmin/{channel}/receipt"),
        ("GET", "kannel/{channel}/inbound"), ("POST", "kannel/{channel}/inbound"),
        ("GET", "kannel/{channel}/receipt"), ("POST", "kannel/{channel}/receipt"),
    )},
    # session
    "POST /v1/interactions": Exempt("any-token", "opens a new interaction owned by its caller (agent, supervisor or admin); "
                                                 "names no existing object (test_e2e_session.py)"),
    "POST /v1/sms/preview": Exempt("any-token", "segments a text the caller sends; names no object"),
    "GET /v1/dispositions": Exempt("any-token", "the configured disposition codes, the same for everyone"),
    "GET /v1/standard-responses": Exempt("any-token", "shared reply templates, readable with any token"),
    "GET /v1/standard-responses/{id}": Exempt("shared", "a shared reply template, readable with any token; nobody owns it"),
    "POST /v1/standard-responses": Exempt("role-gated", "admin: managing the shared templates",
                                          Probe(body=lambda ids: {"name": "Forged", "text": "by an agent"})),
    "PUT /v1/standard-responses/{id}": Exempt("role-gated", "admin: managing the shared templates",
                                              Probe("random", body=lambda ids: {"name": "Forged", "text": "by an agent"})),
    "DELETE /v1/standard-responses/{id}": Exempt("role-gated", "admin: managing the shared templates", Probe("random")),
    "GET /v1/numbers/{e164}": Exempt("role-gated", "supervisor or admin: routing settings of organisation numbers",
                                     Probe("org")),
    "PUT /v1/numbers/{e164}": Exempt("role-gated", "admin: routing settings of organisation numbers",
                                     Probe("org", body=lambda ids: {"queue": ids["bob_queue"]}, state=_number_state)),
    # transfer
    "PUT /v1/agents/{id}": Exempt("role-gated", "admin: the agent directory",
                                  Probe("ann", body=lambda ids: {"name": "Ann Owner", "queues": [ids["bob_queue"]],
                                                                 "capacity": {"sms": 1}}, state=_agent_state)),
    "PUT /v1/queues/{id}": Exempt("role-gated", "admin: the queue directory",
                                  Probe("fresh", body=lambda ids: {"name": "Forged queue"})),
    "PUT /v1/routing-points/{id}": Exempt("role-gated", "admin: the routing-point directory",
                                          Probe("fresh", body=lambda ids: {"name": "Forged", "queue": ids["bob_queue"]})),
    "GET /v1/targets": Exempt("any-token", "searches the directory every agent transfers to; names no object"),
    "GET /v1/agents": Exempt("role-gated", "supervisor or admin: every agent's presence and load (supervisor view)",
                             Probe(params=lambda ids: {"queue": ids["bob_queue"]})),
    "GET /v1/stream": Exempt("any-token", "the caller's own live stream; which events reach whom is proven in "
                             "test_e2e_stream.py (another agent's desktop sees none of A's interaction)"),
    "POST /v1/stream/tickets": Exempt("any-token", "a ticket for the caller's own stream"),
    "GET /v1/queues": Exempt("role-gated", "supervisor or admin: every queue's waiting and offered counts (supervisor view)",
                             Probe()),
    # contacts
    "GET /v1/contacts": Exempt("any-token", "searches the shared address book (" + _CONTACTS + ")"),
    "POST /v1/contacts": Exempt("any-token", "adds to the shared address book; names no existing object"),
    "GET /v1/contacts/{id}": Exempt("shared", _CONTACTS),
    "PATCH /v1/contacts/{id}": Exempt("shared", _CONTACTS),
    "DELETE /v1/contacts/{id}": Exempt("shared", _CONTACTS),
    "POST /v1/contacts/{id}/merge": Exempt("shared", _CONTACTS),
    "POST /v1/merges/{id}/undo": Exempt("shared", "undoes a merge of shared contacts; " + _CONTACTS),
    "GET /v1/merges": Exempt("shared", "the merge records of a shared contact (`contact_id`); " + _CONTACTS),
    "GET /v1/merges/{id}": Exempt("shared", "a merge record of shared contacts; " + _CONTACTS),
    "GET /v1/consent/{e164}": Exempt("shared", "a customer number's opt-out state, readable by every role (system too); nobody owns it"),
}

KINDS = {"operations", "any-token", "shared", "carrier", "role-gated"}
OBJECT_LEVEL_EXEMPTIONS = {"shared", "carrier", "role-gated"}


# --- Coverage: derived from the OpenAPI documents (no services needed) -------------------------


def test_every_documented_operation_is_in_the_matrix_or_exempt():
    """A new operation cannot be added to a document without its row in MATRIX (or, if it
    is not object-level, its reason in EXEMPT); a row for an operation the documents no
    longer have fails too."""
    checked = [row.op for row in MATRIX]
    duplicates = sorted({op for op in checked if checked.count(op) > 1})
    assert not duplicates, f"operations with more than one row in MATRIX: {duplicates}"
    both = sorted(set(checked) & set(EXEMPT))
    assert not both, f"operations both in MATRIX and EXEMPT: {both}"

    documented = set(OPERATIONS)
    uncovered = sorted(documented - set(checked) - set(EXEMPT))
    assert not uncovered, (
        "operations of Services/*/openapi.yaml that the authorization matrix does not cover: "
        f"{uncovered}. Give each a Row in MATRIX (A's object, what agent B and the supervisor get) "
        "or, if it is not about one agent's object, an entry in EXEMPT with its reason."
    )
    stale = sorted((set(checked) | set(EXEMPT)) - documented)
    assert not stale, f"MATRIX or EXEMPT names operations no OpenAPI document has any more: {stale}"


def test_object_level_operations_are_checked_not_exempted():
    """Exemptions say why, by kind; an object-level operation may only be exempt as shared,
    a carrier's or role-gated (then probed); one naming an interaction never."""
    unknown = {op: e.kind for op, e in EXEMPT.items() if e.kind not in KINDS or not e.reason.strip()}
    assert not unknown, f"exemptions without a known kind or a reason: {unknown}"
    wrongly = {op: e.kind for op, e in EXEMPT.items()
               if op in OPERATIONS and OPERATIONS[op].object_level and e.kind not in OBJECT_LEVEL_EXEMPTIONS}
    assert not wrongly, f"object-level operations exempted as if they named no object: {wrongly}"
    interaction = sorted(op for op in EXEMPT if op in OPERATIONS and OPERATIONS[op].names_interaction)
    assert not interaction, f"operations naming an interaction must have a row in MATRIX, not an exemption: {interaction}"
    unprobed = sorted(op for op, e in EXEMPT.items() if (e.kind == "role-gated") != (e.probe is not None))
    assert not unprobed, f"role-gated exemptions need a Probe (and only they have one): {unprobed}"
    for row in MATRIX:
        operation = OPERATIONS.get(row.op)
        if operation is None:
            continue  # reported by the coverage test
        assert len(operation.services) == 1, f"{row.op} is in several documents: {operation.services}"
        assert len(operation.path_parameters) <= 1, f"{row.op}: one path parameter (the subject) expected"


# --- A's world --------------------------------------------------------------------------------


def _png(width: int = 32, height: int = 24) -> bytes:
    """An 8-bit RGB PNG (made here, as test_e2e_media.py does)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes((30, 120, 200)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _client(system, sub: str, roles: list[str], name: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {system.token(sub, roles, name=name)}"
    return session


def _ok(response: requests.Response, *statuses: int) -> Any:
    assert response.status_code in statuses, _describe(response)
    return response.json() if response.content else None


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass
class World:
    """A's objects and the clients of the four principals."""

    system: Any
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    ann_name: str = "Ann Owner"
    bob_name: str = "Bob Other"
    ids: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ann, self.bob, self.carl = (f"{n}-{self.suffix}" for n in ("ann", "bob", "carl"))
        self.queue, self.bob_queue, self.carl_queue = (f"q-authz-{n}-{self.suffix}" for n in ("ann", "bob", "carl"))
        self.callback_queue = f"cbq-authz-{self.suffix}"
        self.ann_desk = _client(self.system, self.ann, ["agent"], self.ann_name)
        self.bob_desk = _client(self.system, self.bob, ["agent"], self.bob_name)
        self.carl_desk = _client(self.system, self.carl, ["agent"], "Carl Third")
        self.sue = _client(self.system, f"sue-{self.suffix}", ["supervisor"], "Sue Pervisor")
        self.admin = _client(self.system, f"ada-{self.suffix}", ["admin"], "Ada Admin")
        self.connector = _client(self.system, f"connector-{self.suffix}", ["system"], "Authz connector")
        self.org = sb.org_number()
        _, self.customer = sb.customer_number()

    # --- Building -------------------------------------------------------------------------

    def build(self) -> None:
        for agent, name, queues in ((self.ann, self.ann_name, [self.queue]), (self.bob, self.bob_name, [self.bob_queue]),
                                    (self.carl, "Carl Third", [self.carl_queue])):
            _ok(self.admin.put(f"{TRANSFER}/v1/agents/{agent}", json={"name": name, "queues": queues, "capacity": {"sms": 10}},
                               timeout=5), 200)
        for desk, agent in ((self.ann_desk, self.ann), (self.carl_desk, self.carl)):
            _ok(desk.put(f"{TRANSFER}/v1/agents/{agent}/presence", json={"channel": "sms", "state": "ready"}, timeout=5), 200)
        _ok(self.admin.put(f"{SESSION}/v1/numbers/{quote(self.org, safe='')}", json={"mode": "session", "queue": self.queue},
                           timeout=5), 200)
        contact = _ok(self.ann_desk.post(f"{CONTACTS}/v1/contacts", json={"first_name": "Cora", "last_name": f"Customer {self.suffix}",
                                                                         "phones": [self.customer]}, timeout=5), 201)
        bobs_contact = _ok(self.bob_desk.post(f"{CONTACTS}/v1/contacts", json={"first_name": "Bea", "last_name": f"Bob's {self.suffix}"},
                                              timeout=5), 201)

        # The customer's MMS, through POST /v1/inbound; routed to A, who accepts.
        media = [{"data": base64.b64encode(_png()).decode(), "content_type": "image/png", "filename": "receipt.png"}]
        _ok(self.connector.post(f"{sb.base_url('ingest')}/v1/inbound", json={
            "id": sb.carrier_id("MM"), "from": self.customer, "to": self.org, "text": "My order arrived broken", "media": media,
        }, timeout=10), 202)
        # Offers live 3 s in the tests: watch A's offers from the moment the message is in,
        # not only once the interaction shows (under load that alone can take longer).
        offer = self.wait_route_offer(self.ann_desk, self.ann, self.customer)
        interaction = offer["interaction_id"]
        _ok(self.ann_desk.post(f"{TRANSFER}/v1/offers/{offer['id']}/accept", timeout=5), 200)
        sb.wait_until(lambda: (sb.get_interaction(self.sue, interaction).get("owner") or {}).get("id") == self.ann,
                      timeout=10, what=f"{interaction} owned by A")
        self.ids = {
            "interaction": interaction, "ann": self.ann, "carl": self.carl, "customer": self.customer, "org": self.org,
            "contact": contact["id"], "bobs_contact": bobs_contact["id"], "callback_queue": self.callback_queue,
            "bob_queue": self.bob_queue, "channel": f"authz-{self.suffix}",
        }

        # A can do, on its interaction, what B will be refused.
        _ok(self.ann_desk.post(f"{SESSION}/v1/interactions/{interaction}/messages", json={"text": "Sorry to hear that"}, timeout=5), 202)
        sb.wait_until(lambda: (sb.get_interaction(self.sue, interaction).get("contact") or {}).get("id") == contact["id"],
                      timeout=10, what="the interaction identified with the customer's contact")
        assignment = {"interaction_id": interaction, "contact_id": contact["id"]}
        sb.wait_until(lambda: self.ann_desk.post(f"{CONTACTS}/v1/contact-assignments", json=assignment, timeout=5).status_code == 200,
                      timeout=10, what="A assigns the contact of its interaction")
        self.ids["callback"] = self.schedule_callback(interaction)
        self.ids["media"] = self.wait_media(interaction)
        self.ids["transfer"] = self.transfer_rejected_by_carl(interaction)
        self.ids["consultation"] = self.consult(self.carl, interaction)

        # What the set-up causes asynchronously has landed before anything is compared.
        sb.wait_until(lambda: any(i["interaction_id"] == interaction and (i.get("agent") or {}).get("id") == self.ann
                                  for i in _ok(self.sue.get(f"{CONTACTS}/v1/contacts/{contact['id']}/history", timeout=5), 200)["items"]),
                      timeout=10, what="A's interaction, with A as its owner, in the contact's history")
        sb.wait_until(lambda: any(e["text"].startswith("Callback scheduled")
                                  for e in sb.get_interaction(self.sue, interaction)["transcript"]),
                      timeout=10, what="the callback's entry in A's transcript")
        self.handed_over_ids = self.build_handed_over()

    def build_handed_over(self) -> dict[str, str]:
        """Another customer's interaction A accepted and then transferred to C, who
        accepted: A is its past owner. The ids of the matrix, with it as the interaction."""
        _, customer = sb.customer_number()
        contact = _ok(self.ann_desk.post(f"{CONTACTS}/v1/contacts", json={"first_name": "Pat", "last_name": f"Past {self.suffix}",
                                                                         "phones": [customer]}, timeout=5), 201)
        _ok(self.connector.post(f"{sb.base_url('ingest')}/v1/inbound", json={
            "id": sb.carrier_id(), "from": customer, "to": self.org, "text": "Where is my refund?"}, timeout=5), 202)
        offer = self.wait_route_offer(self.ann_desk, self.ann, customer)
        interaction = offer["interaction_id"]
        _ok(self.ann_desk.post(f"{TRANSFER}/v1/offers/{offer['id']}/accept", timeout=5), 200)
        sb.wait_until(lambda: (sb.get_interaction(self.sue, interaction).get("owner") or {}).get("id") == self.ann,
                      timeout=10, what=f"{interaction} owned by A")
        self.request_transfer(interaction)
        _ok(self.carl_desk.post(f"{TRANSFER}/v1/offers/{self.wait_offer(self.carl_desk, self.carl, interaction)['id']}/accept",
                                timeout=5), 200)
        sb.wait_until(lambda: (sb.get_interaction(self.sue, interaction).get("owner") or {}).get("id") == self.carl,
                      timeout=10, what=f"{interaction} owned by C")
        sb.wait_until(lambda: any(i["interaction_id"] == interaction and (i.get("agent") or {}).get("id") == self.carl
                                  for i in _ok(self.sue.get(f"{CONTACTS}/v1/contacts/{contact['id']}/history", timeout=5), 200)["items"]),
                      timeout=10, what="the handed-over interaction, owned by C, in its contact's history")
        return {**self.ids, "interaction": interaction, "customer": customer, "contact": contact["id"]}

    def consult(self, agent: str, interaction: str | None = None) -> str:
        """A consultation A opens with AGENT on its interaction: its id."""
        interaction = interaction or self.ids["interaction"]
        return _ok(self.ann_desk.post(f"{SESSION}/v1/interactions/{interaction}/consultations", json={"agent_id": agent},
                                      timeout=5), 201)["id"]

    def schedule_callback(self, interaction: str | None = None) -> str:
        """A callback scheduled by A for A (from INTERACTION when given), due in an hour."""
        body = {"phone": self.customer, "due_at": _in_an_hour(), "target": {"type": "agent", "id": self.ann}}
        if interaction:
            body["interaction_id"] = interaction

        def scheduled():
            response = self.ann_desk.post(f"{CALLBACKS}/v1/callbacks", json=body, timeout=5)
            return response.json()["id"] if response.status_code == 201 else None

        return sb.wait_until(scheduled, timeout=10, what="A schedules a callback")

    def wait_media(self, interaction: str) -> str:
        def listed():
            response = self.ann_desk.get(f"{MEDIA}/v1/media", params={"interaction_id": interaction}, timeout=5)
            items = response.json()["items"] if response.status_code == 200 else []
            return items[0] if items and items[0].get("has_thumbnail") else None

        return sb.wait_until(listed, timeout=20, what="the MMS image visible to A, with its thumbnail")["id"]

    def request_transfer(self, interaction: str) -> dict:
        """A transfers INTERACTION to C: the pending transfer."""
        body = {"interaction_id": interaction, "target": {"type": "agent", "id": self.carl}, "note": "Could you take this?"}

        def requested():
            # Transfer learns the owner from interaction.assigned, a moment after session.
            response = self.ann_desk.post(f"{TRANSFER}/v1/transfers", json=body, timeout=5)
            assert response.status_code in (202, 403, 404, 409), _describe(response)
            return response.json() if response.status_code == 202 else None

        return sb.wait_until(requested, timeout=10, what="A transfers its interaction to C")

    def transfer_rejected_by_carl(self, interaction: str) -> str:
        transfer = self.request_transfer(interaction)
        offer = self.wait_offer(self.carl_desk, self.carl, interaction)
        _ok(self.carl_desk.post(f"{TRANSFER}/v1/offers/{offer['id']}/reject", timeout=5), 200)
        sb.wait_until(lambda: any(n["transfer_id"] == transfer["id"] for n in
                                  _ok(self.ann_desk.get(f"{TRANSFER}/v1/agents/{self.ann}/notifications", timeout=5), 200)["items"]),
                      timeout=10, what="A notified of C's rejection")
        assert (sb.get_interaction(self.sue, interaction).get("owner") or {}).get("id") == self.ann
        return transfer["id"]

    # --- Offers -----------------------------------------------------------------------------

    def offers_of(self, agent: str) -> list[dict]:
        return _ok(self.sue.get(f"{TRANSFER}/v1/agents/{agent}/offers", timeout=5), 200)["items"]

    def wait_route_offer(self, desk: requests.Session, agent: str, customer: str) -> dict:
        """The pending offer to AGENT of the interaction with CUSTOMER (by its preview)."""
        def offered():
            items = _ok(desk.get(f"{TRANSFER}/v1/agents/{agent}/offers", timeout=5), 200)["items"]
            return next((o for o in items if (o.get("preview") or {}).get("from") == customer and o["state"] == "pending"), None)

        return sb.wait_until(offered, timeout=15, what=f"an offer to {agent} of {customer}'s interaction")

    def wait_offer(self, desk: requests.Session, agent: str, interaction: str) -> dict:
        def offered():
            items = _ok(desk.get(f"{TRANSFER}/v1/agents/{agent}/offers", timeout=5), 200)["items"]
            return next((o for o in items if o["interaction_id"] == interaction), None)

        return sb.wait_until(offered, timeout=10, what=f"an offer of {interaction} to {agent}")

    def pending_offer(self) -> str:
        """An offer to A with at least OFFER_MARGIN seconds to live: one A has, or a new
        customer's message in A's queue."""
        for offer in self.offers_of(self.ann):
            if _epoch(offer["expires_at"]) - time.time() > OFFER_MARGIN:
                return offer["id"]
        _, customer = sb.customer_number()
        _ok(self.connector.post(f"{sb.base_url('ingest')}/v1/inbound", json={
            "id": sb.carrier_id(), "from": customer, "to": self.org, "text": "Are you open today?"}, timeout=5), 202)
        return self.wait_route_offer(self.ann_desk, self.ann, customer)["id"]

    # --- Side effects ---------------------------------------------------------------------------

    def settle_callbacks(self, ids: dict[str, str]) -> None:
        """A schedules a marker callback from its interaction and waits for its transcript
        entry: one from B, published before it by the same outbox, would be there too."""
        def entries() -> int:
            return sum(1 for e in sb.get_interaction(self.sue, ids["interaction"])["transcript"]
                       if e["text"].startswith("Callback scheduled") and self.ann_name in e["text"])

        before = entries()
        self.schedule_callback(ids["interaction"])
        sb.wait_until(lambda: entries() > before, timeout=10, what="A's marker callback in its transcript")

    # --- Requests -------------------------------------------------------------------------------

    def ids_for(self, row: Row | Probe, who: str) -> dict[str, str]:
        base = self.handed_over_ids if who == "past_owner" else self.ids
        ids = {**base, "caller": who, "random": str(uuid.uuid4()), "fresh": f"authz-{uuid.uuid4().hex[:10]}"}
        if isinstance(row, Row) and row.prepare is not None:
            ids.update(row.prepare(self, who))
        return ids

    def send(self, client: requests.Session, op: str, request: Row | Probe, ids: dict[str, str]) -> requests.Response:
        method, path = op.split(" ", 1)
        [service] = OPERATIONS[op].services
        url = sb.base_url(service) + re.sub(r"\{[^}]+\}", lambda _m: quote(ids[request.subject], safe=""), path)
        body = request.body(ids) if request.body else None
        params = request.params(ids) if request.params else None
        return client.request(method, url, json=body, params=params, timeout=10, allow_redirects=False)


@pytest.fixture(scope="module")
def world(system) -> World:
    """A's objects, built once for the module (a few seconds)."""
    built = World(system)
    built.build()
    return built


def _row(op: str) -> Row:
    return next(row for row in MATRIX if row.op == op)


def _code(response: requests.Response) -> str | None:
    try:
        return response.json().get("code")
    except ValueError:
        return None


# --- The matrix, run ---------------------------------------------------------------------------


@pytest.mark.parametrize("op", [row.op for row in MATRIX])
def test_another_agent_is_refused_and_changes_nothing(world, op):
    """Agent B on agent A's object: the refusal of the row (404 like an unknown id, or
    A's object left out of a list) and the same state before and after."""
    row = _row(op)
    ids = world.ids_for(row, "bob")
    before = row.state(world, ids) if row.state else None

    response = world.send(world.bob_desk, op, row, ids)
    row.bob.verify(response, world, ids)
    if isinstance(row.bob, Refused):
        for secret in (world.customer, world.ann_name):
            assert secret not in response.text, f"the refusal shows {secret!r}: {_describe(response)}"
    if row.settle:
        row.settle(world, ids)
    if row.state:
        assert row.state(world, ids) == before, f"B's refused {op} changed A's object"

    if isinstance(row.bob, Refused) and row.bob.like_unknown:
        unknown = world.send(world.bob_desk, op, row, {**ids, row.subject: str(uuid.uuid4())})
        assert (unknown.status_code, _code(unknown)) == (response.status_code, _code(response)), (
            f"A's object and an unknown id answer differently, so ids can be probed:\n  A's: {_describe(response)}\n"
            f"  unknown: {_describe(unknown)}"
        )


@pytest.mark.parametrize("op", [row.op for row in MATRIX])
def test_the_supervisor_sees_everything_but_acts_only_where_allowed(world, op):
    """The supervisor on A's object: reads succeed, actions reserved to the owner are 403
    `not_owner` (it sees the interaction) and change nothing."""
    row = _row(op)
    ids = world.ids_for(row, "supervisor")
    refused = isinstance(row.supervisor, Refused)
    before = row.state(world, ids) if row.state and refused else None

    response = world.send(world.sue, op, row, ids)
    row.supervisor.verify(response, world, ids)
    if refused and row.state:
        assert row.state(world, ids) == before, f"the supervisor's refused {op} changed A's object"


@pytest.mark.parametrize("op", [row.op for row in MATRIX if row.past_owner is not None])
def test_a_past_owner_still_sees_but_no_longer_acts(world, op):
    """A on the interaction it transferred to C: it still sees it (and its contact
    history, media, callbacks from it), but actions of the owner are 403 `not_owner`,
    without effect."""
    row = _row(op)
    ids = world.ids_for(row, "past_owner")
    refused = isinstance(row.past_owner, Refused)
    before = row.state(world, ids) if row.state and refused else None

    response = world.send(world.ann_desk, op, row, ids)
    row.past_owner.verify(response, world, ids)
    if refused and row.state:
        assert row.state(world, ids) == before, f"the past owner's refused {op} changed the interaction"


@pytest.mark.parametrize("op", sorted(op for op, e in EXEMPT.items() if e.probe is not None))
def test_role_gated_operations_refuse_an_agent(world, op):
    """What agents have no role for is 403 `forbidden` for agent B, without effect."""
    probe = EXEMPT[op].probe
    ids = world.ids_for(probe, "bob")
    before = probe.state(world, ids) if probe.state else None
    response = world.send(world.bob_desk, op, probe, ids)
    FORBIDDEN.verify(response, world, ids)
    if probe.state:
        assert probe.state(world, ids) == before, f"B's refused {op} changed something"


def test_the_owner_can_do_what_the_others_are_refused(world):
    """The positive control of the matrix: A reads everything B was refused (B's 404s
    are about who asks, not about what exists)."""
    ids = world.ids
    for url, params in ((f"{SESSION}/v1/interactions/{ids['interaction']}", None),
                        (f"{SESSION}/v1/interactions/{ids['interaction']}/consultations", None),
                        (f"{SESSION}/v1/consultations/{ids['consultation']}", None),
                        (f"{TRANSFER}/v1/transfers/{ids['transfer']}", None),
                        (f"{CALLBACKS}/v1/callbacks/{ids['callback']}", None),
                        (f"{MEDIA}/v1/media", {"interaction_id": ids["interaction"]}),
                        (f"{MEDIA}/v1/media/{ids['media']}", None),
                        (f"{MEDIA}/v1/media/{ids['media']}/thumbnail", None),
                        (f"{MEDIA}/v1/media/{ids['media']}/content", None)):
        response = world.ann_desk.get(url, params=params, timeout=5)
        assert response.status_code == 200, _describe(response)
    history = _ok(world.ann_desk.get(f"{CONTACTS}/v1/contacts/{ids['contact']}/history", timeout=5), 200)
    assert any(item["interaction_id"] == ids["interaction"] for item in history["items"]), history
