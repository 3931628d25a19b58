# Sourced by the scripts in scripts/: repository paths and small helpers.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="$REPO_ROOT/.tools"
VENV_DIR="$TOOLS_DIR/venv"

# Progress and errors go to stderr, so stdout stays clean for --print-path.
say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Creates (or repairs) the project's Python virtual environment. A venv holds
# absolute paths, so one copied from another checkout is rebuilt.
ensure_venv() {
    if "$VENV_DIR/bin/python" -c 'import sys' >/dev/null 2>&1 \
        && [[ "$("$VENV_DIR/bin/python" -c 'import sys; print(sys.prefix)')" == "$VENV_DIR" ]]; then
        return 0
    fi
    command -v python3 >/dev/null || die "python3 is needed to create $VENV_DIR"
    say "Creating the Python environment $VENV_DIR"
    rm -rf "$VENV_DIR"
    python3 -m venv "$VENV_DIR" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
}

# pip install into the project's venv, quietly.
venv_pip_install() {
    "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}

# Terraform's platform name for this machine, e.g. linux_amd64.
terraform_platform() {
    local os arch
    os="$(uname -s | tr '[:upper:]' '[:lower:]')"
    case "$(uname -m)" in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        i?86) arch=386 ;;
        *) arch="$(uname -m)" ;;
    esac
    printf '%s_%s\n' "$os" "$arch"
}

# The crate version from Cargo.toml's [package] section.
crate_version() {
    sed -n '/^\[package\]/,/^\[/s/^version *= *"\([^"]*\)".*/\1/p' "$REPO_ROOT/Cargo.toml" | head -n 1
}

# True when bindgen will find libclang: in LIBCLANG_PATH when that is set
# (a directory holding the library, or the library itself; clang-sys looks
# only there then), else in the usual system places.
has_libclang() {
    if [[ -n "${LIBCLANG_PATH:-}" ]]; then
        if [[ -f "$LIBCLANG_PATH" ]]; then
            [[ "$(basename "$LIBCLANG_PATH")" == libclang* ]]
        else
            compgen -G "$LIBCLANG_PATH/libclang.so*" >/dev/null || compgen -G "$LIBCLANG_PATH/libclang-[0-9]*.so*" >/dev/null
        fi
        return
    fi
    # bindgen loads libclang.so or libclang-<version>.so; libclang-cpp (a
    # different library, often installed alone) does not count.
    local dir
    for dir in /usr/lib/llvm-*/lib /usr/lib/* /usr/lib64 /usr/local/lib; do
        if compgen -G "$dir/libclang.so*" >/dev/null || compgen -G "$dir/libclang-[0-9]*.so*" >/dev/null; then
            return 0
        fi
    done
    return 1
}

# The C toolchain pieces the build needs beyond a compiler: pg_query (PostgreSQL's
# own parser) runs bindgen, which needs libclang. Installs Debian's package when
# it is missing and this machine can (root or sudo); otherwise says what to do.
ensure_build_prerequisites() {
    if has_libclang; then
        return 0
    fi
    if [[ -n "${LIBCLANG_PATH:-}" ]]; then
        die "LIBCLANG_PATH=$LIBCLANG_PATH holds no libclang*.so; point it at clang's lib directory or unset it"
    fi
    local sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo -n"
    if command -v apt-get >/dev/null; then
        say "Installing libclang-dev (needed to build pg_query, PostgreSQL's parser)"
        $sudo apt-get install -y -q libclang-dev >/dev/null 2>&1 \
            || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q libclang-dev >/dev/null 2>&1; } \
            || die "could not install libclang-dev; install it (or set LIBCLANG_PATH) and run again"
    else
        die "libclang is needed to build pg_query: install clang's development files or set LIBCLANG_PATH"
    fi
}
