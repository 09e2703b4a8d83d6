#include "settings/model_settings.hpp"

#include <cmath>

#include "core/clock.hpp"

namespace parley::settings {

namespace bj = boost::json;

namespace {

constexpr const char* kProviderKeys[] = {"allow_fallbacks",
                                         "require_parameters",
                                         "data_collection",
                                         "zdr",
                                         "order",
                                         "only",
                                         "ignore",
                                         "quantizations",
                                         "sort",
                                         "max_price",
                                         "experimental"};
constexpr const char* kParameterKeys[] = {"temperature",
                                          "top_p",
                                          "top_k",
                                          "min_p",
                                          "top_a",
                                          "max_tokens",
                                          "frequency_penalty",
                                          "presence_penalty",
                                          "repetition_penalty",
                                          "seed",
                                          "logit_bias",
                                          "stop",
                                          "top_logprobs",
                                          "parallel_tool_calls",
                                          "tool_choice",
                                          "response_format",
                                          "structured_outputs",
                                          "reasoning",
                                          "safe_prompt",
                                          "raw_mode"};
constexpr const char* kMaxPriceKeys[] = {"prompt", "completion", "image", "audio", "request"};

template <std::size_t N>
bool known(const char* const (&keys)[N], std::string_view k) {
  for (const char* key : keys) {
    if (k == key) return true;
  }
  return false;
}

class Checker {
 public:
  explicit Checker(ValidationErrors& e) : errors_(e) {}

  void extra_keys(const bj::object& o, bj::array where, bool (*is_known)(std::string_view)) {
    for (const auto& kv : o) {
      if (!is_known(kv.key())) {
        auto l = where;
        l.emplace_back(kv.key());
        errors_.add("extra_forbidden", l, "Extra inputs are not permitted");
      }
    }
  }
  bool number(const bj::value& v, const bj::array& where, std::optional<double> min,
              std::optional<double> max) {
    if (!v.is_number()) {
      errors_.add("float_type", where, "Input should be a valid number");
      return false;
    }
    return range(v.to_number<double>(), where, min, max);
  }
  bool integer(const bj::value& v, const bj::array& where, std::optional<double> min) {
    const bool integral =
        v.is_int64() || v.is_uint64() ||
        (v.is_double() && std::isfinite(v.as_double()) && std::floor(v.as_double()) == v.as_double());
    if (!integral) {
      errors_.add(v.is_double() ? "int_from_float" : "int_type", where, "Input should be a valid integer");
      return false;
    }
    return range(v.to_number<double>(), where, min, std::nullopt);
  }
  void boolean(const bj::value& v, const bj::array& where) {
    if (!v.is_bool()) errors_.add("bool_type", where, "Input should be a valid boolean");
  }
  void string_list(const bj::value& v, const bj::array& where) {
    if (!v.is_array()) {
      errors_.add("list_type", where, "Input should be a valid list");
      return;
    }
    for (std::size_t i = 0; i < v.as_array().size(); ++i) {
      if (!v.as_array()[i].is_string()) {
        auto l = where;
        l.emplace_back(i);
        errors_.add("string_type", l, "Input should be a valid string");
      }
    }
  }
  void object(const bj::value& v, const bj::array& where) {
    if (!v.is_object()) errors_.add("dict_type", where, "Input should be a valid dictionary");
  }
  void literal(const bj::value& v, const bj::array& where, std::initializer_list<const char*> allowed) {
    if (v.is_string()) {
      for (const char* a : allowed) {
        if (v.as_string() == a) return;
      }
    }
    std::string msg = "Input should be";
    std::size_t i = 0;
    for (const char* a : allowed) {
      msg += std::string(i == 0 ? " '" : (i + 1 == allowed.size() ? " or '" : ", '")) + a + "'";
      ++i;
    }
    errors_.add("literal_error", where, msg, v);
  }

 private:
  bool range(double d, const bj::array& where, std::optional<double> min, std::optional<double> max) {
    if (min && d < *min) {
      errors_.add("greater_than_equal", where, "Input should be greater than or equal to " + fmt(*min));
      return false;
    }
    if (max && d > *max) {
      errors_.add("less_than_equal", where, "Input should be less than or equal to " + fmt(*max));
      return false;
    }
    return true;
  }
  static std::string fmt(double d) {
    return d == std::floor(d) ? std::to_string(static_cast<long long>(d)) : std::to_string(d);
  }
  ValidationErrors& errors_;
};

bj::array at(std::initializer_list<bj::value_ref> parts) {
  return loc(parts);
}

void check_provider(const bj::object& p, Checker& c) {
  c.extra_keys(p, at({"body", "provider"}), [](std::string_view k) { return known(kProviderKeys, k); });
  for (const auto& kv : p) {
    const auto& v = kv.value();
    if (v.is_null()) continue;
    const std::string k(kv.key());
    const auto where = at({"body", "provider", kv.key()});
    if (k == "allow_fallbacks" || k == "require_parameters" || k == "zdr") c.boolean(v, where);
    if (k == "data_collection") c.literal(v, where, {"allow", "deny"});
    if (k == "sort") c.literal(v, where, {"price", "throughput", "latency"});
    if (k == "order" || k == "only" || k == "ignore" || k == "quantizations") c.string_list(v, where);
    if (k == "experimental") c.object(v, where);
    if (k == "max_price") {
      c.object(v, where);
      if (!v.is_object()) continue;
      c.extra_keys(v.as_object(), where, [](std::string_view key) { return known(kMaxPriceKeys, key); });
      for (const auto& mp : v.as_object()) {
        if (!mp.value().is_null() && !mp.value().is_number() && !mp.value().is_string()) {
          c.number(mp.value(), at({"body", "provider", "max_price", mp.key()}), std::nullopt, std::nullopt);
        }
      }
    }
  }
}

void check_parameters(const bj::object& p, Checker& c, ValidationErrors& errors) {
  c.extra_keys(p, at({"body", "parameters"}), [](std::string_view k) { return known(kParameterKeys, k); });
  for (const auto& kv : p) {
    const auto& v = kv.value();
    if (v.is_null()) continue;
    const std::string k(kv.key());
    const auto where = at({"body", "parameters", kv.key()});
    if (k == "temperature") c.number(v, where, 0, 2);
    if (k == "top_p" || k == "min_p") c.number(v, where, 0, 1);
    if (k == "top_a" || k == "repetition_penalty") c.number(v, where, 0, std::nullopt);
    if (k == "frequency_penalty" || k == "presence_penalty") c.number(v, where, -2, 2);
    if (k == "top_k" || k == "top_logprobs") c.integer(v, where, 0);
    if (k == "max_tokens") c.integer(v, where, 1);
    if (k == "seed") c.integer(v, where, std::nullopt);
    if (k == "response_format" || k == "reasoning") c.object(v, where);
    if (k == "parallel_tool_calls" || k == "structured_outputs" || k == "safe_prompt" || k == "raw_mode") {
      c.boolean(v, where);
    }
    if (k == "tool_choice" && !v.is_string() && !v.is_object()) {
      errors.add("union_type", where, "Input should be a valid string or dictionary");
    }
    if (k == "stop" && !v.is_string()) c.string_list(v, where);
    if (k == "logit_bias") {
      c.object(v, where);
      if (v.is_object()) {
        for (const auto& lb : v.as_object()) {
          c.number(lb.value(), at({"body", "parameters", "logit_bias", lb.key()}), std::nullopt,
                   std::nullopt);
        }
      }
    }
  }
}

template <std::size_t N>
bj::object full(const bj::object& o, const char* const (&keys)[N]) {
  bj::object out;
  for (const char* k : keys) {
    const auto* v = o.if_contains(k);
    out[k] = v ? *v : bj::value(nullptr);
  }
  return out;
}

bj::value without_nulls(const bj::value& v) {
  if (!v.is_object()) return v;
  bj::object out;
  for (const auto& kv : v.as_object()) {
    if (!kv.value().is_null()) out[kv.key()] = without_nulls(kv.value());
  }
  return out;
}

}  // namespace

Result<ModelSettings> parse_model_settings(const bj::value& body) {
  ValidationErrors errors;
  Checker c(errors);
  if (!body.is_object()) {
    errors.add("dict_type", loc({"body"}), "Input should be a valid dictionary");
    return errors.to_error();
  }
  const auto& o = body.as_object();
  c.extra_keys(o, at({"body"}), [](std::string_view k) {
    return k == "model" || k == "provider" || k == "parameters" || k == "supports_tools";
  });
  ModelSettings s;
  const auto* model = o.if_contains("model");
  if (!model) {
    errors.add("missing", loc({"body", "model"}), "Field required");
  } else if (!model->is_string()) {
    errors.add("string_type", loc({"body", "model"}), "Input should be a valid string");
  } else {
    s.model = std::string(model->as_string());
  }
  if (const auto* p = o.if_contains("provider"); p && !p->is_null()) {
    if (!p->is_object()) {
      errors.add("dict_type", loc({"body", "provider"}), "Input should be a valid dictionary");
    } else {
      check_provider(p->as_object(), c);
      s.provider = full(p->as_object(), kProviderKeys);
    }
  }
  if (const auto* p = o.if_contains("parameters"); p && !p->is_null()) {
    if (!p->is_object()) {
      errors.add("dict_type", loc({"body", "parameters"}), "Input should be a valid dictionary");
    } else {
      check_parameters(p->as_object(), c, errors);
      s.parameters = full(p->as_object(), kParameterKeys);
    }
  }
  if (const auto* t = o.if_contains("supports_tools"); t && !t->is_null()) {
    if (!t->is_bool()) {
      errors.add("bool_type", loc({"body", "supports_tools"}), "Input should be a valid boolean");
    } else {
      s.supports_tools = t->as_bool();
    }
  }
  if (!errors.empty()) return errors.to_error();
  s.updated_at = std::chrono::system_clock::now();
  return s;
}

bj::object model_settings_json(const ModelSettings& s) {
  bj::object out;
  out["model"] = s.model;
  if (s.provider) {
    bj::object p = full(*s.provider, kProviderKeys);
    if (auto& mp = p["max_price"]; mp.is_object()) mp = full(mp.as_object(), kMaxPriceKeys);
    out["provider"] = std::move(p);
  } else {
    out["provider"] = nullptr;
  }
  out["parameters"] = s.parameters ? bj::value(full(*s.parameters, kParameterKeys)) : bj::value(nullptr);
  out["supports_tools"] = s.supports_tools ? bj::value(*s.supports_tools) : bj::value(nullptr);
  out["updated_at"] = format_iso_utc_z(s.updated_at, 6);
  return out;
}

bj::object model_settings_file_members(const ModelSettings& s) {
  bj::object out;
  out["model"] = s.model;
  if (s.provider) out["provider"] = without_nulls(*s.provider);
  if (s.parameters) out["parameters"] = without_nulls(*s.parameters);
  if (s.supports_tools) out["supports_tools"] = *s.supports_tools;
  out["updated_at"] = format_iso_utc_offset(s.updated_at);
  return out;
}

}  // namespace parley::settings
