//! Helpers for tests that put the simulator card behind a real PC/SC stack:
//! the `qoltanba` binary built with the `pcsc` feature, `qoltanba-card-sim`,
//! `qoltanba-ra`, and what pcscd with vsmartcard's vpcd needs on this machine.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The binaries a PC/SC test runs. They are hard links (copies where that
/// fails) in `target/<profile>/card-pcsc/`, because other tests rebuild
/// `target/<profile>/qoltanba` without the `pcsc` feature, and cargo then
/// replaces that file under a running test.
pub struct PcscBinaries {
    /// `qoltanba`, built with `--features pcsc`.
    pub qoltanba: PathBuf,
    pub card_sim: PathBuf,
    pub ra: PathBuf,
}

/// What the test machine lacks for a PC/SC run, or `None` when it has
/// everything: root (pcscd owns /run/pcscd), pcscd, vpcd's driver config,
/// and libpcsclite's development files (the `pcsc` crate links it).
pub fn pcsc_missing() -> Option<String> {
    let mut missing = Vec::new();
    if !is_root() {
        missing.push("root (pcscd runs as root)".to_string());
    }
    if pcscd_path().is_none() {
        missing.push("pcscd (apt-get install pcscd)".to_string());
    }
    match vpcd_library() {
        Some(lib) if lib.exists() => {}
        _ => missing.push("vsmartcard's vpcd driver (apt-get install vsmartcard-vpcd)".to_string()),
    }
    let pkg = Command::new("pkg-config")
        .args(["--exists", "libpcsclite"])
        .status();
    if !matches!(pkg, Ok(s) if s.success()) {
        missing.push(
            "libpcsclite via pkg-config (apt-get install libpcsclite-dev pkg-config)".to_string(),
        );
    }
    if missing.is_empty() {
        None
    } else {
        Some(missing.join(", "))
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|rest| rest.split_whitespace().nth(1).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// pcscd's path: on PATH, else where Debian puts it (/usr/sbin is not on
/// every user's PATH).
pub fn pcscd_path() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join("pcscd"))
        .find(|p| p.is_file())
}

/// vpcd's driver config, read by pcscd at start.
pub const VPCD_CONF: &str = "/etc/reader.conf.d/vpcd";

fn vpcd_library() -> Option<PathBuf> {
    let conf = std::fs::read_to_string(VPCD_CONF).ok()?;
    conf.lines()
        .find_map(|l| l.trim().strip_prefix("LIBPATH"))
        .map(|p| PathBuf::from(p.trim()))
}

/// The binaries, built once per test binary.
pub fn pcsc_binaries() -> &'static PcscBinaries {
    static BINARIES: OnceLock<PcscBinaries> = OnceLock::new();
    BINARIES.get_or_init(build_pcsc_binaries)
}

fn build_pcsc_binaries() -> PcscBinaries {
    // target/<profile>/deps/<this test> → target/<profile>
    let exe = std::env::current_exe().expect("the test knows its path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf();
    let private = dir.join("card-pcsc");
    std::fs::create_dir_all(&private).expect("target/<profile>/card-pcsc");
    // Another test may rebuild `qoltanba` without the feature between our
    // build and our link; check the linked binary and try again then.
    for _ in 0..3 {
        let mut build = Command::new(env!("CARGO"));
        build.args([
            "build",
            "--quiet",
            "-p",
            "qoltanba-cli",
            "-p",
            "qoltanba-card-sim",
            "-p",
            "qoltanba-ra",
            "--features",
            "qoltanba-cli/pcsc,qoltanba-ra/card-enrolment",
            "--bins",
        ]);
        if dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(
            status.success(),
            "building qoltanba with the pcsc feature failed (cargo says why above; the feature needs libpcsclite-dev and pkg-config)"
        );
        let binaries = PcscBinaries {
            qoltanba: link(&dir, &private, "qoltanba"),
            card_sim: link(&dir, &private, "qoltanba-card-sim"),
            ra: link(&dir, &private, "qoltanba-ra"),
        };
        let probe = Command::new(&binaries.qoltanba)
            .args(["card", "readers"])
            .output()
            .expect("qoltanba runs");
        if !String::from_utf8_lossy(&probe.stderr).contains("built without PC/SC") {
            return binaries;
        }
    }
    panic!("qoltanba kept coming out of cargo without the pcsc feature");
}

fn link(from: &Path, to: &Path, bin: &str) -> PathBuf {
    let name = format!("{bin}{}", std::env::consts::EXE_SUFFIX);
    let (src, dst) = (from.join(&name), to.join(&name));
    let _ = std::fs::remove_file(&dst);
    if std::fs::hard_link(&src, &dst).is_err() {
        std::fs::copy(&src, &dst)
            .unwrap_or_else(|e| panic!("copying {} failed: {e}", src.display()));
    }
    dst
}
