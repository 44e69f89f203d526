//! `token set|status|clear` and `config show|set`.

use std::io::{BufRead, IsTerminal};

use arke_export_engine::EngineError;
use arke_export_engine::config::{Config, KEYS, SettingsFile};
use arke_export_engine::secrets::{Secret, SecretKind, SecretSource, Secrets};
use arke_export_engine::worker_secret::{self, WORKER_SECRET};
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
    /// Store a secret in the OS keyring, for the endpoint set now (FLY_API_URL, the R2 endpoint). The
    /// value is read from standard input, never from arguments.
    Set {
        which: Which,
        /// r2 only: store the machines' R2 secret as the Fly app secret R2_SECRET_ACCESS_KEY instead
        /// (Fly gives it to every machine; no machine config carries it).
        #[arg(long)]
        on_fly: bool,
    },
    /// Say which secrets are set, and where: OS keyring, environment, Fly app (never their values).
    Status,
    /// Remove a secret from the OS keyring (with --on-fly: the Fly app secret R2_SECRET_ACCESS_KEY).
    Clear {
        which: Which,
        #[arg(long)]
        on_fly: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum ConfigAction {
    /// Every setting, its value and where it comes from.
    Show,
    /// Change a setting in the settings file (an empty value removes it).
    Set { key: String, value: String },
}

fn read_secret(label: &str) -> Result<Secret, EngineError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let value = rpassword::prompt_password(format!("{label}: "))
            .map_err(|e| EngineError::Input { what: format!("the {label}"), reason: e.to_string() })?;
        return Ok(Secret::new(value.trim()));
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| EngineError::Input { what: "standard input".into(), reason: e.to_string() })?;
    Ok(Secret::new(line.trim()))
}

/// `--on-fly` names the machines' R2 secret, which only `r2` has.
fn on_fly_usage(which: Which, on_fly: bool) -> Option<i32> {
    (on_fly && matches!(which, Which::Fly)).then(|| {
        eprintln!("arke-export: --on-fly goes with `r2` only (the machines' R2 secret, kept on the Fly app)");
        2
    })
}

pub(crate) async fn token(action: TokenAction) -> Result<i32, EngineError> {
    let secrets = Secrets::default();
    let config = Config::load()?;
    match action {
        TokenAction::Set { which, on_fly } => {
            if let Some(code) = on_fly_usage(which, on_fly) {
                return Ok(code);
            }
            let kind: SecretKind = which.into();
            if on_fly {
                worker_secret::store_on_fly(&config, &secrets, &read_secret("machines' R2 secret access key")?).await?;
                println!("the machines' R2 secret is stored on the Fly app as {WORKER_SECRET}");
                return Ok(0);
            }
            let endpoint = kind.endpoint(&config);
            secrets.set(kind, endpoint, &read_secret(kind.label())?)?;
            println!("{} stored in the OS keyring for {}", kind.label(), endpoint.unwrap_or_default());
        }
        TokenAction::Status => {
            for kind in SecretKind::ALL {
                let endpoint = kind.endpoint(&config);
                let text = match secrets.source(kind, endpoint)? {
                    SecretSource::Environment => format!("set (from {})", kind.env_var()),
                    SecretSource::Keyring => format!("set (OS keyring, for {})", endpoint.unwrap_or_default()),
                    SecretSource::NotSet => format!("not set for {}", endpoint.unwrap_or("the endpoint (none set)")),
                };
                println!("{:<28} {text}", kind.label());
            }
            let worker = worker_secret::status(&config, &secrets).await;
            println!("{:<28} {}", "machines' R2 secret", worker.message);
            if let Some(warning) = worker.warning() {
                eprintln!("warning: {warning}");
            }
        }
        TokenAction::Clear { which, on_fly } => {
            if let Some(code) = on_fly_usage(which, on_fly) {
                return Ok(code);
            }
            if on_fly {
                worker_secret::clear_on_fly(&config, &secrets).await?;
                println!("the Fly app secret {WORKER_SECRET} is deleted");
                return Ok(0);
            }
            let kind: SecretKind = which.into();
            secrets.clear(kind, kind.endpoint(&config))?;
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
