// The built-in calculator server: calculator_evaluate (api.md §7.5) and calculator_expression.
#include "mcp/builtin/calculator_math.hpp"
#include "mcp/builtin/servers.hpp"
#include "mcp/builtin/tool_arguments.hpp"

namespace parley::mcp::builtin {

namespace {

bj::object evaluate(const bj::object& arguments, const CallContext&) {
  ToolArguments args(arguments);
  const auto operation = args.choice("operation", "", {"add", "subtract", "multiply", "divide"});
  if (args.ok() && !args.has("operation")) args.fail("Argument 'operation' is required.");
  const auto a = args.required_number("a");
  const auto b = args.required_number("b");
  if (!args.ok()) return error_result(args.problem());
  auto x = CalcNumber::from_json(*a);
  auto y = CalcNumber::from_json(*b);
  if (!x) return error_result("Argument 'a': " + x.error().message);
  if (!y) return error_result("Argument 'b': " + y.error().message);
  Result<CalcNumber, Failure> result = operation == "add"        ? calc_add(x.value(), y.value())
                                       : operation == "subtract" ? calc_subtract(x.value(), y.value())
                                       : operation == "multiply" ? calc_multiply(x.value(), y.value())
                                                                 : calc_divide(x.value(), y.value());
  if (!result) return error_result(result.error().message);
  return text_result(format_number(result.value()));
}

bj::object expression(const bj::object& arguments, const CallContext&) {
  ToolArguments args(arguments);
  const auto text = args.required_string("expression");
  if (!args.ok()) return error_result(args.problem());
  auto result = evaluate_expression(text);
  if (!result) return error_result("Cannot evaluate the expression: " + result.error().message);
  return text_result(format_number(result.value()));
}

}  // namespace

StdioServer make_calculator_server() {
  std::vector<Tool> tools;
  tools.push_back(
      Tool{"calculator_evaluate",
           "Apply one arithmetic operation to two numbers and return the result as text. Decimals are exact: "
           "0.1 + 0.2 gives 0.3. Division by zero is an error.",
           schema(R"({"type":"object","properties":{
        "operation":{"type":"string","enum":["add","subtract","multiply","divide"],"description":"The operation"},
        "a":{"type":"number","description":"The first operand"},
        "b":{"type":"number","description":"The second operand"}},
        "required":["operation","a","b"],"additionalProperties":false})"),
           evaluate});
  tools.push_back(Tool{
      "calculator_expression",
      "Evaluate an arithmetic expression with + - * / % (remainder) ^ (power), parentheses, unary minus and "
      "decimal numbers, e.g. \"(2 + 3) * -1.5 ^ 2\". Decimals are exact where the result has a finite "
      "decimal "
      "form; other results have 15 significant digits.",
      schema(R"({"type":"object","properties":{
        "expression":{"type":"string","description":"The expression, at most 10000 characters"}},
        "required":["expression"],"additionalProperties":false})"),
      expression});
  return StdioServer(ServerInfo{"parley-calculator", PARLEY_VERSION, ""}, std::move(tools));
}

}  // namespace parley::mcp::builtin
