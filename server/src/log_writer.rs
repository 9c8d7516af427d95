//! The decision log writer (§8) with group commit: handlers enqueue their records (while they
//! hold the evaluator, so the log's order is the order of decisions) and wait; one thread takes
//! everything queued, writes it with one write and one `fsync`, then answers every waiter. The
//! file is locked for the life of the writer: one writer per file.

use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;

use fpl_runtime::log::{DecisionLog, LogError, LogOptions, Record};
use tokio::sync::oneshot;

/// Records written in one group at most.
const MAX_GROUP: usize = 4096;

/// Whether a group was written.
pub(crate) type Written = oneshot::Receiver<bool>;

/// The handle handlers enqueue records through.
#[derive(Debug, Clone)]
pub(crate) struct LogWriter {
    sender: mpsc::Sender<Job>,
}

/// The writer thread; joined at shutdown after every handle is gone.
#[derive(Debug)]
pub(crate) struct LogThread(JoinHandle<()>);

#[derive(Debug)]
struct Job {
    records: Vec<Record>,
    done: oneshot::Sender<bool>,
}

impl LogWriter {
    /// Opens the log exclusively (verifying what it holds) and starts the writer thread.
    pub fn start(path: &Path, sync: bool) -> Result<(LogWriter, LogThread), LogError> {
        let log = DecisionLog::open_exclusive(path, LogOptions { sync })?;
        let (sender, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || write_groups(log, &receiver))?;
        Ok((LogWriter { sender }, LogThread(thread)))
    }

    /// Queues records; the receiver says whether they were written.
    pub fn submit(&self, records: Vec<Record>) -> Written {
        let (done, written) = oneshot::channel();
        // A closed channel drops `done`, so the waiter sees a failed write.
        let _ = self.sender.send(Job { records, done });
        written
    }
}

impl LogThread {
    /// Waits until everything queued is written.
    pub fn join(self) {
        let _ = self.0.join();
    }
}

/// Writes queued jobs in groups until every sender is gone.
fn write_groups(mut log: DecisionLog, receiver: &mpsc::Receiver<Job>) {
    let mut jobs: Vec<Job> = Vec::new();
    let mut records: Vec<Record> = Vec::new();
    while let Ok(first) = receiver.recv() {
        let mut queued = first.records.len();
        jobs.push(first);
        while queued < MAX_GROUP {
            match receiver.try_recv() {
                Ok(job) => {
                    queued += job.records.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        for job in &mut jobs {
            records.append(&mut job.records);
        }
        let ok = match log.append_records(&records) {
            Ok(()) => true,
            Err(error) => {
                report!(
                    "faramesh serve: decision log `{}`: {error}",
                    log.path().display()
                );
                false
            }
        };
        records.clear();
        for job in jobs.drain(..) {
            let _ = job.done.send(ok);
        }
    }
}
