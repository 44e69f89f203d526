//! Costs in words, for the terminal (the UI's `ui/src/cost.ts` writes them the same way):
//! `≈ $0.0004 · 41 s on shared-cpu-1x 256 MB · 23 R2 requests`. "≈": it is an estimate.

use crate::job::Job;

/// USD with two significant digits below a dollar (at least cents), cents above: `$0.0004`, `$0.012`,
/// `$0.50`, `$12.34`; `< $0.000001` for less; `$0` for nothing.
pub fn format_usd(usd: f64) -> String {
    let usd = if usd.is_finite() { usd.max(0.0) } else { 0.0 };
    if usd == 0.0 {
        return "$0".to_owned();
    }
    if usd < 0.000_001 {
        return "< $0.000001".to_owned();
    }
    if usd >= 1.0 {
        return format!("${:.2}", round_to(usd, 2));
    }
    let decimals = ((-usd.log10()).ceil() as usize + 1).max(2);
    let text = format!("{:.decimals$}", round_to(usd, decimals));
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let kept = fraction.trim_end_matches('0');
    let kept = if kept.len() < 2 { &fraction[..2] } else { kept };
    format!("${whole}.{kept}")
}

/// `value` rounded to `decimals` places, halves away from zero (as the UI's `Math.round` rounds them:
/// both write the same text for the same number).
fn round_to(value: f64, decimals: usize) -> f64 {
    let scale = 10f64.powi(decimals as i32);
    (value * scale).round() / scale
}

/// Machine time: `4.2 s`, `41 s`, `12 min`, `2.5 h`.
pub fn format_seconds(seconds: f64) -> String {
    let s = if seconds.is_finite() { seconds.max(0.0) } else { 0.0 };
    if s < 10.0 {
        format!("{:.1} s", round_to(s, 1))
    } else if s < 120.0 {
        format!("{:.0} s", s.round())
    } else if s < 7_200.0 {
        format!("{:.0} min", (s / 60.0).round())
    } else {
        format!("{:.1} h", round_to(s / 3_600.0, 1))
    }
}

/// `≈ $0.0004 · 41 s on shared-cpu-1x 256 MB · 23 R2 requests`, once the job's cost is known.
pub fn job_cost_text(job: &Job) -> Option<String> {
    let usd = job.cost_usd?;
    let mut parts = vec![format!("≈ {}", format_usd(usd))];
    if let Some(seconds) = job.machine_seconds {
        let on = job.guest.as_ref().map(|g| format!(" on {}", g.label())).unwrap_or_default();
        parts.push(format!("{}{on}", format_seconds(seconds)));
    }
    if let Some(requests) = job.r2_requests {
        let n = requests.total();
        parts.push(format!("{n} R2 request{}", if n == 1 { "" } else { "s" }));
    }
    Some(parts.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::{MachineSize, R2Requests};

    #[test]
    fn dollars_round_to_two_significant_digits_below_a_dollar() {
        let cases = [
            (0.0, "$0"),
            (0.000_000_4, "< $0.000001"),
            (0.000_4, "$0.0004"),
            (0.000_412, "$0.00041"),
            (0.000_999_99, "$0.001"),
            (0.012_34, "$0.012"),
            (0.5, "$0.50"),
            (0.125, "$0.13"),
            (0.999, "$1.00"),
            (1.0, "$1.00"),
            (12.346, "$12.35"),
            (f64::NAN, "$0"),
            (-3.0, "$0"),
        ];
        for (usd, text) in cases {
            assert_eq!(format_usd(usd), text, "{usd}");
        }
    }

    #[test]
    fn seconds_read_as_people_count_them() {
        let cases =
            [(0.0, "0.0 s"), (4.24, "4.2 s"), (30.5, "31 s"), (41.3, "41 s"), (600.0, "10 min"), (9_000.0, "2.5 h")];
        for (s, text) in cases {
            assert_eq!(format_seconds(s), text);
        }
    }

    #[test]
    fn a_jobs_cost_in_one_line() {
        let mut job = Job::queued("b", vec![], arke_export_contract::options::ExportOptions::default(), 0);
        assert_eq!(job_cost_text(&job), None, "unknown yet");
        job.cost_usd = Some(0.000_4);
        job.machine_seconds = Some(41.2);
        job.guest = Some(MachineSize::default());
        job.r2_requests = Some(R2Requests { class_a: 20, class_b: 3 });
        assert_eq!(job_cost_text(&job).unwrap(), "≈ $0.0004 · 41 s on shared-cpu-1x 256 MB · 23 R2 requests");
    }
}
