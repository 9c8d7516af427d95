-- Starts the language server for every FPL buffer, registers the tree-sitter parser with
-- nvim-treesitter and defines the plugin's commands. Options set by a `setup()` call in init.lua
-- (which runs before this file) are in force.
if vim.g.loaded_faramesh then
  return
end
vim.g.loaded_faramesh = true

if require('faramesh.config').options.treesitter.register then
  require('faramesh.treesitter').register()
end

local group = vim.api.nvim_create_augroup('faramesh', { clear = true })

vim.api.nvim_create_autocmd('FileType', {
  group = group,
  pattern = 'fpl',
  callback = function(args)
    require('faramesh').attach(args.buf)
  end,
})

vim.api.nvim_create_autocmd('BufWritePre', {
  group = group,
  pattern = { '*.fpl', '*.fms' },
  callback = function(args)
    if require('faramesh.config').options.format_on_save then
      require('faramesh').format(args.buf)
    end
  end,
})

vim.api.nvim_create_user_command('FarameshFormat', function()
  require('faramesh').format(0)
end, { desc = 'Format the FPL buffer with faramesh lsp' })

vim.api.nvim_create_user_command('FarameshRestart', function()
  require('faramesh').restart()
end, { desc = 'Restart faramesh lsp' })

vim.api.nvim_create_user_command('FarameshBuildParser', function()
  local library, output = require('faramesh').build_parser()
  if library then
    vim.notify('faramesh: built ' .. library, vim.log.levels.INFO)
  else
    vim.notify('faramesh: building the parser failed:\n' .. output, vim.log.levels.ERROR)
  end
end, { desc = 'Compile the FPL tree-sitter parser into Neovim\'s parser directory' })
