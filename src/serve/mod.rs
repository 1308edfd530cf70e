//! `keyctl serve`: verifying keys over HTTP (spec section 9). This module owns the
//! settings, the listener, the connection limits and timeouts, and the graceful stop; the
//! routes are in `router.rs`, the verification rules stay in the store. It never logs a
//! key, a token or a request body: its one log line is the startup line.

mod cache;
mod handlers;
mod metrics;
pub mod openapi;
mod pool;
mod router;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;

use crate::crypto::SecretString;
use crate::domain::Clock;
use crate::error::{Error, Result};

pub use pool::Opener;

/// The default `--listen` address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8700";

/// The default of how long a client may take to send a request's headers, or its body.
pub const DEFAULT_CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stop waits for requests in flight before it gives up on them.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Open connections at most; further ones wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 16_384;
/// A connection's read buffer at most (headers included): larger headers answer 431.
const MAX_BUF: usize = 32 * 1024;

/// Everything `serve` needs, built by the CLI.
pub struct Settings {
    pub listen: SocketAddr,
    /// `KEYCTL_SERVE_TOKEN`: required on the `/v1` routes and `/metrics` when set.
    pub token: Option<SecretString>,
    /// How long a final refusal (revoked, not found) is remembered; zero turns it off.
    pub cache_ttl: Duration,
    /// Verifier threads, each with its own store connection.
    pub verifiers: usize,
    /// The store's location as the startup line shows it (never a password).
    pub store_label: String,
    pub backend: &'static str,
    pub open: Opener,
    pub clock: Arc<dyn Clock>,
    /// How long a client may take to send a request's headers, and then its body.
    pub client_timeout: Duration,
    /// Also stop when standard input reaches its end (for a supervisor or a test that
    /// holds the other end of a pipe: the server stops with its parent).
    pub stop_on_stdin_eof: bool,
}

/// What every handler shares.
pub(crate) struct AppState {
    pub pool: pool::Pool,
    pub metrics: Arc<metrics::Metrics>,
    pub cache: cache::RefusalCache,
    pub token: Option<SecretString>,
    pub clock: Arc<dyn Clock>,
    pub client_timeout: Duration,
}

/// Opens the store in each verifier thread, listens, prints the startup line on stderr and
/// serves until SIGTERM or SIGINT; then stops accepting, finishes what is in flight, writes
/// the batched usage and returns.
pub fn run(settings: Settings) -> Result<()> {
    if settings.token.as_ref().is_some_and(SecretString::is_empty) {
        return Err(Error::Usage("KEYCTL_SERVE_TOKEN is set but empty".into()));
    }
    if settings.token.is_none() && !settings.listen.ip().is_loopback() {
        return Err(Error::Usage(format!(
            "refusing to listen on {} without KEYCTL_SERVE_TOKEN (anyone who can reach it could probe keys); \
             set a token, or listen on 127.0.0.1",
            settings.listen
        )));
    }
    let metrics = Arc::new(metrics::Metrics::default());
    let pool = pool::Pool::start(settings.verifiers, Arc::clone(&settings.open), Arc::clone(&metrics))?;
    let state = Arc::new(AppState {
        pool,
        metrics,
        cache: cache::RefusalCache::new(settings.cache_ttl),
        token: settings.token,
        clock: settings.clock,
        client_timeout: settings.client_timeout,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("keyctl-http")
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| Error::io("cannot start the HTTP runtime", e))?;
    let served = runtime.block_on(serve(
        settings.listen,
        &settings.store_label,
        settings.backend,
        settings.verifiers,
        settings.stop_on_stdin_eof,
        Arc::clone(&state),
    ));
    runtime.shutdown_timeout(Duration::from_secs(1));
    // Every request in flight has been answered: let the verifiers write what they hold.
    let stopped = state.pool.stop();
    served.and(stopped)
}

async fn serve(
    listen: SocketAddr,
    store_label: &str,
    backend: &str,
    verifiers: usize,
    stop_on_stdin_eof: bool,
    state: Arc<AppState>,
) -> Result<()> {
    let timeout = state.client_timeout;
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| Error::io(format!("cannot listen on {listen}"), e))?;
    let bound = listener.local_addr().map_err(|e| Error::io("cannot read the bound address", e))?;
    eprintln!(
        "keyctl serve: listening on http://{bound} (store {store_label}, backend {backend}, {verifiers} verifier thread{})",
        if verifiers == 1 { "" } else { "s" }
    );
    let app = router::router(state);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(timeout).max_buf_size(MAX_BUF).keep_alive(true);
    let http = Arc::new(http);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let stop = stop_signal(stop_on_stdin_eof);
    tokio::pin!(stop);
    // Tells connections still waiting for their first byte to close.
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    loop {
        let slot = tokio::select! {
            s = Arc::clone(&slots).acquire_owned() => s,
            () = &mut stop => break,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors or a reset before accept: back off a little, keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let (http, app, watcher, mut stopped) = (Arc::clone(&http), app.clone(), graceful.watcher(), stopped.clone());
        tokio::spawn(async move {
            // An idle connection costs a socket and this small task until its first byte:
            // hyper's buffers are only allocated once there is a request to read.
            tokio::select! {
                r = tokio::time::timeout(timeout, stream.readable()) => {
                    if !matches!(r, Ok(Ok(()))) {
                        return;
                    }
                }
                _ = stopped.changed() => return,
            }
            // Boxed: the connection's state is allocated only now, not in every idle task.
            let conn =
                Box::pin(watcher.watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app))));
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    // Stop accepting; let every connection finish the request it is on.
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await;
    Ok(())
}

/// Resolves on the first SIGTERM or SIGINT (or the end of stdin, when asked).
async fn stop_signal(stop_on_stdin_eof: bool) {
    use tokio::signal::unix::{signal, SignalKind};
    let (eof_tx, eof_rx) = tokio::sync::oneshot::channel::<()>();
    if stop_on_stdin_eof {
        std::thread::spawn(move || {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin();
            while matches!(std::io::Read::read(&mut stdin, &mut sink), Ok(n) if n > 0) {}
            let _ = eof_tx.send(());
        });
    }
    let eof = async move {
        if eof_rx.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
                () = eof => {},
            }
        }
        // No signal handling: serve until killed.
        _ => eof.await,
    }
}
