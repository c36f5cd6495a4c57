#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts NODE's TiDB (the SQL layer perseus talks to) in the foreground:
# bin/run-db.sh [--dry-run] NODE
# It stores through TiKV, found via every node's PD (--path). Everything a
# TiDB writes goes into the node's directory, because several TiDBs on one
# machine would otherwise share files: --temp-dir (default /tmp/tidb),
# --log-slow-query (default tidb-slow.log in the working directory, where
# it would also escape the node's logs) and --socket. TiDB opens a Unix socket besides its port, by default
# /tmp/tidb-{Port}.sock, and exits at start when a socket there answers: in
# the lab every node's TiDB has port 4000 in its own network namespace, but
# all share /tmp, so only the first would start.
# Flags: PingCAP's "Configuration Options" page for tidb-server.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/tidb.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tidb.sh"

tidb_run_args "$@"
port="$(tidb_port "$CLUSTER" "$NODE" .db.port)"
status_port="$(tidb_port "$CLUSTER" "$NODE" .db.statusPort)"
pd="$(tidb_pd_list "$CLUSTER" client)"
dir="$(tidb_node_dir db)"
# A Unix socket's path has room for 107 bytes; a longer one would make TiDB
# fail to bind, so then it opens none (clients use the port anyway). Bytes,
# not characters: ${#socket} counts characters in a UTF-8 locale, and a
# directory name with accents would slip through.
socket="$dir/tidb.sock"
if (($(printf '%s' "$socket" | wc -c) > 107)); then
    say "node $NODE: $socket is longer than a Unix socket path may be (107 bytes): TiDB opens no socket"
    socket=""
fi

tidb_launch tidb-server TIDB_CONFIG "$dir" \
    --store=tikv \
    "--path=$pd" \
    --host="$HOST" \
    -P "$port" \
    "--status=$status_port" \
    --status-host="$HOST" \
    "--advertise-address=$HOST" \
    "--socket=$socket" \
    "--temp-dir=$dir/tmp" \
    "--log-file=$dir/tidb.log" \
    "--log-slow-query=$dir/tidb-slow.log"
