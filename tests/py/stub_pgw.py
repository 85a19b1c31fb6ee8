#!/usr/bin/env python3
"""Self-check stub PGW for gtp_client.py: GTPv2-C over UDP with `struct` only.

Not a model of roamsim: it only lets the client be exercised without roamsim. It answers Echo
(Recovery), Create Session (cause 16, PGW S5/S8-C F-TEID at instance 1, PAA 10.45.0.x, Bearer
Context Created), Modify Bearer and Delete Session (cause 16), and replays its cached response
for a request that repeats (peer, sequence number) (TS 29.274 §7.6).

Faults for negative tests: --no-cache (a retransmission is handled anew: new TEID and PAA),
--drop N (ignore the first N requests, to exercise the client's T3/N3 resend),
--fteid-instance N: put the S5/S8-C F-TEID at another instance (0, the Sender F-TEID, by default).

Listens on 127.0.0.1 (--port 0 picks a free port), prints `s8 listening on 127.0.0.1:PORT`,
stops after --lifetime seconds (default 30).
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gtp_client import (  # noqa: E402 - reuses the client's IE helpers; a self-check only
    CSR, CSRSP, DSR, DSRSP, ECHO_REQ, ECHO_RSP, IE_APN_RESTRICTION, IE_AMBR, IE_BEARER_CTX, IE_CAUSE,
    IE_CHARGING_ID, IE_EBI, IE_FTEID, IE_PAA, IE_RECOVERY, IF_S5S8_PGW_C, IF_S5S8_PGW_U, MBR, MBRSP,
    decode_fteid, fteid, first, header, ie, parse_msg,
)

RESTART_COUNTER = 7


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--lifetime", type=float, default=30.0)
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--drop", type=int, default=0)
    p.add_argument("--fteid-instance", type=int, default=0)
    a = p.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", a.port))
    print(f"s8 listening on 127.0.0.1:{sock.getsockname()[1]}", flush=True)
    end = time.monotonic() + a.lifetime
    cache = {}  # (peer, seq) -> response bytes
    sessions = {}  # PGW C-TEID -> SGW C-TEID
    next_teid, next_ip, dropped = 0x50000001, 2, 0
    while time.monotonic() < end:
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            raw, peer = sock.recvfrom(65535)
        except socket.timeout:
            break
        if dropped < a.drop:
            dropped += 1
            continue
        try:
            m = parse_msg(raw, "request")
        except Exception as e:  # noqa: BLE001
            print(f"stub_pgw: dropped bad datagram from {peer}: {e}", file=sys.stderr)
            continue
        key = (peer, m["seq"])
        if not a.no_cache and key in cache:
            sock.sendto(cache[key], peer)
            continue
        seq, ies = m["seq"], m["ies"]
        if m["type"] == ECHO_REQ:
            rsp = header(ECHO_RSP, ie(IE_RECOVERY, bytes([RESTART_COUNTER])), seq)
        elif m["type"] == CSR:
            sgw = decode_fteid(first(ies, IE_FTEID, 0))
            c_teid, u_teid = next_teid, next_teid + 1
            next_teid += 2
            paa = bytes([1, 10, 45, 0, next_ip])
            next_ip += 1
            sessions[c_teid] = sgw["teid"]
            bearer = (ie(IE_EBI, b"\x05") + ie(IE_CAUSE, b"\x10\x00") + fteid(IF_S5S8_PGW_U, u_teid, "127.0.0.1", 2)
                      + ie(IE_CHARGING_ID, struct.pack("!I", c_teid & 0xFFFF)))
            body = (ie(IE_CAUSE, b"\x10\x00") + fteid(IF_S5S8_PGW_C, c_teid, "127.0.0.1", a.fteid_instance)
                    + ie(IE_PAA, paa) + ie(IE_APN_RESTRICTION, b"\x00")
                    + ie(IE_AMBR, struct.pack("!II", 100000, 100000)) + ie(IE_BEARER_CTX, bearer)
                    + ie(IE_RECOVERY, bytes([RESTART_COUNTER])))
            rsp = header(CSRSP, body, seq, sgw["teid"])
        elif m["type"] in (MBR, DSR):
            sgw_teid = sessions.get(m["teid"])
            rtype = MBRSP if m["type"] == MBR else DSRSP
            if sgw_teid is None:
                rsp = header(rtype, ie(IE_CAUSE, b"\x40\x00"), seq, 0)  # 64 Context Not Found
            elif m["type"] == MBR:
                rsp = header(rtype, ie(IE_CAUSE, b"\x10\x00")
                             + ie(IE_BEARER_CTX, ie(IE_EBI, b"\x05") + ie(IE_CAUSE, b"\x10\x00")), seq, sgw_teid)
            else:
                del sessions[m["teid"]]
                rsp = header(rtype, ie(IE_CAUSE, b"\x10\x00"), seq, sgw_teid)
        else:
            continue
        cache[key] = rsp
        sock.sendto(rsp, peer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
