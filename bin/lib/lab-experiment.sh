# shellcheck shell=bash
# `lab.sh experiment`: up if needed, the readiness gate, one perseus run
# that isolates a node and lets it rejoin on a schedule (or, with --fault
# kill, kills it and starts it again; perseus calls this script's commands),
# perseus-report into a results directory, then the node healed and the
# gate passed again.

# lab_binaries: perseus and perseus-report, built when missing or older than
# the sources (release_binaries, bin/lib/deps.sh). Sets PERSEUS_BIN, REPORT_BIN.
lab_binaries() {
    release_binaries perseus perseus-report
    PERSEUS_BIN="$RELEASE_DIR/perseus"
    REPORT_BIN="$RELEASE_DIR/perseus-report"
}

# lab_fault_lines REPORT_TXT: each fault's line of the text report, whose
# renderer is the one place the numbers are worded.
lab_fault_lines() {
    sed -n 's/^#   \([0-9.]* s [^ ]* [^ ]*: downtime .*\)$/\1/p' "$1"
}

lab_experiment() {
    local engine="" duration=60 isolate_at=20 rejoin_at=40 target=leader results="" node rc=0
    local ready_limit="$LAB_READY_WAIT" healed=0
    local cut=isolate repair=rejoin
    while (($#)); do
        [[ $# -ge 2 ]] || die "experiment: $1 needs a value (see --help)"
        case "$1" in
            --engine) engine="$2" ;;
            --duration) duration="$2" ;;
            --isolate-at) isolate_at="$2" ;;
            --rejoin-at) rejoin_at="$2" ;;
            --target) target="$2" ;;
            --results) results="$2" ;;
            --ready-timeout) ready_limit="$2" ;;
            --fault)
                case "$2" in
                    isolate) cut=isolate repair=rejoin ;;
                    kill) cut=kill repair=start ;;
                    *) die "experiment: --fault is isolate or kill, not '$2'" ;;
                esac
                ;;
            *) die "experiment: unknown option $1 (see --help)" ;;
        esac
        shift 2
    done
    [[ "$duration $isolate_at $rejoin_at" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]] \
        || die "experiment: --duration, --isolate-at and --rejoin-at take whole seconds"
    ((0 < isolate_at && isolate_at < rejoin_at && rejoin_at < duration)) \
        || die "experiment: needs 0 < isolate-at ($isolate_at) < rejoin-at ($rejoin_at) < duration ($duration)"
    ready_limit "$ready_limit" "experiment: --ready-timeout"
    # perseus splits a fault command on whitespace.
    [[ "$PERSEUS_ROOT" != *[[:space:]]* ]] || die "the repository path has a space; perseus cannot call $PERSEUS_ROOT/bin/lab.sh"
    results="$(realpath -m "${results:-$PERSEUS_ROOT/results/$(date +%Y%m%d-%H%M%S)}")"
    [[ ! -e "$results/events.jsonl" ]] || die "$results already holds a run"
    lab_tools
    lab_binaries
    if [[ ! -f "$LAB_STATE" ]]; then
        lab_up --engine "${engine:-galera}"
    elif [[ -n "$engine" && "$engine" != "$LAB_ENGINE" ]]; then
        die "a $LAB_ENGINE lab is up, not $engine: take it down first ($(basename "$0") down)"
    else
        lab_whole || die "the lab is not whole (see $(basename "$0") status): start the node that is down, or down and up"
    fi
    mkdir -p "$results"
    # A cluster still warming up or catching up would be measured instead of
    # the fault: nothing starts until it is whole.
    lab_ready_gate "$ready_limit" "$results/readiness.jsonl" before \
        || die "nothing measured: the cluster is not ready (see $results/readiness.jsonl and $(basename "$0") status)"
    node="$(lab_target "$target")"
    say "experiment: $duration s on $LAB_ENGINE, $cut $node at $isolate_at s, $repair at $rejoin_at s; results in $results"
    local lab="$PERSEUS_ROOT/bin/lab.sh"
    MYSQL_PWD="$(<"$(lab_password_file)")" "$PERSEUS_BIN" --cluster "$(lab_cluster)" \
        --log "$results/events.jsonl" --duration "$duration" --user perseus \
        --fault "$isolate_at:$cut:$node" --fault "$rejoin_at:$repair:$node" \
        --fault-cmd "isolate=$lab isolate" --fault-cmd "rejoin=$lab rejoin" \
        --fault-cmd "kill=$lab kill" --fault-cmd "start=$lab start --no-wait" \
        2> >(tee "$results/perseus.stderr" >&2) | tee "$results/table.txt" || rc=$?
    ((rc == 0)) || say "perseus exited with status $rc (its messages: $results/perseus.stderr)"
    [[ -s "$results/events.jsonl" ]] || die "perseus wrote no log; see $results/perseus.stderr"
    "$REPORT_BIN" "$results/events.jsonl" >"$results/report.txt" || die "perseus-report failed"
    "$REPORT_BIN" --json "$results/events.jsonl" >"$results/report.json" || die "perseus-report --json failed"
    "$REPORT_BIN" --markdown "$results/events.jsonl" >"$results/report.md" || die "perseus-report --markdown failed"
    # The next experiment must start from a whole cluster too.
    say "experiment over: healing $node, then checking the cluster is whole again"
    lab_heal_node "$node"
    lab_ready_gate "$ready_limit" "$results/readiness.jsonl" after || healed=1
    printf '\n'
    lab_fault_lines "$results/report.txt"
    ((healed == 0)) \
        || say "the cluster did not become whole again after the run: see $results/readiness.jsonl and $(basename "$0") status before the next experiment"
    printf 'results: %s\n' "$results"
    return "$healed"
}
