//! Reason keys per target (a procedure or a message kind) and outcome, with the first example of
//! each (docs/ARCHITECTURE.md §4, §7). Only unsuccessful ends are counted here, so the cost is
//! two map lookups on those, and the example is built (by the caller's closure) only the first
//! time a key is seen. Distinct keys are capped per target and outcome: a peer that answers with
//! ever new codes folds into [`OTHER`] instead of growing the map.

use std::collections::BTreeMap;

use crate::model::reason::ReasonExample;
use crate::model::Outcome;

/// Most distinct keys kept per target and outcome; later new keys count as [`OTHER`].
pub const MAX_KEYS: usize = 64;

/// The key that new keys past [`MAX_KEYS`] are counted under.
pub const OTHER: &str = "other";

/// How often one key occurred, and its earliest example.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReasonCount {
    /// Ends counted for the key.
    pub count: u64,
    /// The earliest end for the key (absent where nobody supplied one).
    pub first: Option<ReasonExample>,
}

impl ReasonCount {
    fn merge(&mut self, other: &ReasonCount) {
        self.count += other.count;
        match (&mut self.first, &other.first) {
            (Some(mine), Some(theirs)) => mine.keep_earliest(theirs),
            (None, Some(theirs)) => self.first = Some(theirs.clone()),
            _ => {}
        }
    }
}

/// Counts of reason keys per (target, outcome).
#[derive(Debug, Clone)]
pub struct ReasonTable<T> {
    map: BTreeMap<(T, Outcome), BTreeMap<String, ReasonCount>>,
}

impl<T> Default for ReasonTable<T> {
    fn default() -> Self {
        ReasonTable {
            map: BTreeMap::new(),
        }
    }
}

impl<T: Ord + Copy> ReasonTable<T> {
    /// The entry of `key` under (`at`, `outcome`), created (with the example `first` makes)
    /// when the key is new; past [`MAX_KEYS`] keys, the entry of [`OTHER`].
    fn entry(
        &mut self,
        at: T,
        outcome: Outcome,
        key: &str,
        first: impl FnOnce() -> Option<ReasonExample>,
    ) -> &mut ReasonCount {
        let keys = self.map.entry((at, outcome)).or_default();
        // Two lookups on a new key keep the common one (a key seen before) allocation-free.
        if !keys.contains_key(key) {
            let key = if keys.len() < MAX_KEYS { key } else { OTHER };
            if !keys.contains_key(key) {
                let entry = ReasonCount {
                    count: 0,
                    first: first(),
                };
                keys.insert(key.to_string(), entry);
            }
            return keys.get_mut(key).expect("inserted");
        }
        keys.get_mut(key).expect("present")
    }

    /// Counts one end of `at` with `outcome` for `key`; `first` is called only when the key is
    /// new here, for its example.
    pub fn record(
        &mut self,
        at: T,
        outcome: Outcome,
        key: &str,
        first: impl FnOnce() -> Option<ReasonExample>,
    ) {
        self.entry(at, outcome, key, first).count += 1;
    }

    /// The count of `key` under (`at`, `outcome`).
    pub fn count(&self, at: T, outcome: Outcome, key: &str) -> u64 {
        self.get(at, outcome, key).map_or(0, |c| c.count)
    }

    /// The entry of `key` under (`at`, `outcome`).
    pub fn get(&self, at: T, outcome: Outcome, key: &str) -> Option<&ReasonCount> {
        self.map.get(&(at, outcome))?.get(key)
    }

    /// Every entry, ordered by target, outcome and key.
    pub fn iter(&self) -> impl Iterator<Item = (T, Outcome, &str, &ReasonCount)> + '_ {
        self.map
            .iter()
            .flat_map(|(&(t, o), keys)| keys.iter().map(move |(k, c)| (t, o, k.as_str(), c)))
    }

    /// Adds `other`'s counts; of two examples of one key the earlier stays.
    pub fn merge(&mut self, other: &ReasonTable<T>) {
        for (t, o, key, theirs) in other.iter() {
            self.entry(t, o, key, || None).merge(theirs);
        }
    }

    /// Forgets every count.
    pub fn clear(&mut self) {
        self.map.clear();
    }
}
