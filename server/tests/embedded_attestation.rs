//! The embedded RA pins its own test attestation authority: a stand-in
//! Android keystore that mints its chains with
//! `EmbeddedRa::attestation_authority()` gets its keys accepted and
//! recorded, through the core's RA client; another authority's are refused.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use der::Encode;
use qoltanba_core::ra::{RaClient, RaConfig, RaError};
use qoltanba_pki::attestation::SecurityLevel;
use qoltanba_pki::attestation::{origin, purpose};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::keyfile::{KeyFile, NewPassword, Password};
use qoltanba_pki::reissue::{
    ApplicationDetails, NewKeyEntry, StorageKind, build_attested_application,
};
use qoltanba_pki::signed_message::sign_message;
use qoltanba_testkit::attestation::AttestationAuthority;
use qoltanba_testkit::embedded::{EmbeddedRa, random_password};
use time::OffsetDateTime;

fn open(file: &std::path::Path, password: &NewPassword) -> (SoftwareKey, KzCertificate) {
    let file = KeyFile::open(file, password.as_password()).unwrap();
    (
        SoftwareKey::from_pkcs8_der(file.private_key_pkcs8()).unwrap(),
        KzCertificate::from_der(file.certificate_der().unwrap()).unwrap(),
    )
}

#[test]
fn a_stand_in_keystore_minting_with_the_embedded_authority_is_accepted() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ra = EmbeddedRa::start(&dir.path().join("ra"), &runtime).unwrap();
    let password = NewPassword::new(Password::new(random_password("Ci"))).unwrap();
    let enrolled = ra
        .enroll_expiring(
            &support::iin(901),
            KeySpec::P256,
            10,
            &password,
            &dir.path().join("keys"),
        )
        .unwrap();
    let find = |p: Purpose| {
        let key = enrolled.iter().find(|k| k.purpose == p).unwrap();
        open(&key.file, &password)
    };
    let (auth_key, auth_cert) = find(Purpose::Auth);
    let (sign_key, sign_cert) = find(Purpose::Sign);

    let client = RaClient::new(RaConfig::new(&ra.base_url, ra.root_der.clone())).unwrap();
    let (session, nonce) = runtime.block_on(async {
        let challenge = client.challenge().await.unwrap();
        let signed = sign_message(
            challenge.nonce.as_bytes(),
            &auth_key,
            &auth_cert,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        (client.login(signed).await.unwrap(), challenge.nonce)
    });

    let submit = |authority: &AttestationAuthority, idempotency_key: &str| {
        let keys = [
            generate(KeySpec::P256).unwrap(),
            generate(KeySpec::P256).unwrap(),
        ];
        let chains: Vec<Vec<Vec<u8>>> = keys
            .iter()
            .map(|k| {
                authority
                    .mint(
                        &k.public_key().to_der().unwrap(),
                        nonce.as_bytes(),
                        SecurityLevel::StrongBox,
                        &[purpose::SIGN],
                        origin::GENERATED,
                    )
                    .unwrap()
            })
            .collect();
        let entries = [
            NewKeyEntry {
                purpose: Purpose::Auth,
                key: &keys[0] as &dyn Signer,
                attestation: &chains[0],
            },
            NewKeyEntry {
                purpose: Purpose::Sign,
                key: &keys[1] as &dyn Signer,
                attestation: &chains[1],
            },
        ];
        let p7s = build_attested_application(
            &sign_cert,
            &sign_key,
            &entries,
            &ApplicationDetails {
                email: "testov@example.kz".into(),
                locality: "Астана".into(),
                storage: StorageKind::PlatformKeystore,
            },
            OffsetDateTime::now_utc(),
        )
        .unwrap()
        .p7s_der;
        runtime.block_on(client.submit(&session, p7s, idempotency_key))
    };

    let submitted = submit(ra.attestation_authority(), "first").unwrap();
    let recorded = ra.attestation_of(submitted.number).unwrap();
    let recorded: serde_json::Value = serde_json::from_str(&recorded).unwrap();
    assert_eq!(recorded[0]["level"], "strongbox", "{recorded}");
    assert_eq!(recorded[1]["level"], "strongbox", "{recorded}");
    // The attestations back the keystore claim: that is what the RA
    // established and what the certificates will say.
    let (claimed, established): (String, String) = ra
        .db()
        .conn()
        .query_row(
            "SELECT storage_claimed, storage FROM applications WHERE id = ?1",
            [submitted.number],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (claimed.as_str(), established.as_str()),
        ("platform-keystore", "platform-keystore")
    );

    let stranger = AttestationAuthority::new().unwrap();
    match submit(&stranger, "second") {
        Err(RaError::Refused { status, code, .. }) => {
            assert_eq!((status, code.as_str()), (422, "attestation-failed"));
        }
        other => panic!("{other:?}"),
    }
}
