//! Interval snapshots (docs/ARCHITECTURE.md §7): what one shard measured during one interval, and the
//! merge of all shards' snapshots into the run's interval, in order.
//!
//! Shards share nothing while they run; every `--interval` each hands the run thread a
//! [`Snapshot`] (its interval [`Recorder`], then cleared) and the run thread feeds them to an
//! [`IntervalMerger`], which releases interval `k` once every shard still running has reported
//! `k` or a later one. The run's totals are the sum of its intervals, so `intervals.hlog` and
//! `summary.json` count the same things. Memory stays flat: only intervals some shard has not
//! reported yet are held.

use std::collections::BTreeMap;

use super::recorder::Recorder;

/// Attached roamers of one MME/VLR instance at a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct MmeLoad {
    /// Its Origin-Host (the same instance on every shard).
    pub host: String,
    /// Its pool's PLMN, `MCC-MNC`.
    pub plmn: String,
    /// Roamers attached to it.
    pub roamers: u64,
}

/// One shard's measurements of one interval.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The shard.
    pub shard: u32,
    /// Interval number: the interval is `[index × every, (index + 1) × every)` from the start.
    pub index: u64,
    /// When the shard closed it, µs from the start of the run (end of a last, partial one).
    pub end_us: u64,
    /// What it measured in the interval.
    pub recorder: Recorder,
    /// Its MME instances' attached roamers at the end of the interval.
    pub mmes: Vec<MmeLoad>,
    /// Procedures in flight at the end of the interval.
    pub in_flight: u64,
    /// The shard's last snapshot: it has stopped.
    pub last: bool,
}

/// One interval of the whole run, all shards merged.
#[derive(Debug, Clone)]
pub struct Interval {
    /// Interval number.
    pub index: u64,
    /// Start, µs from the start of the run.
    pub start_us: u64,
    /// End, µs from the start of the run.
    pub end_us: u64,
    /// What all shards measured in it.
    pub recorder: Recorder,
    /// Attached roamers per MME instance (summed over shards), in first-seen order.
    pub mmes: Vec<MmeLoad>,
    /// Procedures in flight at its end, all shards.
    pub in_flight: u64,
}

impl Interval {
    fn empty(index: u64, every_us: u64) -> Interval {
        Interval {
            index,
            start_us: index * every_us,
            end_us: index * every_us,
            recorder: Recorder::new(),
            mmes: Vec::new(),
            in_flight: 0,
        }
    }

    fn add(&mut self, s: &Snapshot) {
        self.recorder.merge(&s.recorder);
        self.end_us = self.end_us.max(s.end_us);
        self.in_flight += s.in_flight;
        for m in &s.mmes {
            match self.mmes.iter_mut().find(|x| x.host == m.host) {
                Some(x) => x.roamers += m.roamers,
                None => self.mmes.push(m.clone()),
            }
        }
    }

    /// Length in seconds (at least a microsecond, so rates stay finite).
    pub fn duration_s(&self) -> f64 {
        (self.end_us.saturating_sub(self.start_us)).max(1) as f64 / 1e6
    }
}

/// Merges the snapshots of `shards` shards into whole-run intervals, released in order.
#[derive(Debug)]
pub struct IntervalMerger {
    every_us: u64,
    reported: Vec<Option<u64>>,
    done: Vec<bool>,
    pending: BTreeMap<u64, Interval>,
}

impl IntervalMerger {
    /// A merger for `shards` shards cutting intervals of `every_us`.
    pub fn new(shards: u32, every_us: u64) -> IntervalMerger {
        IntervalMerger {
            every_us: every_us.max(1),
            reported: vec![None; shards as usize],
            done: vec![false; shards as usize],
            pending: BTreeMap::new(),
        }
    }

    /// Takes one snapshot; returns the intervals it completed, oldest first.
    pub fn push(&mut self, s: Snapshot) -> Vec<Interval> {
        let shard = s.shard as usize;
        if shard >= self.reported.len() {
            self.reported.resize(shard + 1, None);
            self.done.resize(shard + 1, false);
        }
        self.reported[shard] = Some(self.reported[shard].map_or(s.index, |r| r.max(s.index)));
        self.done[shard] |= s.last;
        let every = self.every_us;
        let entry = self.pending.entry(s.index);
        entry
            .or_insert_with(|| Interval::empty(s.index, every))
            .add(&s);
        self.release()
    }

    /// Whether every shard has sent its last snapshot.
    pub fn all_done(&self) -> bool {
        self.done.iter().all(|d| *d)
    }

    /// Everything still held (shards that went away without a last snapshot), in order.
    pub fn finish(&mut self) -> Vec<Interval> {
        std::mem::take(&mut self.pending).into_values().collect()
    }

    fn release(&mut self) -> Vec<Interval> {
        let complete = self
            .reported
            .iter()
            .zip(&self.done)
            .filter(|(_, done)| !**done)
            .map(|(r, _)| *r)
            .min();
        let mut out = Vec::new();
        while let Some((&k, _)) = self.pending.first_key_value() {
            let ready = match complete {
                None => true,
                Some(None) => false,
                Some(Some(upto)) => k <= upto,
            };
            if !ready {
                break;
            }
            out.push(self.pending.pop_first().expect("peeked").1);
        }
        out
    }
}
