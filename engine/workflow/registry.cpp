#include <commsflow/error.h>
#include <commsflow/registry.h>
#include <commsflow/sha256.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "workflow/field_values.h"

namespace commsflow {

namespace {

// Reads a whole file. Throws Error(BadInput) naming the file if it cannot be read.
std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::BadInput, "cannot read {}", path.string());
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) fail(ErrorKind::BadInput, "cannot read {}", path.string());
  return out.str();
}

}  // namespace

std::vector<std::filesystem::path> workflow_files(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    fail(ErrorKind::BadInput, "workflows folder {} does not exist (use --workflows DIR)",
         dir.string());
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".lua")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

WorkflowRegistry::WorkflowRegistry(Store& store, const Clock& clock, std::filesystem::path dir,
                                   ScriptLimits limits)
    : store_(store), clock_(clock), dir_(std::move(dir)), limits_(limits) {}

std::string version_id(std::string_view source, const LibrarySources& libraries) {
  if (libraries.empty()) return to_hex(sha256(source));
  std::string manifest = "commsflow workflow\n" + to_hex(sha256(source)) + "\n";
  for (const auto& [module, text] : libraries) {
    manifest += module + " " + to_hex(sha256(text)) + "\n";
  }
  return to_hex(sha256(manifest));
}

std::optional<std::string> WorkflowRegistry::stored_version_of(const std::string& source) {
  for (const StoredDefinition& d : store_.definitions_with_source(source)) {
    if (!d.libraries) continue;  // modules not recorded: only loading the file can tell
    bool same = std::all_of(d.libraries->begin(), d.libraries->end(), [&](const auto& module) {
      std::string relative = module.first;
      std::replace(relative.begin(), relative.end(), '.', '/');
      std::error_code ec;
      auto path = dir_ / "lib" / (relative + ".lua");
      if (!std::filesystem::is_regular_file(path, ec)) return false;
      return read_file(path) == module.second;
    });
    if (same) return d.version;
  }
  return std::nullopt;
}

void WorkflowRegistry::make_current(const std::string& workflow, const std::string& version) {
  if (store_.current_version(workflow) == version) return;
  auto tx = store_.begin_write();
  store_.set_current_version(workflow, version, format_datetime(clock_.now()));
  tx->commit();
}

std::vector<Diagnostic> WorkflowRegistry::sync() {
  std::vector<Diagnostic> problems;
  std::map<std::string, std::string> loaded_from;  // workflow name -> file, this sync
  for (const auto& file : workflow_files(dir_)) {
    std::string path = file.string();
    std::string source = read_file(file);

    if (auto known = stored_version_of(source)) {
      auto stored = store_.definition(*known);
      loaded_from.emplace(stored->name, path);
      make_current(stored->name, *known);
      continue;
    }

    ScriptSource script_source{path, source, dir_ / "lib", std::nullopt};
    auto loaded = std::make_unique<LoadedWorkflow>(
        load_workflow(script_source, to_hex(sha256(source)), limits_, clock_));
    if (!loaded->ok()) {
      for (auto& p : loaded->problems) problems.push_back(std::move(p));
      continue;
    }
    const LibrarySources& libraries = loaded->script->libraries();
    const std::string hash = version_id(source, libraries);
    Definition& d = loaded->definition;
    d.version = hash;
    std::string now = format_datetime(clock_.now());
    if (store_.definition(hash)) {
      // Stored before its modules were recorded: record them now.
      loaded_from.emplace(d.name, path);
      auto tx = store_.begin_write();
      store_.save_definition(StoredDefinition{hash, d.name, path, source, now, libraries});
      tx->commit();
      make_current(d.name, hash);
      continue;
    }
    if (auto [it, fresh] = loaded_from.emplace(d.name, path); !fresh) {
      problems.push_back(Diagnostic{
          path, d.line, fmt::format("workflow '{}' is already defined in {}", d.name, it->second)});
      continue;
    }
    bool clashes = false;
    for (const auto& [name, other_version] : store_.workflows()) {
      if (name == d.name) continue;
      try {
        if (version(other_version).definition.prefix == d.prefix) {
          problems.push_back(Diagnostic{
              path, d.line,
              fmt::format("prefix '{}' is already used by workflow '{}'", d.prefix, name)});
          clashes = true;
        }
      } catch (const Error&) {
        // A stored version that no longer compiles cannot clash; it is reported when used.
      }
    }
    if (clashes) continue;
    auto tx = store_.begin_write();
    store_.save_definition(StoredDefinition{hash, d.name, path, source, now, libraries});
    store_.set_current_version(d.name, hash, now);
    tx->commit();
    by_version_[hash] = std::make_unique<CompiledWorkflow>(
        CompiledWorkflow{std::move(loaded->definition), std::move(loaded->script)});
  }
  return problems;
}

std::string WorkflowRegistry::stored_name(std::string_view typed) {
  if (typed.empty() || store_.current_version(typed)) return std::string(typed);
  const std::string wanted = as_name(typed);
  const auto workflows = store_.workflows();
  for (const auto& [name, hash] : workflows) {
    if (name == wanted) return name;  // a name, in any case, before any title
  }
  std::optional<std::string> titled;
  for (const auto& [name, hash] : workflows) {
    try {
      if (as_name(version(hash).definition.title) != wanted) continue;
    } catch (const Error&) {
      continue;  // a version that no longer loads has no title to match
    }
    if (titled) return std::string(typed);  // a title two workflows share names neither
    titled = name;
  }
  return titled.value_or(std::string(typed));
}

CompiledWorkflow& WorkflowRegistry::current(std::string_view workflow) {
  auto v = store_.current_version(workflow);
  if (!v) {
    std::vector<std::string> names;
    for (const auto& [name, _] : store_.workflows()) names.push_back(name);
    fail(ErrorKind::NotFound, "unknown workflow '{}' (known: {})", workflow,
         names.empty() ? "none loaded" : fmt::format("{}", fmt::join(names, ", ")));
  }
  return version(*v);
}

CompiledWorkflow& WorkflowRegistry::version(std::string_view version_id) {
  if (auto it = by_version_.find(version_id); it != by_version_.end()) return *it->second;
  auto stored = store_.definition(version_id);
  if (!stored) fail(ErrorKind::NotFound, "no stored workflow version {}", version_id);
  ScriptSource source{stored->path, stored->source, dir_ / "lib", stored->libraries};
  LoadedWorkflow loaded = load_workflow(source, stored->version, limits_, clock_);
  if (!loaded.ok()) {
    std::vector<std::string> lines;
    for (const auto& p : loaded.problems) lines.push_back(p.to_string());
    fail(ErrorKind::Script, "stored version {} of workflow '{}' no longer loads:\n{}",
         version_id.substr(0, 12), stored->name, fmt::join(lines, "\n"));
  }
  auto& slot = by_version_[std::string(version_id)];
  slot = std::make_unique<CompiledWorkflow>(
      CompiledWorkflow{std::move(loaded.definition), std::move(loaded.script)});
  return *slot;
}

std::vector<std::string> WorkflowRegistry::known_roles() {
  std::set<std::string> roles(standard_roles().begin(), standard_roles().end());
  for (const auto& [name, v] : store_.workflows()) {
    try {
      const auto& d = version(v).definition;
      roles.insert(d.roles.begin(), d.roles.end());
    } catch (const Error&) {
    }
  }
  return {roles.begin(), roles.end()};
}

std::string WorkflowRegistry::within_dir(std::string text) const {
  std::string folder = dir_.string();
  if (folder.empty()) return text;
  if (folder.back() != '/') folder += '/';
  for (auto at = text.find(folder); at != std::string::npos; at = text.find(folder, at)) {
    text.erase(at, folder.size());
  }
  return text;
}

}  // namespace commsflow
