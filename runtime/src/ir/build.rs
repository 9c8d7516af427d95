//! Builder helpers so the analyzer and tests can write IR values as short, readable data.

use super::{
    Agent, Alert, Budget, BudgetScope, Builtin, CompareOp, Credential, Effect, Egress, Expr,
    KeyedSelector, OnExceed, Path, Phase, Policy, RateLimit, Redact, RegexId, Root, Rule,
    Selectors, Value, Window,
};
use crate::decimal::Decimal;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

impl Policy {
    /// Adds an agent (builder style) and re-interns the regex pool.
    pub fn agent(mut self, agent: Agent) -> Policy {
        self.agents.push(agent);
        self.intern_regexes();
        self
    }
}

impl Agent {
    /// An agent with `default deny` and nothing else.
    pub fn new(name: &str) -> Agent {
        Agent {
            name: name.to_owned(),
            default_effect: Effect::Deny,
            rules: Vec::new(),
            phases: Vec::new(),
            vars: Default::default(),
            rate_limits: Vec::new(),
            budgets: Vec::new(),
            redacts: Vec::new(),
            egress: None,
            alerts: Vec::new(),
            credentials: Vec::new(),
        }
    }

    /// Sets the `default` effect.
    pub fn default_effect(mut self, effect: Effect) -> Agent {
        self.default_effect = effect;
        self
    }

    /// Appends a rule, numbering it after the last one.
    pub fn rule(mut self, mut rule: Rule) -> Agent {
        rule.n = self.rules.last().map_or(1, |r| r.n + 1);
        self.rules.push(rule);
        self
    }

    /// Declares a phase (its index is the number of phases before it).
    pub fn phase(mut self, name: &str) -> Agent {
        self.phases.push(Phase {
            name: name.to_owned(),
            tools: None,
        });
        self
    }

    /// Declares a phase that allows only the tools matching `tools`.
    pub fn phase_with_tools(mut self, name: &str, tools: &[&str]) -> Agent {
        self.phases.push(Phase {
            name: name.to_owned(),
            tools: Some(strings(tools)),
        });
        self
    }

    /// Declares a `var`.
    pub fn var(mut self, name: &str, value: impl Into<Value>) -> Agent {
        self.vars.insert(name.to_owned(), value.into());
        self
    }

    /// Adds `rate_limit pattern: limit per window`.
    pub fn rate_limit(mut self, pattern: &str, limit: u64, window: Window) -> Agent {
        self.rate_limits.push(RateLimit {
            pattern: pattern.to_owned(),
            limit,
            window,
        });
        self
    }

    /// Adds a budget.
    pub fn budget(mut self, budget: Budget) -> Agent {
        self.budgets.push(budget);
        self
    }

    /// Adds `redact pattern args: [...]`.
    pub fn redact(mut self, pattern: &str, args: &[&str]) -> Agent {
        self.redacts.push(Redact {
            pattern: pattern.to_owned(),
            args: strings(args),
        });
        self
    }

    /// Sets the `egress` block.
    pub fn egress(mut self, allow: Option<&[&str]>, deny: &[&str]) -> Agent {
        self.egress = Some(Egress {
            allow: allow.map(strings),
            deny: strings(deny),
        });
        self
    }

    /// Adds an `alert` block.
    pub fn alert(mut self, on: &str, notify: &str) -> Agent {
        self.alerts.push(Alert {
            on: on.to_owned(),
            notify: notify.to_owned(),
        });
        self
    }

    /// Adds a `credential` block.
    pub fn credential(mut self, name: &str, scope: &[&str]) -> Agent {
        self.credentials.push(Credential {
            name: name.to_owned(),
            scope: strings(scope),
        });
        self
    }
}

impl Rule {
    /// A rule with no clauses (numbered when added to an agent).
    pub fn new(effect: Effect, tool: &str) -> Rule {
        Rule {
            n: 0,
            effect,
            mandatory: false,
            phase: None,
            tool: tool.to_owned(),
            selectors: Selectors::default(),
            condition: None,
            reason: None,
            notify: None,
        }
    }

    /// `permit tool`.
    pub fn permit(tool: &str) -> Rule {
        Rule::new(Effect::Permit, tool)
    }

    /// `deny tool`.
    pub fn deny(tool: &str) -> Rule {
        Rule::new(Effect::Deny, tool)
    }

    /// `defer tool`.
    pub fn defer(tool: &str) -> Rule {
        Rule::new(Effect::Defer, tool)
    }

    /// `deny! tool`.
    pub fn mandatory_deny(tool: &str) -> Rule {
        Rule {
            mandatory: true,
            ..Rule::new(Effect::Deny, tool)
        }
    }

    /// Adds a condition.
    pub fn when(mut self, condition: Expr) -> Rule {
        self.condition = Some(condition);
        self
    }

    /// Adds a `reason`.
    pub fn reason(mut self, reason: &str) -> Rule {
        self.reason = Some(reason.to_owned());
        self
    }

    /// Adds a `notify`.
    pub fn notify(mut self, notify: &str) -> Rule {
        self.notify = Some(notify.to_owned());
        self
    }

    /// Places the rule in phase `phase` (index into the agent's phases).
    pub fn in_phase(mut self, phase: u32) -> Rule {
        self.phase = Some(phase);
        self
    }

    /// Adds a `method` clause.
    pub fn method(mut self, values: &[&str]) -> Rule {
        self.selectors.method = strings(values);
        self
    }

    /// Adds a `host` clause.
    pub fn host(mut self, values: &[&str]) -> Rule {
        self.selectors.host = strings(values);
        self
    }

    /// Adds a `path` clause.
    pub fn path(mut self, values: &[&str]) -> Rule {
        self.selectors.path = strings(values);
        self
    }

    /// Adds a `port` clause.
    pub fn port(mut self, values: &[&str]) -> Rule {
        self.selectors.port = strings(values);
        self
    }

    /// Adds a `query key = values` clause.
    pub fn query(mut self, key: &str, values: &[&str]) -> Rule {
        self.selectors.query.push(KeyedSelector {
            key: key.to_owned(),
            values: strings(values),
        });
        self
    }

    /// Adds a `header key = values` clause.
    pub fn header(mut self, key: &str, values: &[&str]) -> Rule {
        self.selectors.header.push(KeyedSelector {
            key: key.to_owned(),
            values: strings(values),
        });
        self
    }
}

impl Budget {
    /// The `session` or `daily` budget, with no caps and `on_exceed deny`.
    pub fn new(scope: BudgetScope) -> Budget {
        let id = match scope {
            BudgetScope::Session => "session",
            BudgetScope::Daily => "daily",
        };
        Budget::custom(id).scope(scope)
    }

    /// A budget with a custom id (counted per agent, budget and UTC day), no caps and
    /// `on_exceed deny`.
    pub fn custom(id: &str) -> Budget {
        Budget {
            id: id.to_owned(),
            scope: BudgetScope::Daily,
            tools: None,
            max: None,
            daily: None,
            max_calls: None,
            warn_at: None,
            on_exceed: OnExceed::Deny,
        }
    }

    fn scope(mut self, scope: BudgetScope) -> Budget {
        self.scope = scope;
        self
    }

    /// Limits the budget to the tools matching `tools`.
    pub fn tools(mut self, tools: &[&str]) -> Budget {
        self.tools = Some(strings(tools));
        self
    }

    /// Sets `max`.
    pub fn max(mut self, cap: Decimal) -> Budget {
        self.max = Some(cap);
        self
    }

    /// Sets `daily`.
    pub fn daily(mut self, cap: Decimal) -> Budget {
        self.daily = Some(cap);
        self
    }

    /// Sets `max_calls`.
    pub fn max_calls(mut self, calls: u64) -> Budget {
        self.max_calls = Some(calls);
        self
    }

    /// Sets `warn_at`.
    pub fn warn_at(mut self, fraction: Decimal) -> Budget {
        self.warn_at = Some(fraction);
        self
    }

    /// Sets `on_exceed`.
    pub fn on_exceed(mut self, action: OnExceed) -> Budget {
        self.on_exceed = action;
        self
    }
}

impl Expr {
    /// A literal.
    pub fn lit(value: impl Into<Value>) -> Expr {
        Expr::Literal(value.into())
    }

    /// The literal `null`.
    pub fn null() -> Expr {
        Expr::Literal(Value::Null)
    }

    /// A path from a dotted text: `amount`, `args.amount`, `principal.role`, `session.calls`.
    /// A first name that is not a root reads `args`, as in FPL.
    pub fn path(dotted: &str) -> Expr {
        let mut parts = dotted.split('.');
        let first = parts.next().unwrap_or("");
        let root = match first {
            "args" => Some(Root::Args),
            "principal" => Some(Root::Principal),
            "session" => Some(Root::Session),
            "time" => Some(Root::Time),
            "tool" => Some(Root::Tool),
            "agent" => Some(Root::Agent),
            "vars" => Some(Root::Vars),
            _ => None,
        };
        let segments = match root {
            Some(_) => parts.map(str::to_owned).collect(),
            None => dotted.split('.').map(str::to_owned).collect(),
        };
        Expr::Path(Path {
            root: root.unwrap_or(Root::Args),
            segments,
        })
    }

    /// `left op right` (for `matches` use [`Expr::matches`]).
    pub fn cmp(left: Expr, op: CompareOp, right: Expr) -> Expr {
        Expr::Compare {
            op,
            left: Box::new(left),
            right: Box::new(right),
        }
    }

    /// `left matches "regex"` (negated: `not matches`); ids are assigned by
    /// [`Policy::intern_regexes`].
    pub fn matches(left: Expr, regex: &str, negated: bool) -> Expr {
        let op = if negated {
            CompareOp::NotMatches(RegexId::UNASSIGNED)
        } else {
            CompareOp::Matches(RegexId::UNASSIGNED)
        };
        Expr::cmp(left, op, Expr::lit(regex))
    }

    /// `a and b and …`.
    pub fn and(items: Vec<Expr>) -> Expr {
        Expr::And(items)
    }

    /// `a or b or …`.
    pub fn or(items: Vec<Expr>) -> Expr {
        Expr::Or(items)
    }

    /// `not e`.
    pub fn negate(inner: Expr) -> Expr {
        Expr::Not(Box::new(inner))
    }

    /// A built-in call.
    pub fn call(function: Builtin, args: Vec<Expr>) -> Expr {
        Expr::Call { function, args }
    }
}
