//! The CDF's side of the dead-letter spool: records that cannot be sent go out as framed batches
//! for the engine to append and sync; they come back, a bounded number at a time, once a CGF
//! answers and packets have room; a torn tail is cut; the file is emptied when all are stored.

use super::super::spool::{self, SpoolRecord, SpoolState};
use super::{Cdf, Rec, SpoolOp, Unknown};
use crate::model::Micros;

impl Cdf {
    pub(super) fn spool_one(&mut self, state: SpoolState, r: &Rec) {
        spool::append(&mut self.spool_batch, state, r.closed_at, &r.cdr);
        self.stats.spooled += 1;
    }

    pub(super) fn flush_spool(&mut self) {
        if !self.spool_batch.is_empty() {
            let batch = std::mem::take(&mut self.spool_batch);
            self.spool_len += batch.len() as u64;
            self.spool_ops.push_back(SpoolOp::Append(batch));
        }
    }

    /// Asks for the spool's unread records when a CGF is up and there is room for them.
    pub(super) fn maybe_replay(&mut self) {
        if self.spool_reading || self.spool_read >= self.spool_len {
            if self.spool_len > 0
                && self.spool_read >= self.spool_len
                && self.replay_unacked == 0
                && !self.spool_reading
            {
                self.spool_ops.push_back(SpoolOp::Clear);
                self.spool_len = 0;
                self.spool_read = 0;
            }
            return;
        }
        let now = Micros::MAX; // redirection does not matter for "is any CGF up"
        if self.active(now).is_some() && self.inflight.len() * 2 < self.cfg.max_unacked_packets {
            self.spool_reading = true;
            self.spool_ops.push_back(SpoolOp::Read {
                from: self.spool_read,
            });
        }
    }

    /// The spool bytes from the offset of the last [`SpoolOp::Read`] to the end of the file.
    /// Reads as many records as half the free packet slots can take; a torn tail is cut.
    pub fn handle_spool_data(&mut self, now: Micros, data: &[u8]) {
        self.spool_reading = false;
        let free = self
            .cfg
            .max_unacked_packets
            .saturating_sub(self.inflight.len())
            .div_ceil(2)
            .max(1);
        let scan = spool::scan(data, free * self.cfg.max_records_per_packet);
        self.spool_read += scan.consumed as u64;
        if scan.torn {
            let cut = data.len() - scan.consumed;
            self.stats.torn_bytes += cut as u64;
            self.spool_len = self.spool_read;
            self.spool_ops.push_back(SpoolOp::Truncate {
                len: self.spool_read,
            });
        }
        let mut groups: Vec<Unknown> = Vec::new();
        for SpoolRecord {
            state,
            closed_at,
            cdr,
        } in scan.records
        {
            self.stats.replayed += 1;
            self.replay_unacked += 1;
            let rec = Rec {
                cdr,
                closed_at,
                from_spool: true,
            };
            match state {
                SpoolState::Fresh => self.pending.push_back(rec),
                SpoolState::Unknown { cgf, seq } => {
                    let origin = usize::from(cgf).min(self.cgfs.len().saturating_sub(1));
                    self.verdicts.entry((origin, seq)).or_insert(0);
                    match groups
                        .iter_mut()
                        .find(|g| g.origin == origin && g.seq == seq)
                    {
                        Some(g) => g.records.push(rec),
                        None => groups.push(Unknown {
                            origin,
                            seq,
                            records: vec![rec],
                        }),
                    }
                }
            }
        }
        self.unknown.extend(groups);
        self.pump(now);
    }
}
