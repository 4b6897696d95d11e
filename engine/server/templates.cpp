#include "server/templates.h"

#include <kainjow/mustache.hpp>
#include <stdexcept>
#include <unordered_map>

namespace commsflow::server {

namespace {

namespace mustache = kainjow::mustache;

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
      for (const auto& [key, text] : embedded_templates()) all.emplace(key, mustache::data{text});
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
  mustache::mustache tmpl{text->second};
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
