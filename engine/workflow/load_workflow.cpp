// Loads one workflow file: runs it in its sandbox, reads the table it returns and checks the
// parts fit together, gathering every problem with its file and line.
#include <commsflow/error.h>
#include <commsflow/workflow_loader.h>

#include <charconv>

#include "workflow/definition_reader.h"
#include "workflow/field_values.h"

namespace commsflow {

std::string Diagnostic::to_string() const {
  if (line > 0) return fmt::format("{}:{}: {}", file, line, message);
  return fmt::format("{}: {}", file, message);
}

namespace {

// Splits "path:line: message" as produced by Lua errors.
Diagnostic diagnostic_from_error(const std::string& path, const std::string& message) {
  Diagnostic d{path, 0, message};
  if (message.rfind(path + ":", 0) == 0) {
    size_t pos = path.size() + 1;
    int line = 0;
    auto [end, ec] = std::from_chars(message.data() + pos, message.data() + message.size(), line);
    if (ec == std::errc() && end < message.data() + message.size() && *end == ':') {
      d.line = line;
      d.message = std::string(end + 1);
      if (!d.message.empty() && d.message[0] == ' ') d.message.erase(0, 1);
    } else {
      d.message = message.substr(pos);
      if (!d.message.empty() && d.message[0] == ' ') d.message.erase(0, 1);
    }
  }
  return d;
}

}  // namespace

LoadedWorkflow load_workflow(const ScriptSource& source, const std::string& version,
                             const ScriptLimits& limits, const Clock& clock) {
  LoadedWorkflow out;
  try {
    out.script = WorkflowScript::load(source, limits, clock);
  } catch (const Error& e) {
    out.problems.push_back(diagnostic_from_error(source.path, e.what()));
    return out;
  }
  for (const auto& g : out.script->undefined_globals()) {
    out.problems.push_back(Diagnostic{
        g.file, g.line,
        g.assigned
            ? fmt::format("assigns the global '{}': declare it with `local {}`", g.name, g.name)
            : fmt::format("'{}' is not defined (a typo, or a missing `local`?)", g.name)});
  }
  out.definition.path = source.path;
  out.definition.version = version;
  // The cross-checks (a `to` naming no state, a `required_if` naming no field) run on a
  // definition read whole: a name left undefined is only nil in it, so they still run, and one
  // `check` names every problem; after a table that could not be read they would mislead.
  const std::size_t before_reading = out.problems.size();
  DefinitionReader(source.path, source.text, out.problems)
      .build(out.script->returned(), out.definition);
  if (out.problems.size() == before_reading) {
    check_definition(out.definition, out.problems);
    say_when_needed(out.definition);
  }
  return out;
}

}  // namespace commsflow
