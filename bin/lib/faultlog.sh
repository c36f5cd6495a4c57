# shellcheck shell=bash
# Fault events appended by hand to a running perseus log (docs/event-log.md).
# Needs bin/lib/common.sh sourced first.

# faultlog_start_us FILE: unix_us of the LAST start event in FILE (a log can
# hold several runs, and times are counted from the one running now).
# Dies with a clear message when FILE is missing, unreadable or has no start.
faultlog_start_us() {
    local file="$1" start
    need_cmd jq
    [[ -f "$file" && -r "$file" ]] || die "log $file: missing or unreadable (give the log of a running perseus)"
    # grep narrows the search to candidate lines fast; jq then checks each is
    # really a start event and skips a line perseus is still writing.
    start="$(grep -F '"ev":"start"' "$file" \
        | jq -R 'fromjson? | select(.ev == "start") | .unix_us | numbers' 2>/dev/null \
        | tail -n 1)" || true
    [[ "$start" =~ ^[0-9]+$ ]] || die "log $file: no start event with unix_us (is it a perseus log?)"
    printf '%s\n' "$start"
}

# faultlog_append FILE START_US ACTION NODE NOTE: append one fault event,
# stamped now relative to START_US, as one whole line in a single write
# (perseus opens its log with O_APPEND, so whole lines never interleave).
faultlog_append() {
    local file="$1" start_us="$2" action="$3" node="$4" note="$5" now t_us line
    now="$(date +%s%6N)"
    t_us=$((now - start_us))
    # The wall clock stepped back since the start (NTP, say): a negative time
    # would make the report reject the whole log, so the fault goes at 0.
    if ((t_us < 0)); then
        say "the clock is $((-t_us)) us behind the log's start (stepped back?): noting the $action of $node at t_us 0"
        t_us=0
    fi
    line="$(jq -nc --argjson t "$t_us" --arg a "$action" --arg n "$node" --arg note "$note" \
        '{ev: "fault", t_us: $t, action: $a, node: $n, note: $note, exit: 0}')"
    printf '%s\n' "$line" >>"$file"
}
