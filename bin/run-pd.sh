#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts NODE's PD (placement driver) in the foreground: bin/run-pd.sh [--dry-run] NODE
# Every node's PD is listed in --initial-cluster, so the three bootstrap one
# cluster together; with a data directory already there PD ignores that list
# and rejoins as before. Flags: PingCAP's "PD Configuration Flags" page.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/tidb.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tidb.sh"

tidb_run_args "$@"
name="$(cluster_field "$CLUSTER" "$NODE" .pd.name)"
client_port="$(tidb_port "$CLUSTER" "$NODE" .pd.clientPort)"
peer_port="$(tidb_port "$CLUSTER" "$NODE" .pd.peerPort)"
initial_cluster="$(tidb_pd_list "$CLUSTER" initial)"
dir="$(tidb_node_dir pd)"

tidb_launch pd-server PD_CONFIG "$dir" \
    "--name=$name" \
    "--data-dir=$dir/data" \
    "--client-urls=http://$HOST:$client_port" \
    "--peer-urls=http://$HOST:$peer_port" \
    "--initial-cluster=$initial_cluster" \
    "--log-file=$dir/pd.log"
