//! Location management and subscriber data (TS 29.002 §8.1–§8.8, ASN.1 of §17.7.1): the
//! arguments and results of updateLocation, insertSubscriberData, cancelLocation,
//! updateGprsLocation and purgeMS, and the parameters of the errors an HLR returns (§17.7.7).

use std::net::Ipv4Addr;

use super::{
    array_of, each, fields, imsi_of, isdn_of, small_of, write_imsi, write_isdn, Error, Param,
    INTEGER, NULL, OCTETS,
};
use crate::model::ids::{Imsi, Msisdn};
use crate::wire::ber::{RevWriter, Tag};

/// A parameter with no field this crate uses: written as an empty SEQUENCE (the results of
/// insertSubscriberData and cancelLocation, DataMissingParam); any SEQUENCE is accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Empty;

impl<'a> Param<'a> for Empty {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        w.header(Tag::SEQUENCE, s);
    }

    fn parse(b: &'a [u8]) -> Result<Empty, Error> {
        fields(b, Tag::SEQUENCE, "empty sequence").map(|_| Empty)
    }
}

/// UpdateLocationArg: `SEQUENCE { imsi, msc-Number [1], vlr-Number, ... }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UlArg {
    /// The subscriber.
    pub imsi: Imsi,
    /// MSC number.
    pub msc_number: Msisdn,
    /// VLR number (where the HLR sends insertSubscriberData and, later, cancelLocation).
    pub vlr_number: Msisdn,
}

impl<'a> Param<'a> for UlArg {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        write_isdn(w, OCTETS, self.vlr_number);
        write_isdn(w, Tag::context(1), self.msc_number);
        write_imsi(w, OCTETS, self.imsi);
        w.header(Tag::SEQUENCE, s);
    }

    fn parse(b: &'a [u8]) -> Result<UlArg, Error> {
        let (mut imsi, mut msc, mut vlr) = (None, None, None);
        for t in each(
            fields(b, Tag::SEQUENCE, "updateLocationArg")?,
            "updateLocationArg",
        ) {
            let t = t?;
            if t.tag == OCTETS && imsi.is_none() {
                imsi = Some(imsi_of(&t)?);
            } else if t.tag == OCTETS {
                vlr = Some(isdn_of(&t, "vlr-Number")?);
            } else if t.tag == Tag::context(1) {
                msc = Some(isdn_of(&t, "msc-Number")?);
            }
        }
        Ok(UlArg {
            imsi: imsi.ok_or(Error::Field("imsi"))?,
            msc_number: msc.ok_or(Error::Field("msc-Number"))?,
            vlr_number: vlr.ok_or(Error::Field("vlr-Number"))?,
        })
    }
}

/// UpdateLocationRes and UpdateGprsLocationRes: `SEQUENCE { hlr-Number, ... }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UlRes {
    /// The HLR's number.
    pub hlr_number: Msisdn,
}

/// UpdateGprsLocationRes has the layout of [`UlRes`].
pub type UglRes = UlRes;

impl<'a> Param<'a> for UlRes {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        write_isdn(w, OCTETS, self.hlr_number);
        w.header(Tag::SEQUENCE, s);
    }

    fn parse(b: &'a [u8]) -> Result<UlRes, Error> {
        let mut it = each(
            fields(b, Tag::SEQUENCE, "updateLocationRes")?,
            "updateLocationRes",
        );
        let t = it.next().ok_or(Error::Field("hlr-Number"))??;
        Ok(UlRes {
            hlr_number: isdn_of(&t, "hlr-Number")?,
        })
    }
}

/// NetworkAccessMode (§17.7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkAccessMode {
    /// packetAndCircuit (0).
    PacketAndCircuit = 0,
    /// onlyCircuit (1).
    OnlyCircuit = 1,
    /// onlyPacket (2).
    OnlyPacket = 2,
}

/// One PDP-Context of gprsSubscriptionData.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdpContext<'a> {
    /// pdp-ContextId.
    pub id: u8,
    /// pdp-Type: PDP type organisation and number (`[0xf1, 0x21]` IPv4).
    pub pdp_type: [u8; 2],
    /// qos-Subscribed (TS 24.008 QoS, 3 octets).
    pub qos: [u8; 3],
    /// apn, in the label form of TS 23.003 §9.1.
    pub apn: &'a [u8],
}

/// InsertSubscriberDataArg, the fields an HLR sends after an update location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsdArg<'a> {
    /// imsi `[0]`.
    pub imsi: Option<Imsi>,
    /// msisdn `[1]`.
    pub msisdn: Option<Msisdn>,
    /// category `[2]` (TS 29.002: Q.763's calling party's category, 0x0a ordinary).
    pub category: Option<u8>,
    /// subscriberStatus `[3]` serviceGranted (true) or operatorDeterminedBarring.
    pub service_granted: Option<bool>,
    /// teleserviceList `[6]`: teleservice codes (0x11 telephony, 0x21/0x22 SMS MT/MO).
    pub teleservices: &'a [u8],
    /// gprsSubscriptionData `[16]` with one PDP context.
    pub pdp: Option<PdpContext<'a>>,
    /// networkAccessMode `[24]`.
    pub network_access_mode: Option<NetworkAccessMode>,
}

impl<'a> Param<'a> for IsdArg<'a> {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        if let Some(n) = self.network_access_mode {
            w.unsigned(Tag::context(24), n as u64);
        }
        if let Some(p) = &self.pdp {
            let g = w.mark();
            let list = w.mark();
            let c = w.mark();
            w.octets(Tag::context(20), p.apn);
            w.octets(Tag::context(18), &p.qos);
            w.octets(Tag::context(16), &p.pdp_type);
            w.unsigned(INTEGER, p.id.into());
            w.header(Tag::SEQUENCE, c);
            w.header(Tag::context_constructed(1), list);
            w.octets(NULL, &[]);
            w.header(Tag::context_constructed(16), g);
        }
        if !self.teleservices.is_empty() {
            let l = w.mark();
            for code in self.teleservices.iter().rev() {
                w.octets(OCTETS, &[*code]);
            }
            w.header(Tag::context_constructed(6), l);
        }
        if let Some(g) = self.service_granted {
            w.unsigned(Tag::context(3), u64::from(!g));
        }
        if let Some(c) = self.category {
            w.octets(Tag::context(2), &[c]);
        }
        if let Some(m) = self.msisdn {
            write_isdn(w, Tag::context(1), m);
        }
        if let Some(i) = self.imsi {
            write_imsi(w, Tag::context(0), i);
        }
        w.header(Tag::SEQUENCE, s);
    }

    fn parse(b: &'a [u8]) -> Result<IsdArg<'a>, Error> {
        let mut a = IsdArg {
            imsi: None,
            msisdn: None,
            category: None,
            service_granted: None,
            teleservices: &[],
            pdp: None,
            network_access_mode: None,
        };
        for t in each(
            fields(b, Tag::SEQUENCE, "insertSubscriberDataArg")?,
            "insertSubscriberDataArg",
        ) {
            let t = t?;
            match (t.tag.constructed, t.tag.number) {
                _ if t.tag.class != crate::wire::ber::Class::Context => {}
                (false, 0) => a.imsi = Some(imsi_of(&t)?),
                (false, 1) => a.msisdn = Some(isdn_of(&t, "msisdn")?),
                (false, 2) => a.category = Some(array_of::<1>(&t, "category")?[0]),
                (false, 3) => a.service_granted = Some(small_of(&t, "subscriberStatus")? == 0),
                (false, 24) => {
                    a.network_access_mode = match small_of(&t, "networkAccessMode")? {
                        0 => Some(NetworkAccessMode::PacketAndCircuit),
                        1 => Some(NetworkAccessMode::OnlyCircuit),
                        2 => Some(NetworkAccessMode::OnlyPacket),
                        _ => None,
                    }
                }
                (true, 16) => a.pdp = first_pdp_context(&t)?,
                // teleserviceList's codes stay in the buffer; callers that need them walk it.
                _ => {}
            }
        }
        Ok(a)
    }
}

fn first_pdp_context<'a>(g: &crate::wire::ber::Tlv<'a>) -> Result<Option<PdpContext<'a>>, Error> {
    for t in each(g.children(), "gprsSubscriptionData") {
        let t = t?;
        if t.tag != Tag::context_constructed(1) {
            continue;
        }
        let Some(c) = t.children().next() else {
            return Ok(None);
        };
        let c = c.map_err(|_| Error::Field("pdp-Context"))?;
        let mut p = PdpContext {
            id: 0,
            pdp_type: [0; 2],
            qos: [0; 3],
            apn: &[],
        };
        for f in each(c.children(), "pdp-Context") {
            let f = f?;
            if f.tag == INTEGER {
                p.id = small_of(&f, "pdp-ContextId")?;
            } else if f.tag == Tag::context(16) {
                p.pdp_type = array_of(&f, "pdp-Type")?;
            } else if f.tag == Tag::context(18) {
                p.qos = array_of(&f, "qos-Subscribed")?;
            } else if f.tag == Tag::context(20) {
                p.apn = f.value;
            }
        }
        return Ok(Some(p));
    }
    Ok(None)
}

/// CancellationType (§17.7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancellationType {
    /// updateProcedure (0): the subscriber registered elsewhere.
    UpdateProcedure = 0,
    /// subscriptionWithdraw (1).
    SubscriptionWithdraw = 1,
    /// initialAttachProcedure (2).
    InitialAttachProcedure = 2,
}

/// CancelLocationArg (v3): `[3] SEQUENCE { identity CHOICE { imsi, imsi-WithLMSI },
/// cancellationType, ... }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClArg {
    /// The subscriber.
    pub imsi: Imsi,
    /// cancellationType.
    pub kind: Option<CancellationType>,
}

const ENUMERATED: Tag = Tag::ENUMERATED;

impl<'a> Param<'a> for ClArg {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        if let Some(k) = self.kind {
            w.unsigned(ENUMERATED, k as u64);
        }
        write_imsi(w, OCTETS, self.imsi);
        w.header(Tag::context_constructed(3), s);
    }

    fn parse(b: &'a [u8]) -> Result<ClArg, Error> {
        let (mut imsi, mut kind) = (None, None);
        for t in each(
            fields(b, Tag::context_constructed(3), "cancelLocationArg")?,
            "cancelLocationArg",
        ) {
            let t = t?;
            if t.tag == OCTETS {
                imsi = Some(imsi_of(&t)?);
            } else if t.tag == Tag::SEQUENCE {
                let first = t.children().next().and_then(Result::ok);
                imsi = Some(imsi_of(&first.ok_or(Error::Field("imsi-WithLMSI"))?)?);
            } else if t.tag == ENUMERATED {
                kind = match small_of(&t, "cancellationType")? {
                    0 => Some(CancellationType::UpdateProcedure),
                    1 => Some(CancellationType::SubscriptionWithdraw),
                    2 => Some(CancellationType::InitialAttachProcedure),
                    _ => None,
                };
            }
        }
        Ok(ClArg {
            imsi: imsi.ok_or(Error::Field("identity"))?,
            kind,
        })
    }
}

/// UpdateGprsLocationArg: `SEQUENCE { imsi, sgsn-Number, sgsn-Address, ... }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UglArg {
    /// The subscriber.
    pub imsi: Imsi,
    /// SGSN number.
    pub sgsn_number: Msisdn,
    /// SGSN address (GSN-Address, IPv4 form).
    pub sgsn_address: Ipv4Addr,
}

impl<'a> Param<'a> for UglArg {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        let a = self.sgsn_address.octets();
        // GSN-Address: address type 0 (IPv4) in bits 8-7, length 4 in bits 6-1.
        w.octets(OCTETS, &[0x04, a[0], a[1], a[2], a[3]]);
        write_isdn(w, OCTETS, self.sgsn_number);
        write_imsi(w, OCTETS, self.imsi);
        w.header(Tag::SEQUENCE, s);
    }

    fn parse(b: &'a [u8]) -> Result<UglArg, Error> {
        let mut it = each(
            fields(b, Tag::SEQUENCE, "updateGprsLocationArg")?,
            "updateGprsLocationArg",
        );
        let mut next = |f| it.next().ok_or(Error::Field(f)).and_then(|r| r);
        let imsi = imsi_of(&next("imsi")?)?;
        let sgsn_number = isdn_of(&next("sgsn-Number")?, "sgsn-Number")?;
        let a: [u8; 5] = array_of(&next("sgsn-Address")?, "sgsn-Address")?;
        Ok(UglArg {
            imsi,
            sgsn_number,
            sgsn_address: Ipv4Addr::new(a[1], a[2], a[3], a[4]),
        })
    }
}

/// PurgeMS-Arg: `[3] SEQUENCE { imsi, vlr-Number [0], sgsn-Number [1], ... }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PurgeArg {
    /// The subscriber.
    pub imsi: Imsi,
    /// vlr-Number, from a VLR.
    pub vlr_number: Option<Msisdn>,
    /// sgsn-Number, from an SGSN.
    pub sgsn_number: Option<Msisdn>,
}

impl<'a> Param<'a> for PurgeArg {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        if let Some(n) = self.sgsn_number {
            write_isdn(w, Tag::context(1), n);
        }
        if let Some(n) = self.vlr_number {
            write_isdn(w, Tag::context(0), n);
        }
        write_imsi(w, OCTETS, self.imsi);
        w.header(Tag::context_constructed(3), s);
    }

    fn parse(b: &'a [u8]) -> Result<PurgeArg, Error> {
        let mut a = PurgeArg {
            imsi: Imsi::new(0, 6).expect("a valid placeholder"),
            vlr_number: None,
            sgsn_number: None,
        };
        let mut imsi = None;
        for t in each(
            fields(b, Tag::context_constructed(3), "purgeMS-Arg")?,
            "purgeMS-Arg",
        ) {
            let t = t?;
            if t.tag == OCTETS {
                imsi = Some(imsi_of(&t)?);
            } else if t.tag == Tag::context(0) {
                a.vlr_number = Some(isdn_of(&t, "vlr-Number")?);
            } else if t.tag == Tag::context(1) {
                a.sgsn_number = Some(isdn_of(&t, "sgsn-Number")?);
            }
        }
        a.imsi = imsi.ok_or(Error::Field("imsi"))?;
        Ok(a)
    }
}

/// PurgeMS-Res: `SEQUENCE { freezeTMSI [0] NULL, freezeP-TMSI [1] NULL, ... }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PurgeRes {
    /// freezeTMSI.
    pub freeze_tmsi: bool,
    /// freezeP-TMSI.
    pub freeze_ptmsi: bool,
}

impl<'a> Param<'a> for PurgeRes {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        if self.freeze_ptmsi {
            w.octets(Tag::context(1), &[]);
        }
        if self.freeze_tmsi {
            w.octets(Tag::context(0), &[]);
        }
        w.header(Tag::SEQUENCE, s);
    }

    fn parse(b: &'a [u8]) -> Result<PurgeRes, Error> {
        let mut r = PurgeRes::default();
        for t in each(fields(b, Tag::SEQUENCE, "purgeMS-Res")?, "purgeMS-Res") {
            let t = t?;
            r.freeze_tmsi |= t.tag == Tag::context(0);
            r.freeze_ptmsi |= t.tag == Tag::context(1);
        }
        Ok(r)
    }
}

/// UnknownSubscriberParam: `SEQUENCE { extensionContainer, ..., unknownSubscriberDiagnostic }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct UnknownSubscriberParam {
    /// 0 imsiUnknown, 1 gprs-eps-SubscriptionUnknown, 2 npdbMismatch.
    pub diagnostic: Option<u8>,
}

impl<'a> Param<'a> for UnknownSubscriberParam {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        if let Some(d) = self.diagnostic {
            w.unsigned(ENUMERATED, d.into());
        }
        w.header(Tag::SEQUENCE, s);
    }

    fn parse(b: &'a [u8]) -> Result<UnknownSubscriberParam, Error> {
        let mut p = UnknownSubscriberParam::default();
        for t in each(
            fields(b, Tag::SEQUENCE, "unknownSubscriberParam")?,
            "unknownSubscriberParam",
        ) {
            let t = t?;
            if t.tag == ENUMERATED {
                p.diagnostic = Some(small_of(&t, "unknownSubscriberDiagnostic")?);
            }
        }
        Ok(p)
    }
}

/// RoamingNotAllowedParam: `SEQUENCE { roamingNotAllowedCause, ... }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoamingNotAllowedParam {
    /// 0 plmnRoamingNotAllowed, 3 operatorDeterminedBarring.
    pub cause: u8,
}

impl RoamingNotAllowedParam {
    /// plmnRoamingNotAllowed: no roaming agreement with the visited network.
    pub const PLMN_ROAMING_NOT_ALLOWED: u8 = 0;
    /// operatorDeterminedBarring.
    pub const OPERATOR_DETERMINED_BARRING: u8 = 3;
}

impl<'a> Param<'a> for RoamingNotAllowedParam {
    fn write(&self, w: &mut RevWriter<'_>) {
        let s = w.mark();
        w.unsigned(ENUMERATED, self.cause.into());
        w.header(Tag::SEQUENCE, s);
    }

    fn parse(b: &'a [u8]) -> Result<RoamingNotAllowedParam, Error> {
        let mut it = each(
            fields(b, Tag::SEQUENCE, "roamingNotAllowedParam")?,
            "roamingNotAllowedParam",
        );
        let t = it.next().ok_or(Error::Field("roamingNotAllowedCause"))??;
        Ok(RoamingNotAllowedParam {
            cause: small_of(&t, "roamingNotAllowedCause")?,
        })
    }
}

/// SystemFailureParam, in its `networkResource` form (an ENUMERATED naming the failed node).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SystemFailureParam {
    /// NetworkResource: 0 plmn, 1 hlr, 2 vlr, 3 pvlr, ...
    pub resource: u8,
}

impl<'a> Param<'a> for SystemFailureParam {
    fn write(&self, w: &mut RevWriter<'_>) {
        w.unsigned(ENUMERATED, self.resource.into());
    }

    fn parse(b: &'a [u8]) -> Result<SystemFailureParam, Error> {
        let (t, _) =
            crate::wire::ber::Tlv::parse(b).map_err(|_| Error::Field("systemFailureParam"))?;
        let resource = if t.tag == ENUMERATED {
            small_of(&t, "networkResource")?
        } else {
            // extensibleSystemFailureParam: SEQUENCE { networkResource OPTIONAL, ... }.
            t.children()
                .filter_map(Result::ok)
                .find(|f| f.tag == ENUMERATED)
                .map_or(Ok(0), |f| small_of(&f, "networkResource"))?
        };
        Ok(SystemFailureParam { resource })
    }
}
