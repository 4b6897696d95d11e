// Accounts over their life: actor passwd, role remove, disable, enable; token create, list,
// revoke; delegation revoke. Each change is recorded in the hash chain (see people.h).
#include <commsflow/accounts.h>
#include <commsflow/credentials.h>
#include <commsflow/people.h>
#include <commsflow/registry.h>
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/commands.h"

namespace commsflow::cli {

namespace {

// Reads one line from stdin. On a terminal, prompts and does not echo what is typed.
std::string read_secret(const char* prompt) {
  const bool tty = isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!got) fail_field("password", "nothing was given on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

People people(Session& s) {
  Engine& engine = s.engine();
  return People(engine.store(), engine.registry(), engine.clock());
}

void print_actor(Session& s, const Actor& a, const char* what) {
  if (s.options.json) {
    s.print_json(Json{{"name", a.name}, {"roles", a.roles}, {"disabled", a.disabled}});
    return;
  }
  fmt::print("{} {}: {}{}\n", a.name, what, fmt::join(a.roles, ", "),
             a.disabled ? " (disabled)" : "");
}

// The leaver's roles among the approvers of the groups `p` waits in: what to give another.
std::vector<std::string> roles_deciding(const Actor& leaver, const Definition& d,
                                        const PendingDecision& p) {
  std::vector<std::string> roles;
  const StateSpec* state = d.state(p.step);
  if (!state || !state->signoff) return roles;
  for (const auto& group : state->signoff->groups) {
    if (std::find(p.groups.begin(), p.groups.end(), group.name) == p.groups.end()) continue;
    for (const auto& entry : group.approvers) {
      if (leaver.has_role(entry) && std::find(roles.begin(), roles.end(), entry) == roles.end())
        roles.push_back(entry);
    }
  }
  return roles;
}

// The sign-off steps of `waiting` (read before a change to `person`, who is shown as they were)
// and who else may decide each in their place now: a step only they could decide waits for
// nobody, and whoever made the change is the one to hand it on. Fills `lines` for people and
// returns the same as JSON.
Json left_waiting(Session& s, const Actor& person, const std::vector<PendingDecision>& waiting,
                  std::vector<std::string>& lines) {
  Engine& engine = s.engine();
  Signoff signoff(engine);
  Json left = Json::array();
  for (const PendingDecision& p : waiting) {
    const Item item = engine.store().item(p.item.ref).value_or(p.item);
    const std::vector<std::string> others = signoff.others_in_place_of(item, person, p.groups);
    left.push_back(
        Json{{"ref", item.ref}, {"step", p.step}, {"due_at", p.due_at}, {"others", others}});
    std::vector<std::string> names;
    for (const auto& other : others) names.push_back(person_name(engine.store(), other));
    const Definition& d = engine.registry().version(item.version).definition;
    std::string who = fmt::format("{} may decide it in their place", fmt::join(names, ", "));
    if (others.empty()) {
      who = "nobody else may decide it in their place now";
      if (const auto roles = roles_deciding(person, d, p); !roles.empty()) {
        who += fmt::format("; give someone the role (`commsflow actor add NAME --role {}`)",
                           roles.front());
      }
    }
    lines.push_back(
        fmt::format("  {} {}{}: {}", item.ref, state_label(d, p.step),
                    p.due_at.empty() ? "" : fmt::format(", due {}", uk_datetime(p.due_at)), who));
  }
  return left;
}

// An account change that may take someone out of sign-off steps (a leaver disabled, a role
// taken away): the account as it is now, then what waited for them and no longer can.
void print_change(Session& s, const Actor& now, const char* what, const Actor& before,
                  const std::vector<PendingDecision>& waiting, std::string_view since) {
  std::vector<std::string> lines;
  Json left = left_waiting(s, before, waiting, lines);
  if (s.options.json) {
    s.print_json(Json{{"name", now.name},
                      {"roles", now.roles},
                      {"disabled", now.disabled},
                      {"waiting_on_them", std::move(left)}});
    return;
  }
  print_actor(s, now, what);
  if (lines.empty()) return;
  fmt::print("Waiting for {} {}:\n{}\n", person_name(s.engine().store(), now.name), since,
             fmt::join(lines, "\n"));
}

// What waits for `name`'s decision now; nothing for an unknown or disabled actor (the change
// that follows refuses those with its own message).
std::vector<PendingDecision> waiting_for(Session& s, const std::string& name) {
  const auto account = s.engine().store().actor(name);
  return account && !account->disabled ? Signoff(s.engine()).inbox(name)
                                       : std::vector<PendingDecision>{};
}

void run_passwd(Session& s, const std::string& name) {
  Engine& engine = s.engine();
  if (!engine.store().actor(name)) {
    fail(ErrorKind::NotFound, "unknown actor '{}' (add one with `commsflow actor add`)", name);
  }
  std::string password = read_secret("New password: ");
  if (isatty(STDIN_FILENO) && read_secret("Again: ") != password) {
    fail_field("password", "the two entries differ; nothing was changed");
  }
  set_password(engine, name, password);
  if (s.options.json)
    s.print_json(Json{{"actor", name}, {"password", "set"}});
  else
    fmt::print("Password set for {}; their sessions have ended.\n", name);
}

Json token_json(const ApiTokenRecord& t) {
  return Json{{"id", t.id},
              {"actor", t.actor},
              {"name", t.name},
              {"created_at", t.created_at},
              {"expires_at", t.expires_at},
              {"revoked_at", t.revoked_at}};
}

void run_token_create(Session& s, const std::string& actor, const std::string& name, int days) {
  if (days < 1 || days > 366) fail(ErrorKind::BadInput, "--days: give 1 to 366, got {}", days);
  std::string token = random_token();
  ApiTokenRecord record = people(s).create_api_token(actor, token_digest(token), name,
                                                     std::chrono::hours(24 * days), kOperator);
  if (s.options.json) {
    Json out = token_json(record);
    out["token"] = token;
    s.print_json(out);
    return;
  }
  fmt::print("{}\n", token);
  std::cerr << fmt::format(
      "API token {} '{}' for {} created; it expires {} (UK time). It is shown only now; send it "
      "as `Authorization: Bearer <token>`.\n",
      record.id, record.name, person_name(s.engine().store(), actor),
      uk_datetime(record.expires_at));
}

void run_token_list(Session& s, const std::string& actor) {
  s.only_reads();
  if (!actor.empty() && !s.engine().store().actor(actor)) {  // a typo is not "no tokens"
    fail(ErrorKind::NotFound, "unknown actor '{}'", actor);
  }
  auto tokens = s.engine().store().accounts().api_tokens(actor);
  const std::string now = format_datetime(s.clock().now());
  if (s.options.json) {
    Json out = Json::array();
    for (const auto& t : tokens) {
      Json j = token_json(t);
      j["active"] = t.revoked_at.empty() && t.expires_at > now;
      out.push_back(j);
    }
    s.print_json(out);
    return;
  }
  Store& store = s.engine().store();
  for (const auto& t : tokens) {
    std::string status = !t.revoked_at.empty() ? "revoked " + uk_datetime(t.revoked_at)
                         : t.expires_at <= now ? "expired " + uk_datetime(t.expires_at)
                                               : "expires " + uk_datetime(t.expires_at);
    fmt::print("{:<4} {:<20} {:<24} created {}  {}\n", t.id, person_name(store, t.actor),
               printable(t.name), uk_datetime(t.created_at), status);
  }
  fmt::print("{}\n", tokens.empty() ? "no API tokens" : "(times are UK time)");
}

}  // namespace

void set_password(Engine& engine, std::string_view actor, std::string_view password) {
  std::string hash = hash_password(password);
  People(engine.store(), engine.registry(), engine.clock())
      .set_password_hash(actor, hash, kOperator);
}

void add_account_commands(CLI::App& app, Session& s) {
  if (CLI::App* actor = app.get_subcommand("actor")) {
    auto* passwd = actor->add_subcommand(
        "passwd", "Set an actor's sign-in password, read from standard input (never argv)");
    auto name = std::make_shared<std::string>();
    passwd->add_option("name", *name, "Actor name")->required();
    passwd->callback([&s, name] { run_passwd(s, *name); });

    auto* role = actor->add_subcommand("role", "Take a role away from an actor");
    role->require_subcommand(1);
    auto* remove =
        role->add_subcommand("remove", "Remove a role from an actor; their sessions end at once");
    auto who = std::make_shared<std::string>();
    auto which = std::make_shared<std::string>();
    remove->add_option("name", *who, "Actor name")->required();
    remove->add_option("role", *which, "Role to remove")->required();
    remove->callback([&s, who, which] {
      const auto before = s.engine().store().actor(*who);
      const auto waiting = waiting_for(s, *who);
      const Actor now = people(s).remove_role(*who, *which, kOperator);
      // Only the steps they may no longer decide, with the role gone.
      std::vector<PendingDecision> lost;
      const auto still = waiting_for(s, *who);
      for (const auto& p : waiting) {
        if (std::none_of(still.begin(), still.end(),
                         [&](const PendingDecision& q) { return q.item.ref == p.item.ref; })) {
          lost.push_back(p);
        }
      }
      print_change(s, now, "now holds", *before, lost,
                   fmt::format("as {}", roles_in_words({*which}, "and")));
    });

    auto* disable = actor->add_subcommand(
        "disable",
        "A leaver: cannot sign in or act, sessions end and API tokens are revoked at once; history "
        "still "
        "names them. Lists the sign-off steps that waited for them and who else may decide each");
    auto leaver = std::make_shared<std::string>();
    disable->add_option("name", *leaver, "Actor name")->required();
    disable->callback([&s, leaver] {
      const auto before = s.engine().store().actor(*leaver);
      const auto waiting = waiting_for(s, *leaver);  // read while they may still decide
      const Actor now = people(s).disable(*leaver, kOperator);
      print_change(s, now, "disabled; roles", *before, waiting, "when disabled");
    });

    auto* enable = actor->add_subcommand("enable", "Let a disabled actor sign in and act again");
    auto returner = std::make_shared<std::string>();
    enable->add_option("name", *returner, "Actor name")->required();
    enable->callback([&s, returner] {
      print_actor(s, people(s).enable(*returner, kOperator), "enabled; roles");
    });
  }

  auto* token = app.add_subcommand("token", "API tokens for scripts using the web API");
  token->require_subcommand(1);
  auto* create =
      token->add_subcommand("create", "Create an API token; prints it once (stored hashed)");
  auto actor = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>("api");
  auto days = std::make_shared<int>(90);
  create->add_option("--as", *actor, "Actor the token acts as")->transform(as_person())->required();
  create->add_option("--name,--label", *name, "What the token is for, e.g. \"nightly export\"");
  create->add_option("--days", *days, "Days until it expires (default 90, at most 366)");
  create->callback([&s, actor, name, days] { run_token_create(s, *actor, *name, *days); });

  auto* list = token->add_subcommand("list", "List API tokens (never their values)");
  auto owner = std::make_shared<std::string>();
  list->add_option("--as", *owner, "Only this actor's tokens")->transform(as_person());
  list->callback([&s, owner] { run_token_list(s, *owner); });

  auto* revoke = token->add_subcommand("revoke", "Revoke an API token at once");
  auto id = std::make_shared<std::int64_t>(0);
  revoke->add_option("id", *id, "Token id, from `commsflow token list`")->required();
  revoke->callback([&s, id] {
    auto outcome = people(s).revoke_api_token(*id, kOperator);
    if (!outcome) return s.refused(outcome.refusal());
    const ApiTokenRecord& t = outcome.value();
    if (s.options.json) return s.print_json(token_json(t));
    fmt::print("token {} '{}' of {} revoked {}\n", t.id, printable(t.name),
               person_name(s.engine().store(), t.actor), uk_datetime(t.revoked_at));
  });

  auto* delegation = app.add_subcommand("delegation", "End a delegation early");
  delegation->require_subcommand(1);
  auto* end = delegation->add_subcommand(
      "revoke", "End a delegation before its end date (ids from `commsflow delegations`)");
  auto delegation_id = std::make_shared<std::int64_t>(0);
  end->add_option("id", *delegation_id, "Delegation id")->required();
  end->callback([&s, delegation_id] {
    auto outcome = people(s).revoke_delegation(*delegation_id, kOperator);
    if (!outcome) return s.refused(outcome.refusal());
    const Delegation& d = outcome.value();
    if (s.options.json) {
      return s.print_json(Json{{"id", d.id},
                               {"from", d.from},
                               {"to", d.to},
                               {"role", d.role},
                               {"until", d.until},
                               {"revoked_at", d.revoked_at}});
    }
    Store& store = s.engine().store();
    fmt::print("{} may no longer decide for {} as {} (revoked {})\n", person_name(store, d.to),
               person_name(store, d.from), readable_label(d.role), uk_datetime(d.revoked_at));
  });
}

}  // namespace commsflow::cli
