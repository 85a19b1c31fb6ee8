//! Writing subscribers out (`roamsim subscribers export`): CSV in the format [`super::file`]
//! reads, or JSON, plus a `FILE.sha256` manifest in `sha256sum` format.
//!
//! The file is written under a temporary name and renamed when complete, so a reader never
//! sees half of it; the manifest names the file without its folder, so `sha256sum -c` works
//! from the file's folder.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Subscriber;
use crate::model::hex;

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `imsi,msisdn,k,opc,amf,mnc_digits`, one subscriber per line.
    #[default]
    Csv,
    /// A JSON array of objects with the same fields.
    Json,
}

/// An export in progress.
pub struct Export {
    out: BufWriter<File>,
    hash: Sha256,
    format: Format,
    rows: u64,
    tmp: PathBuf,
    path: PathBuf,
    line: String,
    sqn: bool,
}

impl Export {
    /// Starts writing `path` (through a temporary file beside it).
    pub fn create(path: &Path, format: Format) -> io::Result<Export> {
        Export::start(path, format, false)
    }

    /// As [`Export::create`], with an `sqn` column (`roamsim state export`): write rows with
    /// [`Export::write_with_sqn`].
    pub fn create_with_sqn(path: &Path, format: Format) -> io::Result<Export> {
        Export::start(path, format, true)
    }

    fn start(path: &Path, format: Format, sqn: bool) -> io::Result<Export> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        let tmp = PathBuf::from(tmp);
        let out = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        let mut e = Export {
            out,
            hash: Sha256::new(),
            format,
            rows: 0,
            tmp,
            path: path.to_path_buf(),
            line: String::with_capacity(256),
            sqn,
        };
        if format == Format::Csv {
            e.emit(if sqn {
                "imsi,msisdn,k,opc,amf,mnc_digits,sqn\n"
            } else {
                "imsi,msisdn,k,opc,amf,mnc_digits\n"
            })?;
        } else {
            e.emit("[")?;
        }
        Ok(e)
    }

    fn emit(&mut self, text: &str) -> io::Result<()> {
        self.hash.update(text.as_bytes());
        self.out.write_all(text.as_bytes())
    }

    /// Writes one subscriber.
    pub fn write(&mut self, s: &Subscriber) -> io::Result<()> {
        self.write_row(s, None)
    }

    /// Writes one subscriber with its current SQN.
    pub fn write_with_sqn(&mut self, s: &Subscriber, sqn: u64) -> io::Result<()> {
        self.write_row(s, Some(sqn))
    }

    fn write_row(&mut self, s: &Subscriber, sqn: Option<u64>) -> io::Result<()> {
        use std::fmt::Write as _;
        debug_assert_eq!(sqn.is_some(), self.sqn);
        let mut l = std::mem::take(&mut self.line);
        l.clear();
        let (k, opc, amf) = (hex::encode(&s.k), hex::encode(&s.opc), hex::encode(&s.amf));
        let mnc = s.home.mnc_digits();
        let _ = match self.format {
            Format::Csv => write!(l, "{},{},{k},{opc},{amf},{mnc}", s.imsi, s.msisdn),
            Format::Json => write!(
                l,
                "{}\n{{\"imsi\":\"{}\",\"msisdn\":\"{}\",\"k\":\"{k}\",\"opc\":\"{opc}\",\"amf\":\"{amf}\",\"mnc_digits\":{mnc}",
                if self.rows == 0 { "" } else { "," },
                s.imsi,
                s.msisdn
            ),
        };
        let _ = match (self.format, sqn) {
            (Format::Csv, Some(q)) => writeln!(l, ",{q}"),
            (Format::Csv, None) => writeln!(l),
            (Format::Json, Some(q)) => write!(l, ",\"sqn\":{q}}}"),
            (Format::Json, None) => write!(l, "}}"),
        };
        self.rows += 1;
        let r = self.emit(&l);
        self.line = l;
        r
    }

    /// Completes the file, renames it into place, writes `FILE.sha256` and returns the hash.
    pub fn finish(mut self) -> io::Result<String> {
        if self.format == Format::Json {
            self.emit("\n]\n")?;
        }
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        std::fs::rename(&self.tmp, &self.path)?;
        let hash: String = self
            .hash
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut manifest = self.path.as_os_str().to_owned();
        manifest.push(".sha256");
        std::fs::write(PathBuf::from(manifest), format!("{hash}  {name}\n"))?;
        Ok(hash)
    }

    /// Subscribers written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }
}
