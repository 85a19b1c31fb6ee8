//! The state journal: the home core's [`Change`]s, appended by the thread that runs the core,
//! once per turn and before that turn's answers are sent.
//!
//! A journal is a folder of segment files `<writer>-<n>.log` (`n` increasing, 10 digits), each
//! a sequence of records `[length u32 LE][CRC-32 of the payload u32 LE][payload]`. A turn's
//! records go out in one `write` (no `fsync`: the page cache survives `kill -9`, and the store
//! skips SQNs on restore for what a power loss could take). Reading stops at a torn tail (a
//! record cut short or failing its CRC at the very end of the last segment) and says so;
//! damage followed by more records is corruption, an error naming the file.
//!
//! Payloads, integers little-endian, IMSIs as value (u64) and digit count (u8):
//!
//! | kind | payload after the kind byte |
//! |---|---|
//! | 1 SQN | IMSI, SQN u64 |
//! | 2 registered | IMSI, host (u8 length + bytes), realm (u8 length + bytes) |
//! | 3 purged | IMSI |
//! | 4 session | control TEID u32, IMSI, MSISDN (u64 + u8 digits, 0 digits: none), APN (u8 length + bytes), PAA u32, charging id u32, EBI u8, SGW-C TEID u32 + IPv4 u32, SGW-U TEID u32 + IPv4 u32, PGW-U TEID u32, serving network (3 octets, TS 24.008), start µs u64 |
//! | 5 session gone | control TEID u32 |

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::home::hss::PeerRef;
use crate::home::pgw::{Fteid, Session};
use crate::home::state::Change;
use crate::model::ids::{Imsi, Msisdn, Plmn};
use crate::model::Micros;

/// Segments grow to about this size before the next one starts.
pub const SEGMENT_BYTES: u64 = 64 << 20;

/// Appends a writer's changes to its segments.
pub struct Journal {
    dir: PathBuf,
    writer: String,
    segment: u64,
    file: File,
    written: u64,
    buf: Vec<u8>,
    /// Segments closed since the last [`Journal::take_closed`].
    closed: Vec<PathBuf>,
    segment_bytes: u64,
}

/// The file of segment `n` of `writer`.
pub fn segment_path(dir: &Path, writer: &str, n: u64) -> PathBuf {
    dir.join(format!("{writer}-{n:010}.log"))
}

/// The segments in `dir`: (writer, number, path), ordered by writer and number.
pub fn segments(dir: &Path) -> io::Result<Vec<(String, u64, PathBuf)>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".log") else {
            continue;
        };
        let Some((writer, n)) = stem.rsplit_once('-') else {
            continue;
        };
        if let Ok(n) = n.parse::<u64>() {
            out.push((writer.to_string(), n, path));
        }
    }
    out.sort();
    Ok(out)
}

impl Journal {
    /// Starts a new segment of `writer` in `dir`, after any it already has.
    pub fn create(dir: &Path, writer: &str) -> io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let last = segments(dir)?
            .into_iter()
            .filter(|s| s.0 == writer)
            .map(|s| s.1)
            .max();
        let segment = last.map_or(1, |n| n + 1);
        let file = open_segment(dir, writer, segment)?;
        Ok(Journal {
            dir: dir.to_path_buf(),
            writer: writer.to_string(),
            segment,
            file,
            written: 0,
            buf: Vec::with_capacity(64 << 10),
            closed: Vec::new(),
            segment_bytes: SEGMENT_BYTES,
        })
    }

    /// Starts the next segment past `bytes` instead of [`SEGMENT_BYTES`].
    pub fn set_segment_bytes(&mut self, bytes: u64) {
        self.segment_bytes = bytes;
    }

    /// Encodes `changes` for the next [`Journal::commit`].
    pub fn append(&mut self, changes: &[Change]) {
        for c in changes {
            let start = self.buf.len();
            self.buf.extend_from_slice(&[0; 8]);
            encode(c, &mut self.buf);
            let payload = &self.buf[start + 8..];
            let len = payload.len() as u32;
            let crc = crc32fast::hash(payload);
            self.buf[start..start + 4].copy_from_slice(&len.to_le_bytes());
            self.buf[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
        }
    }

    /// Writes what was appended, in one write; starts the next segment past
    /// [`SEGMENT_BYTES`].
    pub fn commit(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.file.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        if self.written >= self.segment_bytes {
            self.file.sync_data()?;
            let old = segment_path(&self.dir, &self.writer, self.segment);
            self.segment += 1;
            self.file = open_segment(&self.dir, &self.writer, self.segment)?;
            self.written = 0;
            self.closed.push(old);
        }
        Ok(())
    }

    /// Segments finished since the last call (for folding into the store).
    pub fn take_closed(&mut self) -> Vec<PathBuf> {
        std::mem::take(&mut self.closed)
    }

    /// The file being written.
    pub fn path(&self) -> PathBuf {
        segment_path(&self.dir, &self.writer, self.segment)
    }
}

fn open_segment(dir: &Path, writer: &str, n: u64) -> io::Result<File> {
    OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(segment_path(dir, writer, n))
}

fn put_imsi(out: &mut Vec<u8>, imsi: Imsi) {
    out.extend_from_slice(&imsi.value().to_le_bytes());
    out.push(imsi.digits());
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    let b = &text.as_bytes()[..text.len().min(255)];
    out.push(b.len() as u8);
    out.extend_from_slice(b);
}

fn put_fteid(out: &mut Vec<u8>, f: Fteid) {
    out.extend_from_slice(&f.teid.to_le_bytes());
    out.extend_from_slice(&u32::from(f.ipv4).to_le_bytes());
}

fn encode(c: &Change, out: &mut Vec<u8>) {
    match c {
        Change::Sqn { imsi, sqn } => {
            out.push(1);
            put_imsi(out, *imsi);
            out.extend_from_slice(&sqn.to_le_bytes());
        }
        Change::Registered {
            imsi,
            mme: Some(mme),
        } => {
            out.push(2);
            put_imsi(out, *imsi);
            put_text(out, &mme.host);
            put_text(out, &mme.realm);
        }
        Change::Registered { imsi, mme: None } => {
            out.push(3);
            put_imsi(out, *imsi);
        }
        Change::Session { teid, session: s } => {
            out.push(4);
            out.extend_from_slice(&teid.to_le_bytes());
            put_imsi(out, s.imsi);
            let (m, d) = s.msisdn.map_or((0, 0), |m| (m.value(), m.digits()));
            out.extend_from_slice(&m.to_le_bytes());
            out.push(d);
            put_text(out, &s.apn);
            out.extend_from_slice(&u32::from(s.paa).to_le_bytes());
            out.extend_from_slice(&s.charging_id.to_le_bytes());
            out.push(s.ebi);
            put_fteid(out, s.sgw_control);
            put_fteid(out, s.sgw_user);
            out.extend_from_slice(&s.pgw_user_teid.to_le_bytes());
            out.extend_from_slice(&s.serving_network.to_tbcd());
            out.extend_from_slice(&s.start_us.0.to_le_bytes());
        }
        Change::SessionGone { teid } => {
            out.push(5);
            out.extend_from_slice(&teid.to_le_bytes());
        }
    }
}

/// A record that does not decode.
#[derive(Debug)]
struct Bad;

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Bad> {
        if self.0.len() < N {
            return Err(Bad);
        }
        let (a, b) = self.0.split_at(N);
        self.0 = b;
        Ok(a.try_into().expect("N bytes"))
    }
    fn u8(&mut self) -> Result<u8, Bad> {
        Ok(self.take::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, Bad> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, Bad> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn imsi(&mut self) -> Result<Imsi, Bad> {
        let v = self.u64()?;
        Imsi::new(v, self.u8()?).ok_or(Bad)
    }
    fn text(&mut self) -> Result<String, Bad> {
        let n = self.u8()? as usize;
        if self.0.len() < n {
            return Err(Bad);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        String::from_utf8(a.to_vec()).map_err(|_| Bad)
    }
    fn fteid(&mut self) -> Result<Fteid, Bad> {
        Ok(Fteid {
            teid: self.u32()?,
            ipv4: Ipv4Addr::from(self.u32()?),
        })
    }
}

fn decode(payload: &[u8]) -> Result<Change, Bad> {
    let mut c = Cursor(payload);
    let change = match c.u8()? {
        1 => Change::Sqn {
            imsi: c.imsi()?,
            sqn: c.u64()?,
        },
        2 => Change::Registered {
            imsi: c.imsi()?,
            mme: Some(PeerRef {
                host: c.text()?,
                realm: c.text()?,
            }),
        },
        3 => Change::Registered {
            imsi: c.imsi()?,
            mme: None,
        },
        4 => {
            let teid = c.u32()?;
            let imsi = c.imsi()?;
            let m = c.u64()?;
            let d = c.u8()?;
            let msisdn = if d == 0 {
                None
            } else {
                Some(Msisdn::new(m, d).ok_or(Bad)?)
            };
            let apn: Arc<str> = Arc::from(c.text()?.as_str());
            let session = Session {
                imsi,
                msisdn,
                apn,
                paa: Ipv4Addr::from(c.u32()?),
                charging_id: c.u32()?,
                ebi: c.u8()?,
                sgw_control: c.fteid()?,
                sgw_user: c.fteid()?,
                pgw_user_teid: c.u32()?,
                serving_network: Plmn::from_tbcd(c.take()?).map_err(|_| Bad)?,
                start_us: Micros(c.u64()?),
                rat_type: crate::home::pgw::RAT_EUTRAN,
                rates: Default::default(),
            };
            Change::Session { teid, session }
        }
        5 => Change::SessionGone { teid: c.u32()? },
        _ => return Err(Bad),
    };
    if !c.0.is_empty() {
        return Err(Bad);
    }
    Ok(change)
}

/// What reading a segment found besides its changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SegmentEnd {
    /// Bytes cut at the end: a record torn by a crash of the machine (not of the process).
    pub torn_bytes: u64,
}

/// Why a segment cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The segment.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// A damaged record followed by more data.
    #[error("{path}: corrupt journal record at byte {offset} (bad length, CRC or content with more records after it); the store cannot be trusted: restore it from a copy or `roamsim state export` of an older one")]
    Corrupt {
        /// The segment.
        path: String,
        /// Where the damaged record starts.
        offset: u64,
    },
}

/// Reads a segment, calling `each` for every change in order. A damaged record at the very end
/// is a torn tail (`last` segment only); anywhere else it is corruption.
pub fn read_segment(
    path: &Path,
    last: bool,
    mut each: impl FnMut(Change),
) -> Result<SegmentEnd, ReadError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: name.clone(),
        source,
    })?;
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = &bytes[at..];
        let record = (rest.len() >= 8)
            .then(|| {
                let len = u32::from_le_bytes(rest[..4].try_into().expect("4")) as usize;
                let crc = u32::from_le_bytes(rest[4..8].try_into().expect("4"));
                let payload = rest.get(8..8 + len)?;
                (crc32fast::hash(payload) == crc).then_some(payload)
            })
            .flatten()
            .and_then(|p| decode(p).ok().map(|c| (c, p.len())));
        match record {
            Some((change, len)) => {
                each(change);
                at += 8 + len;
            }
            None if last && !valid_record_after(&bytes, at + 1) => {
                return Ok(SegmentEnd {
                    torn_bytes: (bytes.len() - at) as u64,
                });
            }
            None => {
                return Err(ReadError::Corrupt {
                    path: name,
                    offset: at as u64,
                })
            }
        }
    }
    Ok(SegmentEnd::default())
}

/// True when a whole, CRC-valid record starts anywhere at or after `from`: the damage before it
/// is not a torn tail.
fn valid_record_after(bytes: &[u8], from: usize) -> bool {
    (from..bytes.len().saturating_sub(8)).any(|i| {
        let len = u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4")) as usize;
        let crc = u32::from_le_bytes(bytes[i + 4..i + 8].try_into().expect("4"));
        len > 0
            && len < 1024
            && bytes
                .get(i + 8..i + 8 + len)
                .is_some_and(|p| crc32fast::hash(p) == crc && decode(p).is_ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imsi(s: &str) -> Imsi {
        s.parse().unwrap()
    }

    fn changes() -> Vec<Change> {
        let session = Session {
            imsi: imsi("310410000100000"),
            msisdn: Some("15550000000".parse().unwrap()),
            apn: Arc::from("internet"),
            paa: Ipv4Addr::new(10, 0, 0, 2),
            charging_id: 7,
            ebi: 5,
            sgw_control: Fteid {
                teid: 0x11,
                ipv4: Ipv4Addr::new(127, 0, 0, 1),
            },
            sgw_user: Fteid {
                teid: 0x22,
                ipv4: Ipv4Addr::new(127, 0, 0, 1),
            },
            pgw_user_teid: 0x8000_0001,
            serving_network: "208-01".parse().unwrap(),
            start_us: Micros(123),
            rat_type: crate::home::pgw::RAT_EUTRAN,
            rates: Default::default(),
        };
        vec![
            Change::Sqn {
                imsi: imsi("310410000100000"),
                sqn: 0x40,
            },
            Change::Registered {
                imsi: imsi("310410000100000"),
                mme: Some(PeerRef {
                    host: "mme1.epc.mnc001.mcc208.3gppnetwork.org".into(),
                    realm: "epc.mnc001.mcc208.3gppnetwork.org".into(),
                }),
            },
            Change::Session {
                teid: 1,
                session: session.clone(),
            },
            Change::Session {
                teid: 2,
                session: Session {
                    msisdn: None,
                    ..session
                },
            },
            Change::SessionGone { teid: 1 },
            Change::Registered {
                imsi: imsi("310410000100000"),
                mme: None,
            },
        ]
    }

    fn read_all(path: &Path, last: bool) -> Result<(Vec<Change>, SegmentEnd), ReadError> {
        let mut got = Vec::new();
        let end = read_segment(path, last, |c| got.push(c))?;
        Ok((got, end))
    }

    #[test]
    fn records_round_trip_and_a_torn_tail_is_cut_but_damage_inside_is_corruption() {
        let dir = std::env::temp_dir().join(format!("roamsim-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut j = Journal::create(&dir, "serve").unwrap();
        j.append(&changes());
        j.commit().unwrap();
        let path = j.path();
        assert_eq!(
            read_all(&path, true).unwrap(),
            (changes(), SegmentEnd::default())
        );
        // A second writer's journal continues after the first's segments.
        assert_eq!(Journal::create(&dir, "serve").unwrap().segment, 2);
        assert_eq!(segments(&dir).unwrap().len(), 2);

        // Power loss mid-record: the tail is cut, the rest is there.
        let mut bytes = std::fs::read(&path).unwrap();
        let full = bytes.len();
        bytes.truncate(full - 5);
        std::fs::write(&path, &bytes).unwrap();
        let (got, end) = read_all(&path, true).unwrap();
        assert_eq!(got, changes()[..5]);
        assert_eq!(
            end.torn_bytes as usize,
            8 + 10 - 5,
            "the last record (kind 3) minus 5 bytes"
        );
        assert!(matches!(
            read_all(&path, false),
            Err(ReadError::Corrupt { .. })
        ));

        // A flipped byte in the middle, with whole records after it: corruption, named.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[12] ^= 0xff;
        std::fs::write(&path, &bytes).unwrap();
        let e = read_all(&path, true).unwrap_err().to_string();
        assert!(
            e.contains("serve-0000000001.log") && e.contains("corrupt"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
