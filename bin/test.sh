#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts the test: bin/test.sh [perseus options]. Rebuilds the release binary
# when a source is newer, then runs it against the cluster file in use
# (PERSEUS_CLUSTER, default etc/tidb-cluster.json) unless the options name
# their own --cluster.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/deps.sh"

# No cd: the options may hold paths relative to where the user is.
release_binaries perseus
binary="$RELEASE_DIR/perseus"

for arg in "$@"; do
    if [[ "$arg" == --cluster || "$arg" == --cluster=* ]]; then
        exec "$binary" "$@"
    fi
done
exec "$binary" --cluster "$(cluster_file)" "$@"
