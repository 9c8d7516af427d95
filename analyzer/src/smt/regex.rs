//! A fragment of Rust regular-expression syntax translated to solver regular expressions.
//!
//! Supported: literals, escaped punctuation, `.`, classes `[a-z0-9_]` (not negated), `\d \s`
//! (with their Unicode meaning, as the runtime's `regex` crate reads them), groups, alternation,
//! `* + ? {n} {n,} {n,m}`, and `^`/`$` at the ends. Anything else (flags, `\w`, negated classes,
//! word boundaries, look-arounds) is outside the fragment: the caller then treats the match as
//! an uninterpreted predicate.

use super::term::Re;

/// The language of strings in which `pattern` finds a match (unanchored search), if the
/// pattern is in the supported fragment.
pub fn search_language(pattern: &str) -> Option<Re> {
    let chars: Vec<char> = pattern.chars().collect();
    let (start, anchored_start) = match chars.first() {
        Some('^') => (1, true),
        _ => (0, false),
    };
    let (end, anchored_end) = match chars.last() {
        Some('$') if chars.len() > start && !escaped_at(&chars, chars.len() - 1) => {
            (chars.len() - 1, true)
        }
        _ => (chars.len(), false),
    };
    let mut parser = Parser {
        chars: &chars[start..end],
        at: 0,
    };
    let body = parser.alternation()?;
    if parser.at != parser.chars.len() {
        return None;
    }
    let mut parts = Vec::new();
    if !anchored_start {
        parts.push(Re::All);
    }
    parts.push(body);
    if !anchored_end {
        parts.push(Re::All);
    }
    Some(Re::Concat(parts))
}

fn escaped_at(chars: &[char], index: usize) -> bool {
    let backslashes = chars[..index]
        .iter()
        .rev()
        .take_while(|c| **c == '\\')
        .count();
    backslashes % 2 == 1
}

struct Parser<'a> {
    chars: &'a [char],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn alternation(&mut self) -> Option<Re> {
        let mut branches = vec![self.sequence()?];
        while self.peek() == Some('|') {
            self.at += 1;
            branches.push(self.sequence()?);
        }
        Some(if branches.len() == 1 {
            branches.pop()?
        } else {
            Re::Union(branches)
        })
    }

    fn sequence(&mut self) -> Option<Re> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Some(Re::Concat(items))
    }

    fn quantified(&mut self, atom: Re) -> Option<Re> {
        let mut atom = atom;
        loop {
            atom = match self.peek() {
                Some('*') => Re::Star(Box::new(atom)),
                Some('+') => Re::Concat(vec![atom.clone(), Re::Star(Box::new(atom))]),
                Some('?') => Re::Loop(Box::new(atom), 0, 1),
                Some('{') => {
                    let close = self.chars[self.at..].iter().position(|c| *c == '}')?;
                    let inside: String = self.chars[self.at + 1..self.at + close].iter().collect();
                    let (min, max) = match inside.split_once(',') {
                        None => {
                            let n = inside.parse().ok()?;
                            (n, Some(n))
                        }
                        Some((min, "")) => (min.parse().ok()?, None),
                        Some((min, max)) => (min.parse().ok()?, Some(max.parse().ok()?)),
                    };
                    self.at += close;
                    match max {
                        Some(max) if max >= min && max <= 64 => Re::Loop(Box::new(atom), min, max),
                        None if min <= 64 => Re::Concat(vec![
                            Re::Loop(Box::new(atom.clone()), min, min),
                            Re::Star(Box::new(atom)),
                        ]),
                        _ => return None,
                    }
                }
                _ => return Some(atom),
            };
            self.at += 1;
            // A lazy or possessive suffix is not in the fragment.
            if self.peek() == Some('?') || self.peek() == Some('+') {
                return None;
            }
        }
    }

    fn atom(&mut self) -> Option<Re> {
        let c = self.peek()?;
        self.at += 1;
        match c {
            '.' => Some(Re::AnyExcept("\n".into())),
            '(' => {
                if self.peek() == Some('?') {
                    if self.chars.get(self.at + 1) == Some(&':') {
                        self.at += 2;
                    } else {
                        return None;
                    }
                }
                let inner = self.alternation()?;
                if self.peek() != Some(')') {
                    return None;
                }
                self.at += 1;
                Some(inner)
            }
            '[' => self.class(),
            '\\' => {
                let escaped = self.peek()?;
                self.at += 1;
                match escaped {
                    'd' | 's' => perl_class(escaped),
                    'n' => Some(Re::Literal("\n".into())),
                    't' => Some(Re::Literal("\t".into())),
                    c if c.is_ascii_punctuation() => Some(Re::Literal(c.to_string())),
                    _ => None,
                }
            }
            '^' | '$' | ')' | '|' | '*' | '+' | '?' | '{' | '}' | ']' => None,
            c if c.is_ascii() && !c.is_ascii_control() => Some(Re::Literal(c.to_string())),
            _ => None,
        }
    }

    fn class(&mut self) -> Option<Re> {
        if self.peek() == Some('^') {
            return None;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek()?;
            self.at += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let low = match c {
                '\\' => {
                    let escaped = self.peek()?;
                    self.at += 1;
                    match escaped {
                        'd' | 's' => {
                            items.push(perl_class(escaped)?);
                            continue;
                        }
                        c if c.is_ascii_punctuation() => c,
                        _ => return None,
                    }
                }
                '[' => return None,
                c if c.is_ascii() && !c.is_ascii_control() => c,
                _ => return None,
            };
            if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|c| *c != ']') {
                let high = *self.chars.get(self.at + 1)?;
                if !high.is_ascii() || high == '\\' || high < low {
                    return None;
                }
                self.at += 2;
                items.push(Re::Range(low, high));
            } else {
                items.push(Re::Literal(low.to_string()));
            }
        }
        Some(Re::Union(items))
    }
}

/// `\d` or `\s` as the `regex` crate reads them: Unicode decimal digits or white space.
fn perl_class(name: char) -> Option<Re> {
    use regex_syntax::hir::{Class, HirKind};
    let hir = regex_syntax::parse(&format!("\\{name}")).ok()?;
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => Some(Re::Union(
            class
                .iter()
                .map(|range| Re::Range(range.start(), range.end()))
                .collect(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::search_language;

    #[test]
    fn fragment() {
        assert!(search_language("^[a-z]+@corp\\.com$").is_some());
        assert!(search_language("(DROP|DELETE)\\s+TABLE").is_some());
        assert!(search_language("(?i)drop").is_none());
        assert!(search_language("\\bdrop\\b").is_none());
        assert!(search_language("[^a]").is_none());
        // `\w` holds letters beyond the characters the solver's strings hold.
        assert!(search_language("\\w+").is_none());
        assert!(search_language("[\\d\\s]").is_some());
    }
}
