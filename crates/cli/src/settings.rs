//! `token set|status|clear` and `config show|set`.

use std::io::{BufRead, IsTerminal};

use arke_export_engine::EngineError;
use arke_export_engine::config::{Config, KEYS, SettingsFile};
use arke_export_engine::secrets::{Secret, SecretKind, SecretSource, Secrets};
use clap::{Subcommand, ValueEnum};

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Which {
    /// The Fly API token.
    Fly,
    /// The R2 secret access key.
    R2,
}

impl From<Which> for SecretKind {
    fn from(w: Which) -> SecretKind {
        match w {
            Which::Fly => SecretKind::FlyToken,
            Which::R2 => SecretKind::R2Secret,
        }
    }
}

#[derive(Subcommand)]
pub(crate) enum TokenAction {
    /// Store a secret in the OS keyring. The value is read from standard input, never from arguments.
    Set { which: Which },
    /// Say which secrets are set, and where (never their values).
    Status,
    /// Remove a secret from the OS keyring.
    Clear { which: Which },
}

#[derive(Subcommand)]
pub(crate) enum ConfigAction {
    /// Every setting, its value and where it comes from.
    Show,
    /// Change a setting in the settings file (an empty value removes it).
    Set { key: String, value: String },
}

fn read_secret(kind: SecretKind) -> Result<Secret, EngineError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let value = rpassword::prompt_password(format!("{}: ", kind.label()))
            .map_err(|e| EngineError::Input { what: format!("the {}", kind.label()), reason: e.to_string() })?;
        return Ok(Secret::new(value.trim()));
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| EngineError::Input { what: "standard input".into(), reason: e.to_string() })?;
    Ok(Secret::new(line.trim()))
}

pub(crate) fn token(action: TokenAction) -> Result<i32, EngineError> {
    let secrets = Secrets::default();
    match action {
        TokenAction::Set { which } => {
            let kind = which.into();
            secrets.set(kind, &read_secret(kind)?)?;
            println!("{} stored in the OS keyring", kind.label());
        }
        TokenAction::Status => {
            for kind in SecretKind::ALL {
                let text = match secrets.source(kind)? {
                    SecretSource::Environment => format!("set (from {})", kind.env_var()),
                    SecretSource::Keyring => "set (OS keyring)".to_owned(),
                    SecretSource::NotSet => "not set".to_owned(),
                };
                println!("{:<22} {text}", kind.label());
            }
        }
        TokenAction::Clear { which } => {
            let kind: SecretKind = which.into();
            secrets.clear(kind)?;
            println!("{} removed from the OS keyring", kind.label());
        }
    }
    Ok(0)
}

pub(crate) fn config(action: ConfigAction) -> Result<i32, EngineError> {
    let path = SettingsFile::default_path();
    let mut file = SettingsFile::load(&path)?;
    match action {
        ConfigAction::Show => {
            let resolved = Config::resolve(&file, |k| std::env::var(k).ok())?;
            println!("settings file: {}", path.display());
            println!("mode: {:?}", resolved.mode);
            for ((key, value, source), (_, _, help)) in
                Config::describe(&file, |k| std::env::var(k).ok()).iter().zip(KEYS)
            {
                println!("  {key:<22} {value:<40} [{source}] {help}");
            }
        }
        ConfigAction::Set { key, value } => {
            file.set(&key, &value)?;
            file.save()?;
            println!("saved to {}", path.display());
        }
    }
    Ok(0)
}
