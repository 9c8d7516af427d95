//! A registry in a git repository on a server (`git+https://`, or `git+http://` like an
//! `http://` registry). The machine's `git` command fetches its branches, tags and `HEAD` into a
//! bare mirror in the cache (`git/<sha256 of the URL>`), so the user's git credentials and proxy
//! settings apply as for `git fetch`, like cargo's `net.git-fetch-with-cli`; the files are then
//! read from the mirror like any `git+file://` repository. Only the URL's own transport may run
//! (`GIT_ALLOW_PROTOCOL`), git never prompts, an HTTP request that stalls for the registry's
//! timeout fails (git's `http.lowSpeedTime`), a fetch that brings nothing for
//! [`STALL_TIMEOUTS`] timeouts is stopped, and so is one that downloads more than
//! [`MAX_FETCH_SIZE`] bytes.

use std::io::Read as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::SnapshotError;
use super::git::{GitSnapshot, GitSource};
use crate::cache::Cache;
use crate::files::sha256_hex;
use fpl_runtime::url_secrets::{origin, redact_url, split_credentials};

/// The most one fetch may download (the packs written into the mirror).
pub const MAX_FETCH_SIZE: u64 = 512 << 20;

/// A fetch whose packs do not grow for this many registry timeouts is stopped: each request
/// is bounded by git itself, this bounds a fetch of many slow requests, or a stuck helper.
const STALL_TIMEOUTS: u32 = 10;

/// A git credential helper (a shell snippet) answering `get` with the user and password from
/// the environment, where other users cannot read them (unlike a command line).
const CREDENTIAL_HELPER: &str = "!f() { test \"$1\" = get && printf 'username=%s\\npassword=%s\\n' \"$FARAMESH_GIT_USERNAME\" \"$FARAMESH_GIT_PASSWORD\"; }; f";

/// What git says of a repository whose objects are damaged.
const DAMAGED: &[&str] = &[
    "bad config",
    "File exists",
    "bad object",
    "did not send all necessary objects",
    "corrupt",
    "missing blob",
    "missing tree",
    "differ in contents",
    "unable to rename temporary",
    "not a git repository",
    "unable to read",
];

/// How much of git's error output an error keeps.
const MAX_GIT_MESSAGE: u64 = 64 << 10;

/// Where the mirror keeps the remote's `HEAD`: a remote-tracking name, so the commit it names
/// counts as reachable like the branches.
const REMOTE_HEAD: &str = "refs/remotes/origin/HEAD";

/// How often a running fetch is looked at.
const POLL: Duration = Duration::from_millis(20);

/// Variables that would point git at another repository than the mirror (`git rev-parse
/// --local-env-vars`): set when `faramesh` runs inside a git hook.
const REPOSITORY_VARIABLES: &[&str] = &[
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_CONFIG",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "GIT_DIR",
    "GIT_GRAFT_FILE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_OBJECT_DIRECTORY",
    "GIT_PREFIX",
    "GIT_QUARANTINE_PATH",
    "GIT_REPLACE_REF_BASE",
    "GIT_SHALLOW_FILE",
    "GIT_WORK_TREE",
];

/// A git repository on a server, fetched into a mirror at most once per run.
#[derive(Debug)]
pub struct RemoteGitSource {
    /// The URL git fetches (without `git+`, and without credentials: they would be on git's
    /// command line, which every local user can read).
    url: String,
    /// The user and password the URL was written with, handed to git by a credential helper
    /// for this URL's origin only, from the environment.
    credentials: Option<(String, String)>,
    /// The URL as messages show it, without credentials.
    shown: String,
    /// The transport `GIT_ALLOW_PROTOCOL` permits: `https` or `http`.
    protocol: &'static str,
    mirror: PathBuf,
    timeout: Duration,
    /// The most one fetch may download: [`MAX_FETCH_SIZE`].
    max_fetch: u64,
    fetched: OnceLock<Result<GitSource, String>>,
}

impl RemoteGitSource {
    /// The repository at `url` (`https://…` or `http://…`), mirrored under `cache`; `Err`
    /// says why git cannot be given the URL.
    pub fn new(url: &str, cache: &Cache, timeout: Duration) -> Result<RemoteGitSource, String> {
        // The URL goes to the git command as one argument; nothing in it may read as another
        // line of git's credential or transport protocols.
        if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("it contains whitespace or a control character".to_string());
        }
        if url.contains(['?', '#']) {
            return Err(
                "a git URL has no query or fragment (give a token as `user:token@`, or use a \
                 git credential helper)"
                    .to_string(),
            );
        }
        let (bare, login) = split_credentials(url);
        if login
            .as_ref()
            .is_some_and(|(user, password)| format!("{user}{password}").contains(char::is_control))
        {
            return Err(
                "its user or password holds a control character (a `%0A`, say)".to_string(),
            );
        }
        // A user alone is no secret: it stays in the URL, so the user's own credential helper
        // is asked for the password, as `git fetch` would.
        let (url_for_git, credentials) = match login {
            Some((user, password)) if !password.is_empty() => (bare, Some((user, password))),
            _ => (url.to_string(), None),
        };
        let protocol = if url.starts_with("https://") {
            "https"
        } else {
            "http"
        };
        Ok(RemoteGitSource {
            url: url_for_git,
            credentials,
            shown: redact_url(url),
            protocol,
            mirror: cache.root().join("git").join(sha256_hex(url.as_bytes())),
            timeout,
            max_fetch: MAX_FETCH_SIZE,
            fetched: OnceLock::new(),
        })
    }

    /// Fetches (once) and opens the mirror at `commit`, or at the remote's `HEAD`.
    pub fn snapshot(&self, commit: Option<&str>) -> Result<GitSnapshot, SnapshotError> {
        let fetched = self.fetched.get_or_init(|| {
            self.fetch()
                .map(|()| GitSource::with_tip(&self.mirror, REMOTE_HEAD))
        });
        match fetched {
            // The mirror holds what the server's branches and tags reach (and what earlier
            // fetches brought), so a commit it lacks or cannot reach is gone from the server.
            Ok(repository) => repository.snapshot(commit).map_err(|error| match error {
                SnapshotError::CommitGone(_) => SnapshotError::CommitGone(
                    "the server no longer has it (was it force-pushed away?)".to_string(),
                ),
                other => other,
            }),
            Err(message) => Err(SnapshotError::Failed(message.clone())),
        }
    }

    /// Brings the mirror up to date with the server, one process at a time.
    fn fetch(&self) -> Result<(), String> {
        let parent = self.mirror.parent().unwrap_or(Path::new("/"));
        std::fs::create_dir_all(parent)
            .map_err(|error| format!("cannot create `{}`: {error}", parent.display()))?;
        let lock_path = self.mirror.with_extension("lock");
        let lock = std::fs::File::create(&lock_path)
            .map_err(|error| format!("cannot create `{}`: {error}", lock_path.display()))?;
        lock.lock()
            .map_err(|error| format!("cannot lock `{}`: {error}", lock_path.display()))?;
        match self.fetch_into_mirror() {
            // A mirror whose objects are damaged (a disk fault, a stopped `git gc`) is made anew
            // once, rather than refused on every run.
            Err(message) if DAMAGED.iter().any(|sign| message.contains(sign)) => {
                self.remove_mirror().map_err(|error| {
                    format!(
                        "{message}; the mirror `{}` could not be removed: {error}",
                        self.mirror.display()
                    )
                })?;
                self.fetch_into_mirror()
            }
            Err(message) if message.contains("couldn't find remote ref HEAD") => Err(format!(
                "`{}` has no commits, or its HEAD names a branch that does not exist",
                self.shown
            )),
            fetched => fetched,
        }
    }

    /// Removes the mirror (a directory, or whatever file stands in its place).
    fn remove_mirror(&self) -> std::io::Result<()> {
        if self.mirror.is_dir() {
            std::fs::remove_dir_all(&self.mirror)
        } else {
            std::fs::remove_file(&self.mirror)
        }
    }

    /// Fetches into the mirror, made first when there is none (the lock held).
    fn fetch_into_mirror(&self) -> Result<(), String> {
        if !self.mirror.join("HEAD").is_file() {
            let mut init = self.git();
            init.args(["init", "--quiet", "--bare", "--"])
                .arg(&self.mirror);
            self.run(init, "git init")?;
        }
        let packs = self.mirror.join("objects").join("pack");
        remove_partial_packs(&packs);
        let mut fetch = self.git();
        fetch
            .arg("--git-dir")
            .arg(&self.mirror)
            // Every download stays one pack, so the size of the pack directory is what came.
            .args(["-c", "fetch.unpackLimit=1", "-c", "transfer.unpackLimit=1"])
            // A request that moves less than a byte a second for the timeout fails.
            .args(["-c", "http.lowSpeedLimit=1", "-c"])
            .arg(format!(
                "http.lowSpeedTime={}",
                self.timeout.as_secs_f64().ceil().max(1.0)
            ))
            .args([
                "fetch",
                "--quiet",
                "--prune",
                "--no-write-fetch-head",
                "--",
                &self.url,
            ])
            .arg(format!("+HEAD:{REMOTE_HEAD}"))
            .args(["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]);
        self.run_watched(fetch, &packs)
    }

    /// `git` with nothing from the caller's repository, no prompt and only this URL's transport.
    fn git(&self) -> Command {
        let mut command = Command::new("git");
        for name in REPOSITORY_VARIABLES {
            command.env_remove(name);
        }
        if let Some((user, password)) = &self.credentials {
            // Only this helper, and only for this origin: a redirect elsewhere gets nothing.
            let origin = origin(&self.url);
            command
                .args(["-c", "credential.helper="])
                .arg("-c")
                .arg(format!("credential.{origin}.helper={CREDENTIAL_HELPER}"))
                .env("FARAMESH_GIT_USERNAME", user)
                .env("FARAMESH_GIT_PASSWORD", password);
        }
        command
            .env("GIT_ALLOW_PROTOCOL", self.protocol)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GCM_INTERACTIVE", "never")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    /// Runs a local git command to its end.
    fn run(&self, command: Command, what: &str) -> Result<(), String> {
        let mut git = Running::spawn(command)?;
        let status = git
            .child
            .wait()
            .map_err(|error| format!("`{what}` failed: {error}"))?;
        git.finish(status.success(), what)
    }

    /// Runs a fetch, stopping it when the packs it writes into `packs` pass the size limit or
    /// stop growing for the timeout. A mirror that took more than the limit is removed, so no
    /// later run reads it either.
    fn run_watched(&self, command: Command, packs: &Path) -> Result<(), String> {
        let mut git = Running::spawn(command)?;
        let start = directory_size(packs);
        let (mut size, mut progressed) = (start, Instant::now());
        let stall = self.timeout * STALL_TIMEOUTS;
        let too_large = || {
            // A mirror that cannot be removed is fetched again and refused again.
            let _ = self.remove_mirror();
            Err(format!(
                "`{}` sent more than {}; the fetch was stopped",
                self.shown,
                in_units(self.max_fetch)
            ))
        };
        loop {
            let ended = match git.child.try_wait() {
                Ok(ended) => ended,
                Err(error) => return Err(format!("`git fetch` failed: {error}")),
            };
            let now = directory_size(packs);
            if now.saturating_sub(start) > self.max_fetch {
                git.stop();
                return too_large();
            }
            if let Some(status) = ended {
                return git.finish(status.success(), "git fetch");
            }
            if now != size {
                (size, progressed) = (now, Instant::now());
            } else if progressed.elapsed() > stall {
                git.stop();
                return Err(format!(
                    "`{}` sent nothing for {stall:?}; the fetch was stopped",
                    self.shown
                ));
            }
            std::thread::sleep(POLL);
        }
    }
}

/// A git process, with a thread keeping its error output (so the pipe never fills).
struct Running {
    child: Child,
    stderr: Option<JoinHandle<String>>,
}

impl Running {
    /// Starts `command`, saying so when git is not installed.
    fn spawn(mut command: Command) -> Result<Running, String> {
        // Its own process group, so stopping it also stops the helpers it starts (`index-pack`
        // writing into the mirror, `git-remote-https`).
        let mut child = command.process_group(0).spawn().map_err(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                "a `git+https://` registry needs the `git` command, which is not installed"
                    .to_string()
            } else {
                format!("cannot run `git`: {error}")
            }
        })?;
        let stderr = child.stderr.take().map(|mut stderr| {
            std::thread::spawn(move || {
                let mut kept = String::new();
                // Unreadable output leaves the failure itself to report; the rest is drained.
                let _ = (&mut stderr)
                    .take(MAX_GIT_MESSAGE)
                    .read_to_string(&mut kept);
                let _ = std::io::copy(&mut stderr, &mut std::io::sink());
                kept
            })
        });
        Ok(Running { child, stderr })
    }

    /// The outcome of a command that ended: its last error lines when it failed.
    fn finish(mut self, success: bool, what: &str) -> Result<(), String> {
        let output = self
            .stderr
            .take()
            .and_then(|thread| thread.join().ok())
            .unwrap_or_default();
        if success {
            return Ok(());
        }
        let lines: Vec<&str> = output
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        let tail = lines[lines.len().saturating_sub(3)..].join("; ");
        Err(if tail.is_empty() {
            format!("`{what}` failed")
        } else {
            format!("`{what}` failed: {tail}")
        })
    }

    /// Ends a fetch that overran, with every process it started.
    fn stop(mut self) {
        // The processes may have ended on their own meanwhile; either way git is reaped.
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_child(&self.child),
            rustix::process::Signal::KILL,
        );
        let _ = self.child.wait();
    }
}

/// `bytes` in MiB when it is whole MiB, else in bytes.
fn in_units(bytes: u64) -> String {
    if bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// The bytes of the files directly in `directory` (0 when it cannot be read).
fn directory_size(directory: &Path) -> u64 {
    std::fs::read_dir(directory)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.metadata().ok())
                .map(|metadata| metadata.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Removes what a stopped fetch left in the pack directory (git's `tmp_pack_*` files).
fn remove_partial_packs(packs: &Path) {
    let Ok(entries) = std::fs::read_dir(packs) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        if entry.file_name().to_string_lossy().starts_with("tmp_") {
            // A file that cannot be removed only costs space; git ignores it.
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry_path::RegistryPath;

    const TIMEOUT: Duration = Duration::from_secs(1);

    /// A repository whose one commit holds `catalog/catalog.json` of `size` bytes that do not
    /// compress, served to the mirror over `file://` (the tests' stand-in for a server).
    fn remote(dir: &Path, size: usize, max_fetch: u64) -> RemoteGitSource {
        let work = dir.join("server");
        std::fs::create_dir_all(work.join("catalog")).expect("work tree");
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let noise: Vec<u8> = (0..size)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        std::fs::write(work.join("catalog/catalog.json"), noise).expect("file");
        let repo = git2::Repository::init(&work).expect("repository");
        let mut index = repo.index().expect("index");
        index
            .add_path(Path::new("catalog/catalog.json"))
            .expect("add");
        let tree = repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("find tree");
        let signature = git2::Signature::now("Test", "test@example.com").expect("signature");
        repo.commit(Some("HEAD"), &signature, &signature, "one", &tree, &[])
            .expect("commit");
        RemoteGitSource {
            url: format!("file://{}", work.display()),
            credentials: None,
            shown: format!("file://{}", work.display()),
            protocol: "file",
            mirror: dir.join("cache/git/mirror"),
            timeout: Duration::from_secs(30),
            max_fetch,
            fetched: OnceLock::new(),
        }
    }

    #[test]
    fn a_fetch_within_the_limit_is_read_from_the_mirror() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = remote(dir.path(), 4096, 1 << 20);
        let snapshot = source.snapshot(None).expect("fetched");
        let bytes = snapshot
            .read(&RegistryPath::catalog(), 1 << 20)
            .expect("read")
            .expect("present");
        assert_eq!(bytes.len(), 4096);
        assert!(source.mirror.join("HEAD").is_file());
    }

    /// Another run's source of the same repository and mirror.
    fn again(source: &RemoteGitSource) -> RemoteGitSource {
        RemoteGitSource {
            url: source.url.clone(),
            credentials: source.credentials.clone(),
            shown: source.shown.clone(),
            protocol: source.protocol,
            mirror: source.mirror.clone(),
            timeout: source.timeout,
            max_fetch: source.max_fetch,
            fetched: OnceLock::new(),
        }
    }

    #[test]
    fn credentials_reach_git_through_the_environment_never_its_arguments() {
        let cache = Cache::at("/nonexistent");
        let url = "https://reader:s3cret@git.example.com:8443/r.git";
        let source = RemoteGitSource::new(url, &cache, TIMEOUT).expect("a usable URL");
        let git = source.git();
        let arguments: Vec<String> = git
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        assert!(
            arguments.iter().all(|arg| !arg.contains("s3cret")),
            "{arguments:?}"
        );
        assert!(
            arguments
                .iter()
                .any(|arg| arg.starts_with("credential.https://git.example.com:8443.helper=!")),
            "{arguments:?}"
        );
        assert_eq!(source.url, "https://git.example.com:8443/r.git");
        let password = git
            .get_envs()
            .find(|(name, _)| *name == "FARAMESH_GIT_PASSWORD")
            .and_then(|(_, value)| value);
        assert_eq!(password, Some(std::ffi::OsStr::new("s3cret")));
    }

    #[test]
    fn a_user_without_a_password_stays_in_the_url_for_the_user_s_own_helper() {
        let cache = Cache::at("/nonexistent");
        let source = RemoteGitSource::new("https://alice@h.example/r.git", &cache, TIMEOUT)
            .expect("a usable URL");
        assert_eq!(source.url, "https://alice@h.example/r.git");
        assert!(source.credentials.is_none());
        let arguments: Vec<String> = source
            .git()
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect();
        assert!(
            arguments.iter().all(|arg| !arg.contains("credential")),
            "{arguments:?}"
        );
    }

    #[test]
    fn a_damaged_mirror_is_made_anew() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = remote(dir.path(), 4096, 1 << 20);
        source.snapshot(None).expect("fetched");
        let packs = source.mirror.join("objects/pack");
        for entry in std::fs::read_dir(&packs).expect("packs") {
            std::fs::remove_file(entry.expect("entry").path()).expect("removed");
        }
        let next = again(&source);
        let snapshot = next.snapshot(None).expect("fetched into a new mirror");
        let read = snapshot.read(&RegistryPath::catalog(), 1 << 20);
        assert_eq!(read.expect("read").map(|bytes| bytes.len()), Some(4096));
    }

    #[test]
    fn a_mirror_whose_files_are_garbage_is_made_anew() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = remote(dir.path(), 4096, 1 << 20);
        source.snapshot(None).expect("fetched");
        std::fs::write(source.mirror.join("HEAD"), "garbage").expect("HEAD");
        for entry in std::fs::read_dir(source.mirror.join("objects/pack")).expect("packs") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|ext| ext == "pack") {
                let writable = std::os::unix::fs::PermissionsExt::from_mode(0o644);
                std::fs::set_permissions(&path, writable).expect("writable");
                let file = std::fs::OpenOptions::new().write(true).open(&path);
                file.and_then(|file| file.set_len(100)).expect("truncated");
            }
        }
        let next = again(&source);
        let snapshot = next.snapshot(None).expect("fetched into a new mirror");
        let read = snapshot.read(&RegistryPath::catalog(), 1 << 20);
        assert_eq!(read.expect("read").map(|bytes| bytes.len()), Some(4096));
    }

    #[test]
    fn an_empty_repository_is_named_so() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = remote(dir.path(), 16, 1 << 20);
        let empty = dir.path().join("empty.git");
        git2::Repository::init_bare(&empty).expect("empty repository");
        let source = RemoteGitSource {
            url: format!("file://{}", empty.display()),
            shown: "the empty one".to_owned(),
            ..again(&source)
        };
        let Err(SnapshotError::Failed(message)) = source.snapshot(None) else {
            panic!("an empty repository was read");
        };
        assert_eq!(
            message,
            "`the empty one` has no commits, or its HEAD names a branch that does not exist"
        );
    }

    #[test]
    fn a_fetch_over_the_limit_is_refused_and_its_mirror_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = remote(dir.path(), 1 << 20, 64 << 10);
        let Err(SnapshotError::Failed(message)) = source.snapshot(None) else {
            panic!("a fetch of 1 MiB passed a limit of 64 KiB");
        };
        assert!(message.contains("sent more than 65536 bytes"), "{message}");
        assert!(!source.mirror.exists(), "the oversized mirror was kept");
    }
}
