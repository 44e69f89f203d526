//! The machines of the Fly stand-in: their records, their lifecycle, and the local
//! processes that stand in for them.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arke_fly_api::events::kind;
use arke_fly_api::{CreateMachineRequest, ExitEvent, ImageRef, Machine, MachineEvent, state};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use super::faults::MachineFault;
use super::ids::{Ids, now_ms, rfc3339};
use arke_fly_api::limits::RateLimits;

/// How images map to local commands.
#[derive(Debug, Clone)]
pub struct Images {
    /// The command for any image not listed in `by_image` (the workspace's `arke-export-worker`).
    pub default: Vec<String>,
    pub by_image: HashMap<String, Vec<String>>,
}

impl Images {
    pub(super) fn command(&self, image: &str) -> Vec<String> {
        self.by_image.get(image).cloned().unwrap_or_else(|| self.default.clone())
    }
}

struct Entry {
    app: String,
    machine: Machine,
    state_tx: watch::Sender<String>,
    stop: Arc<Notify>,
    stop_requested: Arc<AtomicBool>,
    logs: Arc<Mutex<VecDeque<u8>>>,
}

/// Everything the stand-in knows; shared by the HTTP handlers and the machine tasks.
pub struct Fleet {
    pub apps: Vec<String>,
    pub region: String,
    pub images: Images,
    pub limits: RateLimits,
    pub limits_on: AtomicBool,
    pub ids: Ids,
    /// `(remaining, status)` for failing the next creates.
    pub fail_creates: Mutex<(u32, u16)>,
    /// `(remaining, status)` for failing the next machine listings.
    pub fail_lists: Mutex<(u32, u16)>,
    next_faults: Mutex<VecDeque<MachineFault>>,
    named_faults: Mutex<HashMap<String, MachineFault>>,
    machines: Mutex<HashMap<String, Entry>>,
    tasks: Mutex<JoinSet<()>>,
    pub created: AtomicU32,
    /// The app secrets ([`super::secrets`]).
    pub(super) secrets: super::secrets::SecretStore,
    /// Every create request's body as it arrived, oldest first (what a machine's config carried).
    creates: Mutex<Vec<serde_json::Value>>,
}

pub enum Lookup<T> {
    Found(T),
    NoApp,
    NoMachine,
}

impl Fleet {
    pub fn new(apps: Vec<String>, region: String, images: Images) -> Fleet {
        Fleet {
            apps,
            region,
            images,
            limits: RateLimits::default(),
            limits_on: AtomicBool::new(true),
            ids: Ids::default(),
            fail_creates: Mutex::new((0, 503)),
            fail_lists: Mutex::new((0, 503)),
            next_faults: Mutex::new(VecDeque::new()),
            named_faults: Mutex::new(HashMap::new()),
            machines: Mutex::new(HashMap::new()),
            tasks: Mutex::new(JoinSet::new()),
            created: AtomicU32::new(0),
            secrets: super::secrets::SecretStore::default(),
            creates: Mutex::new(Vec::new()),
        }
    }

    pub(super) fn log_create(&self, body: serde_json::Value) {
        self.creates.lock().expect("create log").push(body);
    }

    /// The create log: every create request's body as it arrived, oldest first.
    pub fn create_log(&self) -> Vec<serde_json::Value> {
        self.creates.lock().expect("create log").clone()
    }

    pub fn has_app(&self, app: &str) -> bool {
        self.apps.iter().any(|a| a == app)
    }

    /// Queues a fault for the next machine created, or for the next one named `name`.
    pub fn inject(&self, name: Option<String>, fault: MachineFault) {
        match name {
            Some(name) => {
                self.named_faults.lock().expect("faults").insert(name, fault);
            }
            None => self.next_faults.lock().expect("faults").push_back(fault),
        }
    }

    /// Takes one injected create failure, if any: the status to answer.
    pub fn take_create_failure(&self) -> Option<u16> {
        let mut f = self.fail_creates.lock().expect("faults");
        (f.0 > 0).then(|| {
            f.0 -= 1;
            f.1
        })
    }

    /// Takes one injected listing failure, if any: the status to answer.
    pub fn take_list_failure(&self) -> Option<u16> {
        let mut f = self.fail_lists.lock().expect("faults");
        (f.0 > 0).then(|| {
            f.0 -= 1;
            f.1
        })
    }

    pub fn get(&self, app: &str, id: &str) -> Lookup<Machine> {
        if !self.has_app(app) {
            return Lookup::NoApp;
        }
        match self.machines.lock().expect("machines").get(id).filter(|e| e.app == app) {
            Some(e) => Lookup::Found(e.machine.clone()),
            None => Lookup::NoMachine,
        }
    }

    pub fn list(&self, app: &str, include_deleted: bool, region: Option<&str>) -> Vec<Machine> {
        let machines = self.machines.lock().expect("machines");
        let mut list: Vec<Machine> = machines
            .values()
            .filter(|e| e.app == app)
            .filter(|e| include_deleted || e.machine.state != state::DESTROYED)
            .filter(|e| region.is_none_or(|r| e.machine.region == r))
            .map(|e| e.machine.clone())
            .collect();
        list.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        list
    }

    /// A receiver of the machine's state, for `/wait`.
    pub fn watch_state(&self, app: &str, id: &str) -> Lookup<(watch::Receiver<String>, String)> {
        if !self.has_app(app) {
            return Lookup::NoApp;
        }
        match self.machines.lock().expect("machines").get(id).filter(|e| e.app == app) {
            Some(e) => Lookup::Found((e.state_tx.subscribe(), e.machine.instance_id.clone())),
            None => Lookup::NoMachine,
        }
    }

    pub fn logs(&self, app: &str, id: &str) -> Lookup<String> {
        match self.machines.lock().expect("machines").get(id).filter(|e| e.app == app) {
            Some(e) => {
                let logs = e.logs.lock().expect("logs");
                let (a, b) = logs.as_slices();
                Lookup::Found(String::from_utf8_lossy(&[a, b].concat()).into_owned())
            }
            None if !self.has_app(app) => Lookup::NoApp,
            None => Lookup::NoMachine,
        }
    }

    fn update(&self, id: &str, f: impl FnOnce(&mut Machine)) {
        let mut machines = self.machines.lock().expect("machines");
        // As on Fly, a destroyed machine never changes again (its lifecycle may still be winding down).
        if let Some(e) = machines.get_mut(id).filter(|e| e.machine.state != state::DESTROYED) {
            f(&mut e.machine);
            e.machine.updated_at = rfc3339(now_ms());
            e.state_tx.send_replace(e.machine.state.clone());
        }
    }

    pub(super) fn set_state(&self, id: &str, new_state: &str, event: Option<(&str, Option<serde_json::Value>)>) {
        let event_id = self.ids.instance_id();
        self.update(id, |m| {
            new_state.clone_into(&mut m.state);
            if let Some((event_kind, request)) = event {
                m.events.insert(
                    0,
                    MachineEvent {
                        id: event_id,
                        kind: event_kind.to_owned(),
                        status: new_state.to_owned(),
                        // As on Fly: what the machine did (start, exit) comes from flyd, the rest from the user.
                        source: if matches!(event_kind, kind::START | kind::EXIT) {
                            "flyd".into()
                        } else {
                            "user".into()
                        },
                        timestamp: now_ms(),
                        request,
                    },
                );
            }
        });
    }

    /// Creates a machine and, unless `skip_launch`, starts its lifecycle.
    pub fn create(self: &Arc<Self>, app: &str, req: CreateMachineRequest) -> Machine {
        let id = self.ids.machine_id();
        let now = now_ms();
        let name = req.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| format!("sandbox-{id}"));
        let (repository, tag) = req.config.image.rsplit_once(':').unwrap_or((&req.config.image, "latest"));
        let machine = Machine {
            id: id.clone(),
            name: name.clone(),
            state: state::CREATED.to_owned(),
            region: req.region.clone().filter(|r| !r.is_empty()).unwrap_or_else(|| self.region.clone()),
            instance_id: self.ids.instance_id(),
            private_ip: format!("fdaa:0:1:a7b:1::{:x}", self.created.fetch_add(1, Ordering::Relaxed) + 2),
            config: req.config.clone(),
            image_ref: Some(ImageRef {
                registry: "registry.fly.io".into(),
                repository: repository.to_owned(),
                tag: tag.to_owned(),
                digest: String::new(),
            }),
            created_at: rfc3339(now),
            updated_at: rfc3339(now),
            events: vec![MachineEvent {
                id: self.ids.instance_id(),
                kind: kind::LAUNCH.into(),
                status: state::CREATED.into(),
                source: "user".into(),
                timestamp: now,
                request: None,
            }],
        };
        let (state_tx, _) = watch::channel(machine.state.clone());
        let stop = Arc::new(Notify::new());
        let stop_requested = Arc::new(AtomicBool::new(false));
        let logs = Arc::new(Mutex::new(VecDeque::new()));
        self.machines.lock().expect("machines").insert(
            id.clone(),
            Entry {
                app: app.to_owned(),
                machine: machine.clone(),
                state_tx,
                stop: stop.clone(),
                stop_requested: stop_requested.clone(),
                logs: logs.clone(),
            },
        );
        if req.skip_launch != Some(true) {
            let fault = self
                .named_faults
                .lock()
                .expect("faults")
                .remove(&name)
                .or_else(|| self.next_faults.lock().expect("faults").pop_front());
            let fleet = self.clone();
            let app = app.to_owned();
            self.tasks.lock().expect("tasks").spawn(async move {
                fleet.lifecycle(&app, &id, fault, stop, stop_requested, logs).await;
            });
        }
        machine
    }

    /// Asks a machine to stop. `false` when it is not running.
    pub fn stop(&self, app: &str, id: &str) -> Lookup<bool> {
        let machines = self.machines.lock().expect("machines");
        match machines.get(id).filter(|e| e.app == app) {
            Some(e) => {
                let running = matches!(e.machine.state.as_str(), state::STARTING | state::STARTED | state::CREATED);
                e.stop_requested.store(true, Ordering::SeqCst);
                e.stop.notify_one();
                Lookup::Found(running)
            }
            None if !self.has_app(app) => Lookup::NoApp,
            None => Lookup::NoMachine,
        }
    }

    /// Destroys a machine: refused (`Ok(false)`) while it runs, unless `force`.
    pub fn destroy(&self, app: &str, id: &str, force: bool) -> Lookup<bool> {
        let running = {
            let machines = self.machines.lock().expect("machines");
            match machines.get(id).filter(|e| e.app == app) {
                Some(e) => matches!(e.machine.state.as_str(), state::STARTING | state::STARTED | state::STOPPING),
                None if !self.has_app(app) => return Lookup::NoApp,
                None => return Lookup::NoMachine,
            }
        };
        if running && !force {
            return Lookup::Found(false);
        }
        if running {
            let _ = self.stop(app, id);
            self.update(id, |m| m.config.auto_destroy = Some(true));
        } else {
            // Not started yet (or stopped): its lifecycle must not start it after this.
            let _ = self.stop(app, id);
            self.set_state(id, state::DESTROYED, Some((kind::DESTROY, None)));
        }
        Lookup::Found(true)
    }

    fn vanish(&self, id: &str) {
        self.machines.lock().expect("machines").remove(id);
    }

    async fn lifecycle(
        self: Arc<Self>,
        app: &str,
        id: &str,
        fault: Option<MachineFault>,
        stop: Arc<Notify>,
        stop_requested: Arc<AtomicBool>,
        logs: Arc<Mutex<VecDeque<u8>>>,
    ) {
        let Lookup::Found(machine) = self.get(app, id) else { return };
        let mut restarts = 0;
        loop {
            if stop_requested.load(Ordering::SeqCst) {
                // Stopped or destroyed before it (re)started: it does not start.
                self.set_state(id, state::STOPPED, None);
                break;
            }
            self.set_state(id, state::STARTING, None);
            if let Some(delay) = fault.as_ref().and_then(MachineFault::slow_start) {
                tokio::time::sleep(delay).await;
            }
            let (code, requested) = match &fault {
                Some(MachineFault::CrashAtStart) => (127, false),
                Some(MachineFault::ExitWith(k)) => {
                    self.set_state(id, state::STARTED, Some((kind::START, None)));
                    (*k, false)
                }
                Some(MachineFault::Hang) => {
                    self.set_state(id, state::STARTED, Some((kind::START, None)));
                    if !stop_requested.load(Ordering::SeqCst) {
                        stop.notified().await;
                    }
                    (137, true)
                }
                Some(MachineFault::Vanish) => {
                    self.set_state(id, state::STARTED, Some((kind::START, None)));
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    self.vanish(id);
                    return;
                }
                _ => self.run_process(app, id, &machine, &stop, &stop_requested, &logs).await,
            };
            self.set_state(id, state::STOPPING, None);
            let exit = ExitEvent {
                exit_code: code,
                guest_exit_code: code,
                requested_stop: requested,
                exited_at: Some(rfc3339(now_ms())),
                ..ExitEvent::default()
            };
            self.set_state(id, state::STOPPED, Some((kind::EXIT, Some(exit.to_request(restarts)))));
            let restart = machine.config.restart.clone().unwrap_or_default();
            let again = !requested
                && match restart.policy.as_deref() {
                    Some("always") => true,
                    Some("on-failure") | None => code != 0 && restarts < restart.max_retries.unwrap_or(0),
                    _ => false,
                };
            if again {
                restarts += 1;
                continue;
            }
            break;
        }
        let auto_destroy = matches!(self.get(app, id), Lookup::Found(m) if m.config.auto_destroy == Some(true));
        if auto_destroy {
            self.set_state(id, state::DESTROYING, None);
            self.set_state(id, state::DESTROYED, Some((kind::DESTROY, None)));
        }
    }

    /// Stops every machine task (their processes are killed) and waits for them.
    pub async fn shutdown(&self) {
        let mut tasks = std::mem::take(&mut *self.tasks.lock().expect("tasks"));
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }

    pub fn abort_all(&self) {
        self.tasks.lock().expect("tasks").abort_all();
    }
}
