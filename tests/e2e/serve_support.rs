//! The harness of the `faramesh serve` tests: signed bundles built by the real binary from a
//! temp git repository, the server started on free 127.0.0.1 ports, and a small HTTP/1.1 client
//! over `TcpStream` (keep-alive, or raw bytes for slow clients).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fpl_testdata::registry::git_commit_all;

/// Permits a charge under 500.
pub const POLICY_A: &str = "agent payments-bot {\n  default deny\n  rules {\n    permit stripe/charge if amount < 500\n    deny! shell/*\n  }\n}\n";
/// Permits a charge under 50 only.
pub const POLICY_B: &str = "agent payments-bot {\n  default deny\n  rules {\n    permit stripe/charge if amount < 50\n    deny! shell/*\n  }\n}\n";
/// Permitted by A, denied by B.
pub const CHARGE_100: &str =
    r#"{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":100}}"#;
/// The admin token of [`Server::start`].
pub const TOKEN: &str = "s3cret-admin-token";

/// A temp dir with a git repository, a signing key (`key`, `key.pub`), a second key
/// (`other`, `other.pub`) and bundles built from it.
pub struct Bundles {
    pub dir: tempfile::TempDir,
}

impl Bundles {
    /// Builds `a.fmb` (policy A) and `b.fmb` (policy B) signed with `key`, and `other.fmb`
    /// (policy B) signed with the untrusted `other`.
    pub fn new() -> Bundles {
        Bundles::build(&[
            (POLICY_A, "a.fmb", "key"),
            (POLICY_B, "b.fmb", "key"),
            (POLICY_B, "other.fmb", "other"),
        ])
    }

    /// Builds each `(policy, bundle, key)`: the policy committed to the repository, its bundle
    /// signed with `key` (`key` or `other`).
    pub fn build(bundles_to_build: &[(&str, &str, &str)]) -> Bundles {
        let bundles = Bundles {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let repo = bundles.path("repo");
        std::fs::create_dir_all(&repo).expect("repo");
        bundles.ok(&["keygen", "--out", "key"]);
        bundles.ok(&["keygen", "--out", "other"]);
        for &(policy, out, key) in bundles_to_build {
            bundles.add(policy, out, key);
        }
        std::fs::write(bundles.path("token"), format!("{TOKEN}\n")).expect("token file");
        bundles
    }

    /// Commits `policy` as the repository's `governance.fms` and builds `out` from it, signed
    /// with `key`.
    pub fn add(&self, policy: &str, out: &str, key: &str) {
        let repo = self.path("repo");
        std::fs::write(repo.join("governance.fms"), policy).expect("policy");
        git_commit_all(&repo, out);
        self.ok(&[
            "bundle", "build", "repo", "--rev", "HEAD", "--key", key, "-o", out,
        ]);
    }

    /// A path in the temp dir.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The policy digest of a bundle, from `bundle inspect`.
    pub fn digest(&self, bundle: &str) -> String {
        let out = self.ok(&["bundle", "inspect", bundle, "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&out).expect("inspect JSON");
        json["manifest"]["policy"]["digest"]
            .as_str()
            .expect("policy digest")
            .to_owned()
    }

    /// Replaces `to` with a copy of `from` atomically (a reader sees one or the other).
    pub fn install(&self, from: &str, to: &str) {
        let temp = self.path(&format!("{to}.tmp"));
        std::fs::copy(self.path(from), &temp).expect("copy");
        std::fs::rename(&temp, self.path(to)).expect("rename");
    }

    /// Writes `bytes` to `to` atomically.
    pub fn install_bytes(&self, bytes: &[u8], to: &str) {
        let temp = self.path(&format!("{to}.tmp"));
        std::fs::write(&temp, bytes).expect("write");
        std::fs::rename(&temp, self.path(to)).expect("rename");
    }

    /// Runs `faramesh` in the temp dir; it must succeed.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = faramesh_e2e::faramesh()
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .args(args)
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

/// A running `faramesh serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub decide: SocketAddr,
    pub admin: Option<SocketAddr>,
}

impl Server {
    /// Starts `faramesh serve --trust key.pub --addr 127.0.0.1:0 ARGS…` in `dir` and waits
    /// until it prints its addresses.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        Server::start_with_env(dir, args, &[])
    }

    /// [`Server::start`] with these environment variables set for the server.
    pub fn start_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(faramesh_e2e::binary());
        command.envs(env.iter().copied());
        Server::spawn(command, dir, args, Stdio::inherit())
    }

    /// [`Server::start`] with its standard error written to the file `log`.
    pub fn start_logging_to(dir: &Path, args: &[&str], log: &Path) -> Server {
        let log = std::fs::File::create(log).expect("log file");
        Server::spawn(Command::new(faramesh_e2e::binary()), dir, args, log.into())
    }

    /// [`Server::start`] on one core (`taskset`), where the service runs a single-threaded
    /// runtime.
    pub fn start_on_one_core(dir: &Path, args: &[&str]) -> Server {
        let mut command = Command::new("taskset");
        command
            .args(["-c", &first_allowed_cpu()])
            .arg(faramesh_e2e::binary());
        Server::spawn(command, dir, args, Stdio::inherit())
    }

    /// [`Server::start`] with the files it writes limited to about `kib` KiB (the shell's
    /// `ulimit -f`, in 512- or 1024-byte blocks depending on the shell), and `SIGXFSZ` ignored:
    /// a write past the limit fails (`EFBIG`) instead of ending the process. Its stderr is the
    /// file `stderr` in `dir`, already past the limit: nothing it reports can be written.
    pub fn start_with_file_limit(dir: &Path, args: &[&str], kib: u32) -> Server {
        let path = dir.join("stderr");
        std::fs::write(&path, vec![b'.'; 4096 * kib as usize]).expect("stderr file");
        let stderr = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("stderr file");
        let mut command = Command::new("sh");
        command
            .args([
                "-c",
                "trap '' XFSZ; ulimit -f \"$1\"; shift; exec \"$@\"",
                "sh",
            ])
            .arg(kib.to_string())
            .arg(faramesh_e2e::binary());
        Server::spawn(command, dir, args, stderr.into())
    }

    /// Runs `command serve --trust key.pub --addr 127.0.0.1:0 ARGS…` in `dir`, its stderr to
    /// `stderr`, and waits until it prints its addresses.
    fn spawn(mut command: Command, dir: &Path, args: &[&str], stderr: Stdio) -> Server {
        let mut child = command
            .current_dir(dir)
            .args(["serve", "--trust", "key.pub", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("faramesh serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut decide = None;
        let mut admin = None;
        let wants_admin = args.contains(&"--admin-addr");
        while decide.is_none() || (wants_admin && admin.is_none()) {
            let line = lines
                .next()
                .expect("the server prints its addresses")
                .expect("stdout line");
            let address = |prefix: &str| {
                line.strip_prefix(prefix)
                    .map(|addr| addr.parse::<SocketAddr>().expect("address"))
            };
            decide = decide.or_else(|| address("decide http://"));
            admin = admin.or_else(|| address("admin http://"));
        }
        Server {
            child,
            decide: decide.expect("decision address"),
            admin,
        }
    }

    /// Starts with an admin listener (token from the `token` file).
    pub fn with_admin(dir: &Path, args: &[&str]) -> Server {
        let mut all = vec!["--admin-addr", "127.0.0.1:0", "--admin-token-file", "token"];
        all.extend_from_slice(args);
        Server::start(dir, &all)
    }

    /// `POST /v1/decide`.
    pub fn decide(&self, body: &str) -> serde_json::Value {
        let (status, answer) = request(self.decide, "POST", "/v1/decide", &[], body.as_bytes());
        assert_eq!(status, 200, "{answer}");
        serde_json::from_str(&answer).expect("decision JSON")
    }

    /// `POST /v1/decide/batch`, answered 200: its decisions.
    pub fn decide_batch(&self, body: &str) -> Vec<serde_json::Value> {
        let (status, answer) = request(
            self.decide,
            "POST",
            "/v1/decide/batch",
            &[],
            body.as_bytes(),
        );
        assert_eq!(status, 200, "{answer}");
        serde_json::from_str(&answer).expect("an array of decisions")
    }

    /// `GET /v1/status`.
    pub fn status(&self) -> serde_json::Value {
        let (status, answer) = request(self.decide, "GET", "/v1/status", &[], b"");
        assert_eq!(status, 200, "{answer}");
        serde_json::from_str(&answer).expect("status JSON")
    }

    /// `POST /v1/admin/reload` with the token: the status code and answer.
    pub fn reload(&self) -> (u16, serde_json::Value) {
        let admin = self.admin.expect("an admin listener");
        let auth = format!("Bearer {TOKEN}");
        let (status, answer) = request(
            admin,
            "POST",
            "/v1/admin/reload",
            &[("Authorization", &auth)],
            b"",
        );
        (status, serde_json::from_str(&answer).expect("reload JSON"))
    }

    /// Polls the status until `holds` (at most 30 s, 20 ms apart); panics with the last status.
    pub fn wait_status(&self, what: &str, holds: impl Fn(&serde_json::Value) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = self.status();
            if holds(&status) {
                return;
            }
            assert!(Instant::now() < deadline, "never {what}: {status}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls until the active policy is `digest`.
    pub fn wait_policy(&self, digest: &str) {
        self.wait_status(&format!("active {digest}"), |status| {
            status["bundle"]["active"]["policy"] == digest
        });
    }

    /// Sends a signal (`HUP`, `TERM`) to the server.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the process to end; its exit status.
    pub fn wait(mut self) -> std::process::ExitStatus {
        self.child.wait().expect("wait")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request on a fresh connection (`Connection: close`): the status and the body.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut client = Client::connect(addr);
    client.send(method, path, headers, body);
    client.receive()
}

/// A keep-alive HTTP/1.1 client.
pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    /// Connects, with a 60 s read timeout so a broken server fails the test instead of hanging.
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let _ = stream.set_nodelay(true);
        Client {
            reader: BufReader::new(stream.try_clone().expect("clone")),
            writer: stream,
        }
    }

    /// Sends one request.
    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        self.writer.write_all(head.as_bytes()).expect("send head");
        self.writer.write_all(body).expect("send body");
    }

    /// Writes raw bytes.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("send");
    }

    /// Reads one answer: the status and the body (by its `Content-Length`).
    pub fn receive(&mut self) -> (u16, String) {
        let mut status_line = String::new();
        self.reader
            .read_line(&mut status_line)
            .expect("status line");
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("a status line, not {status_line:?}"));
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header line");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).expect("body");
        (status, String::from_utf8(body).expect("UTF-8 body"))
    }

    /// Reads until the server closes the connection; what it sent before closing.
    pub fn until_closed(&mut self) -> String {
        let mut rest = Vec::new();
        self.reader
            .read_to_end(&mut rest)
            .expect("the server closes the connection");
        String::from_utf8_lossy(&rest).into_owned()
    }
}

/// The first CPU this process may run on (`Cpus_allowed_list` of `/proc/self/status`).
fn first_allowed_cpu() -> String {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let list = status
        .lines()
        .find_map(|line| line.strip_prefix("Cpus_allowed_list:"))
        .expect("Cpus_allowed_list");
    list.trim()
        .split([',', '-'])
        .next()
        .expect("a CPU")
        .to_owned()
}
