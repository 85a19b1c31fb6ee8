//! Authentication vectors for MAP's sendAuthenticationInfo: UMTS quintuplets from Milenage (TS
//! 33.102 §6.3.2, f1..f5 of TS 35.206) and GSM triplets derived from them with the conversion
//! functions of TS 33.102 §6.8.2.3: c2 (SRES from XRES) and c3 (Kc from CK and IK).
//!
//! These are pure functions, used by the home HLR (building vectors) and by the visited side (a
//! 2G VLR converting a quintuplet, a UE answering over GSM radio). They sit beside the MAP state
//! machines because `model::aka` is the E-UTRAN half of the same arithmetic; they may move there.

use milenage::Milenage;

use crate::model::aka::{sqn_bytes, Key};
use crate::wire::map::{Quintuplet, Triplet};

/// c2 (TS 33.102 §6.8.2.3): SRES = XRES*1 ⊕ XRES*2 ⊕ XRES*3 ⊕ XRES*4, the four 32-bit blocks of
/// XRES padded with zeros to 128 bits.
pub fn c2(xres: &[u8]) -> [u8; 4] {
    let mut sres = [0u8; 4];
    for (i, b) in xres.iter().take(16).enumerate() {
        sres[i % 4] ^= b;
    }
    sres
}

/// c3 (TS 33.102 §6.8.2.3): Kc = CK1 ⊕ CK2 ⊕ IK1 ⊕ IK2, the 64-bit halves of CK and IK.
pub fn c3(ck: &Key, ik: &Key) -> [u8; 8] {
    std::array::from_fn(|i| ck[i] ^ ck[i + 8] ^ ik[i] ^ ik[i + 8])
}

/// The GSM triplet a quintuplet converts to (TS 33.102 §6.8.2.1: RAND kept, c2 and c3).
pub fn triplet(q: &Quintuplet) -> Triplet {
    Triplet {
        rand: q.rand,
        sres: c2(q.xres()),
        kc: c3(&q.ck, &q.ik),
    }
}

/// A quintuplet (RAND, XRES, CK, IK, AUTN) for the subscriber's K and OPc, the AMF, the SQN the
/// home network chose and a RAND (TS 33.102 §6.3.2: AUTN = SQN ⊕ AK ‖ AMF ‖ MAC).
pub fn quintuplet(k: &Key, opc: &Key, amf: [u8; 2], sqn: u64, rand: [u8; 16]) -> Quintuplet {
    let mut m = Milenage::new_with_opc(*k, *opc);
    let sqn_b = sqn_bytes(sqn);
    let mac_a = m.f1(&rand, &sqn_b, &amf);
    let (res, ck, ik, ak) = m.f2345(&rand);
    let mut autn = [0u8; 16];
    for i in 0..6 {
        autn[i] = sqn_b[i] ^ ak[i];
    }
    autn[6..8].copy_from_slice(&amf);
    autn[8..].copy_from_slice(&mac_a);
    let mut xres = [0u8; 16];
    xres[..res.len()].copy_from_slice(&res);
    Quintuplet {
        rand,
        xres,
        xres_len: res.len() as u8,
        ck,
        ik,
        autn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::hex::decode;

    fn h<const N: usize>(s: &str) -> [u8; N] {
        decode(s).unwrap()
    }

    /// TS 35.208 §4.3, test set 1: f2..f5 outputs, and SRES / Kc through c2 / c3.
    #[test]
    fn test_set_1_quintuplet_and_triplet() {
        let k = h("465b5ce8b199b49faa5f0a2ee238a6bc");
        let opc = h("cd63cb71954a9f4e48a5994e37a02baf");
        let rand = h("23553cbe9637a89d218ae64dae47bf35");
        let sqn = 0xff9b_b4d0_b607;
        let q = quintuplet(&k, &opc, h("b9b9"), sqn, rand);
        assert_eq!(q.xres(), h::<8>("a54211d5e3ba50bf"));
        assert_eq!(q.ck, h("b40ba9a3c58b2a05bbf0d987b21bf8cb"));
        assert_eq!(q.ik, h("f769bcd751044604127672711c6d3441"));
        // AUTN = (SQN ⊕ AK) ‖ AMF ‖ MAC-A with AK aa689c648370 and MAC-A 4a9ffac354dfafb3.
        assert_eq!(q.autn, h("55f328b43577b9b94a9ffac354dfafb3"));
        let t = triplet(&q);
        assert_eq!(t.sres, h("46f8416a"));
        assert_eq!(t.kc, h("eae4be823af9a08b"));
        assert_eq!(t.rand, rand);
    }

    #[test]
    fn c2_of_a_short_xres_pads_with_zeros() {
        assert_eq!(c2(&[1, 2, 3, 4]), [1, 2, 3, 4]);
        assert_eq!(c2(&[1, 2, 3, 4, 1, 2]), [0, 0, 3, 4]);
    }
}
