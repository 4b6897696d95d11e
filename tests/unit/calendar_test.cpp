// workflows/lib/calendar.lua, the working-day arithmetic behind every due time and late flag:
// checked against a day-by-day model that writes each date out and looks it up in the list.
#include <commsflow/script.h>

#include <catch2/catch.hpp>

#include "support.h"

using namespace commsflow;

namespace {

// Each function returns a list of the cases where calendar.lua and the model disagree.
const char* kCheck = R"lua(
local calendar = require "calendar"

local function next_date(date)
  return calendar.datetime(calendar.seconds(date .. "T00:00:00Z") + 86400):sub(1, 10)
end

local function model_is_working(date)
  local day = calendar.seconds(date .. "T00:00:00Z") // 86400
  return (day + 3) % 7 < 5 and calendar.non_working_days[date] == nil
end

local function model_between(from, to)
  if to < from then return -model_between(to, from) end
  local count, date = 0, from
  while date < to do
    date = next_date(date)
    if model_is_working(date) then count = count + 1 end
  end
  return count
end

local function model_add(date, n)
  while not model_is_working(date) do date = next_date(date) end
  while n > 0 do
    date = next_date(date)
    if model_is_working(date) then n = n - 1 end
  end
  return date
end

-- Every third day from late 2025 to early 2028 (the whole list and beyond it), against dates a few
-- days to a year away in both directions, and 0 to 10 working days on.
local function disagreements()
  local out, from = {}, "2025-12-01"
  while from < "2028-01-20" do
    local to = from
    for _, step in ipairs({ 0, 1, 1, 2, 3, 7, 20, 60, 300 }) do
      for _ = 1, step do to = next_date(to) end
      for _, pair in ipairs({ { from, to }, { to, from } }) do
        local got, want = calendar.working_days_between(pair[1], pair[2]), model_between(pair[1], pair[2])
        if got ~= want then out[#out + 1] = string.format("between %s %s: %d, not %d", pair[1], pair[2], got, want) end
      end
    end
    for n = 0, 10 do
      local got, want = calendar.add_working_days(from, n), model_add(from, n)
      if got ~= want then out[#out + 1] = string.format("add %s %d: %s, not %s", from, n, got, want) end
    end
    if calendar.is_working_day(from) ~= model_is_working(from) then
      out[#out + 1] = "is_working_day " .. from
    end
    from = next_date(next_date(next_date(from)))
  end
  return out
end

return {
  disagreements = disagreements,
  between = function(_, ctx) return calendar.working_days_between(ctx.from, ctx.to) end,
  add = function(_, ctx) return calendar.add_working_days(ctx.from, ctx.n) end,
}
)lua";

struct Calendar {
  FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
  std::unique_ptr<WorkflowScript> script = WorkflowScript::load(
      ScriptSource{"workflows/calendar_check.lua", kCheck, test::shipped_workflows() / "lib"},
      ScriptLimits{2'000'000'000, 64u << 20}, clock);

  Json call(const char* name, const Json& ctx = Json::object()) {
    auto fn = script->returned().at(name).at("$fn").get<ScriptFunction>();
    return script->call(fn, Json::object(), ctx, name).result;
  }
};

}  // namespace

TEST_CASE("working days skip weekends and the listed bank holidays") {
  Calendar c;
  // Christmas 2026: Friday 25th and Monday 28th (substitute) are bank holidays.
  CHECK(c.call("between", Json{{"from", "2026-12-24"}, {"to", "2026-12-29"}}) == 1);
  CHECK(c.call("between", Json{{"from", "2026-12-29"}, {"to", "2026-12-24"}}) == -1);
  CHECK(c.call("between", Json{{"from", "2026-03-02"}, {"to", "2026-03-02"}}) == 0);
  CHECK(c.call("between", Json{{"from", "2026-03-02"}, {"to", "2026-03-09"}}) == 5);
  // Easter 2026: Good Friday 3 April and Easter Monday 6 April.
  CHECK(c.call("add", Json{{"from", "2026-04-02"}, {"n", 1}}) == "2026-04-07");
  CHECK(c.call("add", Json{{"from", "2026-04-04"}, {"n", 0}}) == "2026-04-07");
}

TEST_CASE("working-day counts and additions agree with a day-by-day model over two years") {
  Calendar c;
  Json disagreements = c.call("disagreements");
  INFO(disagreements.dump(1));
  CHECK((disagreements.empty() || disagreements == Json::object()));
}
