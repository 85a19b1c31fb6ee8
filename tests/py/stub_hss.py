#!/usr/bin/env python3
"""Self-check stub HSS for s6a_client.py, built on python-diameter 0.9.0's Node (server side).

Not a model of roamsim: it only lets the client be exercised without roamsim. It plays the
`roamsim serve` HSS contract closely enough: CEA advertising Vendor-Specific-Application-Id
{10415, 16777251}; AIA 2001 with Milenage vectors (AMF 8000, SQN 0x20, 0x40, ... per request,
KASME for the Visited-PLMN-Id) for subscriber A; ULA 2001 + Subscription-Data; 5001 for an
unknown IMSI; 5004 for any Visited-PLMN-Id other than 208-01; PUA 2001.

Listens on 127.0.0.1 (--port 0 picks a free port) and prints `s6a listening on 127.0.0.1:PORT`
once ready, like roamsim serve. Stops after --lifetime seconds (default 30).
"""
import argparse
import logging
import os
import socket
import sys
import time

from diameter.message.avp.grouped import (
    Ambr,
    ApnConfiguration,
    ApnConfigurationProfile,
    AllocationRetentionPriority,
    AuthenticationInfo,
    EpsSubscribedQosProfile,
    EUtranVector,
    ExperimentalResult,
    SubscriptionData,
    VendorSpecificApplicationId,
)
from diameter.message.commands import (
    AuthenticationInformationRequest,
    CapabilitiesExchangeAnswer,
    PurgeUeRequest,
    UpdateLocationRequest,
)
from diameter.node import Node
from diameter.node.application import SimpleThreadingApplication

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from milenage_check import Milenage, kasme  # noqa: E402

S6A_APP = 16777251
VENDOR_3GPP = 10415
ALLOWED_PLMN = bytes.fromhex("02f810")  # 208-01
SUBSCRIBERS = {
    "310410000100000": ("15550000000", "0b77258fd6ba70fa606861522e1667cc", "9d21d6bc000b10b65bfc529e0c12ecd8"),
    "310410000100001": ("15550000001", "663309bbdc6818629243ee7ed7c02534", "17a6959cccca2bf5b18fb945684d4160"),
}
MME_PEERS = ["mme1.epc.mnc001.mcc208.3gppnetwork.org", "mme2.epc.mnc001.mcc208.3gppnetwork.org"]
sqn_state = {}


def tbcd_encode(digits):
    if len(digits) % 2:
        digits += "f"
    return bytes(int(digits[i + 1], 16) << 4 | int(digits[i], 16) for i in range(0, len(digits), 2))


def vectors(imsi, plmn, n):
    _, k, opc = SUBSCRIBERS[imsi]
    m = Milenage(bytes.fromhex(k), bytes.fromhex(opc))
    amf = bytes.fromhex("8000")
    out = []
    for i in range(n):
        sqn_state[imsi] = sqn_state.get(imsi, 0) + 0x20
        sqn = sqn_state[imsi].to_bytes(6, "big")
        rand = os.urandom(16)
        res, ck, ik, ak = m.f2345(rand)
        mac_a, _ = m.f1_both(rand, sqn, amf)
        sqn_ak = bytes(x ^ y for x, y in zip(sqn, ak))
        out.append(EUtranVector(item_number=i + 1, rand=rand, xres=res, autn=sqn_ak + amf + mac_a,
                                kasme=kasme(ck, ik, plmn, sqn_ak)))
    return out


def s6a_answer(app, req, result=2001, experimental=None):
    ans = app.generate_answer(req)
    ans.vendor_specific_application_id = VendorSpecificApplicationId(VENDOR_3GPP, S6A_APP)
    ans.auth_session_state = 1
    if experimental:
        ans.experimental_result = ExperimentalResult(VENDOR_3GPP, experimental)
    else:
        ans.result_code = result
    return ans


def handle(app, req):
    imsi = req.user_name
    plmn = getattr(req, "visited_plmn_id", None)
    if imsi not in SUBSCRIBERS:
        return s6a_answer(app, req, experimental=5001)
    if isinstance(req, (AuthenticationInformationRequest, UpdateLocationRequest)) and plmn != ALLOWED_PLMN:
        return s6a_answer(app, req, experimental=5004)
    if isinstance(req, AuthenticationInformationRequest):
        n = req.requested_eutran_authentication_info.number_of_requested_vectors or 1
        ans = s6a_answer(app, req)
        ans.authentication_info = AuthenticationInfo(e_utran_vector=vectors(imsi, plmn, n))
        return ans
    if isinstance(req, UpdateLocationRequest):
        ans = s6a_answer(app, req)
        ans.ula_flags = 1
        qos = EpsSubscribedQosProfile(qos_class_identifier=9, allocation_retention_priority=AllocationRetentionPriority(
            priority_level=8, pre_emption_capability=1, pre_emption_vulnerability=0))
        apn = ApnConfiguration(context_identifier=1, pdn_type=0, service_selection="internet",
                               eps_subscribed_qos_profile=qos,
                               ambr=Ambr(max_requested_bandwidth_ul=50000000, max_requested_bandwidth_dl=100000000))
        ans.subscription_data = SubscriptionData(
            msisdn=tbcd_encode(SUBSCRIBERS[imsi][0]), subscriber_status=0, network_access_mode=2,
            ambr=Ambr(max_requested_bandwidth_ul=50000000, max_requested_bandwidth_dl=100000000),
            apn_configuration_profile=ApnConfigurationProfile(
                context_identifier=1, all_apn_configurations_included_indicator=0, apn_configuration=[apn]))
        return ans
    if isinstance(req, PurgeUeRequest):
        ans = s6a_answer(app, req)
        ans.pua_flags = 1
        return ans
    return s6a_answer(app, req, result=3001)


class StubNode(Node):
    """Node whose CEA advertises S6a as Vendor-Specific-Application-Id, as roamsim's does."""

    def send_message(self, conn, message):
        if isinstance(message, CapabilitiesExchangeAnswer):
            message.vendor_specific_application_id = [VendorSpecificApplicationId(VENDOR_3GPP, S6A_APP)]
            message.auth_application_id = []
        return super().send_message(conn, message)

    def _record_answer(self, conn, message):
        # python-diameter 0.9.0's statistics divide Result-Code by 1000 and raise on an
        # answer that has only Experimental-Result, which kills the answer thread.
        try:
            super()._record_answer(conn, message)
        except TypeError:
            pass


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--lifetime", type=float, default=30.0)
    a = p.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    port = a.port
    if port == 0:  # python-diameter does not bind port 0; pick a free one first
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    node = StubNode("hss.epc.mnc410.mcc310.3gppnetwork.org", "epc.mnc410.mcc310.3gppnetwork.org",
                    ip_addresses=["127.0.0.1"], tcp_port=port, vendor_ids=[VENDOR_3GPP])
    peers = [node.add_peer(f"aaa://{h}:3868", "epc.mnc001.mcc208.3gppnetwork.org") for h in MME_PEERS]
    app = SimpleThreadingApplication(S6A_APP, is_auth_application=True, request_handler=handle)
    node.add_application(app, peers, realms=["epc.mnc410.mcc310.3gppnetwork.org"])
    node.start()
    print(f"s6a listening on 127.0.0.1:{port}", flush=True)
    try:
        time.sleep(a.lifetime)
    except KeyboardInterrupt:
        pass
    node.stop(wait_timeout=2, force=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
