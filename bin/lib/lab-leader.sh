# shellcheck shell=bash
# Which node leads (`lab.sh leader`) and which to cut off for `--target
# leader`, and TiDB's leader look-up, whose parsing takes recorded outputs
# (tests/fixtures/tidb/ holds some), so it is tested without TiDB. Needs
# bin/lib/common.sh (jq).

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

# lab_target TARGET: NODE as given, or the engine's leader (lab_E_leader);
# an engine without one (Galera: every node takes writes) has n1 stand in,
# and the script says so.
lab_target() {
    local target="$1" node rc=0
    if [[ "$target" == replica ]]; then
        lab_replica
        return
    fi
    if [[ "$target" != leader ]]; then
        lab_need_node "$target"
        printf '%s\n' "$target"
        return
    fi
    # Whole, then its first line: `| head -n 1` could end the engine's
    # output early, and with pipefail its status with it.
    node="$(lab_engine_call leader)" || rc=$?
    node="${node%%$'\n'*}"
    case "$rc" in
        0) say "target leader: $node"; printf '%s\n' "$node" ;;
        2) say "target leader: n1 stands in"; printf 'n1\n' ;;
        *) die "target leader: no leader is elected now (see $(basename "$0") leader and status)" ;;
    esac
}

# lab_fault_target TARGET: what perseus's --fault gets: a node as given;
# `leader` itself for an engine with a leader (perseus resolves it when
# the fault fires, asking `lab.sh leader`); n1 for an engine without one.
lab_fault_target() {
    local target="$1" rc=0
    if [[ "$target" == leader ]]; then
        lab_engine_call leader >/dev/null 2>&1 || rc=$?
        case "$rc" in
            0) printf 'leader\n'; return ;;
            2) ;; # no leader: lab_target says n1 stands in
            *) die "target leader: no leader is elected now (see $(basename "$0") leader and status)" ;;
        esac
    fi
    lab_target "$target"
}

# lab_replica: a node that does not lead now (a replica stays one while it
# alone is cut off, so it is named once, before the run): the first node
# after the leader; for an engine without a leader, n2.
lab_replica() {
    local leader rc=0 n
    leader="$(lab_engine_call leader 2>/dev/null)" || rc=$?
    leader="${leader%%$'\n'*}"
    case "$rc" in
        0) ;;
        2) leader=n1 ;;
        *) die "target replica: no leader is elected now, so no node is known to be a replica (see $(basename "$0") status)" ;;
    esac
    for n in $(lab_node_names); do
        [[ "$n" == "$leader" ]] && continue
        say "target replica: $n ($leader leads)"
        printf '%s\n' "$n"
        return
    done
    die "target replica: the lab has no node but the leader"
}

# lab_leader: the `lab.sh leader` command: the leader's node on the first
# line (an engine may add lines), or why there is none, with its status.
lab_leader() {
    local rc=0
    lab_tools
    lab_need_up
    lab_engine_call leader || rc=$?
    return "$rc"
}

# lab_tidb_find_leader DIR: asks the live cluster (any node that answers), recording
# the outputs in DIR; the Region leader first, the PD leader as fallback.
lab_tidb_find_leader() {
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
