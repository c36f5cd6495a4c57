#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts NODE's TiKV in the foreground: bin/run-kv.sh [--dry-run] NODE
# It finds the cluster through every node's PD (--pd). The lab passes small
# memory settings through TIKV_CONFIG when three TiKVs share one machine.
# Flags: PingCAP's "TiKV Configuration Flags" page.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/tidb.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tidb.sh"

tidb_run_args "$@"
port="$(tidb_port "$CLUSTER" "$NODE" .kv.port)"
status_port="$(tidb_port "$CLUSTER" "$NODE" .kv.statusPort)"
pd="$(tidb_pd_list "$CLUSTER" client)"
dir="$(tidb_node_dir kv)"

tidb_launch tikv-server TIKV_CONFIG "$dir" \
    "--pd=$pd" \
    "--addr=$HOST:$port" \
    "--advertise-addr=$HOST:$port" \
    "--status-addr=$HOST:$status_port" \
    "--data-dir=$dir/data" \
    "--log-file=$dir/tikv.log"
