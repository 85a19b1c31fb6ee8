//! Path management messages, TS 29.274 §7.1: Echo Request/Response (§7.1.1, §7.1.2), each with
//! the sender's Recovery restart counter (§8.5, used for restart detection, §7.1.1 and TS 23.007),
//! and Version Not Supported Indication (§7.1.3), a bare header. None carries a TEID (§5.5.2).

use super::codes::{ie, msg};
use super::header::{Header, Packet};
use super::ie::IeWriter;
use super::message::{self, mandatory, need, octet, Body};
use super::Error;

/// Echo Request (§7.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EchoRequest {
    /// Sequence number.
    pub seq: u32,
    /// Sender's restart counter.
    pub recovery: u8,
}

/// Echo Response (§7.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EchoResponse {
    /// Sequence number, copied from the request.
    pub seq: u32,
    /// Sender's restart counter.
    pub recovery: u8,
}

/// Version Not Supported Indication (§7.1.3): sent in reply to a message of another GTP
/// version (§7.7), with no IE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VersionNotSupported {
    /// Sequence number.
    pub seq: u32,
}

fn parse_recovery(packet: &Packet<&[u8]>, msg_type: u8) -> Result<(u32, u8), Error> {
    message::expect(packet, msg_type)?;
    let mut recovery = None;
    for ie in packet.ies() {
        let ie = ie?;
        if (ie.ie_type(), ie.instance()) == (ie::RECOVERY, 0) {
            mandatory(&mut recovery, &ie, octet)?;
        }
    }
    Ok((packet.seq(), need(recovery, ie::RECOVERY, 0)?))
}

fn path_header(msg_type: u8, seq: u32) -> Header {
    Header {
        msg_type,
        piggyback: false,
        teid: None,
        seq,
        priority: None,
    }
}

macro_rules! emit_methods {
    () => {
        /// Bytes [`Self::emit`] writes.
        pub fn buffer_len(&self) -> usize {
            message::buffer_len(self)
        }

        /// Writes the message into `buf`; returns its length.
        pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
            message::emit(self, buf)
        }
    };
}
pub(crate) use emit_methods;

impl EchoRequest {
    /// Parses an Echo Request; Recovery is mandatory.
    pub fn parse(packet: &Packet<&[u8]>) -> Result<Self, Error> {
        let (seq, recovery) = parse_recovery(packet, msg::ECHO_REQUEST)?;
        Ok(Self { seq, recovery })
    }

    emit_methods!();
}

impl Body for EchoRequest {
    fn header(&self) -> Header {
        path_header(msg::ECHO_REQUEST, self.seq)
    }
    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        w.u8(ie::RECOVERY, 0, self.recovery)
    }
}

impl EchoResponse {
    /// Parses an Echo Response; Recovery is mandatory.
    pub fn parse(packet: &Packet<&[u8]>) -> Result<Self, Error> {
        let (seq, recovery) = parse_recovery(packet, msg::ECHO_RESPONSE)?;
        Ok(Self { seq, recovery })
    }

    emit_methods!();
}

impl Body for EchoResponse {
    fn header(&self) -> Header {
        path_header(msg::ECHO_RESPONSE, self.seq)
    }
    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        w.u8(ie::RECOVERY, 0, self.recovery)
    }
}

impl VersionNotSupported {
    /// Parses a Version Not Supported Indication (any IEs are ignored).
    pub fn parse(packet: &Packet<&[u8]>) -> Result<Self, Error> {
        message::expect(packet, msg::VERSION_NOT_SUPPORTED)?;
        Ok(Self { seq: packet.seq() })
    }

    emit_methods!();
}

impl Body for VersionNotSupported {
    fn header(&self) -> Header {
        path_header(msg::VERSION_NOT_SUPPORTED, self.seq)
    }
    fn emit_ies(&self, _: &mut IeWriter<'_>) -> Result<(), Error> {
        Ok(())
    }
}
