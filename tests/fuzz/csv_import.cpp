// Fuzz target: a CSV file given to `commsflow import`: parsing, mapping records to rows under
// the header, and validating each row's fields. Bad input must end in Error(BadInput) or field
// problems, never a crash or another kind of error.
#include <commsflow/error.h>
#include <commsflow/import_rows.h>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fields.h"
#include "workflow/field_values.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto fields = commsflow::fuzz::every_field_type();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    for (auto& row : commsflow::import_rows_from_csv(text, "fuzz.csv")) {
      if (row.line < 1) std::abort();
      commsflow::validate_data(fields, row.fields, true);
    }
  } catch (const commsflow::Error& e) {
    if (e.kind() != commsflow::ErrorKind::BadInput) std::abort();
  }
  return 0;
}
