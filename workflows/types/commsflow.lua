---@meta commsflow
-- Editor help for workflow files: the whole workflow API, for the Lua language server (LuaLS,
-- in VS Code's "Lua" extension and others). workflows/.luarc.json points the editor here, so it
-- completes `wf.` and the keys of each table and flags a key or a name it does not know. This
-- file is never run: the engine loads only the workflow files beside it, and `commsflow check`
-- says the same things with file and line.

---@class commsflow
local commsflow = {}

---A workflow: what `return wf.workflow { ... }` gives the engine.
---@class commsflow.Workflow
---@field name string lower-case letters, digits and underscores
---@field title? string what people see
---@field prefix string 2 to 8 capital letters, for references such as REQ-2026-0001
---@field roles? string[] roles the workflow declares beyond the standard ones
---@field fields? table<string, commsflow.Field> the item's data
---@field initial string the state a new item starts in
---@field submit commsflow.Submit who may create an item, and what happens then
---@field states table<string, commsflow.State|commsflow.Signoff>
---@field incidents? commsflow.Incidents how incidents hold this workflow's work
---@field queue? commsflow.Queue how its open items are queued
---@field document? commsflow.Document items carry a versioned document
---@field children? string[] workflows whose items may belong to items of this one
---@field parent_states? string[] the parent's states in which an item may be added to it (refused, and not offered on the web, in any other)
---@field parent? string every item belongs to an item of this workflow
---@field reports? table<string, fun(item: commsflow.Item, ctx: commsflow.Context): string> Markdown
---@field approval? commsflow.Approval the fields an approval is given under
---@field read? commsflow.Read who sees the items
---@field migrate? commsflow.Migrate how open items of earlier versions move to this one
---@field __workflow? boolean set by wf.workflow
---@field __line? integer set by wf.workflow

---A field of the item's data (or of an action's payload, or of a record).
---@class commsflow.Field
---@field required? boolean
---@field label? string what people see
---@field default? any
---@field min? number smallest number, or shortest text or list
---@field max? number largest number, or longest text or list
---@field options? string[] a choice's values (or list them first: wf.choice { "a", "b" })
---@field labels? table<string, string> what people see for each of a choice's values
---@field of? commsflow.Field a list's element
---@field fields? table<string, commsflow.Field> a record's fields
---@field required_if? table<string, (string|boolean)[]> required when that field has one of these values (true or false for a yes/no field)
---@field needed_when? string when an answer is needed although not required, said on forms (made from required_if when not given)
---@field role? string an actor field: the role the actor must hold
---@field past? boolean a date or time of something that has happened: never in the future
---@field future? boolean a date or time still to come when it is given (a deadline)
---@field within_days? integer when given, at most this many days from today either way
---@field unit? "seconds"|"minutes" an integer that is a length of time, shown in hours and minutes
---@field __field? string set by the constructor
---@field __line? integer set by the constructor

---Creating an item.
---@class commsflow.Submit
---@field roles string[] who may create one
---@field guard? fun(item: commsflow.Item, ctx: commsflow.Context): true|string[]
---@field effect? fun(item: commsflow.Item, ctx: commsflow.Context)
---@field label? string
---@field to? string|string[] the first state, when not `initial`
---@field route? fun(item: commsflow.Item, ctx: commsflow.Context): string picks one of `to`
---@field sets? string[] the fields a person gives; the others are the workflow's (without it, all)
---@field __line? integer

---An action people take in a state.
---@class commsflow.Action
---@field to? string|string[] where it goes; without it the item stays
---@field roles string[] who may take it
---@field guard? fun(item: commsflow.Item, ctx: commsflow.Context): true|string[] reasons it may not
---@field effect? fun(item: commsflow.Item, ctx: commsflow.Context) changes the item's data
---@field label? string what people see on the button
---@field fields? table<string, commsflow.Field> inputs, passed as ctx.payload
---@field sets? string[] item fields the action may set from its input
---@field required? string[] of `sets`, the fields that must have a value once the action is taken
---@field route? fun(item: commsflow.Item, ctx: commsflow.Context): string picks one of `to`
---@field gate? boolean refused while any line of the state's checklist is unmet
---@field releases? boolean puts out the document: refused unless its current version is approved; the event records it
---@field confirm? string the question asked before an action that ends or discards work
---@field done? string what the success banner says was done: "assigned to {assignee}"
---@field notify? table<string, string> who is emailed once it is taken (a person field, told when it names someone new, or a role) and the heading: { assignee = "Assigned to you" }
---@field __line? integer

---A state.
---@class commsflow.State
---@field label? string what people see
---@field final? boolean the item's work is over
---@field actions? table<string, commsflow.Action>
---@field checklist? fun(item: commsflow.Item, ctx: commsflow.Context): commsflow.Check[]
---@field __line? integer

---A sign-off step (wf.signoff { ... }): approvers decide on the current document version.
---@class commsflow.Signoff
---@field label? string
---@field actions? table<string, commsflow.Action> other actions in the step
---@field approvers? string[] roles or actors' names
---@field rule? "all"|"any"
---@field quorum? integer|fun(item: commsflow.Item, ctx: commsflow.Context): integer this many approvers decide, each a different person (a function: asked as the step starts)
---@field primary? string the approver whose decision ends the step
---@field groups? table<string, commsflow.SignoffGroup> groups that must all decide, in parallel
---@field due? fun(item: commsflow.Item, ctx: commsflow.Context): string|integer a datetime, or seconds from now
---@field guard? fun(item: commsflow.Item, ctx: commsflow.Context): true|string[] sees ctx.decision
---@field remind_before? integer seconds before `due`
---@field escalate_to? string a role or actor told when the step is overdue
---@field approved? string|commsflow.Outcome
---@field changes_required? string|commsflow.Outcome
---@field not_relevant? string|commsflow.Outcome
---@field on_new_version? "restart"|"first_approval"|string where a new version sends the item
---@field __signoff? boolean set by wf.signoff
---@field __line? integer

---@class commsflow.SignoffGroup
---@field approvers string[]
---@field rule? "all"|"any"
---@field quorum? integer|fun(item: commsflow.Item, ctx: commsflow.Context): integer
---@field primary? string

---Where a result leads when it may lead to several states.
---@class commsflow.Outcome
---@field to string|string[]
---@field route? fun(item: commsflow.Item, ctx: commsflow.Context): string

---@class commsflow.Approval
---@field conditions string[] fields an approval is given under
---@field on_change? fun(item: commsflow.Item, ctx: commsflow.Context): true|string true: approvals stand; or the step to go back to

---@class commsflow.Document
---@field label? string "Statement", for example
---@field roles string[] who may put a new version

---@class commsflow.Read
---@field roles? string[] see every item
---@field deciders? boolean the people who may decide on an item see it
---@field submitter? boolean|string[] whoever submitted an item sees it (or only these fields)
---@field fields? table<string, commsflow.Reader> fields only some may see
---@field draft? commsflow.Reader who sees the document before it is approved

---@class commsflow.Reader
---@field roles? string[]
---@field deciders? boolean

---@class commsflow.Migrate
---@field states? table<string, string> old state = new state
---@field data? fun(item: commsflow.Item, ctx: commsflow.Context): string[]? remarks to show
---@field watch? string[] the fields whose changes `commsflow retriage` lists

---@class commsflow.Incidents
---@field holds fun(item: commsflow.Item, incident: commsflow.Incident, ctx: commsflow.Context): boolean
---@field pause string the action that pauses an item (takes incident_name)
---@field resume string the action that resumes it (takes incident_name)
---@field held_by string the text field naming the incident that holds an item

---@class commsflow.Incident
---@field name string
---@field level string
---@field ref string

---@class commsflow.Queue
---@field tier? string the field whose value is the tier
---@field tiers? commsflow.QueueTier[] in queue order
---@field hold? string[] states queued after all others
---@field due? string the field holding the due time
---@field late? string the field flagging lateness
---@field late_reason? string the field saying why it is late
---@field sort? string[] "hold", "tier" or field names, in order
---@field overdue_notify? string[] person fields or roles told once when an item is overdue
---@field remind_before? integer seconds before `due` that remind_notify are told, once
---@field remind_notify? string[] person fields or roles reminded once before an item is due

---@class commsflow.QueueTier
---@field value string
---@field label? string
---@field colour? "white"|"grey"|"green"|"aqua-green"|"blue"|"purple"|"pink"|"red"|"orange"|"yellow"

---The item's data: the workflow's fields, and the engine's own records under names beginning
---with `_` (read-only).
---@class commsflow.Item: table<string, any>
---@field _document? table current version, hash, author
---@field _signoff? table the current step's decisions and due time
---@field _chain? table steps passed
---@field _approved? table the version approved and every decision
---@field _reached? string[] every sign-off step reached
---@field _returned? table the step that asked for changes and the version: {step, document_version, at}, until the item changes

---What a guard, effect, route, checklist or report is told.
---@class commsflow.Context
---@field workflow string
---@field ref string
---@field state string
---@field to? string
---@field action? string
---@field actor? { name: string, roles: string[] }
---@field payload? table<string, any> the action's fields
---@field now string UTC, as 2026-11-22T09:30:00Z
---@field today string the date in the UK now, as 2026-11-22 (not now's UTC date after midnight in summer)
---@field note? string
---@field children? { ref: string, workflow: string, state: string, data: table }[]
---@field parent? { ref: string, workflow: string, state: string, data: table }
---@field history? table[] the item's events (reports)
---@field decision? string a sign-off guard's decision
---@field changed? string[] approval.on_change: the fields changed
---@field was? table<string, any> approval.on_change: their old values
---@field passed? string[] approval.on_change: the steps that approved
---@field from_state? string migrate.data
---@field from_version? string migrate.data

---One line of a stage checklist.
---@class commsflow.Check
---@field label string
---@field ok boolean
---@field why? string

---@param spec commsflow.Workflow
---@return commsflow.Workflow
function commsflow.workflow(spec) end

---@param spec? commsflow.Field
---@return commsflow.Field
function commsflow.text(spec) end

---@param spec commsflow.Field|string[] the values first: wf.choice { "red", "amber", "green" }
---@return commsflow.Field
function commsflow.choice(spec) end

---@param spec? commsflow.Field
---@return commsflow.Field
function commsflow.boolean(spec) end

---@param spec? commsflow.Field
---@return commsflow.Field
function commsflow.integer(spec) end

---@param spec? commsflow.Field
---@return commsflow.Field
function commsflow.number(spec) end

---@param spec? commsflow.Field
---@return commsflow.Field
function commsflow.date(spec) end

---@param spec? commsflow.Field
---@return commsflow.Field
function commsflow.datetime(spec) end

---@param spec commsflow.Field `role` names the role the actor must hold
---@return commsflow.Field
function commsflow.actor(spec) end

---@param spec commsflow.Field `of` is the element
---@return commsflow.Field
function commsflow.list(spec) end

---@param spec table<string, commsflow.Field>
---@return commsflow.Field
function commsflow.record(spec) end

---Records the state's source line for `commsflow check` messages.
---@param spec commsflow.State
---@return commsflow.State
function commsflow.state(spec) end

---Records the action's source line for `commsflow check` messages.
---@param spec commsflow.Action
---@return commsflow.Action
function commsflow.action(spec) end

---@param spec commsflow.Signoff
---@return commsflow.Signoff
function commsflow.signoff(spec) end

---@param label string
---@param ok any true when met
---@param why? string what is missing, or why it does not apply
---@return commsflow.Check
function commsflow.check(label, ok, why) end

---@param n number
---@return number seconds
function commsflow.minutes(n) end

---@param n number
---@return number seconds
function commsflow.hours(n) end

---@param n number
---@return number seconds
function commsflow.days(n) end

---The engine's current time, as 2026-11-22T09:30:00Z.
---@return string
function commsflow.now() end

---Seconds UK time is ahead of UTC at a moment: 0 in winter (GMT), 3600 in summer (BST).
---@param seconds integer since 1970, UTC
---@return integer
function commsflow.uk_offset(seconds) end

return commsflow
