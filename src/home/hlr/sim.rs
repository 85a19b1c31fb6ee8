//! Test and bench support: an [`Hlr`] and visited VLR/SGSN clients stepped against each other in
//! virtual time (CONTRIBUTING.md §3), TCAP bytes handed across directly and routed on the called
//! party's global title, optionally traced for a capture.

use super::{Hlr, SqnSource};
use crate::model::time::Micros;
use crate::proto::map::client::{Outcome, Visited};
use crate::wire::sccp::Address;

/// One TCAP message that crossed.
#[derive(Clone, Debug)]
pub struct Sent {
    /// SCCP calling party.
    pub from: Address,
    /// SCCP called party.
    pub to: Address,
    /// The TCAP message.
    pub tcap: Vec<u8>,
}

/// An HLR and its visited nodes.
#[derive(Debug)]
pub struct Sim<S: SqnSource> {
    /// The HLR.
    pub hlr: Hlr<S>,
    /// VLRs and SGSNs.
    pub nodes: Vec<Visited>,
    /// Virtual time.
    pub now: Micros,
    /// Messages towards the HLR are lost (to exercise timers).
    pub drop_to_hlr: bool,
    /// Every message, in order, when `Some`.
    pub trace: Option<Vec<Sent>>,
    buf: Vec<u8>,
}

impl<S: SqnSource> Sim<S> {
    /// A network of `hlr` and `nodes` at time zero.
    pub fn new(hlr: Hlr<S>, nodes: Vec<Visited>) -> Sim<S> {
        Sim {
            hlr,
            nodes,
            now: Micros::ZERO,
            drop_to_hlr: false,
            trace: None,
            buf: vec![0u8; 1024],
        }
    }

    fn record(&mut self, from: Address, to: Address, n: usize) {
        if let Some(t) = &mut self.trace {
            t.push(Sent {
                from,
                to,
                tcap: self.buf[..n].to_vec(),
            });
        }
    }

    /// Delivers messages until every side is quiet; returns how many crossed.
    pub fn settle(&mut self) -> usize {
        let mut moved = 0;
        loop {
            let before = moved;
            for i in 0..self.nodes.len() {
                while let Some((to, n)) = self.nodes[i].poll_transmit(&mut self.buf) {
                    let from = *self.nodes[i].local();
                    self.record(from, to, n);
                    moved += 1;
                    if !self.drop_to_hlr && to.gt == self.hlr.local().gt {
                        let _ = self.hlr.handle_tcap(self.now, from, &self.buf[..n]);
                    }
                }
            }
            while let Some((to, n)) = self.hlr.poll_transmit(&mut self.buf) {
                let from = *self.hlr.local();
                self.record(from, to, n);
                moved += 1;
                if let Some(node) = self.nodes.iter_mut().find(|v| v.local().gt == to.gt) {
                    let _ = node.handle_tcap(self.now, from, &self.buf[..n]);
                }
            }
            if moved == before {
                return moved;
            }
        }
    }

    /// Jumps to the earliest timer anyone asked for, expires it, and settles; false when no
    /// timer is pending.
    pub fn advance(&mut self) -> bool {
        let next = self
            .nodes
            .iter_mut()
            .filter_map(|v| v.poll_timeout())
            .chain(self.hlr.poll_timeout())
            .min();
        let Some(at) = next else {
            return false;
        };
        self.now = self.now.max(at);
        for v in &mut self.nodes {
            v.handle_timeout(self.now);
        }
        self.hlr.handle_timeout(self.now);
        self.settle();
        true
    }

    /// The outcomes node `i` has reported so far.
    pub fn outcomes(&mut self, i: usize) -> Vec<Outcome> {
        std::iter::from_fn(|| self.nodes[i].poll_outcome()).collect()
    }
}
