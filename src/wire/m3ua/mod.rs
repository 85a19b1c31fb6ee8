//! M3UA, the SS7 MTP3-User Adaptation Layer (RFC 4666): the common message header (§3.1), the
//! parameter format (§3.2) and the messages an ASP exchanges with an SGP or an IPSP peer: ASP
//! state maintenance (ASPUP, ASPDN, BEAT and their acknowledgements, §3.5), traffic maintenance
//! (ASPAC, ASPIA and acknowledgements, §3.7), management (ERR, NTFY, §3.8), SS7 signalling network
//! management (DUNA, DAVA, DAUD, §3.4) and DATA with its Protocol Data parameter (§3.3.1).
//!
//! [`Message::parse`] reads a whole message from a buffer (borrowing it: opaque values such as
//! the user data stay slices of the input) and [`Message::emit`] writes one into a caller-owned
//! buffer of [`Message::buffer_len`] bytes. Unknown optional parameters are skipped as §3.2 asks;
//! a missing mandatory one, or one of the wrong size, is an [`Error`] naming its tag.

#[cfg(test)]
mod tests;

/// M3UA's SCTP Payload Protocol Identifier (RFC 4666 §1.4.7, IANA: 3).
pub const PPID: u32 = 3;
/// The registered SCTP port (RFC 4666 §1.4.6).
pub const PORT: u16 = 2905;
/// Length of the common header.
pub const HEADER_LEN: usize = 8;
/// Service Indicator of SCCP in Protocol Data (Q.704 §14.2.1).
pub const SI_SCCP: u8 = 3;

/// Parameter tags (RFC 4666 §3.2, §3.3).
pub mod tag {
    /// INFO String.
    pub const INFO_STRING: u16 = 0x0004;
    /// Routing Context.
    pub const ROUTING_CONTEXT: u16 = 0x0006;
    /// Diagnostic Information.
    pub const DIAGNOSTIC: u16 = 0x0007;
    /// Heartbeat Data.
    pub const HEARTBEAT_DATA: u16 = 0x0009;
    /// Traffic Mode Type.
    pub const TRAFFIC_MODE: u16 = 0x000b;
    /// Error Code.
    pub const ERROR_CODE: u16 = 0x000c;
    /// Status.
    pub const STATUS: u16 = 0x000d;
    /// ASP Identifier.
    pub const ASP_ID: u16 = 0x0011;
    /// Affected Point Code.
    pub const AFFECTED_PC: u16 = 0x0012;
    /// Correlation ID.
    pub const CORRELATION_ID: u16 = 0x0013;
    /// Network Appearance.
    pub const NETWORK_APPEARANCE: u16 = 0x0200;
    /// Protocol Data.
    pub const PROTOCOL_DATA: u16 = 0x0210;
}

/// Error Code values (RFC 4666 §3.8.1).
pub mod error_code {
    /// Invalid Version.
    pub const INVALID_VERSION: u32 = 0x01;
    /// Unsupported Message Class.
    pub const UNSUPPORTED_CLASS: u32 = 0x03;
    /// Unsupported Message Type.
    pub const UNSUPPORTED_TYPE: u32 = 0x04;
    /// Unsupported Traffic Mode Type.
    pub const UNSUPPORTED_TRAFFIC_MODE: u32 = 0x05;
    /// Unexpected Message.
    pub const UNEXPECTED_MESSAGE: u32 = 0x06;
    /// Protocol Error.
    pub const PROTOCOL_ERROR: u32 = 0x07;
    /// Invalid Stream Identifier.
    pub const INVALID_STREAM: u32 = 0x09;
    /// Invalid Parameter Value.
    pub const INVALID_PARAMETER_VALUE: u32 = 0x11;
    /// Parameter Field Error.
    pub const PARAMETER_FIELD_ERROR: u32 = 0x12;
    /// Missing Parameter.
    pub const MISSING_PARAMETER: u32 = 0x16;
    /// Invalid Routing Context.
    pub const INVALID_ROUTING_CONTEXT: u32 = 0x19;
    /// No Configured AS for ASP.
    pub const NO_CONFIGURED_AS: u32 = 0x1a;
}

/// Why bytes are not an M3UA message this codec reads, or a message could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Fewer bytes than the common header or its Message Length says.
    #[error("M3UA message truncated")]
    Truncated,
    /// Version other than 1.
    #[error("M3UA version {0} not supported")]
    BadVersion(u8),
    /// A Message Length below 8 or not a multiple of 4.
    #[error("M3UA message length {0} invalid")]
    BadLength(u32),
    /// A class/type pair this codec does not know (RFC 4666 §3.1.2).
    #[error("M3UA message class {class} type {kind} not supported")]
    Unsupported {
        /// Message Class.
        class: u8,
        /// Message Type.
        kind: u8,
    },
    /// A parameter whose length field is below 4 or runs past the message.
    #[error("M3UA parameter {tag:#06x} has a bad length")]
    BadParameterLength {
        /// Parameter Tag.
        tag: u16,
    },
    /// A mandatory parameter is absent.
    #[error("M3UA mandatory parameter {tag:#06x} missing")]
    MissingParameter {
        /// Parameter Tag.
        tag: u16,
    },
    /// A parameter's value has the wrong size or an unknown code.
    #[error("M3UA parameter {tag:#06x} has an invalid value")]
    BadParameter {
        /// Parameter Tag.
        tag: u16,
    },
    /// The output buffer is smaller than `buffer_len()`.
    #[error("output buffer too small")]
    BufferTooSmall,
}

/// Traffic Mode Type (RFC 4666 §3.7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrafficMode {
    /// One ASP active at a time; a newly active ASP takes over.
    Override = 1,
    /// Traffic shared among the active ASPs.
    Loadshare = 2,
    /// Every active ASP receives all traffic.
    Broadcast = 3,
}

/// The Status parameter of a NTFY (RFC 4666 §3.8.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// Status Type: 1 application server state change, 2 other.
    pub kind: u16,
    /// Status Information: for type 1, 2 AS-INACTIVE, 3 AS-ACTIVE, 4 AS-PENDING; for type 2,
    /// 1 insufficient ASP resources, 2 alternate ASP active, 3 ASP failure.
    pub info: u16,
}

impl Status {
    /// AS-ACTIVE.
    pub const AS_ACTIVE: Status = Status { kind: 1, info: 3 };
    /// AS-INACTIVE.
    pub const AS_INACTIVE: Status = Status { kind: 1, info: 2 };
    /// AS-PENDING.
    pub const AS_PENDING: Status = Status { kind: 1, info: 4 };
    /// Alternate ASP active (this ASP was overridden).
    pub const ALTERNATE_ASP_ACTIVE: Status = Status { kind: 2, info: 2 };
}

/// Affected Point Code entries (RFC 4666 §3.4.1): each a mask octet and a 24-bit point code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointCodes<'a> {
    /// As received: 4 octets per entry.
    Wire(&'a [u8]),
    /// Point codes to send, each with mask 0.
    List(&'a [u32]),
}

impl<'a> PointCodes<'a> {
    /// Number of entries.
    pub fn len(&self) -> usize {
        match self {
            PointCodes::Wire(b) => b.len() / 4,
            PointCodes::List(l) => l.len(),
        }
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The point codes (masks dropped: roamsim names single destinations).
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        let (wire, list): (&'a [u8], &'a [u32]) = match *self {
            PointCodes::Wire(b) => (b, &[]),
            PointCodes::List(l) => (&[], l),
        };
        wire.chunks_exact(4)
            .map(|c| u32::from_be_bytes([0, c[1], c[2], c[3]]))
            .chain(list.iter().map(|&pc| pc & 0x00ff_ffff))
    }
}

/// The Protocol Data parameter of DATA (RFC 4666 §3.3.1): the MTP3 routing label and the
/// user part's bytes (for MAP, an SCCP message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProtocolData<'a> {
    /// Originating Point Code.
    pub opc: u32,
    /// Destination Point Code.
    pub dpc: u32,
    /// Service Indicator ([`SI_SCCP`] for SCCP).
    pub si: u8,
    /// Network Indicator (0 international, 2 national).
    pub ni: u8,
    /// Message Priority.
    pub mp: u8,
    /// Signalling Link Selection.
    pub sls: u8,
    /// User Protocol Data.
    pub data: &'a [u8],
}

/// One M3UA message, validated. Optional parameters this codec does not model are skipped on
/// parse; `info` is the INFO String where the message may carry one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// ERR (MGMT 0): Error Code, the Routing Context and Affected Point Codes concerned, and
    /// Diagnostic Information (the offending message).
    Err {
        /// Error Code ([`error_code`]).
        code: u32,
        /// Routing Context.
        routing_context: Option<u32>,
        /// Affected Point Codes.
        affected: Option<PointCodes<'a>>,
        /// Diagnostic Information.
        diagnostic: Option<&'a [u8]>,
    },
    /// NTFY (MGMT 1).
    Notify {
        /// Status.
        status: Status,
        /// ASP Identifier.
        asp_id: Option<u32>,
        /// Routing Context.
        routing_context: Option<u32>,
        /// INFO String.
        info: Option<&'a [u8]>,
    },
    /// DATA (Transfer 1).
    Data {
        /// Network Appearance.
        network_appearance: Option<u32>,
        /// Routing Context.
        routing_context: Option<u32>,
        /// Protocol Data.
        data: ProtocolData<'a>,
        /// Correlation Id.
        correlation_id: Option<u32>,
    },
    /// DUNA (SSNM 1): destinations unavailable.
    Duna(Ssnm<'a>),
    /// DAVA (SSNM 2): destinations available.
    Dava(Ssnm<'a>),
    /// DAUD (SSNM 3): an audit of destinations' state.
    Daud(Ssnm<'a>),
    /// ASPUP (ASPSM 1).
    AspUp {
        /// ASP Identifier.
        asp_id: Option<u32>,
        /// INFO String.
        info: Option<&'a [u8]>,
    },
    /// ASPDN (ASPSM 2).
    AspDown {
        /// INFO String.
        info: Option<&'a [u8]>,
    },
    /// BEAT (ASPSM 3).
    Beat {
        /// Heartbeat Data, echoed in the BEAT ACK.
        data: Option<&'a [u8]>,
    },
    /// ASPUP ACK (ASPSM 4).
    AspUpAck {
        /// ASP Identifier.
        asp_id: Option<u32>,
        /// INFO String.
        info: Option<&'a [u8]>,
    },
    /// ASPDN ACK (ASPSM 5).
    AspDownAck {
        /// INFO String.
        info: Option<&'a [u8]>,
    },
    /// BEAT ACK (ASPSM 6).
    BeatAck {
        /// The Heartbeat Data of the BEAT.
        data: Option<&'a [u8]>,
    },
    /// ASPAC (ASPTM 1).
    AspActive(Asptm<'a>),
    /// ASPIA (ASPTM 2).
    AspInactive(Asptm<'a>),
    /// ASPAC ACK (ASPTM 3).
    AspActiveAck(Asptm<'a>),
    /// ASPIA ACK (ASPTM 4).
    AspInactiveAck(Asptm<'a>),
}

/// The parameters of DUNA, DAVA and DAUD (RFC 4666 §3.4.1–§3.4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ssnm<'a> {
    /// Network Appearance.
    pub network_appearance: Option<u32>,
    /// Routing Context.
    pub routing_context: Option<u32>,
    /// Affected Point Codes (mandatory).
    pub affected: PointCodes<'a>,
    /// INFO String.
    pub info: Option<&'a [u8]>,
}

/// The parameters of ASPAC, ASPIA and their acknowledgements (RFC 4666 §3.7). ASPIA and ASPIA
/// ACK carry no Traffic Mode Type; a `mode` given there is not written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Asptm<'a> {
    /// Traffic Mode Type.
    pub mode: Option<TrafficMode>,
    /// Routing Context.
    pub routing_context: Option<u32>,
    /// INFO String.
    pub info: Option<&'a [u8]>,
}

/// Message classes (RFC 4666 §3.1.2).
mod class {
    pub const MGMT: u8 = 0;
    pub const TRANSFER: u8 = 1;
    pub const SSNM: u8 = 2;
    pub const ASPSM: u8 = 3;
    pub const ASPTM: u8 = 4;
}

/// One parameter as found in a message.
#[derive(Clone, Copy, Debug)]
struct Param<'a> {
    tag: u16,
    value: &'a [u8],
}

/// Walks the parameters after the common header.
fn params(mut data: &[u8]) -> impl Iterator<Item = Result<Param<'_>, Error>> {
    core::iter::from_fn(move || {
        if data.is_empty() {
            return None;
        }
        if data.len() < 4 {
            data = &[];
            return Some(Err(Error::Truncated));
        }
        let tag = u16::from_be_bytes([data[0], data[1]]);
        let len = u16::from_be_bytes([data[2], data[3]]) as usize;
        if len < 4 || len > data.len() {
            data = &[];
            return Some(Err(Error::BadParameterLength { tag }));
        }
        let value = &data[4..len];
        data = data.get(pad4(len)..).unwrap_or(&[]);
        Some(Ok(Param { tag, value }))
    })
}

const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

fn u32_of(p: &Param<'_>) -> Result<u32, Error> {
    match p.value {
        [a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => Err(Error::BadParameter { tag: p.tag }),
    }
}

/// The parameters of one message, gathered by tag (the last occurrence wins).
#[derive(Default)]
struct Found<'a> {
    info: Option<&'a [u8]>,
    routing_context: Option<u32>,
    diagnostic: Option<&'a [u8]>,
    heartbeat: Option<&'a [u8]>,
    mode: Option<TrafficMode>,
    error_code: Option<u32>,
    status: Option<Status>,
    asp_id: Option<u32>,
    affected: Option<PointCodes<'a>>,
    correlation_id: Option<u32>,
    network_appearance: Option<u32>,
    protocol_data: Option<ProtocolData<'a>>,
}

impl<'a> Found<'a> {
    fn gather(body: &'a [u8]) -> Result<Found<'a>, Error> {
        let mut f = Found::default();
        for p in params(body) {
            let p = p?;
            let bad = Error::BadParameter { tag: p.tag };
            match p.tag {
                tag::INFO_STRING => f.info = Some(p.value),
                // A list of contexts: the first names the AS this ASP serves.
                tag::ROUTING_CONTEXT => {
                    let first = p.value.get(..4).ok_or(bad)?;
                    f.routing_context =
                        Some(u32::from_be_bytes([first[0], first[1], first[2], first[3]]));
                }
                tag::DIAGNOSTIC => f.diagnostic = Some(p.value),
                tag::HEARTBEAT_DATA => f.heartbeat = Some(p.value),
                tag::TRAFFIC_MODE => {
                    f.mode = Some(match u32_of(&p)? {
                        1 => TrafficMode::Override,
                        2 => TrafficMode::Loadshare,
                        3 => TrafficMode::Broadcast,
                        _ => return Err(bad),
                    })
                }
                tag::ERROR_CODE => f.error_code = Some(u32_of(&p)?),
                tag::STATUS => {
                    let v = u32_of(&p)?;
                    f.status = Some(Status {
                        kind: (v >> 16) as u16,
                        info: v as u16,
                    });
                }
                tag::ASP_ID => f.asp_id = Some(u32_of(&p)?),
                tag::AFFECTED_PC => {
                    if p.value.is_empty() || p.value.len() % 4 != 0 {
                        return Err(bad);
                    }
                    f.affected = Some(PointCodes::Wire(p.value));
                }
                tag::CORRELATION_ID => f.correlation_id = Some(u32_of(&p)?),
                tag::NETWORK_APPEARANCE => f.network_appearance = Some(u32_of(&p)?),
                tag::PROTOCOL_DATA => {
                    let v = p.value;
                    if v.len() < 12 {
                        return Err(bad);
                    }
                    let be =
                        |at: usize| u32::from_be_bytes([v[at], v[at + 1], v[at + 2], v[at + 3]]);
                    f.protocol_data = Some(ProtocolData {
                        opc: be(0),
                        dpc: be(4),
                        si: v[8],
                        ni: v[9],
                        mp: v[10],
                        sls: v[11],
                        data: &v[12..],
                    });
                }
                _ => {}
            }
        }
        Ok(f)
    }

    fn ssnm(&self) -> Result<Ssnm<'a>, Error> {
        Ok(Ssnm {
            network_appearance: self.network_appearance,
            routing_context: self.routing_context,
            affected: self.affected.ok_or(Error::MissingParameter {
                tag: tag::AFFECTED_PC,
            })?,
            info: self.info,
        })
    }

    fn asptm(&self) -> Asptm<'a> {
        Asptm {
            mode: self.mode,
            routing_context: self.routing_context,
            info: self.info,
        }
    }
}

/// Writes parameters into a buffer, or only counts them (for `buffer_len`).
struct ParamWriter<'b> {
    buf: Option<&'b mut [u8]>,
    at: usize,
    /// A parameter too long for its 16-bit Parameter Length.
    too_long: Option<u16>,
}

impl ParamWriter<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(buf) = self.buf.as_deref_mut() {
            buf[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        }
        self.at += bytes.len();
    }

    /// One parameter whose value is the concatenation of `parts`, padded to 4 octets.
    fn param(&mut self, tag: u16, parts: &[&[u8]]) {
        let len = 4 + parts.iter().map(|p| p.len()).sum::<usize>();
        if len > u16::MAX as usize {
            self.too_long.get_or_insert(tag);
        }
        self.put(&tag.to_be_bytes());
        self.put(&(len as u16).to_be_bytes());
        for p in parts {
            self.put(p);
        }
        let pad = pad4(len) - len;
        self.put(&[0, 0, 0][..pad]);
    }

    fn opt_u32(&mut self, tag: u16, v: Option<u32>) {
        if let Some(v) = v {
            self.param(tag, &[&v.to_be_bytes()]);
        }
    }

    fn opt_bytes(&mut self, tag: u16, v: Option<&[u8]>) {
        if let Some(v) = v {
            self.param(tag, &[v]);
        }
    }

    fn point_codes(&mut self, pcs: &PointCodes<'_>) {
        match pcs {
            PointCodes::Wire(b) => self.param(tag::AFFECTED_PC, &[b]),
            PointCodes::List(l) => {
                if 4 + 4 * l.len() > u16::MAX as usize {
                    self.too_long.get_or_insert(tag::AFFECTED_PC);
                }
                self.put(&tag::AFFECTED_PC.to_be_bytes());
                self.put(&((4 + 4 * l.len()) as u16).to_be_bytes());
                for pc in l.iter() {
                    self.put(&(pc & 0x00ff_ffff).to_be_bytes());
                }
            }
        }
    }
}

impl<'a> Message<'a> {
    /// Parses one message from the start of `data` (which may hold more after it). Returns the
    /// message and its length.
    pub fn parse(data: &'a [u8]) -> Result<(Message<'a>, usize), Error> {
        let h = data.get(..HEADER_LEN).ok_or(Error::Truncated)?;
        if h[0] != 1 {
            return Err(Error::BadVersion(h[0]));
        }
        let len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
        if len < HEADER_LEN as u32 || len % 4 != 0 {
            return Err(Error::BadLength(len));
        }
        let body = data.get(HEADER_LEN..len as usize).ok_or(Error::Truncated)?;
        let f = Found::gather(body)?;
        let missing = |tag| Error::MissingParameter { tag };
        let m = match (h[2], h[3]) {
            (class::MGMT, 0) => Message::Err {
                code: f.error_code.ok_or(missing(tag::ERROR_CODE))?,
                routing_context: f.routing_context,
                affected: f.affected,
                diagnostic: f.diagnostic,
            },
            (class::MGMT, 1) => Message::Notify {
                status: f.status.ok_or(missing(tag::STATUS))?,
                asp_id: f.asp_id,
                routing_context: f.routing_context,
                info: f.info,
            },
            (class::TRANSFER, 1) => Message::Data {
                network_appearance: f.network_appearance,
                routing_context: f.routing_context,
                data: f.protocol_data.ok_or(missing(tag::PROTOCOL_DATA))?,
                correlation_id: f.correlation_id,
            },
            (class::SSNM, 1) => Message::Duna(f.ssnm()?),
            (class::SSNM, 2) => Message::Dava(f.ssnm()?),
            (class::SSNM, 3) => Message::Daud(f.ssnm()?),
            (class::ASPSM, 1) => Message::AspUp {
                asp_id: f.asp_id,
                info: f.info,
            },
            (class::ASPSM, 2) => Message::AspDown { info: f.info },
            (class::ASPSM, 3) => Message::Beat { data: f.heartbeat },
            (class::ASPSM, 4) => Message::AspUpAck {
                asp_id: f.asp_id,
                info: f.info,
            },
            (class::ASPSM, 5) => Message::AspDownAck { info: f.info },
            (class::ASPSM, 6) => Message::BeatAck { data: f.heartbeat },
            (class::ASPTM, 1) => Message::AspActive(f.asptm()),
            (class::ASPTM, 2) => Message::AspInactive(f.asptm()),
            (class::ASPTM, 3) => Message::AspActiveAck(f.asptm()),
            (class::ASPTM, 4) => Message::AspInactiveAck(f.asptm()),
            (class, kind) => return Err(Error::Unsupported { class, kind }),
        };
        Ok((m, len as usize))
    }

    /// Message Class and Message Type (RFC 4666 §3.1.2).
    pub fn class_and_type(&self) -> (u8, u8) {
        match self {
            Message::Err { .. } => (class::MGMT, 0),
            Message::Notify { .. } => (class::MGMT, 1),
            Message::Data { .. } => (class::TRANSFER, 1),
            Message::Duna(_) => (class::SSNM, 1),
            Message::Dava(_) => (class::SSNM, 2),
            Message::Daud(_) => (class::SSNM, 3),
            Message::AspUp { .. } => (class::ASPSM, 1),
            Message::AspDown { .. } => (class::ASPSM, 2),
            Message::Beat { .. } => (class::ASPSM, 3),
            Message::AspUpAck { .. } => (class::ASPSM, 4),
            Message::AspDownAck { .. } => (class::ASPSM, 5),
            Message::BeatAck { .. } => (class::ASPSM, 6),
            Message::AspActive(_) => (class::ASPTM, 1),
            Message::AspInactive(_) => (class::ASPTM, 2),
            Message::AspActiveAck(_) => (class::ASPTM, 3),
            Message::AspInactiveAck(_) => (class::ASPTM, 4),
        }
    }

    /// The parameters in the order RFC 4666 lists them for each message.
    fn write_params(&self, w: &mut ParamWriter<'_>) {
        match *self {
            Message::Err {
                code,
                routing_context,
                affected,
                diagnostic,
            } => {
                w.param(tag::ERROR_CODE, &[&code.to_be_bytes()]);
                w.opt_u32(tag::ROUTING_CONTEXT, routing_context);
                if let Some(a) = affected {
                    w.point_codes(&a);
                }
                w.opt_bytes(tag::DIAGNOSTIC, diagnostic);
            }
            Message::Notify {
                status,
                asp_id,
                routing_context,
                info,
            } => {
                w.param(
                    tag::STATUS,
                    &[&status.kind.to_be_bytes(), &status.info.to_be_bytes()],
                );
                w.opt_u32(tag::ASP_ID, asp_id);
                w.opt_u32(tag::ROUTING_CONTEXT, routing_context);
                w.opt_bytes(tag::INFO_STRING, info);
            }
            Message::Data {
                network_appearance,
                routing_context,
                data: d,
                correlation_id,
            } => {
                w.opt_u32(tag::NETWORK_APPEARANCE, network_appearance);
                w.opt_u32(tag::ROUTING_CONTEXT, routing_context);
                w.param(
                    tag::PROTOCOL_DATA,
                    &[
                        &d.opc.to_be_bytes(),
                        &d.dpc.to_be_bytes(),
                        &[d.si, d.ni, d.mp, d.sls],
                        d.data,
                    ],
                );
                w.opt_u32(tag::CORRELATION_ID, correlation_id);
            }
            Message::Duna(s) | Message::Dava(s) | Message::Daud(s) => {
                w.opt_u32(tag::NETWORK_APPEARANCE, s.network_appearance);
                w.opt_u32(tag::ROUTING_CONTEXT, s.routing_context);
                w.point_codes(&s.affected);
                w.opt_bytes(tag::INFO_STRING, s.info);
            }
            Message::AspUp { asp_id, info } | Message::AspUpAck { asp_id, info } => {
                w.opt_u32(tag::ASP_ID, asp_id);
                w.opt_bytes(tag::INFO_STRING, info);
            }
            Message::AspDown { info } | Message::AspDownAck { info } => {
                w.opt_bytes(tag::INFO_STRING, info);
            }
            Message::Beat { data } | Message::BeatAck { data } => {
                w.opt_bytes(tag::HEARTBEAT_DATA, data);
            }
            Message::AspActive(a) | Message::AspActiveAck(a) => {
                w.opt_u32(tag::TRAFFIC_MODE, a.mode.map(|m| m as u32));
                w.opt_u32(tag::ROUTING_CONTEXT, a.routing_context);
                w.opt_bytes(tag::INFO_STRING, a.info);
            }
            Message::AspInactive(a) | Message::AspInactiveAck(a) => {
                w.opt_u32(tag::ROUTING_CONTEXT, a.routing_context);
                w.opt_bytes(tag::INFO_STRING, a.info);
            }
        }
    }

    /// Bytes [`emit`](Message::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let mut w = ParamWriter {
            buf: None,
            at: 0,
            too_long: None,
        };
        self.write_params(&mut w);
        HEADER_LEN + w.at
    }

    /// Writes the message at the start of `buf`; returns its length. A parameter over 65 531
    /// octets of value does not fit its length field ([`Error::BadParameterLength`]).
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut check = ParamWriter {
            buf: None,
            at: 0,
            too_long: None,
        };
        self.write_params(&mut check);
        if let Some(tag) = check.too_long {
            return Err(Error::BadParameterLength { tag });
        }
        let len = HEADER_LEN + check.at;
        let out = buf.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let (class, kind) = self.class_and_type();
        out[..4].copy_from_slice(&[1, 0, class, kind]);
        out[4..8].copy_from_slice(&(len as u32).to_be_bytes());
        let mut w = ParamWriter {
            buf: Some(&mut out[HEADER_LEN..]),
            at: 0,
            too_long: None,
        };
        self.write_params(&mut w);
        Ok(len)
    }

    /// A short name for logs and counters (RFC 4666 §3.1.2's abbreviations).
    pub fn name(&self) -> &'static str {
        match self {
            Message::Err { .. } => "ERR",
            Message::Notify { .. } => "NTFY",
            Message::Data { .. } => "DATA",
            Message::Duna(_) => "DUNA",
            Message::Dava(_) => "DAVA",
            Message::Daud(_) => "DAUD",
            Message::AspUp { .. } => "ASPUP",
            Message::AspDown { .. } => "ASPDN",
            Message::Beat { .. } => "BEAT",
            Message::AspUpAck { .. } => "ASPUP_ACK",
            Message::AspDownAck { .. } => "ASPDN_ACK",
            Message::BeatAck { .. } => "BEAT_ACK",
            Message::AspActive(_) => "ASPAC",
            Message::AspInactive(_) => "ASPIA",
            Message::AspActiveAck(_) => "ASPAC_ACK",
            Message::AspInactiveAck(_) => "ASPIA_ACK",
        }
    }
}
