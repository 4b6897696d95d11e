// The whole `commsflow` command as a function, so that a test can run it in a forked child of
// its own process rather than exec a fresh binary (main.cpp is the program's only other part).
#pragma once

namespace commsflow::cli {

// Runs the command line `argv` (argv[0] is the program name) and returns the exit code. Output
// goes to stdout and stderr; every error is reported there, none is thrown.
int run_command_line(int argc, char** argv);

}  // namespace commsflow::cli
