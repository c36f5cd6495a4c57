# shellcheck shell=bash
# Installing what perseus's scripts need on a fresh Debian machine.
# Source after common.sh.

# ensure_packages PACKAGE...: apt-get install the ones not installed yet.
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    need_root
    say "installing ${missing[*]}"
    if [[ -z "${PERSEUS_APT_UPDATED:-}" ]]; then
        apt-get update -qq || die "apt-get update failed"
        export PERSEUS_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

# ensure_cargo: a Rust toolchain to build perseus (rustup's if present, else Debian's).
ensure_cargo() {
    [[ -d "$HOME/.cargo/bin" ]] && PATH="$HOME/.cargo/bin:$PATH"
    command -v cargo >/dev/null 2>&1 && return 0
    ensure_packages cargo rustc
    command -v cargo >/dev/null 2>&1 || die "no cargo after installing Debian's; install Rust (rustup) and try again"
}

# build_release: target/release/perseus and perseus-report, rebuilt when sources changed.
build_release() {
    ensure_cargo
    local bin="$PERSEUS_ROOT/target/release/perseus-report"
    if [[ ! -x "$bin" || -n "$(find "$PERSEUS_ROOT/src" "$PERSEUS_ROOT/Cargo.toml" -newer "$bin" -print -quit)" ]]; then
        say "building perseus (release)"
        (cd "$PERSEUS_ROOT" && cargo build --release --quiet --bins) || die "cargo build failed"
    fi
}
