#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a bounded time (default 60 s each;
# first argument: seconds per target). Fails when a target crashes, panics,
# takes longer than 10 s on one input, or uses more than 2 GB.
#
# cargo-fuzz passes sanitizer flags only a nightly compiler accepts;
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. cargo-fuzz is
# installed into .tools/ when it is not on PATH.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

seconds="${1:-60}"
ensure_build_prerequisites

if ! command -v cargo-fuzz >/dev/null; then
    if [[ ! -x "$TOOLS_DIR/cargo/bin/cargo-fuzz" ]]; then
        say "Installing cargo-fuzz into $TOOLS_DIR/cargo"
        cargo install --quiet --locked --root "$TOOLS_DIR/cargo" cargo-fuzz
    fi
    export PATH="$TOOLS_DIR/cargo/bin:$PATH"
fi

export RUSTC_BOOTSTRAP=1
cd fuzz
targets="$(cargo fuzz list)"
# One instrumented build for every target.
say "Building the fuzz targets"
cargo fuzz build --sanitizer none
for target in $targets; do
    say "Fuzzing $target for $seconds s"
    mkdir -p "corpus/$target" artifacts
    log="artifacts/$target.log"
    if ! cargo fuzz run --sanitizer none "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "fuzz target $target failed (input saved under fuzz/artifacts/$target/)"
    fi
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$log" >&2 || true
done
say "Every fuzz target ran $seconds s without a finding"
