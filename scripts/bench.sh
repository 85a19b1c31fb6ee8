#!/usr/bin/env bash
# End-to-end throughput of roamsim on this machine (issue: sharded open-loop load, item 7).
#
# Finds the highest offered rate at which `roamsim run` (generator and embedded home core in one
# process, over loopback) holds, for BENCH_SECONDS (default 20 s): zero timed-out procedures,
# achieved >= 99% of offered, and p99 < 5 ms for every procedure. Prints it as procedures/s and
# as signaling messages/s (requests + answers on the wire). Then does the same for a raw batched
# UDP echo on loopback (`roamsim echo`, 200-byte datagrams, round trips/s and datagrams/s), and
# prints the ratio. Everything stays on 127.0.0.1 and every load stops by itself.
#
# Usage: scripts/bench.sh [START_RATE]    env: BENCH_SECONDS=20 BENCH_SHARDS=<cores> BENCH_PROFILE=FILE
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TRIAL=${BENCH_SECONDS:-20}
START=${1:-2000}
SHARDS=${BENCH_SHARDS:-$(nproc)}
PROFILE_ARGS=()
[ -n "${BENCH_PROFILE:-}" ] && PROFILE_ARGS=(--profile "$BENCH_PROFILE")
OUT=$(mktemp -d /tmp/roamsim-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

cargo build --release --quiet
BIN=target/release/roamsim

# One trial of `roamsim run`; prints "pass|fail procs_per_s msgs_per_s p99_us timed_out achieved_ratio".
run_trial() {
    local rate=$1 dir="$OUT/run-$1"
    "$BIN" run --rate "$rate" --duration "${SECONDS_PER_TRIAL}s" --shards "$SHARDS" \
        "${PROFILE_ARGS[@]}" --out "$dir" >/dev/null 2>"$dir.err" || true
    python3 - "$dir/summary.json" "$rate" <<'PY'
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except Exception as e:
    print("fail 0 0 0 0 0"); sys.exit()
offered = float(sys.argv[2]); run = s["run"]; d = run["duration_s"]
procs = s["procedures"].values()
timed_out = sum(p["timed_out"] for p in procs)
p99 = max((p["latency_us"]["p99"] for p in procs if p["started"] > 0), default=0)
msgs = sum(m["sent"] + m["answered"] for m in s["messages"].values()) / d
ratio = run["achieved_rate"] / offered
ok = timed_out == 0 and ratio >= 0.99 and p99 < 5000
print("pass" if ok else "fail", round(run["achieved_rate"]), round(msgs), p99, timed_out, round(ratio, 4))
PY
}

# One trial of the UDP echo; prints "pass|fail round_trips_per_s datagrams_per_s p99_us lost ratio".
echo_trial() {
    "$BIN" echo --rate "$1" --duration "${SECONDS_PER_TRIAL}s" | python3 -c '
import json, sys
r = json.load(sys.stdin); ratio = r["achieved_rate"] / r["offered_rate"]
ok = r["lost"] == 0 and ratio >= 0.99 and r["rtt_us"]["p99"] < 5000
print("pass" if ok else "fail", round(r["achieved_rate"]), round(r["datagrams_per_s"]), r["rtt_us"]["p99"], r["lost"], round(ratio, 4))'
}

# Doubles from START until a trial fails, then bisects to within 5%; prints the best passing line.
search() {
    local trial=$1 lo=0 hi=0 rate=$START best="none" line
    while :; do
        line=$($trial "$rate"); echo "  $trial $rate/s: $line" >&2
        if [[ $line == pass* ]]; then lo=$rate; best="$rate $line"; rate=$((rate * 2)); else hi=$rate; break; fi
        [ "$rate" -gt 4000000 ] && break
    done
    while [ "$hi" -gt 0 ] && [ $((hi - lo)) -gt $((hi / 20)) ]; do
        rate=$(((lo + hi) / 2))
        line=$($trial "$rate"); echo "  $trial $rate/s: $line" >&2
        if [[ $line == pass* ]]; then lo=$rate; best="$rate $line"; else hi=$rate; fi
    done
    echo "$best"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
echo "criteria: ${SECONDS_PER_TRIAL} s per trial, zero timeouts, achieved >= 99% of offered, p99 < 5 ms"
echo "roamsim run (embedded core, $SHARDS shards):"
best_run=$(search run_trial)
echo "udp echo (batched recvmmsg/sendmmsg, 200 B):"
START=$((START * 10)) best_echo=$(search echo_trial)

read -r _ _ run_procs run_msgs run_p99 _ _ <<<"${best_run/none/0 x 0 0 0 0 0}"
read -r _ _ echo_rt echo_dgrams echo_p99 _ _ <<<"${best_echo/none/0 x 0 0 0 0 0}"
echo
echo "roamsim run: ${run_procs} procedures/s = ${run_msgs} signaling messages/s (p99 ${run_p99} µs)"
echo "udp echo:    ${echo_rt} round trips/s = ${echo_dgrams} datagrams/s (p99 ${echo_p99} µs)"
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'ratio: roamsim signaling messages / echo datagrams = {a / b:.2f}' if b else 'ratio: n/a')" "$run_msgs" "$echo_dgrams"
