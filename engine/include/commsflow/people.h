// People over their life: who may act, with which roles, and how they sign in.
//
// Every change is one write transaction that also appends an event to the hash chain, so that
// `verify` finds an edit of the account tables made around commsflow and the audit answers
// "who gave Sam the head of comms role, and when". The event's ref is "actor:NAME" (for a
// delegation, the name of the person delegating), its actor is `by`, and its action one of:
//   actor_added {roles, display_name?, email?}, display_name_set {display_name}, email_set {email},
//   role_granted {role}, role_removed {role}, actor_disabled, actor_enabled, password_set (the
//   fact, never the hash), token_created {token_id, name, expires_at, digest}, token_revoked
//   {token_id}, delegation_created {delegation_id, to, role, until}, delegation_revoked
//   {delegation_id}
// (and account_recorded, written once for each account that existed before this record began).
//
// `by` is the actor making the change, or kOperator for the person at the database file.
// Disabling an actor or removing a role ends the actor's sessions in the same transaction.
// Bad input throws Error(BadInput) or Error(NotFound) naming it; nothing is written then.
//
// Not thread-safe: a People shares its Store's thread.
#pragma once

#include <commsflow/accounts.h>
#include <commsflow/clock.h>
#include <commsflow/error.h>
#include <commsflow/store.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

class WorkflowRegistry;

// The person at the database file (the CLI without --as): an admin by definition.
inline constexpr const char* kOperator = "operator";

// Who is at the database file, as the system names them: the login behind sudo (SUDO_USER, as
// `sudo -u commsflow commsflow ...` sets it), else the user running the command. Recorded as
// `login` in the payload of each account change made as the operator, so that administrators
// who share the file can be told apart. What the system reports, not proof of who it was:
// whoever may write the file may write anything in it.
std::string operator_login();

// A person's name as someone typed it (at the sign-in form, in the CLI's --as), made the name it
// can only be: names are lower case (People::add), and spaces around it are no part of it.
// "Hannah.Head " is hannah.head.
std::string typed_person_name(std::string text);

// True for a name a person may sign in with: 1-64 lower-case letters, digits, '.', '-' or '_'.
bool is_sign_in_name(std::string_view name);

// The sign-in name of the one person whose name as shown is `typed`, in any case ("Hannah Head"
// for hannah.head); nothing when no one, or more than one, is so named.
std::optional<std::string> sign_in_name_of(Store& store, const std::string& typed);

// How long an API token lasts unless told otherwise.
inline constexpr std::chrono::hours kDefaultTokenLifetime{24 * 90};

class People {
 public:
  People(Store& store, WorkflowRegistry& registry, const Clock& clock)
      : store_(store), registry_(registry), clock_(clock) {}

  // Adds the actor or grants it more roles (and, when given, sets the display name and email
  // address). Throws Error(BadInput) for an unknown role, a bad or reserved name, no roles, or a
  // bad display name or email address.
  Actor add(std::string_view name, const std::vector<std::string>& roles, std::string_view by,
            std::string_view display_name = {}, std::string_view email = {});
  // How people see the actor: 1 to 100 characters of text on one line ("Olivia Officer"); empty
  // shows the sign-in name again.
  Actor set_display_name(std::string_view name, std::string_view display_name, std::string_view by);
  // Where the actor's notifications go: an address like olivia.officer@nhs.net, or empty for
  // none. Personal data: shown only where the people list is.
  Actor set_email(std::string_view name, std::string_view email, std::string_view by);
  // Takes a role away and ends the actor's sessions. Error(BadInput) when the actor does not
  // hold it, or it is the actor's last role (disable the actor instead).
  Actor remove_role(std::string_view name, std::string_view role, std::string_view by);
  // A leaver: may not sign in or act, sessions end and their API tokens are revoked (each
  // recorded, as by revoke_api_token: enabling them again brings none back); history still names
  // them.
  Actor disable(std::string_view name, std::string_view by);
  Actor enable(std::string_view name, std::string_view by);

  // Sets (or replaces) the password hash (see credentials.h) and ends the actor's sessions.
  void set_password_hash(std::string_view name, std::string_view hash, std::string_view by);
  // Records an API token (by the SHA-256 digest of its value) that expires after `lifetime`.
  ApiTokenRecord create_api_token(std::string_view name, std::string_view token_digest,
                                  std::string_view token_name, std::chrono::seconds lifetime,
                                  std::string_view by);
  // Revokes a token. Refused (forbidden) unless `by` is its actor, an admin or kOperator.
  Outcome<ApiTokenRecord> revoke_api_token(std::int64_t id, std::string_view by);

  // Ends a delegation before its end date. `by` must be the person delegating, the delegate,
  // an admin or kOperator.
  Outcome<Delegation> revoke_delegation(std::int64_t id, std::string_view by);

 private:
  Actor require(std::string_view name);
  bool may_manage(std::string_view by, std::string_view owner);
  void record(std::string_view name, std::string_view action, std::string_view by,
              Json payload = Json::object());

  Store& store_;
  WorkflowRegistry& registry_;
  const Clock& clock_;
  std::string now_;  // the time of the change being made, the same in its rows and its event
};

// Appends the event for a delegation just stored, in the caller's write transaction.
void record_delegation(Store& store, const Delegation& delegation);

}  // namespace commsflow
