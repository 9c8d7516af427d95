//! Reading `[alerts]`: what a good table gives, and each mistake at its line and column.

use super::*;

fn env(name: &str) -> Option<String> {
    match name {
        "SLACK_WEBHOOK_URL" => Some("https://hooks.slack.com/services/T0/B0/secret".to_owned()),
        "PD_KEY" => Some("R0UTING".to_owned()),
        "HOOK_TOKEN" => Some("t0ken".to_owned()),
        "EMPTY" => Some(String::new()),
        _ => None,
    }
}

fn parse(text: &str) -> Result<Option<AlertsConfig>, AlertsConfigError> {
    AlertsConfig::from_toml(Path::new("faramesh.toml"), text, &env)
}

/// The error of `text` as `line:column: message`.
fn error(text: &str) -> String {
    let error = parse(text).expect_err("an error");
    assert_eq!(error.path, Path::new("faramesh.toml"));
    format!("{}:{}: {}", error.line, error.column, error.message)
}

#[test]
fn a_full_table_is_read() {
    let config = parse(
        r#"
[policy]
files = ["governance.fms"]

[alerts]
queue = 50
workers = 2
attempts = 3
backoff = 0.25
max_delay = 30
timeout = 5
drain = 0

[alerts.targets."slack://#security"]
url = "${SLACK_WEBHOOK_URL}"

[alerts.targets."pagerduty://payments"]
routing_key = "${PD_KEY}"

[alerts.targets."webhook://audit"]
url = "http://127.0.0.1:9000/hook?token=a$b"
headers = { Authorization = "Bearer ${HOOK_TOKEN}" }

[alerts.targets]
"email://security@example.com" = { url = "https://relay.example.com/send" }
"#,
    )
    .expect("valid")
    .expect("an [alerts] table");
    assert_eq!(
        config.target_names(),
        [
            "email://security@example.com",
            "pagerduty://payments",
            "slack://#security",
            "webhook://audit"
        ]
    );
    let target = |name: &str| config.targets[name].clone();
    assert_eq!(
        target("slack://#security").url.as_str(),
        "https://hooks.slack.com/services/T0/B0/secret"
    );
    assert_eq!(target("slack://#security").scheme, Scheme::Slack);
    let pagerduty = target("pagerduty://payments");
    assert_eq!(pagerduty.url.as_str(), PAGERDUTY_EVENTS);
    assert_eq!(pagerduty.routing_key.as_deref(), Some("R0UTING"));
    let webhook = target("webhook://audit");
    assert_eq!(webhook.url.as_str(), "http://127.0.0.1:9000/hook?token=a$b");
    assert_eq!(webhook.headers["authorization"], "Bearer t0ken");
    assert_eq!(
        config.settings,
        Settings {
            queue: 50,
            workers: 2,
            attempts: 3,
            backoff: Backoff {
                first: Duration::from_millis(250),
                max: Duration::from_secs(30)
            },
            timeout: Duration::from_secs(5),
            drain: Duration::ZERO,
        }
    );
    // Secrets stay out of debug output.
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("secret") && !debug.contains("t0ken"),
        "{debug}"
    );
}

#[test]
fn no_table_is_none_and_an_empty_one_has_the_defaults() {
    assert!(parse("[policy]\nfiles = []\n").expect("valid").is_none());
    let config = parse("[alerts]\n").expect("valid").expect("a table");
    assert!(config.targets.is_empty());
    assert_eq!(config.settings, Settings::default());
}

#[test]
fn mistakes_are_reported_at_their_place() {
    let cases: &[(&str, &str)] = &[
        (
            "[alerts]\nqueu = 5\n",
            "2:1: unknown key `queu` in `alerts` (known: `targets`, `queue`, `workers`, \
             `attempts`, `backoff`, `max_delay`, `timeout`, `drain`)",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\nurl = \"https://h.example\"\nchannel = \"x\"\n",
            "3:1: unknown key `channel` in `alerts.targets.\"slack://#x\"` (known: `url`, \
             `routing_key`, `headers`)",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\nurl = \"${SLACK_URL}\"\n",
            "2:7: `alerts.targets.\"slack://#x\".url` needs the environment variable \
             `SLACK_URL`, which is not set (or empty)",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\nurl = \"${EMPTY}\"\n",
            "2:7: `alerts.targets.\"slack://#x\".url` needs the environment variable `EMPTY`, \
             which is not set (or empty)",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\nurl = \"${SLACK\"\n",
            "2:7: `alerts.targets.\"slack://#x\".url`: `${` without its `}`",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\nurl = \"${1X}\"\n",
            "2:7: `alerts.targets.\"slack://#x\".url`: `${1X}` is not an environment variable \
             name",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\nurl = \"http://hooks.slack.com/secret\"\n",
            "2:7: `alerts.targets.\"slack://#x\".url` must be an `https://` URL (`http://` \
             only to 127.0.0.1, ::1 or localhost)",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\nurl = \"ftp://127.0.0.1/x\"\n",
            "2:7: `alerts.targets.\"slack://#x\".url` must be an `https://` URL (`http://` \
             only to 127.0.0.1, ::1 or localhost)",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\nurl = \"not a url\"\n",
            "2:7: `alerts.targets.\"slack://#x\".url` is not a URL: relative URL without a base",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\nurl = 5\n",
            "2:7: `alerts.targets.\"slack://#x\".url` must be a string",
        ),
        (
            "[alerts.targets.\"slack://#x\"]\n",
            "1:17: `alerts.targets.\"slack://#x\"` has no `url`",
        ),
        (
            "[alerts.targets]\n\"sms://123\" = { url = \"https://h.example\" }\n",
            "2:1: alert target \"sms://123\" must be `slack://`, `pagerduty://`, `webhook://` \
             or `email://` followed by a name, as in the policy's `notify`",
        ),
        (
            "[alerts.targets]\n\"slack://\" = { url = \"https://h.example\" }\n",
            "2:1: alert target \"slack://\" must be `slack://`, `pagerduty://`, `webhook://` \
             or `email://` followed by a name, as in the policy's `notify`",
        ),
        (
            "[alerts.targets]\n\"slack://#x\" = \"https://h.example\"\n",
            "2:1: `alerts.targets.\"slack://#x\"` must be a table with `url`",
        ),
        (
            "[alerts.targets.\"pagerduty://p\"]\nurl = \"https://h.example\"\n",
            "1:17: `alerts.targets.\"pagerduty://p\"` needs `routing_key`, the integration key \
             of the PagerDuty service",
        ),
        (
            "[alerts.targets.\"webhook://w\"]\nurl = \"https://h.example\"\nrouting_key = \"k\"\n",
            "3:15: `alerts.targets.\"webhook://w\".routing_key` is only for `pagerduty://` \
             targets",
        ),
        (
            "[alerts.targets.\"webhook://w\"]\nurl = \"https://h.example\"\nheaders = { \"bad name\" = \"x\" }\n",
            "3:13: `alerts.targets.\"webhook://w\".headers`: `bad name` is not a header name",
        ),
        (
            "[alerts.targets.\"webhook://w\"]\nurl = \"https://h.example\"\nheaders = { X = \"a\\nb\" }\n",
            "3:17: `alerts.targets.\"webhook://w\".headers.X` is not a valid header value",
        ),
        (
            "[alerts.targets.\"webhook://w\"]\nurl = \"https://h.example\"\nheaders = \"x\"\n",
            "3:11: `alerts.targets.\"webhook://w\".headers` must be a table of header names and \
             values",
        ),
        (
            "[alerts]\nqueue = 0\n",
            "2:9: `alerts.queue` must be an integer from 1 to 1000000",
        ),
        (
            "[alerts]\nworkers = \"4\"\n",
            "2:11: `alerts.workers` must be an integer from 1 to 64",
        ),
        (
            "[alerts]\ntimeout = -1\n",
            "2:11: `alerts.timeout` must be a number of seconds from 0.001 to 3600",
        ),
        ("alerts = 5\n", "1:10: `alerts` must be a table"),
        (
            "[alerts]\ntargets = 5\n",
            "2:11: `alerts.targets` must be a table",
        ),
        ("[alerts\n", "1:8: unclosed table, expected `]`"),
    ];
    for (text, expected) in cases {
        assert_eq!(error(text), *expected, "{text}");
    }
}

#[test]
fn errors_never_show_the_url() {
    let message = error(
        "[alerts.targets.\"slack://#x\"]\nurl = \"http://hooks.slack.com/services/T0/B0/secret\"\n",
    );
    assert!(!message.contains("secret"), "{message}");
}

#[test]
fn loopback_hosts_may_use_plain_http() {
    for url in [
        "http://127.0.0.1:8080/x",
        "http://127.1.2.3/x",
        "http://[::1]:9/x",
        "http://LOCALHOST/x",
    ] {
        let text = format!("[alerts.targets.\"webhook://w\"]\nurl = \"{url}\"\n");
        assert!(parse(&text).is_ok(), "{url}");
    }
    for url in ["http://10.0.0.1/x", "http://localhost.example.com/x"] {
        let text = format!("[alerts.targets.\"webhook://w\"]\nurl = \"{url}\"\n");
        assert!(parse(&text).is_err(), "{url}");
    }
}
