// Accounts as their events describe them (see people.h), replayed for verify and compared with
// the account tables: actors and whether they are disabled, their roles, whether they have a
// password, their API tokens and the delegations they gave. Sessions are not in the chain.
//
// Thread-safety: none; one verify owns it.
#pragma once

#include <commsflow/event.h>
#include <commsflow/store.h>
#include <commsflow/verify.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// True for the ref of an account event ("actor:NAME").
bool is_account_ref(std::string_view ref);

class ReplayedAccounts {
 public:
  void apply(const Event& e);
  // Appends a problem for each difference between the tables and the replayed accounts.
  // Call inside the read transaction the events were read in.
  void compare(Store& store, std::vector<VerifyProblem>& problems) const;

 private:
  struct Account {
    std::set<std::string> roles;
    bool disabled = false;
    bool password = false;
    // SHA-256 of the stored password hash its last password_set recorded; empty for events
    // older than that record.
    std::string password_digest;
    std::string display_name;
    std::string email;
  };
  struct Token {
    std::string actor, name, expires_at, digest;
    bool revoked = false;
  };
  struct Given {
    std::string from, to, role, until;
    bool revoked = false;
  };
  void add_token(const std::string& actor, const Json& token);
  void add_delegation(const std::string& from, const Json& delegation);

  std::map<std::string, Account> actors_;
  std::map<std::int64_t, Token> tokens_;
  std::map<std::int64_t, Given> delegations_;
};

}  // namespace commsflow
