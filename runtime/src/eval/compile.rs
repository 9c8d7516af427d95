//! Load-time compilation: validates the IR and builds the evaluator's form of it (patterns,
//! regexes and conditions compiled, rules indexed by tool). Every error is a typed value.

use std::collections::HashMap;

use regex::Regex;

use super::cond::{CCall, CExpr, Field, StateReads};
use super::index::RuleIndex;
use crate::error::{LoadError, ValidationError, ValidationKind};
use crate::host::HostPattern;
use crate::ir::{self, Builtin, CompareOp, CompiledPolicy, Effect, Expr, Root, Value};
use crate::pattern::Pattern;

/// The evaluator's form of a whole policy.
#[derive(Debug)]
pub(crate) struct CPolicy {
    pub agents: Vec<CAgent>,
    pub by_name: HashMap<Box<str>, u32>,
    pub source_map: ir::SourceMap,
    pub digest: String,
    /// Largest number of redact paths / credentials / alerts of any agent (buffer sizes).
    pub max_redact_paths: usize,
    pub max_credentials: usize,
    pub max_alerts: usize,
    /// The `runtime` block's `approval_ttl`, for a decision service (§17).
    pub approval_ttl_ms: Option<u64>,
}

/// The evaluator's form of one agent.
#[derive(Debug)]
pub(crate) struct CAgent {
    pub ir: ir::Agent,
    pub rules: Vec<CRule>,
    pub mandatory: RuleIndex,
    pub ordinary: RuleIndex,
    pub egress: Option<CEgress>,
    pub rate_limits: Vec<Pattern>,
    pub redacts: Vec<Pattern>,
    pub credentials: Vec<CredentialScope>,
    /// Per budget: `warn_at × max` and `warn_at × daily`, computed once.
    pub warn_thresholds: Vec<(Option<crate::Decimal>, Option<crate::Decimal>)>,
    /// Per phase: the patterns of its `tools`, if it restricts them.
    pub phase_tools: Vec<Option<Box<[Pattern]>>>,
    /// Per budget: the patterns of its `tools`, if it has them.
    pub budget_tools: Vec<Option<Box<[Pattern]>>>,
    /// The per-session state its conditions and budgets read (the rest is never kept).
    pub reads: StateReads,
}

/// One compiled rule.
#[derive(Debug)]
pub(crate) struct CRule {
    pub pattern: Pattern,
    pub selectors: Option<Box<CSelectors>>,
    pub condition: Option<CExpr>,
}

/// Compiled selector clauses.
#[derive(Debug, Default)]
pub(crate) struct CSelectors {
    pub method: Box<[Box<str>]>,
    pub host: Box<[HostPattern]>,
    pub path: Box<[Pattern]>,
    pub port: Box<[(u32, u32)]>,
    pub query: Box<[Keyed]>,
    pub header: Box<[Keyed]>,
}

/// A `query`/`header` clause: the key and its alternative value patterns.
pub(crate) type Keyed = (Box<str>, Box<[Pattern]>);

/// A compiled egress block.
#[derive(Debug)]
pub(crate) struct CEgress {
    pub allow: Option<Box<[HostPattern]>>,
    pub deny: Box<[HostPattern]>,
}

/// What a credential covers.
#[derive(Debug)]
pub(crate) enum CredentialScope {
    Patterns(Box<[Pattern]>),
    FirstSegment(Box<str>),
}

/// Checks the IR version, then validates and compiles a policy, computing its digest.
pub(crate) fn load(compiled: &CompiledPolicy) -> Result<CPolicy, LoadError> {
    load_with_digest(compiled, compiled.digest())
}

/// [`load`] with the policy digest already known: attested by the signed manifest of a
/// bundle whose bytes verified, so the canonical JSON (most of a large policy's load time) is
/// not computed again.
pub(crate) fn load_with_digest(
    compiled: &CompiledPolicy,
    digest: String,
) -> Result<CPolicy, LoadError> {
    if compiled.policy.version != ir::IR_VERSION {
        return Err(LoadError::UnsupportedIr {
            found: compiled.policy.version,
            supported: ir::IR_VERSION,
        });
    }
    Ok(compile(compiled, digest)?)
}

/// Validates and compiles a policy whose digest is `digest`.
pub(crate) fn compile(
    compiled: &CompiledPolicy,
    digest: String,
) -> Result<CPolicy, ValidationError> {
    let policy = &compiled.policy;
    let mut regexes = Vec::with_capacity(policy.regexes.len());
    for source in &policy.regexes {
        let regex = crate::regex_source::compile(source).map_err(|e| {
            err(
                "policy",
                ValidationKind::BadRegex {
                    pattern: source.clone(),
                    why: e.to_string(),
                },
            )
        })?;
        regexes.push(regex);
    }
    check_source_map(compiled)?;
    let mut by_name = HashMap::with_capacity(policy.agents.len());
    let mut agents = Vec::with_capacity(policy.agents.len());
    for (i, agent) in policy.agents.iter().enumerate() {
        if by_name
            .insert(Box::<str>::from(agent.name.as_str()), i as u32)
            .is_some()
        {
            return Err(err(
                &format!("agent {:?}", agent.name),
                ValidationKind::DuplicateAgent,
            ));
        }
        agents.push(compile_agent(agent, policy, &regexes)?);
    }
    let max_of = |f: fn(&CAgent) -> usize| agents.iter().map(f).max().unwrap_or(0);
    let max_redact_paths = max_of(|a| a.ir.redacts.iter().map(|r| r.args.len()).sum());
    let max_credentials = max_of(|a| a.ir.credentials.len());
    let max_alerts = max_of(|a| a.ir.alerts.len());
    Ok(CPolicy {
        agents,
        by_name,
        source_map: compiled.source_map.clone(),
        digest,
        max_redact_paths,
        max_credentials,
        max_alerts,
        approval_ttl_ms: policy.approval_ttl_ms,
    })
}

fn err(at: &str, kind: ValidationKind) -> ValidationError {
    ValidationError {
        at: at.to_owned(),
        kind,
    }
}

fn check_source_map(compiled: &CompiledPolicy) -> Result<(), ValidationError> {
    let map = &compiled.source_map;
    if map.rules.is_empty() {
        return Ok(());
    }
    let shape_ok = map.rules.len() == compiled.policy.agents.len()
        && map
            .rules
            .iter()
            .zip(&compiled.policy.agents)
            .all(|(r, a)| r.len() == a.rules.len());
    if !shape_ok {
        return Err(err("source map", ValidationKind::SourceMapShape));
    }
    let files = map.files.len() as u64;
    for pos in map.rules.iter().flatten().flatten() {
        if u64::from(pos.file) >= files {
            return Err(err(
                "source map",
                ValidationKind::IndexOutOfRange {
                    what: "file",
                    index: u64::from(pos.file),
                    len: files,
                },
            ));
        }
    }
    Ok(())
}

fn tool_pattern(source: &str, at: &str) -> Result<Pattern, ValidationError> {
    Pattern::tool(source).map_err(|e| {
        err(
            at,
            ValidationKind::BadPattern {
                pattern: source.to_owned(),
                why: pattern_why(e),
            },
        )
    })
}

fn pattern_why(e: crate::pattern::PatternError) -> &'static str {
    match e {
        crate::pattern::PatternError::Empty => "empty pattern",
        crate::pattern::PatternError::EmptySegment => "empty segment",
    }
}

fn host_patterns(sources: &[String], at: &str) -> Result<Box<[HostPattern]>, ValidationError> {
    sources
        .iter()
        .map(|s| {
            HostPattern::parse(s).ok_or_else(|| err(at, ValidationKind::BadHostPattern(s.clone())))
        })
        .collect()
}

fn compile_agent(
    agent: &ir::Agent,
    policy: &ir::Policy,
    regexes: &[Regex],
) -> Result<CAgent, ValidationError> {
    let at_agent = format!("agent {:?}", agent.name);
    let mut rules = Vec::with_capacity(agent.rules.len());
    let mut previous = 0u32;
    for rule in &agent.rules {
        let at = format!("agent {:?} rule {}", agent.name, rule.n);
        if rule.n <= previous {
            return Err(err(&at, ValidationKind::RuleNumber(rule.n)));
        }
        previous = rule.n;
        if rule.mandatory && rule.effect != Effect::Deny {
            return Err(err(&at, ValidationKind::MandatoryNotDeny));
        }
        if let Some(phase) = rule.phase
            && phase as usize >= agent.phases.len()
        {
            return Err(err(
                &at,
                ValidationKind::IndexOutOfRange {
                    what: "phase",
                    index: u64::from(phase),
                    len: agent.phases.len() as u64,
                },
            ));
        }
        let pattern = tool_pattern(&rule.tool, &at)?;
        let selectors = if rule.selectors.is_empty() {
            None
        } else {
            Some(Box::new(compile_selectors(&rule.selectors, &at)?))
        };
        let condition = match &rule.condition {
            Some(expr) => {
                let depth = expr.depth();
                if depth > ir::MAX_EXPR_DEPTH {
                    return Err(err(&at, ValidationKind::TooDeep(ir::MAX_EXPR_DEPTH)));
                }
                Some(compile_expr(
                    expr,
                    &Scope {
                        agent,
                        policy,
                        regexes,
                        at: &at,
                    },
                )?)
            }
            None => None,
        };
        rules.push(CRule {
            pattern,
            selectors,
            condition,
        });
    }
    let mandatory = RuleIndex::build(&rules, agent.rules.iter().map(|r| r.mandatory));
    let ordinary = RuleIndex::build(&rules, agent.rules.iter().map(|r| !r.mandatory));
    let egress = match &agent.egress {
        Some(e) => Some(CEgress {
            allow: match &e.allow {
                Some(allow) => Some(host_patterns(allow, &at_agent)?),
                None => None,
            },
            deny: host_patterns(&e.deny, &at_agent)?,
        }),
        None => None,
    };
    let mut rate_limits = Vec::with_capacity(agent.rate_limits.len());
    for limit in &agent.rate_limits {
        if limit.limit == 0 {
            return Err(err(&at_agent, ValidationKind::ZeroRateLimit));
        }
        rate_limits.push(tool_pattern(&limit.pattern, &at_agent)?);
    }
    for budget in &agent.budgets {
        if budget.max.is_some_and(|m| m.is_negative())
            || budget.daily.is_some_and(|m| m.is_negative())
        {
            return Err(err(&at_agent, ValidationKind::NegativeCap));
        }
        if let Some(w) = budget.warn_at
            && (w <= crate::Decimal::ZERO || w >= crate::Decimal::from_int(1))
        {
            return Err(err(&at_agent, ValidationKind::BadWarnAt));
        }
    }
    let tool_lists = |lists: &mut dyn Iterator<Item = Option<&Vec<String>>>| {
        lists
            .map(|tools| {
                tools
                    .map(|tools| tools.iter().map(|t| tool_pattern(t, &at_agent)).collect())
                    .transpose()
            })
            .collect::<Result<Vec<Option<Box<[Pattern]>>>, _>>()
    };
    let phase_tools = tool_lists(&mut agent.phases.iter().map(|p| p.tools.as_ref()))?;
    let budget_tools = tool_lists(&mut agent.budgets.iter().map(|b| b.tools.as_ref()))?;
    let redacts = agent
        .redacts
        .iter()
        .map(|r| tool_pattern(&r.pattern, &at_agent))
        .collect::<Result<_, _>>()?;
    let mut credentials = Vec::with_capacity(agent.credentials.len());
    for credential in &agent.credentials {
        credentials.push(if credential.scope.is_empty() {
            CredentialScope::FirstSegment(credential.name.as_str().into())
        } else {
            CredentialScope::Patterns(
                credential
                    .scope
                    .iter()
                    .map(|s| tool_pattern(s, &at_agent))
                    .collect::<Result<_, _>>()?,
            )
        });
    }
    let warn_thresholds = agent
        .budgets
        .iter()
        .map(|b| {
            let threshold = |cap: Option<crate::Decimal>| {
                cap.zip(b.warn_at).and_then(|(cap, w)| cap.checked_mul(w))
            };
            (threshold(b.max), threshold(b.daily))
        })
        .collect();
    let mut reads = StateReads {
        sessions: agent
            .budgets
            .iter()
            .any(|b| b.scope == ir::BudgetScope::Session),
        history: false,
        // Every budget reads the day: a daily scope, a `daily` cap or both.
        days: !agent.budgets.is_empty(),
    };
    for condition in rules.iter().filter_map(|r| r.condition.as_ref()) {
        condition.add_state_reads(&mut reads);
    }
    Ok(CAgent {
        reads,
        warn_thresholds,
        phase_tools,
        budget_tools,
        ir: agent.clone(),
        rules,
        mandatory,
        ordinary,
        egress,
        rate_limits,
        redacts,
        credentials,
    })
}

fn compile_selectors(selectors: &ir::Selectors, at: &str) -> Result<CSelectors, ValidationError> {
    let lenient = |sources: &[String]| -> Result<Box<[Pattern]>, ValidationError> {
        sources
            .iter()
            .map(|s| {
                Pattern::lenient(s).map_err(|e| {
                    err(
                        at,
                        ValidationKind::BadPattern {
                            pattern: s.clone(),
                            why: pattern_why(e),
                        },
                    )
                })
            })
            .collect()
    };
    let keyed = |items: &[ir::KeyedSelector]| -> Result<Box<[Keyed]>, ValidationError> {
        items
            .iter()
            .map(|k| Ok((Box::<str>::from(k.key.as_str()), lenient(&k.values)?)))
            .collect()
    };
    let port = selectors
        .port
        .iter()
        .map(|s| parse_port_range(s).ok_or_else(|| err(at, ValidationKind::BadPort(s.clone()))))
        .collect::<Result<_, _>>()?;
    Ok(CSelectors {
        method: selectors
            .method
            .iter()
            .map(|m| Box::<str>::from(m.as_str()))
            .collect(),
        host: host_patterns(&selectors.host, at)?,
        path: lenient(&selectors.path)?,
        port,
        query: keyed(&selectors.query)?,
        header: keyed(&selectors.header)?,
    })
}

/// `443` or `8000-8100` (ascending, each ≤ 65535).
fn parse_port_range(text: &str) -> Option<(u32, u32)> {
    let port = |s: &str| -> Option<u32> {
        if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse::<u32>().ok().filter(|p| *p <= 65_535)
    };
    match text.split_once('-') {
        Some((lo, hi)) => {
            let (lo, hi) = (port(lo)?, port(hi)?);
            (lo <= hi).then_some((lo, hi))
        }
        None => port(text).map(|p| (p, p)),
    }
}

struct Scope<'a> {
    agent: &'a ir::Agent,
    policy: &'a ir::Policy,
    regexes: &'a [Regex],
    at: &'a str,
}

fn segments(items: &[String]) -> Box<[Box<str>]> {
    items.iter().map(|s| Box::<str>::from(s.as_str())).collect()
}

fn compile_expr(expr: &Expr, scope: &Scope<'_>) -> Result<CExpr, ValidationError> {
    Ok(match expr {
        Expr::Literal(value) => CExpr::Lit(value.clone()),
        Expr::Path(path) => compile_path(path, scope)?,
        Expr::Not(inner) => CExpr::Not(Box::new(compile_expr(inner, scope)?)),
        Expr::And(items) => CExpr::And(
            items
                .iter()
                .map(|e| compile_expr(e, scope))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(items) => CExpr::Or(
            items
                .iter()
                .map(|e| compile_expr(e, scope))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Compare { op, left, right } => {
            let l = Box::new(compile_expr(left, scope)?);
            let r = Box::new(compile_expr(right, scope)?);
            match op {
                CompareOp::Matches(id) | CompareOp::NotMatches(id) => {
                    let index = id.0 as usize;
                    let source = scope.policy.regexes.get(index).ok_or_else(|| {
                        err(
                            scope.at,
                            ValidationKind::IndexOutOfRange {
                                what: "regex",
                                index: u64::from(id.0),
                                len: scope.policy.regexes.len() as u64,
                            },
                        )
                    })?;
                    if !matches!(&**right, Expr::Literal(Value::String(s)) if s == source) {
                        return Err(err(scope.at, ValidationKind::RegexOperand(id.0)));
                    }
                    let regex = scope
                        .regexes
                        .get(index)
                        .cloned()
                        .ok_or_else(|| err(scope.at, ValidationKind::RegexOperand(id.0)))?;
                    CExpr::Match {
                        negated: matches!(op, CompareOp::NotMatches(_)),
                        left: l,
                        right: r,
                        regex,
                    }
                }
                _ => CExpr::Cmp {
                    op: *op,
                    left: l,
                    right: r,
                },
            }
        }
        Expr::Call { function, args } => CExpr::Call(compile_call(*function, args, scope)?),
    })
}

fn compile_path(path: &ir::Path, scope: &Scope<'_>) -> Result<CExpr, ValidationError> {
    let unknown = || err(scope.at, ValidationKind::UnknownField(path.to_string()));
    let field = |name: &str| -> Option<Field> {
        Some(match (path.root, name) {
            (Root::Session, "id") => Field::SessionId,
            (Root::Session, "calls") => Field::SessionCalls,
            (Root::Session, "cost") => Field::SessionCost,
            (Root::Session, "daily_cost") => Field::SessionDailyCost,
            (Root::Time, "hour") => Field::Hour,
            (Root::Time, "weekday") => Field::Weekday,
            (Root::Time, "day") => Field::Day,
            (Root::Time, "month") => Field::Month,
            (Root::Time, "unix") => Field::Unix,
            (Root::Tool, "name") => Field::ToolName,
            (Root::Agent, "name") => Field::AgentName,
            _ => return None,
        })
    };
    Ok(match path.root {
        Root::Args => CExpr::Arg(segments(&path.segments)),
        Root::Principal => CExpr::Principal(segments(&path.segments)),
        Root::Vars => match path.segments.as_slice() {
            [name] => {
                let value =
                    scope.agent.vars.get(name).ok_or_else(|| {
                        err(scope.at, ValidationKind::UndeclaredVar(name.clone()))
                    })?;
                if value.depth() > ir::MAX_EXPR_DEPTH {
                    return Err(err(scope.at, ValidationKind::TooDeep(ir::MAX_EXPR_DEPTH)));
                }
                CExpr::Var {
                    name: name.as_str().into(),
                    value: value.clone(),
                }
            }
            _ => return Err(unknown()),
        },
        Root::Session | Root::Time | Root::Tool | Root::Agent => match path.segments.as_slice() {
            [name] => CExpr::Field(field(name).ok_or_else(unknown)?),
            _ => return Err(unknown()),
        },
    })
}

fn compile_call(
    function: Builtin,
    args: &[Expr],
    scope: &Scope<'_>,
) -> Result<CCall, ValidationError> {
    let bad = |why: &'static str| {
        err(
            scope.at,
            ValidationKind::BadCall {
                function: function.as_str(),
                why,
            },
        )
    };
    let one = || -> Result<Box<CExpr>, ValidationError> {
        match args {
            [a] => Ok(Box::new(compile_expr(a, scope)?)),
            _ => Err(bad("takes one argument")),
        }
    };
    let literal = |e: &Expr| -> Result<Box<str>, ValidationError> {
        match e {
            Expr::Literal(Value::String(s)) => Ok(s.as_str().into()),
            _ => Err(bad("needs a string literal argument")),
        }
    };
    let pattern = |e: &Expr| -> Result<(Pattern, Box<str>), ValidationError> {
        let source = literal(e)?;
        let pattern = tool_pattern(&source, scope.at)?;
        Ok((pattern, source))
    };
    Ok(match function {
        Builtin::Len => CCall::Len(one()?),
        Builtin::Lower => CCall::Lower(one()?),
        Builtin::Upper => CCall::Upper(one()?),
        Builtin::Purpose => CCall::Purpose(one()?),
        Builtin::DenyCountWithin => CCall::DenyCountWithin(one()?),
        Builtin::HistoryContainsWithin => match args {
            [p, seconds] => {
                let (pattern, source) = pattern(p)?;
                CCall::HistoryContainsWithin(
                    pattern,
                    source,
                    Box::new(compile_expr(seconds, scope)?),
                )
            }
            _ => return Err(bad("takes a pattern and a number of seconds")),
        },
        Builtin::HistorySequence => {
            if args.is_empty() {
                return Err(bad("needs at least one pattern"));
            }
            CCall::HistorySequence(args.iter().map(pattern).collect::<Result<_, _>>()?)
        }
        Builtin::HistoryToolCount => match args {
            [p] => {
                let (pattern, source) = pattern(p)?;
                CCall::HistoryToolCount(pattern, source)
            }
            _ => return Err(bad("takes one pattern")),
        },
        Builtin::ArgsArrayLen => match args {
            [p] => {
                let source = literal(p)?;
                let segs = source.split('.').map(Box::<str>::from).collect();
                CCall::ArgsArrayLen(segs, source)
            }
            _ => return Err(bad("takes one string literal")),
        },
    })
}
