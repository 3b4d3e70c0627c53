"""docker-compose.yml: valid Compose and the project's deployment rules.

No Docker engine is needed: the file is validated against the Compose Specification's
JSON schema (a copy beside this file), and Compose's variable interpolation is emulated
for the checks that depend on it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from deploy_support import COMPOSE_FILE, DEPLOY, REPO, ROUTES, SERVICE_PORTS

SCHEMA_FILE = Path(__file__).with_name("compose-spec.json")
SERVICES = list(SERVICE_PORTS)
BIND = "${SWITCHBOARD_BIND:-127.0.0.1}"
AMQP_PORT = "${SWITCHBOARD_AMQP_BIND:-127.0.0.1}:${SWITCHBOARD_AMQP_PORT:-5672}:5672"


@pytest.fixture(scope="module")
def compose() -> dict:
    # safe_load resolves anchors and `<<` merge keys, as Compose does.
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


# --- Compose interpolation, as the Compose Specification defines it ---------------

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class InterpolationError(Exception):
    pass


def interpolate(value, env: dict[str, str]):
    """Interpolate ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err},
    ${VAR:+alt}, $VAR and $$ in every string of a loaded Compose document."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        is_set = name in env
        is_nonempty = bool(env.get(name))
        if op in (":-", "-"):
            return env[name] if (is_nonempty if op == ":-" else is_set) else arg
        if op in (":?", "?"):
            if is_nonempty if op == ":?" else is_set:
                return env[name]
            raise InterpolationError(f"{name}: {arg}")
        if op in (":+", "+"):
            return arg if (is_nonempty if op == ":+" else is_set) else ""
        return env.get(name, "")

    return _VARIABLE.sub(replace, value)


SECRET = "s" * 40
AMQP_SECRET = "a" * 24
# What `docker compose up` needs at least.
REQUIRED_ENV = {"SWITCHBOARD_JWT_SECRET": SECRET, "SWITCHBOARD_RABBITMQ_PASSWORD": AMQP_SECRET}


# --- Schema -------------------------------------------------------------------------


def test_schema_file_is_the_compose_specification():
    schema = json.loads(SCHEMA_FILE.read_text())
    assert schema["title"] == "Compose Specification"
    assert "draft-07" in schema["$schema"]


def test_compose_file_is_valid_against_the_compose_specification(compose):
    schema = json.loads(SCHEMA_FILE.read_text())
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_compose_file_is_still_valid_after_interpolation(compose):
    schema = json.loads(SCHEMA_FILE.read_text())
    rendered = interpolate(compose, REQUIRED_ENV)
    jsonschema.Draft7Validator(schema).validate(rendered)


# --- Services -----------------------------------------------------------------------


def test_expected_services_exist(services):
    for name in SERVICES + ["rabbitmq", "postgres", "gateway"]:
        assert name in services, f"service {name} missing"


@pytest.mark.parametrize("name", SERVICES)
def test_service_runs_its_own_executable_from_the_shared_image(services, name):
    service = services[name]
    assert service["image"] == "switchboard:latest"
    assert service["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
    env = service["environment"]
    assert env["EXEC_NAME"] == name
    assert str(env["SWITCHBOARD_HTTP_PORT"]) == str(SERVICE_PORTS[name])


def test_all_services_share_one_image(services):
    assert {services[name]["image"] for name in SERVICES} == {"switchboard:latest"}


@pytest.mark.parametrize("name", SERVICES)
def test_service_has_shared_configuration(services, name):
    env = services[name]["environment"]
    for key in (
        "SWITCHBOARD_AMQP_URL",
        "SWITCHBOARD_POSTGRES_URL",
        "SWITCHBOARD_JWT_SECRET",
        "SWITCHBOARD_LOG_LEVEL",
        "SWITCHBOARD_DEFAULT_REGION",
    ):
        assert key in env, f"{name}: {key} missing"
    rendered = interpolate(env, REQUIRED_ENV)
    assert rendered["SWITCHBOARD_AMQP_URL"] == f"amqp://switchboard:{AMQP_SECRET}@rabbitmq:5672/%2F"
    assert rendered["SWITCHBOARD_POSTGRES_URL"] == "postgres://switchboard:switchboard@postgres:5432/switchboard"
    assert rendered["SWITCHBOARD_JWT_SECRET"] == SECRET
    assert rendered["SWITCHBOARD_LOG_LEVEL"] == "info"
    assert rendered["SWITCHBOARD_DEFAULT_REGION"] == "US"


def test_passwords_come_from_the_environment(compose, services):
    env = {
        "SWITCHBOARD_JWT_SECRET": SECRET,
        "SWITCHBOARD_RABBITMQ_USER": "u1",
        "SWITCHBOARD_RABBITMQ_PASSWORD": "a1",
        "SWITCHBOARD_POSTGRES_PASSWORD": "p1",
    }
    for name in SERVICES:
        rendered = interpolate(services[name]["environment"], env)
        assert rendered["SWITCHBOARD_AMQP_URL"] == "amqp://u1:a1@rabbitmq:5672/%2F", name
        assert rendered["SWITCHBOARD_POSTGRES_URL"] == "postgres://switchboard:p1@postgres:5432/switchboard", name
    assert interpolate(services["postgres"]["environment"], env)["POSTGRES_PASSWORD"] == "p1"
    # The broker's user is made from the same two variables as the services' URL.
    user = rabbitmq_user_definitions(compose, env)
    assert user["users"] == [{"name": "u1", "password": "a1", "tags": ["administrator"]}]
    assert user["permissions"] == [{"user": "u1", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}]


def test_jwt_secret_is_required(compose):
    with pytest.raises(InterpolationError, match="SWITCHBOARD_JWT_SECRET"):
        interpolate(compose, {"SWITCHBOARD_RABBITMQ_PASSWORD": AMQP_SECRET})
    with pytest.raises(InterpolationError, match="SWITCHBOARD_JWT_SECRET"):
        interpolate(compose, {"SWITCHBOARD_RABBITMQ_PASSWORD": AMQP_SECRET, "SWITCHBOARD_JWT_SECRET": ""})


def test_rabbitmq_password_is_required_everywhere_it_is_used(compose):
    with pytest.raises(InterpolationError, match="SWITCHBOARD_RABBITMQ_PASSWORD"):
        interpolate(compose, {"SWITCHBOARD_JWT_SECRET": SECRET})
    with pytest.raises(InterpolationError, match="SWITCHBOARD_RABBITMQ_PASSWORD"):
        interpolate(compose, {"SWITCHBOARD_JWT_SECRET": SECRET, "SWITCHBOARD_RABBITMQ_PASSWORD": ""})
    # No use of it has a default that would let the broker and the services disagree,
    # or fall back to a well-known password.
    text = COMPOSE_FILE.read_text()
    uses = re.findall(r"\$\{SWITCHBOARD_RABBITMQ_PASSWORD([^A-Za-z0-9_][^}]*)?\}", text)
    # The services' URL, the broker's user, and the three URLs of each of the two node
    # lists of the cluster profile's replicas.
    assert len(uses) == 2 + 2 * 3, uses
    assert all(use.startswith(":?") for use in uses), uses


def rabbitmq_user_definitions(compose: dict, env: dict[str, str]) -> dict:
    """The broker's user definitions (config `rabbitmq-user`) as RabbitMQ would parse them."""
    return json.loads(interpolate(compose["configs"]["rabbitmq-user"]["content"], env))


def test_no_guest_credentials_anywhere(compose, services):
    """No guest user or password is created, configured or relied on: definitions are
    imported at boot, so RabbitMQ seeds no default user, and the only user is the one the
    environment names."""
    rendered = interpolate(compose, REQUIRED_ENV)
    assert "guest" not in json.dumps(rendered).lower()
    assert "guest" not in (DEPLOY / "rabbitmq" / "definitions.json").read_text().lower()
    rabbitmq_env = services["rabbitmq"].get("environment", {})
    assert not any(key.startswith("RABBITMQ_DEFAULT_") for key in rabbitmq_env), "ignored when definitions are imported at boot"
    user = rabbitmq_user_definitions(compose, REQUIRED_ENV)
    assert [u["name"] for u in user["users"]] == ["switchboard"]
    assert user["users"][0]["password"] == AMQP_SECRET
    assert {"name": "/"} in user["vhosts"], "the user file must not depend on the topology file's vhost"
    for name in SERVICES:
        url = interpolate(services[name]["environment"], REQUIRED_ENV)["SWITCHBOARD_AMQP_URL"]
        assert url.startswith(f"amqp://switchboard:{AMQP_SECRET}@"), name


def test_rabbitmq_user_definitions_stay_valid_json_for_allowed_passwords(compose):
    """The documented password alphabet (letters, digits, - _ . ~) needs no escaping in
    JSON nor in the URL."""
    password = "Abc-123_x.y~Z"
    env = {**REQUIRED_ENV, "SWITCHBOARD_RABBITMQ_PASSWORD": password, "SWITCHBOARD_RABBITMQ_USER": "sb_user-1.x"}
    user = rabbitmq_user_definitions(compose, env)
    assert user["users"][0]["password"] == password
    assert user["users"][0]["name"] == "sb_user-1.x"


@pytest.mark.parametrize("name", SERVICES)
def test_service_health_check_probes_its_readiness(services, name):
    healthcheck = services[name]["healthcheck"]
    test = healthcheck["test"]
    assert test[0] in ("CMD", "CMD-SHELL")
    command = " ".join(test[1:])
    assert "curl" in command and "-f" in command
    assert f"http://127.0.0.1:{SERVICE_PORTS[name]}/health/ready" in command
    for key in ("interval", "timeout", "retries", "start_period"):
        assert key in healthcheck, f"{name}: healthcheck.{key} missing"


@pytest.mark.parametrize("name", SERVICES)
def test_service_restarts_and_stops_gracefully(services, name):
    service = services[name]
    assert service["restart"] == "unless-stopped"
    # Services exit within 10 s of SIGTERM; the grace period must leave a margin.
    grace = service["stop_grace_period"]
    match = re.fullmatch(r"(\d+)s", grace)
    assert match and int(match.group(1)) > 10, grace


@pytest.mark.parametrize("name", SERVICES)
def test_service_waits_for_healthy_broker_and_database(services, name):
    depends_on = services[name]["depends_on"]
    assert isinstance(depends_on, dict)
    for dependency in ("rabbitmq", "postgres"):
        assert depends_on[dependency]["condition"] == "service_healthy"


def test_services_publish_no_ports(services):
    for name in SERVICES + ["postgres"]:
        assert "ports" not in services[name], f"{name} must stay internal (the gateway fronts it)"


def test_media_keeps_its_store_on_a_named_volume(compose, services):
    media = services["media"]
    assert media["environment"]["SWITCHBOARD_MEDIA_STORE_PATH"] == "/var/lib/switchboard/media"
    volumes = media["volumes"]
    assert any(str(v).split(":")[1:2] == ["/var/lib/switchboard/media"] for v in volumes), volumes
    volume_name = next(str(v).split(":")[0] for v in volumes if ":/var/lib/switchboard/media" in str(v))
    assert volume_name in compose["volumes"], "the media store must be a named volume"


# --- Infrastructure -------------------------------------------------------------------


DEFINITIONS_DIR = "/etc/rabbitmq/definitions.d"


def test_rabbitmq(services):
    rabbitmq = services["rabbitmq"]
    assert rabbitmq["image"].startswith("rabbitmq:") and "management" in rabbitmq["image"]
    mounts = {v.split(":")[0]: v.split(":")[1] for v in rabbitmq["volumes"] if v.startswith("./")}
    assert mounts["./deploy/rabbitmq/enabled_plugins"] == "/etc/rabbitmq/enabled_plugins"
    assert mounts["./deploy/rabbitmq/definitions.json"] == f"{DEFINITIONS_DIR}/10-topology.json"
    assert mounts["./deploy/rabbitmq/rabbitmq.conf"].startswith("/etc/rabbitmq/")
    for volume in rabbitmq["volumes"]:
        if volume.startswith("./"):
            assert volume.endswith(":ro"), f"{volume} should be read-only"
            assert (REPO / volume.split(":")[0]).is_file(), f"{volume}: no such file"
    assert rabbitmq["configs"] == [{"source": "rabbitmq-user", "target": f"{DEFINITIONS_DIR}/20-user.json"}]
    command = " ".join(rabbitmq["healthcheck"]["test"][1:])
    assert "check_running" in command and "check_port_connectivity" in command
    assert rabbitmq["ports"] == [AMQP_PORT, f"{BIND}:15672:15672"]


def test_rabbitmq_imports_the_topology_and_then_the_user_at_boot(services):
    """RabbitMQ imports the files of a definitions directory in name order; each file is
    imported on its own, so the user file declares the vhost its permissions need."""
    conf = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    settings = dict(
        (key.strip(), value.strip())
        for key, value in (line.split("=", 1) for line in conf.splitlines() if "=" in line and not line.lstrip().startswith("#"))
    )
    assert settings.get("definitions.import_backend") == "local_filesystem"
    assert settings.get("definitions.local.path") == DEFINITIONS_DIR
    assert "load_definitions" not in settings
    # Re-import when a file changed (a new password is then applied), not on every boot.
    assert settings.get("definitions.skip_if_unchanged") == "true"
    assert settings.get("loopback_users.guest") == "true", "guest must stay restricted to localhost"
    rabbitmq = services["rabbitmq"]
    targets = [v.split(":")[1] for v in rabbitmq["volumes"] if "definitions" in v]
    targets += [config["target"] for config in rabbitmq["configs"]]
    assert all(target.startswith(f"{DEFINITIONS_DIR}/") for target in targets), targets
    assert sorted(targets) == [f"{DEFINITIONS_DIR}/10-topology.json", f"{DEFINITIONS_DIR}/20-user.json"]
    plugins = (DEPLOY / "rabbitmq" / "enabled_plugins").read_text().strip()
    # rabbitmq_shovel: the README's procedure that moves outbound.unrouted back once a channel sends.
    assert plugins == "[rabbitmq_management,rabbitmq_prometheus,rabbitmq_consistent_hash_exchange,rabbitmq_shovel]."


def test_postgres(services):
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:15-bookworm"
    env = postgres["environment"]
    assert env["POSTGRES_USER"] == "switchboard"
    assert env["POSTGRES_DB"] == "switchboard"
    assert env["POSTGRES_PASSWORD"] == "${SWITCHBOARD_POSTGRES_PASSWORD:-switchboard}"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])


def test_postgres_admits_every_pool_of_the_cluster(services):
    # Each service instance may open its pool (SWITCHBOARD_POSTGRES_POOL_SIZE, default 20)
    # plus one readiness connection and one for its outbox relay; with the profile
    # `cluster` there are eighteen.
    command = services["postgres"]["command"]
    assert command[:2] == ["postgres", "-c"]
    settings = dict(arg.split("=", 1) for arg in command[2::2])
    instances = sum(1 for s in services.values() if s.get("image") == "switchboard:latest")
    assert instances == 18
    pools = [int(s["environment"].get("SWITCHBOARD_POSTGRES_POOL_SIZE", 20)) for s in services.values() if s.get("image") == "switchboard:latest"]
    assert int(settings["max_connections"]) >= sum(pool + 2 for pool in pools)


def test_gateway(services):
    gateway = services["gateway"]
    assert gateway["image"].startswith("nginx:")
    assert gateway["ports"] == [f"{BIND}:8080:8080"]
    assert "./deploy/nginx/templates:/etc/nginx/templates:ro" in gateway["volumes"]
    # The desk, where the template's /desk/ location reads it.
    assert "./desk:/usr/share/nginx/desk:ro" in gateway["volumes"]
    assert (REPO / "desk" / "index.html").is_file()
    env = gateway["environment"]
    for name, port in SERVICE_PORTS.items():
        assert env[f"{name.upper()}_UPSTREAM"] == f"{name}:{port}"
    for name in SERVICES:
        assert gateway["depends_on"][name]["condition"] == "service_healthy"
    assert "healthcheck" in gateway and "/health" in " ".join(gateway["healthcheck"]["test"])
    assert gateway["restart"] == "unless-stopped"


def test_only_the_gateway_and_rabbitmq_publish_by_default(services):
    published = {}
    for name, service in services.items():
        if service.get("profiles"):
            continue
        for port in service.get("ports", []):
            published.setdefault(name, []).append(port)
    assert published == {
        "gateway": [f"{BIND}:8080:8080"],
        "rabbitmq": [AMQP_PORT, f"{BIND}:15672:15672"],
    }


def test_every_published_port_is_bound_to_a_configured_address_loopback_by_default(services):
    for name, service in services.items():
        for port in service.get("ports", []):
            if port == AMQP_PORT:
                continue  # its own address variable (next test)
            assert str(port).startswith(f"{BIND}:"), f"{name}: {port} is not bound to SWITCHBOARD_BIND"
            host = interpolate(port, {}).split(":")[0]
            assert host == "127.0.0.1"


def test_amqp_is_published_for_other_systems(services):
    """Other systems publish inbound messages to RabbitMQ's queues: AMQP is published, on
    loopback unless SWITCHBOARD_AMQP_BIND names another address, independently of the
    gateway's SWITCHBOARD_BIND."""
    assert interpolate(AMQP_PORT, {}) == "127.0.0.1:5672:5672"
    assert interpolate(AMQP_PORT, {"SWITCHBOARD_BIND": "0.0.0.0"}) == "127.0.0.1:5672:5672"
    assert interpolate(AMQP_PORT, {"SWITCHBOARD_AMQP_BIND": "10.0.0.5", "SWITCHBOARD_AMQP_PORT": "5673"}) == "10.0.0.5:5673:5672"
    # The container port is the one the services connect to.
    url = interpolate(services["ingest"]["environment"]["SWITCHBOARD_AMQP_URL"], REQUIRED_ENV)
    assert "@rabbitmq:5672/" in url


def test_prometheus_is_optional_and_scrapes_everything(services):
    prometheus = services["prometheus"]
    assert prometheus["profiles"] == ["observability"]
    assert "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in prometheus["volumes"]
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = set()
    for job in config["scrape_configs"]:
        assert job.get("metrics_path", "/metrics") == "/metrics"
        for static in job.get("static_configs", []):
            targets.update(static["targets"])
        for dns in job.get("dns_sd_configs", []):
            targets.update(f"{name}:{dns['port']}" for name in dns["names"])
    expected = {f"{name}:{port}" for name, port in SERVICE_PORTS.items()} | {"rabbitmq:15692"}
    assert targets == expected


def test_gateway_routes_cover_every_service():
    # Guard for the table in conftest: every service has at least one route.
    assert set(ROUTES) == set(SERVICE_PORTS)


# --- The image ------------------------------------------------------------------------


def test_dockerfile_builds_one_image_for_every_executable():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM swift:6\.3-bookworm AS build$", dockerfile, re.M)
    assert re.search(r"^FROM debian:bookworm-slim$", dockerfile, re.M)
    products = re.search(r'SWITCHBOARD_PRODUCTS="([^"]+)"', dockerfile).group(1).split()
    assert products == SERVICES + ["switchboardctl"]
    assert "--static-swift-stdlib" in dockerfile
    assert "*.resources" in dockerfile, "resource bundles (openapi.yaml) must be copied"
    assert re.search(r"^ENV EXEC_NAME=ingest$", dockerfile, re.M)
    assert re.search(r"^USER 10001:10001$", dockerfile, re.M)
    assert re.search(r"^EXPOSE 8081-8086$", dockerfile, re.M)
    entrypoint = re.search(r"^ENTRYPOINT (.+)$", dockerfile, re.M).group(1)
    argv = json.loads(entrypoint)
    assert argv[:2] == ["/bin/sh", "-c"]
    assert argv[2].startswith('exec /app/"$EXEC_NAME"'), "exec, so the service gets SIGTERM"
    for package in ("librabbitmq4", "libvips42", "libhunspell-1.7-0", "hunspell-en-us", "ca-certificates", "curl", "tzdata"):
        assert package in dockerfile
    build_stage = dockerfile.split("AS build", 1)[1].split("FROM debian", 1)[0]
    for package in ("librabbitmq-dev", "libvips-dev", "libhunspell-dev"):
        assert package in build_stage, f"the build stage needs {package}"


def test_dockerignore_keeps_build_output_out_of_the_context():
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for pattern in (".build", ".build-*", ".git", "run/", "Package.resolved"):
        assert pattern in patterns


# --- Profile `cluster` (docs/architecture.md 10.5) -------------------------------------------


CLUSTER_NODES = ["rabbitmq", "rabbitmq-2", "rabbitmq-3"]


def test_without_a_profile_the_topology_is_unchanged(services):
    always = {name for name, service in services.items() if not service.get("profiles")}
    assert always == set(SERVICES) | {"rabbitmq", "postgres", "gateway"}
    profiled = {name: service["profiles"] for name, service in services.items() if service.get("profiles")}
    assert profiled.pop("prometheus") == ["observability"]
    assert set(profiled) == {"rabbitmq-2", "rabbitmq-3"} | {f"{name}-{r}" for name in SERVICES for r in (2, 3)}
    assert all(profiles == ["cluster"] for profiles in profiled.values()), profiled
    # A service that always runs never requires one that only a profile starts (Compose
    # refuses that); the gateway waits for the replicas only when they exist.
    for name in always:
        for dependency, condition in (services[name].get("depends_on") or {}).items():
            if services[dependency].get("profiles"):
                assert condition.get("required") is False, f"{name} -> {dependency}"


def test_cluster_nodes_share_the_cookie_and_join_rabbitmq(compose, services):
    base = services["rabbitmq"]
    # Passed through without a value (set only when the environment sets it): an empty
    # RABBITMQ_ERLANG_COOKIE would be a cookie of its own for the CLI tools of the health
    # check, while a single node keeps the cookie of its volume.
    assert "RABBITMQ_ERLANG_COOKIE" in base["environment"] and base["environment"]["RABBITMQ_ERLANG_COOKIE"] is None
    conf = (DEPLOY / "rabbitmq" / "cluster.conf").read_text()
    settings = dict(
        (key.strip(), value.strip())
        for key, value in (line.split("=", 1) for line in conf.splitlines() if "=" in line and not line.lstrip().startswith("#"))
    )
    assert settings == {
        "cluster_formation.peer_discovery_backend": "classic_config",
        "cluster_formation.classic_config.nodes.1": "rabbit@rabbitmq",
    }
    for name in CLUSTER_NODES[1:]:
        node = services[name]
        assert node["image"] == base["image"]
        assert node["hostname"] == name, "the node name rabbit@<hostname> must be stable"
        assert node["environment"] == base["environment"]
        mounts = {v.split(":")[0]: v.split(":")[1] for v in node["volumes"]}
        assert mounts["./deploy/rabbitmq/cluster.conf"] == "/etc/rabbitmq/conf.d/30-cluster.conf"
        assert mounts["./deploy/rabbitmq/rabbitmq.conf"] == "/etc/rabbitmq/conf.d/20-switchboard.conf"
        assert mounts["./deploy/rabbitmq/enabled_plugins"] == "/etc/rabbitmq/enabled_plugins"
        assert mounts[f"{name}-data"] == "/var/lib/rabbitmq"
        assert f"{name}-data" in compose["volumes"]
        assert node["depends_on"] == {"rabbitmq": {"condition": "service_healthy"}}
        assert node.get("ports") == [], "only rabbitmq publishes AMQP"
        command = " ".join(node["healthcheck"]["test"][1:])
        assert "check_running" in command and "cluster_status" in command and '"rabbit@rabbitmq"' in command
    # Quorum queues declared at the first node's boot (the definitions) grow to three
    # members once the others join; later ones spread their leaders.
    conf = (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text()
    assert "quorum_queue.continuous_membership_reconciliation.enabled = true" in conf
    assert "quorum_queue.continuous_membership_reconciliation.target_group_size = 3" in conf
    assert "queue_leader_locator = balanced" in conf


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("replica", [2, 3])
def test_cluster_replicas(services, name, replica):
    base, copy = services[name], services[f"{name}-{replica}"]
    for key in ("image", "build", "healthcheck", "restart", "stop_grace_period"):
        assert copy[key] == base[key], key
    assert copy.get("volumes") == base.get("volumes"), "media replicas share the media store"
    assert "ports" not in copy
    # The gateway's `server <name>:<port>` resolves to every replica.
    assert copy["networks"] == {"default": {"aliases": [name]}}
    env = interpolate(copy["environment"], REQUIRED_ENV)
    base_env = interpolate(base["environment"], REQUIRED_ENV)
    assert {k: v for k, v in env.items() if k != "SWITCHBOARD_AMQP_URL"} == {k: v for k, v in base_env.items() if k != "SWITCHBOARD_AMQP_URL"}
    urls = env["SWITCHBOARD_AMQP_URL"].split(",")
    hosts = [re.fullmatch(rf"amqp://switchboard:{AMQP_SECRET}@([a-z0-9-]+):5672/%2F", url).group(1) for url in urls]
    # All three nodes, its own first, in cluster order after it.
    assert hosts == (CLUSTER_NODES * 2)[replica - 1:replica + 2]
    for dependency in ("rabbitmq-2", "rabbitmq-3", "postgres"):
        assert copy["depends_on"][dependency]["condition"] == "service_healthy"
    gateway_dependency = services["gateway"]["depends_on"][f"{name}-{replica}"]
    assert gateway_dependency == {"condition": "service_healthy", "restart": True, "required": False}
