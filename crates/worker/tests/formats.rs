//! Dublin Core and MARCXML beside MODS: every format, for one record, a recursive export and
//! several records, each valid against its schema; hostile text in every format; one traversal
//! for any number of formats. The real worker binary, a real S3 server, the Arke stand-in.

mod common;

use std::collections::HashMap;

use arke_export_contract::env::ExportFormat;
use arke_export_contract::result::ResultStatus;
use arke_export_xml_check::{Element, parse};
use common::{
    CATALOGUED_PI, RTL_PI, Run, World, assert_valid, assert_valid_dc, assert_valid_marc, hand_made_records, sha256_hex,
};

const ALL: &str = "mods,dc,marcxml";

/// Checks every file of a three-format run against result.json and its schema; returns the roots.
fn check_outputs(run: &Run, base: &str) -> [Element; 3] {
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let r = run.result();
    assert_eq!(r.status, ResultStatus::Success);
    let names = [format!("{base}.xml"), format!("{base}-dc.xml"), format!("{base}-marc.xml")];
    let formats: Vec<ExportFormat> = r.outputs.iter().map(|o| o.format).collect();
    assert_eq!(
        formats,
        [ExportFormat::Mods, ExportFormat::Dc, ExportFormat::Marcxml],
        "one output per format, in order"
    );
    for (o, name) in r.outputs.iter().zip(&names) {
        let file = run.file(name);
        assert_eq!(o.file_name, *name);
        assert_eq!(o.r2_key, format!("exports/{}/{name}", run.task_id));
        assert_eq!(o.size, std::fs::metadata(&file).unwrap().len(), "{name}");
        assert_eq!(o.sha256, sha256_hex(&file), "{name}");
    }
    // The single fields describe the first format, for readers that know one file.
    assert_eq!(r.output_file_name.as_deref(), Some(names[0].as_str()));
    assert_eq!(r.output_r2_key.as_deref(), Some(r.outputs[0].r2_key.as_str()));
    assert_eq!(r.output_sha256.as_deref(), Some(r.outputs[0].sha256.as_str()));
    assert_eq!(r.output_file_size, Some(r.outputs[0].size));
    assert_valid(&run.file(&names[0]));
    assert_valid_dc(&run.file(&names[1]));
    assert_valid_marc(&run.file(&names[2]));
    names.map(|n| parse(&run.file(&n)).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_is_valid_for_one_record_a_tree_and_several_records() {
    let w = World::with_records(60, &hand_made_records()).await;

    let pi = w.index.items[0].clone();
    let run = w.run("fmt_single", &[("PI", &pi), ("EXPORT_FORMAT", ALL)]).await;
    let [mods, dc, marc] = check_outputs(&run, &pi);
    assert_eq!((mods.name.as_str(), dc.name.as_str(), marc.name.as_str()), ("mods", "oai_dc:dc", "marc:record"));

    let root = w.index.root.clone();
    let opts = r#"{"recursive": true, "maxDepth": 10}"#;
    let run = w.run("fmt_tree", &[("PI", &root), ("EXPORT_OPTIONS", opts), ("EXPORT_FORMAT", ALL)]).await;
    let [mods, dc, marc] = check_outputs(&run, &format!("{root}-collection"));
    let exported = run.result().metrics.entities_exported as usize;
    assert_eq!(exported, 60);
    assert_eq!((dc.name.as_str(), marc.name.as_str()), ("srw_dc:dcCollection", "marc:collection"));
    assert_eq!(mods.children.len(), exported);
    assert_eq!(dc.children_named("dc").count(), exported, "one Dublin Core record per entity");
    assert_eq!(marc.children_named("record").count(), exported, "one MARC record per entity");
    // The three files list the records in the same order.
    let ids: Vec<&str> = marc.children.iter().map(|r| r.children[1].text.as_str()).collect();
    let mods_ids: Vec<String> =
        mods.children.iter().map(|m| m.attr("ID").unwrap().trim_start_matches("entity-").to_owned()).collect();
    assert_eq!(ids, mods_ids);

    let ids = format!("{},{RTL_PI},{CATALOGUED_PI}", w.index.items[1]);
    let run = w.run("fmt_multi", &[("PIS", &ids), ("EXPORT_FORMAT", ALL)]).await;
    let [_, dc, marc] = check_outputs(&run, "fmt_multi-collection");
    assert_eq!((dc.children.len(), marc.children.len()), (3, 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_format_requested_is_the_main_output_and_only_requested_files_are_written() {
    let w = World::new(20).await;
    let pi = w.index.items[0].clone();
    let run = w.run("fmt_order", &[("PI", &pi), ("EXPORT_FORMAT", "marcxml, dc, marcxml")]).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let r = run.result();
    assert_eq!(r.output_file_name, Some(format!("{pi}-marc.xml")));
    assert_eq!(r.outputs.iter().map(|o| o.format).collect::<Vec<_>>(), [ExportFormat::Marcxml, ExportFormat::Dc]);
    assert!(!run.file(&format!("{pi}.xml")).exists(), "MODS was not requested");
    assert_valid_marc(&run.file(&format!("{pi}-marc.xml")));
    assert_valid_dc(&run.file(&format!("{pi}-dc.xml")));

    let run = w.run("fmt_dc", &[("PI", &pi), ("EXPORT_FORMAT", "dc")]).await;
    assert_eq!(run.result().outputs.len(), 1);
    assert_eq!(run.result().output_file_name, Some(format!("{pi}-dc.xml")));

    let run = w.run("fmt_bad", &[("PI", &pi), ("EXPORT_FORMAT", "mods,marc21")]).await;
    assert_eq!(run.code(), 1);
    let error = run.result().error.unwrap();
    assert!(error.contains("\"marc21\"") && error.contains("\"mods\", \"dc\", \"marcxml\""), "{error}");
    assert!(run.result().outputs.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_traversal_writes_every_format() {
    let w = World::new(60).await;
    let root = w.index.root.clone();
    let opts = r#"{"recursive": true, "maxDepth": 10}"#;

    let before = w.arke.faults.requests_by_key();
    let run = w.run("trav_all", &[("PI", &root), ("EXPORT_OPTIONS", opts), ("EXPORT_FORMAT", ALL)]).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let after = w.arke.faults.requests_by_key();
    let delta: HashMap<&String, u64> =
        after.iter().map(|(k, n)| (k, n - before.get(k).copied().unwrap_or(0))).filter(|(_, n)| *n > 0).collect();
    let mut manifests = 0;
    for pi in w.index.all.iter().chain(&w.index.not_found) {
        assert_eq!(delta.get(pi).copied(), Some(1), "the manifest of {pi} is fetched exactly once for three formats");
        manifests += 1;
    }
    assert_eq!(manifests, 61);
    let three: u64 = delta.values().sum();

    let before = w.arke.faults.requests();
    let run = w.run("trav_mods", &[("PI", &root), ("EXPORT_OPTIONS", opts)]).await;
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(w.arke.faults.requests() - before, three, "three formats cost the requests of one");
    assert_eq!(run.result().outputs.len(), 1);
}

/// Text of the first descendant (depth-first) named `local` whose text contains `needle`.
fn find<'e>(e: &'e Element, local: &str, needle: &str) -> Option<&'e Element> {
    if e.local() == local && e.text.contains(needle) {
        return Some(e);
    }
    e.children.iter().find_map(|c| find(c, local, needle))
}

fn subfield<'e>(record: &'e Element, tag: &str, code: &str) -> Vec<&'e str> {
    record
        .children_named("datafield")
        .filter(|f| f.attr("tag") == Some(tag))
        .flat_map(|f| f.children_named("subfield").filter(|s| s.attr("code") == Some(code)).map(|s| s.text.as_str()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_huge_and_right_to_left_text_survive_every_format() {
    let w = World::with_records(40, &hand_made_records()).await;
    let hostile = w.index.hostile.clone().unwrap();
    let long = w.index.long_fields.clone().unwrap();

    // Markup, control characters, a non-character and CDATA markers: escaped or dropped, never raw.
    let run = w.run("hostile_all", &[("PI", &hostile), ("EXPORT_FORMAT", ALL)]).await;
    let [_, dc, marc] = check_outputs(&run, &hostile);
    let title = "<script>alert('x')</script> & \"Ledger\" [31m  ]]> <![CDATA[";
    assert_eq!(dc.child("title").unwrap().text, title);
    assert_eq!(subfield(&marc, "245", "a"), [title]);
    for name in [format!("{hostile}-dc.xml"), format!("{hostile}-marc.xml")] {
        let raw = run.xml(&name);
        assert!(raw.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"Ledger\""), "{name}");
        assert!(!raw.contains('\u{1b}') && !raw.contains('\u{0}') && !raw.contains('\u{FFFE}'), "{name}");
        assert!(!raw.contains("javascript:"), "an unusable access_url never becomes a link ({name})");
    }
    assert!(find(&dc, "creator", "Name with <b>markup</b> & ampersand").is_some());
    assert_eq!(subfield(&marc, "100", "a"), ["42"], "numbers in a creator list are kept as text");

    // Huge fields: a 20,000-character title, a 200 KB description and 1 MB of OCR, whole.
    let run = w.run("long_all", &[("PI", &long), ("EXPORT_FORMAT", ALL)]).await;
    let [_, dc, marc] = check_outputs(&run, &long);
    // (Compared without printing them: a failure message of megabytes helps nobody.)
    let title = "T".repeat(20_000);
    assert!(dc.child("title").unwrap().text == title, "the long title in Dublin Core");
    assert!(subfield(&marc, "245", "a") == [title.as_str()], "the long title in 245");
    let ocr = "OCR line of a long scanned ledger.\n".repeat(30_000);
    let ocr_in_marc = subfield(&marc, "774", "n");
    assert!(ocr_in_marc == [ocr.trim_end()], "OCR once and whole in 774 ({} subfields)", ocr_in_marc.len());
    assert!(find(&dc, "description", "Very long description. Very long").unwrap().text.len() > 200_000);

    // Right-to-left scripts and bidirectional controls pass through unchanged.
    let run = w.run("rtl_all", &[("PI", RTL_PI), ("EXPORT_FORMAT", ALL)]).await;
    let [mods, dc, marc] = check_outputs(&run, RTL_PI);
    let title = "\u{200F}رسائل الميناء\u{200F} (Harbour letters) \u{202E}reversed\u{202C}";
    assert_eq!(mods.child("titleInfo").unwrap().child("title").unwrap().text, title);
    assert_eq!(dc.child("title").unwrap().text, title);
    assert_eq!(subfield(&marc, "245", "a"), [title]);
    assert_eq!(subfield(&marc, "100", "a"), ["לינדקוויסט, מאיה"], "an inverted Hebrew name");
    assert_eq!(subfield(&marc, "700", "a"), ["ابن بطوطة"]);
    assert_eq!(subfield(&marc, "041", "a"), ["ara"]);
    assert_eq!(subfield(&marc, "651", "a"), ["القاهرة", "ירושלים"]);
    assert_eq!(subfield(&marc, "650", "a"), ["تاريخ", "\u{2067}נמל\u{2069}"]);
    let creators: Vec<&str> = dc.children_named("creator").map(|c| c.text.as_str()).collect();
    assert_eq!(creators, ["לינדקוויסט, מאיה", "ابن بطوطة"]);
    assert_eq!(dc.child("language").unwrap().text, "ara");
    assert!(find(&dc, "description", "\u{202B}وصف\u{202C} — תיאור mixed with English & <markup>").is_some());
    let control_008 = &marc.children.iter().find(|c| c.attr("tag") == Some("008")).unwrap().text;
    assert_eq!(&control_008[35..38], "ara");
}
