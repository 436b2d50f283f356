//! OCSP responder (being written).
