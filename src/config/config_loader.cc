// Startup sources of configuration: the TOML file and command-line flags. Both reduce every
// value to text and go through Config::Set, so bounds and messages match CONFIG SET.
#include <toml++/toml.h>

#include "common/strings.h"
#include "config/config.h"

namespace basalt::config {

namespace {

// Converts a TOML value to the text form Config::Set takes, checking it has the kind of value
// the parameter expects.
Status TomlValueText(const ParamDef& def, const toml::node& node, std::string* out) {
  switch (def.kind) {
    case ParamKind::kBool:
      if (auto b = node.value<bool>(); b && node.is_boolean()) {
        *out = *b ? "yes" : "no";
        return Status::Ok();
      }
      return Status::InvalidArgument("must be true or false");
    case ParamKind::kInt:
      if (node.is_integer()) {
        *out = Int64ToString(*node.value<int64_t>());
        return Status::Ok();
      }
      return Status::InvalidArgument("must be an integer");
    case ParamKind::kMemory:
      if (node.is_integer()) {
        *out = Int64ToString(*node.value<int64_t>());
        return Status::Ok();
      }
      if (node.is_string()) {
        *out = *node.value<std::string>();
        return Status::Ok();
      }
      return Status::InvalidArgument("must be an integer or a size such as \"512mb\"");
    case ParamKind::kString:
    case ParamKind::kEnum:
    case ParamKind::kSpecial:
      if (node.is_string()) {
        *out = *node.value<std::string>();
        return Status::Ok();
      }
      return Status::InvalidArgument("must be a string");
  }
  return Status::InvalidArgument("unsupported value");
}

}  // namespace

Status Config::LoadToml(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& err) {
    std::string msg = path + ":" + std::to_string(err.source().begin.line) + ": " +
                      std::string(err.description());
    return Status::InvalidArgument(msg);
  }
  for (const auto& [key, node] : root) {
    std::string name(key.str());
    const ParamDef* def = Find(name);
    if (def == nullptr) {
      return Status::InvalidArgument(path + ": unknown configuration key '" + name + "'");
    }
    std::string text;
    Status st = TomlValueText(*def, node, &text);
    if (st.ok()) st = def->set(settings_, text);
    if (!st.ok()) {
      return Status::InvalidArgument(path + ": invalid value for '" + name + "': " + st.message());
    }
  }
  return Status::Ok();
}

Status Config::ApplyCommandLine(const std::vector<std::string>& args) {
  // "--name v1 v2 ..." takes every word up to the next "--flag", joined by spaces, as Redis
  // does for "--save 900 1 300 10".
  size_t i = 0;
  while (i < args.size()) {
    const std::string& flag = args[i];
    if (flag.rfind("--", 0) != 0 || flag.size() == 2) {
      return Status::InvalidArgument("unexpected argument '" + flag + "'");
    }
    std::string name = flag.substr(2);
    std::string value;
    size_t j = i + 1;
    bool first = true;
    while (j < args.size() && args[j].rfind("--", 0) != 0) {
      if (!first) value += ' ';
      value += args[j++];
      first = false;
    }
    // Redis reads a bare "--save" (last, or followed by another flag) as save "": generated
    // command lines pass it when the list of save points is empty.
    if (first && !EqualsIgnoreCase(name, "save")) {
      return Status::InvalidArgument("missing value for '" + flag + "'");
    }
    Status st = Set(name, value, Origin::kStartup);
    if (st.IsNotFound()) return Status::InvalidArgument("unknown option '" + flag + "'");
    if (!st.ok()) {
      return Status::InvalidArgument("invalid value for '" + name + "': " + st.message());
    }
    i = j;
  }
  return Status::Ok();
}

}  // namespace basalt::config
