-- Media sign-off: a reactive statement, press release or social post is drafted by the comms
-- team and passes through the approvers it needs before it is issued. Every decision is tied to
-- the exact version of the text approved (`commsflow doc put` stores a new version; approvals of
-- earlier versions in the current step no longer count).
--
-- To change who approves what, edit the chain and the steps below: no rebuild.
local wf = require "commsflow"
local calendar = require "calendar"

---------------------------------------------------------------------------------------------
-- Settings
---------------------------------------------------------------------------------------------

-- Without a journalist's deadline, how long each step has to decide.
local step_time = { reactive = wf.hours(4), proactive = wf.days(2) }

-- With a deadline, each step is due this long before the deadline for every step still to come,
-- plus this long for issuing the statement.
local margin_per_step = wf.minutes(30)

-- Who is told when a step is overdue; they may decide in the approvers' place. The director is
-- the accountable officer for all communications.
local fallback = { "director" }

---------------------------------------------------------------------------------------------
-- The chain: steps in order, each with the rule that says whether this statement needs it.
---------------------------------------------------------------------------------------------

local function proactive(item) return item.kind ~= "reactive_statement" end

local chain = {
  { step = "comms_review",      needed = function(item) return true end },
  { step = "clinical_review",   needed = function(item) return item.clinical_content end },
  { step = "exec_signoff",      needed = function(item) return item.reputational_risk == "high" or proactive(item) end },
  { step = "director_signoff",  needed = function(item) return item.pre_election and proactive(item) end },
  { step = "partner_agreement", needed = function(item) return item.lead_issue end },
  { step = "regional_signoff",  needed = function(item) return item.network_statement end },
}

-- The next step this statement needs after `step`, or "approved" when none is left.
local function next_after(step)
  return function(item)
    local passed = false
    for _, link in ipairs(chain) do
      if passed and link.needed(item) then return link.step end
      if link.step == step then passed = true end
    end
    return "approved"
  end
end

local function steps_left_after(item, step)
  local count, passed = 0, false
  for _, link in ipairs(chain) do
    if passed and link.needed(item) then count = count + 1 end
    if link.step == step then passed = true end
  end
  return count
end

-- Due: before the journalist's deadline, leaving time for the steps still to come and for
-- issuing; otherwise the standard time for the kind of statement.
local function due(item, ctx)
  if item.journalist_deadline then
    local margin = margin_per_step * (steps_left_after(item, ctx.step) + 1)
    return calendar.datetime(calendar.seconds(item.journalist_deadline) - margin)
  end
  return proactive(item) and step_time.proactive or step_time.reactive
end

---------------------------------------------------------------------------------------------
-- Rules: each returns true, or the reasons why not in plain English.
---------------------------------------------------------------------------------------------

local function consent_missing(item)
  return item.patient_identifiable and not item.consent_recorded
end

-- Applies to every decision in every step.
local function no_approval_without_consent(item, ctx)
  if consent_missing(item) and ctx.decision ~= "changes_required" and ctx.decision ~= "not_relevant" then
    return { "the statement identifies a patient and no consent is recorded: record consent or remove the details" }
  end
  return true
end

local function director_approved(item)
  for _, step in ipairs((item._approved or {}).steps or {}) do
    for _, d in ipairs(step.decisions) do
      if d.as == "director" and (d.decision == "approved" or d.decision == "approved_with_changes") then
        return true
      end
    end
  end
  return false
end

local function ready_to_issue(item, ctx)
  local reasons = {}
  local document = item._document
  if not document then
    reasons[#reasons + 1] = "there is no statement text yet"
  elseif not item._approved or item._approved.document_version ~= document.version then
    reasons[#reasons + 1] = string.format("version %d of the statement has not been approved", document.version)
  end
  if item.embargo_until and ctx.now < item.embargo_until then
    reasons[#reasons + 1] = "the statement is embargoed until " .. item.embargo_until
  end
  if consent_missing(item) then
    reasons[#reasons + 1] = "the statement identifies a patient and no consent is recorded"
  end
  if item.pre_election and proactive(item) and not director_approved(item) then
    reasons[#reasons + 1] = "a proactive announcement in a pre-election period needs the director's sign-off"
  end
  return #reasons == 0 or reasons
end

local function ready_for_review(item)
  local reasons = {}
  if item._document == nil then
    reasons[#reasons + 1] = "put the statement's text first: commsflow doc put REF --file statement.txt"
  end
  if item.lead_issue and not (item.partner_orgs and #item.partner_orgs > 0) then
    reasons[#reasons + 1] = "a lead issue must name the partner organisations (partner_orgs)"
  end
  return #reasons == 0 or reasons
end

---------------------------------------------------------------------------------------------
-- Steps
---------------------------------------------------------------------------------------------

local all_steps_after_review = { "clinical_review", "exec_signoff", "director_signoff",
                                 "partner_agreement", "regional_signoff", "approved" }

local function step(spec)
  spec.due = due
  spec.remind_before = wf.minutes(30)
  spec.escalate_to = fallback
  spec.guard = no_approval_without_consent
  spec.changes_required = "drafting"
  spec.actions = { withdraw = { to = "withdrawn", roles = { "head_of_comms", "director" } } }
  return wf.signoff(spec)
end

local function after(name)
  return { to = all_steps_after_review, route = next_after(name) }
end

return wf.workflow {
  name = "media_signoff",
  title = "Media statement sign-off",
  prefix = "MED",

  fields = {
    headline = wf.text { required = true, max = 200 },
    kind = wf.choice { "reactive_statement", "press_release", "social_post", required = true },
    enquiry = wf.text { max = 5000, label = "The journalist's question" },
    journalist = wf.text { max = 200 },
    outlet = wf.text { max = 200 },
    contact = wf.text { max = 200, label = "Journalist's phone or e-mail" },
    received_at = wf.datetime {},
    journalist_deadline = wf.datetime {},
    embargo_until = wf.datetime { label = "Embargoed until" },
    spokesperson = wf.text { max = 200 },
    reputational_risk = wf.choice { "high", "medium", "low", default = "medium" },
    clinical_content = wf.boolean { default = false },
    patient_identifiable = wf.boolean { default = false, label = "Identifies a patient" },
    consent_recorded = wf.boolean { default = false, label = "Patient consent recorded" },
    network_statement = wf.boolean { default = false, label = "Statement for the network" },
    lead_issue = wf.boolean { default = false, label = "Lead issue (agree with partners)" },
    partner_orgs = wf.list { of = wf.text {} },
    out_of_hours = wf.boolean { default = false },
    pre_election = wf.boolean { default = false, label = "Pre-election period" },

    -- Set by the workflow.
    drafted_by = wf.text {},
    issued_at = wf.datetime {},
    issued_channel = wf.text {},
    withdrawn_reason = wf.text {},
  },

  document = { label = "Statement", roles = { "comms_officer", "head_of_comms" } },

  submit = {
    roles = { "comms_officer", "head_of_comms" },
    effect = function(item, ctx)
      item.drafted_by = ctx.actor.name
      item.received_at = item.received_at or ctx.now
    end,
  },

  initial = "drafting",
  states = {
    drafting = {
      actions = {
        send_for_review = { to = "comms_review", roles = { "comms_officer", "head_of_comms" }, guard = ready_for_review },
        edit = {
          roles = { "comms_officer", "head_of_comms" },
          sets = { "headline", "enquiry", "journalist", "outlet", "contact", "journalist_deadline",
                   "embargo_until", "spokesperson", "reputational_risk", "clinical_content",
                   "patient_identifiable", "consent_recorded", "network_statement", "lead_issue",
                   "partner_orgs", "out_of_hours", "pre_election" },
        },
        withdraw = {
          to = "withdrawn", roles = { "comms_officer", "head_of_comms" },
          fields = { reason = wf.text { required = true, max = 500 } },
          effect = function(item, ctx) item.withdrawn_reason = ctx.payload.reason end,
        },
      },
    },

    comms_review = step {
      label = "Comms review",
      approvers = { "head_of_comms" }, rule = "any",
      approved = after("comms_review"),
    },
    clinical_review = step {
      label = "Clinical accuracy review",
      approvers = { "clinical_lead" }, rule = "any",
      approved = after("clinical_review"),
    },
    exec_signoff = step {
      label = "Executive sign-off",
      approvers = { "executive", "director" }, rule = "any",
      approved = after("exec_signoff"),
    },
    director_signoff = step {
      label = "Director sign-off (pre-election period)",
      approvers = { "director", "head_of_comms" }, primary = "director",
      approved = after("director_signoff"),
    },
    partner_agreement = step {
      label = "Partner agreement",
      approvers = { "partner_comms" }, rule = "all",
      approved = after("partner_agreement"),
    },
    regional_signoff = step {
      label = "NHS England regional comms lead",
      approvers = { "regional_comms_lead" }, rule = "any",
      approved = "approved",
    },

    approved = {
      actions = {
        issue = {
          to = "issued", roles = { "comms_officer", "head_of_comms" },
          fields = { channel = wf.choice { "email_to_journalist", "press_release_list", "website",
                                           "social_media", "broadcast_interview", required = true } },
          guard = ready_to_issue,
          effect = function(item, ctx)
            item.issued_at = ctx.now
            item.issued_channel = ctx.payload.channel
          end,
        },
        -- Timing can change between approval and issue: an embargo moves, an election is called.
        update_timing = { roles = { "comms_officer", "head_of_comms" }, sets = { "embargo_until", "pre_election" } },
        redraft = { to = "drafting", roles = { "comms_officer", "head_of_comms" } },
      },
    },
    issued = { final = true },
    withdrawn = { final = true },
  },
}
