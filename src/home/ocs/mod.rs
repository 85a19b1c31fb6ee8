//! The simulated OCS: the server side of Gy (RFC 4006 §5, TS 32.299 §6.3-§6.4), sans-IO. A CCR
//! arrives as bytes with the time (`now`), the CCA leaves as bytes appended to the caller's
//! buffer; counters and bill-shock events are pulled afterwards. The PGW side and the engine's
//! wiring are not here yet (docs/ARCHITECTURE.md §2).
//!
//! Call order: [`Ocs::handle_request`] for each Credit-Control request taken from a Diameter
//! connection, sending the [`Reply`] back on the same connection, then [`Ocs::poll_event`] until
//! it returns `None`. [`Ocs::decide`] is the same decision on an already parsed request.
//!
//! Request numbers (RFC 4006 §5.2, §7). Within a session the OCS expects CC-Request-Number 0
//! for INITIAL_REQUEST and one more for each request after it:
//! - the number of the last request answered again is a duplicate (a retransmission, T bit or
//!   not): the stored answer is sent again and nothing is debited or granted twice;
//! - any other number is answered 5004 DIAMETER_INVALID_AVP_VALUE with an Error-Message, and the
//!   session stays as it was, so that the client's next in-sequence request still succeeds;
//! - UPDATE or TERMINATION for a Session-Id the OCS does not hold is answered 5002
//!   DIAMETER_UNKNOWN_SESSION_ID. TERMINATION removes the session, so a repeated CCR-T after
//!   its answer also gets 5002, which a PGW that already closed the session can ignore.
//!
//! EVENT_REQUEST (a one-off debit) keeps no session and is not checked for duplicates.
//! A request that fails to decode gets the error answer of RFC 6733 §7.2 naming the AVP (5xxx
//! with Failed-AVP, or 3xxx with the E bit).

mod credit;
mod server;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};

pub use crate::model::online_charging::{
    BillShockConfig, FailureHandling, OnlineChargingConfig, PersonaCredit, Zone, ZoneCap,
};
pub use credit::{Answer, UnknownZone};
pub use server::OcsServer;

use crate::model::Micros;
use crate::wire::diameter::codes::result as base_result;
use crate::wire::diameter::{Emit, ErrorAnswer, Ids, Packet, Repeated, ResultCode, Writer};
use crate::wire::gy::codes::{request_type, result};
use crate::wire::gy::{CreditControlAnswer, CreditControlRequest};
use credit::{Account, Ledger, Session, Zones};

/// What the OCS counted since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OcsCounters {
    /// CCRs by CC-Request-Type: INITIAL, UPDATE, TERMINATION, EVENT.
    pub requests: [u64; 4],
    /// Answers with Result-Code 2001.
    pub success: u64,
    /// Rating groups refused with 4012 DIAMETER_CREDIT_LIMIT_REACHED.
    pub credit_limit_reached: u64,
    /// Refusals with 4010 DIAMETER_END_USER_SERVICE_DENIED (barred, or cut off by a cap).
    pub service_denied: u64,
    /// Grants that carried Final-Unit-Indication.
    pub final_units: u64,
    /// Answers 5002 DIAMETER_UNKNOWN_SESSION_ID.
    pub unknown_session: u64,
    /// Requests with a CC-Request-Number out of sequence (answered 5004).
    pub out_of_sequence: u64,
    /// Duplicates answered again from the session's last answer.
    pub duplicates: u64,
    /// Requests that failed to decode or lacked the subscriber (5xxx, 3xxx).
    pub malformed: u64,
    /// Sessions opened by INITIAL_REQUEST.
    pub sessions_opened: u64,
    /// Sessions closed by TERMINATION_REQUEST.
    pub sessions_closed: u64,
    /// Octets granted.
    pub granted_octets: u64,
    /// Octets reported used.
    pub used_octets: u64,
    /// Bill-shock warnings (use passed the warning percentage of a cap).
    pub bill_shock_warnings: u64,
    /// Bill-shock cut-offs (use reached a cap; no further grants in that zone this month).
    pub bill_shock_cutoffs: u64,
    /// Caps passed by subscribers who opted out of the cut-off.
    pub bill_shock_opted_out: u64,
}

/// A bill-shock step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BillShockKind {
    /// Use passed the warning percentage (80 % by default) of the cap.
    Warning,
    /// Use reached the cap: the last grant carried FUI TERMINATE, later requests get 4010.
    CutOff,
    /// Use reached the cap of a subscriber who opted out: credit keeps flowing.
    PassedOptedOut,
}

/// What the OCS reports besides its answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OcsEvent {
    /// A subscriber's roaming use crossed a bill-shock step.
    BillShock {
        /// The subscriber.
        imsi: String,
        /// When the report that crossed it arrived.
        at: Micros,
        /// Which step.
        kind: BillShockKind,
        /// Use this month in the zone pair, octets.
        used_octets: u64,
        /// The cap, octets.
        cap_octets: u64,
        /// The cap's zone pair by name: the subscriber's home zone, the visited zone.
        zones: (String, String),
    },
}

/// What [`Ocs::handle_request`] answers, ready to emit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply<'a> {
    /// A CCA.
    Answer {
        /// Session-Id of the request.
        session_id: &'a str,
        /// CC-Request-Type of the request.
        request_type: u32,
        /// CC-Request-Number of the request.
        request_number: u32,
        /// The OCS's Origin-Host.
        origin_host: &'a str,
        /// The OCS's Origin-Realm.
        origin_realm: &'a str,
        /// Credit-Control-Failure-Handling.
        failure_handling: u32,
        /// Result-Code, MSCCs and Error-Message.
        answer: Answer,
    },
    /// The error answer to a request that did not decode (RFC 6733 §7.2).
    Error(ErrorAnswer<'a>),
}

impl Emit for Reply<'_> {
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        match self {
            Reply::Answer {
                session_id,
                request_type,
                request_number,
                origin_host,
                origin_realm,
                failure_handling,
                answer,
            } => CreditControlAnswer {
                session_id,
                result_code: answer.result_code,
                origin_host,
                origin_realm,
                request_type: *request_type,
                request_number: *request_number,
                mscc: Repeated::from_slice(&answer.mscc),
                failure_handling: Some(*failure_handling),
                error_message: answer.error_message,
            }
            .write(ids, w),
            Reply::Error(e) => e.write(ids, w),
        }
    }
}

impl FailureHandling {
    /// The Credit-Control-Failure-Handling value (RFC 4006 §8.14).
    pub fn code(self) -> u32 {
        use crate::wire::gy::codes::failure_handling as f;
        match self {
            FailureHandling::Terminate => f::TERMINATE,
            FailureHandling::Continue => f::CONTINUE,
            FailureHandling::RetryAndTerminate => f::RETRY_AND_TERMINATE,
        }
    }

    /// The value of a Credit-Control-Failure-Handling AVP (RFC 4006 §8.14), if it is one.
    pub fn from_code(code: u32) -> Option<FailureHandling> {
        use crate::wire::gy::codes::failure_handling as f;
        match code {
            f::TERMINATE => Some(FailureHandling::Terminate),
            f::CONTINUE => Some(FailureHandling::Continue),
            f::RETRY_AND_TERMINATE => Some(FailureHandling::RetryAndTerminate),
            _ => None,
        }
    }
}

/// The OCS (see the module docs for the call order and the request-number rules).
pub struct Ocs {
    origin_host: String,
    origin_realm: String,
    ledger: Ledger,
    accounts: HashMap<String, Account>,
    sessions: HashMap<String, Session>,
    /// Balance and opt-out of a subscriber seen for the first time (`None`: the default).
    source: Option<AccountSource>,
}

impl std::fmt::Debug for Ocs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ocs")
            .field("origin_host", &self.origin_host)
            .field("accounts", &self.accounts.len())
            .field("sessions", &self.sessions.len())
            .finish()
    }
}

/// Says a new subscriber's balance (octets) and bill-shock opt-out from its IMSI digits.
pub type AccountSource = Box<dyn Fn(&str) -> Option<(u64, bool)> + Send>;

impl Ocs {
    /// An OCS answering as `origin_host` in `origin_realm`; fails on a cap naming an unknown
    /// zone.
    pub fn new(
        cfg: OnlineChargingConfig,
        origin_host: &str,
        origin_realm: &str,
    ) -> Result<Ocs, UnknownZone> {
        Ok(Ocs {
            origin_host: origin_host.to_string(),
            origin_realm: origin_realm.to_string(),
            ledger: Ledger {
                zones: Zones::new(&cfg.bill_shock)?,
                cfg,
                counters: OcsCounters::default(),
                events: VecDeque::new(),
            },
            accounts: HashMap::new(),
            sessions: HashMap::new(),
            source: None,
        })
    }

    /// Where the account of a subscriber not provisioned comes from (e.g. its persona's
    /// `[charging.online] personas` entry); without it, `default_balance_octets` and no
    /// opt-out.
    pub fn set_account_source(&mut self, source: AccountSource) {
        self.source = Some(source);
    }

    fn new_account(&self, imsi: &str) -> Account {
        let default = self.ledger.cfg.default_balance_octets;
        let (balance, opted_out) = self
            .source
            .as_ref()
            .and_then(|f| f(imsi))
            .unwrap_or((default, false));
        let mut a = Account::new(balance);
        a.opted_out = opted_out;
        a
    }

    /// Sets a subscriber's balance and bill-shock opt-out (creating the account).
    pub fn provision(&mut self, imsi: &str, balance_octets: u64, opted_out: bool) {
        let a = self.account(imsi);
        a.balance = balance_octets;
        a.opted_out = opted_out;
    }

    /// Bars or unbars a subscriber: a barred one's INITIAL_REQUEST gets 4010.
    pub fn set_barred(&mut self, imsi: &str, barred: bool) {
        self.account(imsi).barred = barred;
    }

    /// A subscriber's balance (reservations taken out), if the OCS knows it.
    pub fn balance(&self, imsi: &str) -> Option<u64> {
        self.accounts.get(imsi).map(|a| a.balance)
    }

    /// Credit-control sessions open now.
    pub fn open_sessions(&self) -> usize {
        self.sessions.len()
    }

    /// The counters.
    pub fn counters(&self) -> OcsCounters {
        self.ledger.counters
    }

    /// The next bill-shock event, oldest first.
    pub fn poll_event(&mut self) -> Option<OcsEvent> {
        self.ledger.events.pop_front()
    }

    /// The account of `imsi` taken out of the map (put it back with `accounts.insert`).
    fn take_account(&mut self, imsi: &str) -> Account {
        match self.accounts.remove(imsi) {
            Some(a) => a,
            None => self.new_account(imsi),
        }
    }

    fn account(&mut self, imsi: &str) -> &mut Account {
        if !self.accounts.contains_key(imsi) {
            let a = self.new_account(imsi);
            self.accounts.insert(imsi.to_string(), a);
        }
        self.accounts.get_mut(imsi).expect("inserted")
    }

    /// Answers one Credit-Control request: the CCA, or the error answer naming the AVP when it
    /// does not decode. Send it with `Peer::send_answer(req.ids(), &reply)` or append it to a
    /// stream with [`Emit::emit_to`].
    pub fn handle_request<'a>(&'a mut self, now: Micros, req: &'a Packet<&'a [u8]>) -> Reply<'a> {
        let ccr = match CreditControlRequest::parse(req) {
            Ok(ccr) => ccr,
            Err(e) => {
                self.ledger.counters.malformed += 1;
                let mut a = ErrorAnswer::for_request(
                    req,
                    &self.origin_host,
                    &self.origin_realm,
                    ResultCode::Base(e.result_code()),
                );
                a.failed_avp = e.failed_avp(req.message_ref());
                return Reply::Error(a);
            }
        };
        let answer = self.decide(now, &ccr);
        Reply::Answer {
            session_id: ccr.session_id,
            request_type: ccr.request_type,
            request_number: ccr.request_number,
            origin_host: &self.origin_host,
            origin_realm: &self.origin_realm,
            failure_handling: self.ledger.cfg.failure_handling.code(),
            answer,
        }
    }

    /// The answer to a parsed CCR, with the books updated.
    pub fn decide(&mut self, now: Micros, ccr: &CreditControlRequest<'_>) -> Answer {
        let kind = ccr.request_type.clamp(1, 4);
        self.ledger.counters.requests[kind as usize - 1] += 1;
        let answer = match kind {
            request_type::INITIAL => self.initial(now, ccr),
            request_type::EVENT => self.event(ccr),
            _ => self.in_session(now, ccr),
        };
        if answer.result_code == base_result::SUCCESS {
            self.ledger.counters.success += 1;
        }
        answer
    }

    fn initial(&mut self, now: Micros, ccr: &CreditControlRequest<'_>) -> Answer {
        if let Some(s) = self.sessions.get(ccr.session_id) {
            return self.resend_or_refuse(s.last_number, s.last.clone(), ccr.request_number);
        }
        if ccr.request_number != 0 {
            return self.out_of_sequence();
        }
        let Some(imsi) = ccr.imsi() else {
            return self.no_subscriber();
        };
        let visited = ccr.ps_information.and_then(|p| p.sgsn_mcc_mnc);
        let mut s = Session::new(imsi, self.ledger.zones.cap(imsi, visited));
        let mut acct = self.take_account(imsi);
        let answer = if acct.barred {
            self.ledger.counters.service_denied += 1;
            Answer::failure(result::END_USER_SERVICE_DENIED, "subscriber barred")
        } else {
            self.apply(now, &mut acct, &mut s, ccr)
        };
        if answer.result_code == base_result::SUCCESS {
            s.last = answer.clone();
            self.sessions.insert(ccr.session_id.to_string(), s);
            self.ledger.counters.sessions_opened += 1;
        } else {
            acct.balance += s.release_all();
        }
        self.accounts.insert(imsi.to_string(), acct);
        answer
    }

    fn in_session(&mut self, now: Micros, ccr: &CreditControlRequest<'_>) -> Answer {
        let Some(mut s) = self.sessions.remove(ccr.session_id) else {
            self.ledger.counters.unknown_session += 1;
            return Answer::failure(
                base_result::UNKNOWN_SESSION_ID,
                "no credit-control session with this Session-Id",
            );
        };
        if ccr.request_number != s.last_number.wrapping_add(1) {
            let answer = self.resend_or_refuse(s.last_number, s.last.clone(), ccr.request_number);
            self.sessions.insert(ccr.session_id.to_string(), s);
            return answer;
        }
        let mut acct = self.take_account(&s.imsi);
        let answer = self.apply(now, &mut acct, &mut s, ccr);
        if ccr.request_type == request_type::TERMINATION {
            acct.balance += s.release_all();
            self.ledger.counters.sessions_closed += 1;
            self.accounts.insert(s.imsi, acct);
        } else {
            self.accounts.insert(s.imsi.clone(), acct);
            s.last_number = ccr.request_number;
            s.last = answer.clone();
            self.sessions.insert(ccr.session_id.to_string(), s);
        }
        answer
    }

    /// Debits every reported use, then grants every requested rating group (none at
    /// TERMINATION, whose answer carries no MSCC).
    fn apply(
        &mut self,
        now: Micros,
        acct: &mut Account,
        s: &mut Session,
        ccr: &CreditControlRequest<'_>,
    ) -> Answer {
        for m in ccr.mscc.iter() {
            if let Some(u) = m.used {
                self.ledger.debit(now, acct, s, m.rating_group, u.volume());
            }
        }
        if ccr.request_type == request_type::TERMINATION {
            return Answer::with_mscc(Vec::new());
        }
        let mscc = ccr
            .mscc
            .iter()
            .filter(|m| m.requested.is_some())
            .map(|m| self.ledger.grant(now, acct, s, m.rating_group))
            .collect();
        Answer::with_mscc(mscc)
    }

    /// EVENT_REQUEST: debits each Requested-Service-Unit at once if the balance holds it.
    fn event(&mut self, ccr: &CreditControlRequest<'_>) -> Answer {
        let Some(imsi) = ccr.imsi() else {
            return self.no_subscriber();
        };
        let mut mscc = Vec::new();
        for m in ccr.mscc.iter() {
            let want = m.requested.map_or(0, |u| u.volume());
            let acct = self.account(imsi);
            let ok = !acct.barred && acct.balance >= want;
            let code = if ok {
                acct.balance -= want;
                base_result::SUCCESS
            } else if acct.barred {
                result::END_USER_SERVICE_DENIED
            } else {
                result::CREDIT_LIMIT_REACHED
            };
            let c = &mut self.ledger.counters;
            c.granted_octets += if ok { want } else { 0 };
            c.credit_limit_reached += u64::from(code == result::CREDIT_LIMIT_REACHED);
            c.service_denied += u64::from(code == result::END_USER_SERVICE_DENIED);
            mscc.push(crate::wire::gy::Mscc {
                granted: ok.then_some(crate::wire::gy::ServiceUnit::total(want)),
                rating_group: m.rating_group,
                result_code: Some(code),
                ..Default::default()
            });
        }
        Answer::with_mscc(mscc)
    }

    fn resend_or_refuse(&mut self, last_number: u32, last: Answer, number: u32) -> Answer {
        if number == last_number {
            self.ledger.counters.duplicates += 1;
            last
        } else {
            self.out_of_sequence()
        }
    }

    fn out_of_sequence(&mut self) -> Answer {
        self.ledger.counters.out_of_sequence += 1;
        Answer::failure(
            base_result::INVALID_AVP_VALUE,
            "CC-Request-Number out of sequence",
        )
    }

    fn no_subscriber(&mut self) -> Answer {
        self.ledger.counters.malformed += 1;
        Answer::failure(
            base_result::MISSING_AVP,
            "no Subscription-Id of type END_USER_IMSI",
        )
    }
}
