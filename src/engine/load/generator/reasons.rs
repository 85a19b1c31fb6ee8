//! The first example of each reason key (docs/ARCHITECTURE.md §4, §7): where and to whom the
//! first procedure that ended for it happened, built from the [`Completion`] and the visited
//! side's identities. Only the first end of a key per recorder reaches this file (the recorder
//! asks for an example when a key is new), so none of it runs for a procedure that ended ok.
//!
//! The subscriber is written as HMAC-SHA256 of its IMSI's digits, truncated to
//! [`SUBSCRIBER_HEX`] hex digits, under a key drawn from the kernel once per process and never
//! written anywhere: within a run (and the steps of a sweep) one subscriber has one hash, so
//! examples can be matched with each other, but nobody can turn a hash back into an IMSI by
//! trying the IMSI ranges of a profile.

use std::fmt::Write;
use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::model::message::MessageKind;
use crate::model::reason::ReasonExample;
use crate::model::{Imsi, Micros};
use crate::visited::{Completion, VisitedNetwork};

/// Hex digits of the subscriber hash kept in an example (48 bits).
pub const SUBSCRIBER_HEX: usize = 12;

/// This process's key for subscriber hashes: kernel randomness; should the kernel refuse, the
/// standard library's per-process random hasher keys (which come from the same source by
/// another path).
pub(crate) fn hash_key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = [0u8; 32];
        if crate::io::random::fill(&mut key).is_err() {
            use std::hash::BuildHasher;
            let state = std::collections::hash_map::RandomState::new();
            for (i, chunk) in key.chunks_mut(8).enumerate() {
                chunk.copy_from_slice(&state.hash_one(i).to_be_bytes());
            }
        }
        key
    })
}

/// The subscriber as it appears in results: [`SUBSCRIBER_HEX`] hex digits of HMAC-SHA256 of the
/// IMSI's digits under `key`.
pub fn subscriber_hash(key: &[u8], imsi: Imsi) -> String {
    let (digits, n) = imsi.ascii();
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&digits[..n]);
    let tag = mac.finalize().into_bytes();
    let mut out = String::with_capacity(SUBSCRIBER_HEX);
    for b in tag.iter().take(SUBSCRIBER_HEX.div_ceil(2)) {
        let _ = write!(out, "{b:02x}");
    }
    out.truncate(SUBSCRIBER_HEX);
    out
}

/// The example of completion `c` of `vn`, its time counted from `origin` (the start of the
/// measured arrivals).
pub fn example(vn: &VisitedNetwork, c: &Completion, origin: Micros) -> ReasonExample {
    let population = vn.population();
    let roamer = population.roamer(c.roamer);
    let on_s6a = matches!(
        c.message,
        MessageKind::S6aAir | MessageKind::S6aUlr | MessageKind::S6aClr | MessageKind::S6aPur
    );
    let node = match (on_s6a, (c.mme as usize) < vn.mme_count()) {
        (true, true) => vn.mme_host(c.mme as usize).to_string(),
        (true, false) => "mme".to_string(),
        (false, _) => "sgw".to_string(),
    };
    ReasonExample {
        at_us: c.finished_us.saturating_sub(origin).as_u64(),
        node,
        visited_plmn: population
            .visited()
            .get(c.visited as usize)
            .map_or_else(String::new, |v| v.plmn.to_string()),
        home_plmn: roamer.home.to_string(),
        message: c.message.name().to_string(),
        code: c.reason.code(),
        subscriber: subscriber_hash(hash_key(), roamer.imsi),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subscriber_hash_is_keyed_short_and_never_the_imsi() {
        let imsi = Imsi::new(310_410_000_000_001, 15).unwrap();
        let other = Imsi::new(310_410_000_000_002, 15).unwrap();
        let a = subscriber_hash(b"key one", imsi);
        assert_eq!(a.len(), SUBSCRIBER_HEX);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(a, subscriber_hash(b"key one", imsi));
        assert_ne!(a, subscriber_hash(b"key two", imsi));
        assert_ne!(a, subscriber_hash(b"key one", other));
        assert!(!a.contains("310410"));
        // HMAC-SHA256 (RFC 2104) of the 15 ASCII digits, computed independently:
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"key one",b"310410000000001",hashlib.sha256).hexdigest()[:12])'
        assert_eq!(a, EXPECTED_KEY_ONE);
        // The process's key is drawn once.
        assert_eq!(hash_key(), hash_key());
    }

    const EXPECTED_KEY_ONE: &str = "6296c0e0fbc3";
}
