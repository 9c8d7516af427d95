-- The language client: starts `faramesh lsp` for FPL buffers, one client per policy root, and
-- formats through it. Neovim 0.7 has neither `vim.lsp.start` nor `vim.lsp.buf.format`; their
-- older counterparts are used there.
local config = require('faramesh.config')

local M = {}

--- The client name, shown by :LspInfo and used to find the client again.
M.name = 'faramesh'

-- Client ids by root directory, for Neovim 0.7 where vim.lsp.start does not reuse clients.
local clients_by_root = {}

local function buffer(bufnr)
  if bufnr == nil or bufnr == 0 then
    return vim.api.nvim_get_current_buf()
  end
  return bufnr
end

--- The nearest directory above the buffer's file that holds a root marker, else the file's own.
function M.root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(buffer(bufnr))
  local start = name ~= '' and vim.fn.fnamemodify(name, ':p:h') or vim.loop.cwd()
  local dir = start
  while true do
    for _, marker in ipairs(config.options.root_markers) do
      if vim.loop.fs_stat(dir .. '/' .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return start
    end
    dir = parent
  end
end

local function client_config(root)
  local options = config.options
  return {
    name = M.name,
    cmd = options.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    capabilities = options.capabilities or vim.lsp.protocol.make_client_capabilities(),
    on_attach = function(client, bufnr)
      -- <C-x><C-o> completes from the server (Neovim 0.7 sets no default omnifunc).
      if vim.bo[bufnr].omnifunc == '' then
        vim.bo[bufnr].omnifunc = 'v:lua.vim.lsp.omnifunc'
      end
      if options.on_attach then
        options.on_attach(client, bufnr)
      end
    end,
  }
end

--- The running faramesh clients.
function M.clients()
  local all = (vim.lsp.get_clients or vim.lsp.get_active_clients)()
  return vim.tbl_filter(function(client)
    return client.name == M.name
  end, all)
end

--- Starts the server for the buffer's policy root, or attaches the buffer to the running one.
--- Returns the client id, or nil when the server could not be started.
function M.attach(bufnr)
  bufnr = buffer(bufnr)
  local root = M.root_dir(bufnr)
  if vim.lsp.start then
    return vim.lsp.start(client_config(root), { bufnr = bufnr })
  end
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if client == nil or client.is_stopped() then
    id = vim.lsp.start_client(client_config(root))
    if id == nil then
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Formats the buffer with the server (SPEC §15's style, as `faramesh fmt` prints it).
function M.format(bufnr)
  bufnr = buffer(bufnr)
  local timeout_ms = config.options.format_timeout_ms
  if vim.lsp.buf.format then
    vim.lsp.buf.format({ bufnr = bufnr, timeout_ms = timeout_ms, name = M.name })
  else
    vim.api.nvim_buf_call(bufnr, function()
      vim.lsp.buf.formatting_sync(nil, timeout_ms)
    end)
  end
end

--- Stops every faramesh client and starts the server again for the buffers they served.
function M.restart()
  local buffers = {}
  for _, client in ipairs(M.clients()) do
    for bufnr in pairs(client.attached_buffers or {}) do
      table.insert(buffers, bufnr)
    end
    client.stop()
  end
  clients_by_root = {}
  for _, bufnr in ipairs(buffers) do
    if vim.api.nvim_buf_is_valid(bufnr) then
      M.attach(bufnr)
    end
  end
end

return M
