//! FPL regular expressions translated to solver regular expressions, from the high-level IR
//! that `regex-syntax` makes of the pattern exactly as the runtime compiles it (Unicode on,
//! `{` rewritten as `fpl_runtime::regex_source` does). Flags such as `(?i)` (case folding is
//! already applied to the IR's classes), classes, groups, alternation and repetitions up to 64
//! translate directly.
//!
//! Assertions are zero-width, so they are kept only where the characters around them are
//! known: `^` and `$` at the ends, and word boundaries (`\b`, `\B`, `\b{start}`, …, Unicode or
//! ASCII) in the pattern's outermost sequence next to items whose first or last character is
//! always a word character or never one, or at its ends, where the character of the
//! surrounding text is then chosen: `\bX` searched anywhere is `(|.*\W)X`. Anything else
//! (line anchors, assertions inside groups, byte classes) is outside the fragment: the caller
//! then treats the match as an uninterpreted predicate.
//!
//! Classes must treat alike all characters of each of two groups: the word characters above
//! U+2FFFF with those of CJK Extension B, and the other characters above U+2FFFF with the
//! private-use area. The solver's strings stop at U+2FFFF, so a request character above it
//! behaves like a character of its group that no literal of the query names (see
//! `solver.rs`).

use std::sync::OnceLock;

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look};

use super::term::Re;

/// The largest repetition bound translated.
const MAX_REPEAT: u32 = 64;

/// The language of strings in which `pattern` finds a match (unanchored search), if the
/// pattern is in the supported fragment.
pub fn search_language(pattern: &str) -> Option<Re> {
    let source = fpl_runtime::regex_source::rust_source(pattern);
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(&source)
        .ok()?;
    let mut items: Vec<&Hir> = match hir.kind() {
        HirKind::Concat(items) => items.iter().collect(),
        _ => vec![&hir],
    };
    let mut prefix = Context::Free;
    let mut suffix = Context::Free;
    if items.first().is_some_and(|item| is_look(item, Look::Start)) {
        items.remove(0);
        prefix = Context::Edge;
    }
    if items.last().is_some_and(|item| is_look(item, Look::End)) {
        items.pop();
        suffix = Context::Edge;
    }
    Outer::new(items, prefix, suffix)?.language()
}

fn is_look(hir: &Hir, look: Look) -> bool {
    matches!(hir.kind(), HirKind::Look(it) if *it == look)
}

/// What lies before (after) the pattern's outermost sequence: any text, or the string's edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Free,
    Edge,
}

/// The character next to an assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The string's start or end.
    Edge,
    /// A word character.
    Word,
    /// Any other character.
    Other,
}

/// Which word-character class an assertion reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Words {
    Unicode,
    Ascii,
}

/// Whether an assertion holds, given whether the characters before and after it are word
/// characters.
type Holds = fn(bool, bool) -> bool;

/// A word assertion: its class and whether it holds between two sides.
fn word_look(look: Look) -> Option<(Words, Holds)> {
    let (words, holds): (Words, Holds) = match look {
        Look::WordUnicode => (Words::Unicode, |before, after| before != after),
        Look::WordAscii => (Words::Ascii, |before, after| before != after),
        Look::WordUnicodeNegate => (Words::Unicode, |before, after| before == after),
        Look::WordAsciiNegate => (Words::Ascii, |before, after| before == after),
        Look::WordStartUnicode => (Words::Unicode, |before, after| !before && after),
        Look::WordStartAscii => (Words::Ascii, |before, after| !before && after),
        Look::WordEndUnicode => (Words::Unicode, |before, after| before && !after),
        Look::WordEndAscii => (Words::Ascii, |before, after| before && !after),
        Look::WordStartHalfUnicode => (Words::Unicode, |before, _| !before),
        Look::WordStartHalfAscii => (Words::Ascii, |before, _| !before),
        Look::WordEndHalfUnicode => (Words::Unicode, |_, after| !after),
        Look::WordEndHalfAscii => (Words::Ascii, |_, after| !after),
        _ => return None,
    };
    Some((words, holds))
}

/// The outermost sequence: its items and the sides its ends may meet.
struct Outer<'a> {
    items: Vec<&'a Hir>,
    /// Word assertions, by index of the item they stand before (`items.len()`: at the end).
    looks: Vec<(usize, Look)>,
    words: Option<Words>,
    prefix: Context,
    suffix: Context,
}

impl<'a> Outer<'a> {
    fn new(all: Vec<&'a Hir>, prefix: Context, suffix: Context) -> Option<Outer<'a>> {
        let mut outer = Outer {
            items: Vec::new(),
            looks: Vec::new(),
            words: None,
            prefix,
            suffix,
        };
        for item in all {
            match item.kind() {
                HirKind::Look(look) => {
                    let (words, _) = word_look(*look)?;
                    // One class of word characters per pattern keeps the ends' choice simple.
                    if outer.words.is_some_and(|it| it != words) {
                        return None;
                    }
                    outer.words = Some(words);
                    outer.looks.push((outer.items.len(), *look));
                }
                _ => outer.items.push(item),
            }
        }
        Some(outer)
    }

    fn language(&self) -> Option<Re> {
        let body = Re::Concat(
            self.items
                .iter()
                .map(|item| translate(item))
                .collect::<Option<_>>()?,
        );
        let Some(words) = self.words else {
            return Some(Re::Concat(vec![
                ends(self.prefix, None, Words::Unicode, true),
                body,
                ends(self.suffix, None, Words::Unicode, false),
            ]));
        };
        let class = word_class(words);
        let sides = |context| match context {
            Context::Free => vec![Side::Edge, Side::Word, Side::Other],
            Context::Edge => vec![Side::Edge],
        };
        // Each choice of the two outer sides that every assertion allows.
        let mut choices = Vec::new();
        for before in sides(self.prefix) {
            for after in sides(self.suffix) {
                if self.allowed(before, after, class)? {
                    choices.push(Re::Concat(vec![
                        ends(self.prefix, Some(before), words, true),
                        body.clone(),
                        ends(self.suffix, Some(after), words, false),
                    ]));
                }
            }
        }
        Some(Re::Union(choices))
    }

    /// Whether every assertion holds when the text before the sequence ends on `first` and the
    /// text after it starts on `last`; `None` when an item next to an assertion is neither
    /// always nor never a word character.
    fn allowed(&self, first: Side, last: Side, class: &ClassUnicode) -> Option<bool> {
        for (at, look) in &self.looks {
            let (_, holds) = word_look(*look)?;
            let before = match at.checked_sub(1) {
                None => first,
                Some(index) => side_of(end_set(self.items[index], false)?, class)?,
            };
            let after = match self.items.get(*at) {
                None => last,
                Some(item) => side_of(end_set(item, true)?, class)?,
            };
            if !holds(before == Side::Word, after == Side::Word) {
                return Some(false);
            }
        }
        Some(true)
    }
}

/// The text before (`leading`) or after the outermost sequence, ending (starting) on `side`:
/// any text when the side is free, nothing at the string's edge.
fn ends(context: Context, side: Option<Side>, words: Words, leading: bool) -> Re {
    let class = |negated: bool| {
        let mut class = word_class(words).clone();
        if negated {
            class.negate();
        }
        class_re(&class)
    };
    let next = match (context, side) {
        (Context::Edge, _) | (_, Some(Side::Edge)) => return Re::Concat(Vec::new()),
        (Context::Free, None) => return Re::All,
        (Context::Free, Some(side)) => class(side == Side::Other),
    };
    if leading {
        Re::Concat(vec![Re::All, next])
    } else {
        Re::Concat(vec![next, Re::All])
    }
}

/// Whether every character of `set` is a word character, or none is.
fn side_of(set: ClassUnicode, words: &ClassUnicode) -> Option<Side> {
    let mut outside = set.clone();
    outside.difference(words);
    if outside.ranges().is_empty() {
        return Some(Side::Word);
    }
    let mut inside = set;
    inside.intersect(words);
    inside.ranges().is_empty().then_some(Side::Other)
}

/// The characters a match of `hir` can start (`first`) or end with; `None` when it can be
/// empty or holds an assertion.
fn end_set(hir: &Hir, first: bool) -> Option<ClassUnicode> {
    match hir.kind() {
        HirKind::Literal(literal) => {
            let text = std::str::from_utf8(&literal.0).ok()?;
            let c = if first {
                text.chars().next()?
            } else {
                text.chars().next_back()?
            };
            Some(ClassUnicode::new([ClassUnicodeRange::new(c, c)]))
        }
        HirKind::Class(Class::Unicode(class)) => Some(class.clone()),
        HirKind::Capture(capture) => end_set(&capture.sub, first),
        HirKind::Repetition(repetition) if repetition.min > 0 => end_set(&repetition.sub, first),
        HirKind::Concat(items) => {
            end_set(if first { items.first()? } else { items.last()? }, first)
        }
        HirKind::Alternation(branches) => {
            let mut set = ClassUnicode::empty();
            for branch in branches {
                set.union(&end_set(branch, first)?);
            }
            Some(set)
        }
        _ => None,
    }
}

/// A sub-expression without assertions as a solver language.
fn translate(hir: &Hir) -> Option<Re> {
    Some(match hir.kind() {
        HirKind::Empty => Re::Concat(Vec::new()),
        HirKind::Literal(literal) => Re::Literal(std::str::from_utf8(&literal.0).ok()?.into()),
        HirKind::Class(Class::Unicode(class)) if groups_alike(class) => class_re(class),
        HirKind::Capture(capture) => translate(&capture.sub)?,
        HirKind::Concat(items) => Re::Concat(items.iter().map(translate).collect::<Option<_>>()?),
        HirKind::Alternation(branches) => {
            Re::Union(branches.iter().map(translate).collect::<Option<_>>()?)
        }
        HirKind::Repetition(repetition) => {
            let sub = translate(&repetition.sub)?;
            match (repetition.min, repetition.max) {
                (min, Some(max)) if max <= MAX_REPEAT => Re::Loop(Box::new(sub), min, max),
                (0, None) => Re::Star(Box::new(sub)),
                (min, None) if min <= MAX_REPEAT => Re::Concat(vec![
                    Re::Loop(Box::new(sub.clone()), min, min),
                    Re::Star(Box::new(sub)),
                ]),
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn class_re(class: &ClassUnicode) -> Re {
    Re::Class(
        class
            .iter()
            .map(|range| (range.start(), range.end()))
            .collect(),
    )
}

/// The word characters of `\w` (Unicode) or `(?-u:\w)`.
fn word_class(words: Words) -> &'static ClassUnicode {
    match words {
        Words::Unicode => &classes().words,
        Words::Ascii => &classes().ascii_words,
    }
}

/// Classes computed once.
struct Classes {
    words: ClassUnicode,
    ascii_words: ClassUnicode,
    /// The two groups of characters a translated class must hold all or none of.
    groups: [ClassUnicode; 2],
}

fn classes() -> &'static Classes {
    static CLASSES: OnceLock<Classes> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let words = match regex_syntax::parse("\\w").map(|hir| hir.into_kind()) {
            Ok(HirKind::Class(Class::Unicode(class))) => class,
            // `\w` is a Unicode class in the default configuration.
            _ => ClassUnicode::empty(),
        };
        let ascii_words = ClassUnicode::new(
            [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')]
                .map(|(low, high)| ClassUnicodeRange::new(low, high)),
        );
        let span = |low: char, high: char| ClassUnicode::new([ClassUnicodeRange::new(low, high)]);
        let high = span('\u{30000}', '\u{10FFFF}');
        let group = |word: bool, representatives: ClassUnicode| {
            let mut side = words.clone();
            if !word {
                side.negate();
            }
            let mut above = high.clone();
            above.intersect(&side);
            let mut low = representatives;
            low.intersect(&side);
            above.union(&low);
            above
        };
        Classes {
            groups: [
                group(true, span('\u{20000}', '\u{2A6DF}')),
                group(false, span('\u{E000}', '\u{F8FF}')),
            ],
            words,
            ascii_words,
        }
    })
}

/// Whether `class` holds all or none of each group's characters.
fn groups_alike(class: &ClassUnicode) -> bool {
    classes().groups.iter().all(|group| {
        let mut common = class.clone();
        common.intersect(group);
        common.ranges().is_empty() || common == *group
    })
}

#[cfg(test)]
mod tests {
    use super::search_language;

    #[test]
    fn fragment() {
        assert!(search_language("^[a-z]+@corp\\.com$").is_some());
        assert!(search_language("(DROP|DELETE)\\s+TABLE").is_some());
        assert!(search_language("(?i)drop").is_some());
        assert!(search_language("(?i:drop) table").is_some());
        assert!(search_language("\\bdrop\\b").is_some());
        assert!(search_language("(?i)\\b(DROP|TRUNCATE|DELETE|UPDATE|GRANT)\\b").is_some());
        assert!(search_language("[^a]").is_some());
        assert!(search_language("\\w+").is_some());
        assert!(search_language("[\\d\\s]").is_some());
        // A boundary next to an item that may or may not be a word character.
        assert!(search_language("a\\b.").is_none());
        // A boundary inside a group, line anchors, a letter class that splits the groups.
        assert!(search_language("(\\bdrop)").is_none());
        assert!(search_language("(?m)^drop").is_none());
        assert!(search_language("a|^b").is_none());
        assert!(search_language("\\pL").is_none());
        // Unicode and ASCII boundaries in one pattern.
        assert!(search_language("\\bdrop(?-u:\\b)").is_none());
    }

    /// The language agrees with the runtime's search on every string of up to three
    /// characters over an alphabet of word and other characters.
    #[test]
    fn agrees_with_the_runtime() {
        let patterns = [
            "(?i)\\bab\\b",
            "\\Ba",
            "a\\B",
            "^\\ba",
            "\\b",
            "\\B",
            "(?-u:\\b)é",
            "\\b{start}a",
            "a\\b{end}",
            "a\\b b",
            "a\\bb",
            "(?i)A",
            "é\\b",
            "^(a|b)$",
        ];
        let alphabet = ['a', 'A', 'b', ' ', 'é', '-'];
        let mut strings = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
        }
        for pattern in patterns {
            let runtime = fpl_runtime::regex_source::compile(pattern).expect("valid");
            let language = search_language(pattern).expect("in the fragment");
            let solver =
                regex::Regex::new(&format!("^(?:{})$", language.to_regex_source())).expect("ok");
            for text in &strings {
                assert_eq!(
                    solver.is_match(text),
                    runtime.is_match(text),
                    "{pattern} on {text:?}"
                );
            }
        }
    }
}
