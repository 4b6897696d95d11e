// simdjson On-Demand is used because parsing each body into an nlohmann document was most of
// verify's cost. On-Demand checks only what is read, so every value is read here (validate)
// and nothing is skipped unchecked.
#include "audit/event_scan.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace commsflow {

namespace od = simdjson::ondemand;

namespace {

// Bodies the shortcut leaves to Event::from_body: raw control characters (never in a body the
// engine wrote) and \u escapes (whose edge cases, such as lone surrogates, the two parsers might
// judge differently).
bool has_unhandled_bytes(std::string_view body) {
  // Without an early exit, so that the compiler can vectorise it.
  unsigned char lowest = 0xff;
  for (char c : body) lowest = std::min(lowest, static_cast<unsigned char>(c));
  if (lowest < 0x20) return true;
  for (auto at = body.find('\\'); at != std::string_view::npos; at = body.find('\\', at + 2)) {
    if (at + 1 < body.size() && body[at + 1] == 'u') return true;
  }
  return false;
}

// Reads every part of `v` so that On-Demand checks all of it; false if any of it is not JSON
// or is a number nlohmann would read differently (too large for 64 bits).
bool validate(od::value v) {
  od::json_type type;
  if (v.type().get(type)) return false;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (v.get_object().get(object)) return false;
      for (auto field : object) {
        std::string_view key;
        od::value value;
        if (field.unescaped_key().get(key) || field.value().get(value) || !validate(value)) {
          return false;
        }
      }
      return true;
    }
    case od::json_type::array: {
      od::array array;
      if (v.get_array().get(array)) return false;
      for (auto element : array) {
        od::value value;
        if (element.get(value) || !validate(value)) return false;
      }
      return true;
    }
    case od::json_type::string: {
      std::string_view text;
      return !v.get_string().get(text);
    }
    case od::json_type::number: {
      od::number number;
      return !v.get_number().get(number);
    }
    case od::json_type::boolean: {
      bool flag;
      return !v.get_bool().get(flag);
    }
    case od::json_type::null: {
      bool null = false;
      return !v.is_null().get(null) && null;
    }
  }
  return false;
}

bool read_string(od::value v, std::string_view& out) {
  return !v.get_string().get(out);
}

}  // namespace

struct EventScanner::Impl {
  od::parser parser;
  std::vector<char> buffer;  // the body followed by the padding simdjson reads ahead into

  bool read_changes(od::value v, std::vector<ScannedChange>& out) {
    out.clear();
    od::object object;
    if (v.get_object().get(object)) return false;
    for (auto field : object) {
      ScannedChange change;
      od::value value;
      if (field.unescaped_key().get(change.key) || field.value().get(value)) return false;
      od::json_type type;
      if (value.type().get(type)) return false;
      if (type == od::json_type::null) {
        bool null = false;
        if (value.is_null().get(null) || !null) return false;
        change.removed = true;
      } else {
        // A scalar is its token (up to the next ',' or '}'); an object or array ends where the
        // iterator stands once every part of it has been read.
        const std::string_view token = value.raw_json_token();
        const char* start = token.data();
        const char* end = token.data() + token.size();
        const bool scalar = type != od::json_type::object && type != od::json_type::array;
        if (!validate(value) || (!scalar && !location(end))) return false;
        while (end > start &&
               (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) {
          --end;
        }
        change.raw = std::string_view(start, static_cast<std::size_t>(end - start));
      }
      out.push_back(change);
    }
    return true;
  }

  od::document document;
  // Where the iterator stands in the body; false at the end of the input.
  bool location(const char*& out) {
    return document.current_location().get(out) == simdjson::SUCCESS;
  }
};

EventScanner::EventScanner() : impl_(std::make_unique<Impl>()) {}
EventScanner::~EventScanner() = default;

bool EventScanner::scan(std::string_view body, ScannedEvent& out) {
  if (has_unhandled_bytes(body)) return false;
  auto& buffer = impl_->buffer;
  if (buffer.size() < body.size() + simdjson::SIMDJSON_PADDING) {
    buffer.resize(body.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(buffer.data(), body.data(), body.size());
  simdjson::padded_string_view padded(buffer.data(), body.size(), buffer.size());
  if (impl_->parser.iterate(padded).get(impl_->document)) return false;
  od::object object;
  if (impl_->document.get_object().get(object)) return false;

  out = ScannedEvent{{}, {}, {}, {}, {}, {}, {}, {}, std::move(out.changes)};
  // Which of the fields Event::from_body requires were present.
  bool seq = false, ref = false, action = false, actor = false, at = false, from = false,
       to = false, version = false, payload = false, changes = false;
  for (auto result : object) {
    od::field field;
    if (std::move(result).get(field)) return false;
    // Known names are compared with the key as written, which costs no copy; any other key is
    // unescaped, so that a bad escape in it is still caught.
    const od::raw_json_string key = field.key();
    od::value& value = field.value();
    std::string_view unused;
    bool ok = false;
    if (key.unsafe_is_equal("seq")) {
      ok = !value.get_int64().get(out.seq) && (seq = true);
    } else if (key.unsafe_is_equal("ref")) {
      ok = read_string(value, out.ref) && (ref = true);
    } else if (key.unsafe_is_equal("action")) {
      ok = read_string(value, out.action) && (action = true);
    } else if (key.unsafe_is_equal("actor")) {
      ok = read_string(value, out.actor) && (actor = true);
    } else if (key.unsafe_is_equal("at")) {
      ok = read_string(value, out.at) && (at = true);
    } else if (key.unsafe_is_equal("from")) {
      ok = read_string(value, unused) && (from = true);
    } else if (key.unsafe_is_equal("to")) {
      ok = read_string(value, out.to_state) && (to = true);
    } else if (key.unsafe_is_equal("version")) {
      ok = read_string(value, out.version) && (version = true);
    } else if (key.unsafe_is_equal("parent")) {
      ok = read_string(value, out.parent);
    } else if (key.unsafe_is_equal("note") || key.unsafe_is_equal("on_behalf_of")) {
      ok = read_string(value, unused);
    } else if (key.unsafe_is_equal("changes")) {
      ok = impl_->read_changes(value, out.changes) && (changes = true);
    } else if (key.unsafe_is_equal("payload")) {
      od::json_type type;
      ok = !value.type().get(type) && type == od::json_type::object && validate(value) &&
           (payload = true);
    } else {
      // A field replay does not use, but it must still be JSON.
      ok = !field.unescaped_key().get(unused) && validate(value);
    }
    if (!ok) return false;
  }
  // Nothing may follow the object: current_location() fails only at the end of the input.
  const char* trailing = nullptr;
  return !impl_->location(trailing) && seq && ref && action && actor && at && from && to &&
         version && payload && changes;
}

}  // namespace commsflow
