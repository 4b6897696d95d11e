// Reads the table a workflow file returns into a Definition, collecting every problem with the
// line it is on. The parts that fit together are checked afterwards (definition_checks.cpp).
//
// One reader per file: build() fills a Definition; the other members read one part each and
// are defined beside the part they read (read_fields.cpp, read_states.cpp, read_signoff.cpp,
// read_sections.cpp).
#pragma once

#include <commsflow/workflow_loader.h>

#include <string>
#include <vector>

#include "workflow/source_index.h"
#include "workflow/spec_keys.h"

namespace commsflow {

// A lower-case name: letters, digits and '_', not starting with a digit.
bool is_identifier(const std::string& s);
// The "__line" the commsflow constructors record, or `fallback` (also for a table that merely
// has such a key).
int line_value(const Json& t, int fallback);
// What a value is, in the words of a Lua author: "a list", "text", ...
const char* json_kind(const Json& v);

class DefinitionReader {
 public:
  DefinitionReader(const std::string& path, const std::string& source,
                   std::vector<Diagnostic>& problems)
      : path_(path), index_(source), problems_(problems) {}

  // Reads the returned table `t` into `d`; problems go to the list given at construction.
  void build(const Json& t, Definition& d);

 private:
  // One line per problem: a table shared by several states (one actions table used in each) is
  // read once for each, and its fault is reported once.
  void problem(int line, std::string message);
  static void default_read(Definition& d);

  // Small values (definition_reader.cpp).
  void check_keys(const Json& t, spec_keys::Keys allowed, const std::string& what, int line);
  std::string text(const Json& t, const char* key, int line, bool required);
  std::vector<std::string> string_list(const Json& t, const char* key, int line,
                                       const std::string& what);
  ScriptFunction function(const Json& t, const char* key, int line, const std::string& what);
  // A length of time given in seconds (commsflow.minutes(30)); 0 when absent or not positive.
  std::int64_t seconds(const Json& t, const char* key, int line, const std::string& what);

  // Fields (read_fields.cpp).
  std::vector<FieldSpec> field_map(const Json& fields, const std::string& what, int line);
  FieldSpec field(const std::string& name, const Json& spec, const std::string& what, int near);

  // States and their actions (read_states.cpp).
  ActionSpec action(const std::string& name, const Json& spec, int line, bool is_submit);
  StateSpec state(const std::string& name, const Json& spec, int states_line);

  // Sign-off steps (read_signoff.cpp).
  OutcomeSpec outcome(const Json& spec, const char* key, int line, const std::string& what,
                      bool required);
  ApproverGroupSpec group(const std::string& name, const Json& spec, int line,
                          const std::string& what);
  SignoffSpec signoff(const std::string& name, const Json& spec, int line);

  // The workflow's optional sections (read_sections.cpp).
  ReaderSpec reader(const Json& t, int line, const std::string& what);
  void read_permissions(const Json& t, Definition& d);
  void read_incidents(const Json& t, Definition& d);
  void read_queue(const Json& t, Definition& d);
  void read_migration(const Json& t, Definition& d);
  void read_family_and_reports(const Json& t, Definition& d);

  const std::string& path_;
  SourceIndex index_;
  std::vector<Diagnostic>& problems_;
};

}  // namespace commsflow
