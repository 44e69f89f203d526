//! A machine's process: the image's local command, its environment, its log, and stopping it.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arke_fly_api::{Machine, state};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::Notify;

use super::machines::Fleet;

/// Most bytes of output kept per machine (the oldest are dropped first).
const LOG_CAP: usize = 1024 * 1024;

impl Fleet {
    /// Runs the image's local command with the machine's environment; returns (exit code, stop requested).
    pub(super) async fn run_process(
        &self,
        app: &str,
        id: &str,
        machine: &Machine,
        stop: &Notify,
        stop_requested: &AtomicBool,
        logs: &Arc<Mutex<VecDeque<u8>>>,
    ) -> (i32, bool) {
        let command = self.images.command(&machine.config.image);
        let Some((program, args)) = command.split_first() else { return (127, false) };
        // As on Fly: the config's env, then the app's secrets (a secret wins over an env of its name).
        let mut env: BTreeMap<String, String> = machine.config.env.clone();
        env.extend(self.secret_env(app));
        env.insert("FLY_MACHINE_ID".into(), id.to_owned());
        env.insert("FLY_APP_NAME".into(), app.to_owned());
        env.insert("FLY_REGION".into(), machine.region.clone());
        env.insert("FLY_IMAGE_REF".into(), machine.config.image.clone());
        let mut cmd = tokio::process::Command::new(PathBuf::from(program));
        cmd.args(args)
            .env_clear()
            .envs(std::env::var("PATH").ok().map(|p| ("PATH".to_owned(), p)))
            .envs(std::env::var("TMPDIR").ok().map(|p| ("TMPDIR".to_owned(), p)))
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Its own process group, so a stop also reaches whatever the command started.
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                append(logs, format!("sandbox: could not start {program}: {e}\n").as_bytes());
                return (127, false);
            }
        };
        self.set_state(id, state::STARTED, Some((arke_fly_api::events::kind::START, None)));
        let out = child.stdout.take().map(|s| tokio::spawn(pump(s, logs.clone())));
        let err = child.stderr.take().map(|s| tokio::spawn(pump(s, logs.clone())));
        let result = tokio::select! {
            status = child.wait() => (status.ok().and_then(|s| s.code()).unwrap_or(137), false),
            () = stop.notified() => {
                #[cfg(unix)]
                if let Some(pid) = child.id() {
                    let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
                }
                let _ = child.start_kill();
                let _ = child.wait().await;
                (137, true)
            }
        };
        // Output still held open by a straggler must not keep the machine from stopping.
        for pump in [out, err].into_iter().flatten() {
            let abort = pump.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), pump).await.is_err() {
                abort.abort();
            }
        }
        (result.0, result.1 || stop_requested.load(Ordering::SeqCst))
    }
}

pub(super) fn append(logs: &Mutex<VecDeque<u8>>, bytes: &[u8]) {
    let mut logs = logs.lock().expect("logs");
    logs.extend(bytes);
    let excess = logs.len().saturating_sub(LOG_CAP);
    logs.drain(..excess);
}

async fn pump(mut from: impl AsyncRead + Unpin, logs: Arc<Mutex<VecDeque<u8>>>) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        append(&logs, &buf[..n]);
    }
}
