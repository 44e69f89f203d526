//! A [`Sink`] that runs on its own thread: the traversal (requests, answers, parsing) keeps the
//! runtime's one thread, and describing, writing and hashing the records go to a second core.
//! [`Placed`] chooses: a task that writes several formats, on a machine with a second core, writes
//! them on a thread of their own; otherwise the records are written where they are read (measured in
//! the `export_end_to_end` bench, runs alternating: for `mods,dc,marcxml` the thread raised throughput
//! by about 10%; for MODS alone, where writing is a sixth of the work, handing each record to another
//! core cost more than it saved; and on one core, the default Fly machine, there is nothing to gain).
//!
//! Records cross in batches of [`BATCH`], so the two threads meet once per batch rather than once per
//! record (on a VM each wake-up of the other thread is an interrupt between cores, and costs more than
//! handing over a record). At most [`BATCHES_QUEUED`] batch waits: between the threads there are at
//! most three batches (one being filled, one waiting, one being written), 48 records (the traversal's
//! own window is 40 with the default `parallelBatchSize`); when the writing falls behind, the
//! traversal waits for it. The first write error stops the thread; the next hand-over (or the end)
//! reports it.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::export::Sink;
use arke_export_crosswalk::describe::Position;
use arke_export_crosswalk::model::EntityData;

/// Records handed over at once.
pub const BATCH: usize = 16;
/// Batches waiting for the writing thread, at most.
pub const BATCHES_QUEUED: usize = 1;

enum Step {
    Begin,
    Records(Vec<(EntityData, Option<Position>)>),
    End,
}

/// `S` on a thread of its own; [`SinkThread::into_inner`] gives it back.
pub struct SinkThread<S: Sink + Send + 'static> {
    steps: Option<SyncSender<Step>>,
    batch: Vec<(EntityData, Option<Position>)>,
    thread: Option<JoinHandle<(S, std::io::Result<()>)>>,
    /// The thread's outcome once it has been joined.
    joined: Option<(S, std::io::Result<()>)>,
}

impl<S: Sink + Send + 'static> SinkThread<S> {
    pub fn start(sink: S) -> std::io::Result<SinkThread<S>> {
        let (steps, received) = sync_channel(BATCHES_QUEUED);
        let thread = std::thread::Builder::new().name("writer".into()).spawn(move || write_all(sink, &received))?;
        Ok(SinkThread { steps: Some(steps), batch: Vec::with_capacity(BATCH), thread: Some(thread), joined: None })
    }

    /// Stops the thread (what was handed over is written first) and gives the sink back, with the first
    /// write error if there was one.
    pub fn into_inner(mut self) -> (S, std::io::Result<()>) {
        self.join();
        self.joined.take().expect("joined above")
    }

    fn send(&mut self, step: Step) -> std::io::Result<()> {
        let sent = self.steps.as_ref().is_some_and(|steps| steps.send(step).is_ok());
        if sent { Ok(()) } else { Err(self.failure()) }
    }

    fn flush_batch(&mut self) -> std::io::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.send(Step::Records(batch))
    }

    /// Waits for the thread to end (it ends after the last step, or at its first error).
    fn join(&mut self) {
        self.steps = None;
        if let Some(thread) = self.thread.take() {
            match thread.join() {
                Ok(outcome) => self.joined = Some(outcome),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    }

    /// Why the thread stopped taking records.
    fn failure(&mut self) -> std::io::Error {
        self.join();
        self.write_error().unwrap_or_else(|| std::io::Error::other("the writing thread stopped"))
    }

    /// A copy of the joined thread's write error, if it had one (the original stays for `into_inner`).
    fn write_error(&self) -> Option<std::io::Error> {
        match &self.joined {
            Some((_, Err(e))) => Some(std::io::Error::new(e.kind(), e.to_string())),
            _ => None,
        }
    }
}

impl<S: Sink + Send + 'static> Sink for SinkThread<S> {
    fn begin(&mut self) -> std::io::Result<()> {
        self.send(Step::Begin)
    }

    fn record(&mut self, data: EntityData, position: Option<Position>) -> std::io::Result<()> {
        self.batch.push((data, position));
        if self.batch.len() >= BATCH { self.flush_batch() } else { Ok(()) }
    }

    /// Hands over what is left and waits until all of it is written.
    fn end(&mut self) -> std::io::Result<()> {
        self.flush_batch()?;
        self.send(Step::End)?;
        self.join();
        self.write_error().map_or(Ok(()), Err)
    }
}

/// A task's sink, where it runs.
pub enum Placed<S: Sink + Send + 'static> {
    Here(S),
    OnThread(SinkThread<S>),
}

impl<S: Sink + Send + 'static> Placed<S> {
    /// On a thread of its own when `formats` > 1 and this machine has a second core.
    pub fn new(sink: S, formats: usize) -> std::io::Result<Placed<S>> {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Ok(if formats > 1 && cores > 1 { Placed::OnThread(SinkThread::start(sink)?) } else { Placed::Here(sink) })
    }

    /// The sink back, with the first write error of its thread (if it had one).
    pub fn into_inner(self) -> (S, std::io::Result<()>) {
        match self {
            Placed::Here(sink) => (sink, Ok(())),
            Placed::OnThread(thread) => thread.into_inner(),
        }
    }
}

impl<S: Sink + Send + 'static> Sink for Placed<S> {
    fn begin(&mut self) -> std::io::Result<()> {
        match self {
            Placed::Here(sink) => sink.begin(),
            Placed::OnThread(thread) => thread.begin(),
        }
    }
    fn record(&mut self, data: EntityData, position: Option<Position>) -> std::io::Result<()> {
        match self {
            Placed::Here(sink) => sink.record(data, position),
            Placed::OnThread(thread) => thread.record(data, position),
        }
    }
    fn end(&mut self) -> std::io::Result<()> {
        match self {
            Placed::Here(sink) => sink.end(),
            Placed::OnThread(thread) => thread.end(),
        }
    }
}

/// The thread: every step in order, until the last one, a closed channel or the first error.
fn write_all<S: Sink>(mut sink: S, steps: &Receiver<Step>) -> (S, std::io::Result<()>) {
    let mut run = || {
        while let Ok(step) = steps.recv() {
            match step {
                Step::Begin => sink.begin()?,
                Step::Records(records) => {
                    for (data, position) in records {
                        sink.record(data, position)?;
                    }
                }
                Step::End => return sink.end(),
            }
        }
        Ok(())
    };
    let result = run();
    (sink, result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arke_export_contract::pi::Pi;
    use arke_export_crosswalk::model::PinaxState;

    /// Keeps what it is given; fails when it has kept `fail_at` steps (`begin` counts as one).
    #[derive(Default)]
    struct Kept {
        steps: Vec<String>,
        fail_at: Option<usize>,
    }

    impl Sink for Kept {
        fn begin(&mut self) -> std::io::Result<()> {
            self.steps.push("begin".into());
            Ok(())
        }
        fn record(&mut self, data: EntityData, position: Option<Position>) -> std::io::Result<()> {
            if self.fail_at == Some(self.steps.len()) {
                return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full"));
            }
            self.steps.push(format!("{} {}", data.pi, position.map_or(0, |p| p.depth)));
            Ok(())
        }
        fn end(&mut self) -> std::io::Result<()> {
            self.steps.push("end".into());
            Ok(())
        }
    }

    fn entity(n: u128) -> EntityData {
        EntityData {
            pi: Pi::from_key(n),
            manifest: serde_json::from_str("{}").unwrap(),
            pinax: PinaxState::Missing,
            description: None,
            graph: None,
            refs: Vec::new(),
        }
    }

    fn position(depth: u32) -> Position {
        Position { depth, parent: None, path: String::new() }
    }

    #[test]
    fn every_record_arrives_in_order_and_the_sink_comes_back() {
        let records = BATCH * 3 + 5;
        let mut thread = SinkThread::start(Kept::default()).unwrap();
        thread.begin().unwrap();
        for n in 0..records {
            thread.record(entity(n as u128), Some(position(n as u32))).unwrap();
        }
        thread.end().unwrap();
        let (kept, result) = thread.into_inner();
        result.unwrap();
        let expected: Vec<String> = std::iter::once("begin".to_owned())
            .chain((0..records).map(|n| format!("{} {n}", Pi::from_key(n as u128))))
            .chain(std::iter::once("end".to_owned()))
            .collect();
        assert_eq!(kept.steps, expected);
    }

    #[test]
    fn a_write_error_stops_the_thread_and_is_reported_with_its_kind() {
        let mut thread = SinkThread::start(Kept { fail_at: Some(3), ..Kept::default() }).unwrap();
        thread.begin().unwrap();
        // The error happens on the other thread: a later hand-over, or the end, reports it.
        let mut reported = None;
        for n in 0..BATCH * (BATCHES_QUEUED + 3) {
            if let Err(e) = thread.record(entity(n as u128), None) {
                reported = Some(e);
                break;
            }
        }
        let reported = match reported {
            Some(e) => e,
            None => thread.end().unwrap_err(),
        };
        assert_eq!(reported.to_string(), "disk full");
        assert_eq!(reported.kind(), std::io::ErrorKind::StorageFull);
        let (kept, result) = thread.into_inner();
        assert_eq!(result.unwrap_err().to_string(), "disk full");
        assert_eq!(kept.steps.len(), 3, "nothing is written after the error: {:?}", kept.steps);
    }
}
