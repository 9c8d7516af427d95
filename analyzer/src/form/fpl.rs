//! The typed form turned into FPL text with a position map: the one semantic pipeline (parse,
//! lower, check, compile) then reads a YAML/JSON policy as it reads FPL. Values are written as
//! FPL strings (escaped), except literals FPL writes bare (numbers, money, durations, sizes,
//! names), which are copied as they are; a `when` condition is copied inside parentheses after
//! checking that it cannot close them or open a block, so it can only ever be a condition.

use fpl_syntax::literal;
use fpl_syntax::{TextRange, is_identifier};

use super::map::PositionMap;
use super::model::{self, Document, Named, Scalar, Value};

/// A mistake in the form that FPL text cannot carry (an unknown effect, a `when` that is no
/// single condition, phase rules out of order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub range: TextRange,
}

/// The FPL text of a document and where each of its bytes came from.
pub fn to_fpl(document: &Document) -> Result<(String, PositionMap), Vec<FormError>> {
    let mut out = Emitter::default();
    for import in &document.imports {
        out.word("import ", import.reference.0.range);
        out.string(&import.reference.0);
        if let Some(alias) = &import.alias {
            out.glue(" as ");
            out.label(&alias.0);
        }
        out.glue("\n");
    }
    if let Some(runtime) = &document.runtime {
        let at = runtime
            .0
            .first()
            .map_or_else(TextRange::default, |(key, _)| key.range);
        out.word("runtime {", at);
        out.entries(runtime);
        out.glue("}\n");
    }
    for (name, entries) in &document.providers.0 {
        out.word("provider ", name.range);
        out.label(name);
        out.glue(" {");
        out.entries(entries);
        out.glue("}\n");
    }
    for (name, agent) in &document.agents.0 {
        out.agent(name, agent);
    }
    if out.errors.is_empty() {
        Ok((out.text, out.map))
    } else {
        Err(out.errors)
    }
}

#[derive(Default)]
struct Emitter {
    text: String,
    map: PositionMap,
    /// The origin of made-up text that follows.
    at: TextRange,
    errors: Vec<FormError>,
}

impl Emitter {
    /// Made-up text (keywords, punctuation) that stands for `at`.
    fn word(&mut self, text: &str, at: TextRange) {
        self.at = at;
        self.glue(text);
    }

    /// Made-up text that stands for what was written last.
    fn glue(&mut self, text: &str) {
        self.text.push_str(text);
        self.map.push(text.len(), self.at, false);
    }

    /// `scalar`'s text copied as written when it can be, else made up for it.
    fn copy(&mut self, text: &str, scalar: &Scalar) {
        self.at = scalar.range;
        match scalar.content {
            Some(content) if text == scalar.text => {
                self.text.push_str(text);
                self.map.push(text.len(), content, true);
            }
            _ => self.glue(text),
        }
    }

    fn error(&mut self, message: String, range: TextRange) {
        self.errors.push(FormError { message, range });
    }

    /// A scalar as an FPL string.
    fn string(&mut self, scalar: &Scalar) {
        let escaped = escape(&scalar.text);
        if escaped == scalar.text {
            self.word("\"", scalar.range);
            self.copy(&scalar.text, scalar);
            self.glue("\"");
        } else {
            self.word(&format!("\"{escaped}\""), scalar.range);
        }
    }

    /// A name (agent, phase, credential, provider): bare when it is an identifier.
    fn label(&mut self, scalar: &Scalar) {
        if is_identifier(&scalar.text) {
            self.copy(&scalar.text, scalar);
        } else {
            self.string(scalar);
        }
    }

    /// A tool pattern: bare when it is one pattern token (SPEC §2), else a string.
    fn pattern(&mut self, scalar: &Scalar) {
        let text = &scalar.text;
        if !text.is_empty() && text.bytes().all(fpl_syntax::is_pattern_char) {
            self.copy(text, scalar);
        } else {
            self.string(scalar);
        }
    }

    /// A scalar as an FPL value: a bare literal when FPL writes it bare, else a string.
    fn value(&mut self, scalar: &Scalar) {
        if is_bare_literal(&scalar.text, scalar.quoted) {
            self.copy(&scalar.text, scalar);
        } else {
            self.string(scalar);
        }
    }

    /// A value or a list as an FPL value.
    fn any_value(&mut self, value: &Value) {
        match value {
            Value::One(scalar) => self.value(scalar),
            Value::List(items, range) => {
                self.word("[", *range);
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.glue(", ");
                    }
                    self.value(item);
                }
                self.glue("]");
            }
        }
    }

    /// ` tools = ["a", "b"]`: the tool patterns a budget counts or a phase lets through.
    fn tools(&mut self, tools: &[model::Text]) {
        let at = tools.first().map_or(self.at, |tool| tool.0.range);
        self.word(" tools = ", at);
        self.strings(tools, at);
    }

    /// A list of strings (`["a", "b"]`).
    fn strings(&mut self, items: &[model::Text], at: TextRange) {
        self.word("[", at);
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                self.glue(", ");
            }
            self.string(&item.0);
        }
        self.glue("]");
    }

    /// ` key = value` entries of a block.
    fn entries(&mut self, entries: &Named<Value>) {
        for (key, value) in &entries.0 {
            self.glue(" ");
            self.name(key);
            self.glue(" = ");
            self.any_value(value);
        }
        self.glue(" ");
    }

    /// A name FPL writes bare (a key, a var, a phase): copied when it is an identifier, else an
    /// error (FPL has no way to write it).
    fn name(&mut self, scalar: &Scalar) {
        if is_identifier(&scalar.text) {
            self.copy(&scalar.text, scalar);
        } else {
            self.error(
                format!(
                    "`{}` is not a name (letters, digits, `_`, `-`)",
                    scalar.text
                ),
                scalar.range,
            );
        }
    }

    /// One of `words`, copied; anything else is an error.
    fn keyword(&mut self, scalar: &Scalar, words: &[&str], what: &str) {
        if words.contains(&scalar.text.as_str()) {
            self.copy(&scalar.text, scalar);
        } else {
            self.error(
                format!(
                    "unknown {what} `{}`: expected {}",
                    scalar.text,
                    words
                        .iter()
                        .map(|word| format!("`{word}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                scalar.range,
            );
        }
    }

    fn agent(&mut self, name: &Scalar, agent: &model::Agent) {
        self.word("agent ", name.range);
        self.label(name);
        self.glue(" {\n");
        if let Some(default) = &agent.default {
            self.word("  default ", default.range);
            self.keyword(default, &["permit", "deny", "defer"], "effect");
            self.glue("\n");
        }
        for (key, value) in [("model", &agent.model), ("framework", &agent.framework)] {
            if let Some(value) = value {
                self.word(&format!("  {key} = "), value_range(value));
                self.any_value(value);
                self.glue("\n");
            }
        }
        for (var, value) in &agent.vars.0 {
            self.word("  var ", var.range);
            self.name(var);
            self.glue(" = ");
            self.any_value(value);
            self.glue("\n");
        }
        for (scope, budget) in &agent.budgets.0 {
            self.budget(scope, budget);
        }
        for limit in &agent.rate_limits {
            self.word("  rate_limit ", limit.tool.0.range);
            self.pattern(&limit.tool.0);
            self.glue(": ");
            self.value(&limit.limit);
            self.glue(" per ");
            self.keyword(&limit.per, &["second", "minute", "hour", "day"], "window");
            self.glue("\n");
        }
        for redact in &agent.redact {
            self.word("  redact ", redact.tool.0.range);
            self.pattern(&redact.tool.0);
            self.glue(" args: ");
            self.strings(&redact.args, redact.tool.0.range);
            self.glue("\n");
        }
        if let Some(egress) = &agent.egress {
            self.glue("  egress {");
            for (key, hosts) in [("allow", &egress.allow), ("deny", &egress.deny)] {
                if let Some(hosts) = hosts {
                    let at = hosts.first().map_or(self.at, |host| host.0.range);
                    self.word(&format!(" {key} = "), at);
                    self.strings(hosts, at);
                }
            }
            self.glue(" }\n");
        }
        for alert in &agent.alerts {
            self.word("  alert { on = ", alert.on.0.range);
            self.string(&alert.on.0);
            self.glue(" notify = ");
            self.string(&alert.notify.0);
            self.glue(" }\n");
        }
        for (credential, fields) in &agent.credentials.0 {
            self.credential(credential, fields);
        }
        self.rules_and_phases(agent);
        self.glue("}\n");
    }

    fn budget(&mut self, scope: &Scalar, budget: &model::Budget) {
        self.word("  budget ", scope.range);
        self.name(scope);
        self.glue(" {");
        let items = [
            ("max", &budget.max),
            ("daily", &budget.daily),
            ("max_calls", &budget.max_calls),
            ("warn_at", &budget.warn_at),
        ];
        for (key, value) in items {
            if let Some(value) = value {
                self.word(&format!(" {key} "), value.range);
                self.value(value);
            }
        }
        if let Some(on_exceed) = &budget.on_exceed {
            self.word(" on_exceed ", on_exceed.range);
            self.keyword(on_exceed, &["deny", "defer", "audit"], "`on_exceed`");
        }
        if let Some(tools) = &budget.tools {
            self.tools(tools);
        }
        self.glue(" }\n");
    }

    fn credential(&mut self, name: &Scalar, credential: &model::Credential) {
        self.word("  credential ", name.range);
        self.label(name);
        self.glue(" {");
        if let Some(scopes) = &credential.scope {
            self.glue(" scope");
            // Strings: a bare scope named like a credential key would end the list.
            for scope in scopes {
                self.glue(" ");
                self.string(&scope.0);
            }
        }
        let items = [
            ("backend", &credential.backend),
            ("path", &credential.path),
            ("ttl", &credential.ttl),
            ("max_scope", &credential.max_scope),
        ];
        for (key, value) in items {
            if let Some(value) = value {
                self.word(&format!(" {key} = "), value_range(value));
                self.any_value(value);
            }
        }
        self.glue(" }\n");
    }

    /// The rules in order, the rules of a phase inside its `phase` block: the phases are
    /// written in the order of `phases`, each where its first rule is (a phase without rules
    /// before the next phase that has some), so rule numbers and phase order both survive.
    fn rules_and_phases(&mut self, agent: &model::Agent) {
        let phases = &agent.phases.0;
        let mut written = 0;
        let mut open: Option<usize> = None;
        for rule in &agent.rules {
            let phase = match &rule.phase {
                None => None,
                Some(name) => match phases.iter().position(|(p, _)| p.text == name.0.text) {
                    Some(index) => Some(index),
                    None => {
                        self.error(
                            format!("phase `{}` is not declared in `phases`", name.0.text),
                            name.0.range,
                        );
                        continue;
                    }
                },
            };
            if phase != open {
                if open.is_some() {
                    self.glue("  }\n");
                    open = None;
                }
                if let Some(index) = phase {
                    if index < written {
                        let name = rule.phase.as_ref().map_or(rule.effect.range, |p| p.0.range);
                        self.error(
                            format!(
                                "the rules of phase `{}` must follow each other, in the order of `phases`",
                                phases[index].0.text
                            ),
                            name,
                        );
                        continue;
                    }
                    while written < index {
                        self.phase_header(&phases[written]);
                        self.glue("  }\n");
                        written += 1;
                    }
                    self.phase_header(&phases[index]);
                    written = index + 1;
                    open = Some(index);
                }
            }
            self.rule(rule, if open.is_some() { "    " } else { "  " });
        }
        if open.is_some() {
            self.glue("  }\n");
        }
        for phase in &phases[written..] {
            self.phase_header(phase);
            self.glue("  }\n");
        }
    }

    fn phase_header(&mut self, (name, phase): &(Scalar, model::Phase)) {
        self.word("  phase ", name.range);
        self.label(name);
        self.glue(" {");
        let items = [("duration", &phase.duration), ("next", &phase.next)];
        for (key, value) in items {
            if let Some(value) = value {
                self.word(&format!(" {key} = "), value_range(value));
                self.any_value(value);
            }
        }
        if let Some(tools) = &phase.tools {
            self.tools(tools);
        }
        self.glue("\n");
    }

    fn rule(&mut self, rule: &model::Rule, indent: &str) {
        self.word(indent, rule.effect.range);
        self.keyword(
            &rule.effect,
            &["permit", "deny", "defer", "deny!"],
            "effect",
        );
        self.glue(" ");
        self.pattern(&rule.tool.0);
        let selectors = [
            ("method", &rule.method),
            ("host", &rule.host),
            ("path", &rule.path),
            ("port", &rule.port),
        ];
        for (key, value) in selectors {
            if let Some(value) = value {
                self.word(&format!(" {key} "), value_range(value));
                self.selector_values(value);
            }
        }
        for (keyword, keyed) in [("query", &rule.query), ("header", &rule.headers)] {
            for (key, value) in &keyed.0 {
                self.word(&format!(" {keyword} "), key.range);
                self.string(key);
                self.glue(" = ");
                self.selector_values(value);
            }
        }
        if let Some(when) = &rule.when {
            match check_condition(&when.0.text) {
                Ok(()) => {
                    self.word(" when (", when.0.range);
                    self.copy(&when.0.text, &when.0);
                    self.glue(")");
                }
                Err(problem) => self.error(problem, when.0.range),
            }
        }
        for (key, value) in [("reason", &rule.reason), ("notify", &rule.notify)] {
            if let Some(value) = value {
                self.word(&format!(" {key} "), value.0.range);
                self.string(&value.0);
            }
        }
        self.glue("\n");
    }

    /// Selector values: `"GET", "POST"`.
    fn selector_values(&mut self, value: &Value) {
        match value {
            Value::One(scalar) => self.string(scalar),
            Value::List(items, range) => {
                if items.is_empty() {
                    self.error("expected at least one value".to_string(), *range);
                }
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.glue(", ");
                    }
                    self.string(item);
                }
            }
        }
    }
}

fn value_range(value: &Value) -> TextRange {
    match value {
        Value::One(scalar) => scalar.range,
        Value::List(_, range) => *range,
    }
}

/// `text` escaped for the inside of an FPL string. Characters FPL refuses in strings (hidden
/// and control characters) are left as they are, so the lexer reports them (`E0001`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether FPL writes `text` bare: a number, money, a duration or a size, or (unquoted in the
/// document) a name or a boolean.
pub(crate) fn is_bare_literal(text: &str, quoted: bool) -> bool {
    let money = text
        .strip_prefix('$')
        .is_some_and(|amount| !amount.starts_with('-') && literal::is_number(amount));
    money
        || literal::duration_parts(text).is_some()
        || literal::size_parts(text).is_some()
        || (!quoted && (literal::is_number(text) || (is_identifier(text) && text != "env")))
}

/// Checks that a `when` text, put inside parentheses, stays one condition: outside strings it
/// never closes more parentheses or brackets than it opened, closes all it opened, and has no
/// brace or comment. The YAML form and `faramesh extract` both copy conditions into FPL.
pub fn check_condition(text: &str) -> Result<(), String> {
    let mut depth: i64 = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if let Some(open) = quote {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                _ if c == open => quote = None,
                _ => {}
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' => depth += 1,
            ')' | ']' => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("`{c}` closes nothing in this condition"));
                }
            }
            '{' | '}' => return Err(format!("`{c}` cannot appear in a condition")),
            '#' => return Err("a condition cannot hold a comment".to_string()),
            _ => {}
        }
    }
    if text.trim().is_empty() {
        return Err("the condition is empty".to_string());
    }
    match (quote, depth) {
        (Some(_), _) => Err("a string in this condition is not closed".to_string()),
        (None, 0) => Ok(()),
        _ => Err("a parenthesis or bracket in this condition is not closed".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_that_could_escape_their_parentheses_are_refused() {
        assert!(check_condition("amount < 5 and tier == \")\"").is_ok());
        assert!(check_condition("a in [1, 2]").is_ok());
        for bad in [
            "a) reason \"x\" deny y when (b",
            "a } agent b {",
            "a # c",
            "(a",
            "\"a",
            " ",
        ] {
            assert!(check_condition(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn literals_are_bare_only_when_fpl_writes_them_bare() {
        assert!(is_bare_literal("$500", true));
        assert!(is_bare_literal("24h", true));
        assert!(is_bare_literal("10mb", false));
        assert!(is_bare_literal("deny", false));
        assert!(!is_bare_literal("deny", true));
        assert!(!is_bare_literal("500", true));
        assert!(!is_bare_literal("env", false));
        assert!(!is_bare_literal("a b", false));
    }
}
