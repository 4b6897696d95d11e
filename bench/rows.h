// Helpers the figures share that need engine types: importing a CSV file, and the fixed
// clock every benchmark database is written with (so runs are reproducible).
#pragma once

#include <commsflow/clock.h>
#include <commsflow/engine.h>

#include <filesystem>
#include <string>
#include <vector>

namespace commsflow::bench {

// Imports a comms request CSV file as tom.triage, streaming it as `commsflow import` does.
// Returns the new references.
std::vector<std::string> import_csv_file(Engine& engine, const std::filesystem::path& csv);

const FixedClock& bench_clock();

}  // namespace commsflow::bench
