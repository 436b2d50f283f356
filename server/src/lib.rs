//! qoltanba-ra: the reference registration authority.
//!
//! NCA's personal cabinet has no public API, so qoltanba defines its own
//! protocol (docs/protocol.md) and ships this server: a CA operator could run
//! it, and the core, the CLI, the bindings and the apps test against it.
//!
//! Layout, following a request through the server:
//! - [`home`]: the server's directory, configuration and operator passphrase;
//! - [`db`]: the SQLite database and its migrations;
//! - [`ca`]: the CA hierarchy, certificate issuance, CRLs;
//! - [`attestation`]: Android key attestation of new keys, and test chains;
//! - [`api`]: the HTTPS API (axum), one module per resource;
//! - [`notify`]: expiry notices and the senders (SMTP, SMS gateway, FCM,
//!   APNs, outbox).

pub mod api;
pub mod attestation;
pub mod ca;
pub mod config;
pub mod db;
pub mod embedded;
pub mod home;
pub mod notify;
pub mod registry;
pub mod tls;
