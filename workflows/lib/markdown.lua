-- People's own words in a Markdown report, shown as they wrote them. Reports are Markdown
-- (rendered as CommonMark for their HTML page), so a response that says "<b>Yes</b>" or
-- "*after*" would otherwise lose its tags or turn to italics.
local M = {}

-- Characters that mark up text anywhere in a line: each is escaped with a backslash.
local inline = "[\\`*_%[%]<>&~]"

-- A line's start that would open a block: a heading, a list item, a quote, a rule.
local function escape_line_start(line)
  line = line:gsub("^%s+", "") -- four spaces would make it code
  line = line:gsub("^([#+=-])", "\\%1")
  line = line:gsub("^(%d+)([.)])", "%1\\%2")
  return line
end

-- `s` escaped to read as written, on one line of a report or a list item: each line break in it
-- becomes a line break in the item, its next line indented by `indent` (default two spaces, as
-- in "- ..." items). Blank lines are kept as a single break, so that the item is not ended.
-- nil gives "".
function M.text(s, indent)
  if s == nil then return "" end
  indent = indent or "  "
  local lines = {}
  for line in (tostring(s) .. "\n"):gmatch("(.-)\r?\n") do
    line = escape_line_start((line:gsub(inline, "\\%0")))
    if line:match("%S") then lines[#lines + 1] = line end
  end
  return table.concat(lines, "\\\n" .. indent)
end

return M
