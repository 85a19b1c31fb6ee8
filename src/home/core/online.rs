//! Online charging in the home core (docs/ONLINE_CHARGING.md): the OCS that `serve --ocs` and
//! every shard of `run` embed ([`OcsServer`]), reading the profile's `[charging.online]`, and
//! the PGW's Gy client ([`GyClient`]) aimed at it or at an external OCS. The core only builds
//! and holds them; the transport between the PGW's client and an OCS is the engine's.

use std::sync::Arc;

use crate::home::gy_client::{GyClient, GyClientConfig, GyMeasurement};
use crate::home::ocs::{Ocs, OcsServer, UnknownZone};
use crate::model::config::Profile;
use crate::model::population::Population;
use crate::model::Micros;
use crate::proto::diameter::LocalIdentity;

use super::HomeCore;

/// Where the PGW's CCRs go: the OCS's realm and, optionally, host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GyTarget {
    /// Destination-Realm.
    pub realm: String,
    /// Destination-Host.
    pub host: Option<String>,
}

impl HomeCore {
    /// The embedded OCS's Origin-Host and Origin-Realm for `profile`: `ocs.` in the first home
    /// PLMN's EPC realm (TS 23.003 §19.4.2).
    pub fn ocs_identity(profile: &Profile) -> (String, String) {
        let plmn = profile.home.plmns[0].plmn;
        (plmn.epc_host("ocs"), plmn.epc_realm())
    }

    /// Builds the OCS from `profile`'s `[charging.online]`: accounts of personas with a
    /// `personas` entry come from it (through `population`, which says who has which
    /// persona). Fails on a cap naming an unknown zone.
    pub fn embed_ocs(
        &mut self,
        profile: &Profile,
        population: Option<Arc<Population>>,
        seed: u64,
    ) -> Result<(), UnknownZone> {
        let cfg = profile.charging.online.clone();
        let (host, realm) = HomeCore::ocs_identity(profile);
        let mut ocs = Ocs::new(cfg.clone(), &host, &realm)?;
        if let (Some(pop), false) = (population, cfg.personas.is_empty()) {
            let default = cfg.default_balance_octets;
            let by_persona: Vec<Option<(u64, bool)>> = pop
                .personas()
                .iter()
                .map(|p| {
                    cfg.personas
                        .iter()
                        .find(|c| c.persona == p.config.name)
                        .map(|c| (c.balance_octets.unwrap_or(default), c.opted_out))
                })
                .collect();
            ocs.set_account_source(Box::new(move |imsi: &str| {
                let imsi = imsi.parse().ok()?;
                let r = pop.roamer_of_imsi(imsi)?;
                by_persona
                    .get(usize::from(pop.persona_of(r)))
                    .copied()
                    .flatten()
            }));
        }
        let identity = LocalIdentity {
            origin_host: host,
            origin_realm: realm,
            host_ip: self.host_ip,
            origin_state_id: self.boot,
            product_name: "roamsim".to_string(),
        };
        let mut server = OcsServer::new(ocs, identity, seed);
        server.set_latency(cfg.latency.clone());
        self.ocs = Some(server);
        Ok(())
    }

    /// Makes the PGW ask `target` for credit for every new session (a CCR-I before each
    /// Create Session Response), with `profile`'s Tx timer, rating group and failure
    /// handling; `instance` tells its Session-Ids from those of other cores with the same
    /// identity. Connect it with [`HomeCore::gy_mut`]`().connect(now)`.
    pub fn enable_gy(&mut self, profile: &Profile, target: GyTarget, seed: u64, instance: u32) {
        let cfg = &profile.charging.online;
        let plmn = profile.home.plmns[0].plmn;
        let gy = GyClient::new(GyClientConfig {
            identity: LocalIdentity {
                origin_host: plmn.epc_host("pgw"),
                origin_realm: plmn.epc_realm(),
                host_ip: self.host_ip,
                origin_state_id: self.boot,
                product_name: "roamsim".to_string(),
            },
            destination_realm: target.realm,
            destination_host: target.host,
            tx: Micros::from_millis(cfg.tx_timer_ms),
            rating_group: cfg.rating_group,
            failure_handling: cfg.failure_handling,
            seed,
            instance,
        });
        self.pgw.set_online(gy);
    }

    /// The embedded OCS, if any.
    pub fn ocs(&self) -> Option<&OcsServer> {
        self.ocs.as_ref()
    }

    /// The embedded OCS, to move its connections' bytes.
    pub fn ocs_mut(&mut self) -> Option<&mut OcsServer> {
        self.ocs.as_mut()
    }

    /// The PGW's Gy client, if online charging is on.
    pub fn gy(&self) -> Option<&GyClient> {
        self.pgw.gy()
    }

    /// The PGW's Gy client, to connect it and move its bytes.
    pub fn gy_mut(&mut self) -> Option<&mut GyClient> {
        self.pgw.gy_mut()
    }

    /// One whole Diameter message from the OCS to the PGW's client.
    pub fn handle_gy_message(&mut self, now: Micros, bytes: &[u8]) {
        self.pgw.handle_gy_message(now, bytes);
    }

    /// The next Gy request's outcome, for the recorder.
    pub fn poll_gy_measurement(&mut self) -> Option<GyMeasurement> {
        self.pgw.gy_mut()?.poll_measurement()
    }
}
