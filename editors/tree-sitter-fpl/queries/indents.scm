; Indentation (SPEC §15): two spaces inside every block, list and argument list, and a rule's
; continuation clauses two spaces deeper than the rule.

[
  (agent)
  (trust)
  (budget)
  (phase)
  (rules)
  (audit)
  (credential)
  (config_block)
  (rule)
  (list)
  (list_expression)
  (arguments)
  (token_tree)
  (parenthesized_expression)
] @indent.begin

[
  "}"
  "]"
  ")"
] @indent.branch @indent.end

(comment) @indent.auto
