//! What a decorator means for the policy: its arguments checked and turned into the rules of
//! one tool (the mapping `docs/annotations.md` documents). Every mistake is reported at the
//! argument that makes it; a decorator with a mistake gives no rules.

use fpl_analyzer::fpl_text;

use crate::python::literal::{Literal, Text};
use crate::python::{Argument, Decorator, Kind, Mistake};

/// What the comparison thresholds compare when the decorator does not name a `field`.
pub const DEFAULT_FIELD: &str = "amount";

/// A rule's effect. Ordered from the loosest to the strictest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Effect {
    Permit,
    Defer,
    Deny,
}

impl Effect {
    /// The FPL keyword.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Effect::Permit => "permit",
            Effect::Defer => "defer",
            Effect::Deny => "deny",
        }
    }
}

/// `FIELD > NUMBER`: where a threshold rule applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Threshold {
    /// The argument path, as FPL writes it.
    pub(crate) field: String,
    /// Where `field=` is (or the threshold, when `field` is not given).
    pub(crate) field_at: u32,
    /// The FPL number.
    pub(crate) number: String,
    /// Where the threshold's value is.
    pub(crate) at: u32,
}

/// One rule of a tool: its effect and, for a threshold rule, its threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleSpec {
    pub(crate) effect: Effect,
    pub(crate) threshold: Option<Threshold>,
}

/// The rules one decorator stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ToolPolicy {
    /// Where the decorator is.
    pub(crate) at: u32,
    /// The decorated function.
    pub(crate) function: String,
    /// `agent_id=` of `@governed_tool`.
    pub(crate) agent: Option<String>,
    /// The tool's name and where it comes from (the argument, or the decorator).
    pub(crate) tool: String,
    /// Its rules, strictest first: `deny_above`, `defer_above`, then the tool's own effect.
    pub(crate) rules: Vec<RuleSpec>,
    /// `when=`: the condition of every rule, with where it came from.
    pub(crate) when: Option<(Text, u32)>,
    /// `reason=`.
    pub(crate) reason: Option<String>,
    /// `notify=`.
    pub(crate) notify: Option<String>,
}

const POLICY_ARGUMENTS: [&str; 9] = [
    "permit",
    "deny",
    "defer",
    "defer_above",
    "deny_above",
    "field",
    "when",
    "reason",
    "notify",
];

/// The keyword arguments a decorator takes.
fn known_arguments(kind: Kind) -> Vec<&'static str> {
    let own: &[&str] = match kind {
        Kind::Tool => &["name"],
        Kind::GovernedTool => &["agent_id", "tool", "operation"],
    };
    own.iter().chain(POLICY_ARGUMENTS.iter()).copied().collect()
}

/// Reads one decorator: the rules it stands for and its mistakes. With mistakes, the rules
/// are what could be read (the function's name for a tool name that is not one, the first of
/// two effects), good only for checking the rest, such as its `when`, so one run reports all.
pub(crate) fn read(decorator: &Decorator) -> (ToolPolicy, Vec<Mistake>) {
    let mut reader = Reader {
        decorator,
        mistakes: Vec::new(),
    };
    let policy = reader.policy();
    (policy, reader.mistakes)
}

struct Reader<'d> {
    decorator: &'d Decorator,
    mistakes: Vec<Mistake>,
}

impl<'d> Reader<'d> {
    fn mistake(&mut self, at: u32, message: String) {
        self.mistakes.push(Mistake { at, message });
    }

    fn policy(&mut self) -> ToolPolicy {
        self.check_names();
        let decorator = self.decorator;
        let tool = self
            .tool_name()
            .unwrap_or_else(|| decorator.function.clone());
        let flags: Vec<(Effect, &Argument)> = [Effect::Permit, Effect::Defer, Effect::Deny]
            .into_iter()
            .filter_map(|effect| Some((effect, self.argument(effect.word())?)))
            .collect();
        let mut given = Vec::new();
        for (effect, argument) in flags {
            match &argument.value {
                None => {}
                Some(Literal::Bool(true)) => given.push((effect, argument)),
                Some(Literal::Bool(false)) => self.mistake(
                    argument.value_at,
                    format!(
                        "`{0}=False` says nothing: leave it out, or give the tool's effect (`permit=True`, `defer=True` or `deny=True`)",
                        argument.name
                    ),
                ),
                Some(other) => self.wrong_type(argument, "`True`", other),
            }
        }
        let sorted_by_position = {
            let mut given = given.clone();
            given.sort_by_key(|(_, argument)| argument.at);
            given
        };
        if let [(_, first), (_, second), ..] = sorted_by_position.as_slice() {
            self.mistake(
                second.at,
                format!(
                    "`{}=True` conflicts with `{}=True`: a tool has one effect (use `defer_above`/`deny_above` for amounts)",
                    second.name, first.name
                ),
            );
        }
        let field = self.field();
        let thresholds: Vec<(Effect, Threshold)> =
            [(Effect::Deny, "deny_above"), (Effect::Defer, "defer_above")]
                .into_iter()
                .filter_map(|(effect, name)| {
                    let argument = self.argument(name)?;
                    let number = self.number(argument)?;
                    let (field, field_at) = field
                        .clone()
                        .unwrap_or_else(|| (DEFAULT_FIELD.to_string(), argument.value_at));
                    Some((
                        effect,
                        Threshold {
                            field,
                            field_at,
                            number,
                            at: argument.value_at,
                        },
                    ))
                })
                .collect();
        let no_threshold =
            self.argument("defer_above").is_none() && self.argument("deny_above").is_none();
        if let (Some(argument), true) = (self.argument("field"), no_threshold) {
            self.mistake(
                argument.at,
                "`field` names what `defer_above` and `deny_above` compare, but neither is given"
                    .to_string(),
            );
        }
        let base = match given.first() {
            Some((effect, _)) => *effect,
            None if thresholds.is_empty() => Effect::Defer,
            None => Effect::Permit,
        };
        self.check_thresholds(base, &thresholds);
        let when = match self.argument("when") {
            Some(argument) => self.condition(argument),
            None => None,
        };
        let mut rules: Vec<RuleSpec> = thresholds
            .into_iter()
            .map(|(effect, threshold)| RuleSpec {
                effect,
                threshold: Some(threshold),
            })
            .collect();
        rules.push(RuleSpec {
            effect: base,
            threshold: None,
        });
        ToolPolicy {
            at: decorator.at,
            function: decorator.function.clone(),
            agent: self.text("agent_id").map(|(text, _)| text.value),
            tool,
            rules,
            when,
            reason: self.text("reason").map(|(text, _)| text.value),
            notify: self.text("notify").map(|(text, _)| text.value),
        }
    }

    /// Unknown and repeated keywords.
    fn check_names(&mut self) {
        let known = known_arguments(self.decorator.kind);
        for (index, argument) in self.decorator.arguments.iter().enumerate() {
            if !known.contains(&argument.name.as_str()) {
                let expected = known
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.mistake(
                    argument.at,
                    format!(
                        "unknown argument `{}` of `@{}`: expected one of {expected}",
                        argument.name, self.decorator.spelling
                    ),
                );
            } else if self.decorator.arguments[..index]
                .iter()
                .any(|earlier| earlier.name == argument.name)
            {
                self.mistake(argument.at, format!("`{}` is given twice", argument.name));
            }
        }
    }

    fn argument(&self, name: &str) -> Option<&'d Argument> {
        self.decorator
            .arguments
            .iter()
            .find(|argument| argument.name == name)
    }

    fn wrong_type(&mut self, argument: &Argument, expected: &str, found: &Literal) {
        self.mistake(
            argument.value_at,
            format!("`{}` takes {expected}, not {}", argument.name, found.kind()),
        );
    }

    /// A string argument and where its value is.
    fn text(&mut self, name: &str) -> Option<(Text, u32)> {
        let argument = self.argument(name)?;
        match argument.value.as_ref()? {
            Literal::Str(text) => Some((text.clone(), argument.value_at)),
            other => {
                self.wrong_type(argument, "a string", other);
                None
            }
        }
    }

    fn number(&mut self, argument: &Argument) -> Option<String> {
        match argument.value.as_ref()? {
            Literal::Number(number) => Some(number.clone()),
            other => {
                self.wrong_type(argument, "a number", other);
                None
            }
        }
    }

    /// The tool's name: `name=`; for `@governed_tool`, `tool=` and `operation=` joined by `/`;
    /// else the function's name.
    fn tool_name(&mut self) -> Option<String> {
        let named = match self.decorator.kind {
            Kind::Tool => self.text("name"),
            Kind::GovernedTool => match (self.text("tool"), self.text("operation")) {
                (Some((tool, at)), Some((operation, _))) => Some((
                    Text {
                        value: format!("{}/{}", tool.value, operation.value),
                        offsets: tool.offsets,
                    },
                    at,
                )),
                (Some(tool), None) => Some(tool),
                (None, Some((_, at))) => {
                    self.mistake(
                        at,
                        "`operation` needs `tool`: the tool is `tool/operation`".to_string(),
                    );
                    return None;
                }
                (None, None) => None,
            },
        };
        let Some((name, at)) = named else {
            return Some(self.decorator.function.clone());
        };
        match fpl_runtime::check_tool_name(&name.value) {
            Ok(()) => Some(name.value),
            Err(_) if name.value.is_empty() => {
                self.mistake(at, "the tool name is empty".to_string());
                None
            }
            Err(why) => {
                let why = why.trim_start_matches("`tool` ");
                self.mistake(at, format!("`{}` is not a tool name: it {why}", name.value));
                None
            }
        }
    }

    /// `field=`: an argument path, as FPL writes it.
    fn field(&mut self) -> Option<(String, u32)> {
        let (text, at) = self.text("field")?;
        if fpl_text::is_argument_path(&text.value) {
            Some((fpl_text::argument_path(&text.value), at))
        } else {
            self.mistake(
                at,
                format!(
                    "`{}` is not an argument path (names joined by dots, such as `amount` or `order.total`)",
                    text.value
                ),
            );
            None
        }
    }

    /// Thresholds make the tool stricter above them, and the higher one is the stricter.
    fn check_thresholds(&mut self, base: Effect, thresholds: &[(Effect, Threshold)]) {
        for (effect, threshold) in thresholds {
            if *effect <= base {
                self.mistake(
                    threshold.at,
                    format!(
                        "`{}_above` with `{}=True` would not make the tool stricter above the threshold",
                        effect.word(),
                        base.word()
                    ),
                );
            }
        }
        if let [(_, deny), (_, defer)] = thresholds {
            let value = |t: &Threshold| fpl_runtime::Decimal::parse(&t.number).ok();
            if value(deny) <= value(defer) {
                self.mistake(
                    deny.at,
                    format!(
                        "`deny_above` ({}) must be greater than `defer_above` ({}): otherwise nothing is ever deferred",
                        deny.number, defer.number
                    ),
                );
            }
        }
    }

    /// `when=`: a string that stays one condition (the FPL parser and checks read it later).
    fn condition(&mut self, argument: &Argument) -> Option<(Text, u32)> {
        let (text, at) = self.text(&argument.name)?;
        match fpl_analyzer::form::check_condition(&text.value) {
            Ok(()) => Some((text, at)),
            Err(problem) => {
                self.mistake(at, format!("`when`: {problem}"));
                None
            }
        }
    }
}
