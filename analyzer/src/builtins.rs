//! The built-in functions of conditions (SPEC §6.4) and their signatures.

/// The signature of a built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    /// The function's name.
    pub name: &'static str,
    /// How many arguments it takes at least.
    pub min_args: usize,
    /// How many it takes at most (`usize::MAX` for any number).
    pub max_args: usize,
    /// Whether every argument must be a string literal (tool patterns and argument names).
    pub literal_string_args: bool,
}

const fn builtin(
    name: &'static str,
    min_args: usize,
    max_args: usize,
    literal_string_args: bool,
) -> Builtin {
    Builtin {
        name,
        min_args,
        max_args,
        literal_string_args,
    }
}

/// Every built-in function.
pub const BUILTINS: &[Builtin] = &[
    builtin("len", 1, 1, false),
    builtin("lower", 1, 1, false),
    builtin("upper", 1, 1, false),
    builtin("history_contains_within", 2, 2, false),
    builtin("history_sequence", 1, usize::MAX, true),
    builtin("history_tool_count", 1, 1, true),
    builtin("deny_count_within", 1, 1, false),
    builtin("purpose", 1, 1, false),
    builtin("args_array_len", 1, 1, true),
];

/// The built-in called `name`.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|builtin| builtin.name == name)
}

/// What a built-in returns, for type checks.
pub fn returns_number(name: &str) -> bool {
    matches!(
        name,
        "len" | "history_tool_count" | "deny_count_within" | "args_array_len"
    )
}

/// Whether a built-in returns a boolean.
pub fn returns_bool(name: &str) -> bool {
    matches!(
        name,
        "history_contains_within" | "history_sequence" | "purpose"
    )
}
