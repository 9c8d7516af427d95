//! `faramesh import` into a YAML or JSON policy (SPEC §11): the reference joins the document's
//! `imports` list where a person would write it, and the rest of the file stays as it was.
//! The document is read by the form's positioned reader; what cannot be edited so with
//! certainty (an `imports` that is not a list) is left to the user, and an edit is kept only
//! when the edited document reads back with the import in it (and a JSON file stays JSON).

use fpl_analyzer::form::{
    self,
    yaml::{self, Node, NodeKind},
};
use fpl_fmt::LineEnd;

use super::import::{leading_comments_end, line_end};

/// `text` with `reference` in its `imports:` list: unchanged when it is there; the `ref` of an
/// import of the same entry (`same_entry`, another version) replaced; else a new
/// `- { ref: "…" }` after the last item (or inside a `[ … ]` list), or a new `imports:` list
/// after the leading comments. `None` when the document cannot be edited so.
pub fn add_form_import(
    text: &str,
    reference: &str,
    same_entry: impl Fn(&str) -> bool,
) -> Option<String> {
    let quoted = serde_json::to_string(reference).ok()?;
    let nl = LineEnd::of(text).as_str();
    let edited = match yaml::read(text).ok()? {
        None => insert_list(text, &format!("{{ ref: {quoted} }}"), nl),
        Some(root) => {
            let NodeKind::Map(entries) = &root.kind else {
                return None;
            };
            // A document that is one `{ … }` mapping (JSON, or YAML written so) gets JSON.
            let flow = text[root.range].starts_with('{');
            let entry = if flow {
                format!("{{\"ref\": {quoted}}}")
            } else {
                format!("{{ ref: {quoted} }}")
            };
            match entries
                .iter()
                .find(|(key, _)| scalar(key) == Some("imports"))
            {
                None if flow => insert_first_field(text, &root, entries, &entry, nl),
                None => insert_list(text, &entry, nl),
                Some((key, value)) => {
                    let list = List { key, value, nl };
                    list.edit(text, reference, &quoted, &entry, &same_entry)?
                }
            }
        }
    };
    if is_json(text) && !is_json(&edited) {
        return None;
    }
    let imports = form::imports(&edited).ok()?;
    imports
        .iter()
        .any(|import| import.reference.0.text == reference)
        .then_some(edited)
}

/// Whether `text` is a JSON document.
fn is_json(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// A `{ … }` document with `"imports": [entry]` as its first field: on a line of its own when
/// the fields are one to a line, else inline.
fn insert_first_field(
    text: &str,
    root: &Node,
    fields: &[(Node, Node)],
    entry: &str,
    nl: &str,
) -> String {
    let open = usize::from(root.range.start()) + 1;
    let field = format!("\"imports\": [{entry}]");
    let Some((first, _)) = fields.first() else {
        return inserted(text, open, &field);
    };
    let first = usize::from(first.range.start());
    if text[open..first].contains('\n') {
        let indent = line_indent(text, first);
        inserted(text, open, &format!("{nl}{indent}{field},"))
    } else {
        inserted(text, first, &format!("{field}, "))
    }
}

/// A new `imports:` list of `entry` after the leading comments and a `---` that starts the
/// document; lines end with `nl`.
fn insert_list(text: &str, entry: &str, nl: &str) -> String {
    let mut at = leading_comments_end(text);
    let next = &text[at..];
    let marker = next.split_inclusive('\n').next().unwrap_or("");
    if marker.trim_end() == "---" {
        at += marker.len();
    }
    let newline = if at == 0 || text[..at].ends_with('\n') {
        ""
    } else {
        nl
    };
    format!(
        "{}{newline}imports:{nl}  - {entry}{nl}{}",
        &text[..at],
        &text[at..]
    )
}

/// The `imports:` entry of a document: its key, its value, and the file's line end.
struct List<'a> {
    key: &'a Node,
    value: &'a Node,
    nl: &'a str,
}

impl List<'_> {
    /// `text` with this list holding `reference`.
    fn edit(
        &self,
        text: &str,
        reference: &str,
        quoted: &str,
        entry: &str,
        same_entry: &impl Fn(&str) -> bool,
    ) -> Option<String> {
        let nl = self.nl;
        let items = match &self.value.kind {
            NodeKind::Seq(items) => items,
            // `imports:` with nothing after it.
            NodeKind::Scalar(scalar) if scalar.text.is_empty() && !scalar.quoted => {
                let at = line_end(text, usize::from(self.key.range.end()));
                let indent = " ".repeat(column(text, usize::from(self.key.range.start())) + 2);
                let newline = if text[..at].ends_with('\n') { "" } else { nl };
                return Some(inserted(
                    text,
                    at,
                    &format!("{newline}{indent}- {entry}{nl}"),
                ));
            }
            _ => return None,
        };
        for item in items {
            let Some(written) = item_reference(item) else {
                continue;
            };
            let wanted = scalar(written)?;
            if wanted == reference {
                return Some(text.to_string());
            }
            if same_entry(wanted) {
                return Some(replaced(text, written.range, quoted));
            }
        }
        let start = usize::from(self.value.range.start());
        if text[start..].starts_with('[') {
            return Some(match items.last() {
                // Items one to a line get the new one on a line of its own, indented as they are.
                Some(last) if text[start..usize::from(last.range.start())].contains('\n') => {
                    let at = content_end(text, last);
                    let indent = line_indent(text, usize::from(last.range.start()));
                    inserted(text, at, &format!(",{nl}{indent}{entry}"))
                }
                Some(last) => inserted(text, content_end(text, last), &format!(", {entry}")),
                None => inserted(text, start + 1, entry),
            });
        }
        let first = items.first()?;
        let first_start = usize::from(first.range.start());
        let line_start = text[..first_start].rfind('\n').map_or(0, |at| at + 1);
        let prefix = &text[line_start..first_start];
        if prefix.trim_start_matches(' ').trim_end_matches(' ') != "-" {
            return None;
        }
        let last = items.last()?;
        let at = line_end(text, content_end(text, last));
        let newline = if text[..at].ends_with('\n') { "" } else { nl };
        Some(inserted(text, at, &format!("{newline}{prefix}{entry}{nl}")))
    }
}

/// The `ref` value of an `imports:` item written as a mapping.
fn item_reference(item: &Node) -> Option<&Node> {
    let NodeKind::Map(fields) = &item.kind else {
        return None;
    };
    fields
        .iter()
        .find(|(key, _)| scalar(key) == Some("ref"))
        .map(|(_, value)| value)
}

/// Where `node`'s own text ends: the reader's range may run on over the blank and comment
/// lines before the next token.
fn content_end(text: &str, node: &Node) -> usize {
    let start = usize::from(node.range.start());
    let mut own = text[start..usize::from(node.range.end())].trim_end();
    while let Some((before, last)) = own.rsplit_once('\n')
        && last.trim_start().starts_with('#')
    {
        own = before.trim_end();
    }
    start + own.len()
}

/// A scalar node's value.
fn scalar(node: &Node) -> Option<&str> {
    match &node.kind {
        NodeKind::Scalar(scalar) => Some(&scalar.text),
        _ => None,
    }
}

/// The 0-based column (bytes) of `offset` in its line.
fn column(text: &str, offset: usize) -> usize {
    offset - text[..offset].rfind('\n').map_or(0, |at| at + 1)
}

/// The spaces and tabs that indent the line `offset` is on.
fn line_indent(text: &str, offset: usize) -> &str {
    let start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    let line = &text[start..offset];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

fn replaced(text: &str, range: fpl_syntax::TextRange, with: &str) -> String {
    let range = std::ops::Range::<usize>::from(range);
    format!("{}{with}{}", &text[..range.start], &text[range.end..])
}

fn inserted(text: &str, at: usize, what: &str) -> String {
    format!("{}{what}{}", &text[..at], &text[at..])
}

#[cfg(test)]
mod tests {
    use super::add_form_import;

    const REF: &str = "r.io/policies/acme/x@1.1.0";

    /// The document with [`REF`] added; entries are the same when their names before `@` are.
    fn added(text: &str) -> Option<String> {
        add_form_import(text, REF, |written| {
            written.split('@').next() == REF.split('@').next()
        })
    }

    #[test]
    fn a_new_list_goes_after_the_leading_comments() {
        assert_eq!(
            added("# the desk\nagents:\n  bot: {}\n").as_deref(),
            Some(
                "# the desk\nimports:\n  - { ref: \"r.io/policies/acme/x@1.1.0\" }\nagents:\n  bot: {}\n"
            )
        );
        assert_eq!(
            added("").as_deref(),
            Some("imports:\n  - { ref: \"r.io/policies/acme/x@1.1.0\" }\n")
        );
    }

    #[test]
    fn an_item_goes_after_the_last_one_as_it_is_indented() {
        let flow_items = "imports:\n    - { ref: r.io/policies/a/b@1.0.0 }  # first\nagents: {}\n";
        assert_eq!(
            added(flow_items).as_deref(),
            Some(
                "imports:\n    - { ref: r.io/policies/a/b@1.0.0 }  # first\n    - { ref: \"r.io/policies/acme/x@1.1.0\" }\nagents: {}\n"
            )
        );
        let block_items = "imports:\n  - ref: r.io/policies/a/b@1.0.0\n    as: b\nagents: {}\n";
        assert_eq!(
            added(block_items).as_deref(),
            Some(
                "imports:\n  - ref: r.io/policies/a/b@1.0.0\n    as: b\n  - { ref: \"r.io/policies/acme/x@1.1.0\" }\nagents: {}\n"
            )
        );
        assert_eq!(
            added("imports:\nagents: {}\n").as_deref(),
            Some("imports:\n  - { ref: \"r.io/policies/acme/x@1.1.0\" }\nagents: {}\n")
        );
    }

    #[test]
    fn a_flow_list_gets_the_item_inside_its_brackets() {
        assert_eq!(
            added("imports: [ { ref: r.io/policies/a/b@1.0.0 } ]\n").as_deref(),
            Some(
                "imports: [ { ref: r.io/policies/a/b@1.0.0 }, { ref: \"r.io/policies/acme/x@1.1.0\" } ]\n"
            )
        );
        assert_eq!(
            added("imports: []\n").as_deref(),
            Some("imports: [{ ref: \"r.io/policies/acme/x@1.1.0\" }]\n")
        );
    }

    #[test]
    fn another_version_is_replaced_and_the_same_one_kept() {
        assert_eq!(
            added("imports:\n  - { ref: 'r.io/policies/acme/x@1.0.0', as: x }\n").as_deref(),
            Some("imports:\n  - { ref: \"r.io/policies/acme/x@1.1.0\", as: x }\n")
        );
        let there = "imports:\n  - { ref: r.io/policies/acme/x@1.1.0 }\n";
        assert_eq!(added(there).as_deref(), Some(there));
    }

    proptest::proptest! {
        /// Any text, however odd its YAML, gets an edit that reads back with the import, or
        /// none; never a panic.
        #[test]
        fn any_document_is_edited_soundly_or_left_alone(
            head in "(imports:|agents:|# c|- |  |\\{|\\[|\\]|\\}|, |ref: |r@1|'|\"|\"imports\": |\n|é){0,24}",
        ) {
            if let Some(edited) = added(&head) {
                if super::is_json(&head) {
                    proptest::prop_assert!(super::is_json(&edited), "{edited}");
                }
                let imports = fpl_analyzer::form::imports(&edited).expect("reads back");
                proptest::prop_assert!(imports.iter().any(|import| import.reference.0.text == REF));
            }
        }
    }

    #[test]
    fn a_document_start_marker_stays_first() {
        assert_eq!(
            added("# the desk\n---\nagents: {}\n").as_deref(),
            Some(
                "# the desk\n---\nimports:\n  - { ref: \"r.io/policies/acme/x@1.1.0\" }\nagents: {}\n"
            )
        );
    }

    #[test]
    fn a_flow_list_of_one_item_a_line_gets_a_line_for_the_new_one() {
        assert_eq!(
            added("imports: [\n    { ref: r.io/policies/a/b@1.0.0 },\n]\n").as_deref(),
            Some(
                "imports: [\n    { ref: r.io/policies/a/b@1.0.0 },\n    { ref: \"r.io/policies/acme/x@1.1.0\" },\n]\n"
            )
        );
    }

    #[test]
    fn crlf_files_get_crlf_lines() {
        assert_eq!(
            added("agents:\r\n  bot: {}\r\n").as_deref(),
            Some(
                "imports:\r\n  - { ref: \"r.io/policies/acme/x@1.1.0\" }\r\nagents:\r\n  bot: {}\r\n"
            )
        );
        assert_eq!(
            added("imports:\r\n  - { ref: r.io/policies/a/b@1.0.0 }\r\n").as_deref(),
            Some(
                "imports:\r\n  - { ref: r.io/policies/a/b@1.0.0 }\r\n  - { ref: \"r.io/policies/acme/x@1.1.0\" }\r\n"
            )
        );
    }

    #[test]
    fn a_json_document_gets_a_json_field_or_item() {
        let pretty = "{\n  \"agents\": {\n    \"bot\": {}\n  }\n}\n";
        assert_eq!(
            added(pretty).as_deref(),
            Some(
                "{\n  \"imports\": [{\"ref\": \"r.io/policies/acme/x@1.1.0\"}],\n  \"agents\": {\n    \"bot\": {}\n  }\n}\n"
            )
        );
        assert_eq!(
            added("{\"agents\": {}}").as_deref(),
            Some("{\"imports\": [{\"ref\": \"r.io/policies/acme/x@1.1.0\"}], \"agents\": {}}")
        );
        assert_eq!(
            added("{\n\t\"agents\": {}\n}\n").as_deref(),
            Some(
                "{\n\t\"imports\": [{\"ref\": \"r.io/policies/acme/x@1.1.0\"}],\n\t\"agents\": {}\n}\n"
            )
        );
        assert_eq!(
            added("{}\n").as_deref(),
            Some("{\"imports\": [{\"ref\": \"r.io/policies/acme/x@1.1.0\"}]}\n")
        );
        let listed = "{\n  \"imports\": [\n    {\"ref\": \"r.io/policies/a/b@1.0.0\"}\n  ],\n  \"agents\": {}\n}\n";
        assert_eq!(
            added(listed).as_deref(),
            Some(
                "{\n  \"imports\": [\n    {\"ref\": \"r.io/policies/a/b@1.0.0\"},\n    {\"ref\": \"r.io/policies/acme/x@1.1.0\"}\n  ],\n  \"agents\": {}\n}\n"
            )
        );
        assert_eq!(
            added("{\"imports\": [{\"ref\": \"r.io/policies/acme/x@1.0.0\", \"as\": \"x\"}]}")
                .as_deref(),
            Some("{\"imports\": [{\"ref\": \"r.io/policies/acme/x@1.1.0\", \"as\": \"x\"}]}")
        );
    }

    #[test]
    fn what_cannot_be_edited_with_certainty_is_left_alone() {
        assert_eq!(added("{\"imports\": \"r.io/policies/a/b@1.0.0\"}\n"), None);
        assert_eq!(added("imports: r.io/policies/a/b@1.0.0\n"), None);
        assert_eq!(added("imports:\n  - r.io/policies/a/b@1.0.0\n"), None);
        assert_eq!(added("agents: [unclosed\n"), None);
    }
}
