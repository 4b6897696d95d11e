local wf = require "commsflow"
return wf.workflow {
  name = "tiny",
  states = { "open", "closed" },
  roles = { "officer" },
  fields = { title = wf.text { required = true } },
  actions = { close = { from = "open", to = "closed", roles = { "officer" } } },
}
