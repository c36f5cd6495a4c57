#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts the test: bin/test.sh [perseus options]. Rebuilds the release binary
# when a source is newer, then runs it against the cluster file in use
# (PERSEUS_CLUSTER, default etc/tidb-cluster.json) unless the options name
# their own --cluster.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# No cd: the options may hold paths relative to where the user is.
root="$PERSEUS_ROOT"
binary="${CARGO_TARGET_DIR:-$root/target}/release/perseus"
if [[ ! -x "$binary" ]] || [[ -n "$(find "$root/src" "$root/Cargo.toml" "$root/Cargo.lock" -newer "$binary" -print -quit 2>/dev/null)" ]]; then
    need_cmd cargo
    say "building $binary"
    cargo build --release --bin perseus --manifest-path "$root/Cargo.toml" || die "cargo build --release failed"
fi

for arg in "$@"; do
    if [[ "$arg" == --cluster || "$arg" == --cluster=* ]]; then
        exec "$binary" "$@"
    fi
done
exec "$binary" --cluster "$(cluster_file)" "$@"
