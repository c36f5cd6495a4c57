# shellcheck shell=bash
# The patroni engine's files and server commands: per node one etcd member,
# one Patroni (running one PostgreSQL 15) and one HAProxy, each configured
# from the lab's nodes and settings and started as its Debian unit starts
# it (docs/lab.md, "The Patroni engine"). Needs common.sh, lab-config.sh and
# lab-proc.sh.

PATRONI_PG_BIN=/usr/lib/postgresql/15/bin
PATRONI_ROUTER_PORT=5000
PATRONI_PG_PORT=5432
PATRONI_REST_PORT=8008
PATRONI_ETCD_CLIENT_PORT=2379
PATRONI_ETCD_PEER_PORT=2380
# Every server's environment, whole: nothing of the caller's (PGPASSWORD
# from `eval "$(lab.sh env)"` would win over Patroni's pgpass in libpq, and
# pg_basebackup would fail; PGHOST, ETCD_* and the like would steer the
# servers). LANG: initdb takes its locale from it.
PATRONI_ENV=(PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)

lab_patroni_pg_dir() { printf '%s/pg\n' "$(lab_node_dir "$1")"; }
lab_patroni_socket_dir() { printf '%s/run\n' "$(lab_patroni_pg_dir "$1")"; }
lab_patroni_yml() { printf '%s/patroni.yml\n' "$(lab_patroni_pg_dir "$1")"; }
lab_patroni_haproxy_cfg() { printf '%s/haproxy.cfg\n' "$(lab_node_dir "$1")"; }
lab_patroni_scope() { printf '%s-lab\n' "$LAB_NAME"; }
lab_patroni_subnet() { printf '%s.0/24\n' "$LAB_NET"; }

# lab_patroni_user USER [--ipc]: sets PATRONI_AS, the words that run a
# command as USER (uid, gid, groups; root stays root, as haproxy.service
# runs) with the servers' clean environment and the lab's mark,
# PERSEUS_LAB_DIR (bin/lib/lab-proc.sh); with --ipc in an IPC namespace of
# its own, whose System V shared memory the kernel removes with its last
# process (a PostgreSQL killed by `kill` or `down` would leave its
# segments on the host for good). env, unshare and setpriv exec: the PID is
# the command's.
lab_patroni_user() {
    local home
    home="$(getent passwd "$1" | cut -d: -f6)"
    PATRONI_AS=(env -i "${PATRONI_ENV[@]}" HOME="$home" PERSEUS_LAB_DIR="$LAB_DIR")
    [[ "${2:-}" != --ipc ]] || PATRONI_AS+=(unshare --ipc)
    [[ "$1" == root ]] || PATRONI_AS+=(setpriv --reuid="$1" --regid="$1" --init-groups)
}

# lab_patroni_secrets: the passwords of Patroni's own roles (superuser,
# replication, rewind), made once per lab; only in the nodes' patroni.yml
# (mode 600, user postgres), never in an argv or an environment.
lab_patroni_secret() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

# lab_patroni_write_yml NODE SUPER REPL REWIND: the node's Patroni
# configuration, modelled on Patroni's sample (postgres0.yml); every value
# that differs from Patroni's and PostgreSQL's defaults is in docs/lab.md.
lab_patroni_write_yml() {
    local node="$1" super="$2" repl="$3" rewind="$4" addr dcs hosts n sync
    addr="$(lab_node_addr "$node")"
    dcs="$(lab_setting dcs)"
    hosts="$(for n in $(lab_node_names); do printf '%s:%s\n' "$(lab_node_addr "$n")" "$PATRONI_ETCD_CLIENT_PORT"; done | paste -sd, -)"
    sync=false
    [[ "$(lab_setting synchronous_mode)" == off ]] || sync=true
    (umask 077 && cat >"$(lab_patroni_yml "$node")") <<YML
scope: $(lab_patroni_scope)
name: $node

restapi:
  listen: $addr:$PATRONI_REST_PORT
  connect_address: $addr:$PATRONI_REST_PORT

$dcs:
  hosts: $hosts

bootstrap:
  dcs:
    ttl: $(lab_setting ttl)
    loop_wait: $(lab_setting loop_wait)
    retry_timeout: $(lab_setting retry_timeout)
    maximum_lag_on_failover: 1048576
    synchronous_mode: $sync
    postgresql:
      use_pg_rewind: true
      use_slots: true
  initdb:
  - encoding: UTF8
  - data-checksums

postgresql:
  listen: $addr:$PATRONI_PG_PORT
  connect_address: $addr:$PATRONI_PG_PORT
  data_dir: $(lab_patroni_pg_dir "$node")/data
  bin_dir: $PATRONI_PG_BIN
  pgpass: $(lab_patroni_pg_dir "$node")/pgpass
  authentication:
    superuser:
      username: postgres
      password: $super
    replication:
      username: replicator
      password: $repl
    rewind:
      username: rewind_user
      password: $rewind
  pg_hba:
  - local all postgres peer
  - host replication replicator $(lab_patroni_subnet) scram-sha-256
  - host all all $(lab_patroni_subnet) scram-sha-256
  parameters:
    unix_socket_directories: $(lab_patroni_socket_dir "$node")
    # In the unit's IPC namespace, gone with it (posix: files in /dev/shm that
    # a killed PostgreSQL leaves there for good).
    dynamic_shared_memory_type: sysv
YML
    chown postgres:postgres "$(lab_patroni_yml "$node")"
}

# lab_patroni_write_haproxy NODE: the node's router, as Patroni's sample
# haproxy.cfg sets it up: every node's PostgreSQL behind one port, each
# checked on its Patroni's /primary (200 on the leader only), so a client
# of any node's router reaches the leader.
lab_patroni_write_haproxy() {
    local node="$1" n addr
    {
        cat <<CFG
global
    maxconn 100

defaults
    mode tcp
    retries 2
    timeout client 30m
    timeout connect 4s
    timeout server 30m
    timeout check 5s

listen postgres
    bind $(lab_node_addr "$node"):$PATRONI_ROUTER_PORT
    option httpchk OPTIONS /primary
    http-check expect status 200
    default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions
CFG
        for n in $(lab_node_names); do
            addr="$(lab_node_addr "$n")"
            printf '    server %s %s:%s maxconn 100 check port %s\n' "$n" "$addr" "$PATRONI_PG_PORT" "$PATRONI_REST_PORT"
        done
    } >"$(lab_patroni_haproxy_cfg "$node")"
}

# lab_patroni_init: every node's directories and configuration. The data
# directories stay empty: Patroni runs initdb on the first node and copies
# it to the others (pg_basebackup).
lab_patroni_init() {
    local node super repl rewind dir
    super="$(lab_patroni_secret)"
    repl="$(lab_patroni_secret)"
    rewind="$(lab_patroni_secret)"
    for node in $(lab_node_names); do
        dir="$(lab_node_dir "$node")"
        mkdir -p "$dir/etcd" "$(lab_patroni_socket_dir "$node")"
        chown etcd:etcd "$dir/etcd"
        chmod 700 "$dir/etcd" "$(lab_patroni_pg_dir "$node")"
        chown -R postgres:postgres "$(lab_patroni_pg_dir "$node")"
        lab_patroni_write_yml "$node" "$super" "$repl" "$rewind"
        lab_patroni_write_haproxy "$node"
        # Its users reach their files through the lab's directory.
        lab_patroni_user postgres
        "${PATRONI_AS[@]}" test -w "$(lab_patroni_socket_dir "$node")" \
            || die "user postgres cannot reach $(lab_patroni_socket_dir "$node"): put the lab where every user may pass (PERSEUS_LAB_DIR; a directory under /root is not)"
    done
}

# What Patroni's output (its log and PostgreSQL's, which it passes on) says
# of its node, as perseus-supervise --event takes it (docs/lab.md, "Server
# events"; the lines are Patroni 3.0.2's and PostgreSQL 15's).
PATRONI_EVENTS=(
    "promoted:::promoted self to leader"
    "demoted:::Demoting self ("
    "transfer_started:rewind:joiner:running pg_rewind from dbname="
    "transfer_finished:rewind:joiner:pg_rewind exit code=0"
    "transfer_failed:rewind:joiner:pg_rewind exit code="
    "transfer_failed:rewind:joiner:Failed to rewind from"
    "transfer_started:basebackup:joiner:trying to bootstrap from leader"
    "transfer_finished:basebackup:joiner:replica has been created using basebackup"
    "transfer_failed:basebackup:joiner:Error when fetching backup"
    "timeline:::selected new timeline ID:"
    "timeline:::new target timeline is"
    "ready:::database system is ready to accept connections"
    "ready:::started streaming WAL from primary"
)

# lab_patroni_launch NODE COMPONENT: one server of NODE under its
# supervisor, as its Debian unit runs it: etcd.service (User=etcd,
# Restart=on-abnormal, LimitNOFILE=65536), patroni.service (User=postgres,
# Restart=on-failure), haproxy.service (-Ws, Restart=always); RestartSec is
# systemd's default, 100 ms, where the unit sets none.
lab_patroni_launch() {
    local node="$1" comp="$2" dir addr event args=()
    dir="$(lab_node_dir "$node")"
    addr="$(lab_node_addr "$node")"
    case "$comp" in
        etcd)
            [[ "$(lab_setting dcs)" != etcd ]] || args+=(--enable-v2=true)
            lab_patroni_user etcd
            lab_supervise "$node" etcd on-abnormal 100ms --nofile 65536 -- "${PATRONI_AS[@]}" /usr/bin/etcd \
                --name "$node" --data-dir "$dir/etcd" \
                --listen-peer-urls "http://$addr:$PATRONI_ETCD_PEER_PORT" \
                --initial-advertise-peer-urls "http://$addr:$PATRONI_ETCD_PEER_PORT" \
                --listen-client-urls "http://$addr:$PATRONI_ETCD_CLIENT_PORT,http://127.0.0.1:$PATRONI_ETCD_CLIENT_PORT" \
                --advertise-client-urls "http://$addr:$PATRONI_ETCD_CLIENT_PORT" \
                --initial-cluster "$(for n in $(lab_node_names); do printf '%s=http://%s:%s\n' "$n" "$(lab_node_addr "$n")" "$PATRONI_ETCD_PEER_PORT"; done | paste -sd, -)" \
                --initial-cluster-token "$(lab_patroni_scope)" --initial-cluster-state new "${args[@]}"
            ;;
        patroni)
            for event in "${PATRONI_EVENTS[@]}"; do
                args+=(--event "$event")
            done
            lab_patroni_user postgres --ipc
            lab_supervise "$node" patroni on-failure 100ms "${args[@]}" -- "${PATRONI_AS[@]}" \
                /usr/bin/patroni "$(lab_patroni_yml "$node")"
            ;;
        haproxy)
            lab_patroni_user root
            lab_supervise "$node" haproxy always 100ms -- "${PATRONI_AS[@]}" /usr/sbin/haproxy -Ws -f "$(lab_patroni_haproxy_cfg "$node")" \
                -p "$dir/haproxy.own.pid" -S "$dir/haproxy-master.sock"
            ;;
        *) die "lab_patroni_launch: no component '$comp'" ;;
    esac
}
