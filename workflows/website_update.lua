-- Website update request: a colleague asks the comms team to change a page on the public
-- website. A small example of the workflow language; the team's main workflows sit beside it.
local wf = require "commsflow"

-- Rules are small functions that return true, or the reasons why not in plain English.
local function page_is_secure(item)
  if item.page_url and item.page_url:match("^https://") then return true end
  return { "the page address must start with https://" }
end

local function not_own_request(item, ctx)
  if ctx.actor and ctx.actor.name == item.requested_by then
    return { "you asked for this change, so someone else must approve it" }
  end
  return true
end

return wf.workflow {
  name = "website_update",
  title = "Website update request",
  prefix = "WEB",

  fields = {
    title = wf.text { required = true, max = 120, label = "What needs changing" },
    page_url = wf.text { max = 500, label = "Page address" },
    details = wf.text { max = 4000, label = "Details" },
    urgency = wf.choice { "routine", "this_week", "today", default = "routine" },
    needed_by = wf.date { label = "Needed by", within_days = 730 },
    requested_by = wf.actor {},
    reviewer_notes = wf.list { of = wf.text {} },
    decline_reason = wf.text {},
    published_at = wf.datetime {},
  },

  submit = {
    roles = { "requester", "comms_officer" },
    sets = { "title", "page_url", "details", "urgency", "needed_by" },
    effect = function(item, ctx) item.requested_by = ctx.actor.name end,
  },

  -- The comms team sees every website request; a requester sees her own, without the
  -- reviewers' notes.
  read = {
    roles = { "comms_officer", "head_of_comms", "director" },
    submitter = { "title", "page_url", "details", "urgency", "needed_by", "requested_by",
                  "decline_reason", "published_at" },
  },

  initial = "requested",
  states = {
    requested = {
      actions = {
        accept = { to = "in_progress", roles = { "comms_officer" }, sets = { "page_url", "needed_by" } },
        decline = {
          to = "declined",
          roles = { "comms_officer", "head_of_comms" },
          confirm = "Decline this request? It will be closed and cannot be reopened.",
          fields = { reason = wf.text { required = true } },
          effect = function(item, ctx) item.decline_reason = ctx.payload.reason end,
        },
      },
    },
    in_progress = {
      actions = {
        edit = { to = "in_progress", roles = { "comms_officer" }, sets = { "page_url", "details" } },
        send_for_review = { to = "in_review", roles = { "comms_officer" }, guard = page_is_secure },
      },
    },
    in_review = {
      actions = {
        approve = { to = "approved", roles = { "head_of_comms" }, guard = not_own_request },
        return_for_changes = {
          to = "in_progress",
          roles = { "head_of_comms" },
          fields = { comment = wf.text { required = true } },
          effect = function(item, ctx)
            local notes = item.reviewer_notes or {}
            notes[#notes + 1] = ctx.payload.comment
            item.reviewer_notes = notes
          end,
        },
      },
    },
    approved = {
      actions = {
        publish = {
          to = "published",
          roles = { "comms_officer" },
          effect = function(item, ctx) item.published_at = ctx.now end,
        },
      },
    },
    published = { final = true },
    declined = { final = true },
  },
}
