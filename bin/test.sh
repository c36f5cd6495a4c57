#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts the test: bin/test.sh [--wait-ready SECONDS] [perseus options].
# Rebuilds the release binary when a source is newer, then runs it against
# the cluster file in use (PERSEUS_CLUSTER, default etc/tidb-cluster.json)
# unless the options name their own --cluster. With --wait-ready it first
# waits, at most that long, until PD reports the TiDB cluster whole
# (bin/lib/tidb-ready.sh), and fails if it does not.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"
# shellcheck source=lib/ready.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/ready.sh"
# shellcheck source=lib/tidb-ready.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tidb-ready.sh"

wait_ready=""
if [[ "${1:-}" == --wait-ready ]]; then
    [[ $# -ge 2 ]] || die "--wait-ready needs a number of seconds"
    ready_limit "$2" --wait-ready
    wait_ready="$2"
    shift 2
fi
# The cluster file: the options' own --cluster, else the one in use.
cluster="$(cluster_file)"
own_cluster=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
        --cluster) own_cluster=1; cluster="${args[i + 1]:-}" ;;
        --cluster=*) own_cluster=1; cluster="${args[i]#--cluster=}" ;;
    esac
done

# No cd: the options may hold paths relative to where the user is.
release_binaries perseus
binary="$RELEASE_DIR/perseus"

if [[ -n "$wait_ready" ]]; then
    need_cmd curl
    need_cmd jq
    ready_wait "$wait_ready" tidb_cluster_problem "$cluster" \
        || die "the TiDB cluster of $cluster is not ready after $wait_ready s: $READY_PROBLEM"
    say "the TiDB cluster is ready (waited $READY_WAITED s)"
fi
if [[ -n "$own_cluster" ]]; then
    exec "$binary" "$@"
fi
exec "$binary" --cluster "$cluster" "$@"
