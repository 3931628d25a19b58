#!/usr/bin/env bash
# Creates the Python virtualenvs the exporter tests run the embedded exporter with:
#   .tools/sqla2   the latest SQLAlchemy 2.x (plus SQLModel, which rides on it)
#   .tools/sqla14  the latest SQLAlchemy 1.4.x (skip with TFALCHEMY_SKIP_SQLA14=1)
# Idempotent and quiet when the venvs are already in place. Packages come from PyPI through
# pip (PIP_FIND_LINKS may point at a local wheel directory).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
base_python="${TFALCHEMY_BASE_PYTHON:-python3}"

if ! command -v "$base_python" >/dev/null 2>&1; then
    echo "install-python.sh: '$base_python' not found; install Python 3.8+ or set TFALCHEMY_BASE_PYTHON" >&2
    exit 1
fi

# ensure_venv DIR CHECK REQUIREMENT...
# Builds DIR when CHECK (a Python expression that must run cleanly) fails in it.
ensure_venv() {
    local dir="$1" check="$2"
    shift 2
    if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c "$check" >/dev/null 2>&1; then
        return 0
    fi
    echo "install-python.sh: creating $dir ($*)" >&2
    rm -rf "$dir"
    "$base_python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
    "$dir/bin/python" -c "$check"
}

mkdir -p "$tools"
ensure_venv "$tools/sqla2" \
    "import sqlalchemy, sqlmodel; assert sqlalchemy.__version__.startswith('2.')" \
    "sqlalchemy>=2,<3" "sqlmodel"

if [ "${TFALCHEMY_SKIP_SQLA14:-0}" != "1" ]; then
    ensure_venv "$tools/sqla14" \
        "import sqlalchemy; assert sqlalchemy.__version__.startswith('1.4.')" \
        "sqlalchemy>=1.4,<1.5"
fi
