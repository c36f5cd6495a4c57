# shellcheck shell=bash
# The lab's Patroni engine: PostgreSQL 15 run by Patroni, with etcd as its
# store and HAProxy as each node's router to the leader (docs/lab.md, "The
# Patroni engine"). Implements the engine interface of bin/lib/lab-engine.sh;
# its files and commands are in lab-patroni-conf.sh, what its servers say in
# lab-patroni-state.sh. Needs common.sh, lab-config.sh, lab-proc.sh.

# A replica's base backup, or a former leader's pg_rewind, takes seconds;
# on a busy 2-core machine much longer. Generous, but never endless.
PATRONI_WAIT=300

lab_patroni_prepare() {
    lab_need "$PATRONI_PG_BIN/postgres" postgresql-15
    lab_need "$PATRONI_PG_BIN/psql" postgresql-client-15
    lab_need patroni patroni
    lab_need etcd etcd-server
    lab_need haproxy haproxy
    lab_need curl curl
    lab_need setpriv util-linux
    local user
    for user in postgres etcd; do
        id "$user" >/dev/null 2>&1 || die "no user '$user' (its package makes it)"
    done
}

# lab_patroni_settings: Patroni's DCS API and its timing, at Patroni's own
# defaults, and its synchronous mode (docs/lab.md).
lab_patroni_settings() {
    printf 'dcs\tetcd3\tthe API Patroni uses for etcd: etcd3, or etcd (v2; etcd then runs with --enable-v2=true)\n'
    printf 'synchronous_mode\toff\tPatroni'"'"'s synchronous_mode: on, a commit waits for a synchronous replica\n'
    printf 'ttl\t30\tthe leader lock'"'"'s time to live, s (Patroni'"'"'s ttl)\n'
    printf 'loop_wait\t10\tthe seconds between two runs of Patroni'"'"'s loop (loop_wait)\n'
    printf 'retry_timeout\t10\tthe seconds Patroni retries the DCS and PostgreSQL before it gives up (retry_timeout)\n'
}

# lab_patroni_check_settings: what Patroni would refuse or run against its
# own rules. Patroni 3.0.2's validator takes ttl, loop_wait and
# retry_timeout as integers; its documentation sets the minimums (20, 1,
# 3) and the rule loop_wait + 2 × retry_timeout ≤ ttl (a leader slower
# than that loses its lock between two renewals), which later Patroni
# versions enforce by raising the values; the lab refuses them instead of
# measuring a cluster that runs other numbers than asked.
lab_patroni_check_settings() {
    local key value ttl loop retry
    for key in "${!WANT_SETTINGS[@]}"; do
        value="${WANT_SETTINGS[$key]}"
        case "$key" in
            dcs) [[ "$value" == etcd3 || "$value" == etcd ]] || die "--set dcs=$value: etcd3 or etcd" ;;
            synchronous_mode) [[ "$value" == on || "$value" == off ]] || die "--set synchronous_mode=$value: on or off" ;;
            *) [[ "$value" =~ ^[0-9]{1,4}$ ]] || die "--set $key=$value: a whole number of seconds (Patroni takes an integer)" ;;
        esac
    done
    ttl="$(lab_planned_setting patroni ttl)"
    loop="$(lab_planned_setting patroni loop_wait)"
    retry="$(lab_planned_setting patroni retry_timeout)"
    ((10#$ttl >= 20)) || die "--set ttl=$ttl: Patroni's minimum is 20"
    ((10#$loop >= 1)) || die "--set loop_wait=$loop: Patroni's minimum is 1"
    ((10#$retry >= 3)) || die "--set retry_timeout=$retry: Patroni's minimum is 3"
    ((10#$loop + 2 * 10#$retry <= 10#$ttl)) \
        || die "ttl $ttl, loop_wait $loop, retry_timeout $retry: Patroni's rule is loop_wait + 2 × retry_timeout ≤ ttl ($((10#$loop + 2 * 10#$retry)) > $ttl)"
}

lab_patroni_components() { printf 'etcd\npatroni\nhaproxy\n'; }

# pause freezes Patroni's unit: Patroni and the PostgreSQL it runs. etcd
# and the router go on, as on a host where only the database hangs.
lab_patroni_pausable() { printf 'patroni\n'; }

# perseus's PostgreSQL client (libpq's variable); never the servers'.
lab_patroni_password_var() { printf 'PGPASSWORD\n'; }

# lab_patroni_entry NODE: clients go through the node's router.
lab_patroni_entry() {
    jq -nc --argjson r "$PATRONI_ROUTER_PORT" --argjson pg "$PATRONI_PG_PORT" --argjson rest "$PATRONI_REST_PORT" \
        --argjson c "$PATRONI_ETCD_CLIENT_PORT" --argjson p "$PATRONI_ETCD_PEER_PORT" '{
        db: {port: $r, protocol: "postgres"}, postgres: {port: $pg}, patroni: {port: $rest},
        etcd: {clientPort: $c, peerPort: $p}}'
}

# lab_patroni_fault_window: a failover needs the leader lock to expire
# (ttl) and a loop to notice, so the fault lasts at least twice the ttl;
# after the undo a former leader rewinds and rejoins.
lab_patroni_fault_window() {
    local ttl
    ttl="$(lab_planned_setting patroni ttl)"
    printf '%s 30\n' "$((2 * ttl + 10))"
}

# lab_patroni_up: every etcd member together (they form their cluster from
# the static member list), then n1's Patroni, which initialises the
# cluster and leads, then the others, which copy it, then the routers.
lab_patroni_up() {
    local node
    lab_patroni_init
    for node in $(lab_node_names); do
        lab_patroni_launch "$node" etcd
    done
    for node in $(lab_node_names); do
        lab_wait "$node" etcd "$PATRONI_WAIT" healthy lab_patroni_etcd_healthy "$node"
    done
    say "etcd: all $LAB_NODES members healthy"
    lab_patroni_launch n1 patroni
    lab_wait n1 patroni "$PATRONI_WAIT" "the leader" lab_patroni_is_leader n1
    say "node n1: Patroni leads"
    for node in $(lab_node_names); do
        [[ "$node" == n1 ]] || lab_patroni_launch "$node" patroni
        lab_patroni_launch "$node" haproxy
    done
    for node in $(lab_node_names); do
        lab_wait "$node" patroni "$PATRONI_WAIT" "running PostgreSQL" lab_patroni_running "$node"
    done
    say "PostgreSQL runs on all $LAB_NODES nodes"
}

# lab_patroni_restart NODE WAIT: whatever of etcd, Patroni and the router is
# down, in that order; Patroni brings PostgreSQL back (crash recovery, and
# a pg_rewind if it led and another has led since).
lab_patroni_restart() {
    local node="$1" wait="$2" comp
    for comp in $(lab_patroni_components); do
        lab_supervised "$node" "$comp" && continue
        lab_patroni_launch "$node" "$comp"
        case "$comp" in
            etcd) lab_await "$wait" "$node" etcd "$PATRONI_WAIT" healthy lab_patroni_etcd_healthy "$node" ;;
            patroni) lab_await "$wait" "$node" patroni "$PATRONI_WAIT" "running PostgreSQL" lab_patroni_running "$node" ;;
        esac
    done
    [[ "$wait" == no-wait ]] || say "node $node: etcd, Patroni with PostgreSQL, and its router running"
}

# lab_patroni_sql NODE [psql ARGS]: psql as the postgres superuser over
# the node's own Unix socket (peer authentication: no password anywhere),
# with the servers' clean environment; SQL on stdin or -c.
lab_patroni_sql() {
    local node="$1"
    shift
    lab_patroni_user postgres
    timeout 30 "${PATRONI_AS[@]}" "$PATRONI_PG_BIN/psql" -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 \
        -h "$(lab_patroni_socket_dir "$node")" -p "$PATRONI_PG_PORT" -U postgres -d postgres "$@"
}

# lab_patroni_schema: database lily owned by user perseus (as GRANT ALL ON
# lily.* gives it all of lily on MySQL), its table storage, through the
# leader; the password on psql's stdin.
lab_patroni_schema() {
    local leader password
    leader="$(lab_patroni_leader)" || return 1
    password="$(<"$(lab_password_file)")"
    lab_patroni_sql "$leader" <<SQL
SELECT 'CREATE DATABASE lily' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'lily')\\gexec
SELECT 'CREATE ROLE perseus' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'perseus')\\gexec
ALTER ROLE perseus LOGIN PASSWORD '$password';
ALTER DATABASE lily OWNER TO perseus;
\\connect lily
CREATE TABLE IF NOT EXISTS storage (id VARCHAR(128) PRIMARY KEY, value BIGINT NOT NULL);
ALTER TABLE storage OWNER TO perseus;
SQL
}
