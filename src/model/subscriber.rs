//! The subscriber dataset: who exists, with which MSISDN, home PLMN and Milenage keys. It is the
//! one source of truth of a run: the HSS answers from it, and the emulated UEs of the
//! [`Population`](super::population::Population) are drawn from it and authenticate with its
//! keys, so the two cannot disagree.
//!
//! A [`Directory`] is one of two things, never a mix:
//!
//! - **Generated** (no `--subscribers`): the profile's IMSI ranges. Nothing is stored per
//!   subscriber: the MSISDN is the range's start plus the offset and the keys are derived on
//!   demand by [`derive_keys`] from the seed and the IMSI.
//! - **A subscriber file** (`--subscribers FILE`, see [`file`]): exactly the file's rows, stored
//!   compactly (56 bytes each), with an IMSI index for the HSS's lookups. Rows may pin a
//!   roamer's persona or visited PLMN.
//!
//! Every subscriber has a dense [`SubscriberId`]: generated ranges in IMSI order, or the file's
//! rows in file order. Roamer `i` of a provisioned persona is subscriber `i`, and per-subscriber
//! state elsewhere lives in plain `Vec`s. A `Directory` is shared, not copied: cloning it is a
//! reference count.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::aka::{Key, AMF_EUTRAN};
use super::config::Profile;
use super::ids::{Imsi, Msisdn, Plmn};

pub mod export;
pub mod file;

pub use file::{CheckReport, FileError, FileErrors};

/// Dense index of a subscriber in its [`Directory`], `0..directory.len()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriberId(pub u32);

impl SubscriberId {
    /// As an index into per-subscriber `Vec`s.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Everything static about one subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscriber {
    /// Dense index.
    pub id: SubscriberId,
    /// The IMSI.
    pub imsi: Imsi,
    /// The MSISDN.
    pub msisdn: Msisdn,
    /// Milenage K.
    pub k: Key,
    /// Milenage OPc.
    pub opc: Key,
    /// AMF put in this subscriber's vectors.
    pub amf: [u8; 2],
    /// The home PLMN (the IMSI's MCC and MNC).
    pub home: Plmn,
    /// The persona a subscriber file pins this roamer to: an index into
    /// [`Profile::persona_configs`].
    pub persona: Option<u8>,
    /// The visited PLMN a subscriber file pins this roamer to: an index into
    /// [`Profile::visited_plmns`].
    pub visited: Option<u8>,
}

/// The key derivation rule for generated subscribers:
///
/// - K   = first 16 octets of SHA-256(`"roamsim/k"`   ‖ seed as 8 octets big-endian ‖ IMSI as ASCII digits)
/// - OPc = first 16 octets of SHA-256(`"roamsim/opc"` ‖ seed as 8 octets big-endian ‖ IMSI as ASCII digits)
///
/// The IMSI is written with its own digit count (15 for every generated subscriber). Any tool
/// that knows the seed can rebuild the keys; `roamsim subscribers export` writes them out.
pub fn derive_keys(seed: u64, imsi: Imsi) -> (Key, Key) {
    let (digits, n) = imsi.ascii();
    let derive = |label: &[u8]| -> Key {
        let mut h = Sha256::new();
        h.update(label);
        h.update(seed.to_be_bytes());
        h.update(&digits[..n]);
        h.finalize()[..16].try_into().expect("16 of 32 octets")
    };
    (derive(b"roamsim/k"), derive(b"roamsim/opc"))
}

#[derive(Debug, Clone)]
struct GeneratedRange {
    first: u64,
    count: u64,
    msisdn_start: Msisdn,
    base: u32,
    home: Plmn,
}

#[derive(Debug)]
enum Source {
    Generated {
        seed: u64,
        /// Sorted by `first`, non-overlapping (the profile validates that).
        ranges: Vec<GeneratedRange>,
        total: u32,
    },
    File(file::Rows),
}

/// Who exists; see the module docs. Cloning shares the data.
#[derive(Debug, Clone)]
pub struct Directory {
    source: Arc<Source>,
}

impl Directory {
    /// The generated subscribers of a (validated) profile.
    pub fn from_profile(profile: &Profile) -> Directory {
        let mut ranges: Vec<GeneratedRange> = Vec::new();
        for hp in &profile.home.plmns {
            for r in &hp.ranges {
                ranges.push(GeneratedRange {
                    first: r.first_imsi.value(),
                    count: r.count,
                    msisdn_start: r.msisdn_start,
                    base: 0,
                    home: hp.plmn,
                });
            }
        }
        ranges.sort_by_key(|r| r.first);
        let mut base = 0u64;
        for r in &mut ranges {
            r.base = base as u32;
            base += r.count;
        }
        Directory {
            source: Arc::new(Source::Generated {
                seed: profile.seed,
                ranges,
                total: u32::try_from(base).expect("profile validation caps the population"),
            }),
        }
    }

    /// The subscribers of a subscriber file, read and checked against `profile` (home PLMNs,
    /// persona and visited names); every error in the file is reported, with its line.
    pub fn from_file(profile: &Profile, path: &std::path::Path) -> Result<Directory, FileErrors> {
        Ok(Directory {
            source: Arc::new(Source::File(file::read(profile, path)?)),
        })
    }

    /// As [`Directory::from_file`], from a stream (`name` stands for it in errors; `capacity`:
    /// how many rows to make room for).
    pub fn from_reader(
        profile: &Profile,
        name: &str,
        input: impl std::io::Read,
        capacity: usize,
    ) -> Result<Directory, FileErrors> {
        Ok(Directory {
            source: Arc::new(Source::File(file::read_from(
                profile, name, input, None, capacity,
            )?)),
        })
    }

    /// The SQN a subscriber file's `sqn` column gives subscriber `id` (`roamsim state export`
    /// writes it).
    pub fn initial_sqn(&self, id: SubscriberId) -> Option<u64> {
        match &*self.source {
            Source::Generated { .. } => None,
            Source::File(rows) => rows.sqn(id),
        }
    }

    /// As [`Directory::from_file`], from text (`name` stands for the file in errors).
    pub fn from_csv_text(
        profile: &Profile,
        name: &str,
        text: &str,
    ) -> Result<Directory, FileErrors> {
        let rows = file::read_from(profile, name, text.as_bytes(), None, 0)?;
        Ok(Directory {
            source: Arc::new(Source::File(rows)),
        })
    }

    /// Number of subscribers (`0..len()` are all valid ids).
    pub fn len(&self) -> usize {
        match &*self.source {
            Source::Generated { total, .. } => *total as usize,
            Source::File(rows) => rows.len(),
        }
    }

    /// True when nobody is provisioned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The subscriber file these subscribers come from; `None` for the profile's ranges.
    pub fn file_name(&self) -> Option<&str> {
        match &*self.source {
            Source::Generated { .. } => None,
            Source::File(rows) => Some(rows.name()),
        }
    }

    /// True when some subscriber pins its roamer's persona or visited PLMN.
    pub fn has_pins(&self) -> bool {
        match &*self.source {
            Source::Generated { .. } => false,
            Source::File(rows) => rows.has_pins(),
        }
    }

    /// The subscriber with this IMSI, if provisioned.
    pub fn lookup(&self, imsi: Imsi) -> Option<Subscriber> {
        match &*self.source {
            Source::Generated { seed, ranges, .. } => {
                let (r, offset) = range_of(ranges, imsi)?;
                Some(generated(*seed, r, offset))
            }
            Source::File(rows) => rows.lookup(imsi),
        }
    }

    /// The subscriber with this id (for walking the population).
    pub fn get(&self, id: SubscriberId) -> Option<Subscriber> {
        match &*self.source {
            Source::Generated {
                seed,
                ranges,
                total,
            } => {
                if id.0 >= *total {
                    return None;
                }
                let r = &ranges[ranges.partition_point(|r| r.base <= id.0) - 1];
                Some(generated(*seed, r, (id.0 - r.base) as u64))
            }
            Source::File(rows) => rows.get(id),
        }
    }

    /// The IMSI, MSISDN and home PLMN of subscriber `id`, without its keys (which a generated
    /// subscriber derives at the cost of two SHA-256 runs).
    pub fn identity(&self, id: SubscriberId) -> Option<(Imsi, Msisdn, Plmn)> {
        match &*self.source {
            Source::Generated { ranges, total, .. } => {
                if id.0 >= *total {
                    return None;
                }
                let r = &ranges[ranges.partition_point(|r| r.base <= id.0) - 1];
                let offset = (id.0 - r.base) as u64;
                Some((
                    Imsi::new(r.first + offset, 15).expect("validated range"),
                    r.msisdn_start.checked_add(offset).expect("validated range"),
                    r.home,
                ))
            }
            Source::File(rows) => rows.get(id).map(|s| (s.imsi, s.msisdn, s.home)),
        }
    }

    /// The id of the subscriber with this IMSI, if provisioned (without deriving keys).
    pub fn id_of(&self, imsi: Imsi) -> Option<SubscriberId> {
        match &*self.source {
            Source::Generated { ranges, .. } => {
                range_of(ranges, imsi).map(|(r, offset)| SubscriberId(r.base + offset as u32))
            }
            Source::File(rows) => rows.lookup(imsi).map(|s| s.id),
        }
    }

    /// True when a provisioned 15-digit IMSI lies in `lo..=hi` (the population keeps its
    /// unknown-IMSI block clear of them).
    pub fn any_imsi_between(&self, lo: Imsi, hi: Imsi) -> bool {
        match &*self.source {
            Source::Generated { ranges, .. } => ranges
                .iter()
                .any(|r| r.first <= hi.value() && lo.value() < r.first + r.count),
            Source::File(rows) => rows.any_imsi_between(lo, hi),
        }
    }
}

fn range_of(ranges: &[GeneratedRange], imsi: Imsi) -> Option<(&GeneratedRange, u64)> {
    if imsi.digits() != 15 {
        return None;
    }
    let v = imsi.value();
    let i = ranges.partition_point(|r| r.first <= v).checked_sub(1)?;
    let r = &ranges[i];
    (v - r.first < r.count).then_some((r, v - r.first))
}

fn generated(seed: u64, r: &GeneratedRange, offset: u64) -> Subscriber {
    let imsi = Imsi::new(r.first + offset, 15).expect("validated range");
    let (k, opc) = derive_keys(seed, imsi);
    Subscriber {
        id: SubscriberId(r.base + offset as u32),
        imsi,
        msisdn: r.msisdn_start.checked_add(offset).expect("validated range"),
        k,
        opc,
        amf: AMF_EUTRAN,
        home: r.home,
        persona: None,
        visited: None,
    }
}

#[cfg(test)]
mod tests;
