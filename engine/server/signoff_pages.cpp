// My sign-offs: the decisions waiting for the person, the delegations they gave or were given,
// and the form to let someone decide in their place while they are away.
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "server/calls.h"
#include "server/form_errors.h"
#include "server/forms.h"
#include "server/html.h"
#include "server/pages.h"
#include "server/templates.h"
#include "server/views.h"
#include "workflow/field_values.h"

namespace commsflow::server {

namespace {

// The delegation form's fields: whom, for which of the person's roles, and until when.
struct DelegationFields {
  FieldSpec to = field("to", FieldType::Actor, "Who may decide for you");
  FieldSpec role = field("role", FieldType::Choice, "For which of your roles");
  FieldSpec until = field("until", FieldType::Date, "Until the end of");

  explicit DelegationFields(std::vector<std::string> roles) { role.options = std::move(roles); }
  std::vector<const FieldSpec*> all() const { return {&to, &role, &until}; }

  static FieldSpec field(const char* name, FieldType type, const char* label) {
    FieldSpec f;
    f.name = name;
    f.type = type;
    f.required = true;
    f.label = label;
    return f;
  }
};

constexpr const char* kIdPrefix = "delegate-";

// The decisions waiting for the person, as the page's `pending` rows.
Json pending_view(Context& c, const Principal& p) {
  Json rows = Json::array();
  for (const auto& d : c.read_access(p.actor).inbox()) {
    const Item& item = d.item;
    const Definition& definition = c.engine.registry().version(item.version).definition;
    rows.push_back(
        {{"ref", item.ref},
         {"path", url_encode(item.ref)},
         {"headline", item_title(definition, item)},
         {"step", state_label(definition, d.step)},
         {"due", d.due_at.empty() ? "" : due_html(d.due_at, c.clock.now())},
         {"behalf", !d.on_behalf_of.empty() ? person_name(c.engine.store(), d.on_behalf_of)
                    : !d.in_place_of.empty()
                        ? fmt::format("In place of {} (escalated)",
                                      approvers_in_words(c.engine.store(), d.in_place_of, "or"))
                        : "Yourself"}});
  }
  return rows;
}

// The delegations in force that the person gave or was given.
Json delegations_view(Context& c, const Principal& p) {
  Store& store = c.engine.store();
  const std::string today = uk_today(c.clock.now());
  Json rows = Json::array();
  for (const auto& d : store.delegations("")) {
    if (!d.revoked_at.empty() || d.until < today) continue;
    if (d.from != p.actor.name && d.to != p.actor.name) continue;
    // Either side may end it early.
    rows.push_back({{"id", d.id},
                    {"from", person_name(store, d.from)},
                    {"to", person_name(store, d.to)},
                    {"role", readable_label(d.role)},
                    {"until", uk_date(d.until)}});
  }
  return rows;
}

// The form to delegate, as the page's `form`; null for a person who decides in no sign-off
// step (a requester has nothing to hand over, and is not shown the list of colleagues).
Json delegate_form_view(Context& c, const Principal& p,
                        const std::map<std::string, std::string>& values,
                        const CallResult* failed) {
  std::vector<std::string> roles = Signoff(c.engine).deciding_roles(p.actor);
  if (roles.empty()) return nullptr;
  DelegationFields fields(std::move(roles));
  std::vector<Actor> others;
  for (auto& person : c.engine.store().actors()) {
    if (person.name != p.actor.name && !person.disabled) others.push_back(std::move(person));
  }
  auto value = [&](const std::string& name) {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  };
  std::string inputs;
  for (const FieldSpec* f : fields.all()) {
    inputs += field_input_html(*f, value(f->name), error_for(failed, *f), kIdPrefix,
                               f->type == FieldType::Actor ? &others : nullptr);
  }
  return {{"inputs", inputs}};
}

// `notice_html`: a banner or an error summary from its template, or empty.
std::string sign_offs_body(Context& c, const Principal& p, const std::string& notice_html,
                           const std::map<std::string, std::string>& values = {},
                           const CallResult* failed = nullptr) {
  auto lock = c.lock();
  Json pending = pending_view(c, p);
  Json delegations = delegations_view(c, p);
  return render("signoff-page", {{"notice", notice_html},
                                 {"csrf", p.csrf},
                                 {"has_pending", !pending.empty()},
                                 {"pending_count", pending.size()},
                                 {"pending", pending},
                                 {"has_delegations", !delegations.empty()},
                                 {"delegations", delegations},
                                 {"form", delegate_form_view(c, p, values, failed)}});
}

// The success banner after a change.
std::string done_banner(const std::string& heading, const std::string& text) {
  Json paragraphs = Json::array();
  if (!text.empty()) paragraphs.push_back({{"text", text}});
  return render("nhs-notification-banner", {{"success", true},
                                            {"id", "done-title"},
                                            {"title", "Success"},
                                            {"heading", heading},
                                            {"paragraphs", paragraphs}});
}

}  // namespace

void add_signoff_page_routes(httplib::Server& http, Context& c) {
  http.Get("/sign-offs", page(c, false, [&c](const Principal& p, const auto& req, auto& res) {
             send_page(res, 200, &p, "My sign-offs", "/sign-offs",
                       sign_offs_body(c, p, kept_banner(c, p, req, "/sign-offs")));
           }));
  post_form(
      http, "/sign-offs/delegate",
      page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
        DelegationFields fields = [&] {
          auto lock = c.lock();
          return DelegationFields(Signoff(c.engine).deciding_roles(p.actor));
        }();
        std::vector<FieldProblem> typed_wrongly;  // date boxes
        Json inputs = form_inputs(fields.all(), req, typed_wrongly);
        const auto values = posted_values(req);
        CallResult r;
        // What is wrong with each field, in the page's order.
        std::vector<FieldProblem> missing;
        for (const FieldSpec* f : fields.all()) {
          auto typed = std::find_if(typed_wrongly.begin(), typed_wrongly.end(),
                                    [&](const auto& t) { return t.field == f->name; });
          if (typed != typed_wrongly.end()) {
            missing.push_back(*typed);
          } else if (!inputs.contains(f->name)) {
            missing.push_back({f->name, f == &fields.until
                                            ? "enter the last day they may decide for you"
                                            : "is required"});
          } else if (f == &fields.until) {
            // A date the boxes make that is none ("31 February") is said so in words.
            Json until{{"until", inputs["until"]}};
            for (auto& problem : validate_data({fields.until}, until, false))
              missing.push_back(std::move(problem));
          }
        }
        if (!missing.empty()) {
          r = from_error(Error::bad_fields("delegate", std::move(missing)));
        } else {
          r = delegate_decisions(c, p, inputs["to"], inputs["role"], inputs["until"]);
        }
        if (!r.ok()) {
          send_page(res, r.status, &p, "Error: My sign-offs", "/sign-offs",
                    sign_offs_body(c, p, result_summary(r, kIdPrefix, fields.all()), values, &r));
          return;
        }
        std::string heading, text;
        {
          auto lock = c.lock();
          heading = person_name(c.engine.store(), inputs["to"].get<std::string>()) +
                    " may decide for you";
          text = fmt::format("As {}, until the end of {}.",
                             readable_label(inputs["role"].get<std::string>()),
                             uk_date(inputs["until"].get<std::string>()));
        }
        answer_done(
            c, p, res, "/sign-offs", done_banner(heading, text), [&](const std::string& banner) {
              send_page(res, 200, &p, "My sign-offs", "/sign-offs", sign_offs_body(c, p, banner));
            });
      }));
  post_form(
      http, "/sign-offs/delegations/end",
      page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
        const std::string given = param(req, "id");
        if (given.empty() || given.size() > 18 ||
            given.find_first_not_of("0123456789") != std::string::npos) {
          fail_field("id", "must be a delegation number");
        }
        const std::int64_t id = std::stoll(given);
        std::string heading;
        {
          auto lock = c.lock();
          if (auto d = c.engine.store().delegation(id)) {
            heading = d->from == p.actor.name
                          ? person_name(c.engine.store(), d->to) + " no longer decides for you"
                          : "You no longer decide for " + person_name(c.engine.store(), d->from);
          }
        }
        CallResult r = end_delegation(c, p, id);
        if (!r.ok()) {
          send_page(res, r.status, &p, "Error: My sign-offs", "/sign-offs",
                    sign_offs_body(c, p, result_summary(r, kIdPrefix, {})));
          return;
        }
        answer_done(
            c, p, res, "/sign-offs", done_banner(heading, ""), [&](const std::string& banner) {
              send_page(res, 200, &p, "My sign-offs", "/sign-offs", sign_offs_body(c, p, banner));
            });
      }));
}

}  // namespace commsflow::server
