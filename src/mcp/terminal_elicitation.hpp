// `parley mcp` answering a server's elicitation on the terminal: the message and each field of the form on
// stderr (stdout carries the command's JSON), answers read from stdin without blocking the connection, the
// schema's defaults on an empty line, and the answer checked against the form before it is sent.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <optional>
#include <string>

#include "mcp/elicitation.hpp"

namespace parley::mcp {

// Reads stdin line by line; asynchronously when stdin can be polled (a terminal, a pipe).
class TerminalLines {
 public:
  explicit TerminalLines(boost::asio::any_io_executor executor);
  ~TerminalLines();
  // The next line without its line end; nullopt at end of input or on cancel.
  boost::asio::awaitable<std::optional<std::string>> next(CancelSignal* cancel);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

class TerminalElicitation final : public ElicitationHandler {
 public:
  explicit TerminalElicitation(boost::asio::any_io_executor executor) : lines_(std::move(executor)) {}
  [[nodiscard]] bool supports_url_mode() const override { return true; }
  boost::asio::awaitable<ElicitationAnswer> elicit(ElicitationRequest request, CancelSignal* cancel) override;

 private:
  TerminalLines lines_;
};

// One typed-in answer for a property of the form: "" takes the default (nullopt when there is none); booleans
// take y/yes/true/n/no/false; enums take a listed value or its number in the list; multi-select takes
// comma-separated values or numbers; numbers must parse whole. `problem` says why a line was refused.
std::optional<boost::json::value> parse_terminal_answer(const boost::json::object& property,
                                                        const std::string& line, std::string& problem);

}  // namespace parley::mcp
