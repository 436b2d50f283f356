//! NSS's `certutil` (Debian's libnss3-tools) as the judge of what a browser
//! profile trusts: the NCALayer service's `qoltanba layer trust` tests. A
//! missing binary fails the test, as a missing openssl does.

use std::path::Path;
use std::process::{Command, Output};

/// `certutil args… -d sql:DB`, whatever its exit status.
pub fn certutil(db: &Path, args: &[&str]) -> Output {
    Command::new("certutil")
        .args(args)
        .arg("-d")
        .arg(format!("sql:{}", db.display()))
        .output()
        .unwrap_or_else(|e| {
            panic!("certutil is needed for the trust tests ({e}); install it, e.g. apt-get install libnss3-tools")
        })
}

/// A new, empty NSS database in `db` (as a browser makes one).
pub fn create(db: &Path) {
    std::fs::create_dir_all(db).expect("the database directory is made");
    let out = certutil(db, &["-N", "--empty-password"]);
    assert!(out.status.success(), "certutil -N: {out:?}");
}

/// `certutil -L`: the listing of `db`.
pub fn listing(db: &Path) -> String {
    let out = certutil(db, &["-L"]);
    assert!(out.status.success(), "certutil -L: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `certutil -V -u V`: is the certificate `der` valid for a TLS server under
/// what `db` trusts? It is imported without trust of its own for the check
/// and deleted after; `scratch` holds its file meanwhile.
pub fn server_cert_verifies(db: &Path, der: &[u8], scratch: &Path) -> bool {
    let file = scratch.join("server-under-test.der");
    std::fs::write(&file, der).expect("the certificate file is written");
    let nickname = "qoltanba test server certificate";
    let path = file.to_str().expect("a UTF-8 temporary path");
    let add = certutil(db, &["-A", "-n", nickname, "-t", ",,", "-i", path]);
    assert!(add.status.success(), "certutil -A: {add:?}");
    let verify = certutil(db, &["-V", "-u", "V", "-n", nickname]);
    let delete = certutil(db, &["-D", "-n", nickname]);
    assert!(delete.status.success(), "certutil -D: {delete:?}");
    verify.status.success()
}
