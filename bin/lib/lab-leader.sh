# shellcheck shell=bash
# Which node to cut off for `--target leader`. The parsing takes recorded
# outputs (tests/fixtures/tidb/ holds some), so it is tested without TiDB.
# Needs bin/lib/common.sh (jq).

# lab_tsv_column FILE COLUMN: the values of COLUMN, by its header, in the
# tab-separated output of `mariadb --batch` (header line first).
lab_tsv_column() {
    awk -F'\t' -v col="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; if (!c) exit 2; next }
        { print $c }' "$1"
}

# lab_leader_from_regions REGIONS STORES CLUSTER: the node whose TiKV holds the
# leader of the table's first Region. REGIONS: output of SHOW TABLE
# lily.storage REGIONS; STORES: of SELECT STORE_ID, ADDRESS FROM
# INFORMATION_SCHEMA.TIKV_STORE_STATUS. TiKV's address (host:port) is matched
# with kv's host and port in CLUSTER.
lab_leader_from_regions() {
    local regions="$1" stores="$2" cluster="$3" store address node
    store="$(lab_tsv_column "$regions" LEADER_STORE_ID | head -n 1)" || true
    [[ "$store" =~ ^[0-9]+$ ]] || { say "no Region leader in $regions"; return 1; }
    address="$(paste <(lab_tsv_column "$stores" STORE_ID) <(lab_tsv_column "$stores" ADDRESS) \
        | awk -F'\t' -v s="$store" '$1 == s {print $2; exit}')" || true
    [[ -n "$address" ]] || { say "store $store is not in $stores"; return 1; }
    node="$(jq -r --arg a "$address" \
        'to_entries[] | select(.value.kv != null and "\(.value.host):\(.value.kv.port)" == $a) | .key' "$cluster" | head -n 1)" || true
    [[ -n "$node" ]] || { say "TiKV $address (store $store) is no node of $cluster"; return 1; }
    printf '%s\n' "$node"
}

# lab_leader_from_pd JSON CLUSTER: the node of the PD leader, from the answer of
# PD's /pd/api/v1/leader ({"name", "member_id", "peer_urls", "client_urls"}):
# by pd.name, else by a client URL's host:port.
lab_leader_from_pd() {
    local json="$1" cluster="$2" node
    node="$(jq -r --slurpfile c "$cluster" '
        . as $l | $c[0] | to_entries[] | select(.value.pd != null) | . as $e
        | select($e.value.pd.name == $l.name
            or any($l.client_urls[]?; sub("^[a-z]+://"; "") | rtrimstr("/") == "\($e.value.host):\($e.value.pd.clientPort)"))
        | $e.key' "$json" 2>/dev/null | head -n 1)" || true
    [[ -n "$node" ]] || { say "the PD leader in $json is no node of $cluster"; return 1; }
    printf '%s\n' "$node"
}

# lab_target TARGET: NODE as given, or the leader's node (TiDB); Galera has no
# leader, so n1 stands in (and says so).
lab_target() {
    local target="$1" tmp node
    if [[ "$target" != leader ]]; then
        lab_need_node "$target"
        printf '%s\n' "$target"
        return
    fi
    if [[ "$LAB_ENGINE" != tidb ]]; then
        say "target leader: $LAB_ENGINE has no leader (every node takes writes); cutting off n1"
        printf 'n1\n'
        return
    fi
    tmp="$(mktemp -d)"
    node="$(lab_tidb_leader "$tmp")" || true
    rm -rf "$tmp"
    [[ -n "$node" ]] || die "target leader: found neither the Region leader of lily.storage nor the PD leader"
    printf '%s\n' "$node"
}

# lab_tidb_leader DIR: asks the live cluster (any node that answers), recording
# the outputs in DIR; the Region leader first, the PD leader as fallback.
lab_tidb_leader() {
    local dir="$1" node cluster
    cluster="$(lab_cluster)"
    for node in $(lab_node_names); do
        if lab_tidb_sql "$node" --column-names -e 'SHOW TABLE lily.storage REGIONS' >"$dir/regions.tsv" \
            && lab_tidb_sql "$node" --column-names \
                -e 'SELECT STORE_ID, ADDRESS FROM INFORMATION_SCHEMA.TIKV_STORE_STATUS' >"$dir/stores.tsv" \
            && lab_leader_from_regions "$dir/regions.tsv" "$dir/stores.tsv" "$cluster"; then
            say "target leader: node of the Region leader of lily.storage"
            return
        fi
    done
    need_cmd curl
    for node in $(lab_node_names); do
        if curl -fsS --max-time 5 "http://$(lab_node_addr "$node"):$(lab_tidb_port "$node" pd)/pd/api/v1/leader" \
            >"$dir/pd-leader.json" && lab_leader_from_pd "$dir/pd-leader.json" "$cluster"; then
            say "target leader: no Region leader found; node of the PD leader instead"
            return
        fi
    done
    return 1
}
