//! Every policy that `fpl-syntax` accepts — the upstream corpus, the examples and the parser's
//! `ok` fixtures — parses with no ERROR or MISSING node, and the tree-sitter tree has the same
//! number of agents and rules as `fpl-syntax`'s tree for every file.

use std::path::{Path, PathBuf};

use fpl_syntax::SyntaxKind;

/// Agents and rules found in one file.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    agents: usize,
    rules: usize,
}

fn parse(text: &str) -> tree_sitter::Tree {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_fpl::LANGUAGE.into())
        .expect("the grammar's ABI is one the runtime accepts");
    parser
        .parse(text, None)
        .expect("a parser with a language and no timeout returns a tree")
}

fn tree_sitter_counts(tree: &tree_sitter::Tree) -> Counts {
    let mut counts = Counts {
        agents: 0,
        rules: 0,
    };
    let mut cursor = tree.walk();
    let mut done = false;
    while !done {
        // Named nodes only: the `agent` keyword token is also of kind "agent".
        match (cursor.node().is_named(), cursor.node().kind()) {
            (true, "agent") => counts.agents += 1,
            (true, "rule") => counts.rules += 1,
            _ => {}
        }
        if cursor.goto_first_child() || cursor.goto_next_sibling() {
            continue;
        }
        loop {
            if !cursor.goto_parent() {
                done = true;
                break;
            }
            if cursor.goto_next_sibling() {
                break;
            }
        }
    }
    counts
}

fn fpl_syntax_counts(text: &str, path: &Path) -> Counts {
    let parse = fpl_syntax::parse(text);
    assert_eq!(
        parse.errors(),
        &[],
        "{}: fpl-syntax must accept the files of this test",
        path.display()
    );
    let nodes: Vec<SyntaxKind> = parse
        .syntax_node()
        .descendants()
        .map(|node| node.kind())
        .collect();
    let count = |kind| nodes.iter().filter(|&&node| node == kind).count();
    Counts {
        agents: count(SyntaxKind::AGENT),
        rules: count(SyntaxKind::RULE),
    }
}

/// The first ERROR or MISSING node, as `kind line:column`, for the failure message.
fn first_problem(node: tree_sitter::Node) -> Option<String> {
    if node.is_error() || node.is_missing() {
        let at = node.start_position();
        return Some(format!(
            "{} at {}:{}",
            if node.is_missing() {
                "MISSING"
            } else {
                "ERROR"
            },
            at.row + 1,
            at.column + 1
        ));
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    node.children(&mut cursor).find_map(first_problem)
}

fn check_files(files: &[PathBuf]) -> Counts {
    let mut total = Counts {
        agents: 0,
        rules: 0,
    };
    for path in files {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let tree = parse(&text);
        let root = tree.root_node();
        if let Some(problem) = first_problem(root) {
            panic!("{}: {problem}\n{}", path.display(), root.to_sexp());
        }
        assert_eq!(
            root.end_byte(),
            text.len(),
            "{}: the tree covers the file",
            path.display()
        );
        let counts = tree_sitter_counts(&tree);
        assert_eq!(
            counts,
            fpl_syntax_counts(&text, path),
            "{}: tree-sitter (left) and fpl-syntax (right) disagree",
            path.display()
        );
        total.agents += counts.agents;
        total.rules += counts.rules;
    }
    total
}

#[test]
fn upstream_corpus_parses_like_fpl_syntax() {
    let files = fpl_testdata::upstream_policies();
    assert_eq!(files.len(), 60, "the corpus README lists 54 + 6 files");
    let total = check_files(&files);
    assert_eq!(
        (total.agents, total.rules),
        (58, 363),
        "the corpus's agents and rules"
    );
}

#[test]
fn examples_parse_like_fpl_syntax() {
    let files = fpl_testdata::example_policies();
    assert!(!files.is_empty(), "examples/ holds a policy");
    let total = check_files(&files);
    assert!(total.agents > 0 && total.rules > 0, "{total:?}");
}

#[test]
fn parser_fixtures_parse_like_fpl_syntax() {
    let files = fpl_testdata::parser_fixtures_ok();
    assert!(files.len() >= 7, "fixtures/ok holds the parser's fixtures");
    check_files(&files);
}

#[test]
fn invalid_corpus_has_errors() {
    let files = fpl_testdata::invalid_policies();
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
        assert!(
            parse(&text).root_node().has_error(),
            "{} parsed without errors",
            path.display()
        );
    }
}
