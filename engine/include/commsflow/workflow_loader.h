// Loading and checking workflow files.
//
// `load_workflow` compiles a file in the sandbox, reads the table it returns into a Definition
// and checks it: structure, field types, unknown keys, states and actions that point nowhere,
// unreachable states and unknown roles. Every problem names file:line. Nothing touches the
// database.
#pragma once

#include <commsflow/clock.h>
#include <commsflow/definition.h>
#include <commsflow/script.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace commsflow {

struct Diagnostic {
  std::string file;
  int line = 0;
  std::string message;
  std::string to_string() const;  // "file:line: message" (no ":line" when unknown)
};

struct LoadedWorkflow {
  std::unique_ptr<WorkflowScript> script;  // null when the file did not run
  Definition definition;                   // meaningful only when problems is empty
  std::vector<Diagnostic> problems;
  bool ok() const { return problems.empty(); }
};

// Never throws for a bad file: problems are returned. `version` is stored in the definition.
LoadedWorkflow load_workflow(const ScriptSource& source, const std::string& version,
                             const ScriptLimits& limits, const Clock& clock);

// Checks that a definition's parts fit together; appends to `problems`.
void check_definition(const Definition& definition, std::vector<Diagnostic>& problems);

}  // namespace commsflow
