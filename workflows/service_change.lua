-- Service change: the engagement cycle when the NHS proposes to change a service. Each stage
-- has a checklist of the evidence it needs; `complete` (and `open`, `decide`, `publish`) are
-- refused until every line is met, and `commsflow show` prints the checklist.
--
--   assessment -> stakeholder analysis -> insight -> communication and engagement plan ->
--   case for change -> equality impact assessment -> health scrutiny -> consultation ->
--   feedback analysis -> decision -> outcome report published -> monitoring
--
-- Feedback items (workflows/feedback.lua) belong to a service change and are seen here as
-- ctx.children. Settings first: change them here, no rebuild.
local wf = require "commsflow"
local calendar = require "calendar"
local markdown = require "markdown"

---------------------------------------------------------------------------------------------
-- Settings
---------------------------------------------------------------------------------------------

-- The usual length of a consultation. A shorter one needs a recorded rationale.
local consultation_norm_weeks = 12

-- No new consultation opens in a pre-election period. Dates are inclusive.
local pre_election_periods = {
  { name = "local elections on 7 May 2026", from = "2026-03-26", to = "2026-05-07" },
}

-- The nine protected characteristics of the Equality Act 2010, then local groups the
-- assessment must also consider. Every one needs a row in the EIA.
local eia_groups = {
  { "age", "Age" }, { "disability", "Disability" },
  { "gender_reassignment", "Gender reassignment" },
  { "marriage_and_civil_partnership", "Marriage and civil partnership" },
  { "pregnancy_and_maternity", "Pregnancy and maternity" }, { "race", "Race" },
  { "religion_or_belief", "Religion or belief" }, { "sex", "Sex" },
  { "sexual_orientation", "Sexual orientation" }, { "homelessness", "People who are homeless" },
  { "geographical_isolation", "Geographically isolated people" },
  { "communication_impairments", "People with communication impairments" },
  { "carers", "Carers" }, { "deprivation", "People living in deprivation" },
}
local eia_group_values, eia_group_labels = {}, {}
for i, group in ipairs(eia_groups) do
  eia_group_values[i], eia_group_labels[group[1]] = group[1], group[2]
end

local leads = { "engagement_lead" }

---------------------------------------------------------------------------------------------
-- Helpers
---------------------------------------------------------------------------------------------

-- A checklist line; `missing` says what is still needed, and is shown only while it is.
local function check(label, ok, missing) return wf.check(label, ok, (not ok) and missing or nil) end

local function given(value)
  return value ~= nil and value ~= "" and not (type(value) == "table" and next(value) == nil)
end

local function today(ctx) return ctx.today end

local function days_between(from, to)
  return (calendar.seconds(to .. "T00:00:00Z") - calendar.seconds(from .. "T00:00:00Z")) // 86400
end

-- The pre-election period a date falls in, if any.
local function pre_election(date)
  for _, p in ipairs(pre_election_periods) do
    if date >= p.from and date <= p.to then return p end
  end
end

local function suggestions(ctx)
  local out = {}
  for _, child in ipairs(ctx.children or {}) do
    if child.workflow == "feedback" and child.data.has_suggestion then out[#out + 1] = child end
  end
  return out
end

local function unanswered_check(ctx)
  local waiting = {}
  for _, s in ipairs(suggestions(ctx)) do
    if s.state ~= "answered" then
      waiting[#waiting + 1] = string.format("%s (\"%s\")", s.ref, s.data.suggestion or s.data.text)
    end
  end
  return check("Every suggestion answered", #waiting == 0,
               #waiting > 0 and (#waiting .. " unanswered: " .. table.concat(waiting, "; ")) or nil)
end

-- A stage: record its evidence (in place), then close it through its checklist.
local function stage(spec)
  return {
    label = spec.label,
    checklist = spec.checklist,
    actions = {
      record = { roles = leads, sets = spec.evidence, label = "Record evidence" },
      [spec.close or "complete"] = {
        to = spec.next, roles = leads, gate = true, label = spec.close_label or "Close the stage",
        effect = spec.effect,
      },
    },
  }
end

---------------------------------------------------------------------------------------------
-- Checklists: what each stage needs before it closes
---------------------------------------------------------------------------------------------

local function assessment(item)
  return {
    check("Whether it changes how or which services are delivered", item.affects_services ~= nil,
          "not answered yet (yes or no)"),
    check("Whether it is a substantial development or variation", item.substantial ~= nil,
          "not answered yet (yes or no)"),
    check("Rationale for the assessment", given(item.assessment_rationale),
          "not written yet"),
  }
end

local function stakeholder_analysis(item)
  local seldom = 0
  for _, s in ipairs(item.stakeholders or {}) do
    if s.seldom_heard then seldom = seldom + 1 end
  end
  return {
    check("Stakeholder groups with interest and influence", given(item.stakeholders),
          "no groups yet: add each group with its interest and influence"),
    check("Seldom-heard groups considered", seldom > 0 or given(item.seldom_heard_considered),
          "mark the seldom-heard groups, or say how they were considered"),
  }
end

local function insight(item)
  return {
    check("What we already know (insight)", given(item.insight), "not written yet"),
    check("Sources of insight", given(item.insight_sources), "not listed yet"),
  }
end

local function engagement_plan(item)
  return {
    check("Communication and engagement plan", given(item.engagement_plan),
          "not written yet"),
    check("Accessible formats", given(item.accessible_formats),
          "none listed yet, e.g. Easy Read, large print, BSL"),
  }
end

local function case_for_change(item)
  return { check("Case for change", given(item.case_for_change), "not written yet") }
end

local function equality_impact(item)
  -- Every row of a group is checked: a second row must not hide the first one's impact.
  local rows, lines = {}, {}
  for _, row in ipairs(item.eia or {}) do
    rows[row.group] = rows[row.group] or {}
    table.insert(rows[row.group], row)
  end
  local missing, repeated, actions = {}, {}, {}
  for _, group in ipairs(eia_groups) do
    local value, label = group[1], group[2]
    local group_rows = rows[value] or {}
    if #group_rows == 0 then missing[#missing + 1] = label end
    if #group_rows > 1 then repeated[#repeated + 1] = label end
    for _, row in ipairs(group_rows) do
      if row.impact and not (given(row.action) and given(row.owner) and row.due) then
        actions[#actions + 1] = label
        break
      end
    end
  end
  local unmet = {}
  if #missing > 0 then unmet[#unmet + 1] = "missing: " .. table.concat(missing, ", ") end
  if #repeated > 0 then
    unmet[#unmet + 1] = "more than one row for: " .. table.concat(repeated, ", ")
                        .. " (keep one row for each)"
  end
  lines[1] = check("A row for every protected characteristic and listed group", #unmet == 0,
                   table.concat(unmet, "; "))
  lines[2] = check("Every impact has an action with an owner and a due date", #actions == 0,
                   #actions > 0 and ("no complete action for: " .. table.concat(actions, ", "))
                   or nil)
  return lines
end

local function health_scrutiny(item)
  if not item.substantial then
    return { wf.check("Health scrutiny", true,
                   "not required: the assessment found this is not a substantial development "
                   .. "or variation") }
  end
  return {
    check("Health scrutiny committee named", given(item.scrutiny_committee),
          "not named yet"),
    check("Committee consulted (date)", item.scrutiny_consulted_on ~= nil,
          "no date yet"),
    check("Committee's response recorded", given(item.scrutiny_response),
          "not recorded yet"),
    check("Secretary of State notified (date)", item.secretary_of_state_notified_on ~= nil,
          "a substantial variation must be notified: no date yet"),
  }
end

local function consultation(item, ctx)
  local lines = {}
  local start, finish = item.consultation_start, item.consultation_end
  lines[#lines + 1] = check("Start and end dates", start ~= nil and finish ~= nil and start < finish,
    (start and finish) and "the end must be after the start"
    or "no start and end dates yet")
  if start and finish and start < finish then
    -- It runs from the day it opens: a planned start already past does not lengthen it.
    local from = today(ctx) > start and today(ctx) or start
    local weeks = math.max(days_between(from, finish), 0) / 7
    local short = weeks < consultation_norm_weeks
    lines[#lines + 1] = check(
      string.format("Length (%.1f weeks%s; the norm is %d)", weeks,
                    from == start and "" or " if it opens today", consultation_norm_weeks),
      from < finish and (not short or given(item.short_consultation_rationale)),
      from >= finish and ("its planned end, " .. calendar.in_words(finish) .. ", has passed: "
                          .. "set new dates")
      or short and "shorter than the norm: give the rationale for a short consultation" or nil)
  end
  lines[#lines + 1] = check("Accessible formats listed", given(item.accessible_formats),
                            "none listed yet")
  local period = pre_election(today(ctx)) or (start and pre_election(start))
  lines[#lines + 1] = check("Outside a pre-election period", period == nil,
    period and string.format("no consultation opens in the pre-election period for %s (%s to %s)",
                             period.name, calendar.in_words(period.from),
                             calendar.in_words(period.to)))
  lines[#lines + 1] = check("Gunning: proposals still at a formative stage",
                            item.gunning_formative == true, "not confirmed yet")
  lines[#lines + 1] = check("Gunning: enough information to respond",
                            item.gunning_information == true, "not confirmed yet")
  lines[#lines + 1] = check("Gunning: adequate time to respond", item.gunning_time == true,
                            "not confirmed yet")
  lines[#lines + 1] = check("Gunning: responses will be conscientiously considered",
                            item.gunning_consideration == true, "not confirmed yet")
  return lines
end

local function feedback_analysis(item, ctx)
  return {
    check("Responses logged", #(ctx.children or {}) > 0,
          "none yet: log each response as feedback on this service change"),
    unanswered_check(ctx),
    check("Summary of the feedback", given(item.feedback_summary), "not written yet"),
  }
end

local function decision(item, ctx)
  return {
    unanswered_check(ctx),
    check("Decision recorded", given(item.decision), "not recorded yet"),
    check("How the responses changed the decision", given(item.responses_changed_decision),
          "not written yet"),
  }
end

local function outcome_report(item)
  return {
    check("Where the report is published", given(item.outcome_report_url),
          "no link yet"),
  }
end

local function monitoring(item)
  return { check("Monitoring findings", given(item.monitoring_notes), "not written yet") }
end

---------------------------------------------------------------------------------------------
-- The "you said, we did" report
---------------------------------------------------------------------------------------------

local outcome_titles = {
  { "will_now_do", "Not planned, but we will now do it" },
  { "already_done_or_planned", "Already done or planned" },
  { "not_taken_forward", "Not taken forward" },
}

local function you_said_we_did(item, ctx)
  local out = {}
  local function add(line) out[#out + 1] = line end
  -- People's words (the team's and the public's) as written, not read as Markdown.
  local said = markdown.text
  add("# You said, we did: " .. said(item.title))
  add("")
  add(item.decided_on and string.format("Decision made %s.", calendar.in_words(item.decided_on))
      or "No decision has been made yet.")
  add("")
  add("## The consultation")
  add("")
  -- When it was open, as it happened; the plan only until it opens.
  local words = calendar.in_words
  local opened, closed = item.consultation_opened_on, item.consultation_closed_on
  if opened and closed then
    add(string.format("- Ran from %s to %s (%.1f weeks).", words(opened), words(closed),
                      days_between(opened, closed) / 7))
    if given(item.early_close_reason) and closed < item.consultation_end then
      add(string.format("- Closed before its planned end (%s) because: %s",
                        words(item.consultation_end), said(item.early_close_reason)))
    end
  elseif opened then
    add(string.format("- Open since %s; planned to close on %s.", words(opened),
                      words(item.consultation_end)))
  elseif item.consultation_start and item.consultation_end then
    add(string.format("- Planned to run from %s to %s (not opened yet).",
                      words(item.consultation_start), words(item.consultation_end)))
  end
  if item.consultation_start and item.consultation_end then
    if given(item.short_consultation_rationale) then
      add("- Shorter than " .. consultation_norm_weeks .. " weeks because: "
          .. said(item.short_consultation_rationale))
    end
  end
  if given(item.accessible_formats) then
    local formats = {}
    for i, format in ipairs(item.accessible_formats) do formats[i] = said(format) end
    add("- Formats: " .. table.concat(formats, ", ") .. ".")
  end
  local children, by_channel, channels = ctx.children or {}, {}, {}
  for _, c in ipairs(children) do
    if not by_channel[c.data.channel] then channels[#channels + 1] = c.data.channel end
    by_channel[c.data.channel] = (by_channel[c.data.channel] or 0) + 1
  end
  table.sort(channels)
  local parts = {}
  for _, ch in ipairs(channels) do parts[#parts + 1] = ch:gsub("_", " ") .. " " .. by_channel[ch] end
  add(string.format("- Responses received: %d%s.", #children,
                    #parts > 0 and (" (" .. table.concat(parts, ", ") .. ")") or ""))
  local all = suggestions(ctx)
  add(string.format("- Specific suggestions: %d.", #all))
  add("")
  add("## What we decided")
  add("")
  add(item.decision and said(item.decision, "") or "(not yet decided)")
  add("")
  if given(item.responses_changed_decision) then
    add("**How your responses changed the decision:** "
        .. said(item.responses_changed_decision, ""))
    add("")
  end
  add("## What you said and what we did")
  for _, o in ipairs(outcome_titles) do
    local group = {}
    for _, s in ipairs(all) do
      if s.state == "answered" and s.data.outcome == o[1] then group[#group + 1] = s end
    end
    add("")
    add(string.format("### %s (%d)", o[2], #group))
    add("")
    for _, s in ipairs(group) do
      add(string.format("- **You said:** %s  ", said(s.data.suggestion or s.data.text)))
      add(string.format("  **We did:** %s  ", said(s.data.response)))
      if o[1] == "not_taken_forward" then
        add(string.format("  **Why:** %s  ", said(s.data.reason)))
      end
      add(string.format("  (%s)", s.ref))
    end
  end
  local waiting = {}
  for _, s in ipairs(all) do
    if s.state ~= "answered" then waiting[#waiting + 1] = s end
  end
  if #waiting > 0 then
    add("")
    add(string.format("### Still to be answered (%d)", #waiting))
    add("")
    for _, s in ipairs(waiting) do
      add(string.format("- %s (%s)", said(s.data.suggestion or s.data.text), s.ref))
    end
  end
  add("")
  return table.concat(out, "\n")
end

---------------------------------------------------------------------------------------------
-- The workflow
---------------------------------------------------------------------------------------------

return wf.workflow {
  name = "service_change",
  title = "Service change engagement",
  prefix = "SC",
  children = { "feedback" },

  fields = {
    title                   = wf.text { required = true, max = 200 },
    summary                 = wf.text {},
    -- assessment
    affects_services        = wf.boolean { label = "Changes how or which services are delivered" },
    substantial             = wf.boolean { label = "Substantial development or variation" },
    assessment_rationale    = wf.text {},
    -- stakeholder analysis
    stakeholders            = wf.list { label = "Stakeholder groups", of = wf.record {
      group        = wf.text { required = true, max = 200, label = "Group" },
      interest     = wf.choice { "high", "medium", "low", required = true, label = "Interest" },
      influence    = wf.choice { "high", "medium", "low", required = true, label = "Influence" },
      seldom_heard = wf.boolean { default = false, label = "Seldom heard" },
    } },
    seldom_heard_considered = wf.text {},
    -- insight
    insight                 = wf.text {},
    insight_sources         = wf.list { of = wf.text {} },
    -- communication and engagement plan
    engagement_plan         = wf.text {},
    accessible_formats      = wf.list { of = wf.text {} },
    -- case for change
    case_for_change         = wf.text {},
    -- equality impact assessment: one row per group
    eia                     = wf.list { label = "Equality impact assessment", of = wf.record {
      group       = wf.choice { options = eia_group_values, labels = eia_group_labels,
                                required = true, label = "Group" },
      impact      = wf.boolean { required = true, label = "Affected" },
      description = wf.text { required = true, label = "Impact, or why there is none" },
      action      = wf.text { label = "Action to reduce it" },
      owner       = wf.text { label = "Owner" },
      due         = wf.date { label = "Action due" },
    } },
    -- health scrutiny (substantial variations only)
    scrutiny_committee      = wf.text {},
    scrutiny_consulted_on   = wf.date { past = true },
    scrutiny_response       = wf.text {},
    secretary_of_state_notified_on = wf.date { past = true },
    -- consultation
    -- Within two years of when they are given. A planned start that has passed is counted from
    -- the day it opens (see the consultation's checklist).
    consultation_start      = wf.date { within_days = 730 },
    consultation_end        = wf.date { within_days = 730 },
    short_consultation_rationale = wf.text {},
    gunning_formative       = wf.boolean {},
    gunning_information     = wf.boolean {},
    gunning_time            = wf.boolean {},
    gunning_consideration   = wf.boolean {},
    consultation_opened_on  = wf.date {},
    consultation_closed_on  = wf.date {},
    early_close_reason      = wf.text {},
    -- feedback analysis and decision
    feedback_summary        = wf.text {},
    decision                = wf.text {},
    responses_changed_decision = wf.text {},
    decided_on              = wf.date {},
    -- outcome report and monitoring
    outcome_report_url      = wf.text {},
    published_on            = wf.date {},
    monitoring_notes        = wf.text {},
  },

  -- Each stage's work is recorded by that stage's actions, not when the change is opened.
  submit = { roles = leads, sets = { "title", "summary" } },
  -- A service change's engagement is seen by those running it and by governance.
  read = { roles = { "engagement_lead", "governance", "head_of_comms", "director" } },
  initial = "assessment",

  states = {
    assessment = stage {
      label = "Assessment", checklist = assessment, next = "stakeholder_analysis",
      evidence = { "affects_services", "substantial", "assessment_rationale", "summary" },
    },
    stakeholder_analysis = stage {
      label = "Stakeholder analysis", checklist = stakeholder_analysis, next = "insight",
      evidence = { "stakeholders", "seldom_heard_considered" },
    },
    insight = stage {
      label = "Insight", checklist = insight, next = "engagement_plan",
      evidence = { "insight", "insight_sources" },
    },
    engagement_plan = stage {
      label = "Communication and engagement plan", checklist = engagement_plan,
      next = "case_for_change", evidence = { "engagement_plan", "accessible_formats" },
    },
    case_for_change = stage {
      label = "Case for change", checklist = case_for_change, next = "equality_impact",
      evidence = { "case_for_change" },
    },
    equality_impact = stage {
      label = "Equality impact assessment", checklist = equality_impact,
      next = "health_scrutiny", evidence = { "eia" },
    },
    health_scrutiny = stage {
      label = "Health scrutiny", checklist = health_scrutiny, next = "consultation",
      evidence = { "scrutiny_committee", "scrutiny_consulted_on", "scrutiny_response",
                   "secretary_of_state_notified_on" },
    },
    consultation = stage {
      label = "Consultation: planned", checklist = consultation, next = "consultation_open",
      close = "open", close_label = "Open the consultation",
      evidence = { "consultation_start", "consultation_end", "short_consultation_rationale",
                   "accessible_formats", "gunning_formative", "gunning_information",
                   "gunning_time", "gunning_consideration" },
      effect = function(item, ctx) item.consultation_opened_on = today(ctx) end,
    },
    consultation_open = { label = "Consultation: open", actions = {
      close = {
        to = "feedback_analysis", roles = leads, label = "Close the consultation",
        confirm = "Close the consultation? No more feedback can be logged against it.",
        fields = { reason = wf.text { max = 1000, label = "Why it is closing early",
                                      needed_when = "Needed before the consultation's planned end" } },
        guard = function(item, ctx)
          return today(ctx) >= item.consultation_end or given(ctx.payload.reason) or {
            "the consultation runs until " .. calendar.in_words(item.consultation_end)
            .. ": closing it early needs the reason why" }
        end,
        effect = function(item, ctx)
          item.consultation_closed_on = today(ctx)
          item.early_close_reason = ctx.payload.reason
        end,
      },
    } },
    feedback_analysis = stage {
      label = "Feedback analysis", checklist = feedback_analysis, next = "decision",
      evidence = { "feedback_summary" },
    },
    decision = stage {
      label = "Decision", checklist = decision, next = "outcome_report",
      close = "decide", close_label = "Take the decision",
      evidence = { "decision", "responses_changed_decision" },
      effect = function(item, ctx) item.decided_on = today(ctx) end,
    },
    outcome_report = stage {
      label = "Outcome report", checklist = outcome_report, next = "monitoring",
      close = "publish", close_label = "Publish \"you said, we did\"",
      evidence = { "outcome_report_url" },
      effect = function(item, ctx) item.published_on = today(ctx) end,
    },
    monitoring = stage {
      label = "Monitoring", checklist = monitoring, next = "closed",
      evidence = { "monitoring_notes" },
    },
    closed = { label = "Closed", final = true },
  },

  reports = { you_said_we_did = you_said_we_did },
}
