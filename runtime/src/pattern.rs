//! Tool patterns (§6.2): `/`-separated segments with `*` and `?` inside a segment, and a final
//! `*` segment matching one or more remaining segments. Compiled once; matching never allocates.

/// A compiled tool pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The one name matched, for patterns without wildcards (compared in one step).
    exact: Option<Box<str>>,
    segments: Box<[Segment]>,
    /// The last segment is exactly `*` (or `**`): it matches one or more remaining segments.
    open_tail: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(Box<str>),
    Glob(Box<str>),
}

/// Why a pattern is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The pattern is empty.
    #[error("empty pattern")]
    Empty,
    /// A segment is empty (`a//b`, `/a`, `a/`) where segments are required.
    #[error("empty segment")]
    EmptySegment,
}

impl Pattern {
    /// Compiles a tool pattern: non-empty segments required.
    pub fn tool(source: &str) -> Result<Pattern, PatternError> {
        if source.is_empty() {
            return Err(PatternError::Empty);
        }
        if source.split('/').any(str::is_empty) {
            return Err(PatternError::EmptySegment);
        }
        Ok(Pattern::compile(source))
    }

    /// Compiles a pattern that may hold empty segments (HTTP paths such as `/v1/chat/*`).
    pub fn lenient(source: &str) -> Result<Pattern, PatternError> {
        if source.is_empty() {
            return Err(PatternError::Empty);
        }
        Ok(Pattern::compile(source))
    }

    fn compile(source: &str) -> Pattern {
        let mut segments: Vec<Segment> = source
            .split('/')
            .map(|seg| {
                if !seg.is_empty() && seg.bytes().all(|b| b == b'*') {
                    Segment::Glob("*".into())
                } else if seg.contains(['*', '?']) {
                    Segment::Glob(collapse_stars(seg).into())
                } else {
                    Segment::Literal(seg.into())
                }
            })
            .collect();
        let open_tail = matches!(segments.last(), Some(Segment::Glob(g)) if &**g == "*");
        if open_tail {
            segments.pop();
        }
        let all_literal = !open_tail && segments.iter().all(|s| matches!(s, Segment::Literal(_)));
        let exact = all_literal.then(|| Box::<str>::from(source));
        Pattern {
            exact,
            segments: segments.into_boxed_slice(),
            open_tail,
        }
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        if let Some(exact) = &self.exact {
            return **exact == *name;
        }
        let mut parts = name.split('/');
        for segment in &self.segments {
            let Some(part) = parts.next() else {
                return false;
            };
            let ok = match segment {
                Segment::Literal(lit) => **lit == *part,
                Segment::Glob(glob) => glob_match(glob.as_bytes(), part),
            };
            if !ok {
                return false;
            }
        }
        if self.open_tail {
            parts.next().is_some()
        } else {
            parts.next().is_none()
        }
    }

    /// The literal first segment, if the pattern has one (used to index rules).
    pub fn literal_first_segment(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Literal(lit)) => Some(lit),
            _ => None,
        }
    }

    /// The one name an exact pattern matches (segments joined by `/`).
    pub fn exact_name(&self) -> String {
        let mut out = String::new();
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                out.push('/');
            }
            match segment {
                Segment::Literal(s) | Segment::Glob(s) => out.push_str(s),
            }
        }
        out
    }

    /// True when the pattern has no wildcard at all: it matches exactly one name.
    pub fn is_exact(&self) -> bool {
        self.exact.is_some()
    }
}

fn collapse_stars(seg: &str) -> String {
    let mut out = String::with_capacity(seg.len());
    for c in seg.chars() {
        if !(c == '*' && out.ends_with('*')) {
            out.push(c);
        }
    }
    out
}

/// Wildcard match of one segment: `*` any run of characters, `?` exactly one character.
fn glob_match(glob: &[u8], text: &str) -> bool {
    let text_bytes = text.as_bytes();
    let (mut g, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text_bytes.len() {
        match glob.get(g) {
            Some(b'*') => {
                star = Some((g, t));
                g += 1;
                continue;
            }
            Some(b'?') => {
                g += 1;
                t += char_len(text_bytes[t]);
                continue;
            }
            Some(&c) if c == text_bytes[t] => {
                g += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sg, st)) => {
                let next = st + char_len(text_bytes[st]);
                star = Some((sg, next));
                g = sg + 1;
                t = next;
            }
            None => return false,
        }
    }
    glob[g..].iter().all(|&c| c == b'*')
}

/// Length of the UTF-8 sequence starting with `lead`.
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "anything", true),
            ("*", "a/b/c", true),
            ("**", "a/b", true),
            ("shell/*", "shell/exec", true),
            ("shell/*", "shell/exec/bash", true),
            ("shell/*", "shell", false),
            ("shell/**", "shell/exec/bash", true),
            ("stripe/*/list", "stripe/customers/list", true),
            ("stripe/*/list", "stripe/a/b/list", false),
            ("read_*", "read_", true),
            ("read_*", "read_file", true),
            ("read_*", "read/file", false),
            ("read_?", "read_x", true),
            ("read_?", "read_é", true),
            ("read_?", "read_xy", false),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "aXbY", false),
            ("Stripe/charge", "stripe/charge", false),
            ("stripe/charge", "stripe/charge", true),
            ("stripe/charge", "stripe/charge/x", false),
            ("*/charge", "stripe/charge", true),
            ("*/charge", "charge", false),
        ];
        for (pattern, name, expect) in cases {
            let p = Pattern::tool(pattern).expect("valid pattern");
            assert_eq!(p.matches(name), *expect, "{pattern} vs {name}");
        }
    }

    #[test]
    fn malformed() {
        assert_eq!(Pattern::tool(""), Err(PatternError::Empty));
        assert_eq!(Pattern::tool("a//b"), Err(PatternError::EmptySegment));
        assert_eq!(Pattern::tool("/a"), Err(PatternError::EmptySegment));
        assert!(Pattern::lenient("/v1/chat/*").is_ok_and(|p| p.matches("/v1/chat/completions")));
    }
}
