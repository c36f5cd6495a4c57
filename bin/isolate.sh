#!/usr/bin/env bash
# Cuts NODE off from its peers: drops all traffic to and from the other nodes'
# hosts, while clients (any other address) keep their connections.
# Idempotent: a second run adds nothing. bin/rejoin.sh undoes it.
set -euo pipefail
# shellcheck source=bin/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=bin/lib/deps.sh
source "$PERSEUS_ROOT/bin/lib/deps.sh"
# shellcheck source=bin/lib/faultlog.sh
source "$PERSEUS_ROOT/bin/lib/faultlog.sh"
# shellcheck source=bin/lib/isolation.sh
source "$PERSEUS_ROOT/bin/lib/isolation.sh"

isolation_args "Drops all traffic between NODE and the other nodes of the cluster file." "$@"
isolation_checks

own="$(cluster_field "$CLUSTER" "$NODE" .host)"
mapfile -t peers < <(jq -r --arg n "$NODE" --arg own "$own" \
    '[to_entries[] | select(.key != $n) | .value.host | select(. != $own)] | unique[]' "$CLUSTER")
((${#peers[@]})) || die "node $NODE: no peer on another host in $CLUSTER, nothing to cut off"
for host in "${peers[@]}"; do
    # iptables takes IPv4 only; a name would be resolved once, silently.
    [[ "$host" =~ ^[0-9]+(\.[0-9]+){3}$ ]] || die "peer host '$host': only IPv4 addresses are supported"
done

chain_exists || ipt -N "$ISOLATE_CHAIN"
# Fill the chain before the jumps exist, so the cut starts whole at once.
for host in "${peers[@]}"; do
    ipt -C "$ISOLATE_CHAIN" -s "$host" -j DROP 2>/dev/null || ipt -A "$ISOLATE_CHAIN" -s "$host" -j DROP
    ipt -C "$ISOLATE_CHAIN" -d "$host" -j DROP 2>/dev/null || ipt -A "$ISOLATE_CHAIN" -d "$host" -j DROP
done
# First in INPUT and OUTPUT, so no earlier ACCEPT lets peer traffic through.
for builtin in INPUT OUTPUT; do
    if ! ipt -C "$builtin" -j "$ISOLATE_CHAIN" 2>/dev/null; then
        ipt -I "$builtin" 1 -j "$ISOLATE_CHAIN"
        # The first jump is the moment the cut begins (perseus keeps the first).
        faultlog_effect
    fi
done

log_fault isolate
say "node $NODE: cut off from ${peers[*]}"
