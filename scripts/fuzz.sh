#!/usr/bin/env bash
# Fuzzing hours: runs every cargo-fuzz target for SECONDS_PER_TARGET (default 600), one after the
# other, each starting from the captures' seeds (fuzz/seeds/<dir>) and keeping what it learns in
# fuzz/corpus/<target>/ (reused by the next run). Prints executions, executions per second and
# coverage per target; a crash stops with its input in fuzz/artifacts/<target>/, which then
# becomes a regression test (CONTRIBUTING.md §18). Needs cargo-fuzz (installed if missing) and
# runs on the stable toolchain with RUSTC_BOOTSTRAP=1.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-600}
shift || true
command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1

# Target -> its seed folder under fuzz/seeds (empty: no seeds, the fuzzer starts from nothing).
declare -A SEEDS=(
    [diameter_decode]=diameter [gtpv2_decode]=gtpv2 [core_input]=core
    [gtpprime_decode]=gtpprime [cdr_decode]=cdr [map_decode]=map
    [sctp_decode]="" [profile_parse]="" [subscribers_csv]=""
)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(diameter_decode gtpv2_decode core_input sctp_decode \
    gtpprime_decode cdr_decode map_decode profile_parse subscribers_csv)

summary=()
for t in "${TARGETS[@]}"; do
    corpus=fuzz/corpus/$t
    mkdir -p "$corpus"
    seeds=()
    if [ -n "${SEEDS[$t]:-}" ] && [ -d "fuzz/seeds/${SEEDS[$t]}" ]; then
        seeds=("fuzz/seeds/${SEEDS[$t]}")
    fi
    if [ "$t" = profile_parse ] && [ -z "$(ls -A "$corpus")" ]; then
        cp profiles/*.toml "$corpus/"
    fi
    if [ "$t" = subscribers_csv ] && [ -z "$(ls -A "$corpus")" ]; then
        cp profiles/*.csv "$corpus/"
    fi
    log=$(mktemp)
    echo "== $t: ${SECONDS_PER_TARGET} s"
    if ! (cd fuzz && cargo fuzz run -O "$t" "../$corpus" "${seeds[@]/#/../}" -- \
            -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1) > "$log" 2>&1; then
        tail -40 "$log"
        echo "CRASH in $t: the input is under fuzz/artifacts/$t/" >&2
        exit 1
    fi
    runs=$(awk '/stat::number_of_executed_units/ {print $NF}' "$log" | tail -1)
    rate=$(awk '/stat::average_exec_per_sec/ {print $NF}' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    summary+=("$t: ${runs:-?} executions, ${rate:-?}/s, coverage ${cov:-?}, no crash")
    rm -f "$log"
done
printf '%s\n' "${summary[@]}"
