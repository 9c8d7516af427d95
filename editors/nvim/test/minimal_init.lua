-- The init file of the headless test: an otherwise empty 'runtimepath' ($VIMRUNTIME only) and
-- the data directory's packages, where test/run linked this plugin as a plain package, with
-- filetype detection and plugins loaded as a user's Neovim loads them.
local site = vim.fn.stdpath('data') .. '/site'
vim.opt.runtimepath = { vim.env.VIMRUNTIME, site }
vim.opt.packpath = { site }
vim.opt.swapfile = false
vim.cmd('filetype plugin on')
