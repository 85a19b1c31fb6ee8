#!/usr/bin/env bash
# End-to-end throughput of roamsim on this machine: the highest rate a run holds.
#
# Finds the highest offered rate at which `roamsim run` (generator and embedded home core in one
# process, over loopback) holds, for BENCH_SECONDS (default 20 s): zero timed-out procedures,
# achieved >= 99% of offered, and p99 < 5 ms for every procedure. Prints it as procedures/s and
# as signaling messages/s (requests + answers on the wire). Then does the same for a raw batched
# UDP echo on loopback (`roamsim echo`, 200-byte datagrams, round trips/s and datagrams/s), and
# prints the ratio. Everything stays on 127.0.0.1 and every load stops by itself.
#
# With BENCH_S6A=1 it then compares the S6a transports (Diameter over TCP and over SCTP): the same
# search with `run --transport tcp` and `run --transport sctp-udp` (roamsim's SCTP over UDP,
# RFC 6951, on both the generator and the embedded HSS), under the same criteria, and reports
# S6a messages/s (Diameter requests + answers) of each and their ratio; the goal is
# sctp-udp >= 0.5 x tcp. Off by default to keep the bench short.
#
# Usage: scripts/bench.sh [START_RATE]
#   env: BENCH_SECONDS=20 BENCH_SHARDS=<cores> BENCH_PROFILE=FILE
#   BENCH_BIN=PATH (a prebuilt binary instead of building this tree)
#   BENCH_ECHO=0 (skip the echo search: A/B comparisons of two builds)
#   BENCH_STATE=1 (every trial keeps the embedded core's state: `run --state DIR`, a fresh store each)
#   BENCH_S6A=0|1|only (only: skip the run and echo searches)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TRIAL=${BENCH_SECONDS:-20}
START=${1:-2000}
SHARDS=${BENCH_SHARDS:-$(nproc)}
PROFILE_ARGS=()
[ -n "${BENCH_PROFILE:-}" ] && PROFILE_ARGS=(--profile "$BENCH_PROFILE")
OUT=$(mktemp -d /tmp/roamsim-bench.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

# BENCH_BIN compares another build (e.g. the previous commit's) under the same search.
if [ -n "${BENCH_BIN:-}" ]; then
    BIN=$BENCH_BIN
else
    cargo build --release --quiet
    BIN=target/release/roamsim
fi

# One trial of `roamsim run` over S6a transport $TRANSPORT (default tcp); prints
# "pass|fail procs_per_s msgs_per_s p99_us timed_out achieved_ratio s6a_msgs_per_s".
run_trial() {
    local rate=$1 dir="$OUT/run-${TRANSPORT:-tcp}-$1" state=()
    [ "${BENCH_STATE:-0}" = 1 ] && state=(--state "$dir.state")
    "$BIN" run --rate "$rate" --duration "${SECONDS_PER_TRIAL}s" --shards "$SHARDS" \
        --transport "${TRANSPORT:-tcp}" "${PROFILE_ARGS[@]}" "${state[@]}" --out "$dir" >/dev/null 2>"$dir.err" || true
    python3 - "$dir/summary.json" "$rate" <<'PY'
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except Exception as e:
    print("fail 0 0 0 0 0 0"); sys.exit()
offered = float(sys.argv[2]); run = s["run"]; d = run["duration_s"]
procs = s["procedures"].values()
timed_out = sum(p["timed_out"] for p in procs)
p99 = max((p["latency_us"]["p99"] for p in procs if p["started"] > 0), default=0)
msgs = sum(m["sent"] + m["answered"] for m in s["messages"].values()) / d
s6a = sum(m["sent"] + m["answered"] for k, m in s["messages"].items() if k.startswith("s6a.")) / d
ratio = run["achieved_rate"] / offered
ok = timed_out == 0 and ratio >= 0.99 and p99 < 5000
print("pass" if ok else "fail", round(run["achieved_rate"]), round(msgs), p99, timed_out, round(ratio, 4), round(s6a))
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
if [ "${BENCH_S6A:-0}" != only ]; then
echo "roamsim run (embedded core, $SHARDS shards):"
best_run=$(search run_trial)
best_echo=none
if [ "${BENCH_ECHO:-1}" != 0 ]; then
    echo "udp echo (batched recvmmsg/sendmmsg, 200 B):"
    START=$((START * 10)) best_echo=$(search echo_trial)
fi

read -r _ _ run_procs run_msgs run_p99 _ _ <<<"${best_run/none/0 x 0 0 0 0 0}"
read -r _ _ echo_rt echo_dgrams echo_p99 _ _ <<<"${best_echo/none/0 x 0 0 0 0 0}"
echo
echo "roamsim run: ${run_procs} procedures/s = ${run_msgs} signaling messages/s (p99 ${run_p99} µs)"
echo "udp echo:    ${echo_rt} round trips/s = ${echo_dgrams} datagrams/s (p99 ${echo_p99} µs)"
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'ratio: roamsim signaling messages / echo datagrams = {a / b:.2f}' if b else 'ratio: n/a')" "$run_msgs" "$echo_dgrams"
fi

[ "${BENCH_S6A:-0}" = 0 ] && exit 0
echo
echo "S6a transports (roamsim run --transport X, same criteria):"
echo "tcp:"
best_tcp=$(TRANSPORT=tcp search run_trial)
echo "sctp-udp:"
best_sctp=$(TRANSPORT=sctp-udp search run_trial)
read -r _ _ tcp_procs _ tcp_p99 _ _ tcp_s6a <<<"${best_tcp/none/0 x 0 0 0 0 0 0}"
read -r _ _ sctp_procs _ sctp_p99 _ _ sctp_s6a <<<"${best_sctp/none/0 x 0 0 0 0 0 0}"
echo
echo "s6a over tcp:      ${tcp_procs} procedures/s, ${tcp_s6a} S6a messages/s (p99 ${tcp_p99} µs)"
echo "s6a over sctp-udp: ${sctp_procs} procedures/s, ${sctp_s6a} S6a messages/s (p99 ${sctp_p99} µs)"
python3 -c "
import sys
t, s = float(sys.argv[1]), float(sys.argv[2])
if not t:
    print('ratio: n/a'); sys.exit()
r = s / t
print(f'ratio: S6a messages/s sctp-udp / tcp = {r:.2f} (goal >= 0.50: {\"met\" if r >= 0.5 else \"NOT met\"})')" "$tcp_s6a" "$sctp_s6a"
