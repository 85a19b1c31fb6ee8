//! Diameter transports for S6a (RFC 6733 §2.1; TS 29.272 §4.1), shared by `serve`, `run` and
//! `load`: resolving `--transport` ([`resolve`]) and spreading Diameter messages over SCTP
//! streams ([`diameter_stream`]) the way operators' peers do.
//!
//! - `tcp`: one TCP connection per peer, messages back to back.
//! - `sctp`: the kernel's SCTP (`io::sctp`), one association per peer connection.
//! - `sctp-udp`: roamsim's user-space SCTP (`proto::sctp`) in UDP datagrams (RFC 6951), see
//!   [`sctp_udp`]; it works on every kernel and through `roamsim link`.
//! - `auto`: kernel SCTP when the kernel has it, else TCP; the returned line says which.
//!
//! Over SCTP every DATA chunk carries PPID 46 (RFC 6733 §2.1, [`PPID_DIAMETER`]); base
//! protocol messages (CER/CEA, DWR/DWA, DPR/DPA) travel on stream 0 and application messages
//! on streams 1.. chosen by hop-by-hop identifier, so a request and its answer use the same
//! stream number, ordering holds where it matters (per transaction) and one lost packet does
//! not hold up the answers of other streams (RFC 9260 §1.5.2, head-of-line blocking).

use std::fmt;
use std::net::SocketAddr;

pub(crate) mod conn;
pub mod sctp_udp;

use crate::io::sctp;
pub use crate::model::transport::TransportChoice;
use crate::wire::diameter::codes::command;
pub use crate::wire::sctp::{PPID_DIAMETER, UDP_ENCAPS_PORT};

/// Diameter's well-known port (RFC 6733 §2.1), for TCP and kernel SCTP, and the SCTP port
/// inside the UDP datagrams of `sctp-udp`.
pub const DIAMETER_PORT: u16 = 3868;

/// A concrete Diameter transport (what `auto` resolved to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// TCP.
    Tcp,
    /// Kernel SCTP.
    Sctp,
    /// User-space SCTP over UDP (RFC 6951).
    SctpUdp,
}

impl Transport {
    /// The name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Sctp => "sctp",
            Transport::SctpUdp => "sctp-udp",
        }
    }

    /// The port an S6a address gets when the user names none: 3868 (RFC 6733 §2.1), or for
    /// `sctp-udp` the SCTP-over-UDP port 9899 (RFC 6951 §5.1; the SCTP port inside stays 3868).
    pub fn default_port(self) -> u16 {
        match self {
            Transport::Tcp | Transport::Sctp => DIAMETER_PORT,
            Transport::SctpUdp => UDP_ENCAPS_PORT,
        }
    }

    /// Whether messages go over SCTP (kernel or user space).
    pub fn is_sctp(self) -> bool {
        !matches!(self, Transport::Tcp)
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a transport cannot be used here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// `sctp` was asked for and the kernel has none.
    #[error(
        "--transport sctp needs the kernel's SCTP, which this machine lacks ({reason}); \
         use --transport sctp-udp (roamsim's SCTP over UDP, RFC 6951, works everywhere) \
         or --transport tcp"
    )]
    KernelSctpUnavailable {
        /// What the probe said.
        reason: String,
    },
}

/// What [`resolve`] chose, and a line telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The transport to use.
    pub transport: Transport,
    /// E.g. `transport: tcp (auto: kernel SCTP unavailable: ...)`.
    pub line: String,
}

/// Resolves a choice against this kernel: `sctp` fails without kernel SCTP, `auto` falls back
/// to TCP.
pub fn resolve(choice: TransportChoice) -> Result<Resolved, TransportError> {
    resolve_with(choice, sctp::kernel_sctp_unavailable_reason())
}

/// [`resolve`] with the kernel probe's answer given (`None`: kernel SCTP works).
pub fn resolve_with(
    choice: TransportChoice,
    kernel_sctp_missing: Option<&str>,
) -> Result<Resolved, TransportError> {
    let (transport, why) = match (choice, kernel_sctp_missing) {
        (TransportChoice::Tcp, _) => (Transport::Tcp, "Diameter over TCP".to_string()),
        (TransportChoice::Sctp, None) => (Transport::Sctp, "kernel SCTP".to_string()),
        (TransportChoice::Sctp, Some(reason)) => {
            return Err(TransportError::KernelSctpUnavailable {
                reason: reason.to_string(),
            })
        }
        (TransportChoice::SctpUdp, _) => (
            Transport::SctpUdp,
            "user-space SCTP over UDP, RFC 6951".to_string(),
        ),
        (TransportChoice::Auto, None) => (
            Transport::Sctp,
            "auto: the kernel has SCTP, using it".to_string(),
        ),
        (TransportChoice::Auto, Some(reason)) => (
            Transport::Tcp,
            format!("auto: kernel SCTP unavailable, using TCP; {reason}"),
        ),
    };
    Ok(Resolved {
        transport,
        line: format!("transport: {transport} ({why})"),
    })
}

/// `addr` if the user gave one, else `ip:default_port` of the transport.
pub fn s6a_address(given: Option<SocketAddr>, ip: std::net::IpAddr, t: Transport) -> SocketAddr {
    given.unwrap_or(SocketAddr::new(ip, t.default_port()))
}

/// The SCTP stream for one Diameter message on an association with `streams` outbound
/// streams: 0 for the base protocol (CER/CEA, DWR/DWA, DPR/DPA), else 1 + hop-by-hop id
/// modulo the other streams. Short or garbled input goes on stream 0.
pub fn diameter_stream(msg: &[u8], streams: u16) -> u16 {
    if streams <= 1 || msg.len() < 20 {
        return 0;
    }
    let code = u32::from_be_bytes([0, msg[5], msg[6], msg[7]]);
    if matches!(
        code,
        command::CAPABILITIES_EXCHANGE | command::DEVICE_WATCHDOG | command::DISCONNECT_PEER
    ) {
        return 0;
    }
    let hbh = u32::from_be_bytes([msg[12], msg[13], msg[14], msg[15]]);
    1 + (hbh % u32::from(streams - 1)) as u16
}

/// Splits a buffer of back-to-back Diameter messages (what `proto::diameter::Peer::transmit`
/// holds) into messages; a malformed length ends the iteration with `Err` carrying the rest.
pub fn messages(mut buf: &[u8]) -> impl Iterator<Item = Result<&[u8], &[u8]>> {
    std::iter::from_fn(move || {
        if buf.is_empty() {
            return None;
        }
        match crate::wire::diameter::message_len(buf) {
            Some(len) if len >= 20 && len <= buf.len() => {
                let (m, rest) = buf.split_at(len);
                buf = rest;
                Some(Ok(m))
            }
            _ => Some(Err(std::mem::take(&mut buf))),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_kernel_sctp_only_where_present() {
        let r = resolve_with(TransportChoice::Auto, Some("no module")).unwrap();
        assert_eq!(r.transport, Transport::Tcp);
        assert!(r.line.contains("using TCP") && r.line.contains("no module"));
        let r = resolve_with(TransportChoice::Auto, None).unwrap();
        assert_eq!(r.transport, Transport::Sctp);
        let err = resolve_with(TransportChoice::Sctp, Some("EPROTONOSUPPORT")).unwrap_err();
        assert!(err.to_string().contains("--transport sctp-udp"), "{err}");
        let r = resolve_with(TransportChoice::SctpUdp, Some("x")).unwrap();
        assert_eq!(r.transport, Transport::SctpUdp);
        assert_eq!(r.transport.default_port(), 9899);
    }

    #[test]
    fn real_probe_resolves_auto_to_something_usable() {
        let r = resolve(TransportChoice::Auto).unwrap();
        assert_eq!(
            r.transport == Transport::Sctp,
            sctp::kernel_sctp_available()
        );
    }

    fn header(code: u32, hbh: u32) -> Vec<u8> {
        let mut m = vec![0u8; 20];
        m[0] = 1;
        m[1..4].copy_from_slice(&20u32.to_be_bytes()[1..]);
        m[5..8].copy_from_slice(&code.to_be_bytes()[1..]);
        m[12..16].copy_from_slice(&hbh.to_be_bytes());
        m
    }

    #[test]
    fn base_protocol_on_stream_zero_application_spread_over_the_rest() {
        assert_eq!(diameter_stream(&header(257, 5), 16), 0);
        assert_eq!(diameter_stream(&header(280, 6), 16), 0);
        assert_eq!(diameter_stream(&header(282, 7), 16), 0);
        let streams: std::collections::HashSet<u16> = (0..30)
            .map(|h| diameter_stream(&header(318, h), 16))
            .collect();
        assert_eq!(streams.len(), 15);
        assert!(!streams.contains(&0));
        assert_eq!(diameter_stream(&header(318, 9), 1), 0);
        assert_eq!(diameter_stream(b"short", 16), 0);
    }

    #[test]
    fn messages_splits_back_to_back_and_flags_garbage() {
        let mut buf = header(318, 1);
        buf.extend(header(316, 2));
        let got: Vec<_> = messages(&buf).collect();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(Result::is_ok));
        buf.extend([1, 0, 0]);
        assert!(messages(&buf).last().unwrap().is_err());
    }
}
