//! Type checks of conditions (E0220–E0225): operators on values that can never work together,
//! regular expressions, built-in functions and paths.

use fpl_syntax::keywords::did_you_mean;

use super::regex::compile_regex;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::hir::{self, BinaryOp, Builtin, Callee, ExprKind, Literal, Root, span};
use crate::source::FileId;

/// A type known before evaluation; `Unknown` for request data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Null,
    Bool,
    Number,
    String,
    List,
    Unknown,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Null => "null",
            Ty::Bool => "boolean",
            Ty::Number => "number",
            Ty::String => "string",
            Ty::List => "list",
            Ty::Unknown => "value",
        }
    }
}

struct Checker<'a> {
    agent: &'a hir::Agent,
    file: FileId,
    out: &'a mut Vec<Diagnostic>,
}

pub(super) fn check(
    agent: &hir::Agent,
    file: FileId,
    condition: &hir::Expr,
    out: &mut Vec<Diagnostic>,
) {
    let mut checker = Checker { agent, file, out };
    let ty = checker.expr(condition);
    if !matches!(ty, Ty::Bool | Ty::Unknown) {
        checker.report(
            Code::E0220,
            condition,
            format!("condition is a {}, not a boolean", ty.name()),
        );
    }
}

impl Checker<'_> {
    fn report(&mut self, code: Code, at: &hir::Expr, message: String) {
        self.out
            .push(Diagnostic::new(code, span(self.file, at.range), message));
    }

    /// Checks `expr` and returns its static type.
    fn expr(&mut self, expr: &hir::Expr) -> Ty {
        match &expr.kind {
            ExprKind::Literal(literal) => literal_type(literal),
            ExprKind::List(_) => Ty::List,
            ExprKind::Path(path) => self.path(expr, path),
            ExprKind::Not(operand) => {
                self.boolean_operand("not", operand);
                Ty::Bool
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Call {
                function: Callee::Builtin(builtin),
                args,
            } => self.call(expr, *builtin, args),
            ExprKind::Call {
                function: Callee::Unknown(name),
                ..
            } => {
                self.unknown_function(expr, name);
                Ty::Unknown
            }
            ExprKind::Missing => Ty::Unknown,
            ExprKind::OutOfRange => {
                self.out
                    .push(super::out_of_range(span(self.file, expr.range)));
                Ty::Unknown
            }
        }
    }

    fn boolean_operand(&mut self, op: &str, operand: &hir::Expr) {
        let ty = self.expr(operand);
        if !matches!(ty, Ty::Bool | Ty::Unknown) {
            self.report(
                Code::E0220,
                operand,
                format!("`{op}` needs booleans, not a {}", ty.name()),
            );
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &hir::Expr, rhs: &hir::Expr) -> Ty {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            let word = if op == BinaryOp::And { "and" } else { "or" };
            self.boolean_operand(word, lhs);
            self.boolean_operand(word, rhs);
            return Ty::Bool;
        }
        let left = self.expr(lhs);
        let right = self.expr(rhs);
        if is_comparison(lhs) {
            // `a < b < c`: the parser reported the chain (E0105); its type is no news.
            return Ty::Bool;
        }
        let known = |ty: Ty| ty != Ty::Unknown;
        match op {
            BinaryOp::Eq | BinaryOp::NotEq => {
                let comparable = !known(left)
                    || !known(right)
                    || left == right
                    || left == Ty::Null
                    || right == Ty::Null;
                if !comparable {
                    self.report(
                        Code::E0220,
                        rhs,
                        format!(
                            "comparing a {} with a {} is never equal",
                            left.name(),
                            right.name()
                        ),
                    );
                }
            }
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => {
                self.ordering(lhs, rhs, left, right)
            }
            BinaryOp::In | BinaryOp::NotIn => {
                if known(right) && right != Ty::List {
                    self.report(
                        Code::E0220,
                        rhs,
                        format!("`in` needs a list on the right, not a {}", right.name()),
                    );
                }
            }
            BinaryOp::Matches | BinaryOp::NotMatches => self.regex(lhs, rhs, left),
            BinaryOp::Contains => {
                if known(left) && !matches!(left, Ty::List | Ty::String) {
                    self.report(
                        Code::E0220,
                        lhs,
                        format!("`contains` needs a list or a string, not a {}", left.name()),
                    );
                } else if left == Ty::String && known(right) && right != Ty::String {
                    self.report(
                        Code::E0220,
                        rhs,
                        format!("a string can only contain a string, not a {}", right.name()),
                    );
                }
            }
            BinaryOp::StartsWith | BinaryOp::EndsWith => {
                for (side, ty) in [(lhs, left), (rhs, right)] {
                    if known(ty) && ty != Ty::String {
                        self.report(
                            Code::E0220,
                            side,
                            format!(
                                "`starts_with`/`ends_with` need strings, not a {}",
                                ty.name()
                            ),
                        );
                    }
                }
            }
            BinaryOp::And | BinaryOp::Or => {}
        }
        Ty::Bool
    }

    fn ordering(&mut self, lhs: &hir::Expr, rhs: &hir::Expr, left: Ty, right: Ty) {
        let non_number = |ty: Ty| !matches!(ty, Ty::Number | Ty::Unknown);
        match (non_number(left), non_number(right)) {
            (false, false) => {}
            (true, true)
                if matches!(left, Ty::String | Ty::Bool)
                    && matches!(right, Ty::String | Ty::Bool) =>
            {
                self.report(
                    Code::E0221,
                    lhs,
                    format!(
                        "`<`, `<=`, `>` and `>=` compare numbers, not {}s",
                        left.name()
                    ),
                );
            }
            (left_bad, _) => {
                let (bad, ty) = if left_bad { (lhs, left) } else { (rhs, right) };
                let other = if left_bad { right } else { left };
                let other = if other == Ty::Unknown {
                    "number"
                } else {
                    other.name()
                };
                self.report(
                    Code::E0220,
                    bad,
                    format!("cannot order a {} against a {other}", ty.name()),
                );
            }
        }
    }

    fn regex(&mut self, lhs: &hir::Expr, rhs: &hir::Expr, left: Ty) {
        if left != Ty::Unknown && left != Ty::String {
            self.report(
                Code::E0220,
                lhs,
                format!(
                    "`matches` needs a string on the left, not a {}",
                    left.name()
                ),
            );
        }
        match &rhs.kind {
            ExprKind::Literal(Literal::String(pattern)) => {
                if let Err(reason) = compile_regex(pattern) {
                    self.report(
                        Code::E0223,
                        rhs,
                        format!("invalid regular expression: {reason}"),
                    );
                }
            }
            ExprKind::Missing => {}
            _ => self.report(
                Code::E0222,
                rhs,
                "the right side of `matches` must be a string literal".to_string(),
            ),
        }
    }

    fn unknown_function(&mut self, expr: &hir::Expr, function: &str) {
        let names = || Builtin::ALL.into_iter().map(Builtin::as_str);
        let mut diagnostic = Diagnostic::new(
            Code::E0224,
            span(self.file, expr.range),
            format!("unknown function `{function}`"),
        )
        .with_note(format!(
            "the built-in functions are {}",
            names()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some(suggestion) = did_you_mean(function, names()) {
            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        }
        self.out.push(diagnostic);
    }

    fn call(&mut self, expr: &hir::Expr, builtin: Builtin, args: &[hir::Expr]) -> Ty {
        let function = builtin.as_str();
        let (min, max) = (builtin.min_args(), builtin.max_args());
        if args.len() < min || max.is_some_and(|max| args.len() > max) {
            let wanted = match max {
                None => format!("at least {min}"),
                Some(max) if min == max => min.to_string(),
                Some(max) => format!("{min} to {max}"),
            };
            self.report(
                Code::E0224,
                expr,
                format!(
                    "`{function}` takes {wanted} argument(s), not {}",
                    args.len()
                ),
            );
        }
        for (index, arg) in args.iter().enumerate() {
            if builtin.literal_arg(index)
                && !matches!(
                    arg.kind,
                    ExprKind::Literal(Literal::String(_)) | ExprKind::Missing
                )
            {
                self.report(
                    Code::E0224,
                    arg,
                    format!(
                        "argument {} of `{function}` must be a string literal",
                        index + 1
                    ),
                );
            } else {
                self.expr(arg);
            }
        }
        returns(builtin)
    }

    fn path(&mut self, expr: &hir::Expr, path: &hir::Path) -> Ty {
        match path.root {
            Root::Args | Root::Principal => Ty::Unknown,
            Root::Vars => self.var(expr, path),
            root => {
                let fields = root.builtin_fields().unwrap_or_default();
                match path.segments.as_slice() {
                    [] => {
                        self.report(
                            Code::E0225,
                            expr,
                            format!(
                                "`{}` alone is no value; name a field: {}",
                                root.as_str(),
                                field_list(root, fields)
                            ),
                        );
                        Ty::Unknown
                    }
                    [field] if fields.contains(&field.as_str()) => builtin_field_type(root, field),
                    [field, ..] => {
                        let mut diagnostic = Diagnostic::new(
                            Code::E0225,
                            span(self.file, expr.range),
                            format!(
                                "`{}` has no field `{}`",
                                root.as_str(),
                                path.segments.join(".")
                            ),
                        )
                        .with_note(format!("its fields are {}", field_list(root, fields)));
                        if let Some(suggestion) = did_you_mean(field, fields.iter().copied()) {
                            diagnostic = diagnostic.with_replacement(
                                format!("replace with `{}.{suggestion}`", root.as_str()),
                                format!("{}.{suggestion}", root.as_str()),
                            );
                        }
                        self.out.push(diagnostic);
                        Ty::Unknown
                    }
                }
            }
        }
    }

    fn var(&mut self, expr: &hir::Expr, path: &hir::Path) -> Ty {
        let Some(name) = path.segments.first() else {
            self.report(
                Code::E0225,
                expr,
                "`vars` alone is no value; name a variable: `vars.<name>`".to_string(),
            );
            return Ty::Unknown;
        };
        match self.agent.vars.iter().find(|var| &var.name == name) {
            Some(var) if path.segments.len() == 1 => value_type(&var.value),
            Some(_) => Ty::Unknown,
            None => {
                self.report(
                    Code::E0225,
                    expr,
                    format!(
                        "`vars.{name}` is not declared in agent `{}`",
                        self.agent.name
                    ),
                );
                Ty::Unknown
            }
        }
    }
}

fn is_comparison(expr: &hir::Expr) -> bool {
    matches!(&expr.kind, ExprKind::Binary { op, .. } if op.is_comparison())
}

fn field_list(root: Root, fields: &[&str]) -> String {
    fields
        .iter()
        .map(|field| format!("`{}.{field}`", root.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a built-in returns.
fn returns(builtin: Builtin) -> Ty {
    match builtin {
        Builtin::Len
        | Builtin::HistoryToolCount
        | Builtin::DenyCountWithin
        | Builtin::ArgsArrayLen => Ty::Number,
        Builtin::HistoryContainsWithin | Builtin::HistorySequence | Builtin::Purpose => Ty::Bool,
        Builtin::Lower | Builtin::Upper => Ty::String,
    }
}

fn literal_type(literal: &Literal) -> Ty {
    match literal {
        Literal::Null => Ty::Null,
        Literal::Bool(_) => Ty::Bool,
        Literal::Number(_) => Ty::Number,
        Literal::String(_) => Ty::String,
    }
}

fn builtin_field_type(root: Root, field: &str) -> Ty {
    match (root, field) {
        (Root::Session, "id") | (Root::Tool | Root::Agent, "name") => Ty::String,
        _ => Ty::Number,
    }
}

fn value_type(value: &hir::Value) -> Ty {
    match value.kind {
        hir::ValueKind::Bool(_) => Ty::Bool,
        hir::ValueKind::Number(_)
        | hir::ValueKind::Money(_)
        | hir::ValueKind::Duration(_)
        | hir::ValueKind::Size(_) => Ty::Number,
        hir::ValueKind::String(_) | hir::ValueKind::Ident(_) | hir::ValueKind::Pattern(_) => {
            Ty::String
        }
        hir::ValueKind::List(_) => Ty::List,
        hir::ValueKind::Env(_) | hir::ValueKind::Invalid | hir::ValueKind::OutOfRange => {
            Ty::Unknown
        }
    }
}
