// Reads the Lua 5.4 binary chunk format (lundump.c) far enough to find, in each function, the
// GETTABUP and SETTABUP instructions on the upvalue named `_ENV` with a constant key, and the
// line of each. Nothing here runs the chunk.
#include "lua/free_names.h"

#include <commsflow/error.h>

#include <cstdint>
#include <cstring>

namespace commsflow {

namespace {

// Lua 5.4 opcodes (lopcodes.h): R[A] := UpValue[B][K[C]] and UpValue[A][K[B]] := RK(C).
constexpr unsigned kGetTabUp = 11;
constexpr unsigned kSetTabUp = 15;
// Constant tags (lobject.h): the variants of nil, boolean, number and string.
constexpr int kNil = 0, kFalse = 1, kTrue = 17, kInteger = 3, kFloat = 19, kShortString = 4,
              kLongString = 20;
// A lineinfo byte saying "see abslineinfo" (ldebug.h ABSLINEINFO).
constexpr int kAbsoluteLine = -0x80;

class ChunkReader {
 public:
  explicit ChunkReader(const std::string& bytes) : bytes_(bytes) {}

  std::vector<GlobalUse> read() {
    static const char kHeader[] = "\x1bLua\x54\x00\x19\x93\r\n\x1a\n";
    if (bytes_.compare(0, sizeof kHeader - 1, kHeader, sizeof kHeader - 1) != 0) bad("header");
    at_ = sizeof kHeader - 1;
    if (byte() != 4 || byte() != sizeof(lua_Integer) || byte() != sizeof(lua_Number)) {
      bad("sizes");
    }
    skip(sizeof(lua_Integer) + sizeof(lua_Number));  // LUAC_INT, LUAC_NUM
    byte();                                          // the main closure's upvalue count
    function();
    return std::move(uses_);
  }

 private:
  struct Constant {
    bool is_string = false;
    std::string text;
  };

  [[noreturn]] static void bad(const char* where) {
    fail(ErrorKind::Script, "cannot read the compiled chunk ({}): not Lua 5.4's format", where);
  }
  void need(size_t n) const {
    if (at_ + n > bytes_.size()) bad("truncated");
  }
  int byte() {
    need(1);
    return static_cast<unsigned char>(bytes_[at_++]);
  }
  void skip(size_t n) {
    need(n);
    at_ += n;
  }
  // loadUnsigned: 7 bits a byte, most significant first, the last byte flagged by 0x80.
  size_t size() {
    size_t x = 0;
    int b = 0;
    do {
      b = byte();
      if (x > (SIZE_MAX >> 8)) bad("size");
      x = (x << 7) | static_cast<size_t>(b & 0x7f);
    } while ((b & 0x80) == 0);
    return x;
  }
  int integer() { return static_cast<int>(size()); }
  std::string string() {
    size_t n = size();
    if (n == 0) return {};  // none
    need(n - 1);
    std::string s = bytes_.substr(at_, n - 1);
    at_ += n - 1;
    return s;
  }

  void function() {
    string();  // source
    const int line_defined = integer();
    integer();  // last line defined
    skip(3);    // parameters, vararg, stack size
    std::vector<std::uint32_t> code(static_cast<size_t>(integer()));
    need(code.size() * 4);
    std::memcpy(code.data(), bytes_.data() + at_, code.size() * 4);
    at_ += code.size() * 4;

    std::vector<Constant> constants(static_cast<size_t>(integer()));
    for (auto& k : constants) {
      switch (byte()) {
        case kNil:
        case kFalse:
        case kTrue:
          break;
        case kInteger:
          skip(sizeof(lua_Integer));
          break;
        case kFloat:
          skip(sizeof(lua_Number));
          break;
        case kShortString:
        case kLongString:
          k = Constant{true, string()};
          break;
        default:
          bad("constant");
      }
    }
    const int upvalues = integer();
    skip(static_cast<size_t>(upvalues) * 3);  // instack, idx, kind
    const int protos = integer();
    // Nested functions come before this one's debug information, which the uses below need.
    std::vector<GlobalUse> nested;
    std::swap(nested, uses_);
    for (int i = 0; i < protos; ++i) function();
    std::swap(nested, uses_);

    std::vector<signed char> line_info(static_cast<size_t>(integer()));
    need(line_info.size());
    std::memcpy(line_info.data(), bytes_.data() + at_, line_info.size());
    at_ += line_info.size();
    std::vector<std::pair<int, int>> absolute(static_cast<size_t>(integer()));  // pc, line
    for (auto& [pc, line] : absolute) {
      pc = integer();
      line = integer();
    }
    const int locals = integer();
    for (int i = 0; i < locals; ++i) {
      string();
      integer();
      integer();
    }
    std::vector<std::string> upvalue_names(static_cast<size_t>(integer()));
    for (auto& name : upvalue_names) name = string();

    // The line of each instruction, as luaG_getfuncline works it out.
    auto line_at = [&](size_t pc) {
      if (line_info.empty()) return 0;
      int line = line_defined;
      size_t from = 0;
      for (const auto& [abs_pc, abs_line] : absolute) {
        if (static_cast<size_t>(abs_pc) > pc) break;
        line = abs_line;
        from = static_cast<size_t>(abs_pc) + 1;
      }
      for (size_t i = from; i <= pc && i < line_info.size(); ++i) {
        if (line_info[i] != kAbsoluteLine) line += line_info[i];
      }
      return line;
    };
    auto is_env = [&](unsigned upvalue) {
      return upvalue < upvalue_names.size() && upvalue_names[upvalue] == "_ENV";
    };
    for (size_t pc = 0; pc < code.size(); ++pc) {
      const std::uint32_t i = code[pc];
      const unsigned op = i & 0x7f, a = (i >> 7) & 0xff, b = (i >> 16) & 0xff, c = (i >> 24) & 0xff;
      if (op == kGetTabUp && is_env(b) && c < constants.size() && constants[c].is_string) {
        uses_.push_back(GlobalUse{constants[c].text, line_at(pc), false});
      } else if (op == kSetTabUp && is_env(a) && b < constants.size() && constants[b].is_string) {
        uses_.push_back(GlobalUse{constants[b].text, line_at(pc), true});
      }
    }
    uses_.insert(uses_.end(), nested.begin(), nested.end());
  }

  const std::string& bytes_;
  size_t at_ = 0;
  std::vector<GlobalUse> uses_;
};

// lua_dump's writer: no exception may leave it through Lua's C frames, so running out of
// memory stops the dump instead.
int append_bytes(lua_State*, const void* p, size_t size, void* out) noexcept {
  try {
    static_cast<std::string*>(out)->append(static_cast<const char*>(p), size);
    return 0;
  } catch (...) {
    return 1;
  }
}

}  // namespace

std::vector<GlobalUse> global_uses(lua_State* L) {
  std::string bytes;
  if (!lua_isfunction(L, -1) || lua_iscfunction(L, -1) ||
      lua_dump(L, &append_bytes, &bytes, /*strip=*/0) != 0) {
    fail(ErrorKind::Script, "cannot read the compiled chunk: not a Lua function");
  }
  return ChunkReader(bytes).read();
}

}  // namespace commsflow
