//! `preview`: the MODS record an export writes for one record, printed to standard output.

use arke_export_engine::config::Config;
use arke_export_engine::secrets::Secrets;
use arke_export_engine::{EngineError, startup};

use crate::output;

pub(crate) async fn preview(config: Config, id: &str) -> Result<i32, EngineError> {
    // Only a read of the archive: no spawner, poller or clean-up of its own.
    let engine = startup::open(config, &Secrets::default()).await?;
    let preview = engine.preview_record(id).await;
    engine.shutdown().await;
    let preview = preview?;
    if let Some(note) = &preview.incomplete {
        eprintln!("{}: incomplete: {}", preview.pi, output::escape(note));
    }
    // The XML is escaped by the crosswalk's own writer (no control characters survive it).
    println!("{}", preview.xml);
    Ok(0)
}
