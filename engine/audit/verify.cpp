#include <commsflow/error.h>
#include <commsflow/sha256.h>
#include <commsflow/verify.h>

#include <map>

namespace commsflow {

namespace {

std::string ref_of(std::string_view body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("ref") && j["ref"].is_string())
    return j["ref"].get<std::string>();
  return "(unreadable)";
}

void compare(const Item& stored, const Item& replayed, std::vector<VerifyProblem>& problems) {
  auto differs = [&](const char* what, const std::string& has, const std::string& expected) {
    problems.push_back(VerifyProblem{0, stored.ref,
                                     fmt::format("item {}: stored {} is {} but its events give {}",
                                                 stored.ref, what, has, expected)});
  };
  if (stored.state != replayed.state) differs("state", stored.state, replayed.state);
  if (stored.revision != replayed.revision) {
    differs("revision", std::to_string(stored.revision), std::to_string(replayed.revision));
  }
  if (stored.parent != replayed.parent) {
    differs("parent", stored.parent.empty() ? "(none)" : stored.parent,
            replayed.parent.empty() ? "(none)" : replayed.parent);
  }
  if (stored.version != replayed.version) differs("version", stored.version, replayed.version);
  if (stored.created_at != replayed.created_at) {
    differs("created_at", stored.created_at, replayed.created_at);
  }
  if (stored.updated_at != replayed.updated_at) {
    differs("updated_at", stored.updated_at, replayed.updated_at);
  }
  if (stored.data != replayed.data) {
    const Json changed = diff_changes(replayed.data, stored.data);
    for (const auto& [key, value] : changed.items()) {
      std::string expected = replayed.data.contains(key) ? replayed.data[key].dump() : "(unset)";
      differs(fmt::format("data.{}", key).c_str(), value.is_null() ? "(unset)" : value.dump(),
              expected);
    }
  }
}

}  // namespace

Item replay(const std::vector<Event>& events) {
  Item item;
  for (const auto& e : events) {
    if (item.revision == 0) {
      item.created_at = e.at;
      item.parent = e.parent;
    }
    item.state = e.to_state;
    item.version = e.version;
    apply_changes(item.data, e.changes);
    item.revision += 1;
    item.updated_at = e.at;
  }
  return item;
}

VerifyReport verify(Store& store) {
  VerifyReport report;
  auto tx = store.begin_read();

  std::string prev = genesis_hash();
  std::int64_t expected_seq = 1;
  Sha256 hasher;
  Digest prev_digest{};
  std::map<std::string, std::vector<Event>> by_ref;
  store.for_each_event([&](std::int64_t seq, std::string_view body, std::string_view hash) {
    ++report.events;
    if (seq != expected_seq) {
      report.problems.push_back(VerifyProblem{
          seq, ref_of(body),
          seq > expected_seq ? fmt::format("events {} to {} are missing (the sequence jumps to {})",
                                           expected_seq, seq - 1, seq)
                             : fmt::format("event {} is out of order", seq)});
    }
    expected_seq = seq + 1;
    std::string actual = to_hex(hasher.begin().add(prev_digest).add(body).finish());
    if (actual != hash) {
      report.problems.push_back(VerifyProblem{
          seq, ref_of(body),
          fmt::format("event {} ({}) does not match its hash: it was changed after it was written",
                      seq, ref_of(body))});
    }
    if (!from_hex(hash, prev_digest)) {
      report.problems.push_back(
          VerifyProblem{seq, ref_of(body), fmt::format("event {} has a malformed hash", seq)});
      prev_digest = Digest{};
    }
    prev = std::string(hash);
    try {
      Event e = Event::from_body(seq, body);
      by_ref[e.ref].push_back(std::move(e));
    } catch (const Error& e) {
      report.problems.push_back(VerifyProblem{seq, "(unreadable)", e.what()});
    }
    report.head_seq = seq;
  });
  report.head_hash = prev;

  verify_documents(store, by_ref, report.problems);
  for (const Item& stored : store.items(ItemFilter{})) {
    ++report.items;
    auto it = by_ref.find(stored.ref);
    if (it == by_ref.end()) {
      report.problems.push_back(
          VerifyProblem{0, stored.ref, fmt::format("item {} has no events", stored.ref)});
      continue;
    }
    compare(stored, replay(it->second), report.problems);
    by_ref.erase(it);
  }
  for (const auto& [ref, events] : by_ref) {
    report.problems.push_back(VerifyProblem{
        events.front().seq, ref, fmt::format("events for {} exist but the item does not", ref)});
  }
  return report;
}

}  // namespace commsflow
