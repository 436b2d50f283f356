//! Push payloads (FCM data, FCM message and send request, APNs body) as the
//! phone hands them to the core.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_pki::protocol::push::ExpiryPush;

fuzz_target!(|data: &[u8]| {
    if let Ok(push) = ExpiryPush::parse(data) {
        let _ = push.fcm_data();
        let _ = push.apns_value();
        let _ = push.days_left();
    }
});
