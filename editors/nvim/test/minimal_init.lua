-- The init file of the headless test: this plugin on an otherwise empty 'runtimepath'
-- ($VIMRUNTIME only), with filetype detection and plugins loaded as a user's Neovim loads them.
local plugin = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')
vim.opt.runtimepath = { plugin, vim.env.VIMRUNTIME, vim.fn.stdpath('data') .. '/site' }
vim.opt.packpath = {}
vim.opt.swapfile = false
vim.cmd('filetype plugin on')
