//! Writing a [`GwRecord`] as BER. [`RevWriter`] writes backwards, so each SET and SEQUENCE is
//! written from its highest tag down; the bytes come out in ascending tag order, the canonical
//! order of X.690 §10.3.

use std::net::IpAddr;

use super::{Error, GwRecord, RecordKind, TimeStamp, VolumeContainer};
use crate::model::Plmn;
use crate::wire::ber::{RevWriter, Tag};

const fn ctx(n: u32) -> Tag {
    Tag::context(n)
}

const fn ctx_c(n: u32) -> Tag {
    Tag::context_constructed(n)
}

/// `IPAddress` CHOICE as `iPBinaryAddress`: `iPBinV4Address [0]` or `iPBinV6Address [1]`
/// (TS 32.298 `GenericChargingDataTypes`).
fn ip_binary(w: &mut RevWriter<'_>, ip: &IpAddr) {
    match ip {
        IpAddr::V4(a) => w.octets(ctx(0), &a.octets()),
        IpAddr::V6(a) => w.octets(ctx(1), &a.octets()),
    }
}

/// A field of CHOICE type `IPAddress` (or `GSNAddress`): its tag is explicit, around the choice.
fn gsn_address(w: &mut RevWriter<'_>, tag: u32, ip: &IpAddr) {
    let s = w.mark();
    ip_binary(w, ip);
    w.header(ctx_c(tag), s);
}

/// TBCD of the `digits` decimal digits of `value` (filler `F` when odd): the octets of the
/// model's `to_tbcd`, with one division by the constant 10 per digit, since this runs for
/// every CDR (the model's version divides by a power of ten per digit).
pub(super) fn tbcd(value: u64, digits: u8, out: &mut [u8; 8]) -> usize {
    let digits = usize::from(digits.min(16));
    let mut d = [0xfu8; 17];
    let mut v = value;
    for slot in d[..digits].iter_mut().rev() {
        *slot = (v % 10) as u8;
        v /= 10;
    }
    let n = digits.div_ceil(2).min(8);
    for (i, o) in out[..n].iter_mut().enumerate() {
        *o = (d[2 * i + 1] << 4) | d[2 * i];
    }
    n
}

fn time(w: &mut RevWriter<'_>, tag: u32, t: &TimeStamp) {
    w.octets(ctx(tag), &t.to_bytes());
}

fn plmn(w: &mut RevWriter<'_>, tag: u32, p: &Plmn) {
    w.octets(ctx(tag), &p.to_tbcd());
}

fn opt<T>(w: &mut RevWriter<'_>, v: &Option<T>, f: impl FnOnce(&mut RevWriter<'_>, &T)) {
    if let Some(v) = v {
        f(w, v);
    }
}

/// `EPCQoSInformation ::= SEQUENCE { qCI [1] INTEGER, ... }` under `tag`.
fn qos(w: &mut RevWriter<'_>, tag: u32, qci: u8) {
    let s = w.mark();
    w.unsigned(ctx(1), qci.into());
    w.header(ctx_c(tag), s);
}

/// `ChangeOfServiceCondition` (PGW-CDR `listOfServiceData`).
fn service_container(w: &mut RevWriter<'_>, c: &VolumeContainer) {
    let s = w.mark();
    time(w, 14, &c.report_time);
    w.unsigned(ctx(13), c.downlink);
    w.unsigned(ctx(12), c.uplink);
    opt(w, &c.qci, |w, q| qos(w, 9, *q));
    w.named_bits(ctx(8), c.condition);
    opt(w, &c.time_usage_s, |w, v| w.unsigned(ctx(7), (*v).into()));
    opt(w, &c.last_usage, |w, t| time(w, 6, t));
    opt(w, &c.first_usage, |w, t| time(w, 5, t));
    opt(w, &c.local_sequence_number, |w, v| {
        w.unsigned(ctx(4), (*v).into())
    });
    w.unsigned(ctx(1), c.rating_group.into());
    w.header(Tag::SEQUENCE, s);
}

/// `ChangeOfCharCondition` (SGW-CDR `listOfTrafficVolumes`).
fn traffic_container(w: &mut RevWriter<'_>, c: &VolumeContainer) {
    let s = w.mark();
    opt(w, &c.qci, |w, q| qos(w, 9, *q));
    time(w, 6, &c.report_time);
    w.unsigned(ctx(5), c.condition);
    w.unsigned(ctx(4), c.downlink);
    w.unsigned(ctx(3), c.uplink);
    w.header(Tag::SEQUENCE, s);
}

fn containers(w: &mut RevWriter<'_>, tag: u32, list: &[VolumeContainer], kind: RecordKind) {
    let s = w.mark();
    for c in list.iter().rev() {
        match kind {
            RecordKind::Pgw => service_container(w, c),
            RecordKind::Sgw => traffic_container(w, c),
        }
    }
    w.header(ctx_c(tag), s);
}

impl GwRecord {
    /// Checks what BER cannot express or TS 32.298 bounds (sizes of strings).
    fn check(&self) -> Result<(), Error> {
        if self.node_id.len() > 20 || !self.node_id.is_ascii() {
            return Err(Error::Unencodable("nodeID"));
        }
        if self.apn_ni.len() > 63 || !self.apn_ni.is_ascii() {
            return Err(Error::Unencodable("accessPointNameNI"));
        }
        Ok(())
    }

    /// Writes the whole `GPRSRecord` backwards through `w`.
    fn write(&self, w: &mut RevWriter<'_>) {
        let kind = self.kind;
        let s = w.mark();
        match kind {
            RecordKind::Pgw => opt(w, &self.pdn_connection_charging_id, |w, v| {
                w.unsigned(ctx(41), (*v).into())
            }),
            RecordKind::Sgw => opt(w, &self.pdn_connection_charging_id, |w, v| {
                w.unsigned(ctx(40), (*v).into())
            }),
        }
        opt(w, &self.stop_time, |w, t| time(w, 39, t));
        opt(w, &self.start_time, |w, t| time(w, 38, t));
        opt(w, &self.pgw_plmn, |w, p| plmn(w, 37, p));
        if kind == RecordKind::Sgw {
            opt(w, &self.pgw_address_used, |w, a| gsn_address(w, 36, a));
        }
        let n = w.mark();
        w.unsigned(Tag::ENUMERATED, self.serving_node_type.into());
        w.header(ctx_c(35), n);
        if kind == RecordKind::Pgw && !self.volumes.is_empty() {
            containers(w, 34, &self.volumes, kind);
        }
        opt(w, &self.ms_time_zone, |w, z| w.octets(ctx(31), z));
        opt(w, &self.rat_type, |w, r| w.unsigned(ctx(30), (*r).into()));
        opt(w, &self.serving_node_plmn, |w, p| plmn(w, 27, p));
        opt(w, &self.ch_ch_selection_mode, |w, m| {
            w.unsigned(ctx(24), (*m).into())
        });
        w.octets(ctx(23), &self.charging_characteristics);
        opt(w, &self.served_msisdn, |w, m| {
            let mut digits = [0u8; 8];
            let len = tbcd(m.value(), m.digits(), &mut digits);
            let s = w.mark();
            w.bytes(&digits[..len]);
            w.byte(0x91);
            w.header(ctx(22), s);
        });
        opt(w, &self.apn_selection_mode, |w, m| {
            w.unsigned(ctx(21), (*m).into())
        });
        opt(w, &self.local_sequence_number, |w, v| {
            w.unsigned(ctx(20), (*v).into())
        });
        if !self.node_id.is_empty() {
            w.octets(ctx(18), self.node_id.as_bytes());
        }
        opt(w, &self.record_sequence_number, |w, v| {
            w.unsigned(ctx(17), (*v).into())
        });
        w.unsigned(ctx(15), self.cause_for_rec_closing.into());
        w.unsigned(ctx(14), self.duration_s.into());
        time(w, 13, &self.record_opening_time);
        if kind == RecordKind::Sgw && !self.volumes.is_empty() {
            containers(w, 12, &self.volumes, kind);
        }
        if self.dynamic_address_flag {
            w.boolean(ctx(11), true);
        }
        opt(w, &self.served_pdp_pdn_address, |w, a| {
            // PDPAddress ::= CHOICE { iPAddress [0] IPAddress }: two explicit tags.
            let s = w.mark();
            gsn_address(w, 0, a);
            w.header(ctx_c(9), s);
        });
        opt(w, &self.pdp_pdn_type, |w, t| w.octets(ctx(8), t));
        if !self.apn_ni.is_empty() {
            w.octets(ctx(7), self.apn_ni.as_bytes());
        }
        let a = w.mark();
        ip_binary(w, &self.serving_node_address);
        w.header(ctx_c(6), a);
        w.unsigned(ctx(5), self.charging_id.into());
        gsn_address(w, 4, &self.gw_address);
        opt(w, &self.served_imsi, |w, i| {
            let mut digits = [0u8; 8];
            let len = tbcd(i.value(), i.digits(), &mut digits);
            w.octets(ctx(3), &digits[..len]);
        });
        w.unsigned(ctx(0), kind.record_type().into());
        w.header(ctx_c(kind.choice_tag()), s);
    }

    /// Bytes [`emit`](GwRecord::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let mut w = RevWriter::measuring();
        self.write(&mut w);
        w.mark()
    }

    /// Writes the record as a BER `GPRSRecord` at the start of `buf`; returns its length.
    /// Nothing is allocated: the encoding is written backwards into `buf[..buffer_len()]`.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        self.check()?;
        let n = self.buffer_len();
        let out = buf.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        let mut w = RevWriter::new(out);
        self.write(&mut w);
        w.finish().map_err(|_| Error::BufferTooSmall)
    }

    /// Writes the record into the tail of `buf` and moves it to the front, in one encoding pass
    /// (no measuring pass first; the hot path, into a scratch buffer known to be large enough).
    /// Returns its length, or [`Error::BufferTooSmall`]. Unlike [`emit`](GwRecord::emit), the
    /// bytes of `buf` after the record are overwritten.
    pub fn emit_fast(&self, buf: &mut [u8]) -> Result<usize, Error> {
        self.check()?;
        let mut w = RevWriter::new(buf);
        self.write(&mut w);
        let n = w.finish().map_err(|_| Error::BufferTooSmall)?;
        let from = buf.len() - n;
        buf.copy_within(from.., 0);
        Ok(n)
    }

    /// The record as a new vector (tests and tools).
    pub fn to_vec(&self) -> Result<Vec<u8>, Error> {
        let mut v = vec![0u8; self.buffer_len()];
        self.emit(&mut v)?;
        Ok(v)
    }
}
