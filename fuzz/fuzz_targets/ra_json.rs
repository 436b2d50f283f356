//! The RA's JSON bodies, both ways: what the RA reads from clients (login
//! answer, confirmation, revocation request, new device, profile update)
//! and what the core reads from the RA (every answer and problem). Each
//! input is read as every type; what reads is written and read back
//! unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qoltanba_pki::protocol::*;

/// Read `data` as a `T`; what reads must write and read back the same.
fn read_as<T>(data: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let written = serde_json::to_vec(&value).expect("a read value writes");
        let again: T = serde_json::from_slice(&written).expect("what was written reads");
        assert_eq!(again, value);
    }
}

fuzz_target!(|data: &[u8]| {
    // Read by the RA.
    read_as::<LoginAnswer>(data);
    read_as::<Confirmation>(data);
    read_as::<RevocationRequest>(data);
    read_as::<NewDevice>(data);
    read_as::<ProfileUpdate>(data);
    read_as::<KeyAttestation>(data);
    // Read by the client.
    read_as::<Problem>(data);
    read_as::<Health>(data);
    read_as::<Challenge>(data);
    read_as::<CertificateList>(data);
    read_as::<ApplicationAccepted>(data);
    read_as::<ApplicationStatus>(data);
    read_as::<ApplicationList>(data);
    read_as::<IssuedCertificates>(data);
    read_as::<Revoked>(data);
    read_as::<DeviceCreated>(data);
    read_as::<RaPolicy>(data);
    read_as::<Profile>(data);
    read_as::<NotificationPreferences>(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ApplicationState::from_token(text);
        let _ = RevocationReason::from_name(text);
    }
});
