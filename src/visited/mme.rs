//! The MME side of S6a (TS 29.272 §5.2, §7.2): AIR, ULR and PUR built for a procedure step and
//! sent on the serving instance's Diameter connection; AIA, ULA and PUA judged (the AIA's vector
//! checked by the emulated UE, TS 33.401 §6.1.1); CLR from the HSS answered with CLA (§5.2.1.2:
//! the old MME acknowledges the cancellation), and any other request with 3001.

use std::fmt::Write;

use super::counters::{self, MessageKind};
use super::procedure::{token, Step};
use super::{Interface, Reason, VisitedNetwork};
use crate::model::aka;
use crate::model::{Micros, Outcome, Procedure};
use crate::proto::diameter::{DownReason, Event, Incoming};
use crate::wire::diameter::codes::{command, result};
use crate::wire::diameter::{Packet, ResultCode};
use crate::wire::s6a::codes::{pur_flags, rat_type, ulr_flags};
use crate::wire::s6a::{
    AnswerCommon, AuthInfoAnswer, AuthInfoRequest, CancelLocationAnswer, CancelLocationRequest,
    PurgeUeAnswer, PurgeUeRequest, RequestCommon, RequestedEutranAuthInfo, UpdateLocationAnswer,
    UpdateLocationRequest,
};

impl VisitedNetwork {
    /// Sends the S6a request of the flight's step on its MME, or parks the flight until the
    /// connection opens.
    /// Index in `realms` of the Destination-Realm for roamers of `home` (the `--dest-realm`
    /// override, else the home PLMN's TS 23.003 realm), built once per home PLMN so that no
    /// request allocates one.
    fn realm_of(&mut self, home: crate::model::Plmn) -> usize {
        if let Some(i) = self.realms.iter().position(|(p, _)| *p == home) {
            return i;
        }
        let realm = match &self.cfg.destination_realm {
            Some(r) => r.clone(),
            None => home.epc_realm(),
        };
        self.realms.push((home, realm));
        self.realms.len() - 1
    }

    pub(super) fn send_s6a(&mut self, now: Micros, slot: u32) {
        let f = &self.flights[slot as usize];
        let (mme, step, gen) = (f.mme as usize, f.step, f.gen);
        if !self.mmes[mme].peer.is_open() {
            self.mmes[mme].waiting.push((slot, gen));
            return;
        }
        let roamer = self.population.roamer(f.roamer);
        let visited = self.population.visited()[f.visited as usize].plmn.to_tbcd();
        let initial = matches!(f.procedure, Procedure::Attach | Procedure::PlmnChange);
        let (digits, n) = roamer.imsi.ascii();
        let imsi = std::str::from_utf8(&digits[..n]).unwrap_or("");
        let home = self.realm_of(roamer.home);
        let home_realm = std::mem::take(&mut self.realms[home].1);
        let m = &mut self.mmes[mme];
        m.sessions = m.sessions.wrapping_add(1);
        let mut session = std::mem::take(&mut self.scratch);
        session.clear();
        let _ = write!(session, "{};{};{}", m.host, self.session_high, m.sessions);
        let common = RequestCommon {
            session_id: &session,
            origin_host: &m.host,
            origin_realm: &m.realm,
            destination_host: None,
            destination_realm: &home_realm,
        };
        let tok = token(slot, gen);
        let sent = match step {
            Step::Air => {
                let air = AuthInfoRequest {
                    common,
                    user_name: imsi,
                    requested_eutran: Some(RequestedEutranAuthInfo {
                        number_of_requested_vectors: Some(1),
                        immediate_response_preferred: Some(1),
                        re_synchronization_info: None,
                    }),
                    visited_plmn_id: visited,
                };
                m.peer.send_request(now, tok, &air)
            }
            Step::Ulr => {
                let flags = ulr_flags::S6A_S6D_INDICATOR
                    | if initial {
                        ulr_flags::INITIAL_ATTACH_INDICATOR
                    } else {
                        0
                    };
                let ulr = UpdateLocationRequest {
                    common,
                    user_name: imsi,
                    rat_type: rat_type::EUTRAN,
                    ulr_flags: flags,
                    visited_plmn_id: visited,
                };
                m.peer.send_request(now, tok, &ulr)
            }
            _ => {
                let pur = PurgeUeRequest {
                    common,
                    user_name: imsi,
                    pur_flags: Some(pur_flags::UE_PURGED_IN_MME),
                };
                m.peer.send_request(now, tok, &pur)
            }
        };
        self.scratch = session;
        self.realms[home].1 = home_realm;
        let kind = step.kind();
        match sent {
            Ok(_) => {
                self.counters.get_mut(kind).sent += 1;
                self.flights[slot as usize].on_mme = true;
            }
            Err(_) => self.finish(now, slot, Outcome::Failed, Reason::PeerDown),
        }
    }

    /// Handles one framed Diameter message received on MME `mme`'s connection.
    pub fn handle_mme_message(&mut self, now: Micros, mme: usize, bytes: &[u8]) {
        match self.mmes[mme].peer.handle_message(now, bytes) {
            Ok(Incoming::Answer {
                packet,
                token,
                sent_at_us,
            }) => self.on_answer(now, &packet, token, sent_at_us),
            Ok(Incoming::Request(pkt)) => self.on_request(mme, &pkt),
            Ok(Incoming::Consumed | Incoming::UnmatchedAnswer) => {}
            Err(_) => self.counters.malformed += 1,
        }
        self.mme_events(now, mme);
    }

    /// Drains MME `mme`'s peer events: open → send what waited; down → fail its procedures;
    /// a request timeout → its procedure times out.
    pub(super) fn mme_events(&mut self, now: Micros, mme: usize) {
        while let Some(ev) = self.mmes[mme].peer.poll_event() {
            match ev {
                Event::Up { .. } => {
                    for (slot, gen) in std::mem::take(&mut self.mmes[mme].waiting) {
                        if let Some(s) = self.flight_of(token(slot, gen)) {
                            self.send_s6a(now, s);
                        }
                    }
                }
                // No answer at all (CEA, DWA) is a timeout; a refusal or disconnect a failure.
                Event::Down(DownReason::HandshakeTimeout | DownReason::WatchdogTimeout) => {
                    self.fail_mme(now, mme, None)
                }
                // A refused capabilities exchange names the CEA's Result-Code (3010 unknown
                // peer: the HSS's allow-list).
                Event::Down(DownReason::Refused(code)) => {
                    self.fail_mme(now, mme, Some(Reason::Diameter(code)))
                }
                Event::Down(_) => self.fail_mme(now, mme, Some(Reason::PeerDown)),
                Event::RequestTimedOut { token, .. } => {
                    if let Some(slot) = self.flight_of(token) {
                        let kind = self.flights[slot as usize].step.kind();
                        self.counters.get_mut(kind).timed_out += 1;
                        self.finish(now, slot, Outcome::TimedOut, Reason::Timeout(kind));
                    }
                }
            }
        }
    }

    fn on_request(&mut self, mme: usize, pkt: &Packet<&[u8]>) {
        let m = &mut self.mmes[mme];
        if pkt.command_code() != command::CANCEL_LOCATION {
            self.counters.unsupported += 1;
            m.peer.answer_error(
                pkt,
                ResultCode::Base(result::COMMAND_UNSUPPORTED),
                None,
                None,
            );
            return;
        }
        let stats = self.counters.get_mut(MessageKind::S6aClr);
        stats.received += 1;
        match CancelLocationRequest::parse(pkt) {
            Ok(clr) => {
                let cla = CancelLocationAnswer {
                    common: AnswerCommon::success(clr.common.session_id, &m.host, &m.realm),
                };
                m.peer.send_answer(pkt.ids(), &cla);
                stats.answered += 1;
            }
            Err(e) => {
                self.counters.malformed += 1;
                m.peer.answer_parse_error(pkt, e);
            }
        }
    }

    fn on_answer(&mut self, now: Micros, pkt: &Packet<&[u8]>, token: u64, sent_at_us: Micros) {
        let Some(kind) = counters::kind_of_diameter(pkt.command_code()) else {
            self.counters.malformed += 1;
            return;
        };
        let Some(slot) = self.flight_of(token) else {
            self.counters.late += 1;
            self.counters
                .answered(kind, now.saturating_sub(sent_at_us), true);
            return;
        };
        self.flights[slot as usize].on_mme = false;
        let verdict = match kind {
            MessageKind::S6aAir => AuthInfoAnswer::parse(pkt).map(|a| (a.common.result, Some(a))),
            MessageKind::S6aUlr => {
                UpdateLocationAnswer::parse(pkt).map(|a| (a.common.result, None))
            }
            _ => PurgeUeAnswer::parse(pkt).map(|a| (a.common.result, None)),
        };
        let (result, aia) = match verdict {
            Ok(v) => v,
            Err(_) => {
                self.counters.malformed += 1;
                self.counters
                    .answered(kind, now.saturating_sub(sent_at_us), false);
                return self.finish(
                    now,
                    slot,
                    Outcome::Failed,
                    Reason::Malformed(Interface::S6a),
                );
            }
        };
        self.counters
            .answered(kind, now.saturating_sub(sent_at_us), result.is_success());
        if let Some((outcome, reason)) = self.judge_s6a(slot, result.code()) {
            return self.finish(now, slot, outcome, reason);
        }
        match kind {
            MessageKind::S6aAir => match aia.as_ref().map(|a| self.authenticate(slot, a)) {
                Some(Ok(())) => self.next(now, slot, Step::Ulr),
                Some(Err(reason)) => self.finish(now, slot, Outcome::Failed, reason),
                None => self.finish(
                    now,
                    slot,
                    Outcome::Failed,
                    Reason::Malformed(Interface::S6a),
                ),
            },
            MessageKind::S6aUlr => self.after_ula(now, slot),
            _ => self.finish(now, slot, Outcome::Ok, Reason::None),
        }
    }

    /// EPS-AKA with the first vector: the UE (with its own K) checks AUTN and computes RES and
    /// KASME; the MME compares RES with XRES.
    fn authenticate(&self, slot: u32, aia: &AuthInfoAnswer<'_>) -> Result<(), Reason> {
        let f = &self.flights[slot as usize];
        let v = aia
            .vectors
            .iter()
            .next()
            .ok_or(Reason::Malformed(Interface::S6a))?;
        let (k, opc) = self.population.keys(f.roamer);
        let ue = aka::ue_authenticate(&k, &opc, *v.rand, *v.autn).map_err(|_| Reason::AuthMac)?;
        if ue.res[..] != *v.xres {
            return Err(Reason::ResMismatch);
        }
        let sn_id = self.population.visited()[f.visited as usize].plmn.to_tbcd();
        if ue.kasme(sn_id) != *v.kasme {
            return Err(Reason::KasmeMismatch);
        }
        Ok(())
    }

    /// ULA success: the roamer is registered at the target MME; the session follows.
    fn after_ula(&mut self, now: Micros, slot: u32) {
        self.registered(slot);
        let f = &self.flights[slot as usize];
        let local = (f.roamer.0 / self.cfg.shards) as usize;
        let pgw = self.roamers[local].pgw_teid;
        match f.procedure {
            Procedure::Attach | Procedure::PlmnChange => {
                // The old session (if any) is deleted once the new one exists.
                self.flights[slot as usize].delete_teid = pgw;
                self.roamers[local].pgw_teid = 0;
                self.next(now, slot, Step::Csr);
            }
            _ if pgw != 0 => self.next(now, slot, Step::Mbr),
            _ => self.finish(now, slot, Outcome::Ok, Reason::None),
        }
    }
}
