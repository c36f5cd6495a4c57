# shellcheck shell=bash
# Is a TiDB cluster whole, as PD sees it? A new cluster starts each Region
# with one replica and PD adds the others minutes later: load and faults
# before that measure the warm-up (one published "outage" of 2 min 40 s was
# that). Needs common.sh; uses curl and jq.

# tidb_cluster_problem CLUSTER: asks the first PD of the cluster file that
# answers; prints one line saying what is not ready yet (nothing when all
# is): PD's /pd/api/v1/cluster/status must say is_initialized (every Region
# has its replicas once), and /pd/api/v1/regions/check/miss-peer must list
# no Region lacking a peer now.
tidb_cluster_problem() {
    local file="$1" node url status count tried=()
    for node in $(cluster_nodes "$file"); do
        url="http://$(cluster_field "$file" "$node" .host):$(cluster_field "$file" "$node" .pd.clientPort)"
        tried+=("$url")
        status="$(curl -fsS --max-time 5 "$url/pd/api/v1/cluster/status" 2>/dev/null)" || continue
        if [[ "$(jq -r '.is_initialized' <<<"$status" 2>/dev/null)" != true ]]; then
            printf 'PD %s: cluster not initialized (is_initialized is not true: Regions still lack replicas)\n' "$url"
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
