-- Working days for due times and lead times: Monday to Friday, skipping the non-working days
-- listed here (England and Wales bank holidays). Add local closures to the list as needed.
-- Dates are "YYYY-MM-DD" and times "YYYY-MM-DDTHH:MM:SSZ" (UTC), as stored by commsflow.
local M = {}

M.non_working_days = {
  ["2026-01-01"] = "New Year's Day",
  ["2026-04-03"] = "Good Friday",
  ["2026-04-06"] = "Easter Monday",
  ["2026-05-04"] = "Early May bank holiday",
  ["2026-05-25"] = "Spring bank holiday",
  ["2026-08-31"] = "Summer bank holiday",
  ["2026-12-25"] = "Christmas Day",
  ["2026-12-28"] = "Boxing Day (substitute day)",
  ["2027-01-01"] = "New Year's Day",
  ["2027-03-26"] = "Good Friday",
  ["2027-03-29"] = "Easter Monday",
  ["2027-05-03"] = "Early May bank holiday",
  ["2027-05-31"] = "Spring bank holiday",
  ["2027-08-30"] = "Summer bank holiday",
  ["2027-12-27"] = "Christmas Day (substitute day)",
  ["2027-12-28"] = "Boxing Day (substitute day)",
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
  local y, m, d = date:match("^(%d%d%d%d)-(%d%d)-(%d%d)")
  assert(y, "not a date: " .. tostring(date))
  return days_from_civil(tonumber(y), tonumber(m), tonumber(d))
end

local function date_of(n) return string.format("%04d-%02d-%02d", civil_from_days(n)) end

-- Seconds since 1970 for "YYYY-MM-DDTHH:MM:SSZ", and back.
function M.seconds(datetime)
  local h, mi, s = datetime:match("T(%d%d):(%d%d):(%d%d)")
  return day_number(datetime) * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
end

function M.datetime(seconds)
  local days, rest = seconds // 86400, seconds % 86400
  return string.format("%sT%02d:%02d:%02dZ", date_of(days), rest // 3600, rest % 3600 // 60, rest % 60)
end

function M.date(datetime) return datetime:sub(1, 10) end

-- The non-working days above as day numbers, read from the list at the first working-day
-- calculation (so add closures to the list in this file, not from a rule). Working days are
-- then told apart by arithmetic and one table look-up: no date is written out or parsed back,
-- which was most of the cost of triage.
local non_working_day_numbers

local function non_working_numbers()
  if not non_working_day_numbers then
    non_working_day_numbers = {}
    for date in pairs(M.non_working_days) do non_working_day_numbers[day_number(date)] = true end
  end
  return non_working_day_numbers
end

local function is_weekday_number(day) return (day + 3) % 7 < 5 end -- day 0 was a Thursday

local function is_working_day_number(day)
  return is_weekday_number(day) and not non_working_numbers()[day]
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

-- Like add_working_days, keeping the time of day of `datetime`.
function M.add_working_days_at(datetime, n)
  return M.add_working_days(datetime, n) .. datetime:sub(11)
end

-- Working days after `from` up to and including `to` (negative when `to` is earlier): the
-- weekdays in between, less the non-working days among them.
function M.working_days_between(from, to)
  local a, b, sign = day_number(from), day_number(to), 1
  if b < a then a, b, sign = b, a, -1 end
  local count = weekdays_before(b + 1) - weekdays_before(a + 1)
  for day in pairs(non_working_numbers()) do
    if day > a and day <= b and is_weekday_number(day) then count = count - 1 end
  end
  return sign * count
end

return M
