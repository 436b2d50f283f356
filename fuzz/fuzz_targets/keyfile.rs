//! NCA key files (PKCS#12) as a user opens them: the bytes of a `.p12`
//! under the fixtures' password and under the empty one (which has two
//! readings). Almost every mutation stops at the MAC; `keyfile_past_mac`
//! fuzzes what lies behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_pki::keyfile::{KeyFile, Password};

fuzz_target!(|data: &[u8]| {
    for password in [qoltanba_fuzz::KEY_FILE_PASSWORD, ""] {
        if let Ok(file) = KeyFile::from_bytes(data, &Password::new(password)) {
            let _ = file.profile();
            let _ = file.protection();
            let _ = file.require_certificate();
        }
    }
});
