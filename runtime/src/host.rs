//! Hosts (§6.1 step 3): reading `args.host` as a strict bare host, reading the host of `args.url`
//! as a WHATWG URL parser would connect to it, and host patterns (exact, `*.suffix`, `*`).
//!
//! Reading fails closed: whatever a WHATWG parser and an RFC 3986 parser could read as two
//! different hosts, and whatever this reader cannot check without Unicode tables, is an error,
//! so egress denies it. What is accepted reads the same under both: a domain of ASCII letters,
//! digits, `-` and `_` (lowercased by callers' case-insensitive comparison), a canonical
//! dotted-quad IPv4 address, or a bracketed IPv6 address. Reading never allocates: it returns
//! a slice of its input, without port, userinfo or trailing dot.

use std::fmt;

/// Why a value is not a host the runtime can read. Egress denies it (`EGRESS_DENIED`); a `host`
/// selector reading it is a condition error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostError {
    /// The value is not a string.
    NotAString,
    /// A bare host holds `\`, `%`, `#`, `?`, `/`, `@`, whitespace, a control or non-ASCII character.
    Forbidden,
    /// Not a well-formed host: empty or over-long labels, a label with a leading or trailing
    /// hyphen, characters outside `[A-Za-z0-9_-]`, a bad port.
    Malformed,
    /// A number-like host that is not a canonical dotted quad (`127.1`, `0x7f.0.0.1`, `a.123`).
    AmbiguousAddress,
    /// An IDNA (`xn--`) or other reserved `??--` label: its Unicode form cannot be checked here.
    ReservedLabel,
    /// An IPv6 address with an embedded IPv4 part or a zone.
    UnsupportedAddress,
    /// Not an absolute URL with an authority (`scheme://host…`), or a `file:` URL.
    NotNetworkUrl,
    /// A URL whose host two common parsers read differently: `\` in or ending the authority,
    /// several `@`, characters an RFC 3986 userinfo may not hold.
    AmbiguousUrl,
}

impl HostError {
    /// A short description, completing "`args.host` is …".
    pub fn as_str(self) -> &'static str {
        match self {
            HostError::NotAString => "not a string",
            HostError::Forbidden => {
                "a host holding `\\`, `%`, `#`, `?`, `/`, `@`, whitespace or a control character"
            }
            HostError::Malformed => "a malformed host",
            HostError::AmbiguousAddress => "a number-like host that is not a dotted-quad address",
            HostError::ReservedLabel => "a host with an IDNA (`xn--`) or reserved label",
            HostError::UnsupportedAddress => "an IPv6 address with an IPv4 part or a zone",
            HostError::NotNetworkUrl => "not a URL with a network host",
            HostError::AmbiguousUrl => "a URL whose host URL parsers read differently",
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Longest host name (without a trailing dot) and label, as DNS allows.
const MAX_NAME: usize = 253;
const MAX_LABEL: usize = 63;

/// Reads a bare host (`args.host`): `name`, `a.b.c.d` or `[v6]`, optionally `:port`.
pub fn read_host(raw: &str) -> Result<&str, HostError> {
    let forbidden =
        |b: u8| matches!(b, b'\\' | b'%' | b'#' | b'?' | b'/' | b'@') || b <= b' ' || b >= 0x7f;
    if raw.bytes().any(forbidden) {
        return Err(HostError::Forbidden);
    }
    host_and_port(raw)
}

/// Reads the host of a URL (`args.url`) as a WHATWG URL parser connects to it. Anything a
/// WHATWG parser and an RFC 3986 parser would read differently is an error.
pub fn read_url_host(url: &str) -> Result<&str, HostError> {
    // WHATWG strips leading and trailing C0 controls and spaces and removes every tab and
    // newline; others do not.
    if url.bytes().any(|b| b < b' ' || b == 0x7f) || url.starts_with(' ') || url.ends_with(' ') {
        return Err(HostError::AmbiguousUrl);
    }
    let (scheme, rest) = url.split_once(':').ok_or(HostError::NotNetworkUrl)?;
    let mut scheme_bytes = scheme.bytes();
    let scheme_ok = scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme_bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok || scheme.eq_ignore_ascii_case("file") {
        return Err(HostError::NotNetworkUrl);
    }
    // Exactly two slashes: WHATWG skips any run of `/` and `\` after a special scheme.
    let after = rest.strip_prefix("//").ok_or(HostError::NotNetworkUrl)?;
    if after.starts_with(['/', '\\']) {
        return Err(HostError::AmbiguousUrl);
    }
    let end = after.find(['/', '?', '#', '\\']).unwrap_or(after.len());
    // `\` ends the authority for WHATWG (special schemes), not for RFC 3986.
    if after.as_bytes().get(end) == Some(&b'\\') {
        return Err(HostError::AmbiguousUrl);
    }
    let authority = &after[..end];
    let host_port = match authority.split_once('@') {
        None => authority,
        Some((userinfo, host_port)) => {
            if host_port.contains('@') || !is_rfc3986_userinfo(userinfo) {
                return Err(HostError::AmbiguousUrl);
            }
            host_port
        }
    };
    if host_port.is_empty() {
        return Err(HostError::NotNetworkUrl);
    }
    read_host(host_port)
}

/// RFC 3986 `userinfo`: unreserved, sub-delims, `:` and `%XX`.
fn is_rfc3986_userinfo(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        let allowed = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
            );
        if !allowed {
            return false;
        }
        i += 1;
    }
    true
}

/// `name[:port]` or `[v6][:port]`, returning the host without port and trailing dot.
fn host_and_port(text: &str) -> Result<&str, HostError> {
    let (host, port) = if let Some(inner) = text.strip_prefix('[') {
        let close = inner.find(']').ok_or(HostError::Malformed)?;
        check_ipv6(&inner[..close])?;
        let rest = &inner[close + 1..];
        let port = match rest.strip_prefix(':') {
            Some(port) => Some(port),
            None if rest.is_empty() => None,
            None => return Err(HostError::Malformed),
        };
        (&text[..close + 2], port)
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if let Some(port) = port {
        check_port(port)?;
    }
    if host.starts_with('[') {
        return Ok(host);
    }
    let host = host.strip_suffix('.').unwrap_or(host);
    check_name(host)?;
    Ok(host)
}

/// A port: one or more digits, at most 65535.
fn check_port(port: &str) -> Result<(), HostError> {
    let mut value = 0u32;
    for b in port.bytes() {
        if !b.is_ascii_digit() {
            return Err(HostError::Malformed);
        }
        value = value.saturating_mul(10).saturating_add(u32::from(b - b'0'));
    }
    if port.is_empty() || value > 65_535 {
        return Err(HostError::Malformed);
    }
    Ok(())
}

/// A domain name or a canonical dotted-quad IPv4 address (no trailing dot).
fn check_name(host: &str) -> Result<(), HostError> {
    if host.is_empty() || host.len() > MAX_NAME {
        return Err(HostError::Malformed);
    }
    for label in host.split('.') {
        let bytes = label.as_bytes();
        if bytes.is_empty()
            || bytes.len() > MAX_LABEL
            || bytes[0] == b'-'
            || bytes[bytes.len() - 1] == b'-'
            || !bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
        {
            return Err(HostError::Malformed);
        }
        if bytes.get(2..4) == Some(b"--") {
            return Err(HostError::ReservedLabel);
        }
    }
    if ends_in_number(host) && !is_dotted_quad(host) {
        return Err(HostError::AmbiguousAddress);
    }
    Ok(())
}

/// WHATWG's "ends in a number": the last label is all digits or `0x` and hex digits, so a
/// WHATWG parser reads the whole host as an IPv4 address (`127.1`, `0x7f.1`, `1.2.3.010`).
fn ends_in_number(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or(host);
    let all_digits = !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit());
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()));
    all_digits || hex
}

/// Four decimal parts 0–255 without leading zeros: the form every parser reads the same.
fn is_dotted_quad(host: &str) -> bool {
    let mut parts = 0;
    for part in host.split('.') {
        parts += 1;
        let ok = !part.is_empty()
            && part.len() <= 3
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'))
            && part.parse::<u16>().is_ok_and(|n| n <= 255);
        if !ok {
            return false;
        }
    }
    parts == 4
}

/// An IPv6 address of hex pieces with at most one `::`; embedded IPv4 and zones are refused.
fn check_ipv6(text: &str) -> Result<(), HostError> {
    if text.contains(['.', '%']) {
        return Err(HostError::UnsupportedAddress);
    }
    let pieces = |part: &str| -> Result<usize, HostError> {
        if part.is_empty() {
            return Ok(0);
        }
        let mut count = 0;
        for piece in part.split(':') {
            if piece.is_empty() || piece.len() > 4 || !piece.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(HostError::Malformed);
            }
            count += 1;
        }
        Ok(count)
    };
    match text.split_once("::") {
        Some((left, right)) => {
            if right.contains("::") || pieces(left)? + pieces(right)? > 7 {
                return Err(HostError::Malformed);
            }
            Ok(())
        }
        None if pieces(text)? == 8 => Ok(()),
        None => Err(HostError::Malformed),
    }
}

/// A compiled host pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    /// `*`: every host.
    Any,
    /// An exact host (stored lowercase).
    Exact(Box<str>),
    /// `*.suffix`: the suffix itself or any host ending in `.suffix` (stored lowercase).
    Suffix(Box<str>),
}

impl HostPattern {
    /// Compiles a host pattern: `*`, `*.` and a domain, or a domain or dotted-quad address
    /// (a trailing dot is ignored); `None` for any other form (`a*.com`, `*.`, `a..b`, `xn--…`).
    /// A pattern matches exactly the hosts [`read_host`] and [`read_url_host`] return.
    pub fn parse(source: &str) -> Option<HostPattern> {
        if source == "*" {
            return Some(HostPattern::Any);
        }
        let (suffix, body) = match source.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, source),
        };
        let body = body.strip_suffix('.').unwrap_or(body);
        check_name(body).ok()?;
        if suffix && ends_in_number(body) {
            return None;
        }
        let lower: Box<str> = body.to_ascii_lowercase().into();
        Some(if suffix {
            HostPattern::Suffix(lower)
        } else {
            HostPattern::Exact(lower)
        })
    }

    /// Whether a host read by [`read_host`] or [`read_url_host`] matches, ignoring ASCII case.
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Exact(exact) => host.eq_ignore_ascii_case(exact),
            HostPattern::Suffix(suffix) => {
                let Some(cut) = host.len().checked_sub(suffix.len()) else {
                    return false;
                };
                let tail_matches = host
                    .get(cut..)
                    .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix));
                tail_matches && (cut == 0 || host.as_bytes()[cut - 1] == b'.')
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "anything.com", true),
            ("api.openai.com", "API.OpenAI.com", true),
            ("api.openai.com", "x.api.openai.com", false),
            ("*.wikimedia.org", "wikimedia.org", true),
            ("*.wikimedia.org", "en.wikimedia.org", true),
            ("*.wikimedia.org", "a.b.wikimedia.org", true),
            ("*.wikimedia.org", "evilwikimedia.org", false),
            ("*.Wikimedia.org.", "EN.wikimedia.org", true),
            ("10.0.0.1", "10.0.0.1", true),
            ("*", "[::1]", true),
        ];
        for (pattern, host, expect) in cases {
            let p = HostPattern::parse(pattern).expect("valid host pattern");
            assert_eq!(p.matches(host), *expect, "{pattern} vs {host}");
        }
        let bad = [
            "",
            "a*.com",
            "*.",
            "*x.com",
            "a.*.com",
            "exa mple.com",
            "a..b.com",
            ".x.com",
            "-a.com",
            "xn--bad-.x.com",
            "xn--p1ai",
            "*.1.2",
            "127.1",
            "[::1]",
            "a.com:443",
            "*.*",
        ];
        for bad in bad {
            assert_eq!(HostPattern::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn bare_hosts() {
        let cases: &[(&str, Result<&str, HostError>)] = &[
            ("api.x.com", Ok("api.x.com")),
            ("API.x.com:443", Ok("API.x.com")),
            ("api.x.com.", Ok("api.x.com")),
            ("api.x.com.:8080", Ok("api.x.com")),
            ("under_score.x.com", Ok("under_score.x.com")),
            ("127.0.0.1:80", Ok("127.0.0.1")),
            ("[::1]:8080", Ok("[::1]")),
            (
                "[2001:db8::8:800:200c:417a]",
                Ok("[2001:db8::8:800:200c:417a]"),
            ),
            ("[1:2:3:4:5:6:7:8]", Ok("[1:2:3:4:5:6:7:8]")),
            ("evil.com#@api.stripe.com", Err(HostError::Forbidden)),
            ("evil.com/@api.stripe.com", Err(HostError::Forbidden)),
            ("evil.com?@api.stripe.com", Err(HostError::Forbidden)),
            ("evil.com\\@api.stripe.com", Err(HostError::Forbidden)),
            ("evil.com:443/@api.stripe.com", Err(HostError::Forbidden)),
            ("user@api.x.com", Err(HostError::Forbidden)),
            ("%65vil.com", Err(HostError::Forbidden)),
            ("a b", Err(HostError::Forbidden)),
            ("a.com\t", Err(HostError::Forbidden)),
            ("bücher.de", Err(HostError::Forbidden)),
            ("", Err(HostError::Malformed)),
            (".x.com", Err(HostError::Malformed)),
            ("a..x.com", Err(HostError::Malformed)),
            ("a.com..", Err(HostError::Malformed)),
            ("-a.x.com", Err(HostError::Malformed)),
            ("a-.x.com", Err(HostError::Malformed)),
            ("a!b.com", Err(HostError::Malformed)),
            ("api.x.com:https", Err(HostError::Malformed)),
            ("api.x.com:", Err(HostError::Malformed)),
            ("api.x.com:65536", Err(HostError::Malformed)),
            ("api.x.com:1:2", Err(HostError::Malformed)),
            ("xn--bad-.x.com", Err(HostError::Malformed)),
            ("xn--nxasmq6b.com", Err(HostError::ReservedLabel)),
            ("ab--cd.com", Err(HostError::ReservedLabel)),
            ("127.1", Err(HostError::AmbiguousAddress)),
            ("0x7f.0.0.1", Err(HostError::AmbiguousAddress)),
            ("1.2.3.010", Err(HostError::AmbiguousAddress)),
            ("2130706433", Err(HostError::AmbiguousAddress)),
            ("a.123", Err(HostError::AmbiguousAddress)),
            ("a.0x", Err(HostError::AmbiguousAddress)),
            ("256.0.0.1", Err(HostError::AmbiguousAddress)),
            ("[::ffff:1.2.3.4]", Err(HostError::UnsupportedAddress)),
            ("[fe80::1%25eth0]", Err(HostError::Forbidden)),
            ("[1:2:3:4:5:6:7:8:9]", Err(HostError::Malformed)),
            ("[1::2::3]", Err(HostError::Malformed)),
            ("[:1::]", Err(HostError::Malformed)),
            ("[::1]x", Err(HostError::Malformed)),
            ("[::1", Err(HostError::Malformed)),
        ];
        for (raw, expect) in cases {
            assert_eq!(read_host(raw), *expect, "{raw:?}");
        }
    }

    #[test]
    fn url_hosts() {
        let cases: &[(&str, Result<&str, HostError>)] = &[
            ("https://u:p@API.x.com:8443/p?q#f", Ok("API.x.com")),
            ("https://x.com?a=b", Ok("x.com")),
            ("https://x.com#f", Ok("x.com")),
            ("https://x.com./a b", Ok("x.com")),
            ("HTTP://[::1]:80/", Ok("[::1]")),
            ("wss://evil.com:80@api.stripe.com/", Ok("api.stripe.com")),
            ("https://x.com/a\\b", Ok("x.com")),
            ("foo://x.com/", Ok("x.com")),
            (
                "https://evil.example\\@api.stripe.com/",
                Err(HostError::AmbiguousUrl),
            ),
            ("https://evil.example\\", Err(HostError::AmbiguousUrl)),
            ("https://a@b@c.com/", Err(HostError::AmbiguousUrl)),
            ("https://a b@c.com/", Err(HostError::AmbiguousUrl)),
            ("https://a%zz@c.com/", Err(HostError::AmbiguousUrl)),
            ("https:///evil.com", Err(HostError::AmbiguousUrl)),
            ("https:\\\\evil.com", Err(HostError::NotNetworkUrl)),
            ("https:/evil.com", Err(HostError::NotNetworkUrl)),
            ("https:evil.com", Err(HostError::NotNetworkUrl)),
            (" https://evil.com", Err(HostError::AmbiguousUrl)),
            ("https://evil.com\n.x/", Err(HostError::AmbiguousUrl)),
            ("https://ev\til.com/", Err(HostError::AmbiguousUrl)),
            ("not a url", Err(HostError::NotNetworkUrl)),
            ("1https://x.com/", Err(HostError::NotNetworkUrl)),
            ("file://localhost/etc/passwd", Err(HostError::NotNetworkUrl)),
            ("https://", Err(HostError::NotNetworkUrl)),
            ("https://:443/", Err(HostError::Malformed)),
            ("https://%65vil.com/", Err(HostError::Forbidden)),
            ("https://127.1/", Err(HostError::AmbiguousAddress)),
        ];
        for (url, expect) in cases {
            assert_eq!(read_url_host(url), *expect, "{url:?}");
        }
    }
}
