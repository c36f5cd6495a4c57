#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts NODE's TiDB (the SQL layer perseus talks to) in the foreground:
# bin/run-db.sh [--dry-run] NODE
# It stores through TiKV, found via every node's PD (--path). --temp-dir is
# per node because several TiDBs on one machine would otherwise share /tmp/tidb.
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

tidb_launch tidb-server TIDB_CONFIG "$dir" \
    --store=tikv \
    "--path=$pd" \
    --host="$HOST" \
    -P "$port" \
    "--status=$status_port" \
    --status-host="$HOST" \
    "--advertise-address=$HOST" \
    "--temp-dir=$dir/tmp" \
    "--log-file=$dir/tidb.log"
