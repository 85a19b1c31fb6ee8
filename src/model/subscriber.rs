//! The subscriber directory: who exists, with which MSISDN and Milenage keys. Both sides use it:
//! the HSS to answer, the emulated UE to check AUTN and compute RES.
//!
//! Generated subscribers come from the profile's IMSI ranges and take no memory per subscriber:
//! their MSISDN is the range's start plus the offset, and their keys are derived on demand by
//! [`derive_keys`]. Subscribers from a CSV file (`--subscribers FILE`) are stored explicitly and
//! take precedence over a generated subscriber with the same IMSI (that is how the reference
//! capture's subscribers A and B get their real keys: `profiles/capture-subscribers.csv`).
//!
//! Every subscriber has a dense [`SubscriberId`] (generated ranges first, in IMSI order, then new
//! CSV subscribers in file order), so per-subscriber state elsewhere lives in plain `Vec`s.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::aka::{Key, AMF_EUTRAN};
use super::config::{HomeConfig, Profile};
use super::hex;
use super::ids::{Imsi, Msisdn};

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
    /// Index of the subscriber's home PLMN in `profile.home.plmns`.
    pub home: usize,
}

/// The key derivation rule for generated subscribers:
///
/// - K   = first 16 octets of SHA-256(`"roamsim/k"`   ‖ seed as 8 octets big-endian ‖ IMSI as ASCII digits)
/// - OPc = first 16 octets of SHA-256(`"roamsim/opc"` ‖ seed as 8 octets big-endian ‖ IMSI as ASCII digits)
///
/// The IMSI is written with its own digit count (15 for every generated subscriber). Any tool
/// that knows the seed can rebuild the keys (e.g. to provision a real HSS for `roamsim load`).
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

/// A subscriber file that could not be loaded: where, which column, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SubscriberFileError {
    /// The file name as given.
    pub file: String,
    /// 1-based line; 0 when the file could not be read at all.
    pub line: usize,
    /// The column name (`imsi`, `k`, ...), when one is at fault.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SubscriberFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, Clone)]
struct GeneratedRange {
    first: u64,
    count: u64,
    msisdn_start: Msisdn,
    base: u32,
    home: usize,
}

#[derive(Debug, Clone)]
struct Explicit {
    id: SubscriberId,
    msisdn: Msisdn,
    k: Key,
    opc: Key,
    amf: [u8; 2],
    home: usize,
}

/// Who exists. Cheap for generated ranges of any size; see the module docs.
#[derive(Debug, Clone)]
pub struct Directory {
    seed: u64,
    /// Sorted by `first`, non-overlapping (the profile validates that).
    ranges: Vec<GeneratedRange>,
    explicit: HashMap<Imsi, Explicit>,
    /// IMSIs of CSV subscribers that have their own id, indexed by `id - generated`.
    explicit_ids: Vec<Imsi>,
    generated: u32,
}

impl Directory {
    /// The generated subscribers of a (validated) profile.
    pub fn from_profile(profile: &Profile) -> Directory {
        let mut ranges: Vec<GeneratedRange> = Vec::new();
        for (home, hp) in profile.home.plmns.iter().enumerate() {
            for r in &hp.ranges {
                ranges.push(GeneratedRange {
                    first: r.first_imsi.value(),
                    count: r.count,
                    msisdn_start: r.msisdn_start,
                    base: 0,
                    home,
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
            seed: profile.seed,
            ranges,
            explicit: HashMap::new(),
            explicit_ids: Vec::new(),
            generated: u32::try_from(base).expect("profile validation caps the population"),
        }
    }

    /// Number of subscriber ids (`0..len()` are all valid).
    pub fn len(&self) -> usize {
        self.generated as usize + self.explicit_ids.len()
    }

    /// True when nobody is provisioned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn range_of(&self, imsi: Imsi) -> Option<(&GeneratedRange, u64)> {
        if imsi.digits() != 15 {
            return None;
        }
        let v = imsi.value();
        let i = self
            .ranges
            .partition_point(|r| r.first <= v)
            .checked_sub(1)?;
        let r = &self.ranges[i];
        (v - r.first < r.count).then_some((r, v - r.first))
    }

    fn generated(&self, r: &GeneratedRange, offset: u64) -> Subscriber {
        let imsi = Imsi::new(r.first + offset, 15).expect("validated range");
        let (k, opc) = derive_keys(self.seed, imsi);
        Subscriber {
            id: SubscriberId(r.base + offset as u32),
            imsi,
            msisdn: r.msisdn_start.checked_add(offset).expect("validated range"),
            k,
            opc,
            amf: AMF_EUTRAN,
            home: r.home,
        }
    }

    fn explicit(imsi: Imsi, e: &Explicit) -> Subscriber {
        Subscriber {
            id: e.id,
            imsi,
            msisdn: e.msisdn,
            k: e.k,
            opc: e.opc,
            amf: e.amf,
            home: e.home,
        }
    }

    /// The subscriber with this IMSI, if provisioned.
    pub fn lookup(&self, imsi: Imsi) -> Option<Subscriber> {
        if let Some(e) = self.explicit.get(&imsi) {
            return Some(Self::explicit(imsi, e));
        }
        let (r, offset) = self.range_of(imsi)?;
        Some(self.generated(r, offset))
    }

    /// The subscriber with this id (for walking the population).
    pub fn get(&self, id: SubscriberId) -> Option<Subscriber> {
        if id.0 < self.generated {
            let i = self.ranges.partition_point(|r| r.base <= id.0) - 1;
            let r = &self.ranges[i];
            let sub = self.generated(r, (id.0 - r.base) as u64);
            if let Some(e) = self.explicit.get(&sub.imsi) {
                return Some(Self::explicit(sub.imsi, e));
            }
            return Some(sub);
        }
        let imsi = *self.explicit_ids.get((id.0 - self.generated) as usize)?;
        self.lookup(imsi)
    }

    /// Reads a subscriber CSV file (see [`Directory::add_csv`]).
    pub fn load_csv(
        &mut self,
        home: &HomeConfig,
        path: &Path,
    ) -> Result<usize, SubscriberFileError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SubscriberFileError {
            file: file.clone(),
            line: 0,
            field: None,
            message: format!("cannot read: {e}"),
        })?;
        self.add_csv(home, &file, &text)
    }

    /// Adds subscribers from CSV text: a header naming the columns `imsi,msisdn,k,opc` and
    /// optionally `amf` (any order), then one subscriber per line with K, OPc and AMF in hex
    /// (AMF defaults to `8000`). Blank lines and lines starting with `#` are skipped. Each IMSI
    /// must belong to a home PLMN of the profile. Returns how many subscribers were read; on
    /// error nothing is added.
    pub fn add_csv(
        &mut self,
        home: &HomeConfig,
        file: &str,
        text: &str,
    ) -> Result<usize, SubscriberFileError> {
        let err = |line: usize, field: Option<&str>, message: String| SubscriberFileError {
            file: file.to_string(),
            line,
            field: field.map(str::to_string),
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        let Some((header_line, header)) = lines.next() else {
            return Err(err(
                1,
                None,
                "empty file: expected header `imsi,msisdn,k,opc`".into(),
            ));
        };
        const COLUMNS: [&str; 5] = ["imsi", "msisdn", "k", "opc", "amf"];
        let mut pos = [None::<usize>; 5];
        let names: Vec<&str> = header.split(',').map(str::trim).collect();
        for (i, name) in names.iter().enumerate() {
            let Some(c) = COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(name)) else {
                return Err(err(
                    header_line,
                    Some(name),
                    "unknown column: expected imsi, msisdn, k, opc and optionally amf".into(),
                ));
            };
            if pos[c].replace(i).is_some() {
                return Err(err(header_line, Some(name), "column named twice".into()));
            }
        }
        if let Some(c) = (0..4).find(|&c| pos[c].is_none()) {
            return Err(err(header_line, Some(COLUMNS[c]), "missing column".into()));
        }

        let mut added: Vec<(Imsi, Explicit, bool)> = Vec::new();
        let mut seen: HashMap<Imsi, usize> = HashMap::new();
        for (line, row) in lines {
            let cells: Vec<&str> = row.split(',').map(str::trim).collect();
            if cells.len() != names.len() {
                return Err(err(
                    line,
                    None,
                    format!("{} values for {} columns", cells.len(), names.len()),
                ));
            }
            let cell = |c: usize| pos[c].map(|i| cells[i]);
            let imsi: Imsi = cell(0)
                .expect("checked")
                .parse()
                .map_err(|e| err(line, Some("imsi"), format!("{e}")))?;
            let msisdn: Msisdn = cell(1)
                .expect("checked")
                .parse()
                .map_err(|e| err(line, Some("msisdn"), format!("{e}")))?;
            let key = |c: usize| {
                hex::decode::<16>(cell(c).expect("checked")).ok_or_else(|| {
                    err(line, Some(COLUMNS[c]), "expected 32 hex digits".to_string())
                })
            };
            let (k, opc) = (key(2)?, key(3)?);
            let amf = match cell(4) {
                None | Some("") => AMF_EUTRAN,
                Some(t) => hex::decode::<2>(t)
                    .ok_or_else(|| err(line, Some("amf"), "expected 4 hex digits".into()))?,
            };
            let Some(h) = home.home_of(imsi) else {
                return Err(err(
                    line,
                    Some("imsi"),
                    format!("{imsi} belongs to no home PLMN of the profile"),
                ));
            };
            if let Some(first) = seen.insert(imsi, line) {
                return Err(err(
                    line,
                    Some("imsi"),
                    format!("{imsi} already on line {first}"),
                ));
            }
            let existing = self.explicit.get(&imsi).map(|e| e.id).or_else(|| {
                self.range_of(imsi)
                    .map(|(r, off)| SubscriberId(r.base + off as u32))
            });
            let e = Explicit {
                id: existing.unwrap_or(SubscriberId(0)),
                msisdn,
                k,
                opc,
                amf,
                home: h,
            };
            added.push((imsi, e, existing.is_none()));
        }
        let n = added.len();
        if self.len() + added.iter().filter(|a| a.2).count() > u32::MAX as usize {
            return Err(err(0, None, "too many subscribers".into()));
        }
        for (imsi, mut e, new) in added {
            if new {
                e.id = SubscriberId(self.len() as u32);
                self.explicit_ids.push(imsi);
            }
            self.explicit.insert(imsi, e);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
