// Writing behind (Store::write_behind): an import's rows written on a thread of their own. They
// must be the rows writing at once makes, visible to the next use of the store, and a failure
// among them must fail the import and leave nothing.
#include "store/sqlite/write_behind.h"

#include <commsflow/error.h>
#include <commsflow/import.h>
#include <commsflow/verify.h>
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "support.h"

using namespace commsflow;
using commsflow::test::Fixture;

namespace {

std::vector<ImportRow> review_rows(int count) {
  std::vector<ImportRow> rows;
  for (int i = 0; i < count; ++i) {
    rows.push_back({i + 2, Json{{"title", fmt::format("Draft {}", i + 1)}}});
  }
  return rows;
}

}  // namespace

TEST_CASE("writes behind run in order - the first failure is kept and stops the rest") {
  std::vector<int> ran;
  {
    store::WriteBehind behind;
    for (int i = 0; i < 200; ++i) behind.queue([&ran, i] { ran.push_back(i); });
    CHECK_FALSE(behind.settle());
    REQUIRE(ran.size() == 200);
    CHECK(std::is_sorted(ran.begin(), ran.end()));

    behind.queue([] { throw Error(ErrorKind::Storage, "disk on fire"); });
    behind.queue([&ran] { ran.push_back(-1); });
    auto failed = behind.settle();
    REQUIRE(failed);
    CHECK_THROWS_WITH(std::rethrow_exception(failed), "disk on fire");
    CHECK_THROWS_WITH(behind.queue([&ran] { ran.push_back(-2); }), "disk on fire");
  }
  CHECK(ran.size() == 200);  // nothing after the failure ran
}

TEST_CASE("an import written behind makes the rows writing at once makes, ids and chain included",
          "[sqlite]") {
  Fixture behind_it, at_once;
  const auto rows = review_rows(300);  // several of the writer's batches
  auto refs = import_items(*behind_it.engine, "review", "olivia", rows);
  REQUIRE(refs.size() == rows.size());
  for (const auto& row : rows) {
    REQUIRE(at_once.engine->submit("review", "olivia", row.fields).ok());
  }
  auto a = behind_it.engine->items({});
  auto b = at_once.engine->items({});
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].ref);
    CHECK(a[i].id == b[i].id);
    CHECK(a[i].to_json() == b[i].to_json());
  }
  CHECK(behind_it.store->last_event()->seq == at_once.store->last_event()->seq);
  CHECK(behind_it.store->last_event()->hash == at_once.store->last_event()->hash);
  CHECK(verify(*behind_it.store).ok());
  // The counter was written too: the next item takes the next number.
  CHECK(behind_it.submit().ref == "REV-2026-0301");
}

TEST_CASE("a read during an import written behind sees every row queued before it", "[sqlite]") {
  Fixture f;
  const auto rows = review_rows(150);
  std::vector<std::string> missing;
  import_items(*f.engine, "review", "olivia", rows, [&](size_t done, double) {
    const std::string ref = fmt::format("REV-2026-{:04}", done);
    auto item = f.store->item(ref);
    if (!item || item->data.value("title", "") != fmt::format("Draft {}", done)) {
      missing.push_back(ref);
    }
  });
  CHECK(missing.empty());
  CHECK(f.engine->items({}).size() == rows.size());
}

TEST_CASE("a write behind that fails fails the import, leaves nothing and the store usable",
          "[sqlite]") {
  Fixture f;
  const Item existing = f.submit("Already here");  // REV-2026-0001
  const auto head = f.store->chain_head();
  // A counter set back: the import's first row is numbered as the existing item, and only the
  // writer's insert finds the clash.
  test::raw_sql(f.db, "UPDATE ref_counters SET last = 0");
  CHECK_THROWS_WITH(import_items(*f.engine, "review", "olivia", review_rows(100)),
                    Catch::Contains("UNIQUE constraint failed: items.ref"));
  auto items = f.engine->items({});
  REQUIRE(items.size() == 1);
  CHECK(items[0].ref == existing.ref);
  CHECK(f.store->chain_head()->seq == head->seq);
  CHECK(f.store->chain_head()->hash == head->hash);
  CHECK(verify(*f.store).ok());

  test::raw_sql(f.db, "UPDATE ref_counters SET last = 1");
  auto refs = import_items(*f.engine, "review", "olivia", review_rows(2));
  CHECK(refs == std::vector<std::string>{"REV-2026-0002", "REV-2026-0003"});
}
