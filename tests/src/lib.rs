//! The harness of the end-to-end tests: the real `faramesh` binary, built once per test run by
//! the same cargo, profile and target directory as the tests themselves.
//!
//! A test crate cannot depend on another package's binary (cargo builds `CARGO_BIN_EXE_*` only
//! for a package's own tests), so [`binary`] asks cargo to build it, which is a no-op when
//! `cargo test --workspace` has built it already.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The path of the `faramesh` binary, built on first use.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build)
}

/// A command running the `faramesh` binary.
pub fn faramesh() -> assert_cmd::Command {
    assert_cmd::Command::new(binary())
}

/// Builds the binary into the directory of the running test executable
/// (`<target>/<profile>/deps/…`), with that profile.
fn build() -> PathBuf {
    let executable = std::env::current_exe().expect("the test executable has a path");
    let profile_dir = executable
        .parent()
        .and_then(Path::parent)
        .expect("tests run from <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("a target directory");
    let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => "dev",
        Some(name) => name,
    };
    let manifest = fpl_testdata::repository_dir().join("Cargo.toml");
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--locked",
            "-p",
            "faramesh-cli",
            "--bin",
        ])
        .arg("faramesh")
        .arg("--profile")
        .arg(profile)
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the faramesh binary failed");
    profile_dir.join(format!("faramesh{}", std::env::consts::EXE_SUFFIX))
}
