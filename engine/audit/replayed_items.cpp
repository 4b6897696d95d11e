#include "audit/replayed_items.h"

#include <algorithm>
#include <cstring>

namespace commsflow {

namespace {

// Lengths and name ids as LEB128 varints: most take one byte.
void put_number(std::string& out, std::uint64_t n) {
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
}

void put(std::string& out, std::string_view bytes) {
  put_number(out, bytes.size());
  out.append(bytes);
}

std::uint64_t next_number(std::string_view packed, std::size_t& at) {
  std::uint64_t n = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(packed[at++]);
    n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return n;
  }
}

// Reads the next length-prefixed part of `packed` at `at`, moving `at` past it.
std::string_view next(std::string_view packed, std::size_t& at) {
  const auto size = static_cast<std::size_t>(next_number(packed, at));
  std::string_view bytes = packed.substr(at, size);
  at += size;
  return bytes;
}

std::uint32_t next_id(std::string_view packed, std::size_t& at) {
  return static_cast<std::uint32_t>(next_number(packed, at));
}

struct Unpacked {
  std::string_view created_at, updated_at, parent;
  std::size_t data_at = 0;  // where the data entries start
};

Unpacked unpack(std::string_view packed) {
  Unpacked u;
  if (packed.empty()) return u;
  std::size_t at = 0;
  u.created_at = next(packed, at);
  u.updated_at = next(packed, at);
  u.parent = next(packed, at);
  u.data_at = at;
  return u;
}

// A data key as Json::dump() writes it, quotes included.
void append_key(std::string& out, std::string_view key) {
  const bool plain = std::none_of(key.begin(), key.end(), [](char c) {
    return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
  });
  if (plain) {
    out += '"';
    out += key;
    out += '"';
  } else {
    out += Json(std::string(key)).dump();
  }
}

}  // namespace

ReplayedItems::Compact& ReplayedItems::item_for(std::int64_t seq, std::string_view ref) {
  auto it = items_.find(ref);
  if (it == items_.end()) it = items_.emplace(std::string(ref), Compact{seq, 0, 0, 0, {}}).first;
  return it->second;
}

std::uint32_t ReplayedItems::name_id(std::string_view name) {
  auto it = name_ids_.find(name);
  if (it != name_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  name_ids_.emplace(std::string(name), id);
  return id;
}

void ReplayedItems::apply(std::int64_t seq, const ScannedEvent& e) {
  changes_.clear();
  for (const auto& c : e.changes) changes_.push_back(Change{c.key, c.removed ? "" : c.raw});
  advance(item_for(seq, e.ref), e.at, e.parent, e.to_state, e.version, changes_);
}

void ReplayedItems::apply(std::int64_t seq, const Event& e) {
  changes_.clear();
  dumped_.clear();
  dumped_.reserve(e.changes.size());  // the views below point into it: no reallocation
  for (const auto& [key, value] : e.changes.items()) {
    if (value.is_null()) {
      changes_.push_back(Change{key, ""});
    } else {
      dumped_.push_back(value.dump());
      changes_.push_back(Change{key, dumped_.back()});
    }
  }
  advance(item_for(seq, e.ref), e.at, e.parent, e.to_state, e.version, changes_);
}

void ReplayedItems::advance(Compact& item, std::string_view at, std::string_view parent,
                            std::string_view to_state, std::string_view version,
                            const std::vector<Change>& changes) {
  const Unpacked old = unpack(item.packed);
  entries_.clear();
  for (std::size_t pos = old.data_at; pos < item.packed.size();) {
    const std::uint32_t key_id = next_id(item.packed, pos);
    entries_.push_back(Change{names_[key_id], next(item.packed, pos), key_id});
  }
  for (const auto& c : changes) {
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Change& entry) { return entry.key == c.key; });
    if (c.raw.empty()) {
      if (it != entries_.end()) entries_.erase(it);
    } else if (it != entries_.end()) {
      it->raw = c.raw;
    } else {
      entries_.push_back(Change{c.key, c.raw, name_id(c.key)});
    }
  }
  // The order of nlohmann's object: std::map<std::string> ordering, as string_view compares.
  std::sort(entries_.begin(), entries_.end(),
            [](const Change& a, const Change& b) { return a.key < b.key; });

  const bool first = item.revision == 0;
  scratch_.clear();
  put(scratch_, first ? at : old.created_at);
  put(scratch_, at);
  put(scratch_, first ? parent : old.parent);
  for (const auto& entry : entries_) {
    put_number(scratch_, entry.key_id);
    put(scratch_, entry.raw);
  }
  // An exact allocation when it grows: doubling capacity, as assign() would, costs a quarter
  // of a million items more memory than their data.
  if (item.packed.capacity() < scratch_.size()) {
    item.packed = std::string(scratch_);
  } else {
    item.packed.assign(scratch_);
  }
  // Most events keep the item's definition version, and many its state: no lookup then.
  const bool known = item.revision > 0;
  if (!known || names_[item.state] != to_state) item.state = name_id(to_state);
  if (!known || names_[item.version] != version) item.version = name_id(version);
  item.revision += 1;
}

const ReplayedItems::Compact* ReplayedItems::take(std::string_view ref) {
  auto it = items_.find(ref);
  if (it == items_.end() || it->second.taken) return nullptr;
  it->second.taken = true;
  ++taken_;
  return &it->second;
}

bool ReplayedItems::matches(const Compact& item, const ItemRowView& row) {
  const Unpacked u = unpack(item.packed);
  if (row.revision != item.revision || row.state != names_[item.state] ||
      row.version != names_[item.version] || row.created_at != u.created_at ||
      row.updated_at != u.updated_at || row.parent != u.parent) {
    return false;
  }
  canonical_.assign("{");
  for (std::size_t pos = u.data_at; pos < item.packed.size();) {
    if (canonical_.size() > 1) canonical_ += ',';
    append_key(canonical_, names_[next_id(item.packed, pos)]);
    canonical_ += ':';
    canonical_ += next(item.packed, pos);
  }
  canonical_ += '}';
  return row.data == canonical_;
}

Item ReplayedItems::item(std::string_view ref, const Compact& compact) const {
  const Unpacked u = unpack(compact.packed);
  Item item;
  item.ref = ref;
  item.state = names_[compact.state];
  item.version = names_[compact.version];
  item.revision = compact.revision;
  item.created_at = u.created_at;
  item.updated_at = u.updated_at;
  item.parent = u.parent;
  for (std::size_t pos = u.data_at; pos < compact.packed.size();) {
    const std::string& key = names_[next_id(compact.packed, pos)];
    item.data[key] = Json::parse(next(compact.packed, pos));
  }
  return item;
}

std::vector<std::pair<std::int64_t, std::string>> ReplayedItems::remaining() const {
  std::vector<std::pair<std::int64_t, std::string>> out;
  if (taken_ == items_.size()) return out;
  for (const auto& [ref, compact] : items_) {
    if (!compact.taken) out.emplace_back(compact.first_seq, ref);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  return out;
}

}  // namespace commsflow
