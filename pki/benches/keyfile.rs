//! Figures for docs/key-files.md: what opening and writing a key file costs.
//! `cargo bench -p qoltanba-core --bench keyfile` prints a table; nothing here
//! asserts a time.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::time::{Duration, Instant};

use qoltanba_pki::crypto::{KeySpec, Signer, generate};
use qoltanba_pki::keyfile::{KeyFile, NewPassword, Password, Profile};

fn measure(label: &str, runs: u32, mut f: impl FnMut()) {
    f(); // warm-up
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    let each: Duration = start.elapsed() / runs;
    println!("{label:<48} {:>10.3} ms", each.as_secs_f64() * 1000.0);
}

fn main() {
    let key = generate(KeySpec::P256).unwrap();
    let password = NewPassword::new(Password::new("Qwerty12")).unwrap();
    let mut file = KeyFile::new(key.pkcs8_der(), None, b"id");
    // A certificate-sized blob, so the modern profile encrypts a second bag.
    file.set_certificate(vec![0x30; 1500]);
    let nca = file.to_bytes(Profile::Nca, &password).unwrap();
    let modern = file.to_bytes(Profile::Modern, &password).unwrap();
    let open = Password::new("Qwerty12");

    println!("PBKDF2-HMAC-SHA256, one 32-byte key (the modern profile's KDF)");
    for iterations in [2_048, 100_000, 210_000, 310_000, 600_000, 1_000_000] {
        let runs = (2_000_000 / iterations).clamp(3, 50);
        measure(&format!("{iterations} iterations"), runs, || {
            let mut key = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"Qwerty12", &[7; 16], iterations, &mut key);
            std::hint::black_box(key);
        });
    }

    println!("key files (P-256 key and a 1.5 kB certificate)");
    measure("write, nca profile (1024 iterations)", 50, || {
        file.to_bytes(Profile::Nca, &password).unwrap();
    });
    measure("open, nca profile", 50, || {
        KeyFile::from_bytes(&nca, &open).unwrap();
    });
    measure(
        &format!(
            "write, modern profile ({} iterations)",
            qoltanba_pki::keyfile::pkcs12::MODERN_ITERATIONS
        ),
        5,
        || {
            file.to_bytes(Profile::Modern, &password).unwrap();
        },
    );
    measure("open, modern profile", 5, || {
        KeyFile::from_bytes(&modern, &open).unwrap();
    });
    measure("one wrong-password guess, modern (MAC only)", 5, || {
        KeyFile::from_bytes(&modern, &Password::new("Wrong123")).unwrap_err();
    });
    measure("one wrong-password guess, nca (MAC only)", 50, || {
        KeyFile::from_bytes(&nca, &Password::new("Wrong123")).unwrap_err();
    });

    println!("signing");
    let rsa = generate(KeySpec::Rsa2048).unwrap();
    measure("RSA-2048 PKCS#1 v1.5 SHA-256 sign (ring)", 100, || {
        rsa.sign(b"message").unwrap();
    });
    measure("ECDSA P-256 SHA-256 sign (ring)", 500, || {
        key.sign(b"message").unwrap();
    });
    measure("RSA-2048 key generation (rsa crate)", 5, || {
        generate(KeySpec::Rsa2048).unwrap();
    });
    measure("P-256 key generation (ring)", 200, || {
        generate(KeySpec::P256).unwrap();
    });
}
