//! Every diagnostic code with its stable name, default severity and documentation.
//!
//! The documentation of a code carries an invalid and (where one exists) a valid example; the
//! test `tests/code_examples.rs` checks that the invalid one reports the code and the valid one
//! does not, so the docs that `faramesh explain` prints can never drift from the checks.

use crate::diagnostic::Severity;

/// Documentation of one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeDocs {
    /// What the code means, in a sentence or two.
    pub summary: &'static str,
    /// A policy that gets this diagnostic.
    pub invalid: &'static str,
    /// The corrected policy, which does not; empty when no single file can show it.
    pub valid: &'static str,
}

macro_rules! codes {
    ($($code:ident $name:literal $severity:ident {
        summary: $summary:literal,
        invalid: $invalid:literal,
        valid: $valid:literal $(,)?
    })*) => {
        /// A stable diagnostic code (SPEC §13).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(#[doc = $summary] $code,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$code),*];

            /// The code as printed, e.g. `"E0201"`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }

            /// The stable kebab-case name, e.g. `"duplicate-agent"`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$code => $name,)* }
            }

            /// The severity the code is reported with.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$code => Severity::$severity,)* }
            }

            /// The code's documentation.
            pub fn docs(self) -> CodeDocs {
                match self { $(Code::$code => CodeDocs { summary: $summary, invalid: $invalid, valid: $valid },)* }
            }
        }
    };
}

impl Code {
    /// Looks a code up by its text (`E0201`, case-insensitive) or name (`duplicate-agent`).
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str().eq_ignore_ascii_case(text) || code.name() == text)
    }

    /// Whether the code is about imports and registries (`E04xx`, `W04xx`): its examples need a
    /// registry, so the CLI's tests check them against a fixture registry.
    pub fn needs_registry(self) -> bool {
        self.as_str()[1..].starts_with("04")
    }

    /// Whether the code's examples are YAML/JSON policies (SPEC §11), to be read from a
    /// `*.fpl.yaml` file, rather than FPL.
    pub fn examples_are_yaml(self) -> bool {
        matches!(self, Code::E0007 | Code::E0106)
    }

    /// The code of a syntax error.
    pub fn from_syntax(code: fpl_syntax::ErrorCode) -> Code {
        use fpl_syntax::ErrorCode as E;
        match code {
            E::E0001 => Code::E0001,
            E::E0002 => Code::E0002,
            E::E0003 => Code::E0003,
            E::E0005 => Code::E0005,
            E::E0006 => Code::E0006,
            E::E0101 => Code::E0101,
            E::E0102 => Code::E0102,
            E::E0103 => Code::E0103,
            E::E0104 => Code::E0104,
            E::E0105 => Code::E0105,
        }
    }
}

codes! {
    E0001 "invalid-character" Error {
        summary: "A character that may not appear where it stands: outside strings and comments, a control character, a non-ASCII character, or bytes that are not UTF-8; inside a comment or string, a control character other than tab, U+2028, U+2029 or a bidirectional control (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), which could make the text read differently from how it parses. Lines end at LF, CRLF or a lone CR, so a comment never runs on past what an editor shows as its line.",
        invalid: "agent a {\n  default deny\n  permit x when amount > 5 ; \n}\n",
        valid: "agent a {\n  default deny\n  permit x when amount > 5\n}\n",
    }
    E0002 "invalid-string" Error {
        summary: "A string with an unknown escape, a line end (LF, CRLF or a lone CR) or no closing quote. Escapes are \\\\ \\\" \\' \\n \\t \\r and \\u{HEX}.",
        invalid: "agent a {\n  default deny\n  deny x reason: \"bad \\q\"\n}\n",
        valid: "agent a {\n  default deny\n  deny x reason: \"bad \\\\q\"\n}\n",
    }
    E0003 "invalid-literal" Error {
        summary: "A malformed number, money, duration or size literal: more than 6 decimals, out of range, or an unknown unit glued to a number.",
        invalid: "agent a {\n  default deny\n  permit x when size > 10x\n}\n",
        valid: "agent a {\n  default deny\n  permit x when size > 10mb\n}\n",
    }
    E0005 "nesting-too-deep" Error {
        summary: "Blocks, lists and expressions nest at most 64 levels deep.",
        invalid: "agent a {\n  default deny\n  permit x when (((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\n}\n",
        valid: "agent a {\n  default deny\n  permit x when (a)\n}\n",
    }
    E0006 "file-too-large" Error {
        summary: "Files over 16 MiB are refused without being parsed.",
        invalid: "",
        valid: "",
    }
    E0007 "unreadable-yaml" Error {
        summary: "A YAML/JSON policy (`*.fpl.yaml`, `*.fpl.json`, `governance.fms.yaml`) that is not readable YAML: a syntax error, more than one document, nesting deeper than 64, a duplicate key, a key that is not a name, or an anchor, alias or tag (refused, so no alias can expand a small file into a huge one).",
        invalid: "agents:\n  bot:\n    default: deny\n    default: permit\n",
        valid: "agents:\n  bot:\n    default: deny\n",
    }
    E0101 "unexpected-token" Error {
        summary: "The parser expected something else here; the message says what.",
        invalid: "agent {\n  default deny\n}\n",
        valid: "agent support-bot {\n  default deny\n}\n",
    }
    E0102 "flat-rules-beside-agents" Error {
        summary: "Rules outside any agent form the implicit agent `default`, which is only allowed in a file without `agent` blocks.",
        invalid: "permit read\nagent a {\n  default deny\n}\n",
        valid: "agent a {\n  default deny\n  permit read\n}\n",
    }
    E0103 "repeated-clause" Error {
        summary: "Each clause (`when`, `reason`, `method`, …) appears at most once per rule; `query`/`header` may repeat with different keys.",
        invalid: "agent a {\n  default deny\n  deny x reason: \"a\" reason: \"b\"\n}\n",
        valid: "agent a {\n  default deny\n  deny x reason: \"a and b\"\n}\n",
    }
    E0104 "unknown-statement" Error {
        summary: "A word that starts no statement of this block; the message suggests the closest one. An agent-level statement at the top level of a file (`rules`, `budget`, `rate_limit`, … as a documentation page shows them) belongs inside an agent: the file gets one `E0104`, with a fix that wraps its agent-level statements in `agent \"default\" { … }`.",
        invalid: "agent a {\n  defualt deny\n}\n",
        valid: "agent a {\n  default deny\n}\n",
    }
    E0105 "chained-comparison" Error {
        summary: "Comparisons do not chain: `a < b < c` must be written `a < b and b < c`.",
        invalid: "agent a {\n  default deny\n  permit x when 1 < amount < 5\n}\n",
        valid: "agent a {\n  default deny\n  permit x when 1 < amount and amount < 5\n}\n",
    }
    E0106 "not-the-policy-form" Error {
        summary: "A YAML/JSON policy that is readable but not the policy form of SPEC §11: an unknown key (`whne:`), a missing one (a rule without `tool`), a list where a mapping belongs, an unknown effect, a `when` that is not one condition, or phase rules out of order. Run `faramesh schema policy` for the schema.",
        invalid: "agents:\n  bot:\n    default: deny\n    rules:\n      - { effect: permit, tool: search, whne: 'amount < 5' }\n",
        valid: "agents:\n  bot:\n    default: deny\n    rules:\n      - { effect: permit, tool: search, when: 'amount < 5' }\n",
    }
    E0201 "duplicate-agent" Error {
        summary: "Agent names are unique across the policy; flat rules form the agent `default`, so they cannot sit beside an explicit `agent default`.",
        invalid: "agent a {\n  default deny\n}\nagent a {\n  default deny\n}\n",
        valid: "agent a {\n  default deny\n}\nagent b {\n  default deny\n}\n",
    }
    E0202 "unknown-credential-backend" Error {
        summary: "A credential's `backend` names a declared `provider`, or `vault` or `env`.",
        invalid: "agent a {\n  default deny\n  credential stripe {\n    backend vualt\n  }\n}\n",
        valid: "agent a {\n  default deny\n  credential stripe {\n    backend vault\n  }\n}\n",
    }
    E0203 "unknown-phase" Error {
        summary: "`next` names a phase of the same agent, and phase names are unique per agent.",
        invalid: "agent a {\n  default deny\n  phase intake {\n    next execute\n  }\n}\n",
        valid: "agent a {\n  default deny\n  phase intake {\n    next execute\n  }\n  phase execute {\n    permit run\n  }\n}\n",
    }
    E0204 "unset-environment-variable" Error {
        summary: "With `--require-env`, every `env(\"X\")` must name a variable set in the environment.",
        invalid: "",
        valid: "",
    }
    E0205 "duplicate-budget" Error {
        summary: "Budget ids are unique per agent: a second `budget session`, `budget daily` or `budget refunds_daily` in the same agent would count the same calls twice under one name.",
        invalid: "agent a {\n  default deny\n  budget refunds_daily {\n    max $5000\n  }\n  budget refunds_daily {\n    max_calls 10\n  }\n}\n",
        valid: "agent a {\n  default deny\n  budget refunds_daily {\n    max       $5000\n    max_calls 10\n  }\n}\n",
    }
    E0210 "invalid-value" Error {
        summary: "A value of the wrong type or out of range: budgets take money, `max_calls` a non-negative integer, `warn_at` a number in (0, 1), `on_exceed` one of `deny`, `defer`, `audit`, `tools` (of a budget or a phase) a list of valid tool patterns, `ttl`/`duration` a duration (or a string holding one, `\"24h\"`), `rate_limit` a positive count per `second`, `minute`, `hour` or `day`; configuration keys take the values SPEC §14 lists (a `provider`'s `type`, a `delegate`'s `ceiling`, the `runtime`'s `backend`).",
        invalid: "agent a {\n  default deny\n  budget session {\n    warn_at 2\n  }\n}\n",
        valid: "agent a {\n  default deny\n  budget session {\n    warn_at 0.8\n  }\n}\n",
    }
    W0211 "unknown-config-key" Warning {
        summary: "A configuration key this block does not know (SPEC §14); often a misspelling.",
        invalid: "runtime {\n  mdoe = \"enforce\"\n}\n",
        valid: "runtime {\n  mode = \"enforce\"\n}\n",
    }
    E0220 "incompatible-types" Error {
        summary: "An operator applied to values that can never work together, such as ordering a number against a string.",
        invalid: "agent a {\n  default deny\n  permit x when amount < \"x\"\n}\n",
        valid: "agent a {\n  default deny\n  permit x when amount < 5\n}\n",
    }
    E0221 "ordering-on-non-numbers" Error {
        summary: "`<`, `<=`, `>` and `>=` compare numbers only, never strings or booleans.",
        invalid: "agent a {\n  default deny\n  permit x/* when tool.name < \"x/b\"\n}\n",
        valid: "agent a {\n  default deny\n  permit x/* when tool.name starts_with \"x/b\"\n}\n",
    }
    E0222 "regex-not-literal" Error {
        summary: "The right side of `matches` is a regular expression written as a string literal.",
        invalid: "agent a {\n  default deny\n  permit x when cmd matches pattern\n}\n",
        valid: "agent a {\n  default deny\n  permit x when cmd matches \"^ls\"\n}\n",
    }
    E0223 "invalid-regex" Error {
        summary: "The regular expression does not compile (Rust `regex` syntax; a `{` that begins no repetition is a literal), or compiles to more than 1 MiB.",
        invalid: "agent a {\n  default deny\n  permit x when cmd matches \"(unclosed\"\n}\n",
        valid: "agent a {\n  default deny\n  permit x when cmd matches \"\\\\(unclosed\"\n}\n",
    }
    E0224 "unknown-function" Error {
        summary: "Only the built-in functions of SPEC §6.4 exist, each with a fixed number of arguments; history patterns are string literals.",
        invalid: "agent a {\n  default deny\n  deny x when session.sum(amount) > 5\n}\n",
        valid: "agent a {\n  default deny\n  deny x when history_tool_count(\"x\") > 5\n}\n",
    }
    E0225 "unknown-field" Error {
        summary: "A bare root (`session`, `time`, `tool`, `agent`, `vars`), a built-in field that does not exist (`session.foo`) or an undeclared `vars.x`.",
        invalid: "agent a {\n  default deny\n  permit x when session.foo > 1\n}\n",
        valid: "agent a {\n  default deny\n  permit x when session.calls > 1\n}\n",
    }
    W0230 "missing-default" Warning {
        summary: "An agent without `default` denies what no rule matches; say so explicitly.",
        invalid: "agent a {\n  permit read\n}\n",
        valid: "agent a {\n  default deny\n  permit read\n}\n",
    }
    W0231 "default-permit" Warning {
        summary: "`default permit` lets through every tool no rule names, including tools added later.",
        invalid: "agent a {\n  default permit\n}\n",
        valid: "agent a {\n  default deny\n}\n",
    }
    W0232 "rule-outside-phase-tools" Warning {
        summary: "A rule of a phase whose `tools` its pattern can never match: while the phase is active, those tools are denied with `OUT_OF_PHASE_TOOL_CALL` before any rule is tried, so the rule never decides. Mandatory denies (`deny!`) come before the phase's `tools` and are not reported.",
        invalid: "agent a {\n  default deny\n  phase intake {\n    tools = [\"crm/read\"]\n    permit crm/write\n  }\n}\n",
        valid: "agent a {\n  default deny\n  phase intake {\n    tools = [\"crm/read\", \"crm/write\"]\n    permit crm/write\n  }\n}\n",
    }
    S0301 "unreachable-rule" Warning {
        summary: "Every request the rule matches is decided earlier, by earlier rules or by mandatory denies.",
        invalid: "agent a {\n  default deny\n  permit shell/*\n  deny shell/rm\n}\n",
        valid: "agent a {\n  default deny\n  deny shell/rm\n  permit shell/*\n}\n",
    }
    S0302 "overridden-by-mandatory-deny" Error {
        summary: "A permit or defer rule matches requests that a `deny!` rule also matches; it can never fire there.",
        invalid: "agent a {\n  default deny\n  deny! shell/*\n  permit shell/ls\n}\n",
        valid: "agent a {\n  default deny\n  deny! shell/rm\n  permit shell/ls\n}\n",
    }
    S0303 "never-matches" Warning {
        summary: "The rule's condition can never hold.",
        invalid: "agent a {\n  default deny\n  permit stripe/refund when amount < $5 and amount > $10\n}\n",
        valid: "agent a {\n  default deny\n  permit stripe/refund when amount > $5 and amount < $10\n}\n",
    }
    S0304 "always-true-condition" Warning {
        summary: "The condition holds for every request that has its arguments.",
        invalid: "agent a {\n  default deny\n  permit stripe/refund when amount < $100 or amount >= $100\n}\n",
        valid: "agent a {\n  default deny\n  permit stripe/refund when amount < $100\n}\n",
    }
    S0305 "duplicate-rule" Warning {
        summary: "Two rules with the same effect match the same requests.",
        invalid: "agent a {\n  default deny\n  permit stripe/refund when amount < $100\n  permit stripe/refund when $100 > amount\n}\n",
        valid: "agent a {\n  default deny\n  permit stripe/refund when amount < $100\n  defer stripe/refund when amount < $500\n}\n",
    }
    S0306 "analysis-unknown" Warning {
        summary: "The analysis could not decide a property: the solver gave up within its time limit, or no request a fresh evaluator decides shows the finding (it needs session history). The property is not proved either way.",
        invalid: "agent a {\n  default deny\n  permit stripe/refund when amount <= 500\n  defer stripe/refund when amount > 500\n  deny stripe/refund when history_tool_count(\"stripe/refund\") > 20\n}\n",
        valid: "agent a {\n  default deny\n  deny stripe/refund when history_tool_count(\"stripe/refund\") > 20\n  permit stripe/refund when amount <= 500\n  defer stripe/refund when amount > 500\n}\n",
    }
    S0307 "stricter-rule-partly-shadowed" Warning {
        summary: "A `deny` or `defer` rule matches some requests that an earlier, looser rule (a `permit`, or a `defer` before a `deny`) decides first: first match wins, so there the stricter rule never applies. One finding per stricter rule, naming the earliest such looser rule found, with a witness request from the overlap. Reported when the earlier rule also decides requests the stricter one does not match; an exception written before a general rule (`permit stripe/charges/list` before `defer stripe/*`) is not a finding. The fixes move the stricter rule above the looser one (offered only when that changes no other decision) or make a `deny` a `deny!`.",
        invalid: "agent analyst {\n  default deny\n  permit sql/query when statement matches \"^SELECT\"\n  deny sql/query when statement matches \"DROP\"\n}\n",
        valid: "agent analyst {\n  default deny\n  deny sql/query when statement matches \"DROP\"\n  permit sql/query when statement matches \"^SELECT\"\n}\n",
    }
    W0401 "shadowed-import-agent" Warning {
        summary: "A local agent has the name of an imported agent; the local one wins and the imported one is ignored. (In the examples, the imported policy declares `stripe-payments`.)",
        invalid: "import \"github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.1.0\"\n\nagent stripe-payments {\n  default deny\n}\n",
        valid: "import \"github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.1.0\"\n\nagent payments-bot {\n  default deny\n}\n",
    }
    E0401 "invalid-import-reference" Error {
        summary: "An import names `<registry>/<kind>/<name>@<version>` with `frameworks`, `policies` or `providers` and an exact version: `@latest` and a missing version are errors, and the fix names the catalog's latest version.",
        invalid: "import \"github.com/faramesh/faramesh-registry/policies/faramesh/stripe@latest\"\n\nagent support-bot {\n  default deny\n  permit tickets/read\n}\n",
        valid: "import \"github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.1.0\"\n\nagent support-bot {\n  default deny\n  permit tickets/read\n}\n",
    }
    E0402 "unknown-registry" Error {
        summary: "No `[registries.*]` table of faramesh.toml serves the import's registry (`default` serves `github.com/faramesh/faramesh-registry`; others say `id = \"…\"`), or its `url` cannot be used: an unknown scheme, or `git+ssh://` (use an `https://` base URL, a `git+https://` or `git+file://` repository, or a directory).",
        invalid: "import \"git.example.com/acme/registry/policies/acme/crm@1.0.0\"\n\nagent support-bot {\n  default deny\n  permit tickets/read\n}\n",
        valid: "import \"github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.1.0\"\n\nagent support-bot {\n  default deny\n  permit tickets/read\n}\n",
    }
    E0403 "import-not-found" Error {
        summary: "The registry's catalog has no entry of that kind and name, or not that version; the fix names the versions it has.",
        invalid: "import \"github.com/faramesh/faramesh-registry/policies/faramesh/stripe@9.9.9\"\n\nagent support-bot {\n  default deny\n  permit tickets/read\n}\n",
        valid: "import \"github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.1.0\"\n\nagent support-bot {\n  default deny\n  permit tickets/read\n}\n",
    }
    E0404 "registry-unavailable" Error {
        summary: "The registry could not be read: a connection error, a timeout, an HTTP error status, a body cut short or larger than its limit, a failed `git fetch` of a `git+https://` registry, `--offline` for a network registry, or a git commit pinned in faramesh.lock that no branch or tag contains any more (force-pushed away).",
        invalid: "",
        valid: "",
    }
    E0405 "invalid-registry-data" Error {
        summary: "The registry serves data that is refused: a malformed catalog, one over 8 MiB or of another `registry_id`, an artifact path that leaves the registry (`..`, absolute, a symbolic link pointing out), or more than 256 imports in all.",
        invalid: "",
        valid: "",
    }
    E0406 "untrusted-signature" Error {
        summary: "The artifact has no `.sig`, an invalid one, a signature by a key that `[trust] keys` and `trust { key … }` do not list, or a signature that does not match its bytes. The public key inside a `.sig` and the registry's `keys.json` are never trusted. `--allow-unsigned` accepts the artifact and records `unsigned = true` in faramesh.lock.",
        invalid: "",
        valid: "",
    }
    E0407 "digest-mismatch" Error {
        summary: "The artifact's bytes (from the registry or the cache) do not have the SHA-256 pinned in faramesh.lock: the artifact changed since it was locked. Nothing is written.",
        invalid: "",
        valid: "",
    }
    E0408 "lockfile-out-of-date" Error {
        summary: "faramesh.lock does not pin an import, the cache lacks a pinned artifact (`check`, `eval` and `test` read only the lockfile and the cache: run `faramesh lock`), or `--locked` was given and the lockfile would change.",
        invalid: "",
        valid: "",
    }
    E0409 "project-file-error" Error {
        summary: "faramesh.toml, faramesh.lock, a `trust { key … }` entry or the cache cannot be read or written: the message says which file and what is wrong.",
        invalid: "",
        valid: "",
    }
}
