//! Random bytes from the OS for the key files: PKCS#12 salts and IVs, and the
//! suffix of a temporary file name. Its own module because both
//! [`pkcs12`](super::pkcs12) and [`fs`](super::fs) need it, and `pkcs12`
//! already calls into `fs`.

use super::KeyFileError;

/// Random bytes from the OS.
pub fn random<const N: usize>() -> Result<[u8; N], KeyFileError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| KeyFileError::Random)?;
    Ok(out)
}
