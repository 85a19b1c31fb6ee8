//! The SGW side of S8 (TS 29.274 §7.2): Create Session (§7.2.1) with the IEs an S5/S8 PGW needs
//! (IMSI, MSISDN, MEI, ULI, Serving Network, RAT, Sender F-TEID, APN, PAA, APN-AMBR and a Bearer
//! Context with the S5/S8-U SGW F-TEID), Modify Bearer with the new location after a TAU
//! (§7.2.7), Delete Session (§7.2.9) with the Linked EBI; reliable delivery by the T3/N3
//! requester of [`crate::proto::gtpv2`] (§7.6), responses matched by sequence number.

use std::net::SocketAddr;

use super::counters::{self, MessageKind};
use super::procedure::{token, Step};
use super::{Datagram, Interface, Reason, VisitedNetwork};
use crate::model::population::Roamer;
use crate::model::{Micros, Outcome, Procedure};
use crate::proto::gtpv2::RequestError;
use crate::wire::gtpv2::codes::{interface, msg, pdn, rat, selection};
use crate::wire::gtpv2::{
    peek_header, Ambr, ApnBuf, BearerContext, BearerContexts, BearerQos, CreateSessionRequest,
    CreateSessionResponse, DeleteBearerRequest, DeleteBearerResponse, DeleteSessionRequest,
    DeleteSessionResponse, Ecgi, Fteid, FteidList, Message, ModifyBearerRequest,
    ModifyBearerResponse, Paa, Packet, Plmn, Tai, TbcdBuf, Uli,
};

/// EPS Bearer ID of the default bearer of the attach PDN connection, and of a data session's.
const EBI_DEFAULT: u8 = 5;
const EBI_DATA: u8 = 6;

/// The SGW control TEID of a roamer's attach PDN connection is this bit plus the roamer's
/// index in the shard, so that a Delete Bearer Request from the PGW finds the roamer without a
/// table; data sessions' TEIDs count up below it.
const ROAMER_TEID: u32 = 0x4000_0000;

fn gtp_plmn(p: crate::model::Plmn) -> Plmn {
    Plmn::new(p.mcc(), p.mnc(), p.mnc_digits()).expect("a valid model PLMN")
}

/// A location for the ULI IE: the roamer's cell in `plmn` (TAC and ECI hashed from its index).
fn uli(plmn: Plmn, roamer: u32, mme: u16) -> Uli {
    Uli {
        tai: Some(Tai {
            plmn,
            tac: 1 + (mme % 0xfffe),
        }),
        ecgi: Some(Ecgi {
            plmn,
            eci: (roamer.wrapping_mul(2_654_435_761)) & 0x0fff_ffff,
        }),
    }
}

/// Writes `m` into the requester's buffer.
fn encode(m: &Message<'_>, buf: &mut Vec<u8>) {
    buf.resize(m.buffer_len(), 0);
    let n = m.emit(buf).unwrap_or(0);
    buf.truncate(n);
}

impl VisitedNetwork {
    fn new_teid(&mut self) -> u32 {
        let t = self.next_teid;
        self.next_teid = (self.next_teid + 1) & (ROAMER_TEID - 1);
        if self.next_teid == 0 {
            self.next_teid = 1;
        }
        t
    }

    /// Sends the S8 request of the flight's step.
    pub(super) fn send_s8(&mut self, now: Micros, slot: u32) {
        let f = &self.flights[slot as usize];
        let (step, gen, proc_) = (f.step, f.gen, f.procedure);
        let r = self.population.roamer(f.roamer);
        let visited = gtp_plmn(self.population.visited()[f.visited as usize].plmn);
        let location = uli(visited, f.roamer.0, f.mme);
        let local = (f.roamer.0 / self.cfg.shards) as usize;
        let delete_teid = f.delete_teid;
        let pgw = self.cfg.pgw;
        let ebi = if proc_ == Procedure::DataSession {
            EBI_DATA
        } else {
            EBI_DEFAULT
        };
        let tok = token(slot, gen);
        let (kind, sent) = match step {
            Step::Csr => {
                let teid = match u32::try_from(local) {
                    Ok(l) if ebi == EBI_DEFAULT && l < ROAMER_TEID => ROAMER_TEID | l,
                    _ => self.new_teid(),
                };
                let sent = self.send_csr(now, tok, &r, (visited, location), ebi, teid);
                (MessageKind::S8CreateSession, sent)
            }
            Step::Mbr => {
                let mbr = ModifyBearerRequest {
                    teid: self.roamers[local].pgw_teid,
                    seq: 0,
                    mei: None,
                    uli: Some(location),
                    serving_network: Some(visited),
                    rat_type: Some(rat::EUTRAN),
                    sender_fteid: None,
                    apn_ambr: None,
                    bearer_contexts: BearerContexts::EMPTY,
                    recovery: None,
                };
                let sent =
                    self.sgw
                        .send_request(now, pgw, tok, msg::MODIFY_BEARER_REQUEST, |seq, buf| {
                            encode(
                                &Message::ModifyBearerRequest(ModifyBearerRequest { seq, ..mbr }),
                                buf,
                            )
                        });
                (MessageKind::S8ModifyBearer, sent)
            }
            _ => {
                let dsr = DeleteSessionRequest {
                    teid: delete_teid,
                    seq: 0,
                    cause: None,
                    linked_ebi: Some(ebi),
                    uli: None,
                    sender_fteid: None,
                };
                let sent = self.sgw.send_request(
                    now,
                    pgw,
                    tok,
                    msg::DELETE_SESSION_REQUEST,
                    |seq, buf| {
                        encode(
                            &Message::DeleteSessionRequest(DeleteSessionRequest { seq, ..dsr }),
                            buf,
                        )
                    },
                );
                (MessageKind::S8DeleteSession, sent)
            }
        };
        match sent {
            Ok(seq) => {
                self.counters.get_mut(kind).sent += 1;
                self.flights[slot as usize].gtp_seq = Some(seq);
            }
            Err(_) => self.finish(now, slot, Outcome::Failed, Reason::Overload),
        }
    }

    /// Sends a Create Session Request for a new PDN connection of roamer `r` (default bearer
    /// `ebi`) in `visited`, with a fresh SGW TEID.
    fn send_csr(
        &mut self,
        now: Micros,
        tok: u64,
        r: &Roamer,
        (visited, location): (Plmn, Uli),
        ebi: u8,
        teid: u32,
    ) -> Result<u32, RequestError> {
        let imsi = TbcdBuf::from_u64(r.imsi.value(), r.imsi.digits() as usize);
        let msisdn = r
            .msisdn
            .and_then(|m| TbcdBuf::from_u64(m.value(), m.digits() as usize).ok());
        let mei = TbcdBuf::from_u64(r.imei.value(), r.imei.digits() as usize);
        let apn = ApnBuf::from_dotted(&self.cfg.apn)
            .unwrap_or_else(|_| ApnBuf::from_dotted("internet").expect("valid"));
        let bearer = [BearerContext {
            fteids: FteidList::one(
                2,
                Fteid::v4(interface::S5S8_SGW_GTPU, teid | 0x8000_0000, self.sgw_ipv4),
            ),
            qos: Some(BearerQos {
                pci: true,
                pl: 9,
                pvi: false,
                qci: 9,
                ..BearerQos::default()
            }),
            ..BearerContext::new(ebi)
        }];
        let csr = CreateSessionRequest {
            teid: 0,
            seq: 0,
            imsi: imsi.as_ref().ok().map(|t| t.as_tbcd()),
            msisdn: msisdn.as_ref().map(|t| t.as_tbcd()),
            mei: mei.as_ref().ok().map(|t| t.as_tbcd()),
            uli: Some(location),
            rat_type: rat::EUTRAN,
            serving_network: Some(visited),
            sender_fteid: Fteid::v4(interface::S5S8_SGW_GTPC, teid, self.sgw_ipv4),
            pgw_fteid: None,
            apn: apn.as_apn(),
            selection_mode: Some(selection::VERIFIED),
            pdn_type: Some(pdn::IPV4),
            paa: Some(Paa::Ipv4(std::net::Ipv4Addr::UNSPECIFIED)),
            apn_restriction: Some(0),
            apn_ambr: Some(Ambr {
                uplink: 50_000,
                downlink: 100_000,
            }),
            bearer_contexts: BearerContexts::new(&bearer),
            recovery: Some(self.cfg.restart_counter as u8),
        };
        self.sgw.send_request(
            now,
            self.cfg.pgw,
            tok,
            msg::CREATE_SESSION_REQUEST,
            |seq, buf| {
                encode(
                    &Message::CreateSessionRequest(CreateSessionRequest { seq, ..csr }),
                    buf,
                )
            },
        )
    }

    /// The next S8 datagram to send, appended to `buf` (first transmissions and T3
    /// retransmissions alike).
    pub fn poll_sgw_transmit(&mut self, buf: &mut Vec<u8>) -> Option<Datagram> {
        if let Some((dst, bytes)) = self.sgw_answers.pop_front() {
            buf.extend_from_slice(&bytes);
            return Some(Datagram {
                dst,
                len: bytes.len(),
            });
        }
        let at = buf.len();
        let d = self.sgw.poll_transmit(buf)?;
        if let Some(kind) = buf.get(at + 1).and_then(|&t| counters::kind_of_gtp(t)) {
            let i = kind.index();
            self.gtp_transmitted[i] += 1;
            let s = self.counters.get_mut(kind);
            s.retransmitted = self.gtp_transmitted[i].saturating_sub(s.sent);
        }
        Some(d)
    }

    /// The visited PLMN (index into the population's visited list) of the procedure whose S8
    /// request to the PGW has sequence number `seq` and is still outstanding: where its datagrams
    /// and the PGW's responses travel (a driver routes them over that partner's link). `None`
    /// once the request is answered or abandoned.
    pub fn s8_visited(&self, seq: u32) -> Option<u8> {
        let token = self.sgw.token_of(self.cfg.pgw, seq)?;
        let slot = self.flight_of(token)?;
        Some(self.flights[slot as usize].visited)
    }

    /// T3 expiries and N3 timeouts of the SGW's requests.
    pub(super) fn sgw_timeout(&mut self, now: Micros) {
        self.sgw.handle_timeout(now);
        while let Some(crate::proto::gtpv2::RequesterEvent::TimedOut {
            token,
            request_type,
            ..
        }) = self.sgw.poll_event()
        {
            if let Some(kind) = counters::kind_of_gtp(request_type) {
                self.counters.get_mut(kind).timed_out += 1;
            }
            if let Some(slot) = self.flight_of(token) {
                self.flights[slot as usize].gtp_seq = None;
                let why = self.timeout(slot);
                self.finish(now, slot, Outcome::TimedOut, why);
            }
        }
    }

    /// Handles one S8 datagram from `from` (a PGW response).
    pub fn handle_sgw_datagram(&mut self, now: Micros, from: SocketAddr, bytes: &[u8]) {
        let Ok(h) = peek_header(bytes) else {
            self.counters.malformed += 1;
            return;
        };
        if h.msg_type == msg::DELETE_BEARER_REQUEST {
            return self.delete_bearer(from, bytes);
        }
        let Some(kind) = counters::kind_of_gtp(h.msg_type).filter(|_| msg::is_response(h.msg_type))
        else {
            self.counters.unsupported += 1;
            return;
        };
        let Some(resp) = self.sgw.handle_response(now, from, h.seq) else {
            return; // a duplicate or late response: the requester counts it
        };
        let slot = self.flight_of(resp.token);
        let parsed = Packet::new_checked(bytes).ok().and_then(|p| {
            let (cause, teid, charging_id, recovery) = match h.msg_type {
                msg::CREATE_SESSION_RESPONSE => CreateSessionResponse::parse(&p).ok().map(|r| {
                    let charging = r.bearer_contexts.first().and_then(|b| b.charging_id);
                    (
                        r.cause,
                        r.sender_fteid.map(|f| f.teid),
                        charging,
                        r.recovery,
                    )
                })?,
                msg::MODIFY_BEARER_RESPONSE => ModifyBearerResponse::parse(&p)
                    .ok()
                    .map(|r| (r.cause, None, None, r.recovery))?,
                _ => DeleteSessionResponse::parse(&p)
                    .ok()
                    .map(|r| (r.cause, None, None, r.recovery))?,
            };
            Some((cause, teid, charging_id, recovery))
        });
        let accepted = parsed.is_some_and(|(c, _, _, _)| c.is_accepted());
        self.counters.answered(kind, resp.rtt_us, accepted);
        let Some(slot) = slot else {
            self.counters.late += 1;
            return;
        };
        self.flights[slot as usize].gtp_seq = None;
        let f = &self.flights[slot as usize];
        let (step, roamer, visited, deleting) = (f.step, f.roamer, f.visited, f.delete_teid);
        if let Some((_, _, _, Some(r))) = parsed {
            if h.msg_type == msg::CREATE_SESSION_RESPONSE {
                self.pgw_recovery(now, r, roamer);
            }
        }
        match parsed {
            None => self.finish(now, slot, Outcome::Failed, Reason::Malformed(Interface::S8)),
            Some((c, _, _, _))
                if !c.is_accepted() && !self.previous_session_gone(slot, c.value) =>
            {
                if c.value == crate::wire::gtpv2::codes::cause::CONTEXT_NOT_FOUND
                    && step == Step::Mbr
                {
                    self.session_gone(now, roamer);
                }
                self.finish(now, slot, Outcome::Failed, Reason::GtpCause(c.value))
            }
            Some((c, teid, charging_id, _)) => {
                match (step, teid) {
                    (Step::Csr, Some(t)) => {
                        self.charging_open(now, roamer, visited, t, charging_id)
                    }
                    (Step::Dsr, _) if deleting != 0 => {
                        self.charging_close(now, deleting, c.is_accepted())
                    }
                    _ => {}
                }
                self.after_s8(now, slot, teid)
            }
        }
    }

    /// The PGW deletes a PDN connection (TS 29.274 §7.2.9.2, e.g. its OCS cut the roamer off):
    /// the roamer's attach session is gone, so a later detach sends no Delete Session. Answered
    /// with Cause 16, or 64 Context Not Found for a session the SGW does not hold (§7.2.10.2).
    fn delete_bearer(&mut self, from: SocketAddr, bytes: &[u8]) {
        let Some(req) = Packet::new_checked(bytes)
            .ok()
            .and_then(|p| DeleteBearerRequest::parse(&p).ok())
        else {
            self.counters.malformed += 1;
            return;
        };
        let local = (req.teid & ROAMER_TEID != 0).then_some((req.teid & !ROAMER_TEID) as usize);
        let pgw_teid = local
            .and_then(|l| self.roamers.get(l))
            .map_or(0, |r| r.pgw_teid);
        let cause = if pgw_teid != 0 {
            self.roamers[local.expect("found")].pgw_teid = 0;
            self.counters.network_deleted += 1;
            crate::wire::gtpv2::codes::cause::REQUEST_ACCEPTED
        } else {
            self.counters.network_delete_unknown += 1;
            crate::wire::gtpv2::codes::cause::CONTEXT_NOT_FOUND
        };
        let resp = DeleteBearerResponse {
            teid: pgw_teid,
            seq: req.seq,
            cause: crate::wire::gtpv2::Cause::new(cause),
            linked_ebi: req.linked_ebi,
        };
        let mut out = vec![0; resp.buffer_len()];
        if let Ok(n) = resp.emit(&mut out) {
            out.truncate(n);
            self.sgw_answers.push_back((from, out));
        }
    }

    /// An attach or PLMN change deletes the roamer's previous session once the new one exists;
    /// the PGW may have deleted it already, when the new Create Session collided with it (same
    /// IMSI and EBI, TS 29.274 §7.2.1). Context Not Found then means done, not failed.
    fn previous_session_gone(&self, slot: u32, cause: u8) -> bool {
        let f = &self.flights[slot as usize];
        cause == crate::wire::gtpv2::codes::cause::CONTEXT_NOT_FOUND
            && f.step == Step::Dsr
            && matches!(f.procedure, Procedure::Attach | Procedure::PlmnChange)
    }

    /// An accepted S8 response: the next step or the end.
    fn after_s8(&mut self, now: Micros, slot: u32, pgw_teid: Option<u32>) {
        let f = &self.flights[slot as usize];
        let (step, proc_, delete) = (f.step, f.procedure, f.delete_teid);
        let local = (f.roamer.0 / self.cfg.shards) as usize;
        match (step, proc_) {
            (Step::Csr, _) if pgw_teid.is_none() => {
                self.finish(now, slot, Outcome::Failed, Reason::Malformed(Interface::S8))
            }
            (Step::Csr, Procedure::DataSession) => {
                self.flights[slot as usize].delete_teid = pgw_teid.unwrap_or(0);
                self.next(now, slot, Step::Dsr);
            }
            (Step::Csr, _) => {
                self.roamers[local].pgw_teid = pgw_teid.unwrap_or(0);
                if delete != 0 {
                    self.next(now, slot, Step::Dsr);
                } else {
                    self.finish(now, slot, Outcome::Ok, Reason::None);
                }
            }
            (Step::Dsr, Procedure::Detach) => {
                self.roamers[local].pgw_teid = 0;
                self.next(now, slot, Step::Pur);
            }
            _ => self.finish(now, slot, Outcome::Ok, Reason::None),
        }
    }
}
