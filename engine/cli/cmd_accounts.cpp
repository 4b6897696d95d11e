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

// A leaver's disabling, with the sign-off steps that waited for them (`waiting`, read before)
// and who else may decide each now: a step only they could decide waits for nobody, and whoever
// disables them is the one to hand it on.
void print_disabled(Session& s, const Actor& leaver, const std::vector<PendingDecision>& waiting) {
  Engine& engine = s.engine();
  Signoff signoff(engine);
  Json left = Json::array();
  std::vector<std::string> lines;
  for (const PendingDecision& p : waiting) {
    const Item item = engine.store().item(p.item.ref).value_or(p.item);
    const std::vector<std::string> others = signoff.others_in_place_of(item, leaver);
    left.push_back(
        Json{{"ref", item.ref}, {"step", p.step}, {"due_at", p.due_at}, {"others", others}});
    std::vector<std::string> names;
    for (const auto& other : others) names.push_back(person_name(engine.store(), other));
    const Definition& d = engine.registry().version(item.version).definition;
    std::string who = fmt::format("{} may decide it in their place", fmt::join(names, ", "));
    if (others.empty()) {
      who = "nobody else may decide it in their place now";
      if (const auto roles = roles_deciding(leaver, d, p); !roles.empty()) {
        who += fmt::format("; give someone the role (`commsflow actor add NAME --role {}`)",
                           roles.front());
      }
    }
    lines.push_back(
        fmt::format("  {} {}{}: {}", item.ref, state_label(d, p.step),
                    p.due_at.empty() ? "" : fmt::format(", due {}", uk_datetime(p.due_at)), who));
  }
  if (s.options.json) {
    s.print_json(Json{{"name", leaver.name},
                      {"roles", leaver.roles},
                      {"disabled", leaver.disabled},
                      {"waiting_on_them", left}});
    return;
  }
  print_actor(s, leaver, "disabled; roles");
  if (lines.empty()) return;
  fmt::print("Waiting for {} when disabled:\n{}\n", person_name(engine.store(), leaver.name),
             fmt::join(lines, "\n"));
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
  if (tokens.empty()) fmt::print("no API tokens\n");
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
      print_actor(s, people(s).remove_role(*who, *which, kOperator), "now holds");
    });

    auto* disable = actor->add_subcommand(
        "disable",
        "A leaver: cannot sign in or act, sessions end and tokens stop at once; history still "
        "names them. Lists the sign-off steps that waited for them and who else may decide each");
    auto leaver = std::make_shared<std::string>();
    disable->add_option("name", *leaver, "Actor name")->required();
    disable->callback([&s, leaver] {
      // Read while they may still decide (one already disabled is refused below, as before).
      const auto account = s.engine().store().actor(*leaver);
      const auto waiting = account && !account->disabled ? Signoff(s.engine()).inbox(*leaver)
                                                         : std::vector<PendingDecision>{};
      const Actor disabled = people(s).disable(*leaver, kOperator);
      print_disabled(s, disabled, waiting);
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
  create->add_option("--as", *actor, "Actor the token acts as")->required();
  create->add_option("--name,--label", *name, "What the token is for, e.g. \"nightly export\"");
  create->add_option("--days", *days, "Days until it expires (default 90, at most 366)");
  create->callback([&s, actor, name, days] { run_token_create(s, *actor, *name, *days); });

  auto* list = token->add_subcommand("list", "List API tokens (never their values)");
  auto owner = std::make_shared<std::string>();
  list->add_option("--as", *owner, "Only this actor's tokens");
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
