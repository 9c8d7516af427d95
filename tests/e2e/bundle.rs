//! End-to-end tests of signed bundles through the real `faramesh` binary: `keygen`, `bundle
//! build` from a git revision in a temp repository (never the work tree, the same bytes twice,
//! refused on any error), `bundle verify` / `inspect` / `eval --bundle`, and `bundle publish` to
//! a git branch and to an HTTP server on 127.0.0.1 that the test runs.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::mpsc;

use faramesh_e2e::faramesh;
use fpl_testdata::registry::{git_commit_all, git_commit_all_at};

const POLICY: &str = "agent payments-bot {\n  default deny\n  rules {\n    permit stripe/charge if amount < 500\n    deny! shell/*\n  }\n}\n";
const POLICY_V2: &str = "agent payments-bot {\n  default deny\n  rules {\n    permit stripe/charge if amount < 50\n    deny! shell/*\n  }\n}\n";
const CHARGE_100: &str = r#"{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":100}}"#;

/// A git repository with a committed policy, and a signing key beside it.
struct Env {
    dir: tempfile::TempDir,
    repo: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(&repo).expect("repo dir");
        std::fs::write(repo.join("governance.fms"), POLICY).expect("policy");
        // 2023-11-14T22:13:20Z, in a zone east of UTC.
        git_commit_all_at(&repo, "first policy", git2::Time::new(1_700_000_000, 120));
        let env = Env { dir, repo };
        env.ok(&["keygen", "--out", "key"]);
        env
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).expect("readable file")
    }

    /// Runs `faramesh` in the temp dir (the repository is `repo`, the key `key`).
    fn run(&self, args: &[&str]) -> Output {
        self.run_in(self.dir.path(), args)
    }

    /// Runs `faramesh` in `dir`, with the temp dir's cache.
    fn run_in(&self, dir: &Path, args: &[&str]) -> Output {
        faramesh()
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", self.path("cache"))
            .args(args)
            .output()
            .expect("runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_in(self.dir.path(), args)
    }

    fn ok_in(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.run_in(dir, args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs a command that must fail with `code`; returns its standard error.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        stderr
    }

    /// `bundle build` of `rev` signed with `key`, into `out`.
    fn build(&self, rev: &str, out: &str) -> Vec<u8> {
        self.ok(&[
            "bundle", "build", "repo", "--rev", rev, "--key", "key", "-o", out,
        ]);
        std::fs::read(self.path(out)).expect("bundle written")
    }

    /// The decision effect of `request` by `eval --bundle`.
    fn effect(&self, bundle: &str, request: &str) -> String {
        let out = self.ok(&[
            "eval",
            "--bundle",
            bundle,
            "--trust",
            "key.pub",
            "--request",
            request,
        ]);
        let decision: serde_json::Value = serde_json::from_str(&out).expect("decision JSON");
        decision["effect"].as_str().expect("effect").to_owned()
    }

    fn inspect_json(&self, bundle: &str) -> serde_json::Value {
        let out = self.ok(&["bundle", "inspect", bundle, "--format", "json"]);
        serde_json::from_str(&out).expect("inspect JSON")
    }
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_prints_the_trust_line() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = Env::new();
    let mode = std::fs::metadata(env.path("key"))
        .expect("key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let public = env.read("key.pub");
    let (id, key) = public.trim().split_once(':').expect("id:key");
    assert!(id.starts_with("ed25519-"), "{public}");
    assert_eq!(key.len(), 44, "{public}");
    assert!(
        !env.read("key").contains(key),
        "the private file holds the seed, not the public key"
    );
    let again = env.fails(&["keygen", "--out", "key"], 2);
    assert!(again.contains("already exists"), "{again}");
    assert_eq!(
        env.read("key.pub"),
        public,
        "an existing key is never replaced"
    );
    let printed = env.ok(&["keygen", "--out", "other"]);
    assert_eq!(
        printed.trim(),
        format!("\"{}\"", env.read("other.pub").trim())
    );
}

/// As in docs/serve.md: `keygen --out keys/…` and `bundle build -o dist/…` in a fresh project
/// create the directories they write into, and a bundle is readable by others (the service may
/// run as another user), with the permissions any new file gets.
#[test]
fn keys_and_bundles_are_written_into_directories_that_do_not_exist_yet() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = Env::new();
    env.ok(&["keygen", "--out", "keys/bundle.ed25519"]);
    assert!(env.read("keys/bundle.ed25519.pub").starts_with("ed25519-"));
    env.ok(&[
        "bundle",
        "build",
        "repo",
        "--key",
        "keys/bundle.ed25519",
        "-o",
        "dist/policy.fmb",
    ]);
    env.ok(&[
        "bundle",
        "verify",
        "dist/policy.fmb",
        "--trust",
        "keys/bundle.ed25519.pub",
    ]);
    let mode = |name: &str| {
        std::fs::metadata(env.path(name))
            .expect("written")
            .permissions()
            .mode()
            & 0o777
    };
    std::fs::File::create(env.path("plain")).expect("a plain new file");
    assert_eq!(mode("dist/policy.fmb"), mode("plain"));
    assert_eq!(mode("keys/bundle.ed25519"), 0o600);
}

#[test]
fn a_bundle_holds_the_committed_policy_only_and_is_the_same_bytes_every_time() {
    let env = Env::new();
    let repository = git2::Repository::open(&env.repo).expect("repository");
    let first = repository
        .head()
        .and_then(|head| head.peel_to_commit())
        .expect("first commit");
    // A dirty work tree: an edited policy and an untracked file must not reach the bundle.
    std::fs::write(env.repo.join("governance.fms"), POLICY_V2).expect("edit");
    std::fs::write(
        env.repo.join("extra.fpl"),
        "agent leaked {\n  default permit\n}\n",
    )
    .expect("untracked");
    let bytes = env.build("HEAD", "a.fmb");
    assert_eq!(
        env.build("HEAD", "b.fmb"),
        bytes,
        "same revision and key, same bytes"
    );
    assert_eq!(env.effect("a.fmb", CHARGE_100), "permit");
    let inspected = env.inspect_json("a.fmb");
    assert_eq!(
        inspected["agents"],
        serde_json::json!([{"name": "payments-bot", "rules": 2}])
    );
    let manifest = &inspected["manifest"];
    assert_eq!(manifest["commit"], first.id().to_string());
    assert_eq!(manifest["tree"], first.tree_id().to_string());
    assert_eq!(manifest["sources"].as_array().map(Vec::len), Some(1));
    assert_eq!(manifest["sources"][0]["path"], "governance.fms");
    assert_eq!(
        manifest["created"], "2023-11-14T22:13:20Z",
        "the commit's time, in UTC"
    );

    // The edit committed: HEAD is the new policy, `--rev HEAD~1` still the old one.
    std::fs::remove_file(env.repo.join("extra.fpl")).expect("untracked removed");
    git_commit_all(&env.repo, "stricter charges");
    env.build("HEAD", "new.fmb");
    assert_eq!(env.effect("new.fmb", CHARGE_100), "deny");
    assert_eq!(env.build("HEAD~1", "old.fmb"), bytes);
}

#[test]
fn a_project_in_a_subdirectory_is_read_as_check_reads_it_at_its_path_in_the_tree() {
    let env = Env::new();
    let project = env.repo.join("policies");
    std::fs::create_dir_all(&project).expect("project dir");
    std::fs::write(
        project.join("faramesh.toml"),
        "[policy]\nfiles = [\"main.fpl\"]\n",
    )
    .expect("manifest");
    std::fs::write(project.join("main.fpl"), POLICY_V2).expect("listed policy");
    std::fs::write(
        project.join("draft.fpl"),
        "agent draft {\n  default permit\n}\n",
    )
    .expect("unlisted policy");
    git_commit_all(&env.repo, "a project below the root");
    env.ok(&[
        "bundle",
        "build",
        "repo/policies",
        "--key",
        "key",
        "-o",
        "a.fmb",
    ]);
    let inspected = env.inspect_json("a.fmb");
    assert_eq!(
        inspected["agents"],
        serde_json::json!([{"name": "payments-bot", "rules": 2}])
    );
    let sources = &inspected["manifest"]["sources"];
    assert_eq!(sources.as_array().map(Vec::len), Some(1), "{sources}");
    assert_eq!(sources[0]["path"], "policies/main.fpl");
    assert_eq!(env.effect("a.fmb", CHARGE_100), "deny");
}

#[test]
fn a_policy_with_errors_at_the_revision_gets_no_bundle() {
    let cases = [
        ("agent broken {\n  default deny\n  permit\n", "error"),
        // Only the SMT analysis finds this one: the permit can never decide.
        (
            "agent a {\n  default deny\n  rules {\n    deny! shell/*\n    permit shell/exec\n  }\n}\n",
            "S0302",
        ),
    ];
    for (policy, expected) in cases {
        let env = Env::new();
        std::fs::write(env.repo.join("governance.fms"), policy).expect("policy");
        git_commit_all(&env.repo, "bad policy");
        let args = ["bundle", "build", "repo", "--key", "key", "-o", "out.fmb"];
        let stderr = env.fails(&args, 1);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(stderr.contains("no bundle was written"), "{stderr}");
        assert!(!env.path("out.fmb").exists());
        // An earlier bundle at that path is left as it was.
        std::fs::write(env.path("out.fmb"), b"earlier").expect("earlier file");
        env.fails(&args, 1);
        assert_eq!(env.read("out.fmb"), "earlier");
        let entries = std::fs::read_dir(env.dir.path()).expect("dir").count();
        assert_eq!(
            entries, 4,
            "repo, key, key.pub, out.fmb and no temporary file"
        );
    }
}

#[test]
fn builds_that_cannot_run_say_why() {
    let env = Env::new();
    let stderr = env.fails(
        &[
            "bundle",
            "build",
            "repo",
            "--rev",
            "no-such-rev",
            "--key",
            "key",
            "-o",
            "x.fmb",
        ],
        2,
    );
    assert!(
        stderr.contains("cannot read git revision `no-such-rev`"),
        "{stderr}"
    );
    std::fs::write(env.path("bad-key"), "not a key\n").expect("bad key");
    let stderr = env.fails(
        &["bundle", "build", "repo", "--key", "bad-key", "-o", "x.fmb"],
        2,
    );
    assert!(stderr.contains("cannot read the signing key"), "{stderr}");
    std::fs::create_dir(env.path("plain")).expect("dir");
    let stderr = env.fails(
        &["bundle", "build", "plain", "--key", "key", "-o", "x.fmb"],
        2,
    );
    assert!(stderr.contains("cannot read git revision"), "{stderr}");
    assert!(!env.path("x.fmb").exists());
}

#[test]
fn the_signing_key_of_faramesh_toml_is_used_without_key() {
    let env = Env::new();
    // The key stays outside the repository; the setting names it relative to the project.
    std::fs::write(
        env.repo.join("faramesh.toml"),
        "[bundle]\nsigning_key = \"../key\"\n",
    )
    .expect("manifest");
    git_commit_all(&env.repo, "signing key setting");
    env.ok(&["bundle", "build", "repo", "-o", "a.fmb"]);
    env.ok(&["bundle", "verify", "a.fmb", "--trust", "key.pub"]);
}

#[test]
fn verify_and_eval_refuse_what_a_runtime_must_not_load() {
    let env = Env::new();
    env.build("HEAD", "good.fmb");
    let out = env.ok(&["bundle", "verify", "good.fmb", "--trust", "key.pub"]);
    assert!(out.contains("verified"), "{out}");
    env.ok(&["keygen", "--out", "other"]);
    env.ok(&["bundle", "build", "repo", "-o", "unsigned.fmb"]);
    let mut flipped = std::fs::read(env.path("good.fmb")).expect("bundle");
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    std::fs::write(env.path("flipped.fmb"), &flipped).expect("flipped");
    let good = std::fs::read(env.path("good.fmb")).expect("bundle");
    std::fs::write(env.path("short.fmb"), &good[..good.len() - 10]).expect("truncated");
    let cases = [
        ("good.fmb", "other.pub", "which is not trusted"),
        ("unsigned.fmb", "key.pub", "the bundle is not signed"),
        ("flipped.fmb", "key.pub", "does not verify"),
        ("short.fmb", "key.pub", "truncated"),
    ];
    for (bundle, trust, message) in cases {
        let stderr = env.fails(&["bundle", "verify", bundle, "--trust", trust], 1);
        assert!(
            stderr.contains(bundle) && stderr.contains(message),
            "{bundle}: {stderr}"
        );
        let args = [
            "eval",
            "--bundle",
            bundle,
            "--trust",
            trust,
            "--request",
            CHARGE_100,
        ];
        let output = env.run(&args);
        assert_eq!(output.status.code(), Some(1), "{bundle}");
        assert!(
            output.stdout.is_empty(),
            "{bundle}: no decision from a refused bundle"
        );
    }
    let stderr = env.fails(&["bundle", "verify", "good.fmb", "--trust", "nope:AAAA"], 2);
    assert!(stderr.contains("--trust `nope:AAAA`"), "{stderr}");
    let stderr = env.fails(
        &["bundle", "verify", "missing.fmb", "--trust", "key.pub"],
        2,
    );
    assert!(stderr.contains("cannot read `missing.fmb`"), "{stderr}");
}

#[test]
fn inspect_shows_the_manifest_agents_and_findings_for_people_and_programs() {
    let env = Env::new();
    env.build("HEAD", "a.fmb");
    let human = env.ok(&["bundle", "inspect", "a.fmb"]);
    for expected in [
        "signature  unverified: claims key `ed25519-",
        "agents     payments-bot (2 rules)",
        "findings   0 error(s), 0 warning(s)",
        "sources    governance.fms  sha256:",
    ] {
        assert!(human.contains(expected), "{expected}\n{human}");
    }
    let trusted = env.ok(&["bundle", "inspect", "a.fmb", "--trust", "key.pub"]);
    assert!(
        trusted.contains("verified: signed by trusted key"),
        "{trusted}"
    );
    let json = env.inspect_json("a.fmb");
    assert_eq!(json["signature"]["status"], "unverified");
    assert_eq!(json["manifest"]["analysis"]["errors"], 0);
    assert_eq!(json["manifest"]["format_version"], 1);
    env.ok(&["keygen", "--out", "other"]);
    let output = env.run(&[
        "bundle",
        "inspect",
        "a.fmb",
        "--trust",
        "other.pub",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let refused: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(refused["signature"]["status"], "refused");
}

#[test]
fn publish_commits_each_bundle_and_moves_latest_on_a_git_branch() {
    let env = Env::new();
    let first = env.build("HEAD", "first.fmb");
    std::fs::write(env.repo.join("governance.fms"), POLICY_V2).expect("edit");
    git_commit_all(&env.repo, "stricter charges");
    let second = env.build("HEAD", "second.fmb");
    let target = env.path("bundles.git");
    let published = git2::Repository::init_bare(&target).expect("bare repository");
    let to = format!("file://{}#bundles", target.display());
    for name in ["first.fmb", "second.fmb"] {
        env.ok(&["bundle", "publish", name, "--to", &to, "--trust", "key.pub"]);
    }
    let again = env.ok(&["bundle", "publish", "second.fmb", "--to", &to]);
    assert!(again.contains("already there"), "{again}");
    let tip = published
        .find_reference("refs/heads/bundles")
        .and_then(|reference| reference.peel_to_commit())
        .expect("bundles branch");
    assert_eq!(tip.parent_count(), 1, "one commit per new bundle");
    let tree = tip.tree().expect("tree");
    let file = |name: &str| {
        let entry = tree
            .get_name(name)
            .unwrap_or_else(|| panic!("{name} on the branch"));
        published
            .find_blob(entry.id())
            .expect("blob")
            .content()
            .to_vec()
    };
    let commit = |bytes: &[u8]| {
        let manifest = env.inspect_json_bytes(bytes);
        manifest["manifest"]["commit"]
            .as_str()
            .expect("commit")
            .to_owned()
    };
    let (first_commit, second_commit) = (commit(&first), commit(&second));
    assert_eq!(file(&format!("{first_commit}.fmb")), first);
    assert_eq!(file(&format!("{second_commit}.fmb")), second);
    assert_eq!(
        file("latest"),
        format!("{second_commit}.fmb\n").into_bytes()
    );
    assert_eq!(tree.len(), 3);

    let stderr = env.fails(
        &["bundle", "publish", "first.fmb", "--to", "repo#master"],
        2,
    );
    assert!(stderr.contains("is checked out"), "{stderr}");
    env.ok(&["bundle", "build", "repo", "-o", "unsigned.fmb"]);
    let stderr = env.fails(&["bundle", "publish", "unsigned.fmb", "--to", &to], 2);
    assert!(stderr.contains("is not signed"), "{stderr}");
}

impl Env {
    /// `inspect --format json` of bundle bytes.
    fn inspect_json_bytes(&self, bytes: &[u8]) -> serde_json::Value {
        let path = self.path("inspected.fmb");
        std::fs::write(&path, bytes).expect("write");
        self.inspect_json("inspected.fmb")
    }
}

/// One request an HTTP test server received.
struct Received {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// An HTTP/1.1 server on 127.0.0.1 that answers every request with `status` and sends what it
/// received on the channel before answering.
fn http_server(status: &'static str) -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let Ok(reader) = stream.try_clone() else {
                return;
            };
            let mut reader = BufReader::new(reader);
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                continue;
            }
            let mut parts = request_line.split_whitespace();
            let received = Received {
                method: parts.next().unwrap_or_default().to_owned(),
                path: parts.next().unwrap_or_default().to_owned(),
                body,
            };
            if sender.send(received).is_err() {
                return;
            }
            let answer =
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, receiver)
}

#[test]
fn publish_puts_the_bundle_then_latest_on_an_http_server() {
    let env = Env::new();
    let bytes = env.build("HEAD", "a.fmb");
    let commit = env.inspect_json("a.fmb")["manifest"]["commit"]
        .as_str()
        .expect("commit")
        .to_owned();
    let (url, received) = http_server("201 Created");
    env.ok(&[
        "bundle",
        "publish",
        "a.fmb",
        "--to",
        &format!("{url}/bundles/"),
    ]);
    let requests: Vec<Received> = received.try_iter().collect();
    let summary: Vec<(&str, &str)> = requests
        .iter()
        .map(|request| (request.method.as_str(), request.path.as_str()))
        .collect();
    let bundle_path = format!("/bundles/{commit}.fmb");
    assert_eq!(
        summary,
        [("PUT", bundle_path.as_str()), ("PUT", "/bundles/latest")]
    );
    assert_eq!(requests[0].body, bytes);
    assert_eq!(requests[1].body, format!("{commit}.fmb\n").into_bytes());

    let (url, received) = http_server("403 Forbidden");
    let stderr = env.fails(&["bundle", "publish", "a.fmb", "--to", &url], 2);
    assert!(stderr.contains("answered HTTP 403"), "{stderr}");
    let paths: Vec<String> = received.try_iter().map(|request| request.path).collect();
    assert_eq!(
        paths,
        [format!("/{commit}.fmb")],
        "no `latest` after a refused bundle"
    );
}

/// Publishes `faramesh/base` (an agent with a mandatory deny of `shell/*`) in a registry under
/// the env's `registry` directory, which the repository's faramesh.toml names and trusts; returns
/// the reference.
fn base_registry(env: &Env) -> String {
    use fpl_testdata::registry::{FixtureRegistry, REGISTRY_ID};
    let mut registry = FixtureRegistry::new(&env.path("registry"));
    let base = "agent base-guard {\n  default deny\n  deny! shell/*\n}\n";
    registry.publish("policies", "faramesh/base", "1.0.0", base);
    std::fs::write(
        env.repo.join("faramesh.toml"),
        format!(
            "[registries.default]\nurl = \"{}\"\n\n[trust]\nkeys = [\"{}\"]\n",
            registry.root().display(),
            registry.trust_entry()
        ),
    )
    .expect("manifest");
    format!("{REGISTRY_ID}/policies/faramesh/base@1.0.0")
}

#[test]
fn imports_come_from_the_lock_and_are_listed_with_their_pinned_digests() {
    let env = Env::new();
    let reference = base_registry(&env);
    env.ok_in(&env.repo, &["import", &reference]);
    git_commit_all(&env.repo, "import the base guard");
    // The registry is gone: the build reads the locked bytes from the cache, offline.
    std::fs::remove_dir_all(env.path("registry")).expect("registry removed");
    env.build("HEAD", "a.fmb");
    let manifest = &env.inspect_json("a.fmb")["manifest"];
    let lock = std::fs::read_to_string(env.repo.join("faramesh.lock")).expect("lock");
    let pinned = manifest["imports"][0]["sha256"]
        .as_str()
        .expect("import digest");
    assert_eq!(manifest["imports"][0]["reference"], reference.as_str());
    assert!(
        lock.contains(pinned.trim_start_matches("sha256:")),
        "{pinned} not in\n{lock}"
    );
    let paths: Vec<&str> = manifest["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|source| source["path"].as_str())
        .collect();
    assert_eq!(paths, ["governance.fms"]);
    let shell = r#"{"agent":"base-guard","tool":"shell/exec"}"#;
    assert_eq!(env.effect("a.fmb", shell), "deny");

    // Without the cached bytes the build refuses rather than fetch or skip the import.
    std::fs::remove_dir_all(env.path("cache")).expect("cache removed");
    let stderr = env.fails(
        &["bundle", "build", "repo", "--key", "key", "-o", "b.fmb"],
        1,
    );
    assert!(stderr.contains("no bundle was written"), "{stderr}");
    assert!(!env.path("b.fmb").exists());
}

#[test]
fn a_yaml_policys_imports_are_locked_and_bundled() {
    let env = Env::new();
    let reference = base_registry(&env);
    std::fs::remove_file(env.repo.join("governance.fms")).expect("remove the FPL policy");
    let yaml = format!(
        "imports:\n  - {{ ref: {reference} }}\nagents:\n  payments-bot:\n    default: deny\n"
    );
    std::fs::write(env.repo.join("governance.fms.yaml"), yaml).expect("policy");
    env.ok_in(&env.repo, &["lock"]);
    git_commit_all(&env.repo, "the policy as YAML, importing the base guard");
    env.build("HEAD", "a.fmb");
    let manifest = &env.inspect_json("a.fmb")["manifest"];
    assert_eq!(manifest["imports"][0]["reference"], reference.as_str());
    let shell = r#"{"agent":"base-guard","tool":"shell/exec"}"#;
    assert_eq!(env.effect("a.fmb", shell), "deny");
}

#[test]
fn a_yaml_policy_is_bundled_from_git_and_decides_as_its_fpl() {
    let env = Env::new();
    let yaml = "agents:\n  payments-bot:\n    default: deny\n    rules:\n      - { effect: permit, tool: stripe/charge, when: amount < 50 }\n      - { effect: deny!, tool: shell/* }\n";
    std::fs::remove_file(env.repo.join("governance.fms")).expect("remove the FPL policy");
    std::fs::write(env.repo.join("governance.fms.yaml"), yaml).expect("policy");
    git_commit_all(&env.repo, "the policy as YAML");
    env.build("HEAD", "yaml.fmb");
    assert_eq!(env.effect("yaml.fmb", CHARGE_100), "deny");
    let small = r#"{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":20}}"#;
    assert_eq!(env.effect("yaml.fmb", small), "permit");
    let sources = env.inspect_json("yaml.fmb");
    assert!(
        sources.to_string().contains("governance.fms.yaml"),
        "{sources}"
    );
}

#[test]
fn a_bundle_manifest_validates_against_its_schema() {
    let env = Env::new();
    env.build("HEAD", "one.fmb");
    let manifest = env.inspect_json("one.fmb")["manifest"].clone();
    let output = env.run(&["schema", "bundle-manifest"]);
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&manifest)
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors, Vec::<String>::new(), "{manifest}");
    let mut extra = manifest.clone();
    extra["unexpected"] = serde_json::Value::Bool(true);
    assert!(!validator.is_valid(&extra));
}
