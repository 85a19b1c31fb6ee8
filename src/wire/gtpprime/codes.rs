//! GTP' code points (TS 32.295, TS 29.060 for the shared ones): message types, IE types, Cause
//! values.

/// Message types (TS 32.295).
pub mod msg {
    /// Echo Request.
    pub const ECHO_REQUEST: u8 = 1;
    /// Echo Response.
    pub const ECHO_RESPONSE: u8 = 2;
    /// Version Not Supported.
    pub const VERSION_NOT_SUPPORTED: u8 = 3;
    /// Node Alive Request.
    pub const NODE_ALIVE_REQUEST: u8 = 4;
    /// Node Alive Response.
    pub const NODE_ALIVE_RESPONSE: u8 = 5;
    /// Redirection Request.
    pub const REDIRECTION_REQUEST: u8 = 6;
    /// Redirection Response.
    pub const REDIRECTION_RESPONSE: u8 = 7;
    /// Data Record Transfer Request.
    pub const DATA_RECORD_TRANSFER_REQUEST: u8 = 240;
    /// Data Record Transfer Response.
    pub const DATA_RECORD_TRANSFER_RESPONSE: u8 = 241;
}

/// Information element types (TS 32.295, and TS 29.060 for the shared ones).
pub mod ie {
    /// Cause (TV, 1 octet).
    pub const CAUSE: u8 = 1;
    /// Recovery (TV, 1 octet).
    pub const RECOVERY: u8 = 14;
    /// Packet Transfer Command (TV, 1 octet).
    pub const PACKET_TRANSFER_COMMAND: u8 = 126;
    /// Charging ID (TV, 4 octets).
    pub const CHARGING_ID: u8 = 127;
    /// Sequence Numbers of Released Packets (TLV).
    pub const RELEASED_PACKETS: u8 = 249;
    /// Sequence Numbers of Cancelled Packets (TLV).
    pub const CANCELLED_PACKETS: u8 = 250;
    /// Charging Gateway Address (TLV, 4 or 16 octets); also the Node Address of Node Alive.
    pub const CHARGING_GATEWAY_ADDRESS: u8 = 251;
    /// Data Record Packet (TLV).
    pub const DATA_RECORD_PACKET: u8 = 252;
    /// Requests Responded (TLV).
    pub const REQUESTS_RESPONDED: u8 = 253;
    /// Address of Recommended Node (TLV, 4 or 16 octets).
    pub const RECOMMENDED_NODE: u8 = 254;
    /// Private Extension (TLV).
    pub const PRIVATE_EXTENSION: u8 = 255;
}

/// Cause values (TS 32.295, TS 29.060 §7.7.1).
pub mod cause {
    /// Request: system failure.
    pub const SYSTEM_FAILURE: u8 = 59;
    /// Request: the sender's transmit buffers are becoming full.
    pub const TRANSMIT_BUFFERS_FULL: u8 = 60;
    /// Request: the sender's receive buffers are becoming full.
    pub const RECEIVE_BUFFERS_FULL: u8 = 61;
    /// Request: another node is about to go down.
    pub const OTHER_NODE_GOING_DOWN: u8 = 62;
    /// Request: this node is about to go down.
    pub const THIS_NODE_GOING_DOWN: u8 = 63;
    /// Response: request accepted.
    pub const REQUEST_ACCEPTED: u8 = 128;
    /// Response: a CDR in the packet could not be decoded.
    pub const CDR_DECODING_ERROR: u8 = 177;
    /// Response: invalid message format.
    pub const INVALID_MESSAGE_FORMAT: u8 = 193;
    /// Response: version not supported.
    pub const VERSION_NOT_SUPPORTED: u8 = 198;
    /// Response: no resources available.
    pub const NO_RESOURCES: u8 = 199;
    /// Response: service not supported.
    pub const SERVICE_NOT_SUPPORTED: u8 = 200;
    /// Response: mandatory IE incorrect.
    pub const MANDATORY_IE_INCORRECT: u8 = 201;
    /// Response: mandatory IE missing.
    pub const MANDATORY_IE_MISSING: u8 = 202;
    /// Response: system failure.
    pub const SYSTEM_FAILURE_RESPONSE: u8 = 204;
    /// Response: the request about possibly duplicated packets was already fulfilled.
    pub const POSSIBLY_DUPLICATED_ALREADY_FULFILLED: u8 = 252;
    /// Response: request already fulfilled (a packet with this sequence number was received).
    pub const REQUEST_ALREADY_FULFILLED: u8 = 253;
    /// Response: the released/cancelled sequence numbers IE is incorrect.
    pub const SEQUENCE_NUMBERS_INCORRECT: u8 = 254;
    /// Response: request not fulfilled.
    pub const REQUEST_NOT_FULFILLED: u8 = 255;
}
