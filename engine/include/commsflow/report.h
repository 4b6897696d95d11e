// Reports: an item (with its children and history) rendered as Markdown, and Markdown as a
// self-contained HTML page.
//
// A workflow names its reports in `reports = { name = function(item, ctx) return markdown end }`;
// ctx holds ref, workflow, state, now, children (for workflows that declare them) and history
// (the item's events, oldest first). The report `timeline` is built in for every item: each
// stage it passed through, when it opened and closed, and by whom.
//
// Reading only; not thread-safe (it uses the Engine's Store and scripts).
#pragma once

#include <commsflow/engine.h>

#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// "timeline" and the workflow's own report names, in that order.
std::vector<std::string> report_names(Engine& engine, const Item& item);

// Renders the named report of item `ref` as Markdown. Throws Error(NotFound) for an unknown item
// or report (the message lists the reports there are) and Error(Script) when the Lua report
// fails or returns something other than text.
std::string render_report(Engine& engine, std::string_view ref, std::string_view name);

// A whole HTML page (UTF-8, inline CSS with print styles, no external resources) with `title`
// and the Markdown rendered as CommonMark. Raw HTML in the Markdown is not passed through.
std::string markdown_page(std::string_view title, std::string_view markdown);

}  // namespace commsflow
