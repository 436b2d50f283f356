//! Android key attestation of the keys an application asks to certify.
//!
//! A key made in a phone's keystore comes with the platform's attestation
//! chain in its `KeyRequest` (docs/application-format.md). On submit the RA
//! checks each chain with the core's
//! [`verify_android_attestation`]: against the pinned roots
//! (`attestation.roots`), for the key of the request's CSR, with the
//! challenge equal to the nonce of one of the citizen's logins within
//! `attestation.challenge_window_seconds`. Its policy
//! (`attestation.policy`, `attestation.accept_software`) decides the rest,
//! and the per-key result is recorded on the application (docs/protocol.md).
//!
//! The test kit's `AttestationAuthority` (qoltanba-testkit) mints chains
//! shaped like Android's for tests and stand-in keystores.

use std::path::Path;

use crate::db::{Conn, params};
use base64::Engine;
use der::{Decode, Encode};
use qoltanba_pki::attestation::{AttestationError, AttestationResult, verify_android_attestation};
use qoltanba_pki::cert::Purpose;
use qoltanba_pki::protocol::KeyAttestation;
use qoltanba_pki::reissue::VerifiedApplication;
use spki::SubjectPublicKeyInfoOwned;
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::config::{Attestation, AttestationPolicy};
use crate::registry::{RegistryError, unix};

/// The record of a key that came without an attestation.
fn not_attested(purpose: Purpose) -> KeyAttestation {
    KeyAttestation {
        purpose,
        level: "none".into(),
        attestation_version: None,
        keymint_version: None,
        verified_boot: None,
        device_locked: None,
    }
}

/// The record of a key whose attestation `result` was verified.
fn attested(purpose: Purpose, result: &AttestationResult) -> KeyAttestation {
    KeyAttestation {
        purpose,
        level: result.security_level.name().into(),
        attestation_version: Some(result.attestation_version),
        keymint_version: Some(result.keymint_version),
        verified_boot: result.verified_boot_state.map(|s| s.name().into()),
        device_locked: result.device_locked,
    }
}

/// The pinned roots named by `entries` (`spki:<base64>` or a certificate
/// file, relative to `home`). An error names the entry.
pub fn load_roots(
    entries: &[String],
    home: &Path,
) -> Result<Vec<SubjectPublicKeyInfoOwned>, String> {
    let mut roots = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let what = |detail: String| format!("attestation.roots[{i}] ({entry}): {detail}");
        if let Some(b64) = entry.strip_prefix("spki:") {
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| what(format!("not base64: {e}")))?;
            roots.push(
                SubjectPublicKeyInfoOwned::from_der(&der)
                    .map_err(|e| what(format!("not a SubjectPublicKeyInfo: {e}")))?,
            );
            continue;
        }
        let path = home.join(entry);
        let bytes = std::fs::read(&path).map_err(|e| what(format!("cannot read it: {e}")))?;
        let certificates = if bytes.starts_with(b"-----BEGIN") {
            Certificate::load_pem_chain(&bytes)
        } else {
            Certificate::from_der(&bytes).map(|c| vec![c])
        }
        .map_err(|e| what(format!("not a certificate file: {e}")))?;
        if certificates.is_empty() {
            return Err(what("no certificate in it".into()));
        }
        roots.extend(
            certificates
                .into_iter()
                .map(|c| c.tbs_certificate().subject_public_key_info().clone()),
        );
    }
    Ok(roots)
}

/// `spki:<base64>`, the configuration entry pinning `key`.
pub fn pin_entry(key: &SubjectPublicKeyInfoOwned) -> String {
    let der = key.to_der().unwrap_or_default();
    format!(
        "spki:{}",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

/// Remember the nonce of a successful login of `iin`, and forget those
/// older than the challenge window.
pub fn remember_login(
    conn: &Conn,
    iin: &str,
    nonce: &str,
    config: &Attestation,
    now: OffsetDateTime,
) -> crate::db::Result<()> {
    conn.execute(
        "DELETE FROM login_nonces WHERE logged_in_at < ?1",
        [unix(now).saturating_sub(window(config))],
    )?;
    conn.execute(
        "INSERT INTO login_nonces (iin, nonce, logged_in_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![iin, nonce, unix(now)],
    )?;
    Ok(())
}

fn window(config: &Attestation) -> i64 {
    i64::try_from(config.challenge_window_seconds).unwrap_or(i64::MAX)
}

/// The challenges a key of `iin` may carry at `now`: the UTF-8 bytes of the
/// nonces of its logins within the window, the newest 1000 (a bound on the
/// work a submit does, far above what a renewal needs).
pub fn accepted_challenges(
    conn: &Conn,
    iin: &str,
    config: &Attestation,
    now: OffsetDateTime,
) -> crate::db::Result<Vec<Vec<u8>>> {
    let mut stmt = conn.prepare(
        "SELECT nonce FROM login_nonces WHERE iin = ?1 AND logged_in_at >= ?2
         ORDER BY logged_in_at DESC LIMIT 1000",
    )?;
    let rows = stmt.query_map(
        params![iin, unix(now).saturating_sub(window(config))],
        |r| r.get::<_, String>(0),
    )?;
    rows.map(|r| r.map(String::into_bytes)).collect()
}

/// Check every key request of `verified` under the policy; the results in
/// request order, or the refusal of the first key that fails.
pub fn check_application(
    verified: &VerifiedApplication,
    config: &Attestation,
    roots: &[SubjectPublicKeyInfoOwned],
    accepted_challenges: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<Vec<KeyAttestation>, RegistryError> {
    let mut results = Vec::with_capacity(verified.csrs.len());
    for (request, csr) in verified.application.requests.iter().zip(&verified.csrs) {
        let purpose = csr.purpose.token();
        let record_purpose = csr.purpose;
        let Some(chain) = &request.attestation else {
            if config.policy == AttestationPolicy::Required {
                return Err(RegistryError::AttestationRequired(purpose.into()));
            }
            results.push(not_attested(record_purpose));
            continue;
        };
        let refused = |e: &AttestationError| RegistryError::AttestationFailed {
            purpose: purpose.into(),
            reason: e.to_string(),
        };
        let chain_der = chain
            .iter()
            .map(Encode::to_der)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| RegistryError::AttestationFailed {
                purpose: purpose.into(),
                reason: format!("the chain cannot be encoded: {e}"),
            })?;
        match verify_android_attestation(
            &chain_der,
            &csr.public_key,
            roots,
            accepted_challenges,
            now,
        ) {
            Ok(result) => results.push(attested(record_purpose, &result)),
            Err(AttestationError::SoftwareKey(result)) if config.accept_software => {
                results.push(attested(record_purpose, &result));
            }
            Err(e) => return Err(refused(&e)),
        }
    }
    Ok(results)
}

/// The recorded results as the database column holds them.
pub fn to_column(results: &[KeyAttestation]) -> String {
    serde_json::to_string(results).unwrap_or_else(|_| "[]".into())
}

/// The column read back; empty for applications made before it existed.
pub fn from_column(column: Option<&str>) -> Vec<KeyAttestation> {
    column
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

/// One line for the operator: `auth:tee sign:none`.
pub fn summary(results: &[KeyAttestation]) -> String {
    if results.is_empty() {
        return "-".into();
    }
    results
        .iter()
        .map(|r| format!("{}:{}", r.purpose.token(), r.level))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_load_from_spki_pem_and_der_and_errors_name_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let authority = qoltanba_testkit::attestation::AttestationAuthority::new().unwrap();
        let der = authority.root_certificate_der().to_vec();
        std::fs::write(dir.path().join("root.cer"), &der).unwrap();
        let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &der).unwrap();
        std::fs::write(dir.path().join("roots.pem"), format!("{pem}{pem}")).unwrap();
        let entries = vec![
            pin_entry(authority.root_public_key()),
            "root.cer".to_string(),
            "roots.pem".to_string(),
            crate::config::GOOGLE_EC_ROOT.to_string(),
        ];
        let roots = load_roots(&entries, dir.path()).unwrap();
        assert_eq!(roots.len(), 5);
        assert!(roots[..4].iter().all(|r| r == authority.root_public_key()));

        let err = load_roots(&["spki:%%%".into()], dir.path()).unwrap_err();
        assert!(
            err.starts_with("attestation.roots[0] (spki:%%%): not base64"),
            "{err}"
        );
        let err = load_roots(&["spki:AAAA".into()], dir.path()).unwrap_err();
        assert!(err.contains("not a SubjectPublicKeyInfo"), "{err}");
        let err = load_roots(&["missing.pem".into()], dir.path()).unwrap_err();
        assert!(err.contains("cannot read it"), "{err}");
        std::fs::write(dir.path().join("junk"), b"junk").unwrap();
        let err = load_roots(&["junk".into()], dir.path()).unwrap_err();
        assert!(err.contains("not a certificate file"), "{err}");
    }

    #[test]
    fn login_nonces_expire_with_the_window() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("ra.db")).unwrap();
        let conn = db.conn();
        let config = Attestation {
            challenge_window_seconds: 100,
            ..Attestation::default()
        };
        let t0 = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        remember_login(&conn, "900101300017", "old", &config, t0).unwrap();
        let t1 = t0 + time::Duration::seconds(60);
        remember_login(&conn, "900101300017", "new", &config, t1).unwrap();
        remember_login(&conn, "900101300025", "other", &config, t1).unwrap();
        let at = |secs| t0 + time::Duration::seconds(secs);
        assert_eq!(
            accepted_challenges(&conn, "900101300017", &config, at(90)).unwrap(),
            vec![b"new".to_vec(), b"old".to_vec()]
        );
        assert_eq!(
            accepted_challenges(&conn, "900101300017", &config, at(130)).unwrap(),
            vec![b"new".to_vec()]
        );
        // A later login sweeps what fell out of the window.
        remember_login(&conn, "900101300025", "later", &config, at(200)).unwrap();
        let left: Vec<String> = conn
            .prepare("SELECT nonce FROM login_nonces")
            .unwrap()
            .query_map(params![], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(left, vec!["later".to_string()]);
    }

    #[test]
    fn the_column_round_trips_and_summarises() {
        let results = vec![
            not_attested(Purpose::Auth),
            KeyAttestation {
                purpose: Purpose::Sign,
                level: "strongbox".into(),
                attestation_version: Some(300),
                keymint_version: Some(300),
                verified_boot: Some("verified".into()),
                device_locked: Some(true),
            },
        ];
        let column = to_column(&results);
        assert_eq!(
            column,
            r#"[{"purpose":"auth","level":"none"},{"purpose":"sign","level":"strongbox","attestation_version":300,"keymint_version":300,"verified_boot":"verified","device_locked":true}]"#
        );
        assert_eq!(from_column(Some(&column)), results);
        assert_eq!(from_column(None), vec![]);
        assert_eq!(summary(&results), "auth:none sign:strongbox");
        assert_eq!(summary(&[]), "-");
    }
}
