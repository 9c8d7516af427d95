//! `faramesh schema policy|decision|request|bundle-manifest|fmtest`: JSON Schemas (draft
//! 2020-12) generated with `schemars`. The policy and policy-test schemas come from the types
//! that read those files (`fpl_analyzer::form::model`, `fpl_analyzer::testing`). The runtime may
//! depend on no schema crate (ARCHITECTURE.md), so its decision, request and bundle manifest are
//! described here, field for field, by the types below; the end-to-end tests validate real
//! decisions, requests and manifests against them.

use std::process::ExitCode;

use schemars::JsonSchema;

/// Arguments of `faramesh schema`.
#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    /// Which schema to print.
    #[arg(value_enum)]
    pub which: Which,
}

/// The schemas `faramesh schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Which {
    /// The YAML/JSON form of a policy (SPEC §11); works with yaml-language-server.
    Policy,
    /// A decision (SPEC §8), as `faramesh eval` prints it.
    Decision,
    /// A request (SPEC §5).
    Request,
    /// A bundle's `manifest.json` (SPEC §10).
    BundleManifest,
    /// A policy test file, `*.fmtest.yaml` (SPEC §12).
    Fmtest,
}

/// Runs the command.
pub fn run(args: &SchemaArgs) -> ExitCode {
    let schema = match args.which {
        Which::Policy => fpl_analyzer::form::model::schema(),
        Which::Decision => schemars::schema_for!(Decision),
        Which::Request => schemars::schema_for!(Request),
        Which::BundleManifest => schemars::schema_for!(Manifest),
        Which::Fmtest => schemars::schema_for!(fpl_analyzer::testing::TestFile),
    };
    let text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    super::print(&format!("{text}\n"), ExitCode::SUCCESS)
}

/// A decision (SPEC §8). Every key is always present.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Decision {
    effect: Effect,
    /// Why: `RULE_PERMIT`, `MANDATORY_DENY`, `RATE_EXCEEDED`, …
    reason_code: String,
    /// The deciding rule; `null` for decisions no rule made.
    rule: Option<RuleRef>,
    /// The rule's `reason`, or what failed for `CONDITION_ERROR`.
    reason: Option<String>,
    /// The rule's `notify`.
    notify: Option<String>,
    /// Argument paths redacted from decision records.
    redact: Vec<String>,
    /// Credentials the call may use (permit only).
    credentials: Vec<String>,
    /// Alert targets to notify.
    alerts: Vec<String>,
    /// Warning codes (`BUDGET_WARNING`).
    warnings: Vec<String>,
    /// `sha256:` digest of the compiled policy.
    policy: String,
}

/// An effect.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Effect {
    Permit,
    Deny,
    Defer,
}

/// A rule of a decision.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct RuleRef {
    /// `<agent>/<n>`.
    id: String,
    /// The file, as given to the toolchain.
    file: Option<String>,
    /// 1-based line.
    line: Option<u32>,
    /// 1-based column, in characters.
    column: Option<u32>,
}

/// A request (SPEC §5); unknown top-level fields are ignored.
#[allow(dead_code)]
#[derive(JsonSchema)]
struct Request {
    /// The agent's name.
    agent: String,
    /// The tool: `[A-Za-z0-9_./-]`, segments split at `/`.
    #[schemars(regex(pattern = r"^[A-Za-z0-9_./-]+$"))]
    tool: String,
    /// The tool's arguments.
    args: Option<serde_json::Map<String, serde_json::Value>>,
    /// Who the agent acts for.
    principal: Option<serde_json::Map<String, serde_json::Value>>,
    /// The session budgets count against.
    session: Option<String>,
    /// The phase whose rules apply.
    phase: Option<String>,
    /// The call's cost in dollars.
    #[schemars(range(min = 0))]
    cost: Option<f64>,
    /// The decision time, RFC 3339.
    time: Option<String>,
    /// An approval of a decision service (SPEC §17).
    approval: Option<String>,
}

/// A bundle's `manifest.json` (SPEC §10).
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Manifest {
    format_version: u16,
    /// The git commit (hex).
    commit: String,
    /// The commit's tree (hex).
    tree: String,
    /// The commit's time, RFC 3339 in UTC.
    created: String,
    /// The toolchain that built it.
    toolchain: String,
    policy: PolicyInfo,
    /// Every policy source file, in path order.
    sources: Vec<Digest>,
    /// Every import, in reference order.
    imports: Vec<ImportDigest>,
    analysis: AnalysisSummary,
}

/// The compiled policy's digests and versions.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct PolicyInfo {
    digest: String,
    sha256: String,
    format_version: u16,
    ir_version: u32,
}

/// A source file's digest.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct Digest {
    path: String,
    sha256: String,
}

/// An import's digest.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct ImportDigest {
    reference: String,
    sha256: String,
}

/// Diagnostic counts of the build's checks.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct AnalysisSummary {
    errors: u64,
    warnings: u64,
    codes: std::collections::BTreeMap<String, u64>,
}
