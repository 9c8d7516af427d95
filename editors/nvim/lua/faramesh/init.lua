-- FPL (Faramesh Policy Language) for Neovim: the `faramesh lsp` client, formatting and the
-- tree-sitter parser. `setup()` is optional: the plugin works with the defaults of
-- lua/faramesh/config.lua.
local config = require('faramesh.config')

local M = {}

--- Sets the options (see lua/faramesh/config.lua) and registers the tree-sitter parser.
function M.setup(opts)
  config.set(opts)
  if config.options.treesitter.register then
    require('faramesh.treesitter').register()
  end
end

--- Starts or attaches the language server for a buffer (0: the current one).
function M.attach(bufnr)
  return require('faramesh.lsp').attach(bufnr)
end

--- Formats a buffer (0: the current one) through the language server.
function M.format(bufnr)
  require('faramesh.lsp').format(bufnr)
end

--- Restarts the language server.
function M.restart()
  require('faramesh.lsp').restart()
end

--- Builds the tree-sitter parser into Neovim's parser directory, for Neovim without
--- nvim-treesitter. Returns the library's path, or nil and the compiler's output.
function M.build_parser(dir)
  return require('faramesh.treesitter').build(dir)
end

return M
