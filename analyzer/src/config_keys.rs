//! The known configuration keys of each block and the type of each (SPEC §14).

/// What a configuration key accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// One of a fixed set of words (quoted or bare).
    OneOf(&'static [&'static str]),
    /// A duration literal, or a string holding one (`"24h"`, SPEC §4).
    Duration,
    /// A non-negative integer.
    Integer,
    /// `true` or `false`.
    Bool,
    /// Any string or word.
    Text,
    /// A list of strings.
    StringList,
    /// A list of host patterns (`example.com`, `*.example.com`, `*`).
    HostPatterns,
    /// A URL with one of the given schemes.
    Url(&'static [&'static str]),
    /// A string or a list of strings (patterns).
    Patterns,
}

/// The keys a block accepts; `None` for blocks that accept any key.
pub fn known_keys(block: &str) -> Option<&'static [(&'static str, KeyType)]> {
    use KeyType::*;
    const EFFECTS: &[&str] = &["deny", "defer"];
    Some(match block {
        "runtime" => &[
            ("mode", OneOf(&["enforce", "shadow", "audit"])),
            ("backend", OneOf(&["sqlite", "postgres", "redis"])),
            ("wal_dir", Text),
            ("socket", Text),
            ("http_listen", Text),
            ("mcp_proxy_port", Integer),
            ("postgres_url", Text),
            ("redis_url", Text),
            ("approval_ttl", Duration),
            ("immutable_config", Bool),
            ("os_tier", Text),
            ("strip_ambient_credentials", Bool),
            ("agent_enforce_profile", Text),
            ("supervised_command", Text),
            ("cold_start_deny_window", Duration),
        ],
        "egress" => &[("allow", HostPatterns), ("deny", HostPatterns)],
        "alert" => &[
            (
                "on",
                OneOf(&[
                    "deny",
                    "defer",
                    "permit",
                    "budget_warning",
                    "budget_exceeded",
                    "rate_exceeded",
                    "mandatory_deny",
                ]),
            ),
            ("notify", Url(&["slack", "email", "pagerduty", "webhook"])),
        ],
        "session" => &[("max_duration", Duration), ("idle_timeout", Duration)],
        "spawn" => &[("max_concurrent", Integer), ("allowed_types", StringList)],
        "delegate" => &[
            ("target_agent", Text),
            ("scope", Patterns),
            ("ttl", Duration),
            ("ceiling", OneOf(&["inherited", "approval", "permit"])),
        ],
        "selector" => &[
            ("source", Url(&["http", "https"])),
            ("cache", Duration),
            ("on_unavailable", OneOf(EFFECTS)),
            ("on_timeout", OneOf(EFFECTS)),
        ],
        _ => return None,
    })
}

/// The values `type` of a `provider` accepts; other provider keys are free.
pub const PROVIDER_TYPES: &[&str] = &[
    "vault",
    "vault-transit",
    "aws-kms",
    "gcp-kms",
    "azure-key-vault",
    "kms",
    "pkcs11",
    "dev-kms",
    "aws-secrets-manager",
    "aws-sm",
    "gcp-sm",
    "azure-kv",
    "spiffe",
    "oidc",
    "splunk-sink",
    "datadog-sink",
    "elastic-sink",
    "s3-sink",
    "gcs-sink",
    "cost-static",
    "cost-http",
];
