#include "persistence/aof_manifest.h"

#include "common/strings.h"
#include "protocol/request_parser.h"

namespace basalt::persistence {

namespace {

// Names with spaces or quotes are written quoted, as Redis does, so they split back intact.
std::string QuoteIfNeeded(const std::string& name) {
  bool plain = !name.empty();
  for (char c : name) {
    if (c == ' ' || c == '"' || c == '\'' || c == '\\' || c == '\n' || c == '\r' || c == '\t') {
      plain = false;
    }
  }
  if (plain) return name;
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void AppendLine(std::string& out, const AofFileInfo& f, AofFileInfo::Type type) {
  out += "file " + QuoteIfNeeded(f.name) + " seq " + Int64ToString(f.seq) + " type ";
  out += static_cast<char>(type);
  out += '\n';
}

}  // namespace

std::string AofManifest::Format() const {
  std::string out;
  if (base) AppendLine(out, *base, AofFileInfo::Type::kBase);
  // A replaced file keeps its name and seq in the history, but never its old type: read back
  // as "b" or "i" after a crash before its deletion, it would be loaded again (a second base
  // fails the load; an old incr file is replayed on top of the new base, applying it twice).
  for (const AofFileInfo& f : history) AppendLine(out, f, AofFileInfo::Type::kHistory);
  for (const AofFileInfo& f : incrs) AppendLine(out, f, AofFileInfo::Type::kIncr);
  return out;
}

Result<AofManifest> AofManifest::Parse(const std::string& text) {
  AofManifest m;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    auto bad = [&](const std::string& why) {
      return Status::Corruption("invalid AOF manifest line " + std::to_string(line_no) + ": " +
                                why);
    };
    std::vector<std::string> words;
    if (!protocol::SplitInlineArgs(line, &words)) return bad("unbalanced quotes");
    if (words.size() % 2 != 0) return bad("expected key value pairs");
    AofFileInfo info;
    bool has_name = false, has_seq = false, has_type = false;
    for (size_t i = 0; i < words.size(); i += 2) {
      const std::string& key = words[i];
      const std::string& value = words[i + 1];
      if (key == "file") {
        info.name = value;
        has_name = true;
      } else if (key == "seq") {
        if (!ParseInt64(value, &info.seq) || info.seq < 1) return bad("bad seq '" + value + "'");
        has_seq = true;
      } else if (key == "type") {
        if (value != "b" && value != "h" && value != "i") return bad("bad type '" + value + "'");
        info.type = static_cast<AofFileInfo::Type>(value[0]);
        has_type = true;
      }  // unknown keys are ignored, for forward compatibility
    }
    if (!has_name || !has_seq || !has_type) return bad("missing file, seq or type");
    if (info.name.find('/') != std::string::npos) return bad("file name contains '/'");
    switch (info.type) {
      case AofFileInfo::Type::kBase:
        if (m.base) return bad("more than one base file");
        m.base = info;
        break;
      case AofFileInfo::Type::kHistory:
        m.history.push_back(info);
        break;
      case AofFileInfo::Type::kIncr:
        if (!m.incrs.empty() && info.seq <= m.incrs.back().seq) {
          return bad("incr files out of order");
        }
        m.incrs.push_back(info);
        break;
    }
  }
  if (!m.base && m.incrs.empty()) return Status::Corruption("AOF manifest lists no files");
  return m;
}

std::string AofManifestName(const std::string& appendfilename) {
  return appendfilename + ".manifest";
}

std::string AofBaseName(const std::string& appendfilename, int64_t seq, bool rdb_preamble) {
  return appendfilename + "." + Int64ToString(seq) + ".base" + (rdb_preamble ? ".rdb" : ".aof");
}

std::string AofIncrName(const std::string& appendfilename, int64_t seq) {
  return appendfilename + "." + Int64ToString(seq) + ".incr.aof";
}

}  // namespace basalt::persistence
