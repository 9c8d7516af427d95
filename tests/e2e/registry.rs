//! End-to-end tests of imports: `faramesh import`, `lock`, `registry …`, and `check`/`eval`
//! with imports, against fixture registries in the public layout served from a directory, a git
//! repository and `faramesh registry serve`. Every bad input ends with a clear error and nothing
//! written.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use fpl_testdata::registry::{
    FixtureRegistry, REGISTRY_ID, Signing, git_commit_all, git_force_push_new_history, signing_key,
    trust_entry,
};

mod git_server;
mod lsp;
mod yaml;

const LOCAL: &str =
    "# the support desk\nagent support-bot {\n  default deny\n  permit tickets/read\n}\n";
const STRIPE_1_0: &str =
    "agent stripe-payments {\n  default deny\n  permit stripe/charge when amount < $100\n}\n";
const STRIPE_1_1: &str = "import \"github.com/faramesh/faramesh-registry/policies/faramesh/base@1.0.0\"\n\nagent stripe-payments {\n  default deny\n  permit stripe/charge when amount < $500\n}\n";
const BASE: &str = "agent base-guard {\n  default deny\n  deny! shell/*\n}\n";

fn stripe(version: &str) -> String {
    format!("{REGISTRY_ID}/policies/faramesh/stripe@{version}")
}

/// A project, a registry and a cache, each in its own directory.
struct Env {
    _dir: tempfile::TempDir,
    project: PathBuf,
    cache: PathBuf,
    registry: FixtureRegistry,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let project = dir.path().join("project");
        std::fs::create_dir_all(&project).expect("project dir");
        std::fs::write(project.join("governance.fms"), LOCAL).expect("policy");
        let mut registry = FixtureRegistry::new(&dir.path().join("registry"));
        registry.publish("policies", "faramesh/stripe", "1.0.0", STRIPE_1_0);
        registry.publish("policies", "faramesh/stripe", "1.1.0", STRIPE_1_1);
        registry.publish("policies", "faramesh/base", "1.0.0", BASE);
        let env = Env {
            cache: dir.path().join("cache"),
            project,
            registry,
            _dir: dir,
        };
        env.manifest(&env.registry.root().display().to_string(), "");
        env
    }

    /// Writes faramesh.toml with the default registry at `url` and the publisher's key trusted.
    fn manifest(&self, url: &str, extra: &str) {
        let text = format!(
            "# project settings\n[registries.default]\nurl = \"{url}\"\n{extra}\n[trust]\nkeys = [\"{}\"]\n",
            self.registry.trust_entry()
        );
        std::fs::write(self.project.join("faramesh.toml"), text).expect("manifest");
    }

    fn faramesh(&self, args: &[&str]) -> Output {
        self.faramesh_with(args, &[])
    }

    /// Runs `faramesh` in the project with the variables `vars` set too.
    fn faramesh_with(&self, args: &[&str], vars: &[(&str, &Path)]) -> Output {
        faramesh_e2e::faramesh()
            .current_dir(&self.project)
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", &self.cache)
            .envs(vars.iter().copied())
            .args(args)
            .output()
            .expect("runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_with(args, &[])
    }

    /// [`Env::ok`] with the variables `vars` set too.
    fn ok_with(&self, args: &[&str], vars: &[(&str, &Path)]) -> String {
        let output = self.faramesh_with(args, vars);
        assert!(
            output.status.success(),
            "{args:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs a command that must fail with `code` and `needle` in its output and write nothing.
    fn fails(&self, args: &[&str], code: &str, needle: &str) -> String {
        let before = self.state();
        let output = self.faramesh(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.status.success(), "{args:?} succeeded:\n{text}");
        assert!(text.contains(code), "{args:?}: no {code} in\n{text}");
        assert!(
            squash(&text).contains(&squash(needle)),
            "{args:?}: no `{needle}` in\n{text}"
        );
        assert_eq!(self.state(), before, "{args:?} wrote project files");
        text
    }

    /// The project's files and their contents.
    fn state(&self) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(&self.project)
            .expect("project dir")
            .filter_map(Result::ok)
            .map(|entry| {
                (
                    entry.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(entry.path()).unwrap_or_default(),
                )
            })
            .collect();
        files.sort();
        files
    }

    fn lock(&self) -> String {
        std::fs::read_to_string(self.project.join("faramesh.lock")).expect("faramesh.lock")
    }

    fn policy(&self) -> String {
        std::fs::read_to_string(self.project.join("governance.fms")).expect("policy")
    }

    fn add_import(&self, reference: &str) {
        let text = format!("import \"{reference}\"\n{}", self.policy());
        std::fs::write(self.project.join("governance.fms"), text).expect("policy");
    }

    fn clear_cache(&self) {
        let _ = std::fs::remove_dir_all(&self.cache);
    }
}

/// A policy that imports stripe 1.0.0 and has its own `stripe-payments` agent, on line 3.
fn write_shadowing_policy(env: &Env) {
    std::fs::write(
        env.project.join("governance.fms"),
        format!(
            "import \"{}\"\n\nagent stripe-payments {{\n  default deny\n}}\n",
            stripe("1.0.0")
        ),
    )
    .expect("policy");
}

fn decide(env: &Env, request: &str) -> serde_json::Value {
    let out = env.ok(&["eval", "--policy", ".", "--request", request]);
    serde_json::from_str(out.trim()).expect("decision JSON")
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn import_adds_the_line_locks_and_check_reads_the_lock_offline() {
    let env = Env::new();
    env.ok(&["import", &stripe("1.0.0")]);
    assert_eq!(
        env.policy(),
        format!(
            "# the support desk\nimport \"{}\"\n\n{}",
            stripe("1.0.0"),
            &LOCAL[19..]
        )
    );
    let lock = env.lock();
    assert!(
        lock.contains(&format!("reference = \"{}\"", stripe("1.0.0"))),
        "{lock}"
    );
    assert!(
        lock.contains("key_id = \"faramesh-ed25519-2026\""),
        "{lock}"
    );
    assert!(lock.contains("path = \"artifacts/policies/faramesh/stripe/1.0.0/policy.fpl\""));
    // Importing again changes nothing.
    let before = env.state();
    env.ok(&["import", &stripe("1.0.0")]);
    assert_eq!(env.state(), before);
    // A warm check makes no network access: the registry now points at a closed port.
    env.manifest(&format!("http://127.0.0.1:{}", closed_port()), "");
    let out = env.ok(&["check", "--format", "json"]);
    assert!(
        out.contains("\"diagnostics\": []") || out.contains("\"diagnostics\":[]"),
        "{out}"
    );
    let decision = decide(
        &env,
        r#"{"agent":"stripe-payments","tool":"stripe/charge","args":{"amount":20}}"#,
    );
    assert_eq!(decision["effect"], "permit");
    assert!(
        decision["rule"]["file"]
            .as_str()
            .expect("file")
            .ends_with("policy.fpl")
    );
    // Upgrading replaces the import of the other version.
    env.manifest(&env.registry.root().display().to_string(), "");
    env.ok(&["import", &stripe("1.1.0")]);
    assert!(env.policy().contains(&stripe("1.1.0")) && !env.policy().contains(&stripe("1.0.0")));
}

#[test]
fn transitive_imports_are_locked_and_join_the_policy() {
    let env = Env::new();
    env.ok(&["import", &stripe("1.1.0")]);
    let lock = env.lock();
    let base = format!("{REGISTRY_ID}/policies/faramesh/base@1.0.0");
    assert!(lock.contains(&base), "{lock}");
    assert!(
        lock.find(&base) < lock.find(&stripe("1.1.0")),
        "sorted:\n{lock}"
    );
    let decision = decide(&env, r#"{"agent":"base-guard","tool":"shell/rm"}"#);
    assert_eq!(decision["reason_code"], "MANDATORY_DENY");
    // The same resolution gives the same bytes.
    std::fs::remove_file(env.project.join("faramesh.lock")).expect("remove");
    env.ok(&["lock"]);
    assert_eq!(env.lock(), lock);
    env.ok(&["lock", "--locked"]);
}

#[test]
fn a_local_agent_replaces_an_imported_one_with_w0401() {
    let env = Env::new();
    write_shadowing_policy(&env);
    env.ok(&["lock"]);
    let out = env.ok(&["check"]);
    assert!(out.contains("W0401"), "{out}");
    assert!(out.contains("imported agent, not used"), "{out}");
    let decision = decide(
        &env,
        r#"{"agent":"stripe-payments","tool":"stripe/charge","args":{"amount":20}}"#,
    );
    assert_eq!(
        decision["reason_code"], "DEFAULT_DENY",
        "the local agent decides"
    );
}

#[test]
fn check_without_lock_or_cache_says_to_run_faramesh_lock() {
    let env = Env::new();
    env.add_import(&stripe("1.0.0"));
    let out = env.fails(&["check"], "E0408", "run `faramesh lock`");
    assert!(out.contains("governance.fms:1:8"), "{out}");
    assert_eq!(
        out.matches("help:").count(),
        1,
        "the help is said once: {out}"
    );
    assert!(out.contains("  help: run `faramesh lock`"), "{out}");
    env.ok(&["lock"]);
    env.clear_cache();
    env.fails(&["check"], "E0408", "is not in the cache");
    env.fails(
        &[
            "eval",
            "--policy",
            ".",
            "--request",
            r#"{"agent":"a","tool":"t"}"#,
        ],
        "E0408",
        "not in the cache",
    );
    std::fs::write(env.project.join("faramesh.lock"), "version = 7\n").expect("lock");
    env.fails(&["check"], "E0409", "format version 7 is not supported");
    let request = r#"{"agent":"a","tool":"t"}"#;
    env.fails(
        &["eval", "--policy", ".", "--request", request],
        "E0409",
        "format version 7",
    );
}

#[test]
fn locked_and_offline_behave_as_in_cargo() {
    let env = Env::new();
    env.add_import(&stripe("1.0.0"));
    env.fails(
        &["lock", "--locked"],
        "E0408",
        "faramesh.lock does not exist",
    );
    env.ok(&["lock"]);
    env.add_import(
        &stripe("1.1.0")
            .replace("stripe", "base")
            .replace("1.1.0", "1.0.0"),
    );
    env.fails(
        &["lock", "--locked"],
        "E0408",
        "added `github.com/faramesh/faramesh-registry/policies/faramesh/base@1.0.0`",
    );
    // Offline: a network registry is not read, the cache is.
    let server = Server::start(env.registry.root());
    env.manifest(&server.url, "");
    env.fails(&["lock", "--offline"], "E0404", "`--offline` was given");
    env.ok(&["lock"]);
    drop(server);
    env.ok(&["lock", "--offline", "--locked"]);
}

#[test]
fn git_registries_are_pinned_to_the_locked_commit() {
    let env = Env::new();
    let repo = env.registry.root().to_path_buf();
    let first = git_commit_all(&repo, "first");
    env.manifest(&format!("git+file://{}", repo.display()), "");
    env.add_import(&stripe("1.0.0"));
    env.ok(&["lock"]);
    assert!(
        env.lock().contains(&format!("commit = \"{first}\"")),
        "{}",
        env.lock()
    );
    // The branch moves on; the lock stays on its commit, also when the cache is empty.
    move_branch(&repo);
    env.clear_cache();
    let lock = env.lock();
    env.ok(&["lock"]);
    assert_eq!(env.lock(), lock);
    let decision = decide(
        &env,
        r#"{"agent":"stripe-payments","tool":"stripe/charge","args":{"amount":20}}"#,
    );
    assert_eq!(decision["effect"], "permit");
    // History is rewritten: the pinned commit is on no branch any more.
    git_force_push_new_history(&repo);
    env.clear_cache();
    env.fails(&["lock"], "E0404", "no branch or tag contains it");
}

#[test]
fn a_registry_url_with_a_query_is_read_and_its_secrets_never_shown() {
    let env = Env::new();
    let server = Server::start(env.registry.root());
    let url = format!(
        "{}?token=s3cret",
        server.url.replace("http://", "http://reader:s3cret@")
    );
    env.manifest(&url, "");
    env.ok(&["import", &stripe("1.0.0")]);
    let lock = env.lock();
    assert!(lock.contains("?***"), "{lock}");
    assert!(!lock.contains("s3cret"), "{lock}");
    drop(server);
    env.clear_cache();
    let out = env.fails(&["lock"], "E0404", "?***");
    assert!(!out.contains("s3cret"), "{out}");
    // A mistake beside the URL in faramesh.toml shows the file, but not its secrets.
    env.manifest(&url, "timeout = 3 3");
    let output = env.faramesh(&["check"]);
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success() && shown.contains("E0409"),
        "{shown}"
    );
    let masked = format!("http://{}@127.0.0.1", "*".repeat("reader:s3cret".len()));
    assert!(shown.contains(&masked), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
}

/// The requests a [`recording_server`] saw: each path and its `Authorization` header.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, Option<String>)>>>;

/// A server on 127.0.0.1 that answers every request with `answer(path)` (status line and
/// headers) and records each request's `Authorization` header.
fn recording_server(answer: impl Fn(&str) -> String + Send + Sync + 'static) -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let Some(request) = crate::support::read_http_request(&mut reader) else {
                continue;
            };
            let auth = request.header("authorization").map(str::to_owned);
            record
                .lock()
                .expect("lock")
                .push((request.path.clone(), auth));
            // A client that went away only ends this connection.
            let _ = write!(
                stream,
                "{}Content-Length: 0\r\nConnection: close\r\n\r\n",
                answer(&request.path)
            );
        }
    });
    (port, seen)
}

#[test]
fn a_registry_login_never_follows_a_redirect_to_another_origin() {
    let env = Env::new();
    // B redirects once more to itself, then has nothing; A sends everything to B by another
    // host name.
    let (b, seen_by_b) = recording_server(|path| {
        if path.starts_with("/again") {
            "HTTP/1.1 404 Not Found\r\n".to_owned()
        } else {
            format!("HTTP/1.1 302 Found\r\nLocation: /again{path}\r\n")
        }
    });
    let (a, seen_by_a) = recording_server(move |path| {
        format!("HTTP/1.1 302 Found\r\nLocation: http://localhost:{b}{path}\r\n")
    });
    let url = format!("http://reader:s3cret@127.0.0.1:{a}/");
    env.fails(&["registry", "list", "--registry", &url], "E0404", "");
    let seen_by_a = seen_by_a.lock().expect("lock").clone();
    assert!(
        seen_by_a.first().is_some_and(|(_, auth)| auth.is_some()),
        "the registry's own origin gets the login: {seen_by_a:?}"
    );
    let seen_by_b = seen_by_b.lock().expect("lock").clone();
    assert!(
        seen_by_b.len() >= 2,
        "both redirects were followed: {seen_by_b:?}"
    );
    assert!(
        seen_by_b.iter().all(|(_, auth)| auth.is_none()),
        "another origin got the login: {seen_by_b:?}"
    );
}

#[test]
fn registry_serve_serves_a_mirror_and_refuses_traversal() {
    let env = Env::new();
    let outside = env
        .registry
        .root()
        .parent()
        .expect("parent")
        .join("secret.txt");
    std::fs::write(&outside, "secret").expect("secret");
    std::os::unix::fs::symlink(&outside, env.registry.root().join("catalog/leak.txt"))
        .expect("symlink");
    let server = Server::start(env.registry.root());
    env.manifest(&server.url, "");
    env.ok(&["import", &stripe("1.1.0")]);
    assert!(env.lock().contains(&format!("source = \"{}\"", server.url)));
    for path in [
        "/../secret.txt",
        "/catalog/%2e%2e/%2e%2e/secret.txt",
        "/catalog/leak.txt",
        "//etc/passwd",
    ] {
        let answer = server.raw_get(path);
        assert!(answer.starts_with("HTTP/1.1 403"), "{path}: {answer}");
        assert!(
            !answer.contains("secret\n") && !answer.ends_with("secret"),
            "{path}: {answer}"
        );
    }
    assert!(
        server
            .raw_get("/catalog/catalog.json")
            .starts_with("HTTP/1.1 200")
    );
    assert!(
        server
            .raw_get("/catalog/missing.json")
            .starts_with("HTTP/1.1 404")
    );
}

#[test]
fn registry_list_search_and_info() {
    let env = Env::new();
    let out = env.ok(&["registry", "list"]);
    assert!(
        out.contains("policies/faramesh/stripe  1.1.0  The faramesh/stripe policies entry"),
        "{out}"
    );
    assert!(out.contains("policies/faramesh/base"), "{out}");
    assert_eq!(env.ok(&["registry", "list", "--kind", "frameworks"]), "");
    let out = env.ok(&["registry", "search", "STRIPE"]);
    assert!(
        out.contains("faramesh/stripe") && !out.contains("faramesh/base"),
        "{out}"
    );
    env.ok(&["import", &stripe("1.0.0")]);
    let info = format!("{REGISTRY_ID}/policies/faramesh/stripe");
    let out = env.ok(&["registry", "info", &info]);
    assert!(out.contains("versions:    1.0.0, 1.1.0"), "{out}");
    assert!(out.contains("latest:      1.1.0"), "{out}");
    assert!(out.contains("signed by `faramesh-ed25519-2026`"), "{out}");
    env.fails(
        &["registry", "info", &format!("{info}@2.0.0")],
        "E0403",
        "write `github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.1.0`",
    );
    // Offline, the catalog comes from the cache.
    let server = Server::start(env.registry.root());
    env.manifest(&server.url, "");
    env.fails(
        &["registry", "list", "--offline"],
        "E0404",
        "not in the cache",
    );
    env.ok(&["registry", "list"]);
    drop(server);
    assert!(
        env.ok(&["registry", "list", "--offline"])
            .contains("faramesh/stripe")
    );
}

#[test]
fn inexact_and_unknown_references_name_the_fix() {
    let env = Env::new();
    let latest = env.fails(
        &["import", &stripe("latest")],
        "E0401",
        "write `github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.1.0`",
    );
    // The reference is in no file yet: no code frame of one, the command line is named.
    assert!(
        latest.contains("the reference on the command line"),
        "{latest}"
    );
    assert!(!latest.contains("governance.fms"), "{latest}");
    env.fails(
        &["import", &stripe("1.0.0").replace("@1.0.0", "")],
        "E0401",
        "the catalog's latest version",
    );
    env.fails(
        &["import", &stripe("9.9.9")],
        "E0403",
        "available: 1.0.0, 1.1.0",
    );
    env.fails(
        &["import", &stripe("1.0.0").replace("stripe", "strip")],
        "E0403",
        "did you mean `faramesh/stripe`",
    );
    env.fails(
        &["import", "git.example.com/acme/policies/crm@1.0.0"],
        "E0402",
        "no registry is configured for `git.example.com/acme`",
    );
    env.manifest("git+ssh://git@example.com/registry.git", "");
    env.fails(
        &["import", &stripe("1.0.0")],
        "E0402",
        "a git registry URL is `git+https://…`",
    );
}

#[test]
fn import_frames_the_file_as_it_is_on_disk() {
    let env = Env::new();
    env.add_import(&stripe("9.9.9"));
    let base = stripe("1.0.0").replace("stripe", "base");
    let out = env.fails(&["import", &base], "E0403", "available: 1.0.0, 1.1.0");
    // The failing import already in the file is shown where it is, in the file's own text,
    // without the line the command would have added.
    assert!(out.contains("governance.fms:1:8"), "{out}");
    assert!(out.contains("# the support desk"), "{out}");
    assert!(!out.contains("faramesh/base"), "{out}");
    assert!(!out.contains("the reference on the command line"), "{out}");
}

#[test]
fn signatures_must_come_from_trusted_keys() {
    let cases = [
        (
            Signing::Attacker("attacker-key".into()),
            "not trusted",
            "public key inside the `.sig` is never trusted",
        ),
        (
            Signing::Attacker("faramesh-ed25519-2026".into()),
            "does not match",
            "correctly signed",
        ),
        (Signing::OtherBytes, "does not match", "correctly signed"),
        (Signing::Missing, "is not signed", "policy.fpl.sig"),
    ];
    for (signing, message, help) in cases {
        let mut env = Env::new();
        env.registry.publish_with(
            "policies",
            "acme/evil",
            "1.0.0",
            STRIPE_1_0.as_bytes(),
            signing,
        );
        let reference = format!("{REGISTRY_ID}/policies/acme/evil@1.0.0");
        env.fails(&["import", &reference], "E0406", message);
        env.fails(&["import", &reference], "E0406", help);
        // The registry's own keys.json never counts, and --allow-unsigned is recorded.
        env.ok(&["import", &reference, "--allow-unsigned"]);
        assert!(env.lock().contains("unsigned = true"), "{}", env.lock());
        env.ok(&["check"]);
    }
}

#[test]
fn a_key_trusted_in_the_policy_verifies() {
    let env = Env::new();
    env.manifest(&env.registry.root().display().to_string(), "");
    let manifest = std::fs::read_to_string(env.project.join("faramesh.toml")).expect("manifest");
    let untrusted = manifest.replace(
        &env.registry.trust_entry(),
        &trust_entry("other", &signing_key("other")),
    );
    std::fs::write(env.project.join("faramesh.toml"), untrusted).expect("manifest");
    env.fails(&["import", &stripe("1.0.0")], "E0406", "not trusted");
    let (id, key) = env
        .registry
        .trust_entry()
        .split_once(':')
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .expect("entry");
    let policy = format!(
        "trust {{\n  key \"{id}\" \"ed25519:{key}\"\n}}\n{}",
        env.policy()
    );
    std::fs::write(env.project.join("governance.fms"), policy).expect("policy");
    env.ok(&["import", &stripe("1.0.0")]);
    env.ok(&["check"]);
}

#[test]
fn digests_are_checked_against_the_lock_and_the_cache() {
    let env = Env::new();
    env.ok(&["import", &stripe("1.0.0")]);
    // The registry's artifact changes (re-signed by the publisher) after locking.
    let artifact = env
        .registry
        .root()
        .join("catalog/artifacts/policies/faramesh/stripe/1.0.0/policy.fpl");
    std::fs::write(&artifact, "agent stripe-payments {\n  default permit\n}\n").expect("tamper");
    env.registry.sign(&artifact, Signing::Publisher);
    env.clear_cache();
    env.fails(&["lock"], "E0407", "faramesh.lock pins");
    // The cache's copy is changed: check refuses it.
    std::fs::write(&artifact, STRIPE_1_0).expect("restore");
    env.registry.sign(&artifact, Signing::Publisher);
    env.ok(&["lock"]);
    let cached: Vec<PathBuf> = walk(&env.cache)
        .into_iter()
        .filter(|p| p.ends_with("policy.fpl"))
        .collect();
    std::fs::write(&cached[0], "agent stripe-payments {\n  default permit\n}\n")
        .expect("tamper cache");
    env.fails(&["check"], "E0407", "the cache file");
}

#[test]
fn artifact_paths_may_not_leave_the_registry() {
    let env = Env::new();
    let outside = env
        .registry
        .root()
        .parent()
        .expect("parent")
        .join("outside.fpl");
    std::fs::write(&outside, STRIPE_1_0).expect("outside");
    let mut registry = FixtureRegistry::new(env.registry.root());
    registry.set_version("policies", "acme/dotdot", "1.0.0", "../../outside.fpl");
    registry.set_version(
        "policies",
        "acme/absolute",
        "1.0.0",
        &outside.display().to_string(),
    );
    let link = env.registry.root().join("catalog/artifacts/link.fpl");
    std::fs::create_dir_all(link.parent().expect("parent")).expect("dir");
    std::os::unix::fs::symlink(&outside, &link).expect("symlink");
    registry.set_version("policies", "acme/symlink", "1.0.0", "artifacts/link.fpl");
    let import = |name: &str| format!("{REGISTRY_ID}/policies/acme/{name}@1.0.0");
    env.fails(
        &["import", &import("dotdot")],
        "E0405",
        "it has a `..` segment",
    );
    env.fails(&["import", &import("absolute")], "E0405", "it is absolute");
    env.fails(
        &["import", &import("symlink")],
        "E0405",
        "a symlink leads outside the registry",
    );
    // The same symlink committed to a git registry.
    git_commit_all(env.registry.root(), "with a symlink");
    env.manifest(&format!("git+file://{}", env.registry.root().display()), "");
    env.fails(
        &["import", &import("symlink")],
        "E0405",
        "symbolic link in the git tree",
    );
}

#[test]
fn malformed_and_huge_catalogs_are_refused() {
    let env = Env::new();
    let catalog = env.registry.root().join("catalog/catalog.json");
    std::fs::write(&catalog, "{\"registry_id\": \"x\",\n \"policies\": [1]}").expect("catalog");
    env.fails(&["import", &stripe("1.0.0")], "E0405", "line 2");
    std::fs::write(
        &catalog,
        format!(
            "{{\"registry_id\": \"{REGISTRY_ID}\", \"x\": \"{}\"}}",
            "a".repeat(9 << 20)
        ),
    )
    .expect("catalog");
    env.fails(
        &["import", &stripe("1.0.0")],
        "E0405",
        "larger than 8388608 bytes",
    );
    std::fs::write(&catalog, "{\"registry_id\": \"example.com/other\"}").expect("catalog");
    env.fails(
        &["import", &stripe("1.0.0")],
        "E0405",
        "its `registry_id` is `example.com/other`",
    );
}

#[test]
fn http_servers_that_hang_fail_or_truncate_are_errors() {
    let cases: [(&'static [u8], &str); 3] = [
        (b"", "did not answer within"),
        (b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nboom", "answered HTTP 500"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"registry_id\"", "truncated"),
    ];
    for (answer, message) in cases {
        let env = Env::new();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                if answer.is_empty() {
                    // Hang: keep the connection open until the client gives up.
                    while stream.read(&mut request).is_ok_and(|read| read > 0) {}
                } else {
                    let _ = stream.write_all(answer);
                }
            }
        });
        env.manifest(&url, "timeout = 0.5\n");
        env.fails(&["import", &stripe("1.0.0")], "E0404", message);
    }
}

#[test]
fn the_docs_examples_of_import_codes_hold() {
    use fpl_analyzer::Code;
    for code in Code::ALL.iter().filter(|code| code.needs_registry()) {
        let docs = code.docs();
        if docs.invalid.is_empty() {
            continue;
        }
        for (example, expected) in [(docs.invalid, true), (docs.valid, false)] {
            let env = Env::new();
            std::fs::write(env.project.join("governance.fms"), example).expect("policy");
            let lock = env.faramesh(&["lock"]);
            let text = if lock.status.success() {
                let check = env.faramesh(&["check", "--format", "json"]);
                String::from_utf8_lossy(&check.stdout).into_owned()
            } else {
                String::from_utf8_lossy(&lock.stderr).into_owned()
            };
            assert_eq!(
                text.contains(code.as_str()),
                expected,
                "{}: {example}\n{text}",
                code.as_str()
            );
            if !expected {
                assert!(
                    text.contains("\"diagnostics\": []") || text.contains("\"diagnostics\":[]"),
                    "{}: {text}",
                    code.as_str()
                );
            }
        }
    }
}

/// `faramesh registry serve` on a free port, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let mut child = std::process::Command::new(faramesh_e2e::binary())
            .args(["registry", "serve"])
            .arg(dir)
            .args(["--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("server prints its URL");
        Server {
            child,
            url: line.trim().to_string(),
        }
    }

    /// A GET of `path` written byte for byte, so no client normalises it.
    fn raw_get(&self, path: &str) -> String {
        let addr = self.url.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .expect("request");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        answer
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Commits a changed stripe 1.0.0 to the registry's git repository at `repo`: the branch moves
/// on from the commit a lock pinned.
fn move_branch(repo: &Path) {
    let mut registry = FixtureRegistry::new(repo);
    registry.publish(
        "policies",
        "faramesh/stripe",
        "1.0.0",
        "agent moved {\n  default deny\n}\n",
    );
    git_commit_all(repo, "second");
}

/// `text` without whitespace and miette's frame characters, so wrapped messages compare.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !"│×╭╰─·┬".contains(*c))
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// `diff` and `ci report` read each git revision with the imports its own `faramesh.lock` pins,
/// as `check` and `bundle build` do: bumping an import is a change of decisions, and a head
/// whose import is not locked fails the gate with `E0408`.
#[test]
fn diff_and_ci_report_read_each_revision_with_its_locked_imports() {
    let env = Env::new();
    env.ok(&["import", &stripe("1.0.0")]);
    git_commit_all(&env.project, "stripe 1.0.0");
    let bumped = env.policy().replace(&stripe("1.0.0"), &stripe("1.1.0"));
    std::fs::write(env.project.join("governance.fms"), bumped).expect("policy");
    env.ok(&["lock"]);
    git_commit_all(&env.project, "stripe 1.1.0");

    // 1.1.0 permits charges up to $500 (1.0.0: $100) and brings base-guard's deny! along.
    let diff = env.faramesh(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    let text = String::from_utf8_lossy(&diff.stdout);
    assert_eq!(diff.status.code(), Some(1), "{text}");
    assert!(text.contains("stripe-payments"), "{text}");
    assert!(text.contains("base-guard"), "{text}");
    let report = |base: &str| -> serde_json::Value {
        let output = env.faramesh(&[
            "ci", "report", "--base", base, "--head", "HEAD", "--format", "json",
        ]);
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stderr)))
    };
    let bump = report("HEAD~1");
    assert_eq!(bump["counts"]["errors"], 0, "{bump}");
    assert!(bump["counts"]["loosened"].as_u64() > Some(0), "{bump}");

    // Back to 1.0.0 in the policy, but the lock still pins 1.1.0.
    let unlocked = env.policy().replace(&stripe("1.1.0"), &stripe("1.0.0"));
    std::fs::write(env.project.join("governance.fms"), unlocked).expect("policy");
    git_commit_all(&env.project, "stripe 1.0.0, not locked");
    let gate = report("HEAD~1");
    assert!(gate["counts"]["errors"].as_u64() > Some(0), "{gate}");
    let codes: Vec<&str> = gate["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|it| it["code"].as_str())
        .collect();
    assert!(codes.contains(&"E0408"), "{gate}");
}

/// A registry one runs: an artifact signed by `faramesh registry sign` with a key from
/// `faramesh keygen` verifies against that key's trust line, and one changed after signing is
/// refused.
#[test]
fn artifacts_signed_by_registry_sign_verify_with_the_keygen_trust_line() {
    let env = Env::new();
    let registry = env.project.with_file_name("acme-registry");
    let artifact = registry.join("catalog/artifacts/policies/acme/crm/1.0.0/policy.fpl");
    std::fs::create_dir_all(artifact.parent().expect("a directory")).expect("artifact dir");
    std::fs::write(
        &artifact,
        "agent crm-bot {\n  default deny\n  permit crm/read\n}\n",
    )
    .expect("artifact");
    let catalog = serde_json::json!({
        "registry_id": "git.example.com/acme/registry",
        "policies": [{
            "name": "acme/crm",
            "latest_version": "1.0.0",
            "description": "CRM reads",
            "versions": {"1.0.0": "artifacts/policies/acme/crm/1.0.0/policy.fpl"},
        }],
        "frameworks": [], "providers": [], "packs": [],
    });
    std::fs::write(registry.join("catalog/catalog.json"), catalog.to_string()).expect("catalog");
    let trust_line = env.ok(&["keygen", "--out", "../publisher.ed25519"]);
    let signed = env.ok(&[
        "registry",
        "sign",
        artifact.to_str().expect("UTF-8"),
        "--key",
        "../publisher.ed25519",
    ]);
    assert!(signed.starts_with("signed "), "{signed}");
    std::fs::write(
        env.project.join("faramesh.toml"),
        format!(
            "[registries.acme]\nid = \"git.example.com/acme/registry\"\nurl = \"{}\"\n\n[trust]\nkeys = [{}]\n",
            registry.display(),
            trust_line.trim()
        ),
    )
    .expect("manifest");
    env.ok(&[
        "import",
        "git.example.com/acme/registry/policies/acme/crm@1.0.0",
    ]);
    let read = decide(&env, r#"{"agent":"crm-bot","tool":"crm/read"}"#);
    assert_eq!(read["effect"], "permit", "{read}");

    // The artifact changed after it was signed: refused, nothing written.
    std::fs::write(&artifact, "agent crm-bot {\n  default permit\n}\n").expect("changed artifact");
    env.clear_cache();
    let _ = std::fs::remove_file(env.project.join("faramesh.lock"));
    env.fails(&["lock"], "E0406", "signature");
}

/// `registry publish` adds a version to a registry one runs, checked, signed and listed, so a
/// project imports it; a published version is never replaced, and a file with errors is not
/// published.
#[test]
fn registry_publish_adds_a_version_projects_import() {
    let env = Env::new();
    let trust_line = env.ok(&["keygen", "--out", "../publisher.ed25519"]);
    std::fs::write(
        env.project.join("faramesh.toml"),
        format!(
            "[registries.default]\nurl = \"{}\"\n\n[trust]\nkeys = [\"{}\", {}]\n",
            env.registry.root().display(),
            env.registry.trust_entry(),
            trust_line.trim()
        ),
    )
    .expect("manifest");
    std::fs::write(
        env.project.join("../crm.fpl"),
        "agent crm-bot {\n  default deny\n  permit crm/read\n}\n",
    )
    .expect("the file to publish");
    let crm = format!("{REGISTRY_ID}/policies/acme/crm@1.0.0");
    let root = env.registry.root().display().to_string();
    let publish = |file: &str| {
        env.faramesh(&[
            "registry",
            "publish",
            &root,
            &crm,
            "--file",
            file,
            "--key",
            "../publisher.ed25519",
            "--description",
            "CRM reads",
        ])
    };
    let published = publish("../crm.fpl");
    assert!(published.status.success(), "{published:?}");
    assert!(
        String::from_utf8_lossy(&published.stdout).starts_with(&format!("published {crm}")),
        "{published:?}"
    );
    env.ok(&["import", &crm]);
    let read = decide(&env, r#"{"agent":"crm-bot","tool":"crm/read"}"#);
    assert_eq!(read["effect"], "permit", "{read}");
    let listed = env.ok(&["registry", "info", &crm.replace("@1.0.0", "")]);
    assert!(
        listed.contains("CRM reads") && listed.contains("1.0.0"),
        "{listed}"
    );

    // Never again, and never a file with errors: the catalog stays as it is.
    let catalog = env.registry.root().join("catalog/catalog.json");
    let before = std::fs::read(&catalog).expect("catalog");
    let again = publish("../crm.fpl");
    assert_eq!(again.status.code(), Some(2));
    assert!(
        squash(&String::from_utf8_lossy(&again.stderr)).contains(&squash("already published")),
        "{again:?}"
    );
    std::fs::write(
        env.project.join("../broken.fpl"),
        "agent crm-bot {\n  permit\n}\n",
    )
    .expect("a file with errors");
    let crm_2 = crm.replace("1.0.0", "2.0.0");
    let broken = env.faramesh(&[
        "registry",
        "publish",
        &root,
        &crm_2,
        "--file",
        "../broken.fpl",
        "--key",
        "../publisher.ed25519",
    ]);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    assert_eq!(std::fs::read(&catalog).expect("catalog"), before);
    assert!(
        !env.registry
            .root()
            .join("catalog/artifacts/policies/acme/crm/2.0.0")
            .exists()
    );
}
