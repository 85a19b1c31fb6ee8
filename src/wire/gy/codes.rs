//! Named codes of Diameter Credit-Control (RFC 4006 §12) and the Gy additions of TS 32.299 §7.2
//! and TS 29.061 §16.4.7.
//!
//! Every code, type and flag rule here was copied from Wireshark's dictionaries:
//! `chargecontrol.xml` (application 4, command 272, AVPs 411-461), `dictionary.xml`
//! (Termination-Cause 295 and the 3GPP charging AVPs 869-874) and `TGPP.xml` (the 3GPP RADIUS
//! attributes 2-22 used inside PS-Information). All of them say `mandatory="must"`; the IETF ones
//! say `vendor-bit="mustnot"` and the 3GPP ones `vendor-bit="must"` with vendor TGPP (10415), so
//! [`AvpKey::flags`] gives each the dictionary's flags without an entry in `M_MUST_NOT`.

use crate::wire::diameter::codes::vendor::TGPP;
use crate::wire::diameter::AvpKey;

/// Credit-Control application id (RFC 4006 §12.1), the one Gy uses (TS 32.299 §6.3.1).
pub const APPLICATION_ID: u32 = 4;
/// Credit-Control command code: CCR and CCA (RFC 4006 §12.2).
pub const CREDIT_CONTROL: u32 = 272;
/// Service-Context-Id of PS charging (TS 32.251 §6.1.2, "32251@3gpp.org").
pub const SERVICE_CONTEXT_PS: &str = "32251@3gpp.org";

/// AVP codes with their vendor.
pub mod avp {
    use super::{AvpKey, TGPP};

    /// Called-Station-Id (30), UTF8String: the APN.
    pub const CALLED_STATION_ID: AvpKey = AvpKey::new(30, 0);
    /// Termination-Cause (295), Enumerated.
    pub const TERMINATION_CAUSE: AvpKey = AvpKey::new(295, 0);
    /// CC-Input-Octets (412), Unsigned64.
    pub const CC_INPUT_OCTETS: AvpKey = AvpKey::new(412, 0);
    /// CC-Output-Octets (414), Unsigned64.
    pub const CC_OUTPUT_OCTETS: AvpKey = AvpKey::new(414, 0);
    /// CC-Request-Number (415), Unsigned32.
    pub const CC_REQUEST_NUMBER: AvpKey = AvpKey::new(415, 0);
    /// CC-Request-Type (416), Enumerated.
    pub const CC_REQUEST_TYPE: AvpKey = AvpKey::new(416, 0);
    /// CC-Time (420), Unsigned32, seconds.
    pub const CC_TIME: AvpKey = AvpKey::new(420, 0);
    /// CC-Total-Octets (421), Unsigned64.
    pub const CC_TOTAL_OCTETS: AvpKey = AvpKey::new(421, 0);
    /// Credit-Control-Failure-Handling (427), Enumerated.
    pub const CREDIT_CONTROL_FAILURE_HANDLING: AvpKey = AvpKey::new(427, 0);
    /// Final-Unit-Indication (430), Grouped.
    pub const FINAL_UNIT_INDICATION: AvpKey = AvpKey::new(430, 0);
    /// Granted-Service-Unit (431), Grouped.
    pub const GRANTED_SERVICE_UNIT: AvpKey = AvpKey::new(431, 0);
    /// Rating-Group (432), Unsigned32.
    pub const RATING_GROUP: AvpKey = AvpKey::new(432, 0);
    /// Requested-Service-Unit (437), Grouped.
    pub const REQUESTED_SERVICE_UNIT: AvpKey = AvpKey::new(437, 0);
    /// Subscription-Id (443), Grouped.
    pub const SUBSCRIPTION_ID: AvpKey = AvpKey::new(443, 0);
    /// Subscription-Id-Data (444), UTF8String.
    pub const SUBSCRIPTION_ID_DATA: AvpKey = AvpKey::new(444, 0);
    /// Used-Service-Unit (446), Grouped.
    pub const USED_SERVICE_UNIT: AvpKey = AvpKey::new(446, 0);
    /// Validity-Time (448), Unsigned32, seconds.
    pub const VALIDITY_TIME: AvpKey = AvpKey::new(448, 0);
    /// Final-Unit-Action (449), Enumerated.
    pub const FINAL_UNIT_ACTION: AvpKey = AvpKey::new(449, 0);
    /// Subscription-Id-Type (450), Enumerated.
    pub const SUBSCRIPTION_ID_TYPE: AvpKey = AvpKey::new(450, 0);
    /// Multiple-Services-Indicator (455), Enumerated.
    pub const MULTIPLE_SERVICES_INDICATOR: AvpKey = AvpKey::new(455, 0);
    /// Multiple-Services-Credit-Control (456), Grouped.
    pub const MULTIPLE_SERVICES_CREDIT_CONTROL: AvpKey = AvpKey::new(456, 0);
    /// Service-Context-Id (461), UTF8String.
    pub const SERVICE_CONTEXT_ID: AvpKey = AvpKey::new(461, 0);

    /// 3GPP-Charging-Id (3GPP 2), 4 octets (TS 29.061 §16.4.7.2).
    pub const TGPP_CHARGING_ID: AvpKey = AvpKey::new(2, TGPP);
    /// 3GPP-Charging-Characteristics (3GPP 13), UTF8String of 4 hex digits.
    pub const TGPP_CHARGING_CHARACTERISTICS: AvpKey = AvpKey::new(13, TGPP);
    /// 3GPP-SGSN-MCC-MNC (3GPP 18), UTF8String: the serving (visited) PLMN's MCC and MNC digits.
    pub const TGPP_SGSN_MCC_MNC: AvpKey = AvpKey::new(18, TGPP);
    /// 3GPP-RAT-Type (3GPP 21), one octet (TS 29.061 §16.4.7.2).
    pub const TGPP_RAT_TYPE: AvpKey = AvpKey::new(21, TGPP);
    /// 3GPP-User-Location-Info (3GPP 22), OctetString: a location type octet, then the location.
    pub const TGPP_USER_LOCATION_INFO: AvpKey = AvpKey::new(22, TGPP);
    /// Volume-Quota-Threshold (3GPP 869), Unsigned32, octets.
    pub const VOLUME_QUOTA_THRESHOLD: AvpKey = AvpKey::new(869, TGPP);
    /// 3GPP-Reporting-Reason (3GPP 872), Enumerated ("Reporting-Reason" in TS 32.299 §7.2.175).
    pub const REPORTING_REASON: AvpKey = AvpKey::new(872, TGPP);
    /// Service-Information (3GPP 873), Grouped.
    pub const SERVICE_INFORMATION: AvpKey = AvpKey::new(873, TGPP);
    /// PS-Information (3GPP 874), Grouped.
    pub const PS_INFORMATION: AvpKey = AvpKey::new(874, TGPP);
}

/// CC-Request-Type values (RFC 4006 §8.3).
pub mod request_type {
    /// INITIAL_REQUEST: opens a session.
    pub const INITIAL: u32 = 1;
    /// UPDATE_REQUEST: reports use and asks for more within a session.
    pub const UPDATE: u32 = 2;
    /// TERMINATION_REQUEST: reports the last use and closes the session.
    pub const TERMINATION: u32 = 3;
    /// EVENT_REQUEST: a one-off charge outside any session.
    pub const EVENT: u32 = 4;
}

/// Subscription-Id-Type values (RFC 4006 §8.47).
pub mod subscription_id_type {
    /// END_USER_E164: the MSISDN.
    pub const E164: u32 = 0;
    /// END_USER_IMSI.
    pub const IMSI: u32 = 1;
}

/// Final-Unit-Action values (RFC 4006 §8.35).
pub mod final_unit_action {
    /// TERMINATE.
    pub const TERMINATE: u32 = 0;
    /// REDIRECT.
    pub const REDIRECT: u32 = 1;
    /// RESTRICT_ACCESS.
    pub const RESTRICT_ACCESS: u32 = 2;
}

/// Credit-Control-Failure-Handling values (RFC 4006 §8.14).
pub mod failure_handling {
    /// TERMINATE.
    pub const TERMINATE: u32 = 0;
    /// CONTINUE.
    pub const CONTINUE: u32 = 1;
    /// RETRY_AND_TERMINATE.
    pub const RETRY_AND_TERMINATE: u32 = 2;
}

/// Multiple-Services-Indicator values (RFC 4006 §8.40).
pub mod multiple_services {
    /// MULTIPLE_SERVICES_NOT_SUPPORTED.
    pub const NOT_SUPPORTED: u32 = 0;
    /// MULTIPLE_SERVICES_SUPPORTED.
    pub const SUPPORTED: u32 = 1;
}

/// 3GPP-Reporting-Reason values (TS 32.299 §7.2.175).
pub mod reporting_reason {
    /// THRESHOLD: the Volume- or Time-Quota-Threshold was reached.
    pub const THRESHOLD: u32 = 0;
    /// QHT: the Quota-Holding-Time expired.
    pub const QHT: u32 = 1;
    /// FINAL: the session or the service ended.
    pub const FINAL: u32 = 2;
    /// QUOTA_EXHAUSTED.
    pub const QUOTA_EXHAUSTED: u32 = 3;
    /// VALIDITY_TIME: the Validity-Time expired.
    pub const VALIDITY_TIME: u32 = 4;
    /// OTHER_QUOTA_TYPE.
    pub const OTHER_QUOTA_TYPE: u32 = 5;
    /// RATING_CONDITION_CHANGE.
    pub const RATING_CONDITION_CHANGE: u32 = 6;
    /// FORCED_REAUTHORISATION.
    pub const FORCED_REAUTHORISATION: u32 = 7;
    /// POOL_EXHAUSTED.
    pub const POOL_EXHAUSTED: u32 = 8;
}

/// Termination-Cause values (RFC 6733 §8.15) that a PGW sends in CCR-T.
pub mod termination_cause {
    /// DIAMETER_LOGOUT: the user detached or the bearer was deleted.
    pub const LOGOUT: u32 = 1;
    /// DIAMETER_SERVICE_NOT_PROVIDED.
    pub const SERVICE_NOT_PROVIDED: u32 = 2;
    /// DIAMETER_BAD_ANSWER.
    pub const BAD_ANSWER: u32 = 3;
    /// DIAMETER_ADMINISTRATIVE.
    pub const ADMINISTRATIVE: u32 = 4;
    /// DIAMETER_LINK_BROKEN.
    pub const LINK_BROKEN: u32 = 5;
    /// DIAMETER_AUTH_EXPIRED.
    pub const AUTH_EXPIRED: u32 = 6;
    /// DIAMETER_USER_MOVED.
    pub const USER_MOVED: u32 = 7;
    /// DIAMETER_SESSION_TIMEOUT.
    pub const SESSION_TIMEOUT: u32 = 8;
}

/// Result-Code values of Credit-Control (RFC 4006 §9).
pub mod result {
    /// 4010 DIAMETER_END_USER_SERVICE_DENIED.
    pub const END_USER_SERVICE_DENIED: u32 = 4010;
    /// 4011 DIAMETER_CREDIT_CONTROL_NOT_APPLICABLE.
    pub const CREDIT_CONTROL_NOT_APPLICABLE: u32 = 4011;
    /// 4012 DIAMETER_CREDIT_LIMIT_REACHED.
    pub const CREDIT_LIMIT_REACHED: u32 = 4012;
    /// 5030 DIAMETER_USER_UNKNOWN.
    pub const USER_UNKNOWN: u32 = 5030;
    /// 5031 DIAMETER_RATING_FAILED.
    pub const RATING_FAILED: u32 = 5031;
}

/// 3GPP-RAT-Type values (TS 29.061 §16.4.7.2, one octet).
pub mod rat_type {
    /// UTRAN.
    pub const UTRAN: u8 = 1;
    /// GERAN.
    pub const GERAN: u8 = 2;
    /// EUTRAN.
    pub const EUTRAN: u8 = 6;
}
