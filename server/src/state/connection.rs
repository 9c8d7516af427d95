//! One connection to Redis for everything the service keeps there (limits, budgets, histories
//! and approvals): connected on first use, so the service starts (and denies) while Redis is
//! down; reconnected by its connection manager after a failure; every call bounded by the
//! store's timeout (`--state-timeout`). A URL that names a node of a Redis Cluster gets the
//! cluster client, which finds the other nodes and sends each call to the node of its keys'
//! slot (every script's keys share one hash tag, so one slot).

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};
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
    /// The cluster does not serve every slot (a node is down or slots are unassigned).
    #[error("the Redis Cluster does not serve every slot (cluster_state is not ok)")]
    ClusterDown,
    /// A primary of the cluster is down: the agents in its slots cannot be decided.
    #[error(
        "the Redis Cluster primary {0} is down: agents in its slots are answered STATE_UNAVAILABLE"
    )]
    NodeDown(String),
    /// The URL names a database other than 0 on a cluster, which has only database 0.
    #[error("a Redis Cluster has only database 0: name it as redis://HOST:PORT/0")]
    ClusterDatabase,
}

impl Unreachable {
    /// The `kind` label of `faramesh_state_errors_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            Unreachable::Timeout(_) => "timeout",
            Unreachable::Redis(_)
            | Unreachable::ClusterDown
            | Unreachable::NodeDown(_)
            | Unreachable::ClusterDatabase => "error",
        }
    }
}

/// A Redis server or cluster, shared by the stores that keep their data in it.
pub(crate) struct Redis {
    client: redis::Client,
    connection: OnceCell<Connection>,
    timeout: Duration,
}

/// A connection to one Redis server, or to a Redis Cluster.
#[derive(Clone)]
pub(crate) enum Connection {
    /// One server, reconnected by its manager.
    Server(ConnectionManager),
    /// A cluster: each call goes to the node that holds its keys.
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Server(server) => server.req_packed_command(cmd),
            Connection::Cluster(cluster) => cluster.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Server(server) => server.req_packed_commands(pipeline, offset, count),
            Connection::Cluster(cluster) => cluster.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Server(server) => server.get_db(),
            Connection::Cluster(cluster) => cluster.get_db(),
        }
    }
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

    /// The connection, made on first use: to the cluster when the server at the URL is a
    /// cluster node, else to that server; either reconnects by itself after a failure.
    pub async fn connection(&self) -> Result<Connection, Unreachable> {
        let connection = self.within(self.connection.get_or_try_init(|| self.connect()));
        Ok(connection.await?.clone())
    }

    async fn connect(&self) -> Result<Connection, Unreachable> {
        // The probe asks for database 0, which every server has: a cluster refuses any other.
        let mut probe_info = self.client.get_connection_info().clone();
        probe_info.redis.db = 0;
        let mut probe = redis::Client::open(probe_info)?
            .get_multiplexed_async_connection()
            .await?;
        let info: String = redis::cmd("INFO")
            .arg("cluster")
            .query_async(&mut probe)
            .await?;
        if reports(&info, "cluster_enabled:1") {
            if self.client.get_connection_info().redis.db != 0 {
                return Err(Unreachable::ClusterDatabase);
            }
            let cluster = ClusterClient::builder(vec![self.client.get_connection_info().clone()])
                .connection_timeout(self.timeout)
                .response_timeout(self.timeout)
                .retries(1)
                .build()?;
            return Ok(Connection::Cluster(cluster.get_async_connection().await?));
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(1);
        let manager = ConnectionManager::new_with_config(self.client.clone(), config).await?;
        Ok(Connection::Server(manager))
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

    /// Whether Redis answers `PING` within the timeout; a cluster, whether it serves every slot
    /// (`cluster_state:ok`), since with a node down some agents' state cannot be reached.
    pub async fn ping(&self) -> Result<(), Unreachable> {
        let mut connection = self.connection().await?;
        self.within(async {
            if let Connection::Cluster(_) = connection {
                return cluster_health(&mut connection).await;
            }
            let _: String = redis::cmd("PING").query_async(&mut connection).await?;
            Ok(())
        })
        .await
    }
}

/// Whether a cluster serves every agent: every slot (`cluster_state:ok`), and no primary
/// marked failed (a cluster with `cluster-require-full-coverage no` stays ok without one).
async fn cluster_health(connection: &mut Connection) -> Result<(), Unreachable> {
    let info: String = redis::cmd("CLUSTER")
        .arg("INFO")
        .query_async(connection)
        .await?;
    if !reports(&info, "cluster_state:ok") {
        return Err(Unreachable::ClusterDown);
    }
    let nodes: String = redis::cmd("CLUSTER")
        .arg("NODES")
        .query_async(connection)
        .await?;
    match failed_primary(&nodes) {
        Some(node) => Err(Unreachable::NodeDown(node.to_owned())),
        None => Ok(()),
    }
}

/// Whether Redis's `INFO`-style answer has the line `field:value`.
fn reports(info: &str, line: &str) -> bool {
    info.lines().any(|candidate| candidate.trim() == line)
}

/// The address of a primary that `CLUSTER NODES` (one node per line: id, address, flags, …)
/// flags as failed.
fn failed_primary(nodes: &str) -> Option<&str> {
    nodes.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let (_, address, flags) = (fields.next()?, fields.next()?, fields.next()?);
        let flags: Vec<&str> = flags.split(',').collect();
        (flags.contains(&"master") && flags.contains(&"fail"))
            .then(|| address.split('@').next().unwrap_or(address))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redis_support::{RedisCluster, RedisServer};

    /// Writes and reads back one key under each of `tags` through `redis`.
    async fn round_trip(redis: &Redis, tags: &[String]) {
        let mut connection = redis.connection().await.expect("connected");
        for tag in tags {
            let key = format!("fpl:{{{tag}}}");
            let () = redis::cmd("SET")
                .arg(&key)
                .arg(tag)
                .query_async(&mut connection)
                .await
                .expect("SET");
            let read: String = redis::cmd("GET")
                .arg(&key)
                .query_async(&mut connection)
                .await
                .expect("GET");
            assert_eq!(&read, tag);
        }
    }

    #[tokio::test]
    async fn a_cluster_node_gets_the_cluster_client_and_every_slot_answers() {
        let cluster = RedisCluster::start();
        let redis = Redis::open(&cluster.url(), Duration::from_secs(5)).expect("URL");
        assert!(matches!(
            redis.connection().await.expect("connected"),
            Connection::Cluster(_)
        ));
        redis
            .ping()
            .await
            .expect("a cluster serving every slot answers");
        let tags: Vec<String> = (0..12).map(|index| format!("agent-{index}")).collect();
        round_trip(&redis, &tags).await;
        let keys = cluster.keys_per_node();
        assert!(
            keys.iter().all(|&count| count > 0),
            "twelve agents, three nodes: {keys:?}"
        );
    }

    #[tokio::test]
    async fn a_cluster_named_with_another_database_is_a_clear_error() {
        let cluster = RedisCluster::start();
        let url = cluster.url().replace("/0", "/1");
        let redis = Redis::open(&url, Duration::from_secs(5)).expect("URL");
        let error = redis.connection().await.err().expect("refused");
        assert!(matches!(error, Unreachable::ClusterDatabase), "{error}");
        assert!(redis.ping().await.is_err());
    }

    #[test]
    fn a_failed_primary_is_found_in_cluster_nodes() {
        let nodes = "a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460\n\
                     b2 127.0.0.1:7002@17002 master,fail - 1 0 2 disconnected 5461-10922\n\
                     c3 127.0.0.1:7003@17003 slave,fail b2 0 0 2 disconnected\n";
        assert_eq!(failed_primary(nodes), Some("127.0.0.1:7002"));
        let healthy = "a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-16383\n\
                       b2 127.0.0.1:7002@17002 master,fail? - 1 0 2 connected\n";
        assert_eq!(failed_primary(healthy), None);
    }

    #[tokio::test]
    async fn a_single_server_gets_the_connection_manager() {
        let server = RedisServer::start();
        let redis = Redis::open(&server.url(), Duration::from_secs(5)).expect("URL");
        assert!(matches!(
            redis.connection().await.expect("connected"),
            Connection::Server(_)
        ));
        round_trip(&redis, &["one".to_string()]).await;
    }
}
