//! Typed IE values: Cause (TS 29.274 §8.4), AMBR (§8.7), PAA (§8.14), Bearer QoS (§8.15),
//! ULI with TAI and ECGI (§8.21) and F-TEID (§8.22). Each `parse` takes an
//! IE's value bytes and returns `None` when they do not decode; extendable IEs (§8.2) may be
//! longer than their fields, and the extra octets are ignored. Each value emits itself through
//! [`IeValue`].

use core::net::{Ipv4Addr, Ipv6Addr};

use super::codes::pdn;
use super::digits::Plmn;
use super::ie::IeValue;
use super::IeId;

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

fn ipv4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

fn ipv6(b: &[u8]) -> Ipv6Addr {
    let mut a = [0; 16];
    a.copy_from_slice(&b[..16]);
    Ipv6Addr::from(a)
}

/// Cause (§8.4): value, PCE/BCE/CS flags and, for Cause 69/70 and the like, the offending IE
/// (only its type and instance have meaning on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cause {
    /// Cause value ([`super::codes::cause`]).
    pub value: u8,
    /// PDN Connection IE Error.
    pub pce: bool,
    /// Bearer Context IE Error.
    pub bce: bool,
    /// Cause Source: set when the cause originated in the remote node.
    pub cs: bool,
    /// The offending IE (§7.7), emitted as the optional octets 7 to 10.
    pub offending: Option<IeId>,
}

impl Cause {
    /// A cause value with no flags and no offending IE.
    pub const fn new(value: u8) -> Self {
        Self {
            value,
            pce: false,
            bce: false,
            cs: false,
            offending: None,
        }
    }

    /// A rejection naming the offending IE (e.g. Cause 69 or 70).
    pub const fn offending(value: u8, ie: IeId) -> Self {
        Self {
            offending: Some(ie),
            ..Self::new(value)
        }
    }

    /// Whether this is an acceptance (16..=63).
    pub fn is_accepted(&self) -> bool {
        super::codes::cause::is_accepted(self.value)
    }

    /// Decodes 2 octets, or 6 with the offending IE.
    pub fn parse(v: &[u8]) -> Option<Self> {
        if v.len() < 2 {
            return None;
        }
        let offending = (v.len() >= 6).then(|| IeId::new(v[2], v[5] & 0x0f));
        Some(Self {
            value: v[0],
            pce: v[1] & 0x04 != 0,
            bce: v[1] & 0x02 != 0,
            cs: v[1] & 0x01 != 0,
            offending,
        })
    }
}

impl IeValue for Cause {
    fn value_len(&self) -> usize {
        if self.offending.is_some() {
            6
        } else {
            2
        }
    }
    fn emit_value(&self, out: &mut [u8]) {
        out[0] = self.value;
        out[1] = u8::from(self.pce) << 2 | u8::from(self.bce) << 1 | u8::from(self.cs);
        if let Some(ie) = self.offending {
            out[2..6].copy_from_slice(&[ie.ie_type, 0, 0, ie.instance & 0x0f]);
        }
    }
}

/// Aggregate Maximum Bit Rate (§8.7), in kbit/s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ambr {
    /// APN-AMBR for uplink.
    pub uplink: u32,
    /// APN-AMBR for downlink.
    pub downlink: u32,
}

impl Ambr {
    /// Decodes 8 octets.
    pub fn parse(v: &[u8]) -> Option<Self> {
        (v.len() >= 8).then(|| Self {
            uplink: be32(v),
            downlink: be32(&v[4..]),
        })
    }
}

impl IeValue for Ambr {
    fn value_len(&self) -> usize {
        8
    }
    fn emit_value(&self, out: &mut [u8]) {
        out[..4].copy_from_slice(&self.uplink.to_be_bytes());
        out[4..].copy_from_slice(&self.downlink.to_be_bytes());
    }
}

/// PDN Address Allocation (§8.14): the UE's address(es), by PDN type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Paa {
    /// IPv4 address (0.0.0.0 in a request asks for dynamic allocation).
    Ipv4(Ipv4Addr),
    /// IPv6 prefix length and prefix/interface identifier.
    Ipv6 {
        /// Prefix length.
        prefix_len: u8,
        /// Address or prefix.
        addr: Ipv6Addr,
    },
    /// Both: IPv6 prefix length, IPv6 prefix, then IPv4 address.
    Ipv4v6 {
        /// IPv6 prefix length.
        prefix_len: u8,
        /// IPv6 address or prefix.
        ipv6: Ipv6Addr,
        /// IPv4 address.
        ipv4: Ipv4Addr,
    },
}

impl Paa {
    /// Decodes the PDN type octet and the address fields it implies.
    pub fn parse(v: &[u8]) -> Option<Self> {
        let (&ty, rest) = v.split_first()?;
        match ty & 0x07 {
            pdn::IPV4 if rest.len() >= 4 => Some(Paa::Ipv4(ipv4(rest))),
            pdn::IPV6 if rest.len() >= 17 => Some(Paa::Ipv6 {
                prefix_len: rest[0],
                addr: ipv6(&rest[1..]),
            }),
            pdn::IPV4V6 if rest.len() >= 21 => Some(Paa::Ipv4v6 {
                prefix_len: rest[0],
                ipv6: ipv6(&rest[1..]),
                ipv4: ipv4(&rest[17..]),
            }),
            _ => None,
        }
    }

    /// The PDN type this PAA carries ([`super::codes::pdn`]).
    pub fn pdn_type(&self) -> u8 {
        match self {
            Paa::Ipv4(_) => pdn::IPV4,
            Paa::Ipv6 { .. } => pdn::IPV6,
            Paa::Ipv4v6 { .. } => pdn::IPV4V6,
        }
    }
}

impl IeValue for Paa {
    fn value_len(&self) -> usize {
        match self {
            Paa::Ipv4(_) => 5,
            Paa::Ipv6 { .. } => 18,
            Paa::Ipv4v6 { .. } => 22,
        }
    }
    fn emit_value(&self, out: &mut [u8]) {
        out[0] = self.pdn_type();
        match self {
            Paa::Ipv4(a) => out[1..5].copy_from_slice(&a.octets()),
            Paa::Ipv6 { prefix_len, addr } => {
                out[1] = *prefix_len;
                out[2..18].copy_from_slice(&addr.octets());
            }
            Paa::Ipv4v6 {
                prefix_len,
                ipv6,
                ipv4,
            } => {
                out[1] = *prefix_len;
                out[2..18].copy_from_slice(&ipv6.octets());
                out[18..22].copy_from_slice(&ipv4.octets());
            }
        }
    }
}

/// Bearer Level QoS (§8.15): ARP (PCI, PL, PVI), QCI, and 40-bit MBR/GBR in kbit/s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BearerQos {
    /// Pre-emption Capability bit as on the wire (set: the bearer shall not pre-empt).
    pub pci: bool,
    /// Priority Level, 1..=15 (4 bits).
    pub pl: u8,
    /// Pre-emption Vulnerability bit as on the wire (set: the bearer shall not be pre-empted).
    pub pvi: bool,
    /// QoS Class Identifier.
    pub qci: u8,
    /// Maximum bit rate for uplink (40 bits).
    pub mbr_ul: u64,
    /// Maximum bit rate for downlink (40 bits).
    pub mbr_dl: u64,
    /// Guaranteed bit rate for uplink (40 bits).
    pub gbr_ul: u64,
    /// Guaranteed bit rate for downlink (40 bits).
    pub gbr_dl: u64,
}

/// Largest 40-bit rate of Bearer QoS.
pub const MAX_RATE_40: u64 = (1 << 40) - 1;

impl BearerQos {
    /// Decodes 22 octets.
    pub fn parse(v: &[u8]) -> Option<Self> {
        if v.len() < 22 {
            return None;
        }
        let rate = |at: usize| {
            let mut b = [0; 8];
            b[3..].copy_from_slice(&v[at..at + 5]);
            u64::from_be_bytes(b)
        };
        Some(Self {
            pci: v[0] & 0x40 != 0,
            pl: (v[0] >> 2) & 0x0f,
            pvi: v[0] & 0x01 != 0,
            qci: v[1],
            mbr_ul: rate(2),
            mbr_dl: rate(7),
            gbr_ul: rate(12),
            gbr_dl: rate(17),
        })
    }
}

impl IeValue for BearerQos {
    fn value_len(&self) -> usize {
        22
    }
    /// Fields wider than the wire (PL over 4 bits, rates over 40 bits) are truncated.
    fn emit_value(&self, out: &mut [u8]) {
        out[0] = u8::from(self.pci) << 6 | (self.pl & 0x0f) << 2 | u8::from(self.pvi);
        out[1] = self.qci;
        for (i, r) in [self.mbr_ul, self.mbr_dl, self.gbr_ul, self.gbr_dl]
            .into_iter()
            .enumerate()
        {
            out[2 + 5 * i..7 + 5 * i].copy_from_slice(&(r & MAX_RATE_40).to_be_bytes()[3..]);
        }
    }
}

/// Tracking Area Identity (§8.21).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tai {
    /// PLMN of the tracking area.
    pub plmn: Plmn,
    /// Tracking Area Code.
    pub tac: u16,
}

/// E-UTRAN Cell Global Identifier (§8.21).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ecgi {
    /// PLMN of the cell.
    pub plmn: Plmn,
    /// E-UTRAN Cell Identifier, 28 bits.
    pub eci: u32,
}

/// User Location Information (§8.21), E-UTRAN parts. Other parts a peer sends (CGI, SAI, RAI,
/// LAI, eNodeB IDs) are skipped on parse and not emitted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Uli {
    /// TAI, flag 0x08.
    pub tai: Option<Tai>,
    /// ECGI, flag 0x10.
    pub ecgi: Option<Ecgi>,
}

mod uli_flag {
    pub const TAI: u8 = 0x08;
    pub const ECGI: u8 = 0x10;
    /// Octets of each part, in flag bit order: CGI, SAI, RAI, TAI, ECGI, LAI, Macro eNodeB ID,
    /// Extended Macro eNodeB ID.
    pub const PART_LEN: [usize; 8] = [7, 7, 7, 5, 7, 5, 6, 6];
}

impl Uli {
    /// Decodes the flags octet and every part it announces.
    pub fn parse(v: &[u8]) -> Option<Self> {
        let (&flags, mut rest) = v.split_first()?;
        let mut uli = Uli::default();
        for (bit, &len) in uli_flag::PART_LEN.iter().enumerate() {
            if flags & (1 << bit) == 0 {
                continue;
            }
            let part = rest.get(..len)?;
            rest = &rest[len..];
            match 1 << bit {
                uli_flag::TAI => {
                    uli.tai = Some(Tai {
                        plmn: Plmn::parse(part)?,
                        tac: u16::from_be_bytes([part[3], part[4]]),
                    })
                }
                uli_flag::ECGI => {
                    uli.ecgi = Some(Ecgi {
                        plmn: Plmn::parse(part)?,
                        eci: be32(&part[3..]) & 0x0fff_ffff,
                    })
                }
                _ => {}
            }
        }
        Some(uli)
    }
}

impl IeValue for Uli {
    fn value_len(&self) -> usize {
        1 + self.tai.map_or(0, |_| 5) + self.ecgi.map_or(0, |_| 7)
    }
    /// An ECI over 28 bits is truncated.
    fn emit_value(&self, out: &mut [u8]) {
        out[0] = 0;
        let mut at = 1;
        if let Some(tai) = self.tai {
            out[0] |= uli_flag::TAI;
            out[at..at + 3].copy_from_slice(&tai.plmn.to_bytes());
            out[at + 3..at + 5].copy_from_slice(&tai.tac.to_be_bytes());
            at += 5;
        }
        if let Some(ecgi) = self.ecgi {
            out[0] |= uli_flag::ECGI;
            out[at..at + 3].copy_from_slice(&ecgi.plmn.to_bytes());
            out[at + 3..at + 7].copy_from_slice(&(ecgi.eci & 0x0fff_ffff).to_be_bytes());
        }
    }
}

/// Fully Qualified TEID (§8.22): interface type, TEID or GRE key, and IPv4 and/or IPv6 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fteid {
    /// Interface type, 6 bits ([`super::codes::interface`]).
    pub interface: u8,
    /// TEID or GRE key.
    pub teid: u32,
    /// IPv4 address (V4 flag).
    pub ipv4: Option<Ipv4Addr>,
    /// IPv6 address (V6 flag).
    pub ipv6: Option<Ipv6Addr>,
}

impl Fteid {
    /// An F-TEID with one IPv4 address.
    pub const fn v4(interface: u8, teid: u32, addr: Ipv4Addr) -> Self {
        Self {
            interface,
            teid,
            ipv4: Some(addr),
            ipv6: None,
        }
    }

    /// Decodes the flags octet, TEID and the addresses the flags announce.
    pub fn parse(v: &[u8]) -> Option<Self> {
        if v.len() < 5 {
            return None;
        }
        let flags = v[0];
        let mut at = 5;
        let addr4 = if flags & 0x80 != 0 {
            at += 4;
            Some(ipv4(v.get(at - 4..at)?))
        } else {
            None
        };
        let addr6 = if flags & 0x40 != 0 {
            at += 16;
            Some(ipv6(v.get(at - 16..at)?))
        } else {
            None
        };
        Some(Self {
            interface: flags & 0x3f,
            teid: be32(&v[1..]),
            ipv4: addr4,
            ipv6: addr6,
        })
    }
}

impl IeValue for Fteid {
    fn value_len(&self) -> usize {
        5 + self.ipv4.map_or(0, |_| 4) + self.ipv6.map_or(0, |_| 16)
    }
    /// An interface type over 6 bits is truncated.
    fn emit_value(&self, out: &mut [u8]) {
        out[0] = self.interface & 0x3f
            | if self.ipv4.is_some() { 0x80 } else { 0 }
            | if self.ipv6.is_some() { 0x40 } else { 0 };
        out[1..5].copy_from_slice(&self.teid.to_be_bytes());
        let mut at = 5;
        if let Some(a) = self.ipv4 {
            out[at..at + 4].copy_from_slice(&a.octets());
            at += 4;
        }
        if let Some(a) = self.ipv6 {
            out[at..at + 16].copy_from_slice(&a.octets());
        }
    }
}
