//! Host patterns and host normalisation (§6.1 step 3): exact, `*.suffix` (also the bare suffix)
//! and `*`, compared ignoring ASCII case. Normalising never allocates: it returns a slice.

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
    /// Compiles a host pattern; `None` for any other form (`a*.com`, `*`-inside, empty).
    pub fn parse(source: &str) -> Option<HostPattern> {
        if source == "*" {
            return Some(HostPattern::Any);
        }
        let lower = source.to_ascii_lowercase();
        let lower = lower.strip_suffix('.').unwrap_or(&lower);
        let (suffix, body) = match lower.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, lower),
        };
        if body.is_empty() || !body.bytes().all(is_host_byte) {
            return None;
        }
        Some(if suffix {
            HostPattern::Suffix(body.into())
        } else {
            HostPattern::Exact(body.into())
        })
    }

    /// Whether a normalised host matches (case-insensitively).
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Exact(exact) => host.eq_ignore_ascii_case(exact),
            HostPattern::Suffix(suffix) => {
                if host.len() == suffix.len() {
                    return host.eq_ignore_ascii_case(suffix);
                }
                host.len() > suffix.len()
                    && host.is_char_boundary(host.len() - suffix.len() - 1)
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
                    && host[host.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
            }
        }
    }
}

fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'[' | b']' | b':')
}

/// Normalises a host value: strips userinfo, port and a trailing dot. `None` when it is not a
/// plausible host. Case is left alone: [`HostPattern::matches`] ignores ASCII case.
pub fn normalize_host(raw: &str) -> Option<&str> {
    let host = match raw.rfind('@') {
        Some(at) => &raw[at + 1..],
        None => raw,
    };
    let host = if host.starts_with('[') {
        // IPv6 literal: keep the brackets, drop a port after them.
        let close = host.find(']')?;
        let rest = &host[close + 1..];
        if !(rest.is_empty() || rest.strip_prefix(':').is_some_and(is_port)) {
            return None;
        }
        &host[..=close]
    } else {
        match host.rfind(':') {
            Some(colon) if is_port(&host[colon + 1..]) => &host[..colon],
            Some(_) => return None,
            None => host,
        }
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || !host.bytes().all(is_host_byte) {
        return None;
    }
    Some(host)
}

fn is_port(text: &str) -> bool {
    !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Extracts and normalises the host of a URL (`scheme://[userinfo@]host[:port][/…]`).
pub fn host_of_url(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    normalize_host(&rest[..end])
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
        ];
        for (pattern, host, expect) in cases {
            let p = HostPattern::parse(pattern).expect("valid host pattern");
            assert_eq!(p.matches(host), *expect, "{pattern} vs {host}");
        }
        for bad in ["", "a*.com", "*.", "*x.com", "a.*.com", "exa mple.com"] {
            assert_eq!(HostPattern::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn normalisation() {
        let cases: &[(&str, Option<&str>)] = &[
            ("api.x.com", Some("api.x.com")),
            ("api.x.com:443", Some("api.x.com")),
            ("user:pw@api.x.com.", Some("api.x.com")),
            ("[::1]:8080", Some("[::1]")),
            ("api.x.com:https", None),
            ("", None),
            ("a b", None),
        ];
        for (raw, expect) in cases {
            assert_eq!(normalize_host(raw), *expect, "{raw}");
        }
        assert_eq!(
            host_of_url("https://u@API.x.com:8443/p?q#f"),
            Some("API.x.com")
        );
        assert_eq!(host_of_url("https://x.com?a=b"), Some("x.com"));
        assert_eq!(host_of_url("not a url"), None);
        assert_eq!(host_of_url("https:///path"), None);
    }
}
