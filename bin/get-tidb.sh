#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs one TiDB release's pd-server, tikv-server and tidb-server for this
# machine (linux amd64 or arm64) in ${TIDB_HOME:-tidb}/VERSION/bin.
# Usage: bin/get-tidb.sh   (TIDB_VERSION, TIDB_MIRROR, TIDB_HOME: docs/tidb.md)
#
# They come from PingCAP's TiUP mirror, which keeps one tarball per component
# named {component}-{version}-{os}-{arch}.tar.gz with the server binary at its
# top level (PingCAP's "TiUP Mirror Reference Guide"). TIDB_MIRROR may be a
# URL or a local directory laid out the same way.
#
# All is fetched and checked in a staging directory beside the target, which
# is renamed into place only once all three binaries are there: a failed or
# interrupted run leaves no half-installed version behind.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/tidb.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tidb.sh"

case "${1:-}" in
    "") ;;
    -h | --help)
        sed -n '3,5p' "$0" | cut -c3-
        exit 0
        ;;
    *) die "takes no arguments (got '$1'); set TIDB_VERSION, TIDB_MIRROR or TIDB_HOME instead" ;;
esac

version="$(tidb_version)"
home="$(tidb_home)"
target="$home/$version"
mirror="${TIDB_MIRROR:-https://tiup-mirrors.pingcap.com}"
mirror="${mirror%/}"
binaries=(pd-server tikv-server tidb-server)

# installed: are all three binaries in place?
installed() {
    local binary
    for binary in "${binaries[@]}"; do
        [[ -x "$target/bin/$binary" ]] || return 1
    done
}

if installed; then
    say "TiDB $version is already in $target/bin; nothing to do"
    exit 0
fi
[[ ! -e "$target" ]] || die "$target exists but lacks some of ${binaries[*]} (this script never leaves it so); remove it and run again"

case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported machine '$(uname -m)': TiDB releases are for linux amd64 (x86_64) and arm64 (aarch64)" ;;
esac
need_cmd tar
need_cmd gzip
if [[ "$mirror" =~ ^[A-Za-z][A-Za-z0-9+.-]*:// ]]; then
    need_cmd curl
else
    [[ -d "$mirror" ]] || die "TIDB_MIRROR=$mirror: neither a URL nor a directory"
fi

mkdir -p "$home" || die "cannot create $home"
stage="$(mktemp -d "$home/.get-$version.XXXXXX")" || die "cannot create a staging directory in $home"
trap 'rm -rf "$stage"' EXIT
# Exiting through a trap runs the EXIT trap too, so Ctrl-C also cleans up.
trap 'exit 130' INT
trap 'exit 143' TERM

# fetch SOURCE DEST: a mirror file (URL or path) to DEST; fails naming SOURCE.
fetch() {
    if [[ "$mirror" =~ :// ]]; then
        # --fail turns HTTP errors (404...) into an error; the two timeouts
        # make a dead or stalled mirror an error rather than a hang.
        curl --fail --silent --show-error --location --proto '=http,https,file' \
            --connect-timeout "${TIDB_CONNECT_TIMEOUT:-15}" \
            --max-time "${TIDB_DOWNLOAD_TIMEOUT:-1800}" \
            --output "$2" "$1" 2>"$stage/curl.err" \
            || die "download failed: $1: $(tail -n 1 "$stage/curl.err")"
    else
        [[ -f "$1" ]] || die "no such file: $1 (TIDB_MIRROR=$mirror)"
        cp -- "$1" "$2" || die "cannot copy $1"
    fi
}

mkdir "$stage/$version" "$stage/$version/bin"
for binary in "${binaries[@]}"; do
    component="${binary%-server}"
    file="$component-$version-linux-$arch.tar.gz"
    say "fetching $mirror/$file"
    fetch "$mirror/$file" "$stage/$file"
    mkdir "$stage/$component"
    tar -xzf "$stage/$file" -C "$stage/$component" 2>"$stage/tar.err" \
        || die "$mirror/$file: not a complete .tar.gz archive (truncated or corrupt?): $(sed '/^$/d' "$stage/tar.err" | head -n 2 | paste -sd' ' -)"
    [[ -f "$stage/$component/$binary" && -s "$stage/$component/$binary" ]] \
        || die "$mirror/$file: the archive has no $binary at its top level (it holds: $(tar -tzf "$stage/$file" | head -n 5 | paste -sd' ' -))"
    mv "$stage/$component/$binary" "$stage/$version/bin/$binary"
    chmod 755 "$stage/$version/bin/$binary"
    # The tikv archive is large: free the space before the next one.
    rm -rf "${stage:?}/$component" "${stage:?}/$file"
done

# mv -T refuses to land inside an existing directory: if a parallel run got
# there first, its complete install stands.
if ! mv -T "$stage/$version" "$target" 2>/dev/null; then
    installed || die "cannot move the new release into $target"
    say "TiDB $version was installed in $target/bin meanwhile by another run"
    exit 0
fi
say "installed TiDB $version in $target/bin"
