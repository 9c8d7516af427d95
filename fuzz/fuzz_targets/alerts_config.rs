//! Fuzzes the TOML readers of `faramesh serve`: the `[alerts]` reader
//! (`fpl_server::AlertsConfig::from_toml`, `faramesh.toml` or `--alerts FILE`) and the
//! approvers reader (`fpl_server::Approvers::from_toml`, `--approvers FILE`): never a panic;
//! text that is not TOML (as `toml_edit` reads it) is always an error; every error is at a line
//! and column inside the text; every accepted target is `scheme://name` with a scheme alerts
//! know, and accepted approvers are at least one.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

/// Variables with an even-length name are set, to a URL the reader accepts.
fn env(name: &str) -> Option<String> {
    (name.len() % 2 == 0).then(|| format!("https://hooks.example/{name}"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let is_toml = toml_edit::Document::parse(text).is_ok();
    let inside = |line: usize, column: usize| {
        let lines: Vec<&str> = text.split('\n').collect();
        line >= 1
            && line <= lines.len()
            && column >= 1
            && column <= lines[line - 1].chars().count() + 1
    };
    match fpl_server::Approvers::from_toml(Path::new("a.toml"), text) {
        Ok(approvers) => {
            assert!(is_toml, "accepted approvers from text that is not TOML");
            assert!(!approvers.is_empty(), "accepted a file naming no approver");
        }
        Err(error) => assert!(inside(error.line, error.column), "{error}"),
    }
    match fpl_server::AlertsConfig::from_toml(Path::new("f.toml"), text, &env) {
        Ok(config) => {
            assert!(is_toml, "accepted text that is not TOML");
            for name in config.iter().flat_map(|config| config.target_names()) {
                let scheme = name.split_once("://").map(|(scheme, _)| scheme);
                assert!(
                    matches!(scheme, Some("slack" | "pagerduty" | "webhook" | "email")),
                    "accepted the target {name:?}"
                );
            }
        }
        Err(error) => assert!(inside(error.line, error.column), "{error}"),
    }
});
