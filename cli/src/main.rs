#![doc = include_str!("../README.md")]

mod application;
mod cabinet;
mod card;
#[cfg(feature = "demo")]
mod demo;
mod error;
mod keys;
mod lang;
mod layer;
mod message;
mod output;
mod reminders_cmd;
mod renew;
mod secret_input;
mod store;
mod token;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use time::OffsetDateTime;

use crate::error::CliError;

/// Renew a Kazakh EDS: inspect NCA key files, make new keys, build and verify
/// reissue applications.
#[derive(Parser)]
#[command(name = "qoltanba", version, propagate_version = true)]
struct Cli {
    /// Print data as JSON.
    #[arg(long, global = true)]
    json: bool,
    /// Judge validity at this instant (RFC 3339, e.g. 2024-06-01T00:00:00Z) instead of now.
    #[arg(long, global = true, value_name = "RFC3339", value_parser = parse_instant)]
    at: Option<OffsetDateTime>,
    /// The language of messages: kk (Kazakh), ru (Russian) or en (English).
    /// Without it (or QOLTANBA_LANG), LC_ALL, LC_MESSAGES or LANG decide, else English.
    #[arg(long, global = true, env = "QOLTANBA_LANG", value_name = "kk|ru|en", value_parser = parse_lang)]
    lang: Option<qoltanba_l10n::Locale>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Key files: show, change password, make new keys; or, with --token
    /// MODULE, the keys and certificates on a USB token.
    Keys(keys::KeysArgs),
    /// Reissue applications: build and sign, verify.
    #[command(subcommand)]
    Application(application::ApplicationCommand),
    /// Small signed messages: the RA's login challenge, revocation requests.
    #[command(subcommand)]
    Message(message::MessageCommand),
    /// Renew against a registration authority (resumable).
    Renew(Box<renew::RenewArgs>),
    /// The renewals and certificates this device knows.
    Status,
    /// The reminders due now.
    Reminders,
    /// The whole renewal against an embedded reference RA.
    #[cfg(feature = "demo")]
    Demo,
    /// Ask the RA to revoke one of your certificates.
    Revoke(renew::RevokeArgs),
    /// Your cabinet: keys, applications and certificates at the RA,
    /// revocation, a lost password, contact settings, documents.
    #[command(subcommand)]
    Cabinet(cabinet::CabinetCommand),
    /// The ID card: info, PIN management, signing, certificates.
    Card {
        #[command(flatten)]
        args: card::CardArgs,
        #[command(subcommand)]
        command: card::CardCommand,
    },
    /// qoltanba as NCALayer: web portals sign with your keys, with your consent.
    Layer {
        #[command(flatten)]
        home: layer::HomeArgs,
        #[command(subcommand)]
        command: layer::LayerCommand,
    },
    /// Show a certificate file (DER or PEM).
    Cert {
        /// The certificate file.
        file: PathBuf,
    },
}

/// What every command gets besides its own arguments.
pub struct Context {
    pub json: bool,
    pub at: OffsetDateTime,
    /// `--at` was given (else `at` is the start of the run).
    pub at_given: bool,
}

fn parse_instant(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 instant ({e}); write e.g. 2024-06-01T00:00:00Z"))
}

fn parse_lang(s: &str) -> Result<qoltanba_l10n::Locale, String> {
    s.parse()
        .map_err(|e: qoltanba_l10n::UnknownLocale| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    lang::choose(cli.lang);
    let ctx = Context {
        json: cli.json,
        at: cli.at.unwrap_or_else(OffsetDateTime::now_utc),
        at_given: cli.at.is_some(),
    };
    let result = match cli.command {
        Command::Renew(args) => match renew::run_renew(*args, &ctx) {
            Ok(0) => Ok(()),
            Ok(code) => {
                return match output::take_failure() {
                    Some(e) if e.is_quiet() => ExitCode::from(e.code()),
                    _ => ExitCode::from(code),
                };
            }
            Err(e) => Err(e),
        },
        Command::Status => renew::run_status(&ctx),
        Command::Reminders => reminders_cmd::run(&ctx),
        #[cfg(feature = "demo")]
        Command::Demo => demo::run(&ctx),
        Command::Revoke(args) => renew::run_revoke(args, &ctx),
        Command::Cabinet(cmd) => cabinet::run(cmd, &ctx),
        Command::Keys(args) => keys::run_args(args, &ctx),
        Command::Application(cmd) => application::run(cmd, &ctx),
        Command::Message(cmd) => message::run(cmd, &ctx),
        Command::Card { args, command } => card::run(args, command, &ctx),
        Command::Layer { home, command } => layer::run(home, command, &ctx),
        Command::Cert { file } => keys::show_certificate_file(&file, &ctx),
    };
    // A progress line that could not be written turns success into its
    // failure: the work is done, the report of it was lost.
    let result = result.and_then(|()| output::take_failure().map_or(Ok(()), Err));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_quiet() => ExitCode::from(e.code()),
        Err(e) => {
            let line = qoltanba_l10n::Text::new("cli-error").arg("message", e.to_string());
            qoltanba_l10n::stdout::print_error_line(&lang::say(&line));
            ExitCode::from(e.code())
        }
    }
}

/// Read a whole file, with the path in the error.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::io(&format!("reading {}", path.display()), e))
}
