// The `commsflow` command: Lua-defined workflows over an SQLite store.
#include <commsflow/command_line.h>

int main(int argc, char** argv) {
  return commsflow::cli::run_command_line(argc, argv);
}
