//! The file under the GTP' CDF's dead-letter spool (`proto::gtpprime::spool` frames its
//! records): appends that reach the disk before the call returns, reads from an offset, and
//! the cuts and clears the CDF asks for. The CDF decides what to write; this only writes it.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// An append-only spool file.
#[derive(Debug)]
pub struct SpoolFile {
    file: File,
    path: PathBuf,
    len: u64,
}

impl SpoolFile {
    /// Opens (or creates) the spool at `path`; returns it and its current length, which an
    /// earlier run may have left (hand it to `Cdf::resume_spool`).
    pub fn open(path: &Path) -> io::Result<(SpoolFile, u64)> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let len = file.metadata()?.len();
        Ok((
            SpoolFile {
                file,
                path: path.to_path_buf(),
                len,
            },
            len,
        ))
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Current length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends one batch of framed records and waits until it is on disk (`fdatasync`).
    pub fn append_synced(&mut self, batch: &[u8]) -> io::Result<()> {
        self.file.write_all(batch)?;
        self.file.sync_data()?;
        self.len += batch.len() as u64;
        Ok(())
    }

    /// The bytes from `from` to the end of the file.
    pub fn read_from(&mut self, from: u64) -> io::Result<Vec<u8>> {
        self.file.seek(SeekFrom::Start(from))?;
        let mut out = Vec::with_capacity(self.len.saturating_sub(from) as usize);
        self.file.read_to_end(&mut out)?;
        Ok(out)
    }

    /// Cuts the file to `len` (a torn tail) and syncs.
    pub fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.file.set_len(len)?;
        self.file.sync_all()?;
        self.len = len;
        Ok(())
    }

    /// Empties the file (everything replayed and acknowledged).
    pub fn clear(&mut self) -> io::Result<()> {
        self.truncate(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_survive_a_reopen_and_cuts_and_clears_stick() {
        let dir = std::env::temp_dir().join(format!("roamsim-spool-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cdf.spool");
        let _ = std::fs::remove_file(&path);
        let (mut s, len) = SpoolFile::open(&path).unwrap();
        assert_eq!(len, 0);
        s.append_synced(b"abc").unwrap();
        s.append_synced(b"defg").unwrap();
        assert_eq!(s.read_from(2).unwrap(), b"cdefg");
        drop(s);
        let (mut s, len) = SpoolFile::open(&path).unwrap();
        assert_eq!(len, 7);
        s.truncate(5).unwrap();
        s.append_synced(b"X").unwrap();
        assert_eq!(s.read_from(0).unwrap(), b"abcdeX");
        s.clear().unwrap();
        assert!(s.is_empty());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
