//! The project loader on real directories and a real git repository made in a temporary
//! directory: which files form the policy (SPEC §1, §9.1), mistakes in `faramesh.toml` as
//! diagnostics on it, the 16 MiB cap, and revisions read from the object database only.

use std::path::{Path, PathBuf};

use fpl_analyzer::host::check_project;
use fpl_analyzer::project::{GitTree, Project, ProjectError, Scope};
use fpl_analyzer::{CheckOptions, Code};
use fpl_testdata::registry::git_commit_all;

const POLICY: &str = "agent a {\n  default deny\n}\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
    std::fs::write(path, text).expect("write");
}

/// The paths of a project's files, relative to `dir`.
fn relative(project: &Project, dir: &Path) -> Vec<String> {
    project
        .files()
        .iter()
        .map(|file| {
            let path = PathBuf::from(&file.source.path);
            path.strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn a_directory_is_its_governance_file_or_every_policy_file_outside_skipped_directories() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in [
        "b.fpl",
        "a/z.fms",
        "a/notes.txt",
        "target/debug/copy.fpl",
        "node_modules/pkg/x.fpl",
        ".git/x.fpl",
        ".hidden/x.fpl",
        "deep/er/c.fpl",
    ] {
        write(dir.path(), name, POLICY);
    }
    let project = Project::load(&[dir.path().to_path_buf()]).expect("loads");
    assert_eq!(
        relative(&project, dir.path()),
        ["a/z.fms", "b.fpl", "deep/er/c.fpl"]
    );
    assert_eq!(
        project.files()[0].disk_path.as_deref(),
        Some(dir.path().join("a/z.fms").as_path())
    );

    write(dir.path(), "governance.fms", POLICY);
    let project = Project::load(&[dir.path().to_path_buf()]).expect("loads");
    assert_eq!(relative(&project, dir.path()), ["governance.fms"]);
    // `fmt` formats every source file, `governance.fms` among them.
    let sources = Project::load_scope(&[dir.path().to_path_buf()], Scope::Sources).expect("loads");
    assert_eq!(
        relative(&sources, dir.path()),
        ["a/z.fms", "b.fpl", "deep/er/c.fpl", "governance.fms"]
    );
}

#[test]
fn a_manifest_lists_the_policy_files_in_its_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "faramesh.toml",
        "[policy]\nfiles = [\"sub/second.fpl\", \"./first.fpl\"]\n",
    );
    write(dir.path(), "first.fpl", POLICY);
    write(
        dir.path(),
        "sub/second.fpl",
        "agent b {\n  default deny\n}\n",
    );
    write(dir.path(), "governance.fms", "agent {\n");
    write(dir.path(), "ignored.fpl", "agent {\n");
    for scope in [Scope::Policy, Scope::Sources] {
        let project = Project::load_scope(&[dir.path().to_path_buf()], scope).expect("loads");
        assert_eq!(
            relative(&project, dir.path()),
            ["sub/second.fpl", "first.fpl"]
        );
        assert!(project.manifest_diagnostics().is_empty());
    }
    let analysis = check_project(
        Project::load(&[dir.path().to_path_buf()]).expect("loads"),
        &CheckOptions::default(),
    );
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
}

#[test]
fn mistakes_in_the_manifest_are_diagnostics_on_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "faramesh.toml",
        "[policy]\nfiles = [\n  \"main.fpl\",\n  \"missing.fpl\",\n  \"../outside.fpl\",\n  \"sub\",\n]\n",
    );
    write(dir.path(), "main.fpl", POLICY);
    write(dir.path(), "sub/x.fpl", POLICY);
    let analysis = check_project(
        Project::load(&[dir.path().to_path_buf()]).expect("loads"),
        &CheckOptions::default(),
    );
    let found: Vec<(Code, String, u32, u32)> = analysis
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let (start, _) = analysis.line_cols(diagnostic.span);
            let file = &analysis.file(diagnostic.span.file).source.path;
            (diagnostic.code, file.clone(), start.line, start.column)
        })
        .collect();
    let manifest = dir.path().join("faramesh.toml").display().to_string();
    assert_eq!(
        found,
        [
            (Code::E0409, manifest.clone(), 4, 3),
            (Code::E0409, manifest.clone(), 5, 3),
            (Code::E0409, manifest.clone(), 6, 3),
        ]
    );
    assert!(analysis.diagnostics[0].message.contains("`missing.fpl`"));
    assert!(
        analysis.diagnostics[1]
            .message
            .contains("not a path inside")
    );
    assert!(analysis.diagnostics[2].message.contains("is not a file"));
    assert_eq!(analysis.files().len(), 2, "main.fpl, then the manifest");

    write(dir.path(), "faramesh.toml", "[policy\nfiles = []\n");
    let project = Project::load(&[dir.path().to_path_buf()]).expect("loads");
    assert!(project.files().is_empty(), "no guess at which files count");
    let analysis = check_project(project, &CheckOptions::default());
    assert_eq!(analysis.diagnostics.len(), 1);
    assert!(
        analysis.diagnostics[0]
            .message
            .starts_with("`faramesh.toml` is not valid TOML"),
        "{:?}",
        analysis.diagnostics
    );
    assert!(analysis.has_errors());
}

#[test]
fn an_empty_directory_or_list_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "target/x.fpl", POLICY);
    let error = Project::load(&[dir.path().to_path_buf()]).expect_err("no policy");
    assert!(matches!(error, ProjectError::NoPolicyFiles(_)), "{error}");
    write(dir.path(), "faramesh.toml", "[policy]\nfiles = []\n");
    let error = Project::load(&[dir.path().to_path_buf()]).expect_err("no policy");
    assert!(matches!(error, ProjectError::NoPolicyFiles(_)), "{error}");
    let error = Project::load(&[dir.path().join("missing.fpl")]).expect_err("missing");
    assert!(error.to_string().contains("missing.fpl"), "{error}");
}

#[test]
fn a_file_over_16_mib_is_e0006_and_is_not_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = std::fs::File::create(dir.path().join("big.fpl")).expect("create");
    big.set_len(fpl_syntax::MAX_FILE_SIZE as u64 + 1)
        .expect("a sparse file");
    write(dir.path(), "small.fpl", POLICY);
    let project = Project::load(&[dir.path().to_path_buf()]).expect("loads");
    let big = &project.files()[0].source;
    assert!(big.too_large && big.text.is_empty(), "{:?}", big.path);
    let analysis = check_project(project, &CheckOptions::default());
    let codes: Vec<(u32, Code)> = analysis
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.span.file.0, diagnostic.code))
        .collect();
    assert_eq!(codes, [(0, Code::E0006)]);
    assert_eq!(analysis.diagnostics[0].message, "file larger than 16 MiB");
}

/// Writes `files` (path, bytes) into the repository at `dir` and commits the work tree.
fn commit(dir: &Path, files: &[(&str, &[u8])]) {
    for (path, bytes) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dir");
        std::fs::write(&full, bytes).expect("write");
    }
    git_commit_all(dir, "v");
}

#[test]
fn a_revision_is_read_from_the_object_database_with_its_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    commit(
        dir.path(),
        &[
            (
                "policy/faramesh.toml",
                b"[policy]\nfiles = [\"main.fpl\"]\n",
            ),
            ("policy/main.fpl", POLICY.as_bytes()),
            ("policy/draft.fpl", b"agent {\n"),
            ("policy/target/x.fpl", POLICY.as_bytes()),
            ("other/governance.fms", POLICY.as_bytes()),
            ("other/target/x.fpl", POLICY.as_bytes()),
            ("other/.hidden/x.fpl", POLICY.as_bytes()),
        ],
    );
    // The work tree differs from the commit in every way: only the object database counts.
    write(dir.path(), "policy/main.fpl", "this is not a policy");
    write(dir.path(), "policy/faramesh.toml", "[policy\n");
    write(dir.path(), "policy/new.fpl", POLICY);

    let tree = GitTree::open(dir.path(), "HEAD").expect("opens");
    let project = Project::load_dir(&tree, Path::new("policy")).expect("loads");
    let paths: Vec<&str> = project
        .files()
        .iter()
        .map(|file| file.source.path.as_str())
        .collect();
    assert_eq!(paths, ["policy/main.fpl"]);
    assert_eq!(project.files()[0].source.text, POLICY);
    assert_eq!(project.files()[0].disk_path, None);
    assert_eq!(project.root(), None, "imports are not read from a tree");
    let analysis = check_project(project, &CheckOptions::default());
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );

    // Without a manifest: `governance.fms`, else every policy file outside skipped directories.
    let project = Project::load_dir(&tree, Path::new("other")).expect("loads");
    assert_eq!(project.files().len(), 1);
    assert_eq!(project.files()[0].source.path, "other/governance.fms");
}

#[test]
fn a_revisions_tree_holds_no_links_and_no_oversized_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = vec![b'#'; fpl_syntax::MAX_FILE_SIZE + 1];
    std::os::unix::fs::symlink("a.fpl", dir.path().join("link.fpl")).expect("symlink");
    commit(
        dir.path(),
        &[("a.fpl", POLICY.as_bytes()), ("big.fpl", &big)],
    );

    let tree = GitTree::open(dir.path(), "HEAD").expect("opens");
    let project = Project::load_dir(&tree, Path::new("")).expect("loads");
    let files: Vec<(&str, bool)> = project
        .files()
        .iter()
        .map(|file| (file.source.path.as_str(), file.source.too_large))
        .collect();
    assert_eq!(files, [("a.fpl", false), ("big.fpl", true)]);
}

#[test]
fn the_prefix_is_where_a_directory_is_in_the_work_tree() {
    let dir = tempfile::tempdir().expect("temp dir");
    commit(dir.path(), &[("sub/dir/a.fpl", POLICY.as_bytes())]);
    let tree = GitTree::open(&dir.path().join("sub"), "HEAD~0").expect("opens");
    assert_eq!(
        tree.prefix_of(&dir.path().join("sub/dir")),
        Path::new("sub/dir")
    );
    assert_eq!(tree.prefix_of(dir.path()), Path::new(""));
    let error = GitTree::open(dir.path(), "no-such-branch").expect_err("unknown");
    assert!(error.to_string().contains("no-such-branch"), "{error}");
}
