//! sendAuthenticationInfo (TS 29.002 §8.5.2, ASN.1 of §17.7.1 MAP-MS-DataTypes): the v3 argument
//! `SEQUENCE { imsi [0], numberOfRequestedVectors, ..., re-synchronisationInfo, ...,
//! requestingNodeType [3], requestingPLMN-Id [4] }` and result `[3] SEQUENCE {
//! authenticationSetList CHOICE { tripletList [0], quintupletList [1] } }`, and the v2 forms (a
//! bare IMSI; a SEQUENCE OF triplets) used after a fallback to infoRetrievalContext-v2.

use super::{array_of, each, fields, imsi_of, small_of, write_imsi, Error, Param, INTEGER, OCTETS};
use crate::model::ids::{Imsi, Plmn};
use crate::wire::ber::{RevWriter, Tag, Tlv};

/// Most vectors one answer carries (NumberOfRequestedVectors is 1..5).
pub const MAX_VECTORS: usize = 5;

/// RequestingNodeType (§17.7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    /// vlr (0): a 2G/3G circuit-switched node; wants triplets or quintuplets per its RAN.
    Vlr,
    /// sgsn (1).
    Sgsn,
}

/// A GSM triplet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Triplet {
    /// RAND.
    pub rand: [u8; 16],
    /// SRES.
    pub sres: [u8; 4],
    /// Kc.
    pub kc: [u8; 8],
}

/// A UMTS quintuplet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Quintuplet {
    /// RAND.
    pub rand: [u8; 16],
    /// XRES (4 to 16 octets; `xres_len` of them).
    pub xres: [u8; 16],
    /// Octets of `xres` in use.
    pub xres_len: u8,
    /// CK.
    pub ck: [u8; 16],
    /// IK.
    pub ik: [u8; 16],
    /// AUTN.
    pub autn: [u8; 16],
}

impl Quintuplet {
    /// XRES.
    pub fn xres(&self) -> &[u8] {
        &self.xres[..self.xres_len as usize]
    }
}

/// The vectors of an answer: triplets (GSM) or quintuplets (UMTS).
// Both lists stay inline (no allocation per answer); the triplet variant is simply smaller.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthSets {
    /// tripletList.
    Triplets {
        /// Vectors; `len` in use.
        items: [Triplet; MAX_VECTORS],
        /// How many.
        len: u8,
    },
    /// quintupletList.
    Quintuplets {
        /// Vectors; `len` in use.
        items: [Quintuplet; MAX_VECTORS],
        /// How many.
        len: u8,
    },
}

impl AuthSets {
    /// The triplets (empty for quintuplets).
    pub fn triplets(&self) -> &[Triplet] {
        match self {
            AuthSets::Triplets { items, len } => &items[..*len as usize],
            AuthSets::Quintuplets { .. } => &[],
        }
    }

    /// The quintuplets (empty for triplets).
    pub fn quintuplets(&self) -> &[Quintuplet] {
        match self {
            AuthSets::Quintuplets { items, len } => &items[..*len as usize],
            AuthSets::Triplets { .. } => &[],
        }
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        match self {
            AuthSets::Triplets { len, .. } | AuthSets::Quintuplets { len, .. } => *len as usize,
        }
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// SendAuthenticationInfoArg.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaiArg {
    /// The subscriber.
    pub imsi: Imsi,
    /// numberOfRequestedVectors (1..=5).
    pub vectors: u8,
    /// re-synchronisationInfo: RAND and AUTS.
    pub resync: Option<([u8; 16], [u8; 14])>,
    /// requestingNodeType.
    pub node: Option<NodeType>,
    /// requestingPLMN-Id.
    pub plmn: Option<Plmn>,
    /// Encode in the v2 form (a bare IMSI): for infoRetrievalContext-v2.
    pub v2: bool,
}

impl<'a> Param<'a> for SaiArg {
    fn write(&self, w: &mut RevWriter<'_>) {
        if self.v2 {
            write_imsi(w, OCTETS, self.imsi);
            return;
        }
        let s = w.mark();
        if let Some(p) = self.plmn {
            w.octets(Tag::context(4), &p.to_tbcd());
        }
        if let Some(n) = self.node {
            w.unsigned(Tag::context(3), n as u64);
        }
        if let Some((rand, auts)) = &self.resync {
            let r = w.mark();
            w.octets(OCTETS, auts);
            w.octets(OCTETS, rand);
            w.header(Tag::SEQUENCE, r);
        }
        w.unsigned(INTEGER, self.vectors.into());
        write_imsi(w, Tag::context(0), self.imsi);
        w.header(Tag::SEQUENCE, s);
    }

    fn parse(b: &'a [u8]) -> Result<SaiArg, Error> {
        let mut arg = SaiArg {
            imsi: Imsi::new(0, 6).expect("a valid placeholder"),
            vectors: 1,
            resync: None,
            node: None,
            plmn: None,
            v2: false,
        };
        if let Ok((t, [])) = Tlv::parse(b) {
            if t.tag == OCTETS {
                arg.imsi = imsi_of(&t)?;
                arg.v2 = true;
                return Ok(arg);
            }
        }
        let mut imsi = None;
        for t in each(
            fields(b, Tag::SEQUENCE, "sendAuthenticationInfoArg")?,
            "sendAuthenticationInfoArg",
        ) {
            let t = t?;
            if t.tag == Tag::context(0) {
                imsi = Some(imsi_of(&t)?);
            } else if t.tag == INTEGER {
                arg.vectors = small_of(&t, "numberOfRequestedVectors")?;
            } else if t.tag == Tag::SEQUENCE {
                let mut it = t.children();
                let mut next = || -> Result<Tlv<'_>, Error> {
                    it.next()
                        .and_then(Result::ok)
                        .ok_or(Error::Field("re-synchronisationInfo"))
                };
                let rand = array_of(&next()?, "re-synchronisationInfo rand")?;
                let auts = array_of(&next()?, "re-synchronisationInfo auts")?;
                arg.resync = Some((rand, auts));
            } else if t.tag == Tag::context(3) {
                arg.node = match small_of(&t, "requestingNodeType")? {
                    0 => Some(NodeType::Vlr),
                    1 => Some(NodeType::Sgsn),
                    _ => None,
                };
            } else if t.tag == Tag::context(4) {
                let p = array_of(&t, "requestingPLMN-Id")?;
                arg.plmn = Some(Plmn::from_tbcd(p).map_err(|_| Error::Field("requestingPLMN-Id"))?);
            }
        }
        arg.imsi = imsi.ok_or(Error::Field("imsi"))?;
        Ok(arg)
    }
}

/// SendAuthenticationInfoRes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaiRes {
    /// The vectors.
    pub sets: AuthSets,
    /// Encode in the v2 form (a SEQUENCE OF triplets, no tag): for infoRetrievalContext-v2.
    pub v2: bool,
}

fn write_triplet(w: &mut RevWriter<'_>, t: &Triplet) {
    let s = w.mark();
    w.octets(OCTETS, &t.kc);
    w.octets(OCTETS, &t.sres);
    w.octets(OCTETS, &t.rand);
    w.header(Tag::SEQUENCE, s);
}

fn write_quintuplet(w: &mut RevWriter<'_>, q: &Quintuplet) {
    let s = w.mark();
    w.octets(OCTETS, &q.autn);
    w.octets(OCTETS, &q.ik);
    w.octets(OCTETS, &q.ck);
    w.octets(OCTETS, q.xres());
    w.octets(OCTETS, &q.rand);
    w.header(Tag::SEQUENCE, s);
}

fn read_triplet(t: &Tlv<'_>) -> Result<Triplet, Error> {
    let mut it = t.children().filter_map(Result::ok);
    let mut next = |field| it.next().ok_or(Error::Field(field));
    Ok(Triplet {
        rand: array_of(&next("triplet rand")?, "triplet rand")?,
        sres: array_of(&next("triplet sres")?, "triplet sres")?,
        kc: array_of(&next("triplet kc")?, "triplet kc")?,
    })
}

fn read_quintuplet(t: &Tlv<'_>) -> Result<Quintuplet, Error> {
    let mut it = t.children().filter_map(Result::ok);
    let mut next = |field| it.next().ok_or(Error::Field(field));
    let rand = array_of(&next("quintuplet rand")?, "quintuplet rand")?;
    let x = next("quintuplet xres")?;
    if !(4..=16).contains(&x.value.len()) {
        return Err(Error::Field("quintuplet xres"));
    }
    let mut xres = [0u8; 16];
    xres[..x.value.len()].copy_from_slice(x.value);
    Ok(Quintuplet {
        rand,
        xres,
        xres_len: x.value.len() as u8,
        ck: array_of(&next("quintuplet ck")?, "quintuplet ck")?,
        ik: array_of(&next("quintuplet ik")?, "quintuplet ik")?,
        autn: array_of(&next("quintuplet autn")?, "quintuplet autn")?,
    })
}

fn read_triplets<'a>(
    it: impl Iterator<Item = Result<Tlv<'a>, crate::wire::ber::Error>>,
) -> Result<AuthSets, Error> {
    let mut items = [Triplet::default(); MAX_VECTORS];
    let mut len = 0;
    for t in it {
        let t = t.map_err(|_| Error::Field("tripletList"))?;
        *items.get_mut(len).ok_or(Error::Field("tripletList"))? = read_triplet(&t)?;
        len += 1;
    }
    Ok(AuthSets::Triplets {
        items,
        len: len as u8,
    })
}

impl<'a> Param<'a> for SaiRes {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        match &self.sets {
            AuthSets::Triplets { .. } => {
                for t in self.sets.triplets().iter().rev() {
                    write_triplet(w, t);
                }
                if self.v2 {
                    w.header(Tag::SEQUENCE, s);
                    return;
                }
                w.header(Tag::context_constructed(0), s);
            }
            AuthSets::Quintuplets { .. } => {
                for q in self.sets.quintuplets().iter().rev() {
                    write_quintuplet(w, q);
                }
                w.header(Tag::context_constructed(1), s);
            }
        }
        w.header(Tag::context_constructed(3), s);
    }

    fn parse(b: &'a [u8]) -> Result<SaiRes, Error> {
        if let Ok(it) = fields(b, Tag::SEQUENCE, "sendAuthenticationInfoRes") {
            return Ok(SaiRes {
                sets: read_triplets(it)?,
                v2: true,
            });
        }
        let mut sets = None;
        for t in each(
            fields(b, Tag::context_constructed(3), "sendAuthenticationInfoRes")?,
            "sendAuthenticationInfoRes",
        ) {
            let t = t?;
            if t.tag == Tag::context_constructed(0) {
                sets = Some(read_triplets(t.children())?);
            } else if t.tag == Tag::context_constructed(1) {
                let mut items = [Quintuplet::default(); MAX_VECTORS];
                let mut len = 0;
                for q in t.children() {
                    let q = q.map_err(|_| Error::Field("quintupletList"))?;
                    *items.get_mut(len).ok_or(Error::Field("quintupletList"))? =
                        read_quintuplet(&q)?;
                    len += 1;
                }
                sets = Some(AuthSets::Quintuplets {
                    items,
                    len: len as u8,
                });
            }
        }
        Ok(SaiRes {
            sets: sets.ok_or(Error::Field("authenticationSetList"))?,
            v2: false,
        })
    }
}
