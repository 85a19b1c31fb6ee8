//! The top-level AVPs of the Gy Credit-Control-Request (RFC 4006 §3.1 as TS 32.299 §6.4.2 lists
//! them), for [`Rules::check`]: an unknown AVP with the M bit is 5001, a repeated
//! single-occurrence AVP 5009 (RFC 6733 §7.1.5). Codes follow Wireshark's dictionaries.

use super::codes::avp;
use crate::wire::diameter::codes::avp as base;
use crate::wire::diameter::conform::{Occurs, Rule, Rules};
use crate::wire::diameter::AvpKey;

use Occurs::{Many, One};

const fn ietf(code: u32) -> AvpKey {
    AvpKey::new(code, 0)
}

const CCR_AVPS: &[Rule] = &[
    (base::SESSION_ID, One),
    (ietf(301), One), // DRMP
    (base::ORIGIN_HOST, One),
    (base::ORIGIN_REALM, One),
    (base::DESTINATION_REALM, One),
    (base::AUTH_APPLICATION_ID, One),
    (avp::SERVICE_CONTEXT_ID, One),
    (avp::CC_REQUEST_TYPE, One),
    (avp::CC_REQUEST_NUMBER, One),
    (base::DESTINATION_HOST, One),
    (base::USER_NAME, One),
    (ietf(419), One), // CC-Sub-Session-Id
    (ietf(50), One),  // Acct-Multi-Session-Id
    (base::ORIGIN_STATE_ID, One),
    (ietf(55), One), // Event-Timestamp
    (avp::SUBSCRIPTION_ID, Many),
    (ietf(439), One), // Service-Identifier
    (avp::TERMINATION_CAUSE, One),
    (avp::REQUESTED_SERVICE_UNIT, One),
    (ietf(436), One), // Requested-Action
    (avp::USED_SERVICE_UNIT, Many),
    (AvpKey::new(2055, base::VISITED_PLMN_ID.vendor_id), One), // AoC-Request-Type
    (avp::MULTIPLE_SERVICES_INDICATOR, One),
    (avp::MULTIPLE_SERVICES_CREDIT_CONTROL, Many),
    (ietf(440), Many), // Service-Parameter-Info
    (ietf(411), One),  // CC-Correlation-Id
    (ietf(458), One),  // User-Equipment-Info
    (ietf(653), One),  // User-Equipment-Info-Extension
    (base::PROXY_INFO, Many),
    (base::ROUTE_RECORD, Many),
    (avp::SERVICE_INFORMATION, One),
    (ietf(621), One), // OC-Supported-Features
    (base::SUPPORTED_FEATURES, Many),
];

/// Credit-Control-Request.
pub(super) const CCR: Rules = Rules {
    own: CCR_AVPS,
    shared: &[],
};
