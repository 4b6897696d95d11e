#include "server/calls.h"

#include <commsflow/incidents.h>
#include <commsflow/signoff.h>

#include <algorithm>

#include "commsflow/people.h"

namespace commsflow::server {

namespace {

// A token that did not survive its confirmation: answered as a request with no token is.
CallResult unauthorized() {
  CallResult r;
  r.status = 401;
  r.code = "unauthorized";
  r.message = kTokenRefusedMessage;
  return r;
}

// A refusal for a missing role is 403; a workflow rule's refusal is 422.
CallResult from_refusal(const Refusal& refusal) {
  CallResult r;
  r.status = refusal.forbidden ? 403 : 422;
  r.code = refusal.forbidden ? "forbidden" : "refused";
  r.message =
      refusal.forbidden ? "You may not do this (the reasons say why)." : "A workflow rule said no.";
  r.reasons = refusal.reasons;
  return r;
}

// Runs `fn(actor)`, one change as `principal`'s actor, and returns its result once the change
// is durable or rolled back. With group commit on, through Context::writer (group_commit.h): on
// the writer thread with the engine mutex held, in a savepoint of the batch's transaction that is
// kept only when `fn` succeeds, returning once that transaction's COMMIT has ended. Off, here
// under the engine mutex, the Engine committing the change on its own. An API token is confirmed
// first, in that transaction (auth.h). Refusals and errors become results; a storage failure,
// `fn`'s or the batch's, is every change's in the transaction (nothing was written), so it is
// thrown from the work and answered once the batch is over.
template <typename Fn>
CallResult guarded(Context& context, const Principal& principal, Fn&& fn) {
  CallResult result;
  auto work = [&] {
    try {
      std::optional<Actor> confirmed;
      if (!principal.token_digest.empty()) {
        confirmed = confirm_token(context, principal.token_digest);
        if (!confirmed) {
          result = unauthorized();
          return false;
        }
      }
      result = fn(confirmed ? *confirmed : principal.actor);
    } catch (const Error& e) {
      // The item's own fault, not the database's: answered alone, the batch goes on.
      if (e.kind() == ErrorKind::Storage && e.cause() != Error::Cause::Altered) throw;
      if (e.kind() == ErrorKind::Script || e.cause() == Error::Cause::Altered) {
        context.log("error: {}", e.what());
      }
      result = from_error(context, e);
    } catch (const Json::exception& e) {
      result = internal_error(context, e);
    }
    return result.ok();
  };
  try {
    if (context.writer) {
      context.note_batch(context.writer->run(work));
    } else {
      auto lock = context.lock();
      work();
    }
  } catch (const Error& e) {
    context.log("error: {}", e.what());
    result = from_error(context, e);
  }
  return result;
}

// The item as `actor` sees it after a change: their view, or only its ref, workflow and state
// when the change took it out of their sight.
Item seen_by(ReadAccess& access, const Item& item) {
  if (auto seen = access.view(item)) return std::move(*seen);
  Item bare;
  bare.ref = item.ref;
  bare.workflow = item.workflow;
  bare.state = item.state;
  return bare;
}

// That the actor may see the item, checked by the change itself on the item it reads: a change
// to an item they may not see is answered as if it did not exist.
SeesItem sight_of(ReadAccess& access) {
  return [&access](const Item& item) { return access.sight(item).item; };
}

}  // namespace

int status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadInput:
      return 400;
    case ErrorKind::NotFound:
      return 404;
    case ErrorKind::Forbidden:
      return 403;
    case ErrorKind::Conflict:
      return 409;
    case ErrorKind::Storage:
    case ErrorKind::Script:
      return 500;
  }
  return 500;
}

CallResult from_error(const Error& error) {
  CallResult r;
  r.status = status_for(error.kind());
  r.code = to_string(error.kind());
  if (error.cause() == Error::Cause::DiskFull) {
    // Insufficient Storage: nothing was written, and it works again once space is freed.
    r.status = 507;
    r.code = "storage_full";
  } else if (error.cause() == Error::Cause::Altered) {
    // Not the server's fault: the item's stored state conflicts with its own history.
    r.status = 409;
    r.code = "history_altered";
  }
  r.message = error.kind() == ErrorKind::BadInput && !error.fields().empty() ? error.summary()
                                                                             : error.what();
  r.field_errors = error.fields();
  r.where = error.where();
  return r;
}

std::string within_workflows(const Context& context, std::string text) {
  return context.engine.registry().within_dir(std::move(text));
}

CallResult from_error(Context& context, const Error& error) {
  CallResult r = from_error(error);
  if (error.kind() == ErrorKind::Script) {
    r.message = within_workflows(context, std::move(r.message));
    r.where = within_workflows(context, std::move(r.where));
  }
  return r;
}

CallResult internal_error(Context& context, const std::exception& e) {
  context.log("internal error: {}", e.what());
  CallResult r;
  r.status = 500;
  r.code = "internal";
  r.message = "Something went wrong inside commsflow; nothing was changed. It has been logged.";
  return r;
}

Json CallResult::error_json() const {
  Json error{{"code", code}, {"message", message}};
  if (!reasons.empty()) error["reasons"] = reasons;
  if (!where.empty()) error["where"] = where;
  if (!field_errors.empty()) {
    Json fields = Json::object();
    for (const auto& f : field_errors) fields[f.field] = f.message;
    error["fields"] = fields;
  }
  return Json{{"error", error}};
}

CallResult submit_item(Context& context, const Principal& principal, const std::string& workflow,
                       const Json& inputs, const std::string& parent) {
  CallResult result = guarded(context, principal, [&](const Actor& actor) {
    Engine& engine = context.engine;
    // A reference typed in lower case names the same item, as on every item route.
    auto outcome = engine.submit(workflow, actor.name, inputs, typed_reference(parent));
    if (!outcome) return from_refusal(outcome.refusal());
    CallResult r;
    r.status = 201;
    ReadAccess access = context.read_access(actor);
    r.item = seen_by(access, outcome.value());
    return r;
  });
  if (result.ok()) context.log("{} submitted {}", principal.actor.name, result.item->ref);
  return result;
}

CallResult act_on_item(Context& context, const Principal& principal, ActRequest request) {
  request.actor = principal.actor.name;
  CallResult result = guarded(context, principal, [&](const Actor& actor) {
    Engine& engine = context.engine;
    ReadAccess access = context.read_access(actor);
    auto outcome = engine.act(request, sight_of(access));
    if (!outcome) return from_refusal(outcome.refusal());
    CallResult r;
    r.item = seen_by(access, outcome.value());
    return r;
  });
  if (result.ok())
    context.log("{} took {} on {}", principal.actor.name, request.action, request.ref);
  return result;
}

CallResult try_act_on_item(Context& context, const Principal& principal, ActRequest request) {
  request.actor = principal.actor.name;
  bool would = false;
  CallResult result = guarded(context, principal, [&](const Actor& actor) {
    ReadAccess access = context.read_access(actor);
    // Never committed: the action's writes are a savepoint of this, rolled back with it.
    auto trial = context.engine.store().begin_write();
    auto outcome = context.engine.act(request, sight_of(access));
    if (!outcome) return from_refusal(outcome.refusal());
    would = true;
    CallResult undone;
    undone.code = "tried";  // not ok: a batch's writer rolls back its savepoint as well
    return undone;
  });
  return would ? CallResult{} : result;
}

CallResult put_document_on_item(Context& context, const Principal& principal,
                                PutDocumentRequest request) {
  request.actor = principal.actor.name;
  std::int64_t version = 0;
  CallResult result = guarded(context, principal, [&](const Actor& actor) {
    Engine& engine = context.engine;
    ReadAccess access = context.read_access(actor);
    auto outcome = Signoff(engine).put_document(request, sight_of(access));
    if (!outcome) return from_refusal(outcome.refusal());
    CallResult r;
    r.status = 201;
    version = outcome.value().data["_document"].value("version", std::int64_t{0});
    r.item = seen_by(access, outcome.value());
    return r;
  });
  if (result.ok()) {
    context.log("{} put document version {} on {}", principal.actor.name, version, request.ref);
  }
  return result;
}

CallResult decide_on_item(Context& context, const Principal& principal, DecideRequest request) {
  request.actor = principal.actor.name;
  CallResult result = guarded(context, principal, [&](const Actor& actor) {
    ReadAccess access = context.read_access(actor);
    auto outcome = Signoff(context.engine).decide(request, sight_of(access));
    if (!outcome) return from_refusal(outcome.refusal());
    CallResult r;
    r.item = seen_by(access, outcome.value());
    return r;
  });
  if (result.ok())
    context.log("{} decided {} on {}", principal.actor.name, request.decision, request.ref);
  return result;
}

CallResult declare_incident(Context& context, const Principal& principal, const std::string& name,
                            const std::string& level) {
  CallResult result = guarded(context, principal, [&](const Actor& actor) {
    auto outcome = commsflow::declare_incident(context.engine, name, level, actor.name);
    if (!outcome) return from_refusal(outcome.refusal());
    CallResult r;
    r.status = 201;
    r.item = outcome.value().incident;
    r.affected = outcome.value().affected;
    return r;
  });
  if (result.ok()) {
    context.log("{} declared {} incident {}, pausing {} item(s)", principal.actor.name, level,
                result.item->ref, result.affected.size());
  }
  return result;
}

CallResult close_incident(Context& context, const Principal& principal, const std::string& name) {
  CallResult result = guarded(context, principal, [&](const Actor& actor) {
    ReadAccess access = context.read_access(actor);
    auto outcome =
        commsflow::close_incident(context.engine, name, actor.name, {}, {}, sight_of(access));
    if (!outcome) return from_refusal(outcome.refusal());
    CallResult r;
    r.item = outcome.value().incident;
    r.affected = outcome.value().affected;
    r.held = outcome.value().held;
    r.held_for = outcome.value().held_for;
    return r;
  });
  if (result.ok()) {
    context.log("{} closed incident {}, resuming {} item(s)", principal.actor.name,
                result.item->ref, result.affected.size());
  }
  return result;
}

CallResult delegate_decisions(Context& context, const Principal& principal, const std::string& to,
                              const std::string& role, const std::string& until) {
  std::string stored_until;  // as the delegation stored it (a date typed 31/12/2026 is ISO)
  CallResult result = guarded(context, principal, [&](const Actor& actor) {
    auto outcome = Signoff(context.engine).delegate(actor.name, to, role, until, actor.name);
    if (!outcome) return from_refusal(outcome.refusal());
    stored_until = outcome.value().until;
    return CallResult{};
  });
  if (result.ok()) {
    context.log("{} delegated {} to {} until {}", principal.actor.name, role, to, stored_until);
  }
  return result;
}

CallResult end_delegation(Context& context, const Principal& principal, std::int64_t id) {
  CallResult result = guarded(context, principal, [&](const Actor& actor) {
    Engine& engine = context.engine;
    auto delegation = engine.store().delegation(id);
    if (!delegation || (delegation->from != actor.name && delegation->to != actor.name)) {
      return from_error(Error(ErrorKind::NotFound, "no such delegation"));
    }
    auto outcome =
        People(engine.store(), engine.registry(), engine.clock()).revoke_delegation(id, actor.name);
    if (!outcome) return from_refusal(outcome.refusal());
    return CallResult{};
  });
  if (result.ok()) context.log("{} ended delegation {}", principal.actor.name, id);
  return result;
}

}  // namespace commsflow::server
