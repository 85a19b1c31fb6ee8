//! The dialogue portion (Q.773 §4.2.2 and §4.2.3, Table 49): an EXTERNAL whose direct reference is
//! the structured dialogue's abstract syntax `0.0.17.773.1.1.1` and whose single ASN.1 value is a
//! DialoguePDU: AARQ (request, with the application context name), AARE (response: the name,
//! the result and its source diagnostic) or ABRT (user or provider abort).

use super::{ber_err, Error, INTEGER};
use crate::wire::ber::{Class, RevWriter, Tag, Tlv};

/// `0.0.17.773.1.1.1`, dialogue-as-id, as OBJECT IDENTIFIER contents.
const DIALOGUE_AS_ID: [u8; 7] = [0x00, 0x11, 0x86, 0x05, 0x01, 0x01, 0x01];
/// The MAP application context prefix `0.4.0.0.1.0` (TS 29.002 §17.3.2).
const MAP_AC_PREFIX: [u8; 5] = [0x04, 0x00, 0x00, 0x01, 0x00];

const OID: Tag = Tag {
    class: Class::Universal,
    constructed: false,
    number: 6,
};
const EXTERNAL: Tag = Tag {
    class: Class::Universal,
    constructed: true,
    number: 8,
};
const DIALOGUE_PORTION: Tag = Tag {
    class: Class::Application,
    constructed: true,
    number: 11,
};
const AARQ: u32 = 0;
const AARE: u32 = 1;
const ABRT: u32 = 4;

/// A MAP application context name `0.4.0.0.1.0.context.version` (TS 29.002 §17.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Acn {
    /// The context (1 networkLocUp, 14 infoRetrieval, ...).
    pub context: u8,
    /// The version (1, 2 or 3).
    pub version: u8,
}

impl Acn {
    fn contents(self) -> [u8; 7] {
        let p = MAP_AC_PREFIX;
        [p[0], p[1], p[2], p[3], p[4], self.context, self.version]
    }

    fn parse(b: &[u8]) -> Result<Acn, Error> {
        match b {
            [a, b2, c, d, e, context, version]
                if [*a, *b2, *c, *d, *e] == MAP_AC_PREFIX && *context < 0x80 && *version < 0x80 =>
            {
                Ok(Acn {
                    context: *context,
                    version: *version,
                })
            }
            _ => Err(Error::UnsupportedAcn),
        }
    }
}

/// Associate-result of an AARE (Q.773 Table 49).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssociateResult {
    /// accepted (0).
    Accepted,
    /// reject-permanent (1).
    RejectPermanent,
}

/// Associate-source-diagnostic of an AARE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Diagnostic {
    /// dialogue-service-user: 0 null, 1 no-reason-given, 2 application-context-name-not-supported.
    User(u8),
    /// dialogue-service-provider: 0 null, 1 no-reason-given, 2 no-common-dialogue-portion.
    Provider(u8),
}

impl Diagnostic {
    /// The user refused the application context (the responder's AARE names the one it offers).
    pub const ACN_NOT_SUPPORTED: Diagnostic = Diagnostic::User(2);
}

/// A DialoguePDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialogue {
    /// AARQ: the initiator proposes an application context.
    Request {
        /// Application context name.
        acn: Acn,
    },
    /// AARE: the responder accepts it or refuses it (naming one it supports).
    Response {
        /// Application context name.
        acn: Acn,
        /// Result.
        result: AssociateResult,
        /// Result source diagnostic.
        diagnostic: Diagnostic,
    },
    /// ABRT: a user (false) or provider (true) abort.
    Abort {
        /// abort-source: dialogue-service-provider (true) or -user (false).
        by_provider: bool,
    },
}

fn child<'a>(
    it: &mut impl Iterator<Item = Result<Tlv<'a>, crate::wire::ber::Error>>,
    field: &'static str,
) -> Result<Tlv<'a>, Error> {
    it.next()
        .transpose()
        .map_err(ber_err(field))?
        .ok_or(Error::Field(field))
}

fn small(t: &Tlv<'_>, field: &'static str) -> Result<u8, Error> {
    t.as_u32()
        .ok()
        .and_then(|v| u8::try_from(v).ok())
        .ok_or(Error::Field(field))
}

impl Dialogue {
    /// Reads a dialogue portion (`[APPLICATION 11]`, whose contents are the EXTERNAL).
    pub(super) fn parse_portion(portion: &Tlv<'_>) -> Result<Dialogue, Error> {
        let mut it = portion.children();
        let ext = child(&mut it, "dialogue portion")?;
        if ext.tag != EXTERNAL {
            return Err(Error::Field("dialogue portion"));
        }
        let mut e = ext.children();
        let oid = child(&mut e, "dialogue as id")?;
        if oid.tag != OID || oid.value != DIALOGUE_AS_ID {
            return Err(Error::Field("dialogue as id"));
        }
        let single = child(&mut e, "dialogue pdu")?;
        if !single.is_context(0) {
            return Err(Error::Field("dialogue pdu"));
        }
        let pdu = child(&mut single.children(), "dialogue pdu")?;
        if pdu.tag.class != Class::Application {
            return Err(Error::Field("dialogue pdu"));
        }
        let (mut acn, mut result, mut diagnostic, mut by_provider) = (None, None, None, None);
        for f in pdu.children() {
            let f = f.map_err(ber_err("dialogue pdu"))?;
            match (pdu.tag.number, f.tag.class, f.tag.number) {
                // protocol-version, user-information: not needed.
                (_, Class::Context, 0) if pdu.tag.number != ABRT => {}
                (_, Class::Context, 30) => {}
                (AARQ | AARE, Class::Context, 1) => {
                    let o = child(&mut f.children(), "application context name")?;
                    acn = Some(Acn::parse(o.value)?);
                }
                (AARE, Class::Context, 2) => {
                    let r = child(&mut f.children(), "result")?;
                    result = Some(match small(&r, "result")? {
                        0 => AssociateResult::Accepted,
                        _ => AssociateResult::RejectPermanent,
                    });
                }
                (AARE, Class::Context, 3) => {
                    let d = child(&mut f.children(), "result source diagnostic")?;
                    let v = small(
                        &child(&mut d.children(), "result source diagnostic")?,
                        "result source diagnostic",
                    )?;
                    diagnostic = Some(match d.tag.number {
                        1 => Diagnostic::User(v),
                        _ => Diagnostic::Provider(v),
                    });
                }
                (ABRT, Class::Context, 0) => by_provider = Some(small(&f, "abort source")? != 0),
                _ => return Err(Error::Field("dialogue pdu")),
            }
        }
        let need_acn = || acn.ok_or(Error::Field("application context name"));
        match pdu.tag.number {
            AARQ => Ok(Dialogue::Request { acn: need_acn()? }),
            AARE => Ok(Dialogue::Response {
                acn: need_acn()?,
                result: result.ok_or(Error::Field("result"))?,
                diagnostic: diagnostic.ok_or(Error::Field("result source diagnostic"))?,
            }),
            ABRT => Ok(Dialogue::Abort {
                by_provider: by_provider.ok_or(Error::Field("abort source"))?,
            }),
            _ => Err(Error::Field("dialogue pdu")),
        }
    }

    /// Writes the dialogue portion, EXTERNAL and all.
    pub(super) fn write_portion(&self, w: &mut RevWriter<'_>) {
        let portion = w.mark();
        let single = w.mark();
        let pdu = w.mark();
        let number = match *self {
            Dialogue::Request { acn } => {
                write_acn(w, acn);
                w.named_bits(Tag::context(0), 1);
                AARQ
            }
            Dialogue::Response {
                acn,
                result,
                diagnostic,
            } => {
                let d = w.mark();
                let (choice, v) = match diagnostic {
                    Diagnostic::User(v) => (1, v),
                    Diagnostic::Provider(v) => (2, v),
                };
                let c = w.mark();
                w.unsigned(INTEGER, v.into());
                w.header(Tag::context_constructed(choice), c);
                w.header(Tag::context_constructed(3), d);
                let r = w.mark();
                w.unsigned(
                    INTEGER,
                    match result {
                        AssociateResult::Accepted => 0,
                        AssociateResult::RejectPermanent => 1,
                    },
                );
                w.header(Tag::context_constructed(2), r);
                write_acn(w, acn);
                w.named_bits(Tag::context(0), 1);
                AARE
            }
            Dialogue::Abort { by_provider } => {
                w.unsigned(Tag::context(0), by_provider.into());
                ABRT
            }
        };
        w.header(
            Tag {
                class: Class::Application,
                constructed: true,
                number,
            },
            pdu,
        );
        w.header(Tag::context_constructed(0), single);
        w.octets(OID, &DIALOGUE_AS_ID);
        w.header(EXTERNAL, portion);
        w.header(DIALOGUE_PORTION, portion);
    }

    /// The application context name, where the PDU carries one.
    pub fn acn(&self) -> Option<Acn> {
        match *self {
            Dialogue::Request { acn } | Dialogue::Response { acn, .. } => Some(acn),
            Dialogue::Abort { .. } => None,
        }
    }
}

fn write_acn(w: &mut RevWriter<'_>, acn: Acn) {
    let s = w.mark();
    w.octets(OID, &acn.contents());
    w.header(Tag::context_constructed(1), s);
}
