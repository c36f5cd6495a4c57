# shellcheck shell=bash
# The grammar of the words users give the tools (docs/suites.md, "The
# grammar"), in bash: the same rules as src/grammar.rs, which perseus and
# perseus-report use (tests/grammar.rs holds the two to the same verdicts).
# Each check prints nothing and succeeds, or fails with the reason on
# stdout (for the caller's message). Needs nothing.
#
# Every word handed to a fault command is made of characters no shell reads
# as syntax, so that a command run over ssh gets its arguments as data; a
# partition's groups may be separated by `/` as well as `|`. Each check runs
# in the C locale, where [A-Za-z] means ASCII letters only.

GRAMMAR_ROLES=" leader any replica "

# grammar_node NAME: 1 to 64 letters, digits, _ . -, starting with a letter
# or digit, and not a role.
grammar_node() {
    local LC_ALL=C
    if [[ "$GRAMMAR_ROLES" == *" $1 "* ]]; then
        printf "node name '%s' is a role the tools give a meaning to (leader, any, replica): choose another\n" "$1"
        return 1
    fi
    [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ ]] && return 0
    printf "node name '%s' must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit\n" "$1"
    return 1
}

# grammar_scenario NAME: a suite's or scenario's name, which names a
# directory: 1 to 64 letters, digits, _ -, starting with a letter or digit.
grammar_scenario() {
    local LC_ALL=C
    [[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$ ]] && return 0
    printf "'%s' must be 1 to 64 letters, digits, '_' or '-', starting with a letter or digit (it names a directory)\n" "$1"
    return 1
}

# grammar_label TEXT: 1 to 128 letters, digits, spaces and ._:/=+@,- (no
# space at either end).
grammar_label() {
    local LC_ALL=C
    if [[ "$1" =~ ^[A-Za-z0-9._:/=+@,-]([A-Za-z0-9\ ._:/=+@,-]{0,126}[A-Za-z0-9._:/=+@,-])?$ ]]; then
        return 0
    fi
    printf "label '%s' must be 1 to 128 letters, digits, spaces and ._:/=+@,- (no space at either end)\n" "$1"
    return 1
}

# grammar_fault_arg ACTION [ARG]: the action's argument, as src/grammar.rs's
# fault_arg (partition groups' nodes are checked against the cluster by the
# caller).
grammar_fault_arg() {
    local LC_ALL=C action="$1" has=$(($# > 1)) arg="${2:-}" ok=0 why
    case "$action" in
        partition | loss | bandwidth | delay)
            ((has)) || { printf "%s needs an argument after ':'\n" "$action"; return 1; } ;;
        isolate | isolate-in | isolate-out | rejoin | heal | kill | start | pause | resume)
            ((!has)) || { printf "%s takes no argument (got '%s')\n" "$action" "$arg"; return 1; }
            return 0 ;;
        *) ((has)) || return 0 ;;
    esac
    case "$action" in
        loss)
            why="a percentage above 0 and at most 100, like 30 or 2.5"
            [[ "$arg" =~ ^[0-9]{1,3}(\.[0-9]{1,2})?$ ]] && awk -v p="$arg" 'BEGIN { exit !(p > 0 && p <= 100) }' && ok=1 ;;
        bandwidth)
            why="a rate like 1mbit, 500kbit or 2mbps (tc's units; bps is bytes per second)"
            [[ ${#arg} -le 24 && "$arg" =~ ^[0-9]+(\.[0-9]+)?([kmg]?bit|[kmg]?bps)$ && "$arg" =~ [1-9] ]] && ok=1 ;;
        delay)
            why="milliseconds, optionally /jitter in milliseconds, like 100 or 100/20"
            [[ "$arg" =~ ^[0-9]{1,6}(/[0-9]{1,6})?$ && "${arg%%/*}" =~ [1-9] ]] && ok=1 ;;
        partition)
            why="a shape (halves, bridge) or groups like n1,n2|n3,n4,n5"
            grammar_groups "$arg" && ok=1 ;;
        *)
            why="1 to 64 letters, digits and ._:/=+@,%- (what a shell reads as nothing but a word)"
            [[ "$arg" =~ ^[A-Za-z0-9._:/=+@,%-]{1,64}$ ]] && ok=1 ;;
    esac
    ((ok)) && return 0
    printf "%s '%s': %s\n" "$action" "$arg" "$why"
    return 1
}

# grammar_groups ARG: a shape, or at least two groups of node names, the
# groups separated by | or /, the names by commas.
grammar_groups() {
    local LC_ALL=C
    local arg="$1" group name
    [[ "$arg" != halves && "$arg" != bridge ]] || return 0
    ((${#arg} <= 1024)) || return 1
    local groups=()
    IFS='|/' read -r -a groups <<<"$arg"
    [[ "$arg" != *'|' && "$arg" != */ ]] || return 1
    ((${#groups[@]} >= 2)) || return 1
    for group in "${groups[@]}"; do
        [[ -n "$group" && "$group" != *, && "$group" != ,* && "$group" != *,,* ]] || return 1
        local names=()
        IFS=',' read -r -a names <<<"$group"
        for name in "${names[@]}"; do
            grammar_node "$name" >/dev/null || return 1
        done
    done
}

# grammar_pipe_groups ARG: groups with `/` between them written with `|`,
# the form the lab records and fault.sh applies.
grammar_pipe_groups() { printf '%s\n' "${1//\//|}"; }
