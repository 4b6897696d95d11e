-- Working days for due times and lead times: Monday to Friday, less the bank holidays of the
-- region the team works in. Bank holidays are computed by rule for any year the calendar covers
-- (fixed dates moved off weekends, Easter, the first and last Mondays), with the one-off changes
-- listed below (a jubilee, a coronation, a state funeral). A date outside the years it covers is
-- an error, never quietly a working day.
-- Dates are "YYYY-MM-DD" and times "YYYY-MM-DDTHH:MM:SSZ" (UTC), as stored by commsflow. Days
-- are the UK's: a time's date, and which day it falls on, are those of UK time (GMT, or BST in
-- summer), so 00:30 BST on a Saturday is a Saturday although it is 23:30 on Friday in UTC.
local wf = require "commsflow"
local M = {}

-- The years the rules are known to hold for.
M.first_year, M.last_year = 2000, 2099

-- The region whose bank holidays count: "england_and_wales", "scotland" or "northern_ireland".
-- A workflow that works to another region says so once, at the top of its file:
--   calendar.use_region("scotland")
M.region = "england_and_wales"

-- One-off changes to the rules, for every region unless `regions` says otherwise: `date` is
-- added as a bank holiday, or with `instead_of` it replaces the holiday the rules give on that
-- date. Add local closures here too.
M.one_off = {
  { date = "2002-06-04", name = "Spring bank holiday (moved)", instead_of = "2002-05-27" },
  { date = "2002-06-03", name = "Golden Jubilee" },
  { date = "2011-04-29", name = "Royal wedding" },
  { date = "2012-06-04", name = "Spring bank holiday (moved)", instead_of = "2012-05-28" },
  { date = "2012-06-05", name = "Diamond Jubilee" },
  { date = "2020-05-08", name = "Early May bank holiday (VE day)", instead_of = "2020-05-04" },
  { date = "2022-06-02", name = "Spring bank holiday (moved)", instead_of = "2022-05-30" },
  { date = "2022-06-03", name = "Platinum Jubilee" },
  { date = "2022-09-19", name = "State Funeral of Queen Elizabeth II" },
  { date = "2023-05-08", name = "Coronation of King Charles III" },
}

-- Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm), and back.
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

local function civil_from_days(z)
  z = z + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  return yoe + era * 400 + (m <= 2 and 1 or 0), m, d
end

local function day_number(date)
  local y, m, d = tostring(date):match("^(%d%d%d%d)-(%d%d)-(%d%d)")
  if not y then error("not a date: " .. tostring(date), 2) end
  return days_from_civil(tonumber(y), tonumber(m), tonumber(d))
end

local function date_of(n) return string.format("%04d-%02d-%02d", civil_from_days(n)) end

local function year_of(day) return (civil_from_days(day)) end

local month_names = { "January", "February", "March", "April", "May", "June", "July", "August",
                      "September", "October", "November", "December" }

-- A date ("2026-03-09") as people write it in a letter or a report: "9 March 2026".
function M.in_words(date)
  local y, m, d = tostring(date):match("^(%d%d%d%d)-(%d%d)-(%d%d)$")
  if not y then return tostring(date) end
  return string.format("%d %s %d", tonumber(d), month_names[tonumber(m)], tonumber(y))
end

-- Seconds since 1970 for "YYYY-MM-DDTHH:MM:SSZ", and back.
function M.seconds(datetime)
  local h, mi, s = datetime:match("T(%d%d):(%d%d):(%d%d)")
  return day_number(datetime) * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
end

function M.datetime(seconds)
  local days, rest = seconds // 86400, seconds % 86400
  return string.format("%sT%02d:%02d:%02dZ", date_of(days), rest // 3600, rest % 3600 // 60, rest % 60)
end

-- UK local seconds (as if UK time were UTC) for a UTC datetime, and the UTC datetime of UK local
-- seconds. A local time the spring change skips is taken an hour later.
local function local_seconds(datetime)
  local t = M.seconds(datetime)
  return t + wf.uk_offset(t)
end

local function utc_of_local(l)
  return M.datetime(l - wf.uk_offset(l - wf.uk_offset(l)))
end

-- The UK date of a datetime (a date is its own).
function M.date(datetime)
  if #datetime == 10 then return datetime end
  return date_of(local_seconds(datetime) // 86400)
end

local function is_weekday_number(day) return (day + 3) % 7 < 5 end -- day 0 was a Thursday
local function weekday(day) return (day + 3) % 7 end               -- 0 Monday .. 6 Sunday

-- Easter Sunday (the Anonymous Gregorian algorithm).
local function easter(y)
  local a, b, c = y % 19, y // 100, y % 100
  local d, e = b // 4, b % 4
  local f = (b + 8) // 25
  local g = (b - f + 1) // 3
  local h = (19 * a + b - d - g + 15) % 30
  local i, k = c // 4, c % 4
  local l = (32 + 2 * e + 2 * i - h - k) % 7
  local m = (a + 11 * h + 22 * l) // 451
  local month = (h + l - 7 * m + 114) // 31
  local dom = (h + l - 7 * m + 114) % 31 + 1
  return days_from_civil(y, month, dom)
end

local function first_monday(y, month)
  local day = days_from_civil(y, month, 1)
  return day + (7 - weekday(day)) % 7
end

local function last_monday(y, month)
  local next_month_first = month == 12 and days_from_civil(y + 1, 1, 1) or days_from_civil(y, month + 1, 1)
  local day = next_month_first - 1
  return day - weekday(day)
end

-- The rules of each region: fixed dates (moved to the next free weekday when they fall at a
-- weekend) and days found from Easter or the calendar.
local regions = {
  england_and_wales = {
    fixed = { { 1, 1, "New Year's Day" }, { 12, 25, "Christmas Day" }, { 12, 26, "Boxing Day" } },
    easter = { { -2, "Good Friday" }, { 1, "Easter Monday" } },
    mondays = { { "first", 5, "Early May bank holiday" }, { "last", 5, "Spring bank holiday" },
                { "last", 8, "Summer bank holiday" } },
  },
  scotland = {
    fixed = { { 1, 1, "New Year's Day" }, { 1, 2, "2nd January" }, { 11, 30, "St Andrew's Day" },
              { 12, 25, "Christmas Day" }, { 12, 26, "Boxing Day" } },
    easter = { { -2, "Good Friday" } },
    mondays = { { "first", 5, "Early May bank holiday" }, { "last", 5, "Spring bank holiday" },
                { "first", 8, "Summer bank holiday" } },
  },
  northern_ireland = {
    fixed = { { 1, 1, "New Year's Day" }, { 3, 17, "St Patrick's Day" },
              { 7, 12, "Battle of the Boyne (Orangemen's Day)" }, { 12, 25, "Christmas Day" },
              { 12, 26, "Boxing Day" } },
    easter = { { -2, "Good Friday" }, { 1, "Easter Monday" } },
    mondays = { { "first", 5, "Early May bank holiday" }, { "last", 5, "Spring bank holiday" },
                { "last", 8, "Summer bank holiday" } },
  },
}

-- The one-off changes are read as they load: a mistyped entry (a date written 08/12/2026, a
-- 32nd of December, a misspelt key or region) would otherwise be passed over without a word,
-- and every due time near it would be wrong. `commsflow check` reports the error.
do
  local keys = { date = true, name = true, instead_of = true, regions = true }
  local function real_date(text)
    local y, m, d = tostring(text):match("^(%d%d%d%d)-(%d%d)-(%d%d)$")
    return y and date_of(days_from_civil(tonumber(y), tonumber(m), tonumber(d))) == text
  end
  for i, change in ipairs(M.one_off) do
    local function wrong(what)
      error(string.format("lib/calendar.lua, one_off entry %d (%s): %s", i,
                          tostring(change.name or change.date), what), 0)
    end
    for key in pairs(change) do
      if not keys[key] then
        wrong("unknown key '" .. tostring(key) .. "' (date, name, instead_of, regions)")
      end
    end
    if not real_date(change.date) then
      wrong("date '" .. tostring(change.date) .. "' is not a real date written YYYY-MM-DD")
    end
    if change.instead_of ~= nil and not real_date(change.instead_of) then
      wrong("instead_of '" .. tostring(change.instead_of) .. "' is not a real date written YYYY-MM-DD")
    end
    if type(change.name) ~= "string" or not change.name:match("%S") then wrong("it needs a name") end
    for _, region in ipairs(change.regions or {}) do
      if not regions[region] then
        wrong("unknown region '" .. tostring(region)
              .. "' (england_and_wales, scotland or northern_ireland)")
      end
    end
  end
end

-- Bank holidays of year `y` in the current region: day number -> name. Computed once a year.
local by_year = {}
-- Whether a day number is a working day, as found so far: due times and lead times fall near
-- today, so the same few hundred days are asked about again and again. At most one entry per
-- day the calendar covers.
local working_by_day = {}

local function holidays_of(y)
  if y < M.first_year or y > M.last_year then
    error(string.format("the working-day calendar covers %d to %d, not %d (workflows/lib/calendar.lua)",
                        M.first_year, M.last_year, y), 3)
  end
  local found = by_year[y]
  if found then return found end
  local rules = regions[M.region]
  found = {}
  for _, r in ipairs(rules.easter) do found[easter(y) + r[1]] = r[2] end
  for _, r in ipairs(rules.mondays) do
    found[(r[1] == "first" and first_monday or last_monday)(y, r[2])] = r[3]
  end
  -- Fixed dates on weekdays first; then each at a weekend, in date order, takes the next weekday
  -- not taken already (Christmas on a Sunday: Boxing Day on Monday, Christmas on Tuesday).
  for _, r in ipairs(rules.fixed) do
    local day = days_from_civil(y, r[1], r[2])
    if is_weekday_number(day) then found[day] = r[3] end
  end
  for _, r in ipairs(rules.fixed) do
    local day = days_from_civil(y, r[1], r[2])
    if not is_weekday_number(day) then
      repeat day = day + 1 until is_weekday_number(day) and not found[day]
      found[day] = r[3] .. " (substitute day)"
    end
  end
  for _, change in ipairs(M.one_off) do
    local regions_ok = not change.regions
    for _, region in ipairs(change.regions or {}) do regions_ok = regions_ok or region == M.region end
    if regions_ok and change.date:sub(1, 4) == tostring(y) then
      if change.instead_of then found[day_number(change.instead_of)] = nil end
      found[day_number(change.date)] = change.name
    end
  end
  by_year[y] = found
  return found
end

function M.use_region(region)
  if not regions[region] then
    error("unknown region '" .. tostring(region) .. "' (england_and_wales, scotland or northern_ireland)", 2)
  end
  M.region, by_year, working_by_day = region, {}, {}
end

-- The name of the bank holiday on `date`, or nil.
function M.bank_holiday(date)
  local day = day_number(date)
  return holidays_of(year_of(day))[day]
end

-- The bank holidays of a year, in date order: { { date = "2028-01-03", name = "..." }, ... }.
function M.bank_holidays(year)
  local out = {}
  for day, name in pairs(holidays_of(year)) do out[#out + 1] = { date = date_of(day), name = name } end
  table.sort(out, function(a, b) return a.date < b.date end)
  return out
end

local function is_working_day_number(day)
  local working = working_by_day[day]
  if working == nil then
    working = is_weekday_number(day) and not holidays_of(year_of(day))[day]
    working_by_day[day] = working
  end
  return working
end

-- Monday to Friday days before `day`, counted from a Monday long ago (only differences matter).
local function weekdays_before(day)
  local from_monday = day + 3
  return 5 * (from_monday // 7) + math.min(from_monday % 7, 5)
end

function M.is_working_day(date)
  return is_working_day_number(day_number(date))
end

-- The date `n` working days after `date` (n >= 0; 0 gives the next working day on or after it).
function M.add_working_days(date, n)
  local day = day_number(date)
  while not is_working_day_number(day) do day = day + 1 end
  while n > 0 do
    day = day + 1
    if is_working_day_number(day) then n = n - 1 end
  end
  return date_of(day)
end

-- Like add_working_days from the UK date of `datetime`, keeping its UK time of day.
function M.add_working_days_at(datetime, n)
  local l = local_seconds(datetime)
  local day = day_number(M.add_working_days(date_of(l // 86400), n))
  return utc_of_local(day * 86400 + l % 86400)
end

-- `n` UK calendar days after `datetime`, at the same UK time of day: two days after Friday 16:00
-- is Sunday 16:00 whether or not the clocks change between (48 hours would be 17:00 or 15:00).
function M.add_days_at(datetime, n)
  local l = local_seconds(datetime)
  return utc_of_local((l // 86400 + n) * 86400 + l % 86400)
end

-- Working days after `from` up to and including `to` (negative when `to` is earlier): the
-- weekdays in between, less the bank holidays among them.
function M.working_days_between(from, to)
  local a, b, sign = day_number(from), day_number(to), 1
  if b < a then a, b, sign = b, a, -1 end
  local count = weekdays_before(b + 1) - weekdays_before(a + 1)
  for y = year_of(a), year_of(b) do
    for day in pairs(holidays_of(y)) do
      if day > a and day <= b and is_weekday_number(day) then count = count - 1 end
    end
  end
  return sign * count
end

-- Working time: the seconds of whole working days (a working day counts all its 24 hours, as
-- due times here are whole working days from submission).

-- Seconds of working days from `from` to `to` (datetimes; 0 when `to` is not later).
function M.working_seconds_between(from, to)
  local a, b = local_seconds(from), local_seconds(to)
  if b <= a then return 0 end
  local day_a, day_b = a // 86400, b // 86400
  if day_a == day_b then return is_working_day_number(day_a) and b - a or 0 end
  local total = is_working_day_number(day_a) and (day_a + 1) * 86400 - a or 0
  if day_b - 1 > day_a then
    total = total + 86400 * M.working_days_between(date_of(day_a), date_of(day_b - 1))
  end
  if is_working_day_number(day_b) then total = total + (b - day_b * 86400) end
  return total
end

-- The datetime `seconds` of working time after `datetime`: weekends and bank holidays are
-- stepped over, never landed on. 0 gives `datetime` itself.
function M.add_working_seconds(datetime, seconds)
  if seconds <= 0 then return datetime end
  local t = local_seconds(datetime)
  local day, within = t // 86400, t % 86400
  while not is_working_day_number(day) do day, within = day + 1, 0 end
  while seconds >= 86400 - within do
    seconds = seconds - (86400 - within)
    repeat day = day + 1 until is_working_day_number(day)
    within = 0
  end
  return utc_of_local(day * 86400 + within + seconds)
end

return M
