//! `EXPORT_OPTIONS`: the JSON options of one export.

use serde::{Deserialize, Serialize};

/// How much of the cheimarros knowledge graph goes into a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "lowercase")]
pub enum CheimarrosMode {
    #[default]
    Full,
    Minimal,
    Skip,
}

/// Export options. Unknown keys are ignored (the original worker's `validate`
/// among them); a known key with the wrong type is an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase", default)]
pub struct ExportOptions {
    pub recursive: bool,
    pub max_depth: u32,
    pub parallel_batch_size: u32,
    pub include_ocr: bool,
    pub cheimarros_mode: CheimarrosMode,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            recursive: false,
            max_depth: 5,
            parallel_batch_size: 10,
            include_ocr: true,
            cheimarros_mode: CheimarrosMode::Full,
        }
    }
}

/// The most requests one machine may have in flight, whatever the options ask.
pub const MAX_PARALLEL: u32 = 256;

#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    #[error("EXPORT_OPTIONS is not valid: {0}")]
    Json(#[from] serde_json::Error),
    #[error("EXPORT_OPTIONS parallelBatchSize must be between 1 and {MAX_PARALLEL}, not {0}")]
    Parallel(u32),
}

impl ExportOptions {
    /// Parses `EXPORT_OPTIONS`; an empty or missing value means the defaults.
    pub fn parse(json: Option<&str>) -> Result<Self, OptionsError> {
        let json = json.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("{}");
        let options: ExportOptions = serde_json::from_str(json)?;
        options.validate()?;
        Ok(options)
    }

    /// Checks the values serde cannot (ranges).
    pub fn validate(&self) -> Result<(), OptionsError> {
        if self.parallel_batch_size == 0 || self.parallel_batch_size > MAX_PARALLEL {
            return Err(OptionsError::Parallel(self.parallel_batch_size));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_original_worker() {
        let o = ExportOptions::parse(None).unwrap();
        assert_eq!(o, ExportOptions::default());
        assert!(!o.recursive);
        assert_eq!((o.max_depth, o.parallel_batch_size), (5, 10));
        assert!(o.include_ocr);
        assert_eq!(o.cheimarros_mode, CheimarrosMode::Full);
    }

    #[test]
    fn reads_every_key_and_ignores_unknown_ones() {
        let o = ExportOptions::parse(Some(
            r#"{"recursive":true,"maxDepth":2,"parallelBatchSize":4,"includeOcr":false,"cheimarrosMode":"skip","validate":true}"#,
        ))
        .unwrap();
        assert!(o.recursive && !o.include_ocr);
        assert_eq!((o.max_depth, o.parallel_batch_size, o.cheimarros_mode), (2, 4, CheimarrosMode::Skip));
    }

    #[test]
    fn wrong_types_are_clear_errors() {
        let e = ExportOptions::parse(Some(r#"{"recursive":"yes"}"#)).unwrap_err().to_string();
        assert!(e.contains("EXPORT_OPTIONS") && e.contains("invalid type"), "{e}");
        let e = ExportOptions::parse(Some(r#"{"cheimarrosMode":"everything"}"#)).unwrap_err().to_string();
        assert!(e.contains("unknown variant"), "{e}");
        assert!(ExportOptions::parse(Some("not json")).is_err());
        assert!(ExportOptions::parse(Some(r#"{"parallelBatchSize":0}"#)).is_err());
        assert!(ExportOptions::parse(Some(r#"{"maxDepth":-1}"#)).is_err());
    }
}
