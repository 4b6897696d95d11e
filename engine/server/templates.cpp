#include "server/templates.h"

#include <kainjow/mustache.hpp>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

namespace commsflow::server {

namespace {

namespace mustache = kainjow::mustache;

// `line` without its surrounding spaces and tabs.
std::string_view trimmed(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return line.substr(first, line.find_last_not_of(" \t") - first + 1);
}

// A line that holds only a section tag ({{#x}}, {{^x}}, {{/x}}) or a comment.
bool is_standalone_tag(std::string_view line) {
  return line.size() >= 5 && line.starts_with("{{") && line.ends_with("}}") &&
         std::string_view("#^/!").find(line[2]) != std::string_view::npos &&
         line.find("}}") == line.size() - 2;
}

// The template as standard mustache reads it: a line holding only a section tag or a comment
// (which may span lines) leaves no indentation or newline behind. The library keeps both, which
// scatters blank lines through the pages.
std::string standalone_tags_removed(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_comment = false;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const std::string_view bare = trimmed(line);
    if (in_comment) {
      const auto close = line.find("}}");
      if (close == std::string_view::npos) continue;
      in_comment = false;
      // What follows the comment on its last line stays.
      const std::string_view rest = line.substr(close + 2);
      if (trimmed(rest).empty()) continue;
      out += rest;
      if (end != std::string_view::npos) out += '\n';
      continue;
    }
    if (bare.starts_with("{{!") && bare.find("}}") == std::string_view::npos) {
      in_comment = true;
      continue;
    }
    if (is_standalone_tag(bare)) {
      if (bare[2] != '!') out += bare;
      continue;
    }
    out += line;
    if (end != std::string_view::npos) out += '\n';
  }
  return out;
}

mustache::data to_data(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      mustache::data out{mustache::data::type::object};
      for (const auto& [key, entry] : value.items()) out.set(key, to_data(entry));
      return out;
    }
    case Json::value_t::array: {
      mustache::data out{mustache::data::type::list};
      for (const auto& entry : value) out.push_back(to_data(entry));
      return out;
    }
    case Json::value_t::string:
      // Empty text hides a section, as null and false do (mustache alone would show it).
      if (value.get_ref<const std::string&>().empty()) {
        return mustache::data{mustache::data::type::bool_false};
      }
      return mustache::data{value.get_ref<const std::string&>()};
    case Json::value_t::boolean:
      return mustache::data{value.get<bool>() ? mustache::data::type::bool_true
                                              : mustache::data::type::bool_false};
    case Json::value_t::null:
    case Json::value_t::discarded:
      return mustache::data{mustache::data::type::bool_false};
    default:
      return mustache::data{value.dump()};
  }
}

// Resolves {{> name}} to the embedded template of that name; data keys are never partials.
class TemplateContext : public mustache::context<std::string> {
 public:
  explicit TemplateContext(const mustache::data* root) : mustache::context<std::string>(root) {}

  const mustache::data* get_partial(const std::string& name) const override {
    static const auto partials = [] {
      std::unordered_map<std::string, mustache::data> all;
      for (const auto& [key, text] : embedded_templates()) {
        all.emplace(key, mustache::data{standalone_tags_removed(text)});
      }
      return all;
    }();
    auto it = partials.find(name);
    if (it == partials.end())
      throw std::logic_error("template partial \"" + name + "\" is missing");
    return &it->second;
  }
};

std::unordered_map<std::string, mustache::mustache>& parsed_cache() {
  thread_local std::unordered_map<std::string, mustache::mustache> cache;
  return cache;
}

void forget(std::string_view name) {
  parsed_cache().erase(std::string(name));
}

mustache::mustache& parsed(std::string_view name) {
  auto& cache = parsed_cache();
  auto it = cache.find(std::string(name));
  if (it != cache.end()) return it->second;
  const auto& all = embedded_templates();
  auto text = all.find(name);
  if (text == all.end()) {
    throw std::logic_error("template \"" + std::string(name) + "\" is missing");
  }
  mustache::mustache tmpl{standalone_tags_removed(text->second)};
  if (!tmpl.is_valid()) {
    throw std::logic_error("template \"" + std::string(name) + "\": " + tmpl.error_message());
  }
  return cache.emplace(std::string(name), std::move(tmpl)).first->second;
}

}  // namespace

std::string render(std::string_view name, const Json& view) {
  mustache::mustache& tmpl = parsed(name);
  const mustache::data root = to_data(view);
  TemplateContext context{&root};
  std::string out = tmpl.render(context);
  if (!tmpl.is_valid()) {
    // A partial failed to parse. The error sticks to the parsed template, so it is not kept.
    std::string why = "template \"" + std::string(name) + "\": " + tmpl.error_message();
    forget(name);
    throw std::logic_error(why);
  }
  return out;
}

}  // namespace commsflow::server
