-- Media sign-off: a reactive statement, press release or social post is drafted by the comms
-- team and passes through the approvers it needs before it is issued. Every decision is tied to
-- the exact version of the text approved: a new version (`commsflow doc put`) voids every
-- approval given so far and restarts the chain, and so does a change to a condition the
-- approvals were given under (see `approval`), unless it only moves the release later.
--
-- To change who approves what, edit the chain and the steps below: no rebuild.
local wf = require "commsflow"
local calendar = require "calendar"

---------------------------------------------------------------------------------------------
-- Settings
---------------------------------------------------------------------------------------------

-- Without a journalist's deadline, how long each step has to decide: hours for a reactive
-- statement, days (to the same UK time of day) for a proactive one.
local step_time = { reactive_hours = 4, proactive_days = 2 }

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
  { step = "comms_review",      label = "Comms review",
    needed = function(item) return true end },
  { step = "clinical_review",   label = "Clinical accuracy review",
    needed = function(item) return item.clinical_content end },
  { step = "exec_signoff",      label = "Executive sign-off",
    needed = function(item) return item.reputational_risk == "high" or proactive(item) end },
  { step = "director_signoff",  label = "Director sign-off (pre-election period)",
    needed = function(item) return item.pre_election and proactive(item) end },
  { step = "partner_agreement", label = "Partner agreement",
    needed = function(item) return item.lead_issue end },
  { step = "regional_signoff",  label = "NHS England regional comms lead",
    needed = function(item) return item.network_statement end },
}

local step_labels = {}
for _, link in ipairs(chain) do step_labels[link.step] = link.label end

-- Steps that have passed and still stand (after a changed condition added a step, the steps
-- that approved before are not asked again).
local function passed(item, step)
  for _, link in ipairs(item._chain or {}) do
    if link.step == step then return true end
  end
  return false
end

-- The steps this statement still needs after `step`, in order.
local function steps_after(item, step)
  local out, seen = {}, false
  for _, link in ipairs(chain) do
    if seen and link.needed(item) and not passed(item, link.step) then out[#out + 1] = link.step end
    if link.step == step then seen = true end
  end
  return out
end

-- The next step this statement needs after `step`, or "approved" when none is left.
local function next_after(step)
  return function(item)
    return steps_after(item, step)[1] or "approved"
  end
end

local function steps_left_after(item, step)
  return #steps_after(item, step)
end

-- Due: before the journalist's deadline, leaving time for the steps still to come and for
-- issuing. When the deadline is too close for that, the time left is shared equally between
-- this step, those to come and issuing, so a step is never due before it starts. Without a
-- deadline, or once it has passed, the standard time for the kind of statement.
local function due(item, ctx)
  local standard = proactive(item) and calendar.add_days_at(ctx.now, step_time.proactive_days)
    or wf.hours(step_time.reactive_hours)
  if not item.journalist_deadline then return standard end
  local deadline, now = calendar.seconds(item.journalist_deadline), calendar.seconds(ctx.now)
  if deadline <= now then return standard end
  local after = steps_left_after(item, ctx.step) + 1 -- the steps to come, and issuing
  local share = (deadline - now) // (after + 1)
  return calendar.datetime(math.max(deadline - margin_per_step * after, now + share))
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

-- The labels of the steps whose decisions are not all on `version` (none, for an approval
-- made since every new version restarts the chain; a legacy approval may have some).
local function steps_not_on(approved, version)
  local out = {}
  for _, step in ipairs(approved.steps or {}) do
    for _, d in ipairs(step.decisions or {}) do
      if d.document_version ~= version then
        out[#out + 1] = string.format("%s (version %d)", step_labels[step.step] or step.step,
                                      d.document_version)
        break
      end
    end
  end
  return out
end

-- The labels of the steps this statement needs that are not in the approval (a condition that
-- changed in a record written before conditions were part of the approval).
local function steps_missing(item, approved)
  local out = {}
  for _, link in ipairs(chain) do
    local found = false
    for _, step in ipairs(approved.steps or {}) do
      if step.step == link.step then found = true end
    end
    if link.needed(item) and not found then out[#out + 1] = link.label end
  end
  return out
end

-- Steps that approved with changes: the edit they asked for must be made (a new version, which
-- goes back through the chain to them) before the statement can go out.
local function edits_asked(approved)
  local out = {}
  for _, step in ipairs(approved.steps or {}) do
    if step.result == "approved_with_changes" then out[#out + 1] = step_labels[step.step] or step.step end
  end
  return out
end

-- Whether a step approved the statement (with changes or without): "not relevant" from every
-- step passes the chain, but nobody has approved what goes out.
local function any_step_approved(approved)
  for _, step in ipairs(approved.steps or {}) do
    if step.result == "approved" or step.result == "approved_with_changes" then return true end
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
  else
    local stale = steps_not_on(item._approved, document.version)
    if #stale > 0 then
      reasons[#reasons + 1] = string.format(
        "every step must approve version %d, the version to be issued; these approved another: %s",
        document.version, table.concat(stale, ", "))
    end
    local missing = steps_missing(item, item._approved)
    if #missing > 0 then
      reasons[#reasons + 1] = "these steps have not approved it: " .. table.concat(missing, ", ")
    end
    if not any_step_approved(item._approved) then
      reasons[#reasons + 1] = "no step approved it: every step found it not relevant"
    end
    local asked = edits_asked(item._approved)
    if #asked > 0 then
      reasons[#reasons + 1] = "approved with changes in " .. table.concat(asked, ", ")
        .. ": put the edited version, which goes back through the chain, before issuing"
    end
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

-- What a change to an approval condition means once approvals stand (see `approval` below):
-- a release brought forward, a pre-election flag cleared or patient details changed needs the
-- whole chain again; a step the new values need that has not approved is added; anything else
-- (an embargo moved later) stands, and the event records the change.
local function earlier(now_value, was_value)
  if was_value == nil then return false end
  return now_value == nil or now_value < was_value
end

local function conditions_changed(item, ctx)
  local was = ctx.was
  local restart = earlier(item.embargo_until, was.embargo_until)
    or (was.pre_election and not item.pre_election)
    or (item.patient_identifiable and not was.patient_identifiable)
    or (was.consent_recorded and not item.consent_recorded)
  for _, name in ipairs(ctx.changed) do
    if name == "partner_orgs" or name == "kind" then restart = true end
  end
  if restart then return chain[1].step end
  -- A step now needed that was skipped: back to it. Steps after the current one come anyway.
  for _, link in ipairs(chain) do
    if link.step == ctx.state then break end
    local done = false
    for _, step in ipairs(ctx.passed) do
      if step == link.step then done = true end
    end
    if link.needed(item) and not done then return link.step end
  end
  return true
end

local function ready_for_review(item)
  local reasons = {}
  if item._document == nil then
    reasons[#reasons + 1] = "put the statement's text first (a new version of the document)"
  end
  if item.lead_issue and not (item.partner_orgs and #item.partner_orgs > 0) then
    reasons[#reasons + 1] = "a lead issue must name the partner organisations"
  end
  -- Sent back with changes asked for, and nothing changed since: the same text would go round again.
  local returned = item._returned
  if returned then
    reasons[#reasons + 1] = string.format(
      "%s asked for changes to version %d and nothing has changed since: put a new version of the "
      .. "text, or edit the details, first", step_labels[returned.step] or returned.step,
      returned.document_version)
  end
  return #reasons == 0 or reasons
end

---------------------------------------------------------------------------------------------
-- Steps
---------------------------------------------------------------------------------------------

local all_steps_after_review = { "clinical_review", "exec_signoff", "director_signoff",
                                 "partner_agreement", "regional_signoff", "approved" }

-- Withdrawing a statement, by the roles given: it will not be issued, and the reason is kept.
local function withdraw(roles)
  return {
    to = "withdrawn", roles = roles,
    confirm = "Withdraw this statement? It will not be issued.",
    fields = { reason = wf.text { required = true, max = 500 } },
    effect = function(item, ctx) item.withdrawn_reason = ctx.payload.reason end,
  }
end

-- A sign-off step of the chain: its label from the chain, and on approval the next step needed.
local function step(name, spec)
  spec.label = step_labels[name]
  spec.due = due
  spec.remind_before = wf.minutes(30)
  spec.escalate_to = fallback
  spec.guard = no_approval_without_consent
  spec.changes_required = "drafting"
  -- A new version of the text voids every approval given so far: back to the start of the chain.
  spec.on_new_version = "restart"
  spec.approved = { to = all_steps_after_review, route = next_after(name) }
  spec.actions = { withdraw = withdraw { "head_of_comms", "director" } }
  return wf.signoff(spec)
end

-- How a statement goes out.
local channels = { "email_to_journalist", "press_release_list", "website", "social_media",
                   "broadcast_interview" }
local channel_labels = {
  email_to_journalist = "Email to the journalist", press_release_list = "Press release list",
  website = "Website", social_media = "Social media", broadcast_interview = "Broadcast interview",
}

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
    received_at = wf.datetime { past = true },
    -- Within a year: a year typed wrongly is asked about.
    journalist_deadline = wf.datetime { future = true, within_days = 365 },
    embargo_until = wf.datetime { label = "Embargoed until", within_days = 365 },
    spokesperson = wf.text { max = 200 },
    reputational_risk = wf.choice { "high", "medium", "low", default = "medium" },
    clinical_content = wf.boolean { default = false },
    patient_identifiable = wf.boolean { default = false, label = "Identifies a patient" },
    consent_recorded = wf.boolean { default = false, label = "Patient consent recorded" },
    network_statement = wf.boolean { default = false, label = "Statement for the network" },
    lead_issue = wf.boolean { default = false, label = "Lead issue (agree with partners)" },
    partner_orgs = wf.list { of = wf.text {}, label = "Partner organisations" },
    out_of_hours = wf.boolean { default = false },
    pre_election = wf.boolean { default = false, label = "Pre-election period" },

    -- Set by the workflow.
    drafted_by = wf.actor {},
    issued_at = wf.datetime {},
    issued_channel = wf.choice { options = channels, labels = channel_labels,
                                 label = "Issued through" },
    withdrawn_reason = wf.text {},
  },

  document = { label = "Statement", roles = { "comms_officer", "head_of_comms" } },

  -- What every approval is given under: the fields that choose the chain or the release. Their
  -- values are recorded in the approval; changing one after a step passed asks
  -- `conditions_changed` above whether the approvals stand.
  approval = {
    conditions = { "kind", "embargo_until", "pre_election", "clinical_content", "reputational_risk",
                   "network_statement", "lead_issue", "partner_orgs", "patient_identifiable",
                   "consent_recorded" },
    on_change = conditions_changed,
  },

  -- Who sees what. The comms team, the director and governance see every statement; each
  -- approver sees the statements that reach her step. The journalist's contact details are
  -- the press office's; the draft text is for the comms team and the approvers (governance reads
  -- every version that was approved, never a draft).
  read = {
    roles = { "comms_officer", "head_of_comms", "director", "governance" },
    deciders = true,
    fields = {
      contact = { roles = { "comms_officer", "head_of_comms" } },
      journalist = { roles = { "comms_officer", "head_of_comms", "director" } },
    },
    draft = { roles = { "comms_officer", "head_of_comms", "director" }, deciders = true },
  },

  submit = {
    roles = { "comms_officer", "head_of_comms" },
    sets = { "headline", "kind", "enquiry", "journalist", "outlet", "contact", "received_at",
             "journalist_deadline", "embargo_until", "spokesperson", "reputational_risk",
             "clinical_content", "patient_identifiable", "consent_recorded", "network_statement",
             "lead_issue", "partner_orgs", "out_of_hours", "pre_election" },
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
        withdraw = withdraw { "comms_officer", "head_of_comms" },
      },
    },

    comms_review = step("comms_review", { approvers = { "head_of_comms" }, rule = "any" }),
    clinical_review = step("clinical_review", { approvers = { "clinical_lead" }, rule = "any" }),
    exec_signoff = step("exec_signoff", { approvers = { "executive", "director" }, rule = "any" }),
    director_signoff = step("director_signoff",
                            { approvers = { "director", "head_of_comms" }, primary = "director" }),
    -- A lead issue is agreed with each partner named: one partner comms lead's agreement for
    -- each organisation, each by a different person.
    partner_agreement = step("partner_agreement", {
      approvers = { "partner_comms" },
      quorum = function(item) return math.max(1, #(item.partner_orgs or {})) end,
    }),
    regional_signoff = step("regional_signoff", { approvers = { "regional_comms_lead" }, rule = "any" }),

    approved = {
      actions = {
        issue = {
          to = "issued", roles = { "comms_officer", "head_of_comms" }, releases = true,
          fields = { channel = wf.choice { options = channels, labels = channel_labels,
                                           required = true, label = "How it is issued" } },
          guard = ready_to_issue,
          effect = function(item, ctx)
            item.issued_at = ctx.now
            item.issued_channel = ctx.payload.channel
          end,
        },
        -- Timing can change between approval and issue: an embargo moves, an election is called.
        update_timing = {
          roles = { "comms_officer", "head_of_comms" }, sets = { "embargo_until", "pre_election" },
          confirm = "Change the timing? An embargo brought forward, or a change to the "
            .. "pre-election period, takes the approvals back: the statement must pass the "
            .. "sign-off again.",
        },
        redraft = { to = "drafting", roles = { "comms_officer", "head_of_comms" },
                    confirm = "Take this statement back to drafting? Its approval will no longer "
                      .. "stand, and it must pass the sign-off again." },
      },
    },
    issued = { final = true },
    withdrawn = { final = true },
  },
}
