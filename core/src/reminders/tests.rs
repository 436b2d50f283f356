use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;
use qoltanba_pki::cert::{Purpose, SerialProblem};
use qoltanba_pki::protocol::push::{self, ExpiryPush, PushError};

const END: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

fn cert(serial: &str, not_after: OffsetDateTime) -> TrackedCertificate {
    TrackedCertificate::new(serial, Purpose::Sign, not_after)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn kinds(reminders: &[Reminder]) -> Vec<ReminderKind> {
    reminders.iter().map(|r| r.kind).collect()
}

#[test]
fn schedule_has_every_default_offset_and_the_end() {
    let all = schedule([&cert("4a1b", END)], END - days(365), &DEFAULT_OFFSETS);
    use ReminderKind::{DaysLeft, Expired};
    assert_eq!(
        kinds(&all),
        [
            DaysLeft(30),
            DaysLeft(14),
            DaysLeft(10),
            DaysLeft(7),
            DaysLeft(3),
            DaysLeft(1),
            Expired
        ]
    );
    assert_eq!(all[0].fire_at, END - days(30));
    assert_eq!(all[6].fire_at, END);
    assert!(all.iter().all(|r| r.serial == "4A1B" && r.not_after == END));
    assert_eq!(all[3].deep_link(), "qoltanba://renew?serial=4A1B");
    assert_eq!(all[3].id(), "qoltanba-expiry-4A1B-7");
    assert_eq!(all[6].id(), "qoltanba-expiry-4A1B-expired");
}

#[test]
fn schedule_keeps_only_the_future_and_interleaves_certificates() {
    // 8 days left on one, 20 on the other (its 30-day moment has passed).
    let now = END - days(8);
    let certs = [cert("AA", END), cert("BB", END + days(12))];
    let all = schedule(&certs, now, &DEFAULT_OFFSETS);
    let got: Vec<(String, ReminderKind)> = all.iter().map(|r| (r.serial.clone(), r.kind)).collect();
    use ReminderKind::{DaysLeft, Expired};
    assert_eq!(
        got,
        [
            ("AA".into(), DaysLeft(7)),
            ("AA".into(), DaysLeft(3)),
            ("BB".into(), DaysLeft(14)),
            ("AA".into(), DaysLeft(1)),
            ("AA".into(), Expired),
            ("BB".into(), DaysLeft(10)),
            ("BB".into(), DaysLeft(7)),
            ("BB".into(), DaysLeft(3)),
            ("BB".into(), DaysLeft(1)),
            ("BB".into(), Expired),
        ]
    );
    // Exactly at a reminder's moment it is no longer "to come".
    let at_7 = schedule(&certs[..1], END - days(7), &DEFAULT_OFFSETS);
    assert_eq!(at_7[0].kind, DaysLeft(3));
    assert!(schedule(&certs[..1], END, &DEFAULT_OFFSETS).is_empty());
}

#[test]
fn replaced_revoked_ca_and_unlinkable_certificates_get_no_reminders() {
    let mut replaced = cert("01", END);
    replaced.replaced = true;
    let mut revoked = cert("02", END);
    revoked.revoked = true;
    let ca = TrackedCertificate::new("03", Purpose::Neither, END);
    let bad = cert("not hex", END);
    let now = END - days(40);
    assert!(schedule([&replaced, &revoked, &ca, &bad], now, &DEFAULT_OFFSETS).is_empty());
    assert!(
        due(
            [&replaced, &revoked, &ca, &bad],
            END - days(1),
            &DEFAULT_OFFSETS
        )
        .is_empty()
    );
    // A serial listed twice counts once; if either entry is replaced, none.
    let twice = schedule([&cert("0A", END), &cert("0a", END)], now, &DEFAULT_OFFSETS);
    assert_eq!(twice.len(), 7);
    let mut replaced_copy = cert("0a", END);
    replaced_copy.replaced = true;
    assert!(schedule([&cert("0A", END), &replaced_copy], now, &DEFAULT_OFFSETS).is_empty());
}

#[test]
fn custom_offsets_drop_zero_and_duplicates() {
    let all = schedule([&cert("AA", END)], END - days(100), &[7, 0, 7, 60]);
    use ReminderKind::{DaysLeft, Expired};
    assert_eq!(kinds(&all), [DaysLeft(60), DaysLeft(7), Expired]);
    // An offset beyond the representable range is skipped, not wrapped.
    let all = schedule([&cert("AA", END)], END - days(100), &[u32::MAX, 1]);
    assert_eq!(kinds(&all), [DaysLeft(1), Expired]);
    assert!(due([&cert("AA", END)], END - days(100), &[u32::MAX]).is_empty());
}

#[test]
fn due_shows_the_most_urgent_passed_reminder_of_each_unexpired_certificate() {
    let certs = [
        cert("AA", END),            // 5.5 days left: the 7-day reminder
        cert("BB", END + days(40)), // 45.5 days left: nothing yet
        cert("CC", END - days(6)),  // ended half a day ago: nothing
        cert("DD", END - days(5)),  // half a day left: the 1-day reminder
        cert("EE", END + days(25)), // 30.5 days left: not yet
        cert("FF", END + days(24)), // 29.5 days left: the 30-day reminder
    ];
    let now = END - days(5) - Duration::hours(12);
    let shown = due(&certs, now, &DEFAULT_OFFSETS);
    let got: Vec<(&str, ReminderKind)> =
        shown.iter().map(|r| (r.serial.as_str(), r.kind)).collect();
    use ReminderKind::DaysLeft;
    assert_eq!(
        got,
        [
            ("DD", DaysLeft(1)),
            ("AA", DaysLeft(7)),
            ("FF", DaysLeft(30))
        ]
    );
    // At the very end the certificate counts as ended.
    assert!(due([&cert("AA", END)], END, &DEFAULT_OFFSETS).is_empty());
    assert_eq!(
        due([&cert("AA", END)], END - Duration::SECOND, &DEFAULT_OFFSETS)[0].kind,
        DaysLeft(1)
    );
}

#[test]
fn texts_are_kazakh_and_russian_and_name_the_certificate_in_astana_time() {
    let r = &schedule([&cert("4A1B", END)], END - days(8), &DEFAULT_OFFSETS)[0];
    assert_eq!(r.kind, ReminderKind::DaysLeft(7));
    assert!(
        r.title.contains("7 күн") && r.title.contains("7 дней"),
        "{}",
        r.title
    );
    // 00:00 UTC is 05:00 in Astana.
    assert!(
        r.body.contains("(қол қою) 4A1B")
            && r.body.contains("(подпись) 4A1B")
            && r.body.contains("01.01.2030 05:00"),
        "{}",
        r.body
    );
    assert!(r.body.contains("аяқталады") && r.body.contains("истекает"));
    let expired = schedule([&cert("4A1B", END)], END - days(1), &DEFAULT_OFFSETS);
    let expired = expired.last().unwrap();
    assert_eq!(expired.kind, ReminderKind::Expired);
    assert!(expired.title.contains("истёк") && expired.body.contains("аяқталды"));
    assert!(!r.title.contains('\n') && !r.body.contains('\n'));
    // The same words in one language, for an app that knows the citizen's.
    let en = qoltanba_l10n::render(qoltanba_l10n::Locale::En, &r.body_text());
    assert_eq!(
        en,
        "signing certificate 4A1B expires on 01.01.2030 05:00 (Astana time). Tap to renew."
    );
    let ru = qoltanba_l10n::render(qoltanba_l10n::Locale::Ru, &r.title_text());
    assert_eq!(ru, "Срок ЭЦП истекает: осталось 7 дней");
}

#[test]
fn a_reminder_serialises_with_its_id_and_link() {
    let r = &schedule([&cert("4A1B", END)], END - days(8), &DEFAULT_OFFSETS)[0];
    let v = serde_json::to_value(r).unwrap();
    assert_eq!(v["id"], "qoltanba-expiry-4A1B-7");
    assert_eq!(v["serial"], "4A1B");
    assert_eq!(v["purpose"], "sign");
    assert_eq!(v["not_after"], "2030-01-01T00:00:00Z");
    assert_eq!(v["fire_at"], "2029-12-25T00:00:00Z");
    assert_eq!(v["kind"], json!({"days_left": 7}));
    assert_eq!(v["deep_link"], "qoltanba://renew?serial=4A1B");
    let expired = schedule([&cert("4A1B", END)], END - days(1), &DEFAULT_OFFSETS);
    let v = serde_json::to_value(expired.last().unwrap()).unwrap();
    assert_eq!(v["kind"], "expired");
}

#[test]
fn deep_links_parse_strictly() {
    let link = DeepLink::parse("qoltanba://renew?serial=4a1b").unwrap();
    assert_eq!(
        link,
        DeepLink::Renew {
            serial: "4A1B".into()
        }
    );
    assert_eq!(link.serial(), "4A1B");
    assert_eq!(link.to_string(), "qoltanba://renew?serial=4A1B");
    assert_eq!(
        "QOLTANBA://renew?serial=01"
            .parse::<DeepLink>()
            .unwrap()
            .serial(),
        "01"
    );
    use DeepLinkError as E;
    for (input, want) in [
        ("https://renew?serial=01", E::NotQoltanba),
        ("qoltanba:renew?serial=01", E::NotQoltanba),
        ("", E::NotQoltanba),
        ("qoltanba://renew", E::BadQuery),
        ("qoltanba://renew?", E::BadQuery),
        ("qoltanba://renew?serial=01&x=1", E::BadQuery),
        ("qoltanba://renew?x=1&serial=01", E::BadQuery),
        ("qoltanba://renew?serial=01#top", E::BadQuery),
        ("qoltanba://renew?serial=%30%31", E::BadQuery),
        (
            "qoltanba://renew?serial=",
            E::BadSerial(SerialProblem::Empty),
        ),
        (
            "qoltanba://renew?serial=0G",
            E::BadSerial(SerialProblem::NotHex),
        ),
        (
            "qoltanba://renew?serial=../../x",
            E::BadSerial(SerialProblem::NotHex),
        ),
    ] {
        assert_eq!(DeepLink::parse(input), Err(want), "{input}");
    }
    let long_serial = format!("qoltanba://renew?serial={}", "A".repeat(43));
    assert_eq!(
        DeepLink::parse(&long_serial),
        Err(E::BadSerial(SerialProblem::TooLong))
    );
    assert_eq!(DeepLink::parse(&"q".repeat(300)), Err(E::TooLong));
    let err = DeepLink::parse("qoltanba://delete\nall?serial=01").unwrap_err();
    assert!(matches!(err, E::UnknownAction(_)));
    assert!(!err.to_string().contains('\n'), "{err}");
}

#[test]
fn the_https_link_of_an_ra_notice_opens_the_same_renewal() {
    // What the RA's notices carry by default: `{public_url}/renew/{serial}`.
    for link in [
        "https://ra.example.kz/renew/5e0001",
        "HTTPS://ra.example.kz:8443/renew/5E0001",
        "https://127.0.0.1:8443/renew/5E0001",
    ] {
        assert_eq!(
            DeepLink::parse(link),
            Ok(DeepLink::Renew {
                serial: "5E0001".into()
            }),
            "{link}"
        );
    }
    use DeepLinkError as E;
    for (input, want) in [
        ("https://ra.example.kz", E::NotQoltanba),
        ("https://ra.example.kz/", E::NotQoltanba),
        ("https://ra.example.kz/revoke/5E0001", E::NotQoltanba),
        ("https://ra.example.kz/v1/renew/5E0001", E::NotQoltanba),
        ("https:///renew/5E0001", E::NotQoltanba),
        ("https://user@evil.example/renew/5E0001", E::NotQoltanba),
        ("http://ra.example.kz/renew/5E0001", E::NotQoltanba),
        ("https://ra.example.kz/renew/5E0001?x=1", E::BadQuery),
        ("https://ra.example.kz/renew/5E0001/", E::BadQuery),
        ("https://ra.example.kz/renew/5E0001#top", E::BadQuery),
        ("https://ra.example.kz/renew/%35E", E::BadQuery),
        (
            "https://ra.example.kz/renew/",
            E::BadSerial(SerialProblem::Empty),
        ),
        (
            "https://ra.example.kz/renew/0G",
            E::BadSerial(SerialProblem::NotHex),
        ),
    ] {
        assert_eq!(DeepLink::parse(input), Err(want), "{input}");
    }
}

fn notice() -> ExpiryPush {
    ExpiryPush::new("5e0001", Purpose::Sign, END, 7).unwrap()
}

fn fcm_data() -> Value {
    json!({
        "qoltanba": "1", "kind": "expiry", "serial": "5E0001", "purpose": "sign",
        "not_after": "2030-01-01T00:00:00Z", "days_left": "7"
    })
}

fn apns_body() -> Value {
    json!({
        "aps": {"alert": {"title": "t", "body": "b"}, "sound": "default"},
        "qoltanba": {
            "v": 1, "kind": "expiry", "serial": "5E0001", "purpose": "sign",
            "not_after": "2030-01-01T00:00:00Z", "days_left": 7
        }
    })
}

fn parse(v: &Value) -> Result<Reminder, PushError> {
    parse_push(v.to_string().as_bytes())
}

#[test]
fn the_push_payload_has_the_documented_shapes() {
    assert_eq!(Value::Object(notice().fcm_data()), fcm_data());
    assert_eq!(notice().apns_value(), apns_body()["qoltanba"]);
}

#[test]
fn every_push_shape_parses_to_the_scheduled_reminder() {
    let local = schedule([&cert("5E0001", END)], END - days(8), &DEFAULT_OFFSETS);
    let expected = &local[0];
    assert_eq!(expected.kind, ReminderKind::DaysLeft(7));
    let data = fcm_data();
    let message = json!({"token": "t", "notification": {"title": "x"}, "data": data});
    let request = json!({"message": message});
    for shape in [&data, &message, &request, &apns_body()] {
        assert_eq!(&parse(shape).unwrap(), expected, "{shape}");
    }
    let mut ended = fcm_data();
    ended["days_left"] = json!("0");
    let r = parse(&ended).unwrap();
    assert_eq!((r.kind, r.fire_at), (ReminderKind::Expired, END));
    // Unknown fields are ignored within version 1.
    let mut extra = apns_body();
    extra["qoltanba"]["later"] = json!({"x": 1});
    assert!(parse(&extra).is_ok());
}

#[test]
fn bad_pushes_are_refused_with_typed_one_line_errors() {
    use PushError as E;
    let set = |base: Value, path: &[&str], value: Value| {
        let mut v = base;
        let mut slot = &mut v;
        for p in path {
            slot = &mut slot[*p];
        }
        *slot = value;
        v
    };
    let remove = |base: Value, path: &[&str], key: &str| {
        let mut v = base;
        let mut slot = &mut v;
        for p in path {
            slot = &mut slot[*p];
        }
        slot.as_object_mut().unwrap().remove(key);
        v
    };
    let cases: Vec<(Value, PushError)> = vec![
        (json!([1, 2]), E::NotAnObject),
        (json!({"aps": {"alert": "hi"}}), E::NotQoltanba),
        (json!({"data": {"kind": "expiry"}}), E::NotQoltanba),
        (
            json!({"message": "x"}),
            E::malformed("message", "not an object"),
        ),
        (json!({"data": [1]}), E::malformed("data", "not an object")),
        (
            json!({"qoltanba": 1}),
            E::malformed(
                "qoltanba",
                "neither a version string (FCM) nor an object (APNs)",
            ),
        ),
        (
            set(fcm_data(), &["qoltanba"], json!("2")),
            E::UnsupportedVersion("\"2\"".into()),
        ),
        (
            set(apns_body(), &["qoltanba", "v"], json!(2)),
            E::UnsupportedVersion("2".into()),
        ),
        (
            set(apns_body(), &["qoltanba", "v"], json!("1")),
            E::malformed("v", "not a number"),
        ),
        (remove(apns_body(), &["qoltanba"], "v"), E::Missing("v")),
        (
            set(fcm_data(), &["kind"], json!("wipe")),
            E::UnknownKind("\"wipe\"".into()),
        ),
        (remove(fcm_data(), &[], "serial"), E::Missing("serial")),
        (remove(fcm_data(), &[], "kind"), E::Missing("kind")),
        (
            set(fcm_data(), &["serial"], json!(5)),
            E::malformed("serial", "not a string"),
        ),
        (
            set(fcm_data(), &["serial"], json!("5E/../x")),
            E::malformed("serial", SerialProblem::NotHex.to_string()),
        ),
        (
            set(fcm_data(), &["serial"], json!("")),
            E::malformed("serial", SerialProblem::Empty.to_string()),
        ),
        (
            set(fcm_data(), &["purpose"], json!("neither")),
            E::malformed("purpose", "\"neither\" is not auth, sign or both"),
        ),
        (
            set(fcm_data(), &["not_after"], json!("2030-01-01")),
            E::malformed("not_after", "not an RFC 3339 time"),
        ),
        (
            set(fcm_data(), &["days_left"], json!(7)),
            E::malformed("days_left", "not a string"),
        ),
        (
            set(fcm_data(), &["days_left"], json!("+7")),
            E::malformed("days_left", "\"+7\" is not a whole number of days"),
        ),
        (
            set(fcm_data(), &["days_left"], json!("-1")),
            E::malformed("days_left", "\"-1\" is not a whole number of days"),
        ),
        (
            set(fcm_data(), &["days_left"], json!("99999")),
            E::malformed("days_left", "more than 3660"),
        ),
        (
            set(apns_body(), &["qoltanba", "days_left"], json!("7")),
            E::malformed("days_left", "not a number"),
        ),
        (
            set(apns_body(), &["qoltanba", "days_left"], json!(7.5)),
            E::malformed("days_left", "not a whole number ≥ 0"),
        ),
        (
            set(apns_body(), &["qoltanba", "days_left"], json!(-7)),
            E::malformed("days_left", "not a whole number ≥ 0"),
        ),
        (
            remove(apns_body(), &["qoltanba"], "days_left"),
            E::Missing("days_left"),
        ),
    ];
    for (payload, want) in cases {
        let got = parse(&payload).unwrap_err();
        assert_eq!(got, want, "{payload}");
        assert!(!got.to_string().contains('\n'), "{got}");
    }
    assert_eq!(parse_push(b"not json"), Err(E::NotJson));
    assert_eq!(parse_push(&[0xff, 0xfe]), Err(E::NotJson));
    assert_eq!(parse_push(b""), Err(E::NotJson));
    let mut big = fcm_data();
    big["padding"] = json!("x".repeat(push::MAX_PAYLOAD));
    assert!(matches!(parse(&big), Err(E::TooLarge(_))));
    // Deep nesting is refused by the JSON parser, not by a stack overflow.
    let deep = format!("{}{}", "[".repeat(2000), "]".repeat(2000));
    assert_eq!(parse_push(deep.as_bytes()), Err(E::NotJson));
    // A long hostile kind is cut short and escaped.
    let got = parse(&set(
        fcm_data(),
        &["kind"],
        json!(format!("a\nb{}", "c".repeat(500))),
    ))
    .unwrap_err();
    let text = got.to_string();
    assert!(!text.contains('\n') && text.len() < 200, "{text}");
}

#[test]
fn the_server_side_constructor_refuses_what_the_parser_would() {
    assert!(ExpiryPush::new("", Purpose::Sign, END, 1).is_err());
    assert!(ExpiryPush::new("AB", Purpose::Neither, END, 1).is_err());
    assert!(ExpiryPush::new("AB", Purpose::Auth, END, push::MAX_DAYS_LEFT + 1).is_err());
    let far = datetime!(-0001-01-01 00:00 UTC);
    assert!(ExpiryPush::new("AB", Purpose::Auth, far, 1).is_err());
    let local = ExpiryPush::new("ab", Purpose::Both, datetime!(2030-01-01 05:00 +5), 3).unwrap();
    assert_eq!(local.not_after(), END);
    assert_eq!(local.serial(), "AB");
}

fn purpose() -> impl Strategy<Value = Purpose> {
    prop_oneof![
        Just(Purpose::Auth),
        Just(Purpose::Sign),
        Just(Purpose::Both),
        Just(Purpose::Neither)
    ]
}

/// Seconds within years 1971..=2100.
fn instant() -> impl Strategy<Value = OffsetDateTime> {
    (31_536_000i64..4_102_444_800).prop_map(|s| OffsetDateTime::from_unix_timestamp(s).unwrap())
}

fn tracked() -> impl Strategy<Value = TrackedCertificate> {
    (
        "[0-9A-Fa-f]{1,6}",
        purpose(),
        instant(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(serial, purpose, not_after, replaced, revoked)| TrackedCertificate {
                serial,
                purpose,
                not_after,
                replaced: replaced && revoked, // a quarter each way
                revoked: revoked && !replaced,
            },
        )
}

proptest! {
    #[test]
    fn parse_push_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..5000)) {
        let _ = parse_push(&bytes);
    }

    #[test]
    fn parse_push_never_panics_on_mangled_payloads(
        which in 0usize..6,
        value in prop_oneof![
            any::<String>().prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            Just(Value::Null),
            Just(json!({})),
        ],
        apns in any::<bool>(),
    ) {
        let keys = ["qoltanba", "kind", "serial", "purpose", "not_after", "days_left"];
        let mut v = if apns { apns_body() } else { fcm_data() };
        let fields = if apns { &mut v["qoltanba"] } else { &mut v };
        fields[if apns && which == 0 { "v" } else { keys[which] }] = value;
        if let Ok(r) = parse(&v) {
            // Whatever got through is a usable reminder.
            let link = DeepLink::parse(&r.deep_link()).unwrap();
            prop_assert_eq!(link.serial(), r.serial.as_str());
            prop_assert!(r.fire_at <= r.not_after);
        }
    }

    #[test]
    fn pushes_round_trip(serial in "[0-9a-fA-F]{1,42}", p in purpose(), end in instant(), left in 0u32..=3660) {
        prop_assume!(p != Purpose::Neither);
        let n = ExpiryPush::new(&serial, p, end, left).unwrap();
        let fcm = Value::Object(n.fcm_data()).to_string();
        prop_assert_eq!(ExpiryPush::parse(fcm.as_bytes()).unwrap(), n.clone());
        let apns = json!({"aps": {}, "qoltanba": n.apns_value()}).to_string();
        prop_assert_eq!(ExpiryPush::parse(apns.as_bytes()).unwrap(), n.clone());
        let r = reminder_of(&n);
        prop_assert_eq!(r.fire_at, end - Duration::days(i64::from(left)));
    }

    #[test]
    fn schedule_is_sorted_future_and_ends_at_the_expiry(
        certs in proptest::collection::vec(tracked(), 0..8),
        now in instant(),
        offsets in proptest::collection::vec(0u32..400, 0..8),
    ) {
        let all = schedule(&certs, now, &offsets);
        prop_assert!(all.windows(2).all(|w| w[0].fire_at <= w[1].fire_at));
        for r in &all {
            prop_assert!(r.fire_at > now);
            match r.kind {
                ReminderKind::Expired => prop_assert_eq!(r.fire_at, r.not_after),
                ReminderKind::DaysLeft(d) => {
                    prop_assert!(d > 0 && offsets.contains(&d));
                    prop_assert_eq!(r.fire_at, r.not_after - Duration::days(i64::from(d)));
                }
            }
            // Serials may repeat in the generated input: the reminder comes
            // from one certificate of its serial that is still in use.
            prop_assert!(certs.iter().any(|c| c.serial.eq_ignore_ascii_case(&r.serial)
                && c.not_after == r.not_after
                && !c.replaced && !c.revoked && c.purpose != Purpose::Neither));
        }
        // One reminder per (certificate, kind), so one "expired" each.
        let mut ids: Vec<String> = all.iter().map(Reminder::id).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        prop_assert_eq!(before, ids.len());
    }

    #[test]
    fn due_is_one_passed_reminder_per_unexpired_certificate(
        certs in proptest::collection::vec(tracked(), 0..8),
        now in instant(),
        offsets in proptest::collection::vec(0u32..400, 0..8),
    ) {
        let shown = due(&certs, now, &offsets);
        let mut serials: Vec<&str> = shown.iter().map(|r| r.serial.as_str()).collect();
        serials.sort();
        let before = serials.len();
        serials.dedup();
        prop_assert_eq!(before, serials.len());
        for r in &shown {
            prop_assert!(r.fire_at <= now && now < r.not_after);
            let ReminderKind::DaysLeft(d) = r.kind else { panic!("due gave {:?}", r.kind) };
            // No smaller offset has passed: this is the most urgent.
            prop_assert!(offsets.iter().all(|&o| o == 0 || o >= d
                || r.not_after - Duration::days(i64::from(o)) > now));
        }
    }
}
