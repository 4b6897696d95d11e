// Fuzz target: `--set field=value` text coerced to a field's type. The first byte picks the
// field, the rest is the value as typed. Coercion either yields a value or a reason, and a
// coerced value coerces again to itself.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fields.h"
#include "workflow/field_values.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto fields = commsflow::fuzz::every_field_type();
  if (size == 0) return 0;
  const auto& spec = fields[data[0] % fields.size()];
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string error;
  commsflow::Json value = commsflow::coerce_value(spec, commsflow::Json(text), error);
  if (value.is_null()) {
    if (error.empty()) std::abort();  // a refusal must say why
    return 0;
  }
  std::string again_error;
  commsflow::Json again = commsflow::coerce_value(spec, value, again_error);
  if (again != value) std::abort();
  return 0;
}
