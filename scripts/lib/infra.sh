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
#   SB_REPLICAS             instances of each service started here (1); with more, replica
#                           r (1..N) is <name>-r on port SB_<NAME>_PORT + 100*r, and the
#                           gateway balances over them (scripts/cluster)
#   SB_AMQP_NODE_URLS       space-separated amqp:// URLs of a cluster's nodes; when set,
#                           replica r gets them all as SWITCHBOARD_AMQP_URL, comma-separated,
#                           starting with node r (so connections spread over the nodes)
#   SB_AMQP_FIRST_URL_ONLY  1: give each replica only the first URL of that rotation
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

# sb_service_port NAME [REPLICA]: the HTTP port of a service (SB_<NAME>_PORT, or the
# default of docs/architecture.md section 3), plus 100*REPLICA for replica REPLICA (>= 1) of
# several (SB_REPLICAS): ingest's three replicas listen on 8181, 8281 and 8381, clear of a
# single instance's 8081 (scripts/run, the end-to-end tests) on the same machine.
sb_service_port() {
    local name="$1" replica="${2:-0}" default override
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
    printf '%s\n' "$((${!override:-$default} + 100 * replica))"
}

# sb_instances: the service instances this machine runs, one per line: the six service
# names (SB_REPLICAS unset or 1), else <name>-1 .. <name>-N for each. An instance's
# executable is its name up to the dash, its replica number what follows (0 for none).
sb_instances() {
    local replicas="${SB_REPLICAS:-1}" name replica
    for name in "${SB_SERVICES[@]}"; do
        if ((replicas <= 1)); then
            printf '%s\n' "$name"
        else
            for ((replica = 1; replica <= replicas; replica++)); do
                printf '%s\n' "$name-$replica"
            done
        fi
    done
}

# sb_instance_port INSTANCE: the HTTP port of an instance of sb_instances.
sb_instance_port() {
    local instance="$1"
    if [[ "$instance" == *-* ]]; then
        sb_service_port "${instance%%-*}" "${instance##*-}"
    else
        sb_service_port "$instance"
    fi
}

# sb_instance_amqp_url INSTANCE: the SWITCHBOARD_AMQP_URL of an instance: SB_AMQP_NODE_URLS
# rotated to start at node r for replica r (only that first one with
# SB_AMQP_FIRST_URL_ONLY=1), joined with commas; otherwise SWITCHBOARD_AMQP_URL as it is.
sb_instance_amqp_url() {
    local instance="$1" replica=1 urls=() rotated=() i
    read -r -a urls <<<"${SB_AMQP_NODE_URLS:-}"
    if ((${#urls[@]} == 0)); then
        printf '%s\n' "${SWITCHBOARD_AMQP_URL:-}"
        return 0
    fi
    [[ "$instance" == *-* ]] && replica="${instance##*-}"
    for ((i = 0; i < ${#urls[@]}; i++)); do
        rotated+=("${urls[(replica + ${#urls[@]} - 1 + i) % ${#urls[@]}]}")
    done
    if [[ "${SB_AMQP_FIRST_URL_ONLY:-0}" == 1 ]]; then
        printf '%s\n' "${rotated[0]}"
    else
        (
            IFS=,
            printf '%s\n' "${rotated[*]}"
        )
    fi
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

# sb_without_inherited_fds CMD...: run CMD with every descriptor above 2 closed. For
# daemons started from here (rabbitmq-server -detached keeps what it inherits): otherwise
# the broker holds whatever the caller had open for as long as it runs, such as a lock
# taken with `flock LOCK scripts/test` (the next `flock LOCK` waits for the broker to stop)
# or a CI runner's pipe (the runner waits for its end).
sb_without_inherited_fds() {
    (
        local fd
        for fd in "/proc/$BASHPID/fd/"*; do
            fd="${fd##*/}"
            if ((fd > 2)); then
                { eval "exec $fd>&-"; } 2>/dev/null || true
            fi
        done
        exec "$@"
    )
}

# --- Packages ---------------------------------------------------------------------------

# sb_install_deps: install the Debian packages Switchboard needs to build and run here,
# plus pika for the Python tools, schemathesis for the end-to-end fuzzing test and selenium
# for the desk's browser tests (pip).
# A no-op when everything is there. Needs root only when a Debian package is missing.
sb_install_deps() {
    # chromium and chromium-driver: the desk's browser tests (Tests/EndToEnd/test_e2e_desk.py).
    # python3-matplotlib: scripts/bench --plot (the latency-against-rate plot of a sweep).
    # gcc, libpq-dev and pkg-config: scripts/bench --floor-pipeline builds its C stage
    # (scripts/bench_floor_pipeline.c) against rabbitmq-c and libpq.
    # gdb: the threads of a service that does not stop after SIGTERM are dumped into the
    # run's log directory (scripts/lib/switchboard_tools.py, dump_threads).
    local packages=(rabbitmq-server librabbitmq-dev amqp-tools libvips-dev libvips-tools libhunspell-dev hunspell-en-us hunspell-fr-classical postgresql nginx-light curl gettext-base python3-pika python3-matplotlib chromium chromium-driver gdb gcc libpq-dev pkg-config)
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
    # The desk's browser tests drive Debian's chromium through its chromedriver.
    _sb_pip_ensure 'import selenium, sys; sys.exit(int(selenium.__version__.split(".")[0]) < 4)' 'selenium>=4.11,<5' "$log" || return 1
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

# sb_rabbitmq_await NODE [TIMEOUT] [LOG]: wait until NODE has booted (SB_RABBITMQ_TIMEOUT,
# default 120 s); on timeout print the end of LOG (its log) and return 1.
sb_rabbitmq_await() {
    local node="$1" timeout="${2:-${SB_RABBITMQ_TIMEOUT:-120}}" log="${3:-/var/log/rabbitmq/$1.log}" deadline
    # await_startup fails at once while the node is not yet reachable: retry it.
    deadline=$((SECONDS + timeout))
    until rabbitmqctl -q -n "$node" await_startup --timeout 10 >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            sb_error "RabbitMQ node $node did not start within ${timeout}s; last lines of its log:"
            tail -n 30 "$log" >&2 2>/dev/null || true
            return 1
        fi
        sleep 1
    done
}

# sb_rabbitmq_setup NODE: the `switchboard` user (password `switchboard`, full rights on
# vhost /) and the dead-letter policy, on NODE (and so on its whole cluster).
sb_rabbitmq_setup() {
    local node="$1"
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
    local default_node

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
            sb_without_inherited_fds rabbitmq-server -detached >/dev/null || {
            sb_error "rabbitmq-server -detached failed"
            return 1
        }
        sb_rabbitmq_await "$node" "$timeout" || return 1
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

    sb_rabbitmq_setup "$node" || return 1
    SB_RABBITMQ_NODE_IN_USE="$node"
    export SB_RABBITMQ_NODE_IN_USE
}

# sb_start_rabbitmq_node NODE AMQP_PORT DIR: start (detached; sb_rabbitmq_await waits for
# it) a RabbitMQ node of its own beside any other on this machine, e.g. one of
# scripts/cluster's three: named NODE (sb1@localhost), AMQP on 127.0.0.1:AMQP_PORT, Erlang
# distribution on AMQP_PORT + 20000, everything else in DIR, which it empties first: data
# (DIR/mnesia), log (DIR/log/NODE.log), pid file (DIR/pid), its own configuration
# (DIR/rabbitmq.conf) and plugins (DIR/enabled_plugins: the consistent-hash exchange and
# the shovel; no management or Prometheus plugin, whose fixed ports another node holds).
# Needs root or the rabbitmq user. The Erlang cookie is the one every node and rabbitmqctl
# of this machine share: Debian's rabbitmq-server and rabbitmqctl wrappers run as user
# rabbitmq (from root through su, which sets HOME), so it is /var/lib/rabbitmq/.erlang.cookie
# whoever calls, never root's ~/.erlang.cookie.
sb_start_rabbitmq_node() {
    local node="${1:?usage: sb_start_rabbitmq_node NODE AMQP_PORT DIR}" port="${2:?usage: sb_start_rabbitmq_node NODE AMQP_PORT DIR}"
    local dir="${3:?usage: sb_start_rabbitmq_node NODE AMQP_PORT DIR}" dist_port=$(($2 + 20000)) p
    if ((EUID != 0)) && [[ "$(id -un)" != rabbitmq ]]; then
        sb_error "starting RabbitMQ needs root (or the rabbitmq user)"
        return 1
    fi
    if _sb_rabbitmq_answers "$node"; then
        sb_error "RabbitMQ node $node is already running"
        return 1
    fi
    for p in "$port" "$dist_port"; do
        if sb_port_open 127.0.0.1 "$p"; then
            sb_error "port $p (for RabbitMQ node $node) is already in use (see: ss -ltnp 'sport = :$p')"
            return 1
        fi
    done
    rm -rf "$dir" && mkdir -p "$dir/mnesia" "$dir/log" || return 1
    dir="$(cd "$dir" && pwd)"
    # AMQP on loopback only; leaders of new quorum queues spread over the cluster's nodes
    # instead of all landing on the node their declaring client is connected to.
    cat >"$dir/rabbitmq.conf" <<EOF || return 1
# Generated by scripts/lib/infra.sh (sb_start_rabbitmq_node) for $node.
listeners.tcp.default = 127.0.0.1:$port
loopback_users.guest = true
queue_leader_locator = balanced
EOF
    printf '%s\n' '[rabbitmq_consistent_hash_exchange,rabbitmq_shovel].' >"$dir/enabled_plugins" || return 1
    # The node runs as user rabbitmq: it must own what it writes.
    if ((EUID == 0)); then
        chown -R rabbitmq:rabbitmq "$dir" || return 1
    fi
    sb_log "starting RabbitMQ node $node on 127.0.0.1:$port (distribution $dist_port, files in $dir)"
    # Debian's wrapper keeps these variables when it switches to the rabbitmq user.
    RABBITMQ_NODENAME="$node" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$port" \
        RABBITMQ_DIST_PORT="$dist_port" \
        RABBITMQ_MNESIA_BASE="$dir/mnesia" \
        RABBITMQ_LOG_BASE="$dir/log" \
        RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
        RABBITMQ_PID_FILE="$dir/pid" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        ERL_EPMD_ADDRESS=127.0.0.1 \
        sb_without_inherited_fds rabbitmq-server -detached >/dev/null || {
        sb_error "rabbitmq-server -detached failed for $node"
        return 1
    }
}

# sb_rabbitmq_join NODE SEED: make NODE (freshly started) a member of SEED's cluster
# (stop_app, reset, join_cluster, start_app); nothing to do when it already is one.
sb_rabbitmq_join() {
    local node="$1" seed="$2" output
    if rabbitmqctl -q -n "$node" cluster_status --formatter json 2>/dev/null |
        python3 -c 'import json, sys; sys.exit(0 if sys.argv[1] in json.load(sys.stdin).get("disk_nodes", []) else 1)' "$seed"; then
        return 0
    fi
    sb_log "joining $node to the cluster of $seed"
    # RabbitMQ 3.10 prints harmless warnings and errors (feature flags, tracking tables of
    # the stopped app) while a node joins: show them only when the join fails.
    if ! output="$({ rabbitmqctl -q -n "$node" stop_app &&
        rabbitmqctl -q -n "$node" reset &&
        rabbitmqctl -q -n "$node" join_cluster "$seed" &&
        rabbitmqctl -q -n "$node" start_app; } 2>&1)"; then
        sb_error "$node could not join the cluster of $seed:"
        printf '%s\n' "$output" >&2
        return 1
    fi
}

# sb_stop_rabbitmq_node NODE DIR: stop a node of sb_start_rabbitmq_node and wait until its
# process (DIR/pid) is gone; a node that does not answer is killed by that pid. Its files
# stay (DIR/log).
sb_stop_rabbitmq_node() {
    local node="$1" dir="$2" pid=""
    [[ -s "$dir/pid" ]] && pid="$(<"$dir/pid")"
    if _sb_rabbitmq_answers "$node"; then
        sb_log "stopping RabbitMQ node $node"
        # With the pid file, `stop` returns once the Erlang VM has exited.
        rabbitmqctl -q -n "$node" stop "$dir/pid" >/dev/null 2>&1 || true
    fi
    if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(ps -o comm= -p "$pid" 2>/dev/null)" == beam* ]]; then
        sb_warn "RabbitMQ node $node (pid $pid) is still running: killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pid"
}

# --- PostgreSQL -------------------------------------------------------------------------

# sb_start_postgres: make sure the Debian cluster (15/main) runs, then create the role
# switchboard (LOGIN CREATEDB, password switchboard) and the databases switchboard and
# switchboard_test owned by it, when missing. Checks the services' login at the end.
sb_start_postgres() {
    local version="${SB_PG_VERSION:-15}" cluster="${SB_PG_CLUSTER:-main}"
    local user="${SB_PG_USER:-switchboard}" password="${SB_PG_PASSWORD:-switchboard}"
    local databases="${SB_PG_DATABASES:-switchboard switchboard_test}"
    local line status port

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
    _sb_pg_wait_ready "$version" "$cluster" "$port" || return 1

    _sb_pg_ensure_max_connections "$version" "$cluster" "$port" || return 1

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

# _sb_pg_ensure_max_connections VERSION CLUSTER PORT: raise max_connections to
# SB_PG_MAX_CONNECTIONS (default 200) when it is lower, and restart the cluster for it.
# scripts/cluster runs eighteen replicas, each with a pool (4 there) and one readiness
# connection: 90 of Debian's default 100, before psql, the drill and the tests. Needs root
# (or the postgres user) only when a change is due; without them it is a warning.
_sb_pg_ensure_max_connections() {
    local version="$1" cluster="$2" port="$3" wanted="${SB_PG_MAX_CONNECTIONS:-200}" current
    current="$(cd / && sb_as_user postgres psql -X -Atq -p "$port" -d postgres -c 'SHOW max_connections' 2>/dev/null)" || current=""
    if [[ ! "$current" =~ ^[0-9]+$ ]]; then
        sb_warn "cannot read PostgreSQL's max_connections (need root or the postgres user); scripts/cluster needs at least $wanted"
        return 0
    fi
    ((current >= wanted)) && return 0
    sb_log "raising PostgreSQL max_connections from $current to $wanted (a restart of $version/$cluster)"
    (cd / && sb_as_user postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres \
        -c "ALTER SYSTEM SET max_connections = $wanted") || {
        sb_error "cannot set PostgreSQL's max_connections"
        return 1
    }
    pg_ctlcluster "$version" "$cluster" restart || {
        sb_error "pg_ctlcluster $version $cluster restart failed (log: /var/log/postgresql/postgresql-$version-$cluster.log)"
        return 1
    }
    _sb_pg_wait_ready "$version" "$cluster" "$port"
}

# _sb_pg_wait_ready VERSION CLUSTER PORT: wait up to 60 s until PostgreSQL accepts
# connections on 127.0.0.1:PORT; else the end of its log and status 1.
_sb_pg_wait_ready() {
    local version="$1" cluster="$2" port="$3" deadline=$((SECONDS + 60))
    until pg_isready -q -h 127.0.0.1 -p "$port"; do
        if ((SECONDS >= deadline)); then
            sb_error "PostgreSQL did not accept connections on 127.0.0.1:$port within 60s"
            tail -n 20 "/var/log/postgresql/postgresql-$version-$cluster.log" >&2 2>/dev/null || true
            return 1
        fi
        sleep 1
    done
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

# sb_start_services BIN_DIR RUN_DIR: start the six executables in the background (each
# instance of sb_instances: SB_REPLICAS of each), each on its port (SWITCHBOARD_HTTP_PORT)
# with its SWITCHBOARD_AMQP_URL (sb_instance_amqp_url), logs in RUN_DIR/logs/<instance>.log
# (the previous run's in <instance>.log.1), pids in RUN_DIR/pids/<instance>.pid; then wait
# until all are ready (sb_wait_ready), or stop them all and return 1. Services left running
# from the same RUN_DIR are stopped first.
sb_start_services() {
    local bin_dir="${1:?usage: sb_start_services BIN_DIR RUN_DIR}" run_dir="${2:?usage: sb_start_services BIN_DIR RUN_DIR}"
    local name port log instance instances
    mapfile -t instances < <(sb_instances)
    for name in "${SB_SERVICES[@]}"; do
        if [[ ! -x "$bin_dir/$name" ]]; then
            sb_error "no executable $bin_dir/$name (build first: swift build)"
            return 1
        fi
    done
    mkdir -p "$run_dir/logs" "$run_dir/pids"
    sb_stop_services "$run_dir" || return 1
    for instance in "${instances[@]}"; do
        port="$(sb_instance_port "$instance")" || return 1
        if sb_port_open 127.0.0.1 "$port"; then
            sb_error "port $port (for $instance) is already in use (see: ss -ltnp 'sport = :$port')"
            sb_stop_services "$run_dir"
            return 1
        fi
    done
    for instance in "${instances[@]}"; do
        name="${instance%%-*}"
        port="$(sb_instance_port "$instance")"
        log="$run_dir/logs/$instance.log"
        [[ -f "$log" ]] && mv -f "$log" "$log.1"
        # setsid: its own session, so a Ctrl-C in the terminal reaches only scripts/run,
        # which then stops the services in order (SIGTERM, grace period, SIGKILL).
        SWITCHBOARD_HTTP_PORT="$port" SWITCHBOARD_AMQP_URL="$(sb_instance_amqp_url "$instance")" \
            setsid "$bin_dir/$name" >"$log" 2>&1 </dev/null &
        printf '%s\n' "$!" >"$run_dir/pids/$instance.pid"
        sb_log "started $instance (pid $!, port $port, log $log)"
    done
    # All or nothing: a failed start leaves no half-running system behind.
    if ! sb_wait_ready "$run_dir"; then
        sb_stop_services "$run_dir"
        return 1
    fi
}

# sb_wait_ready RUN_DIR [TIMEOUT]: wait until every service instance (sb_instances)
# answers 200 on http://127.0.0.1:<port>/health/ready. On timeout, or when one exits, print
# the end of its log and return 1.
sb_wait_ready() {
    local run_dir="${1:?usage: sb_wait_ready RUN_DIR [TIMEOUT]}" timeout="${2:-${SB_READY_TIMEOUT:-60}}"
    local deadline=$((SECONDS + timeout)) name port pending still
    mapfile -t pending < <(sb_instances)
    while ((${#pending[@]} > 0)); do
        still=()
        for name in "${pending[@]}"; do
            port="$(sb_instance_port "$name")"
            if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" 2>/dev/null; then
                sb_log "$name is ready on port $port"
            elif ! sb_pid_alive "$run_dir/pids/$name.pid" "${name%%-*}"; then
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
                sb_error "$name is not ready after ${timeout}s (http://127.0.0.1:$(sb_instance_port "$name")/health/ready); last lines of $run_dir/logs/$name.log:"
                tail -n 30 "$run_dir/logs/$name.log" >&2 || true
            done
            return 1
        fi
        sleep 0.5
    done
}

# sb_stop_services RUN_DIR: SIGTERM every service instance of RUN_DIR (sb_instances), wait
# for them (a service drains within 10 s; SB_STOP_TIMEOUT, default 15 s), then SIGKILL what
# is left.
sb_stop_services() {
    local run_dir="${1:?usage: sb_stop_services RUN_DIR}" timeout="${SB_STOP_TIMEOUT:-15}"
    local name pidfile running=() deadline instances
    mapfile -t instances < <(sb_instances)
    for name in "${instances[@]}"; do
        pidfile="$run_dir/pids/$name.pid"
        if sb_pid_alive "$pidfile" "${name%%-*}"; then
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
            sb_pid_alive "$run_dir/pids/$name.pid" "${name%%-*}" && left+=("$name")
        done
        running=("${left[@]}")
        ((${#running[@]} > 0)) || break
        sleep 0.2
    done
    for name in "${running[@]}"; do
        sb_warn "$name did not stop within ${timeout}s of SIGTERM: killing it"
        kill -KILL "$(<"$run_dir/pids/$name.pid")" 2>/dev/null || true
    done
    for name in "${instances[@]}"; do
        rm -f "$run_dir/pids/$name.pid"
    done
}

# sb_demo_channel BIN_DIR: make sure ingest has the channel `demo` that the README's
# walkthrough uses: carrier `simulator` (it sends nowhere and plays the customer), sending
# on (docs/architecture.md 10.1). Talks to ingest on 127.0.0.1 (its first instance) with an
# admin token from BIN_DIR/switchboardctl and SWITCHBOARD_JWT_SECRET (sb_env). A missing
# channel is created (PUT /v1/channels/demo); an existing one is left as it is (an admin
# may have changed its options), with a warning when it is not a simulator channel that
# sends. Logs the channel. Returns 1 with a warning when it cannot tell (the services keep
# running; only the walkthrough needs the channel).
sb_demo_channel() {
    local bin_dir="${1:?usage: sb_demo_channel BIN_DIR}"
    local url token answer status body
    local ingest=ingest
    ((${SB_REPLICAS:-1} > 1)) && ingest="ingest-1"
    url="http://127.0.0.1:$(sb_instance_port "$ingest")/v1/channels/demo"
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

# _sb_gateway_upstream NAME: the value of the template's <NAME>_UPSTREAM: 127.0.0.1:<port>
# of the service's one instance, or of each of its replicas joined by "; server ", which the
# template's `server ${...};` turns into one server line per replica (round robin; nginx
# passes a request that found a replica down to the next one).
_sb_gateway_upstream() {
    local name="$1" instance servers=()
    while read -r instance; do
        [[ "${instance%%-*}" == "$name" ]] && servers+=("127.0.0.1:$(sb_instance_port "$instance")")
    done < <(sb_instances)
    local joined="${servers[0]}" server
    for server in "${servers[@]:1}"; do
        joined+="; server $server"
    done
    printf '%s\n' "$joined"
}

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
    # needs); a local gateway listens on SB_GATEWAY_LISTEN, loopback by default, and
    # serves the desk from the repository (Docker mounts it at /usr/share/nginx/desk).
    INGEST_UPSTREAM="$(_sb_gateway_upstream ingest)" \
        SESSION_UPSTREAM="$(_sb_gateway_upstream session)" \
        TRANSFER_UPSTREAM="$(_sb_gateway_upstream transfer)" \
        CONTACTS_UPSTREAM="$(_sb_gateway_upstream contacts)" \
        CALLBACK_UPSTREAM="$(_sb_gateway_upstream callback)" \
        MEDIA_UPSTREAM="$(_sb_gateway_upstream media)" \
        envsubst "$SB_UPSTREAM_VARIABLES" <"$template" |
        sed -e "s/^\([[:space:]]*listen\) 8080;/\1 $listen;/" \
            -e "s|^\([[:space:]]*access_log\) /dev/stdout |\1 $log_dir/gateway-access.log |" \
            -e "s|^\([[:space:]]*alias\) /usr/share/nginx/desk/;|\1 $SB_REPO_ROOT/desk/;|" >"$nginx_dir/default.conf" || {
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
