//! Bearer Context, the grouped IE of TS 29.274 §8.28, as the session messages use it
//! (§7.2.1–§7.2.10): EBI (§8.8), Cause (§8.4), F-TEIDs told apart by instance (§8.22), Bearer
//! QoS (§8.15) and Charging ID (§8.29). [`BearerContexts`] is the list of them a message carries,
//! re-read from the received bytes on demand, so parsing stores no list.

use super::codes::ie;
use super::ie::{Ie, IeIter, IeWriter};
use super::values::{BearerQos, Cause, Fteid};
use super::{Error, IeRef};

/// F-TEIDs kept per Bearer Context; later ones in a received context are ignored.
pub const MAX_BEARER_FTEIDS: usize = 4;

/// An F-TEID with the instance that gives its role (e.g. instance 2: S5/S8-U in a Create
/// Session Request's Bearer Context, §7.2.1 Table 7.2.1-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FteidIe {
    /// IE instance, 0..=15.
    pub instance: u8,
    /// The F-TEID.
    pub fteid: Fteid,
}

/// Up to [`MAX_BEARER_FTEIDS`] F-TEIDs, in wire order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FteidList {
    items: [Option<FteidIe>; MAX_BEARER_FTEIDS],
}

impl FteidList {
    /// An empty list.
    pub const fn new() -> Self {
        Self {
            items: [None; MAX_BEARER_FTEIDS],
        }
    }

    /// A list of one F-TEID at `instance`.
    pub const fn one(instance: u8, fteid: Fteid) -> Self {
        let mut items = [None; MAX_BEARER_FTEIDS];
        items[0] = Some(FteidIe { instance, fteid });
        Self { items }
    }

    /// Appends; `false` when the list is full.
    pub fn push(&mut self, instance: u8, fteid: Fteid) -> bool {
        match self.items.iter_mut().find(|s| s.is_none()) {
            Some(slot) => {
                *slot = Some(FteidIe { instance, fteid });
                true
            }
            None => false,
        }
    }

    /// The F-TEIDs in order.
    pub fn iter(&self) -> impl Iterator<Item = FteidIe> + '_ {
        self.items.iter().map_while(|s| *s)
    }

    /// The first F-TEID at `instance`.
    pub fn get(&self, instance: u8) -> Option<Fteid> {
        self.iter()
            .find(|f| f.instance == instance)
            .map(|f| f.fteid)
    }

    /// Number of F-TEIDs.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.items[0].is_none()
    }
}

/// One Bearer Context. Which fields a message requires is checked by the message's `parse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BearerContext {
    /// EPS Bearer ID, 4 bits (5..=15 in use).
    pub ebi: u8,
    /// Cause (responses).
    pub cause: Option<Cause>,
    /// F-TEIDs by instance.
    pub fteids: FteidList,
    /// Bearer Level QoS.
    pub qos: Option<BearerQos>,
    /// Charging ID (Create Session Response).
    pub charging_id: Option<u32>,
}

impl BearerContext {
    /// A context with only its EBI.
    pub const fn new(ebi: u8) -> Self {
        Self {
            ebi,
            cause: None,
            fteids: FteidList::new(),
            qos: None,
            charging_id: None,
        }
    }

    /// Decodes the children of a Bearer Context IE. EBI is required; any known child that does
    /// not decode is an error naming it within this context; unknown children are skipped.
    pub fn parse(group: &Ie<'_>) -> Result<Self, Error> {
        let mut ebi = None;
        let mut bc = BearerContext::new(0);
        for child in group.children() {
            let child = child?;
            let v = child.value();
            let bad = || child.malformed();
            match (child.ie_type(), child.instance()) {
                (ie::EBI, 0) if ebi.is_none() => {
                    ebi = Some(v.first().ok_or_else(bad)? & 0x0f);
                }
                (ie::CAUSE, 0) if bc.cause.is_none() => {
                    bc.cause = Some(Cause::parse(v).ok_or_else(bad)?);
                }
                (ie::F_TEID, instance) => {
                    let f = Fteid::parse(v).ok_or_else(bad)?;
                    if bc.fteids.get(instance).is_none() {
                        bc.fteids.push(instance, f);
                    }
                }
                (ie::BEARER_QOS, 0) if bc.qos.is_none() => {
                    bc.qos = Some(BearerQos::parse(v).ok_or_else(bad)?);
                }
                (ie::CHARGING_ID, 0) if bc.charging_id.is_none() => {
                    let b = v.get(..4).ok_or_else(bad)?;
                    bc.charging_id = Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                }
                _ => {}
            }
        }
        bc.ebi = ebi.ok_or(Error::MissingIe(IeRef {
            ie: super::IeId::new(ie::EBI, 0),
            parent: Some(group.id()),
        }))?;
        Ok(bc)
    }

    /// Writes this context as a Bearer Context IE at `instance`: EBI, Cause, F-TEIDs, Bearer
    /// QoS, Charging ID (the order of the tables in §7.2).
    pub fn emit(&self, w: &mut IeWriter<'_>, instance: u8) -> Result<(), Error> {
        w.grouped(ie::BEARER_CONTEXT, instance, |w| {
            w.u8(ie::EBI, 0, self.ebi & 0x0f)?;
            if let Some(c) = &self.cause {
                w.value(ie::CAUSE, 0, c)?;
            }
            for f in self.fteids.iter() {
                w.value(ie::F_TEID, f.instance, &f.fteid)?;
            }
            if let Some(q) = &self.qos {
                w.value(ie::BEARER_QOS, 0, q)?;
            }
            if let Some(id) = self.charging_id {
                w.u32(ie::CHARGING_ID, 0, id)?;
            }
            Ok(())
        })
    }

    /// A missing child of this context, for a message's mandatory checks.
    pub(crate) fn missing(ie_type: u8, instance: u8) -> Error {
        Error::MissingIe(IeRef {
            ie: super::IeId::new(ie_type, 0),
            parent: Some(super::IeId::new(ie::BEARER_CONTEXT, instance)),
        })
    }
}

#[derive(Clone, Copy, Debug)]
enum Source<'a> {
    Wire { ies: &'a [u8], instance: u8 },
    List(&'a [BearerContext]),
}

/// The Bearer Contexts of one instance in a message: borrowed from the received IEs (validated
/// by the message's `parse`, re-read by [`BearerContexts::iter`]) or from a caller's slice.
#[derive(Clone, Copy, Debug)]
pub struct BearerContexts<'a>(Source<'a>);

impl<'a> BearerContexts<'a> {
    /// No Bearer Context.
    pub const EMPTY: BearerContexts<'static> = BearerContexts(Source::List(&[]));

    /// Contexts to emit.
    pub const fn new(list: &'a [BearerContext]) -> Self {
        Self(Source::List(list))
    }

    /// Validates every Bearer Context IE at `instance` in the message body `ies`.
    pub(crate) fn from_wire(ies: &'a [u8], instance: u8) -> Result<Self, Error> {
        for ie in IeIter::new(ies) {
            let ie = ie?;
            if ie.ie_type() == ie::BEARER_CONTEXT && ie.instance() == instance {
                BearerContext::parse(&ie)?;
            }
        }
        Ok(Self(Source::Wire { ies, instance }))
    }

    /// The contexts, in order.
    pub fn iter(&self) -> BearerIter<'a> {
        match self.0 {
            Source::Wire { ies, instance } => BearerIter {
                wire: Some((IeIter::new(ies), instance)),
                list: [].iter(),
            },
            Source::List(list) => BearerIter {
                wire: None,
                list: list.iter(),
            },
        }
    }

    /// The first context (the default bearer, in practice).
    pub fn first(&self) -> Option<BearerContext> {
        self.iter().next()
    }

    /// Number of contexts.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Writes every context as a Bearer Context IE at `instance`.
    pub fn emit(&self, w: &mut IeWriter<'_>, instance: u8) -> Result<(), Error> {
        self.iter().try_for_each(|bc| bc.emit(w, instance))
    }
}

impl PartialEq for BearerContexts<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for BearerContexts<'_> {}

/// Iterator of [`BearerContexts::iter`].
#[derive(Clone, Debug)]
pub struct BearerIter<'a> {
    wire: Option<(IeIter<'a>, u8)>,
    list: core::slice::Iter<'a, BearerContext>,
}

impl Iterator for BearerIter<'_> {
    type Item = BearerContext;

    fn next(&mut self) -> Option<BearerContext> {
        let Some((ies, instance)) = &mut self.wire else {
            return self.list.next().copied();
        };
        ies.by_ref().map_while(Result::ok).find_map(|ie| {
            (ie.ie_type() == ie::BEARER_CONTEXT && ie.instance() == *instance)
                .then(|| BearerContext::parse(&ie).ok())
                .flatten()
        })
    }
}
