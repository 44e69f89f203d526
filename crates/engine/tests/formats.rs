//! Several formats in one export: the job keeps every file, each downloads verified by its own SHA-256
//! under the engine's name for it, and each is valid against its standard.

mod common;

use std::path::Path;
use std::time::Duration;

use arke_export_contract::env::ExportFormat;
use arke_export_contract::options::ExportOptions;
use arke_export_engine::error::ErrorCode;
use arke_export_engine::job::JobState;
use common::{ids, settled, wait_for};

fn validate(format: ExportFormat, path: &Path) {
    let checked = match format {
        ExportFormat::Mods => arke_export_xml_check::validate_mods(path),
        ExportFormat::Dc => arke_export_xml_check::validate_dc(path),
        ExportFormat::Marcxml => arke_export_xml_check::validate_marc(path),
    };
    checked.unwrap_or_else(|e| panic!("{} is not valid {format}: {e}", path.display()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mods_dc_and_marcxml_are_each_downloaded_verified_and_valid() {
    let dir = tempfile::tempdir().unwrap();
    let engine = common::sandbox_engine(dir.path(), 20, &[]).await;
    let index = engine.services().sandbox.as_ref().unwrap().index.clone().unwrap();
    let all = [ExportFormat::Mods, ExportFormat::Dc, ExportFormat::Marcxml];
    let (batch, jobs) =
        engine.submit_formats(&index.items[..2].join("\n"), ExportOptions::default(), &all, Some(1)).unwrap();
    assert_eq!(batch.formats, all);
    let jobs = wait_for(&engine, &ids(&jobs), Duration::from_mins(2), settled).await;
    for job in &jobs {
        assert_eq!(job.state, JobState::Ready, "{job:?}");
        assert_eq!(job.formats, all);
        let formats: Vec<ExportFormat> = job.outputs.iter().map(|o| o.format).collect();
        assert_eq!(formats, all, "one file per format, in the order asked");
        assert!(job.outputs.iter().all(|o| o.sha256.is_some() && o.size > 0), "{:?}", job.outputs);
        assert_eq!(job.output.as_ref(), job.outputs.first(), "the main file is the first format's");
    }

    // "Download all": every file of every ready job, under the engine's names.
    let out = dir.path().join("all");
    let outcome = engine.download_batch(&batch.id, &out).await.unwrap();
    assert!(outcome.failed.is_empty(), "{:?}", outcome.failed);
    assert_eq!(outcome.saved.len(), 2);
    for job in &outcome.saved {
        assert_eq!(job.state, JobState::Downloaded);
        assert_eq!(job.saved_formats, all, "every file saved");
        let pi = &job.pis[0];
        for (format, name) in [
            (ExportFormat::Mods, format!("{pi}.xml")),
            (ExportFormat::Dc, format!("{pi}-dc.xml")),
            (ExportFormat::Marcxml, format!("{pi}-marc.xml")),
        ] {
            let path = out.join(&name);
            assert!(path.is_file(), "{name} was not saved");
            validate(format, &path);
        }
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 6, "six files, no partial one left");

    // One format to a file path; again into the folder: a new name, nothing replaced.
    let job = &outcome.saved[0];
    let dc = dir.path().join("chosen-dc.xml");
    let saved = engine.download_format(&job.id, Some(ExportFormat::Dc), &dc, false).await.unwrap();
    assert_eq!(saved.saved_to.as_deref(), Some(dc.to_str().unwrap()));
    validate(ExportFormat::Dc, &dc);
    let again = engine.download_format_to_dir(&job.id, Some(ExportFormat::Marcxml), &out).await.unwrap();
    assert!(again.saved_to.unwrap().ends_with(&format!("{}-marc (2).xml", job.pis[0])));

    // A MODS job has no DC file: a clear error, and the job stays as it was.
    let (_, mods_only) = engine.submit(&index.items[2], ExportOptions::default(), None).unwrap();
    let mods_only = wait_for(&engine, &ids(&mods_only), Duration::from_mins(2), settled).await;
    assert_eq!(mods_only[0].formats, [ExportFormat::Mods]);
    let err = engine
        .download_format(&mods_only[0].id, Some(ExportFormat::Dc), &dir.path().join("x.xml"), false)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoSuchFormat, "{err}");
    assert_eq!(engine.job(&mods_only[0].id).unwrap().state, JobState::Ready);
    engine.shutdown().await;
}
