//! One Diameter connection: the capabilities exchange (RFC 6733 §5.3), the watchdog (RFC 3539
//! §3.4), disconnect (§5.4), identifiers (§3) and the table of pending requests with timeouts.
//!
//! Call order (quinn-proto style): after [`Peer::initiate`] or [`Peer::accept`], for every framed
//! message call [`Peer::handle_message`]; when the clock passes [`Peer::poll_timeout`] call
//! [`Peer::handle_timeout`]; after either, and after [`Peer::send_request`] /
//! [`Peer::send_answer`], write out [`Peer::transmit`] and call [`Peer::clear_transmit`], then
//! drain [`Peer::poll_event`]. Times are [`Micros`] of the caller's clock (real or virtual).
//!
//! The naming every sans-IO state machine in `proto`, `home`, `visited` and `link` follows:
//! inputs are `handle_*(now, ...)` (`handle_timeout` once `poll_timeout` is reached); queued
//! outputs are `poll_*` and return `None` when drained (`poll_transmit`, `poll_event`,
//! `poll_timeout`); a byte-stream output such as a Diameter connection's is `transmit()`, read
//! without consuming, then `clear_transmit()` once written.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::net::IpAddr;

use crate::model::protocol_errors::{ErrorProtocol, ProtocolErrors};
use crate::model::Micros;

use crate::wire::diameter::codes::{app, command, result, vendor};
use crate::wire::diameter::{
    Capabilities, CapabilitiesAnswer, CapabilitiesRequest, DisconnectAnswer, DisconnectRequest,
    Emit, Error as WireError, ErrorAnswer, Ids, Packet, Repeated, ResultCode, VendorSpecificAppId,
    WatchdogAnswer, WatchdogRequest,
};

/// How this node names itself in CER/CEA and in every message it originates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalIdentity {
    /// Origin-Host (a TS 23.003 FQDN such as `hss.epc.mnc410.mcc310.3gppnetwork.org`).
    pub origin_host: String,
    /// Origin-Realm.
    pub origin_realm: String,
    /// Host-IP-Address announced in CER/CEA.
    pub host_ip: IpAddr,
    /// Origin-State-Id: changes whenever the node restarts.
    pub origin_state_id: u32,
    /// Product-Name.
    pub product_name: String,
}

/// Decides whether a peer that sent CER is welcome (RFC 6733 §5.3: unknown peers get 3010).
pub type Admission = Box<dyn Fn(&str, &str) -> bool + Send>;

/// Settings of a connection.
pub struct PeerConfig {
    /// Our identity.
    pub identity: LocalIdentity,
    /// The application we speak (S6a: vendor 10415, application 16777251).
    pub application: VendorSpecificAppId,
    /// Tw, the watchdog interval (RFC 3539 recommends 30 s; jittered by up to ±2 s).
    pub watchdog_us: Micros,
    /// How long a request may wait for its answer.
    pub request_timeout_us: Micros,
    /// How long to wait for CEA or DPA before giving up.
    pub handshake_timeout_us: Micros,
    /// Seed for identifiers and watchdog jitter.
    pub seed: u64,
    /// Advertise the application as a plain Auth-Application-Id in CER/CEA instead of a
    /// Vendor-Specific-Application-Id: how RFC 4006 §2 peers (Gy, application 4) announce it.
    pub plain_auth_app: bool,
}

impl PeerConfig {
    /// S6a settings with RFC defaults for the timers.
    pub fn s6a(identity: LocalIdentity, seed: u64) -> PeerConfig {
        PeerConfig {
            identity,
            application: VendorSpecificAppId {
                vendor_id: vendor::TGPP,
                auth_application_id: Some(app::S6A),
                acct_application_id: None,
            },
            watchdog_us: Micros::from_secs(30),
            request_timeout_us: Micros::from_secs(5),
            handshake_timeout_us: Micros::from_secs(5),
            seed,
            plain_auth_app: false,
        }
    }

    /// Gy settings (RFC 4006, TS 32.299 §6.4): application 4 as a plain Auth-Application-Id,
    /// 10415 among the Supported-Vendor-Ids for the 3GPP AVPs, RFC defaults for the timers.
    pub fn gy(identity: LocalIdentity, seed: u64) -> PeerConfig {
        PeerConfig {
            application: VendorSpecificAppId {
                vendor_id: vendor::TGPP,
                auth_application_id: Some(crate::wire::gy::codes::APPLICATION_ID),
                acct_application_id: None,
            },
            plain_auth_app: true,
            ..PeerConfig::s6a(identity, seed)
        }
    }

    /// The Auth-Application-Ids and Vendor-Specific-Application-Ids this peer advertises.
    fn advertised(&self) -> (Vec<u32>, Vec<VendorSpecificAppId>) {
        match (self.plain_auth_app, self.application.auth_application_id) {
            (true, Some(id)) => (vec![id], Vec::new()),
            _ => (Vec::new(), vec![self.application]),
        }
    }
}

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Initiator: CER sent, waiting for CEA.
    WaitCea,
    /// Responder: waiting for the peer's CER.
    WaitCer,
    /// Capabilities agreed: application messages may flow.
    Open,
    /// DPR sent, waiting for DPA.
    Closing,
    /// Done: the caller closes the transport once [`Peer::transmit`] is written.
    Closed,
}

/// Why a connection went down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownReason {
    /// We sent DPR (and got DPA, or gave up waiting).
    LocalDisconnect,
    /// The peer sent DPR with this Disconnect-Cause.
    PeerDisconnect(u32),
    /// CER/CEA failed with this Result-Code (3010 unknown peer, 5010 no common application...).
    Refused(u32),
    /// No answer to DWR for two watchdog intervals (RFC 3539 SUSPECT then DOWN).
    WatchdogTimeout,
    /// No CEA/CER/DPA within the handshake timeout.
    HandshakeTimeout,
    /// The peer broke the protocol (e.g. a message before the capabilities exchange).
    ProtocolViolation,
}

/// What the caller learns from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The capabilities exchange succeeded with this peer.
    Up {
        /// Its Origin-Host.
        host: String,
        /// Its Origin-Realm.
        realm: String,
    },
    /// The connection is finished; close the transport after writing [`Peer::transmit`].
    Down(DownReason),
    /// A request got no answer in time; its entry is gone.
    RequestTimedOut {
        /// The caller's token given to [`Peer::send_request`].
        token: u64,
        /// When it was sent.
        sent_at_us: Micros,
    },
}

/// What a received message was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// A base-protocol message the peer handled itself (CER, DWR, DWA, DPR, ...).
    Consumed,
    /// An application request for the caller to answer with [`Peer::send_answer`].
    Request(Packet<&'a [u8]>),
    /// The answer to one of the caller's requests.
    Answer {
        /// The message.
        packet: Packet<&'a [u8]>,
        /// The token given to [`Peer::send_request`].
        token: u64,
        /// When the request was sent.
        sent_at_us: Micros,
    },
    /// An answer whose hop-by-hop id matches nothing pending (late or duplicate): discarded.
    UnmatchedAnswer,
}

/// Errors of [`Peer`] operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeerError {
    /// Application messages need an open connection.
    #[error("Diameter connection is not open (state {0:?})")]
    NotOpen(State),
    /// A received message failed to decode; the peer answered it where possible.
    #[error("malformed Diameter message from peer: {0}")]
    Malformed(WireError),
}

/// Counters of one connection.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PeerStats {
    /// Application requests sent.
    pub requests_sent: u64,
    /// Answers matched to pending requests.
    pub answers_matched: u64,
    /// Answers with no pending request.
    pub answers_unmatched: u64,
    /// Requests that timed out.
    pub requests_timed_out: u64,
    /// Application requests received.
    pub requests_received: u64,
    /// Malformed messages received.
    pub malformed: u64,
    /// DWR sent.
    pub watchdogs_sent: u64,
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    token: u64,
    sent_at_us: Micros,
    deadline_us: Micros,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watchdog {
    Okay,
    /// DWR sent, no answer yet.
    Waiting,
    /// A whole interval passed with DWR unanswered.
    Suspect,
}

/// One Diameter connection's protocol state (see the module docs for the call order).
pub struct Peer {
    cfg: PeerConfig,
    admission: Option<Admission>,
    state: State,
    out: Vec<u8>,
    next_hbh: u32,
    next_e2e: u32,
    pending: HashMap<u32, Pending>,
    deadlines: BinaryHeap<Reverse<(Micros, u32)>>,
    watchdog: Watchdog,
    watchdog_hbh: Option<u32>,
    watchdog_at_us: Micros,
    handshake_deadline_us: Option<Micros>,
    jitter_state: u64,
    remote: Option<(String, String)>,
    events: VecDeque<Event>,
    stats: PeerStats,
    errors_answered: ProtocolErrors,
}

impl Peer {
    fn new(now: Micros, cfg: PeerConfig, admission: Option<Admission>, state: State) -> Peer {
        let mut seed = cfg.seed;
        let hbh = crate::model::rng::splitmix64(&mut seed) as u32;
        // RFC 6733 §3: high 12 bits of the end-to-end id from the clock, low 20 random.
        let e2e = (((now.as_u64() / 1_000_000) as u32 & 0xfff) << 20)
            | (crate::model::rng::splitmix64(&mut seed) as u32 & 0xf_ffff);
        let handshake = now + cfg.handshake_timeout_us;
        let mut peer = Peer {
            cfg,
            admission,
            state,
            out: Vec::with_capacity(4096),
            next_hbh: hbh,
            next_e2e: e2e,
            pending: HashMap::new(),
            deadlines: BinaryHeap::new(),
            watchdog: Watchdog::Okay,
            watchdog_hbh: None,
            watchdog_at_us: Micros::MAX,
            handshake_deadline_us: Some(handshake),
            jitter_state: seed,
            remote: None,
            events: VecDeque::new(),
            stats: PeerStats::default(),
            errors_answered: ProtocolErrors::default(),
        };
        peer.arm_watchdog(now);
        peer
    }

    /// Starts a client connection: CER is queued at once.
    pub fn initiate(now: Micros, cfg: PeerConfig) -> Peer {
        let mut p = Peer::new(now, cfg, None, State::WaitCea);
        let ids = p.next_ids();
        let id = &p.cfg.identity;
        let (auth, apps) = p.cfg.advertised();
        let ips = [id.host_ip];
        let vendors = [p.cfg.application.vendor_id];
        let cer = CapabilitiesRequest {
            capabilities: capabilities(id, &ips, &vendors, (&auth, &apps)),
        };
        cer.emit_to(ids, &mut p.out);
        p
    }

    /// Starts a server connection that waits for CER; `admission` decides which peers are
    /// welcome.
    pub fn accept(now: Micros, cfg: PeerConfig, admission: Admission) -> Peer {
        Peer::new(now, cfg, Some(admission), State::WaitCer)
    }

    /// Where the connection stands.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether application messages may be sent.
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// The peer's Origin-Host and Origin-Realm, once known.
    pub fn remote(&self) -> Option<(&str, &str)> {
        self.remote.as_ref().map(|(h, r)| (h.as_str(), r.as_str()))
    }

    /// Our identity.
    pub fn identity(&self) -> &LocalIdentity {
        &self.cfg.identity
    }

    /// The error answers (Result-Code 3xxx, 5xxx) sent to bad requests since the last call
    /// (RFC 6733 §7), by code; the tally starts again from zero.
    pub fn take_errors_answered(&mut self) -> ProtocolErrors {
        std::mem::take(&mut self.errors_answered)
    }

    /// Counters.
    pub fn stats(&self) -> PeerStats {
        self.stats
    }

    /// Number of requests waiting for answers.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// Bytes to write to the transport (whole messages, in order).
    pub fn transmit(&self) -> &[u8] {
        &self.out
    }

    /// Forgets the bytes of [`transmit`](Peer::transmit) once they are written or queued.
    pub fn clear_transmit(&mut self) {
        self.out.clear();
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn next_ids(&mut self) -> Ids {
        let ids = Ids {
            hop_by_hop: self.next_hbh,
            end_to_end: self.next_e2e,
        };
        self.next_hbh = self.next_hbh.wrapping_add(1);
        self.next_e2e = (self.next_e2e & 0xfff0_0000) | (self.next_e2e.wrapping_add(1) & 0xf_ffff);
        ids
    }

    /// Sends an application request: `msg` is written with the ids this peer assigns.
    /// The answer comes back as [`Incoming::Answer`] with `token`, or
    /// [`Event::RequestTimedOut`].
    pub fn send_request(
        &mut self,
        now: Micros,
        token: u64,
        msg: &impl Emit,
    ) -> Result<Ids, PeerError> {
        if self.state != State::Open {
            return Err(PeerError::NotOpen(self.state));
        }
        let ids = self.next_ids();
        msg.emit_to(ids, &mut self.out);
        let deadline_us = now + self.cfg.request_timeout_us;
        self.pending.insert(
            ids.hop_by_hop,
            Pending {
                token,
                sent_at_us: now,
                deadline_us,
            },
        );
        self.deadlines.push(Reverse((deadline_us, ids.hop_by_hop)));
        self.stats.requests_sent += 1;
        Ok(ids)
    }

    /// Writes an answer (or any message that needs no tracking) with `ids` (an answer's are its
    /// request's) into the transmit buffer.
    pub fn send_answer(&mut self, ids: Ids, msg: &impl Emit) {
        msg.emit_to(ids, &mut self.out);
    }

    /// Starts a graceful disconnect (RFC 6733 §5.4): DPR now, Closed on DPA or after the
    /// handshake timeout.
    pub fn disconnect(&mut self, now: Micros, cause: u32) {
        match self.state {
            State::Open => {
                let ids = self.next_ids();
                let id = &self.cfg.identity;
                let msg = DisconnectRequest {
                    origin_host: &id.origin_host,
                    origin_realm: &id.origin_realm,
                    disconnect_cause: cause,
                };
                msg.emit_to(ids, &mut self.out);
                self.state = State::Closing;
                self.handshake_deadline_us = Some(now + self.cfg.handshake_timeout_us);
            }
            State::WaitCea | State::WaitCer => self.down(DownReason::LocalDisconnect),
            State::Closing | State::Closed => {}
        }
    }

    /// The earliest time [`handle_timeout`](Peer::handle_timeout) has work to do.
    pub fn poll_timeout(&self) -> Option<Micros> {
        if self.state == State::Closed {
            return None;
        }
        let requests = self.deadlines.peek().map(|Reverse((t, _))| *t);
        [
            requests,
            self.handshake_deadline_us,
            Some(self.watchdog_at_us),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Expires requests, runs the watchdog and the handshake timer.
    pub fn handle_timeout(&mut self, now: Micros) {
        while let Some(&Reverse((deadline, hbh))) = self.deadlines.peek() {
            if deadline > now {
                break;
            }
            self.deadlines.pop();
            // Entries answered earlier are stale here (lazy deletion).
            if let Some(p) = self.pending.get(&hbh) {
                if p.deadline_us == deadline {
                    let p = self.pending.remove(&hbh).expect("present");
                    self.stats.requests_timed_out += 1;
                    self.events.push_back(Event::RequestTimedOut {
                        token: p.token,
                        sent_at_us: p.sent_at_us,
                    });
                }
            }
        }
        if let Some(t) = self.handshake_deadline_us {
            if t <= now {
                self.handshake_deadline_us = None;
                match self.state {
                    State::WaitCea | State::WaitCer => self.down(DownReason::HandshakeTimeout),
                    State::Closing => self.down(DownReason::LocalDisconnect),
                    _ => {}
                }
            }
        }
        if self.watchdog_at_us <= now && self.state == State::Open {
            self.watchdog_expired(now);
        }
    }

    /// RFC 3539 §3.4.1: on Tw expiry send DWR if none is out; if one is out, the connection is
    /// SUSPECT; a further interval without an answer takes it DOWN.
    fn watchdog_expired(&mut self, now: Micros) {
        match self.watchdog {
            Watchdog::Okay => {
                let ids = self.next_ids();
                let id = &self.cfg.identity;
                let msg = WatchdogRequest {
                    origin_host: &id.origin_host,
                    origin_realm: &id.origin_realm,
                    origin_state_id: Some(id.origin_state_id),
                };
                msg.emit_to(ids, &mut self.out);
                self.stats.watchdogs_sent += 1;
                self.watchdog_hbh = Some(ids.hop_by_hop);
                self.watchdog = Watchdog::Waiting;
            }
            Watchdog::Waiting => self.watchdog = Watchdog::Suspect,
            Watchdog::Suspect => {
                self.down(DownReason::WatchdogTimeout);
                return;
            }
        }
        self.arm_watchdog(now);
    }

    fn arm_watchdog(&mut self, now: Micros) {
        // RFC 3539 §3.4.1: Tw plus a random jitter of up to ±2 s.
        let jitter_span = 4_000_001u64.min(self.cfg.watchdog_us.as_u64());
        let r = crate::model::rng::splitmix64(&mut self.jitter_state) % jitter_span.max(1);
        self.watchdog_at_us = now + self.cfg.watchdog_us - Micros(jitter_span / 2) + Micros(r);
    }

    fn down(&mut self, reason: DownReason) {
        if self.state != State::Closed {
            self.state = State::Closed;
            self.handshake_deadline_us = None;
            self.events.push_back(Event::Down(reason));
        }
    }

    /// Handles one framed message. Base-protocol traffic is answered here; application
    /// requests and answers are handed back. A malformed message is answered with the error
    /// the RFC names (when its header can be trusted) and reported as [`PeerError::Malformed`];
    /// the connection stays up unless the framing itself is broken.
    pub fn handle_message<'a>(
        &mut self,
        now: Micros,
        bytes: &'a [u8],
    ) -> Result<Incoming<'a>, PeerError> {
        let pkt = match Packet::new_checked(bytes) {
            Ok(p) => p,
            Err(e) => {
                self.stats.malformed += 1;
                self.down(DownReason::ProtocolViolation);
                return Err(PeerError::Malformed(e));
            }
        };
        // Any traffic shows the peer is alive (RFC 3539 §3.4.1).
        if self.state == State::Open {
            self.arm_watchdog(now);
        }
        let code = pkt.command_code();
        let result = match (code, pkt.is_request()) {
            (command::CAPABILITIES_EXCHANGE, true) => self.on_cer(now, &pkt),
            (command::CAPABILITIES_EXCHANGE, false) => self.on_cea(&pkt),
            _ if matches!(self.state, State::WaitCea | State::WaitCer) => {
                self.down(DownReason::ProtocolViolation);
                Ok(Incoming::Consumed)
            }
            (command::DEVICE_WATCHDOG, true) => self.on_dwr(&pkt),
            (command::DEVICE_WATCHDOG, false) => {
                if self.watchdog_hbh == Some(pkt.hop_by_hop()) {
                    self.watchdog_hbh = None;
                    self.watchdog = Watchdog::Okay;
                }
                Ok(Incoming::Consumed)
            }
            (command::DISCONNECT_PEER, true) => self.on_dpr(&pkt),
            (command::DISCONNECT_PEER, false) => {
                self.down(DownReason::LocalDisconnect);
                Ok(Incoming::Consumed)
            }
            (_, true) => self.on_app_request(pkt),
            (_, false) => Ok(self.on_app_answer(pkt)),
        };
        if result.is_err() {
            self.stats.malformed += 1;
        }
        result
    }

    fn on_cer<'a>(
        &mut self,
        now: Micros,
        pkt: &Packet<&'a [u8]>,
    ) -> Result<Incoming<'a>, PeerError> {
        let _ = now;
        if self.state != State::WaitCer {
            // A second CER on an open connection: refuse it, keep the connection.
            self.answer_error(pkt, ResultCode::Base(result::UNABLE_TO_COMPLY), None, None);
            return Ok(Incoming::Consumed);
        }
        let cer = match CapabilitiesRequest::parse(pkt) {
            Ok(c) => c,
            Err(e) => {
                let failed = e.failed_avp(pkt.message_ref());
                self.errors_answered
                    .add(ErrorProtocol::Diameter, e.result_code());
                self.answer_cea(pkt.ids(), ResultCode::Base(e.result_code()), failed);
                self.down(DownReason::Refused(e.result_code()));
                return Err(PeerError::Malformed(e));
            }
        };
        let caps = cer.capabilities;
        let admitted = self
            .admission
            .as_ref()
            .is_none_or(|f| f(caps.origin_host, caps.origin_realm));
        let code = if !admitted {
            result::UNKNOWN_PEER
        } else if !caps.supports_auth_app(self.cfg.application.auth_application_id.unwrap_or(0)) {
            result::NO_COMMON_APPLICATION
        } else {
            result::SUCCESS
        };
        self.answer_cea(pkt.ids(), ResultCode::Base(code), None);
        if code == result::SUCCESS {
            self.open(caps.origin_host, caps.origin_realm);
        } else {
            self.down(DownReason::Refused(code));
        }
        Ok(Incoming::Consumed)
    }

    fn open(&mut self, host: &str, realm: &str) {
        self.state = State::Open;
        self.handshake_deadline_us = None;
        self.remote = Some((host.to_string(), realm.to_string()));
        self.events.push_back(Event::Up {
            host: host.to_string(),
            realm: realm.to_string(),
        });
    }

    fn answer_cea(
        &mut self,
        ids: Ids,
        result: ResultCode,
        failed: Option<crate::wire::diameter::FailedAvp<'_>>,
    ) {
        let id = &self.cfg.identity;
        let (auth, apps) = self.cfg.advertised();
        let ips = [id.host_ip];
        let vendors = [self.cfg.application.vendor_id];
        let msg = CapabilitiesAnswer {
            result,
            capabilities: capabilities(id, &ips, &vendors, (&auth, &apps)),
            error_message: None,
            failed_avp: failed,
        };
        msg.emit_to(ids, &mut self.out);
    }

    fn on_cea<'a>(&mut self, pkt: &Packet<&'a [u8]>) -> Result<Incoming<'a>, PeerError> {
        if self.state != State::WaitCea {
            return Ok(Incoming::UnmatchedAnswer);
        }
        match CapabilitiesAnswer::parse(pkt) {
            Ok(cea) if cea.result.is_success() => {
                self.open(cea.capabilities.origin_host, cea.capabilities.origin_realm);
                Ok(Incoming::Consumed)
            }
            Ok(cea) => {
                self.down(DownReason::Refused(cea.result.code()));
                Ok(Incoming::Consumed)
            }
            Err(e) => {
                // An error CEA may lack mandatory capability AVPs: take the result if present.
                let code = ErrorAnswer::parse(pkt).map_or(e.result_code(), |a| a.result.code());
                self.down(DownReason::Refused(code));
                Err(PeerError::Malformed(e))
            }
        }
    }

    fn on_dwr<'a>(&mut self, pkt: &Packet<&'a [u8]>) -> Result<Incoming<'a>, PeerError> {
        if let Err(e) = WatchdogRequest::parse(pkt) {
            self.answer_parse_error(pkt, e);
            return Err(PeerError::Malformed(e));
        }
        let id = &self.cfg.identity;
        let msg = WatchdogAnswer {
            result: ResultCode::SUCCESS,
            origin_host: &id.origin_host,
            origin_realm: &id.origin_realm,
            error_message: None,
            origin_state_id: Some(id.origin_state_id),
        };
        msg.emit_to(pkt.ids(), &mut self.out);
        Ok(Incoming::Consumed)
    }

    fn on_dpr<'a>(&mut self, pkt: &Packet<&'a [u8]>) -> Result<Incoming<'a>, PeerError> {
        let cause = match DisconnectRequest::parse(pkt) {
            Ok(d) => d.disconnect_cause,
            Err(e) => {
                self.answer_parse_error(pkt, e);
                return Err(PeerError::Malformed(e));
            }
        };
        let id = &self.cfg.identity;
        let msg = DisconnectAnswer {
            result: ResultCode::SUCCESS,
            origin_host: &id.origin_host,
            origin_realm: &id.origin_realm,
            error_message: None,
        };
        msg.emit_to(pkt.ids(), &mut self.out);
        self.down(DownReason::PeerDisconnect(cause));
        Ok(Incoming::Consumed)
    }

    fn on_app_request<'a>(&mut self, pkt: Packet<&'a [u8]>) -> Result<Incoming<'a>, PeerError> {
        let ours = self.cfg.application.auth_application_id;
        if pkt.application_id() == app::COMMON {
            self.answer_error(
                &pkt,
                ResultCode::Base(result::COMMAND_UNSUPPORTED),
                None,
                None,
            );
            return Ok(Incoming::Consumed);
        }
        if Some(pkt.application_id()) != ours {
            self.answer_error(
                &pkt,
                ResultCode::Base(result::APPLICATION_UNSUPPORTED),
                None,
                None,
            );
            return Ok(Incoming::Consumed);
        }
        self.stats.requests_received += 1;
        Ok(Incoming::Request(pkt))
    }

    fn on_app_answer<'a>(&mut self, pkt: Packet<&'a [u8]>) -> Incoming<'a> {
        match self.pending.remove(&pkt.hop_by_hop()) {
            Some(p) => {
                self.stats.answers_matched += 1;
                Incoming::Answer {
                    packet: pkt,
                    token: p.token,
                    sent_at_us: p.sent_at_us,
                }
            }
            None => {
                self.stats.answers_unmatched += 1;
                Incoming::UnmatchedAnswer
            }
        }
    }

    /// Answers `request` with the error its parse failure calls for (RFC 6733 §7: the
    /// Result-Code, and a Failed-AVP naming the offending AVP).
    pub fn answer_parse_error(&mut self, request: &Packet<&[u8]>, e: WireError) {
        let failed = e.failed_avp(request.message_ref());
        self.answer_error(request, ResultCode::Base(e.result_code()), failed, None);
    }

    /// Answers `request` with `result` (E bit for 3xxx), optional Failed-AVP and Error-Message.
    pub fn answer_error(
        &mut self,
        request: &Packet<&[u8]>,
        result: ResultCode,
        failed: Option<crate::wire::diameter::FailedAvp<'_>>,
        message: Option<&str>,
    ) {
        if result.code() >= 3000 {
            self.errors_answered
                .add(ErrorProtocol::Diameter, result.code());
        }
        let id = &self.cfg.identity;
        let mut a = ErrorAnswer::for_request(request, &id.origin_host, &id.origin_realm, result);
        a.failed_avp = failed;
        a.error_message = message;
        a.origin_state_id = Some(id.origin_state_id);
        a.emit_to(request.ids(), &mut self.out);
    }
}

fn capabilities<'a>(
    id: &'a LocalIdentity,
    ips: &'a [IpAddr],
    vendors: &'a [u32],
    (auth, apps): (&'a [u32], &'a [VendorSpecificAppId]),
) -> Capabilities<'a> {
    Capabilities {
        origin_host: &id.origin_host,
        origin_realm: &id.origin_realm,
        host_ip_addresses: Repeated::from_slice(ips),
        vendor_id: 0,
        product_name: &id.product_name,
        origin_state_id: Some(id.origin_state_id),
        supported_vendor_ids: Repeated::from_slice(vendors),
        auth_application_ids: Repeated::from_slice(auth),
        acct_application_ids: Repeated::empty(),
        vendor_specific_application_ids: Repeated::from_slice(apps),
        firmware_revision: Some(1),
    }
}
