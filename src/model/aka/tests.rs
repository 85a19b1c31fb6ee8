use super::*;
use crate::model::hex::decode;
use crate::model::ids::Plmn;

fn h<const N: usize>(s: &str) -> [u8; N] {
    decode(s).expect("test hex")
}

// TS 35.208 §4, test set 1.
const K1: &str = "465b5ce8b199b49faa5f0a2ee238a6bc";
const OP1: &str = "cdc202d5123e20f62b6d676ac72cb318";
const OPC1: &str = "cd63cb71954a9f4e48a5994e37a02baf";
const RAND1: &str = "23553cbe9637a89d218ae64dae47bf35";
const SQN1: u64 = 0xff9b_b4d0_b607;
const AMF1: &str = "b9b9";

#[test]
fn ts_35_208_test_set_1() {
    let (k, opc, rand, amf) = (h(K1), h(OPC1), h(RAND1), h(AMF1));
    assert_eq!(Milenage::new_with_op(k, h(OP1)).opc(), &opc);

    let v = eutran_vector(&k, &opc, amf, SQN1, rand, [0x02, 0xf8, 0x10]);
    assert_eq!(v.xres, h("a54211d5e3ba50bf"), "f2");
    let ak: [u8; 6] = h("aa689c648370");
    let conc: [u8; 6] = std::array::from_fn(|i| sqn_bytes(SQN1)[i] ^ ak[i]);
    assert_eq!(v.autn[..6], conc, "SQN xor f5");
    assert_eq!(v.autn[6..8], amf);
    assert_eq!(v.autn[8..], h::<8>("4a9ffac354dfafb3"), "f1");

    let ue = ue_authenticate(&k, &opc, rand, v.autn).unwrap();
    assert_eq!(ue.sqn, SQN1);
    assert_eq!(ue.res, v.xres);
    assert_eq!(ue.ck, h("b40ba9a3c58b2a05bbf0d987b21bf8cb"), "f3");
    assert_eq!(ue.ik, h("f769bcd751044604127672711c6d3441"), "f4");
    assert_eq!(ue.kasme([0x02, 0xf8, 0x10]), v.kasme);

    let mut m = Milenage::new_with_opc(k, opc);
    assert_eq!(
        m.f1star(&rand, &sqn_bytes(SQN1), &amf),
        h("01cfaf9ec4e871e9")
    );
    let auts = ue_auts(&k, &opc, rand, SQN1);
    let ak_star: [u8; 6] = h("451e8beca43b");
    let conc_star: [u8; 6] = std::array::from_fn(|i| sqn_bytes(SQN1)[i] ^ ak_star[i]);
    assert_eq!(auts[..6], conc_star, "SQN xor f5*");
}

/// The three E-UTRAN vectors of the AIA in frame 9 of `tests/data/captures/s6a-tcp.pcap`
/// (subscriber A; tshark `-V` values).
#[test]
fn reference_capture_aia_vectors() {
    let k = h("0b77258fd6ba70fa606861522e1667cc");
    let opc = h("9d21d6bc000b10b65bfc529e0c12ecd8");
    let sn_id = "208-01".parse::<Plmn>().unwrap().to_tbcd();
    assert_eq!(sn_id, [0x02, 0xf8, 0x10]);
    let frame9 = [
        (
            0x20,
            "fab172dbc649c0d110fbeec31f0f38e2",
            "f6a4626cb38365ec",
            "78be683ec55e800077406d43357cc67b",
            "fc40ddf640de1a4410616cb1662d5c835ad9b1eb4c37699ab53855ca929bdded",
        ),
        (
            0x40,
            "7f6eaa89bc26fd80563aabf263ca9c25",
            "00881974e1301686",
            "3f95a06517cc800010f6a3c0710f80a5",
            "c22ccbe30744694b647a80e9d243a0d34443dc74622af454ad2710df564d9697",
        ),
        (
            0x60,
            "2e54b7f5f166f60f307da72b609d3239",
            "0b16c339e46dc07f",
            "be572d9aef66800082dbf2eb28cbd0d4",
            "fea5a9f389df8a9e9860637250df0fccdc6ef20137d24ffa050d2d0f4e0b631d",
        ),
    ];
    for (sqn, rand, xres, autn, kasme) in frame9 {
        let v = eutran_vector(&k, &opc, AMF_EUTRAN, sqn, h(rand), sn_id);
        assert_eq!(v.xres, h(xres), "XRES for SQN {sqn:#x}");
        assert_eq!(v.autn, h(autn), "AUTN for SQN {sqn:#x}");
        assert_eq!(v.kasme, h(kasme), "KASME for SQN {sqn:#x}");
        let ue = ue_authenticate(&k, &opc, h(rand), h(autn)).unwrap();
        assert_eq!(ue.sqn, sqn);
        assert_eq!(ue.res, v.xres);
        assert_eq!(ue.kasme(sn_id), v.kasme);
    }
}

#[test]
fn tampered_autn_is_a_mac_failure() {
    let (k, opc, rand) = (h(K1), h(OPC1), h(RAND1));
    let mut v = eutran_vector(&k, &opc, AMF_EUTRAN, 0x20, rand, [0x02, 0xf8, 0x10]);
    v.autn[15] ^= 1;
    assert_eq!(
        ue_authenticate(&k, &opc, rand, v.autn),
        Err(AkaError::MacFailure)
    );
    let other_k = h("0b77258fd6ba70fa606861522e1667cc");
    v.autn[15] ^= 1;
    assert_eq!(
        ue_authenticate(&other_k, &opc, rand, v.autn),
        Err(AkaError::MacFailure)
    );
}

#[test]
fn auts_round_trip_and_forgery() {
    let (k, opc, rand) = (h(K1), h(OPC1), h(RAND1));
    let mut auts = ue_auts(&k, &opc, rand, 0x1234_5678_9ae0);
    assert_eq!(verify_auts(&k, &opc, rand, auts), Ok(0x1234_5678_9ae0));
    auts[13] ^= 0x80;
    assert_eq!(
        verify_auts(&k, &opc, rand, auts),
        Err(AkaError::ResyncMacFailure)
    );
}

#[test]
fn sqn_bytes_round_trip_and_mask() {
    assert_eq!(sqn_bytes(0x20), [0, 0, 0, 0, 0, 0x20]);
    assert_eq!(
        sqn_from_bytes(sqn_bytes(0xffff_1234_5678_9abc)),
        0x1234_5678_9abc
    );
}
