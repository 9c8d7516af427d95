//! A positioned reader of YAML and JSON documents (one reader: JSON is read as YAML 1.2) into a
//! small tree of scalars, lists and mappings with byte ranges. It refuses what a policy never
//! needs and what makes reading unbounded or ambiguous: anchors and aliases (so no alias bomb can
//! expand), tags, duplicate keys, non-scalar keys, more than one document and nesting deeper than
//! 64 levels.

use fpl_syntax::{TextRange, TextSize};
use saphyr_parser::{Event, Parser, ScalarStyle};

/// The deepest nesting of lists and mappings a document may have (as FPL's, SPEC §3 note 6).
pub const MAX_DEPTH: usize = 64;

/// A node of a document with the bytes it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// What the node is.
    pub kind: NodeKind,
    /// The bytes it spans (a quoted scalar's quotes included).
    pub range: TextRange,
}

/// A scalar, a list or a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A scalar: its value and how it was written.
    Scalar(ScalarNode),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, its entries in document order (keys are scalars, each at most once).
    Map(Vec<(Node, Node)>),
}

/// A scalar's value and how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalarNode {
    /// The value, escapes and folding resolved.
    pub text: String,
    /// Whether it was quoted (or a block scalar): then it is always a string.
    pub quoted: bool,
    /// Where the value's characters are in the source, when the value is written there as it is
    /// (no escape, no folding): diagnostics inside it then point at the exact character.
    pub content: Option<TextRange>,
}

/// Why a document could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// What is wrong, lowercase.
    pub message: String,
    /// Where.
    pub range: TextRange,
}

impl NodeKind {
    /// What the node is, for messages: `a mapping`, `a list`, `a value`.
    pub fn describe(&self) -> &'static str {
        match self {
            NodeKind::Scalar(_) => "a value",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// Reads a document; `None` for a document with no content (an empty file or only comments).
pub fn read(text: &str) -> Result<Option<Node>, ReadError> {
    let mut offsets = Offsets::new(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|error| {
            let at = offsets.byte(error.marker().index());
            ReadError {
                message: format!("invalid YAML: {}", error.info()),
                range: TextRange::empty(at),
            }
        })?;
        let range = TextRange::new(
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        let fail = |message: &str| ReadError {
            message: message.to_string(),
            range,
        };
        let node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(fail("a policy file holds one YAML document"));
                }
                continue;
            }
            Event::Alias(_) => {
                return Err(fail(
                    "aliases (`*name`) are not allowed in policy files: write the value out",
                ));
            }
            Event::Scalar(value, style, anchor, tag) => {
                refuse_anchor_and_tag(anchor, tag.is_some(), range)?;
                let quoted = !matches!(style, ScalarStyle::Plain);
                let range = match style {
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                        quoted_range(text, range)
                    }
                    _ => range,
                };
                Node {
                    kind: NodeKind::Scalar(ScalarNode {
                        content: content_range(text, &value, range, quoted),
                        text: value.into_owned(),
                        quoted,
                    }),
                    range,
                }
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                refuse_anchor_and_tag(anchor, tag.is_some(), range)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(fail("nesting deeper than 64 levels"));
                }
                let is_map = matches!(event, Event::MappingStart(..));
                stack.push(Frame {
                    start: range.start(),
                    items: Vec::new(),
                    is_map,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else {
                    continue;
                };
                let end = range.end().max(frame.start);
                frame.finish(end)?
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {
                continue;
            }
        };
        match stack.last_mut() {
            Some(frame) => frame.items.push(node),
            None => root = Some(node),
        }
    }
    Ok(root)
}

/// The comments of a document that [`read`] read into `root`: where each `#` is and the text
/// after it. A `#` is a comment when it starts a line or follows a space or tab, outside every
/// scalar.
pub fn comments(text: &str, root: Option<&Node>) -> Vec<(TextSize, String)> {
    let mut scalars = Vec::new();
    if let Some(root) = root {
        scalar_ranges(root, &mut scalars);
    }
    scalars.sort_by_key(|range| range.start());
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let bytes = line.as_bytes();
        for (index, byte) in bytes.iter().enumerate() {
            let at = TextSize::from((line_start + index) as u32);
            let starts = *byte == b'#' && (index == 0 || matches!(bytes[index - 1], b' ' | b'\t'));
            if starts && !scalars.iter().any(|range| range.contains(at)) {
                let body = line[index + 1..].trim_end();
                out.push((at, body.to_string()));
                break;
            }
        }
        line_start += line.len();
    }
    out
}

fn scalar_ranges(node: &Node, out: &mut Vec<TextRange>) {
    match &node.kind {
        NodeKind::Scalar(_) => out.push(node.range),
        NodeKind::Seq(items) => items.iter().for_each(|item| scalar_ranges(item, out)),
        NodeKind::Map(entries) => entries.iter().for_each(|(key, value)| {
            scalar_ranges(key, out);
            scalar_ranges(value, out);
        }),
    }
}

/// A list or mapping being read.
struct Frame {
    start: TextSize,
    items: Vec<Node>,
    is_map: bool,
}

impl Frame {
    fn finish(self, end: TextSize) -> Result<Node, ReadError> {
        let range = TextRange::new(self.start, end);
        if !self.is_map {
            return Ok(Node {
                kind: NodeKind::Seq(self.items),
                range,
            });
        }
        let mut entries: Vec<(Node, Node)> = Vec::with_capacity(self.items.len() / 2);
        let mut items = self.items.into_iter();
        while let (Some(key), Some(value)) = (items.next(), items.next()) {
            let NodeKind::Scalar(name) = &key.kind else {
                return Err(ReadError {
                    message: format!("a key must be a plain name, not {}", key.kind.describe()),
                    range: key.range,
                });
            };
            let seen = entries.iter().any(|(earlier, _)| match &earlier.kind {
                NodeKind::Scalar(earlier) => earlier.text == name.text,
                _ => false,
            });
            if seen {
                return Err(ReadError {
                    message: format!("duplicate key `{}`", name.text),
                    range: key.range,
                });
            }
            entries.push((key, value));
        }
        Ok(Node {
            kind: NodeKind::Map(entries),
            range,
        })
    }
}

/// The range of a quoted scalar that starts where `range` does, up to its closing quote: the
/// parser's range may run on over the spaces and comment after it.
fn quoted_range(text: &str, range: TextRange) -> TextRange {
    let start = usize::from(range.start());
    let bytes = text.as_bytes();
    let Some(&quote) = bytes.get(start) else {
        return range;
    };
    let mut index = start + 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' if quote == b'"' => index += 2,
            b'\'' if quote == b'\'' && bytes.get(index + 1) == Some(&b'\'') => index += 2,
            byte if byte == quote => {
                return TextRange::new(range.start(), TextSize::from(index as u32 + 1));
            }
            _ => index += 1,
        }
    }
    range
}

fn refuse_anchor_and_tag(anchor: usize, tagged: bool, range: TextRange) -> Result<(), ReadError> {
    let message = if anchor != 0 {
        "anchors (`&name`) are not allowed in policy files: write the value out"
    } else if tagged {
        "tags (`!name`) are not allowed in policy files"
    } else {
        return Ok(());
    };
    Err(ReadError {
        message: message.to_string(),
        range,
    })
}

/// Where `value` is written as it is inside `range`: the whole range for a plain scalar, the
/// range without its quotes for a quoted one.
fn content_range(text: &str, value: &str, range: TextRange, quoted: bool) -> Option<TextRange> {
    let inner = if quoted {
        let (start, end) = (usize::from(range.start()), usize::from(range.end()));
        (end >= start + 2).then(|| {
            TextRange::new(
                range.start() + TextSize::from(1),
                range.end() - TextSize::from(1),
            )
        })?
    } else {
        range
    };
    (text.get(inner.start().into()..inner.end().into()) == Some(value)).then_some(inner)
}

/// Turns the parser's character indexes into byte offsets, walking forward from the last one.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    chars: usize,
    bytes: usize,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        Offsets {
            text,
            ascii: text.is_ascii(),
            chars: 0,
            bytes: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> TextSize {
        if self.ascii {
            return TextSize::from(char_index.min(self.text.len()) as u32);
        }
        if char_index < self.chars {
            self.chars = 0;
            self.bytes = 0;
        }
        for c in self.text[self.bytes..].chars() {
            if self.chars == char_index {
                break;
            }
            self.chars += 1;
            self.bytes += c.len_utf8();
        }
        TextSize::from(self.bytes as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        match read(text) {
            Err(error) => format!(
                "{}..{}: {}",
                u32::from(error.range.start()),
                u32::from(error.range.end()),
                error.message
            ),
            Ok(node) => panic!("read: {node:?}"),
        }
    }

    #[test]
    fn scalars_know_where_their_characters_are() {
        let text = "a: plain\nb: \"quoted\"\nc: 'it''s'\n";
        let Some(Node {
            kind: NodeKind::Map(entries),
            ..
        }) = read(text).expect("reads")
        else {
            panic!("not a map");
        };
        let contents: Vec<Option<&str>> = entries
            .iter()
            .map(|(_, value)| match &value.kind {
                NodeKind::Scalar(scalar) => scalar.content.map(|range| &text[range]),
                _ => None,
            })
            .collect();
        assert_eq!(contents, [Some("plain"), Some("quoted"), None]);
        assert_eq!(&text[entries[1].1.range], "\"quoted\"");
    }

    #[test]
    fn bad_documents_are_refused_where_they_go_wrong() {
        assert_eq!(error("a: 1\na: 2\n"), "5..6: duplicate key `a`");
        assert!(error("a: &x [1]\nb: *x\n").contains("anchors"));
        assert!(error("b: *x\n").contains("invalid YAML") || error("b: *x\n").contains("aliases"));
        assert!(error("a: !!str x\n").contains("tags"));
        assert!(error("a: 1\n---\nb: 2\n").contains("one YAML document"));
        assert!(
            error(&format!("{}1{}", "[".repeat(70), "]".repeat(70))).contains("deeper than 64")
        );
        assert!(
            error("a: [1, 2\n").starts_with("9..9: invalid YAML")
                || error("a: [1, 2\n").contains("invalid YAML")
        );
    }

    #[test]
    fn non_ascii_text_is_located_in_bytes() {
        let text = "é: \"ü\"\nb: c\n";
        let Some(Node {
            kind: NodeKind::Map(entries),
            ..
        }) = read(text).expect("reads")
        else {
            panic!("not a map");
        };
        assert_eq!(&text[entries[1].1.range], "c");
    }

    #[test]
    fn comments_are_found_outside_scalars_only() {
        let text = "# top\na: \"x # not\" # after\nb: c#d\n";
        let root = read(text).expect("reads");
        let found: Vec<String> = comments(text, root.as_ref())
            .into_iter()
            .map(|(_, body)| body)
            .collect();
        assert_eq!(found, [" top", " after"]);
    }

    #[test]
    fn an_empty_document_has_no_root() {
        assert_eq!(read("# only a comment\n"), Ok(None));
    }
}
