//! The binary: new, show, error exits; secrets never printed.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qoltanba-card-sim"))
}

#[test]
fn new_and_show_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let f = |name: &str, value: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("{value}\n")).unwrap();
        p
    };
    let (can, pin, puk) = (f("can", "801357"), f("pin", "97531"), f("puk", "24681357"));
    let card = dir.path().join("card.json");
    let out = bin()
        .args([
            "new",
            "--profile",
            "ref",
            "--pace",
            "p256",
            "--aes",
            "256",
            "--keys",
            "p256,p256",
        ])
        .arg("--can-file")
        .arg(&can)
        .arg("--pin-file")
        .arg(&pin)
        .arg("--puk-file")
        .arg(&puk)
        .arg(&card)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bin().arg("show").arg(&card).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("profile: qoltanba-ref-1"), "{text}");
    assert!(text.contains("AES-256 on NIST P-256"), "{text}");
    assert!(text.contains("slot 81: P256, role AUTH"), "{text}");
    assert!(text.contains("slot 82: P256, role SIGN"), "{text}");
    assert!(text.contains("PUK tries left: 10"), "{text}");
    for secret in ["801357", "97531", "24681357"] {
        assert!(!text.contains(secret));
    }

    // Existing card: refused (exit 1); missing CAN file argument: usage (2).
    let again = bin()
        .args(["new", "--profile", "ref"])
        .arg("--can-file")
        .arg(&can)
        .arg("--pin-file")
        .arg(&pin)
        .arg("--puk-file")
        .arg(&puk)
        .arg(&card)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&again.stderr).lines().count(), 1);
    let usage = bin()
        .args(["new", "--profile", "ref"])
        .arg("--pin-file")
        .arg(&pin)
        .arg(dir.path().join("other.json"))
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
    let kz_p256 = bin()
        .args(["new", "--profile", "kz", "--keys", "p256"])
        .arg("--pin-file")
        .arg(&pin)
        .arg(dir.path().join("kz.json"))
        .output()
        .unwrap();
    assert_eq!(kz_p256.status.code(), Some(2));
    let missing = bin()
        .arg("show")
        .arg(dir.path().join("nope.json"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));

    let kz = bin()
        .args(["new", "--profile", "kz", "--slots", "4"])
        .arg("--pin-file")
        .arg(f("kzpin", "1234"))
        .arg(dir.path().join("kz.json"))
        .output()
        .unwrap();
    assert!(kz.status.success());
    let text = String::from_utf8(kz.stdout).unwrap();
    assert!(
        text.contains("slots: 4") && text.contains("slot 8A: empty"),
        "{text}"
    );
}
