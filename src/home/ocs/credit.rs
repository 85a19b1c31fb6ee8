//! The OCS's books: subscribers' balances, credit-control sessions with their reservations per
//! rating group, and the bill-shock caps per zone pair and calendar month. Everything here is in
//! octets and [`Micros`]; the wire side is in the parent module.
//!
//! Reservation (RFC 4006 §5.1.2, "credit reservation"): a grant is taken from the balance when it
//! is given; when the PGW reports the Used-Service-Unit of a rating group, that group's
//! reservation goes back to the balance and the used octets are debited (all of them, even past
//! the grant: the balance stops at zero). TERMINATION gives back what is still reserved.

use std::collections::HashMap;

use super::{BillShockKind, OcsCounters, OcsEvent};
use crate::model::online_charging::{BillShockConfig, OnlineChargingConfig};
use crate::model::Micros;
use crate::wire::diameter::codes::result::SUCCESS;
use crate::wire::gy::codes::{final_unit_action, result};
use crate::wire::gy::{FinalUnitIndication, Mscc, ServiceUnit};

/// One subscriber's account.
#[derive(Clone, Debug)]
pub(super) struct Account {
    /// Octets left, reservations already taken out.
    pub balance: u64,
    /// Opted out of the bill-shock cut-off (still warned).
    pub opted_out: bool,
    /// Barred: every INITIAL_REQUEST is answered 4010.
    pub barred: bool,
    /// Use against each cap this month.
    usage: Vec<CapUsage>,
}

impl Account {
    pub fn new(balance: u64) -> Self {
        Account {
            balance,
            opted_out: false,
            barred: false,
            usage: Vec::new(),
        }
    }

    /// The use against `cap` in the month of `now`, started afresh in a new month.
    fn usage(&mut self, cap: Cap, now: Micros) -> &mut CapUsage {
        let month = month_index(now);
        let i = match self.usage.iter().position(|u| u.zones == cap.zones) {
            Some(i) => i,
            None => {
                self.usage.push(CapUsage::new(cap.zones, month));
                self.usage.len() - 1
            }
        };
        let u = &mut self.usage[i];
        if u.month != month {
            *u = CapUsage::new(cap.zones, month);
        }
        u
    }
}

#[derive(Clone, Copy, Debug)]
struct CapUsage {
    zones: (u16, u16),
    month: u32,
    used: u64,
    warned: bool,
    reached: bool,
}

impl CapUsage {
    fn new(zones: (u16, u16), month: u32) -> Self {
        CapUsage {
            zones,
            month,
            used: 0,
            warned: false,
            reached: false,
        }
    }
}

/// The cap that applies to a session: its (home, visited) zones and the monthly octets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cap {
    zones: (u16, u16),
    octets: u64,
}

/// A credit-control session (RFC 4006 §8.1), keyed by Session-Id in the parent.
#[derive(Clone, Debug)]
pub(super) struct Session {
    pub imsi: String,
    /// CC-Request-Number of the last request answered.
    pub last_number: u32,
    /// The answer to that request, sent again for a duplicate (RFC 4006 §7).
    pub last: Answer,
    pub cap: Option<Cap>,
    /// Octets reserved per rating group (None: no Rating-Group AVP).
    reserved: Vec<(Option<u32>, u64)>,
}

impl Session {
    pub fn new(imsi: &str, cap: Option<Cap>) -> Self {
        Session {
            imsi: imsi.to_string(),
            last_number: 0,
            last: Answer::default(),
            cap,
            reserved: Vec::new(),
        }
    }

    fn reserved_total(&self) -> u64 {
        self.reserved.iter().map(|r| r.1).sum()
    }

    /// Takes the reservation of `rg` out of the session.
    fn release(&mut self, rg: Option<u32>) -> u64 {
        match self.reserved.iter().position(|r| r.0 == rg) {
            Some(i) => self.reserved.swap_remove(i).1,
            None => 0,
        }
    }

    /// Takes every reservation out of the session.
    pub fn release_all(&mut self) -> u64 {
        let total = self.reserved_total();
        self.reserved.clear();
        total
    }
}

/// What the OCS answers to one CCR, before it is written as a CCA.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// Result-Code of the whole answer.
    pub result_code: u32,
    /// One MSCC per rating group of the request.
    pub mscc: Vec<Mscc>,
    /// Error-Message, for failures that need saying why.
    pub error_message: Option<&'static str>,
}

impl Answer {
    /// An answer with `code` and nothing else.
    pub fn failure(code: u32, why: &'static str) -> Self {
        Answer {
            result_code: code,
            mscc: Vec::new(),
            error_message: Some(why),
        }
    }

    /// An answer carrying `mscc`: 2001 when any rating group succeeded (or there are none),
    /// otherwise the first group's failure, so that a request whose only rating group is
    /// refused is refused as a whole (TS 32.299 §5.1.2.2.3).
    pub fn with_mscc(mscc: Vec<Mscc>) -> Self {
        let ok = mscc.is_empty() || mscc.iter().any(|m| m.result_code == Some(SUCCESS));
        let result_code = if ok {
            SUCCESS
        } else {
            mscc[0].result_code.unwrap_or(SUCCESS)
        };
        Answer {
            result_code,
            mscc,
            error_message: None,
        }
    }
}

/// Zones by PLMN digits and caps by zone pair.
#[derive(Debug)]
pub(super) struct Zones {
    by_digits: HashMap<String, u16>,
    caps: HashMap<(u16, u16), u64>,
}

/// A cap names a zone that `zones` does not define.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("charging.online.bill_shock.caps: unknown zone {0:?}")]
pub struct UnknownZone(pub String);

impl Zones {
    pub fn new(cfg: &BillShockConfig) -> Result<Self, UnknownZone> {
        let mut by_digits = HashMap::new();
        let mut names = HashMap::new();
        for (i, z) in cfg.zones.iter().enumerate() {
            names.insert(z.name.as_str(), i as u16);
            for p in &z.plmns {
                let w = p.mnc_digits() as usize;
                by_digits.insert(format!("{:03}{:0w$}", p.mcc(), p.mnc()), i as u16);
            }
        }
        let zone = |n: &str| names.get(n).copied().ok_or(UnknownZone(n.to_string()));
        let mut caps = HashMap::new();
        for c in &cfg.caps {
            let key = (zone(&c.home_zone)?, zone(&c.visited_zone)?);
            caps.insert(key, c.monthly_cap_octets);
        }
        Ok(Zones { by_digits, caps })
    }

    /// The cap for a subscriber of `imsi` in the PLMN of `visited` (MCC and MNC digits).
    pub fn cap(&self, imsi: &str, visited: Option<&str>) -> Option<Cap> {
        let home = [5, 6]
            .iter()
            .find_map(|&n| imsi.get(..n).and_then(|d| self.by_digits.get(d)))?;
        let visited = self.by_digits.get(visited?)?;
        let zones = (*home, *visited);
        self.caps.get(&zones).map(|&octets| Cap { zones, octets })
    }
}

/// Grants and debits against accounts and sessions, with the counters and events they cause.
#[derive(Debug)]
pub(super) struct Ledger {
    pub cfg: OnlineChargingConfig,
    pub zones: Zones,
    pub counters: OcsCounters,
    pub events: std::collections::VecDeque<OcsEvent>,
}

impl Ledger {
    /// Debits `used` octets of rating group `rg`, after giving back its reservation, and
    /// counts the use against the session's bill-shock cap.
    pub fn debit(
        &mut self,
        now: Micros,
        acct: &mut Account,
        s: &mut Session,
        rg: Option<u32>,
        used: u64,
    ) {
        acct.balance = acct
            .balance
            .saturating_add(s.release(rg))
            .saturating_sub(used);
        self.counters.used_octets += used;
        let Some(cap) = s.cap else { return };
        let warn_percent = u64::from(self.cfg.bill_shock.warn_percent);
        let opted_out = acct.opted_out;
        let u = acct.usage(cap, now);
        u.used = u.used.saturating_add(used);
        let mut kinds = Vec::new();
        if !u.warned
            && u128::from(u.used) * 100 >= u128::from(cap.octets) * u128::from(warn_percent)
        {
            u.warned = true;
            self.counters.bill_shock_warnings += 1;
            kinds.push(BillShockKind::Warning);
        }
        if !u.reached && u.used >= cap.octets {
            u.reached = true;
            if opted_out {
                self.counters.bill_shock_opted_out += 1;
                kinds.push(BillShockKind::PassedOptedOut);
            } else {
                self.counters.bill_shock_cutoffs += 1;
                kinds.push(BillShockKind::CutOff);
            }
        }
        let used_octets = u.used;
        let zone_name = |i: u16| {
            self.cfg
                .bill_shock
                .zones
                .get(usize::from(i))
                .map_or_else(String::new, |z| z.name.clone())
        };
        let zones = (zone_name(cap.zones.0), zone_name(cap.zones.1));
        for kind in kinds {
            self.events.push_back(OcsEvent::BillShock {
                imsi: s.imsi.clone(),
                at: now,
                kind,
                used_octets,
                cap_octets: cap.octets,
                zones: zones.clone(),
            });
        }
    }

    /// Grants up to one quota to rating group `rg`: less, with Final-Unit-Indication TERMINATE,
    /// when the balance or the cap will not stretch to a whole quota; 4012 when the balance is
    /// empty; 4010 when the cap is reached and the subscriber has not opted out.
    pub fn grant(
        &mut self,
        now: Micros,
        acct: &mut Account,
        s: &mut Session,
        rg: Option<u32>,
    ) -> Mscc {
        let refuse = |code| Mscc {
            rating_group: rg,
            result_code: Some(code),
            ..Mscc::default()
        };
        let mut limit = acct.balance;
        if let (Some(cap), false) = (s.cap, acct.opted_out) {
            let held = s.reserved_total();
            let left = cap.octets.saturating_sub(acct.usage(cap, now).used + held);
            if left == 0 {
                self.counters.service_denied += 1;
                return refuse(result::END_USER_SERVICE_DENIED);
            }
            limit = limit.min(left);
        }
        if limit == 0 {
            self.counters.credit_limit_reached += 1;
            return refuse(result::CREDIT_LIMIT_REACHED);
        }
        let quota = self.cfg.quota_octets;
        let granted = quota.min(limit);
        let last = granted < quota;
        acct.balance -= granted;
        s.reserved.push((rg, granted));
        self.counters.granted_octets += granted;
        self.counters.final_units += u64::from(last);
        let threshold = granted * u64::from(self.cfg.threshold_percent) / 100;
        Mscc {
            granted: Some(ServiceUnit::total(granted)),
            rating_group: rg,
            validity_time: Some(self.cfg.validity_time_s),
            result_code: Some(SUCCESS),
            final_unit: last.then_some(FinalUnitIndication {
                action: final_unit_action::TERMINATE,
            }),
            volume_quota_threshold: (threshold > 0)
                .then(|| u32::try_from(threshold).unwrap_or(u32::MAX)),
            ..Mscc::default()
        }
    }
}

/// Months since January 1970 (UTC) of `now`, read as microseconds since the Unix epoch: the
/// calendar month a bill-shock cap counts in (H. Hinnant's `civil_from_days`).
pub(super) fn month_index(now: Micros) -> u32 {
    let days = (now.as_u64() / 86_400_000_000) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    ((year - 1970) * 12 + month - 1) as u32
}
