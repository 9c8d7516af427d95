/**
 * @file FPL, the Faramesh Policy Language: the grammar of SPEC §2–§3, both spellings.
 * @license Apache-2.0
 *
 * The context-sensitive tokens need no external scanner. Tree-sitter lexes only the tokens that
 * the parse state allows, so where the grammar expects a pattern the longest run of pattern
 * characters is one `pattern` token (SPEC §2), and after `key STRING [=]` in `trust` a run of
 * key characters is one `public_key` token (§3 note 7). Where a value is expected, a run that
 * lexes as one literal is that literal: the literal token rules come before `pattern`, and
 * Tree-sitter prefers the earlier of two tokens of the same length, the longer of two otherwise.
 *
 * The parser is generated for ABI 14 (`tree-sitter generate --abi 14`) so that runtimes from
 * tree-sitter 0.20.7 on can load it (Debian's Neovim 0.7.2; ABI 15 would need Neovim 0.11).
 * ABI 14 has no reserved-word sets, so the words that SPEC §3 note 5 reserves inside
 * expressions (`in`, `and`, …) parse as names there; fpl-syntax, and so `faramesh check` and
 * the language server, report them.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

/** The spellings of each effect (SPEC §3 `effect`). */
const EFFECTS = {
  permit: ['permit', 'allow', 'approve'],
  deny: ['deny', 'block', 'reject'],
  defer: ['defer', 'require_approval'],
};

/** Duration units, largest first: a duration's units strictly decrease (SPEC §2). */
const DURATION_UNITS = ['w', 'd', 'h', 'm', 's', 'ms'];

/** `[0-9]+<unit>` parts with strictly decreasing units, as one regular expression. */
function durationPattern() {
  const alternatives = DURATION_UNITS.map(
    (unit, index) =>
      `[0-9]+${unit}` +
      DURATION_UNITS.slice(index + 1)
        .map((later) => `([0-9]+${later})?`)
        .join(''),
  );
  return new RegExp(alternatives.join('|'));
}

/** A string body between `quote`s: one line, with the escapes of SPEC §2. */
function stringPattern(quote) {
  return new RegExp(
    `${quote}([^${quote}\\\\\\r\\n]|\\\\(["'\\\\ntr]|u\\{[0-9A-Fa-f]{1,6}\\}))*${quote}`,
  );
}

/** `keyword [=] value` statements: `model "gpt-4o"`, `max = $500`. */
function keywordValue($, keywords) {
  return seq(field('key', choice(...keywords)), optional('='), field('value', $._value));
}

/** `item { "," item } [","]`, possibly empty. */
function commaList(item) {
  return optional(seq(item, repeat(seq(',', item)), optional(',')));
}

module.exports = grammar({
  name: 'fpl',

  word: ($) => $.identifier,

  extras: ($) => [/[ \t\r\n]/, $.comment],

  supertypes: ($) => [$._expression],

  rules: {
    source_file: ($) => repeat($._top_item),

    // ---- lexical structure (§2); literal tokens come before `pattern` -----------------------

    comment: (_) => token(/#[^\r\n]*/),
    string: (_) => token(choice(stringPattern('"'), stringPattern("'"))),
    identifier: (_) => /[A-Za-z_][A-Za-z0-9_-]*/,
    number: (_) => /-?[0-9]+(\.[0-9]+)?/,
    money: (_) => /\$[0-9]+(\.[0-9]+)?/,
    duration: (_) => durationPattern(),
    size: (_) => /[0-9]+([bB]|[kKmMgGtT][bB])/,
    boolean: (_) => choice('true', 'false'),
    null: (_) => choice('null', 'nil'),
    pattern: (_) => /[A-Za-z0-9_.\/*?-]+/,
    public_key: (_) => /[A-Za-z0-9+\/=:_-]+/,

    // ---- top level (§3 `top_item`; flat rules: note 1) --------------------------------------

    _top_item: ($) =>
      choice(
        $.import,
        $.runtime,
        $.provider,
        $.identity,
        $.trust,
        $.system,
        $.agent,
        $.manifest,
        $.rule,
      ),

    _name: ($) => choice($.identifier, $.string),

    import: ($) =>
      seq(
        'import',
        field('reference', $.string),
        optional(seq('as', field('alias', $.identifier))),
      ),

    runtime: ($) => seq('runtime', field('body', $.config_block)),

    provider: ($) => seq('provider', field('name', $._name), field('body', $.config_block)),

    identity: ($) => seq('identity', field('name', $._name), field('body', $.config_block)),

    system: ($) => seq('system', field('name', $._name), field('body', $.config_block)),

    trust: ($) =>
      seq(
        'trust',
        '{',
        repeat(choice($.trust_key, $.trust_delegation, $.trust_inbound, $.trust_entry)),
        '}',
      ),

    trust_key: ($) =>
      seq(
        'key',
        field('id', $.string),
        optional('='),
        field('key', choice($.string, $.public_key)),
      ),

    // Configuration entries of a trust item run until the next trust item or `}`.
    trust_delegation: ($) =>
      prec.right(
        seq(
          'delegation',
          'from',
          field('from', $.string),
          'to',
          field('to', $.string),
          repeat($.config_entry),
        ),
      ),

    trust_inbound: ($) =>
      prec.right(seq('inbound', field('source', $.string), repeat($.config_entry))),

    // Other entries (e.g. `spiffe_federated "…"`) are carried as they are.
    trust_entry: ($) =>
      prec.right(
        seq(field('kind', $.identifier), field('value', $.string), repeat($.config_entry)),
      ),

    manifest: ($) =>
      seq(
        'manifest',
        choice(
          seq(
            'orchestrator',
            field('orchestrator', $._name),
            'undeclared',
            field('undeclared', alias(choice('deny', 'defer'), $.effect_word)),
          ),
          seq(
            'grant',
            field('from', $._name),
            'to',
            field('to', $._name),
            'max',
            field('max', $.number),
            optional(field('approval', 'approval')),
          ),
        ),
      ),

    // ---- agents (§3 `agent_item`) -----------------------------------------------------------

    agent: ($) => seq('agent', field('name', $._name), '{', repeat($._agent_item), '}'),

    _agent_item: ($) =>
      choice(
        $.default,
        $.attribute,
        $.variable,
        $.budget,
        $.phase,
        $.rules,
        $.rule,
        $.rate_limit,
        $.redact,
        $.egress,
        $.alert,
        $.audit,
        $.credential,
        $.delegate,
        $.selector,
        $.ambient,
        $.named_config,
      ),

    default: ($) => seq('default', field('effect', $.effect_word)),

    effect_word: (_) => choice('permit', 'deny', 'defer'),

    attribute: ($) => keywordValue($, ['model', 'framework', 'version']),

    variable: ($) =>
      seq('var', field('name', $.identifier), optional('='), field('value', $._value)),

    // `session`, `daily` or a custom budget id (§6.1).
    budget: ($) =>
      seq('budget', field('id', $.identifier), '{', repeat($.budget_item), '}'),

    budget_item: ($) =>
      choice(
        keywordValue($, ['max', 'daily', 'max_calls', 'warn_at', 'tools']),
        seq(
          field('key', 'on_exceed'),
          optional('='),
          field('value', choice($.effect_word, $._value)),
        ),
      ),

    phase: ($) =>
      seq(
        'phase',
        field('name', $._name),
        '{',
        repeat(choice($.rule, $.rules, $.phase_item)),
        '}',
      ),

    phase_item: ($) => keywordValue($, ['duration', 'next', 'tools']),

    rules: ($) => seq('rules', '{', repeat($.rule), '}'),

    rate_limit: ($) =>
      seq(
        'rate_limit',
        field('pattern', $._pattern),
        optional(':'),
        field('limit', $.number),
        'per',
        field('window', $.identifier),
      ),

    redact: ($) =>
      seq('redact', field('pattern', $._pattern), 'args', optional(':'), field('args', $.list)),

    egress: ($) => seq('egress', field('body', $.config_block)),

    alert: ($) => seq('alert', field('body', $.config_block)),

    audit: ($) => seq('audit', '{', repeat($.audit_include), '}'),

    audit_include: ($) => seq('include', field('what', $.identifier)),

    credential: ($) =>
      seq(
        'credential',
        field('name', $._name),
        '{',
        repeat(choice($.credential_scope, $.credential_item)),
        '}',
      ),

    // The pattern list ends at a credential key or `}`.
    credential_scope: ($) => prec.right(seq('scope', repeat1(field('pattern', $._pattern)))),

    credential_item: ($) => keywordValue($, ['backend', 'path', 'ttl', 'max_scope']),

    // Unnamed, a delegate is named by its `target_agent`.
    delegate: ($) =>
      seq('delegate', optional(field('name', $._name)), field('body', $.config_block)),

    selector: ($) => seq('selector', field('name', $._name), field('body', $.config_block)),

    ambient: ($) => seq('ambient', field('body', $.config_block)),

    named_config: ($) =>
      seq(
        field('kind', choice('model_policy', 'session', 'spawn', 'completion_gate', 'enforcement')),
        field('body', $.config_block),
      ),

    // ---- rules (§3 `rule`, `clause`; a rule ends where no clause continues it: note 2) ------

    rule: ($) =>
      prec.right(
        seq(field('effect', $.effect), field('pattern', $._pattern), repeat($._clause)),
      ),

    effect: ($) =>
      choice(...EFFECTS.permit, ...EFFECTS.deny, ...EFFECTS.defer, $.mandatory_deny),

    // `deny!`, also written `deny !` (note 3).
    mandatory_deny: (_) => seq('deny', '!'),

    // A pattern that is also an identifier lexes as one; it is still a pattern here.
    _pattern: ($) => choice($.pattern, alias($.identifier, $.pattern), $.string),

    _clause: ($) =>
      choice(
        $.condition,
        $.selector_clause,
        $.keyed_selector_clause,
        $.text_clause,
        $.reeval_clause,
      ),

    condition: ($) =>
      seq(field('keyword', choice('when', 'if')), field('expression', $._expression)),

    selector_clause: ($) =>
      seq(
        field('key', choice('method', 'host', 'path', 'port')),
        optional(':'),
        field('value', $.selector_value),
      ),

    keyed_selector_clause: ($) =>
      seq(
        field('key', choice('query', 'header', 'headers')),
        optional(':'),
        field('name', choice($.identifier, $.string)),
        '=',
        field('value', $.selector_value),
      ),

    selector_value: ($) => seq($._pattern, repeat(seq(',', $._pattern))),

    text_clause: ($) =>
      seq(field('key', choice('reason', 'notify')), optional(':'), field('text', $.string)),

    reeval_clause: ($) => seq('reeval', optional(':'), field('value', $.boolean)),

    // ---- values and configuration (§3 `value`, `config_block`) ------------------------------

    config_block: ($) => seq('{', repeat($.config_entry), '}'),

    config_entry: ($) =>
      seq(
        field('key', $.identifier),
        optional('='),
        field('value', choice($._value, $.config_block)),
      ),

    // The literals that values and conditions share.
    _literal: ($) => choice($.string, $.number, $.money, $.duration, $.size, $.boolean),

    _value: ($) =>
      choice(
        $._literal,
        $.identifier,
        // `env` not followed by `(` is an ordinary name (`backend env`).
        alias('env', $.identifier),
        $.list,
        $.env_call,
        $.pattern,
      ),

    list: ($) => seq('[', commaList($._value), ']'),

    env_call: ($) => seq('env', '(', field('variable', $.string), ')'),

    // ---- conditions (§3 `expr`): or < and < not < one comparison < operands -----------------

    _expression: ($) =>
      choice($.binary_expression, $.unary_expression, $.comparison_expression, $._operand),

    binary_expression: ($) =>
      choice(
        prec.left(
          1,
          seq(
            field('left', $._expression),
            field('operator', choice('or', '||')),
            field('right', $._expression),
          ),
        ),
        prec.left(
          2,
          seq(
            field('left', $._expression),
            field('operator', choice('and', '&&')),
            field('right', $._expression),
          ),
        ),
      ),

    // `not a == b` is `not (a == b)` (note 5).
    unary_expression: ($) =>
      prec(3, seq(field('operator', choice('not', '!')), field('operand', $._expression))),

    // Not associative: `a < b < c` is an error (E0105).
    comparison_expression: ($) =>
      prec(
        4,
        seq(
          field('left', $._operand),
          field(
            'operator',
            choice(
              '==', '!=', '<', '<=', '>', '>=',
              'in', seq('not', 'in'),
              'matches', '=~', seq('not', 'matches'), '!~',
              'contains', 'starts_with', 'ends_with',
            ),
          ),
          field('right', $._operand),
        ),
      ),

    _operand: ($) =>
      choice(
        $._literal,
        $.null,
        $.path_expression,
        $.call_expression,
        $.list_expression,
        $.parenthesized_expression,
      ),

    // `amount`, `principal.role`, `args["in"]`: a name, then glued `.name` or `["key"]`.
    path_expression: ($) =>
      seq(field('root', $.identifier), optional($._path_segments)),

    // A path of at least two segments: the callee of a call that can be no built-in.
    _dotted_path: ($) =>
      seq(field('root', $.identifier), $._path_segments),

    _path_segments: ($) =>
      repeat1(
        choice(
          seq(token.immediate('.'), field('field', $.identifier)),
          seq(token.immediate('['), field('field', $.string), ']'),
        ),
      ),

    // A call on a dotted name (`session.sum(…)`) can be no built-in: its arguments are kept as
    // a balanced run of raw tokens, so that the checker reports it once (note 2).
    call_expression: ($) =>
      choice(
        seq(field('function', $.identifier), field('arguments', $.arguments)),
        seq(
          field('function', alias($._dotted_path, $.path_expression)),
          field('arguments', $.token_tree),
        ),
      ),

    arguments: ($) => seq('(', commaList($._expression), ')'),

    token_tree: ($) =>
      seq('(', repeat(choice($.token_tree, $.string, alias(/[^\s()"'{}#]+/, $.raw_token))), ')'),

    list_expression: ($) =>
      seq(
        '[',
        commaList(choice($._literal, $.null)),
        ']',
      ),

    parenthesized_expression: ($) => seq('(', $._expression, ')'),
  },
});
