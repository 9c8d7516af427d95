; Highlights for FPL. Every capture falls back to its first segment (`@keyword.effect.deny` to
; `@keyword`), so themes that know only the common names still colour everything.

(comment) @comment

; ---- effects: what a rule decides ------------------------------------------------------------

(effect ["permit" "allow" "approve"] @keyword.effect.permit)
(effect ["deny" "block" "reject"] @keyword.effect.deny)
(effect ["defer" "require_approval"] @keyword.effect.defer)
(mandatory_deny) @keyword.effect.mandatory
(effect_word) @keyword.effect

; ---- statement and clause keywords -----------------------------------------------------------

[
  "import" "as" "runtime" "provider" "identity" "trust" "system" "manifest" "agent"
  "key" "delegation" "from" "to" "inbound" "orchestrator" "undeclared" "grant" "max" "approval"
  "default" "model" "framework" "version" "var" "budget" "daily" "max_calls" "warn_at"
  "on_exceed" "tools" "phase" "duration" "next" "rules" "rate_limit" "per" "redact" "args"
  "egress" "alert" "audit" "include" "credential" "scope" "backend" "path" "ttl" "max_scope"
  "delegate" "selector" "ambient" "model_policy" "session" "spawn" "completion_gate"
  "enforcement" "when" "if" "method" "host" "port" "query" "header" "headers" "reason"
  "notify" "reeval"
] @keyword

"env" @function.builtin

; ---- literals ------------------------------------------------------------------------------

(string) @string
(number) @number
(money) @number.money
(duration) @number.duration
(size) @number.size
(boolean) @boolean
(null) @constant.builtin
(pattern) @string.special.pattern
(public_key) @string.special.key

; ---- names ----------------------------------------------------------------------------------

(agent name: (identifier) @type)
(phase name: (identifier) @label)
(budget id: (identifier) @label)
(credential name: (identifier) @label)
(provider name: (identifier) @module)
(identity name: (identifier) @module)
(system name: (identifier) @module)
(delegate name: (identifier) @type)
(selector name: (identifier) @label)
(import alias: (identifier) @module)
(variable name: (identifier) @variable)
(config_entry key: (identifier) @property)
(trust_entry kind: (identifier) @property)
(keyed_selector_clause name: (identifier) @property)
(rate_limit window: (identifier) @constant)
(audit_include what: (identifier) @constant)

; ---- conditions ------------------------------------------------------------------------------

(path_expression
  root: (identifier) @variable.builtin
  (#any-of? @variable.builtin "args" "principal" "session" "time" "tool" "agent" "vars"))
(path_expression
  root: (identifier) @variable
  (#not-any-of? @variable "args" "principal" "session" "time" "tool" "agent" "vars"))
(path_expression field: (identifier) @variable.member)
(call_expression function: (identifier) @function.builtin)
(raw_token) @variable

[
  "and" "or" "not" "in" "matches" "contains" "starts_with" "ends_with"
] @keyword.operator

[
  "==" "!=" "<" "<=" ">" ">=" "=~" "!~" "&&" "||" "="
] @operator

(unary_expression operator: "!" @operator)

["{" "}" "(" ")" "[" "]"] @punctuation.bracket
["," ":" "."] @punctuation.delimiter
