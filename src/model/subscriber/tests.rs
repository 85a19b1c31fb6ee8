use super::*;
use crate::model::aka;
use crate::model::hex;

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

fn from_csv(text: &str) -> Result<Directory, FileErrors> {
    Directory::from_csv_text(&Profile::embedded_default(), "subs.csv", text)
}

#[test]
fn a_file_is_the_whole_dataset_with_its_keys() {
    let d = from_csv(CAPTURE_CSV).unwrap();
    assert_eq!(d.len(), 2, "the file replaces the profile's ranges");
    assert_eq!(d.file_name(), Some("subs.csv"));
    let a = d.lookup(imsi("310410000100000")).unwrap();
    assert_eq!(a.id, SubscriberId(0));
    assert_eq!(a.home, "310-410".parse().unwrap());
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
    assert!(d.lookup(imsi("310410000100002")).is_none());
    assert!(d.get(SubscriberId(2)).is_none());
    assert_eq!(d.id_of(imsi("310410000100001")), Some(SubscriberId(1)));
    assert_eq!(
        d.identity(SubscriberId(1)).map(|i| i.1.to_string()),
        Some("15550000001".to_string())
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
fn optional_columns_split_foreign_imsis_and_pin_roamers() {
    // Columns in any order; 234-15 is no home PLMN of the profile, so mnc_digits splits it.
    let csv = "# provisioned for the test\nopc,k,imsi,msisdn,mnc_digits,persona,visited,amf\n\
        9d21d6bc000b10b65bfc529e0c12ecd8,0b77258fd6ba70fa606861522e1667cc,234150000000009,+447700900009,2,iot,262-01,9001\n\
        \n\
        9d21d6bc000b10b65bfc529e0c12ecd8,0b77258fd6ba70fa606861522e1667cc,310410000100000,15550000000,,,,\n";
    let d = from_csv(csv).unwrap();
    let p = Profile::embedded_default();
    let s = d.get(SubscriberId(0)).unwrap();
    assert_eq!(s.home, "234-15".parse().unwrap());
    assert_eq!(s.msisdn.to_string(), "447700900009");
    assert_eq!(s.amf, [0x90, 0x01]);
    let personas = p.persona_configs();
    assert_eq!(personas[s.persona.unwrap() as usize].name, "iot");
    assert_eq!(
        p.visited_plmns()[s.visited.unwrap() as usize].plmn,
        "262-01".parse().unwrap()
    );
    assert!(d.has_pins());
    let t = d.get(SubscriberId(1)).unwrap();
    assert_eq!(
        (t.home, t.persona, t.visited, t.amf),
        ("310-410".parse().unwrap(), None, None, AMF_EUTRAN)
    );
    assert_eq!(d.lookup(imsi("234150000000009")), Some(s));
}

/// The (line, field) of every error.
fn errors(csv: &str) -> Vec<(usize, Option<String>)> {
    let e = from_csv(csv).unwrap_err();
    for x in &e.errors {
        assert!(!x.message.is_empty());
    }
    e.errors.into_iter().map(|x| (x.line, x.field)).collect()
}

const K: &str = "0b77258fd6ba70fa606861522e1667cc";

#[test]
fn every_error_is_listed_with_its_line_and_field() {
    let f = |s: &str| Some(s.to_string());
    let csv = format!(
        "imsi,msisdn,k,opc,colour\n\
         3104100001000,15550000000,{K},{K},red\n\
         310410000100001,15550000001,{},{K},red\n\
         310410000100002,15550000002,{K},{K},red\n\
         310410000100002,15550000003,{K},{K},red\n\
         310410000100004,15550000003,{K},{K}\n\
         310410000100005,05550000005,{K},{K},red\n\
         123410000100006,15550000006,{K},{K},red\n\
         208010000100007,15550000007,{K},{K},red\n",
        &K[..31]
    );
    assert_eq!(
        errors(&csv),
        vec![
            (1, f("colour")),
            (2, f("imsi")),
            (3, f("k")),
            (5, f("imsi")),
            (6, None),
            (7, f("msisdn")),
            (8, f("imsi")),
            (9, f("imsi")),
        ]
    );
    let e = from_csv(&csv).unwrap_err().to_string();
    assert!(
        e.contains("subs.csv:5: field `imsi`: IMSI 310410000100002 already on line 4"),
        "{e}"
    );
    assert!(
        e.contains("subs.csv:9: field `imsi`") && e.contains("mnc_digits"),
        "{e}"
    );
    assert!(e.contains("MCC 123"), "{e}");
}

#[test]
fn duplicate_msisdns_and_bad_optional_columns_are_errors() {
    let f = |s: &str| Some(s.to_string());
    let csv = format!(
        "imsi,msisdn,k,opc,amf,mnc_digits,persona,visited\n\
         310410000100000,15550000000,{K},{K},80,,,\n\
         310410000100001,15550000000,{K},{K},8000,4,,\n\
         310410000100002,15550000002,{K},{K},8000,,tourist,\n\
         310410000100003,15550000003,{K},{K},8000,,unknown_imsi,\n\
         310410000100004,15550000004,{K},{K},8000,,,999-99\n"
    );
    assert_eq!(
        errors(&csv),
        vec![
            (2, f("amf")),
            (3, f("mnc_digits")),
            (3, f("msisdn")),
            (4, f("persona")),
            (5, f("persona")),
            (6, f("visited")),
        ]
    );
    assert_eq!(errors("imsi,msisdn,opc\n"), vec![(1, f("k"))]);
    assert_eq!(errors("imsi,imsi,msisdn,k,opc\n"), vec![(1, f("imsi"))]);
    assert_eq!(errors("# nothing\n\n"), vec![(2, None)]);
}

#[test]
fn errors_beyond_the_cap_are_counted() {
    let mut csv = String::from("imsi,msisdn,k,opc\n");
    for i in 0..file::MAX_ERRORS + 5 {
        csv.push_str(&format!("31041000{i:07},1555{i:07},{K},x\n"));
    }
    let e = from_csv(&csv).unwrap_err();
    assert_eq!(e.errors.len(), file::MAX_ERRORS);
    assert_eq!(e.omitted, 5);
    assert!(e.to_string().ends_with("and 5 more errors"));
}

#[test]
fn files_are_checked_against_their_manifest_and_exported_back() {
    let dir = std::env::temp_dir().join(format!("roamsim-subs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = Profile::embedded_default();
    let generated = Directory::from_profile(&p);
    for format in [export::Format::Csv, export::Format::Json] {
        let path = dir.join(if format == export::Format::Csv {
            "s.csv"
        } else {
            "s.json"
        });
        let mut e = export::Export::create(&path, format).unwrap();
        for i in 0..50 {
            e.write(&generated.get(SubscriberId(i)).unwrap()).unwrap();
        }
        let hash = e.finish().unwrap();
        let manifest = std::fs::read_to_string(dir.join(format!(
            "{}.sha256",
            path.file_name().unwrap().to_str().unwrap()
        )))
        .unwrap();
        assert!(
            manifest.starts_with(&hash)
                && manifest.ends_with(&format!(
                    "  {}\n",
                    path.file_name().unwrap().to_str().unwrap()
                ))
        );
        if format == export::Format::Json {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            assert_eq!(v.as_array().unwrap().len(), 50);
            assert_eq!(v[0]["imsi"], "310410000100000");
            continue;
        }
        let back = Directory::from_file(&p, &path).unwrap();
        assert_eq!(back.len(), 50);
        for i in 0..50 {
            assert_eq!(back.get(SubscriberId(i)), generated.get(SubscriberId(i)));
        }
        assert_eq!(file::check(&p, &path).unwrap().manifest, Some(hash));
        // One changed byte: the manifest no longer matches.
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replacen("8000", "8001", 1);
        std::fs::write(&path, text).unwrap();
        let e = file::check(&p, &path).unwrap_err().to_string();
        assert!(e.contains("manifest"), "{e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
