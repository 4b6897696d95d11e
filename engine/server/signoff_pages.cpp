// My sign-offs: the decisions waiting for the person, the delegations they gave or were given,
// and the form to let someone decide in their place while they are away.
#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <algorithm>

#include "server/calls.h"
#include "server/form_errors.h"
#include "server/forms.h"
#include "server/html.h"
#include "server/pages.h"
#include "server/views.h"

namespace commsflow::server {

namespace {

// The delegation form's fields: whom, for which of the person's roles, and until when.
struct DelegationFields {
  FieldSpec to = field("to", FieldType::Actor, "Who may decide for you");
  FieldSpec role = field("role", FieldType::Choice, "For which of your roles");
  FieldSpec until = field("until", FieldType::Date, "Until the end of");

  explicit DelegationFields(const Actor& actor) { role.options = actor.roles; }
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

std::string pending_html(Context& c, const Principal& p) {
  auto pending = c.read_access(p.actor).inbox();
  if (pending.empty()) return R"(<p class="nhsuk-body">Nothing is waiting for your decision.</p>)";
  std::string rows;
  for (const auto& d : pending) {
    const Item& item = d.item;
    const Definition& definition = c.engine.registry().version(item.version).definition;
    rows += fmt::format(
        R"(<tr class="nhsuk-table__row" data-ref="{1}"><td class="nhsuk-table__cell"><a href="/items/{0}">{1}</a></td><td class="nhsuk-table__cell">{2}</td><td class="nhsuk-table__cell">{3}</td><td class="nhsuk-table__cell">{4}</td><td class="nhsuk-table__cell">{5}</td></tr>)",
        url_encode(item.ref), escape(item.ref), escape(item_title(definition, item)),
        escape(state_label(definition, d.step)),
        d.due_at.empty() ? "No deadline" : due_html(d.due_at, c.clock.now()),
        d.on_behalf_of.empty() ? "Yourself"
                               : escape(person_name(c.engine.store(), d.on_behalf_of)));
  }
  return fmt::format(
      R"(<p class="nhsuk-body">{} item(s) wait for your decision, soonest deadline first. Open one to read its document and decide.</p><table class="nhsuk-table"><thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Reference</th><th scope="col" class="nhsuk-table__header">Headline</th><th scope="col" class="nhsuk-table__header">Step</th><th scope="col" class="nhsuk-table__header">Due</th><th scope="col" class="nhsuk-table__header">On behalf of</th></tr></thead><tbody class="nhsuk-table__body">{}</tbody></table>)",
      pending.size(), rows);
}

// The delegations in force that the person gave or was given.
std::string delegations_html(Context& c, const Principal& p) {
  Store& store = c.engine.store();
  const std::string today = format_date(c.clock.now());
  std::string rows;
  for (const auto& d : store.delegations("")) {
    if (!d.revoked_at.empty() || d.until < today) continue;
    if (d.from != p.actor.name && d.to != p.actor.name) continue;
    // Either side may end it early.
    const std::string to = person_name(store, d.to);
    rows += fmt::format(
        R"(<tr class="nhsuk-table__row" data-delegation="{4}"><td class="nhsuk-table__cell">{0}</td><td class="nhsuk-table__cell">{1}</td><td class="nhsuk-table__cell">{2}</td><td class="nhsuk-table__cell">{3}</td><td class="nhsuk-table__cell"><form method="post" action="/sign-offs/delegations/end">{5}<input type="hidden" name="id" value="{4}"><button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-u-margin-bottom-0" type="submit">End now<span class="nhsuk-u-visually-hidden">: {1} deciding as {2}</span></button></form></td></tr>)",
        escape(person_name(store, d.from)), escape(to), escape(readable_label(d.role)),
        escape(uk_date(d.until)), d.id, csrf_field(p));
  }
  if (rows.empty()) {
    return R"(<p class="nhsuk-body">You have not delegated your decisions, and nobody has delegated theirs to you.</p>)";
  }
  return fmt::format(
      R"(<table class="nhsuk-table" id="delegation-list"><caption class="nhsuk-table__caption nhsuk-u-visually-hidden">Delegations in force</caption><thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">From</th><th scope="col" class="nhsuk-table__header">To</th><th scope="col" class="nhsuk-table__header">Role</th><th scope="col" class="nhsuk-table__header">Until the end of</th><th scope="col" class="nhsuk-table__header"><span class="nhsuk-u-visually-hidden">Change</span></th></tr></thead><tbody class="nhsuk-table__body">{}</tbody></table>)",
      rows);
}

std::string delegate_form_html(Context& c, const Principal& p,
                               const std::map<std::string, std::string>& values,
                               const CallResult* failed) {
  if (p.actor.roles.empty()) return {};
  DelegationFields fields(p.actor);
  std::vector<Actor> others;
  for (auto& person : c.engine.store().actors()) {
    if (person.name != p.actor.name) others.push_back(std::move(person));
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
  return fmt::format(
      R"(<h3>Let someone decide for you</h3><p class="nhsuk-body">While you are away, they decide in your place for one of your roles. Each decision they make says it was on your behalf.</p><form method="post" action="/sign-offs/delegate" novalidate>{}{}<button class="nhsuk-button" type="submit">Delegate</button></form>)",
      csrf_field(p), inputs);
}

std::string sign_offs_body(Context& c, const Principal& p, const std::string& notice,
                           const std::map<std::string, std::string>& values = {},
                           const CallResult* failed = nullptr) {
  auto lock = c.lock();
  return fmt::format(R"({}<h1>My sign-offs</h1>{}<h2 id="delegations">Delegations</h2>{}{})",
                     notice, pending_html(c, p), delegations_html(c, p),
                     delegate_form_html(c, p, values, failed));
}

}  // namespace

void add_signoff_page_routes(httplib::Server& http, Context& c) {
  http.Get("/sign-offs", page(c, false, [&c](const Principal& p, const auto&, auto& res) {
             send_page(res, 200, &p, "My sign-offs", "/sign-offs", sign_offs_body(c, p, ""));
           }));
  http.Post(
      "/sign-offs/delegate",
      page(c, true, [&c](const Principal& p, const httplib::Request& req, auto& res) {
        DelegationFields fields(p.actor);
        const Json inputs = form_inputs(fields.all(), req);
        const auto values = posted_values(req);
        CallResult r;
        std::vector<FieldProblem> missing;
        for (const FieldSpec* f : fields.all()) {
          if (!inputs.contains(f->name)) missing.push_back({f->name, "is required"});
        }
        if (!missing.empty()) {
          r = from_error(Error::bad_fields("delegate", std::move(missing)));
        } else {
          r = delegate_decisions(c, p.actor, inputs["to"], inputs["role"], inputs["until"]);
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
        send_page(res, 200, &p, "My sign-offs", "/sign-offs",
                  sign_offs_body(c, p,
                                 success_banner_html(
                                     heading, "<p class=\"nhsuk-body\">" + escape(text) + "</p>")));
      }));
  http.Post("/sign-offs/delegations/end",
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
                  heading =
                      d->from == p.actor.name
                          ? person_name(c.engine.store(), d->to) + " no longer decides for you"
                          : "You no longer decide for " + person_name(c.engine.store(), d->from);
                }
              }
              CallResult r = end_delegation(c, p.actor, id);
              if (!r.ok()) {
                send_page(res, r.status, &p, "Error: My sign-offs", "/sign-offs",
                          sign_offs_body(c, p, result_summary(r, kIdPrefix, {})));
                return;
              }
              send_page(res, 200, &p, "My sign-offs", "/sign-offs",
                        sign_offs_body(c, p, success_banner_html(heading, "")));
            }));
}

}  // namespace commsflow::server
