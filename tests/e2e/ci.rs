//! End-to-end tests of `faramesh ci report` and `faramesh ci github`: real git repositories with
//! a base and a head commit made in a temporary directory, and for `ci github` a fake GitHub
//! REST API on 127.0.0.1 (list, create and update issue comments; 401, 403 and 429 answers)
//! that `GITHUB_API_URL` points at.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;

pub(crate) const BASE: &str = "agent payments-bot {
  default deny
  permit stripe/charge if amount <= 100
  defer stripe/refund if amount > 100
  permit stripe/refund
}
";

pub(crate) const HEAD: &str = "agent payments-bot {
  default deny
  permit stripe/charge if amount <= 50
  defer stripe/refund if amount > 500
  permit stripe/refund
}
";

const TOKEN: &str = "test-token";
const REPOSITORY: &str = "acme/policies";
const PR: u64 = 7;

/// A repository with one commit per version of `policies/governance.fms` (each formatted unless
/// `raw`), and the directory the workflow's files go to.
pub(crate) struct Repo {
    dir: tempfile::TempDir,
    runner: tempfile::TempDir,
    commits: Vec<String>,
}

impl Repo {
    pub(crate) fn new(versions: &[&str]) -> Repo {
        Repo::with(versions, true)
    }

    fn with(versions: &[&str], formatted: bool) -> Repo {
        let versions: Vec<Vec<(&str, String)>> = versions
            .iter()
            .map(|text| {
                let text = if formatted {
                    fpl_fmt::format_text(text).expect("the fixture parses")
                } else {
                    text.to_string()
                };
                vec![("policies/governance.fms", text)]
            })
            .collect();
        Repo::with_files(&versions)
    }

    /// A repository with one commit per version, each writing and adding its `(path, text)`
    /// files (files of earlier versions stay).
    fn with_files(versions: &[Vec<(&str, String)>]) -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        let repository = git2::Repository::init(dir.path()).expect("init");
        let signature = git2::Signature::now("t", "t@example.com").expect("signature");
        std::fs::create_dir_all(dir.path().join("policies")).expect("mkdir");
        let mut commits: Vec<String> = Vec::new();
        for files in versions {
            let mut index = repository.index().expect("index");
            for (path, text) in files {
                std::fs::write(dir.path().join(path), text).expect("write");
                index.add_path(Path::new(path)).expect("add");
            }
            index.write().expect("index");
            let tree = repository
                .find_tree(index.write_tree().expect("tree"))
                .expect("tree");
            let parents: Vec<git2::Commit> = commits
                .last()
                .map(|id| {
                    repository
                        .find_commit(git2::Oid::from_str(id).expect("oid"))
                        .expect("commit")
                })
                .into_iter()
                .collect();
            let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
            let id = repository
                .commit(
                    Some("HEAD"),
                    &signature,
                    &signature,
                    "version",
                    &tree,
                    &parent_refs,
                )
                .expect("commit");
            commits.push(id.to_string());
        }
        Repo {
            dir,
            runner: tempfile::tempdir().expect("tempdir"),
            commits,
        }
    }

    fn base(&self) -> &str {
        &self.commits[0]
    }

    fn head(&self) -> &str {
        &self.commits[self.commits.len() - 1]
    }

    fn runner_file(&self, name: &str) -> PathBuf {
        self.runner.path().join(name)
    }

    /// `faramesh ci github` in the repository with the environment of a `pull_request` run.
    pub(crate) fn ci_github(&self, api: &FakeGithub) -> Command {
        let event = serde_json::json!({
            "action": "synchronize",
            "number": PR,
            "pull_request": {
                "number": PR,
                "base": { "sha": self.base(), "ref": "main" },
                "head": { "sha": self.head(), "ref": "feature" },
            },
        });
        std::fs::write(self.runner_file("event.json"), event.to_string()).expect("event");
        let mut command = faramesh_e2e::faramesh();
        for (name, _) in std::env::vars() {
            if name.starts_with("GITHUB_") || name == "RUNNER_TEMP" {
                command.env_remove(name);
            }
        }
        command
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env("GITHUB_REPOSITORY", REPOSITORY)
            .env("GITHUB_EVENT_PATH", self.runner_file("event.json"))
            .env("GITHUB_API_URL", &api.url)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_STEP_SUMMARY", self.runner_file("summary.md"))
            .env("GITHUB_OUTPUT", self.runner_file("output"))
            .env("RUNNER_TEMP", self.runner.path())
            .args(["ci", "github", "--path", "policies"]);
        command
    }

    /// Replaces the commit ids and the runner directory by names, for snapshots.
    fn redact(&self, text: &str) -> String {
        text.replace(self.base(), "<base>")
            .replace(self.head(), "<head>")
            .replace(&self.runner.path().display().to_string(), "<runner>")
    }

    pub(crate) fn read_runner(&self, name: &str) -> String {
        self.redact(&std::fs::read_to_string(self.runner_file(name)).unwrap_or_default())
    }
}

/// How the fake API answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Like GitHub.
    Normal,
    /// 403 to everything.
    Forbidden,
    /// 429 with `Retry-After: 1` to the first request, then like GitHub.
    RateLimitedOnce,
    /// 429 with `Retry-After: 1` to everything.
    RateLimited,
}

#[derive(Debug, Default)]
struct State {
    /// `(id, body)` of each comment of the pull request.
    comments: Vec<(u64, String)>,
    /// `METHOD /path` of each request, in order.
    log: Vec<String>,
}

/// A fake GitHub REST API on 127.0.0.1: the issue-comment endpoints octocrab calls.
pub(crate) struct FakeGithub {
    url: String,
    state: Arc<Mutex<State>>,
}

impl FakeGithub {
    pub(crate) fn start(mode: Mode) -> FakeGithub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                answer(stream, mode, &shared);
            }
        });
        FakeGithub { url, state }
    }

    fn comments(&self) -> Vec<(u64, String)> {
        self.state.lock().expect("lock").comments.clone()
    }

    fn log(&self) -> Vec<String> {
        self.state.lock().expect("lock").log.clone()
    }
}

/// Reads one request and answers it (`Connection: close`).
fn answer(stream: TcpStream, mode: Mode, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_lowercase(), value.trim().to_string()));
        }
    }
    let header = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.clone())
    };
    let length: usize = header("content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let path = target.split('?').next().unwrap_or_default().to_string();
    let (status, extra, reply) = {
        let mut state = state.lock().expect("lock");
        state.log.push(format!("{method} {path}"));
        let first = state.log.len() == 1;
        route(
            &mut state,
            mode,
            first,
            &method,
            &path,
            header("authorization"),
            &body,
        )
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
}

/// The answer to one request: status line, extra headers, body.
fn route(
    state: &mut State,
    mode: Mode,
    first: bool,
    method: &str,
    path: &str,
    authorization: Option<String>,
    body: &[u8],
) -> (&'static str, String, String) {
    let error = |status, message: &str| {
        (
            status,
            String::new(),
            serde_json::json!({"message": message, "documentation_url": "https://docs.github.com/rest"})
                .to_string(),
        )
    };
    match mode {
        Mode::Forbidden => return error("403 Forbidden", "Resource not accessible by integration"),
        Mode::RateLimited => {
            return (
                "429 Too Many Requests",
                "Retry-After: 1\r\n".to_string(),
                serde_json::json!({"message": "You have exceeded a secondary rate limit"})
                    .to_string(),
            );
        }
        Mode::RateLimitedOnce if first => {
            return (
                "429 Too Many Requests",
                "Retry-After: 1\r\n".to_string(),
                serde_json::json!({"message": "You have exceeded a secondary rate limit"})
                    .to_string(),
            );
        }
        _ => {}
    }
    if authorization.as_deref() != Some(&format!("Bearer {TOKEN}")) {
        return error("401 Unauthorized", "Bad credentials");
    }
    let issue_comments = format!("/repos/{REPOSITORY}/issues/{PR}/comments");
    let comment_prefix = format!("/repos/{REPOSITORY}/issues/comments/");
    let text = || {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|value| value["body"].as_str().map(str::to_string))
    };
    if path == issue_comments && method == "GET" {
        let list: Vec<serde_json::Value> = state
            .comments
            .iter()
            .map(|(id, body)| comment_json(*id, body))
            .collect();
        return (
            "200 OK",
            String::new(),
            serde_json::Value::from(list).to_string(),
        );
    }
    if path == issue_comments && method == "POST" {
        let Some(text) = text() else {
            return error("422 Unprocessable Entity", "body is missing");
        };
        let id = 1000 + state.comments.len() as u64;
        state.comments.push((id, text.clone()));
        return (
            "201 Created",
            String::new(),
            comment_json(id, &text).to_string(),
        );
    }
    if let Some(id) = path.strip_prefix(&comment_prefix)
        && (method == "PATCH" || method == "POST")
    {
        let id: u64 = id.parse().unwrap_or(0);
        let Some(text) = text() else {
            return error("422 Unprocessable Entity", "body is missing");
        };
        if let Some(entry) = state.comments.iter_mut().find(|(known, _)| *known == id) {
            entry.1 = text.clone();
            return ("200 OK", String::new(), comment_json(id, &text).to_string());
        }
    }
    error("404 Not Found", "Not Found")
}

/// A comment as GitHub's API returns it.
fn comment_json(id: u64, body: &str) -> serde_json::Value {
    let user_url = "https://api.github.com/users/github-actions%5Bbot%5D";
    serde_json::json!({
        "id": id,
        "node_id": format!("IC_{id}"),
        "url": format!("https://api.github.com/repos/{REPOSITORY}/issues/comments/{id}"),
        "html_url": format!("https://github.com/{REPOSITORY}/pull/{PR}#issuecomment-{id}"),
        "issue_url": format!("https://api.github.com/repos/{REPOSITORY}/issues/{PR}"),
        "body": body,
        "author_association": "NONE",
        "user": {
            "login": "github-actions[bot]",
            "id": 41898282,
            "node_id": "MDM6Qm90NDE4OTgyODI=",
            "avatar_url": "https://avatars.githubusercontent.com/in/15368?v=4",
            "gravatar_id": "",
            "url": user_url,
            "html_url": "https://github.com/apps/github-actions",
            "followers_url": format!("{user_url}/followers"),
            "following_url": format!("{user_url}/following"),
            "gists_url": format!("{user_url}/gists"),
            "starred_url": format!("{user_url}/starred"),
            "subscriptions_url": format!("{user_url}/subscriptions"),
            "organizations_url": format!("{user_url}/orgs"),
            "repos_url": format!("{user_url}/repos"),
            "events_url": format!("{user_url}/events"),
            "received_events_url": format!("{user_url}/received_events"),
            "type": "Bot",
            "site_admin": false,
        },
        "created_at": "2026-11-29T12:00:00Z",
        "updated_at": "2026-11-29T12:00:00Z",
    })
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn report_prints_markdown_and_json_locally() {
    let repo = Repo::new(&[BASE, HEAD]);
    let output = faramesh_e2e::faramesh()
        .current_dir(repo.dir.path())
        .args([
            "ci", "report", "--base", "HEAD~1", "--head", "HEAD", "--path", "policies",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("report_markdown", stdout(&output));

    let output = faramesh_e2e::faramesh()
        .current_dir(repo.dir.path().join("policies"))
        .args([
            "ci",
            "report",
            "--base",
            "HEAD~1",
            "--format",
            "json",
            "--fail-on",
            "loosening",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(json["path"], "policies");
    assert_eq!(json["counts"]["loosened"], 1);
    assert_eq!(json["counts"]["tightened"], 1);
    assert_eq!(json["counts"]["errors"], 0);
    let regions = json["diff"]["regions"].as_array().expect("regions");
    assert_eq!(regions[0]["direction"], "loosened");
    assert_eq!(regions[0]["old"]["effect"], "defer");
    assert_eq!(regions[0]["new"]["effect"], "permit");
    assert_eq!(regions[0]["new"]["rule"]["id"], "payments-bot/3");
    assert_eq!(regions[0]["new"]["rule"]["line"], 5);
    // The witness is a request the runtime decides as the report says, on both sides.
    let witness = regions[0]["witness"].to_string();
    for (text, effect) in [(BASE, "defer"), (HEAD, "permit")] {
        let policy = repo.runner_file("policy.fms");
        std::fs::write(&policy, text).expect("write");
        let decision = faramesh_e2e::faramesh()
            .args(["eval", "--policy"])
            .arg(&policy)
            .args(["--request", &witness])
            .output()
            .expect("runs");
        let decision: serde_json::Value =
            serde_json::from_slice(&decision.stdout).expect("decision");
        assert_eq!(decision["effect"], effect, "{witness}");
    }
}

#[test]
fn report_of_a_revision_that_does_not_exist_is_an_error() {
    let repo = Repo::new(&[BASE, HEAD]);
    let output = faramesh_e2e::faramesh()
        .current_dir(repo.dir.path())
        .args([
            "ci",
            "report",
            "--base",
            "no-such-branch",
            "--path",
            "policies",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no-such-branch"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn github_comments_annotates_summarises_and_updates_in_place() {
    let repo = Repo::new(&[BASE, HEAD]);
    let api = FakeGithub::start(Mode::Normal);
    let sarif = repo.runner_file("results.sarif");
    let output = repo
        .ci_github(&api)
        .arg("--sarif")
        .arg(&sarif)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let comments = api.comments();
    assert_eq!(comments.len(), 1, "{:?}", api.log());
    insta::assert_snapshot!("github_comment", repo.redact(&comments[0].1));
    insta::assert_snapshot!("github_summary", repo.read_runner("summary.md"));
    assert_eq!(
        repo.read_runner("output"),
        "loosened=1\ntightened=1\nerrors=0\nreport=<runner>/faramesh-report.json\n"
    );
    let report: serde_json::Value =
        serde_json::from_str(&repo.read_runner("faramesh-report.json")).expect("report json");
    assert_eq!(report["counts"]["loosened"], 1);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif")).expect("json");
    assert_eq!(sarif["version"], "2.1.0");

    // A second push: the same comment is updated, never a second one.
    let output = repo.ci_github(&api).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let after = api.comments();
    assert_eq!(after.len(), 1, "{:?}", api.log());
    assert_eq!(after[0].0, comments[0].0);
    let log = api.log();
    assert_eq!(
        log.iter()
            .filter(|line| line.ends_with("/issues/7/comments") && line.starts_with("POST"))
            .count(),
        1,
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|line| line.ends_with(&format!("/issues/comments/{}", comments[0].0))),
        "{log:?}"
    );
}

/// Eleven agents that permit by default (a warning each) in the base; the head adds a twelfth.
fn agents(count: usize) -> String {
    (1..=count)
        .map(|n| format!("agent a{n:02} {{\n  default permit\n}}\n"))
        .collect()
}

#[test]
fn github_annotates_changed_lines_first_within_the_cap() {
    let repo = Repo::new(&[&agents(11), &agents(12)]);
    let api = FakeGithub::start(Mode::Normal);
    let output = repo
        .ci_github(&api)
        .args(["--comment", "false"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_snapshot!("github_annotations", stdout(&output));
    assert!(api.log().is_empty(), "{:?}", api.log());
    let summary = repo.read_runner("summary.md");
    assert!(
        summary.contains("0 errors and 2 warnings are not annotated"),
        "{summary}"
    );
}

#[test]
fn a_huge_diff_is_cut_with_an_honest_count() {
    let repo = Repo::new(&["agent keep {\n  default deny\n}\n", &agents(400)]);
    let api = FakeGithub::start(Mode::Normal);
    let output = repo.ci_github(&api).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let comments = api.comments();
    let body = &comments[0].1;
    assert!(body.chars().count() < 65_536, "{}", body.len());
    // Every agent is new: its calls went from denied (unknown agent) to permitted, and each
    // `default permit` is a warning.
    let report: serde_json::Value =
        serde_json::from_str(&repo.read_runner("faramesh-report.json")).expect("report json");
    assert_eq!(report["counts"]["loosened"], 400);
    let total = 400 + report["counts"]["warnings"].as_u64().expect("warnings") as usize;
    let shown = body.lines().filter(|line| line.starts_with("- ")).count();
    let line = body
        .lines()
        .find(|line| line.contains("more not shown"))
        .expect("a line says what is left out");
    let left_out: usize = line
        .trim_start_matches("**")
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert_eq!(shown + left_out, total, "{line}");
    assert!(
        line.contains("the full report is in the job summary"),
        "{line}"
    );
    // The summary holds all of it.
    let summary = repo.read_runner("summary.md");
    assert!(!summary.contains("more not shown"));
    assert_eq!(
        summary
            .lines()
            .filter(|line| line.starts_with("- "))
            .count(),
        total
    );
}

#[test]
fn exit_status_follows_fail_on() {
    // The head loosens a decision and has a warning, no error.
    let head = format!("{HEAD}agent open {{\n  default permit\n}}\n");
    let loosening = Repo::new(&[
        &format!("{BASE}agent open {{\n  default permit\n}}\n"),
        &head,
    ]);
    let api = FakeGithub::start(Mode::Normal);
    for (fail_on, code) in [("error", 0), ("warning", 1), ("loosening", 1)] {
        let output = loosening
            .ci_github(&api)
            .args(["--comment", "false", "--fail-on", fail_on])
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(code),
            "{fail_on}: {}",
            stderr(&output)
        );
    }
    // Only a tightening: `loosening` passes.
    let tightening = Repo::new(&[BASE, &BASE.replace("amount <= 100", "amount <= 10")]);
    let output = tightening
        .ci_github(&api)
        .args(["--comment", "false", "--fail-on", "loosening"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // An unformatted head is an error under every `fail-on`.
    let unformatted = Repo::with(&[BASE, HEAD], false);
    let output = unformatted
        .ci_github(&api)
        .args(["--comment", "false", "--fail-on", "error"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("::error file=policies/governance.fms,title=not formatted::"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_missing_token_is_a_clear_error_before_any_work() {
    let repo = Repo::new(&[BASE, HEAD]);
    let api = FakeGithub::start(Mode::Normal);
    let output = repo
        .ci_github(&api)
        .env_remove("GITHUB_TOKEN")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("`GITHUB_TOKEN` is not set"), "{text}");
    assert!(text.contains("--comment false"), "{text}");
    assert!(api.log().is_empty());
    assert_eq!(repo.read_runner("summary.md"), "");
}

#[test]
fn a_forbidden_answer_is_a_clear_error() {
    let repo = Repo::new(&[BASE, HEAD]);
    let api = FakeGithub::start(Mode::Forbidden);
    let output = repo.ci_github(&api).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("403 Forbidden"), "{text}");
    assert!(
        text.contains("Resource not accessible by integration"),
        "{text}"
    );
    assert!(text.contains("pull-requests: write"), "{text}");
    // The annotations and the summary were written before the comment failed.
    assert!(
        repo.read_runner("summary.md")
            .contains("1 decision loosened")
    );
}

#[test]
fn a_rate_limit_is_waited_out_then_reported() {
    let repo = Repo::new(&[BASE, HEAD]);
    let once = FakeGithub::start(Mode::RateLimitedOnce);
    let output = repo.ci_github(&once).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(once.comments().len(), 1, "{:?}", once.log());
    assert_eq!(
        once.log()[0],
        once.log()[1],
        "the rate-limited request is retried"
    );

    let always = FakeGithub::start(Mode::RateLimited);
    let output = repo.ci_github(&always).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("rate-limited"), "{text}");
    assert!(text.contains("wait 1 s"), "{text}");
    assert_eq!(always.log().len(), 3, "one request and two retries");
}

#[test]
fn a_decision_log_is_replayed_through_both_revisions() {
    let repo = Repo::new(&[BASE, HEAD]);
    let log = repo.runner_file("requests.jsonl");
    let lines = [
        r#"{"agent":"payments-bot","tool":"stripe/refund","args":{"amount":300}}"#,
        r#"{"agent":"payments-bot","tool":"stripe/refund","args":{"amount":50}}"#,
        "",
        r#"{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":80}}"#,
        r#"{"agent":"payments-bot","tool":"stripe/refund","args":{"amount":200}}"#,
        "not json",
        r#"{"seq":1,"agent":"payments-bot","tool":"stripe/refund","args_digest":"ab","effect":"deny"}"#,
    ];
    std::fs::write(&log, lines.join("\n")).expect("write");
    let output = faramesh_e2e::faramesh()
        .current_dir(repo.dir.path())
        .args([
            "ci", "report", "--base", "HEAD~1", "--path", "policies", "--format", "json",
        ])
        .arg("--decision-log")
        .arg(&log)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let backtest = &json["backtest"];
    assert_eq!(backtest["requests"], 6);
    assert_eq!(backtest["invalid"], 1);
    assert_eq!(backtest["not_comparable"], 1);
    let flips: Vec<(String, String, u64, Vec<u64>)> = backtest["flips"]
        .as_array()
        .expect("flips")
        .iter()
        .map(|flip| {
            (
                flip["base"].as_str().unwrap_or_default().to_string(),
                flip["head"].as_str().unwrap_or_default().to_string(),
                flip["count"].as_u64().unwrap_or_default(),
                flip["examples"]
                    .as_array()
                    .expect("examples")
                    .iter()
                    .filter_map(|example| example["line"].as_u64())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        flips,
        [
            ("defer".into(), "permit".into(), 2, vec![1, 5]),
            ("permit".into(), "deny".into(), 1, vec![4]),
        ]
    );

    let output = faramesh_e2e::faramesh()
        .current_dir(repo.dir.path())
        .args(["ci", "report", "--base", "HEAD~1", "--path", "policies"])
        .arg("--decision-log")
        .arg(&log)
        .output()
        .expect("runs");
    let markdown = repo.redact(&stdout(&output));
    let backtest = &markdown[markdown.find("Backtest of").expect("a backtest line")..];
    insta::assert_snapshot!("report_backtest", backtest);

    let output = faramesh_e2e::faramesh()
        .current_dir(repo.dir.path())
        .args(["ci", "report", "--base", "HEAD~1", "--path", "policies"])
        .args(["--decision-log", "no-such-log.jsonl"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no-such-log.jsonl"),
        "{}",
        stderr(&output)
    );
}

/// Policy tests of [`HEAD`]: the first case passes, the second expects the old limit.
const TESTS: &str = "cases:
  - name: a small charge is permitted
    request: { agent: payments-bot, tool: stripe/charge, args: { amount: 20 } }
    expect: { effect: permit }

  - name: a charge of 80 is still permitted
    request: { agent: payments-bot, tool: stripe/charge, args: { amount: 80 } }
    expect: { effect: permit, rule: payments-bot/1 }
";

#[test]
fn failing_policy_tests_of_the_head_are_errors_at_their_case() {
    let repo = Repo::with_files(&[
        vec![("policies/governance.fms", fmt(BASE))],
        vec![
            ("policies/governance.fms", fmt(HEAD)),
            ("policies/payments.fmtest.yaml", TESTS.to_string()),
        ],
    ]);
    let api = FakeGithub::start(Mode::Normal);
    let output = repo.ci_github(&api).output().expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!("github_tests_annotations", stdout(&output));
    insta::assert_snapshot!("github_tests_comment", repo.redact(&api.comments()[0].1));
    insta::assert_snapshot!("github_tests_summary", repo.read_runner("summary.md"));
    let report: serde_json::Value =
        serde_json::from_str(&repo.read_runner("faramesh-report.json")).expect("report json");
    assert_eq!(report["counts"]["errors"], 1);
    assert_eq!(report["counts"]["tests_failed"], 1);
    assert_eq!(report["tests"]["files"], 1);
    assert_eq!(report["tests"]["passed"], 1);
    let failure = &report["tests"]["failures"][0];
    assert_eq!(failure["file"], "policies/payments.fmtest.yaml");
    assert_eq!(failure["line"], 6);
    assert_eq!(failure["case"], "a charge of 80 is still permitted");
    assert_eq!(failure["actual"]["effect"], "deny");
    // A failed test is an error under every `fail-on`.
    for fail_on in ["error", "warning", "loosening"] {
        let output = repo
            .ci_github(&api)
            .args(["--comment", "false", "--fail-on", fail_on])
            .output()
            .expect("runs");
        assert_eq!(
            output.status.code(),
            Some(1),
            "{fail_on}: {}",
            stderr(&output)
        );
    }
    // `ci report` runs them too.
    let output = faramesh_e2e::faramesh()
        .current_dir(repo.dir.path())
        .args(["ci", "report", "--base", "HEAD~1", "--path", "policies"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!("report_tests_markdown", stdout(&output));
}

#[test]
fn a_test_file_only_in_the_work_tree_is_not_run() {
    let repo = Repo::new(&[BASE, HEAD]);
    std::fs::write(repo.dir.path().join("policies/payments.fmtest.yaml"), TESTS).expect("write");
    // The file is a failing test where it is.
    faramesh_e2e::faramesh()
        .current_dir(repo.dir.path())
        .args(["test", "policies"])
        .assert()
        .code(1);
    let output = faramesh_e2e::faramesh()
        .current_dir(repo.dir.path())
        .args([
            "ci", "report", "--base", "HEAD~1", "--path", "policies", "--format", "json",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(report["tests"]["files"], 0);
    assert_eq!(report["counts"]["errors"], 0);
    let api = FakeGithub::start(Mode::Normal);
    let output = repo.ci_github(&api).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        !repo.read_runner("summary.md").contains("Policy tests"),
        "{}",
        repo.read_runner("summary.md")
    );
}

fn fmt(text: &str) -> String {
    fpl_fmt::format_text(text).expect("the fixture parses")
}
