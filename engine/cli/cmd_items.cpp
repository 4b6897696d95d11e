// submit, act, show, list, history.
#include <commsflow/registry.h>
#include <commsflow/uk_time.h>
#include <commsflow/verify.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <iostream>
#include <set>

#include "base/json_input.h"
#include "cli/commands.h"
#include "workflow/field_values.h"

namespace commsflow::cli {

namespace {

struct InputArgs {
  std::vector<std::string> sets;
  std::string data;
};

void add_input_options(CLI::App* cmd, InputArgs& args) {
  cmd->add_option("--set", args.sets,
                  "field=value (repeatable); field= with nothing after empties it");
  cmd->add_option("--data", args.data,
                  "JSON object of fields, inline or @file.json (for lists and records)");
}

// Builds the input object from --data and --set (a --set wins over --data for the same field).
Json collect_inputs(const InputArgs& args) {
  Json inputs = Json::object();
  if (!args.data.empty()) {
    std::string text = args.data[0] == '@' ? read_file(args.data.substr(1)) : args.data;
    inputs = parse_input_object(
        text, args.data[0] == '@' ? fmt::format("--data (in {})", args.data.substr(1)) : "--data");
  }
  std::set<std::string> set_here;  // a field given twice would keep one value without a word
  for (const auto& set : args.sets) {
    auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      fail(ErrorKind::BadInput, "--set expects field=value, got '{}'", set);
    }
    const std::string field = set.substr(0, eq);
    if (!set_here.insert(field).second) {
      fail(ErrorKind::BadInput, "--set gives {} twice: give each field once", field);
    }
    // Nothing after '=' empties the field (an embargo lifted), as an emptied box on the web does.
    const std::string value = set.substr(eq + 1);
    inputs[field] = value.empty() ? Json(nullptr) : Json(value);
  }
  return inputs;
}

// Datetime inputs typed without a zone ("2026-07-01 14:30") are UK local time: converted to UTC,
// and said so on stderr. Anything else is left for the engine to check and name.
void localise_times(const std::function<const FieldSpec*(const std::string&)>& field_of,
                    Json& inputs) {
  for (auto& [name, value] : inputs.items()) {
    const FieldSpec* f = field_of(name);
    if (!f || f->type != FieldType::DateTime || !value.is_string()) continue;
    const std::string typed = value.get<std::string>();
    if (parse_datetime(typed)) continue;  // it names its zone
    auto t = typed_datetime(typed);       // "2026-07-01 14:30", "01/07/2026 14:30"
    if (!t) continue;
    value = format_datetime(*t);
    std::cerr << fmt::format("{}: {} taken as UK time ({}); stored as {}\n", name, typed,
                             uk_zone_name(*t), value.get<std::string>());
  }
}

// A field of the action's form: one it sets on the item, or one of its own inputs.
const FieldSpec* action_field(const Definition& d, const Item& item, const std::string& action,
                              const std::string& name) {
  if (const FieldSpec* f = d.field(name)) return f;
  const StateSpec* state = d.state(item.state);
  const ActionSpec* spec = state ? state->action(action) : nullptr;
  if (!spec) return nullptr;
  for (const auto& f : spec->fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Definition& definition_of(Engine& engine, const Item& item) {
  return engine.registry().version(item.version).definition;
}

// A field's value, as people read it, under `indent`: a list of records one row per line.
void print_value(Store& store, const std::string& indent, const FieldSpec& f, const Json& value) {
  if (value.is_array() && f.item && f.item->type == FieldType::Record) {
    fmt::print("{}{}:{}\n", indent, field_label(f), value.empty() ? " none" : "");
    size_t row = 0;
    for (const auto& record : value) {
      std::vector<std::string> cells;
      for (const auto& sub : f.item->fields) {
        auto it = record.is_object() ? record.find(sub.name) : record.end();
        if (it == record.end() || it->is_null()) continue;
        cells.push_back(fmt::format("{}: {}", field_label(sub), value_in_words(store, sub, *it)));
      }
      fmt::print("{}  {}. {}\n", indent, ++row,
                 printable(fmt::format("{}", fmt::join(cells, "; "))));
    }
    return;
  }
  fmt::print("{}{}: {}\n", indent, field_label(f), printable(value_in_words(store, f, value)));
}

// One line of a list: reference, workflow, state and title as people read them.
constexpr const char* kItemLine = "{:<15} {:<28} {:<24} {}\n";

void print_item_line(Engine& engine, const Item& item) {
  const Definition& d = definition_of(engine, item);
  fmt::print(kItemLine, item.ref, d.title.empty() ? readable_label(d.name) : d.title,
             state_label(d, item.state), printable(item_title(d, item)));
}

// `item` as the reader sees it; with_actions needs `access`, whose reader the actions are
// evaluated for on the item as stored. People read labels, names and UK time; the names to type
// (actions, fields) follow in brackets.
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
                            {"to", a.to_text()},
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
  Store& store = engine.store();
  const Definition& d = definition_of(engine, item);
  const std::string title = item_title(d, item);
  fmt::print("{}{}\n", item.ref, title.empty() ? "" : ": " + printable(title));
  fmt::print("  {}, {} (revision {})\n", d.title.empty() ? readable_label(d.name) : d.title,
             state_label(d, item.state), item.revision);
  fmt::print("  Created {}, last changed {} (UK time)\n", uk_datetime(item.created_at),
             uk_datetime(item.updated_at));
  if (!item.parent.empty()) fmt::print("  Belongs to {}\n", item.parent);
  // Open work that is not held says how it stands against its due time.
  if (!d.queue.due_field.empty() && !d.is_final(item.state) && !d.queue.holds(item.state)) {
    if (auto due = parse_datetime(item.data.value(d.queue.due_field, std::string()))) {
      std::string phrase = due_phrase(*due, s.clock().now());  // "due in 2 hours", "overdue by…"
      phrase[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(phrase[0])));
      fmt::print("  {}\n", phrase);
    }
  }
  // A deadline that has passed on open work: the time it named no longer counts down.
  if (!d.is_final(item.state)) {
    for (const FieldSpec* f : passed_deadlines(d.fields, item.data, s.clock().now())) {
      const std::string when = item.data[f->name].get<std::string>();
      fmt::print("  {} has passed: it was {}\n", field_label(*f),
                 f->type == FieldType::Date ? uk_date(when) : uk_datetime(when) + " (UK time)");
    }
  }
  fmt::print("Details:\n");
  for (const auto& f : d.fields) {
    auto v = item.data.find(f.name);
    if (v != item.data.end() && !v->is_null()) print_value(store, "  ", f, *v);
  }
  fmt::print("  Workflow version: {}\n", item.version.substr(0, 12));
  print_signoff(s, item);
  if (!with_actions) return;
  // Open work only: a closed item (issued, withdrawn) asks nothing more of anyone.
  if (const auto asked = d.is_final(item.state)
                             ? std::vector<std::string>()
                             : changes_asked_in_words(store, d, access->history(item.ref));
      !asked.empty()) {
    fmt::print("Changes asked for, on the current text:\n");
    for (const auto& one : asked) fmt::print("  - {}\n", printable(one));
  }
  print_family(*access, item);
  if (d.is_final(item.state)) {
    fmt::print("Closed: \"{}\" is a final state.\n", state_label(d, item.state));
    return;
  }
  fmt::print("Actions now:\n");
  for (const auto& a : actions) {
    const std::string label =
        a.label.empty() || a.label == a.name ? readable_label(a.name) : a.label;
    fmt::print("  {} [{}]{}, for {}\n", label, a.name,
               a.to.empty() ? "" : " -> " + states_in_words(d, a.to),
               roles_in_words(a.roles, "or"));
    if (!a.blocked_by.empty()) fmt::print("      Not possible yet:\n");
    for (const auto& reason : a.blocked_by) fmt::print("      - {}\n", reason);
    std::vector<std::string> inputs;
    for (const auto& name : a.sets) {
      const FieldSpec* f = action_field(d, item, a.name, name);
      inputs.push_back(fmt::format("{} [{}]", f ? field_label(*f) : readable_label(name), name));
    }
    for (const auto& name : a.fields) {
      const FieldSpec* f = action_field(d, item, a.name, name);
      inputs.push_back(fmt::format("{} [{}]", f ? field_label(*f) : readable_label(name), name));
    }
    if (!inputs.empty()) fmt::print("      Takes: {}\n", fmt::join(inputs, ", "));
  }
}

// What `actor`'s submit or action made, as far as they may read it.
void report(Session& s, Engine& engine, Outcome<Item>& outcome, const std::string& actor) {
  if (!outcome) {
    s.refused(outcome.refusal());
    return;
  }
  const Item& made = outcome.value();
  if (auto seen = s.seen_by(actor, made)) {
    print_item(s, engine, *seen, false);
  } else if (s.options.json) {
    s.print_json(Json{{"ref", made.ref}});
  } else {
    fmt::print("{}: done\n", made.ref);
  }
  warn_if_changed_on_altered(engine.store(), made);
}

// Says so on stderr, and exits 1, when the item's own history does not verify: what was shown
// may have been altered outside commsflow (the audit reports do the same for the whole log).
void warn_if_altered(Session& s, const Item& stored) {
  Store& store = s.engine().store();
  auto tx = store.begin_read();
  const auto altered = item_history_problems(store, stored);
  if (altered.empty()) return;
  s.exit_code = 1;
  std::cerr << fmt::format(
      "WARNING: {}'s history does not verify ({}). What is shown may have been altered outside "
      "commsflow; `commsflow verify` lists every problem.\n",
      stored.ref, altered.front());
}

}  // namespace

void warn_if_changed_on_altered(Store& store, const Item& changed) {
  auto tx = store.begin_read();
  if (const auto altered = item_history_problems(store, changed); !altered.empty()) {
    std::cerr << fmt::format(
        "WARNING: {}'s history does not verify ({}): this change was recorded on top of it. "
        "`commsflow verify` lists every problem; restore the database from a backup.\n",
        changed.ref, altered.front());
  }
}

void add_item_commands(CLI::App& app, Session& s) {
  {
    auto* cmd = app.add_subcommand("submit", "Create an item of a workflow");
    auto workflow = std::make_shared<std::string>();
    auto actor = std::make_shared<std::string>();
    auto inputs = std::make_shared<InputArgs>();
    auto parent = std::make_shared<std::string>();
    cmd->add_option("workflow", *workflow, "Workflow name")->required();
    cmd->add_option("--as", *actor, "Actor submitting")->transform(as_person())->required();
    cmd->add_option("--parent", *parent,
                    "The item this one belongs to, e.g. feedback on SC-2026-0001")
        ->transform(as_reference());
    add_input_options(cmd, *inputs);
    cmd->callback([&s, workflow, actor, inputs, parent] {
      Engine& engine = s.engine();
      Json values = collect_inputs(*inputs);
      *workflow = engine.registry().stored_name(*workflow);  // or its title
      const Definition& d = engine.registry().current(*workflow).definition;
      localise_times([&](const std::string& name) { return d.field(name); }, values);
      auto outcome = engine.submit(*workflow, *actor, values, *parent);
      report(s, engine, outcome, *actor);
    });
  }
  {
    auto* cmd = app.add_subcommand("act", "Take an action on an item");
    auto request = std::make_shared<ActRequest>();
    auto inputs = std::make_shared<InputArgs>();
    auto revision = std::make_shared<std::int64_t>(0);
    cmd->add_option("ref", request->ref, "Item reference, e.g. WEB-2026-0001")
        ->transform(as_reference())
        ->required();
    cmd->add_option("action", request->action, "Action name")->required();
    cmd->add_option("--as", request->actor, "Actor taking the action")
        ->transform(as_person())
        ->required();
    cmd->add_option("--note", request->note, "A note kept in the history");
    auto* rev =
        cmd->add_option("--revision", *revision, "Refuse if the item is no longer at this revision")
            ->default_str("")
            ->check(at_least(0));
    add_input_options(cmd, *inputs);
    cmd->callback([&s, request, inputs, revision, rev] {
      Engine& engine = s.engine();
      if (rev->count() > 0) request->expected_revision = *revision;
      request->inputs = collect_inputs(*inputs);
      if (auto item = engine.store().item(request->ref)) {
        const Definition& d = definition_of(engine, *item);
        localise_times(
            [&](const std::string& name) { return action_field(d, *item, request->action, name); },
            request->inputs);
      }
      auto outcome = engine.act(*request);
      report(s, engine, outcome, request->actor);
    });
  }
  {
    auto* cmd = app.add_subcommand("show", "Show an item and the actions available now");
    auto ref = std::make_shared<std::string>();
    cmd->add_option("ref", *ref, "Item reference")->transform(as_reference())->required();
    add_read_as(cmd, s);
    cmd->callback([&s, ref] {
      s.only_reads();
      Engine& engine = s.engine();
      ReadAccess access = s.access();
      print_item(s, engine, access.item(*ref), true, &access);
      warn_if_altered(s, engine.item(*ref));
    });
  }
  {
    auto* cmd = app.add_subcommand("list", "List items");
    auto filter = std::make_shared<ItemFilter>();
    cmd->add_option("--workflow", filter->workflow, "Only items of this workflow");
    cmd->add_option("--state", filter->state, "Only items in this state");
    cmd->add_option("--limit", filter->limit, "At most this many items (default: all)")
        ->default_str("")
        ->check(at_least(1));
    cmd->add_option("--parent", filter->parent, "Only the children of this item")
        ->transform(as_reference());
    add_read_as(cmd, s);
    cmd->callback([&s, filter] {
      s.only_reads();
      // An item the reader may not see is not found, as one that does not exist.
      if (!filter->parent.empty()) s.access().item(filter->parent);
      filter->workflow = s.engine().registry().stored_name(filter->workflow);  // or its title
      auto items = s.access().items(*filter);
      s.require_steady_read();  // all read: printing (perhaps to a pager) may take its time
      if (s.options.json) {
        Json out = Json::array();
        for (const auto& item : items) out.push_back(item.to_json());
        s.print_json(out);
        return;
      }
      if (items.empty()) {
        fmt::print("no items\n");
        return;
      }
      Engine& engine = s.engine();
      fmt::print(kItemLine, "Reference", "Workflow", "State", "Title");
      for (const auto& item : items) print_item_line(engine, item);
    });
  }
  {
    auto* cmd = app.add_subcommand("history", "Show every event of an item, oldest first");
    auto ref = std::make_shared<std::string>();
    cmd->add_option("ref", *ref, "Item reference")->transform(as_reference())->required();
    add_read_as(cmd, s);
    cmd->callback([&s, ref] {
      s.only_reads();
      auto events = s.access().history(*ref);
      warn_if_altered(s, s.engine().item(*ref));
      if (s.options.json) {
        Json out = Json::array();
        for (const auto& e : events) {
          Json j = Json::parse(e.body());
          out.push_back(j);
        }
        s.print_json(out);
        return;
      }
      // People's words: labels, display names and UK time; the event number to cite in audit.
      Engine& engine = s.engine();
      Store& store = engine.store();
      const Definition& d = definition_of(engine, engine.item(*ref));
      for (const auto& e : events) {
        fmt::print("#{:<6} {}  {} by {}: {} -> {}\n", e.seq, uk_datetime(e.at),
                   action_label(d, e.action),
                   printable(acting_person(store, e.actor, e.on_behalf_of)),
                   e.from_state.empty() ? "(new)" : state_label(d, e.from_state),
                   state_label(d, e.to_state));
        auto detail = [&](const char* what, const std::string& key, const Json& value) {
          fmt::print(
              "         {}{}: {}\n", what, payload_label(d, key),
              printable(value.is_null() ? "(removed)" : payload_in_words(store, d, key, value)));
        };
        for (const auto& [key, value] : e.payload.items()) {
          if (!payload_says_nothing(key, value)) detail("", key, value);
        }
        // Fields the engine keeps for itself ("_signoff") are in --json and the audit.
        for (const auto& [key, value] : e.changes.items()) {
          if (key.empty() || key[0] != '_') detail("Set ", key, value);
        }
        if (!e.note.empty()) fmt::print("         Note: {}\n", printable(e.note));
      }
      if (!events.empty()) fmt::print("(times are UK time)\n");
    });
  }
}

}  // namespace commsflow::cli
