// The workflows in service: definitions loaded from the workflows folder and stored, by version,
// in the database.
//
// `sync()` reads every *.lua file in the folder (lib/ holds shared modules, not workflows). A file
// whose SHA-256 is new is compiled and checked aside; only if it is clean is it stored and made
// the current version for new items, in one transaction. A broken file is reported and the
// previous version stays in service. Items keep the version they started with: `version()`
// compiles any stored version on demand from the source kept in the database.
//
// Not thread-safe; shares the Store's thread.
#pragma once

#include <commsflow/clock.h>
#include <commsflow/definition.h>
#include <commsflow/script.h>
#include <commsflow/store.h>
#include <commsflow/workflow_loader.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace commsflow {

struct CompiledWorkflow {
  Definition definition;
  std::unique_ptr<WorkflowScript> script;
};

class WorkflowRegistry {
 public:
  WorkflowRegistry(Store& store, const Clock& clock, std::filesystem::path dir,
                   ScriptLimits limits = {});

  // Loads new or changed files. Returns the problems of files that could not be loaded.
  // Throws Error(BadInput) if the folder does not exist.
  std::vector<Diagnostic> sync();

  // The version new items of `workflow` start on. Throws Error(NotFound) naming the known ones.
  CompiledWorkflow& current(std::string_view workflow);
  // A workflow's name as stored, from what someone typed: its name in any case, else its title
  // ("Comms request") when no other workflow has that title. What matches none is given back as
  // typed, for current() to refuse.
  std::string stored_name(std::string_view typed);
  // Any stored version. Throws Error(NotFound) or Error(Script).
  CompiledWorkflow& version(std::string_view version);

  const std::filesystem::path& dir() const { return dir_; }
  // `text` (a script error, a file's path) with the workflows folder left out of every path in
  // it, so that people are told "website_update.lua:7", not where the server keeps its files.
  std::string within_dir(std::string text) const;
  const ScriptLimits& limits() const { return limits_; }
  // Roles usable by actors: the standard ones and those the current workflows declare.
  std::vector<std::string> known_roles();

 private:
  // The stored version whose file text is `source` and whose recorded modules match lib/ today.
  std::optional<std::string> stored_version_of(const std::string& source);
  void make_current(const std::string& workflow, const std::string& version);

  Store& store_;
  const Clock& clock_;
  std::filesystem::path dir_;
  ScriptLimits limits_;
  std::map<std::string, std::unique_ptr<CompiledWorkflow>, std::less<>> by_version_;
};

// A workflow version's name: the hex SHA-256 of the file's text when it requires no lib modules;
// otherwise the SHA-256 of a manifest naming the file's hash and each module's name and hash, in
// name order. A changed module therefore makes a new version, as a changed file does.
std::string version_id(std::string_view source, const LibrarySources& libraries);

// The workflow files of a folder, sorted (excluding lib/).
std::vector<std::filesystem::path> workflow_files(const std::filesystem::path& dir);

}  // namespace commsflow
