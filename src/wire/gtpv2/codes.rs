//! Numeric codes of TS 29.274, as Wireshark's `packet-gtpv2.c` names them: message types
//! (Table 6.1-1), IE types (Table 8.1-1), Cause values (Table 8.4-1), F-TEID interface types
//! (§8.22), RAT types (§8.17), PDN types (§8.34) and Selection Mode (§8.58).

/// Message types, TS 29.274 Table 6.1-1.
pub mod msg {
    /// Echo Request (§7.1.1).
    pub const ECHO_REQUEST: u8 = 1;
    /// Echo Response (§7.1.2).
    pub const ECHO_RESPONSE: u8 = 2;
    /// Version Not Supported Indication (§7.1.3).
    pub const VERSION_NOT_SUPPORTED: u8 = 3;
    /// Create Session Request (§7.2.1).
    pub const CREATE_SESSION_REQUEST: u8 = 32;
    /// Create Session Response (§7.2.2).
    pub const CREATE_SESSION_RESPONSE: u8 = 33;
    /// Modify Bearer Request (§7.2.7).
    pub const MODIFY_BEARER_REQUEST: u8 = 34;
    /// Modify Bearer Response (§7.2.8).
    pub const MODIFY_BEARER_RESPONSE: u8 = 35;
    /// Delete Session Request (§7.2.9.1).
    pub const DELETE_SESSION_REQUEST: u8 = 36;
    /// Delete Session Response (§7.2.10.1).
    pub const DELETE_SESSION_RESPONSE: u8 = 37;
    /// Delete Bearer Request (§7.2.9.2).
    pub const DELETE_BEARER_REQUEST: u8 = 99;
    /// Delete Bearer Response (§7.2.10.2).
    pub const DELETE_BEARER_RESPONSE: u8 = 100;

    /// Whether `msg_type` is a triggered message (a response) among those roamsim speaks; the
    /// transaction layer matches these to its requests by sequence number (§7.6).
    pub fn is_response(msg_type: u8) -> bool {
        matches!(
            msg_type,
            ECHO_RESPONSE
                | CREATE_SESSION_RESPONSE
                | MODIFY_BEARER_RESPONSE
                | DELETE_SESSION_RESPONSE
                | DELETE_BEARER_RESPONSE
        )
    }
}

/// IE types, TS 29.274 Table 8.1-1.
pub mod ie {
    /// International Mobile Subscriber Identity (§8.3).
    pub const IMSI: u8 = 1;
    /// Cause (§8.4).
    pub const CAUSE: u8 = 2;
    /// Recovery (Restart Counter) (§8.5).
    pub const RECOVERY: u8 = 3;
    /// Access Point Name (§8.6).
    pub const APN: u8 = 71;
    /// Aggregate Maximum Bit Rate (§8.7).
    pub const AMBR: u8 = 72;
    /// EPS Bearer ID (§8.8).
    pub const EBI: u8 = 73;
    /// Mobile Equipment Identity (§8.10).
    pub const MEI: u8 = 75;
    /// MSISDN (§8.11).
    pub const MSISDN: u8 = 76;
    /// Indication (§8.12).
    pub const INDICATION: u8 = 77;
    /// Protocol Configuration Options (§8.13).
    pub const PCO: u8 = 78;
    /// PDN Address Allocation (§8.14).
    pub const PAA: u8 = 79;
    /// Bearer Level Quality of Service (§8.15).
    pub const BEARER_QOS: u8 = 80;
    /// RAT Type (§8.17).
    pub const RAT_TYPE: u8 = 82;
    /// Serving Network (§8.18).
    pub const SERVING_NETWORK: u8 = 83;
    /// User Location Information (§8.21).
    pub const ULI: u8 = 86;
    /// Fully Qualified TEID (§8.22).
    pub const F_TEID: u8 = 87;
    /// Bearer Context, grouped (§8.28).
    pub const BEARER_CONTEXT: u8 = 93;
    /// Charging ID (§8.29).
    pub const CHARGING_ID: u8 = 94;
    /// PDN Type (§8.34).
    pub const PDN_TYPE: u8 = 99;
    /// APN Restriction (§8.57).
    pub const APN_RESTRICTION: u8 = 127;
    /// Selection Mode (§8.58).
    pub const SELECTION_MODE: u8 = 128;
    /// Private Extension.
    pub const PRIVATE_EXTENSION: u8 = 255;
}

/// Cause values, TS 29.274 Table 8.4-1.
pub mod cause {
    /// Request accepted.
    pub const REQUEST_ACCEPTED: u8 = 16;
    /// Request accepted partially.
    pub const REQUEST_ACCEPTED_PARTIALLY: u8 = 17;
    /// Context Not Found.
    pub const CONTEXT_NOT_FOUND: u8 = 64;
    /// Invalid Message Format.
    pub const INVALID_MESSAGE_FORMAT: u8 = 65;
    /// Version not supported by next peer.
    pub const VERSION_NOT_SUPPORTED_BY_NEXT_PEER: u8 = 66;
    /// Invalid length.
    pub const INVALID_LENGTH: u8 = 67;
    /// Service not supported.
    pub const SERVICE_NOT_SUPPORTED: u8 = 68;
    /// Mandatory IE incorrect.
    pub const MANDATORY_IE_INCORRECT: u8 = 69;
    /// Mandatory IE missing.
    pub const MANDATORY_IE_MISSING: u8 = 70;
    /// System failure.
    pub const SYSTEM_FAILURE: u8 = 72;
    /// No resources available.
    pub const NO_RESOURCES_AVAILABLE: u8 = 73;
    /// Missing or unknown APN.
    pub const MISSING_OR_UNKNOWN_APN: u8 = 78;
    /// Denied in RAT.
    pub const DENIED_IN_RAT: u8 = 82;
    /// Preferred PDN type not supported.
    pub const PREFERRED_PDN_TYPE_NOT_SUPPORTED: u8 = 83;
    /// All dynamic addresses are occupied.
    pub const ALL_DYNAMIC_ADDRESSES_OCCUPIED: u8 = 84;
    /// User authentication failed.
    pub const USER_AUTHENTICATION_FAILED: u8 = 92;
    /// APN access denied - no subscription.
    pub const APN_ACCESS_DENIED_NO_SUBSCRIPTION: u8 = 93;
    /// Request rejected (reason not specified).
    pub const REQUEST_REJECTED: u8 = 94;
    /// IMSI/IMEI not known.
    pub const IMSI_IMEI_NOT_KNOWN: u8 = 96;
    /// Remote peer not responding.
    pub const REMOTE_PEER_NOT_RESPONDING: u8 = 100;
    /// Conditional IE missing.
    pub const CONDITIONAL_IE_MISSING: u8 = 103;
    /// APN Congestion.
    pub const APN_CONGESTION: u8 = 113;
    /// GTP-C Entity Congestion.
    pub const GTP_C_ENTITY_CONGESTION: u8 = 120;

    /// Whether `cause` is an acceptance (16..=63); rejections are 64 and above (§8.4).
    pub fn is_accepted(cause: u8) -> bool {
        (16..64).contains(&cause)
    }
}

/// F-TEID interface types, TS 29.274 §8.22.
pub mod interface {
    /// S1-U eNodeB GTP-U.
    pub const S1U_ENODEB_GTPU: u8 = 0;
    /// S1-U SGW GTP-U.
    pub const S1U_SGW_GTPU: u8 = 1;
    /// S5/S8 SGW GTP-U.
    pub const S5S8_SGW_GTPU: u8 = 4;
    /// S5/S8 PGW GTP-U.
    pub const S5S8_PGW_GTPU: u8 = 5;
    /// S5/S8 SGW GTP-C.
    pub const S5S8_SGW_GTPC: u8 = 6;
    /// S5/S8 PGW GTP-C.
    pub const S5S8_PGW_GTPC: u8 = 7;
    /// S11 MME GTP-C.
    pub const S11_MME_GTPC: u8 = 10;
    /// S11/S4 SGW GTP-C.
    pub const S11_S4_SGW_GTPC: u8 = 11;
}

/// RAT Type values, TS 29.274 §8.17.
pub mod rat {
    /// UTRAN.
    pub const UTRAN: u8 = 1;
    /// GERAN.
    pub const GERAN: u8 = 2;
    /// WLAN.
    pub const WLAN: u8 = 3;
    /// E-UTRAN.
    pub const EUTRAN: u8 = 6;
}

/// PDN Type values, TS 29.274 §8.34 (also the PDN type field of PAA, §8.14).
pub mod pdn {
    /// IPv4.
    pub const IPV4: u8 = 1;
    /// IPv6.
    pub const IPV6: u8 = 2;
    /// IPv4v6.
    pub const IPV4V6: u8 = 3;
}

/// Selection Mode values, TS 29.274 §8.58.
pub mod selection {
    /// MS or network provided APN, subscription verified.
    pub const VERIFIED: u8 = 0;
    /// MS provided APN, subscription not verified.
    pub const MS_NOT_VERIFIED: u8 = 1;
    /// Network provided APN, subscription not verified.
    pub const NETWORK_NOT_VERIFIED: u8 = 2;
}
