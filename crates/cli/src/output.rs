//! How jobs are printed for people (tables) and scripts (`--json`).

use arke_export_engine::error::ErrorCode;
use arke_export_engine::job::{Job, TimelineEntry};

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
    println!("{:<20}  {:<11}  {:<31}  {:>9}  {:>10}  detail", "job", "state", "records", "progress", "size");
    for j in jobs {
        let size = j.output.as_ref().map_or_else(|| "-".into(), |o| format!("{:.1} kB", o.size as f64 / 1000.0));
        let detail = j.reason.clone().or_else(|| j.saved_to.clone()).unwrap_or_default();
        println!(
            "{:<20}  {:<11}  {:<31}  {:>9}  {:>10}  {detail}",
            short(&j.id),
            j.state.as_str(),
            records(j),
            progress(j),
            size
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
        println!("reason     {r} [{}]", job.reason_code.map(ErrorCode::as_str).unwrap_or_default());
    }
    println!("records    {}", job.pis.join(", "));
    if let Some(m) = &job.machine_id {
        println!("machine    {m} ({})", job.region.as_deref().unwrap_or("?"));
    }
    println!("progress   {}", progress(job));
    if let Some(o) = &job.output {
        println!("file       {} ({} bytes, sha256 {})", o.file_name, o.size, o.sha256.as_deref().unwrap_or("unknown"));
    }
    if let Some(p) = &job.saved_to {
        println!("saved to   {p}");
    }
    for f in &job.failures {
        println!("failed     {}: {}", f.pi, f.error);
    }
    println!("timeline");
    for t in timeline {
        println!("  {}  {:<11} {}", when(t.at), t.state.as_str(), t.detail);
    }
}
