//! The runtime stays lean: its normal `[dependencies]` are only the allowed crates
//! (ARCHITECTURE.md: serde + one compact binary format, sha2, ed25519-dalek, regex; thiserror
//! and serde_json for typed errors and the decision-log/IR JSON).

const ALLOWED: &[&str] = &[
    "serde",
    "serde_json",
    "postcard",
    "sha2",
    "ed25519-dalek",
    "regex",
    "thiserror",
];

/// The runtime's `Cargo.toml`, found at run time: cargo sets `CARGO_MANIFEST_DIR` for the tests
/// it runs, so a test binary built in another clone still reads this clone's manifest.
fn runtime_manifest() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(
            || env!("CARGO_MANIFEST_DIR").into(),
            std::path::PathBuf::from,
        )
        .join("Cargo.toml")
}

#[test]
fn only_allowed_normal_dependencies() {
    let manifest = std::fs::read_to_string(runtime_manifest()).expect("Cargo.toml");
    let mut section = String::new();
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_owned();
            // `[dependencies.foo]` tables name a dependency too.
            if let Some(name) = section.strip_prefix("dependencies.") {
                found.push(name.trim_matches('"').to_owned());
            }
            continue;
        }
        let normal = section == "dependencies"
            || (section.starts_with("target.") && section.ends_with(".dependencies"));
        if normal && !line.is_empty() && !line.starts_with('#') {
            let name = line
                .split(['=', '.'])
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"');
            found.push(name.to_owned());
        }
    }
    assert!(!found.is_empty(), "no dependencies parsed");
    for name in &found {
        assert!(
            ALLOWED.contains(&name.as_str()),
            "`{name}` is not an allowed runtime dependency"
        );
    }
}
