// migrate, retriage: moving open items to their workflow's current version after its Lua changed.
#include <commsflow/migration.h>
#include <commsflow/people.h>
#include <commsflow/uk_time.h>
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"

namespace commsflow::cli {

namespace {

// A value as a person reads it: text as it is, a choice by its label, times in UK time, yes/no,
// "(none)" when absent.
std::string readable_value(const FieldSpec* spec, const Json& value) {
  if (value.is_null()) return "(none)";
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (!value.is_string()) return printable(value.dump());
  const std::string& text = value.get_ref<const std::string&>();
  if (spec && spec->type == FieldType::DateTime) return uk_datetime(text);
  if (spec && spec->type == FieldType::Date) return uk_date(text);
  if (spec && spec->type == FieldType::Choice) return printable(option_label(*spec, text));
  return printable(text);
}

std::string field_title(const FieldSpec* spec, const std::string& name) {
  return spec ? field_label(*spec) : readable_label(name);
}

void print_migration(Engine& engine, const ItemMigration& m, bool watched_only) {
  const Definition& d = engine.registry().version(m.to_version).definition;
  std::cout << m.ref;
  if (auto item = engine.store().item(m.ref); item && item->data.contains("title")) {
    std::cout << "  " << readable_value(nullptr, item->data["title"]);
  }
  std::cout << "\n";
  const std::string state = state_label(d, m.to_state);
  if (m.from_state != m.to_state) {
    const Definition& old = engine.registry().version(m.from_version).definition;
    std::cout << fmt::format("  State: {} -> {}\n", state_label(old, m.from_state), state);
  }
  for (const auto& c : m.changes) {
    if (watched_only && std::find(m.watched.begin(), m.watched.end(), c.field) == m.watched.end()) {
      continue;
    }
    const FieldSpec* spec = d.field(c.field);
    std::cout << fmt::format("  {}: {} -> {}\n", field_title(spec, c.field),
                             readable_value(spec, c.before), readable_value(spec, c.after));
  }
  for (const auto& remark : m.remarks) std::cout << "  " << printable(remark) << "\n";
}

// Runs the migration and prints it. `retriage` lists only the items whose watched fields change
// or about which the workflow remarked.
void run_migration(Session& s, MigrationRequest request, bool retriage) {
  Engine& engine = s.engine(/*create=*/false, /*load_workflows=*/false);
  request.workflow = engine.registry().stored_name(request.workflow);  // or its title
  // Recorded as who moved the items: the person named, else the operator (with their login).
  if (request.actor.empty()) {
    request.actor = kOperator;
  } else {
    engine.require_actor(request.actor);
  }
  auto outcome = migrate(engine, request);
  if (!outcome) {
    if (!s.options.json) std::cerr << "nothing was migrated: each item below is why\n";
    s.refused(outcome.refusal());
    return;
  }
  const MigrationResult& result = outcome.value();
  if (s.options.json) {
    Json items = Json::array();
    for (const auto& m : result.items) {
      if (!retriage || m.worth_listing()) items.push_back(m.to_json());
    }
    s.print_json(Json{{"dry_run", request.dry_run},
                      {"migrated", request.dry_run ? 0 : result.items.size()},
                      {"items", items}});
    return;
  }
  if (result.items.empty()) {
    if (!request.ref.empty()) {
      std::cout << fmt::format(
          "Nothing to move: {} is closed, or already on its workflow's current version.\n",
          request.ref);
    } else if (retriage) {
      std::cout << "Nothing to re-triage: no open item of a workflow that watches fields "
                   "(migrate.watch) is on an earlier version. `commsflow migrate` moves the "
                   "rest.\n";
    } else {
      std::cout << "Nothing to move: every open item is on its workflow's current version.\n";
    }
    return;
  }
  std::size_t listed = 0;
  for (const auto& m : result.items) {
    if (retriage && !m.worth_listing()) continue;
    print_migration(engine, m, retriage);
    ++listed;
  }
  if (retriage) {
    std::cout << fmt::format(
        "{} {} open item(s) to the current rules; {} listed above change or are overridden{}\n",
        request.dry_run ? "Re-triage would move" : "Re-triage moved", result.items.size(), listed,
        request.dry_run ? " (dry run: nothing was changed)" : "");
  } else {
    std::cout << fmt::format("{} {} open item(s) to the current version{}\n",
                             request.dry_run ? "Would move" : "Moved", result.items.size(),
                             request.dry_run ? " (dry run: nothing was changed)" : "");
  }
}

// `--as NAME`: the person the events record as having moved the items.
void add_as(CLI::App* cmd, std::string& actor) {
  cmd->add_option("--as", actor,
                  "The person making the change, recorded as who did it (default: the operator, "
                  "with your login)")
      ->transform(as_person());
}

}  // namespace

void add_migration_commands(CLI::App& app, Session& s) {
  {
    auto* cmd = app.add_subcommand(
        "migrate",
        "Move open items to their workflow's current version (states mapped and data changed by "
        "the new version's `migrate` in Lua); one event per item, all or nothing");
    auto request = std::make_shared<MigrationRequest>();
    cmd->add_option("ref", request->ref, "One item (e.g. REQ-2026-0042)")
        ->transform(as_reference());
    cmd->add_option("--workflow", request->workflow, "Every open item of this workflow");
    cmd->add_flag("--dry-run", request->dry_run,
                  "List what would change (state, data, due times, rating) and why; change "
                  "nothing");
    add_as(cmd, request->actor);
    cmd->callback([&s, request, cmd] {
      if (request->ref.empty() == request->workflow.empty()) {
        throw CLI::ValidationError(cmd->get_name(),
                                   request->ref.empty()
                                       ? "give one item (REF) or --workflow NAME"
                                       : "give one item (REF) or --workflow NAME, not both");
      }
      run_migration(s, *request, /*retriage=*/false);
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "retriage",
        "After the triage rules changed: move open requests to the current rules and list those "
        "whose rating, due time or late flag change, old -> new, with the reasons; overridden "
        "ratings are left alone and listed");
    auto request = std::make_shared<MigrationRequest>();
    request->watching_only = true;
    cmd->add_option("--workflow", request->workflow,
                    "Only this workflow (default: every workflow whose Lua declares "
                    "migrate.watch)");
    cmd->add_flag("--dry-run", request->dry_run, "List what would change; change nothing");
    add_as(cmd, request->actor);
    cmd->callback([&s, request] { run_migration(s, *request, /*retriage=*/true); });
  }
}

}  // namespace commsflow::cli
