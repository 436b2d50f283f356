//! Android key attestation over real HTTPS on loopback: applications whose
//! new keys carry chains minted by a test authority (shaped like a phone's,
//! `qoltanba_testkit::attestation`), pinned through config.toml. One
//! server with the default policy (optional, software keys refused), one
//! with `policy = "required"` and `accept_software = true`.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::sync::OnceLock;

use der::Encode;
use qoltanba_pki::attestation::SecurityLevel;
use qoltanba_pki::attestation::{origin, purpose};
use qoltanba_pki::cert::{KzCertificate, Purpose};
use qoltanba_pki::crypto::{KeySpec, Signer, SoftwareKey, generate};
use qoltanba_pki::reissue::{
    ApplicationDetails, NewKeyEntry, StorageKind, build_attested_application,
};
use qoltanba_pki::signed_message::sign_message;
use qoltanba_testkit::attestation::AttestationAuthority;
use serde_json::{Value, json};
use support::*;
use time::OffsetDateTime;

const SIGN_VERIFY: &[u64] = &[purpose::SIGN, purpose::VERIFY];

fn authority() -> &'static AttestationAuthority {
    static AUTHORITY: OnceLock<AttestationAuthority> = OnceLock::new();
    AUTHORITY.get_or_init(|| AttestationAuthority::new().unwrap())
}

/// Pin the test authority's root next to Google's, and set `extra` lines
/// of the [attestation] table.
fn tuned(config: &mut String, replacements: &[(&str, &str)]) {
    *config = config.replace(
        "roots = [",
        &format!("roots = [\n    \"{}\",", authority().pin_entry()),
    );
    *config = config.replace("submissions_per_hour = 20", "submissions_per_hour = 1000");
    for (from, to) in replacements {
        assert!(config.contains(from), "{from} is not in config.toml");
        *config = config.replace(from, to);
    }
}

fn optional() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| Server::start(|config| tuned(config, &[])))
}

fn required() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        Server::start(|config| {
            tuned(
                config,
                &[
                    ("policy = \"optional\"", "policy = \"required\""),
                    ("accept_software = false", "accept_software = true"),
                ],
            )
        })
    })
}

/// A P-256 citizen: the AUTH and SIGN keys with their certificates.
struct Citizen {
    iin: String,
    auth: (SoftwareKey, KzCertificate),
    sign: (SoftwareKey, KzCertificate),
}

fn citizen(s: &Server, seq: u32) -> Citizen {
    let iin = iin(seq);
    let keys: Vec<_> = s
        .enroll(&iin, "p256", &[])
        .iter()
        .map(|f| open_key(f))
        .collect();
    let (sign, auth): (Vec<_>, Vec<_>) =
        keys.into_iter().partition(|(_, c)| c.purpose().can_sign());
    Citizen {
        iin,
        auth: auth.into_iter().next().unwrap(),
        sign: sign.into_iter().next().unwrap(),
    }
}

/// Log in; the session token and the nonce that was signed.
fn login(s: &Server, who: &Citizen) -> (String, String) {
    let (status, body) = s.json("POST", "/v1/auth/challenge", None, None);
    assert_eq!(status, 201, "{body}");
    let nonce = body["nonce"].as_str().unwrap().to_string();
    let signed = sign_message(
        nonce.as_bytes(),
        &who.auth.0,
        &who.auth.1,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let (status, _, body) = s.request(
        "POST",
        "/v1/auth/login",
        None,
        &[("content-type", "application/cms")],
        Some(&signed),
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{body}");
    (body["token"].as_str().unwrap().to_string(), nonce)
}

/// A new P-256 AUTH and SIGN key pair, as a phone's keystore makes them.
fn new_keys() -> (SoftwareKey, SoftwareKey) {
    (
        generate(KeySpec::P256).unwrap(),
        generate(KeySpec::P256).unwrap(),
    )
}

fn spki(key: &SoftwareKey) -> Vec<u8> {
    key.public_key().to_der().unwrap()
}

fn mint(key: &SoftwareKey, challenge: &str, level: SecurityLevel) -> Vec<Vec<u8>> {
    authority()
        .mint(
            &spki(key),
            challenge.as_bytes(),
            level,
            SIGN_VERIFY,
            origin::GENERATED,
        )
        .unwrap()
}

/// application.p7s for the two new keys and their chains (empty: none).
fn application(
    who: &Citizen,
    keys: &(SoftwareKey, SoftwareKey),
    auth_chain: &[Vec<u8>],
    sign_chain: &[Vec<u8>],
) -> Vec<u8> {
    let entries = [
        NewKeyEntry {
            purpose: Purpose::Auth,
            key: &keys.0 as &dyn Signer,
            attestation: auth_chain,
        },
        NewKeyEntry {
            purpose: Purpose::Sign,
            key: &keys.1 as &dyn Signer,
            attestation: sign_chain,
        },
    ];
    build_attested_application(
        &who.sign.1,
        &who.sign.0,
        &entries,
        &ApplicationDetails {
            email: "testov@example.kz".into(),
            locality: "Астана".into(),
            storage: StorageKind::PlatformKeystore,
        },
        OffsetDateTime::now_utc(),
    )
    .unwrap()
    .p7s_der
}

fn submit(s: &Server, token: &str, p7s: &[u8]) -> (u16, Value) {
    let (status, _, body) = s.request(
        "POST",
        "/v1/applications",
        Some(token),
        &[("content-type", "application/cms")],
        Some(p7s),
    );
    (status, serde_json::from_slice(&body).unwrap())
}

/// The submission is refused with `code`, and the detail says `reason`.
fn assert_refused(s: &Server, token: &str, p7s: &[u8], code: &str, reason: &str) {
    let (status, body) = submit(s, token, p7s);
    assert_eq!((status, body["code"].as_str()), (422, Some(code)), "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains(reason),
        "{detail:?} does not say {reason:?}"
    );
    assert!(!detail.contains('\n'));
}

fn levels(attestation: &Value) -> Vec<(String, String)> {
    attestation
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["purpose"].as_str().unwrap().to_string(),
                k["level"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn tee_and_strongbox_keys_are_accepted_and_recorded() {
    let s = optional();
    let who = citizen(s, 801);
    let (token, nonce) = login(s, &who);
    let keys = new_keys();
    let p7s = application(
        &who,
        &keys,
        &mint(&keys.0, &nonce, SecurityLevel::TrustedEnvironment),
        &mint(&keys.1, &nonce, SecurityLevel::StrongBox),
    );
    let (status, body) = submit(s, &token, &p7s);
    assert_eq!(status, 202, "{body}");
    let expected = pairs(&[("auth", "tee"), ("sign", "strongbox")]);
    assert_eq!(levels(&body["attestation"]), expected);
    assert_eq!(body["attestation"][1]["attestation_version"], 300);
    assert_eq!(body["attestation"][1]["verified_boot"], "verified");
    assert_eq!(body["attestation"][1]["device_locked"], true);
    let number = body["number"].as_i64().unwrap();

    // The status, the list, and the operator's list show the same.
    let (status, shown) = s.json(
        "GET",
        &format!("/v1/applications/{number}"),
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "{shown}");
    assert_eq!(levels(&shown["attestation"]), expected);
    let (_, listed) = s.json("GET", "/v1/applications", Some(&token), None);
    assert_eq!(levels(&listed["applications"][0]["attestation"]), expected);
    let operator = ra(&["applications", "list", "--dir", s.home().to_str().unwrap()]);
    assert!(
        operator
            .lines()
            .any(|l| l.starts_with(&format!("{number}\t{}\t", who.iin))
                && l.ends_with("\tauth:tee sign:strongbox")),
        "{operator}"
    );

    // Confirmed and issued like any other.
    let code = s.last_code();
    let (status, body) = s.json(
        "POST",
        &format!("/v1/applications/{number}/confirm"),
        Some(&token),
        Some(&json!({ "code": code })),
    );
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("issued")),
        "{body}"
    );
    assert_eq!(levels(&body["attestation"]), expected);
}

#[test]
fn a_key_made_in_an_earlier_session_is_accepted_another_citizens_is_not() {
    let s = optional();
    let who = citizen(s, 802);
    let other = citizen(s, 803);
    let (_, first_nonce) = login(s, &who);
    let (token, _) = login(s, &who);
    let (_, others_nonce) = login(s, &other);
    let keys = new_keys();
    let earlier = application(
        &who,
        &keys,
        &mint(&keys.0, &first_nonce, SecurityLevel::TrustedEnvironment),
        &mint(&keys.1, &first_nonce, SecurityLevel::TrustedEnvironment),
    );
    let (status, body) = submit(s, &token, &earlier);
    assert_eq!(status, 202, "{body}");
    let keys = new_keys();
    let foreign = application(
        &who,
        &keys,
        &mint(&keys.0, &others_nonce, SecurityLevel::TrustedEnvironment),
        &mint(&keys.1, &others_nonce, SecurityLevel::TrustedEnvironment),
    );
    assert_refused(
        s,
        &token,
        &foreign,
        "attestation-failed",
        "the attestation of the new auth key was refused: the attestation challenge is not the nonce of a recent login",
    );
}

#[test]
fn each_broken_attestation_is_refused_with_its_reason() {
    let s = optional();
    let who = citizen(s, 804);
    let (token, nonce) = login(s, &who);
    let tee = SecurityLevel::TrustedEnvironment;
    let refuse = |auth_chain: &dyn Fn(&SoftwareKey) -> Vec<Vec<u8>>, reason: &str| {
        let keys = new_keys();
        let p7s = application(
            &who,
            &keys,
            &auth_chain(&keys.0),
            &mint(&keys.1, &nonce, tee),
        );
        assert_refused(s, &token, &p7s, "attestation-failed", reason);
    };

    refuse(
        &|k| mint(k, "a nonce this server never handed out", tee),
        "auth key was refused: the attestation challenge is not the nonce of a recent login",
    );
    refuse(
        &|k| mint(k, &nonce, SecurityLevel::Software),
        "auth key was refused: the attested key lives in software, not in the phone's secure hardware",
    );
    let stranger = AttestationAuthority::new().unwrap();
    refuse(
        &|k| {
            stranger
                .mint(
                    &spki(k),
                    nonce.as_bytes(),
                    tee,
                    SIGN_VERIFY,
                    origin::GENERATED,
                )
                .unwrap()
        },
        "the attestation chain ends in a root that is not pinned",
    );
    refuse(
        &|_| mint(&generate(KeySpec::P256).unwrap(), &nonce, tee),
        "auth key was refused: the attested key is not the key of the request",
    );
    refuse(
        &|k| {
            authority()
                .mint(
                    &spki(k),
                    nonce.as_bytes(),
                    tee,
                    &[purpose::VERIFY],
                    origin::GENERATED,
                )
                .unwrap()
        },
        "the attested key may not sign (purposes [3], SIGN is 2)",
    );
    refuse(
        &|k| {
            authority()
                .mint(
                    &spki(k),
                    nonce.as_bytes(),
                    tee,
                    SIGN_VERIFY,
                    origin::IMPORTED,
                )
                .unwrap()
        },
        "the attested key was not generated in the keystore (origin: imported (2))",
    );
    refuse(
        &|k| {
            let mut chain = mint(k, &nonce, tee);
            let last = chain[1].len() - 1;
            chain[1][last] ^= 0x01;
            chain
        },
        "auth key was refused: attestation certificate 1 is not signed by the next one",
    );
    refuse(
        &|k| mint(k, &nonce, tee)[..1].to_vec(),
        "its issuers up to the root are missing",
    );

    // The sign key's chain broken, the auth key's fine: the detail names it.
    let keys = new_keys();
    let mut sign_chain = mint(&keys.1, &nonce, tee);
    sign_chain.swap(1, 2);
    let p7s = application(&who, &keys, &mint(&keys.0, &nonce, tee), &sign_chain);
    assert_refused(
        s,
        &token,
        &p7s,
        "attestation-failed",
        "the attestation of the new sign key was refused: attestation certificate 0 is not signed by the next one",
    );

    // Nothing of it was recorded.
    let (_, listed) = s.json("GET", "/v1/applications", Some(&token), None);
    assert_eq!(listed["applications"].as_array().unwrap().len(), 0);
}

#[test]
fn keys_without_attestation_are_accepted_when_optional() {
    let s = optional();
    let who = citizen(s, 805);
    let (token, nonce) = login(s, &who);
    let keys = new_keys();
    let p7s = application(
        &who,
        &keys,
        &[],
        &mint(&keys.1, &nonce, SecurityLevel::TrustedEnvironment),
    );
    let (status, body) = submit(s, &token, &p7s);
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        levels(&body["attestation"]),
        pairs(&[("auth", "none"), ("sign", "tee")])
    );
    assert_eq!(
        body["attestation"][0],
        json!({"purpose": "auth", "level": "none"})
    );
}

#[test]
fn keys_without_attestation_are_refused_when_required_software_accepted_when_allowed() {
    let s = required();
    let who = citizen(s, 806);
    let (token, nonce) = login(s, &who);
    let keys = new_keys();
    let p7s = application(
        &who,
        &keys,
        &mint(&keys.0, &nonce, SecurityLevel::TrustedEnvironment),
        &[],
    );
    assert_refused(
        s,
        &token,
        &p7s,
        "attestation-required",
        "the new sign key has none",
    );
    // accept_software = true on this server: recorded as such.
    let keys = new_keys();
    let p7s = application(
        &who,
        &keys,
        &mint(&keys.0, &nonce, SecurityLevel::Software),
        &mint(&keys.1, &nonce, SecurityLevel::StrongBox),
    );
    let (status, body) = submit(s, &token, &p7s);
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        levels(&body["attestation"]),
        pairs(&[("auth", "software"), ("sign", "strongbox")])
    );
    // A present attestation must still verify.
    let keys = new_keys();
    let p7s = application(
        &who,
        &keys,
        &mint(&keys.0, "stale", SecurityLevel::TrustedEnvironment),
        &mint(&keys.1, &nonce, SecurityLevel::TrustedEnvironment),
    );
    assert_refused(s, &token, &p7s, "attestation-failed", "challenge");
}
