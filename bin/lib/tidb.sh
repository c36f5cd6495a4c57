# shellcheck shell=bash
# TiDB helpers for bin/get-tidb.sh, bin/run-{pd,kv,db}.sh and bin/init-lily.sh:
# where the binaries live, the cluster-wide PD lists, and the start-up plumbing
# the three run scripts share. Source it after common.sh; it defines functions only.

# tidb_version: the release in use (TIDB_VERSION, default v8.5.8), always with
# its leading "v"; it names a directory, so anything but a version is refused.
tidb_version() {
    local v="${TIDB_VERSION:-v8.5.8}"
    v="v${v#v}"
    [[ "$v" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[A-Za-z0-9.]+)?$ ]] \
        || die "TIDB_VERSION='${TIDB_VERSION}' is not a release like v8.5.8"
    printf '%s\n' "$v"
}

# tidb_home: where get-tidb.sh installs releases (one directory per version).
tidb_home() {
    printf '%s\n' "${TIDB_HOME:-$PERSEUS_ROOT/tidb}"
}

# tidb_bin_dir: where the run scripts take pd-server, tikv-server, tidb-server.
tidb_bin_dir() {
    local version
    if [[ -n "${TIDB_BIN_DIR:-}" ]]; then
        printf '%s\n' "$TIDB_BIN_DIR"
    else
        version="$(tidb_version)" || exit 1
        printf '%s/%s/bin\n' "$(tidb_home)" "$version"
    fi
}

# tidb_binary NAME: the path of one server binary; missing means get-tidb.sh
# has not run (or ran for another version), so say that.
tidb_binary() {
    local path
    path="$(tidb_bin_dir)/$1" || exit 1
    [[ -x "$path" ]] || die "no $1 at $path: run bin/get-tidb.sh first (or set TIDB_BIN_DIR / TIDB_VERSION)"
    printf '%s\n' "$path"
}

# tidb_port FILE NODE PATH: a cluster-file field that must be a port number.
tidb_port() {
    local value
    value="$(cluster_field "$1" "$2" "$3")" || exit 1
    if ! [[ "$value" =~ ^[0-9]{1,5}$ ]] || ((10#$value < 1 || 10#$value > 65535)); then
        die "cluster file $1: node $2: field ${3#.} must be a port number (1-65535), not '$value'"
    fi
    printf '%s\n' "$value"
}

# tidb_pd_list FILE FORMAT: one entry per node, comma-joined, where FORMAT is
# "client" (host:clientPort, what TiKV's --pd and TiDB's --path take) or
# "initial" (name=http://host:peerPort, what PD's --initial-cluster takes).
tidb_pd_list() {
    local file="$1" format="$2" list nodes node host port entries=()
    list="$(cluster_nodes "$file")" || exit 1
    mapfile -t nodes <<<"$list"
    for node in "${nodes[@]}"; do
        host="$(cluster_field "$file" "$node" .host)" || exit 1
        if [[ "$format" == client ]]; then
            port="$(tidb_port "$file" "$node" .pd.clientPort)" || exit 1
            entries+=("$host:$port")
        else
            port="$(tidb_port "$file" "$node" .pd.peerPort)" || exit 1
            entries+=("$(cluster_field "$file" "$node" .pd.name)=http://$host:$port") || exit 1
        fi
    done
    ((${#entries[@]} > 0)) || die "cluster file $file: lists no nodes"
    (IFS=,; printf '%s\n' "${entries[*]}")
}

# tidb_host_shared FILE NODE: another node of the cluster file has NODE's
# host (several servers of a kind on one machine).
tidb_host_shared() {
    local count
    count="$(jq -r --arg n "$2" '.[$n].host as $h | [.[] | select(.host == $h)] | length' "$1")" \
        || die "cluster file $1: not valid JSON"
    ((count > 1))
}

# tidb_run_args "$@": parses "[--dry-run] NODE" for the run scripts and sets
# NODE, CLUSTER (the cluster file), HOST (NODE's host) and DRY_RUN (1 or 0;
# PERSEUS_DRY_RUN=1 too). An unknown node fails here, naming it.
tidb_run_args() {
    DRY_RUN=0
    [[ "${PERSEUS_DRY_RUN:-0}" == 1 ]] && DRY_RUN=1
    NODE=""
    while (($# > 0)); do
        case "$1" in
            --dry-run) DRY_RUN=1 ;;
            -h | --help)
                printf 'usage: %s [--dry-run] NODE\n' "$(basename "$0")"
                exit 0
                ;;
            -*) die "unknown option '$1' (usage: $(basename "$0") [--dry-run] NODE)" ;;
            *)
                [[ -z "$NODE" ]] || die "one node only, got '$NODE' and '$1'"
                NODE="$1"
                ;;
        esac
        shift
    done
    CLUSTER="$(cluster_file)"
    [[ -n "$NODE" ]] || die "which node? usage: $(basename "$0") [--dry-run] NODE (one of: $(cluster_nodes "$CLUSTER" | paste -sd, -))"
    # shellcheck disable=SC2034 # HOST is for the run scripts that source this
    HOST="$(cluster_field "$CLUSTER" "$NODE" .host)" || exit 1
}

# tidb_node_dir COMPONENT: NODE's directory for pd, kv or db (tidb_launch
# creates it).
tidb_node_dir() {
    printf '%s\n' "${PERSEUS_DATA_DIR:-$PERSEUS_ROOT/data}/$NODE/$1"
}

# tidb_quote WORD...: the words on one line, single-quoted only where the
# shell needs it (printf %q would also escape the commas in the PD lists).
tidb_quote() {
    local word line=()
    for word in "$@"; do
        if [[ "$word" =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
            line+=("$word")
        else
            line+=("'${word//\'/\'\\\'\'}'")
        fi
    done
    printf '%s\n' "${line[*]}"
}

# tidb_config_readable CONFIG_VAR: dies unless the variable named CONFIG_VAR
# is unset, empty or names a file this script can read.
tidb_config_readable() {
    [[ -z "${!1:-}" || -r "${!1}" ]] || die "$1=${!1}: cannot read that file"
}

# tidb_launch BINARY CONFIG_VAR DIR ARGS...: creates DIR, then runs BINARY
# with ARGS in the foreground (exec, so signals reach the server), with
# --config=FILE added when the variable named CONFIG_VAR is set. A dry run
# prints the command line instead, quoted so that it can be pasted back into
# a shell, and creates nothing.
tidb_launch() {
    local binary="$1" config_var="$2" dir="$3" cmd
    shift 3
    cmd=("$(tidb_binary "$binary")") || exit 1
    tidb_config_readable "$config_var"
    [[ -z "${!config_var:-}" ]] || cmd+=("--config=${!config_var}")
    cmd+=("$@")
    if [[ "$DRY_RUN" == 1 ]]; then
        tidb_quote "${cmd[@]}"
        exit 0
    fi
    mkdir -p "$dir" || die "cannot create $dir"
    say "node $NODE: starting ${cmd[*]}"
    exec "${cmd[@]}"
}
