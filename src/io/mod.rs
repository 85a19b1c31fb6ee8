//! Sockets: batched UDP (recvmmsg/sendmmsg), TCP. The only place in the crate allowed to use `unsafe`.
#![allow(unsafe_code)]
