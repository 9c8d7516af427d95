//! `faramesh bundle inspect FILE`: the manifest, the agents and their rule counts, and the
//! findings summary. Trust is not needed: without `--trust` the signature is reported as
//! unverified, with it the bundle is also verified as a runtime would.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use fpl_runtime::bundle::{UnverifiedBundle, VerifiedBundle};

/// Arguments of `faramesh bundle inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The bundle.
    pub file: PathBuf,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = InspectFormat::Human)]
    pub format: InspectFormat,
    /// Also verify the signature with these trusted keys (lines or files of lines).
    #[arg(long, value_name = "KEY", num_args = 1..)]
    pub trust: Vec<String>,
}

/// Output formats of `faramesh bundle inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    /// Aligned fields for people.
    Human,
    /// One JSON document: `{file, signature, manifest, agents}`.
    Json,
}

/// What is known of the signature.
enum Signature {
    Unsigned,
    Unverified(String),
    Verified(String),
    Refused(String),
}

impl Signature {
    fn status(&self) -> &'static str {
        match self {
            Signature::Unsigned => "unsigned",
            Signature::Unverified(_) => "unverified",
            Signature::Verified(_) => "verified",
            Signature::Refused(_) => "refused",
        }
    }

    fn describe(&self) -> String {
        match self {
            Signature::Unsigned => "unsigned (no runtime loads it)".to_owned(),
            Signature::Unverified(id) => {
                format!("unverified: claims key `{id}` (pass --trust to verify)")
            }
            Signature::Verified(id) => format!("verified: signed by trusted key `{id}`"),
            Signature::Refused(why) => format!("refused: {why}"),
        }
    }
}

/// Runs the command: exit 0 when the bundle is consistent (and verified, when `--trust` was
/// given), 1 when it is not, 2 when it cannot be read.
pub fn run(args: &InspectArgs) -> ExitCode {
    let (bytes, trusted) = match super::read_with_trust(&args.file, &args.trust) {
        Ok(read) => read,
        Err(code) => return code,
    };
    let bundle = match UnverifiedBundle::read(&bytes) {
        Ok(bundle) => bundle,
        Err(error) => return super::refuse(&args.file, &error),
    };
    let signature = match (&bundle.claimed_key_id, args.trust.is_empty()) {
        (None, _) => Signature::Unsigned,
        (Some(id), true) => Signature::Unverified(id.clone()),
        (Some(_), false) => match VerifiedBundle::verify(&bytes, &trusted) {
            Ok(verified) => Signature::Verified(verified.key_id().to_owned()),
            Err(error) => Signature::Refused(error.to_string()),
        },
    };
    let output = match args.format {
        InspectFormat::Human => human(args, &bundle, &signature),
        InspectFormat::Json => json(args, &bundle, &signature),
    };
    if let Err(error) = crate::stdout::print(&output) {
        return crate::commands::fail(error);
    }
    let refused = matches!(signature, Signature::Refused(_))
        || (!args.trust.is_empty() && matches!(signature, Signature::Unsigned));
    if refused {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn human(args: &InspectArgs, bundle: &UnverifiedBundle, signature: &Signature) -> String {
    let manifest = &bundle.manifest;
    let mut out = String::new();
    let mut field = |name: &str, value: &str| {
        let _ = writeln!(out, "{name:<10} {value}");
    };
    field("bundle", &args.file.display().to_string());
    field("signature", &signature.describe());
    field("commit", &manifest.commit);
    field("tree", &manifest.tree);
    field("created", &manifest.created);
    field("toolchain", &manifest.toolchain);
    field(
        "policy",
        &format!(
            "{} (format {}, IR {})",
            manifest.policy.digest, manifest.policy.format_version, manifest.policy.ir_version
        ),
    );
    let analysis = &manifest.analysis;
    let codes: Vec<String> = analysis
        .codes
        .iter()
        .map(|(code, count)| format!("{code} ×{count}"))
        .collect();
    let codes = if codes.is_empty() {
        String::new()
    } else {
        format!(": {}", codes.join(", "))
    };
    field(
        "findings",
        &format!(
            "{} error(s), {} warning(s){codes}",
            analysis.errors, analysis.warnings
        ),
    );
    let agents: Vec<String> = bundle
        .policy
        .policy
        .agents
        .iter()
        .map(|agent| format!("{} ({} rules)", agent.name, agent.rules.len()))
        .collect();
    list(&mut out, "agents", &agents);
    let sources: Vec<String> = manifest
        .sources
        .iter()
        .map(|source| format!("{}  {}", source.path, source.sha256))
        .collect();
    list(&mut out, "sources", &sources);
    let imports: Vec<String> = manifest
        .imports
        .iter()
        .map(|import| format!("{}  {}", import.reference, import.sha256))
        .collect();
    list(&mut out, "imports", &imports);
    out
}

/// A field of several values, one a line (`-` when there is none).
fn list(out: &mut String, name: &str, items: &[String]) {
    if items.is_empty() {
        let _ = writeln!(out, "{name:<10} -");
    }
    for (index, item) in items.iter().enumerate() {
        let label = if index == 0 { name } else { "" };
        let _ = writeln!(out, "{label:<10} {item}");
    }
}

fn json(args: &InspectArgs, bundle: &UnverifiedBundle, signature: &Signature) -> String {
    let key_id = match signature {
        Signature::Unverified(id) | Signature::Verified(id) => Some(id.as_str()),
        Signature::Refused(_) | Signature::Unsigned => bundle.claimed_key_id.as_deref(),
    };
    let agents: Vec<serde_json::Value> = bundle
        .policy
        .policy
        .agents
        .iter()
        .map(|agent| serde_json::json!({"name": agent.name, "rules": agent.rules.len()}))
        .collect();
    let mut signature_json = serde_json::json!({"status": signature.status(), "key_id": key_id});
    if let Signature::Refused(why) = signature {
        signature_json["error"] = serde_json::Value::String(why.clone());
    }
    let document = serde_json::json!({
        "file": args.file.display().to_string(),
        "signature": signature_json,
        "manifest": bundle.manifest,
        "agents": agents,
    });
    format!("{document:#}\n")
}
