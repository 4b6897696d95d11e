// submit, act, show, list, history.
#include <commsflow/registry.h>
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"

namespace commsflow::cli {

namespace {

struct InputArgs {
  std::vector<std::string> sets;
  std::string data;
};

void add_input_options(CLI::App* cmd, InputArgs& args) {
  cmd->add_option("--set", args.sets, "field=value (repeatable)");
  cmd->add_option("--data", args.data,
                  "JSON object of fields, inline or @file.json (for lists and records)");
}

// Builds the input object from --data and --set (a --set wins over --data for the same field).
Json collect_inputs(const InputArgs& args) {
  Json inputs = Json::object();
  if (!args.data.empty()) {
    std::string text = args.data[0] == '@' ? read_file(args.data.substr(1)) : args.data;
    Json parsed = parse_input_json(text);
    if (parsed.is_discarded() || !parsed.is_object()) {
      fail(ErrorKind::BadInput, "--data must be a JSON object{}",
           args.data[0] == '@' ? fmt::format(" (in {})", args.data.substr(1)) : "");
    }
    inputs = parsed;
  }
  for (const auto& set : args.sets) {
    auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      fail(ErrorKind::BadInput, "--set expects field=value, got '{}'", set);
    }
    inputs[set.substr(0, eq)] = set.substr(eq + 1);
  }
  return inputs;
}

void print_value(const std::string& indent, const std::string& key, const Json& value) {
  if (value.is_string()) {
    fmt::print("{}{}: {}\n", indent, key, printable(value.get<std::string>()));
  } else if (value.is_array() && std::all_of(value.begin(), value.end(),
                                             [](const Json& v) { return !v.is_structured(); })) {
    std::vector<std::string> parts;
    for (const auto& v : value) parts.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    fmt::print("{}{}: {}\n", indent, key, printable(fmt::format("{}", fmt::join(parts, "; "))));
  } else {
    fmt::print("{}{}: {}\n", indent, key, value.dump());
  }
}

void print_item_summary(const Item& item) {
  fmt::print("{}  [{}]  state: {}  revision {}{}\n", item.ref, item.workflow, item.state,
             item.revision, item.parent.empty() ? "" : "  parent: " + item.parent);
}

// `item` as the reader sees it; with_actions needs `access`, whose reader the actions are
// evaluated for on the item as stored.
void print_item(Session& s, Engine& engine, const Item& item, bool with_actions,
                ReadAccess* access = nullptr) {
  std::vector<AvailableAction> actions;
  if (with_actions) actions = engine.available_actions(engine.item(item.ref));
  if (s.options.json) {
    Json out = item.to_json();
    if (with_actions) {
      Json list = Json::array();
      for (const auto& a : actions) {
        list.push_back(Json{{"name", a.name},
                            {"label", a.label},
                            {"to", a.to},
                            {"roles", a.roles},
                            {"blocked_by", a.blocked_by},
                            {"sets", a.sets},
                            {"fields", a.fields}});
      }
      out["actions"] = list;
      out.update(family_json(*access, item));
    }
    s.print_json(out);
    return;
  }
  print_item_summary(item);
  fmt::print("  workflow version {}  created {}  updated {}\n", item.version.substr(0, 12),
             item.created_at, item.updated_at);
  const Definition& d = engine.registry().version(item.version).definition;
  fmt::print("Data:\n");
  for (const auto& f : d.fields) {
    if (item.data.contains(f.name)) print_value("  ", f.name, item.data[f.name]);
  }
  print_signoff(s, item);
  if (!with_actions) return;
  print_family(*access, item);
  if (d.is_final(item.state)) {
    fmt::print("Closed: '{}' is a final state.\n", item.state);
    return;
  }
  fmt::print("Actions now:\n");
  for (const auto& a : actions) {
    fmt::print("  {} -> {}  (who: {}){}\n", a.name, a.to, fmt::join(a.roles, ", "),
               a.blocked_by.empty() ? "" : "  BLOCKED:");
    for (const auto& reason : a.blocked_by) fmt::print("      - {}\n", reason);
    std::vector<std::string> inputs = a.sets;
    inputs.insert(inputs.end(), a.fields.begin(), a.fields.end());
    if (!inputs.empty()) fmt::print("      takes: {}\n", fmt::join(inputs, ", "));
  }
}

void report(Session& s, Engine& engine, Outcome<Item>& outcome) {
  if (!outcome) {
    s.refused(outcome.refusal());
    return;
  }
  print_item(s, engine, outcome.value(), false);
}

}  // namespace

void add_item_commands(CLI::App& app, Session& s) {
  {
    auto* cmd = app.add_subcommand("submit", "Create an item of a workflow");
    auto workflow = std::make_shared<std::string>();
    auto actor = std::make_shared<std::string>();
    auto inputs = std::make_shared<InputArgs>();
    auto parent = std::make_shared<std::string>();
    cmd->add_option("workflow", *workflow, "Workflow name")->required();
    cmd->add_option("--as", *actor, "Actor submitting")->required();
    cmd->add_option("--parent", *parent,
                    "The item this one belongs to, e.g. feedback on SC-2026-0001");
    add_input_options(cmd, *inputs);
    cmd->callback([&s, workflow, actor, inputs, parent] {
      Engine& engine = s.engine();
      auto outcome = engine.submit(*workflow, *actor, collect_inputs(*inputs), *parent);
      report(s, engine, outcome);
    });
  }
  {
    auto* cmd = app.add_subcommand("act", "Take an action on an item");
    auto request = std::make_shared<ActRequest>();
    auto inputs = std::make_shared<InputArgs>();
    auto revision = std::make_shared<std::int64_t>(0);
    cmd->add_option("ref", request->ref, "Item reference, e.g. WEB-2026-0001")->required();
    cmd->add_option("action", request->action, "Action name")->required();
    cmd->add_option("--as", request->actor, "Actor taking the action")->required();
    cmd->add_option("--note", request->note, "A note kept in the history");
    auto* rev = cmd->add_option("--revision", *revision,
                                "Refuse if the item is no longer at this revision");
    add_input_options(cmd, *inputs);
    cmd->callback([&s, request, inputs, revision, rev] {
      Engine& engine = s.engine();
      if (rev->count() > 0) request->expected_revision = *revision;
      request->inputs = collect_inputs(*inputs);
      auto outcome = engine.act(*request);
      report(s, engine, outcome);
    });
  }
  {
    auto* cmd = app.add_subcommand("show", "Show an item and the actions available now");
    auto ref = std::make_shared<std::string>();
    cmd->add_option("ref", *ref, "Item reference")->required();
    add_read_as(cmd, s);
    cmd->callback([&s, ref] {
      Engine& engine = s.engine();
      ReadAccess access = s.access();
      print_item(s, engine, access.item(*ref), true, &access);
    });
  }
  {
    auto* cmd = app.add_subcommand("list", "List items");
    auto filter = std::make_shared<ItemFilter>();
    cmd->add_option("--workflow", filter->workflow, "Only items of this workflow");
    cmd->add_option("--state", filter->state, "Only items in this state");
    cmd->add_option("--limit", filter->limit, "At most this many items");
    cmd->add_option("--parent", filter->parent, "Only the children of this item");
    add_read_as(cmd, s);
    cmd->callback([&s, filter] {
      auto items = s.access().items(*filter);
      if (s.options.json) {
        Json out = Json::array();
        for (const auto& item : items) out.push_back(item.to_json());
        s.print_json(out);
        return;
      }
      for (const auto& item : items) print_item_summary(item);
      if (items.empty()) fmt::print("no items\n");
    });
  }
  {
    auto* cmd = app.add_subcommand("history", "Show every event of an item, oldest first");
    auto ref = std::make_shared<std::string>();
    cmd->add_option("ref", *ref, "Item reference")->required();
    add_read_as(cmd, s);
    cmd->callback([&s, ref] {
      auto events = s.access().history(*ref);
      if (s.options.json) {
        Json out = Json::array();
        for (const auto& e : events) {
          Json j = Json::parse(e.body());
          out.push_back(j);
        }
        s.print_json(out);
        return;
      }
      for (const auto& e : events) {
        fmt::print("#{:<6} {}  {:<16} {:<18} {} -> {}\n", e.seq, e.at, e.actor, e.action,
                   e.from_state.empty() ? "(new)" : e.from_state, e.to_state);
        for (const auto& [key, value] : e.payload.items())
          print_value("         input ", key, value);
        for (const auto& [key, value] : e.changes.items()) {
          print_value("         set ", key, value.is_null() ? Json("(removed)") : value);
        }
        if (!e.note.empty()) fmt::print("         note: {}\n", printable(e.note));
      }
    });
  }
}

}  // namespace commsflow::cli
