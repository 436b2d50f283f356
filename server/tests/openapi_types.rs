//! server/openapi.json checked against the wire types both sides use
//! (`qoltanba_pki::protocol`), without a server: for every schema a request
//! body or a response names, and every component schema,
//! (a) an instance of the matching Rust type serialises to JSON that
//! validates against the schema, and (b) the schema's property names are
//! exactly the fields the type writes when all are present, and its
//! `required` list exactly the fields it writes when the optional ones are
//! absent. A field added on one side only fails (b).
//!
//! The API tests (tests/api.rs) check the live server's answers against the
//! same document (`support::check_contract`); this file covers what they
//! cannot see: request bodies, and fields the document lacks or has extra.
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

use std::collections::BTreeSet;

use qoltanba_pki::cert::Purpose;
use qoltanba_pki::protocol::*;
use qoltanba_pki::reissue::StorageKind;
use serde::Serialize;
use serde_json::Value;

/// An OpenAPI schema's Rust type, as two instances: every field present, and
/// every optional field absent.
struct Case {
    schema: &'static str,
    full: Value,
    minimal: Value,
}

fn case<T: Serialize>(schema: &'static str, full: T, minimal: T) -> Case {
    Case {
        schema,
        full: serde_json::to_value(full).unwrap(),
        minimal: serde_json::to_value(minimal).unwrap(),
    }
}

/// A type without optional fields.
fn plain<T: Serialize>(schema: &'static str, value: T) -> Case {
    let value = serde_json::to_value(value).unwrap();
    Case {
        schema,
        full: value.clone(),
        minimal: value,
    }
}

const TIME: &str = "2030-01-01T00:00:00Z";

fn attestation_full() -> KeyAttestation {
    KeyAttestation {
        purpose: Purpose::Sign,
        level: "strongbox".into(),
        attestation_version: Some(300),
        keymint_version: Some(300),
        verified_boot: Some("verified".into()),
        device_locked: Some(true),
    }
}

fn attestation_minimal() -> KeyAttestation {
    KeyAttestation {
        purpose: Purpose::Auth,
        level: "none".into(),
        attestation_version: None,
        keymint_version: None,
        verified_boot: None,
        device_locked: None,
    }
}

fn certificate() -> CertificateInfo {
    CertificateInfo {
        revoked_at: None,
        revocation_reason: None,
        storage: None,
        serial: "0A1B".into(),
        purpose: Purpose::Both,
        algorithm: "GOST2015-512".into(),
        issuer: "gost".into(),
        not_before: TIME.into(),
        not_after: TIME.into(),
        status: CertificateStatus::Expiring,
        days_left: 3,
        replaced: false,
        certificate: "MIIB".into(),
    }
}

fn revoked_certificate() -> CertificateInfo {
    CertificateInfo {
        status: CertificateStatus::Revoked,
        revoked_at: Some(TIME.into()),
        revocation_reason: Some("keyCompromise".into()),
        storage: Some(StorageKind::IdCard),
        ..certificate()
    }
}

fn storage_policy() -> StoragePolicy {
    StoragePolicy {
        storage: StorageKind::Token,
        validity_days: 1095,
        check: StorageCheck::NotPossible,
    }
}

fn password_rule() -> PasswordRule {
    PasswordRule {
        min_chars: 6,
        max_chars: 32,
        needs_uppercase: true,
        needs_lowercase: true,
        needs_digit: true,
    }
}

fn preferences() -> NotificationPreferences {
    NotificationPreferences {
        email: true,
        sms: false,
        push: true,
    }
}

fn status() -> ApplicationStatus {
    ApplicationStatus {
        number: 7,
        state: ApplicationState::Confirmed,
        created_at: TIME.into(),
        updated_at: TIME.into(),
        attestation: vec![attestation_full(), attestation_minimal()],
        code_delivery: None,
    }
}

fn code_delivery_full() -> CodeDelivery {
    CodeDelivery {
        state: CodeDeliveryState::Pending,
        sent_to: "+7******4567".into(),
        attempts: 2,
        next_attempt_at: Some(TIME.into()),
    }
}

fn code_delivery_minimal() -> CodeDelivery {
    CodeDelivery {
        state: CodeDeliveryState::Failed,
        sent_to: "+7******4567".into(),
        attempts: 5,
        next_attempt_at: None,
    }
}

fn issued() -> IssuedCertificate {
    IssuedCertificate {
        serial: "0A1B".into(),
        purpose: Purpose::Auth,
        certificate: "MIIB".into(),
        pem: "-----BEGIN CERTIFICATE-----".into(),
        chain: vec!["-----BEGIN CERTIFICATE-----".into()],
    }
}

/// Every schema of the document, with the type that writes it.
fn cases() -> Vec<Case> {
    vec![
        plain(
            "Problem",
            Problem {
                kind: "https://qoltanba.example/problems/wrong-code".into(),
                title: "Unprocessable Entity".into(),
                status: 422,
                code: "wrong-code".into(),
                detail: "the one-time code is wrong; 2 tries left".into(),
            },
        ),
        plain("Health", Health::ok()),
        plain("Alive", qoltanba_ra::api::Alive { status: "alive" }),
        plain("Readiness", qoltanba_ra::api::Readiness::READY),
        plain(
            "Challenge",
            Challenge {
                nonce: "n".into(),
                expires_at: TIME.into(),
            },
        ),
        plain(
            "Session",
            LoginAnswer {
                token: "t".into(),
                token_type: "Bearer".into(),
                iin: "900101300001".into(),
                expires_at: TIME.into(),
            },
        ),
        case("Certificate", revoked_certificate(), certificate()),
        plain("StoragePolicy", storage_policy()),
        plain("PasswordRule", password_rule()),
        plain(
            "Policy",
            RaPolicy {
                storage: vec![storage_policy()],
                unconfirmed_validity_days: 365,
                algorithms: vec!["gost2015".into()],
                min_rsa_bits: 2048,
                attestation: "optional".into(),
                expiring_days: 30,
                code_ttl_seconds: 600,
                password: password_rule(),
            },
        ),
        plain("NotificationPreferences", preferences()),
        case(
            "Profile",
            Profile {
                iin: "900101300001".into(),
                contact_email: Some("me@example.kz".into()),
                notices_email: Some("me@example.kz".into()),
                sms_to: Some("+7******4567".into()),
                notifications: preferences(),
            },
            Profile {
                iin: "900101300001".into(),
                contact_email: None,
                notices_email: None,
                sms_to: None,
                notifications: preferences(),
            },
        ),
        case(
            "ProfileUpdate",
            ProfileUpdate {
                contact_email: Some("me@example.kz".into()),
                notifications: preferences(),
            },
            ProfileUpdate {
                contact_email: None,
                notifications: preferences(),
            },
        ),
        plain(
            "CertificateList",
            CertificateList {
                iin: "900101300001".into(),
                certificates: vec![certificate()],
            },
        ),
        case(
            "ApplicationAccepted",
            ApplicationAccepted {
                number: 7,
                state: ApplicationState::AwaitingCode,
                code_sent_to: "+7******4567".into(),
                code_expires_at: TIME.into(),
                attestation: vec![attestation_minimal()],
                code_delivery: Some(code_delivery_full()),
            },
            ApplicationAccepted {
                number: 7,
                state: ApplicationState::AwaitingCode,
                code_sent_to: "+7******4567".into(),
                code_expires_at: TIME.into(),
                attestation: vec![attestation_minimal()],
                code_delivery: None,
            },
        ),
        case(
            "ApplicationStatus",
            ApplicationStatus {
                state: ApplicationState::AwaitingCode,
                code_delivery: Some(code_delivery_full()),
                ..status()
            },
            status(),
        ),
        case(
            "CodeDelivery",
            code_delivery_full(),
            code_delivery_minimal(),
        ),
        plain(
            "ApplicationList",
            ApplicationList {
                applications: vec![status()],
            },
        ),
        plain(
            "Confirmation",
            Confirmation {
                code: "123456".into(),
            },
        ),
        plain("IssuedCertificate", issued()),
        plain(
            "IssuedCertificates",
            IssuedCertificates {
                number: 7,
                certificates: vec![issued()],
            },
        ),
        plain(
            "Revocation",
            Revoked {
                serial: "0A1B".into(),
                reason: "superseded".into(),
                revoked_at: TIME.into(),
            },
        ),
        plain(
            "RevocationRequest",
            RevocationRequest {
                serial: "0a1b".into(),
                reason: "keyCompromise".into(),
            },
        ),
        plain(
            "NewDevice",
            NewDevice {
                platform: "android".into(),
                token: "fcm-token".into(),
                locale: "kk-KZ".into(),
            },
        ),
        plain("DeviceCreated", DeviceCreated { id: 1 }),
        case("KeyAttestation", attestation_full(), attestation_minimal()),
    ]
}

use qoltanba_testkit::openapi::{document as openapi, violations};

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

fn names(list: Option<&Value>) -> BTreeSet<String> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// The component schemas the paths name for request bodies and responses
/// (JSON media types), with where.
fn named_by_paths(doc: &Value) -> Vec<(String, String)> {
    let mut named = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let mut bodies = Vec::new();
            if let Some(body) = operation.get("requestBody") {
                bodies.push(("request".to_string(), body));
            }
            for (status, response) in operation["responses"].as_object().unwrap() {
                bodies.push((status.clone(), response));
            }
            for (which, body) in bodies {
                for (media, content) in body["content"].as_object().into_iter().flatten() {
                    if !media.ends_with("json") {
                        continue;
                    }
                    if let Some(reference) = content["schema"]["$ref"].as_str() {
                        named.push((
                            reference.rsplit('/').next().unwrap().to_string(),
                            format!("{method} {path} {which} {media}"),
                        ));
                    }
                }
            }
        }
    }
    named
}

#[test]
fn every_schema_the_paths_name_has_its_rust_type() {
    let doc = openapi();
    let cases = cases();
    let named = named_by_paths(&doc);
    assert!(named.iter().any(|(_, at)| at.contains("request")));
    for (schema, at) in named {
        assert!(
            cases.iter().any(|c| c.schema == schema),
            "{at} names schema {schema}, which no Rust type here writes"
        );
    }
    let components: BTreeSet<String> = keys(&doc["components"]["schemas"]);
    let typed: BTreeSet<String> = cases.iter().map(|c| c.schema.to_string()).collect();
    assert_eq!(components, typed, "component schemas vs the Rust types");
}

#[test]
fn each_type_serialises_to_json_its_schema_accepts() {
    let doc = openapi();
    for case in cases() {
        let schema = &doc["components"]["schemas"][case.schema];
        for value in [&case.full, &case.minimal] {
            let found = violations(&doc, schema, value, case.schema);
            assert!(found.is_empty(), "{}", found.join("\n"));
        }
    }
}

#[test]
fn each_schema_has_exactly_the_fields_its_type_writes() {
    let doc = openapi();
    for case in cases() {
        let schema = &doc["components"]["schemas"][case.schema];
        let properties: BTreeSet<String> = schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(
            properties,
            keys(&case.full),
            "{}: the schema's properties (left) vs the fields the Rust type writes (right)",
            case.schema
        );
        assert_eq!(
            names(schema.get("required")),
            keys(&case.minimal),
            "{}: the schema's required (left) vs the fields the Rust type always writes (right)",
            case.schema
        );
    }
}

/// The validator itself refuses what it should, so a green run means
/// something.
#[test]
fn the_validator_catches_wrong_values() {
    let doc = openapi();
    let schema = serde_json::json!({ "$ref": "#/components/schemas/Certificate" });
    let mut bad = serde_json::to_value(certificate()).unwrap();
    bad["status"] = "stale".into();
    bad["days_left"] = "3".into();
    bad.as_object_mut().unwrap().remove("serial");
    let found = violations(&doc, &schema, &bad, "Certificate");
    assert_eq!(found.len(), 3, "{found:?}");
    let closed = serde_json::json!({ "type": "object", "additionalProperties": false });
    assert_eq!(
        violations(&doc, &closed, &serde_json::json!({ "x": 1 }), "closed").len(),
        1
    );
}
