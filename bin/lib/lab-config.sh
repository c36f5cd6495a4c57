# shellcheck shell=bash
# The lab's names, addresses and state files. Needs bin/lib/common.sh.
#
# Settings (environment), read once by lab_settings:
#   PERSEUS_LAB_DIR     state directory (default .lab under the repository)
#   PERSEUS_LAB_NAME    prefix of namespaces, bridge and chain (default perseus)
#   PERSEUS_LAB_SUBNET  the lab's own /24 (default 10.213.0.0/24)
# A running lab remembers the names it was built with in lab.env, so that
# down removes exactly what up made even if the environment changed since.

# lab_settings: sets LAB_DIR, LAB_NAME, LAB_NET (the /24's first three
# octets), LAB_BRIDGE, LAB_CHAIN and LAB_STATE from the environment, or from
# lab.env when a lab exists.
lab_settings() {
    # Absolute and normalised: servers carry it in their environment as the
    # mark that tells them apart (bin/lib/lab-proc.sh).
    LAB_DIR="$(realpath -m "${PERSEUS_LAB_DIR:-$PERSEUS_ROOT/.lab}")"
    LAB_STATE="$LAB_DIR/lab.env"
    LAB_NAME="${PERSEUS_LAB_NAME:-perseus}"
    local subnet="${PERSEUS_LAB_SUBNET:-10.213.0.0/24}"
    LAB_ENGINE=""
    LAB_NODES=0
    LAB_ROUTE=none
    declare -gA LAB_SETTINGS=()
    if [[ -f "$LAB_STATE" ]]; then
        lab_read_state
    else
        # Interface names are at most 15 characters: NAME-br, NAME-n9.
        [[ "$LAB_NAME" =~ ^[a-z][a-z0-9]{0,9}$ ]] \
            || die "PERSEUS_LAB_NAME '$LAB_NAME': 1-10 lower-case letters and digits, starting with a letter"
        [[ "$subnet" =~ ^([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})\.0/24$ ]] \
            || die "PERSEUS_LAB_SUBNET '$subnet': expected a /24 like 10.213.0.0/24"
        LAB_NET="${BASH_REMATCH[1]}"
    fi
    # shellcheck disable=SC2034 # globals for the other bin/lib/lab-*.sh
    LAB_BRIDGE="$LAB_NAME-br"
    # shellcheck disable=SC2034
    LAB_CHAIN="PERSEUS-LAB-$LAB_NAME"
}

# lab_read_state: the KEY=VALUE lines of lab.env (read, never sourced); a
# later line overrides an earlier one (lab_note_state appends).
lab_read_state() {
    local key value
    # A lab.env from before the route key always had the blackhole route
    # added by up, unless one was there; down tolerates its absence.
    LAB_ROUTE=own
    while IFS='=' read -r key value; do
        case "$key" in
            engine) LAB_ENGINE="$value" ;;
            nodes) LAB_NODES="$value" ;;
            name) LAB_NAME="$value" ;;
            net) LAB_NET="$value" ;;
            route) LAB_ROUTE="$value" ;;
            set.*) LAB_SETTINGS["${key#set.}"]="$value" ;;
        esac
    done <"$LAB_STATE"
}

# lab_write_state ENGINE NODES: written before anything is built, so that a
# half-built lab can always be taken down. route=none: the lab has added no
# blackhole route (yet). The engine settings (LAB_SETTINGS) go with it.
lab_write_state() {
    local key
    LAB_ENGINE="$1"
    LAB_NODES="$2"
    LAB_ROUTE=none
    mkdir -p "$LAB_DIR/nodes"
    {
        printf 'engine=%s\nnodes=%s\nname=%s\nnet=%s\nroute=%s\n' \
            "$LAB_ENGINE" "$LAB_NODES" "$LAB_NAME" "$LAB_NET" "$LAB_ROUTE"
        for key in "${!LAB_SETTINGS[@]}"; do
            printf 'set.%s=%s\n' "$key" "${LAB_SETTINGS[$key]}"
        done
    } >"$LAB_STATE"
}

# lab_setting KEY: the engine setting KEY as the lab was built with it, or
# its default (lab_ENGINE_settings lists each with its default).
lab_setting() {
    if [[ -n "${LAB_SETTINGS[$1]+set}" ]]; then
        printf '%s\n' "${LAB_SETTINGS[$1]}"
    else
        lab_default_setting "$LAB_ENGINE" "$1"
    fi
}

# lab_default_setting ENGINE KEY: ENGINE's default for KEY.
lab_default_setting() {
    "lab_${1}_settings" | awk -F'\t' -v k="$2" '$1 == k {print $2; found = 1} END {exit !found}' \
        || die "engine $1 has no setting '$2'"
}

# lab_planned_setting ENGINE KEY: the setting KEY a command will run ENGINE
# with: as asked (WANT_SETTINGS, when any was asked: up --set), else as the
# lab that is up has it (when it runs ENGINE), else ENGINE's default.
lab_planned_setting() {
    local engine="$1" key="$2"
    if declare -p WANT_SETTINGS >/dev/null 2>&1 && ((${#WANT_SETTINGS[@]} > 0)); then
        [[ -z "${WANT_SETTINGS[$key]+set}" ]] || { printf '%s\n' "${WANT_SETTINGS[$key]}"; return; }
    elif [[ "$LAB_ENGINE" == "$engine" && -n "${LAB_SETTINGS[$key]+set}" ]]; then
        printf '%s\n' "${LAB_SETTINGS[$key]}"
        return
    fi
    lab_default_setting "$engine" "$key"
}

# lab_settings_words: the settings given (not the defaults), `KEY=VALUE`
# sorted, on one line: what tells two labs apart.
lab_settings_words() {
    local key
    for key in "${!LAB_SETTINGS[@]}"; do
        printf '%s=%s\n' "$key" "${LAB_SETTINGS[$key]}"
    done | LC_ALL=C sort | paste -sd' ' -
}

# lab_want_settings_words: the same for WANT_SETTINGS.
lab_want_settings_words() {
    local key
    for key in "${!WANT_SETTINGS[@]}"; do
        printf '%s=%s\n' "$key" "${WANT_SETTINGS[$key]}"
    done | LC_ALL=C sort | paste -sd' ' -
}

# lab_parse_setting KEY=VALUE: into WANT_SETTINGS (the settings asked for),
# checked for shape here and by the engine later (lab_check_settings).
lab_parse_setting() {
    local word="$1"
    [[ "$word" =~ ^([a-z][a-z0-9_.]{0,39})=([A-Za-z0-9._-]{1,40})$ ]] \
        || die "--set '$word': KEY=VALUE, the key lower-case letters, digits, '_' and '.', the value letters, digits, '.', '_' and '-' (40 characters at most)"
    WANT_SETTINGS["${BASH_REMATCH[1]}"]="${BASH_REMATCH[2]}"
}

# lab_check_settings ENGINE: every key of WANT_SETTINGS is one of ENGINE's
# settings, and the engine accepts the values together; dies naming what is
# wrong.
lab_check_settings() {
    local engine="$1" key known
    known="$("lab_${engine}_settings" | cut -f1)"
    for key in "${!WANT_SETTINGS[@]}"; do
        grep -qxF "$key" <<<"$known" \
            || die "--set $key: the $engine engine has no such setting (it has: $(paste -sd' ' - <<<"$known"))"
    done
    "lab_${engine}_check_settings"
}

# lab_note_state KEY VALUE: records in lab.env a piece that up is about to
# add, before adding it, so that down removes it however far up got.
lab_note_state() {
    printf '%s=%s\n' "$1" "$2" >>"$LAB_STATE"
}

lab_node_names() {
    local i
    for ((i = 1; i <= LAB_NODES; i++)); do
        printf 'n%d\n' "$i"
    done
}

lab_ns() { printf '%s-%s\n' "$LAB_NAME" "$1"; }
lab_host_addr() { printf '%s.1\n' "$LAB_NET"; }
lab_node_addr() { printf '%s.%d\n' "$LAB_NET" "$((10 + ${1#n}))"; }
lab_node_dir() { printf '%s/nodes/%s\n' "$LAB_DIR" "$1"; }
lab_cluster() { printf '%s/cluster.json\n' "$LAB_DIR"; }
lab_password_file() { printf '%s/password\n' "$LAB_DIR"; }

# lab_need_up: dies unless a lab is up (its state exists).
lab_need_up() {
    [[ -f "$LAB_STATE" ]] || die "no lab is up (start one with: $(basename "$0") up)"
}

# lab_need_node NODE: dies unless NODE is one of the running lab's nodes.
lab_need_node() {
    lab_need_up
    if ! [[ "$1" =~ ^n[0-9]+$ ]] || ((${1#n} < 1 || ${1#n} > LAB_NODES)); then
        die "unknown node '$1': the lab has $(lab_node_names | paste -sd, -)"
    fi
}
