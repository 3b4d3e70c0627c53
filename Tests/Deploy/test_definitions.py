"""deploy/rabbitmq/definitions.json and the gateway's nginx template.

definitions.json must list the messaging topology of docs/architecture.md section 2 with
exactly the queue arguments the services declare (RabbitMQ refuses a re-declaration whose
arguments differ). The nginx template must route every API prefix of section 3 to its
service; when nginx is installed it is also checked with `nginx -t` and run for real in
front of stub upstreams.
"""

from __future__ import annotations

import http.client
import http.server
import json
import re
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import yaml

from deploy_support import (
    DEPLOY,
    REPO,
    NGINX_TEMPLATE,
    ROUTES,
    SERVICE_PORTS,
    UPSTREAM_VARIABLES,
    find_binary,
    match_location,
    parse_nginx,
    render_template,
)

DEFINITIONS_FILE = DEPLOY / "rabbitmq" / "definitions.json"
# Where compose mounts desk/ and the template's /desk/ location reads it (scripts/lib/infra.sh
# points it at the repository's desk/ instead).
DESK_ALIAS = "/usr/share/nginx/desk/"

EXCHANGES = {
    "switchboard.inbound": "direct",
    "switchboard.events": "topic",
    "switchboard.commands": "direct",
    "switchboard.outbound": "topic",
    # Replies no queue is bound for (no sender for their channel) → outbound.unrouted.
    "switchboard.outbound.unrouted": "fanout",
    "switchboard.dead": "topic",
    # message.received → session.inbound.<n>, hashed on correlation_id (the conversation).
    "session.partitions": "x-consistent-hash",
}
SESSION_PARTITIONS = [f"session.inbound.{n}" for n in range(4)]

SERVICE_QUEUE_ARGUMENTS = {
    "x-queue-type": "quorum",
    "x-dead-letter-exchange": "switchboard.dead",
    "x-delivery-limit": 5,
}
DEAD_LETTER_QUEUE = "switchboard.dead-letters"
UNROUTED_QUEUE = "outbound.unrouted"
# Queues an operator reads: no dead-lettering (nothing consumes them to fail).
OPERATOR_QUEUES = {DEAD_LETTER_QUEUE, UNROUTED_QUEUE}

# queue -> {(exchange, routing key)}
BINDINGS = {
    "ingest.messages": {("switchboard.inbound", "message")},
    "ingest.receipts": {("switchboard.inbound", "receipt")},
    "session.events": {
        ("switchboard.events", key)
        for key in (
            "message.status",
            "contact.identified",
            "contact.assigned",
            "contact.merged",
            "media.stored",
            "media.failed",
            "consent.changed",
            "callback.scheduled",
            "offer.created",
            "offer.accepted",
            "offer.rejected",
            "offer.expired",
            "transfer.requested",
            "transfer.accepted",
            "transfer.rejected",
            "transfer.expired",
            "transfer.completed",
        )
    },
    "session.commands": {("switchboard.commands", "session.interaction.assign")},
    "transfer.events": {
        ("switchboard.events", key)
        for key in (
            "interaction.created", "interaction.assigned", "interaction.closed", "interaction.updated",
            "interaction.message.appended", "interaction.message.updated",
            "interaction.consultation.started", "interaction.consultation.message", "interaction.consultation.ended",
            "callback.due", "callback.completed", "callback.cancelled", "callback.rescheduled",
            "contact.identified", "contact.assigned",
        )
    },
    "contacts.events": {
        ("switchboard.events", key)
        for key in (
            "interaction.created",
            "interaction.assigned",
            "interaction.closed",
            "interaction.updated",
            "consent.keyword",
        )
    },
    "callback.events": {
        ("switchboard.events", key)
        for key in ("interaction.assigned", "interaction.closed", "contact.merged", "contact.unmerged", "offer.accepted")
    },
    "media.commands": {("switchboard.commands", key) for key in ("media.fetch", "media.message.placed")},
    "media.events": {("switchboard.events", "interaction.assigned")},
    # Bound per sending channel by ingest at run time (sms.<channel>), not in the definitions.
    "ingest.outbound": set(),
    UNROUTED_QUEUE: {("switchboard.outbound.unrouted", "")},
    DEAD_LETTER_QUEUE: {("switchboard.dead", "#")},
    **{queue: {("session.partitions", "1")} for queue in SESSION_PARTITIONS},
}


@pytest.fixture(scope="module")
def definitions() -> dict:
    return json.loads(DEFINITIONS_FILE.read_text())


# --- definitions.json -------------------------------------------------------------------


def test_definitions_has_only_known_top_level_keys(definitions):
    known = {
        "rabbit_version", "rabbitmq_version", "product_name", "product_version", "users", "vhosts",
        "permissions", "topic_permissions", "parameters", "global_parameters", "policies",
        "queues", "exchanges", "bindings",
    }
    assert set(definitions) <= known, set(definitions) - known


def test_service_queues_dead_letter_at_least_once(definitions):
    """Quorum queues dead-letter at most once unless a policy asks for at-least-once (which
    needs overflow reject-publish); definitions.json and scripts/lib/infra.sh set the same
    policy, on every service queue and not on the dead-letter queue itself."""
    [policy] = [p for p in definitions["policies"] if p["name"] == "switchboard-dead-letter"]
    assert policy["apply-to"] == "queues" and policy["vhost"] == "/"
    assert policy["definition"] == {"dead-letter-strategy": "at-least-once", "overflow": "reject-publish"}
    pattern = re.compile(policy["pattern"])
    for queue in definitions["queues"]:
        name = queue["name"]
        assert bool(pattern.search(name)) == (name != "switchboard.dead-letters"), name
    infra = (DEPLOY.parent / "scripts" / "lib" / "infra.sh").read_text()
    shell = dict(re.findall(r"^(SB_DEAD_LETTER_POLICY\w*)='([^']*)'", infra, flags=re.M))
    assert shell["SB_DEAD_LETTER_POLICY"] == policy["name"]
    assert shell["SB_DEAD_LETTER_POLICY_PATTERN"] == policy["pattern"]
    assert json.loads(shell["SB_DEAD_LETTER_POLICY_DEFINITION"]) == policy["definition"]


def test_definitions_carry_the_vhost_and_no_user(definitions):
    """The topology file holds no credentials: compose imports the broker's only user from
    its own config, made from SWITCHBOARD_RABBITMQ_USER / _PASSWORD (test_compose.py).
    A user here would be a password in the repository; `guest` is never created."""
    assert {vhost["name"] for vhost in definitions["vhosts"]} == {"/"}
    assert definitions["users"] == []
    assert definitions["permissions"] == []
    assert "guest" not in DEFINITIONS_FILE.read_text().lower()


def test_exchanges(definitions):
    exchanges = {exchange["name"]: exchange for exchange in definitions["exchanges"]}
    assert set(exchanges) == set(EXCHANGES)
    for name, kind in EXCHANGES.items():
        exchange = exchanges[name]
        assert exchange["type"] == kind, name
        assert exchange["durable"] is True, name
        assert exchange["auto_delete"] is False, name
        assert exchange["internal"] is False, name
        assert exchange["vhost"] == "/"
    assert exchanges["session.partitions"]["arguments"] == {"hash-property": "correlation_id"}
    assert exchanges["switchboard.outbound"]["arguments"] == {"alternate-exchange": "switchboard.outbound.unrouted"}


def test_every_queue_exists_and_no_other(definitions):
    assert {queue["name"] for queue in definitions["queues"]} == set(BINDINGS)


@pytest.mark.parametrize("name", sorted(BINDINGS))
def test_queue_arguments(definitions, name):
    queue = next(queue for queue in definitions["queues"] if queue["name"] == name)
    assert queue["vhost"] == "/"
    assert queue["durable"] is True
    assert queue["auto_delete"] is False
    expected = {"x-queue-type": "quorum"} if name in OPERATOR_QUEUES else dict(SERVICE_QUEUE_ARGUMENTS)
    # Order within a conversation: session's partitions, and ingest's inbound queue (which
    # other systems publish to, so it cannot be partitioned).
    if name in SESSION_PARTITIONS or name == "ingest.messages":
        expected["x-single-active-consumer"] = True
    assert queue["arguments"] == expected
    # Same value *and* JSON type (an integer, not "5"): RabbitMQ compares both.
    for key, value in queue["arguments"].items():
        assert type(value) is type(expected[key]), key


def test_every_queue_but_the_dead_letter_queue_dead_letters_to_switchboard_dead(definitions):
    for queue in definitions["queues"]:
        if queue["name"] in OPERATOR_QUEUES:
            assert "x-dead-letter-exchange" not in queue["arguments"], "dead letters must not loop"
        else:
            assert queue["arguments"].get("x-dead-letter-exchange") == "switchboard.dead", queue["name"]
            assert isinstance(queue["arguments"].get("x-delivery-limit"), int), queue["name"]
    # ... and whatever is dead-lettered, with any routing key, lands in the dead-letter queue.
    assert ("switchboard.dead", "#") in BINDINGS[DEAD_LETTER_QUEUE]


@pytest.mark.parametrize("name", sorted(BINDINGS))
def test_queue_bindings(definitions, name):
    actual = set()
    for binding in definitions["bindings"]:
        assert binding["vhost"] == "/"
        assert binding["source"] in EXCHANGES, binding
        if binding["destination_type"] == "exchange":
            continue
        assert binding["destination_type"] == "queue"
        if binding["destination"] == name:
            actual.add((binding["source"], binding["routing_key"]))
    assert actual == BINDINGS[name]


def test_no_duplicate_or_dangling_bindings(definitions):
    keys = [(b["source"], b["destination"], b["routing_key"]) for b in definitions["bindings"]]
    assert len(keys) == len(set(keys))
    assert {b["destination"] for b in definitions["bindings"] if b["destination_type"] == "queue"} <= set(BINDINGS)
    exchange_bindings = {(b["source"], b["destination"], b["routing_key"]) for b in definitions["bindings"] if b["destination_type"] == "exchange"}
    assert exchange_bindings == {("switchboard.events", "session.partitions", "message.received")}


# --- nginx template: static checks ------------------------------------------------------


LOCAL_UPSTREAMS = {name: f"127.0.0.1:{port}" for name, port in SERVICE_PORTS.items()}


@pytest.fixture(scope="module")
def rendered() -> str:
    return render_template(LOCAL_UPSTREAMS)


@pytest.fixture(scope="module")
def server(rendered):
    servers = parse_nginx(rendered).find("server")
    assert len(servers) == 1
    return servers[0]


def upstream_of(config_root, location) -> str | None:
    """The service a location proxies to, via its upstream block's server address."""
    proxy_pass = location.find("proxy_pass")
    if not proxy_pass:
        return None
    target = proxy_pass[0].args[0]
    assert target.startswith("http://")
    name = target[len("http://"):].split("/")[0]
    for upstream in config_root.find("upstream"):
        if upstream.args[0] == name:
            address = upstream.find("server")[0].args[0]
            return next(service for service, value in LOCAL_UPSTREAMS.items() if value == address)
    raise AssertionError(f"proxy_pass to unknown upstream {name}")


def test_template_uses_only_the_six_upstream_variables():
    import re

    text = NGINX_TEMPLATE.read_text()
    # ${NAME} is the envsubst form; nginx's own variables are written $name.
    assert set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text)) == set(UPSTREAM_VARIABLES)


def test_rendering_keeps_nginx_variables(rendered):
    assert "${" not in rendered
    for variable in ("$host", "$scheme", "$proxy_add_x_forwarded_for", "$remote_addr"):
        assert variable in rendered, f"{variable} was substituted away"


def test_server_settings(server):
    assert [d.args for d in server.find("listen")] == [["8080"]]
    assert server.find("client_max_body_size")[0].args == ["6m"]
    headers = {d.args[0]: d.args[1] for d in server.find("proxy_set_header")}
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Forwarded-Host"] == "$host"
    assert headers["Host"] == "$host"


@pytest.mark.parametrize(
    "service,prefix", [(service, prefix) for service, prefixes in ROUTES.items() for prefix in prefixes]
)
def test_prefix_routes_to_its_service(rendered, server, service, prefix):
    root = parse_nginx(rendered)
    for path in (prefix, prefix + "/", prefix + "/abc", prefix + "/abc/def/ghi"):
        location = match_location(server, path)
        assert location is not None, path
        assert upstream_of(root, location) == service, f"{path} -> {location.args}"
    # A longer word is not the same prefix: /v1/contactsX is not /v1/contacts.
    location = match_location(server, prefix + "x")
    assert upstream_of(root, location) is None, f"{prefix}x must not be routed"


def _documented_api_paths() -> list[tuple[str, str]]:
    """(service, path) of every `/v1` path of every Services/<Name>/openapi.yaml, with its
    parameters filled in."""
    found = []
    for service in SERVICE_PORTS:
        document = yaml.safe_load((REPO / "Services" / service.capitalize() / "openapi.yaml").read_text())
        for path in document["paths"]:
            if path.startswith("/v1/"):
                found.append((service, re.sub(r"\{[^}]+\}", "x", path)))
    return found


@pytest.mark.parametrize("service,path", _documented_api_paths())
def test_every_documented_operation_is_routed_to_its_service(rendered, server, service, path):
    """A path a service documents (a new one too, such as /v1/consultations) reaches that
    service through the gateway, not the gateway's 404."""
    location = match_location(server, path)
    assert location is not None, path
    assert upstream_of(parse_nginx(rendered), location) == service, f"{path} -> {location.args}"


@pytest.mark.parametrize("path", ["/", "/v1", "/v1/", "/v1/unknown", "/metrics", "/health/ready", "/openapi.yaml", "/v2/contacts"])
def test_unknown_paths_get_a_problem_json_404(server, path):
    location = match_location(server, path)
    assert location is not None
    assert location.find("default_type")[0].args == ["application/problem+json"]
    code, body = location.find("return")[0].args
    assert code == "404"
    problem = json.loads(body.replace("\\n", "\n"))
    assert problem["status"] == 404 and problem["code"] == "not_found"


def test_gateway_health(server):
    location = match_location(server, "/health")
    assert location.args == ["=", "/health"]
    assert location.find("return")[0].args[0] == "200"


# --- nginx template: nginx itself -------------------------------------------------------

NGINX = find_binary("nginx")
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx binary not installed (Debian package nginx-light)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_nginx_conf(directory: Path, rendered: str, extra: str = "") -> Path:
    """A minimal main configuration around the rendered server, everything in `directory`."""
    (directory / "default.conf").write_text(rendered)
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
{extra}
events {{ worker_connections 64; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {directory}/default.conf;
}}
"""
    )
    return conf


@needs_nginx
def test_nginx_accepts_the_rendered_template(rendered):
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        conf = write_nginx_conf(directory, rendered)
        result = subprocess.run(
            [NGINX, "-t", "-q", "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(conf)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr


class _Stub(http.server.BaseHTTPRequestHandler):
    """Answers every request with JSON naming the service and echoing what it received."""

    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps(
            {"service": self.server.service_name, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        # No keep-alive: a stopped stub must really be unreachable for nginx.
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def live_gateway():
    """nginx running the rendered template (on a free port instead of 8080) in front of
    one stub HTTP server per service."""
    if NGINX is None:
        pytest.skip("nginx binary not installed (Debian package nginx-light)")
    stubs = {}
    for service in SERVICE_PORTS:
        stub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
        stub.service_name = service
        stub.daemon_threads = True
        threading.Thread(target=stub.serve_forever, daemon=True).start()
        stubs[service] = stub
    upstreams = {service: f"127.0.0.1:{stub.server_address[1]}" for service, stub in stubs.items()}
    port = free_port()
    # When the tests run as root, nginx's workers run as an unprivileged user (nobody)
    # and must reach the temp directories below this one (pytest's own tmp_path is 0700).
    directory = Path(tempfile.mkdtemp(prefix="switchboard-gateway-test-"))
    os.chmod(directory, 0o755)
    # The access log goes to a file here, as scripts/lib/infra.sh points it (stdout in Docker).
    ACCESS_LOGS[port] = directory / "gateway-access.log"
    rendered_text = (
        render_template(upstreams)
        .replace("listen 8080;", f"listen 127.0.0.1:{port};")
        .replace("access_log /dev/stdout ", f"access_log {ACCESS_LOGS[port]} ")
        .replace(f"alias {DESK_ALIAS};", f"alias {REPO / 'desk'}/;")
    )
    conf = write_nginx_conf(directory, rendered_text, extra="daemon off;")
    process = subprocess.Popen(
        [NGINX, "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(f"nginx did not start: {process.stderr.read().decode()}")
            time.sleep(0.05)
    yield port, stubs
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    for stub in stubs.values():
        stub.shutdown()
        stub.server_close()
    shutil.rmtree(directory, ignore_errors=True)


# port of a live gateway -> its access log file
ACCESS_LOGS: dict[int, Path] = {}


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "service,path",
    [(service, prefix + suffix) for service, prefixes in ROUTES.items() for prefix in prefixes for suffix in ("", "/x?y=1")],
)
def test_live_routing(live_gateway, service, path):
    port, _ = live_gateway
    status, _, body = request(port, "GET", path, headers={"Authorization": "Bearer t", "traceparent": "00-abc-def-01"})
    assert status == 200, body
    answer = json.loads(body)
    assert answer["service"] == service
    assert answer["path"] == path, "the URI must reach the service unchanged"
    headers = answer["headers"]
    assert headers["authorization"] == "Bearer t"
    assert headers["traceparent"] == "00-abc-def-01"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == "127.0.0.1"


def test_live_openapi_documents(live_gateway):
    port, _ = live_gateway
    for service in SERVICE_PORTS:
        status, _, body = request(port, "GET", f"/openapi/{service}.yaml")
        assert status == 200
        assert json.loads(body) == {**json.loads(body), "service": service, "path": "/openapi.yaml"}


def test_live_health_and_not_found(live_gateway):
    port, _ = live_gateway
    status, _, _ = request(port, "GET", "/health")
    assert status == 200
    for path in ("/nope", "/v1/contactsx", "/metrics"):
        status, headers, body = request(port, "GET", path)
        assert status == 404
        assert headers["Content-Type"] == "application/problem+json"
        assert json.loads(body)["code"] == "not_found"


def test_live_body_limit(live_gateway):
    port, _ = live_gateway
    status, _, _ = request(port, "POST", "/v1/inbound", body=b"x" * (5 * 1024 * 1024), headers={"Content-Type": "application/json"})
    assert status == 200
    # Announce a body over 6 MiB: nginx answers from the header alone.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("POST", "/v1/inbound")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(7 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert response.getheader("Content-Type") == "application/problem+json"
        assert json.loads(response.read())["code"] == "payload_too_large"
    finally:
        connection.close()


def test_live_access_log_has_no_query_strings_or_customer_numbers(live_gateway):
    """Searches carry customer numbers in the query and webhooks carry tokens there: the
    access log keeps the path only, and masks /v1/consent/{e164}."""
    port, _ = live_gateway
    secret_paths = [
        "/v1/interactions?from=%2B14155550100&state=open",
        "/v1/webhooks/jasmin/main/inbound?token=s3cret-token&from=%2B14155550101",
        "/v1/consent/%2B14155550102",
    ]
    for path in secret_paths:
        assert request(port, "GET", path)[0] == 200
    log = ACCESS_LOGS[port]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and log.read_text().count("\n") < len(secret_paths):
        time.sleep(0.05)
    text = log.read_text()
    assert '"GET /v1/interactions HTTP/1.1" 200' in text, text
    assert '"GET /v1/webhooks/jasmin/main/inbound HTTP/1.1" 200' in text, text
    assert '"GET /v1/consent/*** HTTP/1.1" 200' in text, text
    for leaked in ("4155550100", "4155550101", "4155550102", "s3cret-token", "?"):
        assert leaked not in text, f"{leaked!r} in the access log:\n{text}"


def test_live_oversized_headers_are_problem_json(live_gateway):
    port, _ = live_gateway
    status, headers, body = request(port, "GET", "/v1/interactions", headers={"X-Big": "x" * 20000})
    assert status == 431
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["code"] == "headers_too_large"


def test_live_unreachable_service_is_a_problem_json_503(live_gateway):
    # Runs last in this module: it stops the media stub.
    port, stubs = live_gateway
    stubs["media"].shutdown()
    stubs["media"].server_close()
    status, headers, body = request(port, "GET", "/v1/media/abc")
    assert status == 503
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["Retry-After"] == "5"
    assert json.loads(body)["code"] == "upstream_unavailable"


def test_the_live_stream_goes_to_transfer_unbuffered(rendered, server):
    """`GET /v1/stream` (Server-Sent Events) reaches transfer with nothing buffered and a
    read timeout far above the 15 s heartbeat; its tickets go to transfer too."""
    root = parse_nginx(rendered)
    stream = match_location(server, "/v1/stream")
    assert upstream_of(root, stream) == "transfer"
    assert stream.find("proxy_buffering")[0].args == ["off"]
    assert stream.find("proxy_read_timeout")[0].args == ["1h"]
    assert upstream_of(root, match_location(server, "/v1/stream/tickets")) == "transfer"
    assert upstream_of(root, match_location(server, "/v1/streams")) is None


# --- The agent desk (issue #15) ----------------------------------------------------------


def _headers(location) -> dict[str, str]:
    return {d.args[0]: d.args[1] for d in location.find("add_header")}


def test_the_desk_is_served_from_its_alias_with_its_types_and_headers(server):
    location = match_location(server, "/desk/js/main.js")
    assert location.args == ["^~", "/desk/"], "a ^~ prefix: no regular expression route may take /desk/ paths"
    assert location.find("alias")[0].args == [DESK_ALIAS]
    assert match_location(server, "/desk/") is location
    types = {ext: d.name for d in location.find("types")[0].children for ext in d.args}
    assert types["js"] == "text/javascript" and types["css"] == "text/css" and types["html"] == "text/html"
    headers = _headers(location)
    policy = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-cache"
    assert location.find("etag")[0].args == ["on"]


def test_desk_without_slash_redirects(server):
    location = match_location(server, "/desk")
    assert location.args == ["=", "/desk"]
    assert location.find("return")[0].args == ["301", "/desk/"]


def test_the_desk_has_no_inline_script_or_style():
    """The policy forbids inline code: the page must not need any."""
    page = (REPO / "desk" / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline <script>"
    assert "<style" not in page and " style=" not in page and " on" + "click=" not in page
    for module in (REPO / "desk").rglob("*.js"):
        text = module.read_text()
        assert not re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", text), f"{module} parses HTML"
        assert "eval(" not in text and "new Function" not in text, module
        assert not re.search(r"""(from\s+|import\s*\(\s*)["'](https?:)?//""", text), f"{module} imports from elsewhere"
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page), "the page loads something from elsewhere"
    assert not re.search(r"url\(\s*[\"']?(https?:)?//|@import", (REPO / "desk" / "desk.css").read_text()), "no web fonts or remote CSS"


def test_live_desk_files_types_headers_and_revalidation(live_gateway):
    port, _ = live_gateway
    status, headers, _ = request(port, "GET", "/desk")
    assert status == 301 and headers["Location"] == "/desk/"
    status, headers, body = request(port, "GET", "/desk/")
    assert status == 200 and b'<script type="module" src="js/main.js">' in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Cache-Control", "ETag"):
        assert name in headers, name
    for path, content_type in (("/desk/js/main.js", "text/javascript; charset=utf-8"),
                               ("/desk/js/panels/offers.js", "text/javascript; charset=utf-8"),
                               ("/desk/desk.css", "text/css; charset=utf-8"),
                               ("/desk/favicon.svg", "image/svg+xml; charset=utf-8")):
        status, headers, _ = request(port, "GET", path)
        assert status == 200 and headers["Content-Type"] == content_type, (path, headers)
        assert headers["X-Content-Type-Options"] == "nosniff"
        status, _, _ = request(port, "GET", path, headers={"If-None-Match": headers["ETag"]})
        assert status == 304, path
    status, _, _ = request(port, "GET", "/desk/nothing-here.js")
    assert status == 404


# --- The gateway of scripts/cluster: several replicas per upstream (issue #16) -----------


def _render_cluster_gateway(directory: Path, listen: str, ports: dict[str, int]) -> str:
    """scripts/lib/infra.sh's own rendering (sb_render_gateway) with three replicas of each
    service, replica r of a service on its port + 100*r."""
    env = {**os.environ, "SB_REPLICAS": "3", "SB_GATEWAY_LISTEN": listen}
    env.update({f"SB_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    result = subprocess.run(
        ["bash", "-c", f'set -euo pipefail\nsource "{REPO}/scripts/lib/infra.sh"\nsb_render_gateway "{directory}"'],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return (directory / "nginx" / "default.conf").read_text()


@pytest.mark.skipif(find_binary("envsubst") is None, reason="envsubst not installed (gettext-base)")
def test_cluster_rendering_lists_every_replica_in_its_upstream(tmp_path):
    rendered = _render_cluster_gateway(tmp_path, "127.0.0.1:8090", SERVICE_PORTS)
    root = parse_nginx(rendered)
    upstreams = {u.args[0]: u for u in root.find("upstream")}
    for name, port in SERVICE_PORTS.items():
        upstream = upstreams[f"switchboard_{name}"]
        assert [s.args for s in upstream.find("server")] == [[f"127.0.0.1:{port + 100 * r}"] for r in (1, 2, 3)]
        assert upstream.find("keepalive")[0].args == ["16"]
    [server] = root.find("server")
    assert [d.args for d in server.find("listen")] == [["127.0.0.1:8090"]]
    # The routes are the template's, unchanged.
    assert [loc.args for loc in server.find("location")] == [loc.args for loc in parse_nginx(render_template(LOCAL_UPSTREAMS)).find("server")[0].find("location")]


@needs_nginx
def test_live_cluster_gateway_balances_over_the_replicas_and_skips_a_dead_one(tmp_path):
    """Three stub replicas per service behind the gateway scripts/cluster renders: requests
    go round robin to all three, and on when one is down."""
    base = {name: free_port() for name in SERVICE_PORTS}
    # Stubs on base + 100*r; a port taken meanwhile skips the test rather than failing it.
    stubs = []
    try:
        for name, port in base.items():
            for r in (1, 2, 3):
                stub = http.server.ThreadingHTTPServer(("127.0.0.1", port + 100 * r), _Stub)
                stub.service_name = f"{name}-{r}"
                stub.daemon_threads = True
                threading.Thread(target=stub.serve_forever, daemon=True).start()
                stubs.append(stub)
    except OSError as error:
        for stub in stubs:
            stub.shutdown()
            stub.server_close()
        pytest.skip(f"a replica port is taken: {error}")
    directory = Path(tempfile.mkdtemp(prefix="switchboard-cluster-gateway-test-"))
    os.chmod(directory, 0o755)
    gateway_port = free_port()
    env = {**os.environ, "PATH": os.environ.get("PATH", "") + ":/usr/sbin:/sbin", "SB_REPLICAS": "3",
           "SB_GATEWAY_LISTEN": f"127.0.0.1:{gateway_port}"}
    env.update({f"SB_{name.upper()}_PORT": str(port) for name, port in base.items()})
    lib = f'set -euo pipefail\nsource "{REPO}/scripts/lib/infra.sh"\n'
    try:
        result = subprocess.run(["bash", "-c", lib + f'sb_start_gateway "{directory}"'], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        seen = [json.loads(request(gateway_port, "GET", "/v1/interactions/x")[2])["service"] for _ in range(9)]
        assert sorted(set(seen)) == ["session-1", "session-2", "session-3"], seen
        assert {json.loads(request(gateway_port, "GET", "/v1/callbacks")[2])["service"] for _ in range(6)} == {"callback-1", "callback-2", "callback-3"}
        # session-2 goes away: every request still gets an answer, from the other two.
        dead = next(stub for stub in stubs if stub.service_name == "session-2")
        dead.shutdown()
        dead.server_close()
        answers = [request(gateway_port, "GET", "/v1/interactions/x") for _ in range(9)]
        assert all(status == 200 for status, _, _ in answers)
        assert {json.loads(body)["service"] for _, _, body in answers} == {"session-1", "session-3"}
    finally:
        subprocess.run(["bash", "-c", lib + f'sb_stop_gateway "{directory}"'], env=env, capture_output=True, text=True, timeout=60)
        for stub in stubs:
            stub.shutdown()
            stub.server_close()
        shutil.rmtree(directory, ignore_errors=True)
