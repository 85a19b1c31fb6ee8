//! EPS-AKA arithmetic shared by the home side (the HSS's authentication centre) and the visited
//! side (the emulated UE): Milenage f1..f5* (TS 35.205/35.206, through the `milenage` crate) and
//! the KASME derivation of TS 33.401 Annex A.2.
//!
//! Network side: [`eutran_vector`] builds RAND/XRES/AUTN/KASME for a given SQN; [`verify_auts`]
//! checks a resynchronisation token (TS 33.102 §6.3.5). UE side: [`ue_authenticate`] checks AUTN's
//! MAC-A, recovers SQN and yields RES/CK/IK (and KASME); [`ue_auts`] builds the AUTS a UE sends
//! when it finds SQN out of range. SQN freshness (TS 33.102 Annex C) is the caller's business: these
//! are pure functions.

use hmac::{Hmac, Mac};
use milenage::Milenage;
use sha2::Sha256;

/// A 128-bit subscriber key K or operator variant OPc.
pub type Key = [u8; 16];

/// SQN is 48 bits (TS 33.102 §6.3.2).
pub const SQN_MASK: u64 = (1 << 48) - 1;

/// SQN step between consecutive vectors of one subscriber: SQN = SEQ ‖ IND with a 5-bit IND
/// (TS 33.102 Annex C.3.2), so SEQ + 1 is SQN + 32 (0x20, 0x40, 0x60, ... as in the reference
/// capture).
pub const SQN_STEP: u64 = 32;

/// AMF used for MAC-S in resynchronisation: all zeros (TS 33.102 §6.3.3).
pub const RESYNC_AMF: [u8; 2] = [0, 0];

/// The AMF "separation bit" set, as an HSS must for E-UTRAN vectors (TS 33.401 §6.1.2).
pub const AMF_EUTRAN: [u8; 2] = [0x80, 0x00];

/// An E-UTRAN authentication vector (TS 33.401 §6.1.2), as carried in the S6a E-UTRAN-Vector AVP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EutranVector {
    /// Random challenge.
    pub rand: [u8; 16],
    /// Expected response, f2 (8 octets for Milenage).
    pub xres: [u8; 8],
    /// (SQN ⊕ AK) ‖ AMF ‖ MAC-A.
    pub autn: [u8; 16],
    /// K_ASME, 256 bits.
    pub kasme: [u8; 32],
}

/// Why a UE or the HSS refused a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AkaError {
    /// AUTN's MAC-A does not match: the network is not genuine (UE answers "MAC failure").
    #[error("AUTN MAC-A mismatch")]
    MacFailure,
    /// AUTS's MAC-S does not match: the resynchronisation token is forged or for another RAND.
    #[error("AUTS MAC-S mismatch")]
    ResyncMacFailure,
}

/// SQN as the 6 octets Milenage takes.
pub fn sqn_bytes(sqn: u64) -> [u8; 6] {
    let b = (sqn & SQN_MASK).to_be_bytes();
    [b[2], b[3], b[4], b[5], b[6], b[7]]
}

/// 6 octets back to SQN.
pub fn sqn_from_bytes(b: [u8; 6]) -> u64 {
    u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]])
}

fn xor6(a: [u8; 6], b: &[u8; 6]) -> [u8; 6] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

/// K_ASME = HMAC-SHA-256(CK ‖ IK, S) with S = FC 0x10 ‖ SN id ‖ 0x0003 ‖ (SQN ⊕ AK) ‖ 0x0006
/// (TS 33.401 A.2, the generic KDF of TS 33.220 B.2). `sn_id` is the 3-octet TBCD PLMN identity
/// of the serving network ([`crate::model::ids::Plmn::to_tbcd`]).
pub fn kasme(ck: &Key, ik: &Key, sn_id: [u8; 3], sqn_xor_ak: [u8; 6]) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(ck);
    key[16..].copy_from_slice(ik);
    let mut s = [0u8; 14];
    s[0] = 0x10;
    s[1..4].copy_from_slice(&sn_id);
    s[4..6].copy_from_slice(&[0x00, 0x03]);
    s[6..12].copy_from_slice(&sqn_xor_ak);
    s[12..14].copy_from_slice(&[0x00, 0x06]);
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(&s);
    mac.finalize().into_bytes().into()
}

/// Builds an E-UTRAN vector (TS 33.401 §6.1.2) from the subscriber's K and OPc, the AMF, the SQN
/// chosen by the HSS, a RAND and the serving network's SN id.
pub fn eutran_vector(
    k: &Key,
    opc: &Key,
    amf: [u8; 2],
    sqn: u64,
    rand: [u8; 16],
    sn_id: [u8; 3],
) -> EutranVector {
    let mut m = Milenage::new_with_opc(*k, *opc);
    let sqn_b = sqn_bytes(sqn);
    let mac_a = m.f1(&rand, &sqn_b, &amf);
    let (xres, ck, ik, ak) = m.f2345(&rand);
    let conc = xor6(sqn_b, &ak);
    let mut autn = [0u8; 16];
    autn[..6].copy_from_slice(&conc);
    autn[6..8].copy_from_slice(&amf);
    autn[8..].copy_from_slice(&mac_a);
    EutranVector {
        rand,
        xres,
        autn,
        kasme: kasme(&ck, &ik, sn_id, conc),
    }
}

/// What a UE learns from a genuine challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UeChallenge {
    /// The SQN the network used (the UE checks its freshness).
    pub sqn: u64,
    /// AMF from AUTN.
    pub amf: [u8; 2],
    /// RES, f2: sent back in the authentication response.
    pub res: [u8; 8],
    /// CK, f3.
    pub ck: Key,
    /// IK, f4.
    pub ik: Key,
    /// SQN ⊕ AK as received, an input of K_ASME.
    pub sqn_xor_ak: [u8; 6],
}

impl UeChallenge {
    /// The UE's K_ASME for serving network `sn_id` (equal to the vector's when all is well).
    pub fn kasme(&self, sn_id: [u8; 3]) -> [u8; 32] {
        kasme(&self.ck, &self.ik, sn_id, self.sqn_xor_ak)
    }
}

/// UE side of TS 33.102 §6.3.3: recovers SQN from AUTN, checks MAC-A, computes RES, CK, IK.
pub fn ue_authenticate(
    k: &Key,
    opc: &Key,
    rand: [u8; 16],
    autn: [u8; 16],
) -> Result<UeChallenge, AkaError> {
    let mut m = Milenage::new_with_opc(*k, *opc);
    let (res, ck, ik, ak) = m.f2345(&rand);
    let sqn_xor_ak: [u8; 6] = autn[..6].try_into().expect("6 octets");
    let amf: [u8; 2] = [autn[6], autn[7]];
    let sqn_b = xor6(sqn_xor_ak, &ak);
    let xmac = m.f1(&rand, &sqn_b, &amf);
    if xmac[..] != autn[8..] {
        return Err(AkaError::MacFailure);
    }
    Ok(UeChallenge {
        sqn: sqn_from_bytes(sqn_b),
        amf,
        res,
        ck,
        ik,
        sqn_xor_ak,
    })
}

/// The AUTS a UE sends on a synchronisation failure: (SQN_MS ⊕ AK*) ‖ MAC-S, where AK* = f5*(RAND)
/// and MAC-S = f1*(SQN_MS, RAND, AMF = 0000) (TS 33.102 §6.3.3).
pub fn ue_auts(k: &Key, opc: &Key, rand: [u8; 16], sqn_ms: u64) -> [u8; 14] {
    let mut m = Milenage::new_with_opc(*k, *opc);
    let sqn_b = sqn_bytes(sqn_ms);
    let ak_star = m.f5star(&rand);
    let mac_s = m.f1star(&rand, &sqn_b, &RESYNC_AMF);
    let mut auts = [0u8; 14];
    auts[..6].copy_from_slice(&xor6(sqn_b, &ak_star));
    auts[6..].copy_from_slice(&mac_s);
    auts
}

/// HSS side of resynchronisation (TS 33.102 §6.3.5): checks MAC-S and returns SQN_MS.
pub fn verify_auts(k: &Key, opc: &Key, rand: [u8; 16], auts: [u8; 14]) -> Result<u64, AkaError> {
    let mut m = Milenage::new_with_opc(*k, *opc);
    let ak_star = m.f5star(&rand);
    let conc: [u8; 6] = auts[..6].try_into().expect("6 octets");
    let sqn_b = xor6(conc, &ak_star);
    let mac_s = m.f1star(&rand, &sqn_b, &RESYNC_AMF);
    if mac_s[..] != auts[6..] {
        return Err(AkaError::ResyncMacFailure);
    }
    Ok(sqn_from_bytes(sqn_b))
}

#[cfg(test)]
mod tests;
