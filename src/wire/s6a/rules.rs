//! The top-level AVPs of each S6a request's ABNF (TS 29.272 §7.2.3 ULR, §7.2.5 AIR, §7.2.7 CLR,
//! §7.2.13 PUR), for [`Rules::check`]: an unknown AVP with the M bit is 5001, a repeated
//! single-occurrence AVP 5009 (RFC 6733 §7.1.5). Codes follow Wireshark's TGPP dictionary.

use super::codes::{avp, command};
use crate::wire::diameter::conform::{Occurs, Rule, Rules, S6A_REQUEST_COMMON};
use crate::wire::diameter::AvpKey;

use Occurs::{Many, One};

const fn tgpp(code: u32) -> AvpKey {
    AvpKey::new(code, avp::VISITED_PLMN_ID.vendor_id)
}

/// Authentication-Information-Request (§7.2.5).
const AIR: &[Rule] = &[
    (avp::USER_NAME, One),
    (avp::REQUESTED_EUTRAN_AUTHENTICATION_INFO, One),
    (tgpp(1409), One), // Requested-UTRAN-GERAN-Authentication-Info
    (avp::VISITED_PLMN_ID, One),
    (tgpp(1679), One), // AIR-Flags
];

/// Update-Location-Request (§7.2.3).
const ULR: &[Rule] = &[
    (avp::USER_NAME, One),
    (avp::TERMINAL_INFORMATION, One),
    (avp::RAT_TYPE, One),
    (avp::ULR_FLAGS, One),
    (tgpp(1615), One), // UE-SRVCC-Capability
    (avp::VISITED_PLMN_ID, One),
    (tgpp(1489), One),  // SGSN-Number
    (tgpp(1493), One),  // Homogeneous-Support-of-IMS-Voice-Over-PS-Sessions
    (tgpp(2405), One),  // GMLC-Address
    (tgpp(1612), Many), // Active-APN
    (tgpp(1637), One),  // Equivalent-PLMN-List
    (tgpp(1645), One),  // MME-Number-for-MT-SMS
    (tgpp(1648), One),  // SMS-Register-Request
    (tgpp(1664), One),  // SGs-MME-Identity
    (tgpp(1666), One),  // Coupled-Node-Diameter-ID
    (tgpp(1672), One),  // Adjacent-PLMNs
    (tgpp(3143), One),  // Supported-Services
];

/// Purge-UE-Request (§7.2.13).
const PUR: &[Rule] = &[
    (avp::USER_NAME, One),
    (avp::PUR_FLAGS, One),
    (tgpp(1496), One), // EPS-Location-Information
];

/// Cancel-Location-Request (§7.2.7).
const CLR: &[Rule] = &[
    (avp::USER_NAME, One),
    (avp::CANCELLATION_TYPE, One),
    (avp::CLR_FLAGS, One),
];

/// The rules of the S6a request `command`, `None` for a command this codec does not model.
pub(super) fn for_request(command: u32) -> Option<Rules> {
    let own = match command {
        command::AUTHENTICATION_INFORMATION => AIR,
        command::UPDATE_LOCATION => ULR,
        command::PURGE_UE => PUR,
        command::CANCEL_LOCATION => CLR,
        _ => return None,
    };
    Some(Rules {
        own,
        shared: S6A_REQUEST_COMMON,
    })
}
