//! The YAML/JSON form of a policy (SPEC §11) as typed data: what [`super::read_document`] accepts and
//! what `faramesh schema policy` prints (generated from these types with `schemars`). Every
//! leaf is a [`Scalar`] that keeps its text, quoting and position, so the front end can turn the
//! document into FPL with each piece mapped back to where it was written.

use std::borrow::Cow;

use fpl_syntax::{TextRange, TextSize};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::de::{SCALAR, SCALAR_FIELDS};

/// The JSON Schema of the form (`faramesh schema policy`), for editors such as
/// yaml-language-server.
pub fn schema() -> Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .with_transform(schemars::transform::RecursiveTransform(without_null))
        .into_generator()
        .into_root_schema_for::<Document>()
}

/// Drops `null` from a schema: the reader refuses it, an optional key is absent or a value.
fn without_null(schema: &mut Schema) {
    use serde_json::Value as Json;
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let is_null = |item: &Json| item.get("type") == Some(&Json::from("null"));
    if let Some(Json::Array(any)) = object.get_mut("anyOf") {
        any.retain(|item| !is_null(item));
        if let [only] = any.as_slice() {
            let only = only.clone();
            object.remove("anyOf");
            if let Json::Object(fields) = only {
                object.extend(fields);
            }
        }
    }
    if let Some(Json::Array(types)) = object.get_mut("type") {
        types.retain(|item| item != "null");
    }
}

/// A policy document.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "FPL policy (YAML/JSON form)",
    description = "The YAML/JSON form of an FPL policy (SPEC §11): `*.fpl.yaml`, `*.fpl.json`, `governance.fms.yaml`."
)]
pub struct Document {
    /// Registry imports (SPEC §9.2), in order.
    #[serde(default)]
    pub imports: Vec<Import>,
    /// The `runtime` block: `key: value` entries (SPEC §14).
    pub runtime: Option<Named<Value>>,
    /// `provider` blocks by name: `key: value` entries.
    #[serde(default)]
    pub providers: Named<Named<Value>>,
    /// Agents by name, in order.
    #[serde(default)]
    pub agents: Named<Agent>,
}

/// The `imports` of a document read alone, the rest of it skipped: import resolution needs
/// only them, and a mistake elsewhere in the document (reported by the analysis) must not
/// hide them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Imports {
    /// Registry imports (SPEC §9.2), in order.
    #[serde(default)]
    pub imports: Vec<Import>,
}

/// An import.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Import {
    /// `<registry>/<kind>/<name>@<version>`.
    #[serde(rename = "ref")]
    pub reference: Text,
    /// The name diagnostics use for it.
    #[serde(rename = "as")]
    pub alias: Option<Text>,
}

/// An agent.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// The effect when no rule matches (`deny` when absent).
    #[serde(default)]
    #[schemars(schema_with = "effect_word")]
    pub default: Option<Scalar>,
    /// The agent's model.
    pub model: Option<Value>,
    /// The agent's framework.
    pub framework: Option<Value>,
    /// `vars.<name>` of conditions.
    #[serde(default)]
    pub vars: Named<Value>,
    /// Budgets by id (`session`, `daily` or a custom id).
    #[serde(default)]
    pub budgets: Named<Budget>,
    /// Phases by name, in order; their rules are the rules whose `phase` names them.
    #[serde(default)]
    pub phases: Named<Phase>,
    /// The rules in source order (mandatory denies and phase rules included).
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Rate limits in order.
    #[serde(default)]
    pub rate_limits: Vec<RateLimit>,
    /// Argument redactions in order.
    #[serde(default)]
    pub redact: Vec<Redact>,
    /// Hosts the agent may or may not reach.
    pub egress: Option<Egress>,
    /// Alerts in order.
    #[serde(default)]
    pub alerts: Vec<Alert>,
    /// Credentials by name.
    #[serde(default)]
    pub credentials: Named<Credential>,
}

/// A budget.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// The cap: money (`"$500"`) or a number of dollars.
    #[serde(default)]
    #[schemars(schema_with = "amount")]
    pub max: Option<Scalar>,
    /// The daily cap: money or a number of dollars.
    #[serde(default)]
    #[schemars(schema_with = "amount")]
    pub daily: Option<Scalar>,
    /// The most calls.
    #[serde(default)]
    #[schemars(schema_with = "amount")]
    pub max_calls: Option<Scalar>,
    /// The share of a cap that warns, in (0, 1).
    #[serde(default)]
    #[schemars(schema_with = "amount")]
    pub warn_at: Option<Scalar>,
    /// What an exceeded budget decides.
    #[serde(default)]
    #[schemars(schema_with = "on_exceed")]
    pub on_exceed: Option<Scalar>,
    /// The tool patterns whose calls the budget counts (every tool when absent).
    pub tools: Option<Vec<Text>>,
}

/// A phase.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// How long the phase lasts (`"24h"`).
    pub duration: Option<Value>,
    /// The phase that follows.
    pub next: Option<Value>,
    /// The tool patterns the phase lets through (`OUT_OF_PHASE_TOOL_CALL` for others).
    pub tools: Option<Vec<Text>>,
}

/// A rule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `permit`, `deny`, `defer`, or `deny!` for a mandatory deny.
    #[schemars(schema_with = "effect")]
    pub effect: Scalar,
    /// The tool pattern (`stripe/*`).
    pub tool: Text,
    /// The condition, in the expression grammar of SPEC §3.
    pub when: Option<Text>,
    /// `args.method` values.
    pub method: Option<Value>,
    /// `args.host` patterns.
    pub host: Option<Value>,
    /// `args.path` patterns.
    pub path: Option<Value>,
    /// `args.port` values and ranges.
    pub port: Option<Value>,
    /// `args.query.<key>` values by key.
    #[serde(default)]
    pub query: Named<Value>,
    /// `args.headers.<key>` values by key.
    #[serde(default)]
    pub headers: Named<Value>,
    /// Why the rule decides as it does.
    pub reason: Option<Text>,
    /// Who is told.
    pub notify: Option<Text>,
    /// The phase the rule belongs to.
    pub phase: Option<Text>,
}

/// A rate limit.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// The tool pattern.
    pub tool: Text,
    /// Calls per window.
    #[schemars(schema_with = "amount")]
    pub limit: Scalar,
    /// The window.
    #[schemars(schema_with = "window")]
    pub per: Scalar,
}

/// A redaction.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Redact {
    /// The tool pattern.
    pub tool: Text,
    /// The argument paths replaced in decision records.
    pub args: Vec<Text>,
}

/// Egress host patterns.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Egress {
    /// Hosts the agent may reach (all others are denied).
    pub allow: Option<Vec<Text>>,
    /// Hosts the agent may not reach.
    pub deny: Option<Vec<Text>>,
}

/// An alert.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// The effect, reason code or warning that raises it (`deny`, `rate_exceeded`, …).
    pub on: Text,
    /// Where it goes (`slack://#channel`).
    pub notify: Text,
}

/// A credential.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// The tool patterns it covers (the tools under its name when absent).
    pub scope: Option<Vec<Text>>,
    /// The backend: a provider's name, `vault` or `env`.
    pub backend: Option<Value>,
    /// The secret's path.
    pub path: Option<Value>,
    /// How long it lives (`"15m"`).
    pub ttl: Option<Value>,
    /// The widest scope it may have.
    pub max_scope: Option<Value>,
}

/// A scalar as written: its text, whether it was quoted, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The value.
    pub text: String,
    /// Quoted (or a block scalar): always a string.
    pub quoted: bool,
    /// The bytes it spans.
    pub range: TextRange,
    /// Where its characters are written as they are, if they are.
    pub content: Option<TextRange>,
}

/// A string.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Text(pub Scalar);

/// A value: a scalar or a list of scalars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// One scalar.
    One(Scalar),
    /// A list.
    List(Vec<Scalar>, TextRange),
}

/// A mapping from names to `T`, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named<T>(pub Vec<(Scalar, T)>);

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named(Vec::new())
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Scalar, D::Error> {
        deserializer.deserialize_struct(SCALAR, SCALAR_FIELDS, ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        let first: Option<String> = map.next_key()?;
        if first.as_deref() != Some(SCALAR_FIELDS[0]) {
            return Err(de::Error::custom("expected a value, found a mapping"));
        }
        let text: String = map.next_value()?;
        let _: Option<String> = map.next_key()?;
        let quoted: bool = map.next_value()?;
        let _: Option<String> = map.next_key()?;
        let range: Vec<u32> = map.next_value()?;
        let _: Option<String> = map.next_key()?;
        let content: Vec<u32> = map.next_value()?;
        if !quoted && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
            return Err(de::Error::custom("expected a value, found null"));
        }
        Ok(Scalar {
            text,
            quoted,
            range: range_of(&range).unwrap_or_default(),
            content: range_of(&content),
        })
    }
}

fn range_of(pair: &[u32]) -> Option<TextRange> {
    match pair {
        [start, end] if start <= end => {
            Some(TextRange::new(TextSize::from(*start), TextSize::from(*end)))
        }
        _ => None,
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value or a list of values")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Scalar>()? {
            items.push(item);
        }
        let range = match (items.first(), items.last()) {
            (Some(first), Some(last)) => first.range.cover(last.range),
            _ => TextRange::default(),
        };
        Ok(Value::List(items, range))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        ScalarVisitor.visit_map(map).map(Value::One)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Named<T>, D::Error> {
        deserializer.deserialize_map(NamedVisitor(std::marker::PhantomData))
    }
}

struct NamedVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for NamedVisitor<T> {
    type Value = Named<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a mapping of names")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Named<T>, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<Scalar, T>()? {
            entries.push(entry);
        }
        Ok(Named(entries))
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean"] })
    }
}

impl JsonSchema for Text {
    fn schema_name() -> Cow<'static, str> {
        "Text".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string" })
    }
}

impl JsonSchema for Value {
    fn schema_name() -> Cow<'static, str> {
        "Value".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let scalar = generator.subschema_for::<Scalar>();
        json_schema!({ "anyOf": [scalar, { "type": "array", "items": scalar }] })
    }
}

impl<T: JsonSchema> JsonSchema for Named<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Named_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "object", "additionalProperties": generator.subschema_for::<T>() })
    }
}

fn words(words: &[&str]) -> Schema {
    json_schema!({ "type": "string", "enum": words })
}

fn effect(_: &mut SchemaGenerator) -> Schema {
    words(&["permit", "deny", "defer", "deny!"])
}

fn effect_word(_: &mut SchemaGenerator) -> Schema {
    words(&["permit", "deny", "defer"])
}

fn on_exceed(_: &mut SchemaGenerator) -> Schema {
    words(&["deny", "defer", "audit"])
}

fn window(_: &mut SchemaGenerator) -> Schema {
    words(&["second", "minute", "hour", "day"])
}

fn amount(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["number", "string"] })
}
