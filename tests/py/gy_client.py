#!/usr/bin/env python3
"""Independent Gy PGW peer (RFC 4006 Diameter Credit-Control as TS 32.299 profiles it, TCP) for
checking an OCS.

Messages are built and parsed with python-diameter 0.9.0's Credit-Control classes (nothing shared
with roamsim), over the blocking TCP peer of s6a_client.py. As PGW
`pgw.epc.mnc410.mcc310.3gppnetwork.org` it runs, on one connection:

  CER/CEA (Auth-Application-Id 4), CCR-INITIAL (Subscription-Id IMSI and MSISDN, an empty
  Requested-Service-Unit for rating group 1, PS-Information with 3GPP-SGSN-MCC-MNC), CCR-UPDATE
  (Used-Service-Unit), CCR-TERMINATION (Used-Service-Unit), a CCR-UPDATE on the session just
  ended, DPR/DPA.

Output: one JSON object on stdout. With --check it also compares the answers with what roamsim's
OCS promises (2001 with a grant for I and U, 2001 for T, 5002 after T; CEA naming application 4)
and lists differences in "check_errors".
Exit: 0 done (and, with --check, all as expected); 1 --check found a difference; 2 usage error;
3 connection refused/closed, timeout or undecodable answer.
"""
import argparse
import ipaddress
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from s6a_client import Peer, PeerError, result_of  # noqa: E402

from diameter.message.avp.grouped import (  # noqa: E402
    PsInformation,
    RequestedServiceUnit,
    ServiceInformation,
    UsedServiceUnit,
)
from diameter.message.commands import (  # noqa: E402
    CapabilitiesExchangeRequest,
    CreditControlRequest,
    DisconnectPeerRequest,
)

GY_APP = 4
VENDOR_3GPP = 10415
ORIGIN_HOST = "pgw.epc.mnc410.mcc310.3gppnetwork.org"
ORIGIN_REALM = "epc.mnc410.mcc310.3gppnetwork.org"


def ccr(session_id, kind, number, imsi, msisdn, used=None, rsu=True):
    req = CreditControlRequest()
    req.header.application_id = GY_APP
    req.session_id = session_id
    req.origin_host = ORIGIN_HOST.encode()
    req.origin_realm = ORIGIN_REALM.encode()
    req.destination_realm = ORIGIN_REALM.encode()
    req.auth_application_id = GY_APP
    req.service_context_id = "32251@3gpp.org"
    req.cc_request_type = kind
    req.cc_request_number = number
    req.add_subscription_id(subscription_id_type=1, subscription_id_data=imsi)
    req.add_subscription_id(subscription_id_type=0, subscription_id_data=msisdn)
    req.multiple_services_indicator = 1
    req.add_multiple_services_credit_control(
        requested_service_unit=RequestedServiceUnit() if rsu else None,
        used_service_unit=UsedServiceUnit(cc_total_octets=used) if used is not None else None,
        rating_group=1,
    )
    req.service_information = ServiceInformation(
        ps_information=PsInformation(tgpp_sgsn_mcc_mnc="20801", tgpp_charging_id=b"\x00\x00\x00\x07"))
    return req


def cca_summary(ans, req):
    out = result_of(ans, req)
    out["cc_request_type"] = getattr(ans, "cc_request_type", None)
    out["cc_request_number"] = getattr(ans, "cc_request_number", None)
    granted = []
    for m in getattr(ans, "multiple_services_credit_control", None) or []:
        g = m.granted_service_unit
        granted.append({"rating_group": m.rating_group, "result_code": m.result_code,
                        "total_octets": g.cc_total_octets if g else None,
                        "validity_time": m.validity_time})
    out["mscc"] = granted
    return out


def run(a):
    host, port = a.ocs.rsplit(":", 1)
    peer = Peer(host, int(port), time.monotonic() + a.timeout)
    cer = CapabilitiesExchangeRequest()
    cer.origin_host = ORIGIN_HOST.encode()
    cer.origin_realm = ORIGIN_REALM.encode()
    cer.host_ip_address = [peer.local_ip]
    cer.vendor_id = VENDOR_3GPP
    cer.product_name = "roamsim-pytests-pgw"
    cer.origin_state_id = peer.state_id
    cer.supported_vendor_id = [VENDOR_3GPP]
    cer.auth_application_id = [GY_APP]
    cea, _ = peer.transact(cer, "CEA")
    out = {"cea": result_of(cea)}
    out["cea"]["auth_application_id"] = list(getattr(cea, "auth_application_id", None) or [])
    sid = f"{ORIGIN_HOST};{peer.state_id};{os.getpid()};1"
    steps = [("ccr_i", 1, 0, None, True), ("ccr_u", 2, 1, 1000, True), ("ccr_t", 3, 2, 500, False),
             ("ccr_u_after_t", 2, 3, 10, True)]
    for name, kind, number, used, rsu in steps:
        req = ccr(sid, kind, number, a.imsi, a.msisdn, used, rsu)
        ans, _ = peer.transact(req, name.upper())
        out[name] = cca_summary(ans, req)
    dpr = DisconnectPeerRequest()
    dpr.origin_host = ORIGIN_HOST.encode()
    dpr.origin_realm = ORIGIN_REALM.encode()
    dpr.disconnect_cause = 0
    dpa, _ = peer.transact(dpr, "DPA")
    out["dpa"] = result_of(dpa)
    return out


def check(out):
    errors = []
    if out["cea"]["code"] != 2001 or GY_APP not in out["cea"]["auth_application_id"]:
        errors.append(f"CEA: {out['cea']}")
    for name, kind, number in (("ccr_i", 1, 0), ("ccr_u", 2, 1)):
        r = out[name]
        granted = [m for m in r["mscc"] if m["total_octets"]]
        if r["code"] != 2001 or not granted or not r["session_id_echoed"]:
            errors.append(f"{name}: {r}")
        if (r["cc_request_type"], r["cc_request_number"]) != (kind, number):
            errors.append(f"{name}: type/number not echoed: {r}")
    if out["ccr_t"]["code"] != 2001:
        errors.append(f"ccr_t: {out['ccr_t']}")
    if out["ccr_u_after_t"]["code"] != 5002:
        errors.append(f"ccr_u after termination: want 5002, got {out['ccr_u_after_t']}")
    if out["dpa"]["code"] != 2001:
        errors.append(f"DPA: {out['dpa']}")
    return errors


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ocs", required=True, help="OCS address, HOST:PORT (loopback only)")
    p.add_argument("--imsi", default="310410000100000")
    p.add_argument("--msisdn", default="15550000000")
    p.add_argument("--timeout", type=float, default=10.0, help="deadline for the whole run, seconds")
    p.add_argument("--check", action="store_true", help="exit 1 unless the answers match roamsim's OCS")
    a = p.parse_args()
    try:
        host, _ = a.ocs.rsplit(":", 1)
        if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
            raise ValueError(f"{host} is not a loopback address; this test peer talks to 127.0.0.0/8 only")
    except (ValueError, OSError) as e:
        print(f"gy_client: {e}", file=sys.stderr)
        return 2
    try:
        out = run(a)
    except PeerError as e:
        print(json.dumps({"error": str(e)}))
        return 3
    if a.check:
        out["check_errors"] = check(out)
    print(json.dumps(out, indent=1))
    return 1 if a.check and out["check_errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
