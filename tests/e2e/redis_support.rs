//! A real `redis-server` (Debian's, installed by `scripts/setup`) for the decision service's
//! shared-state tests: started on a free 127.0.0.1 port in a temp dir, without persistence,
//! killed when dropped, and restartable on the same port to test recovery; and a three-node
//! Redis Cluster of them, made with `redis-cli --cluster create`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` on 127.0.0.1, killed when dropped.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    /// Arguments beyond the port and no persistence.
    extra: Vec<String>,
}

impl RedisServer {
    /// Starts `redis-server` on a free port and waits until it accepts connections.
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// [`RedisServer::start`] with the arguments `extra` too.
    fn start_with(extra: &[&str]) -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut server = RedisServer {
            child: None,
            port,
            dir: tempfile::tempdir().expect("temp dir"),
            extra: extra.iter().map(|arg| arg.to_string()).collect(),
        };
        server.restart();
        server
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server (SIGKILL) and waits for it to exit; the port stays reserved for
    /// [`RedisServer::restart`].
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill redis-server");
            child.wait().expect("redis-server exits");
        }
    }

    /// Starts the server again on the same port, empty, and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .current_dir(self.dir.path())
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("redis-server starts (installed by scripts/setup)");
        self.child = Some(child);
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server never listened on {address}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Three `redis-server`s made one Redis Cluster (each node holds a third of the slots, no
/// replicas), killed when dropped.
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts three cluster nodes, joins them, and waits until the cluster serves every slot.
    pub fn start() -> RedisCluster {
        let nodes: Vec<RedisServer> = (0..3)
            .map(|_| RedisServer::start_with(&["--cluster-enabled", "yes"]))
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port))
            .collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli runs (installed with redis-server)");
        assert!(
            created.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let cluster = RedisCluster { nodes };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !cluster
            .nodes
            .iter()
            .all(|node| cli(node.port, &["CLUSTER", "INFO"]).contains("cluster_state:ok"))
        {
            assert!(Instant::now() < deadline, "the cluster never became ok");
            std::thread::sleep(Duration::from_millis(50));
        }
        cluster
    }

    /// The URL of the first node: the service finds the others from it.
    pub fn url(&self) -> String {
        self.nodes[0].url()
    }

    /// How many keys each node holds.
    pub fn keys_per_node(&self) -> Vec<u64> {
        self.nodes
            .iter()
            .map(|node| {
                cli(node.port, &["DBSIZE"])
                    .trim()
                    .parse()
                    .expect("DBSIZE is a number")
            })
            .collect()
    }
}

/// `redis-cli -p PORT ARGS…`'s output.
fn cli(port: u16, args: &[&str]) -> String {
    let output = Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Sends `PING` over RESP and returns the server's line.
#[cfg(test)]
fn ping(port: u16) -> String {
    use std::io::{BufRead as _, BufReader, Write as _};
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to redis-server");
    stream.write_all(b"PING\r\n").expect("send PING");
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("read the answer");
    line
}

#[test]
fn redis_server_answers_and_comes_back_on_the_same_port_after_a_kill() {
    let mut redis = RedisServer::start();
    assert_eq!(ping(redis.port), "+PONG\r\n");
    redis.kill();
    assert!(TcpStream::connect(("127.0.0.1", redis.port)).is_err());
    redis.restart();
    assert_eq!(ping(redis.port), "+PONG\r\n");
    assert!(redis.url().ends_with(&format!(":{}/0", redis.port)));
}
