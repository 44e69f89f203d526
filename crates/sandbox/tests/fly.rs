//! The Fly Machines stand-in over HTTP: routes, auth, lifecycle, restart policy, rate limits,
//! every fault knob — and every body checked against Fly's own OpenAPI spec.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use arke_export_sandbox::fly::{FlyApi, FlyOptions, Images};
use serde_json::{Value, json};

const APP: &str = "test-app";

struct Client {
    http: reqwest::Client,
    fly: FlyApi,
    spec: common::Spec,
}

impl Client {
    async fn new(rate_limits: bool) -> Client {
        let mut by_image = HashMap::new();
        let sh = |script: &str| vec!["sh".to_owned(), "-c".to_owned(), script.to_owned()];
        by_image.insert(
            "test/exit3".to_owned(),
            sh("echo hello from $FLY_MACHINE_ID in $FLY_REGION task=$TASK_ID; exit 3"),
        );
        by_image.insert("test/ok".to_owned(), sh("echo ok; exit 0"));
        by_image.insert("test/sleep".to_owned(), sh("sleep 600"));
        by_image.insert("test/secret".to_owned(), sh("echo task=$TASK_ID secret=$R2_SECRET_ACCESS_KEY"));
        let fly = FlyApi::start(FlyOptions {
            apps: vec![APP.to_owned()],
            token: "test-token".to_owned(),
            region: "lcl".to_owned(),
            images: Images { default: vec!["false".to_owned()], by_image },
            rate_limits,
        })
        .await
        .unwrap();
        Client { http: reqwest::Client::new(), fly, spec: common::Spec::load() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v1/apps/{APP}{path}", self.fly.url)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let url = if path.starts_with("http") { path.to_owned() } else { self.url(path) };
        let mut req = self.http.request(method, url).bearer_auth("test-token");
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status >= 400 {
            self.spec.assert_valid("ErrorResponse", &value);
            assert!(value["error"].as_str().is_some_and(|e| !e.is_empty()), "errors are {{\"error\": …}}: {value}");
        }
        (status, value, headers)
    }

    async fn create(&self, body: Value) -> Value {
        self.spec.assert_valid("CreateMachineRequest", &body);
        let (status, machine, _) = self.call(reqwest::Method::POST, "/machines", Some(body)).await;
        assert_eq!(status, 200, "{machine}");
        self.spec.assert_valid("Machine", &machine);
        machine
    }

    async fn get(&self, id: &str) -> (u16, Value) {
        let (status, body, _) = self.call(reqwest::Method::GET, &format!("/machines/{id}"), None).await;
        if status == 200 {
            self.spec.assert_valid("Machine", &body);
        }
        (status, body)
    }

    async fn wait(&self, id: &str, state: &str, instance: &str, timeout: u64) -> u16 {
        let path = format!("/machines/{id}/wait?state={state}&instance_id={instance}&timeout={timeout}");
        self.call(reqwest::Method::GET, &path, None).await.0
    }

    async fn events(&self, id: &str) -> Vec<Value> {
        let (status, events, _) = self.call(reqwest::Method::GET, &format!("/machines/{id}/events"), None).await;
        assert_eq!(status, 200);
        for e in events.as_array().unwrap() {
            self.spec.assert_valid("MachineEvent", e);
        }
        events.as_array().unwrap().clone()
    }
}

fn machine(image: &str, auto_destroy: bool) -> Value {
    json!({
        "name": format!("task-{}", uuid_like()),
        "region": "lcl",
        "config": {
            "image": image,
            "env": {"TASK_ID": "t1"},
            "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
            "auto_destroy": auto_destroy,
            "restart": {"policy": "no"},
            "metadata": {"arke_job": "j1", "arke_batch": "b1"}
        }
    })
}

fn uuid_like() -> String {
    format!("{:x}", Instant::now().elapsed().as_nanos() ^ u128::from(std::process::id()) ^ rand_seed())
}

fn rand_seed() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

#[tokio::test]
async fn auth_and_unknown_names_answer_like_fly() {
    let c = Client::new(true).await;
    let resp = reqwest::get(c.url("/machines")).await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    c.spec.assert_valid("ErrorResponse", &body);
    let (status, _, _) = c.call(reqwest::Method::GET, &format!("{}/v1/apps/nope/machines", c.fly.url), None).await;
    assert_eq!(status, 404);
    assert_eq!(c.get("0123456789abcd").await.0, 404);
    let (status, _, _) = c.call(reqwest::Method::POST, "/machines", Some(json!({"config": {"image": 5}}))).await;
    assert_eq!(status, 400, "an invalid body is refused");
}

#[tokio::test]
async fn a_machine_runs_its_process_exits_and_is_destroyed() {
    let c = Client::new(true).await;
    let m = c.create(machine("test/exit3", true)).await;
    let id = m["id"].as_str().unwrap();
    assert_eq!(id.len(), 14);
    assert_eq!(m["state"], "created");
    assert_eq!(m["config"]["metadata"]["arke_job"], "j1");
    let instance = m["instance_id"].as_str().unwrap();
    assert_eq!(c.wait(id, "stopped", instance, 30).await, 200);
    assert_eq!(c.wait(id, "destroyed", instance, 30).await, 200);
    let (_, m) = c.get(id).await;
    assert_eq!(m["state"], "destroyed");
    let events = c.events(id).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["destroy", "exit", "start", "launch"], "newest first");
    let exit = &events[1]["request"]["exit_event"];
    assert_eq!(exit["exit_code"], 3);
    assert_eq!(exit["requested_stop"], false);
    assert_eq!(exit["oom_killed"], false);
    let logs = c
        .http
        .get(format!("{}/sandbox/apps/{APP}/machines/{id}/logs", c.fly.url))
        .bearer_auth("test-token")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(logs.trim(), format!("hello from {id} in lcl task=t1"), "config.env and FLY_* reach the process");
    let (_, list, _) = c.call(reqwest::Method::GET, "/machines", None).await;
    assert!(list.as_array().unwrap().is_empty(), "destroyed machines are hidden");
    let (_, list, _) = c.call(reqwest::Method::GET, "/machines?include_deleted=true", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    for m in list.as_array().unwrap() {
        c.spec.assert_valid("Machine", m);
    }
}

#[tokio::test]
async fn wait_rules_408_and_400() {
    let c = Client::new(true).await;
    let m = c.create(machine("test/sleep", false)).await;
    let id = m["id"].as_str().unwrap();
    let (status, _, _) = c.call(reqwest::Method::GET, &format!("/machines/{id}/wait?state=stopped"), None).await;
    assert_eq!(status, 400, "stopped needs instance_id");
    let (status, _, _) = c.call(reqwest::Method::GET, &format!("/machines/{id}/wait?state=bogus"), None).await;
    assert_eq!(status, 400);
    assert_eq!(c.wait(id, "started", "", 10).await, 200);
    let t = Instant::now();
    assert_eq!(c.wait(id, "stopped", m["instance_id"].as_str().unwrap(), 1).await, 408);
    assert!(t.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn stop_and_forced_destroy() {
    let c = Client::new(true).await;
    let m = c.create(machine("test/sleep", false)).await;
    let id = m["id"].as_str().unwrap().to_owned();
    let instance = m["instance_id"].as_str().unwrap().to_owned();
    assert_eq!(c.wait(&id, "started", "", 10).await, 200);
    let (status, _, _) = c.call(reqwest::Method::DELETE, &format!("/machines/{id}"), None).await;
    assert_eq!(status, 412, "a running machine is not destroyed without force");
    let (status, _, _) = c.call(reqwest::Method::POST, &format!("/machines/{id}/stop"), Some(json!({}))).await;
    assert_eq!(status, 200);
    assert_eq!(c.wait(&id, "stopped", &instance, 10).await, 200);
    let exit = c.events(&id).await.into_iter().find(|e| e["type"] == "exit").unwrap();
    assert_eq!(exit["request"]["exit_event"]["requested_stop"], true);
    let (status, _, _) = c.call(reqwest::Method::DELETE, &format!("/machines/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(c.get(&id).await.1["state"], "destroyed");

    let m = c.create(machine("test/sleep", false)).await;
    let id = m["id"].as_str().unwrap().to_owned();
    assert_eq!(c.wait(&id, "started", "", 10).await, 200);
    let (status, _, _) = c.call(reqwest::Method::DELETE, &format!("/machines/{id}?force=true"), None).await;
    assert_eq!(status, 200);
    assert_eq!(c.wait(&id, "destroyed", "", 10).await, 200);
}

#[tokio::test]
async fn restart_policy_on_failure_is_honoured() {
    let c = Client::new(true).await;
    let mut body = machine("test/exit3", false);
    body["config"]["restart"] = json!({"policy": "on-failure", "max_retries": 2});
    let m = c.create(body).await;
    let id = m["id"].as_str().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let exits = c.events(id).await.iter().filter(|e| e["type"] == "exit").count();
        if exits == 3 && c.get(id).await.1["state"] == "stopped" {
            break;
        }
        assert!(Instant::now() < deadline, "expected 1 run + 2 restarts, saw {exits} exits");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(c.events(id).await.iter().filter(|e| e["type"] == "exit").count(), 3, "no more than max_retries");
}

#[tokio::test]
async fn create_is_rate_limited_with_retry_after_and_can_be_switched_off() {
    let c = Client::new(true).await;
    for _ in 0..3 {
        c.create(machine("test/ok", true)).await;
    }
    let (status, _, headers) = c.call(reqwest::Method::POST, "/machines", Some(machine("test/ok", true))).await;
    assert_eq!(status, 429, "create: 1/s, burst 3");
    assert_eq!(headers["retry-after"], "1");
    let (status, _, _) = c
        .call(reqwest::Method::POST, &format!("{}/sandbox/faults", c.fly.url), Some(json!({"rate_limits": false})))
        .await;
    assert_eq!(status, 200);
    for _ in 0..5 {
        c.create(machine("test/ok", true)).await;
    }
}

#[tokio::test]
async fn fault_knobs_do_what_they_say() {
    let c = Client::new(false).await;
    let admin = format!("{}/sandbox/faults", c.fly.url);
    // Fail the next creates.
    c.call(reqwest::Method::POST, &admin, Some(json!({"fail_creates": {"count": 2, "status": 503}}))).await;
    for expected in [503, 503] {
        let (status, _, _) = c.call(reqwest::Method::POST, "/machines", Some(machine("test/ok", true))).await;
        assert_eq!(status, expected);
    }
    c.create(machine("test/ok", true)).await;

    // Crash at start → exit 127 without a start event.
    c.call(reqwest::Method::POST, &admin, Some(json!({"machine": {"fault": "crash_at_start"}}))).await;
    let m = c.create(machine("test/ok", false)).await;
    let id = m["id"].as_str().unwrap();
    assert_eq!(c.wait(id, "stopped", m["instance_id"].as_str().unwrap(), 10).await, 200);
    let events = c.events(id).await;
    assert_eq!(events[0]["request"]["exit_event"]["exit_code"], 127);
    assert!(!events.iter().any(|e| e["type"] == "start"));

    // Exit with a chosen code, for a named machine.
    let body = machine("test/ok", false);
    let name = body["name"].as_str().unwrap().to_owned();
    c.call(reqwest::Method::POST, &admin, Some(json!({"machine": {"name": name, "fault": {"exit_with": 42}}}))).await;
    let m = c.create(body).await;
    let id = m["id"].as_str().unwrap();
    assert_eq!(c.wait(id, "stopped", m["instance_id"].as_str().unwrap(), 10).await, 200);
    assert_eq!(c.events(id).await[0]["request"]["exit_event"]["exit_code"], 42);

    // Hang: started, never stops by itself.
    c.call(reqwest::Method::POST, &admin, Some(json!({"machine": {"fault": "hang"}}))).await;
    let m = c.create(machine("test/ok", false)).await;
    let id = m["id"].as_str().unwrap();
    assert_eq!(c.wait(id, "started", "", 10).await, 200);
    assert_eq!(c.wait(id, "stopped", m["instance_id"].as_str().unwrap(), 1).await, 408);

    // Vanish: 404 afterwards.
    c.call(reqwest::Method::POST, &admin, Some(json!({"machine": {"fault": "vanish"}}))).await;
    let m = c.create(machine("test/sleep", false)).await;
    let id = m["id"].as_str().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.get(id).await.0 != 404 {
        assert!(Instant::now() < deadline, "the machine never vanished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Slow start.
    c.call(reqwest::Method::POST, &admin, Some(json!({"machine": {"fault": {"slow_start_ms": 700}}}))).await;
    let t = Instant::now();
    let m = c.create(machine("test/sleep", false)).await;
    assert_eq!(c.wait(m["id"].as_str().unwrap(), "started", "", 10).await, 200);
    assert!(t.elapsed() >= Duration::from_millis(700), "{:?}", t.elapsed());
}

#[tokio::test]
async fn app_secrets_are_set_listed_without_values_and_reach_every_machine() {
    let c = Client::new(false).await;
    let (secrets, one) = ("/apps/{app_name}/secrets", "/apps/{app_name}/secrets/{secret_name}");
    for (method, path, status) in [("get", secrets, 200), ("get", one, 200), ("post", one, 201), ("delete", one, 200)] {
        c.spec.assert_operation(method, path, status);
    }
    let body = json!({"value": "hunter2-app-secret"});
    c.spec.assert_valid("SetAppSecretRequest", &body);
    let (status, set, _) = c.call(reqwest::Method::POST, "/secrets/R2_SECRET_ACCESS_KEY", Some(body)).await;
    assert_eq!(status, 201, "{set}");
    c.spec.assert_valid("SetAppSecretResponse", &set);
    assert_eq!(set["name"], "R2_SECRET_ACCESS_KEY");
    assert!(set["version"].as_u64().is_some_and(|v| v >= 1) && set.get("value").is_none(), "{set}");

    let (status, list, _) = c.call(reqwest::Method::GET, "/secrets", None).await;
    assert_eq!(status, 200);
    c.spec.assert_valid("AppSecrets", &list);
    assert_eq!(list["secrets"][0]["name"], "R2_SECRET_ACCESS_KEY");
    assert!(list["secrets"][0]["digest"].as_str().is_some_and(|d| !d.is_empty()));
    assert!(!list.to_string().contains("hunter2"), "a listing never holds a value: {list}");
    let (status, shown, _) = c.call(reqwest::Method::GET, "/secrets/R2_SECRET_ACCESS_KEY", None).await;
    assert_eq!(status, 200);
    c.spec.assert_valid("AppSecret", &shown);
    assert!(!shown.to_string().contains("hunter2"), "{shown}");

    // Fly puts app secrets into every machine's environment; the machine's config never holds them.
    let m = c.create(machine("test/secret", false)).await;
    let id = m["id"].as_str().unwrap();
    assert_eq!(c.wait(id, "stopped", m["instance_id"].as_str().unwrap(), 30).await, 200);
    let logs = c
        .http
        .get(format!("{}/sandbox/apps/{APP}/machines/{id}/logs", c.fly.url))
        .bearer_auth("test-token")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(logs.trim(), "task=t1 secret=hunter2-app-secret");
    assert!(!c.get(id).await.1.to_string().contains("hunter2"));
    let log = c.fly.fleet.create_log();
    assert_eq!(log.len(), 1);
    assert!(!log[0].to_string().contains("hunter2") && log[0]["config"]["env"]["TASK_ID"] == "t1", "{log:?}");

    for (name, body) in [("bad-name", json!({"value": "x"})), ("OK_NAME", json!({"value": ""})), ("OK", json!(5))] {
        let (status, _, _) = c.call(reqwest::Method::POST, &format!("/secrets/{name}"), Some(body)).await;
        assert_eq!(status, 400, "{name}");
    }
    let (status, deleted, _) = c.call(reqwest::Method::DELETE, "/secrets/R2_SECRET_ACCESS_KEY", None).await;
    assert_eq!(status, 200);
    c.spec.assert_valid("DeleteAppSecretResponse", &deleted);
    assert!(deleted["version"].as_u64() > set["version"].as_u64(), "each change raises the version");
    let (_, list, _) = c.call(reqwest::Method::GET, "/secrets", None).await;
    assert_eq!(list["secrets"], json!([]));
    let (status, _, _) = c.call(reqwest::Method::DELETE, "/secrets/R2_SECRET_ACCESS_KEY", None).await;
    assert_eq!(status, 404);
    let (status, _, _) = c.call(reqwest::Method::GET, &format!("{}/v1/apps/nope/secrets", c.fly.url), None).await;
    assert_eq!(status, 404);
}

/// A machine destroyed before its lifecycle ran (the create's answer just arrived) stays destroyed:
/// it is never started afterwards, and its process never runs.
#[tokio::test]
async fn a_machine_destroyed_before_it_started_never_starts() {
    let c = Client::new(false).await;
    let request = serde_json::from_value(machine("test/sleep", false)).unwrap();
    // On this single-threaded runtime the lifecycle task cannot run before the destroy.
    let m = c.fly.fleet.create(APP, request);
    assert!(matches!(c.fly.fleet.destroy(APP, &m.id, true), arke_export_sandbox::fly::Lookup::Found(true)));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, machine) = c.get(&m.id).await;
    assert_eq!((status, machine["state"].as_str()), (200, Some("destroyed")));
    let events = c.events(&m.id).await;
    assert!(!events.iter().any(|e| e["type"] == "start"), "it never started: {events:?}");
}
