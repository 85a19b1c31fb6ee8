//! How the CDF learns the fate of its packets: answers and their absence (acknowledgement,
//! refusal, N3 timeouts), the CGF going down and coming back, and the verdict on a packet whose
//! fate was unknown (the empty test packet, then release or cancel of the possibly duplicated
//! copy, or the records sent again as new).

use super::{join, split, Cdf, CdfEvent, Held, Kind, Meta, Packet, Unknown};
use crate::model::Micros;
use crate::wire::gtpprime::cause;

impl Cdf {
    pub(super) fn mark_up(&mut self, now: Micros, i: usize) {
        let c = &mut self.cgfs[i];
        if !c.up {
            c.up = true;
            c.echo.reset();
            c.echo_at = None;
            self.events.push_back(CdfEvent::CgfUp(c.addr));
            self.start_probes(now, i);
        }
    }

    /// Sends the empty test packets to CGF `i` for the held copies whose original
    /// went to it (one probe per original packet).
    pub(super) fn start_probes(&mut self, now: Micros, i: usize) {
        let mut seqs: Vec<u16> = self
            .held
            .values()
            .filter(|h| h.origin == i && !h.decided)
            .map(|h| h.seq)
            .collect();
        seqs.sort_unstable();
        seqs.dedup();
        for seq in seqs {
            if !self.inflight.contains_key(&(i, seq)) {
                self.launch(now, i, seq, Kind::Probe, Vec::new());
            }
        }
    }

    /// The fate of packet `seq` of CGF `i` is known: `had` when that CGF stored it.
    pub(super) fn decide(&mut self, i: usize, seq: u16, had: bool) {
        self.verdicts.remove(&(i, seq));
        for (&(held_at, held_seq), h) in self.held.iter_mut() {
            if h.origin == i && h.seq == seq && !h.decided {
                h.decided = true;
                self.resolutions.push_back((held_at, !had, held_seq));
            }
        }
        let waiting = std::mem::take(&mut self.unknown);
        for u in waiting {
            if (u.origin, u.seq) != (i, seq) {
                self.unknown.push_back(u);
            } else if had {
                let (_, meta) = split(u.records);
                self.acked(meta);
            } else {
                // Never stored: these are fresh records again, first in line.
                for r in u.records.into_iter().rev() {
                    self.pending.push_front(r);
                }
            }
        }
    }

    pub(super) fn acked(&mut self, records: Vec<Meta>) {
        for r in records {
            if r.from_spool {
                self.replay_unacked -= 1;
            }
            self.stats.records_acked += 1;
            self.events.push_back(CdfEvent::Acked {
                closed_at: r.closed_at,
            });
        }
    }

    /// An answer about packet `key`, given up on earlier, from its CGF: the answer to a probe,
    /// or a late answer to the packet itself. The CGF answers "already fulfilled" only
    /// when it stored the packet; it answers "accepted" once to the packet itself (when it
    /// stores it) and to every probe that finds the number unused, after which it never stores
    /// that packet. So "already fulfilled" means stored, and two "accepted" answers mean not
    /// stored (at most one of them can come from the packet); one "accepted" alone is asked
    /// again.
    pub(super) fn verdict(&mut self, key: (usize, u16), c: u8) {
        match c {
            cause::REQUEST_ALREADY_FULFILLED | cause::POSSIBLY_DUPLICATED_ALREADY_FULFILLED => {
                self.decide(key.0, key.1, true)
            }
            cause::REQUEST_ACCEPTED => {
                let n = self.verdicts.entry(key).or_insert(0);
                *n += 1;
                if *n >= 2 {
                    self.decide(key.0, key.1, false);
                }
            }
            // No answer yet: the next probe asks again.
            _ => {}
        }
    }

    pub(super) fn on_response(&mut self, now: Micros, i: usize, seq: u16, c: u8) {
        let Some(p) = self.inflight.remove(&(i, seq)) else {
            if self.verdicts.contains_key(&(i, seq)) {
                self.verdict((i, seq), c);
            }
            return;
        };
        let ok = matches!(
            c,
            cause::REQUEST_ACCEPTED
                | cause::REQUEST_ALREADY_FULFILLED
                | cause::POSSIBLY_DUPLICATED_ALREADY_FULFILLED
        );
        match p.kind {
            Kind::Normal if ok => {
                self.stats.packets_acked += 1;
                self.acked(p.meta);
            }
            Kind::Duplicate { origin, seq: oseq } if ok => {
                self.stats.packets_acked += 1;
                self.held.insert(
                    (i, seq),
                    Held {
                        origin,
                        seq: oseq,
                        meta: p.meta,
                        decided: false,
                        since: now,
                    },
                );
                if self.cgfs[origin].up {
                    self.start_probes(now, origin);
                }
            }
            Kind::Probe => self.verdict((i, seq), c),
            Kind::Resolve { release, seqs } if ok => {
                for s in seqs {
                    if let Some(h) = self.held.remove(&(i, s)) {
                        if release {
                            self.stats.released += 1;
                        } else {
                            self.stats.cancelled += 1;
                        }
                        self.acked(h.meta);
                    }
                }
            }
            Kind::Normal | Kind::Duplicate { .. } => {
                // Refused (not stored): queue the records again.
                self.stats.refused += 1;
                for r in join(p.cdrs, p.meta).into_iter().rev() {
                    self.pending.push_front(r);
                }
            }
            Kind::Resolve { release, seqs } => {
                for s in seqs {
                    self.resolutions.push_back((i, release, s));
                }
            }
        }
    }

    pub(super) fn mark_down(&mut self, now: Micros, i: usize) {
        let c = &mut self.cgfs[i];
        if c.up {
            c.up = false;
            let d = c.echo.next_delay();
            c.echo_at = Some(now + d);
            self.events.push_back(CdfEvent::CgfDown(c.addr));
        }
    }

    pub(super) fn give_up(&mut self, now: Micros, p: Packet) {
        self.mark_down(now, p.cgf);
        match p.kind {
            Kind::Normal => {
                self.verdicts.entry((p.cgf, p.seq)).or_insert(0);
                self.unknown.push_back(Unknown {
                    origin: p.cgf,
                    seq: p.seq,
                    records: join(p.cdrs, p.meta),
                })
            }
            // The copy's own fate is unknown too; its original's fate decides. The copy, if it
            // arrived, stays held at that CGF and is never stored.
            Kind::Duplicate { origin, seq } => self.unknown.push_back(Unknown {
                origin,
                seq,
                records: join(p.cdrs, p.meta),
            }),
            Kind::Probe => {
                // Probe again when the original CGF is back (mark_up starts probes; waiting
                // groups go to another CGF or the spool meanwhile).
            }
            Kind::Resolve { release, seqs } => {
                for s in seqs {
                    self.resolutions.push_back((p.cgf, release, s));
                }
            }
        }
    }
}
