"""The services' OpenAPI documents (Services/<Name>/openapi.yaml, served at
GET /openapi.yaml): each is a valid OpenAPI 3.1 document, lists the operations every
service has, and the services with a domain API list theirs. Examples inside the
documents must match their schemas, so the documents cannot drift from themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["Ingest", "Session", "Transfer", "Contacts", "Callback", "Media"]
PORTS = {"Ingest": 8081, "Session": 8082, "Transfer": 8083, "Contacts": 8084, "Callback": 8085, "Media": 8086}
COMMON_PATHS = {"/health/live", "/health/ready", "/metrics", "/openapi.yaml"}
DOMAIN_PATHS = {
    "Ingest": {
        "/v1/inbound", "/v1/channels/{name}", "/v1/webhooks/twilio/{channel}", "/v1/webhooks/twilio/{channel}/status",
        "/v1/webhooks/vonage/{channel}/inbound", "/v1/webhooks/vonage/{channel}/receipt",
        "/v1/webhooks/jasmin/{channel}/inbound", "/v1/webhooks/jasmin/{channel}/receipt",
        "/v1/webhooks/kannel/{channel}/inbound", "/v1/webhooks/kannel/{channel}/receipt",
        "/v1/simulator/{channel}/inbound", "/v1/simulator/{channel}/messages",
    },
    "Session": {
        "/v1/interactions", "/v1/interactions/{id}", "/v1/interactions/{id}/messages", "/v1/interactions/{id}/done",
        "/v1/interactions/{id}/disposition", "/v1/interactions/{id}/note", "/v1/interactions/{id}/case-data",
        "/v1/interactions/{id}/consultations", "/v1/consultations/{id}", "/v1/consultations/{id}/messages",
        "/v1/consultations/{id}/end",
        "/v1/sms/preview", "/v1/dispositions", "/v1/standard-responses", "/v1/standard-responses/{id}",
        "/v1/numbers/{e164}",
    },
    "Transfer": {
        "/v1/agents", "/v1/agents/{id}", "/v1/agents/{id}/presence", "/v1/agents/{id}/offers", "/v1/agents/{id}/notifications",
        "/v1/queues", "/v1/queues/{id}", "/v1/routing-points/{id}", "/v1/targets", "/v1/offers/{id}/accept", "/v1/offers/{id}/reject",
        "/v1/transfers", "/v1/transfers/{id}", "/v1/stream", "/v1/stream/tickets",
    },
    "Contacts": {
        "/v1/contacts", "/v1/contacts/{id}", "/v1/contacts/{id}/history", "/v1/contacts/{id}/merge",
        "/v1/merges", "/v1/merges/{id}", "/v1/merges/{id}/undo", "/v1/contact-assignments", "/v1/consent/{e164}",
    },
    "Callback": {"/v1/callbacks", "/v1/callbacks/{id}", "/v1/callbacks/{id}/complete"},
    "Media": {"/v1/media", "/v1/media/{id}", "/v1/media/{id}/thumbnail", "/v1/media/{id}/content"},
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def load(service: str) -> dict:
    with open(ROOT / "Services" / service / "openapi.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def resolve(document: dict, node: dict) -> dict:
    """Follows a local `$ref` (`#/components/...`) to what it names."""
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
        target = document
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


@pytest.mark.parametrize("service", SERVICES)
def test_document_is_valid_openapi_3_1(service):
    document = load(service)
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == f"Switchboard {service.lower()}"
    assert document["info"]["version"] == "0.1.0"
    assert f"http://localhost:{PORTS[service]}" in [server["url"] for server in document["servers"]]


@pytest.mark.parametrize("service", SERVICES)
def test_document_lists_exactly_the_implemented_paths(service):
    document = load(service)
    assert set(document["paths"]) == COMMON_PATHS | DOMAIN_PATHS.get(service, set())


@pytest.mark.parametrize("service", SERVICES)
def test_common_operations_need_no_token(service):
    document = load(service)
    for path in COMMON_PATHS:
        assert document["paths"][path]["get"]["security"] == [], path
    assert set(document["paths"]["/health/ready"]["get"]["responses"]) == {"200", "503"}
    assert "application/yaml" in document["paths"]["/openapi.yaml"]["get"]["responses"]["200"]["content"]
    assert "text/plain" in document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]


@pytest.mark.parametrize("service", SERVICES)
def test_bearer_scheme_and_problem_schema(service):
    document = load(service)
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "code"}


@pytest.mark.parametrize("service", SERVICES)
def test_domain_operations_are_authenticated_and_errors_are_problems(service):
    document = load(service)
    for path, method, operation in operations(document):
        if path in COMMON_PATHS:
            continue
        if path.startswith("/v1/webhooks/"):
            # Carrier webhooks are authenticated by the carrier's signature, not a token.
            assert operation["security"] and {"bearerAuth": []} not in operation["security"], (path, method)
            assert "403" in operation["responses"], (path, method)
        elif path == "/v1/stream":
            # The live stream also takes a single-use ticket (a browser's EventSource sends no header).
            assert operation["security"] == [{"bearerAuth": []}, {"streamTicket": []}], (path, method)
            assert "401" in operation["responses"] and "403" in operation["responses"], (path, method)
        else:
            assert operation["security"] == [{"bearerAuth": []}], (path, method)
            assert "401" in operation["responses"] and "403" in operation["responses"], (path, method)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                content = resolve(document, response)["content"]
                assert list(content) == ["application/problem+json"], (path, method, status)
                assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def examples(document: dict):
    """Every (where, schema, example value) pair in the document."""

    def media_examples(where, media):
        for media_type, body in media.items():
            if "schema" not in body:
                continue
            if "example" in body:
                yield f"{where} {media_type}", body["schema"], body["example"]
            for name, example in body.get("examples", {}).items():
                yield f"{where} {media_type} {name}", body["schema"], resolve(document, example)["value"]

    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        for parameter in operation.get("parameters", []):
            if "example" in parameter:
                yield f"{where} ?{parameter['name']}", parameter["schema"], parameter["example"]
        if "requestBody" in operation:
            yield from media_examples(f"{where} request", resolve(document, operation["requestBody"])["content"])
        for status, response in operation["responses"].items():
            response = resolve(document, response)
            yield from media_examples(f"{where} {status}", response.get("content", {}))


@pytest.mark.parametrize("service", SERVICES)
def test_examples_match_their_schemas(service):
    document = load(service)
    checked = 0
    for where, schema, value in examples(document):
        validator = Draft202012Validator({**schema, "components": document["components"]})
        errors = [error.message for error in validator.iter_errors(value)]
        assert not errors, f"{service}: example of {where}: {errors}"
        checked += 1
    assert checked >= 3


def test_inbound_message_contract():
    schemas = load("Ingest")["components"]["schemas"]
    inbound = schemas["InboundMessage"]
    assert set(inbound["properties"]) == {"id", "channel", "from", "to", "text", "received_at", "media", "part"}
    assert set(inbound["required"]) == {"id", "from", "to"}
    assert inbound["properties"]["channel"]["default"] == "default"
    assert set(schemas["InboundMedia"]["properties"]) == {"url", "data", "content_type", "filename"}
    assert set(schemas["InboundPart"]["properties"]) == {"ref", "total", "seq"}
    responses = load("Ingest")["paths"]["/v1/inbound"]["post"]["responses"]
    assert {"200", "202", "422"} <= set(responses)


def test_interaction_has_every_key_of_the_contract():
    schemas = load("Session")["components"]["schemas"]
    summary = schemas["InteractionSummary"]
    keys = {
        "id", "state", "mode", "media", "channel", "from", "to", "queue", "origin", "contact", "owner", "created_at",
        "closed_at", "close_reason", "elapsed_seconds", "disposition", "note", "case_data", "transfer",
    }
    assert set(summary["properties"]) == keys == set(summary["required"])
    # Single reads add the transcript and the contact's recent history (10.3).
    assert set(schemas["Interaction"]["allOf"][1]["required"]) == {"transcript", "contact_history"}
    assert set(schemas["PendingTransfer"]["required"]) == {"id", "target", "from_agent", "state", "expires_at"}
    assert set(schemas["ContactHistory"]["required"]) == {"message_exchanges_24h", "open_or_recent_interactions"}
    entry = schemas["TranscriptEntry"]
    assert set(entry["required"]) == {"seq", "kind", "direction", "author", "text", "at", "media", "parts", "entities"}
    parameters = {p["name"] for p in load("Session")["paths"]["/v1/interactions"]["get"]["parameters"]}
    assert parameters == {"from", "to", "contact_id", "owner", "queue", "state", "created_after", "created_before", "cursor", "limit"}


def test_channel_outbound_contract():
    """The channel's `outbound` object (docs/architecture.md 10.1): what PUT takes and what
    GET shows have the same keys, every key is shown, an unknown key is refused, and the
    simulator carrier and its two operations are documented."""
    document = load("Ingest")
    schemas = document["components"]["schemas"]
    keys = {"enabled", "api_base_url", "from", "max_per_second", "concatenate", "delivery_delay_ms", "fail_numbers",
            "keyword_replies"}
    assert set(schemas["OutboundRequest"]["properties"]) == keys
    assert schemas["OutboundRequest"]["additionalProperties"] is False
    assert set(schemas["Outbound"]["properties"]) == keys == set(schemas["Outbound"]["required"])
    assert "outbound" in schemas["Channel"]["required"]
    for name in ("ChannelRequest", "Channel"):
        assert "simulator" in schemas[name]["properties"]["carrier"]["enum"], name
    inbound = document["paths"]["/v1/simulator/{channel}/inbound"]["post"]
    messages = document["paths"]["/v1/simulator/{channel}/messages"]["get"]
    assert {"202", "401", "403", "404", "422"} <= set(inbound["responses"])
    assert {"200", "401", "403", "404", "422"} <= set(messages["responses"])
