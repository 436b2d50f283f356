//! The CLI speaks Kazakh, Russian or English: `--lang`, else the
//! environment, else English. Run through the real binary.

use std::process::{Command, Output};

fn show_not_a_key_file(lang: Option<&str>, env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("AUTH_RSA256.p12");
    std::fs::write(&file, b"not a key file").expect("the file is written");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qoltanba"));
    for name in ["QOLTANBA_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"] {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().copied())
        .env("QOLTANBA_PASSWORD", "Secret123")
        .args(["keys", "show"])
        .arg(&file);
    if let Some(lang) = lang {
        cmd.args(["--lang", lang]);
    }
    cmd.output().expect("the qoltanba binary runs")
}

/// The one line on stderr of a failed run (exit 1).
fn error_line(out: &Output) -> String {
    let stderr = String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("Secret123"), "{stderr}");
    stderr.trim_end().to_owned()
}

#[test]
fn an_error_prints_in_the_chosen_language() {
    let kk = error_line(&show_not_a_key_file(Some("kk"), &[]));
    assert_eq!(
        kk,
        "қате: бұл PKCS#12 кілттер файлы емес (бос, қиылған немесе басқа пішімде); ҰКО ҚР берген .p12 файлын таңдаңыз"
    );
    let ru = error_line(&show_not_a_key_file(Some("ru"), &[]));
    assert!(
        ru.starts_with("ошибка: это не файл ключей PKCS#12") && ru.contains("НУЦ РК"),
        "{ru}"
    );
    let en = error_line(&show_not_a_key_file(Some("en"), &[]));
    assert!(en.starts_with("error: not a PKCS#12 key file"), "{en}");
}

#[test]
fn without_lang_the_environment_decides_then_english() {
    let from_lang = error_line(&show_not_a_key_file(None, &[("LANG", "ru_RU.UTF-8")]));
    assert!(from_lang.starts_with("ошибка: "), "{from_lang}");
    // LC_ALL outranks LANG; --lang outranks both.
    let from_lc_all = error_line(&show_not_a_key_file(
        None,
        &[("LC_ALL", "kk_KZ.UTF-8"), ("LANG", "ru_RU.UTF-8")],
    ));
    assert!(from_lc_all.starts_with("қате: "), "{from_lc_all}");
    let flag = error_line(&show_not_a_key_file(
        Some("en"),
        &[("LC_ALL", "kk_KZ.UTF-8")],
    ));
    assert!(flag.starts_with("error: "), "{flag}");
    for env in [
        &[][..],
        &[("LANG", "C.UTF-8")][..],
        &[("LANG", "de_DE.UTF-8")][..],
    ] {
        let line = error_line(&show_not_a_key_file(None, env));
        assert!(line.starts_with("error: not a PKCS#12"), "{env:?}: {line}");
    }
}

#[test]
fn an_unknown_language_is_a_usage_error() {
    let out = show_not_a_key_file(Some("fr"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("kk (Kazakh)"), "{stderr}");
}
