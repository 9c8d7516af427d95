//! Running the service: bind the listeners, start the log writer, load the first bundle, reload
//! on SIGHUP and by polling, and stop on SIGTERM (or SIGINT) after in-flight requests finish
//! and queued alerts are delivered (each for a bounded time).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use fpl_runtime::log::LogError;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use crate::admin::{self, Admin};
use crate::alerts::{Alerts, Delivery};
use crate::approvals::{Approvals, Quota};
use crate::bundles::Bundles;
use crate::config::Config;
use crate::decide::Decider;
use crate::http;
use crate::ids::DecisionIds;
use crate::log_writer::LogWriter;
use crate::metrics::Metrics;
use crate::routes::{self, Service};
use crate::state::{StateError, Stores};

/// The addresses the service listens on.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// The decision listener.
    pub decide: SocketAddr,
    /// The admin listener, if any.
    pub admin: Option<SocketAddr>,
}

/// Why the service could not start (or run).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {cause}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        cause: std::io::Error,
    },
    /// The decision log could not be opened (locked by another writer, or broken).
    #[error("decision log `{path}`: {cause}")]
    Log {
        /// The log.
        path: PathBuf,
        /// The cause.
        cause: LogError,
    },
    /// The async runtime, a signal handler or the random source could not be set up.
    #[error("cannot start the service: {0}")]
    Setup(std::io::Error),
    /// The state store could not be set up.
    #[error(transparent)]
    State(#[from] StateError),
    /// The metrics could not be registered.
    #[error("cannot register the metrics: {0}")]
    Metrics(prometheus::Error),
}

/// By hand rather than `#[from]`: the message already shows the I/O error, so it is not also
/// the error's `source()`, which would print it twice.
impl From<std::io::Error> for ServeError {
    fn from(error: std::io::Error) -> Self {
        ServeError::Setup(error)
    }
}

/// Serves until SIGTERM or SIGINT; calls `bound` once both listeners listen. The first bundle
/// is loaded after that, so `/readyz` answers 503 until it is active.
pub fn serve(config: Config, bound: impl FnOnce(&Bound)) -> Result<(), ServeError> {
    let metrics = Metrics::new().map_err(ServeError::Metrics)?;
    let ids = DecisionIds::new()?;
    let stores = Stores::open(&config.state, config.approvals, metrics.clone())?;
    let (log, log_thread) = match &config.log {
        Some(path) => {
            let (writer, thread) =
                LogWriter::start(path, config.log_sync).map_err(|cause| ServeError::Log {
                    path: path.clone(),
                    cause,
                })?;
            (Some(writer), Some(thread))
        }
        None => (None, None),
    };
    let runtime = runtime()?;
    let served = runtime.block_on(async {
        let bundles = Bundles::new(
            config.source.clone(),
            config.trusted.clone(),
            config.replay,
            metrics.clone(),
        );
        let approvals = Arc::new(Approvals::new(
            stores.approvals,
            Quota::new(config.approvals),
            log.clone(),
            metrics.clone(),
            config.state.on_unavailable(),
        ));
        let (alerts, delivery) = Alerts::start(&config.alerts, metrics.registry())
            .map_err(|error| std::io::Error::other(error.to_string()))?;
        let service = Arc::new(Service {
            decider: Decider::new(
                bundles,
                stores.state,
                approvals,
                log,
                metrics.clone(),
                ids,
                alerts,
            ),
            metrics,
            limits: config.limits,
            log: config.log.as_ref().map(|path| path.display().to_string()),
        });
        run(&config, service, delivery, bound).await
    });
    // Ends every task still running, and with them the last handles of the log writer.
    runtime.shutdown_timeout(config.limits.shutdown_grace);
    if let Some(thread) = log_thread {
        thread.join();
    }
    served
}

/// The runtime: a single thread when the process may use one core, where a worker thread
/// beside the thread that accepts would only add hand-offs between them; a worker per core
/// otherwise.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut builder = if cores == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder.enable_all().build()
}

/// Binds, serves and drains.
async fn run(
    config: &Config,
    service: Arc<Service>,
    delivery: Delivery,
    bound: impl FnOnce(&Bound),
) -> Result<(), ServeError> {
    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|cause| ServeError::Bind { addr, cause })
    };
    let decide_listener = bind(config.addr).await?;
    let admin_listener = match &config.admin {
        Some(admin) => Some((bind(admin.addr).await?, admin.clone())),
        None => None,
    };
    let local = |listener: &TcpListener, addr| {
        listener
            .local_addr()
            .map_err(|cause| ServeError::Bind { addr, cause })
    };
    let addresses = Bound {
        decide: local(&decide_listener, config.addr)?,
        admin: match (&admin_listener, &config.admin) {
            (Some((listener, _)), Some(admin)) => Some(local(listener, admin.addr)?),
            _ => None,
        },
    };
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let hangup = signal(SignalKind::hangup())?;
    bound(&addresses);

    let (stop_sender, stop) = watch::channel(false);
    spawn_reloads(&service, hangup, config.poll, stop.clone());
    service.decider.approvals.spawn_expiry(stop.clone());
    let graceful = GracefulShutdown::new();
    let decisions = {
        let service = service.clone();
        let handler = move |request| routes::decision(service.clone(), request);
        http::serve_listener(
            decide_listener,
            handler,
            config.limits,
            &graceful,
            stop.clone(),
        )
    };
    let admins = async {
        if let Some((listener, admin_config)) = admin_listener {
            let admin = Arc::new(Admin::new(
                service.clone(),
                &admin_config.token,
                admin_config.approvers,
            ));
            let handler = move |request| admin::answer(admin.clone(), request);
            http::serve_listener(listener, handler, config.limits, &graceful, stop.clone()).await;
        }
    };
    let signalled = async {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        report!("faramesh serve: stopping after the requests in flight");
        let _ = stop_sender.send(true);
    };
    tokio::join!(decisions, admins, signalled);
    http::drain(graceful, config.limits.shutdown_grace).await;
    // No decision is made any more: deliver what is queued, for a bounded time.
    delivery.drain().await;
    Ok(())
}

/// Loads the first bundle, then reloads on SIGHUP and, when configured, every poll interval.
fn spawn_reloads(
    service: &Arc<Service>,
    mut hangup: tokio::signal::unix::Signal,
    poll: Option<std::time::Duration>,
    mut stop: watch::Receiver<bool>,
) {
    let service = service.clone();
    tokio::spawn(async move {
        let bundles = &service.decider.bundles;
        let _ = bundles.reload(false).await;
        let mut ticks = poll.map(|every| {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks
        });
        loop {
            let tick = async {
                match &mut ticks {
                    Some(ticks) => {
                        ticks.tick().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let poll = tokio::select! {
                _ = hangup.recv() => false,
                () = tick => true,
                _ = stop.changed() => return,
            };
            // Errors are logged and shown in the status by the reload itself.
            let _ = bundles.reload(poll).await;
        }
    });
}
