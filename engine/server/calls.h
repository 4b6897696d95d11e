// Engine calls made on behalf of a signed-in actor, with their results classified for HTTP.
//
// Both the JSON API and the pages change state through these, so a refusal or an error means
// the same thing on either. Each call takes the engine mutex for its whole length; the Engine
// runs it in one transaction. Statuses: 400 bad input, 403 the actor lacks the role, 404 not
// found, 409 the item changed (stale revision), 422 refused by a workflow rule, 500 a storage or
// script failure.
//
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/context.h"

namespace commsflow::server {

struct FieldError {
  std::string field;
  std::string message;
};

struct CallResult {
  int status = 200;
  std::string code;  // empty on success, else bad_input, forbidden, not_found, conflict, ...
  std::string message;
  std::vector<std::string> reasons;      // forbidden, refused
  std::vector<FieldError> field_errors;  // bad_input, when the engine named fields
  std::optional<Item> item;
  std::vector<std::string> affected;  // incidents: refs paused or resumed

  bool ok() const { return code.empty(); }
  // {error: {code, message, reasons?, fields?}}
  Json error_json() const;
};

// An Error as a result: its kind's status and code (507 `storage_full` when the disk is full),
// and field errors parsed from a "subject: bad input\n  field: message" message.
CallResult from_error(const Error& error);
int status_for(ErrorKind kind);

// Each call answers a refusal with 403 when the actor lacks the role (Refusal::forbidden) and
// 422 when a workflow rule said no.
CallResult submit_item(Context& context, const Actor& actor, const std::string& workflow,
                       const Json& inputs);
CallResult act_on_item(Context& context, const Actor& actor, ActRequest request);
// A sign-off decision: 403 when the actor fills none of the step's approver entries (in person
// or by delegation); 422 when a rule refuses (authorship, already decided, the step's guard).
CallResult decide_on_item(Context& context, const Actor& actor, DecideRequest request);
// A new version of the item's document. 403 when the actor holds none of the workflow's
// document roles; other refusals (closed item, same text as the current version) are 422.
CallResult put_document_on_item(Context& context, const Actor& actor, PutDocumentRequest request);
CallResult declare_incident(Context& context, const Actor& actor, const std::string& name,
                            const std::string& level);
CallResult close_incident(Context& context, const Actor& actor, const std::string& name);

}  // namespace commsflow::server
