//! Online charging at the PGW's S5/S8 front: the hooks that join the GTPv2-C procedures to the
//! Gy client ([`crate::home::gy_client`]; TS 32.251 §5.2.2, TS 29.274 §7.2).
//!
//! - Create Session: the session is made, then its Create Session Response is *held* until
//!   the CCA-I: 2001 (or CONTINUE on a failure) sends it; a refusal releases the session and
//!   answers with the GTPv2-C Cause of [`GyReason::gtp_cause`]. The responder's in-progress
//!   entry drops the SGW's retransmissions meanwhile (TS 29.274 §7.6).
//! - Modify Bearer with another serving PLMN or RAT: CCR-U (RATING_CONDITION_CHANGE).
//! - Delete Session, a local release (an SGW restart, a colliding Create Session): CCR-T.
//! - Credit control ending a session (FUI TERMINATE used up, 4010/4012 on update, failure
//!   handling TERMINATE): the PGW releases it and sends the SGW a Delete Bearer Request for its
//!   default bearer (TS 29.274 §7.2.9.2), then CCR-T.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use crate::home::gy_client::{GyClient, GyEvent, GyReason};
use crate::home::pgw::SessionCreated;
use crate::model::ids::Imsi;
use crate::model::Micros;
use crate::proto::gtpv2::Datagram;
use crate::wire::gtpv2::{Ambr, Cause, DeleteBearerRequest, DeleteBearerResponse, Packet};
use crate::wire::gy::codes::termination_cause;

use super::PgwService;

/// A Create Session Response waiting for the CCA-I.
#[derive(Debug, Clone, Copy)]
struct Held {
    peer: SocketAddr,
    seq: u32,
    created: SessionCreated,
    ambr: Ambr,
}

/// The Gy client and the responses it holds.
pub(super) struct Online {
    pub(super) gy: GyClient,
    held: HashMap<u32, Held>,
    by_bearer: HashMap<(Imsi, u8), u32>,
    /// Per session: the SGW address its requests came from (where a Delete Bearer Request
    /// goes) and its bearer key in `by_bearer`.
    sgw_of: HashMap<u32, (SocketAddr, (Imsi, u8))>,
    /// PGW-initiated requests (Delete Bearer) waiting to go out.
    requests: VecDeque<(SocketAddr, Vec<u8>)>,
    /// Sequence number of the next PGW-initiated request.
    next_seq: u32,
    /// Delete Bearer Requests sent / answered with Cause 16 / answered otherwise.
    pub(super) delete_bearer: [u64; 3],
    /// Sessions credit control ended (Delete Bearer Requests sent).
    pub(super) ended: u64,
}

impl std::fmt::Debug for Online {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Online")
            .field("held", &self.held.len())
            .field("ended", &self.ended)
            .finish()
    }
}

impl Online {
    pub(super) fn new(gy: GyClient) -> Online {
        Online {
            gy,
            held: HashMap::new(),
            by_bearer: HashMap::new(),
            sgw_of: HashMap::new(),
            requests: VecDeque::new(),
            next_seq: 1,
            delete_bearer: [0; 3],
            ended: 0,
        }
    }

    /// Create Session Responses held now.
    pub(super) fn held(&self) -> usize {
        self.held.len()
    }
}

impl PgwService {
    /// Makes the PGW ask `gy`'s OCS for credit for every session from now on.
    pub fn set_online(&mut self, gy: GyClient) {
        self.online = Some(Online::new(gy));
    }

    /// The Gy client, when online charging is on.
    pub fn gy(&self) -> Option<&GyClient> {
        self.online.as_ref().map(|o| &o.gy)
    }

    /// The Gy client, to connect it and move its bytes.
    pub fn gy_mut(&mut self) -> Option<&mut GyClient> {
        self.online.as_mut().map(|o| &mut o.gy)
    }

    /// Sessions that credit control ended with a Delete Bearer Request.
    pub fn ended_by_credit_control(&self) -> u64 {
        self.online.as_ref().map_or(0, |o| o.ended)
    }

    /// Delete Bearer Requests sent, answered with Cause 16, answered with another Cause.
    pub fn delete_bearer_counts(&self) -> [u64; 3] {
        self.online.as_ref().map_or([0; 3], |o| o.delete_bearer)
    }

    /// The next PGW-initiated request, appended to `buf`.
    pub(super) fn poll_request(&mut self, buf: &mut Vec<u8>) -> Option<Datagram> {
        let (dst, bytes) = self.online.as_mut()?.requests.pop_front()?;
        buf.extend_from_slice(&bytes);
        Some(Datagram {
            dst,
            len: bytes.len(),
        })
    }

    /// A Delete Bearer Response from an SGW: counted by its Cause.
    pub(super) fn delete_bearer_answered(&mut self, bytes: &[u8]) {
        let Some(o) = &mut self.online else { return };
        let ok = Packet::new_checked(bytes)
            .ok()
            .and_then(|p| DeleteBearerResponse::parse(&p).ok())
            .map(|r| crate::wire::gtpv2::codes::cause::is_accepted(r.cause.value));
        match ok {
            Some(true) => o.delete_bearer[1] += 1,
            _ => o.delete_bearer[2] += 1,
        }
    }

    /// Queues a Delete Bearer Request for session `s`'s default bearer to its SGW.
    fn send_delete_bearer(&mut self, s: &crate::home::pgw::Session, teid: u32, cause: u8) {
        let Some(o) = &mut self.online else { return };
        let Some(&(dst, _)) = o.sgw_of.get(&teid) else {
            return;
        };
        let req = DeleteBearerRequest {
            teid: s.sgw_control.teid,
            seq: o.next_seq,
            linked_ebi: Some(s.ebi),
            cause: Some(Cause::new(cause)),
        };
        o.next_seq = (o.next_seq + 1) & 0x00ff_ffff;
        let mut bytes = vec![0; req.buffer_len()];
        if let Ok(n) = req.emit(&mut bytes) {
            bytes.truncate(n);
            o.requests.push_back((dst, bytes));
            o.delete_bearer[0] += 1;
        }
    }

    /// One whole Diameter message from the OCS.
    pub fn handle_gy_message(&mut self, now: Micros, bytes: &[u8]) {
        if let Some(o) = &mut self.online {
            o.gy.handle_message(now, bytes);
        }
        self.drain_gy(now);
    }

    /// Holds the Create Session Response of a session just made while its CCR-I is out;
    /// `false` (answer now) without online charging.
    pub(super) fn hold_for_credit(
        &mut self,
        now: Micros,
        peer: SocketAddr,
        seq: u32,
        created: &SessionCreated,
        ambr: Ambr,
    ) -> bool {
        let teid = created.pgw_control.teid;
        let Some(session) = self.pgw.session(teid).cloned() else {
            return false;
        };
        let Some(o) = &mut self.online else {
            return false;
        };
        // A colliding request replaced an older session of this bearer: its credit ends.
        if let Some(old) = o.by_bearer.insert((session.imsi, session.ebi), teid) {
            if old != teid && self.pgw.session(old).is_none() {
                o.gy.stop(now, old, termination_cause::ADMINISTRATIVE);
            }
        }
        o.sgw_of.insert(teid, (peer, (session.imsi, session.ebi)));
        o.held.insert(
            teid,
            Held {
                peer,
                seq,
                created: *created,
                ambr,
            },
        );
        o.gy.start(now, teid, &session);
        self.drain_gy(now);
        true
    }

    /// Modify Bearer changed the serving network or the RAT of session `teid`.
    pub(super) fn credit_modify(
        &mut self,
        now: Micros,
        teid: u32,
        peer: SocketAddr,
        serving: Option<crate::model::Plmn>,
        rat: Option<u8>,
    ) {
        if let Some(o) = &mut self.online {
            if let Some(a) = o.sgw_of.get_mut(&teid) {
                a.0 = peer;
            }
            o.gy.modify(now, teid, serving, rat);
            self.drain_gy(now);
        }
    }

    /// Session `teid` ended at the PGW (Delete Session or a local release).
    pub(super) fn credit_stop(&mut self, now: Micros, teid: u32, cause: u32) {
        if let Some(o) = &mut self.online {
            if let Some((_, key)) = o.sgw_of.remove(&teid) {
                if o.by_bearer.get(&key) == Some(&teid) {
                    o.by_bearer.remove(&key);
                }
            }
            o.gy.stop(now, teid, cause);
            self.drain_gy(now);
        }
    }

    /// The PGW restarted: held responses, requests and credit-control state are lost.
    pub(super) fn forget_credit(&mut self) {
        if let Some(o) = &mut self.online {
            o.held.clear();
            o.by_bearer.clear();
            o.sgw_of.clear();
            o.requests.clear();
            o.gy.forget_all();
        }
    }

    /// Sessions released locally (an SGW restart): their credit-control sessions end.
    pub(super) fn credit_sweep(&mut self, now: Micros) {
        let Some(o) = &mut self.online else { return };
        let gone: Vec<u32> = o
            .by_bearer
            .values()
            .copied()
            .filter(|&t| self.pgw.session(t).is_none())
            .collect();
        o.by_bearer.retain(|_, t| !gone.contains(t));
        for teid in gone {
            o.held.remove(&teid);
            o.sgw_of.remove(&teid);
            o.gy.stop(now, teid, termination_cause::ADMINISTRATIVE);
        }
        self.drain_gy(now);
    }

    /// Acts on what the Gy client decided: held responses go out or become rejections,
    /// sessions that credit control ended are released.
    pub(super) fn drain_gy(&mut self, now: Micros) {
        loop {
            let Some(o) = &mut self.online else { return };
            let Some(ev) = o.gy.poll_event() else { return };
            match ev {
                GyEvent::Authorised { teid } => {
                    if let Some(h) = o.held.remove(&teid) {
                        self.respond_created(now, h.peer, h.seq, &h.created, h.ambr);
                    }
                }
                GyEvent::Refused { teid, reason } => {
                    let Some(h) = o.held.remove(&teid) else {
                        continue;
                    };
                    o.sgw_of.remove(&teid);
                    self.release_for_credit(now, teid);
                    let resp = crate::wire::gtpv2::CreateSessionResponse::reject(
                        h.created.sgw_control_teid,
                        h.seq,
                        Cause::new(reason.gtp_cause()),
                    );
                    self.respond(
                        now,
                        h.peer,
                        h.seq,
                        &crate::wire::gtpv2::Message::CreateSessionResponse(resp),
                    );
                }
                GyEvent::Terminate { teid, reason } => self.end_for_credit(now, teid, reason),
            }
        }
    }

    /// Credit control ended session `teid`: Delete Bearer Request to its SGW, local release,
    /// CCR-T.
    fn end_for_credit(&mut self, now: Micros, teid: u32, reason: GyReason) {
        let Some(s) = self.pgw.session(teid).cloned() else {
            self.credit_stop(now, teid, termination_cause::ADMINISTRATIVE);
            return;
        };
        self.send_delete_bearer(&s, teid, reason.gtp_cause());
        self.release_for_credit(now, teid);
        if let Some(o) = &mut self.online {
            o.ended += 1;
        }
        self.credit_stop(now, teid, termination_cause::SERVICE_NOT_PROVIDED);
    }

    /// Forgets session `teid` at the PGW without a Delete Session (a stop record is written).
    fn release_for_credit(&mut self, now: Micros, teid: u32) {
        if let Some(s) = self.pgw.session(teid).cloned() {
            if let Some(o) = &mut self.online {
                if o.by_bearer.get(&(s.imsi, s.ebi)) == Some(&teid) {
                    o.by_bearer.remove(&(s.imsi, s.ebi));
                }
            }
        }
        self.pgw.release_session(now, teid);
    }
}
