// init, check, workflows, actor.
#include <commsflow/people.h>
#include <commsflow/sha256.h>
#include <commsflow/uk_time.h>
#include <commsflow/workflow_loader.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "cli/commands.h"

namespace commsflow::cli {

namespace {

// How many files the problems are in.
std::size_t files_with(const std::vector<Diagnostic>& problems) {
  std::vector<std::string> files;
  for (const auto& p : problems) {
    if (std::find(files.begin(), files.end(), p.file) == files.end()) files.push_back(p.file);
  }
  return files.size();
}

// `before`: the actor as it was before an `actor add`, when it was already there.
void print_actor(Session& s, const Actor& a, const std::optional<Actor>& before = std::nullopt) {
  if (s.options.json) {
    Json out{
        {"name", a.name}, {"display_name", a.display_name}, {"email", a.email}, {"roles", a.roles}};
    if (before) out["existed"] = true;
    s.print_json(out);
    return;
  }
  // Two people of one name would be one account: say so, lest a new starter be given another's.
  if (before) {
    std::vector<std::string> added;
    for (const auto& role : a.roles) {
      if (!before->has_role(role)) added.push_back(role);
    }
    fmt::print(
        "{} was already here{}: {}\n", a.name,
        before->display_name.empty() ? "" : fmt::format(" as {}", printable(before->display_name)),
        added.empty() ? std::string("they held every role given already")
                      : fmt::format("given {} as well", fmt::join(added, ", ")));
  }
  fmt::print("{}{}: {}{}\n", a.name,
             a.display_name.empty() ? "" : fmt::format(" ({})", printable(a.display_name)),
             fmt::join(a.roles, ", "), a.email.empty() ? "" : fmt::format(" <{}>", a.email));
}

void run_init(Session& s, bool demo) {
  // A PostgreSQL database is made by its administrator: it counts as new until workflows are.
  const bool url = Store::is_url(s.options.db);
  const bool existed =
      url ? !Store::open(s.options.db,
                         Store::Options{true, Store::Durability::Full, s.options.busy_timeout_ms})
                 ->workflows()
                 .empty()
          : std::filesystem::exists(s.options.db);
  Engine& engine = s.engine(/*create=*/true);
  // Never a URL's password: the server and database name.
  const std::string shown = url ? engine.store().name() : s.options.db;
  if (demo) add_demo_data(engine);
  auto workflows = engine.workflows();
  if (s.options.json) {
    s.print_json(Json{{"db", shown},
                      {"created", !existed},
                      {"schema_version", engine.store().schema_version()},
                      {"workflows", workflows.size()}});
    return;
  }
  fmt::print("{} {} (schema version {}), {} workflow(s) loaded{}\n", existed ? "Opened" : "Created",
             shown, engine.store().schema_version(), workflows.size(),
             demo ? ", demo data present" : "");
}

// What no file shows alone: two workflows with one prefix and, when the whole folder is
// checked, a parent or child that names no workflow in it.
void check_across_files(const std::vector<Definition>& defs, bool whole_folder,
                        std::vector<Diagnostic>& problems) {
  auto named = [&](const std::string& name) {
    return std::any_of(defs.begin(), defs.end(),
                       [&](const Definition& d) { return d.name == name; });
  };
  for (auto d = defs.begin(); d != defs.end(); ++d) {
    for (auto earlier = defs.begin(); earlier != d; ++earlier) {
      if (earlier->prefix == d->prefix && earlier->name != d->name) {
        problems.push_back(Diagnostic{d->path, d->line,
                                      fmt::format("prefix '{}' is also that of workflow '{}' ({})",
                                                  d->prefix, earlier->name, earlier->path)});
      }
    }
    if (!whole_folder) continue;
    if (!d->parent.empty() && !named(d->parent)) {
      problems.push_back(Diagnostic{
          d->path, d->line,
          fmt::format("parent names '{}', which is no workflow in this folder", d->parent)});
    }
    for (const auto& child : d->children) {
      if (named(child)) continue;
      problems.push_back(Diagnostic{
          d->path, d->line,
          fmt::format("children names '{}', which is no workflow in this folder", child)});
    }
  }
}

// What `check` points out without refusing the file (a workflow in service keeps loading): a
// field the submitter gives (`submit.sets`) that `read.submitter`, listing fields, leaves out, so
// they give it and never see it again.
void add_submitter_warnings(const Definition& d, std::vector<Diagnostic>& warnings) {
  const auto& shown = d.read.submitter_fields;
  if (shown.empty()) return;
  for (const auto& name : d.submit.sets) {
    if (std::find(shown.begin(), shown.end(), name) != shown.end()) continue;
    warnings.push_back(Diagnostic{
        d.path, d.read.line,
        fmt::format("read.submitter leaves out '{}', which submit.sets has the submitter give: "
                    "they will not see what they gave (add it to read.submitter)",
                    name)});
  }
}

void run_check(Session& s, std::vector<std::string> files) {
  const bool whole_folder = files.empty();
  if (whole_folder) {
    for (const auto& f : workflow_files(s.options.workflows)) files.push_back(f.string());
  }
  std::vector<Diagnostic> problems;
  std::map<std::string, std::string> names;
  std::vector<Definition> loaded_ok;  // for the checks across files
  for (const auto& file : files) {
    std::string source;
    try {
      source = read_file(file);
    } catch (const Error& e) {
      problems.push_back(Diagnostic{file, 0, e.what()});
      continue;
    }
    auto dir = std::filesystem::path(file).parent_path();
    LoadedWorkflow loaded = load_workflow(ScriptSource{file, source, dir / "lib"},
                                          to_hex(sha256(source)), ScriptLimits{}, s.clock());
    if (loaded.ok()) {
      auto [it, fresh] = names.emplace(loaded.definition.name, file);
      if (!fresh) {
        loaded.problems.push_back(Diagnostic{file, loaded.definition.line,
                                             fmt::format("workflow '{}' is also defined in {}",
                                                         loaded.definition.name, it->second)});
      }
      loaded_ok.push_back(loaded.definition);
    }
    for (auto& p : loaded.problems) problems.push_back(std::move(p));
  }
  // A parent or child is looked for only when every file loaded: one that did not is named above.
  check_across_files(loaded_ok, whole_folder && loaded_ok.size() == files.size(), problems);
  std::vector<Diagnostic> warnings;
  for (const auto& d : loaded_ok) add_submitter_warnings(d, warnings);
  if (s.options.json) {
    auto listed = [](const std::vector<Diagnostic>& found) {
      Json out = Json::array();
      for (const auto& p : found) {
        out.push_back(Json{{"file", p.file}, {"line", p.line}, {"message", p.message}});
      }
      return out;
    };
    s.print_json(Json{
        {"files", files.size()}, {"problems", listed(problems)}, {"warnings", listed(warnings)}});
  } else {
    for (const auto& p : problems) std::cerr << p.to_string() << "\n";
    for (const auto& w : warnings) std::cerr << "warning: " << w.to_string() << "\n";
    if (problems.empty())
      fmt::print("ok: {} workflow file(s) checked, no problems{}\n", files.size(),
                 warnings.empty() ? "" : fmt::format(" ({} warning(s) above)", warnings.size()));
    else
      std::cerr << fmt::format("{} problem(s) in {} of {} file(s) checked\n", problems.size(),
                               files_with(problems), files.size());
  }
  s.exit_code = problems.empty() ? 0 : 2;
}

void run_workflows(Session& s) {
  s.only_reads();
  auto workflows = s.engine().workflows();
  // A file changed since its version in service that now fails to load: the row says so, as
  // well as the warning on stderr, lest the table be read as the file's own state.
  const auto problem_in = [&](const std::string& path) -> const Diagnostic* {
    for (const auto& d : s.not_loaded()) {
      if (std::filesystem::path(d.file).filename() == std::filesystem::path(path).filename())
        return &d;
    }
    return nullptr;
  };
  if (s.options.json) {
    Json out = Json::array();
    for (const auto& w : workflows) {
      Json row{{"name", w.name},
               {"title", w.title},
               {"version", w.version},
               {"path", w.path},
               {"loaded_at", w.loaded_at},
               {"open_items", w.open_items},
               {"open_on_earlier_versions", w.open_on_earlier_versions}};
      if (const Diagnostic* d = problem_in(w.path)) row["file_not_loaded"] = d->to_string();
      out.push_back(std::move(row));
    }
    s.print_json(out);
    return;
  }
  // People read UK time; --json keeps UTC.
  fmt::print("{:<20} {:<14} {:<24} {:>10}  {}\n", "WORKFLOW", "VERSION", "LOADED (UK TIME)",
             "OPEN ITEMS", "FILE");
  for (const auto& w : workflows) {
    fmt::print("{:<20} {:<14} {:<24} {:>10}  {}{}\n", w.name, w.version.substr(0, 12),
               uk_datetime(w.loaded_at), w.open_items, w.path,
               problem_in(w.path) ? "  (the file has changed and fails to load: this version "
                                    "stays in service; see `commsflow check`)"
                                  : "");
  }
  // Open items stay on the version they were made under until moved: said, lest the count be
  // read as the new version's.
  for (const auto& w : workflows) {
    if (w.open_on_earlier_versions == 0) continue;
    fmt::print(
        "{}: {} of its open items are on an earlier version; `commsflow migrate --workflow "
        "{} --dry-run` shows what moving them to {} does\n",
        w.name, w.open_on_earlier_versions, w.name, w.version.substr(0, 12));
  }
}

}  // namespace

void add_admin_commands(CLI::App& app, Session& s) {
  auto* init =
      app.add_subcommand("init", "Create the database (if missing) and load the workflows");
  auto demo = std::make_shared<bool>(false);
  init->add_flag("--demo", *demo, "Also add demo actors and items (once)");
  init->callback([&s, demo] { run_init(s, *demo); });

  auto* check = app.add_subcommand(
      "check", "Check workflow files without touching the database (exit 2 on problems)");
  auto files = std::make_shared<std::vector<std::string>>();
  check->add_option("files", *files, "Workflow files (default: every file in --workflows)");
  check->callback([&s, files] { run_check(s, *files); });

  app.add_subcommand("workflows", "List workflows: version, load time and open items")
      ->callback([&s] { run_workflows(s); });

  auto* actor = app.add_subcommand("actor", "Manage the people who act");
  actor->require_subcommand(1);
  auto* add = actor->add_subcommand("add", "Add an actor or grant more roles");
  auto name = std::make_shared<std::string>();
  auto roles = std::make_shared<std::vector<std::string>>();
  auto display_name = std::make_shared<std::string>();
  add->add_option("name", *name, "Actor name, e.g. hannah.head")->required();
  add->add_option("--role", *roles, "Role to grant (repeatable)")->required();
  add->add_option("--display-name", *display_name,
                  "How people see them, e.g. \"Hannah Head\" (default: the name)");
  auto email = std::make_shared<std::string>();
  add->add_option("--email", *email,
                  "Where their notifications go, e.g. hannah.head@nhs.net (personal data)");
  add->callback([&s, name, roles, display_name, email] {
    const std::optional<Actor> before = s.engine().store().actor(*name);
    // Adding to someone already here changes how others see them only through `actor set`: a
    // different display name or address given here is more likely a second person of the name.
    if (before && ((!display_name->empty() && *display_name != before->display_name) ||
                   (!email->empty() && *email != before->email))) {
      fail(ErrorKind::BadInput,
           "{} is already here{}, with another {}: to change it use `commsflow actor set {}`; "
           "a new person needs a name of their own. Nothing was changed.",
           *name,
           before->display_name.empty() ? ""
                                        : fmt::format(" as {}", printable(before->display_name)),
           !display_name->empty() && *display_name != before->display_name ? "display name"
                                                                           : "email address",
           *name);
    }
    Actor a = s.engine().add_actor(*name, *roles, kOperator, *display_name, *email);
    print_actor(s, a, before);
  });
  auto* set = actor->add_subcommand("set", "Change how an actor is shown, or their email address");
  auto set_name = std::make_shared<std::string>();
  auto set_display = std::make_shared<std::optional<std::string>>();
  auto set_email = std::make_shared<std::optional<std::string>>();
  set->add_option("name", *set_name, "Actor name")->required();
  auto* display_option =
      set->add_option("--display-name", *set_display, "How people see them (empty: the name)");
  auto* email_option =
      set->add_option("--email", *set_email, "Where their notifications go (empty: nowhere)");
  set->callback([&s, set_name, set_display, set_email, display_option, email_option] {
    if (display_option->count() == 0 && email_option->count() == 0) {
      fail(ErrorKind::BadInput, "actor set: give --display-name, --email or both");
    }
    Engine& engine = s.engine();
    People people(engine.store(), engine.registry(), engine.clock());
    auto tx = engine.store().begin_write();  // both changes (each its own event), or neither
    if (*set_display) people.set_display_name(*set_name, **set_display, kOperator);
    if (*set_email) people.set_email(*set_name, **set_email, kOperator);
    Actor a = *engine.store().actor(*set_name);  // there: the change above found it
    tx->commit();
    print_actor(s, a);
  });
  actor->add_subcommand("list", "List actors and their roles")->callback([&s] {
    s.only_reads();
    Store& store = s.engine().store();
    auto actors = store.actors();
    // Whether they can sign in at all: someone without a password cannot, and is not told why.
    const auto has_password = [&](const Actor& a) {
      return store.accounts().password_hash(a.name).has_value();
    };
    if (s.options.json) {
      Json out = Json::array();
      for (const auto& a : actors) {
        out.push_back(Json{{"name", a.name},
                           {"display_name", a.display_name},
                           {"email", a.email},
                           {"roles", a.roles},
                           {"disabled", a.disabled},
                           {"has_password", has_password(a)}});
      }
      s.print_json(out);
      return;
    }
    for (const auto& a : actors) {
      fmt::print("{:<24} {:<24} {:<32} {}{}\n", a.name, printable(a.display_name),
                 a.email.empty() ? "-" : a.email, fmt::join(a.roles, ", "),
                 a.disabled        ? "  (disabled)"
                 : has_password(a) ? ""
                                   : "  (no password yet: cannot sign in)");
    }
  });
}

}  // namespace commsflow::cli
