//! The lexical layer of the intent language: statements split into sentences, sentences into
//! tokens (words, money, numbers, percentages, quoted text, `#channels`), and words reduced to
//! stems so that "refunds", "refund" and "refunding" compare equal.

use fpl_syntax::literal::{SCALE, decimal_millionths};

/// One sentence of an intent file, with where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    /// 1-based line of the intent file.
    pub line: usize,
    /// 1-based column (in characters) where the sentence starts.
    pub column: usize,
    /// The sentence as written, without its final `.`, `!`, `?` or `;`.
    pub text: String,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A word (letters, digits, `-`, `_`, `/`, `.`, `*`, `@`, `:` …).
    Word,
    /// `$500`, `$50,000`, `$10.50`, `$5k`: millionths of a dollar.
    Money(i128),
    /// `20`, `1,000`, `0.8`: millionths.
    Number(i128),
    /// `80%`: the fraction in millionths (`0.8` is 800000).
    Percent(i128),
    /// `"…"` or `“…”`: the text inside.
    Quoted(String),
    /// `` `…` ``: the text inside, taken literally (a tool, field or argument name).
    Code(String),
    /// `#payments-oncall`
    Channel,
    /// `,`, `(`, `)`, `:` between words.
    Comma,
}

/// One token of a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// The text as written.
    pub text: String,
    /// The lowercased stem of a word; the lowercased text of anything else.
    pub stem: String,
    /// 1-based column (in characters) in the line.
    pub column: usize,
}

impl Token {
    /// Whether this is a word with the stem of `word`.
    pub fn is(&self, word: &str) -> bool {
        self.kind == TokenKind::Word && self.stem == stem(word)
    }

    /// Whether this is a word.
    pub fn is_word(&self) -> bool {
        self.kind == TokenKind::Word
    }
}

/// Splits an intent file into sentences: `#` lines are comments, a sentence ends at the end of
/// its line or at `.`, `!`, `?` or `;` followed by a space (never inside quotes).
pub fn sentences(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    for (index, line) in lines(text).enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut start = 0;
        let mut quote: Option<char> = None;
        for (at, &c) in chars.iter().enumerate() {
            if let Some(open) = quote {
                if c == closing(open) {
                    quote = None;
                }
                continue;
            }
            if matches!(c, '"' | '“' | '`') {
                quote = Some(c);
                continue;
            }
            let ends = matches!(c, '.' | '!' | '?' | ';')
                && chars.get(at + 1).is_none_or(|next| next.is_whitespace());
            if ends {
                push_sentence(&mut out, index + 1, &chars, start, at);
                start = at + 1;
            }
        }
        push_sentence(&mut out, index + 1, &chars, start, chars.len());
    }
    out
}

/// The lines of an intent file, split at LF, CRLF and a lone CR (SPEC §2), as [`sentences`]
/// numbers them.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .flat_map(|line| line.strip_suffix('\r').unwrap_or(line).split('\r'))
}

fn push_sentence(out: &mut Vec<Sentence>, line: usize, chars: &[char], start: usize, end: usize) {
    let piece = &chars[start..end];
    let leading = piece.iter().take_while(|c| c.is_whitespace()).count();
    let text: String = piece[leading..].iter().collect();
    let text = text.trim_end();
    if !text.is_empty() {
        out.push(Sentence {
            line,
            column: start + leading + 1,
            text: text.to_string(),
        });
    }
}

fn closing(open: char) -> char {
    match open {
        '“' => '”',
        other => other,
    }
}

/// Splits a sentence into tokens; `column` is where the sentence starts in its line.
pub(crate) fn tokenize(text: &str, column: usize) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        let token_column = column + at;
        if c.is_whitespace() {
            at += 1;
        } else if matches!(c, ',' | '(' | ')' | ':' | ';' | '[' | ']') {
            tokens.push(simple(TokenKind::Comma, c.to_string(), token_column));
            at += 1;
        } else if matches!(c, '"' | '“' | '`') {
            let close = closing(c);
            let end = chars[at + 1..]
                .iter()
                .position(|d| *d == close)
                .map_or(chars.len(), |offset| at + 1 + offset);
            let inner: String = chars[at + 1..end].iter().collect();
            let written: String = chars[at..(end + 1).min(chars.len())].iter().collect();
            let kind = if c == '`' {
                TokenKind::Code(inner)
            } else {
                TokenKind::Quoted(inner)
            };
            tokens.push(simple(kind, written, token_column));
            at = end + 1;
        } else {
            let mut end = at;
            while end < chars.len() && is_word_char(&chars, end) {
                end += 1;
            }
            let mut word: String = chars[at..end].iter().collect();
            while word.len() > 1 && word.ends_with(['.', ':', '!', '?', '\'']) {
                word.pop();
            }
            tokens.push(classify(word, token_column));
            at = end.max(at + 1);
        }
    }
    tokens
}

/// Whether `chars[at]` continues a word: anything but whitespace, quotes and separators, and a
/// `,` only between digits (`50,000`).
fn is_word_char(chars: &[char], at: usize) -> bool {
    let c = chars[at];
    if c == ',' {
        let digit = |i: Option<usize>| {
            i.and_then(|i| chars.get(i))
                .is_some_and(char::is_ascii_digit)
        };
        return digit(at.checked_sub(1)) && digit(Some(at + 1));
    }
    if c == ':' {
        // `slack://x` keeps its colon; `Agent:` does not.
        return chars.get(at + 1) == Some(&'/');
    }
    !c.is_whitespace() && !matches!(c, '(' | ')' | ';' | '"' | '“' | '”' | '`' | '[' | ']')
}

fn simple(kind: TokenKind, text: String, column: usize) -> Token {
    Token {
        kind,
        stem: text.to_lowercase(),
        text,
        column,
    }
}

fn classify(word: String, column: usize) -> Token {
    if let Some(amount) = word.strip_prefix('$').and_then(amount) {
        return simple(TokenKind::Money(amount), word, column);
    }
    if let Some(percent) = word
        .strip_suffix('%')
        .and_then(amount)
        .and_then(|value| value.checked_div(100))
    {
        return simple(TokenKind::Percent(percent), word, column);
    }
    if word.starts_with(|c: char| c.is_ascii_digit())
        && let Some(number) = amount(&word)
    {
        return simple(TokenKind::Number(number), word, column);
    }
    if word.len() > 1 && word.starts_with('#') {
        return simple(TokenKind::Channel, word, column);
    }
    Token {
        kind: TokenKind::Word,
        stem: stem(&word),
        text: word,
        column,
    }
}

/// `50,000`, `10.50` or `5k` in millionths.
fn amount(text: &str) -> Option<i128> {
    let (digits, factor) = match text.strip_suffix(['k', 'K']) {
        Some(digits) => (digits, 1000),
        None => (text, 1),
    };
    let plain: String = digits.chars().filter(|c| *c != ',').collect();
    if plain.starts_with('-') {
        return None;
    }
    decimal_millionths(&plain)?.checked_mul(factor)
}

/// A number token's value as a whole count, when it is one.
pub(crate) fn whole(millionths: i128) -> Option<u64> {
    (millionths % SCALE == 0)
        .then(|| u64::try_from(millionths / SCALE).ok())
        .flatten()
}

/// The stem of a word: lowercase, without plural and verb endings, so "charges", "charge" and
/// "charging" share `charg`, and "issues", "issued", "issuing" share `issu`.
pub(crate) fn stem(word: &str) -> String {
    let mut w = word.to_lowercase();
    if let Some(base) = w.strip_suffix("'s") {
        w = base.to_string();
    }
    if w.chars().count() <= 3 || !w.chars().all(|c| c.is_alphabetic() || c == '\'') {
        return w;
    }
    if let Some(base) = w.strip_suffix("ies").filter(|base| base.len() >= 2) {
        return format!("{base}y");
    }
    if let Some(base) = w.strip_suffix("ied").filter(|base| base.len() >= 2) {
        return format!("{base}y");
    }
    let verb = w
        .strip_suffix("ings")
        .or_else(|| w.strip_suffix("ing"))
        .or_else(|| w.strip_suffix("ed"))
        .filter(|base| base.len() >= 3)
        .map(undouble);
    if let Some(base) = verb {
        return strip_final_e(base);
    }
    if let Some(base) = w.strip_suffix("es").filter(|base| base.len() >= 3) {
        return strip_final_e(base.to_string());
    }
    if w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w.pop();
    }
    strip_final_e(w)
}

/// `runn` → `run`, `stopp` → `stop`, but `call`, `pass` stay.
fn undouble(base: &str) -> String {
    let mut chars: Vec<char> = base.chars().collect();
    let n = chars.len();
    if n >= 3 && chars[n - 1] == chars[n - 2] && !matches!(chars[n - 1], 'l' | 's' | 'z' | 'e') {
        chars.pop();
    }
    chars.into_iter().collect()
}

fn strip_final_e(mut word: String) -> String {
    if word.len() >= 3 && word.ends_with('e') && !word.ends_with("ee") {
        word.pop();
    }
    word
}

/// The stems of a phrase written in a table, e.g. `"database writes"` → `["databas", "writ"]`.
pub(crate) fn phrase_stems(phrase: &str) -> Vec<String> {
    tokenize(phrase, 1)
        .into_iter()
        .map(|token| token.stem)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_agree_across_forms() {
        for group in [
            &["charges", "charge", "charging", "charged"][..],
            &["refunds", "refund", "refunding"],
            &["issues", "issue", "issuing", "issued"],
            &["writes", "write", "writing"],
            &["denied", "deny", "denies"],
            &["requires", "require", "required"],
            &["deferred", "defer", "defers"],
            &["databases", "database"],
            &["services", "service"],
            &["restarts", "restart", "restarting", "restarted"],
            &["emails", "email"],
            &["running", "run", "runs"],
            &["warnings", "warning", "warn"],
        ] {
            let stems: Vec<String> = group.iter().map(|word| stem(word)).collect();
            assert!(
                stems.windows(2).all(|pair| pair[0] == pair[1]),
                "{group:?} → {stems:?}"
            );
        }
        assert_eq!(stem("read"), "read");
        assert_eq!(stem("access"), "access");
        assert_eq!(stem("is"), "is");
        assert_ne!(stem("call"), stem("cal"));
    }

    #[test]
    fn sentences_split_at_terminators_outside_quotes() {
        let found = sentences(
            "# comment\nDeny shell commands. Allow refunds up to $10.50; log \"a. b\" here\r\n\n  Last one!",
        );
        let texts: Vec<(usize, usize, &str)> = found
            .iter()
            .map(|s| (s.line, s.column, s.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            vec![
                (2, 1, "Deny shell commands"),
                (2, 22, "Allow refunds up to $10.50"),
                (2, 50, "log \"a. b\" here"),
                (4, 3, "Last one"),
            ]
        );
    }

    #[test]
    fn tokens_classify_money_numbers_percent_and_channels() {
        let tokens = tokenize(
            "Charges over $50,000 (warn at 80%), 20 per #ops `stripe/*` “x y” slack://#a",
            1,
        );
        let kinds: Vec<&TokenKind> = tokens.iter().map(|t| &t.kind).collect();
        assert_eq!(
            kinds,
            vec![
                &TokenKind::Word,
                &TokenKind::Word,
                &TokenKind::Money(50_000_000_000),
                &TokenKind::Comma,
                &TokenKind::Word,
                &TokenKind::Word,
                &TokenKind::Percent(800_000),
                &TokenKind::Comma,
                &TokenKind::Comma,
                &TokenKind::Number(20_000_000),
                &TokenKind::Word,
                &TokenKind::Channel,
                &TokenKind::Code("stripe/*".into()),
                &TokenKind::Quoted("x y".into()),
                &TokenKind::Word,
            ]
        );
        assert_eq!(tokens[0].stem, "charg");
        assert_eq!(tokens[14].text, "slack://#a");
    }
}
