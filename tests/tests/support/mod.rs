//! Shared helpers of the end-to-end tests: the fixtures, the `qoltanba`
//! binary, and a small NCA-like test PKI made with the real openssl binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod card_sim;

pub mod ra;

pub const NCA_TEST_PASSWORD: &str = "Qwerty12";

pub fn fixtures() -> PathBuf {
    qoltanba_testkit::fixtures::root()
}

pub fn nca(rel: &str) -> PathBuf {
    fixtures().join("nca-test").join(rel)
}

/// A binary of this workspace, built into the same target directory as the
/// test itself. Cargo sets `CARGO_BIN_EXE_*` only for a package's own
/// binaries, and this crate tests the binaries from outside.
fn workspace_binary(package: &str, bin: &str) -> PathBuf {
    // target/<profile>/deps/<this test> → target/<profile>/<bin>
    let exe = std::env::current_exe().expect("the test knows its path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "-p", package, "--bin", bin]);
    // The CLI with PC/SC wherever libpcsclite is there, as scripts/test.sh
    // builds the workspace: one `qoltanba` binary, not two builds taking
    // turns in the same file.
    if package == "qoltanba-cli"
        && Command::new("pkg-config")
            .args(["--exists", "libpcsclite"])
            .status()
            .is_ok_and(|s| s.success())
    {
        build.args(["--features", "pcsc"]);
    }
    // The RA as the workspace's tests build it (the test kit turns on its
    // service-centre enrolment: `enroll --card-simulator` works; this
    // crate its crash points, for ra_crash.rs).
    if package == "qoltanba-ra" {
        build.args(["--features", "card-enrolment,crash-points"]);
    }
    if dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the {bin} binary failed");
    dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX))
}

/// The `qoltanba` binary, built once per test run.
pub fn qoltanba_binary() -> &'static Path {
    static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BINARY.get_or_init(|| workspace_binary("qoltanba-cli", "qoltanba"))
}

/// The `qoltanba-ra` binary, built once per test run.
pub fn ra_binary() -> &'static Path {
    static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BINARY.get_or_init(|| workspace_binary("qoltanba-ra", "qoltanba-ra"))
}

/// The `qoltanba` binary with a clean environment for passwords.
pub fn qoltanba() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(qoltanba_binary());
    // The tests read the English messages, whatever the machine's locale.
    cmd.env_remove("QOLTANBA_PASSWORD")
        .env_remove("QOLTANBA_NEW_PASSWORD")
        .env("QOLTANBA_LANG", "en");
    cmd
}

pub fn write_secret(dir: &Path, name: &str, secret: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    path
}

pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    qoltanba_testkit::openssl::run(dir, args)
}

/// openssl's standard output; it must succeed.
pub fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let out = qoltanba_testkit::openssl::ok(dir, args);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A valid IIN (control digit and birth date check out): born 1990-01-01, male.
pub const TEST_IIN: &str = "900101300811";

/// Which NCA key an issued test certificate is.
#[derive(Clone, Copy)]
pub enum TestKey {
    /// RSA SIGN: digitalSignature + nonRepudiation, emailProtection.
    Sign,
    /// RSA AUTH: digitalSignature + keyEncipherment, clientAuth.
    Auth,
}

/// An RSA test CA in `dir` (ca.key, ca.pem), shaped like NCA's issuing CA.
pub fn make_ca(dir: &Path) {
    use qoltanba_testkit::pki::CaKey;
    qoltanba_testkit::pki::make_ca(dir, CaKey::Rsa2048, "/C=KZ/CN=ҰКО 3.0 (RSA TEST)", 3650);
}

/// Issue an NCA-like RSA certificate to a new key and pack both into an NCA
/// profile key file (`openssl pkcs12 -legacy`), returning its path.
/// `days_from`/`days_to` place the validity window relative to now.
pub fn make_key_file(
    dir: &Path,
    name: &str,
    key: TestKey,
    days_from: i64,
    days_to: i64,
    password: &str,
) -> PathBuf {
    let (ku, eku, policy) = match key {
        TestKey::Sign => (
            "critical,digitalSignature,nonRepudiation",
            "emailProtection,1.2.398.3.3.4.1.1",
            "1.2.398.3.3.2.3",
        ),
        TestKey::Auth => (
            "critical,digitalSignature,keyEncipherment",
            "clientAuth,1.2.398.3.3.4.1.1",
            "1.2.398.3.3.2.4",
        ),
    };
    std::fs::write(
        dir.join(format!("{name}.ext")),
        format!("basicConstraints=CA:FALSE\nkeyUsage={ku}\nextendedKeyUsage={eku}\ncertificatePolicies={policy}\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"),
    )
    .unwrap();
    openssl_ok(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            &format!("{name}.key"),
        ],
    );
    let subj = format!("/CN=ТЕСТОВ ТЕСТ/SN=ТЕСТОВ/serialNumber=IIN{TEST_IIN}/C=KZ/GN=ТЕСТОВИЧ");
    openssl_ok(
        dir,
        &[
            "req",
            "-new",
            "-utf8",
            "-key",
            &format!("{name}.key"),
            "-subj",
            &subj,
            "-out",
            &format!("{name}.csr"),
        ],
    );
    let start =
        (time::OffsetDateTime::now_utc() + time::Duration::days(days_from)).unix_timestamp();
    let end = (time::OffsetDateTime::now_utc() + time::Duration::days(days_to)).unix_timestamp();
    // openssl ca-less signing with explicit dates needs `openssl x509 -not_before`
    // (3.4+); on 3.0 write the certificate through `openssl ca` instead.
    std::fs::create_dir_all(dir.join("db")).unwrap();
    std::fs::write(dir.join("db/index.txt"), "").unwrap();
    std::fs::write(dir.join("ca.cnf"), format!(
        "[ca]\ndefault_ca=test\n[test]\ndatabase={db}/index.txt\nnew_certs_dir={db}\nserial={db}/serial\nrand_serial=yes\ndefault_md=sha256\npolicy=any\nunique_subject=no\ncopy_extensions=none\nutf8=yes\nstring_mask=utf8only\npreserve=yes\n[any]\ncommonName=supplied\nsurname=optional\nserialNumber=optional\ncountryName=optional\ngivenName=optional\nemailAddress=optional\n",
        db = dir.join("db").display()
    )).unwrap();
    let fmt = |t: i64| {
        let t = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
        t.format(time::macros::format_description!(
            "[year][month][day][hour][minute][second]Z"
        ))
        .unwrap()
    };
    openssl_ok(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            "ca.pem",
            "-keyfile",
            "ca.key",
            "-in",
            &format!("{name}.csr"),
            "-out",
            &format!("{name}.pem"),
            "-notext",
            "-startdate",
            &fmt(start),
            "-enddate",
            &fmt(end),
            "-extfile",
            &format!("{name}.ext"),
        ],
    );
    let p12 = dir.join(format!("{name}.p12"));
    openssl_ok(
        dir,
        &[
            "pkcs12",
            "-export",
            "-legacy",
            "-inkey",
            &format!("{name}.key"),
            "-in",
            &format!("{name}.pem"),
            "-out",
            p12.to_str().unwrap(),
            "-passout",
            &format!("pass:{password}"),
        ],
    );
    p12
}

/// A command's stdout as JSON (what `--json` prints).
pub fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&out.stdout)))
}
