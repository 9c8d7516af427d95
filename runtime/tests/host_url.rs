//! Egress reads hosts as a WHATWG URL parser (the `url` crate) connects to them, and fails
//! closed: on hosts and URLs built from the pieces attackers use (`\`, `@`, `#`, `%`, dots,
//! numeric hosts, IPv6, IDNA labels, odd slashes), whenever the runtime and the `url` crate
//! would read different hosts, the decision is a deny.

#[path = "support/host_oracle.rs"]
mod host_oracle;

use fpl_runtime::{read_host, read_url_host};
use host_oracle::{check, whatwg_host};
use proptest::prelude::*;

const SCHEMES: &[&str] = &["https", "http", "HTTPS", "ws", "wss", "ftp", "foo", "h2"];
const BAD_SCHEMES: &[&str] = &["file", "1x", ""];
const AFTER_SCHEME: &[&str] = &["://"];
const BAD_AFTER_SCHEME: &[&str] = &[":/", ":", ":///", ":\\\\", ":/\\", "://\\", ":\\/"];
const USERINFO: &[&str] = &["", "u@", "u:p@", "evil.com:443@", ":@", "@", "%41@"];
const BAD_USERINFO: &[&str] = &["a@b@", "evil.example\\@", "%4@", "a b@", "[@"];
const LABELS: &[&str] = &[
    "api", "stripe", "com", "Evil", "_x", "A_1", "a-b", "127", "1", "0", "255", "x9",
];
const BAD_LABELS: &[&str] = &[
    "xn--bad-",
    "xn--nxasmq6b",
    "-a",
    "a-",
    "0x7f",
    "0X",
    "0x",
    "256",
    "010",
    "ab--c",
    "ü",
    "a!b",
    "a%2e",
    "%65",
    "",
    "*",
    "a b",
];
const IPV6: &[&str] = &[
    "::1",
    "1:2:3:4:5:6:7:8",
    "0:0::1",
    "::",
    "1:2:3:4:5:6:7::",
    "ABCD::eF",
];
const BAD_IPV6: &[&str] = &[
    "::ffff:1.2.3.4",
    "fe80::1%25eth0",
    "1::2::3",
    ":1::",
    "12345::",
    "1:2:3:4:5:6:7:8:9",
];
const PORTS: &[&str] = &["", ":443", ":0443", ":65535"];
const BAD_PORTS: &[&str] = &[":", ":65536", ":x", ":1:2", ":99999999999"];
const TAILS: &[&str] = &[
    "",
    "/",
    "/@api.stripe.com",
    "?@api.stripe.com",
    "#@api.stripe.com",
    "/a b",
    "/..",
];
const BAD_TAILS: &[&str] = &[
    "\\@api.stripe.com",
    ":443/@api.stripe.com",
    " ",
    "\t",
    "@api.stripe.com",
];
const NOISE: &[char] = &[
    '\\', '/', '@', '#', '?', '%', ' ', '\t', '\n', '.', ':', '[', ']', '\0', 'é', '\u{7f}', '-',
    '\u{3002}',
];

/// Mostly one of `good`, sometimes one of `bad`.
fn pick(
    good: &'static [&'static str],
    bad: &'static [&'static str],
) -> BoxedStrategy<&'static str> {
    prop_oneof![5 => prop::sample::select(good), 1 => prop::sample::select(bad)].boxed()
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (
            prop::collection::vec(pick(LABELS, BAD_LABELS), 1..5),
            prop::sample::select(&["", "", ".", ".."][..]),
        )
            .prop_map(|(labels, end)| labels.join(".") + end),
        1 => (pick(IPV6, BAD_IPV6), any::<bool>())
            .prop_map(|(v6, bracket)| if bracket { format!("[{v6}]") } else { v6.to_owned() }),
    ]
}

/// Inserts up to two noise characters at random places.
fn noisy(base: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (
        base,
        prop_oneof![
            2 => Just(Vec::new()),
            1 => prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(NOISE)), 1..3),
        ],
    )
        .prop_map(|(mut text, noise)| {
            for (at, c) in noise {
                let boundaries: Vec<usize> = (0..=text.len())
                    .filter(|&i| text.is_char_boundary(i))
                    .collect();
                text.insert(*at.get(&boundaries), c);
            }
            text
        })
}

fn url() -> impl Strategy<Value = String> {
    noisy(
        (
            pick(SCHEMES, BAD_SCHEMES),
            pick(AFTER_SCHEME, BAD_AFTER_SCHEME),
            pick(USERINFO, BAD_USERINFO),
            host(),
            pick(PORTS, BAD_PORTS),
            pick(TAILS, BAD_TAILS),
        )
            .prop_map(|(scheme, after, userinfo, host, port, tail)| {
                format!("{scheme}{after}{userinfo}{host}{port}{tail}")
            }),
    )
}

fn bare_host() -> impl Strategy<Value = String> {
    noisy(
        (
            pick(&[""], USERINFO),
            host(),
            pick(PORTS, BAD_PORTS),
            pick(&[""], TAILS),
        )
            .prop_map(|(userinfo, host, port, tail)| format!("{userinfo}{host}{port}{tail}")),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn url_hosts_agree_with_the_url_crate_or_are_denied(url in url()) {
        check("url", &url, read_url_host(&url).ok(), whatwg_host(&url));
    }

    #[test]
    fn bare_hosts_agree_with_the_url_crate_or_are_denied(host in bare_host()) {
        check("host", &host, read_host(&host).ok(), whatwg_host(&format!("http://{host}/")));
    }
}

#[test]
fn well_formed_hosts_are_read_like_the_url_crate() {
    for url in [
        "https://api.stripe.com/v1",
        "HTTPS://API.Stripe.COM.:443/",
        "http://user:pw@10.0.0.1:8080/x",
        "wss://[2001:DB8::1]/",
        "https://under_score.example.com/",
    ] {
        let runtime = read_url_host(url).ok();
        assert!(runtime.is_some(), "{url} is readable");
        check("url", url, runtime, whatwg_host(url));
    }
}
