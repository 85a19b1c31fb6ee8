//! Virtual-time harness (CONTRIBUTING.md §3): a client and a server [`Endpoint`] joined by two
//! seeded in-memory links that drop, delay and (through jitter) reorder packets. The clock
//! jumps to the earliest of the endpoints' timers and the links' next deliveries.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;

use crate::model::rng::Rng;
use crate::model::Micros;
use crate::proto::sctp::{AssocId, Config, Endpoint, EndpointConfig, Event};

pub const MS: Micros = Micros::from_millis(1);
pub const S: Micros = Micros::from_secs(1);

/// One direction of the link.
pub struct Link {
    rng: Rng,
    pub loss: f64,
    pub delay: Micros,
    pub jitter: Micros,
    /// Let jitter reorder packets (like netem); otherwise a packet never overtakes another.
    pub reorder: bool,
    last_at: Micros,
    seq: u64,
    queue: BinaryHeap<Reverse<(Micros, u64, Vec<u8>)>>,
    pub delivered: u64,
    pub dropped: u64,
}

impl Link {
    pub fn new(seed: u64, loss: f64, delay: Micros, jitter: Micros) -> Self {
        Link {
            rng: Rng::new(seed),
            loss,
            delay,
            jitter,
            reorder: false,
            last_at: Micros(0),
            seq: 0,
            queue: BinaryHeap::new(),
            delivered: 0,
            dropped: 0,
        }
    }

    fn push(&mut self, now: Micros, pkt: Vec<u8>) {
        if self.rng.chance(self.loss) {
            self.dropped += 1;
            return;
        }
        let mut at = now + self.delay + Micros(self.rng.below(self.jitter.as_u64() + 1));
        if !self.reorder {
            at = at.max(self.last_at);
        }
        self.last_at = at;
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, pkt)));
    }

    fn next_at(&self) -> Option<Micros> {
        self.queue.peek().map(|Reverse((t, _, _))| *t)
    }

    fn pop_due(&mut self, now: Micros) -> Option<Vec<u8>> {
        if self.next_at()? > now {
            return None;
        }
        self.delivered += 1;
        self.queue.pop().map(|Reverse((_, _, p))| p)
    }
}

/// Client and server endpoints with a link between them.
pub struct Pair {
    pub now: Micros,
    pub client: Endpoint,
    pub server: Endpoint,
    pub client_addr: SocketAddr,
    pub server_addr: SocketAddr,
    pub c2s: Link,
    pub s2c: Link,
    pub client_events: Vec<(AssocId, Event)>,
    pub server_events: Vec<(AssocId, Event)>,
    /// Leave the server's events unpolled (an application that stopped reading).
    pub hold_server_events: bool,
    /// When set, every packet either side sends, in order (for captures).
    pub log: Option<Vec<Vec<u8>>>,
    buf: Vec<u8>,
}

pub fn test_config() -> Config {
    Config {
        rto_initial_us: 200 * MS,
        rto_min_us: 50 * MS,
        rto_max_us: 2 * S,
        ..Config::default()
    }
}

impl Pair {
    /// A pair on a link of `delay` ± `jitter` one way, losing `loss` of packets each way.
    pub fn new(seed: u64, loss: f64, delay: Micros, jitter: Micros) -> Self {
        Pair::with_configs(seed, loss, delay, jitter, test_config(), test_config())
    }

    pub fn with_configs(
        seed: u64,
        loss: f64,
        delay: Micros,
        jitter: Micros,
        client: Config,
        server: Config,
    ) -> Self {
        let ep = |local_port, assoc, accept| EndpointConfig {
            local_port,
            assoc,
            accept,
            ..EndpointConfig::default()
        };
        let mut s = seed;
        let mut next = || crate::model::rng::splitmix64(&mut s);
        Pair {
            now: Micros(0),
            client: Endpoint::new(ep(40000, client, false), [1; 32], next()),
            server: Endpoint::new(ep(3868, server, true), [2; 32], next()),
            client_addr: SocketAddr::from(([127, 0, 0, 1], 40000)),
            server_addr: SocketAddr::from(([127, 0, 0, 2], 9899)),
            c2s: Link::new(next(), loss, delay, jitter),
            s2c: Link::new(next(), loss, delay, jitter),
            client_events: Vec::new(),
            server_events: Vec::new(),
            hold_server_events: false,
            log: None,
            buf: Vec::new(),
        }
    }

    /// Opens an association from client to server.
    pub fn connect(&mut self) -> AssocId {
        self.client
            .connect(self.now, self.server_addr, 3868)
            .unwrap()
    }

    /// Moves packets and events at the current time until nothing more happens.
    pub fn settle(&mut self) {
        loop {
            let mut busy = false;
            while let Some(d) = self.client.poll_transmit(self.now, &mut self.buf) {
                assert_eq!(d.dst, self.server_addr);
                if let Some(log) = &mut self.log {
                    log.push(self.buf.clone());
                }
                self.c2s.push(self.now, std::mem::take(&mut self.buf));
                busy = true;
            }
            while let Some(d) = self.server.poll_transmit(self.now, &mut self.buf) {
                assert_eq!(d.dst, self.client_addr);
                if let Some(log) = &mut self.log {
                    log.push(self.buf.clone());
                }
                self.s2c.push(self.now, std::mem::take(&mut self.buf));
                busy = true;
            }
            while let Some(p) = self.c2s.pop_due(self.now) {
                self.server.handle_packet(self.now, self.client_addr, &p);
                busy = true;
            }
            while let Some(p) = self.s2c.pop_due(self.now) {
                self.client.handle_packet(self.now, self.server_addr, &p);
                busy = true;
            }
            while let Some(e) = self.client.poll_event() {
                self.client_events.push(e);
                busy = true;
            }
            while let Some(e) = (!self.hold_server_events)
                .then(|| self.server.poll_event())
                .flatten()
            {
                self.server_events.push(e);
                busy = true;
            }
            if !busy {
                return;
            }
        }
    }

    /// Jumps to the next timer or delivery (not past `limit`) and settles; false when
    /// nothing is scheduled before `limit`.
    pub fn step(&mut self, limit: Micros) -> bool {
        self.settle();
        let next = [
            self.client.poll_timeout(),
            self.server.poll_timeout(),
            self.c2s.next_at(),
            self.s2c.next_at(),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(t) = next.filter(|&t| t <= limit) else {
            self.now = self.now.max(limit);
            return false;
        };
        self.now = self.now.max(t);
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        self.settle();
        true
    }

    /// Steps until `done` holds or `limit` passes; returns whether `done` held.
    pub fn run_until(&mut self, limit: Micros, mut done: impl FnMut(&mut Pair) -> bool) -> bool {
        loop {
            if done(self) {
                return true;
            }
            if !self.step(limit) && self.now >= limit {
                return done(self);
            }
        }
    }

    /// Connects and waits for both sides to report `Connected`; returns (client, server) ids.
    pub fn establish(&mut self) -> (AssocId, AssocId) {
        let c = self.connect();
        let ok = self.run_until(self.now + 30 * S, |p| {
            connected(&p.client_events).is_some() && connected(&p.server_events).is_some()
        });
        assert!(ok, "handshake did not finish");
        (c, connected(&self.server_events).unwrap())
    }
}

pub fn connected(events: &[(AssocId, Event)]) -> Option<AssocId> {
    events
        .iter()
        .find(|(_, e)| matches!(e, Event::Connected { .. }))
        .map(|(id, _)| *id)
}

pub fn closed(events: &[(AssocId, Event)]) -> Option<crate::proto::sctp::CloseReason> {
    events.iter().find_map(|(_, e)| match e {
        Event::Closed { reason } => Some(*reason),
        _ => None,
    })
}
