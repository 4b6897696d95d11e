// queue, incident declare|close, import.
#include <commsflow/import.h>
#include <commsflow/import_rows.h>
#include <commsflow/incidents.h>
#include <commsflow/queue.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/commands.h"

namespace commsflow::cli {

namespace {

std::string text_of(const Json& data, const char* key, const char* otherwise = "") {
  auto it = data.find(key);
  if (it == data.end() || it->is_null()) return otherwise;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// An incident's level as the incident workflow labels it ("Major").
std::string level_in_words(Engine& engine, const Item& incident) {
  const FieldSpec* level = engine.registry().version(incident.version).definition.field("level");
  return level ? value_in_words(engine.store(), *level, incident.data.value("level", Json()))
               : text_of(incident.data, "level");
}

// Prints the queue as it is read, one item at a time, so its length costs no memory: a table, or
// with --json the same indented array that Session::print_json would print.
void run_queue(Session& s, const std::string& typed_workflow) {
  s.only_reads();  // a copy this user may only read is shown, not refused
  const std::string workflow = s.engine().registry().stored_name(typed_workflow);  // or its title
  s.engine().registry().current(workflow);  // NotFound, naming the workflows there are
  QueueQuery query;
  query.workflow = workflow;
  ReadAccess access = s.access();
  if (s.options.json) {
    bool first = true;
    access.for_each_in_queue(query, [&](const Item& item) {
      std::string element = item.to_json().dump(2);
      std::string indented = "  ";
      for (char ch : element) {
        indented += ch;
        if (ch == '\n') indented += "  ";
      }
      std::cout << (first ? "[\n" : ",\n") << indented;
      first = false;
    });
    std::cout << (first ? "[]\n" : "\n]\n");
    return;
  }
  // People's language: the workflow's labels, UK time and display names.
  Engine& engine = s.engine();
  const Definition& d = engine.registry().current(workflow).definition;
  const QueueSpec& spec = d.queue;
  std::string tier_header = "-";
  if (const FieldSpec* f = spec.tier_field.empty() ? nullptr : d.field(spec.tier_field)) {
    tier_header = field_label(*f);
  }
  fmt::print("{:<15} {:<10} {:<14} {:<34} {:<5} {:<18} {}\n", "Reference", tier_header, "State",
             "Due (UK time)", "Late", "Assignee", "Title");
  const TimePoint now = s.clock().now();
  std::int64_t total = access.for_each_in_queue(query, [&](const Item& item) {
    const Json tier = spec.tier_field.empty() ? Json() : item.data.value(spec.tier_field, Json());
    const QueueTier* t = tier.is_string() ? spec.tier(tier.get<std::string>()) : nullptr;
    const std::string due =
        spec.due_field.empty() ? "" : text_of(item.data, spec.due_field.c_str());
    const bool late = !spec.late_field.empty() && item.data.value(spec.late_field, false);
    // A reader who may not see assignees is not told that assigned work is unassigned.
    const bool shows_assignee = access.sight(item).shows("assignee");
    const std::string assignee = text_of(item.data, "assignee");
    auto person = assignee.empty() ? std::nullopt : engine.store().actor(assignee);
    // Past its due time and not held: said in words, as the web queue does.
    const auto due_at = parse_datetime(due);
    const bool overdue = due_at && *due_at < now && !spec.holds(item.state);
    fmt::print("{:<15} {:<10} {:<14} {:<34} {:<5} {:<18} {}\n", item.ref,
               t                  ? t->label
               : tier.is_string() ? tier.get<std::string>()
                                  : "-",
               state_label(engine.registry().version(item.version).definition, item.state),
               due.empty() ? "-"
               : overdue   ? fmt::format("{} (overdue)", uk_datetime(due))
                           : uk_datetime(due),
               late ? "Late" : "",
               !shows_assignee    ? "not shown"
               : person           ? person->shown_name()
               : assignee.empty() ? "-"
                                  : assignee,
               item_title(engine.registry().version(item.version).definition, item));
  });
  if (total == 0) fmt::print("the queue is empty\n");
}

void report_incident(Session& s, Outcome<IncidentResult>& outcome, const char* verb) {
  if (!outcome) {
    s.refused(outcome.refusal());
    return;
  }
  const auto& r = outcome.value();
  if (s.options.json) {
    Json out = r.incident.to_json();
    out[verb] = r.affected;
    if (!r.held.empty()) out["still_paused"] = Json{{"refs", r.held}, {"for", r.held_for}};
    s.print_json(out);
    return;
  }
  fmt::print("{} {} ({}): {} item(s) {}{}{}\n", r.incident.ref, text_of(r.incident.data, "name"),
             level_in_words(s.engine(), r.incident), r.affected.size(), verb,
             r.affected.empty() ? "" : ": ", fmt::join(r.affected, ", "));
  if (!r.held.empty())
    fmt::print("{}: {}\n", still_paused_words(r.held, r.held_for), fmt::join(r.held, ", "));
}

void run_incident_list(Session& s) {
  s.only_reads();
  Engine& engine = s.engine();
  Store& store = engine.store();
  std::vector<Item> open;
  if (store.current_version(kIncidentWorkflow)) {
    for (Item& i : s.access().items(ItemFilter{std::string(kIncidentWorkflow), "", -1})) {
      if (!engine.registry().version(i.version).definition.is_final(i.state))
        open.push_back(std::move(i));
    }
  }
  // How much work each holds: open items whose workflow's `incidents.held_by` field names it,
  // of those the reader may see (a closed item holds nothing, whatever its data kept).
  std::map<std::string, int> held;
  for (const Item& item : s.access().items(ItemFilter{})) {
    const Definition& d = engine.registry().version(item.version).definition;
    const std::string& by = d.incidents.held_by;
    if (by.empty() || d.is_final(item.state)) continue;
    if (auto name = item.data.find(by); name != item.data.end() && name->is_string())
      ++held[name->get<std::string>()];
  }
  if (s.options.json) {
    Json out = Json::array();
    for (const Item& i : open) {
      const std::string name = text_of(i.data, "name");
      out.push_back(Json{{"ref", i.ref},
                         {"name", name},
                         {"level", text_of(i.data, "level")},
                         {"declared_at", i.created_at},
                         {"holds", held[name]}});
    }
    s.print_json(out);
    return;
  }
  if (open.empty()) {
    fmt::print("No incident is open.\n");
    return;
  }
  for (const Item& i : open) {
    const std::string name = text_of(i.data, "name");
    fmt::print("{}  {} ({}), declared {}: holds {} item(s) paused\n", i.ref, printable(name),
               level_in_words(engine, i), uk_datetime(i.created_at), held[name]);
  }
}

// Streams the file: only the row being imported is held, however large the file.
void run_import(Session& s, const std::string& path, const std::string& workflow,
                const std::string& actor, Duplicates duplicates) {
  std::ifstream in(path, std::ios::binary);
  std::error_code size_error;
  auto size = std::filesystem::file_size(path, size_error);
  if (!in || size_error) fail(ErrorKind::BadInput, "cannot read {}", path);
  CsvImportSource rows(in, path, size);
  Engine& engine = s.engine();
  const bool tty = isatty(STDERR_FILENO) && !s.options.json;
  auto draw = [](size_t done, int percent) {
    std::string bar(static_cast<size_t>(percent / 4), '#');
    std::cerr << fmt::format("\rImporting [{:<25}] {:>3}%  {} row(s)", bar, percent, done)
              << std::flush;
  };
  int shown = -1;
  auto progress = [&](size_t done, double fraction) {
    int percent = static_cast<int>(fraction * 100);
    if (tty && percent != shown) draw(done, shown = percent);
  };
  std::vector<std::string> refs;
  try {
    refs = import_items(engine, engine.registry().stored_name(workflow), actor, rows, progress,
                        duplicates);
    if (tty) {
      draw(refs.size(), 100);
      std::cerr << "\n";
    }
  } catch (const Error& e) {
    if (tty) std::cerr << "\n";
    throw Error(e.kind(), fmt::format("{}: {}", path, e.what()));
  }
  if (s.options.json) {
    s.print_json(Json{{"imported", refs.size()}, {"refs", refs}});
    return;
  }
  fmt::print("imported {} {} item(s) from {}{}\n", refs.size(), workflow, path,
             refs.empty() ? "" : fmt::format(" ({} to {})", refs.front(), refs.back()));
}

}  // namespace

void add_triage_commands(CLI::App& app, Session& s) {
  {
    auto* cmd = app.add_subcommand(
        "queue",
        "Open items in the order the workflow's `queue` declares (comms requests: red, amber, "
        "green, then due time; paused last)");
    auto workflow = std::make_shared<std::string>("comms_request");
    cmd->add_option("--workflow", *workflow, "Workflow whose items to queue");
    add_read_as(cmd, s);
    cmd->callback([&s, workflow] { run_queue(s, *workflow); });
  }
  {
    auto* incident = app.add_subcommand("incident", "Declare, close or list incidents");
    incident->require_subcommand(1);
    auto* list = incident->add_subcommand(
        "list", "List the incidents still open, and how much work each holds paused");
    add_read_as(list, s);
    list->callback([&s] { run_incident_list(s); });
    auto* declare = incident->add_subcommand(
        "declare", "Declare an incident; pauses the work each workflow's incident policy names");
    auto name = std::make_shared<std::string>();
    auto level = std::make_shared<std::string>();
    auto actor = std::make_shared<std::string>();
    declare->add_option("name", *name, "Incident name, e.g. \"Storm Bert\"")->required();
    // One of the incident workflow's levels, checked there (in any case, or as labelled).
    declare
        ->add_option("--level", *level,
                     "The incident's level, as the incident workflow has them (major or minor)")
        ->required();
    declare->add_option("--as", *actor, "Actor declaring (a triager)")
        ->transform(as_person())
        ->required();
    declare->callback([&s, name, level, actor] {
      auto outcome = declare_incident(s.engine(), *name, *level, *actor);
      report_incident(s, outcome, "paused");
    });
    auto* close = incident->add_subcommand(
        "close", "Close an incident; resumes exactly the work it paused, due times moved later");
    auto close_name = std::make_shared<std::string>();
    auto close_actor = std::make_shared<std::string>();
    close->add_option("name", *close_name, "The incident's name, or its reference (INC-2026-0001)")
        ->required();
    close->add_option("--as", *close_actor, "Actor closing (a triager)")
        ->transform(as_person())
        ->required();
    close->callback([&s, close_name, close_actor] {
      auto outcome = close_incident(s.engine(), *close_name, *close_actor);
      report_incident(s, outcome, "resumed");
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "import", "Import items from CSV (header row names fields); all rows or none");
    auto path = std::make_shared<std::string>();
    auto workflow = std::make_shared<std::string>("comms_request");
    auto actor = std::make_shared<std::string>();
    cmd->add_option("file", *path, "CSV file")->required();
    cmd->add_option("--workflow", *workflow, "Workflow of the new items");
    cmd->add_option("--as", *actor, "Actor submitting them")->transform(as_person())->required();
    auto allow_duplicates = std::make_shared<bool>(false);
    cmd->add_flag("--allow-duplicates", *allow_duplicates,
                  "Import rows whose every column holds what an item already here holds (without "
                  "it they are refused, as a file imported twice)");
    cmd->callback([&s, path, workflow, actor, allow_duplicates] {
      run_import(s, *path, *workflow, *actor,
                 *allow_duplicates ? Duplicates::Allow : Duplicates::Refuse);
    });
  }
}

}  // namespace commsflow::cli
