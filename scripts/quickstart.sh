#!/usr/bin/env bash
# Quick start: builds the provider, installs it where Terraform can find it
# offline, and runs init, plan, apply and a second plan on examples/quickstart
# against a fresh SQLite database.
#
# Everything it makes lives in .tools/quickstart/ (work/ holds the Terraform
# working directory, its state and app.db), or in $TFALCHEMY_QUICKSTART_DIR;
# each run starts from scratch.
#
# Usage: scripts/quickstart.sh [--binary PATH]
#   --binary PATH  use that build of the provider instead of building one
#                  (tests/scripts.rs passes the build cargo test made)
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

provider_binary=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --binary) [[ $# -ge 2 ]] || die "usage: $0 [--binary PATH]"; provider_binary="$2"; shift 2 ;;
        *) die "usage: $0 [--binary PATH]" ;;
    esac
done
if [[ -n "$provider_binary" && "$provider_binary" != /* ]]; then
    provider_binary="$PWD/$provider_binary"
fi
cd "$REPO_ROOT"

step() { printf '\n==> %s\n' "$*"; }

QUICKSTART_DIR="${TFALCHEMY_QUICKSTART_DIR:-$TOOLS_DIR/quickstart}"
WORK_DIR="$QUICKSTART_DIR/work"
MIRROR_DIR="$QUICKSTART_DIR/mirror"
CLI_CONFIG="$QUICKSTART_DIR/terraform.tfrc"

# A debug build: the tests build the same artefacts, so `scripts/test.sh`
# after this (or before it) compiles almost nothing twice, and dependencies
# are optimised anyway (see Cargo.toml). The provider's time goes to SQLite.
if [[ -n "$provider_binary" ]]; then
    step "Using the provider built at $provider_binary"
    [[ -x "$provider_binary" ]] || die "--binary $provider_binary is not an executable"
else
    step "Building the provider"
    ensure_build_prerequisites
    cargo build --locked --bin terraform-provider-sqlalchemy
    provider_binary="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/terraform-provider-sqlalchemy"
    [[ -x "$provider_binary" ]] || die "cargo did not produce $provider_binary"
fi

step "Finding Terraform"
terraform="$(scripts/install-terraform.sh --print-path)"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
# sed reads to the end: `head` would leave Terraform writing into a closed pipe (SIGPIPE, and
# pipefail would stop the script).
"$terraform" version 2>/dev/null | sed -n 1p

step "Python with SQLAlchemy (the models' interpreter)"
TFALCHEMY_SKIP_SQLA14=1 scripts/install-python.sh
export TF_VAR_python="$TOOLS_DIR/sqla2/bin/python"
"$TF_VAR_python" -c 'import sqlalchemy; print("SQLAlchemy", sqlalchemy.__version__)'

step "Installing the provider into the local mirror $MIRROR_DIR"
version="$(crate_version)"
rm -rf "$QUICKSTART_DIR"
package_dir="$MIRROR_DIR/registry.terraform.io/tfalchemy/sqlalchemy/$version/$(terraform_platform)"
mkdir -p "$package_dir" "$WORK_DIR"
cp "$provider_binary" "$package_dir/terraform-provider-sqlalchemy_v$version"
cat >"$CLI_CONFIG" <<CONFIG
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR_DIR"
    include = ["registry.terraform.io/tfalchemy/*"]
  }
  direct {
    exclude = ["registry.terraform.io/tfalchemy/*"]
  }
}
CONFIG
export TF_CLI_CONFIG_FILE="$CLI_CONFIG"
export TF_DATA_DIR="$WORK_DIR/.terraform"
cp -R examples/quickstart/. "$WORK_DIR/"
rm -f "$WORK_DIR"/app.db "$WORK_DIR"/terraform.tfstate*
echo "terraform-provider-sqlalchemy v$version"

# Colours only for a terminal, not for a log file or CI.
color_flag=()
[[ -t 1 ]] || color_flag=(-no-color)

cd "$WORK_DIR"
# Record the provider's hash in the lock file before init: a filesystem mirror
# has no signed checksums, so init alone would compute the hash itself and
# warn that the lock file covers this platform only. Init still says
# "(unauthenticated)": a mirror carries no signature (docs/guides/installing.md).
step "terraform providers lock: the provider's hash, from the local mirror"
"$terraform" providers lock "${color_flag[@]}" -fs-mirror="$MIRROR_DIR" -platform="$(terraform_platform)"

step "terraform init"
"$terraform" init -input=false "${color_flag[@]}"
echo "(\"unauthenticated\": installed from a local mirror, which has no signature; the lock file holds its hash.)"

step "terraform plan: the SQL that will create the models' schema in app.db"
"$terraform" plan -input=false "${color_flag[@]}" -out=quickstart.tfplan

step "terraform apply: runs exactly that plan"
"$terraform" apply -input=false "${color_flag[@]}" quickstart.tfplan

step "Tables now in $WORK_DIR/app.db"
python3 - app.db <<'PY'
import sqlite3, sys
with sqlite3.connect(sys.argv[1]) as db:
    for (name,) in db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ):
        print(" ", name)
PY

step "terraform plan again: the database matches, so nothing to do"
status=0
"$terraform" plan -input=false "${color_flag[@]}" -detailed-exitcode || status=$?
if [[ $status -ne 0 ]]; then
    die "the second plan should have been empty (exit code $status)"
fi

# Lines to paste into a shell: the same environment as above (the CLI
# configuration with the mirror, the data directory, the models' Python).
q() { printf '%q' "$1"; }
cat <<DONE

Done. To keep going, edit the models in $WORK_DIR/blog/models (add a column, an index) and paste:
  export TF_CLI_CONFIG_FILE=$(q "$CLI_CONFIG") TF_DATA_DIR=$(q "$TF_DATA_DIR")
  export TF_VAR_python=$(q "$TF_VAR_python")
  cd $(q "$WORK_DIR")
  $(q "$terraform") plan
DONE
