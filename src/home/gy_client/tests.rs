//! The Gy client stepped against the OCS on a Diameter connection in virtual time
//! (CONTRIBUTING.md §3), without the PGW: refusals, quota exhaustion with FUI, failure
//! handling when the OCS is silent or unreachable. Whole runs are in
//! `engine::load::virtual_time::online_tests`.

use std::sync::Arc;

use super::*;
use crate::home::ocs::{Ocs, OcsServer, OnlineChargingConfig};
use crate::home::pgw::{Fteid, Session};
use crate::model::usage::SessionRates;
use crate::wire::diameter::message_len;

const T0: Micros = Micros(1_000_000);

fn identity(host: &str) -> LocalIdentity {
    LocalIdentity {
        origin_host: host.to_string(),
        origin_realm: "epc.mnc410.mcc310.3gppnetwork.org".to_string(),
        host_ip: "127.0.0.1".parse().unwrap(),
        origin_state_id: 1,
        product_name: "roamsim-test".to_string(),
    }
}

fn session(imsi: &str, rate: u64) -> Session {
    let f = Fteid {
        teid: 1,
        ipv4: "10.0.0.1".parse().unwrap(),
    };
    Session {
        imsi: imsi.parse().unwrap(),
        msisdn: Some("15550000000".parse().unwrap()),
        apn: Arc::from("internet"),
        paa: "10.0.0.9".parse().unwrap(),
        charging_id: 7,
        ebi: 5,
        sgw_control: f,
        sgw_user: f,
        pgw_user_teid: 0x8000_0001,
        serving_network: "208-01".parse().unwrap(),
        start_us: T0,
        rat_type: 6,
        rates: SessionRates {
            uplink: rate / 10,
            downlink: rate - rate / 10,
        },
    }
}

/// A client and an OCS on one simulated connection; `ocs_up` false loses what goes to it.
struct Pair {
    gy: GyClient,
    ocs: OcsServer,
    conn: usize,
    now: Micros,
    ocs_up: bool,
}

impl Pair {
    fn new(cfg: OnlineChargingConfig, fh: FailureHandling) -> Pair {
        let ocs = Ocs::new(cfg, "ocs.example", "epc.mnc410.mcc310.3gppnetwork.org").unwrap();
        let mut ocs = OcsServer::new(ocs, identity("ocs.example"), 1);
        let conn = ocs.open(T0);
        let mut gy = GyClient::new(GyClientConfig {
            identity: identity("pgw.example"),
            destination_realm: "epc.mnc410.mcc310.3gppnetwork.org".into(),
            destination_host: None,
            tx: Micros::from_secs(2),
            rating_group: 1,
            failure_handling: fh,
            seed: 2,
            instance: 0,
        });
        gy.connect(T0);
        let mut p = Pair {
            gy,
            ocs,
            conn,
            now: T0,
            ocs_up: true,
        };
        p.step();
        assert!(p.gy.is_open());
        p
    }

    /// Moves bytes both ways until both are quiet.
    fn step(&mut self) {
        for _ in 0..8 {
            let up = self.gy.transmit().to_vec();
            self.gy.clear_transmit();
            for m in split(&up) {
                if self.ocs_up {
                    self.ocs.handle_message(self.now, self.conn, m);
                }
            }
            let down = self.ocs.output(self.conn).to_vec();
            self.ocs.clear_output(self.conn);
            for m in split(&down) {
                self.gy.handle_message(self.now, m);
            }
            if up.is_empty() && down.is_empty() {
                return;
            }
        }
    }

    /// Jumps to the client's next timer and runs it.
    fn advance(&mut self) {
        let t = self.gy.poll_timeout().expect("a timer");
        self.now = t.max(self.now);
        self.gy.handle_timeout(self.now);
        self.step();
    }

    fn events(&mut self) -> Vec<GyEvent> {
        std::iter::from_fn(|| self.gy.poll_event()).collect()
    }
}

fn split(mut b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some(n) = message_len(b).filter(|&n| n > 0 && n <= b.len()) {
        out.push(&b[..n]);
        b = &b[n..];
    }
    out
}

/// A barred subscriber's CCR-I gets 4010: the session is refused with GTPv2 Cause 92, and
/// neither side keeps a credit-control session.
#[test]
fn a_barred_subscriber_is_refused_with_cause_92() {
    let mut p = Pair::new(OnlineChargingConfig::default(), FailureHandling::Terminate);
    p.ocs.ocs_mut().set_barred("310410000100000", true);
    p.gy.start(p.now, 1, &session("310410000100000", 1000));
    p.step();
    let ev = p.events();
    assert_eq!(
        ev,
        [GyEvent::Refused {
            teid: 1,
            reason: GyReason::ResultCode(4010)
        }]
    );
    assert_eq!(GyReason::ResultCode(4010).gtp_cause(), 92);
    assert_eq!(GyReason::ResultCode(4012).gtp_cause(), 94);
    assert_eq!((p.gy.open_sessions(), p.ocs.ocs().open_sessions()), (0, 0));
}

/// A balance smaller than a quota: the grant carries FUI TERMINATE, and once its units are
/// used the client asks for the session's end; the CCR-T reports exactly the volume of the
/// session, which the OCS debits.
#[test]
fn final_units_end_the_session_and_the_ccr_t_reports_its_volume() {
    let cfg = OnlineChargingConfig {
        default_balance_octets: 3_000_000,
        quota_octets: 10_000_000,
        ..OnlineChargingConfig::default()
    };
    let mut p = Pair::new(cfg, FailureHandling::Terminate);
    p.gy.start(p.now, 1, &session("310410000100000", 100_000));
    p.step();
    assert_eq!(p.events(), [GyEvent::Authorised { teid: 1 }]);
    assert_eq!(p.gy.stats().fui_terminate_grants, 1);
    // The watchdog may fire first; the final units run out at 30 s.
    let mut ev = Vec::new();
    for _ in 0..4 {
        p.advance();
        ev = p.events();
        if !ev.is_empty() {
            break;
        }
    }
    assert_eq!(
        ev,
        [GyEvent::Terminate {
            teid: 1,
            reason: GyReason::FinalUnits
        }]
    );
    p.gy.stop(p.now, 1, termination_cause::SERVICE_NOT_PROVIDED);
    p.step();
    let used = session("310410000100000", 100_000)
        .rates
        .volume(p.now - T0)
        .total();
    assert!(used >= 3_000_000, "{used}");
    assert_eq!(p.gy.stats().reported_octets, used);
    assert_eq!(p.ocs.ocs().counters().used_octets, used);
    assert_eq!((p.gy.open_sessions(), p.ocs.ocs().open_sessions()), (0, 0));
}

/// The OCS is silent: under CONTINUE the CCR-I's Tx expiry lets the session through without
/// credit control; under RETRY_AND_TERMINATE the request goes once more, then the session is
/// refused with Cause 100.
#[test]
fn a_silent_ocs_is_handled_by_the_failure_handling() {
    let mut p = Pair::new(OnlineChargingConfig::default(), FailureHandling::Continue);
    p.ocs_up = false;
    p.gy.start(p.now, 1, &session("310410000100000", 1000));
    p.step();
    p.advance();
    assert_eq!(p.events(), [GyEvent::Authorised { teid: 1 }]);
    assert_eq!(
        (p.gy.stats().uncontrolled, p.gy.stats().timed_out[0]),
        (1, 1)
    );
    assert!(!p.gy.controls(1));

    let mut p = Pair::new(
        OnlineChargingConfig::default(),
        FailureHandling::RetryAndTerminate,
    );
    p.ocs_up = false;
    p.gy.start(p.now, 1, &session("310410000100000", 1000));
    p.step();
    p.advance();
    assert!(p.events().is_empty());
    assert_eq!((p.gy.stats().retries, p.gy.stats().sent[0]), (1, 2));
    p.advance();
    let ev = p.events();
    assert_eq!(
        ev,
        [GyEvent::Refused {
            teid: 1,
            reason: GyReason::Timeout
        }]
    );
    assert_eq!(GyReason::Timeout.gtp_cause(), 100);
}
