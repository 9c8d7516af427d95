//! Imports in the editor: go to definition on an `import` opens the artifact that faramesh.lock
//! pins, from the cache; hover shows its catalog description, version and signer. Only the
//! lockfile and the cache (re-hashed) are read, never a registry.

use std::path::{Path, PathBuf};

use fpl_registry::Reference;
use fpl_registry::cache::{Cache, Cached};
use fpl_registry::catalog::Catalog;
use fpl_registry::imports::import_statements_of;
use fpl_registry::lockfile::{LOCKFILE, Lockfile, Signer};
use fpl_registry::registry_path::RegistryPath;
use fpl_registry::resolve::size_limit;
use fpl_syntax::{TextRange, TextSize, ast};

/// What the editor shows for the import under the cursor.
#[derive(Debug, Clone)]
pub struct ImportInfo {
    /// The reference string's range.
    pub range: TextRange,
    /// The verified artifact in the cache.
    pub cached: PathBuf,
    /// Hover text.
    pub markdown: String,
}

/// The locked and cached import at `offset` of `tree`, the document at `document`.
pub fn import_at(document: &Path, tree: &ast::SourceFile, offset: TextSize) -> Option<ImportInfo> {
    let statement = import_statements_of(tree)
        .into_iter()
        .find(|statement| statement.range.contains_inclusive(offset))?;
    let root = document
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(LOCKFILE).is_file())?;
    let lock = Lockfile::load(root).ok()??;
    let locked = lock.get(&statement.reference)?;
    let reference = Reference::parse(&statement.reference).ok()?;
    let path = RegistryPath::artifact(&locked.path).ok()?;
    let cache = Cache::from_env().ok()?;
    let limit = size_limit(reference.package.kind);
    let Ok(Cached::Hit(_)) = cache.artifact(&locked.sha256, path.file_name(), limit) else {
        return None;
    };
    let description = cache
        .catalog(&locked.source)
        .ok()
        .flatten()
        .and_then(|bytes| Catalog::parse(&bytes).ok())
        .and_then(|catalog| {
            catalog
                .find(&reference.package)
                .map(|entry| entry.description.clone())
        })
        .filter(|description| !description.is_empty());
    let signer = match &locked.signer {
        Signer::Key(id) => format!("signed by `{id}`"),
        Signer::Unsigned => "**unsigned** (accepted with `--allow-unsigned`)".to_string(),
    };
    let mut markdown = format!(
        "**{}** `{}` ({})\n\n",
        reference.package.name, reference.version, reference.package.kind
    );
    if let Some(description) = description {
        markdown.push_str(&format!("{description}\n\n"));
    }
    markdown.push_str(&format!(
        "{signer} · sha256 `{}` · from `{}`",
        &locked.sha256[..12],
        locked.source
    ));
    if let Some(commit) = &locked.commit {
        markdown.push_str(&format!(" at `{}`", &commit[..commit.len().min(12)]));
    }
    Some(ImportInfo {
        range: statement.range,
        cached: cache.artifact_path(&locked.sha256, path.file_name()),
        markdown,
    })
}
