//! One connection to Redis for everything the service keeps there (limits, budgets, histories
//! and approvals): connected on first use, so the service starts (and denies) while Redis is
//! down; reconnected by its connection manager after a failure; every call bounded by the
//! store's timeout (`--state-timeout`).

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

/// Redis did not answer a call.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Unreachable {
    /// No answer within the timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Redis answered with an error or the connection failed.
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
}

impl Unreachable {
    /// The `kind` label of `faramesh_state_errors_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            Unreachable::Timeout(_) => "timeout",
            Unreachable::Redis(_) => "error",
        }
    }
}

/// A Redis server, shared by the stores that keep their data in it.
pub(crate) struct Redis {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    timeout: Duration,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// The server at `url` (`redis://HOST:PORT/DB`), whose every call gives up after `timeout`.
    pub fn open(url: &str, timeout: Duration) -> Result<Redis, redis::RedisError> {
        Ok(Redis {
            client: redis::Client::open(url)?,
            connection: OnceCell::new(),
            timeout,
        })
    }

    /// The connection, made on first use; the manager reconnects by itself after a failure.
    pub async fn connection(&self) -> Result<ConnectionManager, Unreachable> {
        let connect = || async {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(self.timeout)
                .set_response_timeout(self.timeout)
                .set_number_of_retries(1);
            ConnectionManager::new_with_config(self.client.clone(), config).await
        };
        let manager = self.within(async {
            Ok::<_, Unreachable>(self.connection.get_or_try_init(connect).await?)
        });
        Ok(manager.await?.clone())
    }

    /// `call`, or [`Unreachable::Timeout`] when it takes longer than the timeout.
    pub async fn within<T, E: From<Unreachable>>(
        &self,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        tokio::time::timeout(self.timeout, call)
            .await
            .unwrap_or(Err(E::from(Unreachable::Timeout(self.timeout))))
    }

    /// Runs `invocation` of a script on a fresh handle of the connection, within the timeout.
    pub async fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, Unreachable> {
        let mut connection = self.connection().await?;
        self.within(async { Ok(invocation.invoke_async(&mut connection).await?) })
            .await
    }

    /// Whether Redis answers `PING` within the timeout.
    pub async fn ping(&self) -> Result<(), Unreachable> {
        let mut connection = self.connection().await?;
        self.within(async {
            let _: String = redis::cmd("PING").query_async(&mut connection).await?;
            Ok(())
        })
        .await
    }
}
