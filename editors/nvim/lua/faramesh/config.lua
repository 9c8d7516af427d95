-- The plugin's options: defaults, merged with what `require('faramesh').setup()` is given.
local M = {}

--- The defaults; `setup()` merges the user's options into a copy.
M.defaults = {
  -- The language server's command line.
  cmd = { 'faramesh', 'lsp' },
  -- A policy's root is the nearest directory above the file holding one of these.
  root_markers = { 'faramesh.toml', 'governance.fms', '.git' },
  -- How long a format request may take before the buffer is left as it is.
  format_timeout_ms = 5000,
  -- Format FPL buffers before writing them.
  format_on_save = false,
  -- Called as on_attach(client, bufnr) when the server attaches to a buffer.
  on_attach = nil,
  -- LSP client capabilities (default: vim.lsp.protocol.make_client_capabilities()).
  capabilities = nil,
  treesitter = {
    -- Register the parser with nvim-treesitter, when it is installed.
    register = true,
    -- The tree-sitter-fpl directory (default: the one beside this plugin in the repository).
    grammar_dir = nil,
  },
}

--- The options in force.
M.options = vim.deepcopy(M.defaults)

--- Replaces the options in force with the defaults merged with `opts`.
function M.set(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts or {})
end

return M
