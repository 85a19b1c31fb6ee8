//! State Cookie checks (RFC 4960 §5.1.3, §5.1.5, §5.2.4, §5.2.6): the server keeps no state
//! for INITs, drops forged or replayed-elsewhere cookies, answers expired ones with Stale
//! Cookie, and replaces an association when its peer restarts.

use std::net::SocketAddr;

use super::harness::{closed, test_config, Pair, MS, S};
use super::*;
use crate::wire::sctp::{cause_code, chunk_type, Causes, ChunkRepr, Packet, HEADER_LEN};

const CLIENT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 40000);

fn server(lifetime: Micros) -> Endpoint {
    let cfg = EndpointConfig {
        cookie_lifetime_us: lifetime,
        assoc: test_config(),
        ..EndpointConfig::default()
    };
    Endpoint::new(cfg, [7; 32], 99)
}

fn from_assoc(a: &mut Association, now: Micros) -> Vec<u8> {
    let mut buf = Vec::new();
    a.poll_transmit(now, &mut buf).expect("a packet");
    buf
}

fn from_endpoint(e: &mut Endpoint, now: Micros) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    e.poll_transmit(now, &mut buf).map(|_| buf)
}

fn first_chunk_type(p: &[u8]) -> u8 {
    p[HEADER_LEN]
}

/// Runs INIT / INIT ACK and returns the client and its COOKIE ECHO packet.
fn cookie_echo(srv: &mut Endpoint, now: Micros) -> (Association, Vec<u8>) {
    let mut client = Association::connect(now, test_config(), 40000, 3868, 5);
    let init = from_assoc(&mut client, now);
    srv.handle_packet(now, CLIENT, &init);
    assert_eq!(srv.len(), 0, "no state after INIT");
    let init_ack = from_endpoint(srv, now).expect("INIT ACK");
    assert_eq!(first_chunk_type(&init_ack), chunk_type::INIT_ACK);
    client.handle_packet(now, &init_ack);
    assert_eq!(client.state(), State::CookieEchoed);
    let echo = from_assoc(&mut client, now);
    assert_eq!(first_chunk_type(&echo), chunk_type::COOKIE_ECHO);
    (client, echo)
}

#[test]
fn forged_or_misaddressed_cookies_are_dropped_without_state() {
    let mut srv = server(60 * S);
    let (mut client, echo) = cookie_echo(&mut srv, Micros(0));
    // The cookie starts after the 12-byte header and the 4-byte chunk header.
    for at in [0, 5, 20, 33, 47, 48, 79] {
        let mut forged = echo.clone();
        forged[HEADER_LEN + 4 + at] ^= 0x01;
        Packet::new_unchecked(&mut forged[..]).fill_checksum();
        srv.handle_packet(MS, CLIENT, &forged);
    }
    let elsewhere = SocketAddr::from(([10, 0, 0, 1], 40000));
    srv.handle_packet(MS, elsewhere, &echo);
    let mut truncated = echo.clone();
    truncated[HEADER_LEN + 3] -= 1; // chunk length one short
    Packet::new_unchecked(&mut truncated[..]).fill_checksum();
    srv.handle_packet(MS, CLIENT, &truncated);
    assert_eq!(srv.len(), 0);
    assert_eq!(srv.stats().cookies_rejected, 9);
    assert_eq!(
        from_endpoint(&mut srv, MS),
        None,
        "forged cookies get no answer"
    );
    // The genuine one still works.
    srv.handle_packet(MS, CLIENT, &echo);
    assert_eq!(srv.len(), 1);
    let ack = from_endpoint(&mut srv, MS).expect("COOKIE ACK");
    assert_eq!(first_chunk_type(&ack), chunk_type::COOKIE_ACK);
    client.handle_packet(2 * MS, &ack);
    assert_eq!(client.state(), State::Established);
    // A replayed COOKIE ECHO for the live association is answered again (§5.2.4 case D).
    srv.handle_packet(3 * MS, CLIENT, &echo);
    assert_eq!(srv.len(), 1);
    let again = from_endpoint(&mut srv, 3 * MS).expect("COOKIE ACK again");
    assert_eq!(first_chunk_type(&again), chunk_type::COOKIE_ACK);
}

#[test]
fn expired_cookie_gets_a_stale_cookie_error_and_the_client_starts_over() {
    let mut srv = server(S);
    let (mut client, echo) = cookie_echo(&mut srv, Micros(0));
    let late = 3 * S;
    srv.handle_packet(late, CLIENT, &echo);
    assert_eq!(srv.len(), 0);
    assert_eq!(srv.stats().cookies_stale, 1);
    let err = from_endpoint(&mut srv, late).expect("ERROR");
    let p = Packet::new_checked(&err[..]).unwrap();
    p.verify_checksum().unwrap();
    assert_eq!(p.verification_tag(), client.local_tag());
    let chunk = p.chunks().next().unwrap().unwrap();
    let ChunkRepr::Error { causes } = ChunkRepr::parse(&chunk).unwrap() else {
        panic!("not an ERROR")
    };
    let cause = Causes::new(causes).next().unwrap().unwrap();
    assert_eq!(cause.param_type, cause_code::STALE_COOKIE);
    assert_eq!(
        u32::from_be_bytes(cause.value.try_into().unwrap()),
        2_000_000
    );
    client.handle_packet(late, &err);
    assert_eq!(client.state(), State::CookieWait);
    let init = from_assoc(&mut client, late);
    assert_eq!(first_chunk_type(&init), chunk_type::INIT);
    srv.handle_packet(late, CLIENT, &init);
    let init_ack = from_endpoint(&mut srv, late).unwrap();
    client.handle_packet(late, &init_ack);
    let echo = from_assoc(&mut client, late);
    srv.handle_packet(late, CLIENT, &echo);
    client.handle_packet(late, &from_endpoint(&mut srv, late).unwrap());
    assert_eq!(client.state(), State::Established);
    assert_eq!(srv.len(), 1);
}

#[test]
fn an_init_flood_leaves_no_state_and_bounded_replies() {
    let mut srv = server(60 * S);
    for i in 0..5000u32 {
        let mut c = Association::connect(Micros(0), test_config(), 40000, 3868, i as u64);
        let init = from_assoc(&mut c, Micros(0));
        let from = SocketAddr::from(([192, 0, 2, (i % 250) as u8], 10000 + (i % 5000) as u16));
        srv.handle_packet(Micros(0), from, &init);
    }
    assert_eq!(srv.len(), 0);
    let st = srv.stats();
    assert_eq!(st.init_acks_sent + st.replies_dropped, 5000);
    assert_eq!(st.init_acks_sent, 1024, "reply queue capped");
    let mut n = 0;
    while from_endpoint(&mut srv, Micros(0)).is_some() {
        n += 1;
    }
    assert_eq!(n, 1024);
}

#[test]
fn out_of_the_blue_data_is_answered_with_a_reflected_abort() {
    let mut srv = server(60 * S);
    let mut pair = Pair::new(71, 0.0, MS, Micros(0));
    let (c, _) = pair.establish();
    let a = pair.client.association(c).unwrap();
    a.send(pair.now, 0, PPID_DIAMETER, b"to nobody").unwrap();
    let data = from_assoc(a, pair.now);
    srv.handle_packet(Micros(0), CLIENT, &data);
    let abort = from_endpoint(&mut srv, Micros(0)).expect("ABORT");
    let p = Packet::new_checked(&abort[..]).unwrap();
    assert_eq!(first_chunk_type(&abort), chunk_type::ABORT);
    assert_eq!(abort[HEADER_LEN + 1] & 1, 1, "T bit");
    assert_eq!(
        p.verification_tag(),
        Packet::new_unchecked(&data[..]).verification_tag()
    );
    // The client accepts the reflected ABORT (its peer's tag with the T bit).
    a.handle_packet(pair.now, &abort);
    assert_eq!(a.state(), State::Closed);
}

#[test]
fn a_restarted_peer_replaces_its_old_association() {
    let mut p = Pair::new(81, 0.0, 5 * MS, Micros(0));
    let (_, s_old) = p.establish();
    // The client process restarts: same address and port, new endpoint, new tags.
    p.client = Endpoint::new(
        EndpointConfig {
            local_port: 40000,
            assoc: test_config(),
            accept: false,
            ..EndpointConfig::default()
        },
        [3; 32],
        12345,
    );
    p.client_events.clear();
    p.server_events.clear();
    p.establish();
    assert_eq!(p.server.stats().restarts, 1);
    assert_eq!(closed(&p.server_events), Some(CloseReason::Restarted));
    assert!(p
        .server_events
        .iter()
        .any(|(id, e)| *id == s_old && matches!(e, Event::Closed { .. })));
    p.run_until(p.now + S, |p| p.server.len() == 1);
    assert_eq!(p.server.len(), 1);
}
