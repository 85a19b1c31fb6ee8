//! The State Cookie (RFC 4960 §5.1.3, §5.1.5; RFC 9260 §5.1.3): everything the server needs
//! to build the association, sealed with HMAC-SHA-256 under a secret only the endpoint knows,
//! so the server keeps no state between INIT and a valid COOKIE ECHO (the defence against INIT
//! floods of §5.1.3 and §11.2.3).
//!
//! The MAC also covers the peer's IP address, which is not carried in the cookie: a cookie
//! replayed from another host fails. The cookie carries its creation and expiry times
//! (Valid.Cookie.Life); an expired one is answered with "Stale Cookie" (§5.1.5 step 3).
//!
//! Layout (big-endian): version (1), 3 reserved bytes, created µs (8), expires µs (8), local
//! tag, peer tag, local initial TSN, peer initial TSN, peer a_rwnd (4 each), outbound streams,
//! inbound streams, local port, peer port (2 each), then the 32-byte MAC.

use std::net::IpAddr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::model::Micros;

/// Bytes of a cookie.
pub const COOKIE_LEN: usize = BODY_LEN + 32;
const BODY_LEN: usize = 48;
const VERSION: u8 = 1;

/// The association parameters a cookie carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieParams {
    /// When the INIT ACK was built.
    pub created_us: Micros,
    /// When the cookie stops being valid.
    pub expires_us: Micros,
    /// Our verification tag (the Initiate Tag of our INIT ACK).
    pub local_tag: u32,
    /// The peer's verification tag (its INIT's Initiate Tag).
    pub peer_tag: u32,
    /// Our initial TSN.
    pub local_tsn: u32,
    /// The peer's initial TSN.
    pub peer_tsn: u32,
    /// The peer's advertised receive window.
    pub peer_rwnd: u32,
    /// Negotiated outbound streams (min of ours and the peer's inbound).
    pub outbound_streams: u16,
    /// Negotiated inbound streams (min of ours and the peer's outbound).
    pub inbound_streams: u16,
    /// Our SCTP port.
    pub local_port: u16,
    /// The peer's SCTP port.
    pub peer_port: u16,
}

/// Why a COOKIE ECHO was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CookieError {
    /// Wrong length or version: not one of our cookies.
    #[error("State Cookie of {len} bytes is not ours")]
    Malformed {
        /// Its length.
        len: usize,
    },
    /// The MAC does not verify: forged, altered or replayed from another address.
    #[error("State Cookie MAC does not verify")]
    BadMac,
    /// Authentic but past its lifetime.
    #[error("State Cookie expired {staleness_us} µs ago")]
    Stale {
        /// How long ago it expired.
        staleness_us: Micros,
        /// The peer's tag, for the ERROR's verification tag.
        peer_tag: u32,
    },
}

fn mac(secret: &[u8; 32], body: &[u8], peer: IpAddr) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(body);
    match peer {
        IpAddr::V4(a) => m.update(&a.octets()),
        IpAddr::V6(a) => m.update(&a.octets()),
    }
    m
}

impl CookieParams {
    /// Serialises and seals the cookie for `peer`.
    pub fn seal(&self, secret: &[u8; 32], peer: IpAddr) -> [u8; COOKIE_LEN] {
        let mut c = [0u8; COOKIE_LEN];
        c[0] = VERSION;
        c[4..12].copy_from_slice(&self.created_us.as_u64().to_be_bytes());
        c[12..20].copy_from_slice(&self.expires_us.as_u64().to_be_bytes());
        let words = [
            self.local_tag,
            self.peer_tag,
            self.local_tsn,
            self.peer_tsn,
            self.peer_rwnd,
        ];
        for (i, w) in words.iter().enumerate() {
            c[20 + 4 * i..24 + 4 * i].copy_from_slice(&w.to_be_bytes());
        }
        let halves = [
            self.outbound_streams,
            self.inbound_streams,
            self.local_port,
            self.peer_port,
        ];
        for (i, h) in halves.iter().enumerate() {
            c[40 + 2 * i..42 + 2 * i].copy_from_slice(&h.to_be_bytes());
        }
        let tag = mac(secret, &c[..BODY_LEN], peer).finalize().into_bytes();
        c[BODY_LEN..].copy_from_slice(&tag);
        c
    }

    /// Verifies (in constant time) and opens a cookie from `peer` at time `now`.
    pub fn open(
        cookie: &[u8],
        secret: &[u8; 32],
        peer: IpAddr,
        now: Micros,
    ) -> Result<CookieParams, CookieError> {
        if cookie.len() != COOKIE_LEN || cookie[0] != VERSION {
            return Err(CookieError::Malformed { len: cookie.len() });
        }
        let (body, tag) = cookie.split_at(BODY_LEN);
        mac(secret, body, peer)
            .verify_slice(tag)
            .map_err(|_| CookieError::BadMac)?;
        let u64_at = |i: usize| u64::from_be_bytes(body[i..i + 8].try_into().expect("8 bytes"));
        let u32_at = |i: usize| u32::from_be_bytes(body[i..i + 4].try_into().expect("4 bytes"));
        let u16_at = |i: usize| u16::from_be_bytes([body[i], body[i + 1]]);
        let p = CookieParams {
            created_us: Micros(u64_at(4)),
            expires_us: Micros(u64_at(12)),
            local_tag: u32_at(20),
            peer_tag: u32_at(24),
            local_tsn: u32_at(28),
            peer_tsn: u32_at(32),
            peer_rwnd: u32_at(36),
            outbound_streams: u16_at(40),
            inbound_streams: u16_at(42),
            local_port: u16_at(44),
            peer_port: u16_at(46),
        };
        if now > p.expires_us {
            return Err(CookieError::Stale {
                staleness_us: now - p.expires_us,
                peer_tag: p.peer_tag,
            });
        }
        Ok(p)
    }
}
