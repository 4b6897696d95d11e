// The matcher follows Lua 5.4's lstrlib.c step for step (the same pattern language, capture
// limits, recursion limit and error messages), so workflows see no difference but the budget.
//
// Lua errors unwind with longjmp: everything live in these functions is plain data (MatchState
// and pointers into Lua-owned strings), so no C++ destructor is skipped when one is raised.
#include "lua/pattern.h"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "lua/guarded.h"
#include "lua/runtime.h"

namespace commsflow {

namespace {

constexpr int kMaxCaptures = 32;  // LUA_MAXCAPTURES
constexpr int kMaxDepth = 200;    // MAXCCALLS: how deep the matcher may recurse
constexpr int kCapUnfinished = -1;
constexpr int kCapPosition = -2;
constexpr char kEscape = '%';
constexpr const char* kSpecials = "^$*+?.([%-";
// Steps taken from the budget at a time, so the matcher's inner loop only decrements a counter.
constexpr std::int64_t kStepChunk = 1000;

struct MatchState {
  const char* src_init;  // start of the subject
  const char* src_end;   // end ('\0') of the subject
  const char* p_end;     // end ('\0') of the pattern
  lua_State* L;
  int matchdepth;  // how much deeper the matcher may recurse
  unsigned char level;
  struct {
    const char* init;
    std::ptrdiff_t len;
  } capture[kMaxCaptures];
  std::int64_t steps_left;  // of the current chunk taken from the budget
};

// One matching step; takes another chunk from the budget when the current one is spent.
void step(MatchState* ms) {
  if (--ms->steps_left > 0) return;
  LuaRuntime::of(ms->L).charge(ms->L, kStepChunk);
  ms->steps_left = kStepChunk;
}

// Charges what the last chunk used: called when a match attempt ends.
void settle(MatchState* ms) {
  LuaRuntime::of(ms->L).charge(ms->L, kStepChunk - ms->steps_left);
  ms->steps_left = kStepChunk;
}

const char* match(MatchState* ms, const char* s, const char* p);

int check_capture(MatchState* ms, int l) {
  l -= '1';
  if (l < 0 || l >= ms->level || ms->capture[l].len == kCapUnfinished) {
    return luaL_error(ms->L, "invalid capture index %%%d", l + 1);
  }
  return l;
}

int capture_to_close(MatchState* ms) {
  int level = ms->level;
  for (level--; level >= 0; level--) {
    if (ms->capture[level].len == kCapUnfinished) return level;
  }
  return luaL_error(ms->L, "invalid pattern capture");
}

const char* classend(MatchState* ms, const char* p) {
  switch (*p++) {
    case kEscape:
      if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (ends with '%%')");
      return p + 1;
    case '[':
      if (*p == '^') p++;
      do {  // look for a ']'
        if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (missing ']')");
        if (*(p++) == kEscape && p < ms->p_end) p++;  // skip escapes (e.g. '%]')
      } while (*p != ']');
      return p + 1;
    default:
      return p;
  }
}

bool match_class(int c, int cl) {
  bool res;
  switch (std::tolower(cl)) {
    case 'a':
      res = std::isalpha(c);
      break;
    case 'c':
      res = std::iscntrl(c);
      break;
    case 'd':
      res = std::isdigit(c);
      break;
    case 'g':
      res = std::isgraph(c);
      break;
    case 'l':
      res = std::islower(c);
      break;
    case 'p':
      res = std::ispunct(c);
      break;
    case 's':
      res = std::isspace(c);
      break;
    case 'u':
      res = std::isupper(c);
      break;
    case 'w':
      res = std::isalnum(c);
      break;
    case 'x':
      res = std::isxdigit(c);
      break;
    default:
      return cl == c;
  }
  if (std::isupper(cl)) res = !res;
  return res;
}

bool matchbracketclass(int c, const char* p, const char* ec) {
  bool sig = true;
  if (*(p + 1) == '^') {
    sig = false;
    p++;  // skip the '^'
  }
  while (++p < ec) {
    if (*p == kEscape) {
      p++;
      if (match_class(c, static_cast<unsigned char>(*p))) return sig;
    } else if (*(p + 1) == '-' && (p + 2 < ec)) {
      p += 2;
      if (static_cast<unsigned char>(*(p - 2)) <= c && c <= static_cast<unsigned char>(*p)) {
        return sig;
      }
    } else if (static_cast<unsigned char>(*p) == c) {
      return sig;
    }
  }
  return !sig;
}

bool singlematch(MatchState* ms, const char* s, const char* p, const char* ep) {
  if (s >= ms->src_end) return false;
  int c = static_cast<unsigned char>(*s);
  switch (*p) {
    case '.':
      return true;
    case kEscape:
      return match_class(c, static_cast<unsigned char>(*(p + 1)));
    case '[':
      return matchbracketclass(c, p, ep - 1);
    default:
      return static_cast<unsigned char>(*p) == c;
  }
}

const char* matchbalance(MatchState* ms, const char* s, const char* p) {
  if (p >= ms->p_end - 1) {
    luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
  }
  if (*s != *p) return nullptr;
  int b = *p;
  int e = *(p + 1);
  int cont = 1;
  while (++s < ms->src_end) {
    step(ms);
    if (*s == e) {
      if (--cont == 0) return s + 1;
    } else if (*s == b) {
      cont++;
    }
  }
  return nullptr;  // string ends out of balance
}

const char* max_expand(MatchState* ms, const char* s, const char* p, const char* ep) {
  std::ptrdiff_t i = 0;  // counts maximum expand for item
  while (singlematch(ms, s + i, p, ep)) {
    step(ms);
    i++;
  }
  // Keeps trying to match with the maximum repetitions.
  while (i >= 0) {
    const char* res = match(ms, (s + i), ep + 1);
    if (res) return res;
    i--;  // else didn't match; reduce 1 repetition to try again
  }
  return nullptr;
}

const char* min_expand(MatchState* ms, const char* s, const char* p, const char* ep) {
  for (;;) {
    const char* res = match(ms, s, ep + 1);
    if (res != nullptr) return res;
    if (singlematch(ms, s, p, ep)) {
      s++;  // try with one more repetition
    } else {
      return nullptr;
    }
  }
}

const char* start_capture(MatchState* ms, const char* s, const char* p, int what) {
  int level = ms->level;
  if (level >= kMaxCaptures) luaL_error(ms->L, "too many captures");
  ms->capture[level].init = s;
  ms->capture[level].len = what;
  ms->level = static_cast<unsigned char>(level + 1);
  const char* res = match(ms, s, p);
  if (res == nullptr) ms->level--;  // undo capture
  return res;
}

const char* end_capture(MatchState* ms, const char* s, const char* p) {
  int l = capture_to_close(ms);
  ms->capture[l].len = s - ms->capture[l].init;  // close capture
  const char* res = match(ms, s, p);
  if (res == nullptr) ms->capture[l].len = kCapUnfinished;  // undo capture
  return res;
}

const char* match_capture(MatchState* ms, const char* s, int l) {
  l = check_capture(ms, l);
  std::size_t len = static_cast<std::size_t>(ms->capture[l].len);
  if (static_cast<std::size_t>(ms->src_end - s) >= len &&
      std::memcmp(ms->capture[l].init, s, len) == 0) {
    return s + len;
  }
  return nullptr;
}

const char* match(MatchState* ms, const char* s, const char* p) {
  if (ms->matchdepth-- == 0) luaL_error(ms->L, "pattern too complex");
  step(ms);
  while (p != ms->p_end) {  // end of pattern?
    bool dflt = false;
    switch (*p) {
      case '(':  // start capture
        if (*(p + 1) == ')') {
          s = start_capture(ms, s, p + 2, kCapPosition);
        } else {
          s = start_capture(ms, s, p + 1, kCapUnfinished);
        }
        goto done;
      case ')':  // end capture
        s = end_capture(ms, s, p + 1);
        goto done;
      case '$':
        if ((p + 1) != ms->p_end) {  // not the last char: a plain '$'
          dflt = true;
          break;
        }
        s = (s == ms->src_end) ? s : nullptr;  // check end of string
        goto done;
      case kEscape:
        switch (*(p + 1)) {
          case 'b':  // balanced string
            s = matchbalance(ms, s, p + 2);
            if (s != nullptr) {
              p += 4;
              continue;  // return match(ms, s, p + 4)
            }
            goto done;
          case 'f': {  // frontier
            p += 2;
            if (*p != '[') luaL_error(ms->L, "missing '[' after '%%f' in pattern");
            const char* ep = classend(ms, p);  // points to what is next
            int previous = (s == ms->src_init) ? '\0' : static_cast<unsigned char>(*(s - 1));
            int current = (s < ms->src_end) ? static_cast<unsigned char>(*s) : '\0';
            if (!matchbracketclass(previous, p, ep - 1) && matchbracketclass(current, p, ep - 1)) {
              p = ep;
              continue;  // return match(ms, s, ep)
            }
            s = nullptr;  // match failed
            goto done;
          }
          case '0':
          case '1':
          case '2':
          case '3':
          case '4':
          case '5':
          case '6':
          case '7':
          case '8':
          case '9':  // capture results (%0-%9)?
            s = match_capture(ms, s, static_cast<unsigned char>(*(p + 1)));
            if (s != nullptr) {
              p += 2;
              continue;  // return match(ms, s, p + 2)
            }
            goto done;
          default:
            dflt = true;
            break;
        }
        break;
      default:
        dflt = true;
        break;
    }
    if (dflt) {
      const char* ep = classend(ms, p);  // points to optional suffix
      // does not match at least once?
      if (!singlematch(ms, s, p, ep)) {
        if (*ep == '*' || *ep == '?' || *ep == '-') {  // accept empty?
          p = ep + 1;
          continue;  // return match(ms, s, ep + 1)
        }
        s = nullptr;  // '+' or no suffix: fail
      } else {        // matched once
        switch (*ep) {
          case '?': {
            const char* res = match(ms, s + 1, ep + 1);
            if (res != nullptr) {
              s = res;
            } else {
              p = ep + 1;
              continue;  // else return match(ms, s, ep + 1)
            }
            break;
          }
          case '+':
            s = max_expand(ms, s + 1, p, ep);  // 1 match already done
            break;
          case '*':
            s = max_expand(ms, s, p, ep);
            break;
          case '-':
            s = min_expand(ms, s, p, ep);
            break;
          default:
            s++;
            p = ep;
            continue;  // return match(ms, s + 1, ep)
        }
      }
      goto done;
    }
  }
done:
  ms->matchdepth++;
  return s;
}

// Pushes capture i (or the whole match for i == 0 with no captures); returns its length, or
// kCapPosition for a position capture.
std::ptrdiff_t get_onecapture(MatchState* ms, int i, const char* s, const char* e,
                              const char** cap) {
  if (i >= ms->level) {
    if (i != 0) luaL_error(ms->L, "invalid capture index %%%d", i + 1);
    *cap = s;
    return e - s;
  }
  std::ptrdiff_t capl = ms->capture[i].len;
  *cap = ms->capture[i].init;
  if (capl == kCapUnfinished) {
    luaL_error(ms->L, "unfinished capture");
  } else if (capl == kCapPosition) {
    lua_pushinteger(ms->L, (ms->capture[i].init - ms->src_init) + 1);
  }
  return capl;
}

void push_onecapture(MatchState* ms, int i, const char* s, const char* e) {
  const char* cap;
  std::ptrdiff_t l = get_onecapture(ms, i, s, e, &cap);
  if (l != kCapPosition) lua_pushlstring(ms->L, cap, static_cast<std::size_t>(l));
}

int push_captures(MatchState* ms, const char* s, const char* e) {
  int nlevels = (ms->level == 0 && s) ? 1 : ms->level;
  luaL_checkstack(ms->L, nlevels, "too many captures");
  for (int i = 0; i < nlevels; i++) push_onecapture(ms, i, s, e);
  return nlevels;
}

bool nospecials(const char* p, std::size_t l) {
  std::size_t upto = 0;
  do {
    if (std::strpbrk(p + upto, kSpecials)) return false;
    upto += std::strlen(p + upto) + 1;  // may have more after '\0'
  } while (upto <= l);
  return true;
}

const char* lmemfind(const char* s1, std::size_t l1, const char* s2, std::size_t l2) {
  if (l2 == 0) return s1;
  if (l2 > l1) return nullptr;
  const char* init;
  l2--;
  l1 = l1 - l2;
  while (l1 > 0 && (init = static_cast<const char*>(std::memchr(s1, *s2, l1))) != nullptr) {
    init++;
    if (std::memcmp(init, s2 + 1, l2) == 0) return init - 1;
    l1 -= static_cast<std::size_t>(init - s1);
    s1 = init;
  }
  return nullptr;
}

std::size_t posrelat_start(lua_Integer pos, std::size_t len) {
  if (pos > 0) return static_cast<std::size_t>(pos);
  if (pos == 0) return 1;
  if (pos < -static_cast<lua_Integer>(len)) return 1;
  return len + static_cast<std::size_t>(pos) + 1;
}

void prepstate(MatchState* ms, lua_State* L, const char* s, std::size_t ls, const char* p,
               std::size_t lp) {
  ms->L = L;
  ms->matchdepth = kMaxDepth;
  ms->src_init = s;
  ms->src_end = s + ls;
  ms->p_end = p + lp;
  ms->steps_left = kStepChunk;
}

void reprepstate(MatchState* ms) {
  ms->level = 0;
  ms->matchdepth = kMaxDepth;
}

int str_find_aux(lua_State* L, bool find) {
  std::size_t ls, lp;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  std::size_t init = posrelat_start(luaL_optinteger(L, 3, 1), ls) - 1;
  if (init > ls) {
    luaL_pushfail(L);
    return 1;
  }
  if (find && (lua_toboolean(L, 4) || nospecials(p, lp))) {
    LuaRuntime::of(L).charge(L, static_cast<std::int64_t>((ls - init) / 64 + 1));
    const char* s2 = lmemfind(s + init, ls - init, p, lp);
    if (s2) {
      lua_pushinteger(L, (s2 - s) + 1);
      lua_pushinteger(L, static_cast<lua_Integer>((s2 - s) + lp));
      return 2;
    }
  } else {
    MatchState ms;
    const char* s1 = s + init;
    bool anchor = (*p == '^');
    if (anchor) {
      p++;
      lp--;
    }
    prepstate(&ms, L, s, ls, p, lp);
    do {
      reprepstate(&ms);
      const char* e = match(&ms, s1, p);
      if (e != nullptr) {
        settle(&ms);
        if (find) {
          lua_pushinteger(L, (s1 - s) + 1);  // start
          lua_pushinteger(L, e - s);         // end
          return push_captures(&ms, nullptr, nullptr) + 2;
        }
        return push_captures(&ms, s1, e);
      }
    } while (s1++ < ms.src_end && !anchor);
    settle(&ms);
  }
  luaL_pushfail(L);
  return 1;
}

int str_find(lua_State* L) {
  return str_find_aux(L, true);
}

int str_match(lua_State* L) {
  return str_find_aux(L, false);
}

struct GMatchState {
  const char* src;        // current position
  const char* p;          // pattern
  const char* lastmatch;  // end of last match
  MatchState ms;
};

int gmatch_aux(lua_State* L) {
  auto* gm = static_cast<GMatchState*>(lua_touserdata(L, lua_upvalueindex(3)));
  gm->ms.L = L;
  for (const char* src = gm->src; src <= gm->ms.src_end; src++) {
    reprepstate(&gm->ms);
    const char* e = match(&gm->ms, src, gm->p);
    if (e != nullptr && e != gm->lastmatch) {
      settle(&gm->ms);
      gm->src = gm->lastmatch = e;
      return push_captures(&gm->ms, src, e);
    }
  }
  settle(&gm->ms);
  return 0;  // not found
}

int str_gmatch(lua_State* L) {
  std::size_t ls, lp;
  const char* s = luaL_checklstring(L, 1, &ls);
  const char* p = luaL_checklstring(L, 2, &lp);
  std::size_t init = posrelat_start(luaL_optinteger(L, 3, 1), ls) - 1;
  lua_settop(L, 2);  // keep strings on closure to avoid being collected
  auto* gm = static_cast<GMatchState*>(lua_newuserdatauv(L, sizeof(GMatchState), 0));
  if (init > ls) init = ls + 1;  // start after string's end
  prepstate(&gm->ms, L, s, ls, p, lp);
  gm->src = s + init;
  gm->p = p;
  gm->lastmatch = nullptr;
  lua_pushcclosure(L, guarded<gmatch_aux>, 3);
  return 1;
}

void add_s(MatchState* ms, luaL_Buffer* b, const char* s, const char* e) {
  std::size_t l;
  lua_State* L = ms->L;
  const char* news = lua_tolstring(L, 3, &l);
  const char* p;
  while ((p = static_cast<const char*>(std::memchr(news, kEscape, l))) != nullptr) {
    luaL_addlstring(b, news, static_cast<std::size_t>(p - news));
    p++;                  // skip ESC
    if (*p == kEscape) {  // '%%'
      luaL_addchar(b, *p);
    } else if (*p == '0') {  // '%0'
      luaL_addlstring(b, s, static_cast<std::size_t>(e - s));
    } else if (std::isdigit(static_cast<unsigned char>(*p))) {  // '%n'
      const char* cap;
      std::ptrdiff_t resl = get_onecapture(ms, *p - '1', s, e, &cap);
      if (resl == kCapPosition) {
        luaL_addvalue(b);  // add position to accumulated result
      } else {
        luaL_addlstring(b, cap, static_cast<std::size_t>(resl));
      }
    } else {
      luaL_error(L, "invalid use of '%c' in replacement string", kEscape);
    }
    l -= static_cast<std::size_t>(p + 1 - news);
    news = p + 1;
  }
  luaL_addlstring(b, news, l);
}

// Adds the replacement value for the match s..e; returns true if the match was changed (false
// means the original text is kept: a false or nil value from a table or function).
bool add_value(MatchState* ms, luaL_Buffer* b, const char* s, const char* e, int tr) {
  lua_State* L = ms->L;
  switch (tr) {
    case LUA_TFUNCTION: {
      lua_pushvalue(L, 3);
      int n = push_captures(ms, s, e);
      lua_call(L, n, 1);
      break;
    }
    case LUA_TTABLE:
      push_onecapture(ms, 0, s, e);
      lua_gettable(L, 3);
      break;
    default:  // LUA_TNUMBER or LUA_TSTRING
      add_s(ms, b, s, e);
      return true;
  }
  if (!lua_toboolean(L, -1)) {  // nil or false?
    lua_pop(L, 1);
    luaL_addlstring(b, s, static_cast<std::size_t>(e - s));  // keep original text
    return false;
  }
  if (!lua_isstring(L, -1)) {
    return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  }
  luaL_addvalue(b);  // add result to accumulator
  return true;
}

int str_gsub(lua_State* L) {
  std::size_t srcl, lp;
  const char* src = luaL_checklstring(L, 1, &srcl);
  const char* p = luaL_checklstring(L, 2, &lp);
  const char* lastmatch = nullptr;
  int tr = lua_type(L, 3);
  lua_Integer max_s = luaL_optinteger(L, 4, static_cast<lua_Integer>(srcl) + 1);
  bool anchor = (*p == '^');
  lua_Integer n = 0;
  bool changed = false;
  MatchState ms;
  luaL_Buffer b;
  luaL_argexpected(
      L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
      "string/function/table");
  luaL_buffinit(L, &b);
  if (anchor) {
    p++;
    lp--;
  }
  prepstate(&ms, L, src, srcl, p, lp);
  while (n < max_s) {
    reprepstate(&ms);
    const char* e = match(&ms, src, p);
    if (e != nullptr && e != lastmatch) {
      settle(&ms);
      n++;
      changed = add_value(&ms, &b, src, e, tr) | changed;
      src = lastmatch = e;
    } else if (src < ms.src_end) {
      luaL_addchar(&b, *src++);
    } else {
      break;
    }
    if (anchor) break;
  }
  settle(&ms);
  if (!changed) {
    lua_pushvalue(L, 1);  // return original string
  } else {
    luaL_addlstring(&b, src, static_cast<std::size_t>(ms.src_end - src));
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}

}  // namespace

void install_counted_patterns(lua_State* L, int index) {
  index = lua_absindex(L, index);
  static constexpr luaL_Reg kFunctions[] = {{"find", guarded<str_find>},
                                            {"match", guarded<str_match>},
                                            {"gmatch", guarded<str_gmatch>},
                                            {"gsub", guarded<str_gsub>}};
  for (const auto& f : kFunctions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, index, f.name);
  }
}

}  // namespace commsflow
