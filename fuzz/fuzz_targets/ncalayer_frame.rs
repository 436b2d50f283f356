//! NCALayer's WebSocket text frames as any web page may send them to
//! qoltanba's NCALayer service (the page is the least trusted party of
//! all): the request parser, and the reply it makes of what it refuses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_layer::protocol::{Frame, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text) {
        Frame::Refused(reply) => {
            let _ = reply.to_text();
        }
        Frame::Request(request) => {
            let _ = format!("{request:?}");
        }
        Frame::Heartbeat => {}
    }
});
