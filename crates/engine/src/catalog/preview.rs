//! The preview: the `<mods>` element a single-record export writes for a record, made by the very
//! crosswalk code the worker runs (fetch → describe → MODS writer), with the export's default options.

use arke_export_contract::options::ExportOptions;
use arke_export_contract::pi::Pi;
use arke_export_crosswalk::describe::{self, Links};
use arke_export_crosswalk::fetch::fetch_entity;
use arke_export_crosswalk::model::PinaxState;
use arke_export_crosswalk::mods;

use super::lookup::error_of;
use super::{Catalog, CatalogError, RecordPreview};

impl Catalog {
    /// The record `pi` as MODS. A collection's preview is the collection's own record, not its descendants.
    pub(crate) async fn preview(&self, pi: &str, today: &str) -> Result<RecordPreview, CatalogError> {
        let pi = Pi::parse(pi).map_err(|e| CatalogError::BadId(pi.chars().take(40).collect(), e.to_string()))?;
        let options = ExportOptions::default();
        let data = fetch_entity(&self.source, pi.clone(), &options).await.map_err(|e| error_of(pi.as_str(), &e))?;
        let config = self.source.config();
        let links = Links::new(&config.api_url, &config.ipfs_gateway);
        let description = describe::describe(&data, None, &options, &links, today);
        let mut xml = String::new();
        mods::record::write(&description, &mut xml, true);
        let incomplete = match &data.pinax {
            PinaxState::Present(_) => None,
            PinaxState::Missing => Some("no pinax.json: the export writes a minimal record".to_owned()),
            PinaxState::Unreadable(reason) => Some(format!(
                "metadata unreadable ({}): the export writes a minimal record",
                reason.chars().take(200).collect::<String>()
            )),
        };
        Ok(RecordPreview { pi: pi.as_str().to_owned(), xml: xml.trim_start().to_owned(), incomplete })
    }
}

/// Today's date in UTC, `YYYY-MM-DD` (the date the worker writes into incomplete records).
pub(crate) fn today_utc(now_ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let date = at.date();
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_in_utc() {
        assert_eq!(super::today_utc(0), "1970-01-01");
        assert_eq!(super::today_utc(951_782_400_000), "2000-02-29");
        assert_eq!(super::today_utc(1_796_083_199_000), "2026-11-30");
    }
}
