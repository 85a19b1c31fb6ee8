//! The SCTP-over-UDP listener of `serve` (RFC 6951; RFC 6733 §2.1, TS 29.272 §4.1):
//! roamsim's user-space SCTP ([`SctpUdpS6a`]), one UDP socket and one association per peer.
//! One association is one Diameter connection, every message one SCTP user message with PPID
//! 46, base protocol messages on stream 0 and the others spread over the remaining streams
//! (`transport::diameter_stream`). Kernel SCTP is a socket per peer, like TCP
//! ([`super::listen::StreamS6a`]).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;

use mio::{Interest, Registry};

use super::listen::{put, S6aTransport, S6A};
use crate::engine::diameter::sctp_udp::{SctpTotals, SctpUdp, SctpUdpConfig};
use crate::engine::diameter::PPID_DIAMETER;
use crate::home::S6aCore;
use crate::model::Micros;
use crate::proto::sctp::{AssocId, Event};

/// Diameter over user-space SCTP in UDP datagrams: one socket, one association per peer.
pub(super) struct SctpUdpS6a {
    sctp: SctpUdp,
    by_assoc: HashMap<AssocId, usize>,
    /// Per connection id: its association, and whether SHUTDOWN was started.
    assoc_of: Vec<Option<(AssocId, bool)>>,
    wrong_ppid: u64,
}

impl SctpUdpS6a {
    pub(super) fn bind(addr: SocketAddr) -> io::Result<SctpUdpS6a> {
        Ok(SctpUdpS6a {
            sctp: SctpUdp::bind(addr, SctpUdpConfig::server())?,
            by_assoc: HashMap::new(),
            assoc_of: Vec::new(),
            wrong_ppid: 0,
        })
    }

    fn events(&mut self, core: &mut S6aCore, now: u64) {
        while let Some((assoc, ev)) = self.sctp.poll_event() {
            match ev {
                Event::Connected { .. } => {
                    let id = core.open(Micros(now));
                    self.by_assoc.insert(assoc, id);
                    put(&mut self.assoc_of, id, (assoc, false));
                }
                Event::Message { ppid, data, .. } => {
                    if ppid != PPID_DIAMETER {
                        self.wrong_ppid += 1;
                    }
                    if let Some(&id) = self.by_assoc.get(&assoc) {
                        core.handle_message(Micros(now), id, &data);
                    }
                }
                Event::Closed { .. } => {
                    if let Some(id) = self.by_assoc.remove(&assoc) {
                        self.assoc_of[id] = None;
                        core.close(id);
                    }
                }
            }
        }
    }

    fn live(&self) -> Vec<AssocId> {
        self.by_assoc.keys().copied().collect()
    }
}

impl S6aTransport for SctpUdpS6a {
    fn local_addr(&self) -> SocketAddr {
        self.sctp.local_addr()
    }

    fn register(&mut self, registry: &Registry) -> io::Result<()> {
        registry.register(&mut self.sctp, S6A, Interest::READABLE)
    }

    fn ready(
        &mut self,
        core: &mut S6aCore,
        _registry: &Registry,
        now: u64,
        _conn: Option<usize>,
        _readable: bool,
        _writable: bool,
    ) -> anyhow::Result<()> {
        self.sctp.recv(Micros(now))?;
        self.events(core, now);
        Ok(())
    }

    fn flush(&mut self, core: &mut S6aCore, _registry: &Registry, now: u64) -> anyhow::Result<()> {
        for id in 0..self.assoc_of.len() {
            let Some((assoc, shutting)) = self.assoc_of[id] else {
                continue;
            };
            let out = core.output(id);
            if !out.is_empty() {
                // A refusal is counted (`sctp send errors` in the exit report) and the Diameter
                // peer's timers notice; the usual one is an answer or CLR for an MME whose
                // association is already shutting down, not worth a line per message.
                let _ = self.sctp.send_diameter(Micros(now), assoc, out);
                core.clear_output(id);
            }
            if core.is_down(id) && !shutting {
                // After the last answer (a refusal's CEA, a DPA), SHUTDOWN (RFC 9260 §9.2).
                self.sctp.shutdown(Micros(now), assoc);
                self.assoc_of[id] = Some((assoc, true));
            }
        }
        self.sctp.flush(Micros(now))?;
        // A SHUTDOWN can close an association at once (nothing outstanding).
        self.events(core, now);
        Ok(())
    }

    fn poll_timeout(&self) -> Option<u64> {
        self.sctp.poll_timeout().map(u64::from)
    }

    fn handle_timeout(&mut self, core: &mut S6aCore, now: u64) {
        self.sctp.handle_timeout(Micros(now));
        self.events(core, now);
    }

    fn is_empty(&self) -> bool {
        self.by_assoc.is_empty()
    }

    fn close_all(&mut self, core: &mut S6aCore, _registry: &Registry, now: u64) {
        for assoc in self.live() {
            self.sctp.abort(Micros(now), assoc);
        }
        let _ = self.sctp.flush(Micros(now));
        self.events(core, now);
    }

    fn report_lines(&mut self) -> Vec<String> {
        let mut lines = vec![self
            .sctp_totals()
            .map(|t| t.to_string())
            .unwrap_or_default()];
        lines.push(format!(
            "sctp send errors {}, messages with a PPID other than 46: {}",
            self.sctp.send_errors(),
            self.wrong_ppid
        ));
        lines
    }

    fn sctp_totals(&mut self) -> Option<SctpTotals> {
        let live = self.live();
        Some(self.sctp.totals(live))
    }
}
