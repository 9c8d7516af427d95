//! Fixture registries in the public Faramesh layout for tests: `catalog/catalog.json` with
//! `registry_id` and `policies`/`frameworks`/`providers`/`packs`, artifacts with a detached
//! `.sig` (`{key_id, algorithm, value_b64, public_key_b64}`) signed with keys made here, and
//! `catalog/trust/keys.json`; plus git helpers to commit it and to force-push history away.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{Value, json};
use sha2::Digest as _;

/// The public registry's id.
pub const REGISTRY_ID: &str = "github.com/faramesh/faramesh-registry";

/// The publisher's key id in fixtures.
pub const KEY_ID: &str = "faramesh-ed25519-2026";

/// A deterministic Ed25519 key made from a label.
pub fn signing_key(label: &str) -> SigningKey {
    SigningKey::from_bytes(&sha2::Sha256::digest(label.as_bytes()).into())
}

/// `"<key_id>:<base64 public key>"`, as `[trust] keys` writes a key.
pub fn trust_entry(key_id: &str, key: &SigningKey) -> String {
    format!(
        "{key_id}:{}",
        STANDARD.encode(key.verifying_key().to_bytes())
    )
}

/// How an artifact is signed.
#[derive(Debug, Clone)]
pub enum Signing {
    /// By the publisher's key, over the artifact.
    Publisher,
    /// No `.sig`.
    Missing,
    /// By another key with this key id; the `.sig` ships that key's public key.
    Attacker(String),
    /// By the publisher's key, over other bytes.
    OtherBytes,
}

/// A registry directory being built.
#[derive(Debug)]
pub struct FixtureRegistry {
    root: PathBuf,
    publisher: SigningKey,
    entries: BTreeMap<&'static str, Vec<Value>>,
}

impl FixtureRegistry {
    /// An empty registry at `root`, with `catalog/trust/keys.json`.
    pub fn new(root: &Path) -> FixtureRegistry {
        let publisher = signing_key("publisher");
        let registry = FixtureRegistry {
            root: root.to_path_buf(),
            publisher,
            entries: BTreeMap::new(),
        };
        let keys = json!({"keys": [{
            "key_id": KEY_ID,
            "algorithm": "ed25519",
            "public_key_b64": STANDARD.encode(registry.publisher.verifying_key().to_bytes()),
        }]});
        write(
            &root.join("catalog/trust/keys.json"),
            keys.to_string().as_bytes(),
        );
        registry.write_catalog();
        registry
    }

    /// The registry's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The `[trust] keys` entry of the publisher's key.
    pub fn trust_entry(&self) -> String {
        trust_entry(KEY_ID, &self.publisher)
    }

    /// Publishes `kind`/`name`@`version` with `text`, signed by the publisher; returns the
    /// artifact's path.
    pub fn publish(
        &mut self,
        kind: &'static str,
        name: &str,
        version: &str,
        text: &str,
    ) -> PathBuf {
        self.publish_with(kind, name, version, text.as_bytes(), Signing::Publisher)
    }

    /// Publishes an artifact signed as `signing` says.
    pub fn publish_with(
        &mut self,
        kind: &'static str,
        name: &str,
        version: &str,
        bytes: &[u8],
        signing: Signing,
    ) -> PathBuf {
        let file = match kind {
            "frameworks" => "profile.fpl",
            "providers" => "provider",
            _ => "policy.fpl",
        };
        let relative = format!("artifacts/{kind}/{name}/{version}/{file}");
        let path = self.root.join("catalog").join(&relative);
        write(&path, bytes);
        self.sign(&path, signing);
        self.set_version(kind, name, version, &relative);
        path
    }

    /// Points `kind`/`name`@`version` at `catalog_path` (anything, for hostile catalogs).
    pub fn set_version(
        &mut self,
        kind: &'static str,
        name: &str,
        version: &str,
        catalog_path: &str,
    ) {
        let entries = self.entries.entry(kind).or_default();
        let at = match entries.iter().position(|e| e["name"] == name) {
            Some(at) => at,
            None => {
                entries.push(json!({
                    "name": name,
                    "description": format!("The {name} {kind} entry"),
                    "trust_tier": "official",
                    "category": "testing",
                    "versions": {},
                }));
                entries.len() - 1
            }
        };
        let entry = &mut entries[at];
        entry["versions"][version] = json!(catalog_path);
        let latest = entry["versions"]
            .as_object()
            .and_then(|versions| versions.keys().max_by_key(|v| version_key(v)).cloned());
        entry["latest_version"] = json!(latest);
        self.write_catalog();
    }

    /// Writes the `.sig` of the file at `path`.
    pub fn sign(&self, path: &Path, signing: Signing) {
        let sig = sig_path(path);
        let bytes = std::fs::read(path).unwrap_or_default();
        let (key, key_id, signed) = match signing {
            Signing::Missing => {
                let _ = std::fs::remove_file(&sig);
                return;
            }
            Signing::Publisher => (self.publisher.clone(), KEY_ID.to_string(), bytes),
            Signing::Attacker(key_id) => (signing_key("attacker"), key_id, bytes),
            Signing::OtherBytes => (
                self.publisher.clone(),
                KEY_ID.to_string(),
                b"other".to_vec(),
            ),
        };
        let json = json!({
            "key_id": key_id,
            "algorithm": "ed25519",
            "value_b64": STANDARD.encode(key.sign(&signed).to_bytes()),
            "public_key_b64": STANDARD.encode(key.verifying_key().to_bytes()),
        });
        write(&sig, json.to_string().as_bytes());
    }

    /// Writes `catalog/catalog.json`.
    pub fn write_catalog(&self) {
        let list = |kind: &str| Value::Array(self.entries.get(kind).cloned().unwrap_or_default());
        let catalog = json!({
            "registry_id": REGISTRY_ID,
            "policies": list("policies"),
            "frameworks": list("frameworks"),
            "providers": list("providers"),
            "packs": [],
        });
        let text = serde_json::to_string_pretty(&catalog).unwrap_or_default();
        write(&self.root.join("catalog/catalog.json"), text.as_bytes());
    }
}

/// Commits every file of the repository at `dir` (made on first use) on its current branch.
pub fn git_commit_all(dir: &Path, message: &str) -> git2::Oid {
    let now = git2::Signature::now("Fixture", "fixture@example.com").expect("signature");
    git_commit_all_at(dir, message, now.when())
}

/// [`git_commit_all`] with the author and commit time `time`.
pub fn git_commit_all_at(dir: &Path, message: &str, time: git2::Time) -> git2::Oid {
    let repo = git2::Repository::open(dir)
        .or_else(|_| git2::Repository::init(dir))
        .expect("git repository");
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    index.write().expect("write index");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("find tree");
    let signature =
        git2::Signature::new("Fixture", "fixture@example.com", &time).expect("signature");
    let parent = repo.head().ok().and_then(|head| head.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        message,
        &tree,
        &parents,
    )
    .expect("commit")
}

/// Rewrites the current branch to a new root commit of the work tree, as a force-push of
/// rewritten history would: the old commits are reachable from no branch or tag.
pub fn git_force_push_new_history(dir: &Path) -> git2::Oid {
    let repo = git2::Repository::open(dir).expect("git repository");
    let mut index = repo.index().expect("index");
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .expect("add");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("find tree");
    let signature = git2::Signature::now("Fixture", "fixture@example.com").expect("signature");
    let commit = repo
        .commit(None, &signature, &signature, "rewritten", &tree, &[])
        .expect("commit");
    let branch = repo
        .head()
        .ok()
        .and_then(|head| head.name().ok().map(str::to_string))
        .expect("a branch");
    repo.reference(&branch, commit, true, "force-push")
        .expect("move branch");
    commit
}

fn sig_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

fn version_key(version: &str) -> Vec<u64> {
    version
        .split(['.', '-'])
        .map(|part| part.parse().unwrap_or(0))
        .collect()
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create directories");
    }
    std::fs::write(path, bytes).expect("write fixture file");
}
