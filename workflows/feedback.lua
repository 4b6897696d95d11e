-- Feedback on a proposed service change: one item per response received while the consultation
-- is open, always belonging to a service change (`commsflow submit feedback --parent SC-...`).
-- Every specific suggestion gets an individual response and one of three outcomes; the service
-- change cannot be decided while any suggestion is unanswered.
local wf = require "commsflow"

local leads = { "engagement_lead" }

-- The three answers a suggestion may get (the "LEAP" approach to feedback).
local outcomes = { "already_done_or_planned", "will_now_do", "not_taken_forward" }

return wf.workflow {
  name = "feedback",
  title = "Consultation feedback",
  prefix = "FB",
  parent = "service_change",
  -- Feedback is logged while the consultation is open, and offered on the web only then.
  parent_states = { "consultation_open" },

  fields = {
    text           = wf.text { required = true, label = "What was said" },
    channel        = wf.choice { "online_survey", "public_meeting", "email", "letter", "phone",
                                 "social_media", "focus_group", "easy_read_form", "other",
                                 required = true, label = "How it reached us" },
    has_suggestion = wf.boolean { default = false, label = "Contains a specific suggestion" },
    suggestion     = wf.text { max = 500, label = "The suggestion, in brief",
                               required_if = { has_suggestion = { true } } },
    outcome        = wf.choice { options = outcomes, label = "What we will do", labels = {
                       already_done_or_planned = "Already done or planned",
                       will_now_do = "We will now do this",
                       not_taken_forward = "Not taken forward" } },
    reason         = wf.text { label = "Why it is not taken forward",
                               required_if = { outcome = { "not_taken_forward" } } },
    response       = wf.text { label = "Our individual response" },
    answered_on    = wf.date {},
  },

  -- Feedback is seen by those running the engagement and by governance.
  read = { roles = { "engagement_lead", "governance", "head_of_comms", "director" } },

  submit = {
    roles = leads,
    -- The answer (outcome, reason, response) is given by `answer`, once there is one.
    sets = { "text", "channel", "has_suggestion", "suggestion" },
    guard = function(item, ctx)
      local reasons = {}
      if not item.has_suggestion and (item.suggestion or ""):match("%S") then
        reasons[#reasons + 1] = "a suggestion is given, but \"Contains a specific suggestion\" " ..
          "is no: say yes, so that it is answered, or leave the suggestion out"
      end
      return reasons
    end,
  },

  initial = "received",
  states = {
    received = { label = "Received", actions = {
      answer = {
        to = "answered", roles = leads, label = "Answer the suggestion",
        -- A reason, too, when it is not taken forward (see the field).
        sets = { "outcome", "reason", "response" }, required = { "outcome", "response" },
        guard = function(item)
          return item.has_suggestion or { "there is no suggestion to answer: file it instead" }
        end,
        effect = function(item, ctx) item.answered_on = ctx.today end,
      },
      note = {
        to = "noted", roles = leads, label = "File (no suggestion to answer)",
        guard = function(item)
          return not item.has_suggestion or { "it contains a suggestion: answer it with 'answer'" }
        end,
      },
    } },
    answered = { label = "Answered", final = true },
    noted    = { label = "Noted", final = true },
  },
}
