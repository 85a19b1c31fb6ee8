//! An MME that speaks S6a over roamsim's user-space SCTP in UDP (RFC 6951): one association
//! from `roamsim::engine::diameter::sctp_udp::SctpUdp`, one `proto::diameter::Peer` on it, AIR and ULR
//! built with `wire::s6a`, answers kept by token.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use roamsim::engine::diameter::sctp_udp::{SctpUdp, SctpUdpConfig};
use roamsim::model::Micros;
use roamsim::proto::diameter::{Event as PeerEvent, Incoming, LocalIdentity, Peer, PeerConfig};
use roamsim::proto::sctp::{AssocId, AssocStats, CloseReason, Event};
use roamsim::wire::s6a::{
    AuthInfoRequest, RequestCommon, RequestedEutranAuthInfo, UpdateLocationRequest,
};

pub const MME_HOST: &str = "mme1.epc.mnc001.mcc208.3gppnetwork.org";
pub const MME_REALM: &str = "epc.mnc001.mcc208.3gppnetwork.org";
pub const HSS_REALM: &str = "epc.mnc410.mcc310.3gppnetwork.org";
/// Visited-PLMN-Id of 208-01 (TS 24.008 order).
pub const PLMN_208_01: [u8; 3] = [0x02, 0xf8, 0x10];

/// The MME side of one association.
pub struct SctpMme {
    pub sctp: SctpUdp,
    pub assoc: AssocId,
    pub peer: Peer,
    t0: Instant,
    /// Whole answers by request token.
    pub answers: HashMap<u64, Vec<u8>>,
    pub timed_out: u64,
    pub closed: Option<CloseReason>,
    /// Stats of the association as it closed (it is forgotten afterwards).
    pub final_stats: Option<AssocStats>,
}

impl SctpMme {
    /// Associates with the HSS at UDP address `hss` and waits for CEA.
    pub fn connect(hss: SocketAddr) -> SctpMme {
        let mut sctp = SctpUdp::bind("127.0.0.1:0".parse().unwrap(), SctpUdpConfig::client())
            .expect("bind the MME's UDP socket");
        let assoc = sctp.connect(Micros(0), hss).expect("connect");
        let identity = LocalIdentity {
            origin_host: MME_HOST.into(),
            origin_realm: MME_REALM.into(),
            host_ip: "127.0.0.1".parse().unwrap(),
            origin_state_id: 1,
            product_name: "roamsim-test-mme".into(),
        };
        let mut cfg = PeerConfig::s6a(identity, 7);
        cfg.request_timeout_us = Micros(30_000_000);
        let peer = Peer::initiate(Micros(0), cfg);
        let mut mme = SctpMme {
            sctp,
            assoc,
            peer,
            t0: Instant::now(),
            answers: HashMap::new(),
            timed_out: 0,
            closed: None,
            final_stats: None,
        };
        mme.run_until(Duration::from_secs(20), |m| m.peer.is_open());
        mme
    }

    pub fn now(&self) -> Micros {
        Micros::from_duration(self.t0.elapsed())
    }

    /// One pass of the loop: timers, receive, events, send.
    pub fn step(&mut self, wait: Duration) {
        let now = self.now();
        let next = [self.sctp.poll_timeout(), self.peer.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let wait = next.map_or(wait, |t| t.saturating_sub(now).as_duration().min(wait));
        let _ = self.sctp.wait(wait);
        let now = self.now();
        self.sctp.recv(now).expect("recv");
        if self.sctp.poll_timeout().is_some_and(|t| t <= now) {
            self.sctp.handle_timeout(now);
        }
        if self.peer.poll_timeout().is_some_and(|t| t <= now) {
            self.peer.handle_timeout(now);
        }
        while let Some((_, ev)) = self.sctp.poll_event() {
            match ev {
                Event::Message { data, .. } => {
                    if let Ok(Incoming::Answer { token, .. }) = self.peer.handle_message(now, &data)
                    {
                        self.answers.insert(token, data);
                    }
                }
                Event::Closed { reason } => self.closed = Some(reason),
                Event::Connected { .. } => {}
            }
        }
        while let Some(ev) = self.peer.poll_event() {
            if let PeerEvent::RequestTimedOut { .. } = ev {
                self.timed_out += 1;
            }
        }
        if !self.peer.transmit().is_empty() {
            let out = self.peer.transmit().to_vec();
            self.peer.clear_transmit();
            self.sctp
                .send_diameter(now, self.assoc, &out)
                .expect("queue Diameter messages");
        }
        if let Some(s) = self.sctp.stats(self.assoc) {
            self.final_stats = Some(s);
        }
        self.sctp.flush(now).expect("send");
    }

    /// Steps until `done` or panics after `limit`.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&SctpMme) -> bool) {
        let until = Instant::now() + limit;
        while !done(self) {
            assert!(
                Instant::now() < until,
                "timed out: {} answers, {} timeouts",
                self.answers.len(),
                self.timed_out
            );
            self.step(Duration::from_millis(20));
        }
    }

    /// Sends an AIR asking for `vectors` E-UTRAN vectors; the answer comes under `token`.
    pub fn air(&mut self, token: u64, imsi: &str, vectors: u32) {
        let session = format!("{MME_HOST};air;{token}");
        let now = self.now();
        self.peer
            .send_request(
                now,
                token,
                &AuthInfoRequest {
                    common: common(&session),
                    user_name: imsi,
                    requested_eutran: Some(RequestedEutranAuthInfo {
                        number_of_requested_vectors: Some(vectors),
                        immediate_response_preferred: Some(1),
                        re_synchronization_info: None,
                    }),
                    visited_plmn_id: PLMN_208_01,
                },
            )
            .expect("send AIR");
    }

    /// Sends a ULR (initial attach, single registration); the answer comes under `token`.
    pub fn ulr(&mut self, token: u64, imsi: &str) {
        let session = format!("{MME_HOST};ulr;{token}");
        let now = self.now();
        self.peer
            .send_request(
                now,
                token,
                &UpdateLocationRequest {
                    common: common(&session),
                    user_name: imsi,
                    rat_type: 1004,
                    ulr_flags: 0x22,
                    visited_plmn_id: PLMN_208_01,
                },
            )
            .expect("send ULR");
    }

    /// DPR, then SHUTDOWN once DPA is in; waits for the association to close.
    pub fn close(&mut self) {
        let now = self.now();
        self.peer.disconnect(now, 2);
        self.run_until(Duration::from_secs(10), |m| {
            !m.peer.is_open() && m.peer.transmit().is_empty()
        });
        self.run_until(Duration::from_secs(10), |m| {
            m.peer.state() == roamsim::proto::diameter::State::Closed
        });
        let now = self.now();
        self.sctp.shutdown(now, self.assoc);
        self.run_until(Duration::from_secs(10), |m| m.closed.is_some());
    }
}

fn common(session: &str) -> RequestCommon<'_> {
    RequestCommon {
        session_id: session,
        origin_host: MME_HOST,
        origin_realm: MME_REALM,
        destination_host: None,
        destination_realm: HSS_REALM,
    }
}

/// Result-Code or Experimental-Result code of an answer.
pub fn result_code(msg: &[u8]) -> u32 {
    use roamsim::wire::diameter::{ErrorAnswer, Packet};
    ErrorAnswer::parse(&Packet::new_checked(msg).unwrap())
        .unwrap()
        .result
        .code()
}

/// Number of E-UTRAN vectors in an AIA.
pub fn vector_count(msg: &[u8]) -> usize {
    use roamsim::wire::diameter::Packet;
    let pkt = Packet::new_checked(msg).unwrap();
    roamsim::wire::s6a::AuthInfoAnswer::parse(&pkt)
        .expect("an AIA")
        .vectors
        .iter()
        .count()
}
