// parley: a self-hosted AI chat server. Entry point; the command line lives in cli.cpp.
#include "app/cli.hpp"

int main(int argc, char** argv) {
  return parley::app::run_cli(argc, argv);
}
