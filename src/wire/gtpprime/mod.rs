//! GTP' version 2 (TS 32.295), the Ga transport of CDRs from a charging data function (the
//! PGW, the SGW) to a charging gateway function, over UDP port 3386.
//!
//! - Header: the 6-octet form: version 2 in bits 8-6 of octet 1, protocol type 0 (GTP')
//!   in bit 5, bits 4-2 spare `111`, bit 1 `0` (6-octet header); message type; length of what
//!   follows the header; a 16-bit sequence number.
//! - Information elements: TV ones (type below 128) with a length fixed by the type,
//!   TLV ones (type 128 and above) with a 2-octet length.
//! - Messages: Echo (as in TS 29.060 §7.2), Node Alive, Redirection,
//!   Data Record Transfer (Packet Transfer Command "send", "send possibly duplicated",
//!   "cancel", "release"; Data Record Packet; Sequence Numbers of Released/Cancelled Packets;
//!   Requests Responded), Version Not Supported.
//!
//! [`Message::parse`] borrows from the datagram and allocates nothing; [`Message::emit`] writes
//! into a caller-owned buffer sized by [`Message::buffer_len`]. Decode errors say which message
//! and IE were wrong; nothing from the network panics.

mod codes;
mod lists;
#[cfg(test)]
mod tests;

pub use codes::{cause, ie, msg};
pub use lists::{RecordIter, Records, SeqList};

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// UDP port of GTP' (TS 32.295).
pub const PORT: u16 = 3386;

/// Bytes of the GTP' version 2 header.
pub const HEADER_LEN: usize = 6;

/// Most records one Data Record Packet IE can count (its count field is one octet).
pub const MAX_RECORDS: usize = 255;

/// The Packet Transfer Command of a Data Record Transfer Request (TS 32.295).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// 1: Send Data Record Packet.
    Send = 1,
    /// 2: Send possibly duplicated Data Record Packet (after a failover).
    SendPossiblyDuplicated = 2,
    /// 3: Cancel Data Record Packet (the possibly duplicated ones are not to be stored).
    Cancel = 3,
    /// 4: Release Data Record Packet (the possibly duplicated ones are to be stored).
    Release = 4,
}

impl Command {
    fn from_u8(v: u8) -> Option<Command> {
        Some(match v {
            1 => Command::Send,
            2 => Command::SendPossiblyDuplicated,
            3 => Command::Cancel,
            4 => Command::Release,
            _ => return None,
        })
    }
}

/// The Data Record Format Version of a Data Record Packet (TS 32.295): application identifier
/// (high nibble of octet 1), release identifier (low nibble) and version (octet 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FormatVersion {
    /// Application identifier.
    pub application: u8,
    /// Release identifier (15 for Rel-15).
    pub release: u8,
    /// Version identifier.
    pub version: u8,
}

impl FormatVersion {
    /// What roamsim writes: application 1 (GSM/UMTS/EPS), Rel-15, version 5 (TS 32.298
    /// v15.5, the ASN.1 the records follow); Wireshark dissects such records with `gprscdr`.
    pub const REL15: FormatVersion = FormatVersion {
        application: 1,
        release: 15,
        version: 5,
    };
}

/// Data record format: ASN.1 BER.
pub const FORMAT_BER: u8 = 1;

/// A GTP' message, without its sequence number (which [`Message::emit`] takes and
/// [`Message::parse`] returns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// Echo Request.
    EchoRequest,
    /// Echo Response with the sender's restart counter.
    EchoResponse {
        /// Recovery.
        recovery: u8,
    },
    /// Version Not Supported (header only).
    VersionNotSupported,
    /// Node Alive Request: a node (re)started and tells its address.
    NodeAliveRequest {
        /// Node Address (Charging Gateway Address IE format).
        node: IpAddr,
        /// Alternative Node Address, if any.
        alternative: Option<IpAddr>,
    },
    /// Node Alive Response.
    NodeAliveResponse,
    /// Redirection Request: a CGF asks the CDF to send elsewhere.
    RedirectionRequest {
        /// Why (60..=63, [`cause`]).
        cause: u8,
        /// Address of Recommended Node, if any.
        recommended: Option<IpAddr>,
    },
    /// Redirection Response.
    RedirectionResponse {
        /// Cause.
        cause: u8,
    },
    /// Data Record Transfer Request with "send" or "send possibly duplicated".
    Send {
        /// True for "send possibly duplicated Data Record Packet".
        possibly_duplicated: bool,
        /// The CDRs (none for the empty packet that probes a CGF).
        records: Records<'a>,
    },
    /// Data Record Transfer Request "cancel": the listed possibly duplicated packets are
    /// not to be stored.
    Cancel {
        /// Sequence Numbers of Cancelled Packets.
        packets: SeqList<'a>,
    },
    /// Data Record Transfer Request "release": the listed possibly duplicated packets are to
    /// be stored.
    Release {
        /// Sequence Numbers of Released Packets.
        packets: SeqList<'a>,
    },
    /// Data Record Transfer Response.
    TransferResponse {
        /// Cause.
        cause: u8,
        /// Requests Responded: the sequence numbers of the requests this answers.
        responded: SeqList<'a>,
    },
}

/// The fixed header fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Message type.
    pub msg_type: u8,
    /// Length of the message after the header.
    pub length: u16,
    /// Sequence number.
    pub seq: u16,
}

/// Why bytes are not a GTP' message this codec reads, or could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Fewer bytes than the header, or than its length field, needs.
    Truncated,
    /// The version field is not 2.
    UnsupportedVersion(u8),
    /// Protocol type 1 (GTP, not GTP').
    NotGtpPrime,
    /// The 20-octet header of GTP' version 0, which this codec does not read.
    LongHeader,
    /// A message type this codec does not know.
    UnknownMessage(u8),
    /// An IE runs past the end of the message.
    IeOverrun {
        /// The message type.
        msg_type: u8,
        /// The IE type.
        ie: u8,
    },
    /// A TV IE of a type whose length is unknown, so the rest cannot be walked.
    UnknownTvIe {
        /// The message type.
        msg_type: u8,
        /// The IE type.
        ie: u8,
    },
    /// A mandatory IE is absent.
    MissingIe {
        /// The message type.
        msg_type: u8,
        /// The IE type.
        ie: u8,
    },
    /// A known IE has a value that does not decode.
    MalformedIe {
        /// The message type.
        msg_type: u8,
        /// The IE type.
        ie: u8,
    },
    /// More than 255 records, a record over 65535 octets, or a message over 65535 octets.
    Unencodable,
    /// The output buffer is smaller than `buffer_len()`.
    BufferTooSmall,
}

fn msg_name(t: u8) -> &'static str {
    match t {
        msg::ECHO_REQUEST => "Echo Request",
        msg::ECHO_RESPONSE => "Echo Response",
        msg::VERSION_NOT_SUPPORTED => "Version Not Supported",
        msg::NODE_ALIVE_REQUEST => "Node Alive Request",
        msg::NODE_ALIVE_RESPONSE => "Node Alive Response",
        msg::REDIRECTION_REQUEST => "Redirection Request",
        msg::REDIRECTION_RESPONSE => "Redirection Response",
        msg::DATA_RECORD_TRANSFER_REQUEST => "Data Record Transfer Request",
        msg::DATA_RECORD_TRANSFER_RESPONSE => "Data Record Transfer Response",
        _ => "message",
    }
}

fn ie_name(t: u8) -> &'static str {
    match t {
        ie::CAUSE => "Cause",
        ie::RECOVERY => "Recovery",
        ie::PACKET_TRANSFER_COMMAND => "Packet Transfer Command",
        ie::CHARGING_ID => "Charging ID",
        ie::RELEASED_PACKETS => "Sequence Numbers of Released Packets",
        ie::CANCELLED_PACKETS => "Sequence Numbers of Cancelled Packets",
        ie::CHARGING_GATEWAY_ADDRESS => "Charging Gateway Address",
        ie::DATA_RECORD_PACKET => "Data Record Packet",
        ie::REQUESTS_RESPONDED => "Requests Responded",
        ie::RECOMMENDED_NODE => "Address of Recommended Node",
        ie::PRIVATE_EXTENSION => "Private Extension",
        _ => "IE",
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Error::Truncated => f.write_str("GTP' message truncated"),
            Error::UnsupportedVersion(v) => write!(f, "GTP' version {v} not supported"),
            Error::NotGtpPrime => f.write_str("protocol type is GTP, not GTP'"),
            Error::LongHeader => f.write_str("20-octet GTP' header not supported"),
            Error::UnknownMessage(t) => write!(f, "unknown GTP' message type {t}"),
            Error::IeOverrun { msg_type, ie } => write!(
                f,
                "{} ({ie}) overruns the {} ({msg_type})",
                ie_name(ie),
                msg_name(msg_type)
            ),
            Error::UnknownTvIe { msg_type, ie } => write!(
                f,
                "unknown TV IE type {ie} in the {} ({msg_type})",
                msg_name(msg_type)
            ),
            Error::MissingIe { msg_type, ie } => write!(
                f,
                "mandatory {} ({ie}) missing from the {} ({msg_type})",
                ie_name(ie),
                msg_name(msg_type)
            ),
            Error::MalformedIe { msg_type, ie } => write!(
                f,
                "malformed {} ({ie}) in the {} ({msg_type})",
                ie_name(ie),
                msg_name(msg_type)
            ),
            Error::Unencodable => f.write_str("value cannot be encoded in GTP'"),
            Error::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The Cause a CGF answers a request that failed to parse with (TS 29.060 §7.7.1).
    pub fn cause(&self) -> u8 {
        match self {
            Error::MissingIe { .. } => cause::MANDATORY_IE_MISSING,
            Error::MalformedIe { .. } => cause::MANDATORY_IE_INCORRECT,
            Error::UnsupportedVersion(_) => cause::VERSION_NOT_SUPPORTED,
            Error::UnknownMessage(_) => cause::SERVICE_NOT_SUPPORTED,
            _ => cause::INVALID_MESSAGE_FORMAT,
        }
    }
}

/// Reads the header of a GTP' version 2 datagram and checks its length.
pub fn peek_header(data: &[u8]) -> Result<Header, Error> {
    let h = data.get(..HEADER_LEN).ok_or(Error::Truncated)?;
    let version = h[0] >> 5;
    if version != 2 {
        return Err(Error::UnsupportedVersion(version));
    }
    if h[0] & 0x10 != 0 {
        return Err(Error::NotGtpPrime);
    }
    if h[0] & 0x01 != 0 {
        return Err(Error::LongHeader);
    }
    let header = Header {
        msg_type: h[1],
        length: u16::from_be_bytes([h[2], h[3]]),
        seq: u16::from_be_bytes([h[4], h[5]]),
    };
    if data.len() < HEADER_LEN + header.length as usize {
        return Err(Error::Truncated);
    }
    Ok(header)
}

/// TV IE value lengths (type below 128); `None` for a type this codec cannot skip.
fn tv_len(t: u8) -> Option<usize> {
    match t {
        ie::CAUSE | ie::RECOVERY | ie::PACKET_TRANSFER_COMMAND => Some(1),
        ie::CHARGING_ID => Some(4),
        _ => None,
    }
}

/// Walks the IEs of a message body, yielding (type, value).
struct IeWalk<'a> {
    data: &'a [u8],
    msg_type: u8,
}

impl<'a> Iterator for IeWalk<'a> {
    type Item = Result<(u8, &'a [u8]), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let (&t, rest) = self.data.split_first()?;
        let msg_type = self.msg_type;
        let (start, len) = if t < 128 {
            match tv_len(t) {
                Some(n) => (1, n),
                None => {
                    self.data = &[];
                    return Some(Err(Error::UnknownTvIe { msg_type, ie: t }));
                }
            }
        } else if rest.len() < 2 {
            self.data = &[];
            return Some(Err(Error::IeOverrun { msg_type, ie: t }));
        } else {
            (3, u16::from_be_bytes([rest[0], rest[1]]) as usize)
        };
        let Some(value) = self.data.get(start..start + len) else {
            self.data = &[];
            return Some(Err(Error::IeOverrun { msg_type, ie: t }));
        };
        self.data = &self.data[start + len..];
        Some(Ok((t, value)))
    }
}

fn address(v: &[u8]) -> Option<IpAddr> {
    match v.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(v[0], v[1], v[2], v[3]))),
        16 => {
            let b: [u8; 16] = v.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => None,
    }
}

fn records(v: &[u8], msg_type: u8) -> Result<Records<'_>, Error> {
    let bad = Error::MalformedIe {
        msg_type,
        ie: ie::DATA_RECORD_PACKET,
    };
    // An empty Data Record Packet (the CDF's test packet): written with no value at all (what
    // Wireshark accepts), read also as a bare count of zero.
    if v.is_empty() || v == [0] {
        return Ok(Records::Wire {
            format: FORMAT_BER,
            version: FormatVersion::REL15,
            count: 0,
            data: &[],
        });
    }
    if v.len() < 4 {
        return Err(bad);
    }
    let count = v[0];
    if count == 0 {
        // Format and version say nothing about no records: read as the canonical empty packet.
        return records(&[], msg_type);
    }
    let data = &v[4..];
    let mut at = 0;
    for _ in 0..count {
        let len = data.get(at..at + 2).ok_or(bad)?;
        at += 2 + u16::from_be_bytes([len[0], len[1]]) as usize;
        if at > data.len() {
            return Err(bad);
        }
    }
    if at != data.len() {
        return Err(bad);
    }
    Ok(Records::Wire {
        format: v[1],
        version: FormatVersion {
            application: v[2] >> 4,
            release: v[2] & 0x0f,
            version: v[3],
        },
        count,
        data,
    })
}

fn seq_list(v: &[u8], msg_type: u8, ie: u8) -> Result<SeqList<'_>, Error> {
    // Requests Responded, Released and Cancelled lists: 2 octets per sequence number.
    if v.len() % 2 != 0 {
        return Err(Error::MalformedIe { msg_type, ie });
    }
    Ok(SeqList::Wire(v))
}

impl<'a> Message<'a> {
    /// The message type.
    pub fn msg_type(&self) -> u8 {
        match self {
            Message::EchoRequest => msg::ECHO_REQUEST,
            Message::EchoResponse { .. } => msg::ECHO_RESPONSE,
            Message::VersionNotSupported => msg::VERSION_NOT_SUPPORTED,
            Message::NodeAliveRequest { .. } => msg::NODE_ALIVE_REQUEST,
            Message::NodeAliveResponse => msg::NODE_ALIVE_RESPONSE,
            Message::RedirectionRequest { .. } => msg::REDIRECTION_REQUEST,
            Message::RedirectionResponse { .. } => msg::REDIRECTION_RESPONSE,
            Message::Send { .. } | Message::Cancel { .. } | Message::Release { .. } => {
                msg::DATA_RECORD_TRANSFER_REQUEST
            }
            Message::TransferResponse { .. } => msg::DATA_RECORD_TRANSFER_RESPONSE,
        }
    }

    /// True for requests (which a peer answers), false for responses.
    pub fn is_request(&self) -> bool {
        matches!(
            self,
            Message::EchoRequest
                | Message::NodeAliveRequest { .. }
                | Message::RedirectionRequest { .. }
                | Message::Send { .. }
                | Message::Cancel { .. }
                | Message::Release { .. }
        )
    }

    /// Decodes a datagram: its sequence number and message. Unknown TLV IEs and Private
    /// Extensions are skipped; a repeated IE keeps its first copy.
    pub fn parse(data: &'a [u8]) -> Result<(u16, Message<'a>), Error> {
        let h = peek_header(data)?;
        let body = &data[HEADER_LEN..HEADER_LEN + h.length as usize];
        let t = h.msg_type;
        let mut found: [Option<&'a [u8]>; 256] = [None; 256];
        for item in (IeWalk {
            data: body,
            msg_type: t,
        }) {
            let (ie_type, value) = item?;
            found[ie_type as usize].get_or_insert(value);
        }
        let need = |ie: u8| found[ie as usize].ok_or(Error::MissingIe { msg_type: t, ie });
        let one = |ie: u8| -> Result<u8, Error> { Ok(need(ie)?[0]) };
        let addr = |ie: u8| -> Result<Option<IpAddr>, Error> {
            found[ie as usize]
                .map(|v| address(v).ok_or(Error::MalformedIe { msg_type: t, ie }))
                .transpose()
        };
        let m = match t {
            msg::ECHO_REQUEST => Message::EchoRequest,
            msg::ECHO_RESPONSE => Message::EchoResponse {
                recovery: one(ie::RECOVERY)?,
            },
            msg::VERSION_NOT_SUPPORTED => Message::VersionNotSupported,
            msg::NODE_ALIVE_REQUEST => Message::NodeAliveRequest {
                node: addr(ie::CHARGING_GATEWAY_ADDRESS)?.ok_or(Error::MissingIe {
                    msg_type: t,
                    ie: ie::CHARGING_GATEWAY_ADDRESS,
                })?,
                alternative: None,
            },
            msg::NODE_ALIVE_RESPONSE => Message::NodeAliveResponse,
            msg::REDIRECTION_REQUEST => Message::RedirectionRequest {
                cause: one(ie::CAUSE)?,
                recommended: addr(ie::RECOMMENDED_NODE)?,
            },
            msg::REDIRECTION_RESPONSE => Message::RedirectionResponse {
                cause: one(ie::CAUSE)?,
            },
            msg::DATA_RECORD_TRANSFER_REQUEST => {
                let cmd = Command::from_u8(one(ie::PACKET_TRANSFER_COMMAND)?).ok_or(
                    Error::MalformedIe {
                        msg_type: t,
                        ie: ie::PACKET_TRANSFER_COMMAND,
                    },
                )?;
                match cmd {
                    Command::Send | Command::SendPossiblyDuplicated => Message::Send {
                        possibly_duplicated: cmd == Command::SendPossiblyDuplicated,
                        records: records(need(ie::DATA_RECORD_PACKET)?, t)?,
                    },
                    Command::Cancel => Message::Cancel {
                        packets: seq_list(need(ie::CANCELLED_PACKETS)?, t, ie::CANCELLED_PACKETS)?,
                    },
                    Command::Release => Message::Release {
                        packets: seq_list(need(ie::RELEASED_PACKETS)?, t, ie::RELEASED_PACKETS)?,
                    },
                }
            }
            msg::DATA_RECORD_TRANSFER_RESPONSE => Message::TransferResponse {
                cause: one(ie::CAUSE)?,
                responded: seq_list(need(ie::REQUESTS_RESPONDED)?, t, ie::REQUESTS_RESPONDED)?,
            },
            other => return Err(Error::UnknownMessage(other)),
        };
        Ok((h.seq, m))
    }

    /// Bytes [`emit`](Message::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let addr_len = |a: &IpAddr| if a.is_ipv4() { 4 } else { 16 };
        HEADER_LEN
            + match self {
                Message::EchoRequest
                | Message::VersionNotSupported
                | Message::NodeAliveResponse => 0,
                Message::EchoResponse { .. } | Message::RedirectionResponse { .. } => 2,
                Message::NodeAliveRequest { node, alternative } => {
                    3 + addr_len(node) + alternative.as_ref().map_or(0, |a| 3 + addr_len(a))
                }
                Message::RedirectionRequest { recommended, .. } => {
                    2 + recommended.as_ref().map_or(0, |a| 3 + addr_len(a))
                }
                Message::Send { records, .. } if records.is_empty() => 2 + 3,
                Message::Send { records, .. } => {
                    2 + 3 + 4 + records.iter().map(|r| 2 + r.len()).sum::<usize>()
                }
                Message::Cancel { packets } | Message::Release { packets } => {
                    2 + 3 + 2 * packets.len()
                }
                Message::TransferResponse { responded, .. } => 2 + 3 + 2 * responded.len(),
            }
    }

    /// Writes the message with sequence number `seq` at the start of `buf`; returns its length.
    pub fn emit(&self, seq: u16, buf: &mut [u8]) -> Result<usize, Error> {
        let n = self.buffer_len();
        if n - HEADER_LEN > usize::from(u16::MAX) {
            return Err(Error::Unencodable);
        }
        if let Message::Send { records, .. } = self {
            if records.len() > MAX_RECORDS || records.iter().any(|r| r.len() > 0xffff) {
                return Err(Error::Unencodable);
            }
        }
        let out = buf.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        let mut w = Cursor { buf: out, at: 0 };
        w.put(&[0x4e, self.msg_type()]);
        w.put(&((n - HEADER_LEN) as u16).to_be_bytes());
        w.put(&seq.to_be_bytes());
        match self {
            Message::EchoRequest | Message::VersionNotSupported | Message::NodeAliveResponse => {}
            Message::EchoResponse { recovery } => w.put(&[ie::RECOVERY, *recovery]),
            Message::RedirectionResponse { cause } => w.put(&[ie::CAUSE, *cause]),
            Message::NodeAliveRequest { node, alternative } => {
                w.address(ie::CHARGING_GATEWAY_ADDRESS, node);
                if let Some(a) = alternative {
                    w.address(ie::CHARGING_GATEWAY_ADDRESS, a);
                }
            }
            Message::RedirectionRequest { cause, recommended } => {
                w.put(&[ie::CAUSE, *cause]);
                if let Some(a) = recommended {
                    w.address(ie::RECOMMENDED_NODE, a);
                }
            }
            Message::Send {
                possibly_duplicated,
                records,
            } => {
                let cmd = if *possibly_duplicated {
                    Command::SendPossiblyDuplicated
                } else {
                    Command::Send
                };
                w.put(&[ie::PACKET_TRANSFER_COMMAND, cmd as u8]);
                if records.is_empty() {
                    w.put(&[ie::DATA_RECORD_PACKET, 0, 0]);
                    return Ok(n);
                }
                let value_len = 4 + records.iter().map(|r| 2 + r.len()).sum::<usize>();
                w.put(&[ie::DATA_RECORD_PACKET]);
                w.put(&(value_len as u16).to_be_bytes());
                let (format, v) = records.format();
                w.put(&[
                    records.len() as u8,
                    format,
                    (v.application << 4) | (v.release & 0x0f),
                    v.version,
                ]);
                for r in records.iter() {
                    w.put(&(r.len() as u16).to_be_bytes());
                    w.put(r);
                }
            }
            Message::Cancel { packets } => {
                w.put(&[ie::PACKET_TRANSFER_COMMAND, Command::Cancel as u8]);
                w.seqs(ie::CANCELLED_PACKETS, packets);
            }
            Message::Release { packets } => {
                w.put(&[ie::PACKET_TRANSFER_COMMAND, Command::Release as u8]);
                w.seqs(ie::RELEASED_PACKETS, packets);
            }
            Message::TransferResponse { cause, responded } => {
                w.put(&[ie::CAUSE, *cause]);
                w.seqs(ie::REQUESTS_RESPONDED, responded);
            }
        }
        debug_assert_eq!(w.at, n);
        Ok(n)
    }
}

/// Forward writer over a slice sized by `buffer_len()` (so no bounds can fail).
struct Cursor<'b> {
    buf: &'b mut [u8],
    at: usize,
}

impl Cursor<'_> {
    fn put(&mut self, b: &[u8]) {
        self.buf[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
    }

    fn address(&mut self, ie: u8, a: &IpAddr) {
        match a {
            IpAddr::V4(v4) => {
                self.put(&[ie, 0, 4]);
                self.put(&v4.octets());
            }
            IpAddr::V6(v6) => {
                self.put(&[ie, 0, 16]);
                self.put(&v6.octets());
            }
        }
    }

    fn seqs(&mut self, ie: u8, list: &SeqList<'_>) {
        self.put(&[ie]);
        self.put(&((2 * list.len()) as u16).to_be_bytes());
        for s in list.iter() {
            self.put(&s.to_be_bytes());
        }
    }
}
