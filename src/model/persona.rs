//! Personas (docs/ARCHITECTURE.md §4): kinds of roamer with their own share of the population and
//! their own per-roamer rates of the things roamers do: attach/detach churn, inter-MME location
//! updates (TS 23.401 §5.3.3 TAU with MME change), PLMN changes (a new attach in another visited
//! PLMN), data sessions (PDN connection set-up and release, i.e. charging start/stop), and stay
//! durations. Anomaly personas provoke the negative cases the home network must reject: an IMSI
//! outside every provisioned range (S6a 5001 DIAMETER_ERROR_USER_UNKNOWN) or a visited PLMN
//! without a roaming agreement (5004 DIAMETER_ERROR_ROAMING_NOT_ALLOWED), TS 29.272 §7.4.3.
//!
//! Profiles list them as `[[personas]]` tables ([`PersonaConfig`]). Rates are per roamer and per
//! hour; the two stay durations become rates too (`3600 / mean_attached_s` detaches per hour,
//! `3600 / mean_stay_s` PLMN changes per hour). Under open-loop load the offered rate is set
//! apart (`--rate`), so only the *relative* rates matter: an arrival picks a persona with weight
//! `roamers × per-roamer rate`, then one of its roamers, then a [`Wish`] in proportion to the
//! persona's rates. A detached roamer attaches first whatever it wished, so an anomaly roamer,
//! never registered, only ever attempts attaches.

use serde::{Deserialize, Serialize};

use super::ids::Plmn;

/// Which negative case a persona provokes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anomaly {
    /// IMSIs of a home PLMN outside every provisioned range: the HSS answers 5001.
    UnknownImsi,
    /// Provisioned IMSIs roaming in a PLMN without an agreement (list it in the persona's
    /// `visited`): the HSS answers 5004.
    NoAgreement,
}

impl Anomaly {
    /// The S6a Experimental-Result-Code the home network must answer with.
    pub fn expected_code(self) -> u32 {
        match self {
            Anomaly::UnknownImsi => 5001,
            Anomaly::NoAgreement => 5004,
        }
    }
}

/// One `[[personas]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaConfig {
    /// Name used in reports (`business`, `leisure`, `iot`, ...).
    pub name: String,
    /// Share of the population (shares are normalised over all personas).
    pub share: f64,
    /// The negative case this persona provokes, if any.
    #[serde(default)]
    pub anomaly: Option<Anomaly>,
    /// Mean time attached before a detach, in seconds; absent: never detaches.
    #[serde(default)]
    pub mean_attached_s: Option<f64>,
    /// Mean time in one visited PLMN before moving to another, in seconds; absent: never moves.
    #[serde(default)]
    pub mean_stay_s: Option<f64>,
    /// Inter-MME location updates per roamer and hour.
    #[serde(default)]
    pub location_updates_per_hour: f64,
    /// Data sessions (Create + Delete Session, charging start/stop) per roamer and hour.
    #[serde(default)]
    pub data_sessions_per_hour: f64,
    /// Visited PLMNs this persona roams in (all `[[visited]]` PLMNs with weight > 0 if empty).
    #[serde(default)]
    pub visited: Vec<Plmn>,
    /// Type Allocation Code (8 digits) of the persona's devices' IMEIs.
    #[serde(default = "default_tac")]
    pub imei_tac: u32,
    /// Octets per second of connected time, up and down, with a per-session spread
    /// (`data = { uplink = 400, downlink = 4000, spread = 0.5 }`): what the charging records
    /// and credit control report (see [`super::usage`]).
    #[serde(default)]
    pub data: super::usage::DataUsage,
}

fn default_tac() -> u32 {
    35_209_900
}

/// What an arrival asks a roamer to do, before the roamer's state decides the procedure (a
/// detached roamer attaches first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Wish {
    /// Attach if detached, detach if attached.
    Churn,
    /// Location update to another MME of the same visited PLMN.
    LocationUpdate,
    /// Attach in another visited PLMN.
    PlmnChange,
    /// Create and delete a PDN session.
    DataSession,
}

impl Wish {
    /// Every wish, in the order of [`PersonaConfig::rates`].
    pub const ALL: [Wish; 4] = [
        Wish::Churn,
        Wish::LocationUpdate,
        Wish::PlmnChange,
        Wish::DataSession,
    ];
}

/// Steady-state share of arrivals by class (the user's model: mobility 60 %, churn 20 %,
/// billing-heavy data sessions 10 %, anomalies 10 %).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Mix {
    /// Location updates and PLMN changes.
    pub mobility: f64,
    /// Attaches and detaches of provisioned roamers.
    pub churn: f64,
    /// Data sessions.
    pub data: f64,
    /// Attach attempts of anomaly personas.
    pub anomaly: f64,
}

impl PersonaConfig {
    /// Per-roamer rates per hour, in [`Wish::ALL`] order.
    pub fn rates(&self) -> [f64; 4] {
        let per_hour = |s: Option<f64>| s.filter(|s| *s > 0.0).map_or(0.0, |s| 3600.0 / s);
        [
            per_hour(self.mean_attached_s),
            self.location_updates_per_hour,
            per_hour(self.mean_stay_s),
            self.data_sessions_per_hour,
        ]
    }

    /// Steady-state share of this persona's roamers that are attached: an attached roamer
    /// detaches at the churn rate `c`, a detached one attaches at its next arrival (rate `λ`),
    /// so P(attached) = λ / (λ + c); 0 for anomalies (never registered), 1 for roamers that
    /// never detach.
    pub fn attached_share(&self) -> f64 {
        let (c, lambda) = (self.rates()[0], self.rate_per_hour());
        match () {
            _ if self.anomaly.is_some() || lambda <= 0.0 => 0.0,
            _ if c <= 0.0 => 1.0,
            _ => lambda / (lambda + c),
        }
    }

    /// Arrivals per roamer and hour (the sum of [`rates`](Self::rates)).
    pub fn rate_per_hour(&self) -> f64 {
        self.rates().iter().sum()
    }

    /// This persona's steady-state mix: an attached roamer detaches at the churn rate `c`, a
    /// detached one attaches at its next arrival (rate `λ`), so churn is `2c / (λ + c)` of its
    /// arrivals and each other wish `rate / (λ + c)`.
    pub fn mix(&self) -> Mix {
        let r = self.rates();
        let lambda = self.rate_per_hour();
        if self.anomaly.is_some() {
            return Mix {
                anomaly: 1.0,
                ..Mix::default()
            };
        }
        if lambda <= 0.0 {
            return Mix::default();
        }
        let d = lambda + r[0];
        Mix {
            mobility: (r[1] + r[2]) / d,
            churn: 2.0 * r[0] / d,
            data: r[3] / d,
            anomaly: 0.0,
        }
    }

    /// Checks one persona; `at` names it in the message.
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name must not be empty".into());
        }
        if !(self.share.is_finite() && self.share >= 0.0) {
            return Err(format!("share {} is not a non-negative number", self.share));
        }
        let r = self.rates();
        if r.iter().any(|x| !x.is_finite() || *x < 0.0) {
            return Err("rates and durations must be non-negative numbers".into());
        }
        if self.share > 0.0 && self.rate_per_hour() <= 0.0 {
            return Err("no activity: set mean_attached_s, mean_stay_s, location_updates_per_hour or data_sessions_per_hour".into());
        }
        if !(10_000_000..=99_999_999).contains(&self.imei_tac) {
            return Err(format!("imei_tac {} is not 8 digits", self.imei_tac));
        }
        self.data.check()?;
        if self.anomaly == Some(Anomaly::NoAgreement) && self.visited.is_empty() {
            return Err("a no_agreement persona needs `visited` (PLMNs without agreement)".into());
        }
        Ok(())
    }
}

/// The personas used when a profile has no `[[personas]]`: business, leisure and IoT, without
/// anomalies (those need a PLMN without agreement, which only the profile knows).
pub fn default_personas() -> Vec<PersonaConfig> {
    let p = |name: &str, share, att, stay, lu, data, tac| PersonaConfig {
        name: name.to_string(),
        share,
        anomaly: None,
        mean_attached_s: Some(att),
        mean_stay_s: stay,
        location_updates_per_hour: lu,
        data_sessions_per_hour: data,
        visited: Vec::new(),
        imei_tac: tac,
        data: super::usage::DataUsage::default(),
    };
    vec![
        p(
            "business",
            0.33,
            18_000.0,
            Some(7_200.0),
            1.5,
            0.3,
            35_209_900,
        ),
        p(
            "leisure",
            0.45,
            36_000.0,
            Some(86_400.0),
            0.9,
            0.14,
            35_332_211,
        ),
        p("iot", 0.22, 7_200.0, None, 0.05, 0.25, 86_107_303),
    ]
}

/// The steady-state mix of a set of personas, weighted by `share × rate`.
pub fn expected_mix(personas: &[PersonaConfig]) -> Mix {
    let mut m = Mix::default();
    let mut total = 0.0;
    for p in personas {
        let w = p.share * p.rate_per_hour();
        let x = p.mix();
        m.mobility += w * x.mobility;
        m.churn += w * x.churn;
        m.data += w * x.data;
        m.anomaly += w * x.anomaly;
        total += w;
    }
    if total > 0.0 {
        m.mobility /= total;
        m.churn /= total;
        m.data /= total;
        m.anomaly /= total;
    }
    m
}
