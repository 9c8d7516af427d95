//! A real `redis-server` (Debian's, installed by `scripts/setup`) for the decision service's
//! shared-state tests: started on a free 127.0.0.1 port in a temp dir, without persistence,
//! killed when dropped, and restartable on the same port to test recovery.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` on 127.0.0.1, killed when dropped.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts `redis-server` on a free port and waits until it accepts connections.
    pub fn start() -> RedisServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut server = RedisServer {
            child: None,
            port,
            dir: tempfile::tempdir().expect("temp dir"),
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
