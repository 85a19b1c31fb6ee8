//! SCTP packet codec (RFC 4960 §3, as revised by RFC 9260 §3): the 12-byte common header with
//! its CRC32c checksum (§6.8, Appendix B), chunk views and validated chunk representations for
//! DATA, INIT, INIT ACK, SACK, HEARTBEAT, HEARTBEAT ACK, ABORT, SHUTDOWN, SHUTDOWN ACK, ERROR,
//! COOKIE ECHO, COOKIE ACK and SHUTDOWN COMPLETE (§3.3.1–§3.3.13), their parameters (§3.2.1,
//! §3.3.2.1) and error causes (§3.3.10).
//!
//! The packets are the same whether they ride directly on IP or inside UDP datagrams (RFC 6951
//! §5: the SCTP packet is the UDP payload, default port [`UDP_ENCAPS_PORT`]).
//!
//! - [`Packet`] is a zero-copy view over received bytes; [`Packet::chunks`] walks [`Chunk`]
//!   views; [`ChunkRepr::parse`] validates one into a representation that borrows the buffer.
//! - [`ChunkRepr::emit`] writes into a caller-owned slice of [`ChunkRepr::buffer_len`] bytes;
//!   [`PacketBuilder`] appends a whole packet (header, chunks, checksum) to a caller's `Vec`.

mod chunk;
pub mod crc32c;
mod packet;
mod param;

#[cfg(test)]
mod tests;

pub use chunk::{
    Chunk, ChunkRepr, Chunks, DataChunk, DupTsns, GapBlock, GapBlocks, InitChunk, SackChunk,
    DATA_HEADER_LEN,
};
pub use packet::{Header, Packet, PacketBuilder, HEADER_LEN};
pub use param::{AddressTypes, Cause, Causes, Param, Params};

/// IANA registered UDP port for SCTP over UDP (RFC 6951 §5.1).
pub const UDP_ENCAPS_PORT: u16 = 9899;

/// Payload Protocol Identifier for Diameter (IANA "SCTP Payload Protocol Identifiers": 46).
pub const PPID_DIAMETER: u32 = 46;

/// Chunk type codes (RFC 4960 §3.2).
pub mod chunk_type {
    /// Payload Data.
    pub const DATA: u8 = 0;
    /// Initiation.
    pub const INIT: u8 = 1;
    /// Initiation Acknowledgement.
    pub const INIT_ACK: u8 = 2;
    /// Selective Acknowledgement.
    pub const SACK: u8 = 3;
    /// Heartbeat Request.
    pub const HEARTBEAT: u8 = 4;
    /// Heartbeat Acknowledgement.
    pub const HEARTBEAT_ACK: u8 = 5;
    /// Abort.
    pub const ABORT: u8 = 6;
    /// Shutdown.
    pub const SHUTDOWN: u8 = 7;
    /// Shutdown Acknowledgement.
    pub const SHUTDOWN_ACK: u8 = 8;
    /// Operation Error.
    pub const ERROR: u8 = 9;
    /// State Cookie.
    pub const COOKIE_ECHO: u8 = 10;
    /// Cookie Acknowledgement.
    pub const COOKIE_ACK: u8 = 11;
    /// Shutdown Complete.
    pub const SHUTDOWN_COMPLETE: u8 = 14;
}

/// Parameter type codes (RFC 4960 §3.2.1, §3.3.2.1, §3.3.6).
pub mod param_type {
    /// Heartbeat Info (in HEARTBEAT / HEARTBEAT ACK).
    pub const HEARTBEAT_INFO: u16 = 1;
    /// IPv4 Address.
    pub const IPV4_ADDRESS: u16 = 5;
    /// IPv6 Address.
    pub const IPV6_ADDRESS: u16 = 6;
    /// State Cookie (INIT ACK).
    pub const STATE_COOKIE: u16 = 7;
    /// Unrecognized Parameter (INIT ACK).
    pub const UNRECOGNIZED: u16 = 8;
    /// Cookie Preservative (INIT).
    pub const COOKIE_PRESERVATIVE: u16 = 9;
    /// Host Name Address (deprecated by RFC 9260).
    pub const HOST_NAME_ADDRESS: u16 = 11;
    /// Supported Address Types (INIT).
    pub const SUPPORTED_ADDRESS_TYPES: u16 = 12;
}

/// Error cause codes (RFC 4960 §3.3.10).
pub mod cause_code {
    /// Invalid Stream Identifier.
    pub const INVALID_STREAM: u16 = 1;
    /// Missing Mandatory Parameter.
    pub const MISSING_PARAMETER: u16 = 2;
    /// Stale Cookie Error (info: measure of staleness, µs).
    pub const STALE_COOKIE: u16 = 3;
    /// Out of Resource.
    pub const OUT_OF_RESOURCE: u16 = 4;
    /// Unrecognized Chunk Type.
    pub const UNRECOGNIZED_CHUNK: u16 = 6;
    /// No User Data.
    pub const NO_USER_DATA: u16 = 9;
    /// Cookie Received While Shutting Down.
    pub const COOKIE_WHILE_SHUTTING_DOWN: u16 = 10;
    /// User-Initiated Abort.
    pub const USER_INITIATED_ABORT: u16 = 12;
    /// Protocol Violation.
    pub const PROTOCOL_VIOLATION: u16 = 13;
}

/// Why bytes are not a valid SCTP packet, chunk or parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Fewer than 12 bytes: no common header.
    #[error("SCTP packet of {len} bytes is shorter than the 12-byte common header")]
    TruncatedHeader {
        /// Bytes present.
        len: usize,
    },
    /// A chunk header or its declared length runs past the end of the packet.
    #[error("SCTP chunk at offset {offset} runs past the end of the packet")]
    TruncatedChunk {
        /// Offset of the chunk in the packet.
        offset: usize,
    },
    /// A chunk's length field is below its type's minimum.
    #[error("SCTP chunk type {chunk_type} has invalid length {length}")]
    BadChunkLength {
        /// Chunk type.
        chunk_type: u8,
        /// Its Chunk Length field.
        length: u16,
    },
    /// A parameter or error cause is truncated or shorter than 4 bytes.
    #[error("SCTP parameter or cause type {param_type} is malformed")]
    BadParameter {
        /// Parameter type or cause code.
        param_type: u16,
    },
    /// A chunk lacks a mandatory parameter (e.g. INIT ACK without State Cookie).
    #[error("SCTP chunk type {chunk_type} lacks mandatory parameter {param_type}")]
    MissingParameter {
        /// Chunk type.
        chunk_type: u8,
        /// Missing parameter type.
        param_type: u16,
    },
    /// A DATA chunk carries no user data (RFC 4960 §6.2: "No User Data" error).
    #[error("SCTP DATA chunk with TSN {tsn} carries no user data")]
    NoUserData {
        /// Its TSN.
        tsn: u32,
    },
    /// The CRC32c in the common header does not match the packet.
    #[error("SCTP checksum {found:#010x} does not match computed {computed:#010x}")]
    BadChecksum {
        /// Value in the packet.
        found: u32,
        /// Value computed over the packet.
        computed: u32,
    },
}

/// Rounds `n` up to the next multiple of 4 (chunk and parameter padding, RFC 4960 §3.2).
pub const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}
