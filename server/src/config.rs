//! The server's configuration: `config.toml` in its home, written by `init`
//! with every default spelled out so an operator sees what can be changed.

use std::net::SocketAddr;

use qoltanba_pki::reissue::StorageKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where `serve` listens unless `--listen` says otherwise.
    pub listen: SocketAddr,
    /// The base URL clients reach the server at; it goes into certificates
    /// (CRL distribution point, OCSP and CA-issuer addresses).
    pub public_url: String,
    /// HTTPS with the server's own TLS certificate. `false` serves plain
    /// HTTP, which `serve` allows only on a loopback address.
    #[serde(default = "yes")]
    pub tls: bool,
    /// This node's name among several API nodes on one database
    /// (docs/operations.md, section 3): what holds an in-flight one-time
    /// code's delivery, so that a restarted node resends what it was cut off
    /// sending and leaves the other nodes' deliveries alone. Unset: the
    /// host's name and the listening address, stable across restarts; set
    /// it when that pair is not unique (nodes in containers with one name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub notices: Notices,
    #[serde(default)]
    pub senders: Senders,
    #[serde(default)]
    pub code_delivery: CodeDelivery,
    #[serde(default)]
    pub attestation: Attestation,
    #[serde(default)]
    pub log: Log,
    #[serde(default)]
    pub metrics: Metrics,
    #[serde(default)]
    pub proxy: Proxy,
    #[serde(default)]
    pub shutdown: Shutdown,
    /// PostgreSQL instead of the home's SQLite `ra.db` (db/mod.rs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseConfig>,
}

/// `[database]`: the RA's PostgreSQL database. Absent: SQLite in the home.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `postgres://USER@HOST:PORT/NAME`, never with a password.
    pub url: String,
    /// The file holding the role's password (relative: in the home); never
    /// the password itself.
    #[serde(default)]
    pub password_file: Option<std::path::PathBuf>,
    /// Connections this process keeps at most.
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
    /// TLS to the server. Absent: `verify-full` unless the URL's host is a
    /// loopback address, `localhost` or a Unix socket (then `off`), so a
    /// remote database is never reached in clear by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<DatabaseTls>,
    /// PEM file of the CA(s) that issued the server's certificate
    /// (relative: in the home). Absent: the system's roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<std::path::PathBuf>,
}

/// `[database] tls`. There is deliberately no libpq-like `require`
/// (encrypt without checking who answers): it stops nobody who can
/// redirect the connection, and would read as safe in a config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatabaseTls {
    /// Plain TCP: only for a server on this host or a trusted private link.
    Off,
    /// TLS; the server's certificate must chain to `ca_file` (or the
    /// system's roots) and carry the URL's host name (libpq's
    /// `sslmode=verify-full`).
    VerifyFull,
}

impl DatabaseConfig {
    pub const DEFAULT_POOL_SIZE: usize = 16;
}

fn default_pool_size() -> usize {
    DatabaseConfig::DEFAULT_POOL_SIZE
}

fn yes() -> bool {
    true
}

/// What the RA accepts and how it decides.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Approve confirmed applications at once; otherwise an operator runs
    /// `qoltanba-ra applications approve N`.
    pub auto_approve: bool,
    /// Key algorithms new certificates may have: gost2015, rsa, p256.
    pub algorithms: Vec<String>,
    pub min_rsa_bits: u32,
    /// Validity of issued certificates by where their keys live (the seed:
    /// protected media 3 years, files 1 year). The table
    /// `[policy.validity_days]`; a plain number (configurations written
    /// before the rule) still loads and means that validity for every
    /// storage, as it always did.
    pub validity_days: ValidityDays,
    /// Take an application's claim that its new keys are on a hardware
    /// token at its word. The RA cannot prove it (a token gives no
    /// attestation it could check), so by default such a claim gets the
    /// validity of a key file.
    pub trust_token_claims: bool,
    /// Tries at the one-time code before the application is locked.
    pub code_tries: u32,
    pub code_ttl_seconds: u64,
    pub challenge_ttl_seconds: u64,
    pub session_ttl_seconds: u64,
    /// A certificate is "expiring" this many days before its end.
    pub expiring_days: u32,
    /// What a deferred answer asks the client to wait (Retry-After).
    pub retry_after_seconds: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            auto_approve: true,
            algorithms: vec!["gost2015".into(), "rsa".into(), "p256".into()],
            min_rsa_bits: 2048,
            validity_days: ValidityDays::default(),
            trust_token_claims: false,
            code_tries: 3,
            code_ttl_seconds: 600,
            challenge_ttl_seconds: 120,
            session_ttl_seconds: 900,
            expiring_days: 30,
            retry_after_seconds: 5,
        }
    }
}

/// Days of validity per storage of the new keys (`[policy.validity_days]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ValidityDays {
    /// NCA key files; also every claim the RA cannot confirm.
    pub file: u32,
    /// The phone's keystore.
    pub platform_keystore: u32,
    /// The ID card.
    pub id_card: u32,
    /// Hardware tokens (Kaztoken, eToken, JaCarta, aKey).
    pub token: u32,
}

impl Default for ValidityDays {
    fn default() -> Self {
        Self {
            file: 365,
            platform_keystore: 365,
            id_card: 1095,
            token: 1095,
        }
    }
}

impl ValidityDays {
    /// The same validity for every storage.
    pub fn uniform(days: u32) -> Self {
        Self {
            file: days,
            platform_keystore: days,
            id_card: days,
            token: days,
        }
    }

    /// The validity for keys established to live in `storage`.
    pub fn for_storage(&self, storage: StorageKind) -> u32 {
        match storage {
            StorageKind::File => self.file,
            StorageKind::PlatformKeystore => self.platform_keystore,
            StorageKind::IdCard => self.id_card,
            StorageKind::Token => self.token,
        }
    }
}

/// `validity_days` as written: a table, or the single number of
/// configurations written before validity depended on the storage (read
/// through `toml::Value`, so a typo in the table gets the table's own error
/// naming the field, not an untagged enum's "did not match any variant").
impl<'de> Deserialize<'de> for ValidityDays {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match toml::Value::deserialize(deserializer)? {
            toml::Value::Integer(days) => u32::try_from(days).map(Self::uniform).map_err(|_| {
                D::Error::custom("validity_days must be a number of days (0 to 4294967295)")
            }),
            table @ toml::Value::Table(_) => {
                let b: ByStorage = table.try_into().map_err(D::Error::custom)?;
                Ok(Self {
                    file: b.file,
                    platform_keystore: b.platform_keystore,
                    id_card: b.id_card,
                    token: b.token,
                })
            }
            _ => Err(D::Error::custom(
                "validity_days must be a table (file, platform_keystore, id_card, token) or one number of days",
            )),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ByStorage {
    #[serde(default = "ByStorage::file")]
    file: u32,
    #[serde(default = "ByStorage::platform_keystore")]
    platform_keystore: u32,
    #[serde(default = "ByStorage::id_card")]
    id_card: u32,
    #[serde(default = "ByStorage::token")]
    token: u32,
}

impl ByStorage {
    fn file() -> u32 {
        ValidityDays::default().file
    }
    fn platform_keystore() -> u32 {
        ValidityDays::default().platform_keystore
    }
    fn id_card() -> u32 {
        ValidityDays::default().id_card
    }
    fn token() -> u32 {
        ValidityDays::default().token
    }
}

/// Whether a new key must come with its platform's attestation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttestationPolicy {
    /// A key without an attestation is accepted and recorded as "none"; an
    /// attestation that is present must verify.
    Optional,
    /// Every new key must carry an attestation that verifies (so GOST keys,
    /// which no phone keystore holds, and key files are refused).
    Required,
}

/// Android key attestation of new keys (docs/protocol.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Attestation {
    /// `optional` or `required`.
    pub policy: AttestationPolicy,
    /// Accept a key whose attestation says it lives in software rather
    /// than the TEE or StrongBox (recorded as "software"). Off: such an
    /// attestation contradicts what the app claims, and is what emulators
    /// and tampered devices produce.
    pub accept_software: bool,
    /// How old a login may be whose challenge nonce a key's attestation
    /// challenge equals (a renewal may be resumed in a later session).
    pub challenge_window_seconds: u64,
    /// The roots attestation chains must end in, pinned by public key: each
    /// entry `spki:<base64 DER SubjectPublicKeyInfo>`, or the path of a
    /// certificate file (PEM, one or more certificates, or DER), relative to
    /// the server's directory. The defaults are Google's two roots.
    pub roots: Vec<String>,
}

/// Google's RSA-4096 hardware attestation root (serialNumber f92009e853b6b045).
pub const GOOGLE_RSA_ROOT: &str = "spki:MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAr7bHgiuxpwHsK7Qui8xUFmOr75gvMsd/dTEDDJdSSxtf6An7xyqpRR90PL2abxM1dEqlXnf2tqw1Ne4Xwl5jlRfdnJLmN0pTy/4lj4/7tv0Sk3iiKkypnEUtR6WfMgH0QZfKHM1+di+y9TFRtv6y//0rb+T+W8a9nsNL/ggjnar86461qO0rOs2cXjp3kOG1FEJ5MVmFmBGtnrKpa73XpXyTqRxB/M0n1n/W9nGqC4FSYa04T6N5RIZGBN2z2MT5IKGbFlbC8UrW0DxW7AYImQQcHtGl/m00QLVWutHQoVJYnFPlXTcHYvASLu+RhhsbDmxMgJJ0mcDpvsC4PjvB+TxywElgS70vE0XmLD+OJtvsBslHZvPBKCOdT0MS+tgSOIfga+z1Z1g7+DVagf7quvmag8jfPioyKvxnK/EgsTUVi2ghzq8wm27ud/mIM7AY2qEORR8Go3TVB4HzWQgpZrt3i5MIlCaY504LzSRiigHCzAPlHws+W0rB5N+er5/2pJKnfBSDiCiFAVtCLOZ7gLiMm0jhO2B6tUXHI/+MRPjy02i59lINMRRev56GKtcd9qO/0kUJWdZTdA2XoS82ixPvZtXQpUpuL12ab+9EaDK8Z4RHJYYfCT3Q5vNAXaiWQ+8PTWm2QgBR/bkwSWc+NpUFgNPN9PvQi8WEg5UmAGMCAwEAAQ==";

/// Google's P-384 root of 2025, "Key Attestation CA1".
pub const GOOGLE_EC_ROOT: &str = "spki:MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEI9ojcU7fPlsFCjxy6IRqzgeOoK0b+YsV9FPQywiyw8EQRTkJ9u3qwfnI4DGoSLlBqClTXJfgfCcZvs60FikNMHnu4fkRzObfgDkU2KNXezT9/RQ+XvNslxPHrHCowhGr";

impl Default for Attestation {
    fn default() -> Self {
        Self {
            policy: AttestationPolicy::Optional,
            accept_software: false,
            challenge_window_seconds: 24 * 3600,
            roots: vec![GOOGLE_RSA_ROOT.into(), GOOGLE_EC_ROOT.into()],
        }
    }
}

/// Abuse limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Login attempts per client address per minute. Every citizen behind
    /// one carrier's NAT or proxy shares an address, so size it for the
    /// busiest such address, not for one phone (docs/operations.md,
    /// section 6); one citizen is held back by `logins_per_iin_per_minute`.
    pub logins_per_minute: u32,
    /// Logins per citizen (IIN) per minute, counted once the login is
    /// signed by that citizen's key over a fresh challenge, failed or not.
    pub logins_per_iin_per_minute: u32,
    /// Code entries per IIN per minute.
    pub codes_per_minute: u32,
    /// Applications per IIN per hour.
    pub submissions_per_hour: u32,
    /// Requests for the one-time code to be sent again, per IIN per hour.
    pub code_resends_per_hour: u32,
    /// Login challenges per client address per minute (a login needs one):
    /// sized, as `logins_per_minute`, for everyone behind one address.
    pub challenges_per_minute: u32,
    /// Open connections per client address; more are closed at once. Many
    /// citizens may share one address behind a carrier's NAT, so this is
    /// far above what one client needs (one or two).
    pub connections_per_address: u32,
    /// Open connections in all; more are closed at once. `serve` lowers it
    /// to stay 64 below the process's open-file limit.
    pub max_connections: u32,
    /// How long a client may take to finish the TLS handshake.
    pub tls_handshake_timeout_seconds: u64,
    /// How long a client may take to send a request's line and headers;
    /// also how long a kept-alive connection may wait for its next request.
    pub header_read_timeout_seconds: u64,
    /// How long a client may take to send a request's body, from the end of
    /// its headers.
    pub body_read_timeout_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            logins_per_minute: 600,
            logins_per_iin_per_minute: 10,
            codes_per_minute: 10,
            submissions_per_hour: 20,
            code_resends_per_hour: 3,
            challenges_per_minute: 600,
            connections_per_address: 128,
            max_connections: 10_000,
            tls_handshake_timeout_seconds: 10,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
        }
    }
}

impl Limits {
    /// What `from_toml` refuses: a limit of 0, which would refuse every
    /// client or time out every request.
    fn check(&self) -> Result<(), String> {
        let d = Self::default();
        let counts = [
            (
                "challenges_per_minute",
                self.challenges_per_minute,
                d.challenges_per_minute,
            ),
            (
                "logins_per_iin_per_minute",
                self.logins_per_iin_per_minute,
                d.logins_per_iin_per_minute,
            ),
            (
                "connections_per_address",
                self.connections_per_address,
                d.connections_per_address,
            ),
            ("max_connections", self.max_connections, d.max_connections),
        ]
        .map(|(name, value, default)| (name, u64::from(value), u64::from(default)));
        let seconds = [
            (
                "tls_handshake_timeout_seconds",
                self.tls_handshake_timeout_seconds,
                d.tls_handshake_timeout_seconds,
            ),
            (
                "header_read_timeout_seconds",
                self.header_read_timeout_seconds,
                d.header_read_timeout_seconds,
            ),
            (
                "body_read_timeout_seconds",
                self.body_read_timeout_seconds,
                d.body_read_timeout_seconds,
            ),
        ];
        match counts
            .into_iter()
            .chain(seconds)
            .find(|(_, value, _)| *value == 0)
        {
            Some((name, _, default)) => Err(format!(
                "limits.{name} is 0, which refuses every client; give a positive number (the default is {default})"
            )),
            None => Ok(()),
        }
    }
}

/// When expiry notices go out, in days before a certificate's end.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Notices {
    pub email_days: Vec<u32>,
    pub sms_days: Vec<u32>,
    pub push_days: Vec<u32>,
    /// How often the scheduler looks for due notices, in seconds.
    pub interval_seconds: u64,
    /// The link every e-mail and SMS notice carries to open the renewal of
    /// its certificate; `{serial}` becomes the serial (upper-case hex) and
    /// `{public_url}` the server's `public_url`. The default is the RA's
    /// own page (`GET /renew/{serial}`): an https link the apps open as an
    /// App Link / universal link, and which otherwise shows a page with a
    /// button to the apps' scheme. The apps parse both forms
    /// (`qoltanba_core::reminders::DeepLink`). An operator with a web
    /// cabinet may set its address instead, e.g.
    /// `https://cabinet.example.kz/renew?serial={serial}`.
    pub renew_link: String,
    /// The server's `public_url`, for `{public_url}` (set when the
    /// configuration is loaded, never written).
    #[serde(skip)]
    pub public_url: String,
}

/// The RA's renewal page (`GET /renew/{serial}`).
pub const DEFAULT_RENEW_LINK: &str = "{public_url}/renew/{serial}";

/// The apps' own scheme (docs/protocol.md, "Push payload"): the page's
/// button, and the link when no public URL is known.
pub const APP_RENEW_LINK: &str = "qoltanba://renew?serial={serial}";

impl Notices {
    /// The renewal link for one certificate.
    pub fn renew_link_for(&self, serial: &str) -> String {
        let public_url = self.public_url.trim().trim_end_matches('/');
        let template = if public_url.is_empty() && self.renew_link.contains("{public_url}") {
            APP_RENEW_LINK
        } else {
            &self.renew_link
        };
        template
            .replace("{public_url}", public_url)
            .replace("{serial}", serial)
    }

    /// What `from_toml` refuses: a link that does not name the certificate.
    fn check(&self) -> Result<(), String> {
        if !self.renew_link.contains("{serial}") {
            return Err(format!(
                "notices.renew_link {:?} has no {{serial}}; write e.g. {DEFAULT_RENEW_LINK:?}",
                self.renew_link
            ));
        }
        if self.renew_link.chars().any(char::is_whitespace) {
            return Err("notices.renew_link has a space or line break; a link has none".into());
        }
        Ok(())
    }
}

impl Default for Notices {
    fn default() -> Self {
        Self {
            email_days: vec![30, 14, 7],
            sms_days: vec![10],
            push_days: vec![30, 14, 10, 7, 3, 1],
            interval_seconds: 3600,
            renew_link: DEFAULT_RENEW_LINK.to_owned(),
            public_url: String::new(),
        }
    }
}

/// How the RA retries the SMS with a one-time code (`[code_delivery]`):
/// after a failed send it waits `first_retry_seconds`, then twice as long
/// each time up to `max_retry_seconds`, until `attempts` sends were tried;
/// then the delivery is `failed` and only a resend starts it again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodeDelivery {
    /// Sends tried per code, the first included (at least 1).
    pub attempts: u32,
    pub first_retry_seconds: u64,
    pub max_retry_seconds: u64,
}

impl Default for CodeDelivery {
    fn default() -> Self {
        Self {
            attempts: 5,
            first_retry_seconds: 5,
            max_retry_seconds: 300,
        }
    }
}

impl CodeDelivery {
    /// The wait after failed attempt number `attempt` (1-based).
    pub fn backoff_seconds(&self, attempt: u32) -> u64 {
        let doubled = self
            .first_retry_seconds
            .max(1)
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(32));
        doubled.min(self.max_retry_seconds.max(1))
    }
}

/// Where messages go. Every channel defaults to the outbox (a table in the
/// database, shown by `qoltanba-ra outbox`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Senders {
    pub email: Option<SmtpConfig>,
    pub sms: Option<SmsGatewayConfig>,
    pub fcm: Option<FcmConfig>,
    pub apns: Option<ApnsConfig>,
    /// A PEM file of CA certificates the HTTP senders (SMS gateway, FCM and
    /// its token endpoint, APNs) trust besides the system's roots: a
    /// private relay's CA, or the tests' own.
    pub ca_file: Option<String>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP, then STARTTLS, which must succeed (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte, "SMTPS" (port 465).
    Tls,
    /// No TLS at all: only for a relay on the same host; refuses a login.
    None,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
    /// `starttls` (the default), `tls` or `none`.
    #[serde(default)]
    pub security: SmtpSecurity,
    /// The login at the relay (SMTP AUTH PLAIN or LOGIN), with the password
    /// in `password_file`; both or neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// A file holding the password on its first line (readable by the
    /// server's user only), like the other senders' key files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<String>,
    /// A PEM file of CA certificates trusted for the relay besides the
    /// system's roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsGatewayConfig {
    /// POSTed JSON `{ "to": "+7…", "text": "…" }`.
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FcmConfig {
    /// https://fcm.googleapis.com
    pub base_url: String,
    pub project_id: String,
    /// The service account's key file (JSON, from the Firebase console):
    /// the server mints its OAuth access tokens with it.
    pub service_account_file: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApnsConfig {
    /// https://api.push.apple.com (https://api.sandbox.push.apple.com for
    /// development builds of the app)
    pub base_url: String,
    pub team_id: String,
    pub key_id: String,
    pub topic: String,
    /// The ES256 provider key (PKCS#8 PEM) that signs the JWT.
    pub key_file: String,
}

/// How the server logs (`[log]`; docs/operations.md, "Logs").
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    /// `text` (one human line per event) or `json` (one JSON object per
    /// line, for a log collector).
    pub format: LogFormat,
    /// The tracing filter, e.g. `info` or `info,qoltanba_ra=debug`; the
    /// environment's `QOLTANBA_RA_LOG`, else `RUST_LOG`, overrides it.
    pub level: String,
}

impl Default for Log {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Prometheus metrics (`[metrics]`): off unless `listen` is set; served as
/// plain HTTP at `/metrics` on that address, which should be an internal
/// one (docs/operations.md, "Metrics").
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Metrics {
    /// e.g. `127.0.0.1:9464`.
    pub listen: Option<SocketAddr>,
}

/// The reverse proxies in front of the RA (`[proxy]`): only a connection
/// from one of these may name the client in `X-Forwarded-For`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Proxy {
    /// CIDR blocks, e.g. `["10.0.0.0/8", "::1/128"]`; empty: the TCP peer
    /// is always the client.
    pub trusted: Vec<crate::client_addr::Cidr>,
}

/// How `serve` stops on SIGTERM or SIGINT (`[shutdown]`): it keeps
/// accepting for `drain_seconds` while `/readyz` answers 503, so a load
/// balancer that polls it stops sending new clients, then stops accepting
/// and lets open requests finish (at most 30 s, `serve::SHUTDOWN_GRACE`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Shutdown {
    /// 0 (the default) stops accepting at once, right for a single node
    /// or a balancer that notices a closed port; behind one that polls
    /// `/readyz`, its polling interval times its failure threshold.
    pub drain_seconds: u64,
}

impl Config {
    pub fn new(listen: SocketAddr, tls: bool) -> Self {
        let scheme = if tls { "https" } else { "http" };
        let public_url = format!("{scheme}://{listen}");
        Self {
            listen,
            notices: Notices {
                public_url: public_url.clone(),
                ..Notices::default()
            },
            public_url,
            tls,
            node: None,
            policy: Policy::default(),
            limits: Limits::default(),
            senders: Senders::default(),
            code_delivery: CodeDelivery::default(),
            attestation: Attestation::default(),
            log: Log::default(),
            metrics: Metrics::default(),
            proxy: Proxy::default(),
            shutdown: Shutdown::default(),
            database: None,
        }
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let mut config: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        config.notices.public_url = config.public_url.clone();
        config.notices.check()?;
        config.limits.check()?;
        Ok(config)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("the configuration always serialises")
    }

    /// This node's name ([`Config::node`]): the configured one, else the
    /// host's name and the address it listens on.
    pub fn node_name(&self) -> String {
        if let Some(node) = self.node.as_deref().filter(|n| !n.trim().is_empty()) {
            return node.trim().to_string();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        format!("{host}/{}", self.listen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_sections_load_and_a_bad_cidr_is_named() {
        let base = "listen = \"127.0.0.1:8443\"\npublic_url = \"https://x\"\n";
        let config = Config::from_toml(base).unwrap();
        assert_eq!(config.log.format, LogFormat::Text);
        assert!(config.metrics.listen.is_none());
        assert!(config.proxy.trusted.is_empty());
        assert_eq!(config.shutdown.drain_seconds, 0);
        let config = Config::from_toml(&format!(
            "{base}[log]\nformat = \"json\"\n[metrics]\nlisten = \"127.0.0.1:9464\"\n[proxy]\ntrusted = [\"10.0.0.0/8\", \"::1\"]\n[shutdown]\ndrain_seconds = 5\n"
        ))
        .unwrap();
        assert_eq!(config.log.format, LogFormat::Json);
        assert_eq!(
            config.metrics.listen,
            Some("127.0.0.1:9464".parse().unwrap())
        );
        assert_eq!(config.proxy.trusted.len(), 2);
        assert_eq!(config.shutdown.drain_seconds, 5);
        let back = Config::from_toml(&config.to_toml()).unwrap();
        assert_eq!(back.proxy.trusted, config.proxy.trusted);
        let err = Config::from_toml(&format!("{base}[proxy]\ntrusted = [\"10.0.0.0/33\"]\n"))
            .unwrap_err();
        assert!(err.contains("\"10.0.0.0/33\" is not a CIDR block"), "{err}");
    }

    #[test]
    fn round_trips_and_rejects_unknown_keys() {
        let config = Config::new("127.0.0.1:8443".parse().unwrap(), true);
        let text = config.to_toml();
        let back = Config::from_toml(&text).unwrap();
        assert_eq!(back.public_url, "https://127.0.0.1:8443");
        assert_eq!(back.notices.push_days, vec![30, 14, 10, 7, 3, 1]);
        let err = Config::from_toml(&format!("{text}\nlisten_typo = 1\n")).unwrap_err();
        assert!(err.contains("listen_typo"), "{err}");
    }

    #[test]
    fn validity_by_storage_is_spelled_out_and_the_old_single_number_still_loads() {
        let config = Config::new("127.0.0.1:8443".parse().unwrap(), true);
        let text = config.to_toml();
        for line in [
            "[policy.validity_days]",
            "file = 365",
            "platform_keystore = 365",
            "id_card = 1095",
            "token = 1095",
            "trust_token_claims = false",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        let back = Config::from_toml(&text).unwrap();
        assert_eq!(back.policy.validity_days, ValidityDays::default());
        assert_eq!(
            back.policy.validity_days.for_storage(StorageKind::IdCard),
            1095
        );
        // A configuration written before: one number for every storage.
        let old = "listen = \"127.0.0.1:8443\"\npublic_url = \"https://x\"\n[policy]\nvalidity_days = 400\n";
        let old = Config::from_toml(old).unwrap();
        assert_eq!(old.policy.validity_days, ValidityDays::uniform(400));
        assert!(!old.policy.trust_token_claims);
        // A partial table keeps the other defaults; a typo is refused.
        let partial = "listen = \"127.0.0.1:8443\"\npublic_url = \"https://x\"\n[policy.validity_days]\nid_card = 730\n";
        let partial = Config::from_toml(partial).unwrap();
        assert_eq!(partial.policy.validity_days.id_card, 730);
        assert_eq!(partial.policy.validity_days.file, 365);
        let typo = "listen = \"127.0.0.1:8443\"\npublic_url = \"https://x\"\n[policy.validity_days]\nidcard = 730\n";
        let err = Config::from_toml(typo).unwrap_err();
        assert!(err.contains("idcard"), "{err}");
    }

    #[test]
    fn the_renew_link_defaults_to_the_renewal_page_and_must_name_the_serial() {
        let config = Config::new("127.0.0.1:8443".parse().unwrap(), true);
        let text = config.to_toml();
        assert!(
            text.contains("renew_link = \"{public_url}/renew/{serial}\""),
            "{text}"
        );
        assert_eq!(
            config.notices.renew_link_for("4A1B"),
            "https://127.0.0.1:8443/renew/4A1B"
        );
        let moved = Config::from_toml(&text.replace(
            "public_url = \"https://127.0.0.1:8443\"",
            "public_url = \"https://ra.example.kz/\"",
        ))
        .unwrap();
        assert_eq!(
            moved.notices.renew_link_for("4A1B"),
            "https://ra.example.kz/renew/4A1B"
        );
        // Without a known public URL (a bare Notices): the apps' scheme.
        assert_eq!(
            Notices::default().renew_link_for("4A1B"),
            "qoltanba://renew?serial=4A1B"
        );
        let cabinet = text.replace(
            "{public_url}/renew/{serial}",
            "https://cabinet.example.kz/renew?serial={serial}",
        );
        let back = Config::from_toml(&cabinet).unwrap();
        assert_eq!(
            back.notices.renew_link_for("4A1B"),
            "https://cabinet.example.kz/renew?serial=4A1B"
        );
        for bad in [
            "https://cabinet.example.kz/renew",
            "qoltanba://renew?serial={serial} x",
        ] {
            let err =
                Config::from_toml(&text.replace("{public_url}/renew/{serial}", bad)).unwrap_err();
            assert!(err.contains("notices.renew_link"), "{err}");
        }
    }

    #[test]
    fn limits_of_zero_are_refused_and_older_files_still_load() {
        let config = Config::new("127.0.0.1:8443".parse().unwrap(), true);
        let text = config.to_toml();
        for line in [
            "challenges_per_minute = 600",
            "logins_per_iin_per_minute = 10",
            "connections_per_address = 128",
            "max_connections = 10000",
            "tls_handshake_timeout_seconds = 10",
            "header_read_timeout_seconds = 10",
            "body_read_timeout_seconds = 30",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
            let (name, _) = line.split_once(" = ").unwrap();
            let err = Config::from_toml(&text.replace(line, &format!("{name} = 0"))).unwrap_err();
            assert!(
                err.contains(&format!("limits.{name} is 0")) && err.contains("the default is"),
                "{err}"
            );
        }
        // A [limits] written before these limits existed gets their defaults.
        let old = "listen = \"127.0.0.1:8443\"\npublic_url = \"https://x\"\n[limits]\nlogins_per_minute = 5\n";
        let old = Config::from_toml(old).unwrap();
        assert_eq!(old.limits.logins_per_minute, 5);
        assert_eq!(old.limits.header_read_timeout_seconds, 10);
        assert_eq!(old.limits.challenges_per_minute, 600);
        assert_eq!(old.limits.logins_per_iin_per_minute, 10);
    }

    #[test]
    fn attestation_defaults_are_spelled_out_and_older_files_still_load() {
        let config = Config::new("127.0.0.1:8443".parse().unwrap(), true);
        let text = config.to_toml();
        for line in [
            "[attestation]",
            "policy = \"optional\"",
            "accept_software = false",
            "challenge_window_seconds = 86400",
            GOOGLE_EC_ROOT,
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
        // A configuration written before attestation existed.
        let before = text.split("[attestation]").next().unwrap();
        let old = Config::from_toml(before).unwrap();
        assert_eq!(old.attestation.policy, AttestationPolicy::Optional);
        assert_eq!(old.attestation.roots.len(), 2);
        let required = text.replace("policy = \"optional\"", "policy = \"required\"");
        assert_eq!(
            Config::from_toml(&required).unwrap().attestation.policy,
            AttestationPolicy::Required
        );
        assert!(Config::from_toml(&text.replace("\"optional\"", "\"sometimes\"")).is_err());
    }
}
