//! Hints printed after a run's report (to stderr): what a reason that dominates the failures
//! usually means and what to change, read from `summary.json`'s `reasons` and their first
//! examples (docs/ARCHITECTURE.md §7). Only `failed` ends are read: a `rejected_expected` end is
//! what the profile asked for, and timeouts already name the message that went unanswered.
//!
//! - `ue.auth_mac` more than half of a procedure's failures: the UE and the HSS hold different
//!   K/OPc for the subscribers (TS 33.102 §6.3.3: the UE checks MAC-A with its own K).
//! - `s6a.3010` (DIAMETER_UNKNOWN_PEER, RFC 6733 §7.1.3): the HSS does not accept the MME.
//! - `s6a.5004` (DIAMETER_ERROR_ROAMING_NOT_ALLOWED, TS 29.272 §7.4.3): the agreement missing,
//!   home PLMN -> visited PLMN, from the first example.

use crate::report::Summary;

/// The hints for `summary`, one line each, in procedure order, without repeats.
pub fn hints(summary: &Summary) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut push = |line: String| {
        if !lines.contains(&line) {
            lines.push(line);
        }
    };
    for (name, p) in summary.procedures.iter() {
        let Some(failed) = p.reasons.get("failed") else {
            continue;
        };
        let first = |key: &str| p.reason_examples.get("failed").and_then(|e| e.get(key));
        if let Some(&n) = failed.get("ue.auth_mac").filter(|&&n| 2 * n > p.failed) {
            push(format!(
                "hint: {name}: {n} of {} failures are ue.auth_mac: the UE rejected the HSS's \
                 AUTN, so the UE and the HSS disagree on K/OPc. Give both the same subscribers: \
                 `--subscribers FILE` here, and the same file in the HSS \
                 (`roamsim subscribers export` writes it).",
                p.failed
            ));
        }
        if failed.get("s6a.3010").is_some() {
            let mme = first("s6a.3010").map_or("the MMEs".to_string(), |e| e.node.clone());
            push(format!(
                "hint: s6a.3010 (DIAMETER_UNKNOWN_PEER): the HSS refused {mme}. Allow the \
                 visited realms in the HSS's peer list (`[home.peers]` in its profile), or \
                 start it with `roamsim serve --allow-any-peer`."
            ));
        }
        if failed.get("s6a.5004").is_some() {
            let agreement = first("s6a.5004")
                .map_or("of a home PLMN with a visited PLMN".into(), |e| {
                    format!("{} -> {}", e.home_plmn, e.visited_plmn)
                });
            push(format!(
                "hint: s6a.5004 (roaming not allowed): the HSS has no roaming agreement \
                 {agreement}. Add it to the HSS (`[[home.agreements]]` in its profile), or \
                 move those roamers to a persona with `anomaly = \"no_agreement\"` if the \
                 rejection is intended."
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::reason::ReasonExample;
    use crate::model::{Outcome, Procedure};
    use crate::report::{Recorder, RunInfo};

    fn example(key: &str) -> ReasonExample {
        ReasonExample {
            at_us: 1_500_000,
            node: "mme1.epc.mnc001.mcc208.3gppnetwork.org".into(),
            visited_plmn: "208-01".into(),
            home_plmn: "310-410".into(),
            message: "s6a.ulr".into(),
            code: key.strip_prefix("s6a.").and_then(|c| c.parse().ok()),
            subscriber: "6296c0e0fbc3".into(),
        }
    }

    /// A summary in which `procedure` ended `n` times with `outcome` for each `(key, n)`.
    fn summary(ends: &[(Procedure, Outcome, &str, u64)]) -> Summary {
        let mut rec = Recorder::new();
        for &(p, o, key, n) in ends {
            for _ in 0..n {
                rec.record_started(p);
                rec.record_procedure(p, o, 1000);
                if o != Outcome::Ok {
                    rec.record_reason(p, o, key, || Some(example(key)));
                }
            }
        }
        let info = RunInfo {
            id: "t".into(),
            seed: 1,
            profile: "default".into(),
            started_at: "2026-12-07T16:00:00.000Z".into(),
            duration_s: 1.0,
            shards: 1,
            offered_rate: 1.0,
            achieved_rate: 1.0,
            generator_saturated: false,
        };
        Summary::new(&rec, info)
    }

    #[test]
    fn auth_mac_that_dominates_the_failures_points_to_the_subscriber_file() {
        let s = summary(&[
            (Procedure::Attach, Outcome::Ok, "", 10),
            (Procedure::Attach, Outcome::Failed, "ue.auth_mac", 9),
            (Procedure::Attach, Outcome::Failed, "gtp.73", 2),
        ]);
        let h = hints(&s);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h[0].starts_with("hint: attach: 9 of 11 failures are ue.auth_mac"));
        assert!(h[0].contains("K/OPc"));
        assert!(h[0].contains("--subscribers FILE"));
        assert!(h[0].contains("roamsim subscribers export"));
    }

    #[test]
    fn a_run_whose_hss_has_other_keys_than_the_ues_gets_the_key_hint() {
        use crate::engine::load::virtual_time::{VirtualOptions, VirtualRun};
        let profile = crate::model::config::Profile::embedded_default();
        let opts = VirtualOptions::new(200.0, std::time::Duration::from_secs(2), 300, 8);
        let r = VirtualRun::new(&profile, &opts)
            .unwrap()
            .with_hss_seed(&profile, 9)
            .run();
        let failed = r.procedure(Procedure::Attach).failed;
        assert!(failed > 0);
        let h = hints(&Summary::new(&r.recorder, summary(&[]).run.info));
        assert_eq!(h.len(), 1, "{h:?}");
        let expected = format!("hint: attach: {failed} of {failed} failures are ue.auth_mac");
        assert!(h[0].starts_with(&expected), "{}", h[0]);
    }

    #[test]
    fn auth_mac_in_a_minority_or_as_an_expected_rejection_gives_no_hint() {
        let s = summary(&[
            (Procedure::Attach, Outcome::Failed, "ue.auth_mac", 2),
            (Procedure::Attach, Outcome::Failed, "gtp.73", 3),
            (Procedure::Detach, Outcome::RejectedExpected, "s6a.5004", 3),
            (Procedure::Detach, Outcome::TimedOut, "timeout.s6a.pur", 3),
        ]);
        assert_eq!(hints(&s), Vec::<String>::new());
    }

    #[test]
    fn unknown_peer_and_missing_agreement_name_what_to_configure() {
        let s = summary(&[
            (Procedure::Attach, Outcome::Failed, "s6a.3010", 4),
            (Procedure::PlmnChange, Outcome::Failed, "s6a.3010", 1),
            (Procedure::PlmnChange, Outcome::Failed, "s6a.5004", 7),
        ]);
        let h = hints(&s);
        assert_eq!(h.len(), 2, "{h:?}");
        assert!(h[0].contains("s6a.3010"), "{}", h[0]);
        assert!(h[0].contains("mme1.epc.mnc001.mcc208.3gppnetwork.org"));
        assert!(h[0].contains("[home.peers]") && h[0].contains("--allow-any-peer"));
        assert!(
            h[1].contains("no roaming agreement 310-410 -> 208-01"),
            "{}",
            h[1]
        );
    }
}
