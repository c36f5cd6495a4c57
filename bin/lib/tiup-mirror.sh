# shellcheck shell=bash
# Reading PingCAP's TiUP mirror for bin/get-tidb.sh: files fetched from a
# URL or a local directory, and the chain of manifests that gives each
# tarball's sha256 and length. Needs common.sh; uses MIRROR (base URL or
# directory, no trailing /) and STAGE (a scratch directory) of the caller.
#
# The mirror (layout and JSON as pingcap/tiup's pkg/repository/v1manifest
# defines them; every manifest is {"signatures": [...], "signed": {...}}):
#   /timestamp.json      signed.meta["/snapshot.json"]: {hashes.sha256, length}
#   /snapshot.json       signed.meta["/COMPONENT.json"]: {version N, length}
#   /N.COMPONENT.json    signed.platforms["linux/ARCH"]["VERSION"]:
#                        {url, hashes.sha256, length, yanked}
#   /URL                 the tarball
# Checked here: snapshot.json against timestamp.json's sha256 and length;
# each component manifest's type, id and version against snapshot.json and
# its size against snapshot.json's length; each tarball's sha256 and length
# against its manifest. Not checked: the signatures (TiUP's RSA keys, from
# a root.json this repository does not pin), nor the manifests' expiry.

# mirror_fetch PATH DEST [MAX_BYTES WHERE]: the mirror's file PATH (with its
# leading /) to DEST; fails naming where it looked. MAX_BYTES, the size that
# WHERE (a manifest) gives, bounds the download.
mirror_fetch() {
    local dest="$2" max="${3:-}" where="${4:-}" source="$MIRROR$1" rc=0
    if [[ "$MIRROR" =~ :// ]]; then
        # --fail turns HTTP errors (404...) into an error; the two timeouts
        # make a dead or stalled mirror an error rather than a hang.
        curl --fail --silent --show-error --location --proto '=http,https,file' \
            --connect-timeout "${TIDB_CONNECT_TIMEOUT:-15}" \
            --max-time "${TIDB_DOWNLOAD_TIMEOUT:-1800}" \
            ${max:+--max-filesize "$max"} \
            --output "$dest" "$source" 2>"$STAGE/curl.err" || rc=$?
        # 63: larger than --max-filesize.
        ((rc != 63)) || mirror_too_large "$source" "$max" "$where"
        ((rc == 0)) || die "download failed: $source: $(tail -n 1 "$STAGE/curl.err")"
    else
        [[ -f "$source" ]] || die "no such file: $source (TIDB_MIRROR=$MIRROR)"
        cp -- "$source" "$dest" || die "cannot copy $source"
    fi
    [[ -z "$max" ]] || (($(stat -c %s "$dest") <= max)) || mirror_too_large "$source" "$max" "$where"
}

mirror_too_large() {
    die "$1: larger than the $2 bytes ${3:-its manifest} gives for it: refusing it (a tampered or changed download)"
}

# mirror_check FILE SHA256 LENGTH WHAT WHERE: dies unless FILE (fetched from
# WHAT) has the sha256 and length that WHERE gives for it.
mirror_check() {
    local file="$1" sha256="$2" length="$3" what="$4" where="$5" size actual
    size="$(stat -c %s "$file")"
    ((size == length)) \
        || die "$what: $size bytes, but $where says $length: refusing it (a truncated, tampered or changed download)"
    actual="$(sha256sum "$file" | cut -d' ' -f1)"
    [[ "$actual" == "$sha256" ]] \
        || die "$what: sha256 $actual, but $where says $sha256: refusing it (a tampered or corrupt download)"
}

# mirror_field FILE JQ_FILTER WHAT: one value of a manifest, which must be
# there; dies naming the manifest and WHAT is missing.
mirror_field() {
    local value
    value="$(jq -er "$2" "$1" 2>/dev/null)" \
        || die "$MIRROR/$(basename "$1"): no $3 in it (not a TiUP manifest, or not this mirror's)"
    printf '%s\n' "$value"
}

# mirror_snapshot: fetches timestamp.json and the snapshot.json it vouches
# for into STAGE, and checks the one against the other.
mirror_snapshot() {
    local sha256 length
    mirror_fetch /timestamp.json "$STAGE/timestamp.json" 1048576 "a timestamp manifest's bound"
    [[ "$(mirror_field "$STAGE/timestamp.json" .signed._type "_type")" == timestamp ]] \
        || die "$MIRROR/timestamp.json: not a timestamp manifest"
    sha256="$(mirror_field "$STAGE/timestamp.json" '.signed.meta["/snapshot.json"].hashes.sha256' "sha256 of /snapshot.json")"
    length="$(mirror_field "$STAGE/timestamp.json" '.signed.meta["/snapshot.json"].length' "length of /snapshot.json")"
    mirror_fetch /snapshot.json "$STAGE/snapshot.json" "$length" "$MIRROR/timestamp.json"
    mirror_check "$STAGE/snapshot.json" "$sha256" "$length" "$MIRROR/snapshot.json" "$MIRROR/timestamp.json"
}

# mirror_tarball COMPONENT VERSION PLATFORM DEST: fetches the component's
# manifest that snapshot.json names, then the tarball of VERSION for
# PLATFORM (linux/amd64...) that it lists, to DEST, and checks it against
# the manifest. Sets TARBALL_URL.
mirror_tarball() {
    local component="$1" version="$2" platform="$3" dest="$4" n max manifest entry sha256 length url
    n="$(mirror_field "$STAGE/snapshot.json" ".signed.meta[\"/$component.json\"].version" "version of /$component.json")"
    max="$(mirror_field "$STAGE/snapshot.json" ".signed.meta[\"/$component.json\"].length" "length of /$component.json")"
    manifest="$STAGE/$n.$component.json"
    mirror_fetch "/$n.$component.json" "$manifest" "$max" "$MIRROR/snapshot.json"
    [[ "$(mirror_field "$manifest" '.signed | "\(._type) \(.id) \(.version)"' "_type, id and version")" == "component $component $n" ]] \
        || die "$MIRROR/$n.$component.json: not version $n of $component's manifest, as snapshot.json says it is"
    entry="$(jq -c --arg p "$platform" --arg v "$version" '.signed.platforms[$p][$v] // empty' "$manifest")"
    [[ -n "$entry" ]] || die "$MIRROR/$n.$component.json: no $version of $component for $platform (it has: $(jq -r --arg p "$platform" \
        '.signed.platforms[$p] // {} | keys | map(select(startswith("v"))) | .[-5:] | join(" ")' "$manifest") ...)"
    [[ "$(jq -r .yanked <<<"$entry")" != true ]] || die "$MIRROR/$n.$component.json: $component $version was withdrawn (yanked) from the mirror"
    url="$(jq -r '.url // empty' <<<"$entry")"
    sha256="$(jq -r '.hashes.sha256 // empty' <<<"$entry")"
    length="$(jq -r '.length // empty' <<<"$entry")"
    [[ "$url" =~ ^/[A-Za-z0-9._+-]+$ && "$sha256" =~ ^[0-9a-f]{64}$ && "$length" =~ ^[0-9]+$ ]] \
        || die "$MIRROR/$n.$component.json: $component $version for $platform lacks a plain url, a sha256 or a length"
    TARBALL_URL="$MIRROR$url"
    say "fetching $TARBALL_URL"
    mirror_fetch "$url" "$dest" "$length" "$MIRROR/$n.$component.json"
    mirror_check "$dest" "$sha256" "$length" "$TARBALL_URL" "$MIRROR/$n.$component.json"
}
