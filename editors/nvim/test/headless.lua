-- The plugin against the real server, in `nvim --headless` (run by test/run): a policy with an
-- error gets the server's diagnostic, completions are plain text (Neovim 0.7 takes no
-- snippets), `:FarameshFormat` makes the buffer exactly what
-- `faramesh fmt` prints, the tree-sitter parser builds, loads and highlights, and
-- `:checkhealth faramesh` reports all of it. Every wait is bounded: a server that does not answer
-- fails the test.
local binary = assert(os.getenv('FARAMESH_TEST_BIN'), 'FARAMESH_TEST_BIN names the faramesh binary')
local project = assert(os.getenv('FARAMESH_TEST_DIR'), 'FARAMESH_TEST_DIR names a scratch directory')
local timeout_ms = tonumber(os.getenv('FARAMESH_TEST_TIMEOUT_MS') or '30000')
-- A replacement server command line (for the test of the test: a server that never answers).
local server = os.getenv('FARAMESH_TEST_SERVER')

-- A policy with a type error (E0220) that `faramesh fmt` reindents.
local POLICY = {
  'agent   payments-bot {',
  'default deny',
  '    permit stripe/charge when amount < "x"',
  '  deny! shell/*',
  '}',
}

local function check(condition, message)
  if not condition then
    error(message, 2)
  end
end

local function text_of(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
end

local function diagnostic_code(diagnostic)
  local lsp = diagnostic.user_data and diagnostic.user_data.lsp
  return diagnostic.code or (lsp and lsp.code)
end

local function test_diagnostics_and_formatting()
  require('faramesh').setup({
    cmd = server and { 'sh', '-c', server } or { binary, 'lsp' },
    format_timeout_ms = timeout_ms,
    treesitter = { register = false },
  })
  vim.fn.mkdir(project, 'p')
  local path = project .. '/governance.fms'
  vim.fn.writefile(POLICY, path)
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  check(vim.bo[bufnr].filetype == 'fpl', 'governance.fms is detected as fpl, got ' .. vim.bo[bufnr].filetype)

  local arrived = vim.wait(timeout_ms, function()
    for _, diagnostic in ipairs(vim.diagnostic.get(bufnr)) do
      if diagnostic_code(diagnostic) == 'E0220' then
        return true
      end
    end
    return false
  end, 50)
  check(arrived, ('no E0220 diagnostic from the server within %d ms'):format(timeout_ms))
  local diagnostic = vim.tbl_filter(function(d)
    return diagnostic_code(d) == 'E0220'
  end, vim.diagnostic.get(bufnr))[1]
  check(diagnostic.lnum == 2, 'the diagnostic is on line 3, got ' .. (diagnostic.lnum + 1))
  check(diagnostic.severity == vim.diagnostic.severity.ERROR, 'the diagnostic is an error')
  local clients = require('faramesh.lsp').clients()
  check(#clients == 1, 'one faramesh client runs, got ' .. #clients)
  check(clients[1].config.root_dir == project, 'the client serves the policy root')
  check(vim.bo[bufnr].omnifunc == 'v:lua.vim.lsp.omnifunc', 'completion goes to the server')

  -- Neovim 0.7 declares no snippet support: a snippet completion arrives as plain text.
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = 1, character = 0 } }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/completion', params, timeout_ms)
  local block
  for _, response in pairs(responses or {}) do
    local items = response.result and (response.result.items or response.result) or {}
    for _, item in ipairs(items) do
      if item.label == 'rules block' then
        block = item
      end
    end
  end
  check(block ~= nil, 'the server completes `rules block` inside an agent')
  check(block.insertTextFormat ~= 2, 'the completion is not a snippet: ' .. vim.inspect(block))
  check(block.insertText == 'rules {\n  \n}', 'the completion inserts plain text: ' .. vim.inspect(block))

  local original = text_of(bufnr)
  local expected = vim.fn.system({ binary, 'fmt', '-' }, original)
  check(vim.v.shell_error == 0, 'faramesh fmt - failed: ' .. expected)
  check(expected ~= original, 'the policy is not in faramesh fmt style to begin with')
  vim.cmd('FarameshFormat')
  local formatted = text_of(bufnr)
  check(formatted == expected, 'the buffer after :FarameshFormat:\n' .. formatted .. '\nfaramesh fmt:\n' .. expected)
end

local function test_tree_sitter()
  local library, output = require('faramesh').build_parser(project .. '/parser')
  check(library ~= nil, 'the parser did not build: ' .. tostring(output))
  vim.opt.runtimepath:append(project)
  check(require('faramesh.treesitter').available(), 'Neovim loads the fpl parser')
  local bufnr = vim.api.nvim_get_current_buf()
  local parser = vim.treesitter.get_parser(bufnr, 'fpl')
  local root = parser:parse()[1]:root()
  check(not root:has_error(), 'the formatted policy parses without errors')
  local get_query = vim.treesitter.query.get or vim.treesitter.query.get_query
  local query = get_query('fpl', 'highlights')
  check(query ~= nil, 'the plugin puts queries/fpl/highlights.scm on the runtimepath')
  local found = {}
  for id, node in query:iter_captures(root, bufnr, 0, -1) do
    found[vim.treesitter.get_node_text(node, bufnr)] = query.captures[id]
  end
  local expected = {
    ['payments-bot'] = 'type',
    ['deny!'] = 'keyword.effect.mandatory',
    ['permit'] = 'keyword.effect.permit',
    ['stripe/charge'] = 'string.special.pattern',
    ['"x"'] = 'string',
    ['amount'] = 'variable',
  }
  for text, capture in pairs(expected) do
    check(found[text] == capture, ('`%s` is @%s, got @%s'):format(text, capture, tostring(found[text])))
  end
end

local function test_health()
  vim.cmd('checkhealth faramesh')
  local report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  local version = vim.trim(vim.fn.system({ binary, '--version' }))
  check(report:find(version, 1, true), 'the report names the server version:\n' .. report)
  check(report:find('serves ' .. project, 1, true), 'the report lists the running client:\n' .. report)
  check(report:find('Neovim loads the fpl parser', 1, true), 'the report finds the parser:\n' .. report)
  check(not report:find('ERROR'), 'the report has no error:\n' .. report)
end

local ok, failure = xpcall(function()
  test_diagnostics_and_formatting()
  test_tree_sitter()
  test_health()
end, debug.traceback)
if ok then
  io.stdout:write('\nnvim: 3 passed, 0 failed\n')
  vim.cmd('qall!')
else
  io.stderr:write('nvim headless test FAILED: ' .. tostring(failure) .. '\n')
  vim.cmd('cquit 1')
end
