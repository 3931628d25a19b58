#!/usr/bin/env bash
# Cold vs warm export of a generated 1,000-class models module (PostgreSQL dialect): prints a
# table of median times. Cold runs Python and SQLAlchemy; warm is a cache hit (no Python).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-python.sh
cargo test --quiet --test exporter bench_export_1000_classes -- --ignored --nocapture 2>&1 \
    | grep -E '^\|'
