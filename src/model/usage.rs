//! The data a roamer's PDN connection carries: a per-persona traffic model that both charging
//! paths read, so that offline records (PGW- and SGW-CDRs) and online credit control (Gy
//! Used-Service-Units) report the same octets for the same session.
//!
//! Each persona has mean uplink and downlink rates in octets per second of connected time
//! (`[[personas]] data = { uplink = .., downlink = .., spread = .. }`). A session draws one factor
//! from a log-normal distribution with mean 1 and shape `spread`, seeded by the profile's seed, the
//! subscriber and the session's Charging ID, so every node that knows those three (the home PGW,
//! the visited SGW) computes the same rates without talking about it. The volume is cumulative
//! and exact in integers: `rate × elapsed µs / 10⁶` octets, rounded down, so the sum of the
//! differences reported at any set of instants equals the volume at the last instant.

use serde::{Deserialize, Serialize};

use super::config::Profile;
use super::ids::Imsi;
use super::rng::{derive_seed, Rng};
use super::Micros;

/// A persona's traffic, in octets per second of connected time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataUsage {
    /// Mean octets per second from the UE.
    pub uplink: f64,
    /// Mean octets per second to the UE.
    pub downlink: f64,
    /// Shape of the per-session log-normal factor (σ of its logarithm); 0: every session of
    /// the persona has exactly the mean rates.
    #[serde(default = "default_spread")]
    pub spread: f64,
}

fn default_spread() -> f64 {
    0.5
}

impl Default for DataUsage {
    /// A light smartphone user: 400 B/s up, 4 kB/s down (about 10 GB a month if always
    /// connected).
    fn default() -> Self {
        DataUsage {
            uplink: 400.0,
            downlink: 4_000.0,
            spread: default_spread(),
        }
    }
}

impl DataUsage {
    /// Checks the rates; the message names the bad key.
    pub fn check(&self) -> Result<(), String> {
        for (name, v) in [("uplink", self.uplink), ("downlink", self.downlink)] {
            if !(v.is_finite() && (0.0..=1e10).contains(&v)) {
                return Err(format!(
                    "data.{name} {v} is not a rate in octets per second (0 to 1e10)"
                ));
            }
        }
        if !(self.spread.is_finite() && (0.0..=3.0).contains(&self.spread)) {
            return Err(format!(
                "data.spread {} is not between 0 and 3",
                self.spread
            ));
        }
        Ok(())
    }
}

/// Octets carried by a session, cumulative from its start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Volume {
    /// From the UE.
    pub uplink: u64,
    /// To the UE.
    pub downlink: u64,
}

impl Volume {
    /// Both directions.
    pub fn total(self) -> u64 {
        self.uplink + self.downlink
    }

    /// What was carried since `earlier` (saturating, so a restored session never goes
    /// negative).
    pub fn since(self, earlier: Volume) -> Volume {
        Volume {
            uplink: self.uplink.saturating_sub(earlier.uplink),
            downlink: self.downlink.saturating_sub(earlier.downlink),
        }
    }
}

/// One session's rates, in octets per second.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SessionRates {
    /// From the UE.
    pub uplink: u64,
    /// To the UE.
    pub downlink: u64,
}

impl SessionRates {
    /// Octets carried `elapsed` after the session started.
    pub fn volume(self, elapsed: Micros) -> Volume {
        let at = |rate: u64| (rate as u128 * elapsed.as_u64() as u128 / 1_000_000) as u64;
        Volume {
            uplink: at(self.uplink),
            downlink: at(self.downlink),
        }
    }

    /// The earliest time after the start at which the session has carried at least `octets`
    /// in both directions together; `None` when it carries nothing.
    pub fn time_to(self, octets: u64) -> Option<Micros> {
        let rate = self.uplink + self.downlink;
        if rate == 0 {
            return None;
        }
        // The smallest t with floor(up·t/10⁶) + floor(down·t/10⁶) >= octets. The floors lose
        // less than 2 octets together, so it lies between the real-valued bound for `octets`
        // and the one for `octets + 2`: a binary search between them (a step of 1 µs at a time
        // could take 2·10⁶/rate steps, 125 at 16 kB/s).
        let bound = |o: u128| (o * 1_000_000).div_ceil(rate as u128) as u64;
        let (mut lo, mut hi) = (bound(octets as u128), bound(octets as u128 + 2));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.volume(Micros(mid)).total() >= octets {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(Micros(lo))
    }
}

/// The traffic model of a profile: one [`DataUsage`] per persona.
#[derive(Debug, Clone)]
pub struct UsageModel {
    seed: u64,
    personas: Vec<DataUsage>,
    /// For subscribers whose persona is not known (another node's roamers): the mean over the
    /// personas, weighted by share.
    fallback: DataUsage,
}

impl UsageModel {
    /// The model of `profile`'s personas (in the profile's order, the index a population
    /// gives).
    pub fn from_profile(profile: &Profile) -> UsageModel {
        let personas = profile.persona_configs();
        let total: f64 = personas.iter().map(|p| p.share).sum();
        let mean = |f: fn(&DataUsage) -> f64| {
            if total > 0.0 {
                personas.iter().map(|p| p.share * f(&p.data)).sum::<f64>() / total
            } else {
                f(&DataUsage::default())
            }
        };
        UsageModel {
            seed: profile.seed,
            fallback: DataUsage {
                uplink: mean(|d| d.uplink),
                downlink: mean(|d| d.downlink),
                spread: mean(|d| d.spread),
            },
            personas: personas.iter().map(|p| p.data).collect(),
        }
    }

    /// The rates of the session with `charging_id` of subscriber `imsi`, whose persona is
    /// `persona` (an index into the profile's personas; `None`: the share-weighted mean).
    pub fn rates(&self, persona: Option<u8>, imsi: Imsi, charging_id: u32) -> SessionRates {
        let d = persona
            .and_then(|p| self.personas.get(p as usize))
            .unwrap_or(&self.fallback);
        let label = imsi.value() ^ (u64::from(charging_id) << 40) ^ 0xDA7A;
        let mut rng = Rng::new(derive_seed(self.seed, label));
        // Log-normal with mean 1: exp(σZ − σ²/2).
        let factor = (d.spread * rng.normal() - d.spread * d.spread / 2.0).exp();
        let scale = |mean: f64| (mean * factor).round().clamp(0.0, 1e12) as u64;
        SessionRates {
            uplink: scale(d.uplink),
            downlink: scale(d.downlink),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_are_cumulative_and_exact() {
        let r = SessionRates {
            uplink: 333,
            downlink: 7_777,
        };
        let marks = [0u64, 1, 999_999, 1_000_000, 3_141_592, 60_000_000];
        let mut sum = Volume::default();
        let mut last = Volume::default();
        for m in marks {
            let v = r.volume(Micros(m));
            let d = v.since(last);
            sum.uplink += d.uplink;
            sum.downlink += d.downlink;
            last = v;
        }
        assert_eq!(sum, r.volume(Micros(60_000_000)));
        assert_eq!(sum.uplink, 333 * 60);
    }

    #[test]
    fn time_to_is_the_first_instant_reaching_the_volume() {
        let r = SessionRates {
            uplink: 3,
            downlink: 7,
        };
        for octets in [1u64, 9, 10, 11, 1_000, 123_457] {
            let t = r.time_to(octets).unwrap();
            assert!(r.volume(t).total() >= octets);
            assert!(
                r.volume(Micros(t.as_u64() - 1)).total() < octets,
                "{octets}"
            );
        }
        assert_eq!(SessionRates::default().time_to(5), None);
    }

    #[test]
    fn rates_are_deterministic_and_spread_around_the_mean() {
        let profile = Profile::embedded_default();
        let m = UsageModel::from_profile(&profile);
        let imsi = Imsi::new(310_410_000_100_007, 15).unwrap();
        assert_eq!(m.rates(Some(0), imsi, 5), m.rates(Some(0), imsi, 5));
        assert_ne!(m.rates(Some(0), imsi, 5), m.rates(Some(0), imsi, 6));
        let mean = profile.persona_configs()[0].data.downlink;
        let n = 20_000u32;
        let sum: u64 = (0..n).map(|c| m.rates(Some(0), imsi, c).downlink).sum();
        let avg = sum as f64 / n as f64;
        assert!((avg / mean - 1.0).abs() < 0.03, "mean {avg} vs {mean}");
    }
}
