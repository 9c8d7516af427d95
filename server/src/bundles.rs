//! The active bundle and its reloads (§10, §17): a new bundle is fetched, verified with the
//! trusted keys and loaded off the request path, then swapped in atomically; a refused one is
//! logged and reported in the status while the last good one stays active.

use std::sync::{Arc, Mutex, MutexGuard};

use arc_swap::ArcSwapOption;
use fpl_runtime::bundle::{BundleError, Manifest, TrustedKey, VerifiedBundle};
use fpl_runtime::{Evaluator, Timestamp};
use serde::Serialize;

use crate::metrics::Metrics;
use crate::source::{BundleSource, Fetch, SourceError};

/// A loaded bundle: its evaluator (shared by every request; the state it decides with lives
/// apart, so it outlives a swap) and what the status reports about it.
#[derive(Debug)]
pub(crate) struct Active {
    evaluator: Mutex<Evaluator>,
    /// What `/v1/status` shows.
    pub info: ActiveInfo,
}

/// The status of the active bundle.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ActiveInfo {
    /// The policy digest its decisions report.
    pub policy: String,
    /// The trusted key that signed it.
    pub key_id: String,
    /// The source's version of it (file digest or ETag).
    pub version: String,
    /// When it became active (RFC 3339).
    pub loaded_at: String,
    /// Its signed manifest.
    pub manifest: Manifest,
}

impl Active {
    /// The evaluator, locked for one decision or one batch.
    pub fn evaluator(&self) -> MutexGuard<'_, Evaluator> {
        // The evaluator never panics on input; were it to, its state is still the best there is.
        self.evaluator
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Why a reload did not swap a bundle in.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReloadError {
    /// The source could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The bundle was refused.
    #[error("bundle refused: {0}")]
    Bundle(BundleError),
    /// Loading stopped with a panic (a bug); nothing was swapped in.
    #[error("loading the bundle failed unexpectedly")]
    Panicked,
}

/// What a reload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reloaded {
    /// A new bundle is active.
    Loaded,
    /// The source holds what was read last time.
    Unchanged,
}

/// The last reload that failed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReloadFailure {
    /// When (RFC 3339).
    pub time: String,
    /// Why.
    pub error: String,
}

/// Reload bookkeeping.
#[derive(Debug, Default)]
struct ReloadState {
    /// The version read last (loaded or refused): a poll skips it.
    last_version: Option<String>,
    last_error: Option<ReloadFailure>,
    loaded: u64,
    refused: u64,
}

/// The active bundle, how to get the next one, and the reload history.
#[derive(Debug)]
pub(crate) struct Bundles {
    active: ArcSwapOption<Active>,
    source: BundleSource,
    trusted: Vec<TrustedKey>,
    replay: bool,
    client: reqwest::Client,
    /// Held for a whole reload: reloads run one at a time.
    reloading: tokio::sync::Mutex<()>,
    /// Held only to read or update the bookkeeping, so the status never waits for a reload.
    state: Mutex<ReloadState>,
    metrics: Metrics,
}

/// What the status reports about bundles.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BundleStatus {
    /// The `--bundle` source.
    pub source: String,
    /// The active bundle, if any.
    pub active: Option<ActiveInfo>,
    /// The last refused reload, kept until a later one succeeds.
    pub last_reload_error: Option<ReloadFailure>,
    /// Bundles swapped in.
    pub reloads: u64,
    /// Reloads refused.
    pub refused: u64,
}

impl Bundles {
    /// No bundle yet.
    pub fn new(
        source: BundleSource,
        trusted: Vec<TrustedKey>,
        replay: bool,
        metrics: Metrics,
    ) -> Bundles {
        Bundles {
            active: ArcSwapOption::empty(),
            source,
            trusted,
            replay,
            client: reqwest::Client::new(),
            reloading: tokio::sync::Mutex::new(()),
            state: Mutex::new(ReloadState::default()),
            metrics,
        }
    }

    /// The active bundle, held for as long as the caller keeps it: a whole decision or batch is
    /// answered by one bundle even while another is swapped in.
    pub fn active(&self) -> Option<Arc<Active>> {
        self.active.load_full()
    }

    /// Reads the source and swaps in what verifies. `poll` skips a version read before (loaded
    /// or refused); an explicit reload (SIGHUP, admin) reads and verifies it again.
    pub async fn reload(&self, poll: bool) -> Result<Reloaded, ReloadError> {
        let _one_at_a_time = self.reloading.lock().await;
        let last = if poll {
            self.state().last_version.clone()
        } else {
            None
        };
        let outcome = self.load(last.as_deref()).await;
        let mut state = self.state();
        match &outcome {
            Ok((Reloaded::Unchanged, version)) => {
                if version.is_some() {
                    state.last_version = version.clone();
                    state.last_error = None;
                }
                self.metrics.reload("unchanged");
            }
            Ok((Reloaded::Loaded, version)) => {
                state.last_version = version.clone();
                state.last_error = None;
                state.loaded += 1;
                self.metrics.reload("loaded");
            }
            Err((error, version)) => {
                if version.is_some() {
                    state.last_version = version.clone();
                }
                state.refused += 1;
                state.last_error = Some(ReloadFailure {
                    time: now(),
                    error: error.to_string(),
                });
                self.metrics.reload("refused");
                report!(
                    "faramesh serve: `{}`: {error}; the last good bundle stays",
                    self.source
                );
            }
        }
        outcome
            .map(|(reloaded, _)| reloaded)
            .map_err(|(error, _)| error)
    }

    fn state(&self) -> MutexGuard<'_, ReloadState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Fetches, verifies, loads and swaps; the version read comes back either way.
    async fn load(
        &self,
        last: Option<&str>,
    ) -> Result<(Reloaded, Option<String>), (ReloadError, Option<String>)> {
        let fetched = self
            .source
            .fetch(&self.client, last)
            .await
            .map_err(|error| (error.into(), None))?;
        let (bytes, version) = match fetched {
            Fetch::Unchanged => return Ok((Reloaded::Unchanged, None)),
            Fetch::Bytes { bytes, version } => (bytes, version),
        };
        // The active bundle again: keep it, and with it the state its decisions built up.
        if self
            .active()
            .is_some_and(|active| active.info.version == version)
        {
            return Ok((Reloaded::Unchanged, Some(version)));
        }
        let trusted = self.trusted.clone();
        let replay = self.replay;
        let loaded = tokio::task::spawn_blocking(move || {
            let bundle = VerifiedBundle::verify(&bytes, &trusted)?;
            let info = ActiveInfo {
                policy: bundle.manifest().policy.digest.clone(),
                key_id: bundle.key_id().to_owned(),
                version: String::new(),
                loaded_at: String::new(),
                manifest: bundle.manifest().clone(),
            };
            let mut evaluator = Evaluator::from_bundle(bundle);
            if !replay {
                evaluator.ignore_request_time();
            }
            Ok::<_, BundleError>((evaluator, info))
        })
        .await;
        let (evaluator, mut info) = match loaded {
            Ok(Ok(loaded)) => loaded,
            Ok(Err(error)) => return Err((ReloadError::Bundle(error), Some(version))),
            Err(_) => return Err((ReloadError::Panicked, Some(version))),
        };
        info.policy = evaluator.policy_digest().to_owned();
        info.version = version.clone();
        info.loaded_at = now();
        self.active.store(Some(Arc::new(Active {
            evaluator: Mutex::new(evaluator),
            info,
        })));
        Ok((Reloaded::Loaded, Some(version)))
    }

    /// Whether requests are decided at their own `time`.
    pub fn replay(&self) -> bool {
        self.replay
    }

    /// What the status reports.
    pub fn status(&self) -> BundleStatus {
        let state = self.state();
        BundleStatus {
            source: self.source.to_string(),
            active: self.active().map(|active| active.info.clone()),
            last_reload_error: state.last_error.clone(),
            reloads: state.loaded,
            refused: state.refused,
        }
    }
}

/// The clock now, RFC 3339.
pub(crate) fn now() -> String {
    Timestamp::now().to_string()
}
