// What a chat turn needs from the history store (api.md §3.2, §5.3): the repository of src/store/.
#pragma once

#include "store/repository.hpp"

namespace parley::chat {

using NewMessage = store::NewMessage;
using StoredMessage = store::StoredMessage;
using ChatStore = store::Repository;

}  // namespace parley::chat
