//! `arke-export export` without `--wait`, in Fly mode against a sandbox that rate-limits: the command
//! returns only once every machine of its batch exists on Fly, or its creation failed for good and the
//! job says why. A 429 (with `Retry-After`) is waited out, never a reason to return.

use std::path::Path;
use std::process::Output;

use arke_export_sandbox::fly::faults::FailCreates;
use arke_export_sandbox::fly::{FaultRequest, apply_faults};
use arke_export_sandbox::{CatalogSource, CatalogSpec, SANDBOX_APP, Sandbox, SandboxOptions};

mod common;

use common::text;

/// The CLI in Fly mode, pointed at the sandbox (what `arke-export sandbox` prints), its ID list on stdin.
fn cli(home: &Path, sandbox: &Sandbox, args: &[&str], stdin: &str) -> Output {
    let e = sandbox.endpoints();
    let settings: Vec<(String, String)> = e
        .fly_mode_settings("arke-export-worker:sandbox")
        .into_iter()
        .map(|(k, v)| (format!("ARKE_EXPORT_{k}"), v))
        .chain([
            ("FLY_API_TOKEN".to_owned(), e.fly_api_token.clone()),
            ("R2_SECRET_ACCESS_KEY".to_owned(), e.r2_secret_access_key.clone()),
        ])
        .collect();
    let env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    common::run(home, args, Some(stdin), &env)
}

fn fail(status: u16, count: u32) -> FailCreates {
    FailCreates { count, status }
}

#[test]
fn export_without_wait_returns_once_every_machine_exists_even_while_fly_rate_limits() {
    let home = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let options = SandboxOptions {
        catalog: CatalogSource::Generate(CatalogSpec { size: 20, seed: 5 }),
        ..SandboxOptions::default()
    };
    let sandbox = runtime.block_on(Sandbox::start_with(&home.path().join("services"), options)).unwrap();
    let items = sandbox.index.as_ref().unwrap().items.clone();
    let fleet = sandbox.fly.fleet.clone();

    // Fly answers 429 (Retry-After: 1) to the machine list — the look-up by name before each create,
    // and any start-up look — and to the creates themselves.
    let faults =
        FaultRequest { fail_lists: Some(fail(429, 6)), fail_creates: Some(fail(429, 2)), ..FaultRequest::default() };
    apply_faults(&fleet, faults);
    let run = cli(home.path(), &sandbox, &["export", "--ids", "-", "--json"], &format!("{}\n", items[0]));
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert_eq!(fleet.fail_lists.lock().unwrap().0, 0, "the listings were rate-limited");
    assert_eq!(fleet.fail_creates.lock().unwrap().0, 0, "the creates were rate-limited");
    let jobs: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let machines: Vec<String> = fleet.list(SANDBOX_APP, true, None).into_iter().map(|m| m.name).collect();
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    for job in jobs.as_array().unwrap() {
        assert!(job["machine_id"].is_string(), "the job has its machine when the command returns: {job}");
        let task = job["task_id"].as_str().unwrap();
        assert_eq!(machines.iter().filter(|m| *m == task).count(), 1, "one machine per job, on Fly: {machines:?}");
    }

    // A creation Fly refuses for good: the command returns, the job failed and says why.
    apply_faults(&fleet, FaultRequest { fail_creates: Some(fail(422, 1)), ..FaultRequest::default() });
    let run = cli(home.path(), &sandbox, &["export", "--ids", "-", "--json"], &format!("{}\n", items[1]));
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let jobs: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let job = &jobs[0];
    assert_eq!(job["state"], "failed", "{job}");
    assert!(job["reason"].as_str().unwrap().contains("could not be created"), "{job}");
    runtime.block_on(sandbox.fly.shutdown());
}
