//! The S6a seam of a shard with and without links: pass-through without a plan, a link's delay
//! with one, and nothing of an old connection delivered after a reconnect.

use std::sync::Arc;

use super::*;
use crate::link::LinkProfile;
use crate::model::config::Profile;
use crate::model::population::Population;
use crate::visited::VisitedConfig;

fn network() -> VisitedNetwork {
    let profile = Profile::embedded_default();
    let pop = Population::from_profile(&profile, "default", Some(100)).unwrap();
    let cfg = VisitedConfig::new(
        &profile.load,
        "10.0.0.1:2123".parse().unwrap(),
        "10.0.0.2:2123".parse().unwrap(),
        7,
    );
    VisitedNetwork::new(Micros(0), cfg, Arc::new(pop))
}

/// 20 ms each way, nothing else.
fn d20() -> LinkPlan {
    let text = "[uplink]\ndelay = \"20ms\"\n[downlink]\ndelay = \"20ms\"\n";
    LinkPlan::shared(LinkProfile::from_toml(text, "d20.toml", "d20").unwrap())
}

#[test]
fn without_links_the_seam_is_the_visited_network() {
    let mut vn = network();
    let cer = vn.mme_transmit(0).to_vec();
    assert!(!cer.is_empty(), "a fresh MME queues its CER");
    assert!(ShardLinks::new(&LinkPlan::none(), &vn, 1, 0)
        .unwrap()
        .is_none());
    let mut side = MmeSide::new(&mut vn, None);
    assert_eq!(side.transmit(0, 0), &cer[..]);
    side.clear_transmit(0);
    assert!(vn.mme_transmit(0).is_empty());
}

#[test]
fn a_message_comes_out_of_the_link_one_way_delay_later() {
    let cer = network().mme_transmit(0).to_vec();
    let mut vn = network();
    let mut links = ShardLinks::new(&d20(), &vn, 1, 0).unwrap().unwrap();
    let mut side = MmeSide::new(&mut vn, Some(&mut links));
    assert!(side.transmit(0, 0).is_empty(), "on the link, not yet out");
    assert!(vn.mme_transmit(0).is_empty(), "taken from the MME");
    assert_eq!(links.next_release_at(), Some(20_000));
    links.release(19_999, &mut vn);
    assert!(MmeSide::new(&mut vn, Some(&mut links))
        .transmit(19_999, 0)
        .is_empty());
    links.release(20_000, &mut vn);
    let mut side = MmeSide::new(&mut vn, Some(&mut links));
    assert_eq!(side.transmit(20_000, 0), &cer[..]);
    side.clear_transmit(0);
    assert!(side.transmit(20_000, 0).is_empty());
}

#[test]
fn a_reconnect_drops_what_the_old_connection_had_on_the_link() {
    let mut vn = network();
    let mut links = ShardLinks::new(&d20(), &vn, 1, 0).unwrap().unwrap();
    let mut side = MmeSide::new(&mut vn, Some(&mut links));
    side.transmit(0, 0);
    side.reconnect(5_000, 0);
    links.release(20_000, &mut vn);
    let mut side = MmeSide::new(&mut vn, Some(&mut links));
    assert!(
        side.transmit(20_000, 0).is_empty(),
        "the old CER is dropped"
    );
    // The fresh connection's CER crosses the link in turn.
    assert_eq!(links.next_release_at(), Some(40_000));
    links.release(40_000, &mut vn);
    let side = &mut MmeSide::new(&mut vn, Some(&mut links));
    assert!(!side.transmit(40_000, 0).is_empty());
}
