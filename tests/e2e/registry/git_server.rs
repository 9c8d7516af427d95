//! Registries in git repositories on a server (`git+https://`, `git+http://`): fetched by the
//! machine's `git` into a mirror in the cache, pinned to the locked commit, refused when the
//! commit is gone, and every network failure an `E0404` naming the cause. The server is git's
//! own `git http-backend` (the smart HTTP protocol GitHub and GitLab speak) behind a small CGI
//! bridge on 127.0.0.1.

use std::io::{BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use fpl_testdata::registry::{git_commit_all, git_force_push_new_history};

use super::{Env, closed_port, decide, move_branch, stripe};
use crate::support::read_http_request;

/// `git http-backend` serving the repositories under a directory, counting the requests.
struct GitServer {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl GitServer {
    /// Serves `root` on a free port until the test process ends.
    fn start(root: &Path) -> GitServer {
        GitServer::start_with(root, Duration::ZERO, None)
    }

    /// [`GitServer::start`], each answer sent `delay` after its request.
    fn start_slow(root: &Path, delay: Duration) -> GitServer {
        GitServer::start_with(root, delay, None)
    }

    /// [`GitServer::start`], each answer `delay` late, and with `login` (`user:password`) every
    /// request must carry it as HTTP Basic authentication (401 otherwise).
    fn start_with(root: &Path, delay: Duration, login: Option<&str>) -> GitServer {
        let expected =
            login.map(|login| format!("Basic {}", fpl_runtime::base64::encode(login.as_bytes())));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let (root, counter) = (root.to_path_buf(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                let (root, expected) = (root.clone(), expected.clone());
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    answer(stream, &root, expected.as_deref());
                });
            }
        });
        GitServer { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Answers one HTTP/1.1 request by running `git http-backend` as a CGI program; a request
/// without the `expected` authorization (when there is one) gets 401.
fn answer(mut stream: TcpStream, root: &Path, expected: Option<&str>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let Some(request) = read_http_request(&mut reader) else {
        return;
    };
    if expected.is_some() && request.header("authorization") != expected {
        // A client that went away only ends this connection.
        let _ = stream.write_all(
            b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    let (path, query) = request.path.split_once('?').unwrap_or((&request.path, ""));
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", &request.method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", request.body.len().to_string())
        .env(
            "CONTENT_TYPE",
            request.header("content-type").unwrap_or_default(),
        )
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(encoding) = request.header("content-encoding") {
        cgi.env("HTTP_CONTENT_ENCODING", encoding);
    }
    if let Some(protocol) = request.header("git-protocol") {
        cgi.env("GIT_PROTOCOL", protocol);
    }
    let mut child = cgi.spawn().expect("git http-backend runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&request.body)
        .expect("request body to the backend");
    let output = child.wait_with_output().expect("backend output");
    let split = output
        .stdout
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .map(|at| (at, 4))
        .or_else(|| {
            output
                .stdout
                .windows(2)
                .position(|window| window == b"\n\n")
                .map(|at| (at, 2))
        })
        .expect("CGI headers");
    let cgi_headers = String::from_utf8_lossy(&output.stdout[..split.0]).into_owned();
    let content = &output.stdout[split.0 + split.1..];
    let mut status = "200 OK".to_string();
    let mut response = String::new();
    for header in cgi_headers.lines() {
        match header.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("status") => {
                status = value.trim().to_string();
            }
            Some(_) => response.push_str(&format!("{header}\r\n")),
            None => {}
        }
    }
    let head = format!(
        "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
        content.len()
    );
    // A client that went away only ends this connection.
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(content);
}

/// A registry served by git.
struct Served {
    server: GitServer,
    /// The registry URL: `git+http://…/registry/.git`.
    url: String,
    /// The repository's work tree.
    repo: PathBuf,
    /// Its first commit.
    first: git2::Oid,
}

/// The fixture registry committed to git and served at `<server>/registry/.git`.
fn served_registry(env: &Env) -> Served {
    let repo = env.registry.root().to_path_buf();
    let first = git_commit_all(&repo, "first");
    let server = GitServer::start(repo.parent().expect("registry parent"));
    let url = format!("git+{}/registry/.git", server.url);
    Served {
        server,
        url,
        repo,
        first,
    }
}

#[test]
fn git_registries_on_a_server_are_fetched_into_a_mirror_and_pinned() {
    let env = Env::new();
    let Served {
        server,
        url,
        repo,
        first,
    } = served_registry(&env);
    env.manifest(&url, "");
    env.ok(&["import", &stripe("1.0.0")]);
    let lock = env.lock();
    assert!(lock.contains(&format!("commit = \"{first}\"")), "{lock}");
    assert!(lock.contains(&format!("source = \"{url}\"")), "{lock}");
    assert!(server.requests() > 0, "the server was not asked");
    let decision = decide(
        &env,
        r#"{"agent":"stripe-payments","tool":"stripe/charge","args":{"amount":20}}"#,
    );
    assert_eq!(decision["effect"], "permit");

    // The branch moves on; with the cache gone the mirror is fetched again, and the lock stays
    // on its commit. `faramesh` run from a git hook (GIT_DIR and others set) fetches the same way.
    move_branch(&repo);
    env.clear_cache();
    let other = env.project.join("other-repository");
    env.ok_with(
        &["lock"],
        &[
            ("GIT_DIR", &other),
            ("GIT_OBJECT_DIRECTORY", &other.join("objects")),
        ],
    );
    assert!(!other.exists(), "git wrote into the caller's repository");
    assert_eq!(env.lock(), lock);
    assert!(
        std::fs::read_dir(env.cache.join("faramesh/git"))
            .expect("the mirror is in the cache")
            .count()
            > 0
    );

    // Offline, a server registry is not fetched; the cache still serves the lock.
    env.clear_cache();
    let before = server.requests();
    env.fails(&["lock", "--offline"], "E0404", "`--offline` was given");
    assert_eq!(server.requests(), before, "--offline asked the server");
    env.ok(&["lock"]);
    env.ok(&["lock", "--offline", "--locked"]);

    // History is rewritten on the server: the pinned commit is on no branch any more.
    // Whether the mirror is kept (its old objects linger) or made anew.
    git_force_push_new_history(&repo);
    std::fs::remove_dir_all(env.cache.join("faramesh/artifacts")).expect("artifacts cached");
    env.fails(&["lock"], "E0404", "the server no longer has it");
    env.clear_cache();
    env.fails(&["lock"], "E0404", "the server no longer has it");
}

#[test]
fn unreachable_hanging_and_unsupported_git_servers_are_errors() {
    let env = Env::new();
    // Nothing listens: git's own message says so, for https as for http.
    for scheme in ["git+http", "git+https"] {
        env.manifest(
            &format!("{scheme}://127.0.0.1:{}/registry.git", closed_port()),
            "",
        );
        env.fails(&["import", &stripe("1.0.0")], "E0404", "`git fetch` failed");
    }
    // A server that accepts and never answers is given up after the registry's timeout.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let held: Vec<TcpStream> = listener.incoming().flatten().collect();
        drop(held);
    });
    env.manifest(&format!("git+http://{addr}/registry.git"), "timeout = 1");
    env.fails(&["import", &stripe("1.0.0")], "E0404", "Operation too slow");
    // A slow server whose every answer comes within the timeout is waited for, however long
    // the fetch takes in all (several requests of 0.7 s, timeout 1 s).
    let repo = env.registry.root().to_path_buf();
    git_commit_all(&repo, "first");
    let slow = GitServer::start_slow(
        repo.parent().expect("registry parent"),
        Duration::from_millis(700),
    );
    env.manifest(&format!("git+{}/registry/.git", slow.url), "timeout = 1");
    env.ok(&["import", &stripe("1.0.0")]);
    assert!(slow.requests() >= 2, "{} requests", slow.requests());
    // A repository that does not exist on a real git server.
    let served = served_registry(&env);
    env.manifest(&served.url.replace("/registry/", "/missing/"), "");
    env.fails(&["import", &stripe("1.0.0")], "E0404", "`git fetch` failed");
    // A server that asks for a login gets the one in the URL (through git's credential
    // helper, never its command line), and without it refuses.
    let login = GitServer::start_with(
        served.repo.parent().expect("registry parent"),
        Duration::ZERO,
        Some("reader:s3 cret"),
    );
    let private = format!("git+{}/registry/.git", login.url);
    env.manifest(&private.replace("http://", "http://reader:s3%20cret@"), "");
    env.ok(&["lock"]);
    env.manifest(&private, "");
    env.clear_cache();
    env.fails(&["lock"], "E0404", "`git fetch` failed");
    // Credentials in the URL reach neither a message nor the lockfile.
    let with_password = served.url.replace("http://", "http://user:s3cret@");
    env.manifest(&with_password.replace("/registry/", "/missing/"), "");
    let out = env.fails(&["import", &stripe("1.0.0")], "E0404", "***@");
    assert!(!out.contains("s3cret"), "{out}");
    env.manifest(&with_password, "");
    env.ok(&["lock"]);
    let lock = env.lock();
    assert!(lock.contains("git+http://***@127.0.0.1:"), "{lock}");
    assert!(!lock.contains("s3cret"), "{lock}");
    env.ok(&["lock", "--locked"]);
    // An empty repository says so, on this machine as on a server.
    let empty = env.project.parent().expect("temp dir").join("empty.git");
    git2::Repository::init_bare(&empty).expect("empty repository");
    env.manifest(&format!("git+file://{}", empty.display()), "");
    env.fails(&["import", &stripe("1.0.0")], "E0404", "has no commits");
    // Transports other than the URL's own are never run.
    env.manifest("git+http://127.0.0.1:1/r.git?token=s3cret", "");
    env.fails(
        &["import", &stripe("1.0.0")],
        "E0402",
        "no query or fragment",
    );
    env.manifest(
        "git+http://alice:pw%0Ausername=mallory@127.0.0.1:1/r.git",
        "",
    );
    env.fails(&["import", &stripe("1.0.0")], "E0402", "control character");
    // A scheme in capitals is the same scheme.
    env.manifest(&format!("GIT+HTTP://127.0.0.1:{}/r.git", closed_port()), "");
    env.fails(&["import", &stripe("1.0.0")], "E0404", "`git fetch` failed");
    env.manifest("git+ext::sh -c touch% /tmp/pwned", "");
    env.fails(&["import", &stripe("1.0.0")], "E0402", "`git+https://…`");
    env.manifest("git+https://example.com/r.git\\nhost=attacker.example", "");
    env.fails(
        &["import", &stripe("1.0.0")],
        "E0402",
        "whitespace or a control character",
    );
}
