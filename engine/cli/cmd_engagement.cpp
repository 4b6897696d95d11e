// report, and the checklist and children that `show` prints for stage-based workflows; and the
// options several commands share.
#include <commsflow/people.h>
#include <commsflow/report.h>
#include <commsflow/signoff.h>
#include <commsflow/verify.h>
#include <commsflow/words.h>
#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <iostream>

#include "cli/commands.h"

namespace commsflow::cli {

void add_read_as(CLI::App* cmd, Session& s) {
  cmd->add_option("--as", s.options.read_as,
                  "Read as this person, with their permissions (default: the operator of the "
                  "database file, who sees everything)")
      ->transform(as_person());
}

CLI::Validator at_least(std::int64_t least) {
  return CLI::Validator(
      [least](std::string& text) -> std::string {
        std::int64_t n = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc() && end == text.data() + text.size() && n >= least) return {};
        return fmt::format("'{}' is not a whole number of {} or more", text, least);
      },
      fmt::format("INT >= {}", least));
}

namespace {

// A name or reference read as typed: `made` makes it the one it names. Blank text is refused,
// not read as no name (which would be the operator's).
CLI::Validator typed_as(std::string (*made)(std::string)) {
  return CLI::Validator(
      [made](std::string& text) -> std::string {
        if (text.find_first_not_of(" \t\r\n") == std::string::npos) return "is blank";
        text = made(std::move(text));
        return {};
      },
      "");
}

}  // namespace

CLI::Validator as_person() {
  return typed_as(typed_person_name);
}
CLI::Validator as_reference() {
  return typed_as(typed_reference);
}
CLI::Validator as_decision() {
  return typed_as(typed_decision);
}

Json family_json(ReadAccess& access, const Item& item) {
  Engine& engine = access.engine();
  Json out = Json::object();
  auto lines = engine.checklist(item);
  if (!lines.empty()) {
    Json list = Json::array();
    for (const auto& l : lines)
      list.push_back(Json{{"label", l.label}, {"ok", l.ok}, {"why", l.why}});
    out["checklist"] = list;
  }
  const Definition& d = engine.registry().version(item.version).definition;
  if (!d.children.empty()) {
    ItemFilter filter;
    filter.parent = item.ref;
    Json list = Json::array();
    for (const auto& child : access.items(filter)) list.push_back(child.to_json());
    out["children"] = list;
  }
  return out;
}

void print_family(ReadAccess& access, const Item& item) {
  Json family = family_json(access, item);
  if (family.contains("checklist")) {
    const Definition& d = access.engine().registry().version(item.version).definition;
    const StateSpec* state = d.state(item.state);
    size_t met = 0;
    for (const auto& l : family["checklist"]) met += l["ok"].get<bool>() ? 1 : 0;
    fmt::print("Checklist for '{}' ({} of {} met):\n", state ? state->label : item.state, met,
               family["checklist"].size());
    for (const auto& l : family["checklist"]) {
      std::string why = l["why"].get<std::string>();
      fmt::print("  [{}] {}{}\n", l["ok"].get<bool>() ? "x" : " ", l["label"].get<std::string>(),
                 why.empty() ? "" : " - " + why);
    }
  }
  if (family.contains("children")) {
    fmt::print("Linked items ({}):\n", family["children"].size());
    Engine& engine = access.engine();
    for (const auto& c : family["children"]) {
      const Definition& d = engine.registry().version(c["version"].get<std::string>()).definition;
      Item seen;  // the child as the reader sees it, for the words that name it
      seen.data = c.value("data", Json::object());
      fmt::print("  {}  {}, {}: {}\n", c["ref"].get<std::string>(),
                 d.title.empty() ? readable_label(d.name) : d.title,
                 state_label(d, c["state"].get<std::string>()), printable(item_title(d, seen)));
    }
  }
}

void add_engagement_commands(CLI::App& app, Session& s) {
  auto* cmd = app.add_subcommand(
      "report",
      "Render a report of an item as Markdown or a printable HTML page. Every item has "
      "'timeline' (each stage, when it opened and closed, by whom); workflows add their own, "
      "e.g. service_change's 'you_said_we_did'");
  auto ref = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("md");
  auto out = std::make_shared<std::string>();
  cmd->add_option("ref", *ref, "Item reference, e.g. SC-2026-0001")
      ->transform(as_reference())
      ->required();
  cmd->add_option("name", *name, "Report name (timeline, or one the workflow defines)")->required();
  cmd->add_option("--format", *format, "md (Markdown, the default) or html")
      ->check(CLI::IsMember({"md", "html"}));
  cmd->add_option("--out", *out, "Write to this file instead of printing");
  add_read_as(cmd, s);
  cmd->callback([&s, ref, name, format, out] {
    s.only_reads();
    Engine& engine = s.engine();
    s.access().require_whole(*ref);
    std::string markdown = render_report(engine, *ref, *name);
    // The page's title is the report's own first heading, as people read it.
    std::string title = readable_label(*name);
    if (markdown.starts_with("# ")) title = markdown.substr(2, markdown.find('\n') - 2);
    // A report retells the history: from a history that does not verify it says so under its
    // title, as the audit reports do, and exits 1.
    const std::string not_verified = verify(s.store()).warning();
    if (!not_verified.empty()) {
      s.exit_code = 1;
      const std::size_t body = markdown.starts_with("# ") ? markdown.find('\n') + 1 : 0;
      markdown.insert(body, fmt::format("\n> **Warning:** {}\n", not_verified));
      if (!out->empty() || s.options.json) std::cerr << "WARNING: " << not_verified << "\n";
    }
    std::string text = *format == "html" ? markdown_page(title, markdown) : markdown;
    if (out->empty()) {
      if (s.options.json) {
        Json result{{"ref", *ref}, {"report", *name}, {"format", *format}, {"text", text}};
        if (!not_verified.empty()) result["warning"] = not_verified;
        s.print_json(result);
      } else {
        fmt::print("{}", text);
      }
      return;
    }
    std::ofstream file(*out, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) fail(ErrorKind::BadInput, "--out: cannot write {}", *out);
    if (s.options.json) {
      s.print_json(Json{{"ref", *ref}, {"report", *name}, {"format", *format}, {"out", *out}});
    } else {
      fmt::print("wrote {} ({} bytes)\n", *out, text.size());
    }
  });
}

}  // namespace commsflow::cli
