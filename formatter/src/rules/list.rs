//! Statement lists (the body of a block or the file): one statement per line, at most one blank
//! line kept between statements, own-line comments before a statement kept with it, and the
//! alignment of groups of one-line statements of the same kind (SPEC §15).

use std::ops::Range;

use fpl_syntax::SyntaxNode;

use super::{Stmt, statement};
use crate::comments::Comment;
use crate::context::{Ctx, push_own_line_comments};
use crate::doc::Doc;
use crate::printer::LINE_WIDTH;

/// Formats `nodes`, statements of one block indented `indent` columns. With `soft`, statements
/// are separated by soft lines so that the enclosing group may print them on one line.
///
/// The result starts with the first statement: the caller puts the line break before it.
pub fn statements<'a>(
    ctx: &mut Ctx<'a>,
    nodes: &[SyntaxNode],
    indent: usize,
    soft: bool,
) -> Vec<Doc<'a>> {
    let entries: Vec<Entry<'a>> = nodes
        .iter()
        .map(|node| Entry::new(ctx, node, indent))
        .collect();
    let layout = Layout::compute(&entries, indent);
    emit(entries, layout, soft)
}

/// One statement with the comments and blank lines around it.
struct Entry<'a> {
    leading: Vec<Comment<'a>>,
    /// A blank line before the statement's first line (or its first leading comment).
    blank_before: bool,
    /// A blank line between the last leading comment and the statement.
    blank_after_comments: bool,
    trailing: Option<&'a str>,
    stmt: Stmt<'a>,
    widths: Option<Vec<usize>>,
}

impl<'a> Entry<'a> {
    fn new(ctx: &mut Ctx<'a>, node: &SyntaxNode, indent: usize) -> Self {
        // A node starts and ends on a real token: its range gives the first token's start and
        // the last token's end, which key the comments.
        let range = node.text_range();
        let (start, end) = (u32::from(range.start()), u32::from(range.end()));
        let leading = ctx.comments.take_leading_at(start);
        let blank_token = ctx.comments.blank_before_at(start);
        let trailing = ctx.comments.take_trailing_at(end);
        let stmt = statement(ctx, node, indent);
        let widths = stmt.widths();
        let blank_before = match leading.first() {
            Some(comment) => comment.blank_before,
            None => blank_token,
        };
        Entry {
            blank_after_comments: !leading.is_empty() && blank_token,
            leading,
            blank_before,
            trailing,
            stmt,
            widths,
        }
    }

    /// Whether this statement continues the group of `prev`.
    fn continues(&self, prev: &Entry<'_>) -> bool {
        self.leading.is_empty()
            && !self.blank_before
            && self.stmt.kind == prev.stmt.kind
            && self.widths.is_some()
            && prev.widths.is_some()
    }
}

/// Where each statement goes: on one line with padding, or broken.
struct Layout {
    /// Per statement: the padding after each column when on one line, `None` when broken.
    pads: Vec<Option<Vec<usize>>>,
    /// Per statement: the spaces before its trailing comment.
    comment_pads: Vec<usize>,
}

impl Layout {
    fn compute(entries: &[Entry<'_>], indent: usize) -> Self {
        let mut one_line: Vec<bool> = entries.iter().map(|entry| entry.widths.is_some()).collect();
        let mut layout = Layout {
            pads: vec![None; entries.len()],
            comment_pads: vec![1; entries.len()],
        };
        let mut work = groups(entries, &one_line, 0..entries.len());
        while let Some(group) = work.pop() {
            let aligned = align(entries, group.clone(), indent);
            let mut broke = false;
            for (index, (pads, width)) in group.clone().zip(&aligned) {
                if entries[index].stmt.breakable && *width > LINE_WIDTH {
                    one_line[index] = false;
                    broke = true;
                }
                layout.pads[index] = Some(pads.clone());
            }
            if broke {
                for index in group.clone() {
                    layout.pads[index] = None;
                }
                work.extend(groups(entries, &one_line, group));
                continue;
            }
            let longest = aligned.iter().map(|(_, width)| *width).max().unwrap_or(0);
            for (index, (_, width)) in group.zip(&aligned) {
                layout.comment_pads[index] = longest - width + 1;
            }
        }
        layout
    }
}

/// Splits `range` into groups of consecutive one-line statements that align together.
fn groups(entries: &[Entry<'_>], one_line: &[bool], range: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = range.start;
    for index in range.clone() {
        if !one_line[index] {
            if start < index {
                out.push(start..index);
            }
            start = index + 1;
        } else if index > start && !entries[index].continues(&entries[index - 1]) {
            out.push(start..index);
            start = index;
        }
    }
    if start < range.end {
        out.push(start..range.end);
    }
    out
}

/// The padding after each column and the line width of every statement of a group.
fn align(entries: &[Entry<'_>], group: Range<usize>, indent: usize) -> Vec<(Vec<usize>, usize)> {
    let widths: Vec<&[usize]> = group
        .clone()
        .map(|index| entries[index].widths.as_deref().unwrap_or_default())
        .collect();
    let columns = widths.iter().map(|row| row.len()).max().unwrap_or(0);
    // The widest cell of each column among statements that have a next column.
    let mut widest = vec![0; columns];
    for row in &widths {
        for (column, width) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
            widest[column] = widest[column].max(*width);
        }
    }
    let aligned = widths.len() > 1;
    group
        .zip(&widths)
        .map(|(index, row)| {
            let gaps = entries[index].stmt.gaps;
            let pads: Vec<usize> = (0..row.len().saturating_sub(1))
                .map(|column| match gaps.get(column) {
                    Some(gap) if aligned => widest[column] - row[column] + gap,
                    _ => 1,
                })
                .collect();
            let width = indent + row.iter().sum::<usize>() + pads.iter().sum::<usize>();
            (pads, width)
        })
        .collect()
}

fn emit<'a>(entries: Vec<Entry<'a>>, layout: Layout, soft: bool) -> Vec<Doc<'a>> {
    let mut docs = Vec::new();
    let rows = entries
        .into_iter()
        .zip(layout.pads)
        .zip(layout.comment_pads);
    for (index, ((entry, pads), comment_pad)) in rows.enumerate() {
        if index > 0 {
            docs.push(if soft {
                Doc::SoftLine
            } else if entry.blank_before {
                Doc::BlankLine
            } else {
                Doc::HardLine
            });
        }
        if !entry.leading.is_empty() {
            let mut comments = Vec::new();
            push_own_line_comments(&mut comments, &entry.leading, true);
            // The separator above already stands before the first comment.
            docs.extend(comments.into_iter().skip(1));
            docs.push(if entry.blank_after_comments {
                Doc::BlankLine
            } else {
                Doc::HardLine
            });
        }
        docs.push(match pads {
            Some(pads) => entry.stmt.flat(&pads, soft),
            None => entry.stmt.broken(),
        });
        if let Some(comment) = entry.trailing {
            docs.push(Doc::Pad(comment_pad));
            docs.push(Doc::Comment(comment));
        }
    }
    docs
}
