# shellcheck shell=bash
# Reading one setting from a TOML configuration file, enough for the flat
# files the TiDB servers take (sections of key = value lines).

# toml_value FILE SECTION.KEY: the value of KEY in [SECTION] of FILE, quotes
# and comments stripped, or nothing when FILE is empty or unreadable or has
# no such key.
toml_value() {
    [[ -n "$1" && -r "$1" ]] || return 0
    awk -v want="$2" '
        /^[[:space:]]*\[/ { gsub(/[][[:space:]]/, ""); section = $0; next }
        /^[[:space:]]*(#|$)/ { next }
        {
            line = $0
            sub(/[[:space:]]*#.*$/, "", line)
            key = substr(line, 1, index(line, "=") - 1)
            gsub(/[[:space:]]/, "", key)
            value = substr(line, index(line, "=") + 1)
            gsub(/^[[:space:]"]+|[[:space:]"]+$/, "", value)
            if ((section == "" ? key : section "." key) == want) { print value; exit }
        }' "$1"
}
