//! Figures for docs/gost.md: GOST 2015-512 sign and verify next to ring's
//! ECDSA P-256 and RSA-2048, in the same run on the same machine, and the
//! ratios of GOST to P-256 (issue 18 asks for at most 10× to sign and 15× to
//! verify). `cargo bench -p qoltanba-pki --bench signatures` prints a table;
//! nothing here asserts a time.
//!
//! Cargo's `bench` profile inherits `release`, the profile that ships to the
//! phones (workspace Cargo.toml), so these are the phones' settings on this
//! machine's CPU. The operations are measured in interleaved rounds and each
//! figure is its best round: a machine shared with other work slows some
//! rounds, and interleaving keeps that from favouring one algorithm.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

use std::time::{Duration, Instant};

use qoltanba_pki::crypto::gost_hash::streebog512;
use qoltanba_pki::crypto::{KeySpec, SoftwareKey, generate, verify_signature};
use qoltanba_pki::crypto::{SignatureAlgorithm, Signer};

/// Rounds over all operations; each figure is the best round.
const ROUNDS: usize = 15;
/// Wall time one operation gets per round.
const PER_ROUND: Duration = Duration::from_millis(30);

/// One timed operation and its best time per call so far.
struct Operation<'a> {
    label: String,
    run: Box<dyn FnMut() + 'a>,
    best: Duration,
}

impl Operation<'_> {
    /// Time calls for about [`PER_ROUND`] and keep the best average.
    fn round(&mut self) {
        let start = Instant::now();
        let mut calls = 0u32;
        while start.elapsed() < PER_ROUND || calls < 3 {
            (self.run)();
            calls += 1;
        }
        self.best = self.best.min(start.elapsed() / calls);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // What a reissue application signs: the DER SET OF signed attributes.
    let message = vec![0x5a_u8; 300];

    // The first GOST key in a process also builds the k·G table.
    let start = Instant::now();
    let first = generate(KeySpec::Gost512).unwrap();
    let first_use = start.elapsed();
    std::hint::black_box(first);

    let specs = [
        ("GOST 2015-512 (TC26 paramSetA)", KeySpec::Gost512),
        ("ECDSA P-256 (ring)", KeySpec::P256),
        ("RSA-2048 (ring)", KeySpec::Rsa2048),
    ];
    let keys: Vec<(SoftwareKey, SignatureAlgorithm, Vec<u8>)> = specs
        .iter()
        .map(|(_, spec)| {
            let key = generate(*spec).unwrap();
            let alg = key.algorithm();
            let signature = key.sign(&message).unwrap();
            (key, alg, signature)
        })
        .collect();

    let big = vec![0x5a_u8; 1 << 20];
    let mut operations: Vec<Operation> = Vec::new();
    for ((name, spec), (key, alg, signature)) in specs.iter().zip(&keys) {
        let message = &message;
        operations.push(Operation {
            label: format!("{name}: sign"),
            run: Box::new(move || {
                std::hint::black_box(key.sign(message).unwrap());
            }),
            best: Duration::MAX,
        });
        let identifier = alg.identifier();
        operations.push(Operation {
            label: format!("{name}: verify"),
            run: Box::new(move || {
                verify_signature(key.public_key(), &identifier, message, signature).unwrap();
            }),
            best: Duration::MAX,
        });
        if *spec != KeySpec::Rsa2048 {
            let spec = *spec;
            operations.push(Operation {
                label: format!("{name}: generate"),
                run: Box::new(move || {
                    std::hint::black_box(generate(spec).unwrap());
                }),
                best: Duration::MAX,
            });
        }
    }
    operations.push(Operation {
        label: "Streebog-512, 1 MiB".into(),
        run: Box::new(|| {
            std::hint::black_box(streebog512(&big));
        }),
        best: Duration::MAX,
    });

    for _ in 0..ROUNDS {
        for operation in &mut operations {
            operation.round();
        }
    }

    println!("best of {ROUNDS} interleaved rounds, per call:");
    for operation in &operations {
        println!(
            "  {:<46} {:>9.3} ms  ({:>7.0} /s)",
            operation.label,
            ms(operation.best),
            1.0 / operation.best.as_secs_f64()
        );
    }
    println!(
        "  {:<46} {:>9.3} ms",
        "GOST 2015-512: first key (builds the k·G table)",
        ms(first_use)
    );

    let best = |label: &str| {
        operations
            .iter()
            .find(|o| o.label == label)
            .map(|o| o.best.as_secs_f64())
            .unwrap()
    };
    let gost = specs[0].0;
    let p256 = specs[1].0;
    println!("GOST 2015-512 / ECDSA P-256 (ring), same run:");
    for (what, target) in [("sign", 10.0), ("verify", 15.0)] {
        let ratio = best(&format!("{gost}: {what}")) / best(&format!("{p256}: {what}"));
        println!("  {what:<8} {ratio:>6.1}×  (issue 18: at most {target}×)");
    }
}
