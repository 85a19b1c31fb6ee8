//! What every message representation shares: checking the message type, the parse rules for
//! IEs (TS 29.274 §7.7: first copy of a repeated IE wins, unknown IEs are skipped, malformed
//! optional IEs are ignored), one code path for `buffer_len()` and `emit()`, and [`Message`],
//! which picks the representation by message type (Table 6.1-1).

use super::codes::msg;
use super::echo::{EchoRequest, EchoResponse, VersionNotSupported};
use super::header::{Header, Packet};
use super::ie::{Ie, IeWriter};
use super::modify::{
    DeleteSessionRequest, DeleteSessionResponse, ModifyBearerRequest, ModifyBearerResponse,
};
use super::session::{CreateSessionRequest, CreateSessionResponse};
use super::{Error, IeRef};

/// A message representation: its header and its IEs in emit order.
pub(crate) trait Body {
    fn header(&self) -> Header;
    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error>;
}

/// Bytes `emit` writes for `body`.
pub(crate) fn buffer_len(body: &impl Body) -> usize {
    let mut w = IeWriter::measuring();
    // Measuring cannot run out of room; an unencodable value shows up again in `emit`.
    let _ = body.emit_ies(&mut w);
    body.header().header_len() + w.len()
}

/// Writes header and IEs of `body` into `buf`; returns the message length.
pub(crate) fn emit(body: &impl Body, buf: &mut [u8]) -> Result<usize, Error> {
    let header = body.header();
    let header_len = header.header_len();
    let ies_len = {
        let mut w = IeWriter::new(buf.get_mut(header_len..).ok_or(Error::BufferTooSmall)?);
        body.emit_ies(&mut w)?;
        w.len()
    };
    header.emit(buf, ies_len)?;
    Ok(header_len + ies_len)
}

/// Checks that `packet` is a `msg_type` message.
pub(crate) fn expect<T: AsRef<[u8]>>(packet: &Packet<T>, msg_type: u8) -> Result<(), Error> {
    if packet.msg_type() == msg_type {
        Ok(())
    } else {
        Err(Error::UnexpectedMessage(packet.msg_type()))
    }
}

/// Keeps the first decodable copy of an optional IE; a malformed one counts as absent.
pub(crate) fn optional<'a, T>(
    slot: &mut Option<T>,
    ie: &Ie<'a>,
    parse: impl Fn(&'a [u8]) -> Option<T>,
) {
    if slot.is_none() {
        *slot = parse(ie.value());
    }
}

/// Keeps the first copy of a mandatory IE; a malformed one is [`Error::MalformedIe`].
pub(crate) fn mandatory<'a, T>(
    slot: &mut Option<T>,
    ie: &Ie<'a>,
    parse: impl Fn(&'a [u8]) -> Option<T>,
) -> Result<(), Error> {
    if slot.is_none() {
        *slot = Some(parse(ie.value()).ok_or_else(|| ie.malformed())?);
    }
    Ok(())
}

/// The value of a mandatory IE, or [`Error::MissingIe`].
pub(crate) fn need<T>(slot: Option<T>, ie_type: u8, instance: u8) -> Result<T, Error> {
    slot.ok_or(Error::MissingIe(IeRef::top(ie_type, instance)))
}

/// The first octet of a one-octet IE value.
pub(crate) fn octet(v: &[u8]) -> Option<u8> {
    v.first().copied()
}

/// Any message roamsim speaks, parsed by its type; other types are returned as their header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// Echo Request (1).
    EchoRequest(EchoRequest),
    /// Echo Response (2).
    EchoResponse(EchoResponse),
    /// Version Not Supported Indication (3).
    VersionNotSupported(VersionNotSupported),
    /// Create Session Request (32).
    CreateSessionRequest(CreateSessionRequest<'a>),
    /// Create Session Response (33).
    CreateSessionResponse(CreateSessionResponse<'a>),
    /// Modify Bearer Request (34).
    ModifyBearerRequest(ModifyBearerRequest<'a>),
    /// Modify Bearer Response (35).
    ModifyBearerResponse(ModifyBearerResponse<'a>),
    /// Delete Session Request (36).
    DeleteSessionRequest(DeleteSessionRequest),
    /// Delete Session Response (37).
    DeleteSessionResponse(DeleteSessionResponse),
    /// A message type without a representation here: the caller decides (ignore it, or
    /// answer a request with a rejection).
    Other(Header),
}

impl<'a> Message<'a> {
    /// Checks and parses `data` (one message; a piggybacked one is left unread).
    pub fn parse(data: &'a [u8]) -> Result<Self, Error> {
        let p = Packet::new_checked(data)?;
        Ok(match p.msg_type() {
            msg::ECHO_REQUEST => Message::EchoRequest(EchoRequest::parse(&p)?),
            msg::ECHO_RESPONSE => Message::EchoResponse(EchoResponse::parse(&p)?),
            msg::VERSION_NOT_SUPPORTED => {
                Message::VersionNotSupported(VersionNotSupported::parse(&p)?)
            }
            msg::CREATE_SESSION_REQUEST => {
                Message::CreateSessionRequest(CreateSessionRequest::parse(&p)?)
            }
            msg::CREATE_SESSION_RESPONSE => {
                Message::CreateSessionResponse(CreateSessionResponse::parse(&p)?)
            }
            msg::MODIFY_BEARER_REQUEST => {
                Message::ModifyBearerRequest(ModifyBearerRequest::parse(&p)?)
            }
            msg::MODIFY_BEARER_RESPONSE => {
                Message::ModifyBearerResponse(ModifyBearerResponse::parse(&p)?)
            }
            msg::DELETE_SESSION_REQUEST => {
                Message::DeleteSessionRequest(DeleteSessionRequest::parse(&p)?)
            }
            msg::DELETE_SESSION_RESPONSE => {
                Message::DeleteSessionResponse(DeleteSessionResponse::parse(&p)?)
            }
            _ => Message::Other(Header::parse(&p)),
        })
    }

    /// Bytes [`Message::emit`] writes (a bare header for `Other`).
    pub fn buffer_len(&self) -> usize {
        self.dispatch(|b| buffer_len(&b), |h| h.header_len())
    }

    /// Writes the message into `buf`; returns its length. `Other` emits its header alone.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        match self {
            Message::Other(h) => h.emit(buf, 0),
            _ => self.dispatch(|b| emit(&b, buf), |_| Err(Error::Unencodable)),
        }
    }

    fn dispatch<R>(
        &self,
        f: impl FnOnce(&dyn DynBody) -> R,
        other: impl FnOnce(&Header) -> R,
    ) -> R {
        match self {
            Message::EchoRequest(m) => f(m),
            Message::EchoResponse(m) => f(m),
            Message::VersionNotSupported(m) => f(m),
            Message::CreateSessionRequest(m) => f(m),
            Message::CreateSessionResponse(m) => f(m),
            Message::ModifyBearerRequest(m) => f(m),
            Message::ModifyBearerResponse(m) => f(m),
            Message::DeleteSessionRequest(m) => f(m),
            Message::DeleteSessionResponse(m) => f(m),
            Message::Other(h) => other(h),
        }
    }

    /// The header fields (type, TEID, sequence number) of whichever message this is.
    pub fn header(&self) -> Header {
        self.dispatch(|b| b.dyn_header(), |h| *h)
    }
}

/// Object-safe face of [`Body`] for [`Message`]'s dispatch.
pub(crate) trait DynBody {
    fn dyn_header(&self) -> Header;
    fn dyn_emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error>;
}

impl<B: Body> DynBody for B {
    fn dyn_header(&self) -> Header {
        self.header()
    }
    fn dyn_emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        self.emit_ies(w)
    }
}

impl Body for &dyn DynBody {
    fn header(&self) -> Header {
        (**self).dyn_header()
    }
    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        (**self).dyn_emit_ies(w)
    }
}
