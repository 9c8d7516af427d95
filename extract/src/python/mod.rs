//! Reads a Python source with tree-sitter-python and finds the Faramesh decorators on its
//! functions, with their keyword arguments as literal values. Which decorators count is
//! decided from the file's own imports, syntactically (see `docs/annotations.md`):
//! `import faramesh [as fm]` makes `@faramesh.tool(…)` and `@faramesh.governed_tool(…)`
//! (`@fm.tool(…)`) count; `from faramesh[.sub] import tool [as t], governed_tool` makes
//! `@tool(…)` (`@t(…)`) and `@governed_tool(…)` count. Nothing else is followed: an `@tool`
//! that the file did not import from `faramesh` is another library's and is left alone.

pub(crate) mod literal;

use std::collections::BTreeMap;

use tree_sitter::{Node, Parser, Tree};

use self::literal::{Literal, NotLiteral, short, text_of};

/// Which decorator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `@faramesh.tool(…)`.
    Tool,
    /// The older `@governed_tool(agent_id=…, tool=…, operation=…)`.
    GovernedTool,
}

/// A Faramesh decorator on a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decorator {
    /// Which one.
    pub(crate) kind: Kind,
    /// As the source writes it (`faramesh.tool`, `tool`), for messages.
    pub(crate) spelling: String,
    /// Where the decorator starts (its `@`).
    pub(crate) at: u32,
    /// The decorated function's name.
    pub(crate) function: String,
    /// Its keyword arguments in source order.
    pub(crate) arguments: Vec<Argument>,
}

/// A keyword argument of a decorator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Argument {
    /// The keyword.
    pub(crate) name: String,
    /// Where the keyword is.
    pub(crate) at: u32,
    /// Where the value is.
    pub(crate) value_at: u32,
    /// The value; `None` when it is not a literal the extractor reads (that mistake is
    /// reported where the argument is read).
    pub(crate) value: Option<Literal>,
}

/// A mistake found while reading, at a byte offset of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mistake {
    /// Byte offset.
    pub(crate) at: u32,
    /// What is wrong.
    pub(crate) message: String,
}

impl From<NotLiteral> for Mistake {
    fn from(error: NotLiteral) -> Mistake {
        Mistake {
            at: error.at,
            message: error.message,
        }
    }
}

/// The Faramesh decorators of a Python source, in source order, and the mistakes met: syntax
/// errors (tree-sitter's `ERROR` and missing nodes) and arguments that cannot be read.
pub(crate) fn decorators(source: &str) -> (Vec<Decorator>, Vec<Mistake>) {
    // Python reads a lone CR as a line end, as the line index does; tree-sitter-python does
    // not. An LF in its place keeps every offset.
    let normalized = lone_cr_as_lf(source);
    let source = normalized.as_str();
    let mut mistakes = Vec::new();
    let Some(tree) = parse(source) else {
        mistakes.push(Mistake {
            at: 0,
            message: "the Python parser could not read this file".to_string(),
        });
        return (Vec::new(), mistakes);
    };
    let mut imports = Vec::new();
    let mut decorated = Vec::new();
    walk(&tree, |node| {
        if node.is_error() {
            mistakes.push(Mistake {
                at: node.start_byte() as u32,
                message: format!(
                    "invalid Python syntax near `{}`",
                    short(text_of(node, source))
                ),
            });
            return false;
        }
        if node.is_missing() {
            mistakes.push(Mistake {
                at: node.start_byte() as u32,
                message: format!("invalid Python syntax: expected `{}`", node.kind()),
            });
        }
        match node.kind() {
            "import_statement" | "import_from_statement" => imports.push(node),
            "decorated_definition" => decorated.push(node),
            _ => {}
        }
        true
    });
    let names = Names::of(&imports, source);
    let mut found = Vec::new();
    for definition in decorated {
        read_definition(definition, source, &names, &mut found, &mut mistakes);
    }
    mistakes.sort_by_key(|mistake| mistake.at);
    (found, mistakes)
}

fn lone_cr_as_lf(source: &str) -> String {
    let bytes = source.as_bytes();
    source
        .char_indices()
        .map(|(index, c)| match c {
            '\r' if bytes.get(index + 1) != Some(&b'\n') => '\n',
            c => c,
        })
        .collect()
}

fn parse(source: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()?;
    parser.parse(source, None)
}

/// Visits every node in document order, without recursion (a deeply nested file cannot
/// exhaust the stack); `visit` says whether to look inside the node.
fn walk<'t>(tree: &'t Tree, mut visit: impl FnMut(Node<'t>) -> bool) {
    let mut cursor = tree.walk();
    loop {
        if visit(cursor.node()) && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// The names a file binds to Faramesh: modules (`faramesh`, an alias) and decorators
/// imported by name.
#[derive(Debug, Default)]
struct Names {
    modules: Vec<String>,
    decorators: BTreeMap<String, Kind>,
}

impl Names {
    fn of(imports: &[Node<'_>], source: &str) -> Names {
        let mut names = Names::default();
        for import in imports {
            let mut cursor = import.walk();
            let bound: Vec<(String, String)> = import
                .children_by_field_name("name", &mut cursor)
                .filter_map(|name| binding(name, source))
                .collect();
            if import.kind() == "import_statement" {
                names.modules.extend(
                    bound
                        .into_iter()
                        .filter(|(imported, local)| {
                            imported == "faramesh"
                                || (local == "faramesh" && imported.starts_with("faramesh."))
                        })
                        .map(|(_, local)| local),
                );
                continue;
            }
            let from_faramesh = import
                .child_by_field_name("module_name")
                .map(|module| text_of(module, source))
                .is_some_and(|module| module == "faramesh" || module.starts_with("faramesh."));
            for (imported, local) in bound {
                match decorator_kind(&imported).filter(|_| from_faramesh) {
                    Some(kind) => names.decorators.insert(local, kind),
                    // A later import of the same name from elsewhere replaces it.
                    None => names.decorators.remove(&local),
                };
            }
        }
        names
    }

    /// The decorator `expression` (the part after `@`, without arguments) names, if any.
    fn decorator(&self, expression: Node<'_>, source: &str) -> Option<Kind> {
        match expression.kind() {
            "identifier" => self.decorators.get(text_of(expression, source)).copied(),
            "attribute" => {
                let object = expression.child_by_field_name("object")?;
                let attribute = expression.child_by_field_name("attribute")?;
                let module = text_of(object, source);
                (object.kind() == "identifier" && self.modules.iter().any(|m| m == module))
                    .then(|| decorator_kind(text_of(attribute, source)))
                    .flatten()
            }
            _ => None,
        }
    }
}

fn decorator_kind(name: &str) -> Option<Kind> {
    match name {
        "tool" => Some(Kind::Tool),
        "governed_tool" => Some(Kind::GovernedTool),
        _ => None,
    }
}

/// `(imported name, local name)` of one name of an import: `a`, `a.b`, `a as b`.
fn binding(name: Node<'_>, source: &str) -> Option<(String, String)> {
    match name.kind() {
        "dotted_name" => {
            let text = text_of(name, source).to_string();
            // `import faramesh.sdk` binds `faramesh`.
            let local = text.split('.').next().unwrap_or_default().to_string();
            let imported = if text.contains('.') {
                text.clone()
            } else {
                local.clone()
            };
            Some((imported, local))
        }
        "aliased_import" => {
            let imported = name.child_by_field_name("name")?;
            let alias = name.child_by_field_name("alias")?;
            Some((
                text_of(imported, source).to_string(),
                text_of(alias, source).to_string(),
            ))
        }
        _ => None,
    }
}

/// The Faramesh decorators of one decorated definition.
fn read_definition(
    definition: Node<'_>,
    source: &str,
    names: &Names,
    found: &mut Vec<Decorator>,
    mistakes: &mut Vec<Mistake>,
) {
    let target = definition.child_by_field_name("definition");
    let mut cursor = definition.walk();
    for decorator in definition.named_children(&mut cursor) {
        if decorator.kind() != "decorator" {
            continue;
        }
        let Some(expression) = decorator.named_child(0) else {
            continue;
        };
        let (callee, arguments) = match expression.kind() {
            "call" => match expression.child_by_field_name("function") {
                Some(function) => (function, expression.child_by_field_name("arguments")),
                None => continue,
            },
            _ => (expression, None),
        };
        let Some(kind) = names.decorator(callee, source) else {
            continue;
        };
        let spelling = text_of(callee, source).to_string();
        let at = decorator.start_byte() as u32;
        let function = match target.filter(|t| t.kind() == "function_definition") {
            Some(function) => function
                .child_by_field_name("name")
                .map(|name| text_of(name, source).to_string()),
            None => None,
        };
        let Some(function) = function else {
            mistakes.push(Mistake {
                at,
                message: format!("`@{spelling}` decorates something that is not a function: only functions are tools"),
            });
            continue;
        };
        let arguments = match arguments {
            Some(list) if list.kind() == "argument_list" => {
                keyword_arguments(list, source, &spelling, mistakes)
            }
            Some(other) => {
                mistakes.push(Mistake {
                    at: other.start_byte() as u32,
                    message: format!("`@{spelling}` takes keyword arguments only"),
                });
                continue;
            }
            None => Vec::new(),
        };
        found.push(Decorator {
            kind,
            spelling,
            at,
            function,
            arguments,
        });
    }
}

/// The keyword arguments of an argument list whose values are literals; everything else is
/// a mistake.
fn keyword_arguments(
    list: Node<'_>,
    source: &str,
    spelling: &str,
    mistakes: &mut Vec<Mistake>,
) -> Vec<Argument> {
    let mut arguments = Vec::new();
    let mut cursor = list.walk();
    for argument in list.named_children(&mut cursor) {
        let at = argument.start_byte() as u32;
        let refuse = |message: String| Mistake { at, message };
        match argument.kind() {
            "comment" => {}
            "keyword_argument" => {
                let (Some(name), Some(value)) = (
                    argument.child_by_field_name("name"),
                    argument.child_by_field_name("value"),
                ) else {
                    continue;
                };
                let literal = literal::read(value, source)
                    .map_err(|error| mistakes.push(error.into()))
                    .ok();
                arguments.push(Argument {
                    name: text_of(name, source).to_string(),
                    at,
                    value_at: value.start_byte() as u32,
                    value: literal,
                });
            }
            "list_splat" | "dictionary_splat" => mistakes.push(refuse(format!(
                "`{}` cannot be read without running the program: write each argument as `name=value`",
                short(text_of(argument, source))
            ))),
            _ => mistakes.push(refuse(format!(
                "positional argument `{}`: `@{spelling}` takes keyword arguments only (`name=…`)",
                short(text_of(argument, source))
            ))),
        }
    }
    arguments
}
