//! Tool patterns (SPEC §6.2) as regular expressions over tool names, and a quick exact test of
//! whether two patterns can match a common tool, used to pre-group rules before the solver.

use super::term::Re;

/// The characters a tool segment may hold (SPEC §5: `[A-Za-z0-9_.-]`, `/` separates segments).
fn is_segment_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn segment_char() -> Re {
    Re::Union(vec![
        Re::Range('a', 'z'),
        Re::Range('A', 'Z'),
        Re::Range('0', '9'),
        Re::Literal("_".into()),
        Re::Literal(".".into()),
        Re::Literal("-".into()),
    ])
}

/// One non-empty segment.
fn segment() -> Re {
    Re::Concat(vec![segment_char(), Re::Star(Box::new(segment_char()))])
}

/// One or more segments: every valid tool name.
fn segments() -> Re {
    Re::Concat(vec![
        segment(),
        Re::Star(Box::new(Re::Concat(vec![
            Re::Literal("/".into()),
            segment(),
        ]))),
    ])
}

/// Whether `name` is a valid tool name (SPEC §5): non-empty segments of valid characters.
pub fn is_valid_tool(name: &str) -> bool {
    name.split('/')
        .all(|part| !part.is_empty() && part.chars().all(is_segment_char))
}

/// The tool names `pattern` matches (SPEC §6.2). Only valid tool names are in the language, so
/// a query that requires some pattern to match needs no separate fact that the tool is valid.
pub fn pattern_regex(pattern: &str) -> Re {
    let parts: Vec<&str> = pattern.split('/').collect();
    let mut out = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.push(Re::Literal("/".into()));
        }
        let all_stars = !part.is_empty() && part.chars().all(|c| c == '*');
        if all_stars {
            // A final `*` (or `**`) is one or more segments, any other one segment.
            out.push(if index + 1 == parts.len() {
                segments()
            } else {
                segment()
            });
            continue;
        }
        if part.is_empty()
            || !part
                .chars()
                .all(|c| matches!(c, '*' | '?') || is_segment_char(c))
        {
            return Re::Empty;
        }
        let mut literal = String::new();
        for c in part.chars() {
            match c {
                '*' | '?' => {
                    if !literal.is_empty() {
                        out.push(Re::Literal(std::mem::take(&mut literal)));
                    }
                    out.push(if c == '*' {
                        Re::Star(Box::new(segment_char()))
                    } else {
                        segment_char()
                    });
                }
                _ => literal.push(c),
            }
        }
        if !literal.is_empty() {
            out.push(Re::Literal(literal));
        }
    }
    Re::Concat(out)
}

/// Whether the pattern has no glob character.
pub fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?'])
}

/// Whether some valid tool name matches both patterns.
pub fn overlap(a: &str, b: &str) -> bool {
    let a: Vec<&str> = a.split('/').collect();
    let b: Vec<&str> = b.split('/').collect();
    segments_overlap(&a, &b)
}

/// A last segment of stars only (`*`, `**`): one or more segments.
fn final_star(pattern: &[&str]) -> bool {
    matches!(pattern, [last] if !last.is_empty() && last.bytes().all(|b| b == b'*'))
}

fn satisfiable(pattern: &[&str]) -> bool {
    !pattern.is_empty() && pattern.iter().all(|segment| !segment.is_empty())
}

fn segments_overlap(a: &[&str], b: &[&str]) -> bool {
    if final_star(a) {
        return satisfiable(b);
    }
    if final_star(b) {
        return satisfiable(a);
    }
    match (a, b) {
        ([], []) => true,
        ([first_a, rest_a @ ..], [first_b, rest_b @ ..]) => {
            glob_overlap(first_a.as_bytes(), first_b.as_bytes()) && segments_overlap(rest_a, rest_b)
        }
        _ => false,
    }
}

/// Whether a non-empty segment matches both globs (`*` any run, `?` one character).
fn glob_overlap(a: &[u8], b: &[u8]) -> bool {
    // Depth-first search over pairs of positions, remembering whether a character was read.
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![(0usize, 0usize, false)];
    while let Some((i, j, read)) = stack.pop() {
        if !seen.insert((i, j, read)) {
            continue;
        }
        if i == a.len() && j == b.len() && read {
            return true;
        }
        // `*` may match nothing.
        if a.get(i) == Some(&b'*') {
            stack.push((i + 1, j, read));
        }
        if b.get(j) == Some(&b'*') {
            stack.push((i, j + 1, read));
        }
        // Read one character: both sides must accept it.
        let (Some(&x), Some(&y)) = (a.get(i), b.get(j)) else {
            continue;
        };
        let next = |c: u8, at: usize| if c == b'*' { at } else { at + 1 };
        let accepts = match (x, y) {
            (b'*' | b'?', b'*' | b'?') => true,
            (b'*' | b'?', c) | (c, b'*' | b'?') => c != b'/',
            (c, d) => c == d,
        };
        if accepts {
            stack.push((next(x, i), next(y, j), true));
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use fpl_runtime::pattern::Pattern;
    use proptest::prelude::*;

    use super::{is_valid_tool, overlap, pattern_regex};

    fn joined(parts: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(parts), 1..=max)
            .prop_map(|parts| parts.join("/"))
    }

    proptest! {
        /// A pattern's language is exactly the valid tool names the runtime matches with it, so
        /// a query that requires a pattern to match needs no fact that the tool is valid.
        #[test]
        fn pattern_languages_agree_with_the_runtime(
            pattern in joined(&["*", "**", "a", "ab", "a*", "*b", "?", "a?b", "a b"], 3),
            tool in joined(&["a", "ab", "b", "aab", "", "a b", "x.y-z"], 4),
        ) {
            let language = regex::Regex::new(&format!("^(?:{})$", pattern_regex(&pattern).to_regex_source()))
                .expect("the language compiles");
            let runtime = Pattern::tool(&pattern).is_ok_and(|compiled| compiled.matches(&tool));
            prop_assert_eq!(language.is_match(&tool), is_valid_tool(&tool) && runtime);
        }
    }

    #[test]
    fn overlaps() {
        assert!(overlap("shell/*", "shell/ls"));
        assert!(overlap("shell/*", "shell/ls/x"));
        assert!(!overlap("shell/*", "shell"));
        assert!(overlap("stripe/*/list", "stripe/customers/*"));
        assert!(!overlap("stripe/*/list", "stripe/customers/get"));
        assert!(overlap("read_*", "*_file"));
        assert!(!overlap("read_?", "read_ab"));
        assert!(overlap("*", "a/b/c"));
        assert!(!overlap("a/b", "a/c"));
        assert!(overlap("a/**", "a/b/c"));
        assert!(!overlap("a/**", "a"));
    }
}
