#!/usr/bin/env bash
# Installs what the tests need, then runs every test (unit, protocol and
# acceptance tests against real Terraform and real databases).
# Then, on a full run, fuzzes each parser for a bounded time (scripts/fuzz.sh).
# Exits non-zero if anything failed. Extra arguments go to `cargo test`.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

# libclang for pg_query's build (PostgreSQL's own parser).
ensure_build_prerequisites

# Terraform: the acceptance tests run it for real.
TFALCHEMY_TERRAFORM="$(scripts/install-terraform.sh --print-path)"
export TFALCHEMY_TERRAFORM
say "terraform: $TFALCHEMY_TERRAFORM ($("$TFALCHEMY_TERRAFORM" version 2>/dev/null | head -n 1))"

# Python environments with SQLAlchemy, for the exporter's tests.
if [[ -x scripts/install-python.sh ]]; then
    scripts/install-python.sh
fi

# Database servers: the machine starts them; tests that need one say so.
report_service() {
    local name="$1" host="$2" port="$3"
    if timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
        say "$name: reachable at $host:$port"
    else
        say "$name: not reachable at $host:$port"
    fi
}
reachable() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
# The machine normally starts both servers; start one that stopped, where
# this machine knows how (Debian's cluster tools, the MariaDB daemon).
if ! reachable 127.0.0.1 5432 && command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
    say "PostgreSQL: not reachable; starting it"
    for version in /etc/postgresql/*; do
        pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start || true
    done
    for _ in $(seq 20); do reachable 127.0.0.1 5432 && break; sleep 0.5; done
fi
if ! reachable 127.0.0.1 3306 && [[ -x /usr/sbin/mariadbd ]] && command -v start-stop-daemon >/dev/null; then
    say "MariaDB: not reachable; starting it"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
    for _ in $(seq 20); do reachable 127.0.0.1 3306 && break; sleep 0.5; done
fi
report_service PostgreSQL 127.0.0.1 5432
report_service MariaDB 127.0.0.1 3306

# --no-fail-fast: one failing test binary must not hide the results of the others.
status=0
cargo test --locked --all-targets --no-fail-fast "$@" || status=$?

# The parsers' fuzz targets, for a bounded time, on a full run (not when
# arguments pick tests). TFALCHEMY_FUZZ_SECONDS per target; 0 skips them.
fuzz_seconds="${TFALCHEMY_FUZZ_SECONDS:-60}"
if [[ $# -eq 0 && "$fuzz_seconds" != 0 ]]; then
    scripts/fuzz.sh "$fuzz_seconds" || status=1
fi
exit "$status"
