//! Criterion benches of offline charging's per-CDR costs: BER encoding of a PGW-CDR and an
//! SGW-CDR (`wire::cdr`, the hand-written encoder), decoding one, and packing 32 CDRs into a
//! GTP' Data Record Transfer Request. Figures go in notes, never into assertions.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use roamsim::wire::cdr::{example, GwRecord, RecordKind};
use roamsim::wire::gtpprime::{Message, Records};

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("cdr");
    g.throughput(Throughput::Elements(1));
    for kind in [RecordKind::Pgw, RecordKind::Sgw] {
        let r = example(kind, 12_345);
        let len = r.buffer_len();
        let mut buf = vec![0u8; 1024];
        g.bench_function(format!("encode {} ({len} B), emit", kind.name()), |b| {
            b.iter(|| black_box(black_box(&r).emit(&mut buf).unwrap()))
        });
        g.bench_function(
            format!("encode {} ({len} B), emit_fast", kind.name()),
            |b| b.iter(|| black_box(black_box(&r).emit_fast(&mut buf).unwrap())),
        );
        let bytes = r.to_vec().unwrap();
        g.bench_function(format!("decode {} ({len} B)", kind.name()), |b| {
            b.iter(|| black_box(GwRecord::parse(black_box(&bytes)).unwrap()))
        });
    }
    g.finish();
}

fn packet(c: &mut Criterion) {
    let cdrs: Vec<Vec<u8>> = (0..32)
        .map(|i| example(RecordKind::Pgw, i).to_vec().unwrap())
        .collect();
    let m = Message::Send {
        possibly_duplicated: false,
        records: Records::List(&cdrs),
    };
    let mut buf = vec![0u8; m.buffer_len()];
    let mut g = c.benchmark_group("gtpprime");
    g.throughput(Throughput::Elements(32));
    g.bench_function("emit Data Record Transfer Request, 32 PGW-CDRs", |b| {
        b.iter(|| black_box(black_box(&m).emit(1, &mut buf).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, encode, packet);
criterion_main!(benches);
