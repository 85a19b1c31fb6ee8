//! The run profile (`profiles/*.toml`): what the simulated home core serves. Home PLMNs with their
//! IMSI ranges and default APN, roaming agreements, Diameter identities, the MMEs allowed to
//! connect, PGW settings, and the seed everything random is drawn from.
//!
//! Every table is a nested struct with `deny_unknown_fields`, so a typo is an error that names the
//! file, line and field, and with `#[serde(default)]` where a value can be derived, so new sections
//! (personas, load, SLOs) can be added to [`Profile`] without touching existing profiles.
//! [`Profile::from_toml`] parses and then [`Profile::validate`]s the cross-references.

use std::fmt;
use std::net::Ipv4Addr;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ids::{Imsi, Msisdn, Plmn};
use super::net::Ipv4Net;

mod charging;
mod include;

pub use charging::{CgfSettings, ChargingConfig, Outage};

/// A profile that could not be loaded: where, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file name as given (or `<embedded default>`).
    pub file: String,
    /// 1-based line of the offending text, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// The key or path of the field (`msisdn_start`, `home.plmns[0].ranges[1].count`), when known.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl ConfigError {
    /// An error about `field` of `file` (no position).
    pub fn invalid(
        file: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> ConfigError {
        ConfigError {
            file: file.to_string(),
            line: None,
            column: None,
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// Turns a toml/serde error into one that points at the line and names the key there.
    fn from_toml(file: &str, text: &str, err: &toml::de::Error) -> ConfigError {
        let message = err.message().trim().to_string();
        let Some(span) = err.span() else {
            return ConfigError {
                file: file.to_string(),
                line: None,
                column: None,
                field: None,
                message,
            };
        };
        let start = span.start.min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_text = &text[line_start..line_end];
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let field = key_at(line_text, start - line_start, &text[span.start..span.end]);
        ConfigError {
            file: file.to_string(),
            line: Some(line),
            column: Some(column),
            field,
            message,
        }
    }
}

/// The key an error span points at: the span itself when it is a bare key, else the key of the
/// nearest `key =` to its left on the line, else the `[table]` header on that line.
fn key_at(line: &str, col: usize, spanned: &str) -> Option<String> {
    let is_key = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    };
    let spanned = spanned.trim().trim_matches('"');
    if is_key(spanned) && !spanned.chars().all(|c| c.is_ascii_digit()) {
        let rest = line[col.min(line.len())..].trim_start();
        if rest.starts_with(spanned) && rest[spanned.len()..].trim_start().starts_with('=') {
            return Some(spanned.to_string());
        }
    }
    let before = &line[..col.min(line.len())];
    if let Some(eq) = before.rfind('=') {
        let key = before[..eq]
            .trim_end()
            .rsplit(|c: char| c == '{' || c == ',' || c.is_whitespace())
            .next()
            .unwrap_or("");
        if is_key(key) {
            return Some(key.to_string());
        }
    }
    let t = line.trim();
    t.starts_with('[')
        .then(|| t.trim_matches(|c| c == '[' || c == ']').trim().to_string())
}

/// The whole profile. New sections are added as fields with `#[serde(default)]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Seed of every random stream of a run (population keys, RANDs, arrivals, impairments).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The simulated home core.
    pub home: HomeConfig,
    /// Offered load: `[load]` (rate, arrival process, population size).
    #[serde(default)]
    pub load: super::population::LoadConfig,
    /// Roamer personas: `[[personas]]` (built-in business/leisure/IoT when empty).
    #[serde(default)]
    pub personas: Vec<super::persona::PersonaConfig>,
    /// Visited PLMNs the generator plays: `[[visited]]` (the agreements' partners when empty).
    #[serde(default)]
    pub visited: Vec<super::population::VisitedPlmnConfig>,
    /// Service-level objectives checked after a run (`[[slo]]`, docs/ARCHITECTURE.md §7).
    #[serde(default)]
    pub slo: Vec<super::slo::SloSpec>,
    /// Charging: `[charging]` (offline records and their transfer, the embedded CGF) and
    /// `[charging.online]` (Gy, `model::online_charging`).
    #[serde(default)]
    pub charging: ChargingConfig,
    /// Acceptance checks on the results (`[expect] checks = [...]`, docs/scenarios.md).
    #[serde(default)]
    pub expect: super::expect::ExpectConfig,
    /// Alerts evaluated at every interval (`[[alerts]]`, docs/scenarios.md).
    #[serde(default)]
    pub alerts: Vec<super::alert::AlertConfig>,
    /// What makes the profile a scenario of the library (`[scenario]`, docs/scenarios.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<super::scenario::ScenarioInfo>,
}

fn default_seed() -> u64 {
    1
}

/// The simulated home network: HSS and PGW configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeConfig {
    /// The home PLMNs and their subscribers (at least one).
    pub plmns: Vec<HomePlmn>,
    /// Roaming agreements: which visited PLMNs each home PLMN's subscribers may use.
    #[serde(default)]
    pub agreements: Vec<Agreement>,
    /// The HSS's Diameter identity.
    #[serde(default)]
    pub diameter: DiameterIdentity,
    /// Which MMEs may connect.
    #[serde(default)]
    pub peers: PeerPolicy,
    /// The PGW.
    #[serde(default)]
    pub pgw: PgwConfig,
}

/// One home PLMN and its provisioned subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomePlmn {
    /// MCC-MNC, e.g. `310-410`.
    pub plmn: Plmn,
    /// Generated subscribers: contiguous IMSI ranges.
    #[serde(default)]
    pub ranges: Vec<ImsiRange>,
    /// The APN every subscriber of this PLMN gets in its Subscription-Data.
    #[serde(default)]
    pub default_apn: ApnProfile,
    /// The subscriber's UE-AMBR (Subscription-Data AMBR).
    #[serde(default)]
    pub ue_ambr: Ambr,
}

/// A contiguous range of generated subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImsiRange {
    /// First IMSI of the range (must start with the PLMN's MCC and MNC).
    pub first_imsi: Imsi,
    /// How many subscribers.
    pub count: u64,
    /// MSISDN of the first subscriber; subscriber `i` gets `msisdn_start + i`.
    pub msisdn_start: Msisdn,
}

/// An APN configuration (TS 29.272 §7.3.35 APN-Configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApnProfile {
    /// Service-Selection, e.g. `internet`.
    pub name: String,
    /// QoS Class Identifier (1..=9 standardised, up to 254 operator-specific).
    pub qci: u8,
    /// Allocation and Retention Priority.
    pub arp: Arp,
    /// APN-AMBR.
    pub ambr: Ambr,
    /// PDN type.
    pub pdn_type: PdnType,
}

impl Default for ApnProfile {
    fn default() -> Self {
        ApnProfile {
            name: "internet".to_string(),
            qci: 9,
            arp: Arp::default(),
            ambr: Ambr::default(),
            pdn_type: PdnType::Ipv4,
        }
    }
}

/// Allocation-Retention-Priority (TS 29.272 §7.3.40).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Arp {
    /// Priority-Level, 1 (highest) ..= 15.
    pub priority_level: u8,
    /// Pre-emption-Capability: may this bearer pre-empt others.
    pub pre_emption_capability: bool,
    /// Pre-emption-Vulnerability: may this bearer be pre-empted.
    pub pre_emption_vulnerability: bool,
}

impl Default for Arp {
    /// The reference capture's values: level 9, capability disabled, vulnerability enabled.
    fn default() -> Self {
        Arp {
            priority_level: 9,
            pre_emption_capability: false,
            pre_emption_vulnerability: true,
        }
    }
}

/// Aggregate maximum bit rates in bit/s (Max-Requested-Bandwidth-UL/DL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ambr {
    /// Uplink, bit/s.
    pub uplink: u32,
    /// Downlink, bit/s.
    pub downlink: u32,
}

impl Default for Ambr {
    /// 50 Mbit/s up, 100 Mbit/s down, as in the reference capture.
    fn default() -> Self {
        Ambr {
            uplink: 50_000_000,
            downlink: 100_000_000,
        }
    }
}

/// PDN-Type (TS 29.272 §7.3.62).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PdnType {
    /// IPv4 (0).
    #[default]
    Ipv4,
    /// IPv6 (1).
    Ipv6,
    /// IPv4v6 (2).
    Ipv4v6,
}

impl PdnType {
    /// The PDN-Type AVP value.
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// A roaming agreement: subscribers of `home` may register in each of `visited`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    /// A home PLMN of this profile.
    pub home: Plmn,
    /// Partner (visited) PLMNs.
    pub visited: Vec<Plmn>,
}

/// The HSS's Diameter identity; each is derived from the first home PLMN (TS 23.003 §19.4.2.4,
/// `hss.epc.mncXXX.mccYYY.3gppnetwork.org`) unless set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DiameterIdentity {
    /// Origin-Host override.
    pub origin_host: Option<String>,
    /// Origin-Realm override.
    pub origin_realm: Option<String>,
    /// Transport of S6a (`tcp`, `sctp`, `sctp-udp`, `auto`); `--transport` overrides it.
    pub transport: Option<crate::model::transport::TransportChoice>,
}

/// Which Diameter peers (MMEs) the HSS accepts in CER.
///
/// By default, an MME is accepted when its Origin-Realm is the TS 23.003 EPC realm of a visited
/// PLMN named in an agreement (or of a home PLMN). `[[home.peers.visited]]` entries replace that
/// default for their PLMN (other realms, or a host list), and `allow_any` accepts everyone (as the
/// reference capture's HSS does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PeerPolicy {
    /// Accept any MME.
    pub allow_any: bool,
    /// Per visited PLMN overrides.
    pub visited: Vec<VisitedPeers>,
}

/// The MMEs of one visited PLMN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitedPeers {
    /// The visited PLMN.
    pub plmn: Plmn,
    /// Accepted Origin-Realms; empty means the PLMN's TS 23.003 EPC realm.
    #[serde(default)]
    pub realms: Vec<String>,
    /// Accepted Origin-Hosts; empty means any host in those realms.
    #[serde(default)]
    pub hosts: Vec<String>,
}

/// An MME the HSS accepts: a realm, and optionally only some hosts in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedPeer {
    /// The PLMN these MMEs belong to.
    pub plmn: Plmn,
    /// Accepted Origin-Realm.
    pub realm: String,
    /// Accepted Origin-Hosts; empty means any.
    pub hosts: Vec<String>,
}

impl AllowedPeer {
    /// Whether a CER with this Origin-Host and Origin-Realm matches (case-insensitive, as
    /// DiameterIdentity comparisons are).
    pub fn matches(&self, host: &str, realm: &str) -> bool {
        self.realm.eq_ignore_ascii_case(realm)
            && (self.hosts.is_empty() || self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)))
    }
}

/// The PGW (S5/S8 GTPv2-C).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PgwConfig {
    /// Pool of UE IPv4 addresses (PAA); the network address, the first host (the PGW's own
    /// gateway address) and the broadcast address are never handed out.
    pub paa_pool: Ipv4Net,
    /// APNs served; a Create Session for another APN is refused (cause 78).
    pub apns: Vec<String>,
    /// Address put in the PGW's S5/S8 GTP-C F-TEID.
    pub control_ipv4: Ipv4Addr,
    /// Address put in the PGW's S5/S8-U F-TEID.
    pub user_ipv4: Ipv4Addr,
}

impl Default for PgwConfig {
    fn default() -> Self {
        PgwConfig {
            paa_pool: "10.45.0.0/16".parse().expect("valid literal"),
            apns: vec!["internet".to_string()],
            control_ipv4: Ipv4Addr::LOCALHOST,
            user_ipv4: Ipv4Addr::LOCALHOST,
        }
    }
}

/// The profile shipped with roamsim (`profiles/default.toml`).
pub const DEFAULT_PROFILE_TOML: &str = include_str!("../../profiles/default.toml");

impl Profile {
    /// Parses and validates a profile; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Profile, ConfigError> {
        let profile: Profile =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(file, text, &e))?;
        profile.validate(file)?;
        Ok(profile)
    }

    /// Reads, parses and validates a profile file, with its `include` resolved
    /// (docs/scenarios.md).
    pub fn load(path: &Path) -> Result<Profile, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: None,
            column: None,
            field: None,
            message: format!("cannot read: {e}"),
        })?;
        if !include::has_include(&text) {
            return Profile::from_toml(&text, &file);
        }
        let merged = include::read_merged(path)?;
        let profile =
            Profile::deserialize(toml::Value::Table(merged)).map_err(|e| ConfigError {
                file: file.clone(),
                line: None,
                column: None,
                field: None,
                message: format!("with its includes: {}", e.message()),
            })?;
        profile.validate(&file)?;
        Ok(profile)
    }

    /// The embedded default profile.
    pub fn embedded_default() -> Profile {
        Profile::from_toml(DEFAULT_PROFILE_TOML, "profiles/default.toml (embedded)")
            .expect("the embedded default profile is valid")
    }

    /// Every alert well formed and named once; every `alerts[NAME]` of `[expect]` an alert of
    /// the profile.
    fn validate_alerts(&self, file: &str) -> Result<(), ConfigError> {
        for (i, a) in self.alerts.iter().enumerate() {
            if let Err((field, msg)) = a.check() {
                return Err(ConfigError::invalid(
                    file,
                    format!("alerts[{i}].{field}"),
                    msg,
                ));
            }
            if self.alerts[..i].iter().any(|o| o.name == a.name) {
                let msg = format!("`{}` defined twice", a.name);
                return Err(ConfigError::invalid(file, format!("alerts[{i}].name"), msg));
            }
        }
        for (i, c) in self.expect.checks.iter().enumerate() {
            if let Some(name) = c
                .alerts()
                .find(|n| !self.alerts.iter().any(|a| a.name == *n))
            {
                let msg = format!("check `{c}`: no [[alerts]] table is named `{name}`");
                return Err(ConfigError::invalid(
                    file,
                    format!("expect.checks[{i}]"),
                    msg,
                ));
            }
        }
        Ok(())
    }

    /// The personas of a run: the `[[personas]]` tables, or the built-in business, leisure and
    /// IoT personas when there are none.
    pub fn persona_configs(&self) -> Vec<super::persona::PersonaConfig> {
        if self.personas.is_empty() {
            super::persona::default_personas()
        } else {
            self.personas.clone()
        }
    }

    /// The visited PLMNs the generator plays: the `[[visited]]` tables, or one per agreement
    /// partner (weight 1, two MMEs) when there are none. Unchecked; the population checks them.
    pub fn visited_plmns(&self) -> Vec<super::population::VisitedPlmnConfig> {
        let mut visited = self.visited.clone();
        if visited.is_empty() {
            for a in &self.home.agreements {
                for &plmn in &a.visited {
                    if !visited.iter().any(|v| v.plmn == plmn) {
                        visited.push(super::population::VisitedPlmnConfig {
                            plmn,
                            weight: 1.0,
                            mme_instances: 2,
                            mme_plmn: None,
                            link: None,
                        });
                    }
                }
            }
        }
        visited
    }

    /// Checks what serde cannot: ranges inside their PLMN and not overlapping, agreements naming
    /// home PLMNs, sane QoS values, a usable address pool.
    pub fn validate(&self, file: &str) -> Result<(), ConfigError> {
        let bad = |field: String, msg: String| Err(ConfigError::invalid(file, field, msg));
        if let Err((field, msg)) = self.charging.check() {
            return bad(field, msg);
        }
        self.validate_alerts(file)?;
        if let Some(Err((field, msg))) = self.scenario.as_ref().map(|s| s.duration()) {
            return bad(field.into(), msg);
        }
        let home = &self.home;
        if home.plmns.is_empty() {
            return bad(
                "home.plmns".into(),
                "at least one home PLMN is needed".into(),
            );
        }
        let mut spans: Vec<(u64, u64, String)> = Vec::new();
        let mut total: u64 = 0;
        for (i, hp) in home.plmns.iter().enumerate() {
            let at = format!("home.plmns[{i}]");
            if home.plmns[..i].iter().any(|o| o.plmn == hp.plmn) {
                return bad(format!("{at}.plmn"), format!("{} listed twice", hp.plmn));
            }
            for (j, r) in hp.ranges.iter().enumerate() {
                let at = format!("{at}.ranges[{j}]");
                if !r.first_imsi.belongs_to(hp.plmn) || r.first_imsi.digits() != 15 {
                    return bad(
                        format!("{at}.first_imsi"),
                        format!(
                            "{} is not a 15-digit IMSI of PLMN {}",
                            r.first_imsi, hp.plmn
                        ),
                    );
                }
                if r.count == 0 {
                    return bad(format!("{at}.count"), "must be at least 1".into());
                }
                let last = r.first_imsi.checked_add(r.count - 1);
                if !last.is_some_and(|l| l.belongs_to(hp.plmn)) {
                    return bad(
                        format!("{at}.count"),
                        format!(
                            "{} IMSIs from {} leave PLMN {}",
                            r.count, r.first_imsi, hp.plmn
                        ),
                    );
                }
                if r.msisdn_start.checked_add(r.count - 1).is_none() {
                    return bad(
                        format!("{at}.msisdn_start"),
                        format!("{} + {} overflows its digits", r.msisdn_start, r.count),
                    );
                }
                let (lo, hi) = (r.first_imsi.value(), r.first_imsi.value() + r.count - 1);
                if let Some((_, _, other)) = spans.iter().find(|(a, b, _)| lo <= *b && *a <= hi) {
                    return bad(format!("{at}.first_imsi"), format!("overlaps {other}"));
                }
                spans.push((lo, hi, at.clone()));
                total += r.count;
            }
            let apn = &hp.default_apn;
            let at = format!("{at}.default_apn");
            if apn.name.is_empty() {
                return bad(format!("{at}.name"), "must not be empty".into());
            }
            if !(1..=254).contains(&apn.qci) {
                return bad(format!("{at}.qci"), format!("{} is not 1..=254", apn.qci));
            }
            if !(1..=15).contains(&apn.arp.priority_level) {
                return bad(
                    format!("{at}.arp.priority_level"),
                    format!("{} is not 1..=15", apn.arp.priority_level),
                );
            }
        }
        if total > u32::MAX as u64 {
            return bad(
                "home.plmns".into(),
                format!("{total} subscribers; at most {}", u32::MAX),
            );
        }
        for (i, a) in home.agreements.iter().enumerate() {
            if !home.plmns.iter().any(|h| h.plmn == a.home) {
                return bad(
                    format!("home.agreements[{i}].home"),
                    format!("{} is not a home PLMN of this profile", a.home),
                );
            }
        }
        let pgw = &home.pgw;
        if pgw.paa_pool.size() < 4 {
            return bad(
                "home.pgw.paa_pool".into(),
                "prefix too long: needs room for at least one UE address (/30 or shorter)".into(),
            );
        }
        if pgw.apns.is_empty() {
            return bad("home.pgw.apns".into(), "at least one APN is needed".into());
        }
        let personas: Vec<String> = self.persona_configs().into_iter().map(|p| p.name).collect();
        if let Err((field, msg)) = self.charging.online.check(&personas) {
            return bad(format!("charging.online.{field}"), msg);
        }
        Ok(())
    }
}

impl HomeConfig {
    /// The HSS Origin-Host: the override, else `hss.` + the first home PLMN's EPC realm.
    pub fn hss_origin_host(&self) -> String {
        self.diameter
            .origin_host
            .clone()
            .unwrap_or_else(|| self.plmns[0].plmn.hss_host())
    }

    /// The HSS Origin-Realm: the override, else the first home PLMN's EPC realm.
    pub fn hss_origin_realm(&self) -> String {
        self.diameter
            .origin_realm
            .clone()
            .unwrap_or_else(|| self.plmns[0].plmn.epc_realm())
    }

    /// Index in `plmns` of `plmn`, if it is a home PLMN.
    pub fn plmn_index(&self, plmn: Plmn) -> Option<usize> {
        self.plmns.iter().position(|h| h.plmn == plmn)
    }

    /// Index in `plmns` of the home PLMN `imsi` belongs to (3-digit MNCs tried first).
    pub fn home_of(&self, imsi: Imsi) -> Option<usize> {
        let by_len = |len: u8| {
            self.plmns
                .iter()
                .position(|h| h.plmn.mnc_digits() == len && imsi.belongs_to(h.plmn))
        };
        by_len(3).or_else(|| by_len(2))
    }

    /// Visited PLMNs that subscribers of `home` may use (agreements; the home PLMN itself is
    /// always allowed and not listed).
    pub fn partners(&self, home: Plmn) -> impl Iterator<Item = Plmn> + '_ {
        self.agreements
            .iter()
            .filter(move |a| a.home == home)
            .flat_map(|a| a.visited.iter().copied())
    }

    /// True when subscribers of `home` may register in `visited`.
    pub fn roaming_allowed(&self, home: Plmn, visited: Plmn) -> bool {
        home == visited || self.partners(home).any(|p| p == visited)
    }

    /// The MMEs accepted in CER, resolved from [`PeerPolicy`] (empty with `allow_any`, which
    /// the caller checks first).
    pub fn allowed_peers(&self) -> Vec<AllowedPeer> {
        let mut plmns: Vec<Plmn> = self.plmns.iter().map(|h| h.plmn).collect();
        for a in &self.agreements {
            plmns.extend(a.visited.iter().copied());
        }
        plmns.extend(self.peers.visited.iter().map(|v| v.plmn));
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for plmn in plmns {
            if seen.contains(&plmn) {
                continue;
            }
            seen.push(plmn);
            match self.peers.visited.iter().find(|v| v.plmn == plmn) {
                Some(v) if !v.realms.is_empty() => {
                    out.extend(v.realms.iter().map(|realm| AllowedPeer {
                        plmn,
                        realm: realm.clone(),
                        hosts: v.hosts.clone(),
                    }))
                }
                other => out.push(AllowedPeer {
                    plmn,
                    realm: plmn.epc_realm(),
                    hosts: other.map(|v| v.hosts.clone()).unwrap_or_default(),
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
