// workflows/lib/calendar.lua, the working-day arithmetic behind every due time and late flag:
// its bank holidays against those published for England and Wales (tests/data), Scotland and
// Northern Ireland, and its arithmetic against a day-by-day model that writes each date out and
// asks whether it is a bank holiday.
#include <commsflow/script.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

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
  return (day + 3) % 7 < 5 and calendar.bank_holiday(date) == nil
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

-- "date name" lines for a year's bank holidays in a region.
local function holidays(_, ctx)
  calendar.use_region(ctx.region or "england_and_wales")
  local out = {}
  for _, h in ipairs(calendar.bank_holidays(ctx.year)) do out[#out + 1] = h.date .. " " .. h.name end
  calendar.use_region("england_and_wales")
  return out
end

return {
  disagreements = disagreements,
  holidays = holidays,
  is_working_day = function(_, ctx) return calendar.is_working_day(ctx.date) end,
  use_region = function(_, ctx) calendar.use_region(ctx.region) end,
  between = function(_, ctx) return calendar.working_days_between(ctx.from, ctx.to) end,
  add = function(_, ctx) return calendar.add_working_days(ctx.from, ctx.n) end,
  add_at = function(_, ctx) return calendar.add_working_days_at(ctx.from, ctx.n) end,
  add_days_at = function(_, ctx) return calendar.add_days_at(ctx.from, ctx.n) end,
  date = function(_, ctx) return calendar.date(ctx.at) end,
  add_seconds = function(_, ctx) return calendar.add_working_seconds(ctx.from, ctx.seconds) end,
  seconds_between = function(_, ctx) return calendar.working_seconds_between(ctx.from, ctx.to) end,
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

TEST_CASE("days are the UK's: in summer the hour after midnight is already the next day") {
  Calendar c;
  // 23:30 UTC on Thursday 18 June 2026 is 00:30 BST on Friday 19 June.
  CHECK(c.call("date", Json{{"at", "2026-06-18T23:30:00Z"}}) == "2026-06-19");
  CHECK(c.call("date", Json{{"at", "2026-12-17T23:30:00Z"}}) == "2026-12-17");  // GMT
  // One working day on from Friday 00:30 is Monday 00:30 BST, never Saturday.
  CHECK(c.call("add_at", Json{{"from", "2026-06-18T23:30:00Z"}, {"n", 1}}) ==
        "2026-06-21T23:30:00Z");
  CHECK(c.call("add_at", Json{{"from", "2026-06-18T08:00:00Z"}, {"n", 1}}) ==
        "2026-06-19T08:00:00Z");
  // Across the autumn change the UK time of day is kept: 09:00 BST, then 09:00 GMT.
  CHECK(c.call("add_at", Json{{"from", "2026-10-23T08:00:00Z"}, {"n", 1}}) ==
        "2026-10-26T09:00:00Z");
  // Calendar days keep the UK time of day too: two days after Friday 16:00 GMT is Sunday 16:00
  // BST, across the spring change (48 hours would be 17:00), and 15:00 UTC in autumn.
  CHECK(c.call("add_days_at", Json{{"from", "2027-03-26T16:00:00Z"}, {"n", 2}}) ==
        "2027-03-28T15:00:00Z");
  CHECK(c.call("add_days_at", Json{{"from", "2026-10-23T15:00:00Z"}, {"n", 2}}) ==
        "2026-10-25T16:00:00Z");
  CHECK(c.call("add_days_at", Json{{"from", "2026-06-18T23:30:00Z"}, {"n", 1}}) ==
        "2026-06-19T23:30:00Z");
  // Working time stops at UK midnight on Friday, and a pause from then to Monday counts none.
  // (the last hour of Friday used up, it goes on at 00:00 BST on Monday).
  CHECK(c.call("add_seconds", Json{{"from", "2026-06-19T22:00:00Z"}, {"seconds", 3600}}) ==
        "2026-06-21T23:00:00Z");
  CHECK(c.call("seconds_between",
               Json{{"from", "2026-06-19T23:00:00Z"}, {"to", "2026-06-21T23:00:00Z"}}) == 0);
}

TEST_CASE("working-day counts and additions agree with a day-by-day model over two years") {
  Calendar c;
  Json disagreements = c.call("disagreements");
  INFO(disagreements.dump(1));
  CHECK((disagreements.empty() || disagreements == Json::object()));
}

TEST_CASE("bank holidays by rule match those published for England and Wales") {
  Calendar c;
  // The published list for 2026 and 2027 (tests/data, from the reference data).
  std::ifstream published(std::filesystem::path(COMMSFLOW_SOURCE_DIR) / "tests" / "data" /
                          "bank-holidays-england-wales.csv");
  REQUIRE(published);
  std::map<int, std::vector<std::string>> by_year;
  std::string line;
  std::getline(published, line);  // the header
  while (std::getline(published, line)) {
    if (line.empty()) continue;
    const int year = std::stoi(line.substr(0, 4));
    line[10] = ' ';  // "2026-01-01,New Year's Day" as "2026-01-01 New Year's Day"
    if (year <= 2027) by_year[year].push_back(line);
  }
  REQUIRE(by_year[2026].size() == 8);
  REQUIRE(by_year[2027].size() == 8);
  for (const auto& [year, dates] : by_year) {
    INFO(year);
    std::vector<std::string> computed;
    for (const auto& h : c.call("holidays", Json{{"year", year}})) {
      computed.push_back(h.get<std::string>());
    }
    CHECK(computed == dates);  // dates and names
  }
  // Years beyond the list, and years with one-off changes, as GOV.UK published them.
  auto dates_of = [&](int year, const char* region = "england_and_wales") {
    std::vector<std::string> out;
    for (const auto& h : c.call("holidays", Json{{"year", year}, {"region", region}})) {
      out.push_back(h.get<std::string>());
    }
    return out;
  };
  CHECK(dates_of(2028) ==
        std::vector<std::string>{"2028-01-03 New Year's Day (substitute day)",
                                 "2028-04-14 Good Friday", "2028-04-17 Easter Monday",
                                 "2028-05-01 Early May bank holiday",
                                 "2028-05-29 Spring bank holiday", "2028-08-28 Summer bank holiday",
                                 "2028-12-25 Christmas Day", "2028-12-26 Boxing Day"});
  CHECK(dates_of(2029).at(1) == "2029-03-30 Good Friday");
  CHECK(dates_of(2022) ==
        std::vector<std::string>{
            "2022-01-03 New Year's Day (substitute day)", "2022-04-15 Good Friday",
            "2022-04-18 Easter Monday", "2022-05-02 Early May bank holiday",
            "2022-06-02 Spring bank holiday (moved)", "2022-06-03 Platinum Jubilee",
            "2022-08-29 Summer bank holiday", "2022-09-19 State Funeral of Queen Elizabeth II",
            "2022-12-26 Boxing Day", "2022-12-27 Christmas Day (substitute day)"});
  CHECK(dates_of(2023).at(4) == "2023-05-08 Coronation of King Charles III");
  CHECK(dates_of(2020).at(3) == "2020-05-08 Early May bank holiday (VE day)");
  CHECK(c.call("is_working_day", Json{{"date", "2020-05-04"}}) == true);  // moved away from

  // Scotland and Northern Ireland, 2026.
  CHECK(dates_of(2026, "scotland") ==
        std::vector<std::string>{"2026-01-01 New Year's Day", "2026-01-02 2nd January",
                                 "2026-04-03 Good Friday", "2026-05-04 Early May bank holiday",
                                 "2026-05-25 Spring bank holiday", "2026-08-03 Summer bank holiday",
                                 "2026-11-30 St Andrew's Day", "2026-12-25 Christmas Day",
                                 "2026-12-28 Boxing Day (substitute day)"});
  CHECK(dates_of(2026, "northern_ireland") ==
        std::vector<std::string>{
            "2026-01-01 New Year's Day", "2026-03-17 St Patrick's Day", "2026-04-03 Good Friday",
            "2026-04-06 Easter Monday", "2026-05-04 Early May bank holiday",
            "2026-05-25 Spring bank holiday",
            "2026-07-13 Battle of the Boyne (Orangemen's Day) (substitute day)",
            "2026-08-31 Summer bank holiday", "2026-12-25 Christmas Day",
            "2026-12-28 Boxing Day (substitute day)"});
}

TEST_CASE("a date the calendar does not cover is an error, never a working day") {
  Calendar c;
  for (const char* date : {"2100-01-04", "1999-12-31"}) {
    INFO(date);
    CHECK_THROWS_WITH(c.call("is_working_day", Json{{"date", date}}),
                      Catch::Contains("covers 2000 to 2099"));
  }
  CHECK_THROWS_WITH(c.call("add", Json{{"from", "2099-12-30"}, {"n", 5}}),
                    Catch::Contains("not 2100"));
  CHECK_THROWS_WITH(c.call("use_region", Json{{"region", "wales"}}),
                    Catch::Contains("unknown region 'wales'"));
}

TEST_CASE("a one-off change mistyped stops the calendar loading, naming the entry") {
  const std::string shipped = test::read_bytes(test::shipped_workflows() / "lib" / "calendar.lua");
  const std::string last =
      "  { date = \"2023-05-08\", name = \"Coronation of King Charles III\" },\n";
  REQUIRE(shipped.find(last) != std::string::npos);
  for (const auto& [entry, said] : std::vector<std::pair<std::string, std::string>>{
           {R"({ date = "08/12/2026", name = "Office closure" })",
            "entry 11 (Office closure): date '08/12/2026' is not a real date written YYYY-MM-DD"},
           {R"({ date = "2026-12-32", name = "Office closure" })",
            "date '2026-12-32' is not a real"},
           {R"({ date = "2026-12-08", nme = "Office closure" })",
            "entry 11 (2026-12-08): unknown key 'nme'"},
           {R"({ date = "2026-12-08", name = "Closure", regions = { "englnd_and_wales" } })",
            "unknown region 'englnd_and_wales'"},
           {R"({ date = "2026-12-08", name = "Closure", instead_of = "2026-12-07x" })",
            "instead_of '2026-12-07x' is not a real date"}}) {
    INFO(entry);
    test::TempDir dir;
    std::string source = shipped;
    source.insert(source.find(last) + last.size(), "  " + entry + ",\n");
    dir.write("lib/calendar.lua", source);
    FixedClock clock{*parse_datetime("2026-03-02T09:00:00Z")};
    CHECK_THROWS_WITH(
        WorkflowScript::load(
            ScriptSource{"workflows/calendar_check.lua", kCheck, dir.path() / "lib"},
            ScriptLimits{2'000'000'000, 64u << 20}, clock),
        Catch::Contains("lib/calendar.lua, one_off entry 11") && Catch::Contains(said));
  }
}

TEST_CASE("a working day asked about in one region is asked again after the region changes") {
  Calendar c;
  // Friday 2 January 2026: a working day in England and Wales, a bank holiday in Scotland.
  const Json date{{"date", "2026-01-02"}};
  CHECK(c.call("is_working_day", date) == true);
  c.call("use_region", Json{{"region", "scotland"}});
  CHECK(c.call("is_working_day", date) == false);
  c.call("use_region", Json{{"region", "england_and_wales"}});
  CHECK(c.call("is_working_day", date) == true);
}
