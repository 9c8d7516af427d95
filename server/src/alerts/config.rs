//! The `[alerts]` table of `faramesh.toml` (or of the file given with `--alerts`): which URL
//! each alert target (`slack://#security`, …) is delivered to, with secrets taken from
//! environment variables, and how delivery behaves. Every key is checked: an unknown one, a
//! wrong type or a missing variable is an error at its line and column.

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::{Range, RangeInclusive};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use toml_edit::{Document, Item, TableLike};

use super::retry::Backoff;

/// The PagerDuty Events API v2 endpoint, for `pagerduty://` targets without a `url`.
pub(crate) const PAGERDUTY_EVENTS: &str = "https://events.pagerduty.com/v2/enqueue";

/// The keys of `[alerts]`.
const ALERTS_KEYS: &[&str] = &[
    "targets",
    "queue",
    "workers",
    "attempts",
    "backoff",
    "max_delay",
    "timeout",
    "drain",
];

/// The keys of one `[alerts.targets."…"]` table.
const TARGET_KEYS: &[&str] = &["url", "routing_key", "headers"];

/// The scheme of an alert target (SPEC §14, `alert.notify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// A Slack incoming webhook.
    Slack,
    /// PagerDuty Events API v2.
    PagerDuty,
    /// Any HTTPS endpoint that takes the alert as JSON.
    Webhook,
    /// An HTTP mail relay: the address is the target's name.
    Email,
}

impl Scheme {
    /// Every scheme.
    const ALL: [Scheme; 4] = [
        Scheme::Slack,
        Scheme::PagerDuty,
        Scheme::Webhook,
        Scheme::Email,
    ];

    /// The scheme's name: `slack`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Slack => "slack",
            Scheme::PagerDuty => "pagerduty",
            Scheme::Webhook => "webhook",
            Scheme::Email => "email",
        }
    }

    /// The scheme of a target and the name after `://`, when both are there.
    pub fn split(target: &str) -> Option<(Scheme, &str)> {
        let (scheme, name) = target.split_once("://")?;
        let scheme = Scheme::ALL.into_iter().find(|s| s.as_str() == scheme)?;
        (!name.is_empty()).then_some((scheme, name))
    }
}

/// Where and how one target's alerts are delivered.
#[derive(Clone)]
pub(crate) struct Target {
    /// The target as policies write it: `slack://#security`.
    pub name: String,
    /// Its scheme.
    pub scheme: Scheme,
    /// The URL alerts are posted to (a secret for Slack: it is never printed).
    pub url: Url,
    /// PagerDuty's integration key.
    pub routing_key: Option<String>,
    /// Extra request headers (`Authorization` for a webhook).
    pub headers: HeaderMap,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("host", &self.url.host_str())
            .field("url", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

/// How alerts are queued and delivered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Settings {
    /// The most alerts waiting; a full queue drops its oldest.
    pub queue: usize,
    /// Deliveries in flight at once.
    pub workers: usize,
    /// Tries per alert, the first included.
    pub attempts: u32,
    /// The waits between tries.
    pub backoff: Backoff,
    /// The time limit of one try (connect, send, answer).
    pub timeout: Duration,
    /// At shutdown, how long queued alerts may still be delivered.
    pub drain: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            queue: 10_000,
            workers: 4,
            attempts: 5,
            backoff: Backoff {
                first: Duration::from_secs(1),
                max: Duration::from_secs(60),
            },
            timeout: Duration::from_secs(10),
            drain: Duration::from_secs(10),
        }
    }
}

/// The alert configuration of a decision service; by default no target is configured.
#[derive(Debug, Clone, Default)]
pub struct AlertsConfig {
    pub(crate) targets: HashMap<String, Arc<Target>>,
    pub(crate) settings: Settings,
}

impl AlertsConfig {
    /// Reads the `[alerts]` table of the TOML `text` (read from `path`, which names it in
    /// errors); `Ok(None)` when there is none. `${NAME}` in a string value is replaced by the
    /// environment variable `NAME`, looked up with `env`.
    pub fn from_toml(
        path: &Path,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<AlertsConfig>, AlertsConfigError> {
        let reader = Reader { path, text, env };
        let document = Document::parse(text)
            .map_err(|error| reader.error(error.span(), error.message().trim_end()))?;
        let root = document.as_table();
        match root.get_key_value("alerts") {
            None => Ok(None),
            Some((key, item)) => reader.alerts(item, key.span()).map(Some),
        }
    }

    /// The configured targets, sorted.
    pub fn target_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.targets.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
}

/// A mistake in the alert configuration, at its place in the file.
pub type AlertsConfigError = crate::config::ConfigFileError;

/// Reads the tables of one file.
struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl Reader<'_> {
    fn alerts(&self, item: &Item, span: Span) -> Result<AlertsConfig, Error> {
        let table = item
            .as_table_like()
            .ok_or_else(|| self.error(item.span().or(span), "`alerts` must be a table"))?;
        self.known_keys(table, "alerts", ALERTS_KEYS)?;
        let defaults = Settings::default();
        let integer = |key, range| self.integer(table, key, range);
        let seconds = |key, range| self.seconds(table, key, range);
        let max = seconds("max_delay", 0.001..=86_400.0)?.unwrap_or(defaults.backoff.max);
        let settings = Settings {
            queue: integer("queue", 1..=1_000_000)?.map_or(defaults.queue, |n| n as usize),
            workers: integer("workers", 1..=64)?.map_or(defaults.workers, |n| n as usize),
            attempts: integer("attempts", 1..=100)?.map_or(defaults.attempts, |n| n as u32),
            backoff: Backoff {
                first: seconds("backoff", 0.001..=3600.0)?.unwrap_or(defaults.backoff.first),
                max,
            },
            timeout: seconds("timeout", 0.001..=3600.0)?.unwrap_or(defaults.timeout),
            drain: seconds("drain", 0.0..=3600.0)?.unwrap_or(defaults.drain),
        };
        let mut targets = HashMap::new();
        if let Some((key, item)) = table.get_key_value("targets") {
            let list = item.as_table_like().ok_or_else(|| {
                self.error(
                    item.span().or(key.span()),
                    "`alerts.targets` must be a table",
                )
            })?;
            for (name, item) in list.iter() {
                let span = key_span(list, name).or(item.span());
                let target = self.target(name, item, span)?;
                targets.insert(name.to_owned(), Arc::new(target));
            }
        }
        Ok(AlertsConfig { targets, settings })
    }

    fn target(&self, name: &str, item: &Item, span: Span) -> Result<Target, Error> {
        let (scheme, _) = Scheme::split(name).ok_or_else(|| {
            self.error(
                span.clone(),
                format!(
                    "alert target {name:?} must be `slack://`, `pagerduty://`, `webhook://` or \
                     `email://` followed by a name, as in the policy's `notify`"
                ),
            )
        })?;
        let place = format!("alerts.targets.{name:?}");
        let table = item.as_table_like().ok_or_else(|| {
            self.error(
                span.clone(),
                format!("`{place}` must be a table with `url`"),
            )
        })?;
        self.known_keys(table, &place, TARGET_KEYS)?;
        let url = match self.string(table, &place, "url")? {
            Some((text, span)) => self.url(&text, &format!("{place}.url"), span)?,
            None if scheme == Scheme::PagerDuty => Url::parse(PAGERDUTY_EVENTS)
                .map_err(|error| self.error(span.clone(), error.to_string()))?,
            None => return Err(self.error(span, format!("`{place}` has no `url`"))),
        };
        let routing_key = self.string(table, &place, "routing_key")?;
        let routing_key = match (scheme, routing_key) {
            (Scheme::PagerDuty, Some((key, _))) => Some(key),
            (Scheme::PagerDuty, None) => {
                return Err(self.error(
                    span,
                    format!(
                        "`{place}` needs `routing_key`, the integration key of the PagerDuty \
                         service"
                    ),
                ));
            }
            (_, Some((_, key_span))) => {
                return Err(self.error(
                    key_span,
                    format!("`{place}.routing_key` is only for `pagerduty://` targets"),
                ));
            }
            (_, None) => None,
        };
        let headers = self.headers(table, &place)?;
        Ok(Target {
            name: name.to_owned(),
            scheme,
            url,
            routing_key,
            headers,
        })
    }

    /// `headers = { Name = "value", … }`.
    fn headers(&self, table: &dyn TableLike, place: &str) -> Result<HeaderMap, Error> {
        let mut headers = HeaderMap::new();
        let Some((key, item)) = table.get_key_value("headers") else {
            return Ok(headers);
        };
        let place = format!("{place}.headers");
        let list = item.as_table_like().ok_or_else(|| {
            self.error(
                item.span().or(key.span()),
                format!("`{place}` must be a table of header names and values"),
            )
        })?;
        for (name, _) in list.iter() {
            let Some((value, span)) = self.string(list, &place, name)? else {
                continue;
            };
            let header = HeaderName::try_from(name).map_err(|_| {
                self.error(
                    key_span(list, name),
                    format!("`{place}`: `{name}` is not a header name"),
                )
            })?;
            let mut value = HeaderValue::try_from(value).map_err(|_| {
                self.error(
                    span,
                    format!("`{place}.{name}` is not a valid header value"),
                )
            })?;
            value.set_sensitive(true);
            headers.append(header, value);
        }
        Ok(headers)
    }

    /// A string value with its variables replaced, and its span; `None` when absent.
    fn string(
        &self,
        table: &dyn TableLike,
        place: &str,
        key: &str,
    ) -> Result<Option<(String, Span)>, Error> {
        let Some((found, item)) = table.get_key_value(key) else {
            return Ok(None);
        };
        let span = item.span().or(found.span());
        let text = item
            .as_str()
            .ok_or_else(|| self.error(span.clone(), format!("`{place}.{key}` must be a string")))?;
        let text = self.expand(text, &format!("{place}.{key}"), span.clone())?;
        Ok(Some((text, span)))
    }

    /// `text` with every `${NAME}` replaced by the environment variable `NAME`.
    fn expand(&self, text: &str, what: &str, span: Span) -> Result<String, Error> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| {
                self.error(span.clone(), format!("`{what}`: `${{` without its `}}`"))
            })?;
            let name = &after[..end];
            if !is_variable_name(name) {
                return Err(self.error(
                    span,
                    format!("`{what}`: `${{{name}}}` is not an environment variable name"),
                ));
            }
            let value = (self.env)(name)
                .filter(|value| !value.is_empty())
                .ok_or_else(|| {
                    self.error(
                        span.clone(),
                        format!(
                            "`{what}` needs the environment variable `{name}`, which is not set \
                             (or empty)"
                        ),
                    )
                })?;
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// An `https://` URL, or an `http://` one to this machine. The URL itself is never put in
    /// an error: it may hold a secret.
    fn url(&self, text: &str, what: &str, span: Span) -> Result<Url, Error> {
        let url = Url::parse(text)
            .map_err(|error| self.error(span.clone(), format!("`{what}` is not a URL: {error}")))?;
        match url.scheme() {
            "https" if url.host_str().is_some() => Ok(url),
            "http" if is_loopback(&url) => Ok(url),
            _ => Err(self.error(
                span,
                format!(
                    "`{what}` must be an `https://` URL (`http://` only to 127.0.0.1, ::1 or \
                     localhost)"
                ),
            )),
        }
    }

    fn integer(
        &self,
        table: &dyn TableLike,
        key: &str,
        range: RangeInclusive<i64>,
    ) -> Result<Option<i64>, Error> {
        let Some((found, item)) = table.get_key_value(key) else {
            return Ok(None);
        };
        item.as_integer()
            .filter(|n| range.contains(n))
            .map(Some)
            .ok_or_else(|| {
                self.error(
                    item.span().or(found.span()),
                    format!(
                        "`alerts.{key}` must be an integer from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            })
    }

    fn seconds(
        &self,
        table: &dyn TableLike,
        key: &str,
        range: RangeInclusive<f64>,
    ) -> Result<Option<Duration>, Error> {
        let Some((found, item)) = table.get_key_value(key) else {
            return Ok(None);
        };
        item.as_float()
            .or_else(|| item.as_integer().map(|n| n as f64))
            .filter(|seconds| range.contains(seconds))
            .map(|seconds| Some(Duration::from_secs_f64(seconds)))
            .ok_or_else(|| {
                self.error(
                    item.span().or(found.span()),
                    format!(
                        "`alerts.{key}` must be a number of seconds from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            })
    }

    /// An error at the first key of `table` not in `known`.
    fn known_keys(&self, table: &dyn TableLike, place: &str, known: &[&str]) -> Result<(), Error> {
        match table.iter().find(|(key, _)| !known.contains(key)) {
            None => Ok(()),
            Some((key, item)) => Err(self.error(
                key_span(table, key).or(item.span()),
                format!(
                    "unknown key `{key}` in `{place}` (known: {})",
                    known
                        .iter()
                        .map(|key| format!("`{key}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// An error at the start of `span` (the file's start when unknown).
    fn error(&self, span: Span, message: impl Into<String>) -> Error {
        AlertsConfigError::at(self.path, self.text, span.map(|span| span.start), message)
    }
}

type Error = AlertsConfigError;

/// Where something is in the file, when known.
type Span = Option<Range<usize>>;

/// Where `key` is written in `table`.
fn key_span(table: &dyn TableLike, key: &str) -> Span {
    table.get_key_value(key).and_then(|(key, _)| key.span())
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
fn is_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}

/// Whether the URL's host is this machine: `localhost`, `127.0.0.0/8` or `::1`.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests;
