# shellcheck shell=bash
# Fault events appended by hand to a running perseus log (docs/event-log.md).
# Needs bin/lib/common.sh sourced first.
#
# A fault is stamped on the run's own clock when it can be: perseus records
# in its start event where its zero lies on CLOCK_MONOTONIC (mono_us) and the
# boot that clock belongs to (boot_id). On the same host and boot, this
# script reads CLOCK_MONOTONIC from /proc/timer_list (root only) and the
# stamp is exact, whatever the wall clock does. Otherwise (another host, an
# older log, no root) it falls back to the wall clock, and says so in the
# event's `clock` field, which the report shows.

# faultlog_start FILE: the LAST start event in FILE, as one JSON line (a log
# can hold several runs, and times are counted from the one running now).
# Dies with a clear message when FILE is missing, unreadable or has no start.
faultlog_start() {
    local file="$1" start
    need_cmd jq
    [[ -f "$file" && -r "$file" ]] || die "log $file: missing or unreadable (give the log of a running perseus)"
    # grep narrows the search to candidate lines fast; jq then checks each is
    # really a start event and skips a line perseus is still writing.
    start="$(grep -F '"ev":"start"' "$file" \
        | jq -c -R 'fromjson? | select(.ev == "start" and (.unix_us | type) == "number")
            | {unix_us, mono_us, boot_id}' 2>/dev/null \
        | tail -n 1)" || true
    [[ -n "$start" ]] || die "log $file: no start event with unix_us (is it a perseus log?)"
    printf '%s\n' "$start"
}

# faultlog_mono_us: CLOCK_MONOTONIC in microseconds, or nothing when it
# cannot be read (not root, no /proc/timer_list).
faultlog_mono_us() {
    awk '/^now at [0-9]+ nsecs/ { printf "%d\n", $3 / 1000; exit }' /proc/timer_list 2>/dev/null || true
}

# faultlog_effect: notes now (CLOCK_MONOTONIC, µs) as a moment the fault
# took effect (its rules went in, its signal was sent), in the file perseus
# gives each fault command (PERSEUS_EFFECT_FILE; docs/event-log.md), or the
# one faultlog_effect_begin made for --log. Nothing without one.
faultlog_effect() {
    [[ -n "${PERSEUS_EFFECT_FILE:-}" && -f "$PERSEUS_EFFECT_FILE" ]] || return 0
    faultlog_mono_us >>"$PERSEUS_EFFECT_FILE" || true
}

# faultlog_effect_begin: for a fault applied by hand with --log, a file of
# its own for faultlog_effect (unless perseus gave one), which
# faultlog_append reads and removes.
faultlog_effect_begin() {
    [[ -z "${PERSEUS_EFFECT_FILE:-}" ]] || return 0
    PERSEUS_EFFECT_FILE="$(mktemp /tmp/perseus-effect.XXXXXX)" || return 0
    export PERSEUS_EFFECT_FILE
    FAULTLOG_EFFECT_OURS="$PERSEUS_EFFECT_FILE"
}

# faultlog_effect_us START: the first moment noted, on the run's clock of
# START (as faultlog_start prints it), or nothing (no moment, or another
# boot: a moment on this host's clock means nothing there).
faultlog_effect_us() {
    local start="$1" first mono boot
    [[ -n "${PERSEUS_EFFECT_FILE:-}" && -s "$PERSEUS_EFFECT_FILE" ]] || return 0
    first="$(sort -n "$PERSEUS_EFFECT_FILE" | grep -m1 -E '^[0-9]+$')" || return 0
    mono="$(jq -r '.mono_us // empty' <<<"$start")"
    boot="$(jq -r '.boot_id // empty' <<<"$start")"
    [[ -n "$mono" && "$boot" == "$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)" ]] || return 0
    ((first >= mono)) && printf '%s\n' "$((first - mono))"
    return 0
}

# faultlog_stamp START: "T_US CLOCK" for now, relative to START (as
# faultlog_start prints it).
faultlog_stamp() {
    local start="$1" mono boot unix_us now t_us
    mono="$(jq -r '.mono_us // empty' <<<"$start")"
    boot="$(jq -r '.boot_id // empty' <<<"$start")"
    if [[ -n "$mono" && "$boot" == "$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)" ]]; then
        now="$(faultlog_mono_us)"
        if [[ "$now" =~ ^[0-9]+$ ]] && ((now >= mono)); then
            printf '%s monotonic\n' "$((now - mono))"
            return
        fi
    fi
    unix_us="$(jq -r '.unix_us' <<<"$start")"
    now="$(date +%s%6N)"
    t_us=$((now - unix_us))
    # The wall clock stepped back since the start (NTP, say): a negative
    # time cannot be logged, so the fault goes at 0 and says why.
    if ((t_us < 0)); then
        say "the wall clock is $((-t_us)) us behind the log's start (stepped back?): noting the fault at t_us 0"
        printf '0 wall-behind\n'
        return
    fi
    printf '%s wall\n' "$t_us"
}

# faultlog_append FILE START ACTION NODE NOTE [ARG [GROUPS]]: append one
# fault event, stamped now (see faultlog_stamp), as one whole line in a
# single write (perseus opens its log with O_APPEND, so whole lines never
# interleave). ARG, when given and not empty, is the action's argument
# (`arg`); GROUPS, a partition's groups as `n1,n2|n3`, becomes `groups`
# ([["n1","n2"],["n3"]]).
faultlog_append() {
    local file="$1" start="$2" action="$3" node="$4" note="$5" arg="${6:-}" groups="${7:-}" stamp line effect
    stamp="$(faultlog_stamp "$start")"
    effect="$(faultlog_effect_us "$start")"
    if [[ -n "${FAULTLOG_EFFECT_OURS:-}" ]]; then
        rm -f -- "$FAULTLOG_EFFECT_OURS"
        FAULTLOG_EFFECT_OURS=""
    fi
    # Only a stamp on the run's own clock can be compared with a moment of
    # this host's, and a moment after the stamp cannot be: left out.
    if [[ "${stamp#* }" != monotonic ]] || { [[ -n "$effect" ]] && ((effect > ${stamp% *})); }; then
        effect=""
    fi
    line="$(jq -nc --argjson t "${stamp% *}" --arg clock "${stamp#* }" --arg a "$action" \
        --arg n "$node" --arg note "$note" --arg arg "$arg" --arg groups "$groups" --arg effect "$effect" \
        '{ev: "fault", t_us: $t, action: $a}
         + (if $arg == "" then {} else {arg: $arg} end)
         + {node: $n}
         + (if $groups == "" then {} else {groups: ($groups | split("|") | map(split(",")))} end)
         + {note: $note, exit: 0}
         + (if $effect == "" then {} else {effect_us: ($effect | tonumber)} end)
         + {clock: $clock}')"
    printf '%s\n' "$line" >>"$file"
}
