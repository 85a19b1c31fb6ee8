//! The PGW's S5/S8 GTPv2-C service, sans-IO: one call per received datagram, responses drained
//! into the caller's buffer. It joins the GTPv2-C codec (`wire::gtpv2`), the responder side of
//! reliable delivery (`proto::gtpv2`, TS 29.274 §7.6) and the PGW's session logic
//! ([`crate::home::pgw`]).
//!
//! What it answers (TS 29.274 §7.1, §7.2, error handling per §7.7):
//! - Echo Request → Echo Response with our Recovery (§7.1.1/§7.1.2).
//! - Create Session Request → Cause 16 with the PGW's S5/S8-C Sender F-TEID (instance 0,
//!   interface type 7, Table 7.2.2-1), PAA, APN Restriction, APN-AMBR, Bearer Context {EBI,
//!   Cause, S5/S8-U PGW F-TEID (instance 2), Charging ID} and Recovery, in the reference
//!   capture's IE order; header TEID = the SGW's Sender F-TEID. Rejections (73, 78) carry the
//!   Cause alone.
//! - Modify Bearer / Delete Session Request, addressed by the header TEID → Cause 16, or 64
//!   (Context Not Found) with header TEID 0 for an unknown TEID.
//! - A request that does not parse → Cause 67 (invalid length), 69 (mandatory IE incorrect) or
//!   70 (mandatory IE missing) naming the offending IE (§7.7, [`crate::wire::gtpv2::Error::cause`]).
//!   On S5/S8 this PGW also requires IMSI, Serving Network and the bearer's S5/S8-U SGW F-TEID
//!   (instance 2) in a Create Session Request, and IPv4 in the F-TEIDs.
//! - Another GTP version → Version Not Supported Indication (§7.1.3, §7.7), outside the
//!   duplicate cache.
//! - Responses, and message types this PGW does not serve, are counted and dropped (§7.7).
//!
//! A retransmitted request (same peer, same sequence number, within T3 × (N3 + 1)) is answered
//! from the responder cache byte for byte, and the PGW is not called again. Recovery IEs from
//! peers feed a [`RecoveryTracker`]; a changed value is a peer restart (TS 23.007), counted and
//! reported through [`PgwService::poll_event`].
//!
//! Call order (one shard, one socket): for each received datagram `handle_datagram(now, peer,
//! bytes)`; when `now` reaches `poll_timeout()`, `handle_timeout(now)`; then drain
//! `poll_transmit(buf)` until `None` (each call appends one datagram to `buf`, so a batch can go
//! out in one `sendmmsg`), `poll_cdr()` and `poll_event()`. Time is `now`, a [`Micros`] instant
//! of the caller's clock (real or virtual); nothing here reads a clock or touches a socket.

use std::collections::VecDeque;
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

use crate::home::pgw::{self, Cdr, Pgw};
use crate::model::config::Profile;
use crate::model::ids::{Imsi, Msisdn, Plmn as ModelPlmn};
use crate::model::protocol_errors::ErrorProtocol;
use crate::model::Micros;
use crate::proto::gtpv2::{
    Disposition, RecoveryTracker, Responder, ResponderConfig, ResponderStats,
};
use crate::wire::gtpv2::codes::{cause, ie, interface, msg};
use crate::wire::gtpv2::{
    Ambr, Apn, BearerContext, BearerContexts, Cause, CreateSessionRequest, CreateSessionResponse,
    DeleteSessionRequest, DeleteSessionResponse, EchoRequest, EchoResponse, Error, Fteid,
    FteidList, IeId, IeRef, Message, ModifyBearerRequest, ModifyBearerResponse, Paa, Packet, Plmn,
    VersionNotSupported, HEADER_LEN, HEADER_LEN_NO_TEID, MAX_APN_LEN,
};

mod online;
mod stats;

pub use crate::proto::gtpv2::{Datagram, PeerRestarted};
pub use stats::{cause_name, msg_name, S8Stats};

#[cfg(test)]
mod tests;

/// Version Not Supported Indications queued at most; beyond, they are counted and not sent.
pub const MAX_PENDING_VNS: usize = 1024;

/// Settings of a [`PgwService`].
#[derive(Debug, Clone)]
pub struct PgwServiceConfig {
    /// Duplicate cache: its window must cover the SGW's T3 × (N3 + 1).
    pub responder: ResponderConfig,
    /// Bound of the CDR queue (see [`Pgw::set_cdr_queue_limit`]).
    pub cdr_queue_limit: usize,
    /// APN Restriction sent in Create Session Responses (TS 29.274 §8.57; 0: no restriction).
    pub apn_restriction: u8,
}

impl Default for PgwServiceConfig {
    /// A cache covering T3 = 3 s, N3 = 3 (12 s), the default CDR bound, APN Restriction 0.
    fn default() -> Self {
        PgwServiceConfig {
            responder: ResponderConfig::covering(Micros::from_secs(3), 3),
            cdr_queue_limit: pgw::DEFAULT_CDR_QUEUE_LIMIT,
            apn_restriction: 0,
        }
    }
}

/// Why a datagram got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Too short or inconsistent to read a usable header from.
    Undecodable,
    /// A response (or Version Not Supported Indication): this service sends no requests.
    UnexpectedResponse,
    /// A message type this PGW does not serve (§7.7: discarded silently).
    Unsupported,
}

/// What [`PgwService::handle_datagram`] did with one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// A new request was answered; its response is queued for `poll_transmit`.
    Answered {
        /// The request's message type.
        request: u8,
        /// The Cause sent (`None` for Echo, which has none).
        cause: Option<u8>,
    },
    /// A retransmission of an answered request: the cached response is queued again.
    Replayed,
    /// A retransmission of a request not answered yet: dropped.
    InProgress,
    /// A Create Session Request whose response waits for the OCS's CCA-I.
    Held,
    /// Another GTP version: a Version Not Supported Indication is queued (unless
    /// [`MAX_PENDING_VNS`] are already waiting).
    VersionNotSupported,
    /// Dropped without an answer.
    Dropped(DropReason),
}

/// The sans-IO S5/S8 GTPv2-C front of the simulated PGW. See the module docs for what it
/// answers and the call order.
#[derive(Debug)]
pub struct PgwService {
    cfg: PgwServiceConfig,
    pgw: Pgw,
    responder: Responder,
    recovery: RecoveryTracker,
    default_ambr: Ambr,
    vns: VecDeque<(SocketAddr, u32)>,
    stats: S8Stats,
    /// Online charging (Gy), when on.
    online: Option<online::Online>,
}

impl PgwService {
    /// A PGW with the profile's `home.pgw` settings announcing `recovery` as its restart
    /// counter. The APN-AMBR granted when a request carries none is the first home PLMN's
    /// default APN's (bit/s in the profile, kbit/s on the wire).
    pub fn new(profile: &Profile, recovery: u8, cfg: PgwServiceConfig) -> Self {
        let mut pgw = Pgw::new(&profile.home.pgw, recovery);
        pgw.set_cdr_queue_limit(cfg.cdr_queue_limit);
        let ambr = profile
            .home
            .plmns
            .first()
            .map(|p| p.default_apn.ambr)
            .unwrap_or_default();
        PgwService {
            responder: Responder::new(cfg.responder.clone()),
            cfg,
            pgw,
            recovery: RecoveryTracker::new(recovery),
            default_ambr: Ambr {
                uplink: ambr.uplink / 1000,
                downlink: ambr.downlink / 1000,
            },
            vns: VecDeque::new(),
            stats: S8Stats::default(),
            online: None,
        }
    }

    /// Processes one received datagram from `peer` at `now`. Any answer is queued for
    /// [`PgwService::poll_transmit`]; the return value says what happened (also counted).
    pub fn handle_datagram(&mut self, now: Micros, peer: SocketAddr, bytes: &[u8]) -> Handled {
        let header = match crate::wire::gtpv2::peek_header(bytes) {
            Ok(h) => h,
            // Too short for even a GTPv1 header: nothing to answer (no sequence number).
            Err(Error::UnsupportedVersion(_)) if bytes.len() >= HEADER_LEN_NO_TEID => {
                return self.version_not_supported(peer, bytes)
            }
            Err(e) => return self.undecodable(now, peer, bytes, e),
        };
        self.stats.count_received(header.msg_type);
        match header.msg_type {
            msg::ECHO_REQUEST
            | msg::CREATE_SESSION_REQUEST
            | msg::MODIFY_BEARER_REQUEST
            | msg::DELETE_SESSION_REQUEST => {}
            msg::DELETE_BEARER_RESPONSE if self.online.is_some() => {
                self.delete_bearer_answered(bytes);
                return Handled::Dropped(DropReason::UnexpectedResponse);
            }
            t if msg::is_response(t) || t == msg::VERSION_NOT_SUPPORTED => {
                self.stats.unexpected_responses += 1;
                return Handled::Dropped(DropReason::UnexpectedResponse);
            }
            _ => {
                self.stats.unsupported += 1;
                return Handled::Dropped(DropReason::Unsupported);
            }
        }
        if let Some(done) = self.check_duplicate(now, peer, header.seq) {
            return done;
        }
        // `peek_header` checked the header and Message Length against `bytes`.
        let packet = Packet::new_unchecked(bytes);
        let held = self.online.as_ref().map_or(0, online::Online::held);
        let cause = match header.msg_type {
            msg::ECHO_REQUEST => self.echo(now, peer, &packet),
            msg::CREATE_SESSION_REQUEST => self.create_session(now, peer, &packet),
            msg::MODIFY_BEARER_REQUEST => self.modify_bearer(now, peer, &packet),
            _ => self.delete_session(now, peer, &packet),
        };
        if self.online.as_ref().map_or(0, online::Online::held) > held {
            return Handled::Held;
        }
        Handled::Answered {
            request: header.msg_type,
            cause,
        }
    }

    /// Appends the next datagram to send to `buf` and returns its destination and length:
    /// Version Not Supported Indications first, then responses (new or replayed) in order.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Datagram> {
        if let Some(d) = self.poll_request(buf) {
            return Some(d);
        }
        if let Some((dst, seq)) = self.vns.pop_front() {
            let at = buf.len();
            buf.resize(at + HEADER_LEN_NO_TEID, 0);
            let vns = VersionNotSupported { seq };
            if let Ok(len) = vns.emit(&mut buf[at..]) {
                buf.truncate(at + len);
                return Some(Datagram { dst, len });
            }
            buf.truncate(at);
            self.stats.encode_errors += 1;
        }
        loop {
            let at = buf.len();
            let d = self.responder.poll_transmit(buf)?;
            if d.len > 0 {
                return Some(d);
            }
            buf.truncate(at);
        }
    }

    /// When the duplicate cache next needs [`PgwService::handle_timeout`].
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        let gy = self.gy().and_then(|g| g.poll_timeout());
        self.responder.poll_timeout().into_iter().chain(gy).min()
    }

    /// Expires cached responses whose window has passed; runs the Gy client's timers.
    pub fn handle_timeout(&mut self, now: Micros) {
        self.responder.handle_timeout(now);
        if let Some(g) = self.gy_mut() {
            g.handle_timeout(now);
        }
        self.drain_gy(now);
    }

    /// The next charging record, oldest first.
    pub fn poll_cdr(&mut self) -> Option<Cdr> {
        self.pgw.poll_cdr()
    }

    /// The next peer restart detected from a changed Recovery value.
    pub fn poll_event(&mut self) -> Option<PeerRestarted> {
        self.recovery.poll_event()
    }

    /// The PGW: sessions held, its per-procedure counters.
    pub fn pgw(&self) -> &Pgw {
        &self.pgw
    }

    /// The PGW, to restore or to take its changes.
    pub fn pgw_mut(&mut self) -> &mut Pgw {
        &mut self.pgw
    }

    /// This service's counters.
    pub fn stats(&self) -> &S8Stats {
        &self.stats
    }

    /// The duplicate cache's counters.
    pub fn responder_stats(&self) -> ResponderStats {
        self.responder.stats()
    }

    /// Our Recovery (restart counter) value.
    pub fn recovery(&self) -> u8 {
        self.pgw.recovery()
    }

    /// Simulates a PGW restart: sessions, cached responses and queued datagrams are lost and
    /// Recovery increments, so that peers detect the restart (TS 23.007). Counters survive.
    pub fn restart(&mut self) {
        self.pgw.restart();
        self.recovery.restart_self();
        self.responder = Responder::new(self.cfg.responder.clone());
        self.vns.clear();
        self.forget_credit();
    }

    /// The duplicate cache's verdict on a request; `Some` when it must not be processed.
    fn check_duplicate(&mut self, now: Micros, peer: SocketAddr, seq: u32) -> Option<Handled> {
        match self.responder.handle_request(now, peer, seq) {
            Disposition::New => None,
            Disposition::Replayed => {
                self.stats.duplicates_replayed += 1;
                Some(Handled::Replayed)
            }
            Disposition::InProgress => {
                self.stats.duplicates_in_progress += 1;
                Some(Handled::InProgress)
            }
        }
    }

    /// §7.7: a message of another version gets a Version Not Supported Indication; the
    /// sequence number is copied when the header is GTPv1's with one (TS 29.060 §6).
    fn version_not_supported(&mut self, peer: SocketAddr, bytes: &[u8]) -> Handled {
        self.stats.version_not_supported += 1;
        if self.vns.len() >= MAX_PENDING_VNS {
            self.stats.version_not_supported_dropped += 1;
        } else {
            self.vns.push_back((peer, gtpv1_seq(bytes)));
            self.stats.count_answered(msg::VERSION_NOT_SUPPORTED, None);
        }
        Handled::VersionNotSupported
    }

    /// A datagram whose Message Length does not fit it (§7.7): a session request with a whole
    /// header is answered with Cause 67 (invalid length); anything else is dropped.
    fn undecodable(&mut self, now: Micros, peer: SocketAddr, bytes: &[u8], e: Error) -> Handled {
        let request = bytes.get(1).copied().unwrap_or(0);
        let answerable = bytes.len() >= HEADER_LEN
            && bytes[0] & 0x08 != 0
            && matches!(
                request,
                msg::CREATE_SESSION_REQUEST
                    | msg::MODIFY_BEARER_REQUEST
                    | msg::DELETE_SESSION_REQUEST
            );
        if !answerable {
            self.stats.undecodable += 1;
            return Handled::Dropped(DropReason::Undecodable);
        }
        self.stats.count_received(request);
        let seq = Packet::new_unchecked(bytes).seq();
        if let Some(done) = self.check_duplicate(now, peer, seq) {
            return done;
        }
        let cause = self.reject_malformed(now, peer, request, 0, seq, e);
        Handled::Answered { request, cause }
    }

    fn echo(&mut self, now: Micros, peer: SocketAddr, packet: &Packet<&[u8]>) -> Option<u8> {
        match EchoRequest::parse(packet) {
            Ok(req) => self.track_recovery(now, peer, Some(req.recovery)),
            // Answered anyway: path management should not fail on a missing Recovery.
            Err(_) => self.stats.malformed += 1,
        }
        let resp = EchoResponse {
            seq: packet.seq(),
            recovery: self.pgw.recovery(),
        };
        self.respond(now, peer, packet.seq(), &Message::EchoResponse(resp))
    }

    fn create_session(
        &mut self,
        now: Micros,
        peer: SocketAddr,
        packet: &Packet<&[u8]>,
    ) -> Option<u8> {
        let seq = packet.seq();
        let req = match CreateSessionRequest::parse(packet) {
            Ok(r) => r,
            Err(e) => {
                let sgw_teid = sender_teid(packet);
                return self.reject_malformed(
                    now,
                    peer,
                    msg::CREATE_SESSION_REQUEST,
                    sgw_teid,
                    seq,
                    e,
                );
            }
        };
        self.track_recovery(now, peer, req.recovery);
        let sgw_teid = req.sender_fteid.teid;
        let mut apn_buf = [0; MAX_APN_LEN];
        let model = match csr_model(&req, packet, &mut apn_buf) {
            Ok(m) => m,
            Err(e) => {
                return self.reject_malformed(
                    now,
                    peer,
                    msg::CREATE_SESSION_REQUEST,
                    sgw_teid,
                    seq,
                    e,
                )
            }
        };
        let created = match self.pgw.create_session(now, &model) {
            Ok(c) => c,
            Err(e) => {
                let resp = CreateSessionResponse::reject(sgw_teid, seq, Cause::new(e.cause()));
                return self.respond(now, peer, seq, &Message::CreateSessionResponse(resp));
            }
        };
        let ambr = req.apn_ambr.unwrap_or(self.default_ambr);
        if self.hold_for_credit(now, peer, seq, &created, ambr) {
            return None;
        }
        self.respond_created(now, peer, seq, &created, ambr)
    }

    /// Answers a Create Session Request with Cause 16 for the session `created`.
    fn respond_created(
        &mut self,
        now: Micros,
        peer: SocketAddr,
        seq: u32,
        created: &pgw::SessionCreated,
        ambr: Ambr,
    ) -> Option<u8> {
        let bearer = [BearerContext {
            cause: Some(Cause::new(cause::REQUEST_ACCEPTED)),
            fteids: FteidList::one(
                2,
                Fteid::v4(
                    interface::S5S8_PGW_GTPU,
                    created.pgw_user.teid,
                    created.pgw_user.ipv4,
                ),
            ),
            charging_id: Some(created.charging_id),
            ..BearerContext::new(created.ebi)
        }];
        let resp = CreateSessionResponse {
            teid: created.sgw_control_teid,
            seq,
            cause: Cause::new(cause::REQUEST_ACCEPTED),
            sender_fteid: Some(Fteid::v4(
                interface::S5S8_PGW_GTPC,
                created.pgw_control.teid,
                created.pgw_control.ipv4,
            )),
            pgw_fteid: None,
            paa: Some(Paa::Ipv4(created.paa)),
            apn_restriction: Some(self.cfg.apn_restriction),
            apn_ambr: Some(ambr),
            bearer_contexts: BearerContexts::new(&bearer),
            recovery: Some(self.pgw.recovery()),
        };
        self.respond(now, peer, seq, &Message::CreateSessionResponse(resp))
    }

    fn modify_bearer(
        &mut self,
        now: Micros,
        peer: SocketAddr,
        packet: &Packet<&[u8]>,
    ) -> Option<u8> {
        let (seq, teid) = (packet.seq(), packet.teid().unwrap_or(0));
        let current = self
            .pgw
            .session(teid)
            .map(|s| (s.ebi, s.sgw_user, s.sgw_control.teid));
        let req = match ModifyBearerRequest::parse(packet) {
            Ok(r) => r,
            Err(e) => {
                let sgw_teid = current.map_or(0, |c| c.2);
                return self.reject_malformed(
                    now,
                    peer,
                    msg::MODIFY_BEARER_REQUEST,
                    sgw_teid,
                    seq,
                    e,
                );
            }
        };
        self.track_recovery(now, peer, req.recovery);
        // Without a Bearer Context (e.g. a ULI-only update) the bearer stays as it is.
        let bc = req.bearer_contexts.first();
        let unknown = pgw::Fteid {
            teid: 0,
            ipv4: Ipv4Addr::UNSPECIFIED,
        };
        let model = pgw::ModifyBearerRequest {
            ebi: bc.map(|b| b.ebi).or(current.map(|c| c.0)).unwrap_or(0),
            sgw_user: bc
                .and_then(|b| b.fteids.get(1))
                .and_then(|f| model_fteid(&f))
                .or(current.map(|c| c.1))
                .unwrap_or(unknown),
            sgw_control: req.sender_fteid.as_ref().and_then(model_fteid),
            serving_network: req.serving_network.and_then(model_plmn),
        };
        let resp = match self.pgw.modify_bearer(now, teid, &model) {
            Ok(m) => {
                self.credit_modify(now, teid, peer, model.serving_network, req.rat_type);
                let bearer = [BearerContext {
                    cause: Some(Cause::new(cause::REQUEST_ACCEPTED)),
                    ..BearerContext::new(m.ebi)
                }];
                let resp = ModifyBearerResponse {
                    teid: m.sgw_control_teid,
                    seq,
                    cause: Cause::new(cause::REQUEST_ACCEPTED),
                    msisdn: None,
                    apn_restriction: None,
                    bearer_contexts: BearerContexts::new(&bearer),
                    recovery: None,
                };
                return self.respond(now, peer, seq, &Message::ModifyBearerResponse(resp));
            }
            Err(e) => reject(msg::MODIFY_BEARER_REQUEST, 0, seq, Cause::new(e.cause())),
        };
        self.respond(now, peer, seq, &resp)
    }

    fn delete_session(
        &mut self,
        now: Micros,
        peer: SocketAddr,
        packet: &Packet<&[u8]>,
    ) -> Option<u8> {
        let (seq, teid) = (packet.seq(), packet.teid().unwrap_or(0));
        if let Err(e) = DeleteSessionRequest::parse(packet) {
            let sgw_teid = self.pgw.session(teid).map_or(0, |s| s.sgw_control.teid);
            return self.reject_malformed(now, peer, msg::DELETE_SESSION_REQUEST, sgw_teid, seq, e);
        }
        let resp = match self.pgw.delete_session(now, teid) {
            Ok(d) => {
                self.credit_stop(now, teid, crate::wire::gy::codes::termination_cause::LOGOUT);
                Message::DeleteSessionResponse(DeleteSessionResponse {
                    teid: d.sgw_control_teid,
                    seq,
                    cause: Cause::new(cause::REQUEST_ACCEPTED),
                    recovery: None,
                })
            }
            Err(e) => reject(msg::DELETE_SESSION_REQUEST, 0, seq, Cause::new(e.cause())),
        };
        self.respond(now, peer, seq, &resp)
    }

    /// Answers a request that failed to parse with the Cause and offending IE of `e` (§7.7).
    fn reject_malformed(
        &mut self,
        now: Micros,
        peer: SocketAddr,
        request: u8,
        teid: u32,
        seq: u32,
        e: Error,
    ) -> Option<u8> {
        self.stats.malformed += 1;
        let (value, offending) = e.cause().unwrap_or((cause::INVALID_MESSAGE_FORMAT, None));
        self.stats
            .errors_answered
            .add(ErrorProtocol::Gtpv2, u32::from(value));
        let c = match offending {
            Some(ie) => Cause::offending(value, ie),
            None => Cause::new(value),
        };
        self.respond(now, peer, seq, &reject(request, teid, seq, c))
    }

    /// Encodes `m` into the responder's cached buffer and queues it; returns its Cause.
    fn respond(&mut self, now: Micros, peer: SocketAddr, seq: u32, m: &Message<'_>) -> Option<u8> {
        let mut ok = true;
        self.responder.send_response(now, peer, seq, |buf| {
            buf.resize(m.buffer_len(), 0);
            match m.emit(buf) {
                Ok(len) => buf.truncate(len),
                Err(_) => {
                    buf.clear();
                    ok = false;
                }
            }
        });
        let c = cause_of(m);
        if ok {
            self.stats.count_answered(m.header().msg_type, c);
        } else {
            self.stats.encode_errors += 1;
        }
        c
    }

    /// Records a peer's Recovery value, per node (the address without its port).
    fn track_recovery(&mut self, now: Micros, peer: SocketAddr, value: Option<u8>) {
        let Some(value) = value else { return };
        let node = SocketAddr::new(peer.ip(), 0);
        if self.recovery.last_seen(node).is_some_and(|v| v != value) {
            self.stats.restarts_detected += 1;
            // Before the request that told us is served: its session is the new incarnation's.
            if let std::net::IpAddr::V4(ip) = peer.ip() {
                self.pgw.release_peer(now, ip);
                self.credit_sweep(now);
            }
        }
        self.recovery.handle_recovery(now, node, value);
    }
}

impl fmt::Display for PgwService {
    /// The service's counters, the duplicate cache's, the PGW's per-procedure causes and the
    /// sessions held: `serve`'s exit summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.stats)?;
        let r = self.responder.stats();
        writeln!(
            f,
            "s8.cache requests {} replayed {} expired {} evicted {}",
            r.requests, r.replayed, r.expired, r.evicted
        )?;
        write!(f, "{}", self.pgw.counters())?;
        writeln!(f, "pgw.sessions {}", self.pgw.session_count())
    }
}

/// A response of the type that answers `request`, carrying only `cause`.
fn reject(request: u8, teid: u32, seq: u32, cause: Cause) -> Message<'static> {
    match request {
        msg::CREATE_SESSION_REQUEST => {
            Message::CreateSessionResponse(CreateSessionResponse::reject(teid, seq, cause))
        }
        msg::MODIFY_BEARER_REQUEST => Message::ModifyBearerResponse(ModifyBearerResponse {
            teid,
            seq,
            cause,
            msisdn: None,
            apn_restriction: None,
            bearer_contexts: BearerContexts::EMPTY,
            recovery: None,
        }),
        _ => Message::DeleteSessionResponse(DeleteSessionResponse {
            teid,
            seq,
            cause,
            recovery: None,
        }),
    }
}

/// The Cause value of a response this service builds.
fn cause_of(m: &Message<'_>) -> Option<u8> {
    match m {
        Message::CreateSessionResponse(r) => Some(r.cause.value),
        Message::ModifyBearerResponse(r) => Some(r.cause.value),
        Message::DeleteSessionResponse(r) => Some(r.cause.value),
        _ => None,
    }
}

/// The Create Session Request in the PGW's terms, or the error naming the IE that stops it.
fn csr_model<'b>(
    req: &CreateSessionRequest<'_>,
    packet: &Packet<&[u8]>,
    apn_buf: &'b mut [u8; MAX_APN_LEN],
) -> Result<pgw::CreateSessionRequest<'b>, Error> {
    // The codec treats a malformed conditional IE as absent; tell the two apart for the Cause.
    let absent = |ie_type: u8| {
        let at = IeRef::top(ie_type, 0);
        if has_ie(packet, ie_type) {
            Error::MalformedIe(at)
        } else {
            Error::MissingIe(at)
        }
    };
    let imsi = req
        .imsi
        .and_then(|t| Imsi::from_tbcd(t.as_bytes()))
        .ok_or_else(|| absent(ie::IMSI))?;
    let serving_network = req
        .serving_network
        .and_then(model_plmn)
        .ok_or_else(|| absent(ie::SERVING_NETWORK))?;
    let sgw_control =
        model_fteid(&req.sender_fteid).ok_or(Error::MalformedIe(IeRef::top(ie::F_TEID, 0)))?;
    let bearer = req
        .bearer_contexts
        .first()
        .ok_or(Error::MissingIe(IeRef::top(ie::BEARER_CONTEXT, 0)))?;
    // S5/S8-U SGW F-TEID: instance 2 of the Bearer Context (Table 7.2.1-2).
    let in_bearer = IeRef {
        ie: IeId::new(ie::F_TEID, 2),
        parent: Some(IeId::new(ie::BEARER_CONTEXT, 0)),
    };
    let sgw_user = match bearer.fteids.get(2) {
        Some(f) => model_fteid(&f).ok_or(Error::MalformedIe(in_bearer))?,
        None => return Err(Error::MissingIe(in_bearer)),
    };
    Ok(pgw::CreateSessionRequest {
        imsi,
        msisdn: req.msisdn.and_then(|t| Msisdn::from_tbcd(t.as_bytes())),
        apn: dotted(&req.apn, apn_buf),
        serving_network,
        sgw_control,
        ebi: bearer.ebi,
        sgw_user,
        rat_type: req.rat_type,
    })
}

/// Whether the message has a top-level IE of `ie_type` at instance 0.
fn has_ie(packet: &Packet<&[u8]>, ie_type: u8) -> bool {
    packet
        .ies()
        .map_while(Result::ok)
        .any(|i| i.ie_type() == ie_type && i.instance() == 0)
}

/// The TEID of a decodable Sender F-TEID (instance 0), for the header of a rejection; 0 when
/// there is none (§5.5.2).
fn sender_teid(packet: &Packet<&[u8]>) -> u32 {
    packet
        .ies()
        .map_while(Result::ok)
        .find(|i| i.ie_type() == ie::F_TEID && i.instance() == 0)
        .and_then(|i| Fteid::parse(i.value()))
        .map_or(0, |f| f.teid)
}

/// An F-TEID the PGW can use: IPv4 only.
fn model_fteid(f: &Fteid) -> Option<pgw::Fteid> {
    f.ipv4.map(|ipv4| pgw::Fteid { teid: f.teid, ipv4 })
}

fn model_plmn(p: Plmn) -> Option<ModelPlmn> {
    ModelPlmn::from_tbcd(p.to_bytes()).ok()
}

/// The APN in dotted form in `buf` (no allocation); "" when it is not UTF-8, which no
/// configured APN matches (Cause 78).
fn dotted<'b>(apn: &Apn<'_>, buf: &'b mut [u8; MAX_APN_LEN]) -> &'b str {
    // Each label's length octet becomes a dot (or nothing, for the first): never longer.
    let mut n = 0;
    for (i, label) in apn.labels().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        buf[n..n + label.len()].copy_from_slice(label);
        n += label.len();
    }
    core::str::from_utf8(&buf[..n]).unwrap_or("")
}

/// The sequence number of a GTPv1 header (TS 29.060 §6: octets 9-10, present when any of the
/// E, S, PN flags is set), else 0.
fn gtpv1_seq(bytes: &[u8]) -> u32 {
    match bytes {
        [flags, _, _, _, _, _, _, _, hi, lo, ..] if flags >> 5 == 1 && flags & 0x07 != 0 => {
            u32::from(u16::from_be_bytes([*hi, *lo]))
        }
        _ => 0,
    }
}
