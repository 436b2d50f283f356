//! The schema's migrations, one list per back-end. Each entry moves the
//! schema one version up; never edit a shipped one. A new version goes into
//! BOTH lists (SQLite's and PostgreSQL's), with the same tables and columns:
//! the tests compare them, and a server refuses a database newer than it.
//! The comments on the columns are in the SQLite list.

/// The schema version this server writes and reads.
pub const VERSION: i64 = SQLITE.len() as i64;

/// SQLite's migrations: entry `i` brings the database to version `i + 1`
/// (`PRAGMA user_version`).
pub const SQLITE: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE citizens (
        iin          TEXT PRIMARY KEY,
        surname      TEXT NOT NULL,
        name         TEXT NOT NULL,
        patronymic   TEXT,
        email        TEXT,
        phone        TEXT,
        created_at   INTEGER NOT NULL
    );
    CREATE TABLE certificates (
        id             INTEGER PRIMARY KEY,
        serial         TEXT NOT NULL UNIQUE,      -- hex, upper case
        iin            TEXT NOT NULL REFERENCES citizens(iin),
        ca             TEXT NOT NULL,             -- rsa | ecdsa | gost
        purpose        TEXT NOT NULL,             -- auth | sign | both
        algorithm      TEXT NOT NULL,             -- e.g. GOST2015-512
        not_before     INTEGER NOT NULL,
        not_after      INTEGER NOT NULL,
        der            BLOB NOT NULL,
        application_id INTEGER REFERENCES applications(id),
        replaced_at    INTEGER,                   -- a reissue issued its successor
        revoked_at     INTEGER,
        revocation_reason INTEGER
    );
    CREATE INDEX certificates_iin ON certificates(iin);
    CREATE INDEX certificates_not_after ON certificates(not_after);
    CREATE TABLE applications (
        id              INTEGER PRIMARY KEY,
        iin             TEXT NOT NULL REFERENCES citizens(iin),
        state           TEXT NOT NULL,            -- awaiting_code | locked | confirmed | approved | issued | rejected
        p7s             BLOB NOT NULL,
        email           TEXT NOT NULL,
        locality        TEXT NOT NULL,
        signer_serial   TEXT NOT NULL,
        idempotency_key TEXT,
        code_hash       BLOB,
        code_expires_at INTEGER,
        code_tries_left INTEGER NOT NULL,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        UNIQUE (iin, idempotency_key)
    );
    CREATE TABLE challenges (
        nonce       TEXT PRIMARY KEY,
        expires_at  INTEGER NOT NULL,
        used        INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        token_hash  BLOB PRIMARY KEY,
        iin         TEXT NOT NULL,
        expires_at  INTEGER NOT NULL
    );
    CREATE TABLE devices (
        id          INTEGER PRIMARY KEY,
        iin         TEXT NOT NULL REFERENCES citizens(iin),
        platform    TEXT NOT NULL,                -- android | ios
        token       TEXT NOT NULL,
        locale      TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        UNIQUE (platform, token)
    );
    CREATE TABLE notices (
        certificate_id INTEGER NOT NULL REFERENCES certificates(id),
        channel        TEXT NOT NULL,             -- email | sms | push
        days_before    INTEGER NOT NULL,
        sent_at        INTEGER NOT NULL,
        PRIMARY KEY (certificate_id, channel, days_before)
    );
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY,
        channel     TEXT NOT NULL,                -- email | sms | push
        recipient   TEXT NOT NULL,
        subject     TEXT,
        body        TEXT NOT NULL,
        created_at  INTEGER NOT NULL
    );
    CREATE TABLE crl_numbers (
        ca          TEXT PRIMARY KEY,
        next        INTEGER NOT NULL
    );
    CREATE TABLE audit (
        id          INTEGER PRIMARY KEY,
        at          INTEGER NOT NULL,
        actor       TEXT NOT NULL,                -- an IIN, "operator" or "scheduler"
        action      TEXT NOT NULL,
        subject     TEXT NOT NULL,
        detail      TEXT
    );
    "#,
    // 2: the scheduler finds a citizen's devices by IIN.
    "CREATE INDEX devices_iin ON devices(iin);",
    // 3: Android key attestation. The nonces of successful logins, so an
    // attestation challenge can be matched to a recent login of the same
    // citizen; and the per-key result recorded on each application.
    r#"
    CREATE TABLE login_nonces (
        iin          TEXT NOT NULL,
        nonce        TEXT NOT NULL,               -- as handed out, base64url
        logged_in_at INTEGER NOT NULL,
        PRIMARY KEY (iin, nonce)
    );
    CREATE INDEX login_nonces_logged_in_at ON login_nonces(logged_in_at);
    -- JSON: one object per key request, in order (NULL before schema 3).
    ALTER TABLE applications ADD COLUMN attestation TEXT;
    "#,
    // 4: validity by storage, and the citizen's profile. Where each
    // certificate's keys live as the RA established it (a StorageKind
    // token; NULL for certificates issued before schema 4), what each
    // application claimed and what the RA established; the contact e-mail
    // and notice channels the citizen chose in the cabinet.
    r#"
    ALTER TABLE certificates ADD COLUMN storage TEXT;
    ALTER TABLE applications ADD COLUMN storage_claimed TEXT;
    ALTER TABLE applications ADD COLUMN storage TEXT;
    CREATE TABLE profiles (
        iin            TEXT PRIMARY KEY REFERENCES citizens(iin),
        contact_email  TEXT,
        notify_email   INTEGER NOT NULL DEFAULT 1,
        notify_sms     INTEGER NOT NULL DEFAULT 1,
        notify_push    INTEGER NOT NULL DEFAULT 1,
        updated_at     INTEGER NOT NULL
    );
    "#,
    // 5: the delivery of each application's one-time code, so that a failed
    // SMS is retried (with backoff, also after a restart) instead of lost.
    // The code itself is not kept: every attempt sends a fresh one and
    // replaces the application's code_hash in the transaction that claims
    // the attempt (notify::code_delivery).
    r#"
    CREATE TABLE code_deliveries (
        application_id  INTEGER PRIMARY KEY REFERENCES applications(id),
        phone           TEXT NOT NULL,
        state           TEXT NOT NULL,            -- pending | sent | failed
        attempts        INTEGER NOT NULL,         -- of the current code (a resend restarts at 1)
        claim           INTEGER NOT NULL,         -- bumped by every attempt; a stale outcome is ignored
        in_flight       INTEGER NOT NULL,         -- 1 while an attempt is out (a crash leaves 1)
        next_attempt_at INTEGER,                  -- while pending
        last_error      TEXT,                     -- why the last attempt failed (no code, no number)
        updated_at      INTEGER NOT NULL
    );
    CREATE INDEX code_deliveries_due ON code_deliveries(state, next_attempt_at);
    "#,
];

/// PostgreSQL's migrations: `(the schema version it brings the database
/// to, its SQL)`, in order. The first is SQLite's schema 1 to 5 in one
/// (PostgreSQL came with schema 5); every later version is one entry here
/// AND one in [`SQLITE`], the same tables and columns (the test
/// `both_back_ends_have_the_same_tables_and_columns` compares them).
/// Types: BIGINT for every integer and 0/1 flag (the layer binds i64),
/// BYTEA for blobs, an identity BIGINT for ids.
pub const POSTGRES: &[(i64, &str)] = &[(
    5,
    r#"
    CREATE TABLE citizens (
        iin          TEXT PRIMARY KEY,
        surname      TEXT NOT NULL,
        name         TEXT NOT NULL,
        patronymic   TEXT,
        email        TEXT,
        phone        TEXT,
        created_at   BIGINT NOT NULL
    );
    CREATE TABLE applications (
        id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        iin             TEXT NOT NULL REFERENCES citizens(iin),
        state           TEXT NOT NULL,
        p7s             BYTEA NOT NULL,
        email           TEXT NOT NULL,
        locality        TEXT NOT NULL,
        signer_serial   TEXT NOT NULL,
        idempotency_key TEXT,
        code_hash       BYTEA,
        code_expires_at BIGINT,
        code_tries_left BIGINT NOT NULL,
        created_at      BIGINT NOT NULL,
        updated_at      BIGINT NOT NULL,
        attestation     TEXT,
        storage_claimed TEXT,
        storage         TEXT,
        UNIQUE (iin, idempotency_key)
    );
    CREATE TABLE certificates (
        id             BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        serial         TEXT NOT NULL UNIQUE,
        iin            TEXT NOT NULL REFERENCES citizens(iin),
        ca             TEXT NOT NULL,
        purpose        TEXT NOT NULL,
        algorithm      TEXT NOT NULL,
        not_before     BIGINT NOT NULL,
        not_after      BIGINT NOT NULL,
        der            BYTEA NOT NULL,
        application_id BIGINT REFERENCES applications(id),
        replaced_at    BIGINT,
        revoked_at     BIGINT,
        revocation_reason BIGINT,
        storage        TEXT
    );
    CREATE INDEX certificates_iin ON certificates(iin);
    CREATE INDEX certificates_not_after ON certificates(not_after);
    CREATE TABLE challenges (
        nonce       TEXT PRIMARY KEY,
        expires_at  BIGINT NOT NULL,
        used        BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        token_hash  BYTEA PRIMARY KEY,
        iin         TEXT NOT NULL,
        expires_at  BIGINT NOT NULL
    );
    CREATE TABLE devices (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        iin         TEXT NOT NULL REFERENCES citizens(iin),
        platform    TEXT NOT NULL,
        token       TEXT NOT NULL,
        locale      TEXT NOT NULL,
        created_at  BIGINT NOT NULL,
        UNIQUE (platform, token)
    );
    CREATE INDEX devices_iin ON devices(iin);
    CREATE TABLE notices (
        certificate_id BIGINT NOT NULL REFERENCES certificates(id),
        channel        TEXT NOT NULL,
        days_before    BIGINT NOT NULL,
        sent_at        BIGINT NOT NULL,
        PRIMARY KEY (certificate_id, channel, days_before)
    );
    CREATE TABLE outbox (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        channel     TEXT NOT NULL,
        recipient   TEXT NOT NULL,
        subject     TEXT,
        body        TEXT NOT NULL,
        created_at  BIGINT NOT NULL
    );
    CREATE TABLE crl_numbers (
        ca          TEXT PRIMARY KEY,
        next        BIGINT NOT NULL
    );
    CREATE TABLE audit (
        id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at          BIGINT NOT NULL,
        actor       TEXT NOT NULL,
        action      TEXT NOT NULL,
        subject     TEXT NOT NULL,
        detail      TEXT
    );
    CREATE TABLE login_nonces (
        iin          TEXT NOT NULL,
        nonce        TEXT NOT NULL,
        logged_in_at BIGINT NOT NULL,
        PRIMARY KEY (iin, nonce)
    );
    CREATE INDEX login_nonces_logged_in_at ON login_nonces(logged_in_at);
    CREATE TABLE profiles (
        iin            TEXT PRIMARY KEY REFERENCES citizens(iin),
        contact_email  TEXT,
        notify_email   BIGINT NOT NULL DEFAULT 1,
        notify_sms     BIGINT NOT NULL DEFAULT 1,
        notify_push    BIGINT NOT NULL DEFAULT 1,
        updated_at     BIGINT NOT NULL
    );
    CREATE TABLE code_deliveries (
        application_id  BIGINT PRIMARY KEY REFERENCES applications(id),
        phone           TEXT NOT NULL,
        state           TEXT NOT NULL,
        attempts        BIGINT NOT NULL,
        claim           BIGINT NOT NULL,
        in_flight       BIGINT NOT NULL,
        next_attempt_at BIGINT,
        last_error      TEXT,
        updated_at      BIGINT NOT NULL
    );
    CREATE INDEX code_deliveries_due ON code_deliveries(state, next_attempt_at);
    "#,
)];
