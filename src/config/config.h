// The configuration parameter table and the operations on it.
//
// Every parameter is defined once (name as in Redis, kind, bounds, whether CONFIG SET may
// change it, help text) and bound to a field of Settings. Startup (TOML file, then command-line
// flags) and CONFIG GET/SET all go through Set()/Get() here, so validation and error texts
// agree everywhere.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/status.h"
#include "config/settings.h"

namespace basalt::config {

enum class ParamKind { kBool, kInt, kMemory, kString, kEnum, kSpecial };

struct ParamDef {
  std::string_view name;
  ParamKind kind;
  bool runtime_mutable;
  std::string_view help;
  // Text of the value as CONFIG GET shows it.
  std::function<std::string(const Settings&)> get;
  // Parses and validates `text`; on failure returns InvalidArgument with Redis's wording
  // ("argument must be 'yes' or 'no'") and leaves Settings unchanged.
  std::function<Status(Settings&, std::string_view text)> set;
  // Redis's older name for the same parameter (hash-max-ziplist-entries, slave-read-only, ...):
  // accepted everywhere the name is, and listed by CONFIG GET patterns that match it.
  std::string_view alias = {};
  // CONFIG SET refuses it unless enable-protected-configs allows the client (dir, dbfilename).
  bool protected_config = false;
  // A secret (requirepass, masterauth, masteruser): CONFIG SET's value is redacted in MONITOR
  // and the slow log.
  bool sensitive = false;
};

// Whether enable-protected-configs lets a client change a protected parameter; `local`: the
// client is on the loopback interface (or in-process).
bool AllowsProtectedChange(const Settings& s, bool local);
// Whether enable-debug-command lets a client run DEBUG (likewise).
bool AllowsDebugCommand(const Settings& s, bool local);
// Whether enable-module-command lets a client run MODULE LOAD, LOADEX and UNLOAD (likewise).
bool AllowsModuleCommand(const Settings& s, bool local);

class Config {
 public:
  Config();

  Settings& settings() { return settings_; }
  const Settings& settings() const { return settings_; }

  const std::vector<ParamDef>& params() const { return params_; }
  const ParamDef* Find(std::string_view name) const;

  enum class Origin { kStartup, kRuntime };
  // Sets one parameter from text. At runtime, immutable parameters are refused with
  // "can't set immutable config". Runs change listeners after a successful runtime set; when
  // one fails, the previous value is restored and its error returned.
  Status Set(std::string_view name, std::string_view value, Origin origin);
  std::string Get(const ParamDef& def) const { return def.get(settings_); }

  // Called after CONFIG SET changes `name` (loglevel, maxclients, ...).
  void OnChange(std::string_view name, std::function<void()> fn);
  // The same for a change that can fail to take effect (appendonly yes on a read-only disk):
  // then the parameter keeps its previous value and CONFIG SET fails with the error, so it
  // never shows a setting that is not in force.
  void OnChangeMayFail(std::string_view name, std::function<Status()> fn);
  // Runs the listeners of `name`; the first error (the later ones still run).
  Status NotifyChanged(std::string_view name);

  // Loads a TOML file: every key must be a known parameter of the right type.
  Status LoadToml(const std::string& path);
  // Applies "--name value..." flags (the arguments after the program name and the optional
  // config file path, which the caller loads first). A flag takes every word up to the next
  // "--" word, joined by spaces; a bare "--save" means save "".
  Status ApplyCommandLine(const std::vector<std::string>& args);

 private:
  Settings settings_;
  std::vector<ParamDef> params_;
  std::map<std::string, std::vector<std::function<Status()>>, std::less<>> listeners_;
};

// "normal 0 0 0 replica 256mb 64mb 60 ..." parsing and printing (client-output-buffer-limit).
Status ParseOutputBufferLimits(std::string_view text, Settings* s);
std::string FormatOutputBufferLimits(const Settings& s);
// "3600 1 300 100" parsing (save); "" means no save points.
Status ParseSavePoints(std::string_view text, std::vector<SavePoint>* out);

}  // namespace basalt::config
