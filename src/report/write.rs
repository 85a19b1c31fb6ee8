//! Writing a run's results folder (docs/ARCHITECTURE.md §7): `summary.json`, `report.md`,
//! `report.html` and `junit.xml` under `results/<run-id>/`, each written atomically (temporary file in the same folder, fsync, rename), so a reader (a CI
//! job, `roamsim compare`) sees the old file or the new one, never half of one, even when the run
//! is interrupted while writing.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use super::hlog::read_hlog;
use super::markdown::render_markdown;
use super::model::{HlogData, Summary, SummaryError};

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed to disk, then
/// renamed over `path`. On error the temporary file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp.{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
        return written;
    }
    // Make the rename itself durable; some file systems refuse to sync a directory, which
    // loses nothing the rename has not already made visible.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Creates `dir` (and its parents) and writes `report.md`, then `summary.json` last, so that
/// a `summary.json` present means the results are complete.
pub fn write_results(dir: &Path, summary: &Summary) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    write_atomic(&dir.join("report.md"), render_markdown(summary).as_bytes())?;
    write_atomic(&dir.join("summary.json"), summary.to_json().as_bytes())
}

/// Writes every report of a run folder: `report.md`, `report.html` (charts from `hlog`),
/// `junit.xml`, then `summary.json` last. `intervals.hlog` is written while the run goes on.
pub fn write_reports(dir: &Path, summary: &Summary, hlog: &HlogData) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    write_atomic(&dir.join("report.md"), render_markdown(summary).as_bytes())?;
    let mut html = super::html::render_html(summary, hlog);
    // A soak's resource samples (`scripts/soak.sh`), when the folder has them.
    if let Ok(csv) = fs::read_to_string(dir.join("resources.csv")) {
        let panel = super::resources::panel_html(&super::resources::parse(&csv));
        if let Some(at) = html.rfind("</body>") {
            html.insert_str(at, &panel);
        }
    }
    write_atomic(&dir.join("report.html"), html.as_bytes())?;
    let junit = super::junit::render_junit(summary);
    write_atomic(&dir.join("junit.xml"), junit.as_bytes())?;
    write_atomic(&dir.join("summary.json"), summary.to_json().as_bytes())
}

/// A run folder that could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadRunError {
    /// A file missing or unreadable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// `summary.json` is not a v1 summary.
    #[error("{path}: {source}")]
    Summary {
        /// The file.
        path: String,
        /// Why.
        source: SummaryError,
    },
    /// `intervals.hlog` does not parse.
    #[error("{path}: {source}")]
    Hlog {
        /// The file.
        path: String,
        /// Why.
        source: super::hlog::HlogError,
    },
}

/// Reads a run folder: its `summary.json`, and its `intervals.hlog` when there is one (an
/// empty [`HlogData`] otherwise, e.g. a summary written by an older roamsim).
pub fn read_run(dir: &Path) -> Result<(Summary, HlogData), ReadRunError> {
    let path = dir.join("summary.json");
    let text = fs::read_to_string(&path).map_err(|source| ReadRunError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let summary = Summary::from_json(&text).map_err(|source| ReadRunError::Summary {
        path: path.display().to_string(),
        source,
    })?;
    let path = dir.join("intervals.hlog");
    let hlog = match fs::read(&path) {
        Ok(bytes) => read_hlog(&bytes).map_err(|source| ReadRunError::Hlog {
            path: path.display().to_string(),
            source,
        })?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => HlogData::default(),
        Err(source) => {
            return Err(ReadRunError::Io {
                path: path.display().to_string(),
                source,
            })
        }
    };
    Ok((summary, hlog))
}
