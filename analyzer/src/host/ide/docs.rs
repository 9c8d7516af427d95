//! Short documentation of keywords, blocks and roots (SPEC §3, §6, §14); built-in functions
//! carry their own (`ir::Builtin::doc`).

/// The documentation of a keyword or block word, in Markdown.
pub(crate) fn keyword(word: &str) -> Option<&'static str> {
    Some(match word {
        "agent" => {
            "`agent name { … }` declares an agent: its default, rules, phases, budgets and limits. Agent names are global across the policy's files."
        }
        "default" => {
            "`default permit|deny|defer` decides requests that no rule matches. Without it the agent denies (and gets `W0230`)."
        }
        "permit" | "allow" | "approve" => {
            "A **permit** rule: a matching request is allowed (first match wins), subject to rate limits and budgets."
        }
        "deny" | "block" | "reject" => {
            "A **deny** rule: a matching request is refused (first match wins). Written `deny!` it is a mandatory deny, tried before every other rule."
        }
        "defer" | "require_approval" => {
            "A **defer** rule: a matching request waits for human approval."
        }
        "when" | "if" => {
            "`when <condition>` (or `if`): the rule matches only when the condition holds. A condition that cannot be evaluated denies with `CONDITION_ERROR`."
        }
        "method" => "`method GET, POST`: matches `args.method`, case-insensitively.",
        "host" => {
            "`host api.example.com`: matches `args.host` against host patterns (`*.example.com`, `*`)."
        }
        "path" => "`path /v1/*`: matches `args.path` segment by segment, like tool patterns.",
        "port" => "`port 443, 8000-8100`: matches `args.port` against ports and ranges.",
        "query" => "`query key = value`: matches `args.query.<key>` (keys case-insensitive).",
        "header" | "headers" => {
            "`header key = value`: matches `args.headers.<key>` (keys case-insensitive)."
        }
        "reason" => "`reason: \"…\"`: the text recorded in the decision when this rule decides.",
        "notify" => "`notify: \"…\"`: who to notify when this rule decides.",
        "reeval" => "`reeval true|false`: carried into bundles; not evaluated by the lean runtime.",
        "var" => "`var name = value`: a constant of the agent, read in conditions as `vars.name`.",
        "budget" => {
            "`budget session|daily|<id> { max, daily, max_calls, warn_at, on_exceed, tools }`: spending caps checked after a permit. `session` counts per agent and session; `daily` and any other id (`budget refunds_daily`) count per agent, budget and UTC day, over the calls the budget's `tools` match (every tool without `tools`)."
        }
        "max" => "`max $500`: the budget's cap in dollars.",
        "daily" => "`daily $100`: a per-UTC-day cap in dollars.",
        "max_calls" => "`max_calls 1000`: the number of permitted calls the budget allows.",
        "warn_at" => {
            "`warn_at 0.8`: adds `BUDGET_WARNING` when spend crosses this fraction of the cap."
        }
        "on_exceed" => {
            "`on_exceed deny|defer|audit`: what exceeding the budget does (default `deny`): `deny` or `defer` with `BUDGET_EXCEEDED`; `audit` keeps the call permitted and adds the warning `BUDGET_EXCEEDED`."
        }
        "phase" => {
            "`phase name { rules…, duration, next, tools }`: rules that apply only when the request names this phase."
        }
        "tools" => {
            "`tools = [\"stripe/charge\", \"docs/*\"]`: in a `phase`, the only tools the phase allows: while the request names the phase, any other tool is denied with `OUT_OF_PHASE_TOOL_CALL` (after mandatory denies and egress, before the rules). In a `budget`, the tools whose calls it counts and caps."
        }
        "audit" => {
            "`on_exceed audit`: an exceeded budget keeps the call permitted and adds the warning `BUDGET_EXCEEDED`. `audit { include x }` in an agent: extra fields recorded in decision logs."
        }
        "next" => {
            "`next = phase`: the phase that follows this one; it must name a phase of the same agent."
        }
        "duration" => "`duration = 15m`: how long the phase lasts.",
        "rules" => {
            "`rules { … }`: a group of rules, evaluated in source order with the agent's other rules."
        }
        "rate_limit" => {
            "`rate_limit pattern: N per second|minute|hour|day`: at most N permitted calls per window for matching tools."
        }
        "per" => "The window of a rate limit: `second`, `minute`, `hour` or `day`.",
        "redact" => {
            "`redact pattern args: [\"card\"]`: argument paths replaced by `[REDACTED]` in decision logs."
        }
        "egress" => {
            "`egress { allow = [...], deny = [...] }`: host patterns a request's `args.host`/`args.url` may reach."
        }
        "alert" => {
            "`alert { on = \"deny\", notify = \"slack://#x\" }`: where to send alerts for an effect or reason."
        }
        "credential" => {
            "`credential name { scope…, backend, path, ttl }`: a secret issued for permitted calls of the tools it scopes (default: `name/*`)."
        }
        "scope" => "`scope pattern…`: the tools a credential covers.",
        "backend" => {
            "`backend = name`: the provider that issues the credential: a declared `provider`, `vault` or `env`."
        }
        "ttl" => "`ttl = 15m`: how long an issued credential lives.",
        "max_scope" => "`max_scope`: the widest scope the credential may be issued with.",
        "delegate" => {
            "`delegate [name] { target_agent, scope, ttl, ceiling }`: what the agent may delegate to another agent; unnamed, it is named by its `target_agent`."
        }
        "selector" => {
            "`selector name { source, cache, on_unavailable, on_timeout }`: an external data source."
        }
        "ambient" | "model_policy" | "completion_gate" | "enforcement" | "system" | "identity" => {
            "A block carried into bundles for the daemon; any key is accepted."
        }
        "session" => {
            "`session { max_duration, idle_timeout }` in an agent; in conditions, `session.id`, `session.calls`, `session.cost`, `session.daily_cost`."
        }
        "spawn" => "`spawn { max_concurrent, allowed_types }`: limits on sub-agents.",
        "model" | "framework" | "version" => "An attribute of the agent, carried into bundles.",
        "import" => {
            "`import \"registry/kind/name@version\" [as alias]`: joins an agent or policy from a registry."
        }
        "runtime" => "`runtime { mode, backend, … }`: settings of the Faramesh daemon (SPEC §14).",
        "provider" => {
            "`provider name { type = … }`: a secrets or identity provider that credentials name as `backend`."
        }
        "trust" => {
            "`trust { key \"id\" \"ed25519:…\" }`: keys that registry signatures are verified against (the key may be written without quotes); other entries (`delegation`, `inbound`, `spiffe_federated \"…\"`) are carried into bundles."
        }
        "manifest" => {
            "`manifest orchestrator …` / `manifest grant a to b max N`: multi-agent orchestration."
        }
        "and" | "&&" => "Both sides must hold (short-circuit).",
        "or" | "||" => "Either side must hold (short-circuit).",
        "not" | "!" => "Negation; binds looser than comparisons: `not a == b` is `not (a == b)`.",
        "in" => "`x in [ … ]`: `x` equals an element of the list.",
        "matches" | "=~" => {
            "`x matches \"regex\"`: the string matches the regular expression (unanchored)."
        }
        "contains" => "`list contains x` or `string contains string`.",
        "starts_with" => "`s starts_with \"prefix\"`.",
        "ends_with" => "`s ends_with \"suffix\"`.",
        _ => return None,
    })
}

/// The documentation of a path root.
pub(crate) fn root(name: &str) -> Option<&'static str> {
    Some(match name {
        "args" => {
            "The request's arguments (`args.amount`). A bare name such as `amount` reads `args.amount`."
        }
        "principal" => {
            "Who the agent acts for: `principal.id`, `principal.role`, … as the request gives them."
        }
        "session" => {
            "The session: `session.id`, `session.calls`, `session.cost`, `session.daily_cost`."
        }
        "time" => {
            "The decision time (UTC): `time.hour`, `time.weekday` (1 = Monday), `time.day`, `time.month`, `time.unix`."
        }
        "tool" => "The tool called: `tool.name`.",
        "agent" => "The deciding agent: `agent.name`.",
        "vars" => "The agent's `var`s: `vars.<name>`.",
        _ => return None,
    })
}

/// The documentation of a built-in function.
pub(crate) fn function(name: &str) -> Option<&'static str> {
    crate::hir::Builtin::from_name(name).map(crate::hir::Builtin::doc)
}
