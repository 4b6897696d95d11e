// The server's HTML templates: engine/server/templates/<name>.mustache, embedded at build time.
//
// A template is rendered with a JSON view. {{name}} inserts text escaped for HTML (& < > " ');
// only {{{name}}} inserts a value unescaped, and a template uses it only for HTML that another
// template or the html.h helpers produced. Every template is also a partial: {{> name}}.
// An object's keys, a list's entries ({{#rows}}...{{/rows}}) and booleans work as in mustache;
// null, false and empty text hide a section ({{^name}} shows it); numbers render as JSON
// writes them.
//
// Thread-safe: each thread parses a template once and keeps it.
#pragma once

#include <commsflow/json.h>

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace commsflow::server {

// The text of every template by name (generated from templates/*.mustache).
const std::map<std::string, std::string, std::less<>>& embedded_templates();

// Renders template `name` with `view`. A missing or malformed template is a bug in this
// program: it throws std::logic_error naming the template and the fault.
std::string render(std::string_view name, const Json& view);

}  // namespace commsflow::server
