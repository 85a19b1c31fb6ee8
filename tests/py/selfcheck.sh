#!/usr/bin/env bash
# Self-check of the independent peers in tests/py/, without roamsim: each client against its
# stub, the Milenage checker against TS 35.208 and the reference capture, and the negative
# cases (the peers must notice a broken server). Loopback only; every process under `timeout`.
# Needs scripts/test-deps.sh to have run. Prints one line per case and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-target/pyenv/bin/python}
T=tests/py
CAP=${CAPTURES:-tests/data/captures}
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP"' EXIT
A_K=0b77258fd6ba70fa606861522e1667cc
A_OPC=9d21d6bc000b10b65bfc529e0c12ecd8
pass=0 fail=0

ok() { echo "selfcheck: ok   $1"; pass=$((pass + 1)); }
ko() { echo "selfcheck: FAIL $1"; fail=$((fail + 1)); }
expect_rc() { # name want_rc got_rc
    if [ "$3" = "$2" ]; then ok "$1"; else ko "$1 (exit $3, want $2)"; fi
}

# Starts a stub in the background and sets ADDR from its "... listening on ADDR" line.
start_stub() { # out-file cmd...
    local out=$1; shift
    timeout 30 "$@" >"$out" 2>"$out.err" &
    STUB=$!
    ADDR=
    for _ in $(seq 100); do
        ADDR=$(sed -n 's/^s[68a-z]* listening on //p' "$out" | head -1)
        [ -n "$ADDR" ] && return 0
        sleep 0.05
    done
    return 1
}
stop_stub() { kill "$STUB" 2>/dev/null; wait "$STUB" 2>/dev/null; }

# Milenage
timeout 10 $PY $T/milenage_check.py --selftest >/dev/null; expect_rc "milenage: TS 35.208 test set 1" 0 $?
if [ -f "$CAP/s6a-tcp.pcap" ] && command -v tshark >/dev/null; then
    timeout 30 $PY $T/milenage_check.py --k $A_K --opc $A_OPC --amf 8000 --sn-id 02f810 \
        --pcap "$CAP/s6a-tcp.pcap" --frame 9 --expect-count 3 --expect-sqn 0x20,0x40,0x60 >/dev/null
    expect_rc "milenage: reference AIA (frame 9) verifies, SQN 0x20/0x40/0x60" 0 $?
    timeout 30 $PY $T/milenage_check.py --k $A_K --opc $A_OPC --plmn 001-01 \
        --pcap "$CAP/s6a-tcp.pcap" --frame 9 >/dev/null 2>&1
    expect_rc "milenage: reference AIA with the wrong SN id is rejected" 1 $?
else
    ko "milenage: reference capture or tshark missing ($CAP)"
fi

# S6a client against the python-diameter stub HSS
if start_stub "$TMP/hss" $PY $T/stub_hss.py --lifetime 20; then
    timeout 15 $PY $T/s6a_client.py --hss "$ADDR" --check >"$TMP/s6a.json" 2>"$TMP/s6a.err"
    expect_rc "s6a_client --check against stub_hss" 0 $?
    timeout 10 $PY $T/milenage_check.py --k $A_K --opc $A_OPC --plmn 208-01 --expect-count 3 \
        <"$TMP/s6a.json" >/dev/null
    expect_rc "s6a_client's AIA vectors verify in milenage_check" 0 $?
    stop_stub
else
    ko "stub_hss did not start: $(tail -3 "$TMP/hss.err")"
fi
timeout 10 $PY $T/s6a_client.py --hss 127.0.0.1:1 --timeout 2 >/dev/null 2>&1
expect_rc "s6a_client: refused connection is exit 3" 3 $?
timeout 10 $PY -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print("s6a listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
c, _ = s.accept(); time.sleep(5)' >"$TMP/silent" &
STUB=$!
for _ in $(seq 100); do ADDR=$(sed -n 's/^s6a listening on //p' "$TMP/silent"); [ -n "$ADDR" ] && break; sleep 0.05; done
timeout 10 $PY $T/s6a_client.py --hss "$ADDR" --timeout 1.5 >/dev/null 2>&1
expect_rc "s6a_client: silent HSS is exit 3 within --timeout" 3 $?
stop_stub

# GTPv2-C client against the struct stub PGW
run_gtp() { # name want_rc stub-args -- client-args
    local name=$1 want=$2; shift 2
    local sargs=(); while [ "$1" != "--" ]; do sargs+=("$1"); shift; done; shift
    if start_stub "$TMP/pgw" $PY $T/stub_pgw.py --lifetime 20 "${sargs[@]}"; then
        timeout 20 $PY $T/gtp_client.py --pgw "$ADDR" "$@" >"$TMP/gtp.json" 2>"$TMP/gtp.err"
        expect_rc "$name" "$want" $?
        stop_stub
    else
        ko "$name: stub_pgw did not start"
    fi
}
run_gtp "gtp_client --check against stub_pgw" 0 -- --check
run_gtp "gtp_client --check --strict against stub_pgw" 0 -- --check --strict
run_gtp "gtp_client: a PGW without response cache fails --check" 1 --no-cache -- --check
run_gtp "gtp_client: resends after 2 lost requests" 0 --drop 2 -- --check --t3 0.3
run_gtp "gtp_client: F-TEID at instance 1 (the S11 slot) fails --strict" 1 --fteid-instance 1 -- --check --strict
run_gtp "gtp_client: silent PGW is exit 3" 3 --drop 1000 -- --t3 0.2 --n3 1

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
