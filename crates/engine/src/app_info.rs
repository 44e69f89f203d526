//! Facts about this installation that the UI shows.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

/// What the app reports about itself: its version and where it keeps its data.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
    pub data_dir: String,
}

impl AppInfo {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            name: "Arke Export".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: data_dir.display().to_string(),
        }
    }
}

/// The platform's data folder for the app (`$XDG_DATA_HOME/arke-export` on Linux).
/// `DATA_DIR` in the settings overrides it (see [`crate::config::Config::data_dir`]).
pub fn default_data_dir(platform_data_dir: Option<PathBuf>) -> PathBuf {
    platform_data_dir.unwrap_or_else(std::env::temp_dir).join("arke-export")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_crate_version_and_the_given_dir() {
        let info = AppInfo::new(Path::new("/data/arke"));
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.data_dir, "/data/arke");
        assert_eq!(info.name, "Arke Export");
    }
}
