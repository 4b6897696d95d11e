local wf = require "commsflow"
return wf.workflow {
  name = "tiny",
  states = { open = { actions = { close = { to = "closed", roles = { "officer" } } } }, closed = {} },
  roles = { "officer" },
  fields = { title = wf.text { required = true } },
}
