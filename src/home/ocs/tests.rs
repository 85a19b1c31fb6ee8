//! OCS tests, driven through the wire (CCR bytes in, CCA bytes out) in virtual time: grants with
//! Validity-Time and threshold, depletion to a Final-Unit-Indication and 4012, the bill-shock
//! warning and cut-off with and without opt-out and across a month boundary, request-number
//! duplicates and gaps, TERMINATION giving back the reservation, malformed input, the config.

use super::*;
use crate::wire::diameter::{Ids, Packet, Repeated};
use crate::wire::gy::codes::{final_unit_action, request_type as rt, SERVICE_CONTEXT_PS};
use crate::wire::gy::{Mscc, PsInformation, ServiceUnit, SubscriptionId};

const IMSI: &str = "310410000100000";
const SESSION: &str = "pgw.example;1;1";
const MB: u64 = 1_000_000;
/// 2026-12-07T00:00:00Z and 2027-01-01T00:00:00Z in microseconds since the epoch.
const DEC_7: Micros = Micros(1_796_601_600_000_000);
const JAN_1: Micros = Micros(1_798_761_600_000_000);

fn ocs(cfg: OnlineChargingConfig) -> Ocs {
    Ocs::new(cfg, "ocs.example", "example").unwrap()
}

fn small() -> OnlineChargingConfig {
    OnlineChargingConfig {
        quota_octets: 10 * MB,
        ..OnlineChargingConfig::default()
    }
}

/// A session of the PGW under test: numbers its requests and reports use of rating group 1.
struct Pgw<'s> {
    session: &'s str,
    next: u32,
    /// The Requested-Service-Unit sent (empty: the OCS's quota).
    rsu: ServiceUnit,
    /// Every CCR and CCA, in order.
    log: Vec<Vec<u8>>,
}

impl<'s> Pgw<'s> {
    fn new(session: &'s str) -> Self {
        Pgw {
            session,
            next: 0,
            rsu: ServiceUnit::default(),
            log: Vec::new(),
        }
    }

    /// The CCR of `kind` numbered `number`, reporting `used` octets of rating group 1 (and
    /// asking for more unless TERMINATION).
    fn ccr_bytes(&self, kind: u32, number: u32, used: Option<u64>) -> Vec<u8> {
        let mscc = [Mscc {
            requested: (kind != rt::TERMINATION).then_some(self.rsu),
            used: used.map(ServiceUnit::total),
            rating_group: Some(1),
            ..Mscc::default()
        }];
        let subs = [SubscriptionId::imsi(IMSI)];
        let req = CreditControlRequest {
            session_id: self.session,
            origin_host: "pgw.example",
            origin_realm: "example",
            destination_realm: "example",
            destination_host: None,
            service_context_id: SERVICE_CONTEXT_PS,
            request_type: kind,
            request_number: number,
            origin_state_id: None,
            subscription_ids: Repeated::from_slice(&subs),
            termination_cause: None,
            multiple_services_indicator: None,
            mscc: Repeated::from_slice(&mscc),
            ps_information: Some(PsInformation {
                sgsn_mcc_mnc: Some("20801"),
                ..PsInformation::default()
            }),
        };
        let mut bytes = Vec::new();
        req.emit_to(Ids::default(), &mut bytes);
        bytes
    }

    /// Sends that request to `ocs`; returns the CCA.
    fn send_numbered(
        &mut self,
        ocs: &mut Ocs,
        now: Micros,
        kind: u32,
        number: u32,
        used: Option<u64>,
    ) -> Answer {
        let bytes = self.ccr_bytes(kind, number, used);
        let pkt = Packet::new_checked(&bytes[..]).unwrap();
        let reply = ocs.handle_request(now, &pkt);
        let mut out = vec![0; reply.buffer_len()];
        assert_eq!(reply.emit(pkt.ids(), &mut out), out.len());
        let answer = {
            let cca = CreditControlAnswer::parse(&Packet::new_checked(&out[..]).unwrap()).unwrap();
            assert_eq!(cca.session_id, self.session);
            assert_eq!((cca.request_type, cca.request_number), (kind, number));
            assert_eq!(
                cca.failure_handling,
                Some(2),
                "RETRY_AND_TERMINATE by default"
            );
            Answer {
                result_code: cca.result_code,
                mscc: cca.mscc.iter().collect(),
                error_message: cca.error_message.map(|_| "(said)"),
            }
        };
        self.log.push(bytes);
        self.log.push(out);
        answer
    }

    fn send(&mut self, ocs: &mut Ocs, now: Micros, kind: u32, used: Option<u64>) -> Answer {
        let number = self.next;
        self.next += 1;
        self.send_numbered(ocs, now, kind, number, used)
    }

    fn initial(&mut self, ocs: &mut Ocs, now: Micros) -> Answer {
        self.send(ocs, now, rt::INITIAL, None)
    }

    fn update(&mut self, ocs: &mut Ocs, now: Micros, used: u64) -> Answer {
        self.send(ocs, now, rt::UPDATE, Some(used))
    }

    fn terminate(&mut self, ocs: &mut Ocs, now: Micros, used: u64) -> Answer {
        self.send(ocs, now, rt::TERMINATION, Some(used))
    }
}

fn granted(a: &Answer) -> u64 {
    a.mscc[0].granted.map_or(0, |g| g.volume())
}

fn fui(a: &Answer) -> Option<u32> {
    a.mscc[0].final_unit.map(|f| f.action)
}

#[test]
fn initial_request_gets_a_quota_with_validity_and_threshold() {
    let mut o = ocs(small());
    o.provision(IMSI, 100 * MB, false);
    let a = Pgw::new(SESSION).initial(&mut o, DEC_7);
    assert_eq!(a.result_code, 2001);
    let m = a.mscc[0];
    assert_eq!(m.granted, Some(ServiceUnit::total(10 * MB)));
    assert_eq!(m.rating_group, Some(1));
    assert_eq!(m.result_code, Some(2001));
    assert_eq!(m.validity_time, Some(3600));
    assert_eq!(m.volume_quota_threshold, Some(2_000_000));
    assert_eq!(m.final_unit, None);
    assert_eq!(o.balance(IMSI), Some(90 * MB), "the grant is reserved");
    assert_eq!(o.open_sessions(), 1);
    let c = o.counters();
    assert_eq!((c.requests[0], c.success, c.sessions_opened), (1, 1, 1));
    assert_eq!(c.granted_octets, 10 * MB);
}

#[test]
fn an_unprovisioned_subscriber_gets_the_default_balance() {
    let mut o = ocs(small());
    Pgw::new(SESSION).initial(&mut o, DEC_7);
    assert_eq!(o.balance(IMSI), Some(1_000_000_000 - 10 * MB));
}

#[test]
fn depletion_ends_with_a_final_unit_indication_then_4012() {
    let mut o = ocs(small());
    o.provision(IMSI, 25 * MB, false);
    let mut pgw = Pgw::new(SESSION);
    assert_eq!(granted(&pgw.initial(&mut o, DEC_7)), 10 * MB);
    let a = pgw.update(&mut o, DEC_7, 10 * MB);
    assert_eq!((granted(&a), fui(&a)), (10 * MB, None));
    // 5 MB left: the last grant, with FUI TERMINATE.
    let a = pgw.update(&mut o, DEC_7, 10 * MB);
    assert_eq!(a.result_code, 2001);
    assert_eq!(granted(&a), 5 * MB);
    assert_eq!(fui(&a), Some(final_unit_action::TERMINATE));
    // The PGW asks again anyway: nothing left.
    let a = pgw.update(&mut o, DEC_7, 5 * MB);
    assert_eq!(a.result_code, 4012);
    assert_eq!(a.mscc[0].result_code, Some(4012));
    assert_eq!(a.mscc[0].granted, None);
    assert_eq!(o.balance(IMSI), Some(0));
    let c = o.counters();
    assert_eq!((c.final_units, c.credit_limit_reached), (1, 1));
    assert_eq!(c.used_octets, 25 * MB);
    // The session stays until TERMINATION.
    assert_eq!(pgw.terminate(&mut o, DEC_7, 0).result_code, 2001);
    assert_eq!(o.open_sessions(), 0);
}

#[test]
fn an_empty_account_or_a_barred_subscriber_opens_no_session() {
    let mut o = ocs(small());
    o.provision(IMSI, 0, false);
    let a = Pgw::new(SESSION).initial(&mut o, DEC_7);
    assert_eq!(a.result_code, 4012);
    assert_eq!(o.open_sessions(), 0);

    o.provision(IMSI, 100 * MB, false);
    o.set_barred(IMSI, true);
    let a = Pgw::new("other;1").initial(&mut o, DEC_7);
    assert_eq!(a.result_code, 4010);
    assert_eq!(o.open_sessions(), 0);
    assert_eq!(o.balance(IMSI), Some(100 * MB));
    assert_eq!(o.counters().service_denied, 1);
}

fn capped(cap_mb: u64) -> OnlineChargingConfig {
    let plmn = |s: &str| s.parse().unwrap();
    OnlineChargingConfig {
        bill_shock: BillShockConfig {
            warn_percent: 80,
            zones: vec![
                Zone {
                    name: "us".into(),
                    plmns: vec![plmn("310-410")],
                },
                Zone {
                    name: "eu".into(),
                    plmns: vec![plmn("208-01"), plmn("262-01")],
                },
            ],
            caps: vec![ZoneCap {
                home_zone: "us".into(),
                visited_zone: "eu".into(),
                monthly_cap_octets: cap_mb * MB,
            }],
        },
        ..small()
    }
}

/// Reports 10 MB per minute from `start` until the OCS stops granting or 10 updates went by;
/// returns the answers.
fn roam(o: &mut Ocs, pgw: &mut Pgw<'_>, start: Micros) -> Vec<Answer> {
    let mut answers = vec![pgw.initial(o, start)];
    for i in 1..=10u64 {
        let last = granted(answers.last().unwrap());
        let a = pgw.update(o, start + Micros::from_secs(60 * i), last);
        let stop = a.result_code != 2001;
        answers.push(a);
        if stop {
            break;
        }
    }
    answers
}

#[test]
fn bill_shock_warns_at_80_percent_and_cuts_off_at_the_cap() {
    let mut o = ocs(capped(45));
    o.provision(IMSI, 1000 * MB, false);
    let mut pgw = Pgw::new(SESSION);
    let answers = roam(&mut o, &mut pgw, DEC_7);
    let grants: Vec<u64> = answers.iter().map(granted).collect();
    // 10, 10, 10, 10, then the 5 MB left under the cap with FUI, then 4010.
    assert_eq!(grants, [10, 10, 10, 10, 5, 0].map(|m| m * MB));
    assert_eq!(fui(&answers[4]), Some(final_unit_action::TERMINATE));
    assert_eq!(answers[5].result_code, 4010);
    assert_eq!(answers[5].mscc[0].result_code, Some(4010));

    // 36 MB is 80 %: crossed by the report of minute 4 (40 MB); the cap by minute 5 (45 MB).
    let warn = o.poll_event().unwrap();
    assert_eq!(
        warn,
        OcsEvent::BillShock {
            imsi: IMSI.into(),
            at: DEC_7 + Micros::from_secs(240),
            kind: BillShockKind::Warning,
            used_octets: 40 * MB,
            cap_octets: 45 * MB,
            zones: ("us".into(), "eu".into()),
        }
    );
    let cut = o.poll_event().unwrap();
    assert!(matches!(
        cut,
        OcsEvent::BillShock { kind: BillShockKind::CutOff, at, used_octets, .. }
            if at == DEC_7 + Micros::from_secs(300) && used_octets == 45 * MB
    ));
    assert_eq!(o.poll_event(), None);
    let c = o.counters();
    assert_eq!((c.bill_shock_warnings, c.bill_shock_cutoffs), (1, 1));

    // A new session in the same month and zone is refused at once.
    assert_eq!(Pgw::new("again;1").initial(&mut o, DEC_7).result_code, 4010);
    // In January the cap starts afresh.
    let a = Pgw::new("january;1").initial(&mut o, JAN_1);
    assert_eq!((a.result_code, granted(&a)), (2001, 10 * MB));
}

#[test]
fn an_opted_out_subscriber_is_warned_but_not_cut_off() {
    let mut o = ocs(capped(45));
    o.provision(IMSI, 1000 * MB, true);
    let mut pgw = Pgw::new(SESSION);
    let answers = roam(&mut o, &mut pgw, DEC_7);
    assert_eq!(answers.len(), 11, "granted every time");
    assert!(answers
        .iter()
        .all(|a| granted(a) == 10 * MB && fui(a).is_none()));
    let kinds: Vec<BillShockKind> = std::iter::from_fn(|| o.poll_event())
        .map(|OcsEvent::BillShock { kind, .. }| kind)
        .collect();
    assert_eq!(
        kinds,
        [BillShockKind::Warning, BillShockKind::PassedOptedOut]
    );
    let c = o.counters();
    assert_eq!(
        (
            c.bill_shock_warnings,
            c.bill_shock_cutoffs,
            c.bill_shock_opted_out
        ),
        (1, 0, 1)
    );
}

#[test]
fn use_outside_the_capped_zone_pair_is_not_limited() {
    let mut cfg = capped(45);
    cfg.bill_shock.caps[0].visited_zone = "us".into();
    let mut o = ocs(cfg);
    let answers = roam(&mut o, &mut Pgw::new(SESSION), DEC_7);
    assert_eq!(answers.len(), 11);
    assert_eq!(o.poll_event(), None);
}

#[test]
fn a_duplicate_is_answered_again_without_a_second_debit() {
    let mut o = ocs(small());
    o.provision(IMSI, 100 * MB, false);
    let mut pgw = Pgw::new(SESSION);
    let first_i = pgw.initial(&mut o, DEC_7);
    assert_eq!(
        pgw.send_numbered(&mut o, DEC_7, rt::INITIAL, 0, None),
        first_i
    );
    let first = pgw.update(&mut o, DEC_7, 4 * MB);
    let balance = o.balance(IMSI);
    let again = pgw.send_numbered(&mut o, DEC_7, rt::UPDATE, 1, Some(4 * MB));
    assert_eq!(again, first);
    assert_eq!(o.balance(IMSI), balance, "nothing debited or granted twice");
    assert_eq!(o.counters().duplicates, 2);
    assert_eq!(o.counters().used_octets, 4 * MB);
}

#[test]
fn a_number_out_of_sequence_is_refused_and_leaves_the_session_as_it_was() {
    let mut o = ocs(small());
    o.provision(IMSI, 100 * MB, false);
    let mut pgw = Pgw::new(SESSION);
    pgw.initial(&mut o, DEC_7);
    let balance = o.balance(IMSI);
    // A gap (3 after 0) and a number from the past are both 5004.
    let gap = pgw.send_numbered(&mut o, DEC_7, rt::UPDATE, 3, Some(MB));
    assert_eq!(gap.result_code, 5004);
    assert!(gap.error_message.is_some() && gap.mscc.is_empty());
    pgw.update(&mut o, DEC_7, MB); // number 1
    pgw.update(&mut o, DEC_7, MB); // number 2
    let old = pgw.send_numbered(&mut o, DEC_7, rt::UPDATE, 1, Some(MB));
    assert_eq!(old.result_code, 5004);
    // An INITIAL_REQUEST must be number 0.
    let bad_i = Pgw::new("x;1").send_numbered(&mut o, DEC_7, rt::INITIAL, 1, None);
    assert_eq!(bad_i.result_code, 5004);
    assert_eq!(o.counters().out_of_sequence, 3);
    // The session went on: two updates of 1 MB each, nothing from the refused ones.
    assert_eq!(o.counters().used_octets, 2 * MB);
    assert_eq!(o.balance(IMSI), balance.map(|b| b - 2 * MB));
    assert_eq!(pgw.update(&mut o, DEC_7, 0).result_code, 2001);
}

#[test]
fn termination_debits_the_use_gives_back_the_reservation_and_forgets_the_session() {
    let mut o = ocs(small());
    o.provision(IMSI, 100 * MB, false);
    let mut pgw = Pgw::new(SESSION);
    pgw.initial(&mut o, DEC_7);
    pgw.update(&mut o, DEC_7, 7 * MB);
    let t = pgw.terminate(&mut o, DEC_7, 3 * MB);
    assert_eq!(t.result_code, 2001);
    assert!(t.mscc.is_empty());
    assert_eq!(o.balance(IMSI), Some(90 * MB), "100 less 7 and 3 used");
    assert_eq!(o.open_sessions(), 0);
    let c = o.counters();
    assert_eq!((c.sessions_opened, c.sessions_closed), (1, 1));
    // The session is gone: a repeated CCR-T or a late CCR-U gets 5002.
    let again = pgw.send_numbered(&mut o, DEC_7, rt::TERMINATION, 2, Some(3 * MB));
    assert_eq!(again.result_code, 5002);
    assert_eq!(o.counters().unknown_session, 1);
    assert_eq!(o.balance(IMSI), Some(90 * MB));
}

#[test]
fn an_event_request_debits_at_once_or_gets_4012() {
    let mut o = ocs(small());
    o.provision(IMSI, 3 * MB, false);
    let mut pgw = Pgw::new("event;1");
    pgw.rsu = ServiceUnit::total(2 * MB);
    let a = pgw.send_numbered(&mut o, DEC_7, rt::EVENT, 0, None);
    assert_eq!((a.result_code, a.mscc[0].result_code), (2001, Some(2001)));
    assert_eq!(granted(&a), 2 * MB);
    assert_eq!(o.balance(IMSI), Some(MB));
    // 2 MB more do not fit in the 1 MB left.
    let a = pgw.send_numbered(&mut o, DEC_7, rt::EVENT, 0, None);
    assert_eq!((a.result_code, granted(&a)), (4012, 0));
    assert_eq!(o.balance(IMSI), Some(MB));
    assert_eq!(o.open_sessions(), 0);
    assert_eq!(o.counters().requests, [0, 0, 0, 2]);
}

#[test]
fn malformed_requests_get_an_error_answer_naming_the_avp() {
    let mut o = ocs(small());
    // A CCR without Service-Context-Id: 5005 with a Failed-AVP holding AVP 461.
    let mut bytes = Vec::new();
    crate::wire::diameter::EmitFn(|ids, w: &mut crate::wire::diameter::Writer<'_>| {
        use crate::wire::diameter::codes::{avp, flags};
        w.header(flags::REQUEST | flags::PROXIABLE, 272, 4, ids);
        w.avp_str(avp::SESSION_ID, SESSION);
        w.avp_str(avp::ORIGIN_HOST, "pgw.example");
        w.avp_str(avp::ORIGIN_REALM, "example");
        w.avp_str(avp::DESTINATION_REALM, "example");
        w.avp_u32(avp::AUTH_APPLICATION_ID, 4);
        w.avp_u32(crate::wire::gy::codes::avp::CC_REQUEST_TYPE, 1);
        w.avp_u32(crate::wire::gy::codes::avp::CC_REQUEST_NUMBER, 0);
    })
    .emit_to(Ids::default(), &mut bytes);
    let mut out = Vec::new();
    let req = Packet::new_checked(&bytes[..]).unwrap();
    o.handle_request(DEC_7, &req).emit_to(req.ids(), &mut out);
    let p = Packet::new_checked(&out[..]).unwrap();
    assert_eq!((p.command_code(), p.application_id()), (272, 4));
    let e = ErrorAnswer::parse(&p).unwrap();
    assert_eq!(e.result.code(), 5005);
    assert_eq!(e.session_id, Some(SESSION));
    assert_eq!(e.failed_avp.unwrap().as_avp().unwrap().code(), 461);
    assert_eq!(o.counters().malformed, 1);
}

#[test]
fn config_reads_from_toml_with_defaults_and_rejects_unknown_zones() {
    let cfg: OnlineChargingConfig = toml::from_str(
        r#"
        quota_octets = 5000000
        failure_handling = "continue"
        [bill_shock]
        zones = [ { name = "eu", plmns = ["208-01"] }, { name = "us", plmns = ["310-410"] } ]
        caps = [ { home_zone = "us", visited_zone = "eu", monthly_cap_octets = 50000000 } ]
        "#,
    )
    .unwrap();
    assert_eq!(cfg.quota_octets, 5 * MB);
    assert_eq!(cfg.validity_time_s, 3600);
    assert_eq!(cfg.failure_handling, FailureHandling::Continue);
    assert_eq!(cfg.bill_shock.warn_percent, 80);
    assert!(Ocs::new(cfg.clone(), "o", "r").is_ok());
    let empty: OnlineChargingConfig = toml::from_str("").unwrap();
    assert_eq!(empty, OnlineChargingConfig::default());
    assert!(toml::from_str::<OnlineChargingConfig>("quota = 1").is_err());

    let mut bad = cfg;
    bad.bill_shock.caps[0].visited_zone = "asia".into();
    assert_eq!(
        Ocs::new(bad, "o", "r").unwrap_err(),
        UnknownZone("asia".into())
    );
}

#[test]
fn the_ocs_answers_dissect_clean_in_tshark() {
    use crate::wire::capture;
    let mut o = ocs(capped(25));
    let mut pgw = Pgw::new(SESSION);
    roam(&mut o, &mut pgw, DEC_7);
    pgw.send_numbered(&mut o, DEC_7, rt::UPDATE, 9, Some(0));
    pgw.terminate(&mut o, DEC_7, 0);
    let path = std::env::temp_dir().join(format!("roamsim-ocs-{}.pcap", std::process::id()));
    let slices: Vec<&[u8]> = pgw.log.iter().map(Vec::as_slice).collect();
    capture::write_pcap(&path, capture::L4::Tcp, 40000, 3868, &slices);
    let Some(problems) = capture::tshark_problems(&path, &[]) else {
        eprintln!("tshark not installed: tshark check skipped");
        return;
    };
    assert!(problems.is_empty(), "{problems:?}");
    let codes = capture::tshark_fields(&path, &["diameter.Result-Code"]).unwrap();
    let _ = std::fs::remove_file(&path);
    // CCR/CCA pairs: 10, 10, 5 with FUI, 4010, the out-of-sequence 5004, the CCR-T's 2001.
    let answers: Vec<&str> = codes
        .iter()
        .skip(1)
        .step_by(2)
        .map(String::as_str)
        .collect();
    assert_eq!(
        answers,
        [
            "2001,2001",
            "2001,2001",
            "2001,2001",
            "4010,4010",
            "5004",
            "2001"
        ]
    );
}

/// Both ends of a Gy connection over the Diameter peer machine (CONTRIBUTING.md §3): a PGW peer
/// and an OCS peer that advertise application 4 (as a Vendor-Specific-Application-Id, all the
/// peer can advertise today) open the connection, and a CCR-I gets its CCA through them.
#[test]
fn a_ccr_crosses_two_diameter_peers_to_the_ocs_and_back() {
    use crate::proto::diameter::{Incoming, LocalIdentity, Peer, PeerConfig};
    use crate::wire::diameter::{message_len, VendorSpecificAppId};
    let gy = |host: &str, seed| {
        let mut cfg = PeerConfig::s6a(
            LocalIdentity {
                origin_host: host.to_string(),
                origin_realm: "example".to_string(),
                host_ip: "127.0.0.1".parse().unwrap(),
                origin_state_id: 1,
                product_name: "roamsim-test".to_string(),
            },
            seed,
        );
        cfg.application = VendorSpecificAppId {
            vendor_id: crate::wire::diameter::codes::vendor::TGPP,
            auth_application_id: Some(crate::wire::gy::codes::APPLICATION_ID),
            acct_application_id: None,
        };
        cfg
    };
    let now = DEC_7;
    let mut pgw = Peer::initiate(now, gy("pgw.example", 1));
    let mut server = Peer::accept(now, gy("ocs.example", 2), Box::new(|_, _| true));
    let mut o = ocs(small());
    // Moves `from`'s bytes to `to`, answering requests at the OCS; returns the answers `to` got.
    let step = |from: &mut Peer, to: &mut Peer, o: &mut Ocs| -> Vec<Vec<u8>> {
        let bytes = from.transmit().to_vec();
        from.clear_transmit();
        let (mut at, mut answers) = (0, Vec::new());
        while at < bytes.len() {
            let m = &bytes[at..at + message_len(&bytes[at..]).unwrap()];
            at += m.len();
            match to.handle_message(now, m).unwrap() {
                Incoming::Request(req) => {
                    let reply = o.handle_request(now, &req);
                    to.send_answer(req.ids(), &reply);
                }
                Incoming::Answer { packet, token, .. } => {
                    assert_eq!(token, 7);
                    answers.push(packet.message().to_vec());
                }
                _ => {}
            }
        }
        answers
    };
    step(&mut pgw, &mut server, &mut o); // CER
    step(&mut server, &mut pgw, &mut o); // CEA
    assert!(pgw.is_open() && server.is_open());

    let ccr = Pgw::new(SESSION).ccr_bytes(rt::INITIAL, 0, None);
    let msg = crate::wire::diameter::EmitFn(|ids, w: &mut crate::wire::diameter::Writer<'_>| {
        let p = Packet::new_checked(&ccr[..]).unwrap();
        CreditControlRequest::parse(&p).unwrap().write(ids, w)
    });
    pgw.send_request(now, 7, &msg).unwrap();
    assert!(step(&mut pgw, &mut server, &mut o).is_empty());
    let answers = step(&mut server, &mut pgw, &mut o);
    let cca = CreditControlAnswer::parse(&Packet::new_checked(&answers[0][..]).unwrap()).unwrap();
    assert_eq!(cca.result_code, 2001);
    assert_eq!(cca.origin_host, "ocs.example");
    assert_eq!(o.open_sessions(), 1);
}

#[test]
fn months_are_calendar_months() {
    use super::credit::month_index;
    assert_eq!(month_index(Micros(0)), 0);
    assert_eq!(month_index(DEC_7), (2026 - 1970) * 12 + 11);
    assert_eq!(month_index(JAN_1), (2027 - 1970) * 12);
    assert_eq!(month_index(JAN_1 - Micros(1)), (2026 - 1970) * 12 + 11);
}
