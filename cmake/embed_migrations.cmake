# Generates a C++ source holding every NNNN_name.sql file of one backend's schema folder, in
# order, as the function FUNCTION declared in engine/store/migration_list.h.
# Usage: cmake -DSCHEMA_DIR=... -DFUNCTION=... -DOUTPUT=... -P embed_migrations.cmake
file(GLOB files RELATIVE "${SCHEMA_DIR}" "${SCHEMA_DIR}/[0-9][0-9][0-9][0-9]_*.sql")
list(SORT files)
set(body "// Generated from ${SCHEMA_DIR}/*.sql at build time. Do not edit.\n")
string(APPEND body "#include \"store/migration_list.h\"\n\nnamespace commsflow::store {\n")
string(APPEND body "const std::vector<Migration>& ${FUNCTION}() {\n")
string(APPEND body "  static const std::vector<Migration> all = {\n")
foreach(f IN LISTS files)
  string(REGEX MATCH "^([0-9]+)_(.*)\\.sql$" _ "${f}")
  math(EXPR number "${CMAKE_MATCH_1} + 0")
  file(READ "${SCHEMA_DIR}/${f}" sql)
  string(APPEND body "    {${number}, \"${CMAKE_MATCH_2}\", R\"commsflow_sql(${sql})commsflow_sql\"},\n")
endforeach()
string(APPEND body "  };\n  return all;\n}\n}  // namespace commsflow::store\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
