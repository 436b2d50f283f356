//! The simulator card as a real PC/SC card: pcscd with vsmartcard's vpcd
//! driver shows the reader "Virtual PCD 00 00", `qoltanba-card-sim
//! serve-vpcd` plays the card behind it, and the `qoltanba` CLI (built with
//! the `pcsc` feature) drives it through libpcsclite and pcscd.
//!
//! Needs root, pcscd, vsmartcard-vpcd and libpcsclite-dev (scripts/test.sh
//! installs them). Without them the test says why and passes, unless
//! QOLTANBA_REQUIRE_PEERS=1, when it fails.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::card_sim::{PcscBinaries, pcsc_binaries, pcsc_missing, pcscd_path};
use support::{TEST_IIN, openssl_ok, write_secret};

/// vpcd's first reader. Debian's vpcd config makes two ("… 00 00" on port
/// 35963 and "… 00 01" on 35964), so the prefix "Virtual PCD" is ambiguous.
const READER: &str = "Virtual PCD 00 00";
const VPCD_PORT: u16 = 35963;

const CAN: &str = "123456";
const PIN: &str = "1234";
const NEW_PIN: &str = "5678";
const WRONG_PIN: &str = "9999";
const PUK: &str = "12345678";

/// `qoltanba-ref-1`'s contact ATR (docs/card-profile.md).
const REF_ATR: &str = "3B8B8001514F4C54414E42412D52314E";
/// The simulator's kz-idcard ATR ("SOMADS30").
const KZ_ATR: &str = "3B391900534F4D414453333000";

/// A child process killed (and reaped) when the guard goes, on success or
/// on a panic; its output went to a log file shown when a test fails.
struct Guard {
    name: &'static str,
    child: Option<Child>,
    log: PathBuf,
}

impl Guard {
    fn spawn(name: &'static str, cmd: &mut Command, log: PathBuf) -> Guard {
        let file = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name} failed: {e}"));
        Guard {
            name,
            child: Some(child),
            log,
        }
    }

    /// Panics with the log when the process has already ended.
    fn check_alive(&mut self) {
        if let Some(child) = &mut self.child
            && let Ok(Some(status)) = child.try_wait()
        {
            panic!("{} ended early ({status}):\n{}", self.name, tail(&self.log));
        }
    }

    /// SIGTERM (so that pcscd removes its socket and pid file), then SIGKILL
    /// after two seconds.
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(None) = child.try_wait() {
            let termed = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            let deadline = Instant::now() + Duration::from_secs(2);
            while termed && Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
        }
        let _ = child.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if std::thread::panicking() && self.child.is_some() {
            eprintln!(
                "--- {} log ({}):\n{}",
                self.name,
                self.log.display(),
                tail(&self.log)
            );
        }
        self.stop();
    }
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// The states (hex, as in /proc/net/tcp) of the IPv4 and IPv6 sockets whose
/// local port is `port`. Read from /proc, so that vpcd does not take a
/// probe for a card.
fn socket_states(port: u16) -> Vec<String> {
    let wanted = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .flat_map(|table| {
            std::fs::read_to_string(table)
                .unwrap_or_default()
                .lines()
                .skip(1)
                .filter_map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    (f.len() > 3 && f[1].ends_with(&wanted)).then(|| f[3].to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Does vpcd listen on `port`?
fn listening(port: u16) -> bool {
    socket_states(port).iter().any(|s| s == "0A")
}

/// Is a card (our simulator, or anyone's vicc) connected to vpcd, or is
/// vpcd's end of a closed card connection still open? vpcd closes its end
/// in the presence poll that tells pcscd the card is gone.
fn vpcd_card_connected() -> bool {
    // Anything but LISTEN (0A) and TIME_WAIT (06): ESTABLISHED, CLOSE_WAIT, LAST_ACK…
    socket_states(VPCD_PORT)
        .iter()
        .any(|s| s != "0A" && s != "06")
}

/// Stop the simulator and wait until pcscd has seen the card go. A new card
/// connecting before that would be taken for the old one (vpcd reports
/// "present" throughout, pcscd never powers the new card up, and every
/// connect answers "card removed").
fn remove_card(sim: &mut Guard) {
    sim.stop();
    wait_until(
        "vpcd to notice the card is gone",
        Duration::from_secs(10),
        || !vpcd_card_connected(),
    );
}

/// The pids of running (not zombie) pcscd processes.
fn running_pcscd() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
                // "pid (comm) state …"
                stat.split_once(" (")
                    .and_then(|(_, rest)| rest.rsplit_once(") "))
                    .is_some_and(|(comm, rest)| comm == "pcscd" && !rest.starts_with('Z'))
            })
        })
        .collect()
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// pcscd with vpcd loaded: the one already running when vpcd listens
/// (`None`, left alone), else a new one in the foreground that the guard
/// stops. A pcscd without vpcd (started before vsmartcard-vpcd was
/// installed) is stopped first, because pcscd reads reader.conf.d only at
/// start.
fn pcscd(dir: &Path) -> Option<Guard> {
    let running = running_pcscd();
    if !running.is_empty() && listening(VPCD_PORT) {
        eprintln!("reusing the running pcscd (pid {running:?}); vpcd listens on {VPCD_PORT}");
        return None;
    }
    for pid in &running {
        eprintln!("restarting pcscd {pid}: vpcd does not listen on {VPCD_PORT}");
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
    }
    wait_until("the old pcscd to end", Duration::from_secs(5), || {
        running_pcscd().is_empty()
    });
    assert!(
        !listening(VPCD_PORT),
        "something other than pcscd listens on vpcd's port {VPCD_PORT}"
    );
    let mut guard = Guard::spawn(
        "pcscd",
        Command::new(pcscd_path().unwrap()).args(["--foreground", "--info"]),
        dir.join("pcscd.log"),
    );
    wait_until(
        "pcscd to load vpcd (port 35963)",
        Duration::from_secs(10),
        || {
            guard.check_alive();
            listening(VPCD_PORT)
        },
    );
    Some(guard)
}

/// The simulator card behind vpcd until the guard goes.
fn serve(bins: &PcscBinaries, state: &Path, log: PathBuf) -> Guard {
    Guard::spawn(
        "qoltanba-card-sim serve-vpcd",
        Command::new(&bins.card_sim)
            .args(["serve-vpcd", "--state"])
            .arg(state)
            .args(["--port", &VPCD_PORT.to_string()]),
        log,
    )
}

/// `qoltanba card <args> --reader READER`, with no secrets from the
/// environment and no terminal to prompt on.
fn card(bins: &PcscBinaries, args: &[&str]) -> Output {
    Command::new(&bins.qoltanba)
        .env("QOLTANBA_LANG", "en")
        .arg("card")
        .args(args)
        .args(["--reader", READER])
        .env_remove("QOLTANBA_CAN")
        .env_remove("QOLTANBA_PIN")
        .env_remove("QOLTANBA_NEW_PIN")
        .env_remove("QOLTANBA_PUK")
        .stdin(Stdio::null())
        .output()
        .expect("qoltanba runs")
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A one-line error with exit code 1.
fn failed_with(out: &Output, what: &str, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: one line expected: {stderr}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(expected),
        "{what}: expected {expected:?} in {stderr:?}"
    );
}

/// `card info --json` once the card in the reader is the expected one
/// (vpcd reports a new card a poll interval after it connects).
fn info_when_present(
    bins: &PcscBinaries,
    sim: &mut Guard,
    extra: &[&str],
    profile: &str,
) -> serde_json::Value {
    let mut args = vec!["info", "--json"];
    args.extend_from_slice(extra);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        sim.check_alive();
        let out = card(bins, &args);
        if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            if v["profile"] == profile {
                return v;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the {profile} card did not show up in {READER:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn sim_new(bins: &PcscBinaries, dir: &Path, args: &[&str], file: &str) -> PathBuf {
    let path = dir.join(file);
    let out = Command::new(&bins.card_sim)
        .current_dir(dir)
        .arg("new")
        .args(args)
        .arg(&path)
        .output()
        .unwrap();
    ok(&out, "qoltanba-card-sim new");
    path
}

fn step(started: Instant, what: &str) {
    eprintln!("[{:>5.1} s] {what}", started.elapsed().as_secs_f64());
}

#[test]
fn simulator_card_through_pcscd_and_vpcd() {
    if let Some(missing) = pcsc_missing() {
        if std::env::var("QOLTANBA_REQUIRE_PEERS").as_deref() == Ok("1") {
            panic!(
                "the PC/SC test needs {missing}; scripts/test.sh installs the packages (QOLTANBA_REQUIRE_PEERS=1 makes this a failure)"
            );
        }
        eprintln!("skipped: the PC/SC test needs {missing}");
        return;
    }
    let started = Instant::now();
    let bins = pcsc_binaries();
    step(started, "binaries built");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let can = write_secret(dir, "can", CAN);
    let pin = write_secret(dir, "pin", PIN);
    let new_pin = write_secret(dir, "new-pin", NEW_PIN);
    let wrong_pin = write_secret(dir, "wrong-pin", WRONG_PIN);
    let puk = write_secret(dir, "puk", PUK);
    let (can, pin, new_pin, wrong_pin, puk) = (
        can.to_str().unwrap(),
        pin.to_str().unwrap(),
        new_pin.to_str().unwrap(),
        wrong_pin.to_str().unwrap(),
        puk.to_str().unwrap(),
    );
    let ref_card = sim_new(
        bins,
        dir,
        &[
            "--profile",
            "ref",
            "--can-file",
            can,
            "--pin-file",
            pin,
            "--puk-file",
            puk,
            "--keys",
            "p256",
        ],
        "ref.json",
    );
    let kz_card = sim_new(
        bins,
        dir,
        &[
            "--profile",
            "kz",
            "--slots",
            "2",
            "--pin-file",
            pin,
            "--keys",
            "rsa2048",
        ],
        "kz.json",
    );
    // Enrolled through the real card commands, when the RA can do that; in
    // the background (the RA's init and enroll take ~15 s unoptimised),
    // while the other cards go through pcscd.
    let ra_help = Command::new(&bins.ra)
        .args(["enroll", "--help"])
        .output()
        .unwrap();
    let enrolling = if String::from_utf8_lossy(&ra_help.stdout).contains("--card-simulator") {
        let (dir, can, pin, puk) = (
            dir.to_path_buf(),
            can.to_string(),
            pin.to_string(),
            puk.to_string(),
        );
        Some(std::thread::spawn(move || {
            enroll_on_card(bins, &dir, &can, &pin, &puk)
        }))
    } else {
        eprintln!(
            "skipped: signing on an enrolled card (`qoltanba-ra enroll --card-simulator` does not exist yet)"
        );
        None
    };
    step(started, "cards made");

    let _pcscd = pcscd(dir);
    assert!(
        !vpcd_card_connected(),
        "another virtual card is connected to vpcd on port {VPCD_PORT}; stop it first"
    );
    step(started, "pcscd with vpcd up");

    // --- qoltanba-ref-1: PACE with the CAN, secure messaging, PIN ----------
    let mut sim = serve(bins, &ref_card, dir.join("sim-ref.log"));
    let info = info_when_present(bins, &mut sim, &["--can-file", can], "qoltanba-ref-1");
    step(started, "ref card present");
    assert_eq!(info["atr"], REF_ATR, "{info}");
    assert_eq!(info["pin_tries"], 3, "{info}");
    assert_eq!(info["puk_tries"], 10, "{info}");
    assert_eq!(info["slots"][0]["slot"], "81", "{info}");
    assert_eq!(info["slots"][0]["algorithm"], "ECDSA P-256", "{info}");
    assert_eq!(
        info["slots"][0]["roles"],
        serde_json::json!(["auth", "sign"])
    );
    assert_eq!(info["slots"][1]["algorithm"], serde_json::Value::Null);

    // Without the CAN the card cannot be reached.
    let out = card(bins, &["info"]);
    assert!(!out.status.success());

    let out = card(
        bins,
        &["verify-pin", "--can-file", can, "--pin-file", wrong_pin],
    );
    failed_with(&out, "a wrong PIN", "wrong PIN; 2 tries left");
    let out = card(bins, &["verify-pin", "--can-file", can, "--pin-file", pin]);
    assert_eq!(ok(&out, "verify-pin").trim(), "the PIN is correct");
    let info = info_when_present(bins, &mut sim, &["--can-file", can], "qoltanba-ref-1");
    assert_eq!(
        info["pin_tries"], 3,
        "a right PIN resets the counter: {info}"
    );

    let out = card(
        bins,
        &[
            "change-pin",
            "--can-file",
            can,
            "--pin-file",
            pin,
            "--new-pin-file",
            new_pin,
        ],
    );
    assert_eq!(ok(&out, "change-pin").trim(), "the PIN was changed");
    let out = card(bins, &["verify-pin", "--can-file", can, "--pin-file", pin]);
    failed_with(&out, "the old PIN", "wrong PIN; 2 tries left");
    let out = card(
        bins,
        &["verify-pin", "--can-file", can, "--pin-file", new_pin],
    );
    ok(&out, "verify-pin with the new PIN");
    step(started, "ref card: info, verify-pin, change-pin");
    remove_card(&mut sim);

    // --- kz-idcard: plain APDUs, no CAN -----------------------------------
    let mut sim = serve(bins, &kz_card, dir.join("sim-kz.log"));
    let info = info_when_present(bins, &mut sim, &[], "kz-idcard");
    assert_eq!(info["atr"], KZ_ATR, "{info}");
    assert_eq!(info["slots"][0]["slot"], "87", "{info}");
    assert_eq!(info["slots"][0]["algorithm"], "RSA-2048", "{info}");
    assert_eq!(info["slots"][1]["algorithm"], serde_json::Value::Null);
    let out = card(bins, &["verify-pin", "--pin-file", wrong_pin]);
    failed_with(&out, "a wrong kz-idcard PIN", "wrong PIN; 2 tries left");
    let out = card(bins, &["verify-pin", "--pin-file", pin]);
    ok(&out, "kz-idcard verify-pin");
    step(started, "kz-idcard: info without a CAN, verify-pin");
    remove_card(&mut sim);

    // --- a card pulled out in the middle of a command: a lost card ----------
    pulled_out_mid_command(bins, &ref_card, can);
    step(started, "ref card pulled out mid-command: a lost card");

    // --- an enrolled card: the SIGN key signs a document ---------------------
    if let Some(enrolling) = enrolling {
        let (enrolled, ra_home, ra_pass) = enrolling
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        step(
            started,
            "enrolled card made by qoltanba-ra enroll --card-simulator",
        );
        let mut sim = serve(bins, &enrolled, dir.join("sim-enrolled.log"));
        let info = info_when_present(bins, &mut sim, &["--can-file", can], "qoltanba-ref-1");
        let sign_slot = info["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["roles"] == serde_json::json!(["sign"]))
            .unwrap_or_else(|| panic!("no SIGN slot: {info}"));
        assert_eq!(sign_slot["certificate"]["purpose"], "SIGN", "{info}");
        assert_eq!(sign_slot["algorithm"], "RSA-2048", "{info}");
        let doc = dir.join("doc.txt");
        std::fs::write(&doc, "Өтініш: сертификатты қайта шығару\n").unwrap();
        let signed = dir.join("doc.p7s");
        let out = card(
            bins,
            &[
                "sign",
                "--can-file",
                can,
                "--pin-file",
                pin,
                "--in",
                doc.to_str().unwrap(),
                "--out",
                signed.to_str().unwrap(),
            ],
        );
        let said = ok(&out, "card sign");
        assert!(said.contains("signed with the sign key in slot"), "{said}");
        let out = Command::new(&bins.qoltanba)
            .env("QOLTANBA_LANG", "en")
            .args(["message", "verify", "--json"])
            .arg(&signed)
            // The signer is named only once its certificate chains to the
            // CA that issued it (the RA's RSA CA).
            .arg("--trust")
            .arg(ra_home.join("ca/rsa.cer"))
            .output()
            .unwrap();
        let verified = ok(&out, "qoltanba message verify");
        assert!(verified.contains(TEST_IIN), "{verified}");
        let content = openssl_ok(
            dir,
            &[
                "cms",
                "-verify",
                "-inform",
                "DER",
                "-in",
                "doc.p7s",
                "-noverify",
            ],
        );
        assert_eq!(content, std::fs::read_to_string(&doc).unwrap());
        step(
            started,
            "enrolled card: card sign, verified by qoltanba and openssl",
        );

        // --- a whole renewal with the keys on the card in the reader ---------
        let (mut ra, url) = support::ra::serve(&bins.ra, &ra_home, &ra_pass);
        let renew = |extra: &[&str]| {
            Command::new(&bins.qoltanba)
                .env("QOLTANBA_LANG", "en")
                .env("QOLTANBA_DB", dir.join("device.db"))
                .args([
                    "--json",
                    "renew",
                    "--confirm",
                    "--server",
                    &url,
                    "--ca-cert",
                ])
                .arg(ra_home.join("tls/ca.pem"))
                .args([
                    "--card-reader",
                    READER,
                    "--can-file",
                    can,
                    "--pin-file",
                    pin,
                    "--email",
                    "t@example.kz",
                ])
                .arg("--new-keys-dir")
                .arg(dir.join("new-keys"))
                .args(extra)
                .output()
                .unwrap()
        };
        let out = renew(&[]);
        assert_eq!(
            out.status.code(),
            Some(4),
            "renew: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let paused: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let code = support::ra::code_in(&ra_home, paused["needs_code"].as_i64().unwrap());
        let out = renew(&["--resume", "--code", &code]);
        let _ = ra.kill();
        let _ = ra.wait();
        let done = ok(&out, "renew --resume --code over PC/SC");
        let done: serde_json::Value = serde_json::from_str(&done).unwrap();
        assert_eq!(
            done["summary"]["new"].as_array().map(Vec::len),
            Some(2),
            "{done}"
        );
        let info = info_when_present(bins, &mut sim, &["--can-file", can], "qoltanba-ref-1");
        let roles: Vec<(String, serde_json::Value)> = info["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["slot"].as_str().unwrap().to_string(), s["roles"].clone()))
            .collect();
        assert!(
            roles.contains(&("83".into(), serde_json::json!(["auth"])))
                && roles.contains(&("84".into(), serde_json::json!(["sign"]))),
            "the new keys are current: {info}"
        );
        step(started, "enrolled card: a whole renewal through the reader");
    }
}

/// The card in `state` behind vpcd, pulled out of the reader in the middle
/// of its `n`-th command (counted from 1): it answers the commands before,
/// then closes its connection without answering, as a card leaving a
/// contactless reader does. `answered` counts the commands it answered.
fn pulled_after(
    state: &Path,
    n: u64,
    answered: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> std::thread::JoinHandle<()> {
    use qoltanba_card_sim::vpcd::{read_frame, write_frame};
    use std::sync::atomic::Ordering;
    let mut card = qoltanba_card_sim::SimCard::open(state).unwrap();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut stream = loop {
            match std::net::TcpStream::connect(("127.0.0.1", VPCD_PORT)) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(Instant::now() < deadline, "vpcd is not reachable: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        };
        while let Ok(Some(payload)) = read_frame(&mut stream) {
            match payload.as_slice() {
                [] => {}
                [0] => card.power_off(),
                [1] | [2] => card.reset(),
                [4] => write_frame(&mut stream, &card.atr()).unwrap(),
                [_] => {}
                apdu => {
                    if answered.load(Ordering::SeqCst) + 1 == n {
                        return; // the stream closes: the card is gone
                    }
                    let response = card.process(apdu);
                    write_frame(&mut stream, &response).unwrap();
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    })
}

/// `card info` while the card is pulled out in PACE's first GENERAL
/// AUTHENTICATE (its third command after READ BINARY of EF.CardAccess and
/// MSE:SET AT): one line saying the card was lost (which a renewal resumes
/// from), never "the card's answer is malformed".
fn pulled_out_mid_command(bins: &PcscBinaries, state: &Path, can: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    let answered = std::sync::Arc::new(AtomicU64::new(0));
    let vicc = pulled_after(state, 3, answered.clone());
    // Until vpcd reports the card, `info` finds none (nothing answered yet).
    let deadline = Instant::now() + Duration::from_secs(15);
    let out = loop {
        let out = card(bins, &["info", "--can-file", can]);
        if answered.load(Ordering::SeqCst) > 0 {
            break out;
        }
        assert!(
            Instant::now() < deadline && !vicc.is_finished(),
            "the card did not show up in {READER:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    vicc.join().unwrap();
    assert_eq!(
        answered.load(Ordering::SeqCst),
        2,
        "pulled out in the third"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("malformed"), "{stderr}");
    failed_with(&out, "a card pulled out mid-command", "the card was lost");
    wait_until(
        "vpcd to notice the card is gone",
        Duration::from_secs(10),
        || !vpcd_card_connected(),
    );
}

/// A fresh qoltanba-ref-1 card personalised by the RA (keys generated on
/// the card, certificates written and made current), RSA so that the
/// card's answers need extended length through PC/SC.
/// The card, the RA home and the operator passphrase file.
fn enroll_on_card(
    bins: &PcscBinaries,
    dir: &Path,
    can: &str,
    pin: &str,
    puk: &str,
) -> (PathBuf, PathBuf, PathBuf) {
    let card = sim_new(
        bins,
        dir,
        &[
            "--profile",
            "ref",
            "--can-file",
            can,
            "--pin-file",
            pin,
            "--puk-file",
            puk,
        ],
        "enrolled.json",
    );
    let pass = write_secret(dir, "ra-pass", "Ra-Passphrase-2026!");
    let home = dir.join("ra");
    // The RA only needs a listen address in its config; nothing serves here.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = |args: &[&str]| {
        let out = Command::new(&bins.ra).args(args).output().unwrap();
        ok(&out, &format!("qoltanba-ra {}", args[0]))
    };
    run(&[
        "init",
        "--dir",
        home.to_str().unwrap(),
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    let printed = run(&[
        "enroll",
        "--dir",
        home.to_str().unwrap(),
        "--iin",
        TEST_IIN,
        "--surname",
        "ТЕСТОВ",
        "--name",
        "ТЕСТ",
        "--phone",
        "+77011234567",
        "--algorithm",
        "rsa",
        "--out",
        dir.join("enrolled-certs").to_str().unwrap(),
        "--passphrase-file",
        pass.to_str().unwrap(),
        "--card-simulator",
        card.to_str().unwrap(),
        "--can-file",
        can,
        "--card-pin-file",
        pin,
    ]);
    let v: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(v["keys"].as_array().map(Vec::len), Some(2), "{printed}");
    (card, home, pass)
}
