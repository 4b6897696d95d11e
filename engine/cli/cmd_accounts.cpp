// actor passwd, token create: the credentials `commsflow serve` signs people in with.
#include <commsflow/accounts.h>
#include <commsflow/credentials.h>
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

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
  if (!got) fail(ErrorKind::BadInput, "password: nothing was given on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void run_passwd(Session& s, const std::string& name) {
  Engine& engine = s.engine();
  if (!engine.store().actor(name)) {
    fail(ErrorKind::NotFound, "unknown actor '{}' (add one with `commsflow actor add`)", name);
  }
  std::string password = read_secret("New password: ");
  if (isatty(STDIN_FILENO) && read_secret("Again: ") != password) {
    fail(ErrorKind::BadInput, "password: the two entries differ; nothing was changed");
  }
  set_password(engine, name, password);
  if (s.options.json)
    s.print_json(Json{{"actor", name}, {"password", "set"}});
  else
    fmt::print("Password set for {}.\n", name);
}

void run_token_create(Session& s, const std::string& actor, const std::string& label) {
  Engine& engine = s.engine();
  std::string token = random_token();
  Accounts(engine.store())
      .create_api_token(token_digest(token), actor, label, format_datetime(s.clock().now()));
  if (s.options.json) {
    s.print_json(Json{{"actor", actor}, {"label", label}, {"token", token}});
    return;
  }
  fmt::print("{}\n", token);
  std::cerr << fmt::format(
      "API token for {} created. It is shown only now; send it as "
      "`Authorization: Bearer <token>`.\n",
      actor);
}

}  // namespace

void set_password(Engine& engine, std::string_view actor, std::string_view password) {
  std::string hash = hash_password(password);
  Accounts(engine.store()).set_password_hash(actor, hash, format_datetime(SystemClock().now()));
}

void add_account_commands(CLI::App& app, Session& s) {
  if (CLI::App* actor = app.get_subcommand("actor")) {
    auto* passwd = actor->add_subcommand(
        "passwd", "Set an actor's sign-in password, read from standard input (never argv)");
    auto name = std::make_shared<std::string>();
    passwd->add_option("name", *name, "Actor name")->required();
    passwd->callback([&s, name] { run_passwd(s, *name); });
  }

  auto* token = app.add_subcommand("token", "API tokens for scripts using the web API");
  token->require_subcommand(1);
  auto* create =
      token->add_subcommand("create", "Create an API token; prints it once (stored hashed)");
  auto actor = std::make_shared<std::string>();
  auto label = std::make_shared<std::string>("api");
  create->add_option("--as", *actor, "Actor the token acts as")->required();
  create->add_option("--label", *label, "What the token is for");
  create->callback([&s, actor, label] { run_token_create(s, *actor, *label); });
}

}  // namespace commsflow::cli
