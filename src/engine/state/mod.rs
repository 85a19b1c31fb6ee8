//! The home core's persistent state (`serve --state DIR`, `run --state DIR`, `roamsim state`):
//! subscribers, the last SQN per subscriber, registrations and PGW sessions, in `DIR/state.db`
//! (SQLite, WAL; readable with the `sqlite3` tool), fed by the per-writer journals of
//! [`journal`] in `DIR/journal/`.
//!
//! Why two parts: a random row update in SQLite costs 7-10 µs here (it rewrites a 4 KB page into
//! the WAL), about one per procedure, which would take most of a core at the rates roamsim runs.
//! The journal takes a turn's changes in one append (about 60 bytes a change), and the store
//! folds journals into the tables, sorted, in one transaction: when the store opens, when a
//! segment is full (on a thread of its own), and when the writer closes.
//!
//! | table | content |
//! |---|---|
//! | `subscriber` | the dataset: `imsi`, `msisdn`, `k`, `opc` (hex), `amf`, `mnc_digits`, `persona`, `visited` |
//! | `hss` | per IMSI: `sqn` (the last handed out), `mme_host`, `mme_realm` (the registration) |
//! | `pgw_session` | per writer (`serve`, `shard-N`) and control TEID: the session's fields |
//! | `meta` | `created`, `folded_changes`, ... |
//!
//! The schema version is SQLite's `user_version` ([`SCHEMA_VERSION`]): a store of another
//! version is refused with a message, never misread.

pub mod journal;

use std::collections::BTreeMap;
use std::io::Read;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension};

use crate::home::hss::PeerRef;
use crate::home::pgw::{Fteid, Session};
use crate::home::state::{Change, Restored};
use crate::model::config::Profile;
use crate::model::hex;
use crate::model::ids::{Imsi, Msisdn, Plmn};
use crate::model::subscriber::{Directory, SubscriberId};
use crate::model::Micros;

pub use journal::Journal;

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: i64 = 1;

/// The store file inside a state folder.
pub const DB_FILE: &str = "state.db";

/// A state store that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The store is damaged, of another version, or not a store: the user's to fix (exit 2).
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing failed.
    #[error("{0}")]
    Io(String),
}

impl StateError {
    /// An exit-2 error for the command line.
    pub fn is_invalid(&self) -> bool {
        matches!(self, StateError::Invalid(_))
    }
}

fn sql(path: &Path, what: &str) -> impl Fn(rusqlite::Error) -> StateError {
    let what = what.to_string();
    let path = path.to_path_buf();
    move |e| {
        let corrupt = matches!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
        );
        let msg = format!("{}: {what}: {e}", path.display());
        if corrupt {
            StateError::Invalid(format!(
                "{msg} (the store is damaged; restore it from a copy)"
            ))
        } else {
            StateError::Io(msg)
        }
    }
}

/// What folding the journals did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Folded {
    /// Segments folded (and removed).
    pub segments: u64,
    /// Changes applied.
    pub changes: u64,
    /// Bytes cut from torn tails (a machine crash, not a process one).
    pub torn_bytes: u64,
}

/// An open state folder.
pub struct Store {
    dir: PathBuf,
    db_path: PathBuf,
    db: Connection,
    /// `DIR/lock`, held exclusively by the one process that writes (a core, an import).
    _lock: Option<std::fs::File>,
}

/// The lock file of a state folder.
pub const LOCK_FILE: &str = "lock";

/// Takes `DIR/lock` exclusively; `Ok(None)` when another process holds it.
fn try_lock(dir: &Path) -> Result<Option<std::fs::File>, StateError> {
    let path = dir.join(LOCK_FILE);
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StateError::Io(format!("{}: {e}", path.display())))?;
    match crate::io::lock::try_lock_exclusive(&f) {
        Ok(true) => Ok(Some(f)),
        Ok(false) => Ok(None),
        Err(e) => Err(StateError::Io(format!("{}: {e}", path.display()))),
    }
}

const SCHEMA: &str = "
create table meta(key text primary key, value text not null);
create table subscriber(
    id integer primary key,
    imsi text not null,
    msisdn text not null,
    k text not null,
    opc text not null,
    amf text not null,
    mnc_digits integer not null,
    persona text,
    visited text
);
create unique index subscriber_imsi on subscriber(imsi);
create table hss(
    imsi text primary key,
    sqn integer not null default 0,
    mme_host text,
    mme_realm text
) without rowid;
create table pgw_session(
    writer text not null,
    teid integer not null,
    imsi text not null,
    msisdn text,
    apn text not null,
    paa text not null,
    charging_id integer not null,
    ebi integer not null,
    sgw_c_teid integer not null,
    sgw_c_ip text not null,
    sgw_u_teid integer not null,
    sgw_u_ip text not null,
    pgw_u_teid integer not null,
    serving_network text not null,
    start_us integer not null,
    primary key (writer, teid)
) without rowid;
";

impl Store {
    /// Opens (or creates) the store in `dir` for writing and folds the journals a previous
    /// process left. One process at a time: another that holds the folder is an error.
    pub fn open(dir: &Path) -> Result<(Store, Folded), StateError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StateError::Invalid(format!(
                "--state {}: cannot create the folder: {e}",
                dir.display()
            ))
        })?;
        let Some(lock) = try_lock(dir)? else {
            return Err(StateError::Invalid(format!(
                "{} is in use by another roamsim process (a serve or run with --state, or an import); stop it first (`roamsim state show` and `state export` read it meanwhile)",
                dir.display()
            )));
        };
        let mut store = Store::connect(dir)?;
        store._lock = Some(lock);
        let folded = store.fold_all()?;
        Ok((store, folded))
    }

    /// Opens an existing store to read, without folding or locking: `roamsim state show` and
    /// `state export` while a core may run. Also says whether a process holds the folder (then
    /// what it changed since it started is still in its journal).
    pub fn open_to_read(dir: &Path) -> Result<(Store, bool), StateError> {
        let in_use = try_lock(dir)?.is_none();
        Ok((Store::connect(dir)?, in_use))
    }

    fn connect(dir: &Path) -> Result<Store, StateError> {
        let db_path = dir.join(DB_FILE);
        let db = Connection::open(&db_path).map_err(sql(&db_path, "open"))?;
        let e = sql(&db_path, "open");
        db.pragma_update(None, "journal_mode", "WAL").map_err(&e)?;
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(&e)?;
        db.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(&e)?;
        let version: i64 = db
            .query_row("pragma user_version", [], |r| r.get(0))
            .map_err(&e)?;
        let tables: i64 = db
            .query_row("select count(*) from sqlite_master", [], |r| r.get(0))
            .map_err(&e)?;
        match version {
            0 if tables == 0 => {
                db.execute_batch(SCHEMA).map_err(&e)?;
                db.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(&e)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                db.execute(
                    "insert into meta values ('created', ?1)",
                    params![now.to_string()],
                )
                .map_err(&e)?;
            }
            0 => {
                return Err(StateError::Invalid(format!(
                    "{}: an SQLite database but not a roamsim state store (no schema version); use another --state folder",
                    db_path.display()
                )))
            }
            SCHEMA_VERSION => {}
            v if v > SCHEMA_VERSION => {
                return Err(StateError::Invalid(format!(
                    "{}: schema version {v}, written by a newer roamsim; this one reads version {SCHEMA_VERSION}",
                    db_path.display()
                )))
            }
            v => {
                return Err(StateError::Invalid(format!(
                    "{}: schema version {v} is older than {SCHEMA_VERSION} and has no migration",
                    db_path.display()
                )))
            }
        }
        Ok(Store {
            dir: dir.to_path_buf(),
            db_path,
            db,
            _lock: None,
        })
    }

    /// The state folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The journal folder.
    pub fn journal_dir(&self) -> PathBuf {
        self.dir.join("journal")
    }

    /// A journal for `writer` (`serve`, `shard-3`): its changes are folded at the next open.
    pub fn journal(&self, writer: &str) -> Result<Journal, StateError> {
        Journal::create(&self.journal_dir(), writer).map_err(|e| {
            StateError::Io(format!(
                "{}: cannot start a journal: {e}",
                self.journal_dir().display()
            ))
        })
    }

    /// Folds every journal segment in the folder into the tables, in one transaction, and
    /// removes them. The newest segment of each writer may end in a torn record, which is cut.
    pub fn fold_all(&mut self) -> Result<Folded, StateError> {
        let segs = journal::segments(&self.journal_dir())
            .map_err(|e| StateError::Io(format!("{}: {e}", self.journal_dir().display())))?;
        let mut folded = Folded::default();
        if segs.is_empty() {
            return Ok(folded);
        }
        let mut acc = Fold::default();
        for (i, (writer, _, path)) in segs.iter().enumerate() {
            let last = segs.get(i + 1).is_none_or(|next| next.0 != *writer);
            let end = journal::read_segment(path, last, |c| {
                acc.apply(writer, c);
                folded.changes += 1;
            })
            .map_err(|e| StateError::Invalid(e.to_string()))?;
            folded.torn_bytes += end.torn_bytes;
            folded.segments += 1;
        }
        self.write_fold(acc)?;
        for (_, _, path) in &segs {
            let _ = std::fs::remove_file(path);
        }
        Ok(folded)
    }

    /// Folds the given (closed) segments of one writer, oldest first, and removes them.
    pub fn fold_segments(&mut self, writer: &str, paths: &[PathBuf]) -> Result<Folded, StateError> {
        let mut acc = Fold::default();
        let mut folded = Folded::default();
        for path in paths {
            journal::read_segment(path, false, |c| {
                acc.apply(writer, c);
                folded.changes += 1;
            })
            .map_err(|e| StateError::Invalid(e.to_string()))?;
            folded.segments += 1;
        }
        self.write_fold(acc)?;
        for path in paths {
            let _ = std::fs::remove_file(path);
        }
        Ok(folded)
    }

    fn write_fold(&mut self, acc: Fold) -> Result<(), StateError> {
        let e = sql(&self.db_path, "fold the journal");
        let tx = self.db.transaction().map_err(&e)?;
        {
            let mut sqn = tx
                .prepare("insert into hss(imsi, sqn) values (?1, ?2) on conflict(imsi) do update set sqn = max(sqn, excluded.sqn)")
                .map_err(&e)?;
            let mut reg = tx
                .prepare("insert into hss(imsi, mme_host, mme_realm) values (?1, ?2, ?3) on conflict(imsi) do update set mme_host = excluded.mme_host, mme_realm = excluded.mme_realm")
                .map_err(&e)?;
            for (imsi, h) in &acc.hss {
                let imsi = imsi.to_string();
                if let Some(s) = h.sqn {
                    sqn.execute(params![imsi, s as i64]).map_err(&e)?;
                }
                if let Some(m) = &h.mme {
                    let (host, realm) = match m {
                        Some(p) => (Some(p.host.as_str()), Some(p.realm.as_str())),
                        None => (None, None),
                    };
                    reg.execute(params![imsi, host, realm]).map_err(&e)?;
                }
            }
            let mut put = tx
                .prepare("insert or replace into pgw_session values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)")
                .map_err(&e)?;
            let mut del = tx
                .prepare("delete from pgw_session where writer = ?1 and teid = ?2")
                .map_err(&e)?;
            for ((writer, teid), s) in &acc.sessions {
                match s {
                    Some(s) => {
                        put.execute(params![
                            writer,
                            teid,
                            s.imsi.to_string(),
                            s.msisdn.map(|m| m.to_string()),
                            &*s.apn,
                            s.paa.to_string(),
                            s.charging_id,
                            s.ebi,
                            s.sgw_control.teid,
                            s.sgw_control.ipv4.to_string(),
                            s.sgw_user.teid,
                            s.sgw_user.ipv4.to_string(),
                            s.pgw_user_teid,
                            s.serving_network.to_string(),
                            s.start_us.0 as i64,
                        ])
                        .map_err(&e)?;
                    }
                    None => {
                        del.execute(params![writer, teid]).map_err(&e)?;
                    }
                }
            }
        }
        tx.commit().map_err(&e)
    }

    /// Subscribers held.
    pub fn subscriber_count(&self) -> Result<u64, StateError> {
        self.db
            .query_row("select count(*) from subscriber", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(sql(&self.db_path, "count subscribers"))
    }

    /// Replaces the subscribers by `directory`'s (SQN, registrations and sessions of IMSIs that
    /// stay are kept; a file's `sqn` column sets the SQN). Returns how many.
    pub fn import(&mut self, profile: &Profile, directory: &Directory) -> Result<u64, StateError> {
        let e = sql(&self.db_path, "import subscribers");
        let personas = profile.persona_configs();
        let visited = profile.visited_plmns();
        // The IMSI index is built once after the rows (sorted), not row by row, and the rows go
        // through a rollback journal rather than the WAL (which would write them twice).
        self.db
            .pragma_update(None, "cache_size", -262_144)
            .map_err(&e)?;
        self.db
            .pragma_update(None, "journal_mode", "DELETE")
            .map_err(&e)?;
        let tx = self.db.transaction().map_err(&e)?;
        tx.execute_batch("drop index if exists subscriber_imsi; delete from subscriber;")
            .map_err(&e)?;
        {
            let mut ins = tx
                .prepare("insert into subscriber values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .map_err(&e)?;
            let mut sqn = tx
                .prepare("insert into hss(imsi, sqn) values (?1, ?2) on conflict(imsi) do update set sqn = excluded.sqn")
                .map_err(&e)?;
            for i in 0..directory.len() {
                let id = SubscriberId(i as u32);
                let s = directory.get(id).expect("below len");
                let imsi = s.imsi.to_string();
                ins.execute(params![
                    i as i64,
                    imsi,
                    s.msisdn.to_string(),
                    hex::encode(&s.k),
                    hex::encode(&s.opc),
                    hex::encode(&s.amf),
                    s.home.mnc_digits(),
                    s.persona.map(|p| personas[p as usize].name.clone()),
                    s.visited.map(|v| visited[v as usize].plmn.to_string()),
                ])
                .map_err(&e)?;
                if let Some(v) = directory.initial_sqn(id) {
                    sqn.execute(params![imsi, v as i64]).map_err(&e)?;
                }
            }
        }
        tx.execute_batch("create unique index subscriber_imsi on subscriber(imsi)")
            .map_err(&e)?;
        tx.commit().map_err(&e)?;
        self.db
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(&e)?;
        Ok(directory.len() as u64)
    }

    /// The subscribers held, checked against `profile` like a subscriber file; `None` when the
    /// store has none.
    pub fn directory(&self, profile: &Profile) -> Result<Option<Directory>, StateError> {
        let n = self.subscriber_count()?;
        if n == 0 {
            return Ok(None);
        }
        let e = sql(&self.db_path, "read subscribers");
        let mut st = self
            .db
            .prepare("select imsi, msisdn, k, opc, amf, mnc_digits, coalesce(persona, ''), coalesce(visited, '') from subscriber order by id")
            .map_err(&e)?;
        let rows = st.query([]).map_err(&e)?;
        let reader = CsvRows {
            rows,
            line: String::from("imsi,msisdn,k,opc,amf,mnc_digits,persona,visited\n").into_bytes(),
            at: 0,
            error: None,
        };
        let name = self.db_path.display().to_string();
        let mut reader = reader;
        let d = Directory::from_reader(profile, &name, &mut reader, n as usize);
        if let Some(err) = reader.error.take() {
            return Err(e(err));
        }
        d.map(Some).map_err(|e| StateError::Invalid(e.to_string()))
    }

    /// The SQNs and registrations of every subscriber and every writer's PGW sessions.
    pub fn restored(&self) -> Result<Restored, StateError> {
        let e = sql(&self.db_path, "read the state");
        let mut out = Restored::default();
        let mut mmes: std::collections::HashMap<(String, String), u32> = Default::default();
        let mut st = self
            .db
            .prepare("select imsi, sqn, mme_host, mme_realm from hss")
            .map_err(&e)?;
        let mut rows = st.query([]).map_err(&e)?;
        while let Some(r) = rows.next().map_err(&e)? {
            let imsi: String = r.get(0).map_err(&e)?;
            let Ok(imsi) = imsi.parse::<Imsi>() else {
                continue;
            };
            let sqn: i64 = r.get(1).map_err(&e)?;
            if sqn > 0 {
                out.sqn.push((imsi, sqn as u64));
            }
            let host: Option<String> = r.get(2).map_err(&e)?;
            let realm: Option<String> = r.get(3).map_err(&e)?;
            if let (Some(host), Some(realm)) = (host, realm) {
                let key = (host, realm);
                let i = match mmes.get(&key) {
                    Some(&i) => i,
                    None => {
                        let i = out.mmes.len() as u32;
                        out.mmes.push(PeerRef {
                            host: key.0.clone(),
                            realm: key.1.clone(),
                        });
                        mmes.insert(key, i);
                        i
                    }
                };
                out.registrations.push((imsi, i));
            }
        }
        let mut st = self
            .db
            .prepare("select teid, imsi, msisdn, apn, paa, charging_id, ebi, sgw_c_teid, sgw_c_ip, sgw_u_teid, sgw_u_ip, pgw_u_teid, serving_network, start_us, writer from pgw_session")
            .map_err(&e)?;
        let mut rows = st.query([]).map_err(&e)?;
        while let Some(r) = rows.next().map_err(&e)? {
            if let (Some((teid, s)), Ok(writer)) = (session_row(r), r.get::<_, String>(14)) {
                out.sessions.push((writer, teid, s));
            }
        }
        Ok(out)
    }

    /// A subscriber's record, state and sessions, as lines of text (`roamsim state show`).
    pub fn show(&self, imsi: &str) -> Result<Option<Vec<String>>, StateError> {
        let e = sql(&self.db_path, "read the state");
        let sub = self
            .db
            .query_row(
                "select msisdn, amf, mnc_digits, persona, visited from subscriber where imsi = ?1",
                params![imsi],
                |r| {
                    Ok(format!(
                        "subscriber: MSISDN {}, AMF {}, MNC digits {}{}{} (K and OPc held, not shown)",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<String>>(3)?
                            .map_or(String::new(), |p| format!(", persona {p}")),
                        r.get::<_, Option<String>>(4)?
                            .map_or(String::new(), |v| format!(", pinned to {v}")),
                    ))
                },
            )
            .optional()
            .map_err(&e)?;
        let hss = self
            .db
            .query_row(
                "select sqn, mme_host, mme_realm from hss where imsi = ?1",
                params![imsi],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(&e)?;
        let mut st = self
            .db
            .prepare("select writer, teid, apn, paa, charging_id, serving_network, sgw_c_ip from pgw_session where imsi = ?1 order by writer, teid")
            .map_err(&e)?;
        let sessions: Vec<String> = st
            .query_map(params![imsi], |r| {
                Ok(format!(
                    "session: {} TEID {:#x}, APN {}, UE address {}, charging id {}, serving network {}, SGW {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .map_err(&e)?
            .collect::<Result<_, _>>()
            .map_err(&e)?;
        if sub.is_none() && hss.is_none() && sessions.is_empty() {
            return Ok(None);
        }
        let mut lines = vec![format!("IMSI {imsi}")];
        lines.push(sub.unwrap_or_else(|| "subscriber: not in the store's dataset".into()));
        let (sqn, host, realm) = hss.unwrap_or((0, None, None));
        lines.push(format!(
            "SQN: {} (SEQ {}, IND {}){}",
            sqn,
            sqn >> 5,
            sqn & 31,
            if sqn == 0 {
                ", no vector handed out yet"
            } else {
                ""
            }
        ));
        lines.push(match (host, realm) {
            (Some(h), Some(r)) => format!("registered at {h} ({r})"),
            _ => "registered: nowhere".into(),
        });
        if sessions.is_empty() {
            lines.push("sessions: none".into());
        }
        lines.extend(sessions);
        Ok(Some(lines))
    }

    /// Every subscriber with its keys and current SQN, in dataset order, to `out`.
    pub fn for_each_subscriber(
        &self,
        profile: &Profile,
        mut each: impl FnMut(&crate::model::subscriber::Subscriber, u64) -> std::io::Result<()>,
    ) -> Result<u64, StateError> {
        let Some(d) = self.directory(profile)? else {
            return Ok(0);
        };
        let e = sql(&self.db_path, "read the SQNs");
        let mut st = self
            .db
            .prepare("select imsi, sqn from hss where sqn > 0")
            .map_err(&e)?;
        let mut sqn: std::collections::HashMap<Imsi, u64> = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(&e)?
            .filter_map(|r| {
                let (imsi, v) = r.ok()?;
                Some((imsi.parse().ok()?, v as u64))
            })
            .collect();
        for i in 0..d.len() {
            let s = d.get(SubscriberId(i as u32)).expect("below len");
            each(&s, sqn.remove(&s.imsi).unwrap_or(0))
                .map_err(|e| StateError::Io(format!("write: {e}")))?;
        }
        Ok(d.len() as u64)
    }
}

fn session_row(r: &rusqlite::Row<'_>) -> Option<(u32, Session)> {
    let get_ip = |i: usize| r.get::<_, String>(i).ok()?.parse::<Ipv4Addr>().ok();
    let msisdn: Option<String> = r.get(2).ok()?;
    let s = Session {
        imsi: r.get::<_, String>(1).ok()?.parse().ok()?,
        msisdn: msisdn.and_then(|m| m.parse::<Msisdn>().ok()),
        apn: Arc::from(r.get::<_, String>(3).ok()?.as_str()),
        paa: get_ip(4)?,
        charging_id: r.get(5).ok()?,
        ebi: r.get(6).ok()?,
        sgw_control: Fteid {
            teid: r.get(7).ok()?,
            ipv4: get_ip(8)?,
        },
        sgw_user: Fteid {
            teid: r.get(9).ok()?,
            ipv4: get_ip(10)?,
        },
        pgw_user_teid: r.get(11).ok()?,
        serving_network: r.get::<_, String>(12).ok()?.parse::<Plmn>().ok()?,
        start_us: Micros(r.get::<_, i64>(13).ok()? as u64),
        rat_type: crate::home::pgw::RAT_EUTRAN,
        rates: Default::default(),
    };
    Some((r.get(0).ok()?, s))
}

/// Journal changes folded in memory before they are written: the last state of each entry.
#[derive(Default)]
struct Fold {
    hss: BTreeMap<Imsi, HssEntry>,
    sessions: BTreeMap<(String, u32), Option<Session>>,
}

#[derive(Default)]
struct HssEntry {
    sqn: Option<u64>,
    /// `Some(None)`: purged.
    mme: Option<Option<PeerRef>>,
}

impl Fold {
    fn apply(&mut self, writer: &str, c: Change) {
        match c {
            Change::Sqn { imsi, sqn } => {
                let e = self.hss.entry(imsi).or_default();
                e.sqn = Some(e.sqn.map_or(sqn, |s| s.max(sqn)));
            }
            Change::Registered { imsi, mme } => self.hss.entry(imsi).or_default().mme = Some(mme),
            Change::Session { teid, session } => {
                self.sessions
                    .insert((writer.to_string(), teid), Some(session));
            }
            Change::SessionGone { teid } => {
                self.sessions.insert((writer.to_string(), teid), None);
            }
        }
    }
}

/// The `subscriber` table as the CSV that [`Directory::from_reader`] reads.
struct CsvRows<'s> {
    rows: rusqlite::Rows<'s>,
    line: Vec<u8>,
    at: usize,
    error: Option<rusqlite::Error>,
}

impl Read for CsvRows<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            if self.at == self.line.len() {
                self.line.clear();
                self.at = 0;
                let row = match self.rows.next() {
                    Ok(Some(r)) => r,
                    Ok(None) => break,
                    Err(e) => {
                        self.error = Some(e);
                        break;
                    }
                };
                for i in 0..8 {
                    if i > 0 {
                        self.line.push(b',');
                    }
                    match row.get_ref(i) {
                        Ok(rusqlite::types::ValueRef::Text(t)) => self.line.extend_from_slice(t),
                        Ok(rusqlite::types::ValueRef::Integer(v)) => {
                            self.line.extend_from_slice(v.to_string().as_bytes())
                        }
                        _ => {}
                    }
                }
                self.line.push(b'\n');
            }
            let take = (self.line.len() - self.at).min(buf.len() - n);
            buf[n..n + take].copy_from_slice(&self.line[self.at..self.at + take]);
            self.at += take;
            n += take;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests;

/// SQN sequence steps a restored subscriber skips: room for the vectors a machine crash could
/// take from the journal's unsynced tail, far below the USIM's freshness window (TS 33.102
/// Annex C: Δ, typically 2^28).
pub const SQN_SKIP: u64 = 64;

/// A request to fold a writer's closed segments.
type FoldRequest = (String, Vec<PathBuf>);

/// The store on a thread of its own, folding the segments writers close while they run.
pub struct Folder {
    tx: std::sync::mpsc::Sender<FoldRequest>,
    handle: std::thread::JoinHandle<(Store, Folded)>,
    journal_dir: PathBuf,
}

/// What a home core needs to keep its state: where its journal goes and what it restores.
#[derive(Clone)]
pub struct StateHandle {
    /// The journal folder.
    pub journal_dir: PathBuf,
    /// This core's journal name (`serve`, `shard-N`).
    pub writer: String,
    /// The store's content at start.
    pub restored: Arc<Restored>,
    /// The PGW's restart counter, kept across restarts when its sessions are restored.
    pub recovery: u8,
    folds: std::sync::mpsc::Sender<FoldRequest>,
}

impl StateHandle {
    /// Starts this core's journal.
    pub fn journal(&self) -> Result<Journal, StateError> {
        Journal::create(&self.journal_dir, &self.writer).map_err(|e| {
            StateError::Io(format!(
                "{}: cannot start a journal: {e}",
                self.journal_dir.display()
            ))
        })
    }

    /// Hands closed segments to the folder thread.
    pub fn fold(&self, segments: Vec<PathBuf>) {
        if !segments.is_empty() {
            let _ = self.folds.send((self.writer.clone(), segments));
        }
    }
}

impl Folder {
    /// Moves `store` to a folding thread.
    pub fn start(store: Store) -> Folder {
        let (tx, rx) = std::sync::mpsc::channel::<FoldRequest>();
        let journal_dir = store.journal_dir();
        let handle = std::thread::Builder::new()
            .name("state-fold".into())
            .spawn(move || {
                let mut store = store;
                let mut total = Folded::default();
                for (writer, paths) in rx {
                    match store.fold_segments(&writer, &paths) {
                        Ok(f) => {
                            total.segments += f.segments;
                            total.changes += f.changes;
                        }
                        // The segments stay; the next open folds them.
                        Err(e) => eprintln!("roamsim: state: {e}"),
                    }
                }
                (store, total)
            })
            .expect("spawn the state folder");
        Folder {
            tx,
            handle,
            journal_dir,
        }
    }

    /// A handle for the core that journals as `writer`; `restored` is what it puts back.
    pub fn handle(&self, writer: &str, restored: Arc<Restored>, recovery: u8) -> StateHandle {
        StateHandle {
            journal_dir: self.journal_dir.clone(),
            writer: writer.to_string(),
            restored,
            recovery,
            folds: self.tx.clone(),
        }
    }

    /// Waits for every handle to be gone and the folds to end, then folds what the writers
    /// left open; returns the store and what was folded while running and now.
    pub fn finish(self) -> Result<(Store, Folded), StateError> {
        drop(self.tx);
        let (mut store, mut total) = self
            .handle
            .join()
            .map_err(|_| StateError::Io("the state folder thread panicked".into()))?;
        let last = store.fold_all()?;
        total.segments += last.segments;
        total.changes += last.changes;
        total.torn_bytes += last.torn_bytes;
        Ok((store, total))
    }
}

impl Store {
    /// The PGW restart counter `writer` announced last, or a new one (stored) when it has none.
    pub fn recovery(&self, writer: &str, fresh: u8) -> Result<u8, StateError> {
        let e = sql(&self.db_path, "read the restart counter");
        let key = format!("recovery.{writer}");
        let v: Option<String> = self
            .db
            .query_row("select value from meta where key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(&e)?;
        if let Some(v) = v.and_then(|v| v.parse::<u8>().ok()) {
            return Ok(v);
        }
        self.db
            .execute(
                "insert or replace into meta values (?1, ?2)",
                params![key, fresh.to_string()],
            )
            .map_err(&e)?;
        Ok(fresh)
    }
}
