-- `:checkhealth faramesh`: the server binary, the running clients and the tree-sitter parser.
local config = require('faramesh.config')

local M = {}

-- Neovim 0.7 reports through require('health').report_*, 0.8 through vim.health.report_*,
-- 0.9 and later through vim.health.start/ok/warn/error/info.
local health = vim.health or require('health')
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local error = health.error or health.report_error
local info = health.info or health.report_info

local function check_server()
  start('faramesh: language server')
  local cmd = config.options.cmd
  if vim.fn.executable(cmd[1]) ~= 1 then
    error(('`%s` is not executable'):format(cmd[1]), {
      'Install it from the repository: cargo install --path cli --locked',
      "Or point the plugin at it: require('faramesh').setup({ cmd = { '/path/to/faramesh', 'lsp' } })",
    })
    return
  end
  local version = vim.fn.system({ cmd[1], '--version' })
  if vim.v.shell_error ~= 0 then
    error(('`%s --version` failed: %s'):format(cmd[1], version))
    return
  end
  ok(('%s (%s)'):format(vim.trim(version), vim.fn.exepath(cmd[1])))
  local clients = require('faramesh.lsp').clients()
  if #clients == 0 then
    info('No server is running: open an FPL file (*.fpl, *.fms) to start one.')
  end
  for _, client in ipairs(clients) do
    ok(('client %d serves %s'):format(client.id, client.config.root_dir))
  end
end

local function check_treesitter()
  start('faramesh: tree-sitter')
  local treesitter = require('faramesh.treesitter')
  local dir = treesitter.grammar_dir()
  if vim.fn.filereadable(dir .. '/src/parser.c') ~= 1 then
    warn(('no tree-sitter grammar at %s'):format(dir), {
      "Set require('faramesh').setup({ treesitter = { grammar_dir = '…/editors/tree-sitter-fpl' } })",
    })
    return
  end
  ok('grammar: ' .. dir)
  if treesitter.available() then
    ok('Neovim loads the fpl parser')
  else
    warn('the fpl parser is not built', {
      'With nvim-treesitter: :TSInstall fpl',
      'Without it: :FarameshBuildParser (needs a C compiler)',
    })
  end
  if pcall(require, 'nvim-treesitter') then
    ok('nvim-treesitter is installed; the parser is registered as `fpl`')
  else
    info('nvim-treesitter is not installed (optional)')
  end
end

--- The checks of `:checkhealth faramesh`.
function M.check()
  check_server()
  check_treesitter()
end

return M
