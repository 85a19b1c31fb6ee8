//! Subscriber files (`--subscribers FILE`, `roamsim subscribers check`): CSV with a header line.
//!
//! | column       | required | content                                                        |
//! |--------------|----------|----------------------------------------------------------------|
//! | `imsi`       | yes      | 14 or 15 digits, an E.212 MCC (2xx-7xx, 901, or 001 for tests) |
//! | `msisdn`     | yes      | E.164 digits, country code first, at most 15 (a leading `+` is allowed) |
//! | `k`, `opc`   | yes      | 32 hex digits each                                             |
//! | `amf`        | no       | 4 hex digits (default `8000`)                                  |
//! | `mnc_digits` | no       | 2 or 3: how the IMSI splits into MCC, MNC and MSIN; default: the profile's home PLMN the IMSI belongs to |
//! | `persona`    | no       | a persona name of the profile: the roamer always has it        |
//! | `visited`    | no       | a visited PLMN of the profile (`MCC-MNC`): the roamer stays there |
//! | `sqn`        | no       | the last SQN handed out (decimal), as `roamsim state export` writes it; only `roamsim state import` uses it |
//!
//! Columns come in any order; an unknown column is an error (a typo must not be ignored), and so
//! is a duplicate IMSI or MSISDN. Blank lines and lines starting with `#` are skipped. Every
//! error is reported with its line and column, all of them rather than the first (up to
//! [`MAX_ERRORS`]). When `FILE.sha256` lies beside the file (`sha256sum` format, as
//! `roamsim subscribers export` writes it), the file must match it.
//!
//! Reading streams the file: the text is never held, only a 56-byte row per subscriber and a
//! 4-byte IMSI index entry (ten million subscribers: about 600 MB).

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{Subscriber, SubscriberId};
use crate::model::aka::{Key, AMF_EUTRAN};
use crate::model::config::{HomeConfig, Profile};
use crate::model::ids::{Imsi, Msisdn, Plmn};
use crate::model::persona::Anomaly;

/// At most this many errors are kept; the rest are counted.
pub const MAX_ERRORS: usize = 1000;

/// One thing wrong in a subscriber file: where, which column, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// 1-based line; 0 when the file as a whole is at fault.
    pub line: usize,
    /// The column (`imsi`, `k`, ...), when one is at fault.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// Everything wrong in one subscriber file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FileErrors {
    /// The file name as given.
    pub file: String,
    /// The errors, by line.
    pub errors: Vec<FileError>,
    /// Errors found beyond [`MAX_ERRORS`].
    pub omitted: usize,
}

impl FileErrors {
    fn one(file: &str, line: usize, field: Option<&str>, message: String) -> FileErrors {
        FileErrors {
            file: file.to_string(),
            errors: vec![FileError {
                line,
                field: field.map(str::to_string),
                message,
            }],
            omitted: 0,
        }
    }
}

impl fmt::Display for FileErrors {
    /// One error per line: `subs.csv:12: field `k`: expected 32 hex digits, got 31`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.file)?;
            if e.line > 0 {
                write!(f, ":{}", e.line)?;
            }
            if let Some(field) = &e.field {
                write!(f, ": field `{field}`")?;
            }
            write!(f, ": {}", e.message)?;
        }
        if self.omitted > 0 {
            write!(f, "\n{}: and {} more errors", self.file, self.omitted)?;
        }
        Ok(())
    }
}

/// What `roamsim subscribers check` found in a good file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Subscribers in the file.
    pub subscribers: usize,
    /// Distinct home PLMNs.
    pub home_plmns: Vec<Plmn>,
    /// The SHA-256 the manifest beside the file gave (and the file matched); `None` when there
    /// is no manifest.
    pub manifest: Option<String>,
}

/// One subscriber of a file: 56 bytes.
#[derive(Debug, Clone, Copy)]
struct Row {
    imsi: u64,
    msisdn: u64,
    k: Key,
    opc: Key,
    amf: [u8; 2],
    home: u16,
    imsi_digits: u8,
    msisdn_digits: u8,
    persona: u8,
    visited: u8,
}

const NONE: u8 = u8::MAX;

impl Row {
    fn imsi_key(&self) -> u64 {
        imsi_key(self.imsi, self.imsi_digits)
    }
}

/// Sort key of an IMSI or MSISDN: value, then digit count (`01...` and `1...` differ).
fn imsi_key(value: u64, digits: u8) -> u64 {
    value << 4 | digits as u64
}

/// The subscribers of one file, as [`super::Directory`] holds them.
#[derive(Debug)]
pub(super) struct Rows {
    name: String,
    rows: Vec<Row>,
    /// Row indices sorted by IMSI.
    by_imsi: Vec<u32>,
    /// Home PLMNs the rows' `home` indexes.
    plmns: Vec<Plmn>,
    pins: bool,
    /// The `sqn` column, when the file has one.
    sqn: Vec<u64>,
}

impl Rows {
    pub(super) fn sqn(&self, id: SubscriberId) -> Option<u64> {
        self.sqn.get(id.index()).copied()
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(super) fn name(&self) -> &str {
        &self.name
    }

    pub(super) fn has_pins(&self) -> bool {
        self.pins
    }

    pub(super) fn get(&self, id: SubscriberId) -> Option<Subscriber> {
        let r = self.rows.get(id.index())?;
        let opt = |v: u8| (v != NONE).then_some(v);
        Some(Subscriber {
            id,
            imsi: Imsi::new(r.imsi, r.imsi_digits).expect("checked on read"),
            msisdn: Msisdn::new(r.msisdn, r.msisdn_digits).expect("checked on read"),
            k: r.k,
            opc: r.opc,
            amf: r.amf,
            home: self.plmns[r.home as usize],
            persona: opt(r.persona),
            visited: opt(r.visited),
        })
    }

    pub(super) fn lookup(&self, imsi: Imsi) -> Option<Subscriber> {
        let key = imsi_key(imsi.value(), imsi.digits());
        let i = self
            .by_imsi
            .binary_search_by(|&i| self.rows[i as usize].imsi_key().cmp(&key))
            .ok()?;
        self.get(SubscriberId(self.by_imsi[i]))
    }

    pub(super) fn any_imsi_between(&self, lo: Imsi, hi: Imsi) -> bool {
        let (lo, hi) = (imsi_key(lo.value(), 0), imsi_key(hi.value(), 15));
        let start = self
            .by_imsi
            .partition_point(|&i| self.rows[i as usize].imsi_key() < lo);
        self.by_imsi[start..]
            .iter()
            .map(|&i| &self.rows[i as usize])
            .take_while(|r| r.imsi_key() <= hi)
            .any(|r| r.imsi_digits == 15)
    }
}

/// Reads and checks a subscriber file (and its manifest, when one lies beside it).
pub(super) fn read(profile: &Profile, path: &Path) -> Result<Rows, FileErrors> {
    read_checked(profile, path).map(|(rows, _)| rows)
}

/// As [`read`], with the hash the manifest gave (and the file matched), if there was one.
fn read_checked(profile: &Profile, path: &Path) -> Result<(Rows, Option<String>), FileErrors> {
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| FileErrors::one(&name, 0, None, format!("cannot read: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let size = file.metadata().map_err(cannot)?.len();
    let manifest = read_manifest(path, &name)?;
    // A row takes at least 82 bytes of text: reserving for that many never regrows the table
    // (a regrow would hold the old and the new copy at once), and pages never written cost nothing.
    let capacity = (size / 82) as usize + 1;
    let rows = read_from(profile, &name, file, manifest.as_deref(), capacity)?;
    Ok((rows, manifest))
}

/// Checks a subscriber file without keeping it: what `roamsim subscribers check` does.
pub fn check(profile: &Profile, path: &Path) -> Result<CheckReport, FileErrors> {
    let (rows, manifest) = read_checked(profile, path)?;
    Ok(CheckReport {
        subscribers: rows.len(),
        home_plmns: rows.plmns,
        manifest,
    })
}

/// `FILE.sha256` beside `path`: the hash it gives, if there is one.
fn read_manifest(path: &Path, name: &str) -> Result<Option<String>, FileErrors> {
    let mut m = path.as_os_str().to_owned();
    m.push(".sha256");
    let m = std::path::PathBuf::from(m);
    let text = match std::fs::read_to_string(&m) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(FileErrors::one(
                name,
                0,
                None,
                format!("cannot read the manifest {}: {e}", m.display()),
            ))
        }
    };
    let hash = text.split_whitespace().next().unwrap_or("");
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(FileErrors::one(
            name,
            0,
            None,
            format!(
                "the manifest {} is not in sha256sum format (64 hex digits, two spaces, the file name)",
                m.display()
            ),
        ));
    }
    Ok(Some(hash.to_ascii_lowercase()))
}

/// The columns a subscriber file may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Imsi,
    Msisdn,
    K,
    Opc,
    Amf,
    MncDigits,
    Persona,
    Visited,
    Sqn,
}

const COLUMNS: [(&str, Column); 9] = [
    ("imsi", Column::Imsi),
    ("msisdn", Column::Msisdn),
    ("k", Column::K),
    ("opc", Column::Opc),
    ("amf", Column::Amf),
    ("mnc_digits", Column::MncDigits),
    ("persona", Column::Persona),
    ("visited", Column::Visited),
    ("sqn", Column::Sqn),
];

const REQUIRED: [Column; 4] = [Column::Imsi, Column::Msisdn, Column::K, Column::Opc];

/// The column's name, as an error's field.
fn at(c: Column) -> Option<&'static str> {
    COLUMNS.iter().find(|(_, x)| *x == c).map(|x| x.0)
}

/// What rows are checked against: the profile's home PLMNs, personas and visited PLMNs.
struct Context<'a> {
    home: &'a HomeConfig,
    personas: Vec<(String, Option<Anomaly>)>,
    visited: Vec<Plmn>,
}

/// Collects errors up to [`MAX_ERRORS`].
struct Errors {
    list: Vec<FileError>,
    omitted: usize,
}

impl Errors {
    fn push(&mut self, line: usize, field: Option<&str>, message: String) {
        if self.list.len() < MAX_ERRORS {
            self.list.push(FileError {
                line,
                field: field.map(str::to_string),
                message,
            });
        } else {
            self.omitted += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty() && self.omitted == 0
    }
}

/// Hashes what it reads, for the manifest.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// Reads subscriber CSV from `input`; `manifest` is the SHA-256 (hex) it must hash to,
/// `capacity` the rows to reserve room for.
pub(super) fn read_from(
    profile: &Profile,
    name: &str,
    input: impl Read,
    manifest: Option<&str>,
    capacity: usize,
) -> Result<Rows, FileErrors> {
    let ctx = Context {
        home: &profile.home,
        personas: profile
            .persona_configs()
            .into_iter()
            .map(|p| (p.name, p.anomaly))
            .collect(),
        visited: profile.visited_plmns().iter().map(|v| v.plmn).collect(),
    };
    let mut input = BufReader::with_capacity(
        1 << 20,
        Hashing {
            inner: input,
            hash: Sha256::new(),
        },
    );
    let mut errors = Errors {
        list: Vec::new(),
        omitted: 0,
    };
    let mut reader = Reader {
        ctx: &ctx,
        columns: Vec::new(),
        rows: Vec::with_capacity(capacity),
        lines: Vec::with_capacity(capacity),
        rejected: Vec::new(),
        sqn: Vec::new(),
        plmns: Vec::new(),
        pins: false,
    };
    let mut buf = Vec::with_capacity(256);
    let mut line = 0usize;
    let mut header = false;
    let mut usable = true;
    loop {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                return Err(FileErrors::one(
                    name,
                    line + 1,
                    None,
                    format!("cannot read: {e}"),
                ))
            }
        }
        line += 1;
        let text = trim(&buf);
        if text.is_empty() || text[0] == b'#' {
            continue;
        }
        if !header {
            header = true;
            usable = reader.header(line, text, &mut errors);
        } else if usable {
            reader.row(line, text, &mut errors);
        }
    }
    if !header {
        errors.push(
            line.max(1),
            None,
            "no header: expected a first line naming the columns, e.g. `imsi,msisdn,k,opc`".into(),
        );
    }
    let Hashing { hash, .. } = input.into_inner();
    if let Some(want) = manifest {
        let got: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        if got != want {
            errors.push(
                0,
                None,
                format!("the file's SHA-256 is {got}, but its manifest ({name}.sha256) says {want}: the file changed after it was exported"),
            );
        }
    }
    let by_imsi = reader.duplicates(&mut errors);
    if !errors.is_empty() {
        let mut list = errors.list;
        list.sort_by_key(|e| e.line);
        return Err(FileErrors {
            file: name.to_string(),
            errors: list,
            omitted: errors.omitted,
        });
    }
    Ok(Rows {
        name: name.to_string(),
        rows: reader.rows,
        by_imsi,
        plmns: reader.plmns,
        pins: reader.pins,
        sqn: reader.sqn,
    })
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if !first.is_ascii_whitespace() {
            break;
        }
        b = rest;
    }
    while let [rest @ .., last] = b {
        if !last.is_ascii_whitespace() {
            break;
        }
        b = rest;
    }
    b
}

struct Reader<'a> {
    ctx: &'a Context<'a>,
    /// Per header position: the column, `None` for an unknown one.
    columns: Vec<Option<Column>>,
    rows: Vec<Row>,
    /// Line of each row (dropped after the duplicate check).
    lines: Vec<u32>,
    /// Rows with errors.
    rejected: Vec<Rejected>,
    /// The `sqn` column's values.
    sqn: Vec<u64>,
    plmns: Vec<Plmn>,
    pins: bool,
}

/// The cells of one row, by column.
#[derive(Default)]
struct Cells<'a> {
    cells: [Option<&'a [u8]>; 9],
}

impl<'a> Cells<'a> {
    fn get(&self, c: Column) -> Option<&'a [u8]> {
        self.cells[c as usize].filter(|c| !c.is_empty())
    }
}

impl Reader<'_> {
    /// Reads the header; false when rows cannot be read (a required column is missing).
    fn header(&mut self, line: usize, text: &[u8], errors: &mut Errors) -> bool {
        for name in text.split(|&b| b == b',').map(trim) {
            let name = String::from_utf8_lossy(name).to_string();
            let c = COLUMNS
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&name))
                .map(|x| x.1);
            match c {
                None => errors.push(line, Some(&name), "unknown column: expected imsi, msisdn, k, opc and optionally amf, mnc_digits, persona, visited, sqn".into()),
                Some(c) if self.columns.contains(&Some(c)) => {
                    errors.push(line, at(c), "column named twice".into())
                }
                Some(_) => {}
            }
            self.columns
                .push(c.filter(|c| !self.columns.contains(&Some(*c))));
        }
        let mut ok = true;
        for c in REQUIRED {
            if !self.columns.contains(&Some(c)) {
                errors.push(line, at(c), "missing column".into());
                ok = false;
            }
        }
        ok
    }

    fn row(&mut self, line: usize, text: &[u8], errors: &mut Errors) {
        let mut cells = Cells::default();
        let mut n = 0;
        for (i, cell) in text.split(|&b| b == b',').enumerate() {
            n += 1;
            if let Some(Some(c)) = self.columns.get(i) {
                cells.cells[*c as usize] = Some(trim(cell));
            }
        }
        if n != self.columns.len() {
            errors.push(
                line,
                None,
                format!("{n} values for {} columns", self.columns.len()),
            );
            return;
        }
        let before = errors.list.len() + errors.omitted;
        let imsi = self.imsi(line, &cells, errors);
        let msisdn =
            digits(cells.get(Column::Msisdn).unwrap_or(b""), true).filter(|&(_, d)| d <= 15);
        if msisdn.is_none() {
            errors.push(
                line,
                at(Column::Msisdn),
                format!(
                    "{:?}: expected E.164 digits, country code first, at most 15 (no leading 0)",
                    text_of(cells.get(Column::Msisdn))
                ),
            );
        }
        let key = |c: Column, errors: &mut Errors| -> Key {
            let cell = cells.get(c).unwrap_or(b"");
            hex::<16>(cell).unwrap_or_else(|| {
                errors.push(
                    line,
                    at(c),
                    format!(
                        "expected 32 hex digits, got {:?} ({} characters)",
                        text_of(Some(cell)),
                        cell.len()
                    ),
                );
                [0; 16]
            })
        };
        let (k, opc) = (key(Column::K, errors), key(Column::Opc, errors));
        let amf = match cells.get(Column::Amf) {
            None => AMF_EUTRAN,
            Some(cell) => hex::<2>(cell).unwrap_or_else(|| {
                errors.push(
                    line,
                    at(Column::Amf),
                    format!("expected 4 hex digits, got {:?}", text_of(Some(cell))),
                );
                AMF_EUTRAN
            }),
        };
        let persona = match cells.get(Column::Persona) {
            None => NONE,
            Some(cell) => self.persona(line, cell, errors),
        };
        let visited = match cells.get(Column::Visited) {
            None => NONE,
            Some(cell) => self.visited(line, cell, errors),
        };
        let sqn = match cells.get(Column::Sqn) {
            None => 0,
            Some(cell) => digits(cell, false)
                .filter(|&(v, _)| v < 1 << 48)
                .map_or_else(
                    || {
                        errors.push(
                            line,
                            at(Column::Sqn),
                            format!(
                                "{:?}: expected a decimal SQN below 2^48",
                                text_of(Some(cell))
                            ),
                        );
                        0
                    },
                    |(v, _)| v,
                ),
        };
        if errors.list.len() + errors.omitted != before {
            self.rejected.push(Rejected {
                imsi: imsi.map(|(i, _)| imsi_key(i.value(), i.digits())),
                msisdn: msisdn.map(|(v, d)| imsi_key(v, d)),
                line: line as u32,
            });
            return;
        }
        let (Some((imsi, home)), Some((msisdn, msisdn_digits))) = (imsi, msisdn) else {
            return;
        };
        self.pins |= persona != NONE || visited != NONE;
        self.rows.push(Row {
            imsi: imsi.value(),
            msisdn,
            k,
            opc,
            amf,
            home,
            imsi_digits: imsi.digits(),
            msisdn_digits,
            persona,
            visited,
        });
        self.lines.push(line as u32);
        if self.columns.contains(&Some(Column::Sqn)) {
            self.sqn.push(sqn);
        }
    }

    /// The IMSI and the index of its home PLMN.
    fn imsi(&mut self, line: usize, cells: &Cells, errors: &mut Errors) -> Option<(Imsi, u16)> {
        let cell = cells.get(Column::Imsi).unwrap_or(b"");
        let bad = |errors: &mut Errors, m: String| {
            errors.push(line, at(Column::Imsi), m);
            None
        };
        let Some((value, n)) = digits(cell, false).filter(|&(_, n)| (14..=15).contains(&n)) else {
            return bad(
                errors,
                format!(
                    "{:?}: expected an IMSI of 14 or 15 digits, got {} characters",
                    text_of(Some(cell)),
                    cell.len()
                ),
            );
        };
        let imsi = Imsi::new(value, n).expect("14 or 15 digits");
        let mcc = (value / 10u64.pow(n as u32 - 3)) as u16;
        if !(matches!(mcc / 100, 2..=7) || mcc == 1 || mcc == 901) {
            return bad(
                errors,
                format!("{imsi}: MCC {mcc:03} is not an E.212 country code (2xx to 7xx, 901, or 001 for test networks)"),
            );
        }
        let plmn = match cells.get(Column::MncDigits) {
            Some(b"2") | Some(b"3") => {
                let d = cells.get(Column::MncDigits).expect("matched")[0] - b'0';
                let mnc = (value / 10u64.pow((n - 3 - d) as u32)) % 10u64.pow(d as u32);
                Plmn::new(mcc, mnc as u16, d).expect("MCC and MNC from digits")
            }
            Some(other) => {
                errors.push(
                    line,
                    at(Column::MncDigits),
                    format!("{:?}: expected 2 or 3", text_of(Some(other))),
                );
                return None;
            }
            None => match self.ctx.home.home_of(imsi) {
                Some(h) => self.ctx.home.plmns[h].plmn,
                None => {
                    let homes: Vec<String> = self
                        .ctx
                        .home
                        .plmns
                        .iter()
                        .map(|h| h.plmn.to_string())
                        .collect();
                    return bad(
                        errors,
                        format!(
                            "{imsi} belongs to no home PLMN of the profile ({}): add an `mnc_digits` column (2 or 3) or the PLMN to [[home.plmns]]",
                            homes.join(", ")
                        ),
                    );
                }
            },
        };
        let home = match self.plmns.iter().rposition(|p| *p == plmn) {
            Some(i) => i,
            None => {
                self.plmns.push(plmn);
                self.plmns.len() - 1
            }
        };
        Some((imsi, u16::try_from(home).ok()?))
    }

    fn persona(&self, line: usize, cell: &[u8], errors: &mut Errors) -> u8 {
        let name = text_of(Some(cell));
        match self.ctx.personas.iter().position(|(n, _)| *n == name) {
            Some(i) if self.ctx.personas[i].1 == Some(Anomaly::UnknownImsi) => {
                errors.push(
                    line,
                    at(Column::Persona),
                    format!("persona `{name}` plays IMSIs the HSS does not know; a subscriber of the file cannot have it"),
                );
                NONE
            }
            Some(i) => i as u8,
            None => {
                let names: Vec<&str> = self.ctx.personas.iter().map(|p| p.0.as_str()).collect();
                errors.push(
                    line,
                    at(Column::Persona),
                    format!(
                        "no persona `{name}` in the profile (it has {})",
                        names.join(", ")
                    ),
                );
                NONE
            }
        }
    }

    fn visited(&self, line: usize, cell: &[u8], errors: &mut Errors) -> u8 {
        let text = text_of(Some(cell));
        let found = text
            .parse::<Plmn>()
            .ok()
            .and_then(|p| self.ctx.visited.iter().position(|v| *v == p));
        match found {
            Some(i) => i as u8,
            None => {
                let names: Vec<String> = self.ctx.visited.iter().map(|p| p.to_string()).collect();
                errors.push(
                    line,
                    at(Column::Visited),
                    format!(
                        "{text:?} is not a visited PLMN of the profile ({})",
                        names.join(", ")
                    ),
                );
                NONE
            }
        }
    }

    /// Reports duplicate IMSIs and MSISDNs (rows with other errors included); returns the rows
    /// sorted by IMSI.
    fn duplicates(&mut self, errors: &mut Errors) -> Vec<u32> {
        let lines = std::mem::take(&mut self.lines);
        let rejected = std::mem::take(&mut self.rejected);
        let n = self.rows.len();
        let line_of = |i: u32| match (i as usize).checked_sub(n) {
            None => lines[i as usize],
            Some(j) => rejected[j].line,
        };
        let extra = |f: fn(&Rejected) -> Option<u64>| {
            rejected
                .iter()
                .enumerate()
                .filter_map(move |(j, r)| f(r).map(|k| (k, (n + j) as u32)))
        };
        let mut keys: Vec<(u64, u32)> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (imsi_key(r.msisdn, r.msisdn_digits), i as u32))
            .chain(extra(|r| r.msisdn))
            .collect();
        keys.sort_unstable();
        report_duplicates(&keys, &line_of, Column::Msisdn, "MSISDN", errors);
        keys.clear();
        keys.extend(
            self.rows
                .iter()
                .enumerate()
                .map(|(i, r)| (r.imsi_key(), i as u32))
                .chain(extra(|r| r.imsi)),
        );
        keys.sort_unstable();
        report_duplicates(&keys, &line_of, Column::Imsi, "IMSI", errors);
        keys.retain(|k| (k.1 as usize) < n);
        keys.into_iter().map(|(_, i)| i).collect()
    }
}

/// A row with errors: what the duplicate check still needs of it.
struct Rejected {
    imsi: Option<u64>,
    msisdn: Option<u64>,
    line: u32,
}

/// Reports every entry of a group of equal keys but the one on the first line.
fn report_duplicates(
    sorted: &[(u64, u32)],
    line_of: &dyn Fn(u32) -> u32,
    column: Column,
    what: &str,
    errors: &mut Errors,
) {
    for group in sorted.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        let first = group.iter().map(|e| line_of(e.1)).min().expect("not empty");
        let value = group[0].0;
        let shown = format!("{:0width$}", value >> 4, width = (value & 15) as usize);
        for e in group {
            let line = line_of(e.1);
            if line != first {
                errors.push(
                    line as usize,
                    at(column),
                    format!("{what} {shown} already on line {first}"),
                );
            }
        }
    }
}

fn text_of(cell: Option<&[u8]>) -> String {
    String::from_utf8_lossy(cell.unwrap_or(b"")).into_owned()
}

/// A cell of decimal digits (at most 15, optional `+` when `plus`); for E.164, no leading 0.
fn digits(cell: &[u8], plus: bool) -> Option<(u64, u8)> {
    let cell = match cell {
        [b'+', rest @ ..] if plus => rest,
        _ => cell,
    };
    if cell.is_empty() || cell.len() > 15 || !cell.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if plus && cell[0] == b'0' {
        return None;
    }
    let v = cell.iter().fold(0u64, |v, &d| v * 10 + (d - b'0') as u64);
    Some((v, cell.len() as u8))
}

fn hex<const N: usize>(cell: &[u8]) -> Option<[u8; N]> {
    if cell.len() != 2 * N {
        return None;
    }
    let nib = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(cell.chunks_exact(2)) {
        *o = nib(pair[0])? << 4 | nib(pair[1])?;
    }
    Some(out)
}
