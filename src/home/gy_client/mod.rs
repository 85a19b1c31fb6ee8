//! The PGW's online charging client: Gy credit control towards an OCS (RFC 4006 §5, TS 32.299
//! §6.3-§6.4, TS 32.251 §5.2 for the PS domain), sans-IO. One credit-control session per PDN
//! connection, keyed by the PGW's control TEID; one Diameter connection to the OCS (a
//! [`Peer`] with plain Auth-Application-Id 4, `PeerConfig::gy`).
//!
//! - [`GyClient::start`] at Create Session: CCR-INITIAL with Subscription-Id (IMSI, MSISDN),
//!   an empty Requested-Service-Unit for the rating group, PS-Information (3GPP-Charging-Id,
//!   Called-Station-Id, 3GPP-SGSN-MCC-MNC = the serving PLMN, 3GPP-RAT-Type). The caller holds
//!   the Create Session Response until [`GyEvent::Authorised`] or [`GyEvent::Refused`].
//! - CCR-UPDATE, by itself from [`GyClient::handle_timeout`], when the use since the last
//!   report reaches the Volume-Quota-Threshold (3GPP-Reporting-Reason THRESHOLD) or the whole
//!   grant (QUOTA_EXHAUSTED), or the Validity-Time ends (VALIDITY_TIME); and from
//!   [`GyClient::modify`] when the serving PLMN or the RAT changes (RATING_CONDITION_CHANGE).
//! - [`GyClient::stop`] at Delete Session or a local release: CCR-TERMINATION with the last use
//!   (FINAL). The credit-control session ends with its answer, or when it fails.
//!
//! Used units come from the session's traffic model (`model::usage`): at each report the
//! client sends `rates.volume(now - start)` minus what it reported before, uplink as
//! CC-Input-Octets, downlink as CC-Output-Octets, so that the reports of a session add up to
//! its volume at the end, the same octets as its offline records.
//!
//! CC-Request-Number starts at 0 and grows by one per answered request. A request that got no
//! answer (Tx expired, no connection) leaves its number unused: the next request carries it
//! again, so that the OCS, which did not see it, finds no gap (RFC 4006 §5.2).
//!
//! Failure handling (RFC 4006 §5.7): when Tx expires, the connection is down or the OCS
//! answers a 3xxx/5xxx other than 5002, the Credit-Control-Failure-Handling of the last CCA (the
//! configured one before any) decides: TERMINATE ends the session (a CCR-I refusal or
//! [`GyEvent::Terminate`]), CONTINUE lets it run (a session whose CCR-I failed is then not
//! under credit control at all; a failed update is tried again after Tx), RETRY_AND_TERMINATE
//! sends the request once more, then terminates. 4010 and 4012 refuse a CCR-I and end a
//! session on update. A grant with Final-Unit-Indication TERMINATE ends the session once its
//! units are used; REDIRECT and RESTRICT_ACCESS are counted, and the session goes on without
//! further grants.
//!
//! Call order: [`GyClient::connect`] when the transport to the OCS is up (CER goes out); feed
//! each framed message from it to [`GyClient::handle_message`]; run
//! [`GyClient::handle_timeout`] when [`GyClient::poll_timeout`] is due; after any call write
//! [`GyClient::transmit`] and [`GyClient::clear_transmit`], then drain [`GyClient::poll_event`]
//! (and [`GyClient::poll_measurement`] when measurements are on). Time is `now`, a [`Micros`] of
//! the caller's clock.

use std::collections::{BTreeSet, HashMap, VecDeque};

use crate::home::pgw::Session;
use crate::model::online_charging::FailureHandling;
use crate::model::usage::Volume;
use crate::model::{Micros, Plmn};
use crate::proto::diameter::{Event, Incoming, LocalIdentity, Peer, PeerConfig};
use crate::wire::diameter::Repeated;
use crate::wire::gy::codes::{
    final_unit_action, reporting_reason, result, termination_cause, SERVICE_CONTEXT_PS,
};
use crate::wire::gy::{CreditControlAnswer, CreditControlRequest, Mscc, PsInformation};
use crate::wire::gy::{ServiceUnit, SubscriptionId};

mod answer;
mod outcome;
mod stats;
#[cfg(test)]
mod tests;

use answer::{AnswerFacts, Grant};
pub use stats::{CcrKind, GyMeasurement, GyStats};

/// Diameter Result-Code 2001.
const SUCCESS: u32 = 2001;
/// Diameter Result-Code 5002 DIAMETER_UNKNOWN_SESSION_ID.
const UNKNOWN_SESSION_ID: u32 = 5002;
/// CCR-Ts sent for one session at most (the first and the tries after Tx).
const MAX_TERMINATION_TRIES: u8 = 10;
/// Measurements kept at most while nobody drains them.
const MAX_MEASUREMENTS: usize = 1 << 16;

/// Settings of a [`GyClient`].
#[derive(Debug, Clone)]
pub struct GyClientConfig {
    /// The PGW's Diameter identity (Origin-Host, Origin-Realm, Origin-State-Id).
    pub identity: LocalIdentity,
    /// Destination-Realm of every CCR: the OCS's realm.
    pub destination_realm: String,
    /// Destination-Host of every CCR, when the OCS is named.
    pub destination_host: Option<String>,
    /// Tx (RFC 4006 §13): how long a CCR waits for its CCA.
    pub tx: Micros,
    /// The rating group credit is asked for.
    pub rating_group: u32,
    /// Failure handling until a CCA names one.
    pub failure_handling: FailureHandling,
    /// Seed of the Diameter connection's identifiers and watchdog jitter.
    pub seed: u64,
    /// Tells this PGW's sessions from those of other PGWs with the same Origin-Host and boot
    /// (the shards of one `run`): the Session-Id's optional part (RFC 6733 §8.8).
    pub instance: u32,
}

/// Why credit control ended or refused a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GyReason {
    /// The OCS answered this Result-Code (the MSCC's, when the answer's own was 2001).
    ResultCode(u32),
    /// No CCA within Tx.
    Timeout,
    /// No open connection to the OCS.
    NoConnection,
    /// The final units of a grant with Final-Unit-Action TERMINATE are used.
    FinalUnits,
}

impl GyReason {
    /// The reason key: `gy.4012`, `timeout.gy.ccr`, `gy.no_connection`, `gy.final_units`.
    pub fn key(self) -> String {
        match self {
            GyReason::ResultCode(c) => format!("gy.{c}"),
            GyReason::Timeout => "timeout.gy.ccr".to_string(),
            GyReason::NoConnection => "gy.no_connection".to_string(),
            GyReason::FinalUnits => "gy.final_units".to_string(),
        }
    }

    /// The GTPv2-C Cause that refuses a Create Session for this reason (TS 29.274 Table
    /// 8.4-1 has no credit-control cause; see docs/ONLINE_CHARGING.md §3): 4010 END_USER_
    /// SERVICE_DENIED → 92 User authentication failed (the user is not authorised for the
    /// service), 4012 CREDIT_LIMIT_REACHED → 94 Request rejected, an OCS that does not answer
    /// → 100 Remote peer not responding, any other failure → 72 System failure.
    pub fn gtp_cause(self) -> u8 {
        use crate::wire::gtpv2::codes::cause;
        match self {
            GyReason::ResultCode(result::END_USER_SERVICE_DENIED) => {
                cause::USER_AUTHENTICATION_FAILED
            }
            GyReason::ResultCode(result::CREDIT_LIMIT_REACHED) => cause::REQUEST_REJECTED,
            GyReason::Timeout | GyReason::NoConnection => cause::REMOTE_PEER_NOT_RESPONDING,
            GyReason::ResultCode(_) | GyReason::FinalUnits => cause::SYSTEM_FAILURE,
        }
    }
}

/// What the PGW must do after the client's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GyEvent {
    /// The session may go on: send the held Create Session Response (Cause 16).
    Authorised {
        /// The PGW control TEID.
        teid: u32,
    },
    /// The session is refused: answer the held Create Session Request with `reason.gtp_cause()`
    /// and release it. Its credit-control session is already gone.
    Refused {
        /// The PGW control TEID.
        teid: u32,
        /// Why.
        reason: GyReason,
    },
    /// The session must end (Delete Bearer Request to the SGW, TS 29.274 §7.2.9.2); then call
    /// [`GyClient::stop`] for its CCR-TERMINATION.
    Terminate {
        /// The PGW control TEID.
        teid: u32,
        /// Why.
        reason: GyReason,
    },
}

/// Where a credit-control session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// CCR-I sent, the Create Session Response held.
    Initial,
    /// Authorised; reports as its grant says.
    Open,
    /// Credit control ended it ([`GyEvent::Terminate`]); waiting for [`GyClient::stop`].
    Ending,
    /// CCR-T sent (or to be sent once the outstanding request is answered).
    Terminating,
}

/// One request waiting for its answer.
#[derive(Debug, Clone, Copy)]
struct Outstanding {
    kind: CcrKind,
    sent_at: Micros,
    /// What this request reports (the volume up to its sending).
    up_to: Volume,
    /// Sent again after a failure (RETRY_AND_TERMINATE).
    retried: bool,
}

#[derive(Debug)]
struct GySession {
    session_id: String,
    info: Session,
    phase: Phase,
    /// The number of the next request (CC-Request-Number).
    number: u32,
    /// Volume reported up to now (the sum of the Used-Service-Units sent and answered).
    reported: Volume,
    /// When the last answered report was sent (for CC-Time).
    reported_at: Micros,
    grant: Option<Grant>,
    failure_handling: FailureHandling,
    outstanding: Option<Outstanding>,
    /// Termination-Cause to send once the outstanding request is answered.
    terminate_after: Option<u32>,
    /// The instant in `wakes` for this session.
    wake: Option<Micros>,
    /// CCR-U reporting reason pending (a rating-condition change while a request was out).
    change_pending: bool,
    /// CCR-Ts sent that got no answer.
    t_tries: u8,
}

/// The PGW's Gy client. See the module docs for the procedures and the call order.
pub struct GyClient {
    cfg: GyClientConfig,
    peer: Option<Peer>,
    sessions: HashMap<u32, GySession>,
    wakes: BTreeSet<(Micros, u32)>,
    events: VecDeque<GyEvent>,
    measurements: Option<VecDeque<GyMeasurement>>,
    stats: GyStats,
}

impl GyClient {
    /// A client with no connection yet.
    pub fn new(cfg: GyClientConfig) -> GyClient {
        GyClient {
            cfg,
            peer: None,
            sessions: HashMap::new(),
            wakes: BTreeSet::new(),
            events: VecDeque::new(),
            measurements: None,
            stats: GyStats::default(),
        }
    }

    /// Keeps a [`GyMeasurement`] per answered or failed request for
    /// [`GyClient::poll_measurement`] (the engine's recorder drains them).
    pub fn measure(&mut self) {
        self.measurements.get_or_insert_with(VecDeque::new);
    }

    /// The transport to the OCS is up: a new connection starts with CER.
    pub fn connect(&mut self, now: Micros) {
        let mut pc = PeerConfig::gy(self.cfg.identity.clone(), self.cfg.seed);
        pc.request_timeout_us = self.cfg.tx;
        self.cfg.seed = self.cfg.seed.wrapping_add(1);
        self.peer = Some(Peer::initiate(now, pc));
    }

    /// The transport to the OCS went down: what was waiting for an answer fails now.
    pub fn disconnected(&mut self, now: Micros) {
        self.peer = None;
        let waiting: Vec<u32> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.outstanding.is_some())
            .map(|(&t, _)| t)
            .collect();
        for teid in waiting {
            self.failed(now, teid, GyReason::NoConnection);
        }
    }

    /// Whether the connection to the OCS is open.
    pub fn is_open(&self) -> bool {
        self.peer.as_ref().is_some_and(Peer::is_open)
    }

    /// Whether the connection is finished (the caller closes the transport, then may
    /// reconnect).
    pub fn is_closed(&self) -> bool {
        self.peer
            .as_ref()
            .is_none_or(|p| p.state() == crate::proto::diameter::State::Closed)
    }

    /// Bytes to write to the OCS.
    pub fn transmit(&self) -> &[u8] {
        self.peer.as_ref().map_or(&[], Peer::transmit)
    }

    /// Forgets [`GyClient::transmit`] once written.
    pub fn clear_transmit(&mut self) {
        if let Some(p) = &mut self.peer {
            p.clear_transmit();
        }
    }

    /// The next thing the PGW must act on.
    pub fn poll_event(&mut self) -> Option<GyEvent> {
        self.events.pop_front()
    }

    /// The next request's outcome, when measuring.
    pub fn poll_measurement(&mut self) -> Option<GyMeasurement> {
        self.measurements.as_mut()?.pop_front()
    }

    /// The counters.
    pub fn stats(&self) -> &GyStats {
        &self.stats
    }

    /// Sessions under credit control now: CCR-I answered, and no CCR-T on its way (one that
    /// got no answer and waits to be sent again still counts: the OCS may hold the session).
    pub fn open_sessions(&self) -> usize {
        self.sessions
            .values()
            .filter(|s| match s.phase {
                Phase::Initial => false,
                Phase::Terminating => s.outstanding.is_none(),
                Phase::Open | Phase::Ending => true,
            })
            .count()
    }

    /// Forgets every credit-control session without a word to the OCS: the PGW crashed
    /// (its sessions are lost, TS 23.007) and a restarted one knows nothing of them.
    pub fn forget_all(&mut self) {
        self.sessions.clear();
        self.wakes.clear();
        self.events.clear();
    }

    /// Whether the session with this control TEID is under credit control.
    pub fn controls(&self, teid: u32) -> bool {
        self.sessions.contains_key(&teid)
    }

    /// The earliest instant [`GyClient::handle_timeout`] has work.
    pub fn poll_timeout(&self) -> Option<Micros> {
        let peer = self.peer.as_ref().and_then(Peer::poll_timeout);
        let wake = self.wakes.first().map(|w| w.0);
        peer.into_iter().chain(wake).min()
    }

    /// Starts credit control for a new session (CCR-INITIAL); hold its Create Session Response.
    pub fn start(&mut self, now: Micros, teid: u32, session: &Session) {
        let id = &self.cfg.identity;
        let session_id = format!(
            "{};{};{};{};{}",
            id.origin_host, id.origin_state_id, teid, session.charging_id, self.cfg.instance
        );
        self.sessions.insert(
            teid,
            GySession {
                session_id,
                info: session.clone(),
                phase: Phase::Initial,
                number: 0,
                reported: Volume::default(),
                reported_at: session.start_us,
                grant: None,
                failure_handling: self.cfg.failure_handling,
                outstanding: None,
                terminate_after: None,
                wake: None,
                change_pending: false,
                t_tries: 0,
            },
        );
        self.send(now, teid, CcrKind::Initial, None);
    }

    /// Modify Bearer changed the serving PLMN or the RAT: report with RATING_CONDITION_CHANGE
    /// (TS 32.299 §6.3.3: a PLMN or RAT change closes the current counting).
    pub fn modify(&mut self, now: Micros, teid: u32, serving: Option<Plmn>, rat: Option<u8>) {
        let Some(s) = self.sessions.get_mut(&teid) else {
            return;
        };
        let plmn_changed = serving.is_some_and(|p| p != s.info.serving_network);
        let rat_changed = rat.is_some_and(|r| r != s.info.rat_type);
        if !(plmn_changed || rat_changed) {
            return;
        }
        if let Some(p) = serving {
            s.info.serving_network = p;
        }
        if let Some(r) = rat {
            s.info.rat_type = r;
        }
        match (s.phase, s.outstanding.is_some()) {
            (Phase::Open, false) => self.send(
                now,
                teid,
                CcrKind::Update,
                Some(reporting_reason::RATING_CONDITION_CHANGE),
            ),
            (Phase::Open, true) | (Phase::Initial, _) => s.change_pending = true,
            (Phase::Ending | Phase::Terminating, _) => {}
        }
    }

    /// The session ended at the PGW (Delete Session, a local release, a Terminate event):
    /// CCR-TERMINATION with the last use and `cause` (RFC 4006 §8.15, e.g.
    /// `termination_cause::LOGOUT`).
    pub fn stop(&mut self, now: Micros, teid: u32, cause: u32) {
        let Some(s) = self.sessions.get_mut(&teid) else {
            return;
        };
        if s.phase == Phase::Terminating {
            return;
        }
        s.phase = Phase::Terminating;
        if s.outstanding.is_some() {
            s.terminate_after = Some(cause);
            return;
        }
        s.terminate_after = Some(cause);
        self.send(now, teid, CcrKind::Termination, None);
    }

    /// One framed message from the OCS.
    pub fn handle_message(&mut self, now: Micros, bytes: &[u8]) {
        let Some(peer) = self.peer.as_mut() else {
            return;
        };
        let answer = match peer.handle_message(now, bytes) {
            Ok(Incoming::Answer { packet, token, .. }) => {
                CreditControlAnswer::parse(&packet).map(|a| (token, AnswerFacts::of(&a)))
            }
            Ok(Incoming::Request(req)) => {
                // Re-Auth and other server-initiated requests are not served here.
                peer.answer_error(
                    &req,
                    crate::wire::diameter::ResultCode::Base(
                        crate::wire::diameter::codes::result::COMMAND_UNSUPPORTED,
                    ),
                    None,
                    None,
                );
                return;
            }
            Ok(Incoming::UnmatchedAnswer) => {
                // The answer to a request given up after Tx.
                self.stats.late_answers += 1;
                self.drain_peer(now);
                return;
            }
            Ok(_) => {
                self.drain_peer(now);
                return;
            }
            Err(_) => {
                self.stats.malformed_answers += 1;
                self.drain_peer(now);
                return;
            }
        };
        match answer {
            Ok((token, facts)) => self.answered(now, token, facts),
            Err(_) => self.stats.malformed_answers += 1,
        }
        self.drain_peer(now);
    }

    /// Runs the connection's timers (Tx, watchdog) and the sessions' reports that are due.
    pub fn handle_timeout(&mut self, now: Micros) {
        if let Some(p) = &mut self.peer {
            p.handle_timeout(now);
        }
        self.drain_peer(now);
        while let Some(&(at, teid)) = self.wakes.first() {
            if at > now {
                break;
            }
            self.wakes.remove(&(at, teid));
            if let Some(s) = self.sessions.get_mut(&teid) {
                s.wake = None;
            }
            self.trigger(now, teid);
        }
    }

    /// Acts on the connection's events: timed-out requests fail, a lost connection fails
    /// everything outstanding.
    fn drain_peer(&mut self, now: Micros) {
        let mut down = false;
        while let Some(e) = self.peer.as_mut().and_then(Peer::poll_event) {
            match e {
                Event::RequestTimedOut { token, .. } => {
                    let teid = (token >> 32) as u32;
                    if self.is_current(teid, token) {
                        self.stats.timed_out[CcrKind::of_token(token).index()] += 1;
                        self.failed(now, teid, GyReason::Timeout);
                    }
                }
                Event::Down(_) => down = true,
                Event::Up { .. } => {}
            }
        }
        if down {
            self.stats.connections_lost += 1;
            self.disconnected(now);
        }
    }

    /// Whether `token` is the request `teid` is waiting for.
    fn is_current(&self, teid: u32, token: u64) -> bool {
        self.sessions.get(&teid).is_some_and(|s| {
            s.outstanding
                .is_some_and(|o| o.kind.token(teid, s.number) == token)
        })
    }

    /// A report due by the session's grant: threshold, exhaustion or validity.
    fn trigger(&mut self, now: Micros, teid: u32) {
        let Some(s) = self.sessions.get(&teid) else {
            return;
        };
        if s.phase == Phase::Terminating && s.outstanding.is_none() {
            // A CCR-T that got no answer, tried again.
            return self.send(now, teid, CcrKind::Termination, None);
        }
        if s.phase != Phase::Open || s.outstanding.is_some() {
            return;
        }
        let used = s.volume_at(now).since(s.reported).total();
        let Some(g) = s.grant else {
            // After a CONTINUE on a failed update: try again.
            self.send(
                now,
                teid,
                CcrKind::Update,
                Some(reporting_reason::QUOTA_EXHAUSTED),
            );
            return;
        };
        let exhausted = g.octets.is_some_and(|o| used >= o);
        let expired = g.valid_until.is_some_and(|t| t <= now);
        match g.final_action {
            Some(final_unit_action::TERMINATE) if exhausted => {
                self.stats.fui_terminations += 1;
                self.sessions.get_mut(&teid).expect("present").phase = Phase::Ending;
                self.events.push_back(GyEvent::Terminate {
                    teid,
                    reason: GyReason::FinalUnits,
                });
            }
            Some(final_unit_action::TERMINATE) => self.schedule(teid),
            // REDIRECT, RESTRICT_ACCESS: the session goes on without further grants.
            Some(_) => {}
            None if exhausted => self.send(
                now,
                teid,
                CcrKind::Update,
                Some(reporting_reason::QUOTA_EXHAUSTED),
            ),
            None if expired => self.send(
                now,
                teid,
                CcrKind::Update,
                Some(reporting_reason::VALIDITY_TIME),
            ),
            None if g
                .threshold
                .is_some_and(|t| used + t >= g.octets.unwrap_or(u64::MAX)) =>
            {
                self.send(
                    now,
                    teid,
                    CcrKind::Update,
                    Some(reporting_reason::THRESHOLD),
                )
            }
            None => self.schedule(teid),
        }
    }

    /// Sets the session's next wake-up from its grant (or clears it).
    fn schedule(&mut self, teid: u32) {
        let Some(s) = self.sessions.get_mut(&teid) else {
            return;
        };
        if let Some(w) = s.wake.take() {
            self.wakes.remove(&(w, teid));
        }
        let at = match (s.phase, s.outstanding, s.grant) {
            (Phase::Open, None, Some(g)) => s.next_report(g),
            _ => None,
        };
        if let Some(at) = at {
            s.wake = Some(at);
            self.wakes.insert((at, teid));
        }
    }

    /// Sends (or re-sends) a request of `kind` for session `teid`.
    fn send(&mut self, now: Micros, teid: u32, kind: CcrKind, reason: Option<u32>) {
        let rating_group = self.cfg.rating_group;
        let Some(s) = self.sessions.get_mut(&teid) else {
            return;
        };
        let retried = s.outstanding.is_some_and(|o| o.retried);
        let up_to = s.volume_at(now);
        let used = up_to.since(s.reported);
        let usu = (kind != CcrKind::Initial).then(|| ServiceUnit {
            time: Some(((now.as_u64().saturating_sub(s.reported_at.as_u64())) / 1_000_000) as u32),
            total_octets: Some(used.total()),
            input_octets: Some(used.uplink),
            output_octets: Some(used.downlink),
        });
        let reason = match kind {
            CcrKind::Termination => Some(reporting_reason::FINAL),
            _ => reason,
        };
        let mscc = [Mscc {
            requested: (kind != CcrKind::Termination).then(ServiceUnit::default),
            used: usu,
            rating_group: Some(rating_group),
            reporting_reason: usu.and(reason),
            ..Mscc::default()
        }];
        let (imsi, imsi_len) = s.info.imsi.ascii();
        let imsi = std::str::from_utf8(&imsi[..imsi_len]).unwrap_or("");
        let msisdn = s.info.msisdn.map(|m| m.to_string());
        let mut subs = vec![SubscriptionId::imsi(imsi)];
        if let Some(m) = &msisdn {
            subs.push(SubscriptionId::msisdn(m));
        }
        let sgsn = plmn_digits(s.info.serving_network);
        let id = &self.cfg.identity;
        let ccr = CreditControlRequest {
            session_id: &s.session_id,
            origin_host: &id.origin_host,
            origin_realm: &id.origin_realm,
            destination_realm: &self.cfg.destination_realm,
            destination_host: self.cfg.destination_host.as_deref(),
            service_context_id: SERVICE_CONTEXT_PS,
            request_type: kind.request_type(),
            request_number: s.number,
            origin_state_id: Some(id.origin_state_id),
            subscription_ids: Repeated::from_slice(&subs),
            termination_cause: match kind {
                CcrKind::Termination => s.terminate_after.or(Some(termination_cause::LOGOUT)),
                _ => None,
            },
            multiple_services_indicator: Some(crate::wire::gy::codes::multiple_services::SUPPORTED),
            mscc: Repeated::from_slice(&mscc),
            ps_information: Some(PsInformation {
                charging_id: Some(s.info.charging_id),
                called_station_id: Some(&s.info.apn),
                charging_characteristics: None,
                sgsn_mcc_mnc: Some(&sgsn),
                user_location_info: None,
                rat_type: Some(s.info.rat_type),
            }),
        };
        let token = kind.token(teid, s.number);
        let sent = match self.peer.as_mut() {
            Some(p) if p.is_open() => p.send_request(now, token, &ccr).is_ok(),
            _ => false,
        };
        s.outstanding = Some(Outstanding {
            kind,
            sent_at: now,
            up_to,
            retried,
        });
        if let Some(w) = s.wake.take() {
            self.wakes.remove(&(w, teid));
        }
        if sent {
            self.stats.sent[kind.index()] += 1;
            if retried {
                self.stats.retries += 1;
            }
        } else {
            self.stats.not_sent[kind.index()] += 1;
            self.failed(now, teid, GyReason::NoConnection);
        }
    }

    /// Forgets session `teid`.
    fn close(&mut self, teid: u32) {
        if let Some(s) = self.sessions.remove(&teid) {
            if let Some(w) = s.wake {
                self.wakes.remove(&(w, teid));
            }
        }
    }
}

impl GySession {
    /// The session's cumulative volume at `now`.
    fn volume_at(&self, now: Micros) -> Volume {
        self.info
            .rates
            .volume(now.saturating_sub(self.info.start_us))
    }

    /// When the use since the last report reaches the threshold or the grant, or the grant
    /// expires.
    fn next_report(&self, g: Grant) -> Option<Micros> {
        let start = self.info.start_us;
        let base = self.reported.total();
        let volume_at = |left: u64| {
            g.octets.and_then(|o| {
                self.info
                    .rates
                    .time_to(base + o.saturating_sub(left))
                    .map(|t| start + t)
            })
        };
        let by_volume = match g.final_action {
            Some(final_unit_action::TERMINATE) => volume_at(0),
            Some(_) => None,
            None => volume_at(g.threshold.unwrap_or(0)),
        };
        let validity = g.final_action.is_none().then_some(g.valid_until).flatten();
        by_volume.into_iter().chain(validity).min()
    }
}

/// A PLMN as 3GPP-SGSN-MCC-MNC digits (TS 29.061 §16.4.7.2): MCC then MNC, e.g. `20801`.
pub fn plmn_digits(p: Plmn) -> String {
    let w = p.mnc_digits() as usize;
    format!("{:03}{:0w$}", p.mcc(), p.mnc())
}
