; Folds: every braced block, and a rule written on several lines.

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
] @fold
