// Fuzz target: a JSON payload (`--data`, or inputs given to the Engine): parsing and validating
// against fields of every type, as a new item (all required) and as an update.
#include <commsflow/json.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fields.h"
#include "workflow/field_values.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto fields = commsflow::fuzz::every_field_type();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  commsflow::Json parsed = commsflow::Json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return 0;
  commsflow::Json as_new = parsed;
  commsflow::validate_data(fields, as_new, true);
  commsflow::validate_data(fields, parsed, false);
  // What was accepted must print and read back (it is what the store keeps).
  if (commsflow::Json::parse(parsed.dump()) != parsed) std::abort();
  return 0;
}
