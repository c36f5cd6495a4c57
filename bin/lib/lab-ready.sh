# shellcheck shell=bash
# The lab's readiness gate and healing: before a measurement the cluster
# must be whole and ready (lab_ENGINE_healthy says what is not), after it
# every fault is undone and the gate passed again, so that the next
# experiment starts healthy. Needs common.sh, ready.sh and the other
# bin/lib/lab-*.sh.

# How long the gate waits by default: a TiDB cluster's new Regions get their
# replicas within a minute or two, a Galera joiner's state transfer within
# seconds to a minute on a busy 2-core machine.
LAB_READY_WAIT=300

# lab_ready_gate LIMIT [RECORD LABEL]: waits up to LIMIT seconds until the
# engine finds the cluster healthy. With RECORD, appends one JSON line for
# the check to that file (docs/lab.md: readiness.jsonl). Fails, saying what
# is still wrong, when time runs out.
lab_ready_gate() {
    local limit="$1" record="${2:-}" label="${3:-}" rc=0
    lab_need_up
    ready_wait "$limit" lab_engine_call healthy || rc=$?
    if [[ -n "$record" ]]; then
        jq -nc --arg gate "$label" --arg engine "$LAB_ENGINE" --argjson nodes "$LAB_NODES" \
            --argjson ready "$((rc == 0))" --argjson waited "$READY_WAITED" --argjson limit "$limit" \
            --arg problem "$READY_PROBLEM" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
            '{gate: $gate, at: $at, engine: $engine, nodes: $nodes, ready: ($ready == 1),
              waited_s: $waited, limit_s: $limit, problem: (if $problem == "" then null else $problem end),
              seen: $ARGS.positional}' --args "${READY_SEEN[@]}" >>"$record"
    fi
    if ((rc != 0)); then
        say "the $LAB_ENGINE lab is not ready after $limit s: $READY_PROBLEM"
        return 1
    fi
    say "the $LAB_ENGINE lab is ready${label:+ ($label)}: all $LAB_NODES nodes whole (waited $READY_WAITED s)"
}

# lab_heal_node NODE: undoes every fault the lab can put on NODE, so that
# the cluster can become whole again: resumes it if paused, removes its
# network faults (and any partition it is part of), and starts it, waiting
# until it serves, if a server of it is down with no supervisor to start it
# again (killed: the node lost power). The readiness gate then checks the
# result, waiting for a server its supervisor restarts.
lab_heal_node() {
    local node="$1" comp
    ! lab_node_paused "$node" || lab_signal_node "$node" CONT
    lab_fault heal "$node"
    for comp in $(lab_engine_call components); do
        if ! lab_supervised "$node" "$comp"; then
            lab_start_node "$node" wait
            break
        fi
    done
}

# lab_ready [--timeout S]: the `lab.sh ready` command.
lab_ready() {
    local limit="$LAB_READY_WAIT"
    while (($#)); do
        case "$1" in
            --timeout) [[ $# -ge 2 ]] || die "ready: --timeout needs seconds"; limit="$2"; shift 2 ;;
            *) die "ready: unknown argument $1 (see --help)" ;;
        esac
    done
    ready_limit "$limit" "ready --timeout"
    lab_tools
    lab_ready_gate "$limit" || exit 1
}
