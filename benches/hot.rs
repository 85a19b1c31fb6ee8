//! Criterion benches of the pieces on the hot path of a load run: codec decode and
//! encode on the reference captures' bytes (and Gy CCR encode / CCA decode on built messages), one Milenage/KASME vector, and a histogram record.
//! Figures go in closing notes, never into assertions.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use roamsim::wire::capture;
use roamsim::wire::diameter::{Emit, Ids, Packet, Repeated};
use roamsim::wire::gtpv2;
use roamsim::wire::gy;
use roamsim::wire::s6a;

fn diameter(c: &mut Criterion) {
    let aia = capture::frame("s6a-tcp.pcap", 9);
    let ulr = capture::frame("s6a-tcp.pcap", 10);
    c.bench_function("s6a decode AIA (3 vectors, 700 B)", |b| {
        b.iter(|| {
            let p = Packet::new_checked(black_box(&aia[..])).unwrap();
            let a = s6a::AuthInfoAnswer::parse(&p).unwrap();
            black_box(a.vectors.iter().count())
        })
    });
    c.bench_function("s6a decode ULR (348 B)", |b| {
        b.iter(|| {
            let p = Packet::new_checked(black_box(&ulr[..])).unwrap();
            black_box(s6a::UpdateLocationRequest::parse(&p).unwrap().ulr_flags)
        })
    });
    let p = Packet::new_checked(&aia[..]).unwrap();
    let parsed = s6a::AuthInfoAnswer::parse(&p).unwrap();
    let mut buf = Vec::with_capacity(2048);
    c.bench_function("s6a encode AIA (3 vectors)", |b| {
        b.iter(|| {
            buf.clear();
            black_box(parsed.emit_to(p.ids(), &mut buf))
        })
    });
}

fn gy(c: &mut Criterion) {
    use gy::codes::{final_unit_action, rat_type, reporting_reason, request_type};
    let subs = [
        gy::SubscriptionId::imsi("310410000100000"),
        gy::SubscriptionId::msisdn("14155550100"),
    ];
    let used = [gy::Mscc {
        requested: Some(gy::ServiceUnit::default()),
        used: Some(gy::ServiceUnit::total(8_000_000)),
        rating_group: Some(100),
        reporting_reason: Some(reporting_reason::THRESHOLD),
        ..gy::Mscc::default()
    }];
    let ccr = gy::CreditControlRequest {
        session_id: "pgw.epc.mnc410.mcc310.3gppnetwork.org;1700000000;7",
        origin_host: "pgw.epc.mnc410.mcc310.3gppnetwork.org",
        origin_realm: "epc.mnc410.mcc310.3gppnetwork.org",
        destination_realm: "epc.mnc410.mcc310.3gppnetwork.org",
        destination_host: None,
        service_context_id: gy::codes::SERVICE_CONTEXT_PS,
        request_type: request_type::UPDATE,
        request_number: 1,
        origin_state_id: None,
        subscription_ids: Repeated::from_slice(&subs),
        termination_cause: None,
        multiple_services_indicator: None,
        mscc: Repeated::from_slice(&used),
        ps_information: Some(gy::PsInformation {
            charging_id: Some(7),
            sgsn_mcc_mnc: Some("20801"),
            rat_type: Some(rat_type::EUTRAN),
            ..gy::PsInformation::default()
        }),
    };
    let mut buf = Vec::with_capacity(1024);
    let len = ccr.emit_to(Ids::default(), &mut buf);
    c.bench_function(&format!("gy encode CCR-U ({len} B)"), |b| {
        b.iter(|| {
            buf.clear();
            black_box(black_box(&ccr).emit_to(Ids::default(), &mut buf))
        })
    });
    let grant = [gy::Mscc {
        granted: Some(gy::ServiceUnit::total(10_000_000)),
        rating_group: Some(100),
        validity_time: Some(3600),
        result_code: Some(2001),
        final_unit: Some(gy::FinalUnitIndication {
            action: final_unit_action::TERMINATE,
        }),
        volume_quota_threshold: Some(2_000_000),
        ..gy::Mscc::default()
    }];
    let cca = gy::CreditControlAnswer {
        session_id: ccr.session_id,
        result_code: 2001,
        origin_host: "ocs.epc.mnc410.mcc310.3gppnetwork.org",
        origin_realm: ccr.origin_realm,
        request_type: request_type::UPDATE,
        request_number: 1,
        mscc: Repeated::from_slice(&grant),
        failure_handling: Some(gy::codes::failure_handling::RETRY_AND_TERMINATE),
        error_message: None,
    };
    let mut bytes = Vec::new();
    cca.emit_to(Ids::default(), &mut bytes);
    c.bench_function(&format!("gy decode CCA-U ({} B)", bytes.len()), |b| {
        b.iter(|| {
            let p = Packet::new_checked(black_box(&bytes[..])).unwrap();
            let a = gy::CreditControlAnswer::parse(&p).unwrap();
            black_box(a.mscc.iter().next().and_then(|m| m.granted))
        })
    });
}

fn gtp(c: &mut Criterion) {
    let csr = capture::frame("gtpv2-udp.pcap", 3);
    c.bench_function("gtpv2 decode Create Session Request (151 B)", |b| {
        b.iter(|| {
            let m = gtpv2::Message::parse(black_box(&csr[..])).unwrap();
            black_box(m.header().seq)
        })
    });
    let m = gtpv2::Message::parse(&csr[..]).unwrap();
    let mut out = [0u8; 512];
    c.bench_function("gtpv2 encode Create Session Request", |b| {
        b.iter(|| black_box(m.emit(&mut out).unwrap()))
    });
}

fn aka(c: &mut Criterion) {
    let k = [0x0b; 16];
    let opc = [0x9d; 16];
    let mut sqn = 0x20;
    c.bench_function("Milenage + KASME: one E-UTRAN vector", |b| {
        b.iter(|| {
            sqn += 32;
            black_box(roamsim::model::aka::eutran_vector(
                &k,
                &opc,
                [0x80, 0],
                sqn,
                [7; 16],
                [0x02, 0xf8, 0x10],
            ))
        })
    });
}

fn histogram(c: &mut Criterion) {
    let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
    let mut v = 1u64;
    c.bench_function("HDR histogram record (µs, 3 digits)", |b| {
        b.iter(|| {
            v = (v * 1103515245 + 12345) % 200_000 + 1;
            h.record(black_box(v)).unwrap();
        })
    });
}

/// One shard's work without I/O: the visited side and the home core state machines in virtual
/// time for 500 procedures (AIR/AIA with Milenage, ULR/ULA, CLR/CLA, Create/Modify/Delete
/// Session, every message encoded and decoded): the per-procedure CPU cost a shard pays besides
/// syscalls.
fn shard_step(c: &mut Criterion) {
    let profile = roamsim::model::config::Profile::embedded_default();
    let mut group = c.benchmark_group("shard");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Elements(500));
    group.bench_function("500 procedures, visited + home in virtual time", |b| {
        b.iter(|| {
            let r = roamsim::engine::load::virtual_time::run_virtual(
                &profile,
                500.0,
                std::time::Duration::from_secs(1),
                2_000,
                1,
            )
            .unwrap();
            black_box(r.arrivals)
        })
    });
    group.finish();
}

/// What `--state` adds to a turn: the changes of about 20 procedures (an SQN and a
/// registration each) encoded and written to the journal in one `write`.
fn state_journal(c: &mut Criterion) {
    use roamsim::engine::state::Journal;
    use roamsim::home::hss::PeerRef;
    use roamsim::home::state::Change;
    let dir = std::env::temp_dir().join(format!("roamsim-bench-journal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut j = Journal::create(&dir, "bench").unwrap();
    let mme = PeerRef {
        host: "mme1.epc.mnc001.mcc208.3gppnetwork.org".into(),
        realm: "epc.mnc001.mcc208.3gppnetwork.org".into(),
    };
    let changes: Vec<Change> = (0..20u64)
        .flat_map(|i| {
            let imsi = roamsim::model::ids::Imsi::new(310_410_000_100_000 + i, 15).unwrap();
            [
                Change::Sqn { imsi, sqn: 32 * i },
                Change::Registered {
                    imsi,
                    mme: Some(mme.clone()),
                },
            ]
        })
        .collect();
    c.bench_function("state journal: 40 changes appended and written", |b| {
        b.iter(|| {
            j.append(black_box(&changes));
            j.commit().unwrap();
        })
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(
    benches,
    diameter,
    gy,
    gtp,
    aka,
    histogram,
    shard_step,
    state_journal
);
criterion_main!(benches);
