-- Comms requests: colleagues ask the comms team for help; each request is rated red, amber or
-- green against the team's criteria, given a due time and queued. Everything the team may want
-- to tune is in the settings and rules below.
local wf = require "commsflow"
local calendar = require "calendar"

---------------------------------------------------------------------------------------------
-- Settings
---------------------------------------------------------------------------------------------

-- Working days from submission to the due time, by rating.
local due_working_days = { red = 1, amber = 5, green = 10 }

-- Working days of notice each kind of work needs, by rating. A request whose needed-by date
-- leaves less than this is flagged late.
local lead_time_working_days = {
  media           = { red = 0,  amber = 1,  green = 2 },
  parliamentary   = { red = 1,  amber = 3,  green = 5 },
  mp_enquiry      = { red = 1,  amber = 3,  green = 5 },
  campaign        = { red = 10, amber = 20, green = 30 },
  publication     = { red = 5,  amber = 10, green = 15 },
  internal        = { red = 2,  amber = 5,  green = 10 },
  event           = { red = 10, amber = 15, green = 20 },
  social          = { red = 1,  amber = 2,  green = 5 },
  website         = { red = 1,  amber = 3,  green = 5 },
  incident        = { red = 0,  amber = 0,  green = 1 },
  service_change  = { red = 10, amber = 20, green = 30 },
  practice_change = { red = 10, amber = 15, green = 20 },
  other           = { red = 2,  amber = 5,  green = 10 },
}

-- Each setting gives every rating: a misspelt one stops the file loading (`commsflow check`
-- names this line), not a request being triaged.
for _, rating in ipairs({ "red", "amber", "green" }) do
  if not due_working_days[rating] then error("due_working_days gives no " .. rating) end
  for kind, days in pairs(lead_time_working_days) do
    if not days[rating] then error("lead_time_working_days." .. kind .. " gives no " .. rating) end
  end
end

-- During a major incident, amber work due within this many working days carries on.
local major_incident_keeps_amber_due_within = 2

---------------------------------------------------------------------------------------------
-- Triage rules: the highest tier any answer reaches wins; time-sensitive is at least amber.
---------------------------------------------------------------------------------------------

local red_criteria = {
  { field = "strategic_priority", value = "primary", reason = "primary strategic priority" },
  { field = "incident",           value = "major",   reason = "major incident response" },
  { field = "statutory",          value = "yes",     reason = "statutory obligation" },
  { field = "reputational_risk",  value = "high",    reason = "high reputational risk" },
  { field = "impact",             value = "high",    reason = "high impact" },
  { field = "resource",           value = "high",    reason = "high resource" },
}

local amber_criteria = {
  { field = "strategic_priority", value = "secondary", reason = "secondary strategic priority" },
  { field = "incident",           value = "minor",     reason = "minor incident response" },
  { field = "reputational_risk",  value = "medium",    reason = "medium reputational risk" },
  { field = "impact",             value = "medium",    reason = "medium impact" },
  { field = "resource",           value = "medium",    reason = "medium resource" },
  { field = "time_sensitive",     value = "yes",       reason = "time-sensitive" },
}

-- What people call each kind of request, where its name does not say it (a sentence says the
-- rest in lower case: "service change requests").
local kind_labels = { mp_enquiry = "MP enquiry" }
local function kind_in_words(kind) return kind_labels[kind] or (kind:gsub("_", " ")) end

local function reasons_for(item, rating, criteria)
  local reasons = {}
  for _, c in ipairs(criteria) do
    if item[c.field] == c.value then reasons[#reasons + 1] = rating .. ": " .. c.reason end
  end
  return reasons
end

local function rate(item)
  local reasons = reasons_for(item, "red", red_criteria)
  if #reasons > 0 then return "red", reasons end
  reasons = reasons_for(item, "amber", amber_criteria)
  if #reasons > 0 then return "amber", reasons end
  return "green", { "green: no red or amber criterion applies" }
end

-- Rating, due time and late flag. An override by a triager outlives re-triage.
local function triage(item)
  item.computed_rating, item.rating_reasons = rate(item)
  item.rating = item.rating_override or item.computed_rating

  -- Time paused counts only its working time, and moves the due time on by that much working
  -- time: never onto a weekend or a bank holiday.
  local due = calendar.add_working_days_at(item.submitted_at, due_working_days[item.rating])
  item.due_at = calendar.add_working_seconds(due, item.paused_seconds or 0)

  item.late, item.late_reason = false, nil
  local needed = lead_time_working_days[item.kind][item.rating]
  if item.needed_by then
    local submitted = calendar.date(item.submitted_at)
    local notice = calendar.working_days_between(submitted, item.needed_by)
    if item.needed_by < submitted then
      item.late = true
      item.late_reason = string.format("needed by %s, which had passed when it was asked for",
                                       calendar.in_words(item.needed_by))
    elseif notice < needed then
      item.late = true
      item.late_reason = string.format(
        "needed by %s leaves %d working day(s); %s requests rated %s need %d",
        calendar.in_words(item.needed_by), math.max(notice, 0), kind_in_words(item.kind), item.rating,
        needed)
    elseif calendar.date(item.due_at) > item.needed_by then
      -- Enough notice, but a pause (or a slower rating) has moved the due time past the need.
      item.late = true
      item.late_reason = string.format("due %s, after it is needed (%s)",
                                       calendar.in_words(calendar.date(item.due_at)),
                                       calendar.in_words(item.needed_by))
    end
  end
end

-- A needed-by date the working-day calendar can count to, or the reason it cannot.
local function needed_by_in_calendar(item)
  local year = item.needed_by and tonumber(item.needed_by:sub(1, 4))
  if year and (year < calendar.first_year or year > calendar.last_year) then
    return { string.format("Needed by: %s is outside the working-day calendar (%d to %d)",
                           calendar.in_words(item.needed_by), calendar.first_year,
                           calendar.last_year) }
  end
  return true
end

---------------------------------------------------------------------------------------------
-- Pausing and resuming, by hand or for an incident
---------------------------------------------------------------------------------------------

-- A pause ends (resumed, or declined while paused): its working time is counted, and the request
-- is no longer held by it or by an incident.
local function end_pause(item, ctx)
  item.paused_seconds = (item.paused_seconds or 0)
    + calendar.working_seconds_between(item.paused_at, ctx.now)
  item.paused_from, item.paused_at, item.paused_by_incident, item.pause_reason = nil, nil, nil, nil
end

local function pause(item, ctx)
  local incident = ctx.payload.incident_name
  if incident == "" then incident = nil end
  item.paused_from = ctx.state
  item.paused_at = ctx.now
  item.paused_by_incident = incident
  -- The reason given, else the incident's name; a pause with neither records no reason.
  item.pause_reason = ctx.payload.reason or (incident and ("incident " .. incident))
end

local function resume(item, ctx)
  end_pause(item, ctx)
  triage(item)
end

-- Which open requests an incident pauses: a major incident pauses green work and amber work not
-- due, or needed, within two working days; a minor incident pauses green work. Red work never
-- pauses.
local function paused_by_incident(item, incident, ctx)
  if item.rating == "green" then return true end
  if incident.level == "major" and item.rating == "amber" then
    -- Urgent by the sooner of its due time and the date the requester needs it by.
    local urgent_by = calendar.date(item.due_at)
    if item.needed_by and item.needed_by < urgent_by then urgent_by = item.needed_by end
    local due_within = calendar.working_days_between(calendar.date(ctx.now), urgent_by)
    return due_within > major_incident_keeps_amber_due_within
  end
  return false
end

---------------------------------------------------------------------------------------------
-- The workflow
---------------------------------------------------------------------------------------------

local criterion = function(options, label) options.required = true; options.label = label; return wf.choice(options) end
local open_states = { "triaged", "accepted", "in_progress" }

local decline = {
  to = "declined", roles = { "triager" },
  confirm = "Decline this request? It will be closed and cannot be reopened.",
  fields = { reason = wf.text { required = true, max = 500 } },
  effect = function(item, ctx)
    item.decline_reason = ctx.payload.reason
    if item.paused_at then end_pause(item, ctx) end
  end,
}

local function common_actions(actions)
  actions.override = {
    roles = { "triager" }, -- stays in its state
    fields = { new_rating = wf.choice { "red", "amber", "green", required = true },
               reason = wf.text { required = true, max = 500 } },
    effect = function(item, ctx)
      item.rating_override = ctx.payload.new_rating
      item.override_reason = ctx.payload.reason
      item.overridden_by = ctx.actor.name
      triage(item)
    end,
  }
  actions.retriage = {
    roles = { "triager" }, -- stays in its state
    sets = { "strategic_priority", "incident", "statutory", "reputational_risk", "impact",
             "resource", "time_sensitive", "needed_by", "kind" },
    guard = needed_by_in_calendar,
    effect = triage,
  }
  actions.assign = { roles = { "triager" }, sets = { "assignee" }, required = { "assignee" },
                     done = "assigned to {assignee}",
                     notify = { assignee = "Assigned to you" } } -- stays in its state
  actions.pause = {
    to = "paused", roles = { "triager" },
    fields = { reason = wf.text { max = 500 }, incident_name = wf.text {} },
    effect = pause,
  }
  actions.decline = decline
  return actions
end

return wf.workflow {
  name = "comms_request",
  title = "Comms request",
  prefix = "REQ",

  fields = {
    title = wf.text { required = true, max = 200 },
    description = wf.text { max = 5000, label = "Description" },
    kind = wf.choice { "media", "parliamentary", "mp_enquiry", "campaign", "publication",
                       "internal", "event", "social", "website", "incident", "service_change",
                       "practice_change", "other", required = true,
                       labels = kind_labels },
    requester_team = wf.text { required = true, max = 200 },
    -- Within two years: a year typed wrongly (2062 for 2026) is asked about.
    needed_by = wf.date { label = "Needed by", within_days = 730 },

    strategic_priority = criterion({ "primary", "secondary", "none" }, "Strategic priority"),
    incident = criterion({ "major", "minor", "none" }, "Incident response"),
    statutory = criterion({ "yes", "no" }, "Statutory obligation"),
    reputational_risk = criterion({ "high", "medium", "low" }, "Reputational risk"),
    impact = criterion({ "high", "medium", "low" }, "Outcome or impact"),
    resource = criterion({ "high", "medium", "low" }, "Resource needed"),
    time_sensitive = criterion({ "yes", "no" }, "Time sensitive"),
    responsibility = criterion({ "own", "lead", "partner", "influence" }, "Our responsibility"),
    owner_org = wf.text {
      max = 200, label = "Owning or partner organisation(s)",
      required_if = { responsibility = { "influence", "lead", "partner" } },
    },

    -- Set by the rules above.
    submitted_at = wf.datetime {},
    rating = wf.choice { "red", "amber", "green" },
    computed_rating = wf.choice { "red", "amber", "green" },
    rating_reasons = wf.list { of = wf.text {} },
    rating_override = wf.choice { "red", "amber", "green" },
    override_reason = wf.text {},
    overridden_by = wf.actor { role = "triager" },
    due_at = wf.datetime {},
    late = wf.boolean {},
    late_reason = wf.text {},
    assignee = wf.actor { role = "comms_officer" },
    redirected_to = wf.text {},
    decline_reason = wf.text {},
    paused_from = wf.choice(open_states),
    paused_at = wf.datetime {},
    paused_by_incident = wf.text {},
    pause_reason = wf.text {},
    paused_seconds = wf.integer { min = 0, unit = "seconds", label = "Working time paused" },
  },

  submit = {
    roles = { "requester", "triager", "comms_officer" },
    -- What the requester gives; the rating, due time and the rest are the rules' and triagers'.
    sets = { "title", "description", "kind", "requester_team", "needed_by", "strategic_priority",
             "incident", "statutory", "reputational_risk", "impact", "resource",
             "time_sensitive", "responsibility", "owner_org" },
    to = { "triaged", "redirected" },
    route = function(item) return item.responsibility == "influence" and "redirected" or "triaged" end,
    guard = needed_by_in_calendar,
    effect = function(item, ctx)
      item.submitted_at = ctx.now
      triage(item)
      if item.responsibility == "influence" then item.redirected_to = item.owner_org end
    end,
  },

  -- During an incident, the requests `paused_by_incident` names are paused, and resume when the
  -- incident that paused them closes.
  incidents = {
    holds = paused_by_incident,
    pause = "pause",
    resume = "resume",
    held_by = "paused_by_incident",
  },

  -- The triage queue: red, then amber, then green; paused work last; then the soonest due.
  -- A new tier is a new rating choice listed here in its place, with an NHS tag colour.
  queue = {
    tier = "rating",
    tiers = {
      { value = "red", label = "Red", colour = "red" },
      { value = "amber", label = "Amber", colour = "orange" },
      { value = "green", label = "Green", colour = "green" },
    },
    hold = { "paused" },
    due = "due_at",
    late = "late",
    late_reason = "late_reason",
    sort = { "hold", "tier", "due_at" },
    -- Told once by email when an open request passes its due time (paused work is not).
    overdue_notify = { "assignee", "triager" },
    -- Reminded once by email this long before it is due.
    remind_before = wf.hours(4),
    remind_notify = { "assignee" },
  },

  -- Open requests moved to a new version of these rules are triaged again by it
  -- (`commsflow retriage` lists what changes). A triager's override is kept, and said so.
  migrate = {
    watch = { "rating", "due_at", "late" },
    data = function(item)
      local rating_before, due_before, late_before = item.rating, item.due_at, item.late
      triage(item)
      local remarks = {}
      if item.rating ~= rating_before then
        for _, reason in ipairs(item.rating_reasons) do remarks[#remarks + 1] = reason end
      end
      if item.due_at ~= due_before then
        remarks[#remarks + 1] = string.format("%s requests are due %d working day(s) after they arrive",
          item.rating, due_working_days[item.rating])
      end
      if item.late and not late_before then remarks[#remarks + 1] = "late: " .. item.late_reason end
      if item.rating_override then
        remarks[#remarks + 1] = string.format(
          "rating overridden to %s (\"%s\"): left alone (the rules give %s)",
          item.rating_override, item.override_reason or "no reason given", item.computed_rating)
      end
      return remarks
    end,
  },

  -- Who sees what. The comms team sees every request. A requester sees the requests she
  -- submitted, with their state, rating and due time, and not the team's notes, assignments
  -- or overrides; nobody else's requests.
  read = {
    roles = { "triager", "comms_officer", "head_of_comms", "director" },
    submitter = { "title", "description", "kind", "requester_team", "needed_by",
                  "strategic_priority", "incident", "statutory", "reputational_risk", "impact",
                  "resource", "time_sensitive", "responsibility", "owner_org", "submitted_at",
                  "rating", "due_at", "late", "late_reason", "redirected_to", "decline_reason" },
  },

  initial = "triaged",
  states = {
    triaged = { actions = common_actions {
      accept = { to = "accepted", roles = { "triager" }, sets = { "assignee" },
                 required = { "assignee" }, notify = { assignee = "Assigned to you" } },
    } },
    accepted = { actions = common_actions {
      start = { to = "in_progress", roles = { "comms_officer", "triager" } },
    } },
    in_progress = { actions = common_actions {
      complete = { to = "done", roles = { "comms_officer", "triager" } },
    } },
    paused = { actions = {
      resume = {
        to = open_states, roles = { "triager" },
        fields = { incident_name = wf.text {} },
        route = function(item) return item.paused_from end,
        effect = resume,
      },
      decline = decline,
    } },
    done = { final = true },
    declined = { final = true },
    redirected = { final = true },
  },
}
