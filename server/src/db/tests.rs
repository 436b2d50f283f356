//! The layer on both back-ends: the same checks on SQLite and on a real
//! PostgreSQL server (testkit's throwaway cluster on loopback).

use super::*;
use crate::config::DatabaseTls;
use qoltanba_testkit::pki::CaKey;
use qoltanba_testkit::postgres::Postgres;

/// What every call site relies on, on either back-end.
fn exercise(db: &Db) {
    let mut conn = db.conn();
    conn.execute(
        "INSERT INTO citizens (iin, surname, name, patronymic, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params!["900101300017", "Ab", "Cd", None::<String>, 7i64],
    )
    .unwrap();
    // RETURNING id, as both back-ends have it (no last_insert_rowid).
    let id: i64 = conn
        .query_row(
            "INSERT INTO applications (iin, state, p7s, email, locality, signer_serial,
                 code_tries_left, created_at, updated_at)
             VALUES (?1, 'issued', ?2, 'a@b.kz', 'Astana', '01', ?3, 0, 0) RETURNING id",
            params!["900101300017", vec![0u8, 1, 2], 3u32],
            |r| r.get(0),
        )
        .unwrap();
    let (p7s, tries, key): (Vec<u8>, u32, Option<String>) = conn
        .query_row(
            "SELECT p7s, code_tries_left, idempotency_key FROM applications WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((p7s, tries, key), (vec![0, 1, 2], 3, None));
    assert!(
        conn.query_row("SELECT id FROM applications WHERE id = ?1", [id + 1], |r| r
            .get::<_, i64>(0))
            .optional()
            .unwrap()
            .is_none()
    );
    // A conflict is no error with ON CONFLICT DO NOTHING.
    for _ in 0..2 {
        conn.execute(
            "INSERT INTO challenges (nonce, expires_at, used) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params!["n", 5i64, true],
        )
        .unwrap();
    }
    let used: bool = conn
        .query_row(
            "SELECT used FROM challenges WHERE nonce = 'n'",
            params![],
            |r| r.get(0),
        )
        .unwrap();
    assert!(used);
    let err = conn
        .execute(
            "INSERT INTO challenges (nonce, expires_at) VALUES ('n', 1)",
            params![],
        )
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    // A transaction dropped without commit leaves nothing; a committed one stays.
    {
        let tx = conn.transaction().unwrap();
        tx.execute("UPDATE challenges SET expires_at = 9", params![])
            .unwrap();
        audit(&tx, 1, "operator", "test", "1", None).unwrap();
    }
    {
        let tx = conn.transaction().unwrap();
        let sql = format!(
            "SELECT expires_at FROM challenges WHERE nonce = ?1{}",
            tx.for_update()
        );
        let at: i64 = tx.query_row(&sql, ["n"], |r| r.get(0)).unwrap();
        assert_eq!(at, 5, "the dropped transaction rolled back");
        tx.execute("UPDATE challenges SET expires_at = 6", params![])
            .unwrap();
        tx.commit().unwrap();
    }
    let nonces: Vec<(String, i64)> = conn
        .prepare("SELECT nonce, expires_at FROM challenges ORDER BY nonce")
        .unwrap()
        .query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(nonces, vec![("n".to_string(), 6)]);
    let audits: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit", params![], |r| r.get(0))
        .unwrap();
    assert_eq!(audits, 0);
    let citizen = citizen(&conn, "900101300017").unwrap().unwrap();
    assert_eq!((citizen.surname.as_str(), citizen.patronymic), ("Ab", None));
    // A wrong type is a conversion error naming the column, not a panic.
    let err = conn
        .query_row("SELECT surname FROM citizens", params![], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert!(err.to_string().contains("column 0"), "{err}");
    let mut rows = conn
        .prepare("SELECT iin FROM citizens")
        .unwrap()
        .query(params![])
        .unwrap();
    assert_eq!(
        rows.next().unwrap().unwrap().get::<_, String>(0).unwrap(),
        "900101300017"
    );
    assert!(rows.next().unwrap().is_none());
}

#[test]
fn sqlite_does_what_the_call_sites_rely_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("ra.db")).unwrap();
    assert_eq!(db.dialect(), Dialect::Sqlite);
    exercise(&db);
}

/// A fresh database on a TLS-only PostgreSQL cluster and the `[database]`
/// of a home using it (verify-full with the cluster's test CA).
fn postgres(name: &str) -> Option<(Postgres, DatabaseConfig)> {
    let pg = Postgres::start_tls_or_skip()?;
    let url = pg.database(name).unwrap();
    let config = DatabaseConfig {
        url,
        password_file: Some(pg.password_file()),
        pool_size: 4,
        tls: Some(DatabaseTls::VerifyFull),
        ca_file: pg.ca_file(),
    };
    Some((pg, config))
}

/// The refusal of opening `config`: one line, without the password.
fn refusal(dir: &std::path::Path, pg: &Postgres, config: &DatabaseConfig) -> String {
    let message = Db::open_home(dir, Some(config))
        .err()
        .expect("refused")
        .to_string();
    assert!(!message.contains(pg.password()), "{message}");
    assert!(!message.contains('\n'), "{message}");
    message
}

#[test]
fn postgres_over_tls_is_encrypted_and_checks_the_server() {
    let Some((pg, config)) = postgres("tls") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The test CA: connects, and the session really is encrypted.
    let db = Db::open_home(dir.path(), Some(&config)).unwrap();
    let ssl: bool = db
        .conn()
        .query_row(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            params![],
            |r| r.get(0),
        )
        .unwrap();
    assert!(ssl, "the connection is not encrypted");
    drop(db);

    // A certificate another CA signed.
    let other = dir.path().join("other-ca");
    std::fs::create_dir(&other).unwrap();
    qoltanba_testkit::pki::make_ca(&other, CaKey::P256, "/CN=another CA", 2);
    let message = refusal(
        dir.path(),
        &pg,
        &DatabaseConfig {
            ca_file: Some(other.join("ca.pem")),
            ..config.clone()
        },
    );
    assert!(
        message.contains("not issued by a CA this RA trusts") && message.contains("ca_file"),
        "{message}"
    );

    // The certificate is for 127.0.0.1 only: "localhost" is another name.
    let message = refusal(
        dir.path(),
        &pg,
        &DatabaseConfig {
            url: config.url.replace("127.0.0.1", "localhost"),
            ..config.clone()
        },
    );
    assert!(
        message.contains("not for the host in [database] url"),
        "{message}"
    );

    // Without TLS, the TLS-only cluster refuses, and the RA says why.
    let message = refusal(
        dir.path(),
        &pg,
        &DatabaseConfig {
            tls: Some(DatabaseTls::Off),
            ..config.clone()
        },
    );
    assert!(
        message.contains("requires TLS") && message.contains("verify-full"),
        "{message}"
    );

    // A ca_file that is not there, or holds no certificate.
    let message = refusal(
        dir.path(),
        &pg,
        &DatabaseConfig {
            ca_file: Some("missing-ca.pem".into()),
            ..config.clone()
        },
    );
    assert!(
        message.contains("ca_file") && message.contains("cannot be read"),
        "{message}"
    );
}

#[test]
fn postgres_verify_full_refuses_a_server_without_tls() {
    let Some(pg) = Postgres::start_or_skip() else {
        return;
    };
    let url = pg.database("plain").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca");
    std::fs::create_dir(&ca).unwrap();
    qoltanba_testkit::pki::make_ca(&ca, CaKey::P256, "/CN=some CA", 2);
    let config = DatabaseConfig {
        url,
        password_file: Some(pg.password_file()),
        pool_size: 1,
        tls: Some(DatabaseTls::VerifyFull),
        ca_file: Some(ca.join("ca.pem")),
    };
    let message = refusal(dir.path(), &pg, &config);
    assert!(
        message.contains("does not offer TLS") && message.contains("ssl"),
        "{message}"
    );
}

#[test]
fn postgres_does_what_the_call_sites_rely_on() {
    let Some((_pg, config)) = postgres("exercise") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_home(dir.path(), Some(&config)).unwrap();
    assert_eq!(db.dialect(), Dialect::Postgres);
    exercise(&db);
    // Inside an async task too (the sync calls must not panic there).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let n = runtime.block_on(async {
        let direct: i64 = db
            .conn()
            .query_row("SELECT COUNT(*) FROM citizens", params![], |r| r.get(0))
            .unwrap();
        let via_run: i64 = db
            .run(|conn| conn.query_row("SELECT COUNT(*) FROM citizens", params![], |r| r.get(0)))
            .await
            .unwrap();
        direct + via_run
    });
    assert_eq!(n, 2);
    // In a task on a multi-threaded runtime (the server's): the wait is
    // block_in_place, and a task spawned next to it still runs meanwhile.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let counted = server.block_on({
        let db = db.clone();
        async move {
            // On the worker (a task), not on block_on's own thread.
            let on_worker = tokio::spawn(async move {
                let other = tokio::spawn(async { 1i64 });
                let n: i64 = db
                    .conn()
                    .query_row("SELECT COUNT(*) FROM citizens", params![], |r| r.get(0))
                    .unwrap();
                n + other.await.unwrap()
            });
            on_worker.await.unwrap()
        }
    });
    assert_eq!(counted, 2);
    drop(server);
    // Dropped inside a task: no panic from the layer's runtime.
    runtime.block_on(async move { drop(db) });
}

#[test]
fn both_back_ends_have_the_same_tables_and_columns() {
    let Some((pg, config)) = postgres("schema") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    Db::open_home(dir.path(), Some(&config)).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("sqlite.db")).unwrap();
    drop(Db::open(&dir.path().join("sqlite.db")).unwrap());
    let sqlite: Vec<String> = sqlite::columns(&conn)
        .into_iter()
        .map(|(table, column, ty)| {
            let ty = match ty.as_str() {
                "INTEGER" => "bigint",
                "TEXT" => "text",
                "BLOB" => "bytea",
                other => panic!("SQLite column {table}.{column} of type {other}"),
            };
            format!("{table}.{column} {ty}")
        })
        .collect();
    let postgres: Vec<String> = pg
        .psql(
            "schema",
            "SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> 'schema_version'
             ORDER BY table_name, ordinal_position",
        )
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(sqlite.len() > 60, "{sqlite:?}");
    assert_eq!(sqlite, postgres);
    assert_eq!(
        migrations::POSTGRES.last().map(|m| m.0),
        Some(migrations::VERSION)
    );
}

#[test]
fn postgres_migrates_once_at_a_time_and_refuses_a_newer_schema() {
    let Some((pg, config)) = postgres("versions") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Two nodes starting on a new database at once: one migrates, the
    // other waits on the advisory lock and finds the schema done.
    let opened: Vec<_> = std::thread::scope(|s| {
        let a = s.spawn(|| Db::open_home(dir.path(), Some(&config)).map(|_| ()));
        let b = s.spawn(|| Db::open_home(dir.path(), Some(&config)).map(|_| ()));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert!(opened.iter().all(Result::is_ok), "{opened:?}");
    assert_eq!(
        pg.psql("versions", "SELECT version FROM schema_version")
            .unwrap()
            .trim(),
        migrations::VERSION.to_string()
    );
    pg.psql("versions", "UPDATE schema_version SET version = 99")
        .unwrap();
    assert!(matches!(
        Db::open_home(dir.path(), Some(&config)),
        Err(DbError::TooNew { found: 99, .. })
    ));
}

#[test]
fn postgres_settings_errors_say_what_to_fix_without_the_password() {
    let Some((pg, config)) = postgres("errors") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("wrong-password");
    std::fs::write(&wrong, "NotThePassword42\n").unwrap();
    let cases = [
        DatabaseConfig {
            password_file: Some(wrong.clone()),
            ..config.clone()
        },
        DatabaseConfig {
            url: config
                .url
                .replace("qoltanba@", &format!("qoltanba:{}@", pg.password())),
            ..config.clone()
        },
        DatabaseConfig {
            password_file: Some(dir.path().join("missing")),
            ..config.clone()
        },
        DatabaseConfig {
            url: "mysql://nobody".into(),
            ..config.clone()
        },
        DatabaseConfig {
            url: format!("{}?sslmode=require", config.url),
            ..config.clone()
        },
    ];
    let mut messages = Vec::new();
    for case in &cases {
        let message = Db::open_home(dir.path(), Some(case))
            .err()
            .expect("refused")
            .to_string();
        assert!(!message.contains(pg.password()), "{message}");
        assert!(!message.contains("NotThePassword42"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        messages.push(message);
    }
    assert!(
        messages[0].contains("password authentication failed")
            && messages[0].contains("password_file"),
        "{}",
        messages[0]
    );
    assert!(messages[1].contains("holds a password"), "{}", messages[1]);
    assert!(messages[2].contains("cannot be read"), "{}", messages[2]);
    assert!(messages[3].contains("postgres://"), "{}", messages[3]);
    assert!(messages[4].contains("sslmode"), "{}", messages[4]);
}

#[test]
fn migrates_once_and_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ra.db");
    Db::open(&path).unwrap();
    // Opening again is a no-op.
    let db = Db::open(&path).unwrap();
    let version: i64 = db
        .conn()
        .query_row("PRAGMA user_version", params![], |r| r.get(0))
        .unwrap();
    assert_eq!(version, migrations::VERSION);
    db.conn().execute_batch("PRAGMA user_version = 99").unwrap();
    drop(db);
    assert!(matches!(
        Db::open(&path),
        Err(DbError::TooNew { found: 99, .. })
    ));
}

#[test]
fn a_schema_2_database_gains_login_nonces_and_the_attestation_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ra.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in &migrations::SQLITE[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(
            "INSERT INTO citizens (iin, surname, name, created_at) VALUES ('900101300017', 'A', 'B', 0);
             INSERT INTO applications (iin, state, p7s, email, locality, signer_serial,
                 code_tries_left, created_at, updated_at)
             VALUES ('900101300017', 'issued', x'00', 'a@b.kz', 'Astana', '01', 3, 0, 0);",
        )
        .unwrap();
    }
    let db = Db::open(&path).unwrap();
    let conn = db.conn();
    let attestation: Option<String> = conn
        .query_row("SELECT attestation FROM applications", params![], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(attestation, None);
    conn.execute(
        "INSERT INTO login_nonces (iin, nonce, logged_in_at) VALUES ('900101300017', 'n', 1)",
        params![],
    )
    .unwrap();
}

#[test]
fn a_schema_3_database_gains_storage_columns_and_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ra.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in &migrations::SQLITE[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute_batch(
            "INSERT INTO citizens (iin, surname, name, created_at) VALUES ('900101300017', 'A', 'B', 0);
             INSERT INTO certificates (serial, iin, ca, purpose, algorithm, not_before, not_after, der)
             VALUES ('01', '900101300017', 'rsa', 'sign', 'RSA-2048', 0, 1, x'00');",
        )
        .unwrap();
    }
    let db = Db::open(&path).unwrap();
    let conn = db.conn();
    let storage: Option<String> = conn
        .query_row("SELECT storage FROM certificates", params![], |r| r.get(0))
        .unwrap();
    assert_eq!(storage, None, "older certificates have no recorded storage");
    conn.execute(
        "INSERT INTO profiles (iin, contact_email, updated_at) VALUES ('900101300017', 'a@b.kz', 1)",
        params![],
    )
    .unwrap();
    let channels: (bool, bool, bool) = conn
        .query_row(
            "SELECT notify_email, notify_sms, notify_push FROM profiles",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(channels, (true, true, true));
}
