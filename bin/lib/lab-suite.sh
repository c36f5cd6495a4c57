# shellcheck shell=bash
# `lab.sh suite [FILE] [--repeat N] [--results DIR]`: every scenario of a
# suite file (docs/suites.md), each repetition on a lab of the right engine
# and size that passed the readiness gate, archived the way Jepsen archives
# its store (SUITE-DATE/SCENARIO/REP/), then the leaderboard over all of
# them, judged against the suite's limits. Needs the other bin/lib/lab-*.sh.

# Files of a run's directory that the leaderboard and a reader look at.
LAB_SUITE_REPORTS="report.txt report.html report.json report.md"

# lab_suite_file ARG: a suite file's path; a bare name is one of etc/suites.
lab_suite_file() {
    local arg="${1:-standard}"
    if [[ "$arg" != */* && "$arg" != *.json ]]; then
        arg="$PERSEUS_ROOT/etc/suites/$arg.json"
    fi
    [[ -r "$arg" ]] || die "suite file $arg: cannot read it (the suites shipped: $(find "$PERSEUS_ROOT/etc/suites" -name '*.json' -printf '%f\n' | sed 's/\.json$//' | sort | paste -sd' ' -))"
    realpath "$arg"
}

# lab_suite_plan FILE: one line per scenario, tab-separated: name, engine,
# nodes, duration, repeat, the schedule as AT:ACTION:TARGET words, then the
# engine settings as KEY=VALUE words (the defaults' merged with the
# scenario's; checked by --check-suite before anything starts).
lab_suite_plan() {
    jq -r '.defaults as $d | .scenarios[] |
        [.name, (.engine // $d.engine // "galera"), (.nodes // $d.nodes // 3),
         (.duration // $d.duration), (.repeat // $d.repeat // 1),
         ((.faults // $d.faults // []) | map("\(.at):\(.action):\(.target)") | join(" ")),
         ((($d.settings // {}) + (.settings // {})) | to_entries
           | map("\(.key)=\(.value | if type == "boolean" then (if . then "on" else "off" end) else tostring end)")
           | sort | join(" "))]
        | @tsv' "$1"
}

# lab_suite_lab ENGINE NODES SETTINGS: a lab of that engine, size and
# settings (KEY=VALUE words), rebuilt only when the one up differs.
lab_suite_lab() {
    local engine="$1" nodes="$2" settings="$3" word args=()
    for word in $settings; do
        args+=(--set "$word")
    done
    if [[ -f "$LAB_STATE" ]] && [[ "$LAB_ENGINE" != "$engine" || "$LAB_NODES" != "$nodes" \
        || "$(lab_settings_words)" != "$settings" ]]; then
        say "suite: the lab has $LAB_NODES $LAB_ENGINE nodes (settings '$(lab_settings_words)'), the scenario wants $nodes $engine ('$settings'): rebuilding"
        lab_down
    fi
    [[ -f "$LAB_STATE" ]] || lab_up --engine "$engine" --nodes "$nodes" "${args[@]}"
}

# lab_suite_ready ENGINE NODES SETTINGS RECORD [UNREADY]: the readiness gate
# before a run; when it fails, the lab is healed and, if that is not enough
# (a former Patroni leader whose history the others never wrote, say), built
# anew, as an operator would, and the gate tried again. UNREADY (1: the
# gate after the previous run already waited its whole limit in vain) skips
# the first wait, which would only repeat that one. Fails when even a new
# lab is not ready.
lab_suite_ready() {
    local engine="$1" nodes="$2" settings="$3" record="$4" unready="${5:-0}"
    if [[ "$unready" == 1 ]]; then
        say "suite: the lab was not ready after the last run: healing every node"
    else
        lab_ready_gate "$LAB_SUITE_READY" "$record" before && return 0
        say "suite: the lab is not ready ($READY_PROBLEM): healing every node"
    fi
    lab_heal_all || true
    lab_ready_gate "$LAB_SUITE_READY" "$record" before-healed && return 0
    say "suite: still not ready after healing ($READY_PROBLEM): building the lab anew"
    lab_down
    lab_suite_lab "$engine" "$nodes" "$settings"
    lab_ready_gate "$LAB_SUITE_READY" "$record" before-rebuilt
}

# lab_suite_unsupported SCHEDULE: why this machine cannot run the schedule,
# or nothing.
lab_suite_unsupported() {
    if [[ " $1" == *:delay:* ]] && ! netfault_netem_works; then
        printf 'this kernel has no sch_netem: tc netem delay cannot run here\n'
    fi
}

# lab_suite_target ROLE REP: what perseus's --fault gets for a role: a
# node as named, `leader` for an engine with a leader (perseus asks which
# node leads when the fault fires; lab_fault_target), or for `any` a
# different node each repetition.
lab_suite_target() {
    local role="$1" rep="$2"
    case "$role" in
        any) printf 'n%d\n' "$(((rep - 1) % LAB_NODES + 1))" ;;
        *) lab_fault_target "$role" ;;
    esac
}

# lab_suite_fault_args SCHEDULE REP: perseus's --fault and --fault-cmd
# arguments, one per line, with the roles resolved for this repetition (the
# same role is the same node throughout a run).
lab_suite_fault_args() {
    local schedule="$1" rep="$2" step at rest action role node word lab="$PERSEUS_ROOT/bin/lab.sh"
    local -A nodes=() commands=()
    local leader=""
    for step in $schedule; do
        at="${step%%:*}"
        rest="${step#*:}"
        role="${rest##*:}"
        action="${rest%:*}"
        [[ -n "${nodes[$role]:-}" ]] || nodes[$role]="$(lab_suite_target "$role" "$rep")"
        node="${nodes[$role]}"
        [[ "$node" != leader ]] || leader=1
        printf -- '--fault\n%s:%s:%s\n' "$at" "$action" "$node"
        word="${action%%:*}"
        if [[ "$word" == start ]]; then
            commands[$word]="start=$lab start --no-wait"
        else
            commands[$word]="$word=$lab $word"
        fi
    done
    for word in "${!commands[@]}"; do
        printf -- '--fault-cmd\n%s\n' "${commands[$word]}"
    done
    [[ -z "$leader" ]] || printf -- '--leader-cmd\n%s\n' "$lab leader"
}


# lab_suite_measure DIR LABEL DURATION SCHEDULE REP: one run; its files in DIR.
lab_suite_measure() {
    local dir="$1" label="$2" duration="$3" schedule="$4" rep="$5" rc=0 file
    local -a faults
    mapfile -t faults < <(lab_suite_fault_args "$schedule" "$rep")
    lab_run_log_set "$dir/events.jsonl"
    lab_perseus --cluster "$(lab_cluster)" \
        --log "$dir/events.jsonl" --duration "$duration" --user perseus --label "$label" \
        "${faults[@]}" >"$dir/table.txt" 2>"$dir/perseus.stderr" || rc=$?
    lab_run_log_set ""
    ((rc == 0)) || say "suite: perseus exited with status $rc (its messages: $dir/perseus.stderr)"
    [[ -s "$dir/events.jsonl" ]] || return 1
    "$REPORT_BIN" --text --html "$dir/report.html" "$dir/events.jsonl" >"$dir/report.txt" || return 1
    "$REPORT_BIN" --json "$dir/events.jsonl" >"$dir/report.json" || return 1
    "$REPORT_BIN" --markdown "$dir/events.jsonl" >"$dir/report.md" || return 1
    for file in $LAB_SUITE_REPORTS; do
        [[ -s "$dir/$file" ]] || return 1
    done
    lab_fault_lines "$dir/report.txt" | sed "s|^|  $label: |" >&2
}

# lab_suite_progress K N SCENARIO REP REPS STARTED DONE_SECONDS LEFT_SECONDS
lab_suite_progress() {
    local k="$1" n="$2" scenario="$3" rep="$4" reps="$5" elapsed="$6" left="$7"
    say "$(printf 'suite: scenario %d of %d (%s), repetition %d of %d; %d:%02d elapsed, about %d:%02d left' \
        "$k" "$n" "$scenario" "$rep" "$reps" $((elapsed / 60)) $((elapsed % 60)) $((left / 60)) $((left % 60)))"
}

lab_suite() {
    local file="" repeat="" results="" suite stamp dir root
    LAB_SUITE_READY="$LAB_READY_WAIT"
    while (($#)); do
        case "$1" in
            --repeat) [[ $# -ge 2 ]] || die "suite: --repeat needs a number"; repeat="$2"; shift 2 ;;
            --results) [[ $# -ge 2 ]] || die "suite: --results needs a directory"; results="$2"; shift 2 ;;
            --ready-timeout) [[ $# -ge 2 ]] || die "suite: --ready-timeout needs seconds"; LAB_SUITE_READY="$2"; shift 2 ;;
            -*) die "suite: unknown option $1 (see --help)" ;;
            *) [[ -z "$file" ]] || die "suite: one FILE only"; file="$1"; shift ;;
        esac
    done
    [[ -z "$repeat" || "$repeat" =~ ^[1-9][0-9]?$ ]] || die "suite: --repeat takes 1 to 99"
    ready_limit "$LAB_SUITE_READY" "suite: --ready-timeout"
    [[ "$PERSEUS_ROOT" != *[[:space:]]* ]] || die "the repository path has a space; perseus cannot call $PERSEUS_ROOT/bin/lab.sh"
    file="$(lab_suite_file "$file")"
    lab_tools
    lab_binaries
    # Checked once, before anything starts, by the same parser the
    # leaderboard uses: a mistake names the file, the scenario and the field.
    "$REPORT_BIN" --check-suite "$file" >/dev/null || exit 2
    suite="$(jq -r .name "$file")"
    stamp="$(date +%Y%m%d-%H%M%S)"
    root="$(realpath -m "${PERSEUS_RESULTS_DIR:-$PERSEUS_ROOT/results}")"
    dir="$(realpath -m "${results:-$root/$suite-$stamp}")"
    [[ ! -e "$dir/leaderboard.json" ]] || die "suite: $dir already holds a suite's results"
    mkdir -p "$dir"
    # The suite as run (with --repeat applied): what the leaderboard judges.
    jq --argjson r "${repeat:-0}" 'if $r > 0 then .defaults.repeat = $r | .scenarios |= map(.repeat = $r) else . end' \
        "$file" >"$dir/suite.json"
    : >"$dir/not-run.tsv"
    if [[ -z "$results" ]]; then
        ln -sfn "$(basename "$dir")" "$root/latest"
    fi
    lab_suite_runs "$dir" "$suite"
    lab_suite_board "$dir"
}

# lab_suite_runs DIR SUITE: every scenario and repetition of DIR/suite.json.
lab_suite_runs() {
    local dir="$1" suite="$2" plan name engine nodes duration reps schedule rep k=0 n
    local started="$SECONDS" done_runs=0 total=0 run_dir why left per unready=0
    plan="$(lab_suite_plan "$dir/suite.json")"
    n="$(wc -l <<<"$plan")"
    total="$(awk -F'\t' '{s += $5} END {print s}' <<<"$plan")"
    while IFS=$'\t' read -r name engine nodes duration reps schedule settings; do
        k=$((k + 1))
        why="$(lab_suite_unsupported "$schedule")"
        for ((rep = 1; rep <= reps; rep++)); do
            per=$((done_runs > 0 ? (SECONDS - started) / done_runs : duration + 20))
            left=$(((total - done_runs) * per))
            lab_suite_progress "$k" "$n" "$name" "$rep" "$reps" $((SECONDS - started)) "$left"
            run_dir="$dir/$name/$rep"
            mkdir -p "$run_dir"
            done_runs=$((done_runs + 1))
            if [[ -n "$why" ]]; then
                printf '%s\t%d\tunsupported\t%s\n' "$name" "$rep" "$why" >>"$dir/not-run.tsv"
                say "suite: $name skipped: $why"
                continue
            fi
            lab_suite_lab "$engine" "$nodes" "$settings"
            if ! lab_suite_ready "$engine" "$nodes" "$settings" "$run_dir/readiness.jsonl" "$unready"; then
                printf '%s\t%d\tunhealthy\t%s\n' "$name" "$rep" "${READY_PROBLEM:-not ready}" >>"$dir/not-run.tsv"
                continue
            fi
            lab_suite_measure "$run_dir" "$suite/$name/$rep" "$duration" "$schedule" "$rep" \
                || say "suite: $name repetition $rep left no complete report (see $run_dir)"
            lab_server_logs "$run_dir"
            lab_heal_all || say "suite: healing after $name repetition $rep failed; the next gate decides"
            unready=0
            lab_ready_gate "$LAB_SUITE_READY" "$run_dir/readiness.jsonl" after || unready=1
        done
    done <<<"$plan"
}

# lab_suite_board DIR: the leaderboard of every run in DIR, printed and kept
# as leaderboard.md and leaderboard.json; exits 1 when a limit was exceeded.
lab_suite_board() {
    local dir="$1" rc=0
    local -a logs args
    mapfile -t logs < <(find "$dir" -mindepth 3 -maxdepth 3 -name events.jsonl | sort)
    args=(--leaderboard --suite "$dir/suite.json" --not-run "$dir/not-run.tsv")
    "$REPORT_BIN" "${args[@]}" --markdown "${logs[@]}" >"$dir/leaderboard.md" 2>/dev/null || true
    "$REPORT_BIN" "${args[@]}" --json "${logs[@]}" >"$dir/leaderboard.json" 2>/dev/null || true
    printf '\n'
    "$REPORT_BIN" "${args[@]}" --html "$dir/leaderboard.html" "${logs[@]}" || rc=$?
    printf 'page: %s\n' "$dir/leaderboard.html"
    printf 'results: %s\n' "$dir"
    return "$rc"
}
