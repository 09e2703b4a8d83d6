#include "settings/suggestion.hpp"

namespace parley::settings {

std::vector<Suggestion> default_suggestions() {
  return {{"Next.js advantages", "What are the advantages of using Next.js?"},
          {"Dijkstra code", "Write code to demonstrate Dijkstra's algorithm"},
          {"Essay helper", "Help me write an essay about Silicon Valley"},
          {"Weather", "What is the weather in Orlando?"}};
}

}  // namespace parley::settings
