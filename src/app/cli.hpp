// The parley command line (CLI11 is used only in cli.cpp).
#pragma once

namespace parley::app {

int run_cli(int argc, char** argv);

}  // namespace parley::app
