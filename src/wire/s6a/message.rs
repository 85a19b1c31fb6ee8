//! One enum over every message roamsim speaks on an S6a connection (RFC 6733 §5 peer messages
//! and TS 29.272 §7.2 commands), so a peer can dispatch on the header once.

use super::codes::{app, command};
use super::{
    AuthInfoAnswer, AuthInfoRequest, CancelLocationAnswer, CancelLocationRequest, PurgeUeAnswer,
    PurgeUeRequest, UpdateLocationAnswer, UpdateLocationRequest,
};
use crate::wire::diameter::{
    CapabilitiesAnswer, CapabilitiesRequest, DisconnectAnswer, DisconnectRequest, Emit, Error, Ids,
    Packet, WatchdogAnswer, WatchdogRequest, Writer,
};

/// Any message of the base protocol or S6a that roamsim models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// CER.
    Cer(CapabilitiesRequest<'a>),
    /// CEA.
    Cea(CapabilitiesAnswer<'a>),
    /// DWR.
    Dwr(WatchdogRequest<'a>),
    /// DWA.
    Dwa(WatchdogAnswer<'a>),
    /// DPR.
    Dpr(DisconnectRequest<'a>),
    /// DPA.
    Dpa(DisconnectAnswer<'a>),
    /// AIR.
    Air(AuthInfoRequest<'a>),
    /// AIA.
    Aia(AuthInfoAnswer<'a>),
    /// ULR.
    Ulr(UpdateLocationRequest<'a>),
    /// ULA.
    Ula(UpdateLocationAnswer<'a>),
    /// CLR.
    Clr(CancelLocationRequest<'a>),
    /// CLA.
    Cla(CancelLocationAnswer<'a>),
    /// PUR.
    Pur(PurgeUeRequest<'a>),
    /// PUA.
    Pua(PurgeUeAnswer<'a>),
}

impl<'a> Message<'a> {
    /// Parses by command code and R bit; other commands are [`Error::UnexpectedCommand`]
    /// (3001), other applications of an S6a command [`Error::UnsupportedApplication`] (3007).
    pub fn parse(pkt: &Packet<&'a [u8]>) -> Result<Self, Error> {
        use Message::*;
        Ok(match (pkt.command_code(), pkt.is_request()) {
            (command::CAPABILITIES_EXCHANGE, true) => Cer(CapabilitiesRequest::parse(pkt)?),
            (command::CAPABILITIES_EXCHANGE, false) => Cea(CapabilitiesAnswer::parse(pkt)?),
            (command::DEVICE_WATCHDOG, true) => Dwr(WatchdogRequest::parse(pkt)?),
            (command::DEVICE_WATCHDOG, false) => Dwa(WatchdogAnswer::parse(pkt)?),
            (command::DISCONNECT_PEER, true) => Dpr(DisconnectRequest::parse(pkt)?),
            (command::DISCONNECT_PEER, false) => Dpa(DisconnectAnswer::parse(pkt)?),
            (command::AUTHENTICATION_INFORMATION, true) => Air(AuthInfoRequest::parse(pkt)?),
            (command::AUTHENTICATION_INFORMATION, false) => Aia(AuthInfoAnswer::parse(pkt)?),
            (command::UPDATE_LOCATION, true) => Ulr(UpdateLocationRequest::parse(pkt)?),
            (command::UPDATE_LOCATION, false) => Ula(UpdateLocationAnswer::parse(pkt)?),
            (command::CANCEL_LOCATION, true) => Clr(CancelLocationRequest::parse(pkt)?),
            (command::CANCEL_LOCATION, false) => Cla(CancelLocationAnswer::parse(pkt)?),
            (command::PURGE_UE, true) => Pur(PurgeUeRequest::parse(pkt)?),
            (command::PURGE_UE, false) => Pua(PurgeUeAnswer::parse(pkt)?),
            (code, request) => return Err(Error::UnexpectedCommand { code, request }),
        })
    }
}

impl Emit for Message<'_> {
    /// Emits the message with `ids`.
    fn write(&self, ids: Ids, w: &mut Writer<'_>) {
        match self {
            Message::Cer(m) => m.write(ids, w),
            Message::Cea(m) => m.write(ids, w),
            Message::Dwr(m) => m.write(ids, w),
            Message::Dwa(m) => m.write(ids, w),
            Message::Dpr(m) => m.write(ids, w),
            Message::Dpa(m) => m.write(ids, w),
            Message::Air(m) => m.write(ids, w),
            Message::Aia(m) => m.write(ids, w),
            Message::Ulr(m) => m.write(ids, w),
            Message::Ula(m) => m.write(ids, w),
            Message::Clr(m) => m.write(ids, w),
            Message::Cla(m) => m.write(ids, w),
            Message::Pur(m) => m.write(ids, w),
            Message::Pua(m) => m.write(ids, w),
        }
    }
}

impl<'a> Message<'a> {
    /// Command code and R bit of this message.
    pub fn command(&self) -> (u32, bool) {
        use Message::*;
        match self {
            Cer(_) => (command::CAPABILITIES_EXCHANGE, true),
            Cea(_) => (command::CAPABILITIES_EXCHANGE, false),
            Dwr(_) => (command::DEVICE_WATCHDOG, true),
            Dwa(_) => (command::DEVICE_WATCHDOG, false),
            Dpr(_) => (command::DISCONNECT_PEER, true),
            Dpa(_) => (command::DISCONNECT_PEER, false),
            Air(_) => (command::AUTHENTICATION_INFORMATION, true),
            Aia(_) => (command::AUTHENTICATION_INFORMATION, false),
            Ulr(_) => (command::UPDATE_LOCATION, true),
            Ula(_) => (command::UPDATE_LOCATION, false),
            Clr(_) => (command::CANCEL_LOCATION, true),
            Cla(_) => (command::CANCEL_LOCATION, false),
            Pur(_) => (command::PURGE_UE, true),
            Pua(_) => (command::PURGE_UE, false),
        }
    }

    /// Application-ID the message is sent with.
    pub fn application_id(&self) -> u32 {
        match self.command().0 {
            command::CAPABILITIES_EXCHANGE
            | command::DEVICE_WATCHDOG
            | command::DISCONNECT_PEER => app::COMMON,
            _ => app::S6A,
        }
    }
}
