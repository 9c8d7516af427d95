; Scopes, definitions and references: an agent's `var`s and phases are defined in the agent and
; referenced as `vars.<name>` in conditions and by a phase's `next`.

(agent) @local.scope

(variable name: (identifier) @local.definition.var)

(phase name: (identifier) @local.definition.namespace)

(path_expression
  root: (identifier) @_root
  field: (identifier) @local.reference
  (#eq? @_root "vars"))

(phase_item
  key: "next"
  value: (identifier) @local.reference)
