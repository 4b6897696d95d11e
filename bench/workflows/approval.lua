-- A three-step approval of ordinary actions (role check, Lua guard, Lua effect): the workflow
-- of the items in the benchmark's verify chain (figure 3). Figure 1 uses signoff.lua.
local wf = require "commsflow"

local function someone_else(item, ctx)
  if ctx.actor and ctx.actor.name == item.drafted_by then
    return { "you drafted this, so someone else must approve it" }
  end
  return true
end

local function approval(to, roles)
  return {
    to = to, roles = roles, guard = someone_else,
    effect = function(item, ctx)
      item.approvals = (item.approvals or 0) + 1
      item.last_approved_by = ctx.actor.name
    end,
  }
end

return wf.workflow {
  name = "bench_approval",
  title = "Three-step approval (benchmark)",
  prefix = "BEN",
  fields = {
    headline = wf.text { required = true, max = 200 },
    drafted_by = wf.text {},
    approvals = wf.integer { min = 0 },
    last_approved_by = wf.text {},
  },
  submit = {
    roles = { "comms_officer" },
    effect = function(item, ctx) item.drafted_by = ctx.actor.name end,
  },
  initial = "drafted",
  states = {
    drafted = { actions = { comms_approve = approval("comms_approved", { "head_of_comms" }) } },
    comms_approved = { actions = { director_approve = approval("director_approved", { "director" }) } },
    director_approved = { actions = { executive_approve = approval("approved", { "executive" }) } },
    approved = { final = true },
  },
}
