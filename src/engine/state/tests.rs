use super::*;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("roamsim-state-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn imsi(s: &str) -> Imsi {
    s.parse().unwrap()
}

const CSV: &str = "imsi,msisdn,k,opc,persona\n\
    310410000100000,15550000000,0b77258fd6ba70fa606861522e1667cc,9d21d6bc000b10b65bfc529e0c12ecd8,iot\n\
    310410000100001,15550000001,663309bbdc6818629243ee7ed7c02534,17a6959cccca2bf5b18fb945684d4160,\n";

fn mme(n: u32) -> PeerRef {
    PeerRef {
        host: format!("mme{n}.epc.mnc001.mcc208.3gppnetwork.org"),
        realm: "epc.mnc001.mcc208.3gppnetwork.org".into(),
    }
}

#[test]
fn subscribers_sqns_registrations_and_sessions_survive_a_reopen() {
    let d = dir("reopen");
    let p = Profile::embedded_default();
    let (mut store, folded) = Store::open(&d).unwrap();
    assert_eq!(folded, Folded::default());
    assert!(store.directory(&p).unwrap().is_none());
    let subs = Directory::from_csv_text(&p, "subs.csv", CSV).unwrap();
    assert_eq!(store.import(&p, &subs).unwrap(), 2);
    let back = store.directory(&p).unwrap().unwrap();
    for i in 0..2 {
        assert_eq!(back.get(SubscriberId(i)), subs.get(SubscriberId(i)));
    }
    let (a, b) = (imsi("310410000100000"), imsi("310410000100001"));
    let mut j = store.journal("serve").unwrap();
    j.append(&[
        Change::Sqn { imsi: a, sqn: 0x20 },
        Change::Sqn { imsi: a, sqn: 0x40 },
        Change::Registered {
            imsi: a,
            mme: Some(mme(1)),
        },
        Change::Registered {
            imsi: b,
            mme: Some(mme(2)),
        },
        Change::Registered { imsi: b, mme: None },
        Change::Sqn { imsi: b, sqn: 0x20 },
    ]);
    j.commit().unwrap();
    drop((j, store));
    // What the process left in its journal is folded when the store opens again.
    let (store, folded) = Store::open(&d).unwrap();
    assert_eq!(
        (folded.segments, folded.changes, folded.torn_bytes),
        (1, 6, 0)
    );
    let r = store.restored().unwrap();
    let mut sqn = r.sqn.clone();
    sqn.sort();
    assert_eq!(sqn, vec![(a, 0x40), (b, 0x20)]);
    assert_eq!(r.mmes, vec![mme(1)]);
    assert_eq!(r.registrations, vec![(a, 0)]);
    assert!(journal::segments(&store.journal_dir()).unwrap().is_empty());
    let shown = store.show("310410000100000").unwrap().unwrap().join("\n");
    assert!(
        shown.contains("SQN: 64") && shown.contains("mme1.epc") && shown.contains("persona iot"),
        "{shown}"
    );
    assert!(store.show("310410000999999").unwrap().is_none());
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_store_of_another_version_or_a_damaged_file_is_refused_by_name() {
    let d = dir("version");
    drop(Store::open(&d).unwrap());
    let db = Connection::open(d.join(DB_FILE)).unwrap();
    db.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(db);
    let e = Store::open(&d).err().unwrap();
    assert!(
        e.is_invalid() && e.to_string().contains("newer roamsim"),
        "{e}"
    );

    let d2 = dir("damaged");
    std::fs::create_dir_all(&d2).unwrap();
    std::fs::write(d2.join(DB_FILE), vec![0x5a; 8192]).unwrap();
    let e = Store::open(&d2).err().unwrap();
    assert!(e.is_invalid() && e.to_string().contains("state.db"), "{e}");
    let _ = std::fs::remove_dir_all(d);
    let _ = std::fs::remove_dir_all(d2);
}

#[test]
fn full_segments_fold_while_the_writer_runs_and_the_rest_at_the_end() {
    let d = dir("folder");
    let (store, _) = Store::open(&d).unwrap();
    let folder = Folder::start(store);
    let handle = folder.handle("shard-0", Arc::new(Restored::default()), 7);
    let mut j = handle.journal().unwrap();
    j.set_segment_bytes(4096);
    let mut closed = 0;
    for i in 0..2000u64 {
        let imsi = Imsi::new(310_410_000_100_000 + i % 500, 15).unwrap();
        j.append(&[Change::Sqn {
            imsi,
            sqn: 32 * (i + 1),
        }]);
        j.commit().unwrap();
        let c = j.take_closed();
        closed += c.len();
        handle.fold(c);
    }
    assert!(closed > 5, "{closed} segments closed");
    drop((j, handle));
    let (store, folded) = folder.finish().unwrap();
    assert_eq!(folded.changes, 2000);
    assert!(journal::segments(&store.journal_dir()).unwrap().is_empty());
    let r = store.restored().unwrap();
    assert_eq!(r.sqn.len(), 500);
    // The last SQN of each subscriber wins: i = 1500 + k for subscriber k.
    for (imsi, sqn) in r.sqn {
        let k = imsi.value() - 310_410_000_100_000;
        assert_eq!(sqn, 32 * (1500 + k + 1), "{imsi}");
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn one_process_writes_a_store_and_others_may_read_it() {
    let d = dir("lock");
    let (writer, _) = Store::open(&d).unwrap();
    let e = Store::open(&d).err().unwrap();
    assert!(e.is_invalid() && e.to_string().contains("in use"), "{e}");
    let (_reader, in_use) = Store::open_to_read(&d).unwrap();
    assert!(in_use);
    drop(writer);
    let (_again, _) = Store::open(&d).unwrap();
    let _ = std::fs::remove_dir_all(d);
}
