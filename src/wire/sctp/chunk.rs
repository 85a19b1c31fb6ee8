//! Chunk views and representations (RFC 4960 §3.2 chunk layout, §3.3.1–§3.3.13 the chunk
//! types). [`Chunk`] is the raw type/flags/value view; [`ChunkRepr`] the validated form that
//! borrows variable parts (user data, cookies, causes, gap blocks) from the packet.

use super::param::{AddressTypes, Param, Params};
use super::{chunk_type as ct, pad4, param_type as pt, Error};

/// One chunk as it sits in a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// Chunk type.
    pub chunk_type: u8,
    /// Chunk flags.
    pub flags: u8,
    /// Chunk value: the bytes after the 4-byte header, without padding.
    pub value: &'a [u8],
}

/// Iterator over the chunks after a common header; yields one error and stops when a chunk's
/// length is broken.
#[derive(Debug, Clone)]
pub struct Chunks<'a> {
    data: &'a [u8],
    offset: usize,
    failed: bool,
}

impl<'a> Chunks<'a> {
    /// Walks the chunks in `data` (a packet without its 12-byte header).
    pub const fn new(data: &'a [u8]) -> Self {
        Chunks {
            data,
            offset: 0,
            failed: false,
        }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = Result<Chunk<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = &self.data[self.offset..];
        if self.failed || rest.is_empty() {
            return None;
        }
        let offset = self.offset + super::HEADER_LEN;
        if rest.len() < 4 {
            self.failed = true;
            return Some(Err(Error::TruncatedChunk { offset }));
        }
        let length = u16::from_be_bytes([rest[2], rest[3]]);
        let len = length as usize;
        if len < 4 {
            self.failed = true;
            return Some(Err(Error::BadChunkLength {
                chunk_type: rest[0],
                length,
            }));
        }
        if len > rest.len() {
            self.failed = true;
            return Some(Err(Error::TruncatedChunk { offset }));
        }
        self.offset += pad4(len).min(rest.len());
        Some(Ok(Chunk {
            chunk_type: rest[0],
            flags: rest[1],
            value: &rest[4..len],
        }))
    }
}

/// DATA chunk (RFC 4960 §3.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataChunk<'a> {
    /// Transmission Sequence Number.
    pub tsn: u32,
    /// Stream Identifier S.
    pub stream_id: u16,
    /// Stream Sequence Number n (ignored when `unordered`).
    pub ssn: u16,
    /// Payload Protocol Identifier (46: Diameter).
    pub ppid: u32,
    /// U bit: unordered delivery.
    pub unordered: bool,
    /// B bit: first fragment of a user message.
    pub beginning: bool,
    /// E bit: last fragment of a user message.
    pub ending: bool,
    /// I bit (RFC 7053): ask the receiver to SACK at once.
    pub immediate: bool,
    /// User data (non-empty).
    pub user_data: &'a [u8],
}

/// Length of a DATA chunk's header (chunk header and the fixed fields).
pub const DATA_HEADER_LEN: usize = 16;

/// INIT or INIT ACK chunk (RFC 4960 §3.3.2, §3.3.3) with the parameters roamsim uses.
///
/// Parsing walks every parameter: the State Cookie and Supported Address Types are kept,
/// IPv4/IPv6 addresses and other known ones skipped (a UDP-encapsulated association is
/// single-homed), and an unknown parameter whose action bits say "stop" ends the walk (§3.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitChunk<'a> {
    /// Initiate Tag: the tag the sender wants in the packets it receives.
    pub initiate_tag: u32,
    /// Advertised Receiver Window Credit, bytes.
    pub a_rwnd: u32,
    /// Number of Outbound Streams.
    pub outbound_streams: u16,
    /// Number of Inbound Streams.
    pub inbound_streams: u16,
    /// Initial TSN.
    pub initial_tsn: u32,
    /// State Cookie parameter (mandatory in INIT ACK, absent in INIT).
    pub state_cookie: Option<&'a [u8]>,
    /// Supported Address Types parameter.
    pub address_types: Option<AddressTypes>,
}

/// One Gap Ack Block of a SACK: TSN offsets from the Cumulative TSN Ack, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GapBlock {
    /// Offset of the first TSN received in the block.
    pub start: u16,
    /// Offset of the last TSN received in the block.
    pub end: u16,
}

/// Gap Ack Blocks of a SACK: on the wire (parsed) or from a caller's list (to emit).
#[derive(Debug, Clone, Copy)]
pub enum GapBlocks<'a> {
    /// Packed 4-byte blocks from a received chunk.
    Wire(&'a [u8]),
    /// Blocks to emit.
    List(&'a [GapBlock]),
}

impl<'a> GapBlocks<'a> {
    /// Number of blocks.
    pub fn len(&self) -> usize {
        match self {
            GapBlocks::Wire(b) => b.len() / 4,
            GapBlocks::List(l) => l.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The blocks in order.
    pub fn iter(&self) -> impl Iterator<Item = GapBlock> + 'a {
        let (wire, list): (&'a [u8], &'a [GapBlock]) = match *self {
            GapBlocks::Wire(b) => (b, &[]),
            GapBlocks::List(l) => (&[], l),
        };
        wire.chunks_exact(4)
            .map(|c| GapBlock {
                start: u16::from_be_bytes([c[0], c[1]]),
                end: u16::from_be_bytes([c[2], c[3]]),
            })
            .chain(list.iter().copied())
    }
}

impl PartialEq for GapBlocks<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for GapBlocks<'_> {}

/// Duplicate TSNs of a SACK: on the wire (parsed) or from a caller's list (to emit).
#[derive(Debug, Clone, Copy)]
pub enum DupTsns<'a> {
    /// Packed 4-byte TSNs from a received chunk.
    Wire(&'a [u8]),
    /// TSNs to emit.
    List(&'a [u32]),
}

impl<'a> DupTsns<'a> {
    /// Number of TSNs.
    pub fn len(&self) -> usize {
        match self {
            DupTsns::Wire(b) => b.len() / 4,
            DupTsns::List(l) => l.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The TSNs in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        let (wire, list): (&'a [u8], &'a [u32]) = match *self {
            DupTsns::Wire(b) => (b, &[]),
            DupTsns::List(l) => (&[], l),
        };
        wire.chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .chain(list.iter().copied())
    }
}

impl PartialEq for DupTsns<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for DupTsns<'_> {}

/// SACK chunk (RFC 4960 §3.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SackChunk<'a> {
    /// Cumulative TSN Ack.
    pub cum_tsn_ack: u32,
    /// Advertised Receiver Window Credit, bytes.
    pub a_rwnd: u32,
    /// Gap Ack Blocks.
    pub gap_blocks: GapBlocks<'a>,
    /// Duplicate TSNs.
    pub dup_tsns: DupTsns<'a>,
}

/// A validated chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkRepr<'a> {
    /// DATA.
    Data(DataChunk<'a>),
    /// INIT.
    Init(InitChunk<'a>),
    /// INIT ACK.
    InitAck(InitChunk<'a>),
    /// SACK.
    Sack(SackChunk<'a>),
    /// HEARTBEAT with its Heartbeat Information (opaque to the receiver).
    Heartbeat {
        /// Sender-specific information.
        info: &'a [u8],
    },
    /// HEARTBEAT ACK echoing the Heartbeat Information.
    HeartbeatAck {
        /// The echoed information.
        info: &'a [u8],
    },
    /// ABORT.
    Abort {
        /// T bit: the verification tag is the sender's own (reflected).
        tag_reflected: bool,
        /// Error causes, packed (walk with [`super::Causes`]).
        causes: &'a [u8],
    },
    /// SHUTDOWN.
    Shutdown {
        /// Cumulative TSN Ack.
        cum_tsn_ack: u32,
    },
    /// SHUTDOWN ACK.
    ShutdownAck,
    /// ERROR (Operation Error).
    Error {
        /// Error causes, packed (walk with [`super::Causes`]).
        causes: &'a [u8],
    },
    /// COOKIE ECHO.
    CookieEcho {
        /// The State Cookie from the INIT ACK.
        cookie: &'a [u8],
    },
    /// COOKIE ACK.
    CookieAck,
    /// SHUTDOWN COMPLETE.
    ShutdownComplete {
        /// T bit: the verification tag is the sender's own (reflected).
        tag_reflected: bool,
    },
    /// Any other chunk type, left to the caller (RFC 4960 §3.2 action bits).
    Unknown(Chunk<'a>),
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

impl<'a> ChunkRepr<'a> {
    /// Validates `chunk`.
    pub fn parse(chunk: &Chunk<'a>) -> Result<ChunkRepr<'a>, Error> {
        let v = chunk.value;
        let bad = || Error::BadChunkLength {
            chunk_type: chunk.chunk_type,
            length: (v.len() + 4) as u16,
        };
        let t_bit = chunk.flags & 0x01 != 0;
        Ok(match chunk.chunk_type {
            ct::DATA => ChunkRepr::Data(parse_data(chunk).ok_or_else(bad)??),
            ct::INIT | ct::INIT_ACK => {
                let init = parse_init(chunk.chunk_type, v).ok_or_else(bad)??;
                if chunk.chunk_type == ct::INIT {
                    ChunkRepr::Init(init)
                } else {
                    ChunkRepr::InitAck(init)
                }
            }
            ct::SACK => ChunkRepr::Sack(parse_sack(v).ok_or_else(bad)?),
            ct::HEARTBEAT => ChunkRepr::Heartbeat {
                info: parse_hb_info(chunk.chunk_type, v)?,
            },
            ct::HEARTBEAT_ACK => ChunkRepr::HeartbeatAck {
                info: parse_hb_info(chunk.chunk_type, v)?,
            },
            ct::ABORT => {
                Params::validate(v)?;
                ChunkRepr::Abort {
                    tag_reflected: t_bit,
                    causes: v,
                }
            }
            ct::SHUTDOWN if v.len() == 4 => ChunkRepr::Shutdown {
                cum_tsn_ack: be32(v),
            },
            ct::SHUTDOWN_ACK if v.is_empty() => ChunkRepr::ShutdownAck,
            ct::ERROR => {
                Params::validate(v)?;
                ChunkRepr::Error { causes: v }
            }
            ct::COOKIE_ECHO if !v.is_empty() => ChunkRepr::CookieEcho { cookie: v },
            ct::COOKIE_ACK if v.is_empty() => ChunkRepr::CookieAck,
            ct::SHUTDOWN_COMPLETE if v.is_empty() => ChunkRepr::ShutdownComplete {
                tag_reflected: t_bit,
            },
            ct::SHUTDOWN | ct::SHUTDOWN_ACK | ct::COOKIE_ECHO | ct::COOKIE_ACK => return Err(bad()),
            ct::SHUTDOWN_COMPLETE => return Err(bad()),
            _ => ChunkRepr::Unknown(*chunk),
        })
    }

    /// Chunk type code.
    pub fn chunk_type(&self) -> u8 {
        match self {
            ChunkRepr::Data(_) => ct::DATA,
            ChunkRepr::Init(_) => ct::INIT,
            ChunkRepr::InitAck(_) => ct::INIT_ACK,
            ChunkRepr::Sack(_) => ct::SACK,
            ChunkRepr::Heartbeat { .. } => ct::HEARTBEAT,
            ChunkRepr::HeartbeatAck { .. } => ct::HEARTBEAT_ACK,
            ChunkRepr::Abort { .. } => ct::ABORT,
            ChunkRepr::Shutdown { .. } => ct::SHUTDOWN,
            ChunkRepr::ShutdownAck => ct::SHUTDOWN_ACK,
            ChunkRepr::Error { .. } => ct::ERROR,
            ChunkRepr::CookieEcho { .. } => ct::COOKIE_ECHO,
            ChunkRepr::CookieAck => ct::COOKIE_ACK,
            ChunkRepr::ShutdownComplete { .. } => ct::SHUTDOWN_COMPLETE,
            ChunkRepr::Unknown(c) => c.chunk_type,
        }
    }

    /// Chunk Length field: header and value, without padding.
    pub fn chunk_len(&self) -> usize {
        4 + match self {
            ChunkRepr::Data(d) => 12 + d.user_data.len(),
            ChunkRepr::Init(i) | ChunkRepr::InitAck(i) => {
                16 + i.state_cookie.map_or(0, |c| pad4(4 + c.len()))
                    + i.address_types.map_or(0, |a| pad4(4 + a.value().1))
            }
            ChunkRepr::Sack(s) => 12 + 4 * (s.gap_blocks.len() + s.dup_tsns.len()),
            ChunkRepr::Heartbeat { info } | ChunkRepr::HeartbeatAck { info } => 4 + info.len(),
            ChunkRepr::Abort { causes, .. } | ChunkRepr::Error { causes } => causes.len(),
            ChunkRepr::Shutdown { .. } => 4,
            ChunkRepr::CookieEcho { cookie } => cookie.len(),
            ChunkRepr::ShutdownAck | ChunkRepr::CookieAck | ChunkRepr::ShutdownComplete { .. } => 0,
            ChunkRepr::Unknown(c) => c.value.len(),
        }
    }

    /// Bytes the chunk takes in a packet, padding included.
    pub fn buffer_len(&self) -> usize {
        pad4(self.chunk_len())
    }

    fn flags(&self) -> u8 {
        match self {
            ChunkRepr::Data(d) => {
                (d.immediate as u8) << 3
                    | (d.unordered as u8) << 2
                    | (d.beginning as u8) << 1
                    | d.ending as u8
            }
            ChunkRepr::Abort { tag_reflected, .. }
            | ChunkRepr::ShutdownComplete { tag_reflected } => *tag_reflected as u8,
            ChunkRepr::Unknown(c) => c.flags,
            _ => 0,
        }
    }

    /// Writes the chunk and its zero padding into `buf[..buffer_len()]`; returns that length.
    ///
    /// # Panics
    /// If `buf` is shorter than [`ChunkRepr::buffer_len`] or the chunk exceeds 65535 bytes.
    pub fn emit(&self, buf: &mut [u8]) -> usize {
        let len = self.chunk_len();
        let total = pad4(len);
        let len16 = u16::try_from(len).expect("SCTP chunk longer than 65535 bytes");
        buf[0] = self.chunk_type();
        buf[1] = self.flags();
        buf[2..4].copy_from_slice(&len16.to_be_bytes());
        let v = &mut buf[4..total];
        match self {
            ChunkRepr::Data(d) => {
                v[0..4].copy_from_slice(&d.tsn.to_be_bytes());
                v[4..6].copy_from_slice(&d.stream_id.to_be_bytes());
                v[6..8].copy_from_slice(&d.ssn.to_be_bytes());
                v[8..12].copy_from_slice(&d.ppid.to_be_bytes());
                v[12..12 + d.user_data.len()].copy_from_slice(d.user_data);
            }
            ChunkRepr::Init(i) | ChunkRepr::InitAck(i) => emit_init(i, v),
            ChunkRepr::Sack(s) => emit_sack(s, v),
            ChunkRepr::Heartbeat { info } | ChunkRepr::HeartbeatAck { info } => {
                Param {
                    param_type: pt::HEARTBEAT_INFO,
                    value: info,
                }
                .emit(v);
            }
            ChunkRepr::Abort { causes: b, .. }
            | ChunkRepr::Error { causes: b }
            | ChunkRepr::CookieEcho { cookie: b } => v[..b.len()].copy_from_slice(b),
            ChunkRepr::Shutdown { cum_tsn_ack } => {
                v[..4].copy_from_slice(&cum_tsn_ack.to_be_bytes())
            }
            ChunkRepr::Unknown(c) => v[..c.value.len()].copy_from_slice(c.value),
            ChunkRepr::ShutdownAck | ChunkRepr::CookieAck | ChunkRepr::ShutdownComplete { .. } => {}
        }
        buf[len..total].fill(0);
        total
    }
}

fn parse_data<'a>(chunk: &Chunk<'a>) -> Option<Result<DataChunk<'a>, Error>> {
    let v = chunk.value;
    if v.len() < 12 {
        return None;
    }
    let tsn = be32(v);
    if v.len() == 12 {
        return Some(Err(Error::NoUserData { tsn }));
    }
    Some(Ok(DataChunk {
        tsn,
        stream_id: be16(&v[4..]),
        ssn: be16(&v[6..]),
        ppid: be32(&v[8..]),
        immediate: chunk.flags & 0x08 != 0,
        unordered: chunk.flags & 0x04 != 0,
        beginning: chunk.flags & 0x02 != 0,
        ending: chunk.flags & 0x01 != 0,
        user_data: &v[12..],
    }))
}

fn parse_init(chunk_type: u8, v: &[u8]) -> Option<Result<InitChunk<'_>, Error>> {
    if v.len() < 16 {
        return None;
    }
    let mut init = InitChunk {
        initiate_tag: be32(v),
        a_rwnd: be32(&v[4..]),
        outbound_streams: be16(&v[8..]),
        inbound_streams: be16(&v[10..]),
        initial_tsn: be32(&v[12..]),
        state_cookie: None,
        address_types: None,
    };
    for p in Params::new(&v[16..]) {
        let p = match p {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        match p.param_type {
            pt::STATE_COOKIE => init.state_cookie = Some(p.value),
            pt::SUPPORTED_ADDRESS_TYPES => init.address_types = Some(AddressTypes::parse(p.value)),
            pt::IPV4_ADDRESS
            | pt::IPV6_ADDRESS
            | pt::COOKIE_PRESERVATIVE
            | pt::HOST_NAME_ADDRESS
            | pt::UNRECOGNIZED => {}
            _ if p.skip_if_unknown() => {}
            _ => break,
        }
    }
    if chunk_type == ct::INIT_ACK && init.state_cookie.is_none() {
        return Some(Err(Error::MissingParameter {
            chunk_type,
            param_type: pt::STATE_COOKIE,
        }));
    }
    Some(Ok(init))
}

fn emit_init(i: &InitChunk<'_>, v: &mut [u8]) {
    v[0..4].copy_from_slice(&i.initiate_tag.to_be_bytes());
    v[4..8].copy_from_slice(&i.a_rwnd.to_be_bytes());
    v[8..10].copy_from_slice(&i.outbound_streams.to_be_bytes());
    v[10..12].copy_from_slice(&i.inbound_streams.to_be_bytes());
    v[12..16].copy_from_slice(&i.initial_tsn.to_be_bytes());
    let mut at = 16;
    if let Some(cookie) = i.state_cookie {
        at += Param {
            param_type: pt::STATE_COOKIE,
            value: cookie,
        }
        .emit(&mut v[at..]);
    }
    if let Some(a) = i.address_types {
        let (value, n) = a.value();
        Param {
            param_type: pt::SUPPORTED_ADDRESS_TYPES,
            value: &value[..n],
        }
        .emit(&mut v[at..]);
    }
}

fn parse_sack(v: &[u8]) -> Option<SackChunk<'_>> {
    if v.len() < 12 {
        return None;
    }
    let gaps = be16(&v[8..]) as usize;
    let dups = be16(&v[10..]) as usize;
    let gap_end = 12 + 4 * gaps;
    if v.len() != gap_end + 4 * dups {
        return None;
    }
    Some(SackChunk {
        cum_tsn_ack: be32(v),
        a_rwnd: be32(&v[4..]),
        gap_blocks: GapBlocks::Wire(&v[12..gap_end]),
        dup_tsns: DupTsns::Wire(&v[gap_end..]),
    })
}

fn emit_sack(s: &SackChunk<'_>, v: &mut [u8]) {
    v[0..4].copy_from_slice(&s.cum_tsn_ack.to_be_bytes());
    v[4..8].copy_from_slice(&s.a_rwnd.to_be_bytes());
    v[8..10].copy_from_slice(&(s.gap_blocks.len() as u16).to_be_bytes());
    v[10..12].copy_from_slice(&(s.dup_tsns.len() as u16).to_be_bytes());
    let mut at = 12;
    for g in s.gap_blocks.iter() {
        v[at..at + 2].copy_from_slice(&g.start.to_be_bytes());
        v[at + 2..at + 4].copy_from_slice(&g.end.to_be_bytes());
        at += 4;
    }
    for t in s.dup_tsns.iter() {
        v[at..at + 4].copy_from_slice(&t.to_be_bytes());
        at += 4;
    }
}

fn parse_hb_info(chunk_type: u8, v: &[u8]) -> Result<&[u8], Error> {
    for p in Params::new(v) {
        let p = p?;
        if p.param_type == pt::HEARTBEAT_INFO {
            return Ok(p.value);
        }
    }
    Err(Error::MissingParameter {
        chunk_type,
        param_type: pt::HEARTBEAT_INFO,
    })
}
