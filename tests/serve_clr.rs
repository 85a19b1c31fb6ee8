//! A change of serving MME (TS 29.272 §5.2.1.1.2): when a second MME registers a subscriber, the
//! HSS sends Cancel-Location to the first one on that MME's own connection, Cancellation-Type
//! MME_UPDATE_PROCEDURE, and counts the CLA.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::Serve;
use roamsim::wire::diameter::{Emit, ErrorAnswer, Ids, Packet};
use roamsim::wire::s6a::{
    AnswerCommon, CancelLocationAnswer, CancelLocationRequest, RequestCommon, UpdateLocationRequest,
};

const REALM: &str = "epc.mnc001.mcc208.3gppnetwork.org";
const HSS_REALM: &str = "epc.mnc410.mcc310.3gppnetwork.org";
const IMSI: &str = "310410000100000";

struct Mme {
    host: &'static str,
    sock: TcpStream,
}

impl Mme {
    fn connect(addr: SocketAddr, host: &'static str) -> Mme {
        let sock = TcpStream::connect(addr).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut m = Mme { host, sock };
        m.sock.write_all(&common::cer(host, REALM)).unwrap();
        assert_eq!(code_of(&m.recv()), 2001, "CEA for {host}");
        m
    }

    fn send(&mut self, ids: Ids, msg: &impl Emit) {
        let mut buf = Vec::new();
        msg.emit_to(ids, &mut buf);
        self.sock.write_all(&buf).unwrap();
    }

    fn recv(&mut self) -> Vec<u8> {
        common::read_diameter(&mut self.sock)
    }

    fn ulr(&mut self, hbh: u32, flags: u32) {
        let session = format!("{};1;{hbh}", self.host);
        let host = self.host;
        self.send(
            Ids {
                hop_by_hop: hbh,
                end_to_end: hbh,
            },
            &UpdateLocationRequest {
                common: RequestCommon {
                    session_id: &session,
                    origin_host: host,
                    origin_realm: REALM,
                    destination_host: None,
                    destination_realm: HSS_REALM,
                },
                user_name: IMSI,
                rat_type: 1004,
                ulr_flags: flags,
                visited_plmn_id: [0x02, 0xf8, 0x10],
            },
        );
    }
}

fn code_of(msg: &[u8]) -> u32 {
    ErrorAnswer::parse(&Packet::new_checked(msg).unwrap())
        .unwrap()
        .result
        .code()
}

#[test]
fn second_mme_registration_cancels_the_first_on_its_own_connection() {
    let serve = Serve::start(&[]);
    let mut mme1 = Mme::connect(serve.s6a, "mme1.epc.mnc001.mcc208.3gppnetwork.org");
    mme1.ulr(10, 0x22);
    assert_eq!(code_of(&mme1.recv()), 2001, "ULA for mme1");

    let mut mme2 = Mme::connect(serve.s6a, "mme2.epc.mnc001.mcc208.3gppnetwork.org");
    mme2.ulr(20, 0x02);
    assert_eq!(code_of(&mme2.recv()), 2001, "ULA for mme2");

    // mme1 gets the CLR, addressed to it, for the subscriber, MME_UPDATE_PROCEDURE.
    let clr_bytes = mme1.recv();
    let pkt = Packet::new_checked(&clr_bytes[..]).unwrap();
    let clr = CancelLocationRequest::parse(&pkt).expect("a CLR");
    assert_eq!(clr.user_name, IMSI);
    assert_eq!(clr.cancellation_type, 0);
    assert_eq!(
        clr.common.destination_host,
        Some("mme1.epc.mnc001.mcc208.3gppnetwork.org")
    );
    assert_eq!(clr.common.destination_realm, REALM);
    let session = clr.common.session_id.to_string();
    let ids = pkt.ids();
    mme1.send(
        ids,
        &CancelLocationAnswer {
            common: AnswerCommon::success(
                &session,
                "mme1.epc.mnc001.mcc208.3gppnetwork.org",
                REALM,
            ),
        },
    );
    // Let the HSS read the CLA before stopping it.
    std::thread::sleep(Duration::from_millis(300));
    let report = serve.stop();
    let lines: Vec<&str> = report.lines().collect();
    assert!(lines.contains(&"s6a.clr 0 1"), "one CLR sent:\n{report}");
    assert!(
        lines.contains(&"s6a.clr 2001 1"),
        "one CLA 2001 counted:\n{report}"
    );
}
