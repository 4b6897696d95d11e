// Helpers the figures share that need engine types: import rows from CSV text, and the fixed
// clock every benchmark database is written with (so runs are reproducible).
#pragma once

#include <commsflow/clock.h>
#include <commsflow/engine.h>

#include <string>
#include <vector>

namespace commsflow::bench {

// The rows of a CSV with a header, as `commsflow import` builds them (empty values left out).
std::vector<ImportRow> import_rows(const std::string& csv);

const FixedClock& bench_clock();

}  // namespace commsflow::bench
