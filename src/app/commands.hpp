// The commands behind the CLI: each returns the process exit code.
#pragma once

#include <string>

namespace parley::app {

int serve();
int set_password(bool from_stdin);

}  // namespace parley::app
