// A core header that reaches up into net/: the layer check must reject it.
#pragma once
#include "net/http_types.hpp"
