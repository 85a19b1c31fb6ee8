//! Conversions between `std::net::SocketAddr` and the C socket address structs that
//! `recvmmsg`/`sendmmsg` read and write (`msg_name`), without allocation.
//!
//! IPv4 peers reached through a dual-stack IPv6 socket appear as v4-mapped addresses
//! (`::ffff:a.b.c.d`); they are unmapped on receive and mapped on send, so the layers above
//! always key a peer by the same plain `SocketAddr`.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// Storage large enough for either address family; `msg_name` points at one of these.
#[derive(Clone, Copy)]
#[repr(C)]
pub(crate) union SockAddrBuf {
    v4: libc::sockaddr_in,
    v6: libc::sockaddr_in6,
}

impl SockAddrBuf {
    /// All-zero storage (family `AF_UNSPEC`), ready for the kernel to fill.
    pub(crate) fn zeroed() -> Self {
        SockAddrBuf {
            v6: libc::sockaddr_in6 {
                sin6_family: 0,
                sin6_port: 0,
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr { s6_addr: [0; 16] },
                sin6_scope_id: 0,
            },
        }
    }

    /// Size handed to the kernel as `msg_namelen` when receiving.
    pub(crate) const CAPACITY: libc::socklen_t =
        std::mem::size_of::<SockAddrBuf>() as libc::socklen_t;

    /// Encodes `addr` for a socket of the given family; `v6_socket` maps IPv4 destinations.
    pub(crate) fn encode(addr: SocketAddr, v6_socket: bool) -> (Self, libc::socklen_t) {
        let addr = match addr {
            SocketAddr::V4(a) if v6_socket => {
                SocketAddr::V6(SocketAddrV6::new(a.ip().to_ipv6_mapped(), a.port(), 0, 0))
            }
            other => other,
        };
        match addr {
            SocketAddr::V4(a) => {
                let v4 = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
                let mut buf = Self::zeroed();
                buf.v4 = v4;
                (buf, len)
            }
            SocketAddr::V6(a) => {
                let v6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                let len = std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
                (SockAddrBuf { v6 }, len)
            }
        }
    }

    /// Decodes an address the kernel wrote (`len` = the returned `msg_namelen`).
    pub(crate) fn decode(&self, len: libc::socklen_t) -> Option<SocketAddr> {
        // SAFETY: every `SockAddrBuf` starts from `zeroed()` (all bytes of the larger variant
        // initialised) and both variants are plain integers, so reading either is defined;
        // the family field sits at offset 0 in both.
        let family = unsafe { self.v4.sin_family } as libc::c_int;
        let len = len as usize;
        match family {
            libc::AF_INET if len >= std::mem::size_of::<libc::sockaddr_in>() => {
                // SAFETY: as above; the family says the kernel wrote a sockaddr_in.
                let a = unsafe { self.v4 };
                let ip = Ipv4Addr::from(a.sin_addr.s_addr.to_ne_bytes());
                Some(SocketAddr::V4(SocketAddrV4::new(
                    ip,
                    u16::from_be(a.sin_port),
                )))
            }
            libc::AF_INET6 if len >= std::mem::size_of::<libc::sockaddr_in6>() => {
                // SAFETY: as above; the family says the kernel wrote a sockaddr_in6.
                let a = unsafe { self.v6 };
                let ip = Ipv6Addr::from(a.sin6_addr.s6_addr);
                let port = u16::from_be(a.sin6_port);
                Some(match ip.to_ipv4_mapped() {
                    Some(v4) => SocketAddr::V4(SocketAddrV4::new(v4, port)),
                    None => SocketAddr::V6(SocketAddrV6::new(
                        ip,
                        port,
                        a.sin6_flowinfo,
                        a.sin6_scope_id,
                    )),
                })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_families_and_unmaps() {
        let v4: SocketAddr = "192.0.2.7:2123".parse().unwrap();
        let v6: SocketAddr = "[2001:db8::1]:3868".parse().unwrap();
        for (addr, v6_socket) in [(v4, false), (v6, true), (v4, true)] {
            let (buf, len) = SockAddrBuf::encode(addr, v6_socket);
            assert_eq!(buf.decode(len), Some(addr));
        }
        assert_eq!(SockAddrBuf::zeroed().decode(SockAddrBuf::CAPACITY), None);
    }
}
