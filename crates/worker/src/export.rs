//! The traversal: records are fetched concurrently (every permitted request slot kept busy)
//! and written in a deterministic breadth-first order, streamed to a file.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::task::JoinHandle;

use crate::contract::Failure;
use crate::fetch::fetch_entity;
use crate::mods::record::{self, EntityData, Links, PinaxState, Position};
use crate::options::ExportOptions;
use crate::pi::Pi;
use crate::source::{FetchError, Source};

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
    pub failures: Vec<Failure>,
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
    /// One root, not recursive: the file is a single `mods` record.
    pub single_record: bool,
    pub links: &'a Links,
    /// `YYYY-MM-DD`, for minimal records.
    pub today: &'a str,
}

struct Node {
    pi: Pi,
    depth: u32,
    parent: Option<Pi>,
    path: String,
}

type Fetched = (Pi, Result<EntityData, FetchError>);

/// Exports `plan` into `out`. Records are fetched up to 2 × `parallelBatchSize` entities ahead
/// (requests themselves are capped at `parallelBatchSize` by the source); at most
/// `4 × parallelBatchSize` fetched records wait in memory for their turn, so memory stays flat.
pub async fn export(
    plan: &Plan<'_>,
    source: &Source,
    out: &mut impl Write,
    counters: &Counters,
) -> Result<ExportStats, ExportError> {
    let parallel = plan.options.parallel_batch_size as usize;
    let entity_slots = parallel * 2;
    let window = parallel * 4;
    let recursive = plan.options.recursive;
    let options = Arc::new(plan.options.clone());

    let mut canonical: VecDeque<Node> = VecDeque::new();
    let mut to_request: VecDeque<(Pi, u32)> = VecDeque::new();
    let mut visited: HashSet<Pi> = HashSet::new();
    for root in plan.roots {
        if visited.insert(root.clone()) {
            canonical.push_back(Node { pi: root.clone(), depth: 0, parent: None, path: format!("/{root}") });
            to_request.push_back((root.clone(), 0));
        }
    }
    if !recursive {
        counters.total.store(canonical.len() as u64, Ordering::Relaxed);
    }
    let mut requested: HashSet<Pi> = HashSet::new();
    let mut depth_hint: HashMap<Pi, u32> = HashMap::new();
    let mut speculative: VecDeque<(Pi, u32)> = VecDeque::new();
    let mut results: HashMap<Pi, Result<EntityData, FetchError>> = HashMap::new();
    let mut inflight: FuturesUnordered<JoinHandle<Fetched>> = FuturesUnordered::new();
    let mut stats = ExportStats::default();

    if !plan.single_record {
        out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<modsCollection")?;
        out.write_all(crate::mods::root_attributes().as_bytes())?;
        out.write_all(b">")?;
    } else {
        out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    }

    let spawn = |pi: Pi, inflight: &mut FuturesUnordered<JoinHandle<Fetched>>| {
        let source = source.clone();
        let options = options.clone();
        inflight.push(tokio::spawn(async move {
            let result = fetch_entity(&source, pi.clone(), &options).await;
            (pi, result)
        }));
    };

    loop {
        // 1. Write every record whose turn has come.
        while let Some(head) = canonical.front() {
            let Some(result) = results.remove(&head.pi) else { break };
            let node = canonical.pop_front().expect("the head exists");
            match result {
                Ok(data) => {
                    if recursive && node.depth < plan.options.max_depth {
                        for raw in &data.manifest.children_pi {
                            match Pi::parse(raw) {
                                Ok(child) if visited.insert(child.clone()) => {
                                    to_request.push_back((child.clone(), node.depth + 1));
                                    canonical.push_back(Node {
                                        path: format!("{}/{child}", node.path),
                                        pi: child,
                                        depth: node.depth + 1,
                                        parent: Some(node.pi.clone()),
                                    });
                                }
                                Ok(_) => {}
                                Err(e) => stats.failures.push(Failure {
                                    pi: raw.chars().take(64).collect(),
                                    error: format!("listed as a child of {} but it {e}", node.pi),
                                }),
                            }
                        }
                    }
                    let position = (!plan.single_record).then_some(Position {
                        depth: node.depth,
                        parent: node.parent.clone(),
                        path: node.path.clone(),
                    });
                    let xml = record::render(
                        &data,
                        position.as_ref(),
                        plan.options,
                        plan.links,
                        plan.single_record,
                        plan.today,
                    );
                    out.write_all(xml.as_bytes())?;
                    stats.exported += 1;
                    if !matches!(data.pinax, PinaxState::Present(_)) {
                        stats.incomplete += 1;
                    }
                    counters.done.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    stats.failures.push(Failure { pi: node.pi.to_string(), error: e.to_string() });
                    counters.failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        if canonical.is_empty() {
            break;
        }

        // 2. Keep the request slots busy: the record whose turn it is first, then the queue in
        //    order, then (recursive) children of records fetched but not yet written.
        let head = &canonical.front().expect("not empty").pi;
        if requested.insert(head.clone()) {
            spawn(head.clone(), &mut inflight);
        }
        while inflight.len() < entity_slots && results.len() + inflight.len() < window {
            let next = to_request.pop_front().or_else(|| speculative.pop_front());
            let Some((pi, depth)) = next else { break };
            if requested.insert(pi.clone()) {
                depth_hint.insert(pi.clone(), depth);
                spawn(pi, &mut inflight);
            }
        }

        // 3. Wait for one fetch.
        let Some(joined) = inflight.next().await else {
            unreachable!("the head of the queue is always requested and not yet written");
        };
        let (pi, result) = joined.map_err(|e| std::io::Error::other(format!("a fetch task failed: {e}")))?;
        if recursive && let Ok(data) = &result {
            let depth = depth_hint.get(&pi).copied().unwrap_or(0);
            if depth < plan.options.max_depth {
                for child in data.manifest.children_pi.iter().filter_map(|c| Pi::parse(c).ok()) {
                    if !requested.contains(&child) {
                        speculative.push_back((child, depth + 1));
                    }
                }
            }
        }
        results.insert(pi, result);
    }
    for task in inflight.iter() {
        task.abort();
    }

    if !plan.single_record {
        out.write_all(b"\n</modsCollection>\n")?;
    } else {
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if stats.exported == 0 {
        let why = stats.failures.first().map(|f| f.error.clone()).unwrap_or_else(|| "nothing to export".to_owned());
        return Err(ExportError::Nothing(why));
    }
    counters.total.store(stats.exported + stats.failures.len() as u64, Ordering::Relaxed);
    Ok(stats)
}
