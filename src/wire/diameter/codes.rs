//! Named codes for Diameter base (RFC 6733 §3, §7.1, §8, §5.4.3) and S6a (3GPP TS 29.272 §5.2,
//! §7.3, §7.4, with the RAT-Type and QoS AVPs of TS 29.212 §5.3).
//!
//! Every command code, AVP code, AVP flag rule and enumerated value here was copied from
//! Wireshark's dictionaries (`/usr/share/wireshark/diameter/dictionary.xml`, which holds the
//! 3GPP AVPs as well, and `mobileipv6.xml` for Service-Selection), not from memory. Flag bits of
//! the S6a `*-Flags` AVPs follow Wireshark's `diameter.3gpp.*_flags_bit*` fields.

use super::avp::AvpKey;

/// Diameter protocol version (RFC 6733 §3).
pub const VERSION: u8 = 1;

/// Command flags (RFC 6733 §3).
pub mod flags {
    /// R: the message is a request.
    pub const REQUEST: u8 = 0x80;
    /// P: the message may be proxied, relayed or redirected.
    pub const PROXIABLE: u8 = 0x40;
    /// E: the answer carries a protocol error (3xxx).
    pub const ERROR: u8 = 0x20;
    /// T: a potentially retransmitted request.
    pub const RETRANSMIT: u8 = 0x10;
}

/// AVP flags (RFC 6733 §4.1).
pub mod avp_flags {
    /// V: a Vendor-ID field follows the AVP length.
    pub const VENDOR: u8 = 0x80;
    /// M: the receiver must understand the AVP.
    pub const MANDATORY: u8 = 0x40;
    /// P: reserved for end-to-end security (deprecated).
    pub const PROTECTED: u8 = 0x20;
}

/// Command codes (dictionary.xml `<command>`).
pub mod command {
    /// Capabilities-Exchange (CER/CEA), RFC 6733 §5.3.
    pub const CAPABILITIES_EXCHANGE: u32 = 257;
    /// Device-Watchdog (DWR/DWA), RFC 6733 §5.5.
    pub const DEVICE_WATCHDOG: u32 = 280;
    /// Disconnect-Peer (DPR/DPA), RFC 6733 §5.4.
    pub const DISCONNECT_PEER: u32 = 282;
    /// 3GPP-Update-Location (ULR/ULA), TS 29.272 §7.2.3.
    pub const UPDATE_LOCATION: u32 = 316;
    /// 3GPP-Cancel-Location (CLR/CLA), TS 29.272 §7.2.7.
    pub const CANCEL_LOCATION: u32 = 317;
    /// 3GPP-Authentication-Information (AIR/AIA), TS 29.272 §7.2.5.
    pub const AUTHENTICATION_INFORMATION: u32 = 318;
    /// 3GPP-Insert-Subscriber-Data (IDR/IDA), TS 29.272 §7.2.9.
    pub const INSERT_SUBSCRIBER_DATA: u32 = 319;
    /// 3GPP-Delete-Subscriber-Data (DSR/DSA), TS 29.272 §7.2.11.
    pub const DELETE_SUBSCRIBER_DATA: u32 = 320;
    /// 3GPP-Purge-UE (PUR/PUA), TS 29.272 §7.2.13.
    pub const PURGE_UE: u32 = 321;
}

/// Application ids (dictionary.xml `<application>`).
pub mod app {
    /// Diameter Common Messages (CER, DWR, DPR).
    pub const COMMON: u32 = 0;
    /// 3GPP S6a/S6d.
    pub const S6A: u32 = 16777251;
    /// Relay application (RFC 6733 §2.4).
    pub const RELAY: u32 = 0xffff_ffff;
}

/// Vendor ids (dictionary.xml `<vendor>`).
pub mod vendor {
    /// 3GPP ("TGPP" in the dictionaries).
    pub const TGPP: u32 = 10415;
}

/// AVP codes with their vendor (dictionary.xml `<avp>`). Base AVPs have vendor 0.
pub mod avp {
    use super::vendor::TGPP;
    use super::AvpKey;

    const fn base(code: u32) -> AvpKey {
        AvpKey::new(code, 0)
    }
    const fn tgpp(code: u32) -> AvpKey {
        AvpKey::new(code, TGPP)
    }

    /// User-Name (1), UTF8String: the IMSI in S6a.
    pub const USER_NAME: AvpKey = base(1);
    /// Host-IP-Address (257), Address.
    pub const HOST_IP_ADDRESS: AvpKey = base(257);
    /// Auth-Application-Id (258), Unsigned32.
    pub const AUTH_APPLICATION_ID: AvpKey = base(258);
    /// Acct-Application-Id (259), Unsigned32.
    pub const ACCT_APPLICATION_ID: AvpKey = base(259);
    /// Vendor-Specific-Application-Id (260), Grouped.
    pub const VENDOR_SPECIFIC_APPLICATION_ID: AvpKey = base(260);
    /// Session-Id (263), UTF8String.
    pub const SESSION_ID: AvpKey = base(263);
    /// Origin-Host (264), DiameterIdentity.
    pub const ORIGIN_HOST: AvpKey = base(264);
    /// Supported-Vendor-Id (265), Unsigned32.
    pub const SUPPORTED_VENDOR_ID: AvpKey = base(265);
    /// Vendor-Id (266), Unsigned32.
    pub const VENDOR_ID: AvpKey = base(266);
    /// Firmware-Revision (267), Unsigned32; M must not be set.
    pub const FIRMWARE_REVISION: AvpKey = base(267);
    /// Result-Code (268), Unsigned32.
    pub const RESULT_CODE: AvpKey = base(268);
    /// Product-Name (269), UTF8String; M must not be set.
    pub const PRODUCT_NAME: AvpKey = base(269);
    /// Disconnect-Cause (273), Enumerated.
    pub const DISCONNECT_CAUSE: AvpKey = base(273);
    /// Auth-Session-State (277), Enumerated.
    pub const AUTH_SESSION_STATE: AvpKey = base(277);
    /// Origin-State-Id (278), Unsigned32.
    pub const ORIGIN_STATE_ID: AvpKey = base(278);
    /// Failed-AVP (279), Grouped.
    pub const FAILED_AVP: AvpKey = base(279);
    /// Error-Message (281), UTF8String; M must not be set.
    pub const ERROR_MESSAGE: AvpKey = base(281);
    /// Route-Record (282), DiameterIdentity.
    pub const ROUTE_RECORD: AvpKey = base(282);
    /// Destination-Realm (283), DiameterIdentity.
    pub const DESTINATION_REALM: AvpKey = base(283);
    /// Proxy-Info (284), Grouped.
    pub const PROXY_INFO: AvpKey = base(284);
    /// Destination-Host (293), DiameterIdentity.
    pub const DESTINATION_HOST: AvpKey = base(293);
    /// Error-Reporting-Host (294), DiameterIdentity; M must not be set.
    pub const ERROR_REPORTING_HOST: AvpKey = base(294);
    /// Origin-Realm (296), DiameterIdentity.
    pub const ORIGIN_REALM: AvpKey = base(296);
    /// Experimental-Result (297), Grouped { Vendor-Id, Experimental-Result-Code }.
    pub const EXPERIMENTAL_RESULT: AvpKey = base(297);
    /// Experimental-Result-Code (298), Unsigned32.
    pub const EXPERIMENTAL_RESULT_CODE: AvpKey = base(298);
    /// Inband-Security-Id (299), Enumerated.
    pub const INBAND_SECURITY_ID: AvpKey = base(299);
    /// Service-Selection (493, RFC 5778), UTF8String: the APN.
    pub const SERVICE_SELECTION: AvpKey = base(493);

    /// Max-Requested-Bandwidth-DL (3GPP 515), Unsigned32, bit/s.
    pub const MAX_REQUESTED_BANDWIDTH_DL: AvpKey = tgpp(515);
    /// Max-Requested-Bandwidth-UL (3GPP 516), Unsigned32, bit/s.
    pub const MAX_REQUESTED_BANDWIDTH_UL: AvpKey = tgpp(516);
    /// Supported-Features (3GPP 628), Grouped.
    pub const SUPPORTED_FEATURES: AvpKey = tgpp(628);
    /// MSISDN (3GPP 701), OctetString (TBCD).
    pub const MSISDN: AvpKey = tgpp(701);
    /// QoS-Class-Identifier (3GPP 1028), Enumerated.
    pub const QOS_CLASS_IDENTIFIER: AvpKey = tgpp(1028);
    /// RAT-Type (3GPP 1032), Enumerated; M must not be set (TS 29.212).
    pub const RAT_TYPE: AvpKey = tgpp(1032);
    /// Allocation-Retention-Priority (3GPP 1034), Grouped.
    pub const ALLOCATION_RETENTION_PRIORITY: AvpKey = tgpp(1034);
    /// Priority-Level (3GPP 1046), Unsigned32.
    pub const PRIORITY_LEVEL: AvpKey = tgpp(1046);
    /// Pre-emption-Capability (3GPP 1047), Enumerated.
    pub const PRE_EMPTION_CAPABILITY: AvpKey = tgpp(1047);
    /// Pre-emption-Vulnerability (3GPP 1048), Enumerated.
    pub const PRE_EMPTION_VULNERABILITY: AvpKey = tgpp(1048);
    /// Subscription-Data (3GPP 1400), Grouped.
    pub const SUBSCRIPTION_DATA: AvpKey = tgpp(1400);
    /// Terminal-Information (3GPP 1401), Grouped.
    pub const TERMINAL_INFORMATION: AvpKey = tgpp(1401);
    /// ULR-Flags (3GPP 1405), Unsigned32.
    pub const ULR_FLAGS: AvpKey = tgpp(1405);
    /// ULA-Flags (3GPP 1406), Unsigned32.
    pub const ULA_FLAGS: AvpKey = tgpp(1406);
    /// Visited-PLMN-Id (3GPP 1407), OctetString of 3 octets (TS 24.008 MCC/MNC).
    pub const VISITED_PLMN_ID: AvpKey = tgpp(1407);
    /// Requested-EUTRAN-Authentication-Info (3GPP 1408), Grouped.
    pub const REQUESTED_EUTRAN_AUTHENTICATION_INFO: AvpKey = tgpp(1408);
    /// Number-Of-Requested-Vectors (3GPP 1410), Unsigned32.
    pub const NUMBER_OF_REQUESTED_VECTORS: AvpKey = tgpp(1410);
    /// Re-Synchronization-Info (3GPP 1411), OctetString (RAND ‖ AUTS).
    pub const RE_SYNCHRONIZATION_INFO: AvpKey = tgpp(1411);
    /// Immediate-Response-Preferred (3GPP 1412), Unsigned32.
    pub const IMMEDIATE_RESPONSE_PREFERRED: AvpKey = tgpp(1412);
    /// Authentication-Info (3GPP 1413), Grouped.
    pub const AUTHENTICATION_INFO: AvpKey = tgpp(1413);
    /// E-UTRAN-Vector (3GPP 1414), Grouped.
    pub const E_UTRAN_VECTOR: AvpKey = tgpp(1414);
    /// Network-Access-Mode (3GPP 1417), Enumerated.
    pub const NETWORK_ACCESS_MODE: AvpKey = tgpp(1417);
    /// Item-Number (3GPP 1419), Unsigned32.
    pub const ITEM_NUMBER: AvpKey = tgpp(1419);
    /// Cancellation-Type (3GPP 1420), Enumerated.
    pub const CANCELLATION_TYPE: AvpKey = tgpp(1420);
    /// Context-Identifier (3GPP 1423), Unsigned32.
    pub const CONTEXT_IDENTIFIER: AvpKey = tgpp(1423);
    /// Subscriber-Status (3GPP 1424), Enumerated.
    pub const SUBSCRIBER_STATUS: AvpKey = tgpp(1424);
    /// All-APN-Configurations-Included-Indicator (3GPP 1428), Enumerated.
    pub const ALL_APN_CONFIGURATIONS_INCLUDED_INDICATOR: AvpKey = tgpp(1428);
    /// APN-Configuration-Profile (3GPP 1429), Grouped.
    pub const APN_CONFIGURATION_PROFILE: AvpKey = tgpp(1429);
    /// APN-Configuration (3GPP 1430), Grouped.
    pub const APN_CONFIGURATION: AvpKey = tgpp(1430);
    /// EPS-Subscribed-QoS-Profile (3GPP 1431), Grouped.
    pub const EPS_SUBSCRIBED_QOS_PROFILE: AvpKey = tgpp(1431);
    /// AMBR (3GPP 1435), Grouped.
    pub const AMBR: AvpKey = tgpp(1435);
    /// PUA-Flags (3GPP 1442), Unsigned32.
    pub const PUA_FLAGS: AvpKey = tgpp(1442);
    /// RAND (3GPP 1447), OctetString of 16 octets.
    pub const RAND: AvpKey = tgpp(1447);
    /// XRES (3GPP 1448), OctetString of 4 to 16 octets.
    pub const XRES: AvpKey = tgpp(1448);
    /// AUTN (3GPP 1449), OctetString of 16 octets.
    pub const AUTN: AvpKey = tgpp(1449);
    /// KASME (3GPP 1450), OctetString of 32 octets.
    pub const KASME: AvpKey = tgpp(1450);
    /// PDN-Type (3GPP 1456), Enumerated.
    pub const PDN_TYPE: AvpKey = tgpp(1456);
    /// PUR-Flags (3GPP 1635), Unsigned32; M must not be set.
    pub const PUR_FLAGS: AvpKey = tgpp(1635);
    /// CLR-Flags (3GPP 1638), Unsigned32; M must not be set.
    pub const CLR_FLAGS: AvpKey = tgpp(1638);

    /// AVPs defined above whose dictionary entry says `mandatory="mustnot"`; every other one
    /// says `mandatory="must"`.
    pub(crate) const M_MUST_NOT: [AvpKey; 7] = [
        FIRMWARE_REVISION,
        PRODUCT_NAME,
        ERROR_MESSAGE,
        ERROR_REPORTING_HOST,
        RAT_TYPE,
        PUR_FLAGS,
        CLR_FLAGS,
    ];
}

/// Result-Code values (RFC 6733 §7.1).
pub mod result {
    /// 2001 DIAMETER_SUCCESS.
    pub const SUCCESS: u32 = 2001;
    /// 2002 DIAMETER_LIMITED_SUCCESS.
    pub const LIMITED_SUCCESS: u32 = 2002;
    /// 3001 DIAMETER_COMMAND_UNSUPPORTED.
    pub const COMMAND_UNSUPPORTED: u32 = 3001;
    /// 3002 DIAMETER_UNABLE_TO_DELIVER.
    pub const UNABLE_TO_DELIVER: u32 = 3002;
    /// 3003 DIAMETER_REALM_NOT_SERVED.
    pub const REALM_NOT_SERVED: u32 = 3003;
    /// 3004 DIAMETER_TOO_BUSY.
    pub const TOO_BUSY: u32 = 3004;
    /// 3005 DIAMETER_LOOP_DETECTED.
    pub const LOOP_DETECTED: u32 = 3005;
    /// 3007 DIAMETER_APPLICATION_UNSUPPORTED.
    pub const APPLICATION_UNSUPPORTED: u32 = 3007;
    /// 3008 DIAMETER_INVALID_HDR_BITS.
    pub const INVALID_HDR_BITS: u32 = 3008;
    /// 3009 DIAMETER_INVALID_AVP_BITS.
    pub const INVALID_AVP_BITS: u32 = 3009;
    /// 3010 DIAMETER_UNKNOWN_PEER.
    pub const UNKNOWN_PEER: u32 = 3010;
    /// 4001 DIAMETER_AUTHENTICATION_REJECTED.
    pub const AUTHENTICATION_REJECTED: u32 = 4001;
    /// 5001 DIAMETER_AVP_UNSUPPORTED.
    pub const AVP_UNSUPPORTED: u32 = 5001;
    /// 5002 DIAMETER_UNKNOWN_SESSION_ID.
    pub const UNKNOWN_SESSION_ID: u32 = 5002;
    /// 5003 DIAMETER_AUTHORIZATION_REJECTED.
    pub const AUTHORIZATION_REJECTED: u32 = 5003;
    /// 5004 DIAMETER_INVALID_AVP_VALUE.
    pub const INVALID_AVP_VALUE: u32 = 5004;
    /// 5005 DIAMETER_MISSING_AVP.
    pub const MISSING_AVP: u32 = 5005;
    /// 5006 DIAMETER_RESOURCES_EXCEEDED.
    pub const RESOURCES_EXCEEDED: u32 = 5006;
    /// 5009 DIAMETER_AVP_OCCURS_TOO_MANY_TIMES.
    pub const AVP_OCCURS_TOO_MANY_TIMES: u32 = 5009;
    /// 5010 DIAMETER_NO_COMMON_APPLICATION.
    pub const NO_COMMON_APPLICATION: u32 = 5010;
    /// 5011 DIAMETER_UNSUPPORTED_VERSION.
    pub const UNSUPPORTED_VERSION: u32 = 5011;
    /// 5012 DIAMETER_UNABLE_TO_COMPLY.
    pub const UNABLE_TO_COMPLY: u32 = 5012;
    /// 5013 DIAMETER_INVALID_BIT_IN_HEADER.
    pub const INVALID_BIT_IN_HEADER: u32 = 5013;
    /// 5014 DIAMETER_INVALID_AVP_LENGTH.
    pub const INVALID_AVP_LENGTH: u32 = 5014;
    /// 5015 DIAMETER_INVALID_MESSAGE_LENGTH.
    pub const INVALID_MESSAGE_LENGTH: u32 = 5015;
    /// 5016 DIAMETER_INVALID_AVP_BIT_COMBO.
    pub const INVALID_AVP_BIT_COMBO: u32 = 5016;
    /// 5017 DIAMETER_NO_COMMON_SECURITY.
    pub const NO_COMMON_SECURITY: u32 = 5017;
}

/// Experimental-Result-Code values of S6a (TS 29.272 §7.4.3, §7.4.4), vendor 3GPP.
pub mod experimental {
    /// 4181 DIAMETER_AUTHENTICATION_DATA_UNAVAILABLE (transient).
    pub const AUTHENTICATION_DATA_UNAVAILABLE: u32 = 4181;
    /// 5001 DIAMETER_ERROR_USER_UNKNOWN.
    pub const USER_UNKNOWN: u32 = 5001;
    /// 5004 DIAMETER_ERROR_ROAMING_NOT_ALLOWED.
    pub const ROAMING_NOT_ALLOWED: u32 = 5004;
    /// 5420 DIAMETER_ERROR_UNKNOWN_EPS_SUBSCRIPTION.
    pub const UNKNOWN_EPS_SUBSCRIPTION: u32 = 5420;
    /// 5421 DIAMETER_ERROR_RAT_NOT_ALLOWED.
    pub const RAT_NOT_ALLOWED: u32 = 5421;
    /// 5422 DIAMETER_ERROR_EQUIPMENT_UNKNOWN.
    pub const EQUIPMENT_UNKNOWN: u32 = 5422;
    /// 5423 DIAMETER_ERROR_UNKNOWN_SERVING_NODE.
    pub const UNKNOWN_SERVING_NODE: u32 = 5423;
}

/// Disconnect-Cause values (RFC 6733 §5.4.3).
pub mod disconnect_cause {
    /// REBOOTING.
    pub const REBOOTING: u32 = 0;
    /// BUSY.
    pub const BUSY: u32 = 1;
    /// DO_NOT_WANT_TO_TALK_TO_YOU.
    pub const DO_NOT_WANT_TO_TALK_TO_YOU: u32 = 2;
}

/// Auth-Session-State values (RFC 6733 §8.11).
pub mod auth_session_state {
    /// STATE_MAINTAINED.
    pub const STATE_MAINTAINED: u32 = 0;
    /// NO_STATE_MAINTAINED: what S6a uses.
    pub const NO_STATE_MAINTAINED: u32 = 1;
}

/// Address family numbers of the Address AVP type (RFC 6733 §4.3.1, IANA).
pub mod address_family {
    /// IPv4.
    pub const IPV4: u16 = 1;
    /// IPv6.
    pub const IPV6: u16 = 2;
}

/// Cancellation-Type values (TS 29.272 §7.3.24).
pub mod cancellation_type {
    /// MME_UPDATE_PROCEDURE.
    pub const MME_UPDATE_PROCEDURE: u32 = 0;
    /// SGSN_UPDATE_PROCEDURE.
    pub const SGSN_UPDATE_PROCEDURE: u32 = 1;
    /// SUBSCRIPTION_WITHDRAWAL.
    pub const SUBSCRIPTION_WITHDRAWAL: u32 = 2;
    /// UPDATE_PROCEDURE_IWF.
    pub const UPDATE_PROCEDURE_IWF: u32 = 3;
    /// INITIAL_ATTACH_PROCEDURE.
    pub const INITIAL_ATTACH_PROCEDURE: u32 = 4;
}

/// RAT-Type values (TS 29.212 §5.3.31).
pub mod rat_type {
    /// WLAN.
    pub const WLAN: u32 = 0;
    /// VIRTUAL.
    pub const VIRTUAL: u32 = 1;
    /// UTRAN.
    pub const UTRAN: u32 = 1000;
    /// GERAN.
    pub const GERAN: u32 = 1001;
    /// GAN.
    pub const GAN: u32 = 1002;
    /// HSPA_EVOLUTION.
    pub const HSPA_EVOLUTION: u32 = 1003;
    /// EUTRAN.
    pub const EUTRAN: u32 = 1004;
    /// EUTRAN-NB-IoT.
    pub const EUTRAN_NB_IOT: u32 = 1005;
    /// NG-RAN.
    pub const NG_RAN: u32 = 1006;
    /// LTE-M.
    pub const LTE_M: u32 = 1007;
}

/// Subscriber-Status values (TS 29.272 §7.3.29).
pub mod subscriber_status {
    /// SERVICE_GRANTED.
    pub const SERVICE_GRANTED: u32 = 0;
    /// OPERATOR_DETERMINED_BARRING.
    pub const OPERATOR_DETERMINED_BARRING: u32 = 1;
}

/// Network-Access-Mode values (TS 29.272 §7.3.21).
pub mod network_access_mode {
    /// PACKET_AND_CIRCUIT.
    pub const PACKET_AND_CIRCUIT: u32 = 0;
    /// ONLY_PACKET.
    pub const ONLY_PACKET: u32 = 2;
}

/// All-APN-Configurations-Included-Indicator values (TS 29.272 §7.3.32).
pub mod all_apn_configurations {
    /// ALL_APN_CONFIGURATIONS_INCLUDED.
    pub const ALL_INCLUDED: u32 = 0;
    /// MODIFIED/ADDED_APN_CONFIGURATIONS_INCLUDED.
    pub const MODIFIED_ADDED_INCLUDED: u32 = 1;
}

/// PDN-Type values (TS 29.272 §7.3.62).
pub mod pdn_type {
    /// IPv4.
    pub const IPV4: u32 = 0;
    /// IPv6.
    pub const IPV6: u32 = 1;
    /// IPv4v6.
    pub const IPV4V6: u32 = 2;
    /// IPv4_OR_IPv6.
    pub const IPV4_OR_IPV6: u32 = 3;
    /// Non-IP.
    pub const NON_IP: u32 = 4;
}

/// Pre-emption-Capability values (TS 29.212 §5.3.46).
pub mod pre_emption_capability {
    /// PRE-EMPTION_CAPABILITY_ENABLED.
    pub const ENABLED: u32 = 0;
    /// PRE-EMPTION_CAPABILITY_DISABLED.
    pub const DISABLED: u32 = 1;
}

/// Pre-emption-Vulnerability values (TS 29.212 §5.3.47).
pub mod pre_emption_vulnerability {
    /// PRE-EMPTION_VULNERABILITY_ENABLED.
    pub const ENABLED: u32 = 0;
    /// PRE-EMPTION_VULNERABILITY_DISABLED.
    pub const DISABLED: u32 = 1;
}

/// ULR-Flags bits (TS 29.272 §7.3.7).
pub mod ulr_flags {
    /// Single-Registration-Indication.
    pub const SINGLE_REGISTRATION_INDICATION: u32 = 0x01;
    /// S6a/S6d-Indicator: set when sent over S6a (by an MME).
    pub const S6A_S6D_INDICATOR: u32 = 0x02;
    /// Skip-Subscriber-Data.
    pub const SKIP_SUBSCRIBER_DATA: u32 = 0x04;
    /// GPRS-Subscription-Data-Indicator.
    pub const GPRS_SUBSCRIPTION_DATA_INDICATOR: u32 = 0x08;
    /// Node-Type-Indicator.
    pub const NODE_TYPE_INDICATOR: u32 = 0x10;
    /// Initial-Attach-Indicator.
    pub const INITIAL_ATTACH_INDICATOR: u32 = 0x20;
    /// PS-LCS-Not-Supported-By-UE.
    pub const PS_LCS_NOT_SUPPORTED_BY_UE: u32 = 0x40;
    /// SMS-Only-Indication.
    pub const SMS_ONLY_INDICATION: u32 = 0x80;
    /// Dual-Registration-5G-Indicator.
    pub const DUAL_REGISTRATION_5G_INDICATOR: u32 = 0x100;
}

/// ULA-Flags bits (TS 29.272 §7.3.8).
pub mod ula_flags {
    /// Separation Indication.
    pub const SEPARATION_INDICATION: u32 = 0x01;
    /// MME Registered for SMS.
    pub const MME_REGISTERED_FOR_SMS: u32 = 0x02;
}

/// CLR-Flags bits (TS 29.272 §7.3.152).
pub mod clr_flags {
    /// S6a/S6d-Indicator.
    pub const S6A_S6D_INDICATOR: u32 = 0x01;
    /// Reattach-Required.
    pub const REATTACH_REQUIRED: u32 = 0x02;
}

/// PUR-Flags bits (TS 29.272 §7.3.149).
pub mod pur_flags {
    /// UE Purged in MME.
    pub const UE_PURGED_IN_MME: u32 = 0x01;
    /// UE Purged in SGSN.
    pub const UE_PURGED_IN_SGSN: u32 = 0x02;
}

/// PUA-Flags bits (TS 29.272 §7.3.48).
pub mod pua_flags {
    /// Freeze M-TMSI.
    pub const FREEZE_M_TMSI: u32 = 0x01;
    /// Freeze P-TMSI.
    pub const FREEZE_P_TMSI: u32 = 0x02;
}
