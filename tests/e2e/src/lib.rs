//! Harness for end-to-end tests of the desktop app.
//!
//! Starts `tauri-driver` (which starts WebKitWebDriver, which starts the app)
//! with every per-user directory pointed into a throwaway folder, and hands the
//! test a WebDriver client. Run it under `xvfb-run -a dbus-run-session --`.

pub mod a11y;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// A running app under WebDriver control, with its own home.
pub struct App {
    pub client: Client,
    pub home: tempfile::TempDir,
    driver: Child,
    /// The driver's process group was stopped (never signalled twice: its id may be reused).
    stopped: bool,
}

/// The built app binary: `ARKE_EXPORT_APP`, else `<target dir>/debug/arke-export-desktop`.
pub fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ARKE_EXPORT_APP") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"), PathBuf::from);
    target.join("debug").join("arke-export-desktop")
}

/// Whether the app under test is the installed package (`ARKE_EXPORT_INSTALLED=1`, set by
/// `make dist-test`): it then gets no hint where its worker is and must find the sidecar
/// installed beside its own binary, as it does on an archivist's machine.
pub fn installed() -> bool {
    std::env::var_os("ARKE_EXPORT_INSTALLED").is_some_and(|v| v == "1")
}

/// Where screenshots go: `ARKE_EXPORT_ARTIFACTS`, else `<workspace>/artifacts/e2e`.
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("ARKE_EXPORT_ARTIFACTS")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/e2e"), PathBuf::from);
    std::fs::create_dir_all(&dir).expect("create the artifacts folder");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("no free port on 127.0.0.1")
}

impl App {
    /// Launches the app with a fresh home. Panics with a clear message when a
    /// prerequisite (display, binary, tauri-driver) is missing.
    pub async fn launch() -> App {
        let home = tempfile::Builder::new().prefix("arke-e2e-").tempdir().expect("temp home");
        App::launch_in(home).await
    }

    /// Launches the app with the given home (its data, config and keyring from a previous run).
    pub async fn launch_in(home: tempfile::TempDir) -> App {
        App::launch_in_with(home, &[]).await
    }

    /// Launches the app with a fresh home and these environment variables on top (settings as
    /// `ARKE_EXPORT_<KEY>`, e.g. Fly mode against a sandbox the test runs itself).
    pub async fn launch_with_env(env: &[(String, String)]) -> App {
        let home = tempfile::Builder::new().prefix("arke-e2e-").tempdir().expect("temp home");
        App::launch_in_with(home, env).await
    }

    async fn launch_in_with(home: tempfile::TempDir, env: &[(String, String)]) -> App {
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "no DISPLAY: run the E2E tests under `xvfb-run -a dbus-run-session --` (see the Makefile's e2e target)"
        );
        let binary = app_binary();
        assert!(
            binary.is_file(),
            "the app is not built at {}: run `make app` (tauri build --debug --no-bundle) first",
            binary.display()
        );
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new("tauri-driver");
        let saves = home.path().join("saved");
        std::fs::create_dir_all(&saves).expect("create the save folder");
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .stdin(Stdio::null())
            .env("NO_AT_BRIDGE", "1")
            // The save dialog's test seam: downloads go straight to this folder.
            .env("ARKE_EXPORT_SAVE_DIR", &saves)
            .env_remove("FLY_API_TOKEN")
            .env_remove("R2_SECRET_ACCESS_KEY");
        if installed() {
            cmd.env_remove("ARKE_EXPORT_WORKER_BIN");
        } else {
            cmd.env("ARKE_EXPORT_WORKER_BIN", binary.with_file_name("arke-export-worker"));
        }
        for (var, sub) in [
            ("HOME", "home"),
            ("XDG_DATA_HOME", "data"),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_CACHE_HOME", "cache"),
            ("XDG_STATE_HOME", "state"),
        ] {
            let dir = home.path().join(sub);
            std::fs::create_dir_all(&dir).expect("create a per-run folder");
            cmd.env(var, dir);
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        // Its own process group: WebKitWebDriver and the app go with it, even when a test panics.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let driver = cmd.spawn().unwrap_or_else(|e| {
            panic!("could not start tauri-driver ({e}): install it with `cargo install tauri-driver --locked`")
        });
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), serde_json::json!({ "application": binary.to_string_lossy() }));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let mut builder = ClientBuilder::rustls().expect("rustls client");
            let connect = builder.capabilities(caps.clone()).connect(&url);
            // A session that never opens (the app did not start) fails the test instead of hanging it.
            match tokio::time::timeout(Duration::from_mins(1), connect).await {
                Ok(Ok(client)) => break client,
                Ok(Err(_)) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(250)).await,
                Ok(Err(e)) => panic!("tauri-driver at {url} did not open a session: {e}"),
                Err(elapsed) => panic!("tauri-driver at {url} did not open a session ({elapsed}): did the app start?"),
            }
        };
        App { client, home, driver, stopped: false }
    }

    /// Waits until the element with this `data-testid` has text for which `ok` is true; returns the text.
    pub async fn wait_text(&self, test_id: &str, ok: impl Fn(&str) -> bool) -> String {
        let locator = format!("[data-testid=\"{test_id}\"]");
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self.client.find(Locator::Css(&locator)).await {
                last = el.text().await.unwrap_or_default();
                if ok(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("[data-testid={test_id}] never reached the expected text; last seen: {last:?}");
    }

    /// Saves a PNG of the window as `<artifacts>/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // Let WebKit paint what the DOM already holds: two animation frames.
        self.client
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
                vec![],
            )
            .await
            .expect("wait for a paint");
        let png = self.client.screenshot().await.expect("take a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }

    /// The folder downloads are saved to (`ARKE_EXPORT_SAVE_DIR`).
    pub fn save_dir(&self) -> PathBuf {
        self.home.path().join("saved")
    }

    /// Ends the WebDriver session (which closes the app) and stops the driver.
    pub async fn close(self) {
        let _ = self.close_keep_home().await;
    }

    /// Closes the app and hands back its home, to launch it again on the same state.
    pub async fn close_keep_home(mut self) -> tempfile::TempDir {
        let _ = self.client.clone().close().await;
        // Give the app a moment to exit on its own (it stops its sandbox machines) and release its
        // single-instance name and files; then whatever is left of the driver's group goes.
        tokio::time::sleep(Duration::from_millis(800)).await;
        self.stop_driver();
        let home = tempfile::Builder::new().prefix("arke-e2e-swap-").tempdir().expect("temp");
        std::mem::replace(&mut self.home, home)
    }

    /// Clicks the element with this `data-testid` (waiting for it).
    pub async fn click(&self, test_id: &str) {
        self.click_css(&format!("[data-testid=\"{test_id}\"]")).await;
    }

    /// Waits for an element matching `css` to exist and returns it.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                return el;
            }
            assert!(Instant::now() < deadline, "{css} never appeared");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `(job id, status, text)` of every job row currently shown, read in one script call
    /// (the list re-renders often, so element handles would go stale).
    pub async fn rows(&self) -> Vec<(String, String, String)> {
        let script = "return Array.from(document.querySelectorAll('[data-testid=\"job-row\"]'))\
                      .map(r => [r.dataset.jobId || '', r.dataset.status || '', r.innerText]);";
        let value = self.client.execute(script, vec![]).await.unwrap_or_default();
        serde_json::from_value(value).unwrap_or_default()
    }

    /// Clicks the first element matching `css`, retrying while the list re-renders under it.
    pub async fn click_css(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let clicked = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.click().await.is_ok(),
                Err(_) => false,
            };
            if clicked {
                return;
            }
            assert!(Instant::now() < deadline, "could not click {css}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Shows a tab and waits until `ok` holds for its rows (within `secs`); returns them.
    pub async fn wait_rows(
        &self,
        tab: &str,
        secs: u64,
        ok: impl Fn(&[(String, String, String)]) -> bool,
    ) -> Vec<(String, String, String)> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            self.click(&format!("tab-{tab}")).await;
            let rows = self.rows().await;
            if ok(&rows) {
                return rows;
            }
            assert!(Instant::now() < deadline, "the {tab} tab never showed the expected rows; last: {rows:?}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

/// A row of Browse: a record in the collection open now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct BrowseRow {
    pub pi: String,
    pub title: String,
    /// `collection`, `item`, or empty while unknown.
    pub kind: String,
    /// The status the archive gave (`found`, `missing`, `unavailable`; `pending` while looked up).
    pub status: String,
    pub checked: bool,
    pub text: String,
}

/// A row of the parsed list (the records to export).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ListRow {
    pub pi: String,
    pub title: String,
    pub status: String,
    pub text: String,
}

/// A job row with its title.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct JobRow {
    pub id: String,
    pub state: String,
    pub title: String,
    pub text: String,
}

impl App {
    /// Runs `script` (a function body that `return`s) in the window; `Null` when it fails.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.unwrap_or_default()
    }

    /// Polls `script` until `ok` holds for what it returns (within `secs`); returns that value.
    pub async fn wait_js<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        &self,
        what: &str,
        secs: u64,
        script: &str,
        ok: impl Fn(&T) -> bool,
    ) -> T {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let mut last = None;
        loop {
            if let Ok(value) = serde_json::from_value::<T>(self.js(script).await) {
                if ok(&value) {
                    return value;
                }
                last = Some(value);
            }
            assert!(Instant::now() < deadline, "{what} never happened; last seen: {last:#?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Browse's rows drawn now (a virtualized list: those in view and just beyond).
    pub async fn wait_browse_rows(&self, secs: u64, ok: impl Fn(&[BrowseRow]) -> bool) -> Vec<BrowseRow> {
        let script = "return Array.from(document.querySelectorAll('[data-testid=\"browse-row\"]')).map(r => ({\
                      pi: r.dataset.pi || '', title: r.dataset.title || '', kind: r.dataset.kind || '',\
                      status: r.dataset.record || '', text: r.innerText,\
                      checked: !!r.querySelector('[data-testid=\"browse-check\"]')?.checked }));";
        self.wait_js("the expected Browse rows", secs, script, |rows: &Vec<BrowseRow>| ok(rows)).await
    }

    /// The parsed list's rows drawn now.
    pub async fn wait_list_rows(&self, secs: u64, ok: impl Fn(&[ListRow]) -> bool) -> Vec<ListRow> {
        let script = "return Array.from(document.querySelectorAll('[data-testid=\"id-row\"]')).map(r => ({\
                      pi: r.dataset.pi || '', title: r.dataset.title || '', status: r.dataset.record || '',\
                      text: r.innerText }));";
        self.wait_js("the expected list rows", secs, script, |rows: &Vec<ListRow>| ok(rows)).await
    }

    /// Shows a tab and waits until `ok` holds for its job rows, titles included.
    pub async fn wait_job_rows(&self, tab: &str, secs: u64, ok: impl Fn(&[JobRow]) -> bool) -> Vec<JobRow> {
        self.click(&format!("tab-{tab}")).await;
        let script = "return Array.from(document.querySelectorAll('[data-testid=\"job-row\"]')).map(r => ({\
                      id: r.dataset.jobId || '', state: r.dataset.state || '', title: r.dataset.title || '',\
                      text: r.innerText }));";
        self.wait_js(&format!("the {tab} tab's expected rows"), secs, script, |rows: &Vec<JobRow>| ok(rows)).await
    }
}

impl App {
    /// Stops tauri-driver with its whole process group (WebKitWebDriver and the app).
    fn stop_driver(&mut self) {
        if std::mem::replace(&mut self.stopped, true) {
            return;
        }
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // (close_keep_home already stopped the driver; killing twice is harmless.) A test that
        // panicked leaves no app behind to hold the single-instance name for the next one.
        self.stop_driver();
    }
}
