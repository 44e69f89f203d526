//! The traversal: records are fetched concurrently (every permitted request slot kept busy)
//! and handed in a deterministic breadth-first order to a [`Sink`], which streams them to the files
//! of every requested format (see [`crate::output`]): one traversal, whatever the number of formats.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::task::JoinHandle;

use arke_export_contract::options::ExportOptions;
use arke_export_contract::pi::Pi;
use arke_export_contract::result::Failure;
use arke_export_crosswalk::describe::Position;
use arke_export_crosswalk::fetch::fetch_entity;
use arke_export_crosswalk::model::{EntityData, PinaxState};
use arke_export_crosswalk::source::{FetchError, Source};

/// Live counts, read by the progress reporter.
#[derive(Debug, Default)]
pub struct Counters {
    pub done: AtomicU64,
    pub failed: AtomicU64,
    /// 0 while unknown (a recursive export discovers its size as it goes).
    pub total: AtomicU64,
}

#[derive(Debug, Default)]
pub struct ExportStats {
    pub exported: u64,
    pub incomplete: u64,
    /// The first [`MAX_KEPT_FAILURES`] failures; `failed` counts them all (memory stays flat however
    /// many records fail).
    pub failures: Vec<Failure>,
    pub failed: u64,
}

/// Failures kept in memory for `result.json`, at most.
pub const MAX_KEPT_FAILURES: usize = 1_000;

impl ExportStats {
    fn fail(&mut self, failure: Failure) {
        self.failed += 1;
        if self.failures.len() < MAX_KEPT_FAILURES {
            self.failures.push(failure);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the export file failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("no record could be exported: {0}")]
    Nothing(String),
}

/// What to export and how.
pub struct Plan<'a> {
    pub roots: &'a [Pi],
    pub options: &'a ExportOptions,
    /// One root, not recursive: each file is a single record, and records carry no position.
    pub single_record: bool,
}

/// Where the records go, in order: [`Sink::begin`], then [`Sink::record`] for each record written,
/// then [`Sink::end`].
pub trait Sink {
    fn begin(&mut self) -> std::io::Result<()>;
    fn record(&mut self, data: EntityData, position: Option<Position>) -> std::io::Result<()>;
    fn end(&mut self) -> std::io::Result<()>;
}

/// A written record's place in the tree, shared by the records queued below it: a path is
/// rebuilt from these links when a record is written, so the queue holds no path strings.
struct Link {
    key: u128,
    parent: Option<Arc<Link>>,
}

impl Link {
    /// `/{root}/…/{key}`.
    fn path_to(link: Option<&Arc<Link>>, key: u128) -> String {
        let mut keys = vec![key];
        let mut at = link;
        while let Some(l) = at {
            keys.push(l.key);
            at = l.parent.as_ref();
        }
        keys.iter().rev().fold(String::with_capacity(keys.len() * 27), |mut path, k| {
            path.push('/');
            path.push_str(Pi::from_key(*k).as_str());
            path
        })
    }
}

/// A record waiting for its turn to be written (about 32 bytes: the queue may hold a whole tree level).
struct Node {
    key: u128,
    depth: u32,
    parent: Option<Arc<Link>>,
}

/// A record requested and not yet written: in flight (`result` is `None`) or fetched.
struct Pending {
    depth: u32,
    result: Option<Result<EntityData, FetchError>>,
}

type Fetched = (u128, Result<EntityData, FetchError>);

/// Requests the worker's source lets be in flight at once: two per entity `parallelBatchSize` lets be
/// processed at once. (The original worker, with 10, had its 10 entities' manifests fetched twice and
/// their components all at once: 30–40 requests in flight; one request per entity would leave a
/// record's components waiting behind other records' manifests.)
pub fn requests_in_flight(options: &ExportOptions) -> usize {
    options.parallel_batch_size as usize * 2
}

/// Exports `plan` into `sink`. Records are fetched up to 2 × `parallelBatchSize` entities ahead
/// (requests themselves are capped by the source, see [`requests_in_flight`]); at most
/// `4 × parallelBatchSize` records are requested and not yet handed to the sink (which may hold a few
/// dozen more: [`crate::sink_thread`]), so memory stays flat: per record still to write or already
/// seen, only a 128-bit key (and 32 bytes in the queue) is kept.
pub async fn export(
    plan: &Plan<'_>,
    source: &Source,
    sink: &mut impl Sink,
    counters: &Counters,
) -> Result<ExportStats, ExportError> {
    let parallel = plan.options.parallel_batch_size as usize;
    let entity_slots = parallel * 2;
    let window = parallel * 4;
    let recursive = plan.options.recursive;
    let max_depth = plan.options.max_depth;
    let options = Arc::new(plan.options.clone());

    // The write order. `queue[..cursor]` have been requested (they are in `pending` until written).
    let mut queue: VecDeque<Node> = VecDeque::new();
    let mut cursor = 0usize;
    // Every record queued or written: each PI is visited once, whatever the cycles.
    let mut visited: HashSet<u128> = HashSet::new();
    for root in plan.roots {
        if visited.insert(root.key()) {
            queue.push_back(Node { key: root.key(), depth: 0, parent: None });
        }
    }
    if !recursive {
        counters.total.store(queue.len() as u64, Ordering::Relaxed);
    }
    let mut pending: HashMap<u128, Pending> = HashMap::new();
    // Children of fetched records not yet written, requested ahead when the queue runs dry; only
    // the newest few are kept (an older one is queued by the time it would be used).
    let mut speculative: VecDeque<(u128, u32)> = VecDeque::new();
    let speculative_cap = window * 4;
    let mut inflight: FuturesUnordered<JoinHandle<Fetched>> = FuturesUnordered::new();
    let mut stats = ExportStats::default();

    sink.begin()?;

    let request = |key: u128, depth: u32, pending: &mut HashMap<u128, Pending>, inflight: &mut FuturesUnordered<_>| {
        pending.insert(key, Pending { depth, result: None });
        let source = source.clone();
        let options = options.clone();
        inflight.push(tokio::spawn(async move {
            let result = fetch_entity(&source, Pi::from_key(key), &options).await;
            (key, result)
        }));
    };

    loop {
        // 1. Write every record whose turn has come.
        while let Some(head) = queue.front() {
            if pending.get(&head.key).is_none_or(|p| p.result.is_none()) {
                break;
            }
            let node = queue.pop_front().expect("the head exists");
            cursor = cursor.saturating_sub(1);
            let result = pending.remove(&node.key).and_then(|p| p.result).expect("checked above");
            match result {
                Ok(data) => {
                    if recursive && node.depth < max_depth {
                        let mut link = None;
                        for raw in &data.manifest.children_pi {
                            match Pi::parse(raw) {
                                Ok(child) if visited.insert(child.key()) => {
                                    let parent = link
                                        .get_or_insert_with(|| {
                                            Arc::new(Link { key: node.key, parent: node.parent.clone() })
                                        })
                                        .clone();
                                    queue.push_back(Node {
                                        key: child.key(),
                                        depth: node.depth + 1,
                                        parent: Some(parent),
                                    });
                                }
                                Ok(_) => {}
                                Err(e) => stats.fail(Failure {
                                    pi: raw.chars().take(64).collect(),
                                    error: format!("listed as a child of {} but it {e}", data.pi),
                                }),
                            }
                        }
                    }
                    let position = (!plan.single_record).then(|| Position {
                        depth: node.depth,
                        parent: node.parent.as_ref().map(|l| Pi::from_key(l.key)),
                        path: Link::path_to(node.parent.as_ref(), node.key),
                    });
                    stats.exported += 1;
                    if !matches!(data.pinax, PinaxState::Present(_)) {
                        stats.incomplete += 1;
                    }
                    sink.record(data, position)?;
                    counters.done.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    stats.fail(Failure { pi: Pi::from_key(node.key).to_string(), error: e.to_string() });
                    counters.failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let Some(head) = queue.front() else { break };

        // 2. Keep the request slots busy: the record whose turn it is first, then the queue in
        //    order, then (recursive) children of records fetched but not yet written.
        if !pending.contains_key(&head.key) {
            request(head.key, head.depth, &mut pending, &mut inflight);
        }
        cursor = cursor.max(1);
        while inflight.len() < entity_slots && pending.len() < window {
            if let Some(node) = queue.get(cursor) {
                cursor += 1;
                if !pending.contains_key(&node.key) {
                    request(node.key, node.depth, &mut pending, &mut inflight);
                }
            } else if let Some((key, depth)) = speculative.pop_front() {
                if !visited.contains(&key) && !pending.contains_key(&key) {
                    request(key, depth, &mut pending, &mut inflight);
                }
            } else {
                break;
            }
        }

        // 3. Wait for one fetch.
        let Some(joined) = inflight.next().await else {
            unreachable!("the head of the queue is always requested and not yet written");
        };
        let (key, result) = joined.map_err(|e| std::io::Error::other(format!("a fetch task failed: {e}")))?;
        let Some(depth) = pending.get(&key).map(|p| p.depth) else { continue };
        if recursive
            && depth < max_depth
            && let Ok(data) = &result
        {
            for child in data.manifest.children_pi.iter().filter_map(|c| Pi::parse(c).ok()).map(|c| c.key()) {
                if !visited.contains(&child) && !pending.contains_key(&child) {
                    if speculative.len() == speculative_cap {
                        speculative.pop_front();
                    }
                    speculative.push_back((child, depth + 1));
                }
            }
        }
        if let Some(entry) = pending.get_mut(&key) {
            entry.result = Some(result);
        }
    }
    for task in &inflight {
        task.abort();
    }

    sink.end()?;
    if stats.exported == 0 {
        let why = stats.failures.first().map_or_else(|| "nothing to export".to_owned(), |f| f.error.clone());
        return Err(ExportError::Nothing(why));
    }
    counters.total.store(stats.exported + stats.failed, Ordering::Relaxed);
    Ok(stats)
}

#[cfg(test)]
mod failure_tests {
    use super::*;

    #[test]
    fn failures_are_the_first_thousand_and_a_count() {
        let mut stats = ExportStats::default();
        for i in 0..5_000 {
            stats.fail(Failure { pi: format!("p{i}"), error: "gone".into() });
        }
        assert_eq!(stats.failed, 5_000);
        assert_eq!(stats.failures.len(), MAX_KEPT_FAILURES);
        assert_eq!(stats.failures[0].pi, "p0");
    }
}
