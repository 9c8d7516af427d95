//! `faramesh import <REF>`: like `cargo add`. Adds `import "<REF>"` to a policy file, or the
//! reference to the `imports:` list of a YAML policy (the file keeps its formatting; an import
//! of another version of the same entry is replaced), resolves
//! and verifies every import, and pins them in faramesh.lock. Nothing is written unless all
//! of it succeeds.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_analyzer::SourceFile;
use fpl_fmt::LineEnd;
use fpl_registry::imports::import_statements;
use fpl_registry::manifest::Manifest;
use fpl_registry::reference::parse_loose;
use fpl_registry::{PUBLIC_REGISTRY, Package};

use super::import_form::add_form_import;
use super::lock::{options, project_files, resolve_project, write_lock};
use super::registry_error;

/// Arguments of `faramesh import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The reference: `<registry>/<frameworks|policies|providers>/<name>@<version>`.
    pub reference: String,
    /// The policy file to add the import to (default: the project's first policy file, or a
    /// new `governance.fms`).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Record this registry URL in faramesh.toml for the reference's registry first.
    #[arg(long, value_name = "URL")]
    pub registry: Option<String>,
    /// Accept unsigned or wrongly signed artifacts; each is recorded as `unsigned = true`.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Read no network registry.
    #[arg(long)]
    pub offline: bool,
    /// The project directory (with faramesh.toml).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Runs the command.
pub fn run(args: &ImportArgs) -> ExitCode {
    let mut files = match project_files(&args.project) {
        Ok(files) => files,
        Err(status) => return status,
    };
    let target = match &args.file {
        Some(file) => args.project.join(file),
        None => files.first().map_or_else(
            || args.project.join("governance.fms"),
            |file| PathBuf::from(&file.path),
        ),
    };
    let index = match files
        .iter()
        .position(|file| Path::new(&file.path) == target)
    {
        Some(index) => index,
        None => {
            let text = match std::fs::read(&target) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(cause) => {
                    return super::fail(fpl_analyzer::project::ProjectError::Io {
                        path: target,
                        cause,
                    });
                }
            };
            files.push(SourceFile::new(target.display().to_string(), text));
            files.len() - 1
        }
    };
    let original = files[index].text.clone();
    files[index].text = if fpl_analyzer::form::is_form_file(&target.to_string_lossy()) {
        let same_entry = |written: &str| same_entry(written, &args.reference);
        match add_form_import(&original, &args.reference, same_entry) {
            Some(text) => text,
            None => {
                return super::fail(FormTarget {
                    path: target,
                    reference: args.reference.clone(),
                });
            }
        }
    } else {
        add_import(&original, &args.reference)
    };
    let added = registry_error::AddedImport::new(index, &original, &files[index].text);
    let manifest = match &args.registry {
        Some(url) => match with_registry(&args.project, &args.reference, url) {
            Ok(manifest) => Some(manifest),
            Err(error) => return registry_error::fail(error),
        },
        None => None,
    };
    let locked = match resolve_project(
        &args.project,
        &files,
        manifest.clone(),
        Some(&added),
        options(args.offline, args.allow_unsigned),
    ) {
        Ok(locked) => locked,
        Err(status) => return status,
    };
    let written = manifest
        .as_ref()
        .map_or(Ok(()), Manifest::save)
        .and_then(|()| write_lock(&locked, false))
        .and_then(|()| {
            if files[index].text == original {
                return Ok(());
            }
            fpl_registry::files::write_atomic(&target, files[index].text.as_bytes())
        });
    if let Err(error) = written {
        return registry_error::fail(error);
    }
    if files[index].text != original {
        fpl_server::report!(
            "faramesh: {} now imports `{}`",
            target.display(),
            args.reference
        );
    }
    ExitCode::SUCCESS
}

/// A YAML/JSON policy `faramesh import` cannot edit with certainty (an `imports` that is not a
/// list); the user edits it.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{}` is a YAML/JSON policy that `faramesh import` cannot edit safely (it is not one mapping, it has more than one `imports`, or its `imports` is not a plain list of `{{ ref: … }}` entries): add the entry to its imports list by hand (YAML `- {{ ref: {reference} }}`, JSON `{{\"ref\": \"{reference}\"}}`) and run `faramesh lock`, or name an FPL file with `--file`",
    path.display()
)]
struct FormTarget {
    path: PathBuf,
    reference: String,
}

/// The manifest with `url` recorded for the registry of `reference`.
fn with_registry(root: &Path, reference: &str, url: &str) -> Result<Manifest, fpl_registry::Error> {
    let mut manifest = Manifest::load(root)?;
    let registry = parse_loose(reference)
        .map(|(package, _)| package.registry)
        .unwrap_or_else(|_| PUBLIC_REGISTRY.to_string());
    let name = match manifest.registry_for(&registry)? {
        Some(config) => config.name,
        None if registry == PUBLIC_REGISTRY => "default".to_string(),
        None => {
            let name = registry
                .rsplit('/')
                .next()
                .unwrap_or("registry")
                .to_string();
            manifest.set_registry_id(&name, &registry);
            name
        }
    };
    manifest.set_registry_url(&name, url);
    Ok(manifest)
}

/// `text` with `import "<reference>"`: unchanged when it is there, replacing an import of
/// another version of the same entry, else after the last import (or the leading comments).
pub fn add_import(text: &str, reference: &str) -> String {
    let imports = import_statements(text);
    if imports.iter().any(|import| import.reference == reference) {
        return text.to_string();
    }
    let quoted = format!(
        "\"{}\"",
        reference.replace('\\', "\\\\").replace('"', "\\\"")
    );
    if let Some(same) = imports
        .iter()
        .find(|import| same_entry(&import.reference, reference))
    {
        let range = std::ops::Range::<usize>::from(same.range);
        return format!("{}{quoted}{}", &text[..range.start], &text[range.end..]);
    }
    let nl = LineEnd::of(text).as_str();
    let line = format!("import {quoted}{nl}");
    let at = match imports.last() {
        Some(last) => line_end(text, usize::from(last.range.end())),
        None => leading_comments_end(text),
    };
    let rest = &text[at..];
    let separator = if imports.is_empty()
        && !rest.trim().is_empty()
        && !rest.starts_with('\n')
        && !rest.starts_with("\r\n")
    {
        nl
    } else {
        ""
    };
    let before = &text[..at];
    let newline = if before.is_empty() || before.ends_with('\n') {
        ""
    } else {
        nl
    };
    format!("{before}{newline}{line}{separator}{rest}")
}

/// Whether `written` imports the same registry entry as `reference` (another version of it).
fn same_entry(written: &str, reference: &str) -> bool {
    let package = |text: &str| -> Option<Package> { parse_loose(text).ok().map(|(p, _)| p) };
    package(reference).is_some_and(|wanted| package(written) == Some(wanted))
}

/// The offset after the line break that ends the line containing `offset`.
pub(super) fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |at| offset + at + 1)
}

/// The offset after the file's leading comment lines (and the blank line after them).
pub(super) fn leading_comments_end(text: &str) -> usize {
    let mut at = 0;
    let mut comments = false;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            comments = true;
        } else if !(comments && line.trim().is_empty()) {
            break;
        }
        at += line.len();
        if comments && line.trim().is_empty() {
            break;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::add_import;

    const REF: &str = "r.io/policies/acme/x@1.1.0";

    #[test]
    fn adds_after_the_last_import_keeping_the_rest() {
        let text =
            "# policy\nimport \"r.io/policies/a@1.0.0\"  # first\n\nagent a {\n  default deny\n}\n";
        assert_eq!(
            add_import(text, REF),
            "# policy\nimport \"r.io/policies/a@1.0.0\"  # first\nimport \"r.io/policies/acme/x@1.1.0\"\n\nagent a {\n  default deny\n}\n"
        );
    }

    #[test]
    fn adds_after_leading_comments_or_at_the_top() {
        assert_eq!(
            add_import("# header\n\nagent a {}\n", REF),
            "# header\n\nimport \"r.io/policies/acme/x@1.1.0\"\n\nagent a {}\n"
        );
        assert_eq!(
            add_import("agent a {}\n", REF),
            "import \"r.io/policies/acme/x@1.1.0\"\n\nagent a {}\n"
        );
        assert_eq!(
            add_import("", REF),
            "import \"r.io/policies/acme/x@1.1.0\"\n"
        );
    }

    #[test]
    fn a_crlf_file_gets_a_crlf_line() {
        assert_eq!(
            add_import("# header\r\n\r\nagent a {}\r\n", REF),
            "# header\r\n\r\nimport \"r.io/policies/acme/x@1.1.0\"\r\n\r\nagent a {}\r\n"
        );
        assert_eq!(
            add_import("agent a {}\r\n", REF),
            "import \"r.io/policies/acme/x@1.1.0\"\r\n\r\nagent a {}\r\n"
        );
    }

    #[test]
    fn replaces_another_version_and_keeps_an_existing_import() {
        let text = "import \"r.io/policies/acme/x@1.0.0\" as x\n";
        assert_eq!(
            add_import(text, REF),
            "import \"r.io/policies/acme/x@1.1.0\" as x\n"
        );
        let same = "import \"r.io/policies/acme/x@1.1.0\"\n";
        assert_eq!(add_import(same, REF), same);
    }
}
