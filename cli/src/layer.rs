//! `qoltanba layer …`: qoltanba as NCALayer for the Kazakh web portals
//! (docs/ncalayer.md). `trust` makes the browsers trust qoltanba's local CA
//! (qoltanba_layer::trust); the service itself is `serve`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use qoltanba_l10n::Text;
use qoltanba_layer::tls::{self, LocalIdentity};
use qoltanba_layer::trust::{self, NssDb, TrustError};
use serde_json::json;

use crate::error::CliError;
use crate::lang::say;
use crate::{Context, output};

#[derive(Subcommand)]
pub enum LayerCommand {
    /// Make the browsers trust qoltanba's local CA (the certificate of
    /// wss://127.0.0.1:13579): the shared NSS database (Chromium, Chrome) and
    /// every Firefox profile; prints how to add it to the system store.
    Trust(TrustArgs),
}

#[derive(Args)]
pub struct TrustArgs {
    /// Take qoltanba's CA out of the databases instead.
    #[arg(long)]
    remove: bool,
    /// Only this NSS database (a directory holding cert9.db); repeatable.
    /// Without it: ~/.pki/nssdb and every Firefox profile found.
    #[arg(long = "nss-db", value_name = "DIR")]
    nss_db: Vec<PathBuf>,
}

pub fn run(command: LayerCommand, ctx: &Context) -> Result<(), CliError> {
    match command {
        LayerCommand::Trust(args) => run_trust(args, ctx),
    }
}

/// Where the service's identity lives (qoltanba_layer::tls::default_dir).
pub fn identity_dir() -> Result<PathBuf, CliError> {
    tls::default_dir().ok_or_else(|| CliError::said(TrustError::NoHome))
}

fn databases(args: &TrustArgs) -> Result<Vec<NssDb>, CliError> {
    if !args.nss_db.is_empty() {
        return Ok(args.nss_db.iter().cloned().map(NssDb::given).collect());
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or_else(|| CliError::said(TrustError::NoHome))?;
    Ok(trust::browser_databases(&PathBuf::from(home)))
}

fn run_trust(args: TrustArgs, ctx: &Context) -> Result<(), CliError> {
    let dbs = databases(&args)?;
    if args.remove {
        return remove(&dbs, ctx);
    }
    let identity = LocalIdentity::load_or_create(&identity_dir()?).map_err(CliError::said)?;
    let nickname = identity.ca_nickname();
    let mut done = Vec::new();
    for db in &dbs {
        trust::install(&identity, db).map_err(CliError::said)?;
        done.push(json!({"database": db.path, "trusted": nickname}));
        if !ctx.json {
            println!(
                "{}",
                say(&Text::new("layer-trust-installed")
                    .arg("nickname", nickname.as_str())
                    .arg("path", db.path.display().to_string()))
            );
        }
    }
    let stores = trust::os_stores(identity.ca_path());
    if ctx.json {
        let os: Vec<_> = stores
            .iter()
            .map(|s| json!({"system": s.system, "command": s.add}))
            .collect();
        return output::json(&json!({
            "ca": identity.ca_path(),
            "nickname": nickname,
            "databases": done,
            "os_stores": os,
        }));
    }
    println!();
    let intro =
        Text::new("layer-trust-os-add").arg("path", identity.ca_path().display().to_string());
    println!("{}", say(&intro));
    for store in &stores {
        println!("  {}:\n    {}", store.system, store.add);
    }
    Ok(())
}

/// `--remove`: every qoltanba CA out of the databases; no identity is made.
fn remove(dbs: &[NssDb], ctx: &Context) -> Result<(), CliError> {
    let mut done = Vec::new();
    for db in dbs {
        let removed = trust::remove(db).map_err(CliError::said)?;
        done.push(json!({"database": db.path, "removed": removed}));
        if !ctx.json {
            println!(
                "{}",
                say(&Text::new("layer-trust-removed")
                    .arg("count", removed)
                    .arg("path", db.path.display().to_string()))
            );
        }
    }
    // The removal commands name the CA, not its file.
    let stores = trust::os_stores(std::path::Path::new(tls::CA_FILE_NAME));
    if ctx.json {
        let os: Vec<_> = stores
            .iter()
            .map(|s| json!({"system": s.system, "command": s.remove}))
            .collect();
        return output::json(&json!({"databases": done, "os_stores": os}));
    }
    println!();
    println!("{}", say(&Text::new("layer-trust-os-remove")));
    for store in &stores {
        println!("  {}:\n    {}", store.system, store.remove);
    }
    Ok(())
}
