//! The command line under faults (issue 21): a closed or full standard
//! output, a full disk while writing a renewal's files, names that are not
//! UTF-8, expired keys, and signed messages whose unsigned parts were
//! altered. docs/bad-input.md, "The command line" and "Signed messages and
//! their verification", lists each with its test here.
#![allow(clippy::unwrap_used)] // a test or bench: a failed unwrap is a failed run

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use qoltanba_ra::params;
use support::*;

/// The status a process killed by SIGPIPE shows in a shell (128 + 13): what
/// the CLI exits with when its reader has gone (docs/bad-input.md).
const BROKEN_PIPE_STATUS: i32 = 141;

/// Run `command` with its standard output a pipe whose reading end is
/// already closed: every write fails with EPIPE.
fn with_closed_stdout(mut command: Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    command
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Run `command` with its standard output on /dev/full: every write fails
/// with ENOSPC.
fn with_full_stdout(mut command: Command) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    command
        .stdout(Stdio::from(full))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `qoltanba keys show` of the real NCA GOST key file.
fn keys_show(dir: &Path) -> Command {
    let pw = write_secret(dir, "pw", NCA_TEST_PASSWORD);
    let mut cmd = Command::new(qoltanba_binary());
    cmd.env("QOLTANBA_LANG", "en")
        .args(["--at", "2024-06-01T00:00:00Z", "keys", "show"])
        .arg(nca("gokalkan/gost1.p12"))
        .arg("--password-file")
        .arg(pw);
    cmd
}

#[test]
fn keys_show_into_a_closed_pipe_exits_quietly_with_141() {
    let dir = tempfile::tempdir().unwrap();
    let out = with_closed_stdout(keys_show(dir.path()));
    assert_eq!(
        out.status.code(),
        Some(BROKEN_PIPE_STATUS),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out), "", "a broken pipe is not an error to report");
}

#[test]
fn keys_show_into_a_full_stdout_says_the_disk_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let out = with_full_stdout(keys_show(dir.path()));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("the disk is full"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn json_output_into_a_closed_pipe_or_full_stdout_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut json = keys_show(dir.path());
    json.arg("--json");
    let out = with_closed_stdout(json);
    assert_eq!(
        out.status.code(),
        Some(BROKEN_PIPE_STATUS),
        "{}",
        stderr(&out)
    );
    let mut json = keys_show(dir.path());
    json.arg("--json");
    let out = with_full_stdout(json);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the disk is full"),
        "{}",
        stderr(&out)
    );
}

/// An RA home with one application in its database, for the operator's
/// `applications list`.
/// `applications list`. The database is kept as long as the returned value.
fn ra_home_with_an_application(
    dir: &Path,
) -> (PathBuf, qoltanba_testkit::ra_process::TestDatabase) {
    let home = dir.join("ra");
    let pass = dir.join("pass");
    std::fs::write(&pass, support::ra::PASSPHRASE).unwrap();
    let database = qoltanba_testkit::ra_process::init(ra_binary(), &home, &pass);
    let db = qoltanba_testkit::ra_process::db(&home);
    let conn = db.conn();
    conn.execute(
        "INSERT INTO citizens (iin, surname, name, created_at)
         VALUES ('900101300811', 'ТЕСТОВ', 'ТЕСТ', 1700000000)",
        params![],
    )
    .unwrap();
    // The blob as a parameter: x'30' is a blob to SQLite, a bit string to
    // PostgreSQL.
    conn.execute(
        "INSERT INTO applications (id, iin, state, p7s, email, locality, signer_serial,
             code_tries_left, created_at, updated_at)
         VALUES (1, '900101300811', 'approved', ?1, 'a@example.kz', 'Astana', '01', 3,
             1700000000, 1700000000)",
        params![vec![0x30u8]],
    )
    .unwrap();
    (home, database)
}

#[test]
fn ra_applications_list_into_a_closed_pipe_or_full_stdout_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let (home, _database) = ra_home_with_an_application(dir.path());
    let list = || {
        let mut cmd = Command::new(ra_binary());
        cmd.args(["applications", "list", "--dir"]).arg(&home);
        cmd
    };
    let listed = list().output().unwrap();
    assert!(listed.status.success(), "{}", stderr(&listed));
    assert!(String::from_utf8_lossy(&listed.stdout).starts_with("1\t900101300811\tapproved"));

    let out = with_closed_stdout(list());
    assert_eq!(
        out.status.code(),
        Some(BROKEN_PIPE_STATUS),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out), "");

    let out = with_full_stdout(list());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("the disk is full"), "{err}");
}

/// A tmpfs of `kib` KiB at a new folder, unmounted on drop. None where the
/// test cannot mount (not root), unless the suite requires every peer.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(kib: u32) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kib}k,mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            assert!(
                std::env::var_os("QOLTANBA_REQUIRE_PEERS").is_none(),
                "mounting a small tmpfs needs root (QOLTANBA_REQUIRE_PEERS is set)"
            );
            eprintln!("skipped: cannot mount a tmpfs here (not root)");
            return None;
        }
        Some(SmallDisk { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fill the disk, then free `bytes` of it.
    fn leave_free(&self, bytes: usize) {
        let filler = self.path().join("filler");
        let _ = std::fs::remove_file(&filler);
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        while std::io::Write::write_all(&mut file, &chunk).is_ok() {}
        drop(file);
        let size = std::fs::metadata(&filler).unwrap().len();
        let keep = size.saturating_sub(bytes as u64);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&filler)
            .unwrap()
            .set_len(keep)
            .unwrap();
    }

    fn free_all(&self) {
        let _ = std::fs::remove_file(self.path().join("filler"));
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Every file under `dir` but the filler, recursively, hidden ones included.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name() == Some("filler".as_ref()) {
            continue;
        }
        if path.is_dir() {
            found.push(path.clone());
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn application_build(out: &Path, pw: &Path) -> assert_cmd::Command {
    let mut cmd = qoltanba();
    cmd.args([
        "--at",
        "2024-06-01T00:00:00Z",
        "application",
        "build",
        "--sign-key",
    ])
    .arg(nca("gokalkan/gost1.p12"))
    .args([
        "--email",
        "test@example.kz",
        "--locality",
        "Astana",
        "--storage",
        "file",
        "--out",
    ])
    .arg(out)
    .arg("--password-file")
    .arg(pw)
    .arg("--new-password-file")
    .arg(pw);
    cmd
}

#[test]
fn application_build_on_a_full_disk_leaves_nothing_and_a_retry_no_orphan() {
    let Some(disk) = SmallDisk::mount(256) else {
        return;
    };
    let secrets = tempfile::tempdir().unwrap();
    let pw = write_secret(secrets.path(), "pw", NCA_TEST_PASSWORD);
    let out = disk.path().join("renewal");
    let mut refused = 0;
    let mut built = false;
    // From no room at all to room for all but the last file: every failure
    // names the full disk and leaves nothing behind.
    for pages in 0..6 {
        disk.leave_free(pages * 4096);
        let run = application_build(&out, &pw).output().unwrap();
        let err = stderr(&run);
        if run.status.success() {
            // The retry with room enough: the one that counts below.
            built = true;
            break;
        }
        refused += 1;
        assert!(
            err.contains("the disk is full"),
            "{pages} pages free: {err}"
        );
        assert!(!err.contains("permission"), "{pages} pages free: {err}");
        let left = if out.exists() {
            files_under(&out)
        } else {
            Vec::new()
        };
        assert!(left.is_empty(), "{pages} pages free left {left:?}");
        let strays: Vec<_> = files_under(disk.path())
            .into_iter()
            .filter(|p| !p.starts_with(&out))
            .collect();
        assert!(strays.is_empty(), "{pages} pages free left {strays:?}");
    }
    assert!(refused >= 2, "the disk was never full enough to test");
    if !built {
        disk.free_all();
        application_build(&out, &pw).assert().success();
    }
    let names: Vec<String> = files_under(&out)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let keys = names.iter().filter(|n| n.ends_with(".p12")).count();
    let csrs = names.iter().filter(|n| n.ends_with(".csr")).count();
    assert_eq!((keys, csrs), (1, 1), "{names:?}");
    assert!(names.contains(&"application.p7s".to_string()), "{names:?}");
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn message_sign_on_a_full_disk_says_the_disk_is_full() {
    let Some(disk) = SmallDisk::mount(64) else {
        return;
    };
    let secrets = tempfile::tempdir().unwrap();
    let pw = write_secret(secrets.path(), "pw", NCA_TEST_PASSWORD);
    std::fs::write(secrets.path().join("nonce"), "challenge-42").unwrap();
    disk.leave_free(0);
    let out = disk.path().join("login.p7s");
    let run = qoltanba()
        .args(["--at", "2024-06-01T00:00:00Z", "message", "sign", "--key"])
        .arg(nca("gokalkan/gost1.p12"))
        .arg("--in")
        .arg(secrets.path().join("nonce"))
        .arg("--out")
        .arg(&out)
        .arg("--password-file")
        .arg(&pw)
        .assert()
        .code(3);
    let err = stderr(run.get_output());
    assert!(err.contains("the disk is full"), "{err}");
    assert!(!err.contains("permission"), "{err}");
    assert!(files_under(disk.path()).is_empty());
}

#[test]
fn a_non_utf8_out_name_is_refused_for_what_it_is() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let pw = write_secret(dir.path(), "pw", NCA_TEST_PASSWORD);
    std::fs::write(dir.path().join("nonce"), "challenge-42").unwrap();
    let out = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"login-\xff.p7s"));
    let run = qoltanba()
        .args(["--at", "2024-06-01T00:00:00Z", "message", "sign", "--key"])
        .arg(nca("gokalkan/gost1.p12"))
        .arg("--in")
        .arg(dir.path().join("nonce"))
        .arg("--out")
        .arg(&out)
        .arg("--password-file")
        .arg(&pw)
        .assert()
        .code(2);
    let err = stderr(run.get_output());
    assert!(err.contains("not valid UTF-8"), "{err}");
    assert!(!out.exists());
}

#[test]
fn message_sign_refuses_an_expired_key_unless_at_says_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let pw = write_secret(dir.path(), "pw", NCA_TEST_PASSWORD);
    std::fs::write(dir.path().join("nonce"), "challenge-42").unwrap();
    let sign = |at: Option<&str>, out: &str| {
        let mut cmd = qoltanba();
        if let Some(at) = at {
            cmd.args(["--at", at]);
        }
        cmd.args(["message", "sign", "--key"])
            .arg(nca("gokalkan/gost1.p12"))
            .arg("--in")
            .arg(dir.path().join("nonce"))
            .arg("--out")
            .arg(dir.path().join(out))
            .arg("--password-file")
            .arg(&pw);
        cmd
    };
    // gost1.p12 expired on 2024-11-08.
    let run = sign(None, "now.p7s").assert().code(1);
    let err = stderr(run.get_output());
    assert!(err.contains("expired"), "{err}");
    assert!(!dir.path().join("now.p7s").exists());
    // Not yet valid before 2023-11-09.
    let run = sign(Some("2023-01-01T00:00:00Z"), "early.p7s")
        .assert()
        .code(1);
    assert!(stderr(run.get_output()).contains("not yet valid"));
    sign(Some("2024-06-01T00:00:00Z"), "then.p7s")
        .assert()
        .success();
}

/// A login message signed with the real NCA GOST key, and the bytes of its
/// signer's certificate.
fn signed_login(dir: &Path) -> PathBuf {
    let pw = write_secret(dir, "pw", NCA_TEST_PASSWORD);
    std::fs::write(dir.join("nonce"), "challenge-42").unwrap();
    let signed = dir.join("login.p7s");
    qoltanba()
        .args(["--at", "2024-06-01T00:00:00Z", "message", "sign", "--key"])
        .arg(nca("gokalkan/gost1.p12"))
        .arg("--in")
        .arg(dir.join("nonce"))
        .arg("--out")
        .arg(&signed)
        .arg("--password-file")
        .arg(&pw)
        .assert()
        .success();
    signed
}

#[test]
fn message_verify_never_prints_an_altered_iin_as_the_signer() {
    let dir = tempfile::tempdir().unwrap();
    let signed = signed_login(dir.path());
    let mut bytes = std::fs::read(&signed).unwrap();
    // The holder's IIN inside the embedded certificate: outside the signed
    // attributes, so the message's own signature still holds.
    let at = bytes
        .windows(15)
        .position(|w| w == b"IIN123456789011")
        .expect("the certificate names the IIN");
    bytes[at + 3] = b'9';
    let altered = dir.path().join("altered.p7s");
    std::fs::write(&altered, &bytes).unwrap();

    let out = qoltanba()
        .args(["--at", "2024-06-01T00:00:00Z", "message", "verify"])
        .arg(&altered)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(!text.contains("923456789011"), "{text}");
    assert!(text.contains("signer not verified"), "{text}");
    assert!(text.contains("challenge-42"), "{text}");

    let out = qoltanba()
        .args([
            "--json",
            "--at",
            "2024-06-01T00:00:00Z",
            "message",
            "verify",
        ])
        .arg(&altered)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["signer_verified"], false, "{json}");
    assert!(!json.to_string().contains("923456789011"), "{json}");

    // With the issuing CA the altered certificate is refused outright.
    let out = qoltanba()
        .args([
            "--at",
            "2024-06-01T00:00:00Z",
            "message",
            "verify",
            "--trust",
        ])
        .arg(nca("ncanode/ca/nca_gost2015_test.cer"))
        .arg(&altered)
        .assert()
        .code(1);
    assert!(out.get_output().stdout.is_empty());

    // The unaltered message, with the CA: the signer is named.
    let out = qoltanba()
        .args([
            "--json",
            "--at",
            "2024-06-01T00:00:00Z",
            "message",
            "verify",
            "--trust",
        ])
        .arg(nca("ncanode/ca/nca_gost2015_test.cer"))
        .arg(&signed)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["signer_verified"], true, "{json}");
    assert_eq!(json["signer"]["iin"], "123456789011", "{json}");
    assert_eq!(json["content"], "challenge-42");
}
