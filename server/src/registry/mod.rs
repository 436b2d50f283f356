//! The RA's records and decisions, independent of HTTP: enrolling a citizen,
//! recording and issuing certificates, the life of an application, revocation.
//! The API (`api`) and the operator commands (`main.rs`) both call these, as
//! `registry::x`: each concern has its own module, re-exported here.

mod applications;
mod certificates;
mod enrolment;
mod error;
mod revocation;
mod time;

pub use applications::{
    approve, check_policy, code_hash, establish_storage, finish_all_pending, finish_pending,
    new_code, reject, set_state,
};
pub use certificates::{
    CertificateRecord, base64_std, certificate_by_serial, check_presented, list_certificates, pem,
    record_certificate,
};
#[cfg(feature = "card-enrolment")]
pub use enrolment::{EnrolledCardKey, enroll_card};
pub use enrolment::{EnrolledKey, Enrolment, enroll, enroll_keys};
pub use error::{RegistryError, Result};
pub use revocation::{next_crl_number, revoke, revoked_entries};
pub use time::{from_unix, unix};
