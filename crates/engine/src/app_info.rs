//! Facts about this installation that the UI shows.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ts_rs::TS;

use crate::config::Config;

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

/// Where this installation keeps its data: the `DATA_DIR` setting (or `ARKE_EXPORT_DATA_DIR`), else
/// the platform's data folder (`$XDG_DATA_HOME/arke-export` on Linux). The app, the CLI and the
/// engine's store all ask here.
pub fn data_dir(config: &Config) -> PathBuf {
    config.data_dir.clone().unwrap_or_else(|| dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("arke-export"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SettingsFile;

    #[test]
    fn reports_the_crate_version_and_the_given_dir() {
        let info = AppInfo::new(Path::new("/data/arke"));
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.data_dir, "/data/arke");
        assert_eq!(info.name, "Arke Export");
    }

    #[test]
    fn the_data_dir_setting_comes_before_the_platform_folder() {
        let mut config = Config::resolve(&SettingsFile::default(), |_| None).unwrap();
        assert_eq!(config.data_dir, None);
        assert!(data_dir(&config).ends_with("arke-export"), "{}", data_dir(&config).display());
        config.data_dir = Some(PathBuf::from("/elsewhere"));
        assert_eq!(data_dir(&config), Path::new("/elsewhere"));
    }
}
