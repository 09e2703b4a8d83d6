// store/ may not use auth/ (app/ adapts one onto the other).
#include "store/records.hpp"
#include "auth/session_store.hpp"
