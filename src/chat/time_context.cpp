#include "chat/chat_orchestrator.hpp"
#include "core/clock.hpp"

namespace parley::chat {

std::string time_context_block(std::chrono::system_clock::time_point now) {
  const auto parts = local_time_parts(now);
  auto zone = display_zone_name();
  if (zone.empty()) zone = parts.zone_abbreviation;
  return "# Current Date & Time Context\n- Today's date: " + parts.date + " (" + parts.weekday +
         ")\n- Current time: " + parts.time + " " + parts.zone_abbreviation + "\n- Timezone: " + zone +
         "\n- ISO timestamp (UTC): " + format_iso_utc_offset(now) +
         "\n\nUse this context when interpreting relative dates like 'last month', 'next week', etc.";
}

}  // namespace parley::chat
