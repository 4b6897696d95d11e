#include "lua/prelude.h"

namespace commsflow {

const char* const kCommsflowPrelude = R"lua(
local getinfo, os_time, os_date, os_difftime, now, uk_offset = ...

-- Line of the workflow code that called the constructor which called this.
local function caller_line()
  local info = getinfo(3, "l")
  return info and info.currentline or 0
end

local function copy(spec, kind)
  if spec ~= nil and type(spec) ~= "table" then
    error("commsflow." .. kind .. " expects a table, as in commsflow." .. kind .. " { ... }", 3)
  end
  local out = {}
  for k, v in pairs(spec or {}) do out[k] = v end
  return out
end

local function field(kind)
  return function(spec)
    local f = copy(spec, kind)
    f.__field, f.__line = kind, caller_line()
    return f
  end
end

local M = {}
M.text = field("text")
M.boolean = field("boolean")
M.integer = field("integer")
M.number = field("number")
M.date = field("date")
M.datetime = field("datetime")
-- commsflow.actor { role = "comms_officer" }: the name of an actor holding that role.
M.actor = field("actor")

-- commsflow.choice { "red", "amber", "green", required = true }
function M.choice(spec)
  local f = copy(spec, "choice")
  f.__field, f.__line = "choice", caller_line()
  if f.options == nil then
    local options = {}
    for i, v in ipairs(spec) do options[i] = v; f[i] = nil end
    f.options = options
  end
  return f
end

-- commsflow.list { of = commsflow.text {} }
M.list = field("list")

-- commsflow.record { name = commsflow.text {}, impact = commsflow.boolean {} }
function M.record(spec)
  local f = { fields = {} }
  for k, v in pairs(copy(spec, "record")) do
    if type(v) == "table" and v.__field then f.fields[k] = v else f[k] = v end
  end
  f.__field, f.__line = "record", caller_line()
  return f
end

-- Optional wrappers that record exact source lines for `commsflow check` messages.
function M.state(spec) local s = copy(spec, "state"); s.__line = caller_line(); return s end
function M.action(spec) local a = copy(spec, "action"); a.__line = caller_line(); return a end

-- A sign-off step: approvers decide on the current document version.
-- commsflow.signoff { approvers = { "head_of_comms" }, rule = "any", approved = "next_state",
--                     changes_required = "drafting", due = function(item, ctx) ... end }
function M.signoff(spec)
  local s = copy(spec, "signoff")
  s.__signoff, s.__line = true, caller_line()
  return s
end

function M.workflow(spec)
  local w = copy(spec, "workflow")
  w.__workflow, w.__line = true, caller_line()
  return w
end

-- One line of a stage checklist: commsflow.check("EIA complete", ok, "why, when useful").
function M.check(label, ok, why)
  if type(label) ~= "string" then error("commsflow.check expects a label (text) first", 2) end
  return { label = label, ok = ok and true or false, why = why }
end

-- Durations in seconds.
function M.minutes(n) return n * 60 end
function M.hours(n) return n * 3600 end
function M.days(n) return n * 86400 end

-- The engine's current time, as 2026-11-22T09:30:00Z.
function M.now() return os_date("!%Y-%m-%dT%H:%M:%SZ", now()) end

-- Seconds UK time is ahead of UTC at `seconds` since 1970 (UTC): 0 in winter, 3600 in summer.
function M.uk_offset(seconds)
  if math.type(seconds) ~= "integer" then
    error("commsflow.uk_offset expects whole seconds since 1970, got " .. tostring(seconds), 2)
  end
  return uk_offset(seconds)
end

local os = {
  time = function(t) if t == nil then return now() end return os_time(t) end,
  date = function(format, t) return os_date(format, t or now()) end,
  difftime = os_difftime,
}
return M, os
)lua";

}  // namespace commsflow
