#include "workflow/action_rules.h"

#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "workflow/field_values.h"

namespace commsflow {

Refusal role_refusal(const Actor& actor, const ActionSpec& action, const std::string& doing) {
  const std::string who = actor.shown_name();
  return Refusal{{fmt::format("{} may not {}: that needs the role {} ({} has {})", who, doing,
                              roles_in_words(action.roles, "or"), who,
                              actor.roles.empty() ? std::string("no roles")
                                                  : roles_in_words(actor.roles, "and"))},
                 /*forbidden=*/true};
}

Refusal submit_refusal(const Actor& actor, const Definition& d) {
  return role_refusal(
      actor, d.submit,
      fmt::format("create an item of \"{}\"", d.title.empty() ? readable_label(d.name) : d.title));
}

std::vector<std::string> submit_takes(const Definition& d) {
  if (!d.submit.sets.empty()) return d.submit.sets;
  std::vector<std::string> all;
  for (const auto& f : d.fields) all.push_back(f.name);
  return all;
}

std::vector<std::string> guard_reasons(const Json& result, const std::string& path,
                                       const std::string& what) {
  if (result.is_boolean()) {
    if (result.get<bool>()) return {};
    return {fmt::format("{} said no", what)};
  }
  // Reasons are prose for people: a time they quote is given in UK time.
  if (result.is_string()) return {times_in_words(result.get<std::string>())};
  if (result.is_array()) {
    std::vector<std::string> reasons;
    for (const auto& r : result) {
      if (!r.is_string()) {
        fail(ErrorKind::Script, "{}: {} must return true or a list of reasons (text), got {}", path,
             what, r.dump());
      }
      reasons.push_back(times_in_words(r.get<std::string>()));
    }
    return reasons;
  }
  fail(ErrorKind::Script, "{}: {} must return true or a list of reasons, got {}", path, what,
       result.is_null() ? "nothing" : result.dump());
}

Outcome<Ruled> apply_rules(CompiledWorkflow& wf, const ActionSpec& action, Json data, Json ctx,
                           const std::string& from, const std::string& what, bool data_validated) {
  const Definition& d = wf.definition;
  if (action.guard) {
    std::string label = "the guard of " + what;
    auto r = wf.script->ask(action.guard, data, ctx, label);
    auto reasons = guard_reasons(r.result, d.path, label);
    if (!reasons.empty()) return Refusal{std::move(reasons)};
  }
  Ruled out{{}, action.to.empty() ? from : action.to.front()};
  if (action.route) {
    std::string label = "the route of " + what;
    auto r = wf.script->ask(action.route, data, ctx, label);
    if (!r.result.is_string() || std::find(action.to.begin(), action.to.end(),
                                           r.result.get<std::string>()) == action.to.end()) {
      fail(ErrorKind::Script, "{}: {} must return one of: {} (it returned {})", d.path, label,
           fmt::join(action.to, ", "), r.result.dump());
    }
    out.to = r.result.get<std::string>();
  }
  ctx["to"] = out.to;
  if (action.effect) {
    std::string label = "the effect of " + what;
    auto r = wf.script->call(action.effect, data, ctx, label);
    out.data =
        (r.result.is_object() || (r.result.is_array() && r.result.empty())) ? r.result : r.item;
    keep_engine_records(data, out.data);
    auto problems = validate_data(d.fields, out.data, true, data_validated ? &data : nullptr);
    // A field an action (not submit, whose data was checked whole before) asks the person for,
    // left empty by them and not filled by the effect, is theirs to give: Engine::act says it as
    // their missing answer after the effect, not as the workflow's fault.
    if (&action != &d.submit) {
      std::erase_if(problems, [&](const FieldProblem& p) {
        return std::find(action.sets.begin(), action.sets.end(), p.field) != action.sets.end() &&
               unanswered(data, p.field) && unanswered(out.data, p.field);
      });
    }
    if (!problems.empty()) {
      // Named by the action's line: the effect is the workflow's fault, not the person's input.
      const std::string where =
          action.line > 0 ? fmt::format("{}:{}", d.path, action.line) : d.path;
      std::string message =
          fmt::format("{}: {} left data that does not fit the fields", where, label);
      for (const auto& p : problems) message += fmt::format("\n  {}: {}", p.field, p.message);
      throw Error::script(message, where);
    }
  } else {
    out.data = std::move(data);
  }
  return out;
}

}  // namespace commsflow
