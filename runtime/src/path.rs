//! `args.path` normalisation (§6.2): what a `path` selector compares is the path a server is
//! asked for, so `/public/../admin` is `/admin`. Dot segments are removed as RFC 3986 §5.2.4
//! does (their WHATWG spellings `%2e` and `%2e%2e` included), repeated `/` collapse, and `\`
//! separates segments as WHATWG parsers read it in `http(s)` URLs. A path whose `..` would
//! climb above its root cannot be normalised.

use std::fmt;

/// A `..` segment would climb above the root (`/../etc`, `a/../../b`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClimbsAboveRoot;

impl fmt::Display for ClimbsAboveRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a path that climbs above `/`")
    }
}

/// Writes the normalised `path` into `out` (cleared first). An absolute path stays absolute
/// and a path ending in a directory (`/`, `/.`, `/..`) keeps its final `/`.
pub fn normalize_path(path: &str, out: &mut String) -> Result<(), ClimbsAboveRoot> {
    out.clear();
    // `out` holds `/segment` for every kept segment, absolute or not, until the end.
    let mut directory = false;
    for segment in path.split(['/', '\\']) {
        directory = true;
        if segment.is_empty() || is_dot(segment) {
            continue;
        }
        if is_dot_dot(segment) {
            let parent = out.rfind('/').ok_or(ClimbsAboveRoot)?;
            out.truncate(parent);
            continue;
        }
        out.push('/');
        out.push_str(segment);
        directory = false;
    }
    if directory && (!out.is_empty() || path.starts_with(['/', '\\'])) {
        out.push('/');
    }
    if !path.starts_with(['/', '\\']) && out.starts_with('/') {
        out.remove(0);
    }
    Ok(())
}

fn is_dot(segment: &str) -> bool {
    segment == "." || segment.eq_ignore_ascii_case("%2e")
}

fn is_dot_dot(segment: &str) -> bool {
    segment == ".."
        || segment.eq_ignore_ascii_case(".%2e")
        || segment.eq_ignore_ascii_case("%2e.")
        || segment.eq_ignore_ascii_case("%2e%2e")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        let cases: &[(&str, Result<&str, ClimbsAboveRoot>)] = &[
            ("/v1/chat", Ok("/v1/chat")),
            ("/v1/chat/", Ok("/v1/chat/")),
            ("/", Ok("/")),
            ("", Ok("")),
            ("//v1///chat", Ok("/v1/chat")),
            ("/public/../admin/x", Ok("/admin/x")),
            ("/a/./b/.", Ok("/a/b/")),
            ("/a/b/..", Ok("/a/")),
            ("/a/..", Ok("/")),
            ("/a/%2E%2e/admin", Ok("/admin")),
            ("/a/.%2e/admin", Ok("/admin")),
            ("/a/%2e/b", Ok("/a/b")),
            ("/public\\..\\admin", Ok("/admin")),
            ("a/b/../c", Ok("a/c")),
            ("a/..", Ok("")),
            ("./a", Ok("a")),
            ("...", Ok("...")),
            ("/..", Err(ClimbsAboveRoot)),
            ("/a/../..", Err(ClimbsAboveRoot)),
            ("../a", Err(ClimbsAboveRoot)),
            ("/a/%2e%2e/%2e%2e/etc", Err(ClimbsAboveRoot)),
        ];
        let mut out = String::new();
        for (path, expect) in cases {
            let got = normalize_path(path, &mut out).map(|()| out.as_str());
            assert_eq!(got, *expect, "{path:?}");
        }
    }
}
