#!/usr/bin/env python3
"""Independent check of EPS authentication vectors (E-UTRAN-Vector: RAND, XRES, AUTN, KASME).

Written from the specifications, sharing no code with roamsim:
  - Milenage f1..f5, f1*, f5*: 3GPP TS 35.206 §4.1 (AES-128 from `cryptography` as the kernel E_K),
    self-tested against TS 35.208 test set 1 (`--selftest`);
  - KASME: TS 33.401 Annex A.2, HMAC-SHA-256 keyed with CK||IK over
    FC=0x10 || SN id || 0x00 0x03 || SQN xor AK || 0x00 0x06.

For each vector it computes AK = f5(RAND), recovers SQN = (SQN xor AK) xor AK from AUTN,
checks AMF and MAC-A = f1(SQN, RAND, AMF), XRES = f2(RAND) and KASME.

Input (JSON on stdin, --vectors-json FILE, or --pcap FILE --frame N dissected by tshark): either {"vectors": [...]} or the output of
s6a_client.py ({"air": {"vectors": [...]}}); each vector {"rand", "xres", "autn", "kasme"} in hex.
Keys come from --k/--opc/--amf, or --subscribers CSV (imsi,msisdn,k,opc[,amf]) with --imsi.
SN id from --sn-id HEX (e.g. 02f810) or --plmn MCC-MNC (e.g. 208-01).

Output: one JSON object on stdout {"ok": bool, "vectors": [{"item", "sqn", "ok", "errors"}]}.
Exit: 0 all vectors verify; 1 a mismatch (each named on stderr); 2 usage or input error.
"""
import argparse
import csv
import hashlib
import hmac
import json
import subprocess
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# TS 35.206 §4.1 constants: rotations r1..r5 (bits) and c1..c5 (128-bit).
R = (64, 0, 32, 64, 96)
C = tuple((i).to_bytes(16, "big") for i in (0, 1, 2, 4, 8))


def _xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _rot(x, r):
    """Cyclic left rotation of a 128-bit block by r bits (r a multiple of 8 here)."""
    n = (r // 8) % 16
    return x[n:] + x[:n]


class Milenage:
    def __init__(self, k, opc):
        if len(k) != 16 or len(opc) != 16:
            raise ValueError("K and OPc must be 16 octets")
        self._enc = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
        self.opc = opc

    def _e(self, block):
        return self._enc.update(block)

    @staticmethod
    def opc_from_op(k, op):
        enc = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
        return _xor(enc.update(op), op)

    def _temp(self, rand):
        return self._e(_xor(rand, self.opc))

    def _out(self, temp, i):
        """OUT2..OUT5 (i = 1..4): E_K(rot(TEMP xor OPc, r) xor c) xor OPc."""
        return _xor(self._e(_xor(_rot(_xor(temp, self.opc), R[i]), C[i])), self.opc)

    def f1_both(self, rand, sqn, amf):
        """Returns (MAC-A, MAC-S) = f1, f1*."""
        temp = self._temp(rand)
        in1 = sqn + amf + sqn + amf
        out1 = _xor(self._e(_xor(_xor(temp, _rot(_xor(in1, self.opc), R[0])), C[0])), self.opc)
        return out1[:8], out1[8:]

    def f2345(self, rand):
        """Returns (RES, CK, IK, AK) = f2, f3, f4, f5."""
        temp = self._temp(rand)
        out2 = self._out(temp, 1)
        return out2[8:], self._out(temp, 2), self._out(temp, 3), out2[:6]

    def f5star(self, rand):
        return self._out(self._temp(rand), 4)[:6]


def kasme(ck, ik, sn_id, sqn_xor_ak):
    """TS 33.401 A.2."""
    s = b"\x10" + sn_id + b"\x00\x03" + sqn_xor_ak + b"\x00\x06"
    return hmac.new(ck + ik, s, hashlib.sha256).digest()


def plmn_to_sn_id(plmn):
    """'208-01' -> 02 f8 10 (TS 24.008 §10.5.1.13 BCD, filler F for a 2-digit MNC)."""
    mcc, mnc = plmn.split("-")
    if len(mcc) != 3 or len(mnc) not in (2, 3) or not (mcc + mnc).isdigit():
        raise ValueError(f"bad PLMN {plmn!r}, want MCC-MNC like 208-01")
    d = [int(c) for c in mcc]
    m = [int(c) for c in mnc]
    m3 = m[2] if len(m) == 3 else 0xF
    return bytes([(d[1] << 4) | d[0], (m3 << 4) | d[2], (m[1] << 4) | m[0]])


def selftest():
    """TS 35.208 §4.3 test set 1 (also exercises OPc derivation from OP)."""
    h = bytes.fromhex
    k = h("465b5ce8b199b49faa5f0a2ee238a6bc")
    op = h("cdc202d5123e20f62b6d676ac72cb318")
    opc = Milenage.opc_from_op(k, op)
    want = {
        "OPc": "cd63cb71954a9f4e48a5994e37a02baf",
        "f1": "4a9ffac354dfafb3", "f1*": "01cfaf9ec4e871e9",
        "f2": "a54211d5e3ba50bf", "f3": "b40ba9a3c58b2a05bbf0d987b21bf8cb",
        "f4": "f769bcd751044604127672711c6d3441",
        "f5": "aa689c648370", "f5*": "451e8beca43b",
    }
    m = Milenage(k, opc)
    rand, sqn, amf = h("23553cbe9637a89d218ae64dae47bf35"), h("ff9bb4d0b607"), h("b9b9")
    mac_a, mac_s = m.f1_both(rand, sqn, amf)
    res, ck, ik, ak = m.f2345(rand)
    got = {"OPc": opc, "f1": mac_a, "f1*": mac_s, "f2": res, "f3": ck, "f4": ik, "f5": ak,
           "f5*": m.f5star(rand)}
    bad = [f"{n}: got {got[n].hex()} want {w}" for n, w in want.items() if got[n].hex() != w]
    return bad


def check_vector(m, amf, sn_id, v):
    errors = []
    rand, xres, autn, kas = (bytes.fromhex(v[f]) for f in ("rand", "xres", "autn", "kasme"))
    if len(rand) != 16 or len(autn) != 16 or len(kas) != 32 or not 4 <= len(xres) <= 16:
        return None, [f"bad lengths: RAND {len(rand)}, XRES {len(xres)}, AUTN {len(autn)}, "
                      f"KASME {len(kas)} octets (want 16, 4..16, 16, 32)"]
    res, ck, ik, ak = m.f2345(rand)
    sqn_xor_ak, autn_amf, mac = autn[:6], autn[6:8], autn[8:]
    sqn = _xor(sqn_xor_ak, ak)
    if autn_amf != amf:
        errors.append(f"AUTN AMF {autn_amf.hex()} != expected AMF {amf.hex()}")
    want_mac, _ = m.f1_both(rand, sqn, autn_amf)
    if mac != want_mac:
        errors.append(f"MAC-A {mac.hex()} != f1 {want_mac.hex()} (SQN {sqn.hex()})")
    if xres != res[:len(xres)]:
        errors.append(f"XRES {xres.hex()} != f2 {res[:len(xres)].hex()}")
    want_k = kasme(ck, ik, sn_id, sqn_xor_ak)
    if kas != want_k:
        errors.append(f"KASME {kas.hex()} != {want_k.hex()} (SN id {sn_id.hex()})")
    return sqn, errors


def vectors_from_pcap(pcap, frame):
    """E-UTRAN-Vectors of one AIA frame, dissected by tshark (an independent Diameter decoder)."""
    fields = ["diameter.Item-Number", "diameter.RAND", "diameter.XRES", "diameter.AUTN", "diameter.KASME"]
    cmd = ["tshark", "-r", pcap, "-Y", f"frame.number == {frame}", "-T", "fields", "-E", "separator=;"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    if not out:
        raise ValueError(f"{pcap}: frame {frame} has no E-UTRAN-Vector")
    cols = [c.split(",") for c in out.split(";")]
    if len({len(c) for c in cols}) != 1:
        raise ValueError(f"{pcap}: frame {frame}: uneven vector fields {cols}")
    return [{"item_number": int(i), "rand": r, "xres": x, "autn": a, "kasme": k}
            for i, r, x, a, k in zip(*cols)]


def load_keys(args):
    if args.subscribers:
        if not args.imsi:
            raise ValueError("--subscribers needs --imsi")
        with open(args.subscribers, newline="") as f:
            for row in csv.reader(f):
                if not row or row[0].strip().startswith("#") or row[0].strip() == "imsi":
                    continue
                if row[0].strip() == args.imsi:
                    amf = row[4].strip() if len(row) > 4 and row[4].strip() else args.amf
                    return bytes.fromhex(row[2].strip()), bytes.fromhex(row[3].strip()), bytes.fromhex(amf)
        raise ValueError(f"IMSI {args.imsi} not in {args.subscribers}")
    if not (args.k and args.opc):
        raise ValueError("give --k and --opc, or --subscribers and --imsi")
    return bytes.fromhex(args.k), bytes.fromhex(args.opc), bytes.fromhex(args.amf)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--selftest", action="store_true", help="run TS 35.208 test set 1 and exit")
    p.add_argument("--k"), p.add_argument("--opc")
    p.add_argument("--amf", default="8000")
    p.add_argument("--subscribers", help="CSV imsi,msisdn,k,opc[,amf]")
    p.add_argument("--imsi")
    p.add_argument("--sn-id", help="serving network id, 3 octets hex (02f810)")
    p.add_argument("--plmn", help="serving network as MCC-MNC (208-01)")
    p.add_argument("--vectors-json", help="file to read instead of stdin")
    p.add_argument("--pcap", help="read the vectors from a pcap with tshark instead (needs --frame)")
    p.add_argument("--frame", type=int, help="frame number of the AIA in --pcap")
    p.add_argument("--expect-sqn", help="comma-separated SQNs (hex or 0x..) the vectors must carry, in order")
    p.add_argument("--expect-count", type=int, help="number of vectors required")
    args = p.parse_args()

    bad = selftest()
    if bad:
        for b in bad:
            print(f"milenage_check: SELFTEST MISMATCH {b}", file=sys.stderr)
        return 1
    if args.selftest:
        print(json.dumps({"ok": True, "selftest": "TS 35.208 test set 1"}))
        return 0

    try:
        k, opc, amf = load_keys(args)
        if args.sn_id:
            sn_id = bytes.fromhex(args.sn_id)
        elif args.plmn:
            sn_id = plmn_to_sn_id(args.plmn)
        else:
            raise ValueError("give --sn-id or --plmn")
        if len(sn_id) != 3 or len(amf) != 2:
            raise ValueError("SN id must be 3 octets and AMF 2 octets")
        if args.pcap:
            if args.frame is None:
                raise ValueError("--pcap needs --frame")
            doc = {"vectors": vectors_from_pcap(args.pcap, args.frame)}
        else:
            text = open(args.vectors_json).read() if args.vectors_json else sys.stdin.read()
            doc = json.loads(text)
        vectors = doc.get("vectors")
        if vectors is None:
            vectors = (doc.get("air") or {}).get("vectors")
        if not isinstance(vectors, list):
            raise ValueError("input JSON has no 'vectors' or 'air.vectors' list")
        m = Milenage(k, opc)
    except (ValueError, OSError, json.JSONDecodeError, subprocess.SubprocessError) as e:
        print(f"milenage_check: {e}", file=sys.stderr)
        return 2

    failed = False
    if args.expect_count is not None and len(vectors) != args.expect_count:
        print(f"milenage_check: MISMATCH vector count {len(vectors)} != expected {args.expect_count}",
              file=sys.stderr)
        failed = True
    if not vectors:
        print("milenage_check: MISMATCH no vectors to check", file=sys.stderr)
        failed = True
    expect_sqn = [int(s, 16) for s in args.expect_sqn.split(",")] if args.expect_sqn else None
    report = []
    for i, v in enumerate(vectors):
        item = v.get("item_number", i + 1)
        try:
            sqn, errors = check_vector(m, amf, sn_id, v)
        except (KeyError, ValueError, TypeError) as e:
            sqn, errors = None, [f"unreadable vector: {e!r}"]
        if sqn is not None and expect_sqn is not None:
            if i >= len(expect_sqn) or int.from_bytes(sqn, "big") != expect_sqn[i]:
                want = hex(expect_sqn[i]) if i < len(expect_sqn) else "none"
                errors.append(f"SQN {sqn.hex()} != expected {want}")
        for e in errors:
            print(f"milenage_check: MISMATCH vector {item}: {e}", file=sys.stderr)
        failed |= bool(errors)
        report.append({"item": item, "sqn": sqn.hex() if sqn else None, "ok": not errors, "errors": errors})
    print(json.dumps({"ok": not failed, "sn_id": sn_id.hex(), "vectors": report}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
