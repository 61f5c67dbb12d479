-- Drives Neovim's built-in LSP client against `ecgd --stdio`: opens a CSV, waits for the
-- diagnostics ecgd publishes, hovers a line, edits a line, waits for the diagnostics to change,
-- and writes what it saw as JSON for test_neovim.py to check.
--   nvim --headless -u NONE -c "luafile neovim_lsp_test.lua"   (settings in $ECGD_NVIM_TEST, a JSON file)
local settings = vim.fn.json_decode(vim.fn.readfile(os.getenv("ECGD_NVIM_TEST")))
local seen = { events = {} }

local function finish(problem)
  seen.problem = problem
  vim.fn.writefile({ vim.fn.json_encode(seen) }, settings.output)
  vim.cmd("qall!")
end

local function diagnostics()
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(out, { line = d.lnum, severity = d.severity, message = d.message })
  end
  table.sort(out, function(a, b) return a.line < b.line end)
  return out
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(settings.file))
  local id = vim.lsp.start_client({
    name = "ecgd",
    cmd = settings.cmd,
    root_dir = settings.root,
    init_options = settings.init_options,
  })
  assert(id, "the LSP client did not start")
  assert(vim.lsp.buf_attach_client(0, id), "could not attach the LSP client")
  table.insert(seen.events, "attached")

  if not vim.wait(settings.wait_ms, function() return #vim.diagnostic.get(0) > 0 end, 20) then
    return finish("no diagnostics arrived after opening the file")
  end
  seen.opened = diagnostics()
  seen.capabilities = vim.lsp.get_client_by_id(id).server_capabilities

  local hover = vim.lsp.buf_request_sync(0, "textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(0) },
    position = { line = settings.hover_line, character = 0 },
  }, settings.wait_ms)
  local answer = hover and hover[id]
  if not answer or answer.err or not answer.result then
    return finish("no hover answer: " .. vim.inspect(answer))
  end
  seen.hover = answer.result.contents.value

  local before = vim.inspect(seen.opened)
  vim.api.nvim_buf_set_lines(0, settings.edit_line, settings.edit_line + 1, false, { settings.edit_text })
  table.insert(seen.events, "edited")
  if not vim.wait(settings.wait_ms, function() return vim.inspect(diagnostics()) ~= before end, 20) then
    return finish("the diagnostics did not change after the edit")
  end
  seen.edited = diagnostics()
  finish(nil)
end)
if not ok then finish("error: " .. tostring(err)) end
