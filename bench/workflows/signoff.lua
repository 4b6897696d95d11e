-- A three-step media sign-off used by the benchmark: one document version, then a decision in
-- each of three sign-off steps (head of comms, clinical lead, director; any one approver each),
-- the same machinery as workflows/media_signoff.lua without its routing and due times.
local wf = require "commsflow"

local function step(approver, next_state)
  return wf.signoff {
    approvers = { approver }, rule = "any",
    approved = next_state, changes_required = "drafting",
  }
end

return wf.workflow {
  name = "bench_signoff",
  title = "Three-step sign-off (benchmark)",
  prefix = "BSO",
  fields = {
    headline = wf.text { required = true, max = 200 },
  },
  document = { roles = { "comms_officer" } },
  submit = { roles = { "comms_officer" } },
  initial = "drafting",
  states = {
    drafting = { actions = { send = { to = "comms_review", roles = { "comms_officer" } } } },
    comms_review = step("head_of_comms", "clinical_review"),
    clinical_review = step("clinical_lead", "director_signoff"),
    director_signoff = step("director", "approved"),
    approved = { final = true },
  },
}
