# shellcheck shell=bash
# Waiting, with a time limit, until a cluster is ready for a measurement: a
# measurement that starts before the cluster is whole measures its warm-up
# (a TiDB still adding replicas, a Galera node still in state transfer)
# instead of the fault. Needs common.sh.

# ready_wait LIMIT CHECK...: runs CHECK every 2 s until it prints nothing or
# LIMIT seconds have passed. CHECK prints one line saying what keeps the
# cluster from being ready, nothing when it is; each new line is said once.
# A CHECK that fails without a line is a problem too, told with the last
# lines of its stderr (a cluster file without the fields it needs, say),
# which is otherwise left unsaid: the checks run every 2 s. Sets
# READY_WAITED (whole seconds), READY_PROBLEM (the last line, empty when
# ready) and READY_SEEN (every distinct line, in order). Returns 0 when
# ready, 1 when time ran out.
ready_wait() {
    local limit="$1" start="$SECONDS" problem rc errors why line
    shift
    READY_SEEN=()
    errors="$(mktemp)" || die "cannot create a temporary file for the readiness check"
    while :; do
        rc=0
        problem="$("$@" 2>"$errors" | head -n 1)" || rc=$?
        if [[ -z "$problem" && "$rc" -ne 0 ]]; then
            why=""
            while IFS= read -r line; do
                if [[ -n "$line" ]]; then why+="${why:+; }$line"; fi
            done < <(tail -n 3 "$errors")
            problem="the readiness check ($1) failed (status $rc)${why:+: $why}"
        fi
        READY_WAITED=$((SECONDS - start))
        # shellcheck disable=SC2034 # for the callers
        READY_PROBLEM="$problem"
        [[ -n "$problem" ]] || { rm -f "$errors"; return 0; }
        if ! printf '%s\n' "${READY_SEEN[@]}" | grep -qxF -- "$problem"; then
            READY_SEEN+=("$problem")
            say "not ready yet: $problem"
        fi
        ((READY_WAITED < limit)) || { rm -f "$errors"; return 1; }
        sleep 2
    done
}

# ready_limit VALUE WHAT: dies unless VALUE is a whole number of seconds.
ready_limit() {
    [[ "$1" =~ ^[0-9]+$ ]] || die "$2 takes whole seconds, not '$1'"
}
