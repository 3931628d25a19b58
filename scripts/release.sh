#!/usr/bin/env bash
# Builds the release archives of the provider into DIR, named and laid out
# exactly as the Terraform Registry (and a filesystem mirror's packed layout)
# expects them:
#
#   terraform-provider-sqlalchemy_<version>_<os>_<arch>.zip   one per platform, holding
#                                                             terraform-provider-sqlalchemy_v<version>
#   terraform-provider-sqlalchemy_<version>_manifest.json     terraform-registry-manifest.json
#   terraform-provider-sqlalchemy_<version>_SHA256SUMS        sha256sum lines for all of the above
#   terraform-provider-sqlalchemy_<version>_SHA256SUMS.sig    only with --sign (needs gpg)
#
# Usage: scripts/release.sh --out DIR [--binary PATH] [--target TRIPLE]... [--sign KEY]
#   --out DIR        where the files go (created; existing release files of
#                    this version in it are replaced)
#   --binary PATH    package PATH as this machine's platform instead of running
#                    `cargo build --release` (must print this crate's version
#                    for --version). Other platforms only with --target.
#   --target TRIPLE  a Rust target triple to build and package (repeatable).
#                    Without --binary and without --target: this machine's
#                    platform plus linux_arm64, darwin_amd64 and darwin_arm64,
#                    each where the installed toolchain can build it. A target
#                    this machine cannot build is skipped with the reason.
#   --sign KEY       sign SHA256SUMS with gpg's key KEY (detached, binary), as
#                    the Registry requires for publishing.
#
# The last lines on stderr list what was produced and what was skipped.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

NAME=terraform-provider-sqlalchemy
# The platforms a Registry release normally carries besides the host's.
DEFAULT_EXTRA_TARGETS=(aarch64-unknown-linux-gnu x86_64-apple-darwin aarch64-apple-darwin)

usage() { die "usage: $0 --out DIR [--binary PATH] [--target TRIPLE]... [--sign KEY]"; }

out_dir="" binary="" sign_key=""
targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) [[ $# -ge 2 ]] || usage; out_dir="$2"; shift 2 ;;
        --binary) [[ $# -ge 2 ]] || usage; binary="$2"; shift 2 ;;
        --target) [[ $# -ge 2 ]] || usage; targets+=("$2"); shift 2 ;;
        --sign) [[ $# -ge 2 ]] || usage; sign_key="$2"; shift 2 ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) usage ;;
    esac
done
[[ -n "$out_dir" ]] || usage
# Relative paths are the caller's; make them absolute before moving to the repository.
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
if [[ -n "$binary" && "$binary" != /* ]]; then
    binary="$PWD/$binary"
fi
cd "$REPO_ROOT"

version="$(crate_version)"
[[ -n "$version" ]] || die "no version in Cargo.toml"
host_triple="$(rustc -vV 2>/dev/null | sed -n 's/^host: //p')"
[[ -n "$host_triple" ]] || die "rustc is needed (to know this machine's target triple)"

# Terraform's <os>_<arch> for a Rust target triple; empty if it has none.
platform_of() {
    local os arch
    case "$1" in
        x86_64-*) arch=amd64 ;;
        aarch64-*) arch=arm64 ;;
        i686-* | i586-*) arch=386 ;;
        arm-* | armv7-*) arch=arm ;;
        *) return 0 ;;
    esac
    case "$1" in
        *-linux-*) os=linux ;;
        *-apple-darwin) os=darwin ;;
        *-windows-*) os=windows ;;
        *-freebsd) os=freebsd ;;
        *) return 0 ;;
    esac
    printf '%s_%s\n' "$os" "$arch"
}

# Why this machine cannot build TRIPLE, or nothing when it can. A cross build
# needs the Rust standard library for the target and a C toolchain for it
# (SQLite, libpg_query and aws-lc are C), including the linker.
cannot_build() {
    local triple="$1" upper
    if ! rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
        printf 'the Rust target is not installed (rustup target add %s)\n' "$triple"
        return
    fi
    upper="$(printf '%s' "$triple" | tr '[:lower:]-' '[:upper:]_')"
    local linker_var="CARGO_TARGET_${upper}_LINKER"
    [[ -n "${!linker_var:-}" ]] && return 0
    case "$triple" in
        *-apple-darwin)
            [[ "$(uname -s)" == Darwin ]] && return 0
            printf 'no macOS SDK and linker for it (osxcross; then set %s and CC_%s)\n' \
                "$linker_var" "${triple//-/_}"
            ;;
        aarch64-unknown-linux-gnu)
            command -v aarch64-linux-gnu-gcc >/dev/null && return 0
            printf 'no C cross compiler and linker for it (apt-get install gcc-aarch64-linux-gnu, then set %s=aarch64-linux-gnu-gcc)\n' \
                "$linker_var"
            ;;
        *)
            printf 'no linker configured for it (set %s)\n' "$linker_var"
            ;;
    esac
}

# Writes the zip ARCHIVE holding FILE as NAME, executable, with a fixed
# timestamp (SOURCE_DATE_EPOCH, else 1980-01-01) so equal inputs give equal
# bytes. Python's zipfile when python3 is there, else Info-ZIP's zip.
make_zip() {
    local archive="$1" file="$2" entry="$3"
    rm -f "$archive"
    if command -v python3 >/dev/null; then
        python3 - "$archive" "$file" "$entry" <<'PY'
import os, sys, time, zipfile
archive, source, name = sys.argv[1:]
epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
stamp = time.gmtime(max(epoch, 315532800))[:6]
info = zipfile.ZipInfo(name, date_time=stamp)
info.create_system = 3  # Unix, so the mode below is read
info.external_attr = (0o100755 & 0xFFFF) << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(source, "rb") as f, zipfile.ZipFile(archive, "w") as z:
    z.writestr(info, f.read())
PY
    elif command -v zip >/dev/null; then
        local staging
        staging="$(mktemp -d)"
        cp "$file" "$staging/$entry"
        chmod 0755 "$staging/$entry"
        touch -d "@${SOURCE_DATE_EPOCH:-315532800}" "$staging/$entry"
        (cd "$staging" && zip -q -X "$archive" "$entry")
        rm -rf "$staging"
    else
        die "neither python3 nor zip is installed: one is needed to make the archives"
    fi
}

sha256_of() {
    if command -v sha256sum >/dev/null; then
        sha256sum "$1" | cut -d ' ' -f 1
    else
        shasum -a 256 "$1" | cut -d ' ' -f 1
    fi
}

# What to package: "TRIPLE PATH" pairs, the host first.
host_platform="$(platform_of "$host_triple")"
[[ -n "$host_platform" ]] || die "Terraform has no platform name for this machine ($host_triple)"
builds=()
skipped=()
if [[ -n "$binary" ]]; then
    [[ -x "$binary" ]] || die "--binary $binary is not an executable file"
    reported="$("$binary" --version 2>/dev/null || true)"
    [[ "$reported" == "$NAME $version" ]] \
        || die "--binary $binary says '${reported:-nothing}' for --version, expected '$NAME $version'"
    builds+=("$host_triple $binary")
else
    ensure_build_prerequisites
    say "Building $NAME $version for $host_triple (cargo build --release)"
    cargo build --locked --release --bin "$NAME"
    builds+=("$host_triple ${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/$NAME")
    [[ ${#targets[@]} -gt 0 ]] || targets=("${DEFAULT_EXTRA_TARGETS[@]}")
fi
for triple in ${targets[@]+"${targets[@]}"}; do
    [[ "$triple" == "$host_triple" ]] && continue
    platform="$(platform_of "$triple")"
    if [[ -z "$platform" ]]; then
        skipped+=("$triple: Terraform has no platform name for it")
        continue
    fi
    reason="$(cannot_build "$triple")"
    if [[ -n "$reason" ]]; then
        skipped+=("$platform ($triple): $reason")
        continue
    fi
    say "Building $NAME $version for $triple (cargo build --release --target $triple)"
    if ! cargo build --locked --release --bin "$NAME" --target "$triple"; then
        skipped+=("$platform ($triple): cargo build failed (see above)")
        continue
    fi
    suffix=""
    [[ "$triple" == *-windows-* ]] && suffix=.exe
    builds+=("$triple ${CARGO_TARGET_DIR:-$REPO_ROOT/target}/$triple/release/$NAME$suffix")
done

prefix="${NAME}_${version}"
rm -f "$out_dir/${prefix}"_*.zip "$out_dir/${prefix}_SHA256SUMS" "$out_dir/${prefix}_SHA256SUMS.sig" \
    "$out_dir/${prefix}_manifest.json"

produced=()
for build in "${builds[@]}"; do
    triple="${build%% *}"
    path="${build#* }"
    platform="$(platform_of "$triple")"
    [[ -x "$path" ]] || die "$path was not built"
    suffix=""
    [[ "$triple" == *-windows-* ]] && suffix=.exe
    make_zip "$out_dir/${prefix}_${platform}.zip" "$path" "${NAME}_v${version}${suffix}"
    produced+=("${prefix}_${platform}.zip")
done
cp terraform-registry-manifest.json "$out_dir/${prefix}_manifest.json"
produced+=("${prefix}_manifest.json")

# sha256sum's format: the hash, two spaces, the file name; sorted by name.
sums="$out_dir/${prefix}_SHA256SUMS"
: >"$sums.tmp"
while IFS= read -r file; do
    printf '%s  %s\n' "$(sha256_of "$out_dir/$file")" "$file" >>"$sums.tmp"
done < <(printf '%s\n' "${produced[@]}" | LC_ALL=C sort)
mv "$sums.tmp" "$sums"
produced+=("${prefix}_SHA256SUMS")

if [[ -n "$sign_key" ]]; then
    command -v gpg >/dev/null || die "--sign needs gpg"
    gpg --batch --yes --local-user "$sign_key" --detach-sign --output "$sums.sig" "$sums"
    produced+=("${prefix}_SHA256SUMS.sig")
fi

say "Release $version in $out_dir:"
for file in "${produced[@]}"; do say "  produced: $file"; done
for reason in ${skipped[@]+"${skipped[@]}"}; do say "  skipped: $reason"; done
[[ -n "$sign_key" ]] || say "  not signed (the Registry needs --sign KEY; a filesystem mirror does not)"
