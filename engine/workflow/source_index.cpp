#include "workflow/source_index.h"

#include <cctype>

namespace commsflow {

namespace {

bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Drops a `--` comment, ignoring dashes inside simple quoted strings.
std::string strip_comment(std::string_view line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '-' && i + 1 < line.size() && line[i + 1] == '-') {
      return std::string(line.substr(0, i));
    }
  }
  return std::string(line);
}

}  // namespace

SourceIndex::SourceIndex(std::string_view source) {
  size_t start = 0;
  while (start <= source.size()) {
    size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    lines_.push_back(strip_comment(source.substr(start, end - start)));
    start = end + 1;
  }
}

int SourceIndex::find_key(std::string_view key, int from_line, int fallback) const {
  if (key.empty()) return fallback;
  for (size_t n = from_line > 0 ? from_line - 1 : 0; n < lines_.size(); ++n) {
    const std::string& line = lines_[n];
    for (size_t p = line.find(key); p != std::string::npos; p = line.find(key, p + 1)) {
      if (p > 0 && (ident_char(line[p - 1]) || line[p - 1] == '.')) continue;
      size_t q = p + key.size();
      if (q < line.size() && ident_char(line[q])) continue;
      while (q < line.size() && (line[q] == ' ' || line[q] == '\t')) ++q;
      if (q < line.size() && line[q] == '=' && (q + 1 >= line.size() || line[q + 1] != '=')) {
        return static_cast<int>(n + 1);
      }
    }
  }
  return fallback;
}

int SourceIndex::find_call(std::string_view name, int fallback) const {
  if (name.empty()) return fallback;
  for (size_t n = 0; n < lines_.size(); ++n) {
    const std::string& line = lines_[n];
    for (size_t p = line.find(name); p != std::string::npos; p = line.find(name, p + 1)) {
      if (p == 0 || (line[p - 1] != '.' && line[p - 1] != ':')) continue;
      size_t q = p + name.size();
      if (q < line.size() && ident_char(line[q])) continue;
      while (q < line.size() && (line[q] == ' ' || line[q] == '\t')) ++q;
      if (q == line.size() || line[q] == '{' || line[q] == '(') return static_cast<int>(n + 1);
    }
  }
  return fallback;
}

}  // namespace commsflow
