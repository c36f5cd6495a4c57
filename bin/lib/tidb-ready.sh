# shellcheck shell=bash
# Is a TiDB cluster whole, as PD sees it? A new cluster starts each Region
# with one replica and PD adds the others minutes later: load and faults
# before that measure the warm-up (one published "outage" of 2 min 40 s was
# that). Needs common.sh; uses curl and jq.

# tidb_cluster_problem CLUSTER: asks the first PD of the cluster file that
# answers; prints one line saying what is not ready yet (nothing when all
# is): PD's /pd/api/v1/cluster/status must say is_initialized, and
# /pd/api/v1/regions/check/miss-peer must list no Region lacking a peer now.
# is_initialized is weak: PD computes it anew on each request, true once
# the cluster is bootstrapped and PD knows of more than one Region, or its
# single first Region has all its replicas; so after the first split it
# says nothing about replicas. The miss-peer list is what holds the load
# back until every Region has them. Fails, with the cluster file's
# complaint on stderr, when the file lists no node or lacks a node's host or
# PD port: "no PD answers" would then hide the cause.
tidb_cluster_problem() {
    local file="$1" list nodes node host port url status count tried=()
    list="$(cluster_nodes "$file")" || return 1
    [[ -n "$list" ]] || { say "cluster file $file: lists no nodes"; return 1; }
    mapfile -t nodes <<<"$list"
    for node in "${nodes[@]}"; do
        host="$(cluster_field "$file" "$node" .host)" || return 1
        port="$(cluster_field "$file" "$node" .pd.clientPort)" || return 1
        url="http://$host:$port"
        tried+=("$url")
        status="$(curl -fsS --max-time 5 "$url/pd/api/v1/cluster/status" 2>/dev/null)" || continue
        if [[ "$(jq -r '.is_initialized' <<<"$status" 2>/dev/null)" != true ]]; then
            printf 'PD %s: cluster not initialized (is_initialized is not true: not bootstrapped yet, or its first and only Region lacks replicas)\n' "$url"
            return 0
        fi
        count="$(curl -fsS --max-time 5 "$url/pd/api/v1/regions/check/miss-peer" 2>/dev/null | jq -r '.count')" \
            || { printf 'PD %s: no answer on /pd/api/v1/regions/check/miss-peer\n' "$url"; return 0; }
        if [[ "$count" != 0 ]]; then
            printf 'PD %s: %s Regions miss a peer (/pd/api/v1/regions/check/miss-peer)\n' "$url" "$count"
        fi
        return 0
    done
    printf 'no PD answers (%s)\n' "${tried[*]}"
}
