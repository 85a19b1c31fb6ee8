//! TCAP, the Transaction Capabilities Application Part (ITU-T Q.773), in BER (X.690) through the
//! crate's [`ber`](crate::wire::ber) module: the transaction portion of Begin, Continue, End and
//! Abort (§4.2.1, with originating and destination transaction ids of 1 to 4 octets and the
//! P-Abort cause), the dialogue portion (Q.773 §4.2.2 and Table 49: AARQ, AARE and ABRT of the
//! dialogue-as-id `0.0.17.773.1.1.1` inside an EXTERNAL) and the component portion (§4.2.3:
//! Invoke, ReturnResultLast, ReturnError, Reject, with invoke ids and local operation codes).
//!
//! Operation arguments and results are opaque here: a component carries its parameter as the
//! complete BER encoding (tag, length, contents), which `wire::map` reads and writes. Only
//! application context names of the `0.4.0.0.1.0.X.V` form (MAP, TS 29.002 §17.3.2) are modelled
//! ([`Acn`]); a dialogue portion naming another is [`Error::UnsupportedAcn`].

mod dialogue;
#[cfg(test)]
mod tests;

pub use dialogue::{Acn, AssociateResult, Diagnostic, Dialogue};

use crate::wire::ber::{self, Class, RevWriter, Tag, Tlv, TlvIter};

/// Why bytes are not a TCAP message this codec reads, or one could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The BER underneath does not parse; the field names where.
    #[error("TCAP {field}: {ber}")]
    Ber {
        /// Field being read.
        field: &'static str,
        /// The BER error.
        ber: ber::Error,
    },
    /// A message type (the outer APPLICATION tag) this codec does not handle.
    #[error("TCAP message tag {0:#04x} not supported")]
    UnsupportedMessage(u32),
    /// A mandatory field is absent or has the wrong form.
    #[error("TCAP {0} missing or malformed")]
    Field(&'static str),
    /// An application context name outside `0.4.0.0.1.0.X.V`.
    #[error("TCAP application context name not a MAP context")]
    UnsupportedAcn,
    /// The output buffer is smaller than `buffer_len()`.
    #[error("output buffer too small")]
    BufferTooSmall,
}

pub(crate) fn ber_err(field: &'static str) -> impl Fn(ber::Error) -> Error {
    move |ber| Error::Ber { field, ber }
}

/// P-Abort causes (Q.773 §4.2.1.4).
pub mod p_abort {
    /// Unrecognized message type.
    pub const UNRECOGNIZED_MESSAGE_TYPE: u8 = 0;
    /// Unrecognized transaction id.
    pub const UNRECOGNIZED_TRANSACTION_ID: u8 = 1;
    /// Badly formatted transaction portion.
    pub const BADLY_FORMATTED_TRANSACTION_PORTION: u8 = 2;
    /// Incorrect transaction portion.
    pub const INCORRECT_TRANSACTION_PORTION: u8 = 3;
    /// Resource limitation.
    pub const RESOURCE_LIMITATION: u8 = 4;
}

/// The transaction-level message type (Q.773 §4.2.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Begin: opens a dialogue (otid).
    Begin,
    /// Continue: otid and dtid.
    Continue,
    /// End: closes it (dtid).
    End,
    /// Abort: closes it abnormally (dtid, P-Abort cause or a dialogue portion).
    Abort,
}

impl Kind {
    const fn tag_number(self) -> u32 {
        match self {
            Kind::Begin => 2,
            Kind::End => 4,
            Kind::Continue => 5,
            Kind::Abort => 7,
        }
    }
}

/// A Reject's problem (Q.773 §4.2.2.1: the CHOICE tag 0..=3 and the code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 0 general, 1 invoke, 2 return result, 3 return error.
    pub kind: u8,
    /// The problem code in that group.
    pub code: u8,
}

/// One component (Q.773 §4.2.2). Parameters are complete BER encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component<'a> {
    /// Invoke an operation.
    Invoke {
        /// Invoke id.
        invoke_id: i8,
        /// Linked id (the invoke this one answers within).
        linked_id: Option<i8>,
        /// Local operation code.
        opcode: u8,
        /// The argument.
        parameter: Option<&'a [u8]>,
    },
    /// The last (or only) result of an invoke. A ReturnResultNotLast (TCAP segmentation of a
    /// long result, Q.773 §3.2) is read as this too: this crate does not reassemble segments.
    ReturnResultLast {
        /// Invoke id.
        invoke_id: i8,
        /// Operation code and result, when the operation returns one.
        result: Option<(u8, Option<&'a [u8]>)>,
    },
    /// An operation's error.
    ReturnError {
        /// Invoke id.
        invoke_id: i8,
        /// Local error code.
        error_code: u8,
        /// The error parameter.
        parameter: Option<&'a [u8]>,
    },
    /// A component refused.
    Reject {
        /// Invoke id, when derivable.
        invoke_id: Option<i8>,
        /// Why.
        problem: Problem,
    },
}

/// Components of a message: as received (walk with [`Components::iter`]) or to send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Components<'a> {
    /// The contents of a received component portion.
    Wire(&'a [u8]),
    /// Components to send.
    List(&'a [Component<'a>]),
}

impl<'a> Components<'a> {
    /// No components.
    pub const NONE: Components<'static> = Components::List(&[]);

    /// The components in order; an `Err` stops the walk.
    pub fn iter(&self) -> impl Iterator<Item = Result<Component<'a>, Error>> + 'a {
        let (wire, list): (&'a [u8], &'a [Component<'a>]) = match *self {
            Components::Wire(b) => (b, &[]),
            Components::List(l) => (&[], l),
        };
        TlvIter::new(wire)
            .map(|t| Component::parse(t.map_err(ber_err("component"))?))
            .chain(list.iter().map(|c| Ok(*c)))
    }

    fn is_empty(&self) -> bool {
        match self {
            Components::Wire(b) => b.is_empty(),
            Components::List(l) => l.is_empty(),
        }
    }
}

/// A TCAP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message<'a> {
    /// Message type.
    pub kind: Kind,
    /// Originating transaction id (Begin, Continue).
    pub otid: Option<u32>,
    /// Destination transaction id (Continue, End, Abort).
    pub dtid: Option<u32>,
    /// Dialogue portion (in an Abort: the user abort reason).
    pub dialogue: Option<Dialogue>,
    /// P-Abort cause (Abort only).
    pub p_abort: Option<u8>,
    /// Component portion.
    pub components: Components<'a>,
}

const fn app(number: u32, constructed: bool) -> Tag {
    Tag {
        class: Class::Application,
        constructed,
        number,
    }
}

const OTID: Tag = app(8, false);
const DTID: Tag = app(9, false);
const P_ABORT: Tag = app(10, false);
const DIALOGUE_PORTION: Tag = app(11, true);
const COMPONENT_PORTION: Tag = app(12, true);

/// UNIVERSAL 2, INTEGER.
pub(crate) const INTEGER: Tag = Tag {
    class: Class::Universal,
    constructed: false,
    number: 2,
};
/// UNIVERSAL 5, NULL.
pub(crate) const NULL: Tag = Tag {
    class: Class::Universal,
    constructed: false,
    number: 5,
};
/// UNIVERSAL 4, OCTET STRING.
pub(crate) const OCTETS: Tag = Tag {
    class: Class::Universal,
    constructed: false,
    number: 4,
};

fn tid(t: &Tlv<'_>, field: &'static str) -> Result<u32, Error> {
    match t.value.len() {
        1..=4 => Ok(t.value.iter().fold(0u32, |v, &b| (v << 8) | b as u32)),
        _ => Err(Error::Field(field)),
    }
}

fn small_int(t: &Tlv<'_>, field: &'static str) -> Result<i64, Error> {
    if t.tag.constructed {
        return Err(Error::Field(field));
    }
    t.as_i64().map_err(ber_err(field))
}

/// The `result` SEQUENCE of a ReturnResult: operation code and parameter.
#[allow(clippy::type_complexity)]
fn result_of<'a>(r: Option<(Tlv<'a>, &'a [u8])>) -> Result<Option<(u8, Option<&'a [u8]>)>, Error> {
    let Some((r, _)) = r else {
        return Ok(None);
    };
    if r.tag != Tag::SEQUENCE {
        return Err(Error::Field("result"));
    }
    let mut ri = tlvs(r.value);
    let (op, _) = ri
        .next()
        .transpose()
        .map_err(ber_err("result opcode"))?
        .ok_or(Error::Field("result opcode"))?;
    let p = ri.next().transpose().map_err(ber_err("result parameter"))?;
    Ok(Some((code(&op, "result opcode")?, p.map(|(_, w)| w))))
}

/// A Reject's problem: the CHOICE tag `[0]`..`[3]` and its code.
fn problem_of(p: &Tlv<'_>) -> Result<Problem, Error> {
    if p.tag.class != Class::Context || p.tag.number > 3 {
        return Err(Error::Field("problem"));
    }
    Ok(Problem {
        kind: p.tag.number as u8,
        code: u8::try_from(small_int(p, "problem")?).map_err(|_| Error::Field("problem"))?,
    })
}

fn invoke_id(t: &Tlv<'_>) -> Result<i8, Error> {
    i8::try_from(small_int(t, "invoke id")?).map_err(|_| Error::Field("invoke id"))
}

fn code(t: &Tlv<'_>, field: &'static str) -> Result<u8, Error> {
    if t.tag != INTEGER {
        // Global (OBJECT IDENTIFIER) codes are not used by MAP.
        return Err(Error::Field(field));
    }
    u8::try_from(small_int(t, field)?).map_err(|_| Error::Field(field))
}

impl<'a> Component<'a> {
    fn parse(t: Tlv<'a>) -> Result<Component<'a>, Error> {
        if t.tag.class != Class::Context || !t.tag.constructed {
            return Err(Error::Field("component"));
        }
        let mut it = tlvs(t.value);
        let mut next = |field| -> Result<Option<(Tlv<'a>, &'a [u8])>, Error> {
            it.next().transpose().map_err(ber_err(field))
        };
        let need =
            |v: Option<(Tlv<'a>, &'a [u8])>, field| v.map(|(t, _)| t).ok_or(Error::Field(field));
        match t.tag.number {
            1 => {
                let id = need(next("invoke id")?, "invoke id")?;
                let mut n = need(next("opcode")?, "opcode")?;
                let mut linked_id = None;
                if n.is_context(0) {
                    linked_id = Some(
                        i8::try_from(small_int(&n, "linked id")?)
                            .map_err(|_| Error::Field("linked id"))?,
                    );
                    n = need(next("opcode")?, "opcode")?;
                }
                let opcode = code(&n, "opcode")?;
                let parameter = next("parameter")?.map(|(_, w)| w);
                Ok(Component::Invoke {
                    invoke_id: invoke_id(&id)?,
                    linked_id,
                    opcode,
                    parameter,
                })
            }
            2 | 7 => {
                let id = need(next("invoke id")?, "invoke id")?;
                let result = result_of(next("result")?)?;
                Ok(Component::ReturnResultLast {
                    invoke_id: invoke_id(&id)?,
                    result,
                })
            }
            3 => {
                let id = need(next("invoke id")?, "invoke id")?;
                let e = need(next("error code")?, "error code")?;
                let parameter = next("parameter")?.map(|(_, w)| w);
                Ok(Component::ReturnError {
                    invoke_id: invoke_id(&id)?,
                    error_code: code(&e, "error code")?,
                    parameter,
                })
            }
            4 => {
                let id = need(next("invoke id")?, "invoke id")?;
                let invoke_id = if id.tag == NULL {
                    None
                } else {
                    Some(invoke_id(&id)?)
                };
                Ok(Component::Reject {
                    invoke_id,
                    problem: problem_of(&need(next("problem")?, "problem")?)?,
                })
            }
            _ => Err(Error::Field("component")),
        }
    }

    fn write(&self, w: &mut RevWriter<'_>) {
        let start = w.mark();
        let id = |w: &mut RevWriter<'_>, id: i8| w.octets(INTEGER, &[id as u8]);
        let number = match *self {
            Component::Invoke {
                invoke_id,
                linked_id,
                opcode,
                parameter,
            } => {
                if let Some(p) = parameter {
                    w.bytes(p);
                }
                w.unsigned(INTEGER, opcode.into());
                if let Some(l) = linked_id {
                    w.octets(Tag::context(0), &[l as u8]);
                }
                id(w, invoke_id);
                1
            }
            Component::ReturnResultLast { invoke_id, result } => {
                if let Some((op, p)) = result {
                    let s = w.mark();
                    if let Some(p) = p {
                        w.bytes(p);
                    }
                    w.unsigned(INTEGER, op.into());
                    w.header(Tag::SEQUENCE, s);
                }
                id(w, invoke_id);
                2
            }
            Component::ReturnError {
                invoke_id,
                error_code,
                parameter,
            } => {
                if let Some(p) = parameter {
                    w.bytes(p);
                }
                w.unsigned(INTEGER, error_code.into());
                id(w, invoke_id);
                3
            }
            Component::Reject { invoke_id, problem } => {
                w.unsigned(Tag::context(problem.kind.into()), problem.code.into());
                match invoke_id {
                    Some(i) => id(w, i),
                    None => w.octets(NULL, &[]),
                }
                4
            }
        };
        w.header(Tag::context_constructed(number), start);
    }
}

/// Walks the values in `data`, each with its complete encoding (identifier, length, contents).
pub(crate) fn tlvs(mut data: &[u8]) -> impl Iterator<Item = Result<(Tlv<'_>, &[u8]), ber::Error>> {
    core::iter::from_fn(move || {
        if data.is_empty() {
            return None;
        }
        match Tlv::parse(data) {
            Ok((t, rest)) => {
                let whole = &data[..data.len() - rest.len()];
                data = rest;
                Some(Ok((t, whole)))
            }
            Err(e) => {
                data = &[];
                Some(Err(e))
            }
        }
    })
}

fn write_tid(w: &mut RevWriter<'_>, tag: Tag, v: u32) {
    w.octets(tag, &v.to_be_bytes());
}

impl<'a> Message<'a> {
    /// Parses a message occupying all of `b` (as an SCCP message's user data).
    pub fn parse(b: &'a [u8]) -> Result<Message<'a>, Error> {
        let (top, _) = Tlv::parse(b).map_err(ber_err("message"))?;
        if top.tag.class != Class::Application || !top.tag.constructed {
            return Err(Error::UnsupportedMessage(top.tag.number));
        }
        let kind = match top.tag.number {
            2 => Kind::Begin,
            4 => Kind::End,
            5 => Kind::Continue,
            7 => Kind::Abort,
            n => return Err(Error::UnsupportedMessage(n)),
        };
        let mut m = Message {
            kind,
            otid: None,
            dtid: None,
            dialogue: None,
            p_abort: None,
            components: Components::Wire(&[]),
        };
        for t in top.children() {
            let t = t.map_err(ber_err("transaction portion"))?;
            match t.tag {
                OTID => m.otid = Some(tid(&t, "otid")?),
                DTID => m.dtid = Some(tid(&t, "dtid")?),
                P_ABORT => {
                    m.p_abort = Some(
                        u8::try_from(small_int(&t, "p-abort cause")?)
                            .map_err(|_| Error::Field("p-abort cause"))?,
                    )
                }
                DIALOGUE_PORTION => m.dialogue = Some(Dialogue::parse_portion(&t)?),
                COMPONENT_PORTION => m.components = Components::Wire(t.value),
                _ => return Err(Error::Field("transaction portion")),
            }
        }
        let need = |present: bool, field| present.then_some(()).ok_or(Error::Field(field));
        match kind {
            Kind::Begin => need(m.otid.is_some(), "otid")?,
            Kind::Continue => {
                need(m.otid.is_some(), "otid")?;
                need(m.dtid.is_some(), "dtid")?;
            }
            Kind::End | Kind::Abort => need(m.dtid.is_some(), "dtid")?,
        }
        Ok(m)
    }

    fn write(&self, w: &mut RevWriter<'_>) {
        let start = w.mark();
        if !self.components.is_empty() {
            let s = w.mark();
            match self.components {
                Components::Wire(b) => w.bytes(b),
                Components::List(l) => {
                    for c in l.iter().rev() {
                        c.write(w);
                    }
                }
            }
            w.header(COMPONENT_PORTION, s);
        }
        if let Some(d) = &self.dialogue {
            d.write_portion(w);
        }
        if let Some(c) = self.p_abort {
            w.unsigned(P_ABORT, c.into());
        }
        // Continue carries otid before dtid; the writer runs backwards.
        if let Some(d) = self.dtid {
            write_tid(w, DTID, d);
        }
        if let Some(o) = self.otid {
            write_tid(w, OTID, o);
        }
        w.header(app(self.kind.tag_number(), true), start);
    }

    /// Bytes [`emit`](Message::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let mut w = RevWriter::measuring();
        self.write(&mut w);
        w.mark()
    }

    /// Writes the message at the start of `buf`; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let n = self.buffer_len();
        let out = buf.get_mut(..n).ok_or(Error::BufferTooSmall)?;
        let mut w = RevWriter::new(out);
        self.write(&mut w);
        w.finish().map_err(|_| Error::BufferTooSmall)
    }
}
