//! Delete Bearer Request/Response (TS 29.274 §7.2.9.2, §7.2.10.2) as a PGW and an SGW exchange
//! them on S5/S8 when the PGW ends a PDN connection by itself (e.g. online charging cut it
//! off): the Linked EPS Bearer ID names the default bearer, so the whole connection goes.

use super::codes::{ie, msg};
use super::echo::emit_methods;
use super::header::{Header, Packet};
use super::ie::IeWriter;
use super::message::{self, mandatory, need, octet, optional, Body};
use super::session::{put, put_u8, session_header};
use super::values::Cause;
use super::Error;

/// Delete Bearer Request (§7.2.9.2), PGW to SGW. The Linked EBI (instance 0) deletes the PDN
/// connection of that default bearer; Cause (instance 0) says why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeleteBearerRequest {
    /// Header TEID: the SGW's S5/S8 GTP-C TEID.
    pub teid: u32,
    /// Sequence number.
    pub seq: u32,
    /// Linked EPS Bearer ID (73, instance 0), 4 bits.
    pub linked_ebi: Option<u8>,
    /// Cause (2).
    pub cause: Option<Cause>,
}

impl DeleteBearerRequest {
    /// Parses a Delete Bearer Request.
    pub fn parse(packet: &Packet<&[u8]>) -> Result<Self, Error> {
        message::expect(packet, msg::DELETE_BEARER_REQUEST)?;
        let (mut ebi, mut cause) = (None, None);
        for ie in packet.ies() {
            let ie = ie?;
            match (ie.ie_type(), ie.instance()) {
                (ie::EBI, 0) => optional(&mut ebi, &ie, |v| octet(v).map(|b| b & 0x0f)),
                (ie::CAUSE, 0) => optional(&mut cause, &ie, Cause::parse),
                _ => {}
            }
        }
        Ok(Self {
            teid: packet.teid().unwrap_or(0),
            seq: packet.seq(),
            linked_ebi: ebi,
            cause,
        })
    }

    emit_methods!();
}

impl Body for DeleteBearerRequest {
    fn header(&self) -> Header {
        session_header(msg::DELETE_BEARER_REQUEST, self.teid, self.seq)
    }

    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        put_u8(w, ie::EBI, &self.linked_ebi.map(|e| e & 0x0f))?;
        put(w, ie::CAUSE, 0, &self.cause)
    }
}

/// Delete Bearer Response (§7.2.10.2), SGW to PGW. Cause is mandatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeleteBearerResponse {
    /// Header TEID: the PGW's S5/S8 GTP-C TEID.
    pub teid: u32,
    /// Sequence number, copied from the request.
    pub seq: u32,
    /// Cause (2), mandatory.
    pub cause: Cause,
    /// Linked EPS Bearer ID (73, instance 0), echoed.
    pub linked_ebi: Option<u8>,
}

impl DeleteBearerResponse {
    /// Parses a Delete Bearer Response.
    pub fn parse(packet: &Packet<&[u8]>) -> Result<Self, Error> {
        message::expect(packet, msg::DELETE_BEARER_RESPONSE)?;
        let (mut cause, mut ebi) = (None, None);
        for ie in packet.ies() {
            let ie = ie?;
            match (ie.ie_type(), ie.instance()) {
                (ie::CAUSE, 0) => mandatory(&mut cause, &ie, Cause::parse)?,
                (ie::EBI, 0) => optional(&mut ebi, &ie, |v| octet(v).map(|b| b & 0x0f)),
                _ => {}
            }
        }
        Ok(Self {
            teid: packet.teid().unwrap_or(0),
            seq: packet.seq(),
            cause: need(cause, ie::CAUSE, 0)?,
            linked_ebi: ebi,
        })
    }

    emit_methods!();
}

impl Body for DeleteBearerResponse {
    fn header(&self) -> Header {
        session_header(msg::DELETE_BEARER_RESPONSE, self.teid, self.seq)
    }

    fn emit_ies(&self, w: &mut IeWriter<'_>) -> Result<(), Error> {
        w.value(ie::CAUSE, 0, &self.cause)?;
        put_u8(w, ie::EBI, &self.linked_ebi.map(|e| e & 0x0f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both messages round-trip byte for byte; the request keeps the TS 29.274 Table 7.2.9.2-1
    /// IE order (Linked EBI, then Cause).
    #[test]
    fn delete_bearer_round_trips() {
        let req = DeleteBearerRequest {
            teid: 0x1234,
            seq: 77,
            linked_ebi: Some(5),
            cause: Some(Cause::new(92)),
        };
        let mut buf = vec![0; req.buffer_len()];
        assert_eq!(req.emit(&mut buf).unwrap(), buf.len());
        let p = Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.msg_type(), 99);
        assert_eq!(DeleteBearerRequest::parse(&p).unwrap(), req);
        assert!(
            DeleteBearerResponse::parse(&p).is_err(),
            "a request is not a response"
        );
        let resp = DeleteBearerResponse {
            teid: 9,
            seq: 77,
            cause: Cause::new(16),
            linked_ebi: Some(5),
        };
        let mut buf = vec![0; resp.buffer_len()];
        assert_eq!(resp.emit(&mut buf).unwrap(), buf.len());
        let p = Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(DeleteBearerResponse::parse(&p).unwrap(), resp);
    }
}
