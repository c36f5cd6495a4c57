#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts NODE's TiKV in the foreground: bin/run-kv.sh [--dry-run] NODE
# It finds the cluster through every node's PD (--pd). When the cluster file
# puts other nodes on this node's host, their TiKVs share its memory and
# disk, and without a TIKV_CONFIG of the user's TiKV gets
# etc/tikv-one-machine.toml (small caches, no disk reserve). TiKV exits at
# start unless it may open as many files as its configuration asks for
# (123880 with the defaults): the limit is raised where it may be, else
# TiKV gets etc/tikv-few-files.toml (bin/lib/tikv.sh).
# Flags: PingCAP's "TiKV Configuration Flags" page.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/tidb.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tidb.sh"
# shellcheck source=lib/toml.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/toml.sh"
# shellcheck source=lib/tikv.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tikv.sh"

tidb_run_args "$@"
port="$(tidb_port "$CLUSTER" "$NODE" .kv.port)"
status_port="$(tidb_port "$CLUSTER" "$NODE" .kv.statusPort)"
pd="$(tidb_pd_list "$CLUSTER" client)"
dir="$(tidb_node_dir kv)"
tidb_config_readable TIKV_CONFIG
if [[ -z "${TIKV_CONFIG:-}" ]] && tidb_host_shared "$CLUSTER" "$NODE"; then
    TIKV_CONFIG="$PERSEUS_ROOT/etc/tikv-one-machine.toml"
    say "node $NODE: other nodes share host $HOST, so TiKV gets $TIKV_CONFIG (small caches, no disk reserve)"
fi
tikv_fit_open_files

tidb_launch tikv-server TIKV_CONFIG "$dir" \
    "--pd=$pd" \
    "--addr=$HOST:$port" \
    "--advertise-addr=$HOST:$port" \
    "--status-addr=$HOST:$status_port" \
    "--data-dir=$dir/data" \
    "--log-file=$dir/tikv.log"
