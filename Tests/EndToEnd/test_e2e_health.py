"""Operations endpoints of every service (docs/architecture.md sections 3 and 6)."""

from __future__ import annotations

import re

import pytest
import requests
import yaml

import e2e_support as sb

# Operations this suite exercises, which the service's OpenAPI document must describe.
DOCUMENTED = {
    "ingest": ["/v1/inbound"],
    "session": ["/v1/interactions", "/v1/interactions/{id}", "/v1/interactions/{id}/messages", "/v1/numbers/{e164}"],
    "callback": ["/v1/callbacks", "/v1/callbacks/{id}", "/v1/callbacks/{id}/complete"],
}


@pytest.mark.parametrize("service", sb.SERVICES)
def test_health_metrics_openapi(system, service):
    base = sb.base_url(service)
    live = requests.get(base + "/health/live", timeout=5)
    assert live.status_code == 200, live.text
    ready = requests.get(base + "/health/ready", timeout=5)
    assert ready.status_code == 200, ready.text

    metrics = requests.get(base + "/metrics", timeout=5)
    assert metrics.status_code == 200, metrics.text
    assert metrics.headers.get("content-type", "").startswith("text/plain"), metrics.headers
    names = {line.split("{")[0].split()[0] for line in metrics.text.splitlines() if line and not line.startswith("#")}
    assert any(name.startswith("switchboard_") for name in names), sorted(names)

    openapi = requests.get(base + "/openapi.yaml", timeout=5)
    assert openapi.status_code == 200, openapi.text


@pytest.mark.parametrize("service", sb.SERVICES)
def test_openapi_document_describes_the_api(system, service):
    """An OpenAPI 3.x document (`openapi`, `info`, `paths`), listing at least the
    operations this suite uses."""
    text = requests.get(sb.base_url(service) + "/openapi.yaml", timeout=5).text
    document = yaml.safe_load(text)
    assert isinstance(document, dict), text
    assert str(document.get("openapi", "")).startswith("3."), text[:200]
    info = document.get("info")
    assert isinstance(info, dict) and info.get("title") and info.get("version"), f"no info.title/info.version in {text[:200]!r}"
    paths = document.get("paths")
    assert isinstance(paths, dict) and paths, f"no paths in {text[:200]!r}"
    # Template parameters may have any name: /v1/interactions/{interaction_id} is fine.
    documented = {re.sub(r"\{[^}]*\}", "{}", path) for path in paths}
    missing = [path for path in DOCUMENTED.get(service, []) if re.sub(r"\{[^}]*\}", "{}", path) not in documented]
    assert not missing, f"{service}'s /openapi.yaml does not document {missing}"
