# shellcheck shell=bash
# Reading one setting from a TOML configuration file, enough for the flat
# files the TiDB servers take (sections of key = value lines).

# toml_value FILE SECTION.KEY: the value of KEY in [SECTION] of FILE, quotes
# and comments stripped, or nothing when FILE is empty or unreadable or has
# no such key. A comment may follow a header or a value (`[rocksdb] # x`,
# `key = 1 # x`); a '#' inside a quoted value is part of it, as TOML says.
toml_value() {
    [[ -n "$1" && -r "$1" ]] || return 0
    awk -v want="$2" '
        /^[[:space:]]*\[/ {
            # Section names here are bare keys, which hold no "#": all from
            # the first "#" on is a comment.
            header = $0
            sub(/#.*$/, "", header)
            gsub(/[][[:space:]]/, "", header)
            section = header
            next
        }
        /^[[:space:]]*(#|$)/ { next }
        {
            key = substr($0, 1, index($0, "=") - 1)
            gsub(/[[:space:]]/, "", key)
            value = substr($0, index($0, "=") + 1)
            sub(/^[[:space:]]+/, "", value)
            if (match(value, /^"([^"\\]|\\.)*"/) || match(value, /^\047[^\047]*\047/)) {
                # A quoted string ends at its closing quote; what follows
                # can only be a comment.
                value = substr(value, 2, RLENGTH - 2)
            } else {
                sub(/[[:space:]]*#.*$/, "", value)
                sub(/[[:space:]]+$/, "", value)
            }
            if ((section == "" ? key : section "." key) == want) { print value; exit }
        }' "$1"
}
