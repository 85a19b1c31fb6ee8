//! `--state DIR` on `serve` and `run`, and `roamsim state import|export|show`: the home core's
//! persistent state (engine::state).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};

use super::{config_error, load_profile, Exit};
use crate::engine::state::{Folder, StateError, StateHandle, Store};
use crate::model::config::Profile;
use crate::model::subscriber::export::{Export, Format};
use crate::model::subscriber::Directory;

/// Flags of `roamsim state`.
#[derive(Debug, Clone, Args)]
pub struct StateArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: StateCommand,
}

/// Subcommands of `roamsim state`.
#[derive(Debug, Clone, Subcommand)]
pub enum StateCommand {
    /// Put a subscriber file's subscribers into a store (replacing those it has; SQNs,
    /// registrations and sessions of IMSIs that stay are kept; an `sqn` column sets the SQN).
    Import(ImportArgs),
    /// Write a store's subscribers with their keys and current SQN (CSV that `import` and
    /// `--subscribers` read), plus FILE.sha256.
    Export(ExportArgs),
    /// Show one subscriber's record, SQN, registration and sessions.
    Show(ShowArgs),
}

/// Flags of `roamsim state import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The state folder (created when missing).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The subscriber file.
    #[arg(long, value_name = "FILE")]
    pub subscribers: PathBuf,
    /// Profile the file is checked against; the embedded default when absent.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

/// Flags of `roamsim state export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The state folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The file to write (and FILE.sha256 beside it).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Profile the store's subscribers are read with; the embedded default when absent.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
}

/// Flags of `roamsim state show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// The state folder.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The subscriber's IMSI.
    #[arg(value_name = "IMSI")]
    pub imsi: String,
}

fn state_error(e: StateError) -> anyhow::Error {
    if e.is_invalid() {
        config_error(e.to_string())
    } else {
        anyhow::anyhow!(e.to_string())
    }
}

/// Opens a store that must already exist (`export`, `show`): folds what a stopped core left,
/// or reads alongside a running one (saying so).
fn open_existing(dir: &Path) -> anyhow::Result<Store> {
    if !dir.join(crate::engine::state::DB_FILE).exists() {
        return Err(config_error(format!(
            "{}: no state store here (no {})",
            dir.display(),
            crate::engine::state::DB_FILE
        )));
    }
    let (store, in_use) = Store::open_to_read(dir).map_err(state_error)?;
    if !in_use {
        drop(store);
        return Ok(Store::open(dir).map_err(state_error)?.0);
    }
    eprintln!(
        "roamsim: {} is in use by a running core: what it changed since it started is in its journal, not shown here",
        dir.display()
    );
    Ok(store)
}

/// `roamsim state ...`.
pub fn run(args: &StateArgs) -> anyhow::Result<Exit> {
    match &args.command {
        StateCommand::Import(a) => {
            let profile = load_profile(a.profile.as_deref())?;
            let started = std::time::Instant::now();
            let d = Directory::from_file(&profile, &a.subscribers)
                .map_err(|e| config_error(e.to_string()))?;
            let read = started.elapsed();
            let (mut store, _) = Store::open(&a.dir).map_err(state_error)?;
            let n = store.import(&profile, &d).map_err(state_error)?;
            println!(
                "{}: {n} subscribers imported from {} (read {:.1} s, stored {:.1} s)",
                a.dir.display(),
                a.subscribers.display(),
                read.as_secs_f64(),
                (started.elapsed() - read).as_secs_f64()
            );
            Ok(Exit::Ok)
        }
        StateCommand::Export(a) => {
            let profile = load_profile(a.profile.as_deref())?;
            let store = open_existing(&a.dir)?;
            let out = &a.out;
            let mut export = Export::create_with_sqn(out, Format::Csv)
                .map_err(|e| config_error(format!("--out {}: {e}", out.display())))?;
            let n = store
                .for_each_subscriber(&profile, |s, sqn| export.write_with_sqn(s, sqn))
                .map_err(state_error)?;
            let hash = export
                .finish()
                .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
            println!(
                "{}: {n} subscribers with keys and SQN, sha256 {hash} in {}.sha256",
                out.display(),
                out.display()
            );
            Ok(Exit::Ok)
        }
        StateCommand::Show(a) => {
            let store = open_existing(&a.dir)?;
            match store.show(&a.imsi).map_err(state_error)? {
                Some(lines) => {
                    for l in lines {
                        println!("{l}");
                    }
                    Ok(Exit::Ok)
                }
                None => Err(config_error(format!(
                    "{}: no subscriber or state for IMSI {}",
                    a.dir.display(),
                    a.imsi
                ))),
            }
        }
    }
}

/// A store opened for a home core: its folder thread, the subscribers to serve, and the handle
/// a core journals through.
pub struct Opened {
    /// Folds closed journal segments while the core runs; finish it after.
    pub folder: Folder,
    /// The subscribers: the store's, else the file's (imported), else the profile's.
    pub directory: Directory,
    /// For the core (writer `serve`; `run` renames it per shard).
    pub handle: StateHandle,
}

/// Opens `--state DIR` for a core: folds what a previous process left, takes the subscribers
/// from the store (importing `--subscribers FILE` into an empty one), and prints what comes
/// back.
pub fn open_for_core(
    dir: &Path,
    profile: &Profile,
    subscribers: Option<&Path>,
    writer: &str,
) -> anyhow::Result<Opened> {
    let started = std::time::Instant::now();
    let (mut store, folded) = Store::open(dir).map_err(state_error)?;
    let held = store.directory(profile).map_err(state_error)?;
    let directory = match (held, subscribers) {
        (Some(_), Some(file)) => {
            return Err(config_error(format!(
                "--state {} already holds subscribers; `roamsim state import {} --subscribers {}` replaces them, or drop --subscribers",
                dir.display(),
                dir.display(),
                file.display()
            )))
        }
        (Some(d), None) => d,
        (None, Some(file)) => {
            let d = super::load_directory(profile, Some(file))?;
            store.import(profile, &d).map_err(state_error)?;
            d
        }
        (None, None) => Directory::from_profile(profile),
    };
    let restored = store.restored().map_err(state_error)?;
    let fresh = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() & 0xff) as u8;
    let recovery = store.recovery(writer, fresh).map_err(state_error)?;
    eprintln!(
        "roamsim: state {}: {} subscribers{}, {} SQNs, {} registrations, {} sessions restored; {} changes folded from {} journal segments{} ({:.1} s)",
        dir.display(),
        directory.len(),
        if directory.file_name().is_some() { "" } else { " (the profile's)" },
        restored.sqn.len(),
        restored.registrations.len(),
        restored.sessions.len(),
        folded.changes,
        folded.segments,
        if folded.torn_bytes > 0 {
            format!(", {} bytes of a torn record cut", folded.torn_bytes)
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64()
    );
    let folder = Folder::start(store);
    let handle = folder.handle(writer, Arc::new(restored), recovery);
    Ok(Opened {
        folder,
        directory,
        handle,
    })
}

/// Ends a core's store: folds the journals and says how much.
pub fn close(folder: Folder) -> anyhow::Result<()> {
    let (store, folded) = folder.finish().map_err(state_error)?;
    eprintln!(
        "roamsim: state {}: {} changes folded from {} journal segments",
        store.dir().display(),
        folded.changes,
        folded.segments
    );
    Ok(())
}
