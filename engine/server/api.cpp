// The JSON API under /api/v1/. Every route needs a session (with X-CSRF-Token for changes) or
// an API token (Authorization: Bearer). Errors are {error: {code, message, reasons?, fields?}}.
#include <commsflow/json_text.h>
#include <commsflow/people.h>
#include <commsflow/queue.h>
#include <commsflow/read_access.h>
#include <commsflow/signoff.h>
#include <commsflow/verify.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <string_view>

#include "base/json_input.h"
#include "server/auth.h"
#include "server/calls.h"
#include "server/paging.h"
#include "server/views.h"

namespace commsflow::server {

namespace {

void send_json(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  std::string text;
  try {
    append_json(text, body);  // dump()'s bytes, at a fraction of its cost
  } catch (const Json::type_error&) {
    // Text from a request may hold bytes that are not UTF-8: they are replaced, never thrown on.
    text = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  res.set_content(text, "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message) {
  send_json(res, status, Json{{"error", {{"code", code}, {"message", message}}}});
}

// The changed item's JSON, moved out of the result (null when the call changed none).
Json take_item_json(CallResult& r) {
  return r.item ? std::move(*r.item).to_json() : Json();
}

void send_result(httplib::Response& res, const CallResult& r, const Json& body) {
  if (!r.ok()) {
    send_json(res, r.status, r.error_json());
    return;
  }
  send_json(res, r.status, body);
}

using ApiHandler =
    std::function<void(const Principal&, const httplib::Request&, httplib::Response&)>;

// Wraps a handler: resolves the actor (401 without one), checks CSRF for changes (403), maps
// escaping errors to their status. Reads take the engine mutex here; changes go through calls.h,
// which confirms an API token let in on the cache (auth.h): a route that `changes` must make
// every change through it.
httplib::Server::Handler api(Context& context, bool changes, ApiHandler handler) {
  return [&context, changes, handler](const httplib::Request& req, httplib::Response& res) {
    auto principal = authenticate(context, req, changes ? Purpose::Change : Purpose::Read);
    if (!principal) {
      send_error(res, 401, "unauthorized",
                 bearer_token(req).empty() ? kUnauthorizedMessage : kTokenRefusedMessage);
      return;
    }
    if (changes && !csrf_ok(*principal, req)) {
      send_error(res, 403, "csrf", "missing or wrong X-CSRF-Token header for this session");
      return;
    }
    try {
      handler(*principal, req, res);
    } catch (const Error& e) {
      CallResult r = from_error(context, e);
      send_json(res, r.status, r.error_json());
    } catch (const Json::exception& e) {
      CallResult r = internal_error(context, e);
      send_json(res, r.status, r.error_json());
    }
  };
}

// The request body as a JSON object with no members but `takes`; throws Error(BadInput)
// otherwise, naming each other member. A misspelt one ("input", "revison") would otherwise be
// passed over, and the change made without what it said.
Json body_object(const httplib::Request& req, std::initializer_list<std::string_view> takes) {
  Json body = req.body.empty() ? Json::object() : parse_input_object(req.body, "the request body");
  std::vector<FieldProblem> unknown;
  for (const auto& [key, value] : body.items()) {
    if (std::find(takes.begin(), takes.end(), key) != takes.end()) continue;
    unknown.push_back(
        {key, fmt::format("is not taken here (the body takes: {})", fmt::join(takes, ", "))});
  }
  if (unknown.size() == 1) throw Error::bad_field(unknown[0].field, unknown[0].message);
  if (!unknown.empty()) throw Error::bad_fields("the request body", std::move(unknown));
  return body;
}

// The body's member `key` as text; `fallback` when it is absent or null.
std::string text_member(const Json& body, const char* key, std::string fallback = {}) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string()) fail_field(key, "must be text");
  return it->get<std::string>();
}

// The body's member `key` as an object; an empty one when it is absent.
Json object_member(const Json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return Json::object();
  if (!it->is_object()) fail_field(key, "must be an object of field names and values");
  return *it;
}

// The revision the caller last read, when the body gives one.
std::optional<std::int64_t> revision_member(const Json& body) {
  auto it = body.find("revision");
  if (it == body.end()) return std::nullopt;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1) {
    fail_field("revision", "must be a whole number from 1: the item's revision as you read it");
  }
  return it->get<std::int64_t>();
}

// Refuses a query parameter the route does not take, naming it: a misspelt or guessed one
// ("page" for "offset") would otherwise be passed over, and the answer read as what it asked.
void takes_only_params(const httplib::Request& req, std::initializer_list<std::string_view> takes) {
  std::vector<FieldProblem> unknown;
  for (const auto& [name, value] : req.params) {
    if (std::find(takes.begin(), takes.end(), name) != takes.end()) continue;
    if (std::any_of(unknown.begin(), unknown.end(),
                    [&](const FieldProblem& p) { return p.field == name; })) {
      continue;
    }
    unknown.push_back(
        {name, fmt::format("is not taken here (the query takes: {})", fmt::join(takes, ", "))});
  }
  if (unknown.size() == 1) throw Error::bad_field(unknown[0].field, unknown[0].message);
  if (!unknown.empty()) throw Error::bad_fields("the query", std::move(unknown));
}

std::string param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

// GET /api/v1/queue returns this many items unless `limit` says otherwise, and never more than
// the maximum: a page, not the whole queue, however long it grows.
constexpr std::int64_t kQueueLimit = 100;
constexpr std::int64_t kQueueMaxLimit = 1000;

}  // namespace

void add_api_routes(httplib::Server& http, Context& c) {
  http.Get("/api/v1/me", api(c, false, [](const Principal& p, const auto&, auto& res) {
             send_json(res, 200,
                       Json{{"name", p.actor.name}, {"roles", p.actor.roles}, {"csrf", p.csrf}});
           }));

  http.Get("/api/v1/workflows", api(c, false, [&c](const Principal& p, const auto&, auto& res) {
             // How many items each workflow holds, and where the server keeps its files, are
             // for admins: others may not see every item the count takes in.
             const bool admin = may_administer(p.actor);
             auto lock = c.lock();
             Json out = Json::array();
             for (const auto& w : c.engine.workflows()) {
               Json entry{{"name", w.name},
                          {"title", w.title},
                          {"version", w.version},
                          {"loaded_at", w.loaded_at}};
               if (admin) entry["open_items"] = w.open_items;
               out.push_back(std::move(entry));
             }
             Json broken = diagnostics_json(c.broken);
             if (!admin) {
               for (auto& b : broken) {
                 b["file"] = within_workflows(c, b["file"].get<std::string>());
                 b["message"] = within_workflows(c, b["message"].get<std::string>());
               }
             }
             send_json(res, 200, Json{{"workflows", out}, {"broken", broken}});
           }));

  http.Get(R"(/api/v1/workflows/([a-z0-9_]+))",
           api(c, false, [&c](const Principal&, const httplib::Request& req, auto& res) {
             auto lock = c.lock();
             const Definition& d = c.engine.registry().current(req.matches[1].str()).definition;
             send_json(res, 200, definition_json(d));
           }));

  http.Get("/api/v1/items",
           api(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             takes_only_params(req, {"workflow", "state", "limit", "offset"});
             // Without `limit`, every item; with it, 1 or more, as `list --limit`; from the
             // `offset`th (0 first).
             constexpr auto kMost = std::numeric_limits<std::int64_t>::max();
             const std::int64_t limit = whole_number_param(req, "limit", -1, 1, kMost);
             const std::int64_t offset = whole_number_param(req, "offset", 0, 0, kMost);
             // The rows up to the page's end are read; a page ending past any number is all.
             ItemFilter filter{param(req, "workflow"), param(req, "state"),
                               limit < 0 || limit > kMost - offset ? -1 : offset + limit};
             auto lock = c.lock();
             Json out = Json::array();
             std::int64_t index = 0;
             for (const auto& item : c.read_access(p.actor).items(filter)) {
               if (index++ >= offset) out.push_back(item.to_json());
             }
             send_json(res, 200, Json{{"offset", offset}, {"items", out}});
           }));

  http.Post("/api/v1/items",
            api(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              Json body = body_object(req, {"workflow", "data", "parent"});
              std::string workflow = text_member(body, "workflow");
              if (workflow.empty()) fail_field("workflow", "give the workflow name as text");
              CallResult r = submit_item(c, p, workflow, object_member(body, "data"),
                                         text_member(body, "parent"));
              send_result(res, r, take_item_json(r));
            }));

  http.Get(R"(/api/v1/items/([A-Za-z0-9-]+))",
           api(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             auto lock = c.lock();
             const std::string ref = typed_reference(req.matches[1].str());
             const Item stored = c.engine.item(ref);
             auto seen = c.read_access(p.actor).view(stored);
             if (!seen) item_not_found(ref);
             Json out = item_json(c.engine, *seen, p.actor);
             // As the item page and `show` warn: whether its own history verifies, checked on
             // the stored item (not the reader's view of it), and if not, why.
             const auto problems = item_history_problems(c.engine.store(), stored);
             out["history_verifies"] = problems.empty();
             if (!problems.empty()) out["history_problems"] = problems;
             send_json(res, 200, out);
           }));

  http.Get(R"(/api/v1/items/([A-Za-z0-9-]+)/history)",
           api(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             auto lock = c.lock();
             Json out = Json::array();
             for (const auto& e :
                  c.read_access(p.actor).history(typed_reference(req.matches[1].str()))) {
               Json j = Json::parse(e.body());
               j["seq"] = e.seq;
               out.push_back(j);
             }
             send_json(res, 200, Json{{"events", out}});
           }));

  http.Post(R"(/api/v1/items/([A-Za-z0-9-]+)/actions/([a-z0-9_]+))",
            api(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              Json body = body_object(req, {"inputs", "note", "revision"});
              ActRequest request;
              request.ref = typed_reference(req.matches[1].str());
              request.action = req.matches[2].str();
              request.inputs = object_member(body, "inputs");
              request.note = text_member(body, "note");
              request.expected_revision = revision_member(body);
              CallResult r = act_on_item(c, p, request);
              send_result(res, r, take_item_json(r));
            }));

  http.Get("/api/v1/queue",
           api(c, false, [&c](const Principal& p, const httplib::Request& req, auto& res) {
             takes_only_params(req, {"workflow", "limit", "offset"});
             QueueQuery query;
             query.workflow = param(req, "workflow");
             if (query.workflow.empty()) query.workflow = "comms_request";
             query.limit = whole_number_param(req, "limit", kQueueLimit, 1, kQueueMaxLimit);
             query.offset =
                 whole_number_param(req, "offset", 0, 0, std::numeric_limits<std::int64_t>::max());
             auto lock = c.lock();
             // One asked for by name must exist: a misspelt one is not an empty queue.
             if (!param(req, "workflow").empty()) c.engine.registry().current(query.workflow);
             Json out = Json::array();
             std::int64_t total = c.read_access(p.actor).for_each_in_queue(
                 query, [&](const Item& item) { out.push_back(item.to_json()); });
             send_json(res, 200,
                       Json{{"workflow", query.workflow},
                            {"total", total},
                            {"offset", query.offset},
                            {"limit", query.limit},
                            {"items", out}});
           }));

  http.Get("/api/v1/inbox", api(c, false, [&c](const Principal& p, const auto&, auto& res) {
             auto lock = c.lock();
             Json out = Json::array();
             for (const auto& pending : c.read_access(p.actor).inbox()) {
               Json j = pending.item.to_json();
               j["step"] = pending.step;
               j["due_at"] = pending.due_at;
               j["on_behalf_of"] = pending.on_behalf_of;
               if (!pending.in_place_of.empty()) j["in_place_of"] = pending.in_place_of;
               out.push_back(j);
             }
             send_json(res, 200, Json{{"items", out}});
           }));

  http.Post(R"(/api/v1/items/([A-Za-z0-9-]+)/decide)",
            api(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              Json body = body_object(
                  req, {"decision", "comment", "on_behalf_of", "revision", "document_version"});
              DecideRequest request;
              request.ref = typed_reference(req.matches[1].str());
              request.decision = text_member(body, "decision");
              request.comment = text_member(body, "comment");
              // Names are lower case: "Dev.Director" can only mean dev.director.
              request.on_behalf_of = typed_person_name(text_member(body, "on_behalf_of"));
              request.expected_revision = revision_member(body);
              // Required: a decision names the text it is on (see DecideRequest).
              auto version = body.find("document_version");
              if (version == body.end() || !version->is_number_integer() ||
                  version->get<std::int64_t>() < 1) {
                fail_field("document_version",
                           "{}: the version of the text you read, a whole number from 1 (GET "
                           "/api/v1/items/{} gives the current one as data._document.version)",
                           version == body.end()
                               ? std::string("is required")
                               : fmt::format("is {}, not a version number", version->dump()),
                           request.ref);
              }
              request.document_version = version->get<std::int64_t>();
              CallResult r = decide_on_item(c, p, request);
              send_result(res, r, take_item_json(r));
            }));

  http.Post(R"(/api/v1/items/([A-Za-z0-9-]+)/documents)",
            api(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              Json body = body_object(req, {"content", "note", "revision"});
              PutDocumentRequest request;
              request.ref = typed_reference(req.matches[1].str());
              if (!body.contains("content") || !body["content"].is_string()) {
                fail_field("content", "must be the document's text, as a string");
              }
              request.content = body["content"].get<std::string>();
              request.note = text_member(body, "note");
              request.expected_revision = revision_member(body);
              CallResult r = put_document_on_item(c, p, request);
              send_result(res, r, take_item_json(r));
            }));

  http.Post("/api/v1/incidents",
            api(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              Json body = body_object(req, {"name", "level"});
              // Asked for, as the CLI and the web form ask: a major incident pauses more work.
              const std::string level = text_member(body, "level");
              if (level.empty()) fail_field("level", "is required: \"major\" or \"minor\"");
              CallResult r = declare_incident(c, p, text_member(body, "name"), level);
              send_result(res, r, Json{{"incident", take_item_json(r)}, {"paused", r.affected}});
            }));

  http.Post(R"(/api/v1/incidents/close)",
            api(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
              Json body = body_object(req, {"name"});
              const std::string name = text_member(body, "name");
              if (name.empty()) fail_field("name", "is required: the incident's name, as text");
              CallResult r = close_incident(c, p, name);
              Json result{{"incident", take_item_json(r)}, {"resumed", r.affected}};
              if (!r.held.empty())
                result["still_paused"] = Json{{"refs", r.held}, {"for", r.held_for}};
              send_result(res, r, std::move(result));
            }));

  http.Get("/api/v1/audit/verify", api(c, false, [&c](const Principal& p, const auto&, auto& res) {
             auto lock = c.lock();
             // Not found, as the Audit pages are, for someone who may not use it (the README's
             // access table); the message still says who may.
             try {
               c.read_access(p.actor).reader().require_audit();
             } catch (const Error& refused) {
               fail(ErrorKind::NotFound, "{}", refused.what());
             }
             VerifyReport report = verify(c.engine.store());
             send_json(res, 200, report.to_json());
           }));
}

}  // namespace commsflow::server
