#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs one TiDB release's pd-server, tikv-server and tidb-server for this
# machine (linux amd64 or arm64) in ${TIDB_HOME:-$PERSEUS_ROOT/tidb}/VERSION/bin,
# PERSEUS_ROOT being this repository, wherever the script is run from.
# Usage: bin/get-tidb.sh   (TIDB_VERSION, TIDB_MIRROR, TIDB_HOME: docs/tidb.md)
#
# They come from PingCAP's TiUP mirror, which keeps one tarball per component
# and version with the server binary at its top level, and manifests that
# give each tarball's sha256 and length: every tarball is checked against
# them before it is unpacked (bin/lib/tiup-mirror.sh says what is checked
# and what is not). TIDB_MIRROR may be a URL or a local directory laid out
# the same way (`tiup mirror clone` makes one).
#
# All is fetched and checked in a staging directory beside the target, which
# is renamed into place only once all three binaries are there: a failed or
# interrupted run leaves no half-installed version behind.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/tidb.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tidb.sh"
# shellcheck source=lib/tiup-mirror.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tiup-mirror.sh"

case "${1:-}" in
    "") ;;
    -h | --help)
        sed -n '3,6p' "$0" | cut -c3-
        exit 0
        ;;
    *) die "takes no arguments (got '$1'); set TIDB_VERSION, TIDB_MIRROR or TIDB_HOME instead" ;;
esac

version="$(tidb_version)"
home="$(tidb_home)"
target="$home/$version"
MIRROR="${TIDB_MIRROR:-https://tiup-mirrors.pingcap.com}"
MIRROR="${MIRROR%/}"
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
need_cmd jq
need_cmd sha256sum coreutils
if [[ "$MIRROR" =~ ^[A-Za-z][A-Za-z0-9+.-]*:// ]]; then
    need_cmd curl
else
    [[ -d "$MIRROR" ]] || die "TIDB_MIRROR=$MIRROR: neither a URL nor a directory"
fi

mkdir -p "$home" || die "cannot create $home"
STAGE="$(mktemp -d "$home/.get-$version.XXXXXX")" || die "cannot create a staging directory in $home"
trap 'rm -rf "$STAGE"' EXIT
# Exiting through a trap runs the EXIT trap too, so Ctrl-C also cleans up.
trap 'exit 130' INT
trap 'exit 143' TERM

mirror_snapshot
mkdir "$STAGE/$version" "$STAGE/$version/bin"
for binary in "${binaries[@]}"; do
    component="${binary%-server}"
    file="$STAGE/$component.tar.gz"
    mirror_tarball "$component" "$version" "linux/$arch" "$file"
    mkdir "$STAGE/$component"
    tar -xzf "$file" -C "$STAGE/$component" 2>"$STAGE/tar.err" \
        || die "$TARBALL_URL: not a complete .tar.gz archive (truncated or corrupt?): $(sed '/^$/d' "$STAGE/tar.err" | head -n 2 | paste -sd' ' -)"
    [[ -f "$STAGE/$component/$binary" && -s "$STAGE/$component/$binary" ]] \
        || die "$TARBALL_URL: the archive has no $binary at its top level (it holds: $(tar -tzf "$file" | head -n 5 | paste -sd' ' -))"
    mv "$STAGE/$component/$binary" "$STAGE/$version/bin/$binary"
    chmod 755 "$STAGE/$version/bin/$binary"
    # The tikv archive is large: free the space before the next one.
    rm -rf "${STAGE:?}/$component" "$file"
done

# mv -T refuses to land inside an existing directory: if a parallel run got
# there first, its complete install stands.
if ! mv -T "$STAGE/$version" "$target" 2>/dev/null; then
    installed || die "cannot move the new release into $target"
    say "TiDB $version was installed in $target/bin meanwhile by another run"
    exit 0
fi
say "installed TiDB $version in $target/bin"
