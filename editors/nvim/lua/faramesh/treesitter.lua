-- The tree-sitter parser of editors/tree-sitter-fpl: registered with nvim-treesitter, or built
-- directly into Neovim's parser directory for Neovim without it.
local config = require('faramesh.config')

local M = {}

--- The tree-sitter-fpl directory: the configured one, else the one beside this plugin.
function M.grammar_dir()
  local configured = config.options.treesitter.grammar_dir
  if configured then
    return vim.fn.fnamemodify(configured, ':p'):gsub('/$', '')
  end
  -- This file is <repository>/editors/nvim/lua/faramesh/treesitter.lua, perhaps reached through
  -- a symbolic link (a plain package links editors/nvim): the repository is where it points.
  local source = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p')
  local real = (vim.uv or vim.loop).fs_realpath(source) or source
  return vim.fn.fnamemodify(real, ':h:h:h:h') .. '/tree-sitter-fpl'
end

--- Registers the parser with nvim-treesitter (both its `master` and `main` branches), so that
--- `:TSInstall fpl` builds it; registering again replaces the registration. Returns false when
--- nvim-treesitter is not installed.
function M.register()
  local ok, parsers = pcall(require, 'nvim-treesitter.parsers')
  if not ok then
    return false
  end
  local dir = M.grammar_dir()
  if type(parsers.get_parser_configs) == 'function' then
    parsers.get_parser_configs().fpl = {
      install_info = { url = dir, files = { 'src/parser.c' }, requires_generate_from_grammar = false },
      filetype = 'fpl',
    }
  else
    vim.api.nvim_create_autocmd('User', {
      group = vim.api.nvim_create_augroup('faramesh_treesitter', { clear = true }),
      pattern = 'TSUpdate',
      callback = function()
        require('nvim-treesitter.parsers').fpl = {
          install_info = { path = dir, queries = 'queries' },
        }
      end,
    })
  end
  return true
end

--- Compiles the parser with the C compiler into `<dir>/fpl.so` (default: the `parser`
--- directory of Neovim's data directory, which is on 'runtimepath'). Returns the library's path,
--- or nil and the compiler's output.
function M.build(dir)
  dir = dir or (vim.fn.stdpath('data') .. '/site/parser')
  vim.fn.mkdir(dir, 'p')
  local src = M.grammar_dir() .. '/src'
  local library = dir .. '/fpl.so'
  local output = vim.fn.system({
    os.getenv('CC') or 'cc', '-shared', '-fPIC', '-O2', '-I', src, src .. '/parser.c', '-o', library,
  })
  if vim.v.shell_error ~= 0 then
    return nil, output
  end
  return library
end

--- Whether Neovim can load the fpl parser (built, or installed by nvim-treesitter).
function M.available()
  if vim.treesitter.language and vim.treesitter.language.add then
    return (pcall(vim.treesitter.language.add, 'fpl'))
  end
  return (pcall(vim.treesitter.require_language, 'fpl'))
end

return M
