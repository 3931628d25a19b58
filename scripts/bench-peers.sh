#!/usr/bin/env bash
# Side-by-side benchmark: this provider (real `terraform plan` / `apply`, and the CLI `plan`)
# next to Alembic's `compare_metadata` (and migra, when it installs), on generated SQLAlchemy
# models of N tables loaded into the local PostgreSQL. Prints one table of medians.
#
#   scripts/bench-peers.sh [N ...]        default: 100 1000 3000
#
# Environment: TFALCHEMY_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432),
# BENCH_RUNS (default 3; runs are interleaved, medians shown), BENCH_PROFILE (release|debug,
# default release). Everything it makes lives in .tools/bench-peers/ and in databases named
# tfalchemy_peers_*, dropped at the end.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

BENCH_DIR="$TOOLS_DIR/bench-peers"
PEERS_VENV="$BENCH_DIR/venv"
profile="${BENCH_PROFILE:-release}"

say "==> Building the provider ($profile)"
ensure_build_prerequisites
if [[ "$profile" == release ]]; then
    cargo build --locked --release --bin terraform-provider-sqlalchemy >&2
else
    cargo build --locked --bin terraform-provider-sqlalchemy >&2
fi
provider="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/$profile/terraform-provider-sqlalchemy"

say "==> Finding Terraform"
terraform="$(scripts/install-terraform.sh --print-path)"

say "==> The peers' Python environment $PEERS_VENV"
mkdir -p "$BENCH_DIR"
if ! "$PEERS_VENV/bin/python" -c 'import alembic, psycopg2, sqlalchemy' >/dev/null 2>&1; then
    python3 -m venv "$PEERS_VENV"
    "$PEERS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        'sqlalchemy>=2' alembic psycopg2-binary >&2
fi
migra_note=""
if ! "$PEERS_VENV/bin/python" -c 'import migra' >/dev/null 2>&1; then
    if ! "$PEERS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check migra >"$BENCH_DIR/migra-install.log" 2>&1; then
        migra_note="migra did not install on $("$PEERS_VENV/bin/python" -V) (see $BENCH_DIR/migra-install.log)"
    fi
fi
if [[ -z "$migra_note" ]] && ! "$PEERS_VENV/bin/migra" --help >/dev/null 2>"$BENCH_DIR/migra-run.log"; then
    migra_note="migra installed but does not run on $("$PEERS_VENV/bin/python" -V): $(tail -n 1 "$BENCH_DIR/migra-run.log")"
fi

say "==> Installing the provider into a filesystem mirror"
version="$(crate_version)"
mirror="$BENCH_DIR/mirror"
rm -rf "$mirror"
package_dir="$mirror/registry.terraform.io/tfalchemy/sqlalchemy/$version/$(terraform_platform)"
mkdir -p "$package_dir"
cp "$provider" "$package_dir/terraform-provider-sqlalchemy_v$version"
cat >"$BENCH_DIR/terraform.tfrc" <<CONFIG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/tfalchemy/*"]
  }
  direct {
    exclude = ["registry.terraform.io/tfalchemy/*"]
  }
}
CONFIG

export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
export TF_CLI_CONFIG_FILE="$BENCH_DIR/terraform.tfrc"
exec "$PEERS_VENV/bin/python" scripts/bench_peers.py \
    --work "$BENCH_DIR" --provider "$provider" --terraform "$terraform" \
    --python "$PEERS_VENV/bin/python" --version "$version" --migra-note "$migra_note" \
    --machine "$(nproc) cores shared with other builds (load average $(cut -d' ' -f1-3 /proc/loadavg)), PostgreSQL $(psql --version 2>/dev/null | awk '{print $3}'), $profile build" \
    "${@:-100 1000 3000}"
