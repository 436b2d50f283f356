//! The three catalogs agree: they parse, hold the same ids with the same
//! variables, render every message, and follow CLDR's plural rules.

use std::collections::BTreeSet;

use qoltanba_l10n::{
    Arg, Locale, Text, has_message, message_ids, render, syntax_errors, try_render, variables,
};

#[test]
fn every_catalog_parses_without_errors() {
    for locale in Locale::ALL {
        assert_eq!(syntax_errors(locale), Vec::<String>::new(), "{locale}");
        assert!(message_ids(locale).len() > 100, "{locale}");
    }
}

#[test]
fn every_id_is_in_all_three_catalogs_with_the_same_variables() {
    let ids = |l| message_ids(l).into_iter().collect::<BTreeSet<_>>();
    let en = ids(Locale::En);
    for locale in Locale::ALL {
        let here = ids(locale);
        assert_eq!(
            message_ids(locale).len(),
            here.len(),
            "{locale}: an id appears twice"
        );
        let missing: Vec<_> = en.difference(&here).collect();
        let extra: Vec<_> = here.difference(&en).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{locale}: missing {missing:?}, not in en {extra:?}"
        );
        for id in &en {
            assert_eq!(
                variables(locale, id),
                variables(Locale::En, id),
                "{locale}: {id}"
            );
        }
    }
}

/// The message with every variable it uses set to `value`.
fn sample(id: &'static str, value: impl Fn() -> Arg) -> Text {
    variables(Locale::En, id)
        .unwrap_or_default()
        .into_iter()
        .fold(Text::new(id), |text, name| text.arg(name, value()))
}

#[test]
fn every_message_renders_in_every_locale_with_sample_arguments() {
    for locale in Locale::ALL {
        for id in message_ids(locale) {
            for value in [
                || Arg::from("4A1B"),
                || Arg::from(1),
                || Arg::from(2),
                || Arg::from(5),
            ] {
                let out = try_render(locale, &sample(id, value)).unwrap_or_else(|e| panic!("{e}"));
                assert!(!out.trim().is_empty(), "{locale} {id}");
                // No isolation marks: the texts go to terminals, SMS and e-mail.
                assert!(!out.contains(['\u{2068}', '\u{2069}']), "{locale} {id}");
            }
        }
    }
}

#[test]
fn kazakh_and_russian_are_written_in_their_own_letters() {
    let all = |locale| {
        message_ids(locale)
            .into_iter()
            .map(|id| render(locale, &sample(id, || Arg::from(2))))
            .collect::<String>()
    };
    let kk = all(Locale::Kk);
    for letter in ['ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'і'] {
        assert!(kk.contains(letter), "Kazakh without {letter}");
    }
    assert!(kk.contains("ЭЦҚ") && kk.contains("тіркеу куәлігі") && kk.contains("ҰКО ҚР"));
    let ru = all(Locale::Ru);
    assert!(ru.contains("ЭЦП") && ru.contains("регистрационное свидетельство"));
    assert!(ru.contains("НУЦ РК"));
    assert!(
        !ru.contains(['ә', 'қ', 'ү', 'і']),
        "Kazakh letters in Russian"
    );
}

#[test]
fn russian_plurals_follow_cldr() {
    let days = |n: u32| {
        render(
            Locale::Ru,
            &Text::new("notice-expiring-title").arg("days", n),
        )
    };
    assert_eq!(days(1), "Срок ЭЦП истекает: остался 1 день");
    assert_eq!(days(2), "Срок ЭЦП истекает: осталось 2 дня");
    assert_eq!(days(5), "Срок ЭЦП истекает: осталось 5 дней");
    assert_eq!(days(21), "Срок ЭЦП истекает: остался 21 день");
    assert_eq!(days(11), "Срок ЭЦП истекает: осталось 11 дней");
    let tries = |n: u8| {
        render(
            Locale::Ru,
            &Text::new("error-card-wrong-pin").arg("tries", n),
        )
    };
    assert!(tries(1).contains("осталась 1 попытка"), "{}", tries(1));
    assert!(tries(2).ends_with("осталось 2 попытки"), "{}", tries(2));
    assert!(tries(5).ends_with("осталось 5 попыток"), "{}", tries(5));
    assert!(tries(21).ends_with("осталась 21 попытка"), "{}", tries(21));
    assert!(tries(12).ends_with("осталось 12 попыток"), "{}", tries(12));
}

#[test]
fn kazakh_and_english_have_one_and_other() {
    let en = |n: u32| {
        render(
            Locale::En,
            &Text::new("notice-expiring-title").arg("days", n),
        )
    };
    assert_eq!(en(1), "Your EDS certificate expires in 1 day");
    assert_eq!(en(2), "Your EDS certificate expires in 2 days");
    let kk = |n: u8| {
        render(
            Locale::Kk,
            &Text::new("error-card-wrong-pin").arg("tries", n),
        )
    };
    assert!(kk(1).contains("келесі қате PIN-код"), "{}", kk(1));
    assert_eq!(kk(3), "PIN-код қате; 3 әрекет қалды");
}

#[test]
fn a_missing_message_or_argument_never_panics() {
    // An id in no catalog shows as itself.
    let unknown = Text::new("error-not-in-any-catalog");
    assert!(!has_message(Locale::Kk, unknown.id()));
    assert_eq!(render(Locale::Kk, &unknown), "error-not-in-any-catalog");
    assert!(try_render(Locale::Kk, &unknown).is_err());
    // A missing argument leaves its name in place, the sentence intact.
    let out = render(Locale::En, &Text::new("error-key-file-already-exists"));
    assert!(
        out.contains("already exists") && out.contains("$path"),
        "{out}"
    );
    assert!(try_render(Locale::En, &Text::new("error-key-file-already-exists")).is_err());
}

#[test]
fn nested_texts_render_in_the_same_locale() {
    let text = Text::new("error-renewal-key-file")
        .arg("path", "AUTH_RSA256.p12")
        .arg("reason", Text::new("error-key-file-wrong-password"));
    let kk = render(Locale::Kk, &text);
    assert!(kk.starts_with("AUTH_RSA256.p12 кілттер файлын"), "{kk}");
    assert!(kk.contains("құпиясөзі қате"), "{kk}");
    let en = render(Locale::En, &text);
    assert!(en.contains("cannot be used: wrong password"), "{en}");
}
