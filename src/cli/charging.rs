//! `roamsim charging replay DIR --cgf ADDR`: what a run left in its dead-letter spools
//! (`DIR/spool/*.spool`, after a kill or with every CGF down at its end) goes to a CGF.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::{config_error, load_profile, parse_duration_arg, Exit};

/// Flags of `roamsim charging`.
#[derive(Debug, Clone, Args)]
pub struct ChargingArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ChargingCommand,
}

/// Subcommands of `roamsim charging`.
#[derive(Debug, Clone, Subcommand)]
pub enum ChargingCommand {
    /// Send the CDRs left in a run folder's spools to a CGF (GTP'), each stored once; the
    /// spools are emptied when every record is acknowledged.
    Replay(ReplayArgs),
}

/// Flags of `roamsim charging replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The run folder (its `spool/` holds the spool files), or one spool file.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The CGFs, primary first.
    #[arg(
        long,
        value_name = "ADDR:PORT[,ADDR:PORT]",
        value_delimiter = ',',
        required = true
    )]
    pub cgf: Vec<SocketAddr>,
    /// The profile whose `[charging]` timers to use (the embedded default when absent).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Give up on a spool after this long.
    #[arg(long, default_value = "60s", value_parser = parse_duration_arg)]
    pub timeout: Duration,
}

/// Runs `roamsim charging`.
pub fn run(args: &ChargingArgs) -> anyhow::Result<Exit> {
    match &args.command {
        ChargingCommand::Replay(a) => replay(a),
    }
}

fn replay(a: &ReplayArgs) -> anyhow::Result<Exit> {
    let profile = load_profile(a.profile.as_deref())?;
    let files = spool_files(&a.dir)?;
    let (mut replayed, mut acked, mut left) = (0, 0, 0);
    for f in &files {
        let r = crate::engine::charging::replay_spool(f, &a.cgf, &profile.charging, a.timeout)?;
        println!(
            "{}: replayed {} acknowledged {} left {}",
            r.file.display(),
            r.replayed,
            r.acknowledged,
            r.left
        );
        replayed += r.replayed;
        acked += r.acknowledged;
        left += r.left;
    }
    println!(
        "charging replay: {} spool files, replayed {replayed}, acknowledged {acked}, left {left}",
        files.len()
    );
    Ok(if left == 0 { Exit::Ok } else { Exit::Runtime })
}

/// The spool files of a run folder (`DIR/spool/*.spool`), or `dir` itself when it is one.
fn spool_files(dir: &std::path::Path) -> anyhow::Result<Vec<PathBuf>> {
    if dir.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let folder = dir.join("spool");
    let entries = std::fs::read_dir(&folder).map_err(|e| {
        config_error(format!(
            "{}: no spool folder to replay ({e}); give a run folder or a spool file",
            folder.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "spool"))
        .collect();
    files.sort();
    Ok(files)
}
