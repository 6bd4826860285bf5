//! Control-socket lines (net::control): requests as the daemon reads them and replies
//! as the commands read them. Never panics; a parsed reply encodes back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use net::control::{Reply, Request};

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    if let Some(request) = Request::parse(&line) {
        assert_eq!(Request::parse(request.encode()), Some(request));
    }
    if let Some(reply) = Reply::parse(&line) {
        assert_eq!(Reply::parse(&reply.encode()), Some(reply));
    }
    let _ = net::listen::port_number(&line, "smtp 25/tcp mail\nsubmission 587/tcp\n");
});
