//! How jobs are printed for people (tables) and scripts (`--json`). Text that came from elsewhere (the
//! bucket, a manifest, Fly) is printed through [`escape`]: it cannot drive the terminal.

use std::borrow::Cow;
use std::fmt::Write;

use arke_export_contract::env::ExportFormat;
use arke_export_engine::cost::text;
use arke_export_engine::error::ErrorCode;
use arke_export_engine::job::{Job, TimelineEntry};

/// Characters a terminal would act on instead of showing: control characters (C0, DEL, C1: escape
/// sequences, OSC 52 clipboard writes, cursor moves, bells, line breaks) and bidirectional overrides.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// `text` with every [`is_unsafe`] character written as an escape (`\x1b`, `\u{202e}`).
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !is_unsafe(c) => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

fn short(id: &str) -> &str {
    id.get(..20).unwrap_or(id)
}

fn records(job: &Job) -> String {
    match job.pis.as_slice() {
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} +{}", rest.len()),
        [] => String::new(),
    }
}

/// The first record's title (`title +N more` for several), at most `width` characters; `-` when unknown.
pub(crate) fn title(job: &Job, width: usize) -> String {
    let Some(title) = job.title.as_deref() else { return "-".to_owned() };
    let more = match job.pis.len() {
        0 | 1 => String::new(),
        n => format!(" +{} more", n - 1),
    };
    let room = width.saturating_sub(more.chars().count()).max(1);
    let title = escape(title);
    let shown: String = if title.chars().count() > room {
        title.chars().take(room.saturating_sub(1)).chain(std::iter::once('…')).collect()
    } else {
        title.into_owned()
    };
    format!("{shown}{more}")
}

fn progress(job: &Job) -> String {
    match &job.progress {
        Some(p) => match p.total {
            Some(t) => format!("{}/{t}", p.done),
            None => format!("{}", p.done),
        },
        None => "-".into(),
    }
}

pub(crate) fn table(jobs: &[Job]) {
    println!(
        "{:<20}  {:<11}  {:<31}  {:<32}  {:>9}  {:>10}  {:<15}  {:>10}  detail",
        "job", "state", "records", "title", "progress", "size", "files", "cost"
    );
    for j in jobs {
        let outputs = j.all_outputs();
        let size = if outputs.is_empty() {
            "-".into()
        } else {
            format!("{:.1} kB", outputs.iter().map(|o| o.size).sum::<u64>() as f64 / 1000.0)
        };
        // The formats ready in the bucket (or, before that, the ones asked for, in brackets).
        let files = if outputs.is_empty() {
            format!("({})", ExportFormat::list_to_string(&j.formats))
        } else {
            outputs.iter().map(|o| o.format.as_str()).collect::<Vec<_>>().join(",")
        };
        let mut detail = escape(j.reason.as_deref().or(j.saved_to.as_deref()).unwrap_or_default()).into_owned();
        if !j.verified && !outputs.is_empty() {
            detail = format!("unverified (no checksum) {detail}");
        }
        let cost = j.cost_usd.map_or_else(|| "-".to_owned(), |usd| format!("≈ {}", text::format_usd(usd)));
        println!(
            "{:<20}  {:<11}  {:<31}  {:<32}  {:>9}  {:>10}  {files:<15}  {cost:>10}  {detail}",
            short(&j.id),
            j.state.as_str(),
            records(j),
            title(j, 32),
            progress(j),
            size
        );
    }
    let costed: Vec<&Job> = jobs.iter().filter(|j| j.cost_usd.is_some()).collect();
    if !costed.is_empty() {
        let usd: f64 = costed.iter().filter_map(|j| j.cost_usd).sum();
        let seconds: f64 = costed.iter().filter_map(|j| j.machine_seconds).sum();
        println!(
            "cost: ≈ {} for {} job{} · {} of machine time (an estimate)",
            text::format_usd(usd),
            costed.len(),
            if costed.len() == 1 { "" } else { "s" },
            text::format_seconds(seconds)
        );
    }
}

/// `2026-11-28 17:30:05` (UTC) from milliseconds since the epoch.
fn when(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).ok())
        .unwrap_or_else(|| ms.to_string())
}

pub(crate) fn details(job: &Job, timeline: &[TimelineEntry]) {
    println!("job        {}", job.id);
    println!("batch      {}", job.batch_id);
    println!("state      {}", job.state.as_str());
    if let Some(r) = &job.reason {
        println!("reason     {} [{}]", escape(r), job.reason_code.map(ErrorCode::as_str).unwrap_or_default());
    }
    println!("records    {}", job.pis.join(", "));
    if let Some(t) = &job.title {
        println!("title      {}", escape(t));
    }
    if let Some(m) = &job.machine_id {
        println!("machine    {m} ({})", job.region.as_deref().unwrap_or("?"));
    }
    println!("progress   {}", progress(job));
    if let Some(cost) = text::job_cost_text(job) {
        println!("cost       {cost} (an estimate)");
    } else if job.machine_id.is_some() {
        println!("cost       not known yet (read from the machine's events once it has stopped)");
    }
    println!("formats    {}", ExportFormat::list_to_string(&job.formats));
    if !job.verified && !job.all_outputs().is_empty() {
        println!("verified   no: the worker reported no result.json, so the file has no checksum to check");
    }
    for o in job.all_outputs() {
        let sha = escape(o.sha256.as_deref().unwrap_or("unknown")).into_owned();
        let saved = if job.saved_formats.contains(&o.format) { ", saved" } else { "" };
        println!(
            "file       {:<7} {} in the bucket ({} bytes, sha256 {sha}{saved})",
            o.format.as_str(),
            escape(&o.file_name),
            o.size
        );
    }
    if let Some(p) = &job.saved_to {
        println!("saved to   {}", escape(p));
    }
    for f in &job.failures {
        println!("failed     {}: {}", escape(&f.pi), escape(&f.error));
    }
    println!("timeline");
    for t in timeline {
        println!("  {}  {:<11} {}", when(t.at), t.state.as_str(), escape(&t.detail));
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn titles_are_cut_to_their_column_and_count_the_other_records() {
        let mut job = arke_export_engine::job::Job::queued(
            "b",
            vec!["A".into(), "B".into(), "C".into()],
            arke_export_contract::options::ExportOptions::default(),
            0,
        );
        assert_eq!(super::title(&job, 32), "-");
        job.title = Some("Maps\u{1b}[2J".to_owned());
        assert_eq!(super::title(&job, 32), "Maps\\x1b[2J +2 more", "escaped: it cannot drive the terminal");
        job.title = Some("A very long title that goes on and on".to_owned());
        let shown = super::title(&job, 20);
        assert_eq!(shown, "A very long… +2 more");
        assert_eq!(shown.chars().count(), 20);
    }

    #[test]
    fn remote_text_cannot_drive_the_terminal() {
        assert_eq!(escape("plain text, é ü"), "plain text, é ü");
        let osc52 = "ok\x1b]52;c;aGVsbG8=\x07 then\r\x1b[2J\u{9b}31m\u{202e}txt.exe\n";
        let shown = escape(osc52);
        assert!(!shown.chars().any(|c| c.is_control() || c == '\u{202e}'), "{shown}");
        assert_eq!(shown, "ok\\x1b]52;c;aGVsbG8=\\x07 then\\x0d\\x1b[2J\\x9b31m\\u{202e}txt.exe\\x0a");
    }
}
