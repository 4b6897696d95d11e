// Fuzz target: a workflow file's Lua source loaded in the sandbox with small instruction and
// memory limits. A bad file must come back as problems, never a crash or an escaping exception.
#include <commsflow/clock.h>
#include <commsflow/workflow_loader.h>

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const commsflow::FixedClock clock(*commsflow::parse_datetime("2026-03-02T09:00:00Z"));
  commsflow::ScriptSource source;
  source.path = "fuzz.lua";
  source.text.assign(reinterpret_cast<const char*>(data), size);
  commsflow::ScriptLimits limits;
  limits.instructions = 200'000;
  limits.memory_bytes = 8u << 20;
  auto loaded = commsflow::load_workflow(source, "fuzz-1", limits, clock);
  if (!loaded.ok() && loaded.problems.front().message.empty()) std::abort();
  return 0;
}
