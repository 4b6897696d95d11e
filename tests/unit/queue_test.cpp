// The queue: which items it holds, their order, filters and paging, checked against a model that
// holds every item whole and sorts it, as the queue was first defined.
#include <commsflow/queue.h>
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <numeric>
#include <random>
#include <tuple>

#include "support.h"

using namespace commsflow;
using commsflow::test::Fixture;

namespace {

Item stored_item(Fixture& f, const std::string& ref, const std::string& state, Json data,
                 const std::string& version = "") {
  Item item;
  item.ref = ref;
  item.workflow = "review";
  item.version = version.empty() ? *f.store->current_version("review") : version;
  item.state = state;
  item.data = std::move(data);
  item.revision = 1;
  item.created_at = item.updated_at = "2026-03-02T09:00:00Z";
  f.store->insert_item(item);
  return item;
}

// `text` with the first `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The review workflow with a triage-like queue: red, amber, green; paused last; soonest due.
std::string queued_review_workflow() {
  std::string source = test::kReviewWorkflow;
  source = replaced(source, "    approved_by = wf.text {},",
                    R"(    approved_by = wf.text {},
    rating = wf.text {},
    due_at = wf.text {},
    late = wf.boolean {},)");
  source = replaced(source, "  initial = \"draft\",", R"(  queue = {
    tier = "rating",
    tiers = {
      { value = "red", label = "Red", colour = "red" },
      { value = "amber", colour = "orange" },
      { value = "green", colour = "green" },
    },
    hold = { "paused" },
    due = "due_at",
    late = "late",
    sort = { "hold", "tier", "due_at" },
  },
  initial = "draft",)");
  source = replaced(source, "    approved = { final = true },", R"(    approved = { final = true },
    paused = { actions = { resume = { to = "draft", roles = { "comms_officer" } } } },)");
  source = replaced(source, "        edit = {",
                    "        pause = { to = \"paused\", roles = { \"comms_officer\" } },\n"
                    "        edit = {");
  return source;
}

// A field's value as the queue orders it: numbers by value, text by its characters, then none.
std::tuple<int, double, std::string> value_key(const Item& i, const char* field) {
  auto it = i.data.find(field);
  if (it == i.data.end() || !(it->is_string() || it->is_number())) return {1, 0, ""};
  if (it->is_number()) return {0, it->get<double>(), ""};
  return {0, 0, it->get<std::string>()};
}

// The queue as a list of every item, filtered and sorted whole.
std::vector<std::string> model_queue(Fixture& f, const QueueQuery& q, std::int64_t* total) {
  std::vector<Item> items = f.store->items(ItemFilter{q.workflow, "", -1});
  std::erase_if(items, [&](const Item& i) {
    if (f.registry->version(i.version).definition.is_final(i.state)) return true;
    auto rating = i.data.find("rating");
    if (!q.tier.empty() && !(rating != i.data.end() && rating->is_string() && *rating == q.tier))
      return true;
    auto late = i.data.find("late");
    return q.late_only && !(late != i.data.end() && late->is_boolean() && late->get<bool>());
  });
  auto rank = [](const Item& i) {
    auto it = i.data.find("rating");
    if (it == i.data.end() || !it->is_string()) return 3;
    return *it == "red" ? 0 : *it == "amber" ? 1 : *it == "green" ? 2 : 3;
  };
  auto due = [](const Item& i) { return value_key(i, "due_at"); };
  std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    return std::make_tuple(a.state == "paused", rank(a), due(a), a.id) <
           std::make_tuple(b.state == "paused", rank(b), due(b), b.id);
  });
  if (q.order == QueueOrder::Due) {
    std::stable_sort(items.begin(), items.end(),
                     [&](const Item& a, const Item& b) { return due(a) < due(b); });
  } else if (q.order == QueueOrder::Reference) {
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.ref < b.ref; });
  }
  *total = static_cast<std::int64_t>(items.size());
  std::vector<std::string> refs;
  for (std::int64_t i = q.offset; i < *total && (q.limit < 0 || i < q.offset + q.limit); ++i) {
    refs.push_back(items[static_cast<size_t>(i)].ref);
  }
  return refs;
}

QueueQuery query(std::string tier, bool late_only, QueueOrder order, std::int64_t offset,
                 std::int64_t limit) {
  QueueQuery q("review");
  q.tier = std::move(tier);
  q.late_only = late_only;
  q.order = order;
  q.offset = offset;
  q.limit = limit;
  return q;
}

std::vector<std::string> queue_refs(Fixture& f, const QueueQuery& q, std::int64_t* total) {
  std::vector<std::string> refs;
  *total = for_each_in_queue(*f.engine, q, [&](const Item& item) { refs.push_back(item.ref); });
  return refs;
}

}  // namespace

TEST_CASE("the queue orders and filters as the model does, ties included") {
  Fixture f(queued_review_workflow());
  std::mt19937 random(2026);
  auto pick = [&](const std::vector<Json>& choices) {
    return choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(random)];
  };
  const std::vector<Json> states = {"draft", "review", "approved", "paused"};
  // Few distinct values, so that many items tie on rating and due time; a rating that is not a
  // tier sorts after the tiers, a due time that is neither text nor a number as none.
  const std::vector<Json> ratings = {nullptr, "red", "amber", "green", "purple", 7, true, "Red"};
  const std::vector<Json> dues = {nullptr,
                                  "2026-03-01T09:00:00Z",
                                  "2026-03-02T09:00:00Z",
                                  "2026-03-02T09:00:00Z",
                                  "",
                                  "~",
                                  "~~",
                                  5,
                                  Json::object()};
  const std::vector<Json> lates = {nullptr, true, false, "yes"};
  std::vector<int> numbers(300);
  std::iota(numbers.begin(), numbers.end(), 1);
  std::shuffle(numbers.begin(), numbers.end(), random);  // reference order is not id order
  for (int n : numbers) {
    Json data{{"title", "t"}};
    const std::pair<const char*, const std::vector<Json>*> fields[] = {
        {"rating", &ratings}, {"due_at", &dues}, {"late", &lates}};
    for (const auto& [key, choices] : fields) {
      Json value = pick(*choices);
      if (!value.is_null() || random() % 4 == 0) data[key] = value;  // else absent
    }
    stored_item(f, fmt::format("REV-2026-{:04}", n), pick(states).get<std::string>(), data);
  }

  for (auto order : {QueueOrder::Workflow, QueueOrder::Due, QueueOrder::Reference}) {
    for (const std::string rating : {"", "red", "purple", "none"}) {
      for (bool late_only : {false, true}) {
        for (auto [offset, limit] : {std::pair<std::int64_t, std::int64_t>{0, -1},
                                     {0, 1},
                                     {0, 50},
                                     {17, 25},
                                     {180, 100},
                                     {1000, 10}}) {
          QueueQuery q = query(rating, late_only, order, offset, limit);
          CAPTURE(static_cast<int>(order), rating, late_only, offset, limit);
          std::int64_t expected_total = 0, total = 0;
          auto expected = model_queue(f, q, &expected_total);
          CHECK(queue_refs(f, q, &total) == expected);
          CHECK(total == expected_total);
        }
      }
    }
  }
  std::int64_t total = 0;
  QueueQuery all("review");
  auto refs = queue_refs(f, all, &total);
  CHECK(total > 100);  // the data above leaves a real queue to order
  CHECK(queue_page(*f.engine, all).items.size() == refs.size());
}

TEST_CASE("the queue leaves out items in a final state of their own version") {
  Fixture f;
  std::string v1 = *f.store->current_version("review");
  std::string source = test::kReviewWorkflow;
  source.replace(source.find("approved = { final = true },"), 28,
                 "approved = { final = true },\n    archived = { final = true },");
  source.replace(source.find("edit = {"), 8,
                 R"(archive = { to = "archived", roles = { "comms_officer" } },
        edit = {)");
  f.dir.write("workflows/review.lua", source);
  REQUIRE(f.registry->sync().empty());
  std::string v2 = *f.store->current_version("review");
  REQUIRE(v1 != v2);

  stored_item(f, "REV-2026-0001", "archived", Json::object(), v1);  // not final in v1: open
  stored_item(f, "REV-2026-0002", "archived", Json::object(), v2);  // final in v2
  stored_item(f, "REV-2026-0003", "approved", Json::object(), v1);
  stored_item(f, "REV-2026-0004", "approved", Json::object(), v2);
  stored_item(f, "REV-2026-0005", "draft", Json::object(), v2);
  QueuePage page = queue_page(*f.engine, QueueQuery("review"));
  std::vector<std::string> refs;
  for (const auto& item : page.items) refs.push_back(item.ref);
  CHECK(refs == std::vector<std::string>{"REV-2026-0001", "REV-2026-0005"});
  CHECK(page.total == 2);
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0].version == v1);  // items are read whole, as stored
  CHECK(page.items[1].data == Json::object());
}

TEST_CASE("queue paging: past the end is empty with the total - bad bounds are bad input") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.submit(fmt::format("Item {}", i));
  QueuePage page = queue_page(*f.engine, query("", false, QueueOrder::Workflow, 3, 10));
  CHECK(page.total == 5);
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0].ref == "REV-2026-0004");
  page = queue_page(*f.engine, query("", false, QueueOrder::Workflow, 5, 10));
  CHECK(page.total == 5);
  CHECK(page.items.empty());
  page = queue_page(*f.engine, query("", false, QueueOrder::Workflow, 1,
                                     std::numeric_limits<std::int64_t>::max()));
  CHECK(page.items.size() == 4);
  page = queue_page(*f.engine, query("", false, QueueOrder::Workflow, 0, 0));
  CHECK(page.total == 5);
  CHECK(page.items.empty());

  auto bad = [&](std::int64_t offset, std::int64_t limit, const char* field) {
    try {
      queue_page(*f.engine, query("", false, QueueOrder::Workflow, offset, limit));
      FAIL("accepted offset " << offset << " limit " << limit);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::BadInput);
      CHECK_THAT(e.what(), Catch::StartsWith(field));
    }
  };
  bad(-1, 10, "offset");
  bad(0, -2, "limit");
}

TEST_CASE("an empty queue visits nothing and counts none") {
  Fixture f;
  int visits = 0;
  CHECK(for_each_in_queue(*f.engine, QueueQuery("review"), [&](const Item&) { ++visits; }) == 0);
  Item item = f.submit();
  f.act(item.ref, "send", "olivia", Json{{"body", "text"}});
  f.act(item.ref, "approve", "hannah");  // final: not in the queue
  CHECK(for_each_in_queue(*f.engine, QueueQuery("review"), [&](const Item&) { ++visits; }) == 0);
  // None of that name: an empty queue (the web's default workflow may not be there at all).
  CHECK(for_each_in_queue(*f.engine, QueueQuery("no_such_workflow"),
                          [&](const Item&) { ++visits; }) == 0);
  CHECK(visits == 0);
}

TEST_CASE("a workflow's queue declares its tiers and what else it sorts by") {
  // A tier added in Lua, first; then the number of words, fewest first; submission order last.
  std::string source = test::kReviewWorkflow;
  source = replaced(source, "  initial = \"draft\",", R"(  queue = {
    tier = "priority",
    tiers = {
      { value = "high", label = "Ministerial", colour = "purple" },
      { value = "low", label = "Routine", colour = "grey" },
    },
    sort = { "tier", "words" },
  },
  initial = "draft",)");
  Fixture f(source);
  const QueueSpec& spec = f.registry->current("review").definition.queue;
  REQUIRE(spec.tiers.size() == 2);
  CHECK(spec.tier("high")->label == "Ministerial");
  CHECK(spec.tier("high")->colour == "purple");
  CHECK(spec.tier("medium") == nullptr);

  stored_item(f, "REV-2026-0001", "draft", Json{{"priority", "low"}, {"words", 10}});
  stored_item(f, "REV-2026-0002", "draft", Json{{"priority", "high"}, {"words", 900}});
  stored_item(f, "REV-2026-0003", "draft", Json{{"priority", "high"}, {"words", 80}});
  stored_item(f, "REV-2026-0004", "review", Json{{"priority", "low"}});  // no words: last
  stored_item(f, "REV-2026-0005", "draft", Json{{"priority", "low"}, {"words", 9}});
  std::int64_t total = 0;
  CHECK(queue_refs(f, QueueQuery("review"), &total) ==
        std::vector<std::string>{"REV-2026-0003", "REV-2026-0002", "REV-2026-0005", "REV-2026-0001",
                                 "REV-2026-0004"});
  CHECK(queue_refs(f, query("high", false, QueueOrder::Workflow, 0, -1), &total) ==
        std::vector<std::string>{"REV-2026-0003", "REV-2026-0002"});
  // No due field: ordering by due time is the workflow's order.
  CHECK(queue_refs(f, query("", false, QueueOrder::Due, 0, 2), &total) ==
        std::vector<std::string>{"REV-2026-0003", "REV-2026-0002"});
}
