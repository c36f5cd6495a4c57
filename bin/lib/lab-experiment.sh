# shellcheck shell=bash
# `lab.sh experiment`: up if needed, the readiness gate, one perseus run
# that puts one fault of the vocabulary on a node and undoes it on a
# schedule (isolate and rejoin by default; perseus calls this script's
# commands), perseus-report into a results directory, then the node healed
# and the gate passed again.

# lab_binaries: perseus, perseus-report and the servers' supervisor, built
# when missing or older than the sources (release_binaries,
# bin/lib/deps.sh). Sets PERSEUS_BIN, REPORT_BIN, SUPERVISE_BIN.
lab_binaries() {
    release_binaries perseus perseus-report perseus-supervise
    PERSEUS_BIN="$RELEASE_DIR/perseus"
    REPORT_BIN="$RELEASE_DIR/perseus-report"
    # shellcheck disable=SC2034 # for lab_supervise (bin/lib/lab-proc.sh)
    SUPERVISE_BIN="$RELEASE_DIR/perseus-supervise"
}

# lab_fault_lines REPORT_TXT: each fault's line of the text report, whose
# renderer is the one place the numbers are worded.
lab_fault_lines() {
    sed -n 's/^#   \([0-9.]* s [^ ]* [^ ]*: downtime .*\)$/\1/p' "$1"
}

# lab_fault_node LOG: the node the run's first leader fault hit (its event
# says, `role` leader); nothing when none took effect.
lab_fault_node() {
    jq -r 'select(.ev == "fault" and .role == "leader" and .exit == 0) | .node' "$1" 2>/dev/null \
        | head -n 1 || true
}

# lab_server_lines REPORT_TXT: each node's server events as the text report
# words them (its "server events" section), one line a node and server.
lab_server_lines() {
    sed -n '/^# server events /,/^# [^ ]/{/^#   /s/^#   //p}' "$1"
}

# lab_experiment_kind KIND: sets CUT (the action, with its argument after a
# colon as perseus's --fault takes it) and REPAIR (its undo); dies on a kind
# or argument the lab does not know, and on delay where the kernel has no
# netem, before anything starts.
lab_experiment_kind() {
    local kind="$1" arg=""
    [[ "$kind" != *:* ]] || arg="${kind#*:}"
    CUT="$kind"
    case "${kind%%:*}" in
        isolate | isolate-in | isolate-out) REPAIR=rejoin ;;
        kill) REPAIR=start ;;
        pause) REPAIR=resume ;;
        partition | loss | bandwidth | delay) REPAIR=heal ;;
        *) die "experiment: --fault is isolate, isolate-in, isolate-out, partition:SHAPE, kill, pause, loss:PCT, bandwidth:RATE or delay:MS[/JITTER], not '$kind'" ;;
    esac
    local why
    if [[ "$kind" == *:* ]]; then
        why="$(grammar_fault_arg "${kind%%:*}" "$arg")" || die "experiment: --fault $why"
    else
        why="$(grammar_fault_arg "$kind")" || die "experiment: --fault $why"
    fi
    case "${kind%%:*}" in
        delay)
            netfault_netem_works || die "experiment: --fault $kind: this kernel lacks sch_netem (tc's netem qdisc), so the delay cannot be applied; nothing was started. On the target it would run, in its namespace (for n1 of a three-node lab):
$(netfault_tc_plan new eth0 "" "$arg" "$LAB_NET.12" "$LAB_NET.13")
(bin/lab.sh delay --dry-run $arg NODE prints them for a lab that is up)" ;;
    esac
}

# lab_perseus ARGS...: perseus with the lab's password in the variable the
# engine's protocol reads (lab_E_password_var), in its environment only:
# never in an argv.
lab_perseus() {
    local -x "$(lab_engine_call password_var)=$(<"$(lab_password_file)")"
    "$PERSEUS_BIN" "$@"
}

# lab_experiment_times ENGINE FAULT_AT UNDO_AT DURATION: the three, each
# as given or else by default (the fault at 20 s, the undo the engine's
# window after it, the end its tail after the undo: a failover must fit),
# as "FAULT_AT UNDO_AT DURATION"; dies unless 0 < fault < undo < end.
lab_experiment_times() {
    local engine="$1" fault_at="${2:-20}" undo_at="$3" duration="$4" window tail
    [[ "$fault_at" =~ ^[0-9]+$ && "$undo_at" =~ ^[0-9]*$ && "$duration" =~ ^[0-9]*$ ]] \
        || die "experiment: --duration, --fault-at (--isolate-at) and --undo-at (--rejoin-at) take whole seconds"
    read -r window tail < <("lab_${engine}_fault_window")
    undo_at="${undo_at:-$((fault_at + window))}"
    duration="${duration:-$((undo_at + tail))}"
    ((0 < fault_at && fault_at < undo_at && undo_at < duration)) \
        || die "experiment: needs 0 < fault-at ($fault_at) < undo-at ($undo_at) < duration ($duration)"
    printf '%s %s %s\n' "$fault_at" "$undo_at" "$duration"
}

lab_experiment() {
    local engine="" duration="" fault_at="" undo_at="" target=leader results="" node rc=0 nodes="" chosen=""
    local ready_limit="$LAB_READY_WAIT" healed=0 up_args=() times
    declare -gA WANT_SETTINGS=()
    CUT=isolate REPAIR=rejoin
    while (($#)); do
        [[ $# -ge 2 ]] || die "experiment: $1 needs a value (see --help)"
        case "$1" in
            --engine) engine="$2" ;;
            --set) lab_parse_setting "$2"; up_args+=(--set "$2") ;;
            --nodes) nodes="$2" ;;
            --duration) duration="$2" ;;
            --isolate-at | --fault-at) fault_at="$2" ;;
            --rejoin-at | --undo-at) undo_at="$2" ;;
            --target) target="$2" ;;
            --results) results="$2" ;;
            --ready-timeout) ready_limit="$2" ;;
            --fault) lab_experiment_kind "$2" ;;
            *) die "experiment: unknown option $1 (see --help)" ;;
        esac
        shift 2
    done
    [[ -z "$engine" || " $LAB_KNOWN_ENGINES " == *" $engine "* ]] || die "unknown engine '$engine' (one of: $LAB_KNOWN_ENGINES)"
    times="$(lab_experiment_times "${engine:-${LAB_ENGINE:-galera}}" "$fault_at" "$undo_at" "$duration")" || exit 1
    read -r fault_at undo_at duration <<<"$times"
    [[ -z "$nodes" || "$nodes" =~ ^[1-9]$ ]] || die "experiment: --nodes '$nodes': 1 to 9"
    ready_limit "$ready_limit" "experiment: --ready-timeout"
    # perseus splits a fault command on whitespace.
    [[ "$PERSEUS_ROOT" != *[[:space:]]* ]] || die "the repository path has a space; perseus cannot call $PERSEUS_ROOT/bin/lab.sh"
    chosen="$results"
    results="$(realpath -m "${results:-${PERSEUS_RESULTS_DIR:-$PERSEUS_ROOT/results}/$(date +%Y%m%d-%H%M%S)}")"
    [[ ! -e "$results/events.jsonl" ]] || die "$results already holds a run"
    lab_tools
    lab_binaries
    if [[ ! -f "$LAB_STATE" ]]; then
        lab_up --engine "${engine:-galera}" --nodes "${nodes:-3}" "${up_args[@]}"
    elif ((${#WANT_SETTINGS[@]} > 0)) && [[ "$(lab_settings_words)" != "$(lab_want_settings_words)" ]]; then
        die "a lab is up with settings '$(lab_settings_words)', not '$(lab_want_settings_words)': take it down first ($(basename "$0") down)"
    elif [[ -n "$nodes" && "$nodes" != "$LAB_NODES" ]]; then
        die "a lab of $LAB_NODES nodes is up, not $nodes: take it down first ($(basename "$0") down), or leave out --nodes"
    elif [[ -n "$engine" && "$engine" != "$LAB_ENGINE" ]]; then
        die "a $LAB_ENGINE lab is up, not $engine: take it down first ($(basename "$0") down)"
    else
        lab_whole || die "the lab is not whole (see $(basename "$0") status): start the node that is down, or down and up"
    fi
    mkdir -p "$results"
    # results/latest: the newest run or suite, as with suites; a directory
    # given with --results is the user's and leaves it alone.
    [[ -n "$chosen" ]] || ln -sfn "$(basename "$results")" "$(dirname "$results")/latest"
    # A cluster still warming up or catching up would be measured instead of
    # the fault: nothing starts until it is whole.
    lab_ready_gate "$ready_limit" "$results/readiness.jsonl" before \
        || die "nothing measured: the cluster is not ready (see $results/readiness.jsonl and $(basename "$0") status)"
    local lab="$PERSEUS_ROOT/bin/lab.sh" cmds=() action aim
    # The leader is named when the fault fires (perseus asks `lab.sh
    # leader`), not now: by then another node may lead. An engine without
    # a leader has n1 stand in, as lab_target says.
    aim="$(lab_fault_target "$target")"
    [[ "$aim" != leader ]] || cmds+=(--leader-cmd "$lab leader")
    node="$aim"
    lab_engine_call record "$results" before
    say "experiment: $duration s on $LAB_ENGINE, $CUT $aim at $fault_at s, $REPAIR at $undo_at s; results in $results"
    for action in "${CUT%%:*}" "$REPAIR"; do
        if [[ "$action" == start ]]; then
            cmds+=(--fault-cmd "start=$lab start --no-wait")
        else
            cmds+=(--fault-cmd "$action=$lab $action")
        fi
    done
    # The servers' supervisors tell this run what the servers do.
    lab_run_log_set "$results/events.jsonl"
    lab_perseus --cluster "$(lab_cluster)" \
        --log "$results/events.jsonl" --duration "$duration" --user perseus \
        --fault "$fault_at:$CUT:$aim" --fault "$undo_at:$REPAIR:$aim" "${cmds[@]}" \
        2> >(tee "$results/perseus.stderr" >&2) | tee "$results/table.txt" || rc=$?
    lab_run_log_set ""
    ((rc == 0)) || say "perseus exited with status $rc (its messages: $results/perseus.stderr)"
    [[ -s "$results/events.jsonl" ]] || die "perseus wrote no log; see $results/perseus.stderr"
    "$REPORT_BIN" --text --html "$results/report.html" "$results/events.jsonl" >"$results/report.txt" \
        || die "perseus-report failed"
    "$REPORT_BIN" --json "$results/events.jsonl" >"$results/report.json" || die "perseus-report --json failed"
    "$REPORT_BIN" --markdown "$results/events.jsonl" >"$results/report.md" || die "perseus-report --markdown failed"
    # The next experiment must start from a whole cluster too: the node the
    # fault hit (the log says which node a leader fault chose) is healed.
    [[ "$aim" != leader ]] || node="$(lab_fault_node "$results/events.jsonl")"
    if [[ -n "$node" ]]; then
        say "experiment over: healing $node, then checking the cluster is whole again"
        lab_heal_node "$node"
    else
        say "experiment over: no leader fault took effect; healing every node, then checking the cluster is whole again"
        lab_heal_all
    fi
    lab_ready_gate "$ready_limit" "$results/readiness.jsonl" after || healed=1
    lab_server_logs "$results"
    lab_engine_call record "$results" after
    printf '\n'
    lab_fault_lines "$results/report.txt"
    lab_server_lines "$results/report.txt" | sed 's/^/server events: /'
    ((healed == 0)) \
        || say "the cluster did not become whole again after the run: see $results/readiness.jsonl and $(basename "$0") status before the next experiment"
    printf 'page: %s\n' "$results/report.html"
    printf 'results: %s\n' "$results"
    return "$healed"
}
