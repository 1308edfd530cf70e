//! The verifier threads: each opens its own `Store` (a store belongs to one thread) and
//! answers the requests the HTTP side queues. What is waiting when a thread picks up work is
//! answered together, in one write transaction, as `key verify --stream` does; uses of keys
//! without limits are written in batches about a second late, and all of them before the
//! thread exits. This module never touches HTTP.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

use super::metrics::Metrics;
use crate::error::{Error, Result};
use crate::store::{Store, VerifyOutcome, VerifyRequest};

/// Opens one store for one verifier thread; called once in each thread.
pub type Opener = Arc<dyn Fn() -> Result<Store> + Send + Sync>;

/// The most requests answered in one write transaction.
const BATCH: usize = 1024;
/// Requests that may wait for a verifier before new ones are refused with 503.
const QUEUE: usize = 8192;
/// How long an idle thread waits before writing the uses it holds.
const IDLE: Duration = Duration::from_millis(200);

/// What the HTTP side gets back for one request.
pub enum Answer {
    Verdict(Box<VerifyOutcome>),
    /// A tampered or corrupt record: answered as `INTEGRITY_ERROR`, never valid.
    Integrity(String),
    /// The store failed (locked, gone, I/O), or the queue is full or closed: 503.
    Unavailable,
}

enum Job {
    Verify(VerifyRequest, oneshot::Sender<Answer>),
    Ping(oneshot::Sender<Result<()>>),
}

/// The queue in front of the verifier threads, and the threads themselves.
pub struct Pool {
    queue: SyncSender<Job>,
    stopping: Arc<AtomicBool>,
    threads: Mutex<Vec<JoinHandle<Result<()>>>>,
}

impl Pool {
    /// Starts `n` verifier threads; returns once every one has opened its store, or with the
    /// first thread's error (a store that cannot be opened or unlocked).
    pub fn start(n: usize, open: Opener, metrics: Arc<Metrics>) -> Result<Pool> {
        let (queue, rx) = mpsc::sync_channel::<Job>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        let stopping = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::with_capacity(n);
        let (ready_tx, ready_rx) = mpsc::channel::<Result<()>>();
        for i in 0..n.max(1) {
            let (rx, stopping, open, metrics, ready) =
                (Arc::clone(&rx), Arc::clone(&stopping), Arc::clone(&open), Arc::clone(&metrics), ready_tx.clone());
            let handle = std::thread::Builder::new()
                .name(format!("keyctl-verifier-{i}"))
                .spawn(move || {
                    let store = match open() {
                        Ok(store) => {
                            let _ = ready.send(Ok(()));
                            store
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e));
                            return Ok(());
                        }
                    };
                    drop(ready);
                    work(&store, &rx, &stopping, &metrics)
                })
                .map_err(|e| Error::io("cannot start a verifier thread", e))?;
            threads.push(handle);
        }
        drop(ready_tx);
        let pool = Pool { queue, stopping, threads: Mutex::new(threads) };
        for _ in 0..n.max(1) {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    let _ = pool.stop();
                    return Err(e);
                }
                Err(_) => {
                    let _ = pool.stop();
                    return Err(stopped("a verifier thread stopped while opening the store"));
                }
            }
        }
        Ok(pool)
    }

    /// Queues one verify and waits for its answer.
    pub async fn verify(&self, req: VerifyRequest) -> Answer {
        let (tx, rx) = oneshot::channel();
        match self.queue.try_send(Job::Verify(req, tx)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Answer::Unavailable,
            Err(TrySendError::Disconnected(_)) => return Answer::Unavailable,
        }
        rx.await.unwrap_or(Answer::Unavailable)
    }

    /// Whether a verifier thread can read the store now.
    pub async fn ping(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        self.queue.try_send(Job::Ping(tx)).map_err(|_| stopped("the verifiers are busy or stopping"))?;
        rx.await.unwrap_or_else(|_| Err(stopped("the verifier stopped")))
    }

    /// Lets the threads finish what is queued, write the uses they hold, and exit; waits for
    /// them. The first error a thread met while writing is returned.
    pub fn stop(&self) -> Result<()> {
        self.stopping.store(true, Ordering::SeqCst);
        let threads = std::mem::take(&mut *self.threads.lock().unwrap_or_else(|p| p.into_inner()));
        let mut first = Ok(());
        for t in threads {
            let r = t.join().unwrap_or_else(|_| Err(stopped("a verifier thread panicked")));
            if first.is_ok() {
                first = r;
            }
        }
        first
    }
}

/// One verifier thread's loop: take what is waiting (up to `BATCH`), answer it, write
/// batched uses when idle, and on stop write everything before returning.
fn work(store: &Store, rx: &Mutex<mpsc::Receiver<Job>>, stopping: &AtomicBool, metrics: &Metrics) -> Result<()> {
    let mut verifier = store.batched_verifier();
    loop {
        let jobs = {
            let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
            match rx.recv_timeout(IDLE) {
                Ok(first) => {
                    let mut jobs = vec![first];
                    while jobs.len() < BATCH {
                        match rx.try_recv() {
                            Ok(job) => jobs.push(job),
                            Err(_) => break,
                        }
                    }
                    jobs
                }
                Err(RecvTimeoutError::Timeout) => Vec::new(),
                Err(RecvTimeoutError::Disconnected) => break,
            }
        };
        if jobs.is_empty() {
            // Idle: write the uses held so far; then stop if asked to.
            if let Err(e) = verifier.flush() {
                metrics.flush_failed();
                if stopping.load(Ordering::SeqCst) {
                    return Err(e);
                }
            }
            if stopping.load(Ordering::SeqCst) {
                break;
            }
            continue;
        }
        answer(store, &mut verifier, jobs, metrics);
    }
    verifier.flush()
}

/// Answers one group of jobs: a single verify directly (a read transaction for keys without
/// limits), several in one write transaction.
fn answer(store: &Store, verifier: &mut crate::store::Verifier<'_>, jobs: Vec<Job>, metrics: &Metrics) {
    let mut requests = Vec::with_capacity(jobs.len());
    let mut replies = Vec::with_capacity(jobs.len());
    for job in jobs {
        match job {
            Job::Verify(req, reply) => {
                requests.push(req);
                replies.push(reply);
            }
            Job::Ping(reply) => {
                let _ = reply.send(store.ping());
            }
        }
    }
    match requests.len() {
        0 => {}
        1 => {
            let result = verifier.verify(&requests[0]);
            if let Some(reply) = replies.pop() {
                let _ = reply.send(to_answer(result));
            }
        }
        n => {
            metrics.batch(n);
            match verifier.verify_batch(&requests) {
                Ok(results) => {
                    for (reply, result) in replies.into_iter().zip(results) {
                        let _ = reply.send(to_answer(result));
                    }
                }
                Err(e) => {
                    for reply in replies {
                        let _ = reply.send(failed(&e));
                    }
                }
            }
        }
    }
}

fn to_answer(result: Result<VerifyOutcome>) -> Answer {
    match result {
        Ok(outcome) => Answer::Verdict(Box::new(outcome)),
        Err(e) => failed(&e),
    }
}

/// What a store failure answers (every request of a failed batch gets the same).
fn failed(e: &Error) -> Answer {
    match e {
        Error::Integrity(msg) => Answer::Integrity(msg.clone()),
        _ => Answer::Unavailable,
    }
}

/// The server's own failure (a verifier thread gone), as an I/O error.
fn stopped(what: &str) -> Error {
    Error::io(what, std::io::Error::other("verifier thread"))
}
