// store/ may not use auth/ (app/ adapts one onto the other).
#include "auth/session_store.hpp"
#include "store/records.hpp"
