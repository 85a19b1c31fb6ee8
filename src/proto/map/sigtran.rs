//! The SIGTRAN stack under TCAP, in one place: a TCAP message goes out as the user data of an
//! SCCP UDT (Q.713 §4.10, class 1 with return on error, routed on the called party's global
//! title) inside an M3UA DATA message (RFC 4666 §3.3.1, SI = SCCP); what comes in is unwrapped
//! the other way, XUDT (unsegmented) and the UDTS/XUDTS of a returned message included.

use crate::wire::m3ua::{self, ProtocolData};
use crate::wire::sccp::{self, Address, ProtocolClass};

/// The MTP3 routing label and M3UA context of an association towards one peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// Our point code (OPC of what we send).
    pub opc: u32,
    /// The peer's (SGP's or remote IPSP's) point code.
    pub dpc: u32,
    /// Network Indicator (0 international, 2 national).
    pub ni: u8,
    /// The Routing Context the SGP assigned (RFC 4666 §3.3.1), if any.
    pub routing_context: Option<u32>,
}

/// Why a message cannot be wrapped or unwrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The M3UA layer.
    #[error(transparent)]
    M3ua(#[from] m3ua::Error),
    /// The SCCP layer.
    #[error(transparent)]
    Sccp(#[from] sccp::Error),
    /// DATA for a user part other than SCCP.
    #[error("M3UA DATA for service indicator {0}, not SCCP")]
    NotSccp(u8),
    /// A segment of a segmented XUDT (reassembly is not implemented).
    #[error("segmented XUDT not supported")]
    Segmented,
    /// An M3UA message that is not DATA (the ASP state machine takes those).
    #[error("M3UA {0} is not DATA")]
    NotData(&'static str),
}

/// What arrived: the label, the addresses and the TCAP bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inbound<'a> {
    /// Originating point code.
    pub opc: u32,
    /// Destination point code.
    pub dpc: u32,
    /// Signalling link selection.
    pub sls: u8,
    /// SCCP called party (us).
    pub called: Address,
    /// SCCP calling party (the peer to answer).
    pub calling: Address,
    /// The TCAP message.
    pub tcap: &'a [u8],
    /// A UDTS/XUDTS: our own message returned with this cause.
    pub returned: Option<u8>,
}

/// Bytes [`wrap`] writes for `tcap_len` bytes of TCAP between these addresses on `route`.
pub fn wrapped_len(route: &Route, called: &Address, calling: &Address, tcap_len: usize) -> usize {
    let sccp_len = udt(called, calling, &[]).buffer_len() + tcap_len;
    // Header, Routing Context, Protocol Data (tag, length, label, SCCP, padding).
    m3ua::HEADER_LEN + route.routing_context.map_or(0, |_| 8) + ((16 + sccp_len + 3) & !3)
}

fn udt<'a>(called: &Address, calling: &Address, tcap: &'a [u8]) -> sccp::Message<'a> {
    sccp::Message::Udt {
        class: ProtocolClass {
            class: 1,
            return_on_error: true,
        },
        called: *called,
        calling: *calling,
        data: tcap,
    }
}

fn data_msg<'a>(route: &Route, sls: u8, sccp_bytes: &'a [u8]) -> m3ua::Message<'a> {
    m3ua::Message::Data {
        network_appearance: None,
        routing_context: route.routing_context,
        data: ProtocolData {
            opc: route.opc,
            dpc: route.dpc,
            si: m3ua::SI_SCCP,
            ni: route.ni,
            mp: 0,
            sls,
            data: sccp_bytes,
        },
        correlation_id: None,
    }
}

/// Writes `tcap` as an SCCP UDT from `calling` to `called` inside an M3UA DATA on `route` with
/// link selection `sls`, at the start of `out`; returns the length. `scratch` holds the SCCP
/// message on the way (at least 280 bytes).
pub fn wrap(
    route: &Route,
    sls: u8,
    called: &Address,
    calling: &Address,
    tcap: &[u8],
    scratch: &mut [u8],
    out: &mut [u8],
) -> Result<usize, Error> {
    let n = udt(called, calling, tcap).emit(scratch)?;
    Ok(data_msg(route, sls, &scratch[..n]).emit(out)?)
}

/// Reads an M3UA DATA carrying SCCP connectionless traffic.
pub fn unwrap(m3ua_bytes: &[u8]) -> Result<Inbound<'_>, Error> {
    let (m, _) = m3ua::Message::parse(m3ua_bytes)?;
    let m3ua::Message::Data { data: pd, .. } = m else {
        return Err(Error::NotData(m.name()));
    };
    if pd.si != m3ua::SI_SCCP {
        return Err(Error::NotSccp(pd.si));
    }
    let s = sccp::Message::parse(pd.data)?;
    let returned = match s {
        sccp::Message::Udts { cause, .. } | sccp::Message::Xudts { cause, .. } => Some(cause),
        sccp::Message::Xudt {
            segmentation: Some(seg),
            ..
        } if !(seg.first && seg.remaining == 0) => return Err(Error::Segmented),
        _ => None,
    };
    Ok(Inbound {
        opc: pd.opc,
        dpc: pd.dpc,
        sls: pd.sls,
        called: *s.called(),
        calling: *s.calling(),
        tcap: s.data(),
        returned,
    })
}
