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

# ensure_cargo: a Rust toolchain to build perseus: the cargo on PATH, else
# rustup's in ~/.cargo/bin, else Debian's (installed).
ensure_cargo() {
    command -v cargo >/dev/null 2>&1 && return 0
    [[ -x "$HOME/.cargo/bin/cargo" ]] && PATH="$HOME/.cargo/bin:$PATH" && return 0
    ensure_packages cargo rustc
    command -v cargo >/dev/null 2>&1 || die "no cargo after installing Debian's; install Rust (rustup) and try again"
}

# release_binaries BIN...: each target/release/BIN (under CARGO_TARGET_DIR
# when set, as cargo puts it), built when one is missing or older than
# anything in src/, Cargo.toml or Cargo.lock. Sets RELEASE_DIR.
release_binaries() {
    local bin stale="" args=()
    RELEASE_DIR="${CARGO_TARGET_DIR:-$PERSEUS_ROOT/target}/release"
    for bin in "$@"; do
        args+=(--bin "$bin")
        if [[ ! -x "$RELEASE_DIR/$bin" ]] || [[ -n "$(find "$PERSEUS_ROOT/src" "$PERSEUS_ROOT/Cargo.toml" \
            "$PERSEUS_ROOT/Cargo.lock" -newer "$RELEASE_DIR/$bin" -print -quit 2>/dev/null)" ]]; then
            stale=1
        fi
    done
    [[ -n "$stale" ]] || return 0
    ensure_cargo
    say "building $* (release) in $RELEASE_DIR"
    cargo build --release "${args[@]}" --manifest-path "$PERSEUS_ROOT/Cargo.toml" || die "cargo build --release failed"
    for bin in "$@"; do
        [[ -x "$RELEASE_DIR/$bin" ]] || die "cargo build left no $RELEASE_DIR/$bin"
    done
}
