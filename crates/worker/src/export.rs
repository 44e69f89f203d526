//! The traversal: records are fetched concurrently (every permitted request slot kept busy)
//! and written in a deterministic depth-first (pre-order) sequence, streamed to a file.
//!
//! Depth-first keeps memory flat: what waits to be written is one branch's pending siblings,
//! not a whole level of the tree; visited records are kept as 16-byte keys.

use std::collections::{HashMap, HashSet};
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

/// A record's place in the tree: itself and the chain of its ancestors (shared, not copied).
struct PathLink {
    pi: Pi,
    up: Option<Arc<PathLink>>,
}

impl PathLink {
    fn render(&self) -> String {
        let mut chain = vec![self.pi.as_str()];
        let mut at = self.up.as_deref();
        while let Some(link) = at {
            chain.push(link.pi.as_str());
            at = link.up.as_deref();
        }
        chain.reverse();
        format!("/{}", chain.join("/"))
    }
}

struct Node {
    depth: u32,
    link: Arc<PathLink>,
}

type Fetched = (Pi, Result<EntityData, FetchError>);

/// Exports `plan` into `out`. Up to 2 × `parallelBatchSize` entities are fetched ahead (requests
/// themselves are capped at `parallelBatchSize` by the source); at most 4 × `parallelBatchSize`
/// fetched records wait in memory for their turn.
pub async fn export(
    plan: &Plan<'_>,
    source: &Source,
    out: &mut impl Write,
    counters: &Counters,
) -> Result<ExportStats, ExportError> {
    let parallel = plan.options.parallel_batch_size as usize;
    let (entity_slots, window) = (parallel * 2, parallel * 4);
    let recursive = plan.options.recursive;
    let options = Arc::new(plan.options.clone());

    // The records still to write, the next one last (a stack: depth-first, children in order).
    let mut pending: Vec<Node> = Vec::new();
    let mut visited: HashSet<u128> = HashSet::new();
    let mut roots: Vec<&Pi> = plan.roots.iter().filter(|r| visited.insert(r.as_u128())).collect();
    if !recursive {
        counters.total.store(roots.len() as u64, Ordering::Relaxed);
    }
    roots.reverse();
    for root in roots {
        pending.push(Node { depth: 0, link: Arc::new(PathLink { pi: root.clone(), up: None }) });
    }
    let mut requested: HashSet<u128> = HashSet::new();
    let mut depth_hint: HashMap<u128, u32> = HashMap::new();
    let mut speculative: Vec<(Pi, u32)> = Vec::new();
    let mut results: HashMap<u128, Result<EntityData, FetchError>> = HashMap::new();
    let mut inflight: FuturesUnordered<JoinHandle<Fetched>> = FuturesUnordered::new();
    let mut stats = ExportStats::default();

    out.write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    if !plan.single_record {
        out.write_all(b"\n<modsCollection")?;
        out.write_all(crate::mods::root_attributes().as_bytes())?;
        out.write_all(b">")?;
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
        while let Some(next) = pending.last() {
            let Some(result) = results.remove(&next.link.pi.as_u128()) else { break };
            let node = pending.pop().expect("the next record exists");
            match result {
                Ok(data) => {
                    if recursive {
                        push_children(
                            &node,
                            &data,
                            plan.options.max_depth,
                            &mut pending,
                            &mut visited,
                            &mut results,
                            &mut stats,
                        );
                    }
                    let position = (!plan.single_record).then(|| Position {
                        depth: node.depth,
                        parent: node.link.up.as_ref().map(|up| up.pi.clone()),
                        path: node.link.render(),
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
                    stats.failures.push(Failure { pi: node.link.pi.to_string(), error: e.to_string() });
                    counters.failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        let Some(next) = pending.last() else { break };

        // 2. Keep the request slots busy: the record whose turn it is first, then the next ones
        //    on the stack, then (recursive) children of records fetched but not yet written.
        if requested.insert(next.link.pi.as_u128()) {
            depth_hint.insert(next.link.pi.as_u128(), next.depth);
            spawn(next.link.pi.clone(), &mut inflight);
        }
        let mut upcoming = pending.iter().rev();
        while inflight.len() < entity_slots && results.len() + inflight.len() < window {
            let candidate = upcoming
                .by_ref()
                .map(|n| (n.link.pi.clone(), n.depth))
                .find(|(pi, _)| !requested.contains(&pi.as_u128()))
                .or_else(|| speculative.pop());
            let Some((pi, depth)) = candidate else { break };
            if requested.insert(pi.as_u128()) {
                depth_hint.insert(pi.as_u128(), depth);
                spawn(pi, &mut inflight);
            }
        }

        // 3. Wait for one fetch.
        let Some(joined) = inflight.next().await else {
            unreachable!("the next record is always requested and not yet written");
        };
        let (pi, result) = joined.map_err(|e| std::io::Error::other(format!("a fetch task failed: {e}")))?;
        let depth = depth_hint.remove(&pi.as_u128()).unwrap_or(0);
        if recursive
            && depth < plan.options.max_depth
            && let Ok(data) = &result
        {
            // Last pushed is taken first: push in reverse so the first child comes first.
            for child in data.manifest.children_pi.iter().rev().filter_map(|c| Pi::parse(c).ok()) {
                if !requested.contains(&child.as_u128()) {
                    speculative.push((child, depth + 1));
                }
            }
        }
        results.insert(pi.as_u128(), result);
    }
    for task in inflight.iter() {
        task.abort();
    }

    if !plan.single_record {
        out.write_all(b"\n</modsCollection>")?;
    }
    out.write_all(b"\n")?;
    out.flush()?;
    if stats.exported == 0 {
        let why = stats.failures.first().map(|f| f.error.clone()).unwrap_or_else(|| "nothing to export".to_owned());
        return Err(ExportError::Nothing(why));
    }
    counters.total.store(stats.exported + stats.failures.len() as u64, Ordering::Relaxed);
    Ok(stats)
}

/// Puts a written record's children on the stack (first child on top). A child seen before (a
/// cycle, or a record listed twice) or below `max_depth` is not visited; a result fetched ahead
/// for a child that will never be written is dropped.
fn push_children(
    node: &Node,
    data: &EntityData,
    max_depth: u32,
    pending: &mut Vec<Node>,
    visited: &mut HashSet<u128>,
    results: &mut HashMap<u128, Result<EntityData, FetchError>>,
    stats: &mut ExportStats,
) {
    let mut children = Vec::new();
    for raw in &data.manifest.children_pi {
        match Pi::parse(raw) {
            Ok(child) if node.depth < max_depth && visited.insert(child.as_u128()) => children.push(child),
            Ok(child) => {
                if !visited.contains(&child.as_u128()) {
                    results.remove(&child.as_u128());
                }
            }
            Err(e) => stats.failures.push(Failure {
                pi: raw.chars().take(64).collect(),
                error: format!("listed as a child of {} but it {e}", node.link.pi),
            }),
        }
    }
    for child in children.into_iter().rev() {
        pending
            .push(Node { depth: node.depth + 1, link: Arc::new(PathLink { pi: child, up: Some(node.link.clone()) }) });
    }
}
