//! Gy codec: Diameter Credit-Control (RFC 4006) as 3GPP online charging uses it between a PGW
//! and an OCS (TS 32.299 §6.4, with the PS specifics of TS 32.251 §6.4): application id 4,
//! command 272 CCR/CCA, as `Repr`s that borrow from a [`Packet`](crate::wire::diameter::Packet)
//! and emit through the [`Emit`](crate::wire::diameter::Emit) trait of `wire::diameter`.
//!
//! Modelled: Session-Id, Origin/Destination Host/Realm, Auth-Application-Id 4,
//! Service-Context-Id, CC-Request-Type/-Number, Subscription-Id (IMSI and MSISDN),
//! Multiple-Services-Credit-Control with Requested-/Granted-/Used-Service-Unit (time, total, input
//! and output octets), Rating-Group, Validity-Time, Volume-Quota-Threshold, 3GPP-Reporting-Reason,
//! Final-Unit-Indication and a Result-Code per rating group, Credit-Control-Failure-Handling,
//! Termination-Cause, and Service-Information/PS-Information with the bearer's charging id, APN,
//! charging characteristics, visited PLMN (3GPP-SGSN-MCC-MNC), location and RAT. Codes, flags and
//! types come from Wireshark's dictionaries ([`codes`]).

pub mod codes;
mod groups;
mod message;
mod rules;

#[cfg(test)]
mod tests;

pub use groups::{FinalUnitIndication, Mscc, PsInformation, ServiceUnit, SubscriptionId};
pub use message::{CreditControlAnswer, CreditControlRequest};
