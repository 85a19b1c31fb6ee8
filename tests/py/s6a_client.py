#!/usr/bin/env python3
"""Independent S6a MME peer (TS 29.272 over Diameter base RFC 6733, TCP) for checking an HSS.

Messages are built and parsed with python-diameter 0.9.0's message classes (an encoder/decoder
that shares nothing with roamsim), over a plain blocking TCP socket so every wait is bounded.
As MME `mme1.epc.mnc001.mcc208.3gppnetwork.org` it runs, on one connection:

  CER/CEA, AIR (IMSI A, N vectors, Visited-PLMN-Id 208-01), ULR (A, 208-01, ULR-Flags 0x22),
  ULR (unknown IMSI 310410000999999), ULR (A, Visited-PLMN-Id 001-01), PUR (A), DPR/DPA.

Requests the HSS sends meanwhile (DWR, CLR) are answered 2001 and counted.

Output: one JSON object on stdout (see tests/py/README.md). With --check it also compares the
answers with what roamsim's HSS contract promises and lists differences in "check_errors".
Exit: 0 done (and, with --check, all as expected); 1 --check found a difference;
2 usage error; 3 connection refused/closed, timeout (--timeout, whole run) or undecodable answer.
"""
import argparse
import ipaddress
import json
import os
import random
import socket
import sys
import time

from diameter.message import Message, MessageHeader
from diameter.message.avp import Avp
from diameter.message.constants import AVP_ORIGIN_HOST, AVP_ORIGIN_REALM, AVP_RESULT_CODE
from diameter.message.avp.grouped import (
    ExperimentalResult,
    RequestedEutranAuthenticationInfo,
    VendorSpecificApplicationId,
)
from diameter.message.commands import (
    AuthenticationInformationRequest,
    CancelLocationRequest,
    CapabilitiesExchangeRequest,
    DeviceWatchdogRequest,
    DisconnectPeerRequest,
    PurgeUeRequest,
    UpdateLocationRequest,
)

S6A_APP = 16777251
VENDOR_3GPP = 10415
ORIGIN_HOST = "mme1.epc.mnc001.mcc208.3gppnetwork.org"
ORIGIN_REALM = "epc.mnc001.mcc208.3gppnetwork.org"
DEST_REALM = "epc.mnc410.mcc310.3gppnetwork.org"
RAT_EUTRAN = 1004


class PeerError(Exception):
    """Connection, timeout or decoding failure: exit 3."""


def plmn_bytes(plmn):
    """'208-01' -> 02 f8 10 (TS 29.272 §7.3.9, TS 24.008 BCD order)."""
    mcc, mnc = plmn.split("-")
    if len(mcc) != 3 or len(mnc) not in (2, 3) or not (mcc + mnc).isdigit():
        raise ValueError(f"bad PLMN {plmn!r}, want MCC-MNC like 208-01")
    d, m = [int(c) for c in mcc], [int(c) for c in mnc]
    m3 = m[2] if len(m) == 3 else 0xF
    return bytes([(d[1] << 4) | d[0], (m3 << 4) | d[2], (m[1] << 4) | m[0]])


def tbcd(b):
    """TBCD octets (MSISDN) -> digit string."""
    out = []
    for octet in b or b"":
        for nib in (octet & 0xF, octet >> 4):
            if nib == 0xF:
                return "".join(out)
            out.append("0123456789*#abc"[nib])
    return "".join(out)


def _s(v):
    return v.decode(errors="replace") if isinstance(v, (bytes, bytearray)) else v


class Peer:
    def __init__(self, host, port, deadline):
        self.deadline = deadline
        self.hbh = random.getrandbits(32)
        self.e2e = ((int(time.time()) & 0xFFF) << 20) | random.getrandbits(20)
        self.session_n = 0
        self.state_id = int(time.time()) & 0xFFFFFFFF
        self.hss_requests = []  # requests the HSS sent us: {"command", "answered"}
        try:
            self.sock = socket.create_connection((host, port), timeout=self._left())
        except OSError as e:
            raise PeerError(f"connect to {host}:{port}: {e}") from e
        self.local_ip = self.sock.getsockname()[0]
        self.buf = b""

    def _left(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise PeerError("timeout (whole-run deadline reached)")
        return left

    def new_session_id(self):
        self.session_n += 1
        return f"{ORIGIN_HOST};{self.state_id};{os.getpid()};{self.session_n}"

    def stamp(self, msg):
        self.hbh = (self.hbh + 1) & 0xFFFFFFFF
        self.e2e = (self.e2e + 1) & 0xFFFFFFFF
        msg.header.hop_by_hop_identifier = self.hbh
        msg.header.end_to_end_identifier = self.e2e
        return msg

    def send(self, msg):
        try:
            self.sock.settimeout(self._left())
            self.sock.sendall(msg.as_bytes())
        except OSError as e:
            raise PeerError(f"send {msg.name}: {e}") from e

    def _recv_exact(self, n, what):
        while len(self.buf) < n:
            try:
                self.sock.settimeout(self._left())
                chunk = self.sock.recv(65536)
            except socket.timeout as e:
                raise PeerError(f"timeout waiting for {what}") from e
            except OSError as e:
                raise PeerError(f"receive {what}: {e}") from e
            if not chunk:
                raise PeerError(f"connection closed by HSS while waiting for {what}")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def recv_message(self, what):
        head = self._recv_exact(4, what)
        version, length = head[0], int.from_bytes(head[1:4], "big")
        if version != 1 or length < 20 or length > 1 << 20:
            raise PeerError(f"bad Diameter header while waiting for {what}: version {version}, length {length}")
        raw = head + self._recv_exact(length - 4, what)
        try:
            return Message.from_bytes(raw), raw
        except Exception as e:  # noqa: BLE001 - any decoder failure is a protocol error
            raise PeerError(f"undecodable message while waiting for {what}: {e!r} ({raw.hex()})") from e

    def answer_hss_request(self, req):
        """DWR -> DWA 2001, CLR -> CLA 2001, any other request -> 3001 COMMAND_UNSUPPORTED (E bit)."""
        code = req.header.command_code
        if isinstance(req, (DeviceWatchdogRequest, CancelLocationRequest)):
            ans = req.to_answer()
            ans.origin_host = ORIGIN_HOST.encode()
            ans.origin_realm = ORIGIN_REALM.encode()
            ans.result_code = 2001
            if isinstance(req, DeviceWatchdogRequest):
                ans.origin_state_id = self.state_id
            else:
                ans.session_id = req.session_id
                ans.vendor_specific_application_id = VendorSpecificApplicationId(VENDOR_3GPP, S6A_APP)
                ans.auth_session_state = 1
        else:
            hdr = MessageHeader(command_code=code, application_id=req.header.application_id,
                                hop_by_hop_identifier=req.header.hop_by_hop_identifier,
                                end_to_end_identifier=req.header.end_to_end_identifier)
            hdr.is_error = True
            ans = Message(hdr, [Avp.new(AVP_RESULT_CODE, value=3001),
                                Avp.new(AVP_ORIGIN_HOST, value=ORIGIN_HOST.encode()),
                                Avp.new(AVP_ORIGIN_REALM, value=ORIGIN_REALM.encode())])
            ans.name = f"answer to command {code}"
        self.send(ans)
        self.hss_requests.append({"command": code, "answered": getattr(ans, "result_code", 3001)})

    def transact(self, req, what):
        """Send a request, answer HSS requests meanwhile, return the answer with our hop-by-hop id."""
        self.stamp(req)
        self.send(req)
        while True:
            msg, raw = self.recv_message(what)
            if msg.header.is_request:
                self.answer_hss_request(msg)
                continue
            if msg.header.hop_by_hop_identifier != req.header.hop_by_hop_identifier:
                raise PeerError(f"{what}: answer with unknown hop-by-hop id "
                                f"0x{msg.header.hop_by_hop_identifier:08x} (want 0x{req.header.hop_by_hop_identifier:08x})")
            if msg.header.end_to_end_identifier != req.header.end_to_end_identifier:
                raise PeerError(f"{what}: end-to-end id 0x{msg.header.end_to_end_identifier:08x} "
                                f"!= request's 0x{req.header.end_to_end_identifier:08x}")
            if msg.header.command_code != req.header.command_code:
                raise PeerError(f"{what}: answer command {msg.header.command_code} != {req.header.command_code}")
            return msg, raw


def result_of(ans, req=None):
    """Result-Code / Experimental-Result summary common to every answer."""
    out = {"command": ans.header.command_code, "application_id": ans.header.application_id,
           "e_bit": ans.header.is_error, "length": ans.header.length}
    rc = getattr(ans, "result_code", None)
    er = getattr(ans, "experimental_result", None)
    out["result_code"] = rc
    out["experimental_result_code"] = er.experimental_result_code if isinstance(er, ExperimentalResult) else None
    out["experimental_result_vendor_id"] = er.vendor_id if isinstance(er, ExperimentalResult) else None
    out["code"] = rc if rc is not None else out["experimental_result_code"]
    out["origin_host"] = _s(getattr(ans, "origin_host", None))
    out["origin_realm"] = _s(getattr(ans, "origin_realm", None))
    if req is not None and hasattr(req, "session_id"):
        out["session_id_echoed"] = getattr(ans, "session_id", None) == req.session_id
    vsai = getattr(ans, "vendor_specific_application_id", None)
    if vsai is not None and not isinstance(vsai, list):
        vsai = [vsai]
    out["vendor_specific_application_id"] = [
        {"vendor_id": v.vendor_id, "auth_application_id": v.auth_application_id} for v in (vsai or [])]
    return out


def s6a_request(cls, peer, imsi, plmn=None):
    req = cls()
    req.session_id = peer.new_session_id()
    req.vendor_specific_application_id = VendorSpecificApplicationId(VENDOR_3GPP, S6A_APP)
    req.auth_session_state = 1  # NO_STATE_MAINTAINED
    req.origin_host = ORIGIN_HOST.encode()
    req.origin_realm = ORIGIN_REALM.encode()
    req.destination_realm = DEST_REALM.encode()
    req.user_name = imsi
    req.header.application_id = S6A_APP
    if plmn is not None:
        req.visited_plmn_id = plmn_bytes(plmn)
    return req


def do_cer(peer, cer_style):
    cer = CapabilitiesExchangeRequest()
    cer.origin_host = ORIGIN_HOST.encode()
    cer.origin_realm = ORIGIN_REALM.encode()
    cer.host_ip_address = [peer.local_ip]
    cer.vendor_id = VENDOR_3GPP
    cer.product_name = "roamsim-pytests-mme"
    cer.origin_state_id = peer.state_id
    cer.supported_vendor_id = [VENDOR_3GPP]
    if cer_style in ("plain", "both"):
        cer.auth_application_id = [S6A_APP]
    if cer_style in ("vsai", "both"):
        cer.vendor_specific_application_id = [VendorSpecificApplicationId(VENDOR_3GPP, S6A_APP)]
    cea, _ = peer.transact(cer, "CEA")
    out = result_of(cea)
    out["auth_application_id"] = list(getattr(cea, "auth_application_id", None) or [])
    out["advertises_s6a_vsai"] = any(v["vendor_id"] == VENDOR_3GPP and v["auth_application_id"] == S6A_APP
                                     for v in out["vendor_specific_application_id"])
    return out


def do_air(peer, imsi, plmn, n):
    req = s6a_request(AuthenticationInformationRequest, peer, imsi, plmn)
    req.requested_eutran_authentication_info = RequestedEutranAuthenticationInfo(
        number_of_requested_vectors=n, immediate_response_preferred=1)
    ans, _ = peer.transact(req, "AIA")
    out = result_of(ans, req)
    vectors = []
    info = getattr(ans, "authentication_info", None)
    for v in (info.e_utran_vector if info else []):
        vectors.append({"item_number": v.item_number,
                        "rand": v.rand.hex() if v.rand else None, "xres": v.xres.hex() if v.xres else None,
                        "autn": v.autn.hex() if v.autn else None, "kasme": v.kasme.hex() if v.kasme else None})
    out["vectors"] = vectors
    return out


def summarize_subscription(sd):
    if sd is None:
        return None
    out = {"msisdn": tbcd(sd.msisdn) if sd.msisdn else None,
           "subscriber_status": sd.subscriber_status,
           "network_access_mode": sd.network_access_mode}
    if sd.ambr is not None:
        out["ambr"] = {"ul": sd.ambr.max_requested_bandwidth_ul, "dl": sd.ambr.max_requested_bandwidth_dl}
    prof = sd.apn_configuration_profile
    if prof is not None:
        out["apn_context_identifier"] = prof.context_identifier
        apns = []
        for apn in prof.apn_configuration or []:
            qos = apn.eps_subscribed_qos_profile
            apns.append({"service_selection": apn.service_selection, "pdn_type": apn.pdn_type,
                         "context_identifier": apn.context_identifier,
                         "qci": qos.qos_class_identifier if qos is not None else None})
        out["apns"] = apns
    return out


def do_ulr(peer, imsi, plmn, flags):
    req = s6a_request(UpdateLocationRequest, peer, imsi, plmn)
    req.rat_type = RAT_EUTRAN
    req.ulr_flags = flags
    ans, _ = peer.transact(req, "ULA")
    out = result_of(ans, req)
    out["ula_flags"] = getattr(ans, "ula_flags", None)
    out["subscription_data"] = summarize_subscription(getattr(ans, "subscription_data", None))
    return out


def do_pur(peer, imsi):
    req = s6a_request(PurgeUeRequest, peer, imsi)
    req.pur_flags = 0
    ans, _ = peer.transact(req, "PUA")
    out = result_of(ans, req)
    out["pua_flags"] = getattr(ans, "pua_flags", None)
    return out


def do_dpr(peer):
    dpr = DisconnectPeerRequest()
    dpr.origin_host = ORIGIN_HOST.encode()
    dpr.origin_realm = ORIGIN_REALM.encode()
    dpr.disconnect_cause = 0  # REBOOTING
    dpa, _ = peer.transact(dpr, "DPA")
    return result_of(dpa)


def check(r, a):
    """Differences from roamsim's HSS contract (docs/ARCHITECTURE.md §2, serve contract)."""
    errs = []

    def want(cond, msg):
        if not cond:
            errs.append(msg)

    cea = r["cea"]
    want(cea["result_code"] == 2001, f"CEA Result-Code {cea['result_code']} != 2001")
    want(cea["advertises_s6a_vsai"], "CEA lacks Vendor-Specific-Application-Id {10415, 16777251}")
    want(cea["origin_host"] == a.expect_hss_host, f"CEA Origin-Host {cea['origin_host']!r} != {a.expect_hss_host!r}")
    want(cea["origin_realm"] == DEST_REALM, f"CEA Origin-Realm {cea['origin_realm']!r} != {DEST_REALM!r}")
    for name, code, exp in (("air", 2001, False), ("ulr", 2001, False), ("ulr_unknown", 5001, True),
                            ("ulr_no_roaming", 5004, True), ("pur", 2001, False)):
        x = r[name]
        if exp:
            want(x["experimental_result_code"] == code and x["experimental_result_vendor_id"] == VENDOR_3GPP,
                 f"{name}: Experimental-Result {x['experimental_result_vendor_id']}/{x['experimental_result_code']} "
                 f"!= {VENDOR_3GPP}/{code}")
            want(x["result_code"] is None, f"{name}: has Result-Code {x['result_code']} beside Experimental-Result")
        else:
            want(x["result_code"] == code, f"{name}: Result-Code {x['result_code']} != {code}")
        want(x["session_id_echoed"], f"{name}: Session-Id not echoed")
        want(x["application_id"] == S6A_APP, f"{name}: header application id {x['application_id']} != {S6A_APP}")
        want(x["origin_host"] == a.expect_hss_host, f"{name}: Origin-Host {x['origin_host']!r}")
        want(not x["e_bit"], f"{name}: E bit set on an answer to a well-formed request")
    air = r["air"]
    want(len(air["vectors"]) == a.vectors, f"air: {len(air['vectors'])} E-UTRAN-Vectors != {a.vectors} requested")
    for i, v in enumerate(air["vectors"]):
        lens = tuple(len(v[f] or "") // 2 for f in ("rand", "xres", "autn", "kasme"))
        want(lens[0] == 16 and 4 <= lens[1] <= 16 and lens[2] == 16 and lens[3] == 32,
             f"air: vector {i + 1} RAND/XRES/AUTN/KASME lengths {lens}")
        want(v["autn"] is not None and v["autn"][12:16] == "8000", f"air: vector {i + 1} AUTN AMF != 8000")
    ulr = r["ulr"]
    want(ulr["subscription_data"] is not None, "ulr: ULA 2001 without Subscription-Data")
    if a.expect_msisdn and ulr["subscription_data"] is not None:
        want(ulr["subscription_data"]["msisdn"] == a.expect_msisdn,
             f"ulr: Subscription-Data MSISDN {ulr['subscription_data']['msisdn']} != {a.expect_msisdn}")
    if r.get("dpa") is not None:
        want(r["dpa"]["result_code"] == 2001, f"DPA Result-Code {r['dpa']['result_code']} != 2001")
    return errs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hss", required=True, help="HSS address, HOST:PORT (loopback only)")
    p.add_argument("--imsi", default="310410000100000", help="provisioned IMSI (subscriber A)")
    p.add_argument("--unknown-imsi", default="310410000999999")
    p.add_argument("--visited-plmn", default="208-01", help="PLMN with a roaming agreement")
    p.add_argument("--barred-plmn", default="001-01", help="PLMN without a roaming agreement")
    p.add_argument("--vectors", type=int, default=3, help="E-UTRAN vectors to request (1..5)")
    p.add_argument("--ulr-flags", type=lambda s: int(s, 0), default=0x22)
    p.add_argument("--cer-style", choices=("vsai", "plain", "both"), default="vsai",
                   help="advertise S6a in CER as Vendor-Specific-Application-Id, plain Auth-Application-Id, or both")
    p.add_argument("--timeout", type=float, default=10.0, help="deadline for the whole run, seconds")
    p.add_argument("--no-dpr", action="store_true", help="close without DPR/DPA")
    p.add_argument("--check", action="store_true", help="exit 1 unless the answers match roamsim's HSS contract")
    p.add_argument("--expect-hss-host", default="hss.epc.mnc410.mcc310.3gppnetwork.org")
    p.add_argument("--expect-msisdn", default="15550000000")
    a = p.parse_args()

    try:
        host, port = a.hss.rsplit(":", 1)
        port = int(port)
        if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
            raise ValueError(f"{host} is not a loopback address; this test peer talks to 127.0.0.0/8 only")
        plmn_bytes(a.visited_plmn), plmn_bytes(a.barred_plmn)
        if not 1 <= a.vectors <= 5:
            raise ValueError("--vectors must be 1..5")
    except (ValueError, OSError) as e:
        print(f"s6a_client: {e}", file=sys.stderr)
        return 2

    deadline = time.monotonic() + a.timeout
    r = {"hss": a.hss}
    step = "connect"
    peer = None
    try:
        peer = Peer(host, port, deadline)
        step = "CER"
        r["cea"] = do_cer(peer, a.cer_style)
        if r["cea"]["result_code"] != 2001:
            raise PeerError(f"CEA Result-Code {r['cea']['result_code']}, cannot go on")
        step = "AIR"
        r["air"] = do_air(peer, a.imsi, a.visited_plmn, a.vectors)
        step = "ULR"
        r["ulr"] = do_ulr(peer, a.imsi, a.visited_plmn, a.ulr_flags)
        step = "ULR unknown IMSI"
        r["ulr_unknown"] = do_ulr(peer, a.unknown_imsi, a.visited_plmn, a.ulr_flags)
        step = "ULR barred PLMN"
        r["ulr_no_roaming"] = do_ulr(peer, a.imsi, a.barred_plmn, a.ulr_flags)
        step = "PUR"
        r["pur"] = do_pur(peer, a.imsi)
        r["dpa"] = None
        if not a.no_dpr:
            step = "DPR"
            r["dpa"] = do_dpr(peer)
        r["hss_requests"] = peer.hss_requests
        peer.sock.close()
    except PeerError as e:
        r["error"] = f"{step}: {e}"
        if peer is not None:
            r["hss_requests"] = peer.hss_requests
        print(json.dumps(r))
        print(f"s6a_client: {step}: {e}", file=sys.stderr)
        return 3

    errs = check(r, a) if a.check else []
    r["check_errors"] = errs
    r["ok"] = not errs
    print(json.dumps(r))
    for e in errs:
        print(f"s6a_client: CHECK {e}", file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
