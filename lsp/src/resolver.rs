//! The seam through which the server reads a workspace policy's registry imports (SPEC §9.2):
//! `faramesh lsp` passes a resolver that reads them offline from `faramesh.lock` and the cache,
//! as `faramesh check` does, so this crate holds no second copy of that resolution.

use std::sync::Arc;

use fpl_analyzer::project::Project;

/// The function that adds its imports to a policy read from disk.
type Resolve = dyn Fn(&mut Project) -> Result<(), fpl_registry::Error> + Send + Sync;

/// Adds a workspace policy's imports to it: the imported artifacts join the policy and the
/// imports that could not be read become diagnostics at their `import` statements
/// ([`Project::add_imports`]). An `Err` (an unreadable `faramesh.toml` or `faramesh.lock`, a
/// cache that cannot be opened) leaves the policy without imports. The default adds nothing.
#[derive(Clone)]
pub struct ImportResolver(Option<Arc<Resolve>>);

impl ImportResolver {
    /// A resolver that adds imports with `resolve`.
    pub fn new(
        resolve: impl Fn(&mut Project) -> Result<(), fpl_registry::Error> + Send + Sync + 'static,
    ) -> Self {
        ImportResolver(Some(Arc::new(resolve)))
    }

    /// Adds the imports of `project`.
    pub(crate) fn resolve(&self, project: &mut Project) -> Result<(), fpl_registry::Error> {
        match &self.0 {
            Some(resolve) => resolve(project),
            None => Ok(()),
        }
    }
}

impl Default for ImportResolver {
    /// A resolver that adds nothing: the policy is analysed without its imports.
    fn default() -> Self {
        ImportResolver(None)
    }
}

impl std::fmt::Debug for ImportResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ImportResolver")
            .field(&self.0.as_ref().map(|_| "resolver"))
            .finish()
    }
}
