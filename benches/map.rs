//! Criterion benches of MAP over SIGTRAN: per operation, the cost of emitting the whole stack
//! (MAP parameter, TCAP Begin with its AARQ and Invoke, SCCP UDT, M3UA DATA) and of decoding it
//! back down to the MAP parameter; and whole dialogues between the sans-IO HLR and a VLR client
//! in virtual time (vectors computed with Milenage included). Figures go in notes, never into
//! assertions.

use std::net::Ipv4Addr;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use roamsim::home::hlr::sim::Sim;
use roamsim::home::hlr::{Hlr, HlrSettings, SqnTable};
use roamsim::model::config::Profile;
use roamsim::model::ids::{Imsi, Msisdn};
use roamsim::model::subscriber::Directory;
use roamsim::proto::map::client::{self, Rat, Request, Visited};
use roamsim::proto::map::dialogue::MEDIUM_TIMER;
use roamsim::proto::map::sigtran::{self, Route};
use roamsim::wire::map::{self, op, AuthSets, NodeType, Param, Quintuplet};
use roamsim::wire::sccp::{self, Address, GlobalTitle};
use roamsim::wire::tcap::{Component, Components, Dialogue, Kind, Message};

const CSV: &str = include_str!("../profiles/capture-subscribers.csv");
const ROUTE: Route = Route {
    opc: 200,
    dpc: 100,
    ni: 0,
    routing_context: Some(1),
};

fn imsi() -> Imsi {
    "310410000100000".parse().unwrap()
}

fn number(s: &str) -> Msisdn {
    s.parse().unwrap()
}

fn addresses() -> (Address, Address) {
    (
        Address::gt(GlobalTitle::e164("13105550000").unwrap(), sccp::ssn::HLR),
        Address::gt(GlobalTitle::e164("33612000001").unwrap(), sccp::ssn::VLR),
    )
}

/// Emits `p` as the invoke of a Begin down to M3UA, into `out`; returns the length.
fn emit_stack<'a, P: Param<'a>>(opcode: u8, p: &P, scratch: &mut [u8], out: &mut [u8]) -> usize {
    let (hlr, vlr) = addresses();
    let mut param = [0u8; 512];
    let n = p.emit(&mut param).unwrap();
    let comps = [Component::Invoke {
        invoke_id: 1,
        linked_id: None,
        opcode,
        parameter: Some(&param[..n]),
    }];
    let m = Message {
        kind: Kind::Begin,
        otid: Some(0x0102_0304),
        dtid: None,
        dialogue: Some(Dialogue::Request {
            acn: map::acn_for(opcode, 3).unwrap_or(map::acn_for(op::UPDATE_LOCATION, 3).unwrap()),
        }),
        p_abort: None,
        components: Components::List(&comps),
    };
    let mut tcap = [0u8; 600];
    let t = m.emit(&mut tcap).unwrap();
    sigtran::wrap(&ROUTE, 3, &hlr, &vlr, &tcap[..t], scratch, out).unwrap()
}

/// Decodes M3UA → SCCP → TCAP → the invoke's parameter as `P`.
fn decode_stack<'a, P: Param<'a>>(bytes: &'a [u8]) -> P {
    let inbound = sigtran::unwrap(bytes).unwrap();
    let m = Message::parse(inbound.tcap).unwrap();
    let Some(Ok(Component::Invoke {
        parameter: Some(p), ..
    })) = m.components.iter().next()
    else {
        panic!("no invoke")
    };
    P::parse(p).unwrap()
}

fn bench_op<P: for<'a> Param<'a>>(c: &mut Criterion, name: &str, opcode: u8, p: &P) {
    let mut scratch = vec![0u8; 600];
    let mut out = vec![0u8; 800];
    let n = emit_stack(opcode, p, &mut scratch, &mut out);
    let bytes = out[..n].to_vec();
    let mut g = c.benchmark_group("map");
    g.throughput(Throughput::Elements(1));
    g.bench_function(format!("{name} ({n} B M3UA): emit"), |b| {
        b.iter(|| black_box(emit_stack(opcode, black_box(p), &mut scratch, &mut out)))
    });
    g.bench_function(format!("{name} ({n} B M3UA): decode"), |b| {
        b.iter(|| black_box(decode_stack::<P>(black_box(&bytes))))
    });
    g.finish();
}

fn operations(c: &mut Criterion) {
    bench_op(
        c,
        "sendAuthenticationInfo arg",
        op::SEND_AUTHENTICATION_INFO,
        &map::SaiArg {
            imsi: imsi(),
            vectors: 2,
            resync: None,
            node: Some(NodeType::Vlr),
            plmn: None,
            v2: false,
        },
    );
    let q = Quintuplet {
        rand: [1; 16],
        xres: [2; 16],
        xres_len: 8,
        ck: [3; 16],
        ik: [4; 16],
        autn: [5; 16],
    };
    bench_op(
        c,
        "sendAuthenticationInfo res, 2 quintuplets",
        op::SEND_AUTHENTICATION_INFO,
        &map::SaiRes {
            sets: AuthSets::Quintuplets {
                items: [q; 5],
                len: 2,
            },
            v2: false,
        },
    );
    bench_op(
        c,
        "updateLocation arg",
        op::UPDATE_LOCATION,
        &map::UlArg {
            imsi: imsi(),
            msc_number: number("33612000001"),
            vlr_number: number("33612000001"),
        },
    );
    bench_op(
        c,
        "updateGprsLocation arg",
        op::UPDATE_GPRS_LOCATION,
        &map::UglArg {
            imsi: imsi(),
            sgsn_number: number("33612000101"),
            sgsn_address: Ipv4Addr::new(10, 0, 0, 1),
        },
    );
    bench_op(
        c,
        "cancelLocation arg",
        op::CANCEL_LOCATION,
        &map::ClArg {
            imsi: imsi(),
            kind: Some(map::CancellationType::UpdateProcedure),
        },
    );
    bench_op(
        c,
        "purgeMS arg",
        op::PURGE_MS,
        &map::PurgeArg {
            imsi: imsi(),
            vlr_number: Some(number("33612000001")),
            sgsn_number: None,
        },
    );
}

fn isd(c: &mut Criterion) {
    // IsdArg borrows its APN, so it is benched on its own.
    let arg = map::IsdArg {
        imsi: Some(imsi()),
        msisdn: Some(number("13105551234")),
        category: Some(0x0a),
        service_granted: Some(true),
        teleservices: &[0x11, 0x21, 0x22],
        pdp: Some(map::PdpContext {
            id: 1,
            pdp_type: [0xf1, 0x21],
            qos: [0x23, 0x93, 0x1f],
            apn: b"\x08internet",
        }),
        network_access_mode: Some(map::NetworkAccessMode::PacketAndCircuit),
    };
    let mut buf = [0u8; 256];
    let n = arg.emit(&mut buf).unwrap();
    let bytes = buf[..n].to_vec();
    let mut g = c.benchmark_group("map");
    g.throughput(Throughput::Elements(1));
    g.bench_function(format!("insertSubscriberData arg ({n} B): emit"), |b| {
        b.iter(|| black_box(black_box(&arg).emit(&mut buf).unwrap()))
    });
    g.bench_function(format!("insertSubscriberData arg ({n} B): decode"), |b| {
        b.iter(|| black_box(map::IsdArg::parse(black_box(&bytes)).unwrap()))
    });
    g.finish();
}

fn dialogues(c: &mut Criterion) {
    let p = Profile::embedded_default();
    let d = Directory::from_csv_text(&p, "capture-subscribers.csv", CSV).unwrap();
    let sqn = SqnTable::new(&d);
    let hlr = Hlr::new(&p, d, sqn, HlrSettings::new(number("13105550000")));
    let vlr = Visited::new(client::Config {
        node: NodeType::Vlr,
        number: number("33612000001"),
        sgsn_address: Ipv4Addr::new(10, 0, 0, 1),
        hlr: GlobalTitle::e164("13105550000").unwrap(),
        first_tid: 1,
        timer: MEDIUM_TIMER,
    });
    let mut sim = Sim::new(hlr, vec![vlr]);
    let mut g = c.benchmark_group("map dialogue");
    g.throughput(Throughput::Elements(1));
    let sai = Request::Authenticate {
        imsi: imsi(),
        vectors: 1,
        rat: Rat::Utran,
    };
    g.bench_function("SAI, 1 quintuplet (Begin, End)", |b| {
        b.iter(|| {
            sim.nodes[0].request(sim.now, sai);
            sim.settle();
            black_box(sim.nodes[0].poll_outcome().unwrap())
        })
    });
    let ul = Request::UpdateLocation { imsi: imsi() };
    g.bench_function("UL with ISD (Begin, Continue, Continue, End)", |b| {
        b.iter(|| {
            sim.nodes[0].request(sim.now, ul);
            sim.settle();
            black_box(sim.nodes[0].poll_outcome().unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, operations, isd, dialogues);
criterion_main!(benches);
