//! Figures for docs/gost.md: GOST 2015-512 sign and verify next to ring's
//! ECDSA P-256 and RSA-2048, in the same run on the same machine.
//! `cargo bench -p qoltanba-core --bench signatures` prints a table; nothing
//! here asserts a time.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::time::{Duration, Instant};

use qoltanba_pki::crypto::gost_hash::streebog512;
use qoltanba_pki::crypto::{KeySpec, Signer, generate, verify_signature};

fn measure(label: &str, runs: u32, mut f: impl FnMut()) {
    f(); // warm-up
    let start = Instant::now();
    for _ in 0..runs {
        f();
    }
    let each: Duration = start.elapsed() / runs;
    println!(
        "{label:<40} {:>10.3} ms  ({:>7.0} /s)",
        each.as_secs_f64() * 1000.0,
        1.0 / each.as_secs_f64()
    );
}

fn main() {
    // What a reissue application signs: the DER SET OF signed attributes.
    let message = vec![0x5a_u8; 300];
    for (name, spec, runs) in [
        ("GOST 2015-512 (TC26 paramSetA)", KeySpec::Gost512, 200),
        ("ECDSA P-256 (ring)", KeySpec::P256, 2000),
        ("RSA-2048 (ring)", KeySpec::Rsa2048, 500),
    ] {
        let key = generate(spec).unwrap();
        let alg = key.algorithm().identifier();
        let signature = key.sign(&message).unwrap();
        println!("{name}");
        measure("  sign", runs, || {
            std::hint::black_box(key.sign(&message).unwrap());
        });
        measure("  verify", runs, || {
            verify_signature(key.public_key(), &alg, &message, &signature).unwrap();
        });
        if spec != KeySpec::Rsa2048 {
            measure("  generate", runs / 4, || {
                std::hint::black_box(generate(spec).unwrap());
            });
        }
    }
    let big = vec![0x5a_u8; 1 << 20];
    measure("Streebog-512, 1 MiB", 20, || {
        std::hint::black_box(streebog512(&big));
    });
}
