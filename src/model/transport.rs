//! Which transport carries Diameter S6a (RFC 6733 §2.1: TCP or SCTP; TS 29.272 §4.1: SCTP in
//! operators' networks), as named on the command line (`--transport`) and in profiles
//! (`[home.diameter] transport = "..."`). Choosing at run time what `auto` means, and opening
//! the sockets, is the engine's business (`engine::transport`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A Diameter transport, or `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransportChoice {
    /// TCP, the fallback every Diameter peer speaks.
    #[default]
    Tcp,
    /// The kernel's SCTP (one-to-one sockets, `IPPROTO_SCTP`).
    Sctp,
    /// roamsim's user-space SCTP carried in UDP datagrams (RFC 6951, default UDP port 9899).
    SctpUdp,
    /// Kernel SCTP where the kernel has it, else TCP.
    Auto,
}

/// Error from parsing a transport name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown transport `{0}`: expected tcp, sctp, sctp-udp or auto")]
pub struct TransportParseError(pub String);

impl TransportChoice {
    /// Every accepted name, in the order `--help` lists them.
    pub const NAMES: [&'static str; 4] = ["tcp", "sctp", "sctp-udp", "auto"];

    /// The name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TransportChoice::Tcp => "tcp",
            TransportChoice::Sctp => "sctp",
            TransportChoice::SctpUdp => "sctp-udp",
            TransportChoice::Auto => "auto",
        }
    }
}

impl FromStr for TransportChoice {
    type Err = TransportParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Ok(TransportChoice::Tcp),
            "sctp" => Ok(TransportChoice::Sctp),
            "sctp-udp" | "sctp_udp" => Ok(TransportChoice::SctpUdp),
            "auto" => Ok(TransportChoice::Auto),
            _ => Err(TransportParseError(s.to_string())),
        }
    }
}

impl fmt::Display for TransportChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in TransportChoice::NAMES {
            let t: TransportChoice = name.parse().unwrap();
            assert_eq!(t.to_string(), name);
        }
        assert_eq!("SCTP-UDP".parse(), Ok(TransportChoice::SctpUdp));
        let err = "quic".parse::<TransportChoice>().unwrap_err();
        assert!(err.to_string().contains("sctp-udp"), "{err}");
    }

    #[test]
    fn profiles_use_the_same_names() {
        #[derive(Deserialize)]
        struct T {
            transport: TransportChoice,
        }
        let t: T = toml::from_str("transport = \"sctp-udp\"").unwrap();
        assert_eq!(t.transport, TransportChoice::SctpUdp);
        assert!(toml::from_str::<T>("transport = \"udp\"").is_err());
    }
}
