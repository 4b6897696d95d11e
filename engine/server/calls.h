// Engine calls made on behalf of a signed-in actor, with their results classified for HTTP.
//
// Both the JSON API and the pages change state through these, so a refusal or an error means
// the same thing on either. Each call is one change through Context::writer (group_commit.h):
// it runs with the engine mutex held, in a savepoint of a transaction it may share with other
// changes made at the same moment, kept only when it succeeds; it returns once that
// transaction's COMMIT has ended, so a success is durable before it is answered, and a failed
// COMMIT fails every change in it (500 storage, or 507 storage_full). Statuses: 400 bad input, 403
// the actor lacks the role, 404 not found, 409 the item changed (stale revision), 422 refused by a
// workflow rule, 500 a storage or script failure.
//
// Thread-safe.
#pragma once

#include <commsflow/signoff.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/auth.h"
#include "server/context.h"

namespace commsflow::server {

struct CallResult {
  int status = 200;
  std::string code;  // empty on success, else bad_input, forbidden, not_found, conflict, ...
  std::string message;
  std::vector<std::string> reasons;        // forbidden, refused
  std::vector<FieldProblem> field_errors;  // bad_input, when the engine named fields
  std::string where;                       // script errors: "file:line" in the workflows
  std::optional<Item> item;
  std::vector<std::string> affected;        // incidents: refs paused or resumed
  std::vector<std::string> held, held_for;  // closing one: taken over by another (incidents.h)

  bool ok() const { return code.empty(); }
  // {error: {code, message, reasons?, fields?, where?}}
  Json error_json() const;
};

// An Error as a result: its kind's status and code (507 `storage_full` when the disk is full),
// its fields at fault and, for a script, where it failed.
CallResult from_error(const Error& error);
// The same, answered by the server: a script error names the file within the workflows folder
// ("website_update.lua:7"), not where the server keeps it (the log has the full path).
CallResult from_error(Context& context, const Error& error);
// `text` with every mention of the workflows folder's path taken out.
std::string within_workflows(const Context& context, std::string text);
// A JSON library exception escaping the engine is a defect, not the caller's bad JSON (input is
// parsed by parse_input_json and checked): 500 `internal`, logged.
CallResult internal_error(Context& context, const std::exception& e);
int status_for(ErrorKind kind);

// Each call acts as `principal`'s actor and answers a refusal with 403 when the actor lacks the
// role (Refusal::forbidden) and 422 when a workflow rule said no. A principal signed in with an
// API token has the token confirmed first, in the change's own transaction: 401 `unauthorized`
// when it has been revoked or has expired, or its actor disabled, since the request came in;
// the change is then made as the actor stands at that moment (their roles now, not cached).
// `parent`: the item the new one belongs to, for a workflow whose items belong to another's.
CallResult submit_item(Context& context, const Principal& principal, const std::string& workflow,
                       const Json& inputs, const std::string& parent = {});
CallResult act_on_item(Context& context, const Principal& principal, ActRequest request);
// The same action tried and undone, nothing written: ok when it would be taken now, else what
// act_on_item would answer (a missing answer, a refusal). For asking "are you sure?" only of
// what can be done.
CallResult try_act_on_item(Context& context, const Principal& principal, ActRequest request);
// A sign-off decision: 403 when the actor fills none of the step's approver entries (in person
// or by delegation); 422 when a rule refuses (authorship, already decided, the step's guard).
CallResult decide_on_item(Context& context, const Principal& principal, DecideRequest request);
// A new version of the item's document. 403 when the actor holds none of the workflow's
// document roles; other refusals (closed item, same text as the current version) are 422.
CallResult put_document_on_item(Context& context, const Principal& principal,
                                PutDocumentRequest request);
CallResult declare_incident(Context& context, const Principal& principal, const std::string& name,
                            const std::string& level);
CallResult close_incident(Context& context, const Principal& principal, const std::string& name);
// The actor lets `to` decide in their place for `role` until the end of the day `until`.
CallResult delegate_decisions(Context& context, const Principal& principal, const std::string& to,
                              const std::string& role, const std::string& until);
// Ends delegation `id` early: the person who delegated or the delegate may (404 for anyone else,
// as for a delegation that does not exist).
CallResult end_delegation(Context& context, const Principal& principal, std::int64_t id);

}  // namespace commsflow::server
