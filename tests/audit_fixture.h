// A statement sign-off workflow whose actions carry the payload fields the audit lifts out
// (decision, comment, document_version, document_hash), for the audit tests.
#pragma once

namespace commsflow::test {

inline const char* const kStatementWorkflow = R"lua(local wf = require "commsflow"

return wf.workflow {
  name = "statement",
  prefix = "STM",
  fields = { headline = wf.text { required = true, max = 200 } },
  submit = { roles = { "comms_officer" } },
  initial = "drafting",
  states = {
    drafting = {
      actions = {
        put_document = {
          to = "drafting", roles = { "comms_officer" },
          fields = { document_version = wf.integer { required = true },
                     document_hash = wf.text { required = true } },
        },
        send = { to = "review", roles = { "comms_officer" } },
      },
    },
    review = {
      actions = {
        decide = {
          to = { "approved", "drafting" }, roles = { "head_of_comms", "director" },
          fields = {
            decision = wf.choice { "approved", "changes_required", required = true },
            comment = wf.text {},
            document_version = wf.integer { required = true },
            document_hash = wf.text { required = true },
          },
          route = function(item, ctx)
            return ctx.payload.decision == "approved" and "approved" or "drafting"
          end,
        },
      },
    },
    approved = { final = true },
  },
}
)lua";

}  // namespace commsflow::test
