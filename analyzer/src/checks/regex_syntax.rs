//! Regular expressions of `matches`: Rust `regex` syntax, except that a `{` which begins no
//! valid repetition is a literal `{` (as in RE2), compiled with a 1 MiB size limit (SPEC §4).

/// Compiled size limit of one regular expression.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Rewrites `pattern` so that every `{` which does not begin a repetition is escaped.
pub fn translate_regex(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.char_indices().peekable();
    let mut in_class = false;
    while let Some((index, c)) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` right after `[` or `[^` is a literal inside the class.
                if let Some(&(_, '^')) = chars.peek() {
                    out.push('^');
                    chars.next();
                }
                if let Some(&(_, ']')) = chars.peek() {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '{' if !in_class && !begins_repetition(&pattern[index..]) => out.push_str("\\{"),
            '}' if !in_class && !closes_repetition(&out) => out.push_str("\\}"),
            _ => out.push(c),
        }
    }
    out
}

/// Whether `text` (starting at `{`) is `{n}`, `{n,}` or `{n,m}`.
fn begins_repetition(text: &str) -> bool {
    let Some(end) = text.find('}') else {
        return false;
    };
    let inner = &text[1..end];
    let (low, high) = inner.split_once(',').unwrap_or((inner, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(low.trim()) && (high.trim().is_empty() || digits(high.trim()))
}

/// Whether the output so far ends inside an unescaped `{n,m` repetition.
fn closes_repetition(out: &str) -> bool {
    match out.rfind('{') {
        Some(open) => {
            let escaped = out[..open].ends_with('\\') && !out[..open].ends_with("\\\\");
            !escaped
                && out[open + 1..]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b',' || b == b' ')
        }
        None => false,
    }
}

/// Compiles a pattern of `matches` as the runtime will, or says why it cannot.
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(&translate_regex(pattern))
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|error| match error {
            regex::Error::CompiledTooBig(_) => {
                "regular expression compiles to more than 1 MiB".to_string()
            }
            other => other
                .to_string()
                .lines()
                .last()
                .unwrap_or("invalid regular expression")
                .trim()
                .to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_without_repetition_are_literal() {
        let fork_bomb = ":(){:|:&};:";
        let regex = compile_regex(fork_bomb).expect("valid as in RE2");
        assert!(regex.is_match("run :(){:|:&};: now"));
        assert!(compile_regex("a{2}").expect("repetition").is_match("aa"));
        assert!(!compile_regex("^a{2}$").expect("repetition").is_match("a"));
        assert!(compile_regex("x{").expect("literal").is_match("x{"));
        assert!(compile_regex("[{}]").expect("class").is_match("}"));
        assert!(compile_regex("(unclosed").is_err());
    }
}
