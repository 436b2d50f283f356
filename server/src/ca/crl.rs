//! Certificate revocation lists (to be written).
