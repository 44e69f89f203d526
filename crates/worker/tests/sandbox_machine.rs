//! A full machine run through the sandbox's stand-ins with the real worker:
//! create → wait stopped → exit event → result.json in S3 → auto-destroyed.
//! Also: two sandboxes side by side, and the S3 and Arke fault knobs.

use std::path::Path;
use std::time::{Duration, Instant};

use arke_export_contract::result::{ResultStatus, TaskResult};
use arke_export_sandbox::{CatalogSource, CatalogSpec, Sandbox, SandboxOptions};
use arke_fly_api::{CreateMachineRequest, Machine, MachineConfig, Restart};

async fn sandbox(dir: &Path) -> Sandbox {
    let options = SandboxOptions {
        catalog: CatalogSource::Generate(CatalogSpec { size: 30, seed: 3 }),
        worker_command: vec![env!("CARGO_BIN_EXE_arke-export-worker").to_owned()],
        rate_limits: true,
    };
    Sandbox::start_with(dir, options).await.unwrap()
}

fn request(sb: &Sandbox, task: &str, pi: &str) -> CreateMachineRequest {
    let e = sb.endpoints();
    let env = [
        ("TASK_ID", task),
        ("PI", pi),
        ("BATCH_ID", "batch-1"),
        ("EXPORT_OPTIONS", r#"{"recursive":false}"#),
        ("R2_ENDPOINT", &e.r2_endpoint),
        ("R2_BUCKET", &e.r2_bucket),
        ("R2_ACCESS_KEY_ID", &e.r2_access_key_id),
        ("R2_SECRET_ACCESS_KEY", &e.r2_secret_access_key),
        ("ARKE_API_URL", &e.arke_api_url),
        ("ARKE_IPFS_GATEWAY", &e.ipfs_gateway),
    ];
    CreateMachineRequest {
        name: Some(task.to_owned()),
        region: Some(e.fly_region),
        config: MachineConfig {
            image: "registry.fly.io/arke-export-worker:test".to_owned(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            auto_destroy: Some(true),
            restart: Some(Restart { policy: Some("no".into()), max_retries: None }),
            ..MachineConfig::default()
        },
        skip_launch: None,
    }
}

struct Fly<'a> {
    http: reqwest::Client,
    sb: &'a Sandbox,
}

impl Fly<'_> {
    fn url(&self, path: &str) -> String {
        let e = self.sb.endpoints();
        format!("{}/v1/apps/{}{path}", e.fly_api_url, e.fly_app)
    }
    async fn create(&self, req: &CreateMachineRequest) -> Machine {
        let resp =
            self.http.post(self.url("/machines")).bearer_auth(&self.sb.fly.token).json(req).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }
    async fn wait(&self, m: &Machine, state: &str) {
        let path = format!("/machines/{}/wait?state={state}&instance_id={}&timeout=60", m.id, m.instance_id);
        let resp = self.http.get(self.url(&path)).bearer_auth(&self.sb.fly.token).send().await.unwrap();
        assert_eq!(resp.status(), 200, "waiting for {state}");
    }
    async fn get(&self, m: &Machine) -> Machine {
        let resp = self
            .http
            .get(self.url(&format!("/machines/{}", m.id)))
            .bearer_auth(&self.sb.fly.token)
            .send()
            .await
            .unwrap();
        resp.json().await.unwrap()
    }
}

fn result(sb: &Sandbox, task: &str) -> Option<TaskResult> {
    let path = sb.dir.join("s3").join(&sb.s3.bucket).join("exports").join(task).join("result.json");
    std::fs::read(path).ok().map(|b| serde_json::from_slice(&b).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_runs_the_real_worker_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox(dir.path()).await;
    let fly = Fly { http: reqwest::Client::new(), sb: &sb };
    let pi = sb.index.as_ref().unwrap().items[0].clone();
    let m = fly.create(&request(&sb, "machine_run_1", &pi)).await;
    fly.wait(&m, "stopped").await;
    let stopped = fly.get(&m).await;
    assert_eq!(stopped.exit_code(), Some(0), "{:?}", stopped.events);
    fly.wait(&m, "destroyed").await;
    assert_eq!(fly.get(&m).await.state, "destroyed");
    let r = result(&sb, "machine_run_1").expect("result.json");
    assert_eq!(r.status, ResultStatus::Success);
    assert_eq!(r.batch_id, "batch-1");
    let xml = sb.dir.join("s3").join(&sb.s3.bucket).join(r.output_r2_key.unwrap());
    arke_export_xml_check::validate_mods(&xml).unwrap();
    let logs = fly
        .http
        .get(format!("{}/sandbox/apps/{}/machines/{}/logs", sb.fly.url, sb.endpoints().fly_app, m.id))
        .bearer_auth(&sb.fly.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(logs.contains("export done"), "the worker's log is kept: {logs}");
    assert!(!logs.contains(&sb.s3.secret_access_key), "the secret never reaches the log");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sandboxes_run_side_by_side_without_sharing_state() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (sandbox(d1.path()).await, sandbox(d2.path()).await);
    let (ea, eb) = (a.endpoints(), b.endpoints());
    assert_ne!(ea.fly_api_url, eb.fly_api_url);
    assert_ne!(ea.r2_endpoint, eb.r2_endpoint);
    assert_ne!(ea.fly_api_token, eb.fly_api_token);
    let (fa, fb) = (Fly { http: reqwest::Client::new(), sb: &a }, Fly { http: reqwest::Client::new(), sb: &b });
    let pi = a.index.as_ref().unwrap().items[1].clone();
    let (ra, rb) = (request(&a, "side_a", &pi), request(&b, "side_b", &pi));
    let (ma, mb) = tokio::join!(fa.create(&ra), fb.create(&rb));
    tokio::join!(fa.wait(&ma, "stopped"), fb.wait(&mb, "stopped"));
    assert!(result(&a, "side_a").is_some() && result(&a, "side_b").is_none());
    assert!(result(&b, "side_b").is_some() && result(&b, "side_a").is_none());
    // A token of one sandbox is refused by the other.
    let resp = fa.http.get(fb.url("/machines")).bearer_auth(&a.fly.token).send().await.unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_and_arke_faults_are_survived_or_reported() {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox(dir.path()).await;
    let fly = Fly { http: reqwest::Client::new(), sb: &sb };
    let pi = sb.index.as_ref().unwrap().items[2].clone();

    // Two S3 failures and 30 ms per Arke answer: the worker retries and succeeds.
    sb.s3.faults.fail_next(2);
    sb.arke.faults.set_latency(Duration::from_millis(30));
    let t = Instant::now();
    let m = fly.create(&request(&sb, "s3_flaky", &pi)).await;
    fly.wait(&m, "stopped").await;
    assert_eq!(fly.get(&m).await.exit_code(), Some(0));
    assert!(t.elapsed() >= Duration::from_millis(30));
    assert_eq!(result(&sb, "s3_flaky").unwrap().status, ResultStatus::Success);

    // S3 down: the task fails with exit code 1 (and cannot write its result).
    sb.arke.faults.clear();
    sb.s3.faults.set_down(true);
    let m = fly.create(&request(&sb, "s3_down", &pi)).await;
    fly.wait(&m, "stopped").await;
    assert_eq!(fly.get(&m).await.exit_code(), Some(1));
    sb.s3.faults.set_down(false);
    assert!(result(&sb, "s3_down").is_none());

    // A stalled S3 answer delays but does not break the upload.
    sb.s3.faults.stall_next(1, Duration::from_millis(500));
    let m = fly.create(&request(&sb, "s3_stall", &pi)).await;
    fly.wait(&m, "stopped").await;
    assert_eq!(fly.get(&m).await.exit_code(), Some(0));

    // Arke answers 500 for the record every time: the task fails with a clear error.
    sb.arke.faults.fail(&pi, 500, None);
    let m = fly.create(&request(&sb, "arke_500", &pi)).await;
    fly.wait(&m, "stopped").await;
    assert_eq!(fly.get(&m).await.exit_code(), Some(1));
    assert!(result(&sb, "arke_500").unwrap().error.unwrap().contains("500"));
}
