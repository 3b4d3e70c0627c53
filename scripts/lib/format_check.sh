# shellcheck shell=bash
#
# The Swift formatting check of scripts/test, and what scripts/format shares with it.
# The style is the repository's .swift-format, applied by the toolchain's swift-format.
#
# Source it:
#
#   source scripts/lib/format_check.sh
#   sb_format_check     # lint: non-zero, with the findings, if any file is not formatted
#   sb_format           # format in place (what scripts/format runs)
#
# or run it: `bash scripts/lib/format_check.sh` is sb_format_check.
#
# Like scripts/lib/infra.sh, the functions return non-zero with a message on stderr
# instead of exiting.
#
# Settings (environment, all optional):
#   SB_SWIFT_FORMAT         the swift-format executable  (swift-format on PATH, or next to swift)
#   SB_FORMAT_MAX_FINDINGS  findings printed on failure  (50)

# Sourcing twice is harmless.
if [[ -n "${_SB_FORMAT_CHECK_SH_LOADED:-}" ]]; then
    return 0
fi
_SB_FORMAT_CHECK_SH_LOADED=1

SB_FORMAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Every Swift file of the package; relative to SB_FORMAT_ROOT.
SB_FORMAT_PATHS=(Services Shared Tests Tools Package.swift)

# The same helpers as infra.sh, unless it is already sourced.
if ! declare -F sb_log >/dev/null; then
    sb_log() { printf '[switchboard] %s\n' "$*" >&2; }
fi
if ! declare -F sb_error >/dev/null; then
    sb_error() { printf '[switchboard] error: %s\n' "$*" >&2; }
fi

# sb_swift_format_bin: prints the swift-format to use, or fails with a message.
sb_swift_format_bin() {
    local candidate="${SB_SWIFT_FORMAT:-}" swift_bin
    if [[ -z "$candidate" ]]; then
        if candidate="$(command -v swift-format)"; then
            :
        elif swift_bin="$(command -v swift)"; then
            # The toolchain ships it beside swift.
            candidate="$(dirname "$(readlink -f "$swift_bin")")/swift-format"
        fi
    fi
    if [[ -z "$candidate" ]] || ! command -v "$candidate" >/dev/null 2>&1; then
        sb_error "swift-format not found: install a Swift 6.3 toolchain (it ships swift-format) or set SB_SWIFT_FORMAT"
        return 1
    fi
    printf '%s\n' "$candidate"
}

# sb_format [PATH...]: formats the given files and directories (default: the whole
# package) in place with the repository's .swift-format.
sb_format() {
    local bin
    bin="$(sb_swift_format_bin)" || return 1
    if [[ ! -f "$SB_FORMAT_ROOT/.swift-format" ]]; then
        sb_error "$SB_FORMAT_ROOT/.swift-format is missing"
        return 1
    fi
    local paths=("$@")
    ((${#paths[@]})) || paths=("${SB_FORMAT_PATHS[@]}")
    (
        cd "$SB_FORMAT_ROOT" || exit 1
        "$bin" format --configuration .swift-format --in-place --recursive --parallel "${paths[@]}"
    )
}

# sb_format_check: lints the whole package with the repository's .swift-format, warnings
# as errors. Returns non-zero, printing the findings and how to fix them, if any file
# differs from what scripts/format would make of it.
sb_format_check() {
    local bin version output status count lines max="${SB_FORMAT_MAX_FINDINGS:-50}"
    bin="$(sb_swift_format_bin)" || return 1
    if [[ ! -f "$SB_FORMAT_ROOT/.swift-format" ]]; then
        sb_error "$SB_FORMAT_ROOT/.swift-format is missing"
        return 1
    fi
    version="$("$bin" --version 2>/dev/null || echo unknown)"
    sb_log "swift-format $version: lint --strict ${SB_FORMAT_PATHS[*]}"
    status=0
    output="$(
        cd "$SB_FORMAT_ROOT" || exit 1
        "$bin" lint --configuration .swift-format --strict --recursive --parallel "${SB_FORMAT_PATHS[@]}" 2>&1
    )" || status=$?
    if ((status == 0)); then
        return 0
    fi
    count="$(grep -cE ': (warning|error): ' <<<"$output" || true)"
    lines="$(wc -l <<<"$output")"
    head -n "$max" <<<"$output" >&2
    if ((lines > max)); then
        printf '... and %d more lines\n' "$((lines - max))" >&2
    fi
    sb_error "the Swift code is not formatted as .swift-format says ($count findings, swift-format exit status $status)."
    sb_error "Run scripts/format to fix it, check the diff (git diff), and commit it."
    sb_error "Findings scripts/format cannot fix (it only changes layout and a few safe rules) need an edit by hand."
    return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    sb_format_check
fi
