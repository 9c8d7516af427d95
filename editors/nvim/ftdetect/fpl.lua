-- Filetype detection: `*.fpl` and `*.fms` (`governance.fms` among them) are FPL.
vim.cmd([[autocmd BufRead,BufNewFile *.fpl,*.fms setfiletype fpl]])
