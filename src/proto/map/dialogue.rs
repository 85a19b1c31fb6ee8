//! The TCAP dialogue layer (Q.774 transaction and dialogue handling, as MAP uses it: TS 29.002
//! §15, §16): transaction ids, the dialogue states (initiation sent, initiation received,
//! active), the AARQ on the first Begin and the AARE on the first answer, a timer per pending
//! invoke (TS 29.002 §17.1.2 timer classes) whose expiry sends a TC-U-ABORT and reports the
//! dialogue aborted, and the version fallback of §15.1 (a peer refusing the application context
//! with an AARE naming the one it offers: reported as [`Event::Refused`], so the user can open
//! the dialogue again in the offered version).
//!
//! Sans-IO (docs/ARCHITECTURE.md §3): TCAP bytes go in through [`Dialogues::handle_tcap`] with the
//! SCCP calling party they came with; requests are the methods [`Dialogues::begin`],
//! [`Dialogues::invoke`], [`Dialogues::result`], [`Dialogues::error`], [`Dialogues::refuse`] and
//! [`Dialogues::abort`]. Then call, in this order: [`Dialogues::poll_transmit`] until `None` (each
//! message for [`super::sigtran::wrap`]), [`Dialogues::poll_event`] until `None`, and
//! [`Dialogues::poll_timeout`] for the next instant to call [`Dialogues::handle_timeout`].

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use crate::model::time::Micros;
use crate::wire::sccp::Address;
use crate::wire::tcap::{
    self, p_abort, Acn, AssociateResult, Component, Components, Diagnostic, Dialogue, Kind,
    Message, Problem,
};

/// Our transaction id of a dialogue; names it in requests and events.
pub type DialogueId = u32;

/// The default operation timer: the low end of TS 29.002's "medium" class (15 to 30 s), which
/// covers every operation of this module.
pub const MEDIUM_TIMER: Micros = Micros::from_secs(15);

/// Why a dialogue was aborted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortCause {
    /// TC-U-ABORT from the peer (an ABRT, or no reason).
    Peer,
    /// TC-P-ABORT with this P-Abort cause (from the peer's TCAP, or ours on a bad message).
    Provider(u8),
    /// Our operation timer ran out; a TC-U-ABORT was sent.
    Timeout,
    /// SCCP returned our message (UDTS) with this return cause.
    Returned(u8),
}

/// What happened, for the MAP user above.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The peer invoked an operation: in a Begin (`opening`: a new dialogue of context `acn`) or
    /// inside an open dialogue.
    Invoke {
        /// The dialogue.
        id: DialogueId,
        /// Its application context.
        acn: Acn,
        /// Whether this Begin opened it.
        opening: bool,
        /// Invoke id (to answer with).
        invoke_id: i8,
        /// Operation code.
        opcode: u8,
        /// The argument's encoding.
        param: Option<Vec<u8>>,
        /// The peer's SCCP address.
        peer: Address,
    },
    /// A result of one of our invokes.
    Result {
        /// The dialogue.
        id: DialogueId,
        /// Operation code.
        opcode: u8,
        /// The result's encoding.
        param: Option<Vec<u8>>,
    },
    /// An error answering one of our invokes.
    Error {
        /// The dialogue.
        id: DialogueId,
        /// The invoked operation.
        opcode: u8,
        /// Error code.
        code: u8,
        /// The error parameter's encoding.
        param: Option<Vec<u8>>,
    },
    /// The peer rejected a component.
    Reject {
        /// The dialogue.
        id: DialogueId,
        /// The problem.
        problem: Problem,
    },
    /// The peer ended the dialogue (after the events of the End's components).
    Ended {
        /// The dialogue.
        id: DialogueId,
    },
    /// The peer refused our application context; `offered` is the one it supports.
    Refused {
        /// The dialogue (now closed).
        id: DialogueId,
        /// The context the peer offers (open a new dialogue in it to fall back).
        offered: Option<Acn>,
    },
    /// The dialogue was aborted.
    Aborted {
        /// The dialogue (now closed).
        id: DialogueId,
        /// Why.
        cause: AbortCause,
    },
}

/// Why a request or an input was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The TCAP message does not decode.
    #[error(transparent)]
    Tcap(#[from] tcap::Error),
    /// A request names a dialogue that is not open.
    #[error("no open dialogue {0:#010x}")]
    NoDialogue(DialogueId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    InitiationSent,
    InitiationReceived,
    Active,
}

#[derive(Debug)]
struct Dlg {
    peer: Address,
    peer_tid: Option<u32>,
    acn: Acn,
    state: State,
    /// Our pending invoke (opcode) and its deadline.
    pending: Option<(u8, Micros)>,
}

/// The dialogues of one TCAP user (an HLR, or a VLR/SGSN pool's client side), keyed by our
/// transaction id.
#[derive(Debug)]
pub struct Dialogues {
    local: Address,
    next_tid: u32,
    timer: Micros,
    /// Timers set per operation, over `timer`.
    op_timers: Vec<(u8, Micros)>,
    table: HashMap<u32, Dlg>,
    timers: BinaryHeap<Reverse<(Micros, u32)>>,
    out: VecDeque<(Address, Vec<u8>)>,
    events: VecDeque<Event>,
}

impl Dialogues {
    /// Dialogues of the user at SCCP address `local`, with transaction ids from `first_tid` and
    /// the operation timer `timer` (e.g. [`MEDIUM_TIMER`]).
    pub fn new(local: Address, first_tid: u32, timer: Micros) -> Dialogues {
        Dialogues {
            local,
            next_tid: first_tid,
            timer,
            op_timers: Vec::new(),
            table: HashMap::new(),
            timers: BinaryHeap::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Our SCCP address (the calling party of what we send).
    pub fn local(&self) -> &Address {
        &self.local
    }

    /// Open dialogues.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether none is open.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The application context of an open dialogue.
    pub fn acn(&self, id: DialogueId) -> Option<Acn> {
        self.table.get(&id).map(|d| d.acn)
    }

    fn alloc_tid(&mut self) -> u32 {
        loop {
            let t = self.next_tid;
            self.next_tid = self.next_tid.wrapping_add(1);
            if !self.table.contains_key(&t) {
                return t;
            }
        }
    }

    fn queue(&mut self, to: Address, m: &Message<'_>) {
        let mut b = vec![0u8; m.buffer_len()];
        // A message built here always fits its own buffer_len().
        if m.emit(&mut b).is_ok() {
            self.out.push_back((to, b));
        }
    }

    /// Sets the timer of operation `opcode` (TS 29.002 §17.1.2 gives each operation a class:
    /// every operation of this module is "medium", 15 to 30 s, the default).
    pub fn set_timer(&mut self, opcode: u8, timer: Micros) {
        self.op_timers.retain(|(o, _)| *o != opcode);
        self.op_timers.push((opcode, timer));
    }

    fn timer_for(&self, opcode: u8) -> Micros {
        self.op_timers
            .iter()
            .find(|(o, _)| *o == opcode)
            .map_or(self.timer, |(_, t)| *t)
    }

    fn arm(&mut self, now: Micros, id: DialogueId, opcode: u8) {
        let at = now + self.timer_for(opcode);
        if let Some(d) = self.table.get_mut(&id) {
            d.pending = Some((opcode, at));
            self.timers.push(Reverse((at, id)));
        }
    }

    /// Opens a dialogue towards `peer` in context `acn` with one invoke (TC-BEGIN with an AARQ).
    pub fn begin(
        &mut self,
        now: Micros,
        peer: Address,
        acn: Acn,
        opcode: u8,
        param: &[u8],
    ) -> DialogueId {
        let id = self.alloc_tid();
        self.table.insert(
            id,
            Dlg {
                peer,
                peer_tid: None,
                acn,
                state: State::InitiationSent,
                pending: None,
            },
        );
        let comps = [Component::Invoke {
            invoke_id: 1,
            linked_id: None,
            opcode,
            parameter: Some(param),
        }];
        self.queue(
            peer,
            &Message {
                kind: Kind::Begin,
                otid: Some(id),
                dtid: None,
                dialogue: Some(Dialogue::Request { acn }),
                p_abort: None,
                components: Components::List(&comps),
            },
        );
        self.arm(now, id, opcode);
        id
    }

    /// The transaction portion and (on the first answer) AARE of a message in dialogue `id`;
    /// `last` closes it.
    fn answer(&mut self, id: DialogueId, last: bool, comps: &[Component<'_>]) -> Result<(), Error> {
        let d = self.table.get_mut(&id).ok_or(Error::NoDialogue(id))?;
        let dialogue = (d.state == State::InitiationReceived).then_some(Dialogue::Response {
            acn: d.acn,
            result: AssociateResult::Accepted,
            diagnostic: Diagnostic::User(0),
        });
        d.state = State::Active;
        let (peer, peer_tid) = (d.peer, d.peer_tid);
        let m = Message {
            kind: if last { Kind::End } else { Kind::Continue },
            otid: (!last).then_some(id),
            dtid: peer_tid,
            dialogue,
            p_abort: None,
            components: Components::List(comps),
        };
        self.queue(peer, &m);
        if last {
            self.table.remove(&id);
        }
        Ok(())
    }

    /// Invokes `opcode` inside open dialogue `id` (TC-CONTINUE), e.g. the HLR's
    /// insertSubscriberData within an update location.
    pub fn invoke(
        &mut self,
        now: Micros,
        id: DialogueId,
        invoke_id: i8,
        opcode: u8,
        param: &[u8],
    ) -> Result<(), Error> {
        self.answer(
            id,
            false,
            &[Component::Invoke {
                invoke_id,
                linked_id: None,
                opcode,
                parameter: Some(param),
            }],
        )?;
        self.arm(now, id, opcode);
        Ok(())
    }

    /// Returns the result of the peer's invoke `invoke_id`; `last` ends the dialogue (TC-END),
    /// else it continues (TC-CONTINUE).
    pub fn result(
        &mut self,
        id: DialogueId,
        invoke_id: i8,
        opcode: u8,
        param: Option<&[u8]>,
        last: bool,
    ) -> Result<(), Error> {
        self.answer(
            id,
            last,
            &[Component::ReturnResultLast {
                invoke_id,
                result: Some((opcode, param)),
            }],
        )
    }

    /// Answers the peer's invoke with error `code` and ends the dialogue.
    pub fn error(
        &mut self,
        id: DialogueId,
        invoke_id: i8,
        code: u8,
        param: Option<&[u8]>,
    ) -> Result<(), Error> {
        self.answer(
            id,
            true,
            &[Component::ReturnError {
                invoke_id,
                error_code: code,
                parameter: param,
            }],
        )
    }

    /// Refuses a dialogue the peer opened in a context we do not support, offering `offered`
    /// (TC-U-ABORT with an AARE, reject-permanent, application-context-name-not-supported).
    pub fn refuse(&mut self, id: DialogueId, offered: Acn) -> Result<(), Error> {
        let d = self.table.remove(&id).ok_or(Error::NoDialogue(id))?;
        self.queue(
            d.peer,
            &Message {
                kind: Kind::Abort,
                otid: None,
                dtid: d.peer_tid,
                dialogue: Some(Dialogue::Response {
                    acn: offered,
                    result: AssociateResult::RejectPermanent,
                    diagnostic: Diagnostic::ACN_NOT_SUPPORTED,
                }),
                p_abort: None,
                components: Components::NONE,
            },
        );
        Ok(())
    }

    /// Aborts dialogue `id` (TC-U-ABORT with an ABRT, dialogue-service-user).
    pub fn abort(&mut self, id: DialogueId) -> Result<(), Error> {
        let d = self.table.remove(&id).ok_or(Error::NoDialogue(id))?;
        self.send_abort(d.peer, d.peer_tid);
        Ok(())
    }

    fn send_abort(&mut self, peer: Address, peer_tid: Option<u32>) {
        // Before the peer's first answer its transaction id is unknown: nothing to address.
        let Some(dtid) = peer_tid else {
            return;
        };
        self.queue(
            peer,
            &Message {
                kind: Kind::Abort,
                otid: None,
                dtid: Some(dtid),
                dialogue: Some(Dialogue::Abort { by_provider: false }),
                p_abort: None,
                components: Components::NONE,
            },
        );
    }

    /// A TCAP message from `from` (the SCCP calling party).
    pub fn handle_tcap(&mut self, from: Address, bytes: &[u8]) -> Result<(), Error> {
        let m = match Message::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                // Q.774 §3.2.1.2: answer a badly formatted message with a P-Abort where the
                // originating id can be read; either way report the error.
                if let Some(otid) = peek_otid(bytes) {
                    self.p_abort(from, otid, p_abort::BADLY_FORMATTED_TRANSACTION_PORTION);
                }
                return Err(e.into());
            }
        };
        match m.kind {
            Kind::Begin => self.on_begin(from, &m),
            Kind::Continue | Kind::End => self.on_answer(from, &m),
            Kind::Abort => {
                if let Some(d) = m.dtid.and_then(|t| self.table.remove(&t).map(|_| t)) {
                    let ev = match (m.dialogue, m.p_abort) {
                        (
                            Some(Dialogue::Response {
                                acn,
                                result: AssociateResult::RejectPermanent,
                                ..
                            }),
                            _,
                        ) => Event::Refused {
                            id: d,
                            offered: Some(acn),
                        },
                        (_, Some(c)) => Event::Aborted {
                            id: d,
                            cause: AbortCause::Provider(c),
                        },
                        _ => Event::Aborted {
                            id: d,
                            cause: AbortCause::Peer,
                        },
                    };
                    self.events.push_back(ev);
                }
                Ok(())
            }
        }
    }

    fn p_abort(&mut self, to: Address, dtid: u32, cause: u8) {
        self.queue(
            to,
            &Message {
                kind: Kind::Abort,
                otid: None,
                dtid: Some(dtid),
                dialogue: None,
                p_abort: Some(cause),
                components: Components::NONE,
            },
        );
    }

    fn on_begin(&mut self, from: Address, m: &Message<'_>) -> Result<(), Error> {
        let otid = m.otid.unwrap_or_default();
        let Some(acn) = m.dialogue.and_then(|d| d.acn()) else {
            // No dialogue portion: a MAP v1 peer, which this layer does not serve.
            self.p_abort(from, otid, p_abort::INCORRECT_TRANSACTION_PORTION);
            return Ok(());
        };
        let id = self.alloc_tid();
        self.table.insert(
            id,
            Dlg {
                peer: from,
                peer_tid: Some(otid),
                acn,
                state: State::InitiationReceived,
                pending: None,
            },
        );
        self.components(id, acn, None, from, m)
    }

    fn on_answer(&mut self, from: Address, m: &Message<'_>) -> Result<(), Error> {
        let Some(id) = m.dtid.filter(|t| self.table.contains_key(t)) else {
            if m.kind == Kind::Continue {
                if let Some(otid) = m.otid {
                    self.p_abort(from, otid, p_abort::UNRECOGNIZED_TRANSACTION_ID);
                }
            }
            return Ok(());
        };
        let d = self.table.get_mut(&id).expect("checked above");
        if d.state == State::InitiationSent {
            d.state = State::Active;
            d.peer_tid = m.otid;
            // A Continue may come from another address than the one we sent to (GT translation):
            // answer where it came from (Q.714 §4.1.2).
            d.peer = from;
        }
        // Any answer stops the timer; an invoke of ours inside it re-arms.
        let pending = d.pending.take().map(|(op, _)| op);
        let acn = d.acn;
        self.components(id, acn, pending, from, m)?;
        if m.kind == Kind::End && self.table.remove(&id).is_some() {
            self.events.push_back(Event::Ended { id });
        }
        Ok(())
    }

    fn components(
        &mut self,
        id: DialogueId,
        acn: Acn,
        pending: Option<u8>,
        peer: Address,
        m: &Message<'_>,
    ) -> Result<(), Error> {
        let opening = m.kind == Kind::Begin;
        for c in m.components.iter() {
            let ev = match c? {
                Component::Invoke {
                    invoke_id,
                    opcode,
                    parameter,
                    ..
                } => Event::Invoke {
                    id,
                    acn,
                    opening,
                    invoke_id,
                    opcode,
                    param: parameter.map(<[u8]>::to_vec),
                    peer,
                },
                Component::ReturnResultLast { result, .. } => Event::Result {
                    id,
                    opcode: result.map_or(pending.unwrap_or(0), |r| r.0),
                    param: result.and_then(|r| r.1).map(<[u8]>::to_vec),
                },
                Component::ReturnError {
                    error_code,
                    parameter,
                    ..
                } => Event::Error {
                    id,
                    opcode: pending.unwrap_or(0),
                    code: error_code,
                    param: parameter.map(<[u8]>::to_vec),
                },
                Component::Reject { problem, .. } => Event::Reject { id, problem },
            };
            self.events.push_back(ev);
        }
        Ok(())
    }

    /// SCCP returned one of our messages (UDTS) whose TCAP bytes are `bytes`: the dialogue it
    /// belonged to is closed.
    pub fn handle_returned(&mut self, bytes: &[u8], cause: u8) {
        let Ok(m) = Message::parse(bytes) else {
            return;
        };
        // Our otid on a Begin/Continue we sent names the dialogue.
        if let Some(id) = m.otid.filter(|t| self.table.remove(t).is_some()) {
            self.events.push_back(Event::Aborted {
                id,
                cause: AbortCause::Returned(cause),
            });
        }
    }

    /// The next message to send: its TCAP bytes are written into `buf` (which must hold them;
    /// 272 bytes always do for what SCCP UDT carries); returns the called party and length.
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(Address, usize)> {
        let (to, b) = self.out.front()?;
        let n = b.len();
        let dst = buf.get_mut(..n)?;
        dst.copy_from_slice(b);
        let to = *to;
        self.out.pop_front();
        Some((to, n))
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The earliest operation timer.
    pub fn poll_timeout(&mut self) -> Option<Micros> {
        while let Some(Reverse((at, id))) = self.timers.peek().copied() {
            let live = self
                .table
                .get(&id)
                .is_some_and(|d| d.pending.is_some_and(|(_, t)| t == at));
            if live {
                return Some(at);
            }
            self.timers.pop();
        }
        None
    }

    /// Expires the operation timers due at `now`: each such dialogue is aborted towards the
    /// peer (TC-U-ABORT) and reported as [`AbortCause::Timeout`].
    pub fn handle_timeout(&mut self, now: Micros) {
        while let Some(at) = self.poll_timeout() {
            if at > now {
                break;
            }
            let Some(Reverse((_, id))) = self.timers.pop() else {
                break;
            };
            if let Some(d) = self.table.remove(&id) {
                self.send_abort(d.peer, d.peer_tid);
                self.events.push_back(Event::Aborted {
                    id,
                    cause: AbortCause::Timeout,
                });
            }
        }
    }
}

/// The originating transaction id of a message too broken to parse, if it can be found.
fn peek_otid(bytes: &[u8]) -> Option<u32> {
    let (top, _) = crate::wire::ber::Tlv::parse(bytes).ok()?;
    let first = top.children().next()?.ok()?;
    (first.tag.number == 8 && (1..=4).contains(&first.value.len()))
        .then(|| first.value.iter().fold(0u32, |v, &b| (v << 8) | b as u32))
}
