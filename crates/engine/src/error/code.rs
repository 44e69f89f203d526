//! Every error code the engine or a shell can produce, once. The UI switches on these; the CLI
//! prints them; a job's `reason_code` is one of them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where an error is shown: hints name what that surface offers (Settings, or a CLI command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    App,
    Cli,
}

/// Declares [`ErrorCode`] from one list: each variant with its wire name.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// A stable error code (`snake_case` on the wire).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[ts(export)]
        pub enum ErrorCode {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The wire form (`fly_unauthorized`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }
        }
    };
}

error_codes! {
    ConfigInvalid => "config_invalid",
    SettingsIncomplete => "settings_incomplete",
    KeyringUnavailable => "keyring_unavailable",
    KeyringError => "keyring_error",
    StoreError => "store_error",
    JobChanged => "job_changed",
    SandboxFailed => "sandbox_failed",
    EngineStarting => "engine_starting",
    NoSuchJob => "no_such_job",
    AmbiguousJob => "ambiguous_job",
    WrongState => "wrong_state",
    NoRecords => "no_records",
    InvalidOptions => "invalid_options",
    InvalidFile => "invalid_file",
    InputFailed => "input_failed",
    FileNotGranted => "file_not_granted",
    NotDownloaded => "not_downloaded",
    NoSuchFormat => "no_such_format",
    OpenFailed => "open_failed",
    FlyUnauthorized => "fly_unauthorized",
    FlyAppNotFound => "fly_app_not_found",
    FlyMachineNotFound => "fly_machine_not_found",
    FlyRateLimited => "fly_rate_limited",
    FlyError => "fly_error",
    FlyUnreachable => "fly_unreachable",
    FlyBadResponse => "fly_bad_response",
    R2Unreachable => "r2_unreachable",
    R2Denied => "r2_denied",
    R2NoBucket => "r2_no_bucket",
    R2Error => "r2_error",
    R2BadObject => "r2_bad_object",
    DiskFull => "disk_full",
    WriteFailed => "write_failed",
    DownloadFailed => "download_failed",
    DownloadInProgress => "download_in_progress",
    ChecksumMismatch => "checksum_mismatch",
    SizeMismatch => "size_mismatch",
    FileExists => "file_exists",
    InvalidRecordId => "invalid_record_id",
    /// The archive answered 404 for the record.
    RecordNotFound => "record_not_found",
    /// The Arke API could not be reached or read (titles, Browse, preview; never an export).
    ArchiveUnavailable => "archive_unavailable",
    /// One title lookup asked about more records than it may.
    TooManyRecords => "too_many_records",
    WorkerError => "worker_error",
    ResultInvalid => "result_invalid",
    MachineExit => "machine_exit",
    MachineVanished => "machine_vanished",
    SpawnTimeout => "spawn_timeout",
    RunTimeout => "run_timeout",
    Canceled => "canceled",
    Expired => "expired",
    /// The app's update check could not reach or read the update server.
    UpdateCheckFailed => "update_check_failed",
    /// An update whose signature (or content) does not match the release key: never installed.
    UpdateRejected => "update_rejected",
    /// An update may not install while an export or a download is in flight.
    UpdateBusy => "update_busy",
    /// The verified update could not be installed.
    UpdateInstallFailed => "update_install_failed",
}

impl ErrorCode {
    /// What to do about it, on `surface`, when the code alone says enough (errors with more
    /// context give their own hint first).
    pub fn hint(self, surface: Surface) -> Option<&'static str> {
        use ErrorCode as C;
        use Surface::{App, Cli};
        Some(match (self, surface) {
            (C::SettingsIncomplete, App) => {
                "Open Settings and fill in the Fly and R2 fields, or switch to sandbox mode."
            }
            (C::SettingsIncomplete, Cli) => {
                "Set them with `arke-export config set KEY VALUE` and `arke-export token set fly|r2`, \
                 or add --sandbox."
            }
            (C::ConfigInvalid, App) => "Correct the value in Settings.",
            (C::ConfigInvalid, Cli) => "See `arke-export config show`, and correct it with `arke-export config set`.",
            (C::FlyUnauthorized, App) => "Paste a new Fly API token in Settings.",
            (C::FlyUnauthorized, Cli) => "Store a new token with `arke-export token set fly`.",
            (C::FlyAppNotFound, App) => "Check the Fly app name in Settings.",
            (C::FlyAppNotFound, Cli) => "Check the app name with `arke-export config show` (key FLY_APP).",
            (C::R2Denied, App) => "Check the R2 access key ID and secret in Settings.",
            (C::R2Denied, Cli) => {
                "Check R2_ACCESS_KEY_ID with `arke-export config show` and store the secret with \
                 `arke-export token set r2`."
            }
            (C::R2NoBucket, App) => "Check the bucket name in Settings.",
            (C::R2NoBucket, Cli) => "Check the bucket name with `arke-export config show` (key R2_BUCKET).",
            (C::FlyUnreachable | C::R2Unreachable | C::DownloadFailed, _) => {
                "Check the network connection; nothing was lost, try again."
            }
            (C::FlyRateLimited, _) => "Fly is busy; the job waits and starts by itself.",
            (C::DiskFull, _) => "Free some space, or choose another folder, and download again.",
            (C::ChecksumMismatch | C::SizeMismatch, _) => "Download again; the bucket's copy is kept.",
            (C::FileNotGranted, App) => "Drop the list on the window, or open it with Choose file….",
            (C::FileNotGranted, Cli) => "Name the list with --ids FILE.",
            (C::FileExists, App) => "Choose another name or folder; nothing was replaced.",
            (C::FileExists, Cli) => "Choose another --out, or add --overwrite to replace that file.",
            (C::NoSuchJob | C::AmbiguousJob, Cli) => "List the jobs with `arke-export jobs`.",
            (C::EngineStarting, _) => "Try again in a moment.",
            (C::DownloadInProgress, App) => "Wait for that download to finish; it shows its progress in the list.",
            (C::DownloadInProgress, Cli) => {
                "Wait for the download already running (in the app or another command) to finish; \
                 see `arke-export jobs`."
            }
            (C::ResultInvalid, App) => {
                "Click Retry to run it again; if it happens again, the worker image may not match this app."
            }
            (C::ResultInvalid, Cli) => {
                "Run it again with `arke-export retry JOB`; if it happens again, the worker image may not match \
                 this version."
            }
            (C::JobChanged, App) => "It was changed elsewhere (another window or the command line); look again.",
            (C::JobChanged, Cli) => "It was changed elsewhere (the app or another command); see `arke-export jobs`.",
            (C::NotDownloaded, App) => "Click Download… first.",
            (C::NotDownloaded, Cli) => "Download it first with `arke-export download JOB`.",
            (C::NoSuchFormat, Cli) => "See the job's files with `arke-export status JOB`.",
            (C::SpawnTimeout | C::RunTimeout | C::MachineExit | C::MachineVanished | C::Expired | C::Canceled, App) => {
                "Click Retry to run it again."
            }
            (C::SpawnTimeout | C::RunTimeout | C::MachineExit | C::MachineVanished | C::Expired | C::Canceled, Cli) => {
                "Run it again with `arke-export retry JOB`."
            }
            (C::ArchiveUnavailable, _) => {
                "Check the network connection and the Arke API address; exports do not need this and still run."
            }
            (C::RecordNotFound, App) => "Check the ID; the archive does not have it.",
            (C::RecordNotFound, Cli) => "Check the ID; `arke-export export --include-missing` sends it anyway.",
            (C::SandboxFailed, _) => "Check that the data folder is writable, then restart Arke Export.",
            (C::UpdateCheckFailed, _) => {
                "Check the network connection and try again later; this version keeps working."
            }
            (C::UpdateRejected, _) => {
                "Nothing was installed. Try again later, or install the release from the project's releases page."
            }
            (C::UpdateBusy, App) => "Let the exports and downloads finish, or cancel them, then install the update.",
            (C::UpdateBusy, Cli) => {
                "Let the exports and downloads finish (see `arke-export jobs`), then install the update from the app."
            }
            (C::UpdateInstallFailed, _) => {
                "Nothing was changed; try again, or install the release from the project's releases page."
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_name_is_the_serde_name_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::Value::String(code.as_str().to_owned()));
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
        }
    }

    #[test]
    fn cli_hints_never_send_a_terminal_user_to_settings() {
        for code in ErrorCode::ALL {
            if let Some(hint) = code.hint(Surface::Cli) {
                assert!(!hint.contains("Settings") && !hint.contains("Click"), "{code:?}: {hint}");
            }
        }
    }
}
