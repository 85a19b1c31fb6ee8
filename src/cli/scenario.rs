//! `roamsim scenario list` and `roamsim scenario run NAME... | --all` (docs/scenarios.md): the
//! scenario library. A scenario is a profile with a `[scenario]` table and `[expect]` checks
//! (`profiles/scenarios/<name>.toml`, usually `include = "../default.toml"`). The library is
//! embedded in the binary, with the files it includes and the links it names, so that a user
//! without the repository can list and run it; `--dir DIR` reads the scenarios of a folder
//! instead, and a NAME ending in `.toml` is a file.
//!
//! To run an embedded scenario, its files are written under its results folder
//! (`<out>/<name>/scenario/`, in the repository's layout), so the run reads them as it would
//! read the repository's, and the user can see exactly what ran. Each scenario is a `run` (on
//! sockets, or `--virtual`) into `<out>/<name>/`; the top-level `junit.xml` and `summary.md`
//! go to `<out>/`. Exit 0 when every scenario passed, 99 when one failed (a check or SLO not
//! met, or a capability missing), 1 on a runtime error, 2 for an unknown scenario.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use super::{config_error, Exit};
use crate::engine::load::Target;
use crate::model::config::Profile;
use crate::report::scenarios::{
    render_scenarios_junit, render_scenarios_md, ScenarioOutcome, ScenarioResult,
};

/// `roamsim scenario`.
#[derive(Debug, Clone, Args)]
pub struct ScenarioArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ScenarioCommand,
}

/// Subcommands of `roamsim scenario`.
#[derive(Debug, Clone, Subcommand)]
pub enum ScenarioCommand {
    /// List the scenarios: name, one line, how long its load runs.
    List {
        /// Read the scenarios of this folder instead of the embedded library.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Run scenarios and check their acceptance; exit 99 when one failed.
    Run(RunScenarioArgs),
}

/// Flags of `roamsim scenario run`.
#[derive(Debug, Clone, Args)]
pub struct RunScenarioArgs {
    /// Scenario names (or `.toml` files).
    #[arg(
        value_name = "NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub names: Vec<String>,
    /// Every scenario of the library.
    #[arg(long)]
    pub all: bool,
    /// Simulated clock, no sockets (CI).
    #[arg(long = "virtual")]
    pub virtual_time: bool,
    /// Results folder: one subfolder per scenario, junit.xml and summary.md at the top;
    /// `results/scenarios-<time>` when absent.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Read the scenarios of this folder instead of the embedded library.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// A file of the embedded library, by its path in the repository.
struct Embedded {
    path: &'static str,
    text: &'static str,
}

macro_rules! embed {
    ($($path:literal),+ $(,)?) => {
        &[$(Embedded { path: $path, text: include_str!(concat!("../../", $path)) }),+]
    };
}

/// The scenarios, in the library's order, then the files they include or name.
const SCENARIOS: &[Embedded] = embed!(
    "profiles/scenarios/happy-path-attach.toml",
    "profiles/scenarios/agreement-missing.toml",
    "profiles/scenarios/location-update-storm.toml",
    "profiles/scenarios/billing-trigger-drop.toml",
    "profiles/scenarios/fraudulent-imsi.toml",
    "profiles/scenarios/intermittent-connectivity.toml",
    "profiles/scenarios/cross-plmn-migration.toml",
    "profiles/scenarios/gdpr-retention.toml",
);
const SUPPORT: &[Embedded] = embed!(
    "profiles/default.toml",
    "netem/intra-eu.toml",
    "netem/partition.toml",
    "netem/eu-americas.toml",
    "netem/eu-apac.toml",
);

/// Where a scenario comes from.
enum Source {
    Embedded(&'static Embedded),
    File(PathBuf),
}

struct Entry {
    name: String,
    source: Source,
}

fn name_of(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

/// The library: embedded, or the `*.toml` files of `dir` in name order.
fn library(dir: Option<&Path>) -> anyhow::Result<Vec<Entry>> {
    let Some(dir) = dir else {
        return Ok(SCENARIOS
            .iter()
            .map(|e| Entry {
                name: name_of(e.path),
                source: Source::Embedded(e),
            })
            .collect());
    };
    let read = std::fs::read_dir(dir)
        .map_err(|e| config_error(format!("--dir {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files
        .into_iter()
        .map(|p| Entry {
            name: name_of(&p.to_string_lossy()),
            source: Source::File(p),
        })
        .collect())
}

/// Writes an embedded scenario and what it uses under `root` in the repository's layout;
/// returns the scenario's path there.
fn materialize(e: &Embedded, root: &Path) -> anyhow::Result<PathBuf> {
    for f in SUPPORT.iter().chain(std::iter::once(e)) {
        let path = root.join(f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("create {}", parent.display()))?;
        }
        std::fs::write(&path, f.text).with_context(|| format!("write {}", path.display()))?;
    }
    Ok(root.join(e.path))
}

/// A scenario's profile from a file; it must have a `[scenario]` table.
fn load(path: &Path) -> anyhow::Result<Profile> {
    let profile = Profile::load(path).map_err(|e| config_error(e.to_string()))?;
    if profile.scenario.is_none() {
        return Err(config_error(format!(
            "{}: not a scenario: it has no [scenario] table",
            path.display()
        )));
    }
    Ok(profile)
}

/// `roamsim scenario ...`.
pub fn run(args: &ScenarioArgs) -> anyhow::Result<Exit> {
    match &args.command {
        ScenarioCommand::List { dir } => list(dir.as_deref()),
        ScenarioCommand::Run(r) => run_scenarios(r),
    }
}

fn list(dir: Option<&Path>) -> anyhow::Result<Exit> {
    let scratch = std::env::temp_dir().join(format!("roamsim-scenarios-{}", std::process::id()));
    let mut lines = Vec::new();
    for entry in library(dir)? {
        let path = match &entry.source {
            Source::File(p) => p.clone(),
            Source::Embedded(e) => materialize(e, &scratch)?,
        };
        let info = load(&path)?.scenario.expect("load checks [scenario]");
        let state = if info.missing.is_some() {
            "  (not runnable yet)"
        } else {
            ""
        };
        lines.push(format!(
            "{:<26} {:>5}  {}{state}",
            entry.name, info.duration, info.description
        ));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    for l in lines {
        println!("{l}");
    }
    Ok(Exit::Ok)
}

/// The scenarios `args` names (or all of them); an unknown name is a usage error (exit 2).
fn choose(args: &RunScenarioArgs) -> anyhow::Result<Vec<Entry>> {
    let library = library(args.dir.as_deref())?;
    if args.all {
        return Ok(library);
    }
    let mut chosen = Vec::new();
    for name in &args.names {
        if name.ends_with(".toml") {
            chosen.push(Entry {
                name: name_of(name),
                source: Source::File(PathBuf::from(name)),
            });
            continue;
        }
        let Some(e) = library.iter().find(|e| e.name == *name) else {
            let known: Vec<&str> = library.iter().map(|e| e.name.as_str()).collect();
            return Err(config_error(format!(
                "unknown scenario `{name}`: expected one of {}",
                known.join(", ")
            )));
        };
        chosen.push(Entry {
            name: e.name.clone(),
            source: match &e.source {
                Source::Embedded(x) => Source::Embedded(x),
                Source::File(p) => Source::File(p.clone()),
            },
        });
    }
    Ok(chosen)
}

fn run_scenarios(args: &RunScenarioArgs) -> anyhow::Result<Exit> {
    let chosen = choose(args)?;
    let out = args.out.clone().unwrap_or_else(|| {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        PathBuf::from("results").join(format!("scenarios-{}", crate::report::run_id(ms, 0)))
    });
    std::fs::create_dir_all(&out)
        .map_err(|e| config_error(format!("--out {}: {e}", out.display())))?;
    // Every scenario is read before the first runs: a malformed one is exit 2, not a
    // failure an hour into the library.
    let mut plans = Vec::new();
    for entry in &chosen {
        let dir = out.join(&entry.name);
        let path = match &entry.source {
            Source::File(p) => p.clone(),
            Source::Embedded(e) => materialize(e, &dir.join("scenario"))?,
        };
        let profile = load(&path)?;
        plans.push((entry.name.clone(), path, profile, dir));
    }
    let mut outcomes = Vec::new();
    for (name, path, profile, dir) in plans {
        outcomes.push(run_scenario(
            name,
            &path,
            &profile,
            &dir,
            args.virtual_time,
        )?);
    }
    let write = |file: &str, text: String| {
        crate::report::write_atomic(&out.join(file), text.as_bytes())
            .with_context(|| format!("write {}", out.join(file).display()))
    };
    write("junit.xml", render_scenarios_junit(&outcomes))?;
    let md = render_scenarios_md(&outcomes);
    write("summary.md", md.clone())?;
    println!("{md}");
    println!("results: {}", out.display());
    Ok(
        if outcomes
            .iter()
            .any(|o| matches!(o.result, ScenarioResult::Error(_)))
        {
            Exit::Runtime
        } else if outcomes.iter().all(ScenarioOutcome::passed) {
            Exit::Ok
        } else {
            Exit::SloBreached
        },
    )
}

/// Runs one scenario (or fails it for its missing capability) and says how it went on stderr.
fn run_scenario(
    name: String,
    path: &Path,
    profile: &Profile,
    dir: &Path,
    virtual_time: bool,
) -> anyhow::Result<ScenarioOutcome> {
    let info = profile.scenario.clone().expect("load checks [scenario]");
    eprintln!("roamsim: scenario {name}: {}", info.description);
    let started = Instant::now();
    let result = match &info.missing {
        Some(m) => ScenarioResult::Missing(m.clone()),
        None => match run_one(path, &info, dir, virtual_time) {
            Ok(summary) => ScenarioResult::Ran(Box::new(summary)),
            Err(e) if super::exit_for(&e) == Exit::Usage => return Err(e),
            Err(e) => ScenarioResult::Error(format!("{e:#}")),
        },
    };
    let outcome = ScenarioOutcome {
        name,
        description: info.description.clone(),
        wall_s: started.elapsed().as_secs_f64(),
        dir: dir.display().to_string(),
        result,
    };
    let verdict = if outcome.passed() { "PASS" } else { "FAIL" };
    eprintln!(
        "roamsim: scenario {}: {verdict} in {:.1} s",
        outcome.name, outcome.wall_s
    );
    for f in outcome.failures() {
        eprintln!("roamsim:   {f}");
    }
    Ok(outcome)
}

/// One scenario as `roamsim run --profile FILE --duration D [--rate R] --out DIR --quiet`.
fn run_one(
    path: &Path,
    info: &crate::model::scenario::ScenarioInfo,
    dir: &Path,
    virtual_time: bool,
) -> anyhow::Result<crate::report::Summary> {
    let mut argv: Vec<String> = ["roamsim", "run", "--quiet", "--profile"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    argv.push(path.display().to_string());
    argv.extend(["--duration".into(), info.duration.clone()]);
    argv.extend(["--out".into(), dir.display().to_string()]);
    if let Some(rate) = info.rate {
        argv.extend(["--rate".into(), rate.to_string()]);
    }
    if virtual_time {
        argv.push("--virtual".into());
    }
    let cli = super::Cli::try_parse_from(&argv)
        .map_err(|e| config_error(format!("scenario flags {argv:?}: {e}")))?;
    let super::Command::Run(args) = cli.command else {
        unreachable!("the argv starts with `run`");
    };
    let cfg = super::run::resolve(&args.load, Target::Embedded, virtual_time, None, None)?;
    let stop = super::stop_flag()?;
    let outcome = crate::engine::load::run(cfg, stop)?;
    Ok(outcome.summary)
}
