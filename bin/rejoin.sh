#!/usr/bin/env bash
# Undoes bin/isolate.sh: removes its jumps from INPUT and OUTPUT and its own
# chain, and nothing else. Idempotent: with nothing to undo it changes nothing.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=bin/lib/deps.sh
source "$PERSEUS_ROOT/bin/lib/deps.sh"
# shellcheck source=bin/lib/faultlog.sh
source "$PERSEUS_ROOT/bin/lib/faultlog.sh"
# shellcheck source=bin/lib/isolation.sh
source "$PERSEUS_ROOT/bin/lib/isolation.sh"

isolation_args "Lets NODE talk to its peers again (undoes bin/isolate.sh)." "$@"
isolation_checks

if chain_exists; then
    for builtin in INPUT OUTPUT; do
        # A jump added twice by hand is removed too: each -D removes one.
        while ipt -C "$builtin" -j "$ISOLATE_CHAIN" 2>/dev/null; do
            ipt -D "$builtin" -j "$ISOLATE_CHAIN"
        done
    done
    ipt -F "$ISOLATE_CHAIN"
    ipt -X "$ISOLATE_CHAIN"
    faultlog_effect
fi

log_fault rejoin
say "node $NODE: talks to its peers again"
