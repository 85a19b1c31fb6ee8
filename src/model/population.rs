//! The roamer population (docs/ARCHITECTURE.md §4): who roams, from which home PLMN, as which
//! persona, and in which visited PLMN, all computed from the seed and the roamer's index rather
//! than stored.
//!
//! - Identities (TS 23.003): roamer `i` of a provisioned persona is subscriber `i` of the run's
//!   [`Directory`] (the profile's IMSI ranges in IMSI order, or the rows of a subscriber file in
//!   file order), the same dataset the HSS answers from: the UE authenticates with that
//!   subscriber's keys. Roamers of an `unknown_imsi` persona get IMSIs of the first home PLMN
//!   counted down from the top of its MSIN space, where no subscriber is. IMEIs are the
//!   persona's TAC and six digits hashed from (seed, index).
//! - Personas: a seeded affine permutation of the indices is cut into one block per persona, so
//!   every persona gets its exact share, roamers of all personas are spread over the index space
//!   (and over shards that take every k-th roamer), and both "which persona is roamer i" and "the
//!   j-th roamer of persona p" are O(1). When a subscriber file pins personas, the pinned
//!   roamers keep theirs, the shares split the others, and a table (5 bytes per roamer) answers
//!   both questions instead.
//! - Visited PLMNs: the profile's `[[visited]]` tables ([`VisitedPlmnConfig`]) with their weight
//!   and MME pool size; each roamer's first visited PLMN is a weighted pick hashed from (seed,
//!   index) among those its persona roams in, unless its subscriber is pinned to one (it then
//!   stays there).
//!
//! The `[load]` table ([`LoadConfig`]) sets the offered rate, the arrival process and the
//! population size.

use serde::{Deserialize, Serialize};

use super::aka::Key;
use super::config::{ConfigError, Profile};
use super::ids::{Imei, Imsi, Msisdn, Plmn};
use super::persona::{expected_mix, Anomaly, Mix, PersonaConfig, Wish};
use super::rng::{derive_seed, splitmix64, Rng};
use super::subscriber::{derive_keys, Directory, SubscriberId};

/// How arrivals are spaced in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalProcess {
    /// Exponential gaps (a Poisson process): what independent roamers produce.
    #[default]
    Poisson,
    /// Equal gaps.
    Uniform,
}

/// The `[load]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoadConfig {
    /// Offered procedures per second (open loop; `--rate` overrides it).
    pub rate: f64,
    /// Arrival process.
    pub arrivals: ArrivalProcess,
    /// Roamers; 0 means one per provisioned subscriber.
    pub population: u64,
    /// A procedure that has not ended after this long ends as `timed_out`.
    pub procedure_timeout_ms: u64,
    /// APN of the sessions the SGW creates.
    pub apn: String,
    /// Start in steady state: before the measured arrivals, every shard attaches each roamer
    /// with its persona's steady-state probability of being attached
    /// ([`PersonaConfig::attached_share`](crate::model::persona::PersonaConfig::attached_share)),
    /// through real signaling that is not measured. Otherwise every roamer starts detached
    /// and the first stays fill the population up.
    pub warm_start: bool,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            rate: 100.0,
            arrivals: ArrivalProcess::Poisson,
            population: 0,
            procedure_timeout_ms: 10_000,
            apn: "internet".to_string(),
            warm_start: false,
        }
    }
}

/// One `[[visited]]` table: a visited PLMN the generator plays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitedPlmnConfig {
    /// MCC-MNC.
    pub plmn: Plmn,
    /// Relative weight when a roamer picks where to roam (0: only personas naming it go there).
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// MME/VLR pool size: instances, each its own Diameter peer (`mme<n>.epc...`).
    #[serde(default = "default_mme_instances")]
    pub mme_instances: u16,
    /// The PLMN whose MME pool serves this one (RAN sharing, TS 23.251: the MME sends this
    /// PLMN as Visited-PLMN-Id); absent: its own pool of `mme_instances`.
    #[serde(default)]
    pub mme_plmn: Option<Plmn>,
    /// The GRX/IPX link between this visited PLMN and the home network (docs/ARCHITECTURE.md §6):
    /// the path of a `netem/*.toml` link profile, relative to the folder of the profile that names
    /// it, or `"none"`; absent: unimpaired. Its MMEs' S6a traffic and the S8 traffic of roamers in
    /// it cross this link (`roamsim run`; `--link` replaces every entry's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

fn default_weight() -> f64 {
    1.0
}

fn default_mme_instances() -> u16 {
    2
}

/// Index of a roamer in the population, `0..population.len()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoamerId(pub u32);

impl RoamerId {
    /// As an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Everything static about one roamer, computed on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roamer {
    /// Its index.
    pub id: RoamerId,
    /// Index of its persona in [`Population::personas`].
    pub persona: u8,
    /// IMSI.
    pub imsi: Imsi,
    /// MSISDN (none for an unknown IMSI).
    pub msisdn: Option<Msisdn>,
    /// IMEI (14 digits, no check digit).
    pub imei: Imei,
    /// Home PLMN.
    pub home: Plmn,
}

/// A persona resolved against the population.
#[derive(Debug, Clone, PartialEq)]
pub struct Persona {
    /// As configured.
    pub config: PersonaConfig,
    /// Roamers with this persona.
    pub count: u32,
    /// First position of its block in the permuted index space.
    first: u32,
    /// Indices into [`Population::visited`] it roams in, with cumulative weights.
    visited: Vec<(u8, f64)>,
    /// Cumulative rates of [`Wish::ALL`].
    wishes: [f64; 4],
}

impl Persona {
    /// The visited PLMNs (indices) this persona roams in.
    pub fn visited(&self) -> impl Iterator<Item = u8> + '_ {
        self.visited.iter().map(|v| v.0)
    }
}

/// A seeded bijection `i ↦ (a·i + b) mod n` of `0..n` and its inverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shuffle {
    n: u64,
    a: u64,
    a_inv: u64,
    b: u64,
}

impl Shuffle {
    fn new(n: u64, seed: u64) -> Shuffle {
        let mut s = seed;
        if n <= 1 {
            return Shuffle {
                n,
                a: 0,
                a_inv: 0,
                b: 0,
            };
        }
        // A multiplier near n/φ spreads neighbours apart; any value coprime with n is a bijection.
        let mut a = ((n as f64 * 0.618_033_988_75) as u64 + splitmix64(&mut s) % 1024) % n;
        while a == 0 || gcd(a, n) != 1 {
            a = (a + 1) % n;
        }
        Shuffle {
            n,
            a,
            a_inv: mod_inverse(a, n),
            b: splitmix64(&mut s) % n,
        }
    }

    fn forward(&self, i: u64) -> u64 {
        if self.n <= 1 {
            return 0;
        }
        ((self.a as u128 * i as u128 + self.b as u128) % self.n as u128) as u64
    }

    fn inverse(&self, x: u64) -> u64 {
        if self.n <= 1 {
            return 0;
        }
        let d = (x + self.n - self.b) % self.n;
        ((self.a_inv as u128 * d as u128) % self.n as u128) as u64
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn mod_inverse(a: u64, n: u64) -> u64 {
    let (mut t, mut new_t) = (0i128, 1i128);
    let (mut r, mut new_r) = (n as i128, a as i128);
    while new_r != 0 {
        let q = r / new_r;
        (t, new_t) = (new_t, t - q * new_t);
        (r, new_r) = (new_r, r - q * new_r);
    }
    t.rem_euclid(n as i128) as u64
}

/// Personas assigned by table, when a subscriber file pins some.
#[derive(Debug, Clone, PartialEq)]
struct Assigned {
    /// Persona of each roamer.
    persona: Vec<u8>,
    /// Roamers of each persona.
    members: Vec<Vec<u32>>,
}

/// The roamers of a run; see the module docs.
#[derive(Debug, Clone)]
pub struct Population {
    seed: u64,
    size: u32,
    shuffle: Shuffle,
    assigned: Option<Assigned>,
    personas: Vec<Persona>,
    arrival_weights: Vec<f64>,
    visited: Vec<VisitedPlmnConfig>,
    directory: Directory,
    /// Some subscriber pins its visited PLMN.
    pins: bool,
    unknown_plmn: Plmn,
}

fn invalid(file: &str, field: String, message: String) -> ConfigError {
    ConfigError {
        file: file.to_string(),
        line: None,
        column: None,
        field: Some(field),
        message,
    }
}

/// Largest MSIN of `plmn` (9 or 10 digits for a 15-digit IMSI).
fn top_msin(plmn: Plmn) -> u64 {
    10u64.pow((15 - 3 - plmn.mnc_digits()) as u32) - 1
}

mod build;

impl Population {
    /// The population of a (validated) profile over its generated subscribers: `size` roamers
    /// (the profile's `[load] population` when `None`; all provisioned subscribers when that is
    /// 0 too). Checks the `[[personas]]` and `[[visited]]` tables; `file` names the profile in
    /// errors.
    pub fn from_profile(
        profile: &Profile,
        file: &str,
        size: Option<u64>,
    ) -> Result<Population, ConfigError> {
        build::build(profile, Directory::from_profile(profile), file, size)
    }

    /// The population over `directory` (a subscriber file's, or the profile's generated one):
    /// roamer `i` of a provisioned persona is its subscriber `i`. Sizes as
    /// [`Population::from_profile`].
    pub fn new(
        profile: &Profile,
        directory: Directory,
        file: &str,
        size: Option<u64>,
    ) -> Result<Population, ConfigError> {
        build::build(profile, directory, file, size)
    }

    /// The subscribers the roamers are drawn from (and the HSS answers from).
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Number of roamers.
    pub fn len(&self) -> usize {
        self.size as usize
    }

    /// True when there is nobody.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The seed everything here derives from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The personas, with their roamer counts.
    pub fn personas(&self) -> &[Persona] {
        &self.personas
    }

    /// The visited PLMNs, indexed by the `u8` the rest of the API uses.
    pub fn visited(&self) -> &[VisitedPlmnConfig] {
        &self.visited
    }

    /// The steady-state mix of arrivals these personas produce.
    pub fn expected_mix(&self) -> Mix {
        let cfgs: Vec<PersonaConfig> = self
            .personas
            .iter()
            .map(|p| PersonaConfig {
                share: p.count as f64,
                ..p.config.clone()
            })
            .collect();
        expected_mix(&cfgs)
    }

    /// Procedures per second the population would produce by its personas' own rates.
    pub fn natural_rate(&self) -> f64 {
        self.arrival_weights.last().copied().unwrap_or(0.0) / 3600.0
    }

    /// Index of roamer `id`'s persona.
    pub fn persona_of(&self, id: RoamerId) -> u8 {
        if let Some(a) = &self.assigned {
            return a.persona[id.index()];
        }
        let x = self.shuffle.forward(id.0 as u64) as u32;
        let i = self.personas.partition_point(|p| p.first + p.count <= x);
        i.min(self.personas.len() - 1) as u8
    }

    /// The anomaly roamer `id` provokes, if any.
    pub fn anomaly_of(&self, id: RoamerId) -> Option<Anomaly> {
        self.personas[self.persona_of(id) as usize].config.anomaly
    }

    /// Roamer `id`'s identities.
    pub fn roamer(&self, id: RoamerId) -> Roamer {
        let persona = self.persona_of(id);
        let p = &self.personas[persona as usize];
        let (imsi, msisdn, home) = if p.config.anomaly == Some(Anomaly::UnknownImsi) {
            let msin = top_msin(self.unknown_plmn) - id.0 as u64;
            let imsi = Imsi::from_plmn_msin(self.unknown_plmn, msin).expect("validated");
            (imsi, None, self.unknown_plmn)
        } else {
            let (imsi, msisdn, home) = self
                .directory
                .identity(SubscriberId(id.0))
                .expect("the population is at most the directory");
            (imsi, Some(msisdn), home)
        };
        let mut h = derive_seed(self.seed, 0x1e1 ^ (id.0 as u64) << 8);
        let serial = splitmix64(&mut h) % 1_000_000;
        let imei = Imei::new(p.config.imei_tac as u64 * 1_000_000 + serial, 14).expect("8 + 6");
        Roamer {
            id,
            persona,
            imsi,
            msisdn,
            imei,
            home,
        }
    }

    /// The K and OPc of roamer `id`'s USIM: its subscriber's (the HSS has the same). A roamer of
    /// an `unknown_imsi` persona has no subscriber; its keys are derived like generated ones and
    /// never used, since the HSS rejects it before authentication.
    pub fn keys(&self, id: RoamerId) -> (Key, Key) {
        if self.anomaly_of(id) != Some(Anomaly::UnknownImsi) {
            if let Some(s) = self.directory.get(SubscriberId(id.0)) {
                return (s.k, s.opc);
            }
        }
        derive_keys(self.seed, self.roamer(id).imsi)
    }

    /// The roamer with this IMSI, if it is one of ours.
    pub fn roamer_of_imsi(&self, imsi: Imsi) -> Option<RoamerId> {
        if let Some(id) = self.directory.id_of(imsi) {
            if id.0 < self.size && self.anomaly_of(RoamerId(id.0)) != Some(Anomaly::UnknownImsi) {
                return Some(RoamerId(id.0));
            }
        }
        let v = imsi.value();
        if imsi.belongs_to(self.unknown_plmn) && imsi.digits() == 15 {
            let msin = v % 10u64.pow((15 - 3 - self.unknown_plmn.mnc_digits()) as u32);
            let id = top_msin(self.unknown_plmn).checked_sub(msin)?;
            let id = RoamerId(u32::try_from(id).ok().filter(|&i| i < self.size)?);
            return (self.anomaly_of(id) == Some(Anomaly::UnknownImsi)).then_some(id);
        }
        None
    }

    /// The visited PLMN roamer `id`'s subscriber is pinned to, if any.
    fn pinned_visited(&self, id: RoamerId) -> Option<u8> {
        if !self.pins || self.anomaly_of(id) == Some(Anomaly::UnknownImsi) {
            return None;
        }
        self.directory.get(SubscriberId(id.0))?.visited
    }

    /// Where roamer `id` starts: its pinned visited PLMN, else a weighted pick among its
    /// persona's visited PLMNs.
    pub fn initial_visited(&self, id: RoamerId) -> u8 {
        if let Some(v) = self.pinned_visited(id) {
            return v;
        }
        let p = &self.personas[self.persona_of(id) as usize];
        let mut h = derive_seed(self.seed, 0x7151 ^ (id.0 as u64) << 8);
        let u = (splitmix64(&mut h) >> 11) as f64 / (1u64 << 53) as f64;
        pick_cumulative(&p.visited, u)
    }

    /// Another visited PLMN of roamer `id`'s persona than `current` (weighted), or `current`
    /// when it roams in only one or is pinned to it.
    pub fn other_visited(&self, id: RoamerId, current: u8, rng: &mut Rng) -> u8 {
        if self.pinned_visited(id).is_some() {
            return current;
        }
        let p = &self.personas[self.persona_of(id) as usize];
        let others: Vec<(u8, f64)> = {
            let mut acc = 0.0;
            let mut prev = 0.0;
            let mut v = Vec::with_capacity(p.visited.len());
            for &(i, cum) in &p.visited {
                let w = cum - prev;
                prev = cum;
                if i != current && w > 0.0 {
                    acc += w;
                    v.push((i, acc));
                }
            }
            v
        };
        if others.is_empty() {
            return current;
        }
        pick_cumulative(&others, rng.next_f64())
    }

    /// An arrival: a persona by `roamers × rate`, one of its roamers uniformly, and a wish by
    /// the persona's rates.
    pub fn pick(&self, rng: &mut Rng) -> (RoamerId, Wish) {
        let total = self.arrival_weights.last().copied().unwrap_or(0.0);
        let u = rng.next_f64() * total;
        let pi = self
            .arrival_weights
            .partition_point(|&w| w <= u)
            .min(self.personas.len() - 1);
        let p = &self.personas[pi];
        let k = rng.below(p.count.max(1) as u64);
        let id = match &self.assigned {
            Some(a) => RoamerId(a.members[pi].get(k as usize).copied().unwrap_or(0)),
            None => RoamerId(self.shuffle.inverse(p.first as u64 + k) as u32),
        };
        let w = rng.next_f64() * p.wishes[3];
        let wi = p.wishes.partition_point(|&c| c <= w).min(3);
        (id, Wish::ALL[wi])
    }
}

/// The entry of a cumulative-weight table that `u` in [0, 1) falls in.
fn pick_cumulative(table: &[(u8, f64)], u: f64) -> u8 {
    let total = table.last().map_or(0.0, |t| t.1);
    let x = u * total;
    let i = table.partition_point(|t| t.1 <= x).min(table.len() - 1);
    table[i].0
}

#[cfg(test)]
mod tests;
