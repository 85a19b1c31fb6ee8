#!/usr/bin/env python3
"""Independent GTPv2-C S5/S8 SGW client (TS 29.274) for checking a PGW, written with `struct` only.

Against --pgw HOST:PORT (loopback only), from one UDP socket:
  1. Echo Request (Recovery)                           -> Echo Response with Recovery;
  2. Create Session Request for IMSI A (IEs as the reference capture's frame 3)
                                                       -> Cause 16, PGW S5/S8-C F-TEID, PAA;
  3. the same CSR datagram again (same sequence number) -> byte-identical response (§7.6);
  4. Modify Bearer Request                             -> Cause 16;
  5. Delete Session Request                            -> Cause 16;
  6. the same DSR datagram again                       -> byte-identical response (--no-dup-delete skips).
Each request waits --t3 seconds (default 2) for its reply and is resent unchanged up to --n3 times
(default 3). Output: one JSON object on stdout (see tests/py/README.md).
Exit: 0 done (with --check: and all as expected); 1 --check found a difference; 2 usage error;
3 no reply after all retries, or a reply that cannot be parsed.
"""
import argparse
import ipaddress
import json
import random
import socket
import struct
import sys

# Message types (TS 29.274 §6.1)
ECHO_REQ, ECHO_RSP = 1, 2
CSR, CSRSP, MBR, MBRSP, DSR, DSRSP = 32, 33, 34, 35, 36, 37
# IE types (§8.1)
IE_IMSI, IE_CAUSE, IE_RECOVERY, IE_APN, IE_AMBR, IE_EBI, IE_MSISDN = 1, 2, 3, 71, 72, 73, 76
IE_PAA, IE_BEARER_QOS, IE_RAT, IE_SERVING_NET, IE_FTEID, IE_BEARER_CTX = 79, 80, 82, 83, 87, 93
IE_CHARGING_ID, IE_PDN_TYPE, IE_APN_RESTRICTION, IE_SELECTION_MODE = 94, 99, 127, 128
# F-TEID interface types (§8.22)
IF_S5S8_SGW_U, IF_S5S8_PGW_U, IF_S5S8_SGW_C, IF_S5S8_PGW_C = 4, 5, 6, 7
CAUSE_ACCEPTED = 16


class GtpError(Exception):
    """No reply or unparseable reply: exit 3."""


def tbcd(digits):
    if len(digits) % 2:
        digits += "F"
    return bytes(int(digits[i + 1], 16) << 4 | int(digits[i], 16) for i in range(0, len(digits), 2))


def untbcd(b):
    out = []
    for o in b:
        for n in (o & 0xF, o >> 4):
            if n == 0xF:
                return "".join(out)
            out.append(str(n))
    return "".join(out)


def plmn(s):
    mcc, mnc = s.split("-")
    d, m = [int(c) for c in mcc], [int(c) for c in mnc]
    m3 = m[2] if len(m) == 3 else 0xF
    return bytes([(d[1] << 4) | d[0], (m3 << 4) | d[2], (m[1] << 4) | m[0]])


def ie(t, value, instance=0):
    return struct.pack("!BHB", t, len(value), instance & 0x0F) + value


def fteid(iface, teid, ipv4, instance=0):
    return ie(IE_FTEID, struct.pack("!BI", 0x80 | iface, teid) + socket.inet_aton(ipv4), instance)


def header(msg_type, body, seq, teid=None):
    """GTPv2-C header, version 2, P=0; T=1 with a TEID except for Echo (§5.1)."""
    if teid is None:
        return struct.pack("!BBH", 0x40, msg_type, len(body) + 4) + struct.pack("!I", seq << 8) + body
    return struct.pack("!BBHI", 0x48, msg_type, len(body) + 8, teid) + struct.pack("!I", seq << 8) + body


def parse_ies(data, where):
    """Returns a list of (type, instance, value); grouped IEs stay raw (parse again)."""
    ies, off = [], 0
    while off < len(data):
        if off + 4 > len(data):
            raise GtpError(f"{where}: truncated IE header at offset {off}")
        t, ln, inst = struct.unpack_from("!BHB", data, off)
        if off + 4 + ln > len(data):
            raise GtpError(f"{where}: IE type {t} length {ln} overruns the message")
        ies.append((t, inst & 0x0F, data[off + 4:off + 4 + ln]))
        off += 4 + ln
    return ies


def parse_msg(raw, where):
    if len(raw) < 8:
        raise GtpError(f"{where}: {len(raw)}-octet datagram is too short")
    flags, mtype, length = struct.unpack_from("!BBH", raw)
    if flags >> 5 != 2:
        raise GtpError(f"{where}: version {flags >> 5} != 2")
    if length + 4 != len(raw):
        raise GtpError(f"{where}: header length {length} + 4 != datagram {len(raw)}")
    t = bool(flags & 0x08)
    if t:
        teid, seqw = struct.unpack_from("!II", raw, 4)
        body = raw[12:]
    else:
        teid, (seqw,) = None, struct.unpack_from("!I", raw, 4)
        body = raw[8:]
    return {"type": mtype, "teid": teid, "seq": seqw >> 8, "piggyback": bool(flags & 0x10),
            "ies": parse_ies(body, where)}


def first(ies, t, instance=None):
    for it, inst, v in ies:
        if it == t and (instance is None or inst == instance):
            return v
    return None


def decode_fteid(v):
    if v is None or len(v) < 5:
        return None
    flags, teid = struct.unpack_from("!BI", v)
    out = {"interface": flags & 0x3F, "teid": teid, "ipv4": None}
    if flags & 0x80 and len(v) >= 9:
        out["ipv4"] = socket.inet_ntoa(v[5:9])
    return out


def decode_paa(v):
    if v is None or len(v) < 1:
        return None
    pdn_type = v[0] & 0x07
    if pdn_type == 1 and len(v) >= 5:
        return {"pdn_type": 1, "ipv4": socket.inet_ntoa(v[1:5])}
    return {"pdn_type": pdn_type, "raw": v.hex()}


def cause_of(ies):
    v = first(ies, IE_CAUSE)
    return v[0] if v else None


class Client:
    def __init__(self, host, port, t3, n3):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.connect((host, port))
        self.t3, self.n3 = t3, n3
        self.stray = 0  # datagrams that matched no outstanding request

    def exchange(self, datagram, seq, want_type, what):
        """Send, resend the same bytes on T3 expiry up to N3 times; return (raw reply, retries)."""
        for attempt in range(self.n3 + 1):
            self.sock.send(datagram)
            self.sock.settimeout(self.t3)
            while True:
                try:
                    raw = self.sock.recv(65535)
                except socket.timeout:
                    break
                except OSError as e:  # ICMP port unreachable shows up here
                    raise GtpError(f"{what}: {e}") from e
                m = parse_msg(raw, what)
                if m["seq"] == seq and m["type"] == want_type:
                    return raw, m, attempt
                self.stray += 1
        raise GtpError(f"{what}: no reply after {self.n3 + 1} sends, {self.t3} s apart")


def build_csr(seq, imsi, msisdn, serving, sgw_c_teid, sgw_u_teid, apn="internet", ebi=5):
    apn_v = b"".join(bytes([len(lbl)]) + lbl.encode() for lbl in apn.split("."))
    qos = struct.pack("!BB", 0x64, 9) + bytes(20)  # PCI=1, PL=9, PVI=0; QCI 9; MBR/GBR 0
    bearer = ie(IE_EBI, bytes([ebi])) + fteid(IF_S5S8_SGW_U, sgw_u_teid, "127.0.0.1", 2) + ie(IE_BEARER_QOS, qos)
    body = (ie(IE_IMSI, tbcd(imsi)) + ie(IE_MSISDN, tbcd(msisdn)) + ie(IE_RAT, b"\x06")
            + ie(IE_SERVING_NET, plmn(serving)) + fteid(IF_S5S8_SGW_C, sgw_c_teid, "127.0.0.1")
            + ie(IE_APN, apn_v) + ie(IE_SELECTION_MODE, b"\x00") + ie(IE_PDN_TYPE, b"\x01")
            + ie(IE_PAA, b"\x01" + bytes(4)) + ie(IE_AMBR, struct.pack("!II", 50000, 100000))
            + ie(IE_BEARER_CTX, bearer))
    return header(CSR, body, seq, teid=0)


def build_mbr(seq, pgw_c_teid, sgw_c_teid, sgw_u_teid, ebi=5):
    """§7.2.7: RAT Type, Sender F-TEID, Bearer Context {EBI, S5/S8-U SGW F-TEID instance 1}."""
    bearer = ie(IE_EBI, bytes([ebi])) + fteid(IF_S5S8_SGW_U, sgw_u_teid, "127.0.0.1", 1)
    body = ie(IE_RAT, b"\x06") + fteid(IF_S5S8_SGW_C, sgw_c_teid, "127.0.0.1") + ie(IE_BEARER_CTX, bearer)
    return header(MBR, body, seq, pgw_c_teid)


def build_dsr(seq, pgw_c_teid, ebi=5):
    """§7.2.9: Linked EBI."""
    return header(DSR, ie(IE_EBI, bytes([ebi])), seq, pgw_c_teid)


def summarize_csrsp(raw, m):
    ies = m["ies"]
    # On S5/S8 the PGW's control F-TEID is the Sender F-TEID for Control Plane, instance 0
    # (TS 29.274 Table 7.2.2-1; instance 1 is the PGW F-TEID an SGW relays to the MME on S11).
    # Find it by interface type and report the instance.
    any_c = [dict(decode_fteid(v) or {}, instance=inst) for t, inst, v in ies if t == IE_FTEID]
    pgw_c = next((f for f in any_c if f.get("interface") == IF_S5S8_PGW_C), None)
    bc = first(ies, IE_BEARER_CTX)
    bies = parse_ies(bc, "Create Session Response Bearer Context") if bc else []
    rec = first(ies, IE_RECOVERY)
    return {"cause": cause_of(ies), "header_teid": m["teid"], "length": len(raw),
            "pgw_c_fteid": pgw_c, "fteids": any_c, "paa": decode_paa(first(ies, IE_PAA)),
            "bearer": {"ebi": (first(bies, IE_EBI) or b"\xff")[0] & 0x0F if bc else None,
                       "cause": cause_of(bies), "pgw_u_fteid": decode_fteid(first(bies, IE_FTEID)),
                       "charging_id": int.from_bytes(first(bies, IE_CHARGING_ID) or b"", "big") or None}
            if bc else None,
            "recovery": rec[0] if rec else None, "hex": raw.hex()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pgw", required=True, help="PGW address HOST:PORT (loopback only)")
    p.add_argument("--imsi", default="310410000100000")
    p.add_argument("--msisdn", default="15550000000")
    p.add_argument("--serving-network", default="208-01")
    p.add_argument("--t3", type=float, default=2.0, help="seconds to wait for each reply")
    p.add_argument("--n3", type=int, default=3, help="resends after the first send")
    p.add_argument("--seq-start", type=int, help="first sequence number (default random)")
    p.add_argument("--no-dup-delete", action="store_true", help="do not resend the Delete Session Request")
    p.add_argument("--check", action="store_true", help="exit 1 unless the replies match the PGW contract")
    p.add_argument("--strict", action="store_true",
                   help="with --check, also fail unless the PGW S5/S8-C F-TEID is the Sender F-TEID (instance 0)")
    a = p.parse_args()
    try:
        host, port = a.pgw.rsplit(":", 1)
        port = int(port)
        if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
            raise ValueError(f"{host} is not a loopback address; this test peer talks to 127.0.0.0/8 only")
        plmn(a.serving_network)
        if not (0 < a.t3 <= 10 and 0 <= a.n3 <= 5):
            raise ValueError("--t3 must be in (0, 10] and --n3 in [0, 5]")
    except (ValueError, OSError) as e:
        print(f"gtp_client: {e}", file=sys.stderr)
        return 2

    seq = a.seq_start if a.seq_start is not None else random.randrange(1, 0x7FFF00)
    sgw_c_teid = random.randrange(1, 1 << 32)
    sgw_u_teid = random.randrange(1, 1 << 32)
    r = {"pgw": a.pgw, "sgw_c_teid": sgw_c_teid, "sgw_u_teid": sgw_u_teid}
    c = Client(host, port, a.t3, a.n3)
    step = "echo"
    try:
        # 1. Echo (§7.1.1): no TEID; Recovery mandatory both ways.
        raw, m, tries = c.exchange(header(ECHO_REQ, ie(IE_RECOVERY, b"\x01"), seq), seq, ECHO_RSP, "Echo")
        rec = first(m["ies"], IE_RECOVERY)
        r["echo"] = {"seq": m["seq"], "teid_flag": m["teid"] is not None, "recovery": rec[0] if rec else None,
                     "retries": tries}

        # 2. Create Session.
        step = "create"
        seq += 1
        csr = build_csr(seq, a.imsi, a.msisdn, a.serving_network, sgw_c_teid, sgw_u_teid)
        raw1, m, tries = c.exchange(csr, seq, CSRSP, "Create Session")
        r["create"] = summarize_csrsp(raw1, m)
        r["create"]["retries"] = tries
        r["create"]["request_hex"] = csr.hex()

        # 3. Retransmitted CSR: same bytes, same sequence number.
        step = "create_retransmission"
        raw2, m2, tries = c.exchange(csr, seq, CSRSP, "Create Session (retransmitted)")
        s2 = summarize_csrsp(raw2, m2)
        r["create_retransmission"] = {
            "identical": raw2 == raw1, "retries": tries, "cause": s2["cause"],
            "pgw_c_fteid": s2["pgw_c_fteid"], "paa": s2["paa"],
            "same_teid_paa": s2["pgw_c_fteid"] == r["create"]["pgw_c_fteid"] and s2["paa"] == r["create"]["paa"],
            "hex": raw2.hex() if raw2 != raw1 else None}

        pgw_c = r["create"]["pgw_c_fteid"]
        if r["create"]["cause"] != CAUSE_ACCEPTED or pgw_c is None:
            raise GtpError(f"Create Session not accepted (cause {r['create']['cause']}, PGW F-TEID {pgw_c}); "
                           "cannot go on to Modify/Delete")
        pgw_teid = pgw_c["teid"]

        # 4. Modify Bearer (§7.2.7) on the PGW's control TEID.
        step = "modify"
        seq += 1
        mbr = build_mbr(seq, pgw_teid, sgw_c_teid, sgw_u_teid)
        raw, m, tries = c.exchange(mbr, seq, MBRSP, "Modify Bearer")
        bc = first(m["ies"], IE_BEARER_CTX)
        r["modify"] = {"cause": cause_of(m["ies"]), "header_teid": m["teid"], "retries": tries,
                       "bearer_cause": cause_of(parse_ies(bc, "MBR Response Bearer Context")) if bc else None}

        # 5. Delete Session (§7.2.9) with Linked EBI 5.
        step = "delete"
        seq += 1
        dsr = build_dsr(seq, pgw_teid)
        raw1, m, tries = c.exchange(dsr, seq, DSRSP, "Delete Session")
        r["delete"] = {"cause": cause_of(m["ies"]), "header_teid": m["teid"], "retries": tries, "hex": raw1.hex()}

        # 6. Retransmitted DSR.
        if not a.no_dup_delete:
            step = "delete_retransmission"
            raw2, m2, tries = c.exchange(dsr, seq, DSRSP, "Delete Session (retransmitted)")
            r["delete_retransmission"] = {"identical": raw2 == raw1, "cause": cause_of(m2["ies"]), "retries": tries,
                                          "hex": raw2.hex() if raw2 != raw1 else None}
    except GtpError as e:
        r["error"] = f"{step}: {e}"
        r["stray_datagrams"] = c.stray
        print(json.dumps(r))
        print(f"gtp_client: {step}: {e}", file=sys.stderr)
        return 3
    finally:
        c.sock.close()
    r["stray_datagrams"] = c.stray

    errs, warns = check(r, sgw_c_teid, a.strict) if a.check else ([], [])
    r["check_errors"] = errs
    r["check_warnings"] = warns
    r["ok"] = not errs
    print(json.dumps(r))
    for e in errs:
        print(f"gtp_client: CHECK {e}", file=sys.stderr)
    for w in warns:
        print(f"gtp_client: WARNING {w}", file=sys.stderr)
    return 1 if errs else 0


def check(r, sgw_c_teid, strict=False):
    """Returns (errors, warnings); with strict, spec deviations the reference capture also has are errors."""
    errs, warns = [], []

    def want(cond, msg):
        if not cond:
            errs.append(msg)

    e = r["echo"]
    want(e["recovery"] is not None, "Echo Response without Recovery IE")
    want(not e["teid_flag"], "Echo Response has the T flag set")
    cr = r["create"]
    want(cr["cause"] == CAUSE_ACCEPTED, f"Create Session Response cause {cr['cause']} != 16")
    want(cr["header_teid"] == sgw_c_teid,
         f"Create Session Response header TEID {cr['header_teid']} != SGW's S5/S8-C TEID {sgw_c_teid}")
    pc = cr["pgw_c_fteid"]
    want(pc is not None and pc["teid"] != 0 and pc["ipv4"],
         f"no PGW S5/S8-C F-TEID (interface type 7, non-zero TEID, IPv4): {cr['fteids']}")
    if pc is not None and pc["instance"] != 0:
        (errs if strict else warns).append(
            f"PGW S5/S8-C F-TEID at instance {pc['instance']}; on S5/S8 it is the Sender F-TEID, instance 0")
    paa = cr["paa"]
    want(paa is not None and paa.get("pdn_type") == 1 and paa.get("ipv4") not in (None, "0.0.0.0"),
         f"PAA is not an allocated IPv4 address: {paa}")
    b = cr["bearer"]
    want(b is not None and b["ebi"] == 5 and b["cause"] == CAUSE_ACCEPTED,
         f"Bearer Context Created not EBI 5 / cause 16: {b}")
    want(b is not None and b["pgw_u_fteid"] is not None and b["pgw_u_fteid"]["interface"] == IF_S5S8_PGW_U,
         f"Bearer Context without S5/S8-U PGW F-TEID: {b}")
    rt = r["create_retransmission"]
    want(rt["identical"], "retransmitted Create Session Request got a response that is not byte-identical")
    want(rt["same_teid_paa"], f"retransmitted CSR answered with other TEID/PAA: {rt['pgw_c_fteid']} {rt['paa']}")
    mo = r["modify"]
    want(mo["cause"] == CAUSE_ACCEPTED, f"Modify Bearer Response cause {mo['cause']} != 16")
    want(mo["header_teid"] == sgw_c_teid, f"Modify Bearer Response header TEID {mo['header_teid']} != {sgw_c_teid}")
    de = r["delete"]
    want(de["cause"] == CAUSE_ACCEPTED, f"Delete Session Response cause {de['cause']} != 16")
    want(de["header_teid"] == sgw_c_teid, f"Delete Session Response header TEID {de['header_teid']} != {sgw_c_teid}")
    if "delete_retransmission" in r:
        want(r["delete_retransmission"]["identical"],
             "retransmitted Delete Session Request got a response that is not byte-identical")
    return errs, warns


if __name__ == "__main__":
    sys.exit(main())
