#!/usr/bin/env bash
# A soak: `roamsim run` for DURATION (default 1h) at RATE (default 5000/s, about half of this
# machine's bench knee), with windowed SLOs, while its resources are sampled every 10 s into the
# run folder's resources.csv: RSS, open file descriptors, threads, CPU seconds. At the end it
# re-renders the reports (report.html gets a resources panel) and prints the RSS growth per hour
# after the first 10 minutes (the goal: under 1 % per hour) and the timed-out procedures (goal 0).
# Everything stays on loopback and stops by itself.
#
# Usage: scripts/soak.sh [DURATION] [RATE]     env: SOAK_OUT=DIR SOAK_ARGS="extra run flags"
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${1:-1h}
RATE=${2:-5000}
OUT=${SOAK_OUT:-results/soak-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
cargo build --release --quiet
BIN=target/release/roamsim

# shellcheck disable=SC2086
"$BIN" run --duration "$DURATION" --rate "$RATE" --slo-window 5m --interval 10s \
    --slo "attach:success>=99%" --slo "attach:p99<150ms" --out "$OUT" --quiet ${SOAK_ARGS:-} \
    > "$OUT/run.log" 2>&1 &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true' INT TERM
CLK=$(getconf CLK_TCK)
START=$(date +%s)
echo "t_s,rss_kb,fds,threads,cpu_s" > "$OUT/resources.csv"
while kill -0 "$PID" 2>/dev/null; do
    if [ -r "/proc/$PID/status" ]; then
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$PID/status" 2>/dev/null || echo 0)
        threads=$(awk '/^Threads:/ {print $2}' "/proc/$PID/status" 2>/dev/null || echo 0)
        fds=$(find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
        # utime + stime, fields 14 and 15 of /proc/PID/stat (after the command name).
        cpu=$(awk -v clk="$CLK" '{sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / clk}' \
            "/proc/$PID/stat" 2>/dev/null || echo 0)
        echo "$(( $(date +%s) - START )),${rss:-0},$fds,${threads:-0},${cpu:-0}" >> "$OUT/resources.csv"
    fi
    sleep 10
done
wait "$PID" || true
code=$?
"$BIN" report "$OUT" > /dev/null
python3 - "$OUT" <<'PY'
import csv, json, sys
out = sys.argv[1]
rows = [r for r in csv.DictReader(open(f"{out}/resources.csv")) if int(r["rss_kb"]) > 0]
late = [r for r in rows if int(r["t_s"]) >= 600] or rows
if len(late) >= 2:
    t0, t1 = int(late[0]["t_s"]), int(late[-1]["t_s"])
    r0, r1 = int(late[0]["rss_kb"]), int(late[-1]["rss_kb"])
    hours = max(t1 - t0, 1) / 3600
    growth = (r1 - r0) / r0 / hours * 100 if r0 else 0.0
    print(f"RSS {r0/1024:.1f} MB at {t0} s, {r1/1024:.1f} MB at {t1} s: {growth:+.2f} % per hour after warm-up")
    fds = [int(r["fds"]) for r in late]
    print(f"open files {min(fds)}..{max(fds)}, threads {late[-1]['threads']}, CPU {late[-1]['cpu_s']} s")
s = json.load(open(f"{out}/summary.json"))
timed_out = sum(p["timed_out"] for p in s["procedures"].values())
started = sum(p["started"] for p in s["procedures"].values())
print(f"procedures started {started}, timed out {timed_out}; verdict {s['verdict']}")
print(f"results: {out}")
PY
exit "$code"
