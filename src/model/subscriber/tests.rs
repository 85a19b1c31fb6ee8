use super::*;
use crate::model::aka;

fn imsi(s: &str) -> Imsi {
    s.parse().unwrap()
}

const CAPTURE_CSV: &str = include_str!("../../../profiles/capture-subscribers.csv");

#[test]
fn generated_subscribers_are_deterministic() {
    let p = Profile::embedded_default();
    let d = Directory::from_profile(&p);
    assert_eq!(d.len(), 100_000);
    let a = d.lookup(imsi("310410000100000")).unwrap();
    assert_eq!(a.id, SubscriberId(0));
    assert_eq!(a.msisdn.to_string(), "15550000000");
    assert_eq!(a.amf, [0x80, 0x00]);
    let b = d.lookup(imsi("310410000100001")).unwrap();
    assert_eq!(b.msisdn.to_string(), "15550000001");
    assert_ne!(a.k, b.k);
    assert_eq!((a.k, a.opc), derive_keys(1, a.imsi));
    // Documented rule, spelled out.
    let mut h = Sha256::new();
    h.update(b"roamsim/k");
    h.update(1u64.to_be_bytes());
    h.update(b"310410000100000");
    assert_eq!(a.k[..], h.finalize()[..16]);
    let last = d.get(SubscriberId(99_999)).unwrap();
    assert_eq!(last.imsi, imsi("310410000199999"));
    assert_eq!(d.lookup(last.imsi), Some(last));
    assert!(d.lookup(imsi("310410000200000")).is_none());
    assert!(d.lookup(imsi("310410000999999")).is_none());
    assert!(d.lookup(imsi("208010000100000")).is_none());
    assert!(d.get(SubscriberId(100_000)).is_none());
    // Another seed, other keys.
    assert_ne!(derive_keys(2, a.imsi), derive_keys(1, a.imsi));
}

#[test]
fn ten_million_generated_cost_nothing_per_subscriber() {
    let text = DEFAULT_WITH_COUNT.replace("count = 100_000", "count = 10_000_000");
    let p = Profile::from_toml(&text, "big.toml").unwrap();
    let d = Directory::from_profile(&p);
    assert_eq!(d.len(), 10_000_000);
    assert!(std::mem::size_of_val(&d) < 256);
    assert_eq!(
        d.get(SubscriberId(9_999_999)).unwrap().imsi,
        imsi("310410010099999")
    );
}

const DEFAULT_WITH_COUNT: &str = crate::model::config::DEFAULT_PROFILE_TOML;

#[test]
fn csv_overrides_capture_subscribers_keys() {
    let p = Profile::embedded_default();
    let mut d = Directory::from_profile(&p);
    assert_eq!(
        d.add_csv(&p.home, "capture-subscribers.csv", CAPTURE_CSV),
        Ok(2)
    );
    assert_eq!(d.len(), 100_000, "A and B reuse their generated ids");
    let a = d.lookup(imsi("310410000100000")).unwrap();
    assert_eq!(a.id, SubscriberId(0));
    assert_eq!(
        a.k,
        hex::decode::<16>("0b77258fd6ba70fa606861522e1667cc").unwrap()
    );
    assert_eq!(
        a.opc,
        hex::decode::<16>("9d21d6bc000b10b65bfc529e0c12ecd8").unwrap()
    );
    assert_eq!(
        d.get(SubscriberId(1)).unwrap().k,
        hex::decode::<16>("663309bbdc6818629243ee7ed7c02534").unwrap()
    );
    // The capture's first vector, from the directory's keys.
    let v = aka::eutran_vector(
        &a.k,
        &a.opc,
        a.amf,
        0x20,
        hex::decode("fab172dbc649c0d110fbeec31f0f38e2").unwrap(),
        [0x02, 0xf8, 0x10],
    );
    assert_eq!(v.xres, hex::decode::<8>("f6a4626cb38365ec").unwrap());
}

#[test]
fn csv_adds_new_subscribers_after_generated_ones() {
    let p = Profile::embedded_default();
    let mut d = Directory::from_profile(&p);
    let csv = "# test\nopc,k,imsi,msisdn\n\
        9d21d6bc000b10b65bfc529e0c12ecd8,0b77258fd6ba70fa606861522e1667cc,310410000999999,15559999999\n";
    assert_eq!(d.add_csv(&p.home, "x.csv", csv), Ok(1));
    assert_eq!(d.len(), 100_001);
    let s = d.lookup(imsi("310410000999999")).unwrap();
    assert_eq!(s.id, SubscriberId(100_000));
    assert_eq!(s.amf, [0x80, 0x00]);
    assert_eq!(d.get(s.id), Some(s));
}

#[test]
fn csv_errors_name_line_and_field() {
    let p = Profile::embedded_default();
    let mut d = Directory::from_profile(&p);
    let cases = [
        (
            "imsi,msisdn,k,opc\n310410000100000,15550000000,0b77,9d21d6bc000b10b65bfc529e0c12ecd8\n",
            2,
            Some("k"),
        ),
        (
            "imsi,msisdn,k,opc,amf\n\n310410000100000,1555,0b77258fd6ba70fa606861522e1667cc,9d21d6bc000b10b65bfc529e0c12ecd8,80\n",
            3,
            Some("amf"),
        ),
        ("imsi,msisdn,key,opc\n", 1, Some("key")),
        ("imsi,msisdn,opc\n", 1, Some("k")),
        (
            "imsi,msisdn,k,opc\n208010000000001,1,0b77258fd6ba70fa606861522e1667cc,9d21d6bc000b10b65bfc529e0c12ecd8\n",
            2,
            Some("imsi"),
        ),
        (
            "imsi,msisdn,k,opc\n31041000010000A,1,0b77258fd6ba70fa606861522e1667cc,9d21d6bc000b10b65bfc529e0c12ecd8\n",
            2,
            Some("imsi"),
        ),
        (
            "imsi,msisdn,k,opc\n310410000100000,15550000000,0b77258fd6ba70fa606861522e1667cc\n",
            2,
            None,
        ),
    ];
    for (csv, line, field) in cases {
        let e = d.add_csv(&p.home, "subs.csv", csv).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (line, field), "{e}");
        assert!(
            e.to_string().starts_with(&format!("subs.csv:{line}")),
            "{e}"
        );
    }
    let dup = format!("{CAPTURE_CSV}310410000100000,1,0b77258fd6ba70fa606861522e1667cc,9d21d6bc000b10b65bfc529e0c12ecd8,8000\n");
    let e = d.add_csv(&p.home, "dup.csv", &dup).unwrap_err();
    assert_eq!(e.line, 4);
    assert!(e.message.contains("already on line 2"), "{e}");
    assert_eq!(
        d.lookup(imsi("310410000100000")).unwrap().k,
        derive_keys(1, imsi("310410000100000")).0,
        "nothing added on error"
    );
}
