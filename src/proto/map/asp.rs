//! An M3UA Application Server Process (RFC 4666 §4.3) towards one SGP or IPSP peer over one SCTP
//! association: ASP state maintenance (ASP-DOWN → ASPUP → ASP-INACTIVE → ASPAC → ASP-ACTIVE,
//! §4.3.4.1–§4.3.4.3, with the acknowledgement timer T(ack) retransmitting ASPUP and ASPAC),
//! heartbeats (BEAT and BEAT ACK, §4.3.4.6), notifications (NTFY, §4.3.4.5, including an override
//! by an alternate ASP), destination state from SSNM (DUNA and DAVA mark point codes unavailable
//! and available, §4.5.1–§4.5.2), and DATA, each message on the SCTP stream its SLS selects
//! (stream 0 carries management only, §4.1.1) with PPID 3.
//!
//! Sans-IO (docs/ARCHITECTURE.md §3): [`Asp::handle_connected`] when the association is up,
//! [`Asp::handle_message`] for each M3UA message received (DATA is handed back for
//! [`super::sigtran::unwrap`]), [`Asp::send`] for a TCAP message to carry, [`Asp::handle_close`]
//! to leave service; then
//! [`Asp::poll_transmit`] until `None` (bytes for the association, with the stream),
//! [`Asp::poll_event`], and [`Asp::poll_timeout`] / [`Asp::handle_timeout`].

use std::collections::VecDeque;

use super::sigtran::{self, Route};
use crate::model::time::Micros;
use crate::wire::m3ua::{self, Asptm, Message, Status, TrafficMode};
use crate::wire::sccp::Address;

/// RFC 4666 §4.3.4.1: T(ack), the wait for an ASPUP ACK or ASPAC ACK before sending again.
pub const T_ACK: Micros = Micros::from_secs(2);

/// How the ASP is set up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// ASP Identifier sent in ASPUP.
    pub asp_id: Option<u32>,
    /// Traffic mode asked for in ASPAC.
    pub mode: TrafficMode,
    /// The routing label and Routing Context of DATA.
    pub route: Route,
    /// Outbound SCTP streams of the association (at least 2: stream 0 is management).
    pub streams: u16,
    /// BEAT interval (none: no heartbeats, SCTP's own keep the association alive).
    pub beat: Option<Micros>,
}

/// The ASP's state (RFC 4666 §4.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// No association, or ASPUP not acknowledged yet.
    Down,
    /// ASPUP acknowledged; ASPAC sent or to be sent.
    Inactive,
    /// ASPAC acknowledged: DATA may flow.
    Active,
}

/// What happened, for the layer above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// ASP-ACTIVE: traffic may be sent.
    Active,
    /// Left ASP-ACTIVE (ASPIA ACK, or NTFY: another ASP took over in override mode).
    Inactive,
    /// A destination became unavailable (DUNA).
    Unavailable(u32),
    /// A destination became available again (DAVA).
    Available(u32),
    /// The peer sent an ERR with this code.
    PeerError(u32),
    /// A NTFY.
    Notify(Status),
    /// A BEAT went unanswered for a whole interval.
    BeatLost,
}

/// Why a message could not be sent or read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not in ASP-ACTIVE.
    #[error("M3UA ASP not active")]
    NotActive,
    /// The destination point code is marked unavailable (DUNA).
    #[error("M3UA destination {0} unavailable")]
    Unavailable(u32),
    /// Framing.
    #[error(transparent)]
    Sigtran(#[from] sigtran::Error),
    /// A malformed message.
    #[error(transparent)]
    M3ua(#[from] m3ua::Error),
}

/// What [`Asp::handle_message`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// DATA: the caller unwraps the same bytes with [`super::sigtran::unwrap`].
    Data,
    /// A management message, handled here.
    Management,
}

/// One ASP.
#[derive(Debug)]
pub struct Asp {
    config: Config,
    state: State,
    /// Waiting for the ack of what we sent last (ASPUP or ASPAC), retransmitted at this time.
    ack_due: Option<Micros>,
    next_beat: Option<Micros>,
    beat_outstanding: bool,
    beat_seq: u32,
    unavailable: Vec<u32>,
    out: VecDeque<(u16, Vec<u8>)>,
    events: VecDeque<Event>,
    scratch: Vec<u8>,
}

impl Asp {
    /// A new ASP, down.
    pub fn new(config: Config) -> Asp {
        Asp {
            config,
            state: State::Down,
            ack_due: None,
            next_beat: None,
            beat_outstanding: false,
            beat_seq: 0,
            unavailable: Vec::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            scratch: vec![0u8; 300],
        }
    }

    /// The state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether `pc` is marked unavailable.
    pub fn is_unavailable(&self, pc: u32) -> bool {
        self.unavailable.contains(&pc)
    }

    fn queue(&mut self, stream: u16, m: &Message<'_>) {
        let mut b = vec![0u8; m.buffer_len()];
        if m.emit(&mut b).is_ok() {
            self.out.push_back((stream, b));
        }
    }

    fn asptm(&self) -> Asptm<'static> {
        Asptm {
            mode: Some(self.config.mode),
            routing_context: self.config.route.routing_context,
            info: None,
        }
    }

    fn send_aspup(&mut self, now: Micros) {
        let m = Message::AspUp {
            asp_id: self.config.asp_id,
            info: None,
        };
        self.queue(0, &m);
        self.ack_due = Some(now + T_ACK);
    }

    fn send_aspac(&mut self, now: Micros) {
        let m = Message::AspActive(self.asptm());
        self.queue(0, &m);
        self.ack_due = Some(now + T_ACK);
    }

    /// The SCTP association is up: starts ASPUP.
    pub fn handle_connected(&mut self, now: Micros) {
        self.state = State::Down;
        self.send_aspup(now);
    }

    /// Takes the ASP out of service in order (RFC 4666 §4.3.4.2, §4.3.4.4): ASPIA when active,
    /// then ASPDN; the acknowledgements bring it to ASP-INACTIVE and ASP-DOWN.
    pub fn handle_close(&mut self) {
        if self.state == State::Active {
            let m = Message::AspInactive(Asptm {
                mode: None,
                ..self.asptm()
            });
            self.queue(0, &m);
        }
        if self.state != State::Down {
            self.queue(0, &Message::AspDown { info: None });
        }
        self.ack_due = None;
        self.next_beat = None;
    }

    /// The association went down: back to ASP-DOWN (a new association starts over).
    pub fn handle_disconnected(&mut self) {
        if self.state == State::Active {
            self.events.push_back(Event::Inactive);
        }
        self.state = State::Down;
        self.ack_due = None;
        self.next_beat = None;
    }

    /// One M3UA message from the peer.
    pub fn handle_message(&mut self, now: Micros, bytes: &[u8]) -> Result<Received, Error> {
        let (m, _) = Message::parse(bytes)?;
        match m {
            Message::Data { .. } => return Ok(Received::Data),
            Message::AspUpAck { .. } => {
                self.state = State::Inactive;
                self.send_aspac(now);
            }
            Message::AspActiveAck(_) => {
                self.state = State::Active;
                self.ack_due = None;
                self.next_beat = self.config.beat.map(|b| now + b);
                self.events.push_back(Event::Active);
            }
            Message::AspInactiveAck(_) => self.leave_active(),
            Message::AspDownAck { .. } => {
                self.leave_active();
                self.state = State::Down;
            }
            Message::Beat { data } => self.queue(0, &Message::BeatAck { data }),
            Message::BeatAck { .. } => self.beat_outstanding = false,
            Message::Notify { status, .. } => {
                if status == Status::ALTERNATE_ASP_ACTIVE {
                    self.leave_active();
                }
                self.events.push_back(Event::Notify(status));
            }
            Message::Duna(s) => {
                for pc in s.affected.iter() {
                    if !self.unavailable.contains(&pc) {
                        self.unavailable.push(pc);
                    }
                    self.events.push_back(Event::Unavailable(pc));
                }
            }
            Message::Dava(s) => {
                for pc in s.affected.iter() {
                    self.unavailable.retain(|&u| u != pc);
                    self.events.push_back(Event::Available(pc));
                }
            }
            Message::Err { code, .. } => self.events.push_back(Event::PeerError(code)),
            // An ASP receives no ASPUP, ASPAC, ... from an SGP; an IPSP peer's are out of scope.
            _ => {
                let m = Message::Err {
                    code: m3ua::error_code::UNEXPECTED_MESSAGE,
                    routing_context: None,
                    affected: None,
                    diagnostic: None,
                };
                self.queue(0, &m);
            }
        }
        Ok(Received::Management)
    }

    fn leave_active(&mut self) {
        if self.state == State::Active {
            self.events.push_back(Event::Inactive);
        }
        self.state = State::Inactive;
        self.next_beat = None;
    }

    /// The stream for link selection `sls`: 1..streams, management keeping stream 0.
    pub fn stream_for(&self, sls: u8) -> u16 {
        let data_streams = self.config.streams.max(2) - 1;
        1 + (sls as u16 % data_streams)
    }

    /// Carries `tcap` from `calling` to `called` with link selection `sls` (keep one SLS per
    /// dialogue so that its messages stay in order on one stream).
    pub fn send(
        &mut self,
        sls: u8,
        called: &Address,
        calling: &Address,
        tcap: &[u8],
    ) -> Result<(), Error> {
        if self.state != State::Active {
            return Err(Error::NotActive);
        }
        let dpc = self.config.route.dpc;
        if self.is_unavailable(dpc) {
            return Err(Error::Unavailable(dpc));
        }
        let route = self.config.route;
        let mut b = vec![0u8; sigtran::wrapped_len(&route, called, calling, tcap.len())];
        let n = sigtran::wrap(
            &route,
            sls,
            called,
            calling,
            tcap,
            &mut self.scratch,
            &mut b,
        )?;
        b.truncate(n);
        let stream = self.stream_for(sls);
        self.out.push_back((stream, b));
        Ok(())
    }

    /// The next message for the association, written into `buf`: returns the SCTP stream and
    /// length (the PPID is [`m3ua::PPID`]).
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<(u16, usize)> {
        let (stream, b) = self.out.front()?;
        let n = b.len();
        buf.get_mut(..n)?.copy_from_slice(b);
        let stream = *stream;
        self.out.pop_front();
        Some((stream, n))
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Asp::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Micros> {
        match (self.ack_due, self.next_beat) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Retransmits an unacknowledged ASPUP/ASPAC (T(ack)) and sends the due BEAT.
    pub fn handle_timeout(&mut self, now: Micros) {
        if self.ack_due.is_some_and(|t| t <= now) {
            match self.state {
                State::Down => self.send_aspup(now),
                State::Inactive => self.send_aspac(now),
                State::Active => self.ack_due = None,
            }
        }
        if let (Some(t), Some(interval)) = (self.next_beat, self.config.beat) {
            if t <= now {
                if self.beat_outstanding {
                    self.events.push_back(Event::BeatLost);
                }
                self.beat_seq = self.beat_seq.wrapping_add(1);
                let data = self.beat_seq.to_be_bytes();
                self.queue(0, &Message::Beat { data: Some(&data) });
                self.beat_outstanding = true;
                self.next_beat = Some(now + interval);
            }
        }
    }
}
