//! IPv4 prefixes for address pools (the PGW's PAA pool, e.g. `10.45.0.0/16`).

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// An IPv4 prefix `a.b.c.d/len`, with the host bits zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Net {
    network: Ipv4Addr,
    prefix_len: u8,
}

/// Error from parsing a prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid IPv4 prefix `{0}`: expected e.g. `10.45.0.0/16` with the host bits zero")]
pub struct Ipv4NetError(pub String);

impl Ipv4Net {
    /// Builds a prefix; `None` when `prefix_len > 32` or host bits are set.
    pub fn new(network: Ipv4Addr, prefix_len: u8) -> Option<Ipv4Net> {
        let net = Ipv4Net {
            network,
            prefix_len,
        };
        (prefix_len <= 32 && u32::from(network) & !net.mask() == 0).then_some(net)
    }

    /// The network address.
    pub fn network(self) -> Ipv4Addr {
        self.network
    }

    /// Prefix length in bits.
    pub fn prefix_len(self) -> u8 {
        self.prefix_len
    }

    fn mask(self) -> u32 {
        u32::MAX
            .checked_shl(32 - self.prefix_len as u32)
            .unwrap_or(0)
    }

    /// How many addresses the prefix spans (2^(32 - len)).
    pub fn size(self) -> u64 {
        1u64 << (32 - self.prefix_len)
    }

    /// The address at `offset` from the network address, if inside the prefix.
    pub fn nth(self, offset: u64) -> Option<Ipv4Addr> {
        (offset < self.size()).then(|| Ipv4Addr::from(u32::from(self.network) + offset as u32))
    }

    /// True when `addr` lies inside the prefix.
    pub fn contains(self, addr: Ipv4Addr) -> bool {
        u32::from(addr) & self.mask() == u32::from(self.network)
    }
}

impl FromStr for Ipv4Net {
    type Err = Ipv4NetError;
    fn from_str(text: &str) -> Result<Ipv4Net, Ipv4NetError> {
        let err = || Ipv4NetError(text.to_string());
        let (addr, len) = text.trim().split_once('/').ok_or_else(err)?;
        let addr: Ipv4Addr = addr.parse().map_err(|_| err())?;
        let len: u8 = len.parse().map_err(|_| err())?;
        Ipv4Net::new(addr, len).ok_or_else(err)
    }
}

impl fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix_len)
    }
}

impl<'de> serde::Deserialize<'de> for Ipv4Net {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Ipv4Net {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_walk() {
        let n: Ipv4Net = "10.45.0.0/16".parse().unwrap();
        assert_eq!(n.size(), 65536);
        assert_eq!(n.nth(2), Some(Ipv4Addr::new(10, 45, 0, 2)));
        assert_eq!(n.nth(65536), None);
        assert!(n.contains(Ipv4Addr::new(10, 45, 255, 255)));
        assert!(!n.contains(Ipv4Addr::new(10, 46, 0, 0)));
        assert_eq!(n.to_string(), "10.45.0.0/16");
        assert!("10.45.0.1/16".parse::<Ipv4Net>().is_err());
        assert!("10.45.0.0/33".parse::<Ipv4Net>().is_err());
        assert_eq!("0.0.0.0/0".parse::<Ipv4Net>().unwrap().size(), 1 << 32);
    }
}
