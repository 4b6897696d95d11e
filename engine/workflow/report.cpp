#include <commsflow/error.h>
#include <commsflow/report.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>

#include <map>
#include <optional>

#include "workflow/family.h"
#include "workflow/script_context.h"

namespace commsflow {

namespace {

const ReportSpec* find_report(const Definition& d, std::string_view name) {
  for (const auto& r : d.reports) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

struct Stage {
  std::string state;
  std::string opened_at, opened_by, closed_at, closed_by;  // by: acting_person's words
};

// The item's events, oldest first, read inside the caller's transaction.
std::vector<Event> events_of(Engine& engine, const Item& item) {
  std::vector<Event> events;
  for (const auto& stored : engine.store().events_for(item.ref))
    events.push_back(Event::from_body(stored.seq, stored.body));
  return events;
}

std::string timeline(Engine& engine, const Item& item) {
  const Definition& d = engine.registry().version(item.version).definition;
  std::vector<Stage> stages;
  for (const Event& e : events_of(engine, item)) {
    if (!stages.empty() && e.from_state == e.to_state) continue;
    const std::string by = acting_person(engine.store(), e.actor, e.on_behalf_of);
    if (!stages.empty()) {
      stages.back().closed_at = e.at;
      stages.back().closed_by = by;
    }
    stages.push_back(Stage{e.to_state, e.at, by, "", ""});
  }
  std::string md = fmt::format("# Timeline of {}\n\n", item.ref);
  if (const auto* title = item.data.contains("title") ? &item.data["title"] : nullptr;
      title && title->is_string()) {
    md += fmt::format("**{}** ({})\n\n", title->get<std::string>(), d.title);
  }
  // People as they are shown, times in UK time: the timeline is read, not processed.
  // A list, not a table: CommonMark has no tables, and a list reads as well on paper.
  for (const auto& s : stages) {
    const StateSpec* spec = d.state(s.state);
    md += fmt::format("- **{}**: opened {} by {}", spec ? spec->label : s.state,
                      uk_datetime(s.opened_at), s.opened_by);
    if (!s.closed_at.empty()) {
      md += fmt::format("; closed {} by {}\n", uk_datetime(s.closed_at), s.closed_by);
    } else {
      md += d.is_final(s.state) ? " (final)\n" : " (open now)\n";
    }
  }
  return md;
}

}  // namespace

std::vector<std::string> report_names(Engine& engine, const Item& item) {
  std::vector<std::string> names{"timeline"};
  for (const auto& r : engine.registry().version(item.version).definition.reports)
    names.push_back(r.name);
  return names;
}

std::string render_report(Engine& engine, std::string_view ref, std::string_view name) {
  auto tx = engine.store().begin_read();
  Item item = engine.item(ref);
  if (name == "timeline") return timeline(engine, item);
  CompiledWorkflow& wf = engine.registry().version(item.version);
  const Definition& d = wf.definition;
  const ReportSpec* report = find_report(d, name);
  if (!report) {
    fail(ErrorKind::NotFound, "{} has no report '{}' (reports: {})", item.ref, name,
         fmt::join(report_names(engine, item), ", "));
  }
  Json history = Json::array();
  for (const Event& e : events_of(engine, item)) history.push_back(Json::parse(e.body()));
  Json ctx = script_context(d, &item, format_datetime(engine.clock().now()),
                            {{"history", std::move(history)},
                             {"created_at", item.created_at},
                             {"updated_at", item.updated_at}});
  add_children(engine.store(), d, item.ref, ctx);
  std::string what = fmt::format("report '{}'", name);
  auto r = wf.script->ask(report->render, item.data, ctx, what);
  if (!r.result.is_string()) {
    fail(ErrorKind::Script, "{}: {} must return Markdown text, got {}", d.path, what,
         r.result.is_null() ? "nothing" : r.result.dump());
  }
  return r.result.get<std::string>();
}

}  // namespace commsflow
