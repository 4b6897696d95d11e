// import_items (import.h): many submits in one transaction, rows read one at a time.
//
// Only the row being submitted is held, never the whole input: what an import keeps as it goes
// is the new references and the problems found. The workflow and actor are looked up once, and
// the time is formatted again only when the clock has moved. Each row goes through the same
// submit_as that Engine::submit uses, so its triage is the same as submitting it alone; its rows
// are written behind it (Store::write_behind), on a second core.
#include <commsflow/error.h>
#include <commsflow/import.h>
#include <commsflow/incidents.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "workflow/action_rules.h"
#include "workflow/import_duplicates.h"
#include "workflow/incident_policy.h"

namespace commsflow {

namespace {

// "submit W: bad input\n  field: problem\n  ..." becomes "line N: field: problem", one per field.
void add_problems(std::int64_t line, const std::string& message,
                  std::vector<std::string>& problems) {
  size_t start = message.find('\n');
  if (start == std::string::npos) problems.push_back(fmt::format("line {}: {}", line, message));
  while (start != std::string::npos) {
    size_t end = message.find('\n', start + 1);
    size_t from = start + 3;  // past "\n  "
    problems.push_back(
        fmt::format("line {}: {}", line,
                    std::string_view(message).substr(
                        from, end == std::string::npos ? std::string::npos : end - from)));
    start = end;
  }
}

// A row's bad input, one problem per field, each by the heading the file gave its column ("line
// 3: Needed by: ..." for a column headed "Needed by").
void add_field_problems(std::int64_t line, const Error& e,
                        const std::vector<std::pair<std::string, std::string>>& renames,
                        std::vector<std::string>& problems) {
  if (e.fields().empty()) {
    add_problems(line, e.what(), problems);
    return;
  }
  for (const auto& p : e.fields()) {
    auto column = std::find_if(renames.begin(), renames.end(),
                               [&](const auto& r) { return r.second == p.field; });
    problems.push_back(fmt::format("line {}: {}: {}", line,
                                   column == renames.end() ? p.field : column->first, p.message));
  }
}

// Rows already in memory, as a source.
class RowsInMemory : public ImportSource {
 public:
  explicit RowsInMemory(const std::vector<ImportRow>& rows) : rows_(rows) {}
  bool next(ImportRow& row) override {
    if (next_ == rows_.size()) return false;
    row = rows_[next_++];
    return true;
  }
  double fraction_read() const override {
    return rows_.empty() ? 1.0 : static_cast<double>(next_) / static_cast<double>(rows_.size());
  }

 private:
  const std::vector<ImportRow>& rows_;
  size_t next_ = 0;
};

// A heading as people write it, for matching: lower case, spaces and hyphens as underscores.
std::string heading_key(std::string_view text) {
  std::string out;
  for (char c : text) {
    out +=
        c == ' ' || c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Each named column must be a field submit takes (every field, when it lists none); an unnamed
// column is skipped, as its values are. A column headed by a field's label or its name in any
// case ("Needed by", "Needed_By") is that field: returned as {column, field} to rename in each
// row (empty when every column is already a field's name).
std::vector<std::pair<std::string, std::string>> check_columns(
    const Definition& d, const std::vector<std::string>& columns) {
  const std::vector<std::string> takes = submit_takes(d);
  std::vector<std::string> problems;
  std::vector<std::pair<std::string, std::string>> renames;
  if (columns.size() == 1 && columns[0].find('\t') != std::string::npos) {
    fail(ErrorKind::BadInput,
         "nothing was imported: line 1 is separated by tabs; save the file as CSV (comma or "
         "semicolon separated)");
  }
  for (const auto& column : columns) {
    if (column.empty() || std::find(takes.begin(), takes.end(), column) != takes.end()) continue;
    const std::string key = heading_key(column);
    const auto named = std::find_if(takes.begin(), takes.end(), [&](const std::string& name) {
      const FieldSpec* f = d.field(name);
      return key == name || (f && key == heading_key(field_label(*f)));
    });
    if (named != takes.end()) {
      if (std::find(columns.begin(), columns.end(), *named) != columns.end() ||
          std::any_of(renames.begin(), renames.end(),
                      [&](const auto& r) { return r.second == *named; })) {
        problems.push_back(
            fmt::format("line 1: the column '{}' is {} again: one column for "
                        "each field",
                        column, *named));
      } else {
        renames.emplace_back(column, *named);
      }
      continue;
    }
    problems.push_back(
        fmt::format("line 1: the column '{}' is {} (the columns it takes: {})", column,
                    d.field(column) ? "set by the workflow, not given when an item is created"
                                    : "not a field of the workflow",
                    fmt::join(takes, ", ")));
  }
  if (!problems.empty()) {
    fail(ErrorKind::BadInput, "nothing was imported: {} problem(s)\n{}", problems.size(),
         fmt::join(problems, "\n"));
  }
  return renames;
}

// The fields the columns fill, renamed as `renames` says; unnamed columns are skipped.
std::vector<std::string> given_fields(
    const std::vector<std::string>& columns,
    const std::vector<std::pair<std::string, std::string>>& renames) {
  std::vector<std::string> fields;
  for (const auto& column : columns) {
    if (column.empty()) continue;
    const auto renamed = std::find_if(renames.begin(), renames.end(),
                                      [&](const auto& r) { return r.first == column; });
    fields.push_back(renamed == renames.end() ? column : renamed->second);
  }
  return fields;
}

}  // namespace

std::vector<std::string> import_items(Engine& engine, std::string_view workflow,
                                      std::string_view actor, const std::vector<ImportRow>& rows,
                                      const ImportProgress& progress) {
  RowsInMemory source(rows);
  return import_items(engine, workflow, actor, source, progress);
}

std::vector<std::string> import_items(Engine& engine, std::string_view workflow,
                                      std::string_view actor, ImportSource& rows,
                                      const ImportProgress& progress, Duplicates duplicates) {
  // Declaring an incident pauses work and must find no other of its name: one at a time.
  if (workflow == kIncidentWorkflow) {
    fail(ErrorKind::BadInput,
         "incidents are not imported: declare each with `commsflow incident declare NAME`");
  }
  auto tx = engine.store().begin_write();
  // An unknown workflow or actor is one error, not one per row.
  CompiledWorkflow& wf = engine.registry().current(workflow);
  const Actor submitter = engine.require_actor(actor);
  // Without the role every row would be refused alike: said once, as a role check (exit 1).
  if (!submitter.holds_any(wf.definition.submit.roles)) {
    fail(ErrorKind::Forbidden, "nothing was imported: {}",
         submit_refusal(submitter, wf.definition).reasons.front());
  }

  const auto renames = check_columns(wf.definition, rows.columns());
  // Read before any row is added, so a file's own rows are never taken for earlier ones.
  const std::optional<ItemsAlreadyHere> already_here =
      duplicates == Duplicates::Refuse
          ? std::make_optional<ItemsAlreadyHere>(engine.store(), workflow,
                                                 given_fields(rows.columns(), renames))
          : std::nullopt;

  std::vector<std::string> refs, problems;
  // Imported work is paused like any other while an incident is active.
  const std::vector<Json> incidents =
      wf.definition.incidents.holds ? active_incidents(engine) : std::vector<Json>{};
  // The rows are written on another thread while the next are read and triaged (where the
  // store can); a failure among those writes fails the commit below.
  const auto behind = engine.store().write_behind();
  std::size_t duplicate_rows = 0;
  TimePoint formatted_at{};
  std::string now;
  ImportRow row;
  size_t done = 0;
  for (;;) {
    try {
      if (!rows.next(row)) break;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::BadInput) throw;
      problems.push_back(e.what());  // the rest cannot be read: report what was found so far
      break;
    }
    for (const auto& [column, field] : renames) {
      if (auto value = row.fields.find(column); value != row.fields.end()) {
        Json moved = std::move(*value);
        row.fields.erase(column);
        row.fields[field] = std::move(moved);
      }
    }
    if (!row.problem.empty()) {
      problems.push_back(fmt::format("line {}: {}", row.line, row.problem));
    } else {
      try {
        auto at = engine.clock().now();
        if (now.empty() || at != formatted_at) {
          now = format_datetime(at);
          formatted_at = at;
        }
        auto outcome = engine.submit_as(wf, submitter, std::move(row.fields), {}, now);
        const std::string* same =
            outcome && already_here ? already_here->same_as(outcome.value().data) : nullptr;
        if (!outcome) {
          for (const auto& r : outcome.refusal().reasons) {
            problems.push_back(fmt::format("line {}: refused: {}", row.line, r));
          }
        } else if (same) {
          problems.push_back(fmt::format(
              "line {}: the same as {} in every column (imported before?)", row.line, *same));
          ++duplicate_rows;
        } else if (problems.empty()) {
          auto paused = pause_by_policy(engine, outcome.value(), incidents, kSystemActor);
          if (!paused) {
            for (const auto& r : paused.refusal().reasons) {
              problems.push_back(fmt::format("line {}: refused: {}", row.line, r));
            }
          }
          refs.push_back(std::move(outcome.value().ref));
        }
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput) throw;
        add_field_problems(row.line, e, renames, problems);
      }
    }
    ++done;
    if (progress) progress(done, rows.fraction_read());
  }
  if (!problems.empty()) {
    const std::size_t found = problems.size();
    // Excel's plain "CSV" is not UTF-8: say how to save it once, after the lines it spoiled.
    if (std::any_of(problems.begin(), problems.end(), [](const std::string& p) {
          return p.find("is not valid UTF-8") != std::string::npos;
        })) {
      problems.push_back(
          "the file is not UTF-8 text: in Excel, save it as \"CSV UTF-8 (Comma delimited)\"");
    }
    if (duplicate_rows > 0) {
      problems.push_back(
          fmt::format("{} row(s) are already here; to import them as new items even so, use "
                      "--allow-duplicates",
                      duplicate_rows));
    }
    fail(ErrorKind::BadInput, "nothing was imported: {} problem(s)\n{}", found,
         fmt::join(problems, "\n"));
  }
  if (done == 0) fail(ErrorKind::BadInput, "nothing was imported: there are no rows to import");
  tx->commit();
  return refs;
}

}  // namespace commsflow
