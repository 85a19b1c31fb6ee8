//! The visited side of MAP: a VLR (or an SGSN) of a pool asking the home HLR, as TS 29.002 §19
//! lays the procedures out. It opens the dialogues (sendAuthenticationInfo, updateLocation with
//! the HLR's insertSubscriberData answered inside the dialogue, updateGprsLocation, purgeMS),
//! answers a cancelLocation from the HLR, falls back to the version the HLR offers when it
//! refuses v3 (§15.1.2: the request is sent again in the offered context), and reports one
//! [`Outcome`] per request.
//!
//! Sans-IO: [`Visited::request`] starts a procedure; TCAP from the HLR goes into
//! [`Visited::handle_tcap`]; then [`Visited::poll_transmit`], [`Visited::poll_outcome`] and
//! [`Visited::poll_timeout`] / [`Visited::handle_timeout`], as for [`Dialogues`].

use std::collections::HashMap;
use std::net::Ipv4Addr;

use super::dialogue::{AbortCause, DialogueId, Dialogues, Event};
use super::vectors;
use crate::model::ids::{Imsi, Msisdn};
use crate::model::time::Micros;
use crate::wire::map::{
    self, op, AuthSets, ClArg, Empty, NodeType, Param, PurgeArg, PurgeRes, SaiArg, SaiRes, Triplet,
    UglArg, UlArg, UlRes,
};
use crate::wire::sccp::{self, Address, GlobalTitle};
use crate::wire::tcap::Acn;

/// The radio access a roamer uses: what its vectors must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rat {
    /// GERAN (2G): GSM triplets (converted by the VLR with c2/c3 when the HLR sends quintuplets).
    Geran,
    /// UTRAN (3G): UMTS quintuplets.
    Utran,
}

/// A procedure to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// sendAuthenticationInfo for `vectors` vectors.
    Authenticate {
        /// The roamer.
        imsi: Imsi,
        /// 1..=5.
        vectors: u8,
        /// What the vectors are for.
        rat: Rat,
    },
    /// updateLocation (VLR) or updateGprsLocation (SGSN).
    UpdateLocation {
        /// The roamer.
        imsi: Imsi,
    },
    /// purgeMS.
    Purge {
        /// The roamer.
        imsi: Imsi,
    },
}

impl Request {
    fn imsi(&self) -> Imsi {
        match *self {
            Request::Authenticate { imsi, .. }
            | Request::UpdateLocation { imsi }
            | Request::Purge { imsi } => imsi,
        }
    }
}

/// How a procedure ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Result {
    /// Vectors (triplets for GERAN, quintuplets for UTRAN).
    Vectors(Box<AuthSets>),
    /// Registered; the HLR's number and the MSISDN its insertSubscriberData gave.
    Located {
        /// hlr-Number.
        hlr_number: Msisdn,
        /// The subscriber's MSISDN, when sent.
        msisdn: Option<Msisdn>,
    },
    /// Purged.
    Purged(PurgeRes),
    /// A MAP error (code, and the roamingNotAllowedCause where the error is 8).
    MapError {
        /// Error code (`wire::map::err`).
        code: u8,
        /// roamingNotAllowedCause.
        cause: Option<u8>,
    },
    /// The dialogue was aborted (or refused with nothing to fall back to).
    Aborted(AbortCause),
    /// The answer did not decode.
    Malformed,
}

/// One finished procedure, or a cancelLocation received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A request ended.
    Done {
        /// The request.
        request: Request,
        /// Its operation (`wire::map::op`).
        opcode: u8,
        /// The MAP version the dialogue ran in (2 after a fallback).
        version: u8,
        /// How.
        result: Result,
    },
    /// The HLR cancelled a roamer here (answered already).
    Cancelled {
        /// The roamer.
        imsi: Imsi,
    },
}

/// How a VLR or SGSN is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// VLR or SGSN.
    pub node: NodeType,
    /// Its number: also the digits of its global title.
    pub number: Msisdn,
    /// The SGSN's address in updateGprsLocation.
    pub sgsn_address: Ipv4Addr,
    /// The HLR's global title (its E.164 number, or an E.214 title derived from the IMSI by
    /// the caller).
    pub hlr: GlobalTitle,
    /// First transaction id (spread pools apart).
    pub first_tid: u32,
    /// Operation timer.
    pub timer: Micros,
}

/// The SCCP address of a node with number `number` and subsystem `ssn`.
pub fn address_of(number: Msisdn, ssn: u8) -> Address {
    let digits = number.to_string();
    // An MSISDN has at most 15 digits, which a global title always holds.
    Address::gt(GlobalTitle::e164(&digits).expect("15 digits fit"), ssn)
}

#[derive(Debug)]
struct Pending {
    request: Request,
    opcode: u8,
    version: u8,
    msisdn: Option<Msisdn>,
}

/// A VLR or SGSN's MAP client side.
#[derive(Debug)]
pub struct Visited {
    config: Config,
    dialogues: Dialogues,
    pending: HashMap<DialogueId, Pending>,
    /// Version to use per application context, lowered by a refusal.
    versions: HashMap<u8, u8>,
    outcomes: std::collections::VecDeque<Outcome>,
}

impl Visited {
    /// A VLR or SGSN client.
    pub fn new(config: Config) -> Visited {
        let ssn = match config.node {
            NodeType::Vlr => sccp::ssn::VLR,
            NodeType::Sgsn => sccp::ssn::SGSN,
        };
        Visited {
            dialogues: Dialogues::new(
                address_of(config.number, ssn),
                config.first_tid,
                config.timer,
            ),
            config,
            pending: HashMap::new(),
            versions: HashMap::new(),
            outcomes: Default::default(),
        }
    }

    /// Our SCCP address.
    pub fn local(&self) -> &Address {
        self.dialogues.local()
    }

    /// Open dialogues.
    pub fn open(&self) -> usize {
        self.dialogues.len()
    }

    fn hlr(&self) -> Address {
        Address::gt(self.config.hlr, sccp::ssn::HLR)
    }

    /// Starts `request`; returns its dialogue.
    pub fn request(&mut self, now: Micros, request: Request) -> DialogueId {
        let opcode = match (request, self.config.node) {
            (Request::Authenticate { .. }, _) => op::SEND_AUTHENTICATION_INFO,
            (Request::UpdateLocation { .. }, NodeType::Vlr) => op::UPDATE_LOCATION,
            (Request::UpdateLocation { .. }, NodeType::Sgsn) => op::UPDATE_GPRS_LOCATION,
            (Request::Purge { .. }, _) => op::PURGE_MS,
        };
        let acn = map::acn_for(opcode, 3).expect("a MAP operation");
        let version = self.versions.get(&acn.context).copied().unwrap_or(3);
        self.open_dialogue(now, request, opcode, version)
    }

    fn open_dialogue(
        &mut self,
        now: Micros,
        request: Request,
        opcode: u8,
        version: u8,
    ) -> DialogueId {
        let mut buf = [0u8; 256];
        let n = self.encode_arg(&request, version, &mut buf);
        let acn = map::acn_for(opcode, version).expect("a MAP operation");
        let hlr = self.hlr();
        let id = self.dialogues.begin(now, hlr, acn, opcode, &buf[..n]);
        self.pending.insert(
            id,
            Pending {
                request,
                opcode,
                version,
                msisdn: None,
            },
        );
        id
    }

    fn encode_arg(&self, request: &Request, version: u8, buf: &mut [u8]) -> usize {
        let c = &self.config;
        let r = match *request {
            Request::Authenticate { imsi, vectors, .. } => SaiArg {
                imsi,
                vectors: vectors.clamp(1, 5),
                resync: None,
                node: Some(c.node),
                plmn: None,
                v2: version < 3,
            }
            .emit(buf),
            Request::UpdateLocation { imsi } => match c.node {
                NodeType::Vlr => UlArg {
                    imsi,
                    msc_number: c.number,
                    vlr_number: c.number,
                }
                .emit(buf),
                NodeType::Sgsn => UglArg {
                    imsi,
                    sgsn_number: c.number,
                    sgsn_address: c.sgsn_address,
                }
                .emit(buf),
            },
            Request::Purge { imsi } => PurgeArg {
                imsi,
                vlr_number: (c.node == NodeType::Vlr).then_some(c.number),
                sgsn_number: (c.node == NodeType::Sgsn).then_some(c.number),
            }
            .emit(buf),
        };
        // Every argument here is far below 256 bytes.
        r.unwrap_or(0)
    }

    /// TCAP bytes from the HLR (`from`: the SCCP calling party).
    pub fn handle_tcap(
        &mut self,
        now: Micros,
        from: Address,
        bytes: &[u8],
    ) -> core::result::Result<(), super::dialogue::Error> {
        let r = self.dialogues.handle_tcap(from, bytes);
        self.drain(now);
        r
    }

    /// SCCP returned one of our messages (`sigtran::Inbound::returned`): its procedure ends
    /// aborted.
    pub fn handle_returned(&mut self, now: Micros, tcap: &[u8], cause: u8) {
        self.dialogues.handle_returned(tcap, cause);
        self.drain(now);
    }

    fn done(&mut self, id: DialogueId, result: Result) {
        if let Some(p) = self.pending.remove(&id) {
            self.outcomes.push_back(Outcome::Done {
                request: p.request,
                opcode: p.opcode,
                version: p.version,
                result,
            });
        }
    }

    fn drain(&mut self, now: Micros) {
        while let Some(ev) = self.dialogues.poll_event() {
            match ev {
                Event::Invoke {
                    id,
                    invoke_id,
                    opcode,
                    param,
                    ..
                } => self.on_invoke(id, invoke_id, opcode, param.as_deref()),
                Event::Result { id, opcode, param } => self.on_result(id, opcode, param.as_deref()),
                Event::Error {
                    id, code, param, ..
                } => {
                    let cause = (code == map::err::ROAMING_NOT_ALLOWED)
                        .then(|| {
                            param
                                .as_deref()
                                .and_then(|p| map::RoamingNotAllowedParam::parse(p).ok())
                        })
                        .flatten()
                        .map(|p| p.cause);
                    self.done(id, Result::MapError { code, cause });
                }
                Event::Reject { id, .. } => {
                    let _ = self.dialogues.abort(id);
                    self.done(id, Result::Malformed);
                }
                Event::Ended { id } => {
                    // An End without a result for a pending request: nothing came back.
                    self.done(id, Result::Malformed);
                }
                Event::Refused { id, offered } => {
                    let Some(p) = self.pending.remove(&id) else {
                        continue;
                    };
                    match offered.filter(|o| o.version < p.version && o.version >= 2) {
                        Some(o) => {
                            self.versions.insert(o.context, o.version);
                            self.open_dialogue(now, p.request, p.opcode, o.version);
                        }
                        None => self.outcomes.push_back(Outcome::Done {
                            request: p.request,
                            opcode: p.opcode,
                            version: p.version,
                            result: Result::Aborted(AbortCause::Peer),
                        }),
                    }
                }
                Event::Aborted { id, cause } => self.done(id, Result::Aborted(cause)),
            }
        }
    }

    fn on_invoke(&mut self, id: DialogueId, invoke_id: i8, opcode: u8, param: Option<&[u8]>) {
        let mut ok = [0u8; 4];
        let n = Empty.emit(&mut ok).unwrap_or(0);
        match opcode {
            op::INSERT_SUBSCRIBER_DATA => {
                if let (Some(p), Some(arg)) = (
                    self.pending.get_mut(&id),
                    param.and_then(|b| map::IsdArg::parse(b).ok()),
                ) {
                    p.msisdn = arg.msisdn.or(p.msisdn);
                }
                let _ = self
                    .dialogues
                    .result(id, invoke_id, opcode, Some(&ok[..n]), false);
            }
            op::CANCEL_LOCATION => {
                let arg = param.and_then(|b| ClArg::parse(b).ok());
                let _ = self
                    .dialogues
                    .result(id, invoke_id, opcode, Some(&ok[..n]), true);
                if let Some(a) = arg {
                    self.outcomes.push_back(Outcome::Cancelled { imsi: a.imsi });
                }
            }
            _ => {
                let _ = self.dialogues.abort(id);
            }
        }
    }

    fn on_result(&mut self, id: DialogueId, opcode: u8, param: Option<&[u8]>) {
        let Some(p) = self.pending.get(&id) else {
            return;
        };
        let result = match (opcode, param) {
            (op::SEND_AUTHENTICATION_INFO, Some(b)) => match SaiRes::parse(b) {
                Ok(r) => {
                    let rat = match p.request {
                        Request::Authenticate { rat, .. } => rat,
                        _ => Rat::Utran,
                    };
                    Result::Vectors(Box::new(for_rat(r.sets, rat)))
                }
                Err(_) => Result::Malformed,
            },
            (op::UPDATE_LOCATION | op::UPDATE_GPRS_LOCATION, Some(b)) => match UlRes::parse(b) {
                Ok(r) => Result::Located {
                    hlr_number: r.hlr_number,
                    msisdn: p.msisdn,
                },
                Err(_) => Result::Malformed,
            },
            (op::PURGE_MS, b) => {
                Result::Purged(b.and_then(|b| PurgeRes::parse(b).ok()).unwrap_or_default())
            }
            _ => Result::Malformed,
        };
        self.done(id, result);
    }

    /// The next TCAP message for the HLR: bytes in `buf`, returns the called party and length.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(Address, usize)> {
        self.dialogues.poll_transmit(buf)
    }

    /// The next outcome.
    pub fn poll_outcome(&mut self) -> Option<Outcome> {
        self.outcomes.pop_front()
    }

    /// The next timer.
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        self.dialogues.poll_timeout()
    }

    /// Expires operation timers.
    pub fn handle_timeout(&mut self, now: Micros) {
        self.dialogues.handle_timeout(now);
        self.drain(now);
    }

    /// The IMSI of a pending request's dialogue.
    pub fn imsi_of(&self, id: DialogueId) -> Option<Imsi> {
        self.pending.get(&id).map(|p| p.request.imsi())
    }

    /// The version in use for application context `context` (3 until the HLR refused it).
    pub fn version(&self, acn: Acn) -> u8 {
        self.versions.get(&acn.context).copied().unwrap_or(3)
    }
}

/// The vectors a RAT needs: a 2G VLR turns quintuplets into triplets (TS 33.102 §6.8.2.1).
fn for_rat(sets: AuthSets, rat: Rat) -> AuthSets {
    match (sets, rat) {
        (AuthSets::Quintuplets { items, len }, Rat::Geran) => {
            let mut t = [Triplet::default(); 5];
            for (o, q) in t.iter_mut().zip(&items[..len as usize]) {
                *o = vectors::triplet(q);
            }
            AuthSets::Triplets { items: t, len }
        }
        (s, _) => s,
    }
}
