# Generates a C++ source holding every templates/*.mustache file, by name (the file name
# without its extension).
# Usage: cmake -DTEMPLATE_DIR=... -DOUTPUT=... -P embed_templates.cmake
file(GLOB files RELATIVE "${TEMPLATE_DIR}" "${TEMPLATE_DIR}/*.mustache")
list(SORT files)
set(body "// Generated from engine/server/templates/*.mustache at build time. Do not edit.\n")
string(APPEND body "#include \"server/templates.h\"\n\nnamespace commsflow::server {\n")
string(APPEND body "const std::map<std::string, std::string, std::less<>>& embedded_templates() {\n")
string(APPEND body "  static const std::map<std::string, std::string, std::less<>> all = {\n")
foreach(f IN LISTS files)
  string(REGEX REPLACE "\\.mustache$" "" name "${f}")
  file(READ "${TEMPLATE_DIR}/${f}" text)
  # A template's last newline is the file's, not the page's.
  string(REGEX REPLACE "\n$" "" text "${text}")
  string(APPEND body "    {\"${name}\", R\"commsflow_html(${text})commsflow_html\"},\n")
endforeach()
string(APPEND body "  };\n  return all;\n}\n}  // namespace commsflow::server\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
