//! Fuzzes every reader of registry and project data that arrives from outside: catalog JSON,
//! `.sig` JSON, `faramesh.lock`, import references, registry paths and trusted-key entries.
//! None may panic; a lockfile that parses must print back to text that parses to itself.

#![no_main]

use fpl_registry::catalog::Catalog;
use fpl_registry::lockfile::Lockfile;
use fpl_registry::registry_path::RegistryPath;
use fpl_registry::trust::{DetachedSignature, TrustedKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Catalog::parse(data);
    let _ = DetachedSignature::parse(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(lock) = Lockfile::parse(text) {
        assert_eq!(Lockfile::parse(&lock.to_text()).as_ref(), Ok(&lock));
    }
    let _ = fpl_registry::Reference::parse(text);
    if let Ok(path) = RegistryPath::parse(text) {
        assert!(!path.segments().any(|segment| segment == ".." || segment.is_empty()));
    }
    let _ = TrustedKey::parse_entry(text);
});
