//! Resolution: every import of a project, transitive ones included, to verified bytes and a
//! lockfile entry. With a lockfile entry the bytes come from the cache (re-hashed) or, when
//! fetching is allowed, from the pinned source and commit; without one the registry's catalog
//! names the artifact, which must carry a signature by a trusted key.

use std::collections::hash_map::Entry as Slot;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;

use crate::cache::{Cache, Cached};
use crate::catalog::{Catalog, Entry, MAX_CATALOG_SIZE};
use crate::error::Error;
use crate::files::sha256_hex;
use crate::imports::import_statements;
use crate::lockfile::{LockedImport, Lockfile, Signer};
use crate::manifest::RegistryConfig;
use crate::progress::Progress;
use crate::project::{Project, Site, SiteFile};
use crate::reference::{Kind, Package, Reference, ReferenceError};
use crate::registry_path::RegistryPath;
use crate::source::{ReadError, SnapshotError, Source};
use crate::trust::{DetachedSignature, MAX_SIGNATURE_SIZE, Verdict};

/// At most this many imports per policy, transitive ones included.
pub const MAX_IMPORTS: usize = 256;

/// The largest provider binary accepted, in bytes (FPL files: 16 MiB, SPEC §3 note 6).
pub const MAX_PROVIDER_SIZE: u64 = 256 * 1024 * 1024;

/// What resolution may read besides the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// Nothing: the lockfile and the cache only (`check`, `eval`, `test`).
    Never,
    /// Local directories and `git+file://` repositories, not the network (`--offline`;
    /// `git+https://` registries included).
    Offline,
    /// Every source.
    Online,
}

/// How to resolve.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// What may be read.
    pub fetch: Fetch,
    /// Accept unsigned or wrongly signed artifacts, recording `unsigned = true` in the lock.
    pub allow_unsigned: bool,
}

/// One resolved import.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The reference.
    pub reference: Reference,
    /// Where it is imported (the first place, when several import it).
    pub site: Site,
    /// The artifact's file in the cache.
    pub path: PathBuf,
    /// The artifact's bytes, verified.
    pub bytes: Vec<u8>,
    /// Its lockfile entry.
    pub locked: LockedImport,
}

/// An import that failed.
#[derive(Debug)]
pub struct Failure {
    /// Where it is imported.
    pub site: Site,
    /// Why it failed.
    pub error: Error,
}

/// The outcome of resolving a project.
#[derive(Debug)]
pub struct Resolution {
    /// The resolved imports, in the order they were first met.
    pub resolved: Vec<Resolved>,
    /// The failed imports.
    pub failures: Vec<Failure>,
}

impl Resolution {
    /// The lockfile of the resolved imports.
    pub fn lockfile(&self) -> Lockfile {
        Lockfile::new(self.resolved.iter().map(|r| r.locked.clone()).collect())
    }
}

/// Resolves every import of `project`.
pub fn resolve(
    project: &Project,
    cache: &Cache,
    options: Options,
    progress: &dyn Progress,
) -> Resolution {
    let mut resolver = Resolver {
        project,
        cache,
        options,
        progress,
        registries: HashMap::new(),
    };
    let mut queue: VecDeque<(Site, String)> = project.imports.iter().cloned().collect();
    let mut seen = HashSet::new();
    let mut resolution = Resolution {
        resolved: Vec::new(),
        failures: Vec::new(),
    };
    while let Some((site, reference)) = queue.pop_front() {
        if !seen.insert(reference.clone()) {
            continue;
        }
        if seen.len() > MAX_IMPORTS {
            resolution.failures.push(Failure {
                site,
                error: Error::TooManyImports { limit: MAX_IMPORTS },
            });
            break;
        }
        match resolver.resolve_one(&reference, site.clone()) {
            Ok(resolved) => {
                if resolved.reference.package.kind.is_fpl() {
                    let text = String::from_utf8_lossy(&resolved.bytes);
                    queue.extend(import_statements(&text).into_iter().map(|statement| {
                        let site = Site {
                            file: SiteFile::Import(reference.clone()),
                            range: statement.range,
                        };
                        (site, statement.reference)
                    }));
                }
                resolution.resolved.push(resolved);
            }
            Err(error) => resolution.failures.push(Failure { site, error }),
        }
    }
    resolution
}

/// Reads the catalog of a configured registry (cached copy only when `fetch` is `Never`, or
/// when the source is on the network and `fetch` is `Offline`).
pub fn read_catalog(
    root: &std::path::Path,
    registry: &RegistryConfig,
    cache: &Cache,
    fetch: Fetch,
    progress: &dyn Progress,
) -> Result<Catalog, Error> {
    let source = Source::open(&registry.url, &registry.name, root, cache, registry.timeout)?;
    let from_cache = fetch == Fetch::Never || (fetch == Fetch::Offline && source.is_network());
    if from_cache {
        let bytes = cache
            .catalog(&registry.url)?
            .ok_or_else(|| Error::Unavailable {
                reference: None,
                registry: registry.shown_url(),
                what: "the catalog".to_string(),
                message: "it is not in the cache and `--offline` was given".to_string(),
            })?;
        return parse_catalog(&registry.shown_url(), &bytes);
    }
    let open = OpenRegistry {
        config: registry.clone(),
        source,
        head: None,
    };
    open.read_head(cache, progress).map(|(_, catalog)| catalog)
}

struct OpenRegistry {
    config: RegistryConfig,
    source: Source,
    /// The commit (git) and catalog that new imports resolve against, read once.
    head: Option<(Option<String>, Catalog)>,
}

impl OpenRegistry {
    fn read_head(
        &self,
        cache: &Cache,
        progress: &dyn Progress,
    ) -> Result<(Option<String>, Catalog), Error> {
        let url = &self.config.shown_url();
        let unavailable = |message: String| Error::Unavailable {
            reference: None,
            registry: url.clone(),
            what: "catalog/catalog.json".to_string(),
            message,
        };
        let snapshot = self.source.snapshot(None).map_err(|error| match error {
            SnapshotError::CommitGone(message) | SnapshotError::Failed(message) => {
                unavailable(message)
            }
        })?;
        let bytes = match snapshot.read(&RegistryPath::catalog(), MAX_CATALOG_SIZE, progress) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Err(unavailable("the registry has no catalog".to_string())),
            Err(ReadError::TooLarge(limit)) => {
                return Err(Error::InvalidCatalog {
                    registry: url.clone(),
                    message: format!("the catalog is larger than {limit} bytes"),
                });
            }
            Err(ReadError::Escapes(why)) => {
                return Err(Error::InvalidCatalog {
                    registry: url.clone(),
                    message: why,
                });
            }
            Err(ReadError::Failed(message)) => return Err(unavailable(message)),
        };
        let catalog = parse_catalog(url, &bytes)?;
        cache.store_catalog(&self.config.url, &bytes)?;
        Ok((snapshot.commit(), catalog))
    }
}

fn parse_catalog(url: &str, bytes: &[u8]) -> Result<Catalog, Error> {
    Catalog::parse(bytes).map_err(|message| Error::InvalidCatalog {
        registry: url.to_string(),
        message,
    })
}

struct Resolver<'a> {
    project: &'a Project,
    cache: &'a Cache,
    options: Options,
    progress: &'a dyn Progress,
    registries: HashMap<String, OpenRegistry>,
}

impl Resolver<'_> {
    fn resolve_one(&mut self, text: &str, site: Site) -> Result<Resolved, Error> {
        let reference = self.parse(text)?;
        let locked = self
            .project
            .lock
            .as_ref()
            .and_then(|lock| lock.get(text))
            .filter(|entry| self.lock_entry_applies(&reference, entry))
            .cloned();
        let (bytes, locked) = match locked {
            Some(entry) => self.locked(&reference, entry),
            None => self.fetch_new(&reference),
        }
        .map_err(|error| with_reference(error, text))?;
        let file_name = RegistryPath::artifact(&locked.path)
            .map(|path| path.file_name().to_string())
            .unwrap_or_default();
        Ok(Resolved {
            path: self.cache.artifact_path(&locked.sha256, &file_name),
            reference,
            site,
            bytes,
            locked,
        })
    }

    /// Whether a lockfile entry still describes the import: always when only the lock is read,
    /// else when its source is the registry's configured URL.
    fn lock_entry_applies(&self, reference: &Reference, entry: &LockedImport) -> bool {
        if self.options.fetch == Fetch::Never {
            return true;
        }
        matches!(
            self.project.manifest.registry_for(&reference.package.registry),
            Ok(Some(config)) if config.shown_url() == entry.source
        )
    }

    fn parse(&mut self, text: &str) -> Result<Reference, Error> {
        let invalid = |problem: String, help: String| Error::InvalidReference {
            reference: text.to_string(),
            problem,
            help,
        };
        match Reference::parse(text) {
            Ok(reference) => Ok(reference),
            Err(ReferenceError::Malformed(problem)) => Err(invalid(
                problem,
                format!(
                    "write `<registry>/<kind>/<name>@<version>`, e.g. `{}/policies/faramesh/stripe@1.0.0`",
                    crate::PUBLIC_REGISTRY
                ),
            )),
            Err(ReferenceError::NoVersion(package)) => {
                let help = self.exact_version_help(&package);
                Err(invalid(
                    ReferenceError::NoVersion(package).to_string(),
                    help,
                ))
            }
            Err(ReferenceError::Latest(package)) => {
                let help = self.exact_version_help(&package);
                Err(invalid(ReferenceError::Latest(package).to_string(), help))
            }
        }
    }

    /// How to name an exact version of `package`: its latest, when the catalog can be read.
    fn exact_version_help(&mut self, package: &Package) -> String {
        match self.latest_of(package) {
            Some(latest) => format!(
                "write `{}`, the catalog's latest version",
                package.at(&latest)
            ),
            None => {
                format!("write an exact version; `faramesh registry info {package}` lists them")
            }
        }
    }

    /// The catalog's latest version of `package`, when the catalog can be read.
    fn latest_of(&mut self, package: &Package) -> Option<String> {
        let catalog = if self.options.fetch == Fetch::Never {
            let config = self
                .project
                .manifest
                .registry_for(&package.registry)
                .ok()??;
            let bytes = self.cache.catalog(&config.url).ok()??;
            Catalog::parse(&bytes).ok()?
        } else {
            self.head(&package.registry).ok()?.1
        };
        catalog.find(package)?.latest().map(str::to_string)
    }

    fn registry(&mut self, id: &str) -> Result<&mut OpenRegistry, Error> {
        let project = self.project;
        match self.registries.entry(id.to_string()) {
            Slot::Occupied(open) => Ok(open.into_mut()),
            Slot::Vacant(vacant) => {
                let config =
                    project
                        .manifest
                        .registry_for(id)?
                        .ok_or_else(|| Error::UnknownRegistry {
                            reference: id.to_string(),
                            registry: id.to_string(),
                        })?;
                let source = Source::open(
                    &config.url,
                    &config.name,
                    &project.root,
                    self.cache,
                    config.timeout,
                )?;
                Ok(vacant.insert(OpenRegistry {
                    config,
                    source,
                    head: None,
                }))
            }
        }
    }

    fn head(&mut self, id: &str) -> Result<(Option<String>, Catalog), Error> {
        let (cache, progress) = (self.cache, self.progress);
        let offline = self.options.fetch != Fetch::Online;
        let registry = self.registry(id)?;
        if let Some(head) = &registry.head {
            return Ok(head.clone());
        }
        if offline && registry.source.is_network() {
            return Err(Error::Offline {
                reference: id.to_string(),
                registry: registry.config.shown_url(),
            });
        }
        let head = registry.read_head(cache, progress)?;
        if head.1.registry_id != id {
            return Err(Error::InvalidCatalog {
                registry: registry.config.shown_url(),
                message: format!("its `registry_id` is `{}`, not `{id}`", head.1.registry_id),
            });
        }
        registry.head = Some(head.clone());
        Ok(head)
    }

    /// A new import: the catalog names the artifact, which is downloaded and verified.
    fn fetch_new(&mut self, reference: &Reference) -> Result<(Vec<u8>, LockedImport), Error> {
        let text = reference.to_string();
        if self.options.fetch == Fetch::Never {
            return Err(Error::NotLocked { reference: text });
        }
        let package = &reference.package;
        let (commit, catalog) = self.head(&package.registry)?;
        let registry = self.registry(&package.registry)?;
        let url = registry.config.shown_url();
        let Some(entry) = catalog.find(package) else {
            let names = catalog
                .entries(package.kind)
                .iter()
                .map(|e| e.name.as_str());
            return Err(Error::NotInCatalog {
                reference: text,
                entry: format!("{} `{}`", package.kind, package.name),
                registry: url,
                suggestion: fpl_syntax::keywords::did_you_mean(&package.name, names)
                    .map(str::to_string),
            });
        };
        let Some(catalog_path) = entry.versions.get(&reference.version) else {
            return Err(version_missing(reference, entry, &url));
        };
        let path = RegistryPath::artifact(catalog_path).map_err(|why| Error::PathEscapes {
            reference: text.clone(),
            registry: url.clone(),
            path: catalog_path.clone(),
            why,
        })?;
        let (bytes, signature) = self.download(reference, &path, commit.as_deref())?;
        let signer = self.verify(reference, &bytes, signature.as_deref(), &path)?;
        self.cache
            .store(path.file_name(), &bytes, signature.as_deref())?;
        let locked = LockedImport {
            reference: text,
            source: url,
            commit,
            path: path.in_catalog().to_string(),
            sha256: sha256_hex(&bytes),
            signer,
        };
        Ok((bytes, locked))
    }

    /// A locked import: from the cache, else (when allowed) from its pinned source.
    fn locked(
        &mut self,
        reference: &Reference,
        entry: LockedImport,
    ) -> Result<(Vec<u8>, LockedImport), Error> {
        let text = reference.to_string();
        let path =
            RegistryPath::artifact(&entry.path).map_err(|why| Error::InvalidProjectFile {
                path: self.project.root.join(crate::lockfile::LOCKFILE),
                message: format!(
                    "`{text}` has path `{}`, which is refused: {why}",
                    entry.path
                ),
            })?;
        let limit = size_limit(reference.package.kind);
        match self
            .cache
            .artifact(&entry.sha256, path.file_name(), limit)?
        {
            Cached::Hit(bytes) => {
                let signature = self.cache.signature(&entry.sha256, path.file_name())?;
                let signer = match &entry.signer {
                    Signer::Unsigned => Signer::Unsigned,
                    Signer::Key(_) => {
                        self.verify(reference, &bytes, signature.as_deref(), &path)?
                    }
                };
                return Ok((bytes, LockedImport { signer, ..entry }));
            }
            Cached::Corrupt { path, actual } if self.options.fetch == Fetch::Never => {
                return Err(Error::DigestMismatch {
                    reference: text,
                    registry: format!("the cache file `{}`", path.display()),
                    expected: entry.sha256,
                    actual,
                });
            }
            Cached::Miss if self.options.fetch == Fetch::Never => {
                return Err(Error::NotCached {
                    reference: text,
                    sha256: entry.sha256,
                    cache: self.cache.root().to_path_buf(),
                });
            }
            Cached::Miss | Cached::Corrupt { .. } => {}
        }
        let (bytes, signature) = self.download(reference, &path, entry.commit.as_deref())?;
        let actual = sha256_hex(&bytes);
        if actual != entry.sha256 {
            return Err(Error::DigestMismatch {
                reference: text,
                registry: format!("`{}`", entry.source),
                expected: entry.sha256,
                actual,
            });
        }
        let signer = match &entry.signer {
            Signer::Unsigned => Signer::Unsigned,
            Signer::Key(_) => self.verify(reference, &bytes, signature.as_deref(), &path)?,
        };
        self.cache
            .store(path.file_name(), &bytes, signature.as_deref())?;
        Ok((bytes, LockedImport { signer, ..entry }))
    }

    /// Downloads an artifact and its `.sig` (absent: `None`) at `commit`.
    fn download(
        &mut self,
        reference: &Reference,
        path: &RegistryPath,
        commit: Option<&str>,
    ) -> Result<(Vec<u8>, Option<Vec<u8>>), Error> {
        let text = reference.to_string();
        let offline = self.options.fetch != Fetch::Online;
        let progress = self.progress;
        let registry = self.registry(&reference.package.registry)?;
        let url = registry.config.shown_url();
        if offline && registry.source.is_network() {
            return Err(Error::Offline {
                reference: text,
                registry: url,
            });
        }
        let snapshot = registry
            .source
            .snapshot(commit)
            .map_err(|error| match error {
                SnapshotError::CommitGone(why) => Error::PinnedCommitGone {
                    reference: text.clone(),
                    registry: url.clone(),
                    commit: commit.unwrap_or_default().to_string(),
                    why,
                },
                SnapshotError::Failed(message) => Error::Unavailable {
                    reference: Some(text.clone()),
                    registry: url.clone(),
                    what: format!("`{text}`"),
                    message,
                },
            })?;
        let read = |path: &RegistryPath, limit: u64| {
            snapshot
                .read(path, limit, progress)
                .map_err(|error| match error {
                    ReadError::Escapes(why) => Error::PathEscapes {
                        reference: text.clone(),
                        registry: url.clone(),
                        path: path.in_catalog().to_string(),
                        why,
                    },
                    ReadError::TooLarge(limit) => Error::Unavailable {
                        reference: Some(text.clone()),
                        registry: url.clone(),
                        what: format!("`{path}`"),
                        message: format!("it is larger than {limit} bytes"),
                    },
                    ReadError::Failed(message) => Error::Unavailable {
                        reference: Some(text.clone()),
                        registry: url.clone(),
                        what: format!("`{path}`"),
                        message,
                    },
                })
        };
        let bytes =
            read(path, size_limit(reference.package.kind))?.ok_or_else(|| Error::Unavailable {
                reference: Some(text.clone()),
                registry: url.clone(),
                what: format!("`{path}`"),
                message: "the catalog lists it but the file does not exist".to_string(),
            })?;
        let signature = read(&path.signature(), MAX_SIGNATURE_SIZE)?;
        Ok((bytes, signature))
    }

    /// Checks the signature; with `--allow-unsigned` a failure is accepted as `Unsigned`.
    fn verify(
        &self,
        reference: &Reference,
        bytes: &[u8],
        signature: Option<&[u8]>,
        path: &RegistryPath,
    ) -> Result<Signer, Error> {
        let text = reference.to_string();
        let checked = match signature {
            None => Err(Error::MissingSignature {
                reference: text.clone(),
                registry: self.source_of(reference),
                signature: path.signature().in_catalog().to_string(),
            }),
            Some(signature) => match DetachedSignature::parse(signature) {
                Err(message) => Err(Error::InvalidSignatureFile {
                    reference: text.clone(),
                    signature: path.signature().in_catalog().to_string(),
                    message,
                }),
                Ok(signature) => {
                    match signature.verify(
                        bytes,
                        &reference.package.registry,
                        &self.project.trusted,
                    ) {
                        Verdict::Trusted(id) => Ok(Signer::Key(id)),
                        Verdict::Untrusted => Err(Error::UntrustedKey {
                            reference: text.clone(),
                            key_id: signature.key_id.clone(),
                            carries_public_key: signature.public_key_b64.is_some(),
                        }),
                        Verdict::Mismatch => Err(Error::BadSignature {
                            reference: text.clone(),
                            key_id: signature.key_id.clone(),
                        }),
                    }
                }
            },
        };
        match checked {
            Err(_) if self.options.allow_unsigned => Ok(Signer::Unsigned),
            checked => checked,
        }
    }

    fn source_of(&self, reference: &Reference) -> String {
        self.registries
            .get(&reference.package.registry)
            .map_or_else(
                || "the cache".to_string(),
                |r| format!("`{}`", r.config.shown_url()),
            )
    }
}

/// The error for a version the catalog `entry` lacks; the help names its latest version.
pub fn version_missing(reference: &Reference, entry: &Entry, registry: &str) -> Error {
    let available = entry.sorted_versions().join(", ");
    let help = match entry.latest() {
        Some(latest) => format!(
            "write `{}` (available: {available})",
            reference.package.at(latest)
        ),
        None => "the catalog lists no version of it".to_string(),
    };
    Error::VersionNotInCatalog {
        reference: reference.to_string(),
        problem: format!(
            "version `{}` of `{}` is not",
            reference.version, reference.package.name
        ),
        registry: registry.to_string(),
        help,
    }
}

/// The size limit of an artifact of `kind`.
pub fn size_limit(kind: Kind) -> u64 {
    if kind.is_fpl() {
        fpl_syntax::MAX_FILE_SIZE as u64
    } else {
        MAX_PROVIDER_SIZE
    }
}

/// Names `reference` in an error about its registry that did not know it.
fn with_reference(error: Error, reference: &str) -> Error {
    match error {
        Error::UnknownRegistry { registry, .. } => Error::UnknownRegistry {
            reference: reference.to_string(),
            registry,
        },
        Error::Offline { registry, .. } => Error::Offline {
            reference: reference.to_string(),
            registry,
        },
        Error::Unavailable {
            registry,
            what,
            message,
            ..
        } => Error::Unavailable {
            reference: Some(reference.to_string()),
            registry,
            what,
            message,
        },
        other => other,
    }
}
