-- Incidents: when a major incident takes the team's capacity, less critical work is paused
-- (each workflow's `incidents.holds` says which) and resumes when the incident closes.
-- Declared and closed with `commsflow incident declare|close`.
local wf = require "commsflow"

return wf.workflow {
  name = "incident",
  title = "Incident",
  prefix = "INC",
  fields = {
    name = wf.text { required = true, max = 100 },
    level = wf.choice { "major", "minor", required = true },
    closed_at = wf.datetime {},
  },
  submit = { roles = { "triager" }, sets = { "name", "level" } },
  -- Incidents are the comms team's.
  read = { roles = { "triager", "comms_officer", "head_of_comms", "director", "governance" } },
  initial = "active",
  states = {
    active = {
      actions = {
        close = {
          to = "closed",
          roles = { "triager" },
          effect = function(item, ctx) item.closed_at = ctx.now end,
        },
      },
    },
    closed = { final = true },
  },
}
