# shellcheck shell=bash
#
# Switchboard's local infrastructure helpers: install the Debian packages, start
# RabbitMQ and PostgreSQL, run the six services and an nginx gateway on this machine.
#
# Source it; do not execute it:
#
#   source scripts/lib/infra.sh
#   sb_install_deps && sb_start_rabbitmq && sb_start_postgres
#   sb_env run && sb_start_services "$(swift build --show-bin-path)" run && sb_start_gateway run
#   ...
#   sb_stop_gateway run; sb_stop_services run
#
# Every function returns non-zero with a message on stderr instead of exiting, so it is
# safe under `set -euo pipefail` and in an interactive shell. All of them are idempotent:
# what already runs is left running (or, for the services and the gateway of one run
# directory, restarted).
#
# Settings (environment, all optional):
#   SB_RABBITMQ_NODE        RabbitMQ node name                 (rabbit@localhost)
#   SB_AMQP_PORT            AMQP port of a node started here   (5672)
#   SB_RABBITMQ_MGMT_PORT   management UI port of that node    (15672)
#   SB_RABBITMQ_TIMEOUT     seconds to wait for it to boot     (120)
#   SB_PG_VERSION / SB_PG_CLUSTER  Debian cluster              (15 / main)
#   SB_PG_USER / SB_PG_PASSWORD    role for the services       (switchboard / switchboard)
#   SB_PG_DATABASES         databases owned by that role       ("switchboard switchboard_test")
#   SB_<NAME>_PORT          a service's HTTP port, e.g. SB_INGEST_PORT (8081..8086)
#   SB_READY_TIMEOUT        seconds for the services to be ready (60)
#   SB_STOP_TIMEOUT         seconds between SIGTERM and SIGKILL (15)
#   SB_GATEWAY_LISTEN       gateway address                    (127.0.0.1:8080)
#   SB_DEPS_LOG             apt/pip output                     (${TMPDIR:-/tmp}/switchboard-install-deps.log)

# Sourcing twice is harmless.
if [[ -n "${_SB_INFRA_SH_LOADED:-}" ]]; then
    return 0
fi
_SB_INFRA_SH_LOADED=1

SB_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SB_SERVICES=(ingest session transfer contacts callback media)
# Literal on purpose: envsubst's list of the only variables it may replace.
# shellcheck disable=SC2016
SB_UPSTREAM_VARIABLES='${INGEST_UPSTREAM} ${SESSION_UPSTREAM} ${TRANSFER_UPSTREAM} ${CONTACTS_UPSTREAM} ${CALLBACK_UPSTREAM} ${MEDIA_UPSTREAM}'
SB_DEV_JWT_SECRET='dev-only-secret-change-me-0123456789abcdef'
# The RabbitMQ policy that makes the services' quorum queues dead-letter at least once.
SB_DEAD_LETTER_POLICY='switchboard-dead-letter'
SB_DEAD_LETTER_POLICY_PATTERN='^(ingest|session|transfer|contacts|callback|media|outbound)\.'
SB_DEAD_LETTER_POLICY_DEFINITION='{"dead-letter-strategy":"at-least-once","overflow":"reject-publish"}'
# 32 bytes, base64: the dev key that seals channel credentials (never use it in production).
SB_DEV_CREDENTIALS_KEY='ZGV2LW9ubHkta2V5LWNoYW5nZS1tZS0wMTIzNDU2Nzg='

# --- Small helpers ----------------------------------------------------------------------

sb_log() { printf '[switchboard] %s\n' "$*" >&2; }
sb_warn() { printf '[switchboard] warning: %s\n' "$*" >&2; }
sb_error() { printf '[switchboard] error: %s\n' "$*" >&2; }

# sb_service_port NAME: the HTTP port of a service (SB_<NAME>_PORT, or the default of
# docs/architecture.md section 3).
sb_service_port() {
    local name="$1" default override
    case "$name" in
        ingest) default=8081 ;;
        session) default=8082 ;;
        transfer) default=8083 ;;
        contacts) default=8084 ;;
        callback) default=8085 ;;
        media) default=8086 ;;
        *)
            sb_error "unknown service: $name"
            return 1
            ;;
    esac
    override="SB_${name^^}_PORT"
    printf '%s\n' "${!override:-$default}"
}

# sb_redact_url URL: the URL with its password replaced by ***, for printing.
sb_redact_url() {
    if [[ "$1" =~ ^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*):[^@/]*@(.*)$ ]]; then
        printf '%s:***@%s\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    else
        printf '%s\n' "$1"
    fi
}

# sb_port_open HOST PORT: true when something accepts TCP connections there.
sb_port_open() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# sb_as_user USER CMD...: run a command as another local user (root: runuser; that user:
# directly). PostgreSQL's and RabbitMQ's administrative tools need this.
sb_as_user() {
    local user="$1"
    shift
    if [[ "$(id -un)" == "$user" ]]; then
        "$@"
    elif ((EUID == 0)); then
        runuser -u "$user" -- "$@"
    else
        sb_error "need root (or user $user) to run: $*"
        return 1
    fi
}

# sb_pid_alive PIDFILE NAME: true when PIDFILE names a running process of executable NAME
# (the name check guards against a recycled pid).
sb_pid_alive() {
    local pidfile="$1" name="$2" pid args
    [[ -s "$pidfile" ]] || return 1
    pid="$(<"$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    args="$(ps -o args= -p "$pid" 2>/dev/null)" || return 1
    [[ "$args" == *"/$name"* || "$args" == "$name"* ]]
}

# --- Packages ---------------------------------------------------------------------------

# sb_install_deps: install the Debian packages Switchboard needs to build and run here,
# plus pika for the Python tools and schemathesis for the end-to-end fuzzing test (pip).
# A no-op when everything is there. Needs root only when a Debian package is missing.
sb_install_deps() {
    local packages=(rabbitmq-server librabbitmq-dev amqp-tools libvips-dev libvips-tools libhunspell-dev hunspell-en-us postgresql nginx-light curl gettext-base python3-pika)
    local missing=() package log="${SB_DEPS_LOG:-${TMPDIR:-/tmp}/switchboard-install-deps.log}"
    for package in "${packages[@]}"; do
        if [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("$package")
        fi
    done
    if ((${#missing[@]} > 0)); then
        if ((EUID != 0)); then
            sb_error "missing Debian packages: ${missing[*]}; install them as root: apt-get install ${missing[*]}"
            return 1
        fi
        sb_log "installing ${missing[*]} (output in $log)"
        # One `apt-get update`, and only because something is missing.
        if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$log" 2>&1; then
            sb_error "apt-get update failed; last lines of $log:"
            tail -n 20 "$log" >&2
            return 1
        fi
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
            sb_error "apt-get install failed; last lines of $log:"
            tail -n 20 "$log" >&2
            return 1
        fi
    fi
    # python3 may be another interpreter than Debian's (pyenv, a venv), which does not see
    # python3-pika: give it its own copy.
    _sb_pip_ensure 'import pika' pika "$log" || return 1
    # Debian does not package schemathesis (Tests/EndToEnd/test_e2e_fuzz.py uses its 4.x API).
    _sb_pip_ensure 'import schemathesis, sys; sys.exit(schemathesis.__version__.split(".")[0] != "4")' \
        'schemathesis>=4.32,<5' "$log" || return 1
}

# _sb_pip_ensure CHECK SPEC LOG: pip-install SPEC for python3 unless the Python code CHECK
# already runs without error (the package is importable, in a version that fits).
_sb_pip_ensure() {
    local check="$1" spec="$2" log="$3"
    if python3 -c "$check" >/dev/null 2>&1; then
        return 0
    fi
    sb_log "installing $spec for $(command -v python3) (output in $log)"
    if ! python3 -m pip install -q "$spec" >>"$log" 2>&1; then
        sb_error "pip install $spec failed; last lines of $log:"
        tail -n 20 "$log" >&2
        return 1
    fi
}

# --- RabbitMQ ---------------------------------------------------------------------------

_sb_rabbitmq_answers() {
    rabbitmqctl -q -n "$1" status >/dev/null 2>&1
}

# sb_start_rabbitmq: make sure a RabbitMQ node runs on this machine, with the plugins
# (the shovel for the README's procedure that moves outbound.unrouted back)
# and the `switchboard` user (password `switchboard`, full rights on vhost /).
# A node started here is named rabbit@localhost and listens on 127.0.0.1 only
# (AMQP 5672, management 15672, Erlang distribution). A node that already answers is used
# as it is (the Debian service's default node rabbit@<host> too).
sb_start_rabbitmq() {
    local node="${SB_RABBITMQ_NODE:-rabbit@localhost}"
    local amqp_port="${SB_AMQP_PORT:-5672}" mgmt_port="${SB_RABBITMQ_MGMT_PORT:-15672}"
    local timeout="${SB_RABBITMQ_TIMEOUT:-120}" plugins=(rabbitmq_management rabbitmq_consistent_hash_exchange rabbitmq_shovel)
    local deadline default_node

    if _sb_rabbitmq_answers "$node"; then
        sb_log "RabbitMQ node $node is already running"
    elif [[ -z "${SB_RABBITMQ_NODE:-}" ]] && default_node="rabbit@$(hostname -s)" && _sb_rabbitmq_answers "$default_node"; then
        # e.g. started by the Debian package's init script.
        node="$default_node"
        sb_log "RabbitMQ node $node is already running"
    elif sb_port_open 127.0.0.1 "$amqp_port"; then
        sb_error "port $amqp_port is in use, but RabbitMQ node $node does not answer rabbitmqctl; set SB_RABBITMQ_NODE to its node name (see: ss -ltnp 'sport = :$amqp_port')"
        return 1
    else
        if ((EUID != 0)) && [[ "$(id -un)" != rabbitmq ]]; then
            sb_error "starting RabbitMQ needs root (or the rabbitmq user)"
            return 1
        fi
        sb_log "starting RabbitMQ node $node on 127.0.0.1:$amqp_port (management on 127.0.0.1:$mgmt_port)"
        # Plugins first, offline, so they start with the node instead of a second boot.
        rabbitmq-plugins -q -n "$node" --offline enable "${plugins[@]}" >/dev/null || {
            sb_error "rabbitmq-plugins --offline enable ${plugins[*]} failed"
            return 1
        }
        # Debian's rabbitmq-server wrapper switches to the rabbitmq user and keeps these
        # variables. The management listener and the Erlang distribution (with epmd) are
        # bound to loopback too: a development broker is nothing to expose.
        RABBITMQ_NODENAME="$node" \
            RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
            RABBITMQ_NODE_PORT="$amqp_port" \
            RABBITMQ_SERVER_START_ARGS="-rabbitmq_management tcp_config [{ip,\"127.0.0.1\"},{port,$mgmt_port}]" \
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
            ERL_EPMD_ADDRESS=127.0.0.1 \
            rabbitmq-server -detached >/dev/null || {
            sb_error "rabbitmq-server -detached failed"
            return 1
        }
        # await_startup fails at once while the node is not yet reachable: retry it.
        deadline=$((SECONDS + timeout))
        until rabbitmqctl -q -n "$node" await_startup --timeout 10 >/dev/null 2>&1; do
            if ((SECONDS >= deadline)); then
                sb_error "RabbitMQ node $node did not start within ${timeout}s; last lines of its log:"
                tail -n 30 "/var/log/rabbitmq/$node.log" >&2 2>/dev/null || true
                return 1
            fi
            sleep 1
        done
        sb_log "RabbitMQ node $node started"
    fi

    # A node that was already running may lack the plugins: enable them online.
    if ! rabbitmq-plugins -q -n "$node" is_enabled "${plugins[@]}" >/dev/null 2>&1; then
        sb_log "enabling ${plugins[*]} on $node"
        rabbitmq-plugins -q -n "$node" enable "${plugins[@]}" >/dev/null || {
            sb_error "rabbitmq-plugins enable ${plugins[*]} failed"
            return 1
        }
    fi

    # The services' user. guest works only from loopback; the URLs use switchboard.
    if ! rabbitmqctl -q -n "$node" list_users 2>/dev/null | awk '{print $1}' | grep -qx switchboard; then
        sb_log "creating RabbitMQ user switchboard"
        rabbitmqctl -q -n "$node" add_user switchboard switchboard >/dev/null || return 1
        rabbitmqctl -q -n "$node" set_user_tags switchboard administrator >/dev/null || return 1
    fi
    rabbitmqctl -q -n "$node" set_permissions -p / switchboard '.*' '.*' '.*' >/dev/null || {
        sb_error "cannot grant switchboard its permissions on vhost /"
        return 1
    }
    # The services' quorum queues dead-letter at least once (the same policy as
    # deploy/rabbitmq/definitions.json; docs/decisions.md says why).
    rabbitmqctl -q -n "$node" set_policy --apply-to queues --priority 0 "$SB_DEAD_LETTER_POLICY" \
        "$SB_DEAD_LETTER_POLICY_PATTERN" "$SB_DEAD_LETTER_POLICY_DEFINITION" >/dev/null || {
        sb_error "cannot set the policy $SB_DEAD_LETTER_POLICY"
        return 1
    }
    SB_RABBITMQ_NODE_IN_USE="$node"
    export SB_RABBITMQ_NODE_IN_USE
}

# --- PostgreSQL -------------------------------------------------------------------------

# sb_start_postgres: make sure the Debian cluster (15/main) runs, then create the role
# switchboard (LOGIN CREATEDB, password switchboard) and the databases switchboard and
# switchboard_test owned by it, when missing. Checks the services' login at the end.
sb_start_postgres() {
    local version="${SB_PG_VERSION:-15}" cluster="${SB_PG_CLUSTER:-main}"
    local user="${SB_PG_USER:-switchboard}" password="${SB_PG_PASSWORD:-switchboard}"
    local databases="${SB_PG_DATABASES:-switchboard switchboard_test}"
    local line status port deadline

    line="$(pg_lsclusters --no-header 2>/dev/null | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c')"
    if [[ -z "$line" ]]; then
        if ((EUID != 0)); then
            sb_error "PostgreSQL cluster $version/$cluster does not exist; create it as root: pg_createcluster $version $cluster"
            return 1
        fi
        sb_log "creating PostgreSQL cluster $version/$cluster"
        pg_createcluster "$version" "$cluster" >/dev/null || return 1
        line="$(pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c')"
    fi
    port="$(awk '{print $3}' <<<"$line")"
    status="$(awk '{print $4}' <<<"$line")"
    if [[ "$status" == online* ]]; then
        sb_log "PostgreSQL $version/$cluster is already running on port $port"
    else
        sb_log "starting PostgreSQL $version/$cluster on port $port"
        pg_ctlcluster "$version" "$cluster" start || {
            sb_error "pg_ctlcluster $version $cluster start failed (log: /var/log/postgresql/postgresql-$version-$cluster.log)"
            return 1
        }
    fi
    deadline=$((SECONDS + 60))
    until pg_isready -q -h 127.0.0.1 -p "$port"; do
        if ((SECONDS >= deadline)); then
            sb_error "PostgreSQL did not accept connections on 127.0.0.1:$port within 60s"
            tail -n 20 "/var/log/postgresql/postgresql-$version-$cluster.log" >&2 2>/dev/null || true
            return 1
        fi
        sleep 1
    done

    # Nothing to do (and no need for root) when the role can already log in to every
    # database. Otherwise create what is missing; idempotent: \gexec runs each generated
    # statement, and nothing is generated for what exists. Values go in as psql
    # variables, quoted by format(%I, %L).
    if ! _sb_pg_logins_ok "$port" "$user" "$password" "$databases"; then
        (cd / && sb_as_user postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres \
            -v user="$user" -v password="$password" -v databases="$databases" -f -) <<'SQL' || {
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'user', :'password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', name, :'user')
  FROM unnest(string_to_array(:'databases', ' ')) AS name
 WHERE name <> '' AND NOT EXISTS (SELECT FROM pg_database WHERE datname = name) \gexec
SQL
            sb_error "cannot create the PostgreSQL role $user or its databases"
            return 1
        }
        # The services log in over TCP with a password: check exactly that.
        if ! _sb_pg_logins_ok "$port" "$user" "$password" "$databases"; then
            sb_error "cannot log in to PostgreSQL as $user on 127.0.0.1:$port (wrong password for an existing role, or pg_hba.conf?)"
            return 1
        fi
    fi
    SB_PG_PORT_IN_USE="$port"
    export SB_PG_PORT_IN_USE
    sb_log "PostgreSQL ready: postgres://$user:***@127.0.0.1:$port/{${databases// /,}}"
}

# _sb_pg_logins_ok PORT USER PASSWORD "DB...": USER logs in to every DB over TCP.
_sb_pg_logins_ok() {
    local port="$1" user="$2" password="$3" database
    for database in $4; do
        PGPASSWORD="$password" PGCONNECT_TIMEOUT=5 psql -X -q -w -h 127.0.0.1 -p "$port" -U "$user" \
            -d "$database" -c 'SELECT 1' >/dev/null 2>&1 || return 1
    done
}

# --- Services ---------------------------------------------------------------------------

# sb_env [RUN_DIR]: export the services' configuration for a local run. Values already
# set in the environment win.
sb_env() {
    local run_dir="${1:-${SB_RUN_DIR:-$SB_REPO_ROOT/run}}"
    # The ports are those sb_start_rabbitmq/sb_start_postgres used (5672 and 5432).
    export SWITCHBOARD_AMQP_URL="${SWITCHBOARD_AMQP_URL:-amqp://switchboard:switchboard@127.0.0.1:${SB_AMQP_PORT:-5672}/%2F}"
    export SWITCHBOARD_POSTGRES_URL="${SWITCHBOARD_POSTGRES_URL:-postgres://switchboard:switchboard@127.0.0.1:${SB_PG_PORT_IN_USE:-5432}/switchboard}"
    export SWITCHBOARD_JWT_SECRET="${SWITCHBOARD_JWT_SECRET:-$SB_DEV_JWT_SECRET}"
    export SWITCHBOARD_CREDENTIALS_KEY="${SWITCHBOARD_CREDENTIALS_KEY:-$SB_DEV_CREDENTIALS_KEY}"
    export SWITCHBOARD_LOG_LEVEL="${SWITCHBOARD_LOG_LEVEL:-info}"
    export SWITCHBOARD_DEFAULT_REGION="${SWITCHBOARD_DEFAULT_REGION:-US}"
    export SWITCHBOARD_MEDIA_STORE_PATH="${SWITCHBOARD_MEDIA_STORE_PATH:-$run_dir/media}"
    mkdir -p "$SWITCHBOARD_MEDIA_STORE_PATH"
}

# sb_start_services BIN_DIR RUN_DIR: start the six executables in the background, each on
# its port (SWITCHBOARD_HTTP_PORT), logs in RUN_DIR/logs/<name>.log (the previous run's
# in <name>.log.1), pids in RUN_DIR/pids/<name>.pid; then wait until all are ready
# (sb_wait_ready), or stop them all and return 1. Services left running from the same
# RUN_DIR are stopped first.
sb_start_services() {
    local bin_dir="${1:?usage: sb_start_services BIN_DIR RUN_DIR}" run_dir="${2:?usage: sb_start_services BIN_DIR RUN_DIR}"
    local name port log
    for name in "${SB_SERVICES[@]}"; do
        if [[ ! -x "$bin_dir/$name" ]]; then
            sb_error "no executable $bin_dir/$name (build first: swift build)"
            return 1
        fi
    done
    mkdir -p "$run_dir/logs" "$run_dir/pids"
    sb_stop_services "$run_dir" || return 1
    for name in "${SB_SERVICES[@]}"; do
        port="$(sb_service_port "$name")" || return 1
        if sb_port_open 127.0.0.1 "$port"; then
            sb_error "port $port (for $name) is already in use (see: ss -ltnp 'sport = :$port')"
            sb_stop_services "$run_dir"
            return 1
        fi
    done
    for name in "${SB_SERVICES[@]}"; do
        port="$(sb_service_port "$name")"
        log="$run_dir/logs/$name.log"
        [[ -f "$log" ]] && mv -f "$log" "$log.1"
        # setsid: its own session, so a Ctrl-C in the terminal reaches only scripts/run,
        # which then stops the services in order (SIGTERM, grace period, SIGKILL).
        SWITCHBOARD_HTTP_PORT="$port" setsid "$bin_dir/$name" >"$log" 2>&1 </dev/null &
        printf '%s\n' "$!" >"$run_dir/pids/$name.pid"
        sb_log "started $name (pid $!, port $port, log $log)"
    done
    # All or nothing: a failed start leaves no half-running system behind.
    if ! sb_wait_ready "$run_dir"; then
        sb_stop_services "$run_dir"
        return 1
    fi
}

# sb_wait_ready RUN_DIR [TIMEOUT]: wait until every service answers 200 on
# http://127.0.0.1:<port>/health/ready. On timeout, or when a service exits, print the end
# of its log and return 1.
sb_wait_ready() {
    local run_dir="${1:?usage: sb_wait_ready RUN_DIR [TIMEOUT]}" timeout="${2:-${SB_READY_TIMEOUT:-60}}"
    local deadline=$((SECONDS + timeout)) name port pending=("${SB_SERVICES[@]}") still
    while ((${#pending[@]} > 0)); do
        still=()
        for name in "${pending[@]}"; do
            port="$(sb_service_port "$name")"
            if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" 2>/dev/null; then
                sb_log "$name is ready on port $port"
            elif ! sb_pid_alive "$run_dir/pids/$name.pid" "$name"; then
                sb_error "$name exited during start-up; last lines of $run_dir/logs/$name.log:"
                tail -n 30 "$run_dir/logs/$name.log" >&2 || true
                return 1
            else
                still+=("$name")
            fi
        done
        pending=("${still[@]}")
        ((${#pending[@]} == 0)) && break
        if ((SECONDS >= deadline)); then
            for name in "${pending[@]}"; do
                sb_error "$name is not ready after ${timeout}s (http://127.0.0.1:$(sb_service_port "$name")/health/ready); last lines of $run_dir/logs/$name.log:"
                tail -n 30 "$run_dir/logs/$name.log" >&2 || true
            done
            return 1
        fi
        sleep 0.5
    done
}

# sb_stop_services RUN_DIR: SIGTERM every service of RUN_DIR, wait for them (a service
# drains within 10 s; SB_STOP_TIMEOUT, default 15 s), then SIGKILL what is left.
sb_stop_services() {
    local run_dir="${1:?usage: sb_stop_services RUN_DIR}" timeout="${SB_STOP_TIMEOUT:-15}"
    local name pidfile running=() deadline
    for name in "${SB_SERVICES[@]}"; do
        pidfile="$run_dir/pids/$name.pid"
        if sb_pid_alive "$pidfile" "$name"; then
            kill -TERM "$(<"$pidfile")" 2>/dev/null || true
            running+=("$name")
        else
            rm -f "$pidfile"
        fi
    done
    ((${#running[@]} > 0)) || return 0
    sb_log "stopping ${running[*]}"
    deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        local left=()
        for name in "${running[@]}"; do
            sb_pid_alive "$run_dir/pids/$name.pid" "$name" && left+=("$name")
        done
        running=("${left[@]}")
        ((${#running[@]} > 0)) || break
        sleep 0.2
    done
    for name in "${running[@]}"; do
        sb_warn "$name did not stop within ${timeout}s of SIGTERM: killing it"
        kill -KILL "$(<"$run_dir/pids/$name.pid")" 2>/dev/null || true
    done
    for name in "${SB_SERVICES[@]}"; do
        rm -f "$run_dir/pids/$name.pid"
    done
}

# sb_demo_channel BIN_DIR: make sure ingest has the channel `demo` that the README's
# walkthrough uses: carrier `simulator` (it sends nowhere and plays the customer), sending
# on (docs/architecture.md 10.1). Talks to ingest on 127.0.0.1 (sb_service_port) with an
# admin token from BIN_DIR/switchboardctl and SWITCHBOARD_JWT_SECRET (sb_env). A missing
# channel is created (PUT /v1/channels/demo); an existing one is left as it is (an admin
# may have changed its options), with a warning when it is not a simulator channel that
# sends. Logs the channel. Returns 1 with a warning when it cannot tell (the services keep
# running; only the walkthrough needs the channel).
sb_demo_channel() {
    local bin_dir="${1:?usage: sb_demo_channel BIN_DIR}"
    local url token answer status body
    url="http://127.0.0.1:$(sb_service_port ingest)/v1/channels/demo"
    if [[ ! -x "$bin_dir/switchboardctl" ]]; then
        sb_warn "no $bin_dir/switchboardctl to mint a token with: channel demo not checked (the README's walkthrough needs it)"
        return 1
    fi
    token="$("$bin_dir/switchboardctl" token --agent scripts-run --name "scripts/run" --role admin --ttl 300)" || {
        sb_warn "switchboardctl could not mint a token: channel demo not checked"
        return 1
    }
    # The body, then the status on a line of its own.
    answer="$(curl -sS --max-time 10 -H "Authorization: Bearer $token" -w '\n%{http_code}' "$url")" || {
        sb_warn "ingest did not answer GET $url: channel demo not checked"
        return 1
    }
    status="${answer##*$'\n'}"
    body="${answer%$'\n'*}"
    case "$status" in
        200)
            if python3 -c 'import json, sys
channel = json.load(sys.stdin)
sys.exit(0 if channel.get("carrier") == "simulator" and (channel.get("outbound") or {}).get("enabled") is True else 1)' \
                <<<"$body" 2>/dev/null; then
                sb_log "channel demo exists (carrier simulator, sending); left as it is: $body"
            else
                sb_warn "channel demo exists but is not a simulator channel that sends; left as it is: $body"
                sb_warn "the README's walkthrough needs: PUT /v1/channels/demo {\"carrier\":\"simulator\",\"outbound\":{\"enabled\":true}}"
            fi
            ;;
        404)
            answer="$(curl -sS --max-time 10 -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
                -d '{"carrier":"simulator","outbound":{"enabled":true}}' -w '\n%{http_code}' "$url")" || {
                sb_warn "ingest did not answer PUT $url: channel demo not created"
                return 1
            }
            status="${answer##*$'\n'}"
            body="${answer%$'\n'*}"
            # 200: another start created it a moment ago.
            if [[ "$status" != 201 && "$status" != 200 ]]; then
                sb_warn "PUT $url answered $status: channel demo not created: $body"
                return 1
            fi
            sb_log "created channel demo (carrier simulator, sending): $body"
            ;;
        *)
            sb_warn "GET $url answered $status: channel demo not checked: $body"
            return 1
            ;;
    esac
}

# --- Gateway ----------------------------------------------------------------------------

# sb_render_gateway RUN_DIR: render deploy/nginx/templates/default.conf.template for the
# local services into RUN_DIR/nginx/default.conf, and write RUN_DIR/nginx/nginx.conf
# around it (daemon with pid, logs and temp files in RUN_DIR).
sb_render_gateway() {
    local run_dir="${1:?usage: sb_render_gateway RUN_DIR}"
    local template="$SB_REPO_ROOT/deploy/nginx/templates/default.conf.template"
    local listen="${SB_GATEWAY_LISTEN:-127.0.0.1:8080}"
    local nginx_dir log_dir worker=""
    mkdir -p "$run_dir/nginx" "$run_dir/logs" || return 1
    nginx_dir="$(cd "$run_dir/nginx" && pwd)"
    log_dir="$(cd "$run_dir/logs" && pwd)"

    # envsubst with an explicit list: only the six upstreams are replaced, nginx's own
    # $variables stay. The template listens on 8080 on every interface (what a container
    # needs); a local gateway listens on SB_GATEWAY_LISTEN, loopback by default.
    INGEST_UPSTREAM="127.0.0.1:$(sb_service_port ingest)" \
        SESSION_UPSTREAM="127.0.0.1:$(sb_service_port session)" \
        TRANSFER_UPSTREAM="127.0.0.1:$(sb_service_port transfer)" \
        CONTACTS_UPSTREAM="127.0.0.1:$(sb_service_port contacts)" \
        CALLBACK_UPSTREAM="127.0.0.1:$(sb_service_port callback)" \
        MEDIA_UPSTREAM="127.0.0.1:$(sb_service_port media)" \
        envsubst "$SB_UPSTREAM_VARIABLES" <"$template" |
        sed -e "s/^\([[:space:]]*listen\) 8080;/\1 $listen;/" \
            -e "s|^\([[:space:]]*access_log\) /dev/stdout |\1 $log_dir/gateway-access.log |" >"$nginx_dir/default.conf" || {
        sb_error "cannot render $template"
        return 1
    }

    # Run as root, nginx's workers switch to an unprivileged user; they write request
    # bodies over 16 KiB to client_body_temp_path, so that user must reach RUN_DIR/nginx.
    if ((EUID == 0)); then
        if runuser -u nobody -- test -x "$nginx_dir" 2>/dev/null; then
            worker="user nobody $(id -gn nobody);"
        else
            sb_warn "user nobody cannot reach $nginx_dir: nginx workers will run as root"
            worker="user root;"
        fi
    fi

    cat >"$nginx_dir/nginx.conf" <<EOF
# Generated by scripts/lib/infra.sh (sb_render_gateway); edit the template instead:
# deploy/nginx/templates/default.conf.template
$worker
worker_processes 1;
pid $nginx_dir/nginx.pid;
error_log $log_dir/gateway-error.log warn;

events {
    worker_connections 512;
}

http {
    access_log $log_dir/gateway-access.log;
    client_body_temp_path $nginx_dir/client_body;
    proxy_temp_path $nginx_dir/proxy;
    fastcgi_temp_path $nginx_dir/fastcgi;
    uwsgi_temp_path $nginx_dir/uwsgi;
    scgi_temp_path $nginx_dir/scgi;
    include $nginx_dir/default.conf;
}
EOF
}

_sb_nginx() {
    local nginx_dir="$1"
    shift
    # -e: the error log before the configuration is read (the default one may not be
    # writable); -p: a prefix of our own for anything relative.
    nginx -p "$nginx_dir" -e "$(dirname "$nginx_dir")/logs/gateway-error.log" -c "$nginx_dir/nginx.conf" "$@"
}

_sb_gateway_pid() {
    local pidfile="$1/nginx/nginx.pid" pid
    [[ -s "$pidfile" ]] || return 1
    pid="$(<"$pidfile")"
    [[ "$(ps -o comm= -p "$pid" 2>/dev/null)" == nginx ]] || return 1
    printf '%s\n' "$pid"
}

# sb_start_gateway RUN_DIR: render the configuration, check it with `nginx -t`, and start
# nginx as a daemon (or reload the one already running from RUN_DIR). Waits for /health.
sb_start_gateway() {
    local run_dir="${1:?usage: sb_start_gateway RUN_DIR}" listen="${SB_GATEWAY_LISTEN:-127.0.0.1:8080}"
    local nginx_dir pid deadline host port
    sb_render_gateway "$run_dir" || return 1
    nginx_dir="$(cd "$run_dir/nginx" && pwd)"
    if ! _sb_nginx "$nginx_dir" -t -q; then
        sb_error "nginx rejected $nginx_dir/nginx.conf"
        return 1
    fi
    host="${listen%:*}"
    port="${listen##*:}"
    [[ "$host" == "$listen" || "$host" == "*" || "$host" == 0.0.0.0 ]] && host=127.0.0.1
    if pid="$(_sb_gateway_pid "$run_dir")"; then
        sb_log "reloading the gateway (pid $pid)"
        kill -HUP "$pid"
    else
        if sb_port_open "$host" "$port"; then
            sb_error "port $port (gateway) is already in use (see: ss -ltnp 'sport = :$port')"
            return 1
        fi
        _sb_nginx "$nginx_dir" || {
            sb_error "nginx did not start; last lines of $run_dir/logs/gateway-error.log:"
            tail -n 20 "$run_dir/logs/gateway-error.log" >&2 || true
            return 1
        }
    fi
    deadline=$((SECONDS + 10))
    until curl -fsS -o /dev/null --max-time 2 "http://$host:$port/health" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            sb_error "the gateway does not answer on http://$host:$port/health"
            tail -n 20 "$run_dir/logs/gateway-error.log" >&2 || true
            return 1
        fi
        sleep 0.2
    done
    sb_log "gateway listening on http://$listen (pid $(_sb_gateway_pid "$run_dir" || echo '?'))"
}

# sb_stop_gateway RUN_DIR: graceful stop (SIGQUIT lets requests in flight finish), then
# SIGTERM and SIGKILL if it lingers.
sb_stop_gateway() {
    local run_dir="${1:?usage: sb_stop_gateway RUN_DIR}" pid deadline
    pid="$(_sb_gateway_pid "$run_dir")" || return 0
    sb_log "stopping the gateway (pid $pid)"
    kill -QUIT "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            sb_warn "the gateway did not stop within 10s: killing it"
            # nginx's master leads its own process group (it daemonized with setsid):
            # take its workers along.
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$run_dir/nginx/nginx.pid"
}
