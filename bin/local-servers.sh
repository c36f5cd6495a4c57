#!/usr/bin/env bash
# Plain MariaDB servers on loopback, one per node of a cluster file, so that
# perseus can be tried (and benchmarked) without TiDB or a lab: each node's
# host must be 127.0.0.1 and its db.port free. Not a cluster: no replication.
# Nodes whose db.protocol is "postgres" are skipped.
#
#   bin/local-servers.sh up     start them (installs mariadb-server if missing)
#   bin/local-servers.sh down   stop them and delete their data
#   bin/local-servers.sh status
#
# PERSEUS_CLUSTER picks the cluster file (default etc/tidb-cluster.json);
# LOCAL_SERVERS_DIR the state directory (default .local-servers).
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"

STATE="${LOCAL_SERVERS_DIR:-$PERSEUS_ROOT/.local-servers}"
CLUSTER="$(cluster_file)"

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

# alive NODE: the recorded PID is still NODE's server. kill -0 alone is not
# enough: once the server is gone its PID can be reused, and down (also run by
# bin/bench-perseus.sh's clean-up) would then end an unrelated process. So the
# process must be a mariadbd with this node's datadir on its command line
# (/proc/PID/cmdline: arguments NUL-separated; a zombie's is empty).
alive() {
    local pidfile="$STATE/$1/pid" pid args arg
    [[ -s "$pidfile" ]] || return 1
    pid="$(<"$pidfile")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    mapfile -d '' -t args 2>/dev/null <"/proc/$pid/cmdline" || return 1
    [[ ${#args[@]} -gt 0 && "$(basename -- "${args[0]}")" == mariadbd ]] || return 1
    for arg in "${args[@]:1}"; do
        [[ "$arg" != "--datadir=$STATE/$1/data" ]] || return 0
    done
    return 1
}

sql() {
    local port="$1"
    shift
    mariadb --no-defaults -uroot -h127.0.0.1 -P"$port" --connect-timeout=2 -e "$*"
}

start_node() {
    local node="$1" host port dir
    if [[ "$(cluster_protocol "$CLUSTER" "$node")" != mysql ]]; then
        say "$node: skipped: it speaks PostgreSQL's protocol, and local servers are MariaDB"
        return
    fi
    host="$(cluster_field "$CLUSTER" "$node" .host)"
    port="$(cluster_field "$CLUSTER" "$node" .db.port)"
    [[ "$host" == 127.* || "$host" == localhost ]] || die "node $node: host $host is not loopback; local servers listen on 127.0.0.1 only"
    dir="$STATE/$node"
    if alive "$node"; then
        say "$node: already running on port $port"
        return
    fi
    mkdir -p "$dir"
    if [[ ! -d "$dir/data/mysql" ]]; then
        mariadb-install-db --no-defaults --user=root --auth-root-authentication-method=normal \
            --skip-test-db --datadir="$dir/data" >"$dir/install.log" 2>&1 \
            || die "$node: mariadb-install-db failed; see $dir/install.log"
    fi
    mariadbd --no-defaults --datadir="$dir/data" --user=root --port="$port" --bind-address=127.0.0.1 \
        --socket="$dir/sock" --log-error="$dir/error.log" --skip-name-resolve --skip-log-bin \
        --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 --max-connections=500 \
        </dev/null >/dev/null 2>&1 &
    echo "$!" >"$dir/pid"
    local pid="$!" waited=0
    until sql "$port" "SELECT 1" >/dev/null 2>&1; do
        # kill -0, not alive: our child may not have exec'd mariadbd yet, and
        # it is no stranger's PID seconds after we started it.
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$dir/error.log" >&2; die "$node: mariadbd exited; log above"; }
        ((waited++ < 300)) || { tail -n 20 "$dir/error.log" >&2; die "$node: not ready after 30 s; log above"; }
        sleep 0.1
    done
    sql "$port" "$(cat "$PERSEUS_ROOT/etc/schema.sql")"
    say "$node: up on 127.0.0.1:$port (pid $(cat "$dir/pid"))"
}

stop_node() {
    local node="$1" pid
    if alive "$node"; then
        pid="$(cat "$STATE/$node/pid")"
        kill "$pid"
        for _ in $(seq 100); do alive "$node" || break; sleep 0.1; done
        ! alive "$node" || kill -9 "$pid"
        say "$node: stopped"
    fi
    rm -rf "${STATE:?}/$node"
}

main() {
    local cmd="${1:-}" node
    case "$cmd" in
        up)
            ensure_packages mariadb-server mariadb-client
            [[ -r "$PERSEUS_ROOT/etc/schema.sql" ]] || die "missing $PERSEUS_ROOT/etc/schema.sql"
            while read -r node; do start_node "$node"; done < <(cluster_nodes "$CLUSTER")
            ;;
        down)
            [[ -d "$STATE" ]] || { say "nothing running"; return; }
            for dir in "$STATE"/*/; do
                [[ -d "$dir" ]] && stop_node "$(basename "$dir")"
            done
            rmdir "$STATE" 2>/dev/null || true
            ;;
        status)
            while read -r node; do
                if alive "$node"; then echo "$node running (pid $(cat "$STATE/$node/pid"))"; else echo "$node stopped"; fi
            done < <(cluster_nodes "$CLUSTER")
            ;;
        -h | --help | help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
