// What people read, in plain text: the workflow's labels for states, actions, fields and choices;
// people by their display names; times in UK time. The web app escapes these for HTML, the CLI
// prints them. JSON, CSV and storage keep identifiers and UTC.
#pragma once

#include <commsflow/definition.h>
#include <commsflow/event.h>
#include <commsflow/json.h>
#include <commsflow/store.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commsflow {

// The words that name an item: its "title", "headline" or "name" text, the first it has; empty
// when it has none.
std::string item_title(const Item& item);
// The same, and for an item with none of those (a piece of feedback) the first line of its first
// text field in the workflow's order, cut to 80 characters, so every item has words to show.
std::string item_title(const Definition& d, const Item& item);

// An actor's display name; the name itself when there is none or no such actor.
std::string person_name(Store& store, std::string_view name);
// Who took an event, as people read it: "Sam Officer", or "Sam Officer on behalf of Cara
// Clinical" for a decision under a delegation (`on_behalf_of` not empty).
std::string acting_person(Store& store, std::string_view actor, std::string_view on_behalf_of);

// Roles as people say them, each a title as everywhere else a role is named (mid-sentence too,
// as "as Head of comms" is): "Head of comms or Director".
std::string roles_in_words(const std::vector<std::string>& roles, const char* conjunction);

// Sign-off entries as people say them: each a person's name, or a role's label ("Head of comms
// or Dev Director").
std::string approvers_in_words(Store& store, const std::vector<std::string>& entries,
                               const char* conjunction);

// A workflow as words in a sentence: its title with the initial capital lowered ("media statement
// sign-off"; kept when the next letter is a capital too, as in "NHS"), else its name as a label.
std::string workflow_in_words(const Definition& d);

// States of `d` by their labels: "Triaged, Accepted or In progress".
// "a", "a or b", "a, b or c" (with "and" or "or" as `conjunction`).
std::string listed(const std::vector<std::string>& words, const char* conjunction);
std::string states_in_words(const Definition& d, const std::vector<std::string>& states);

// A stored value of field `f`: a date or time in UK time, a choice by its label, yes/no, a person
// (an actor field) by name, a list of plain values joined with "; ". A list of records is given
// as "N rows" (readers that can, show it as a table).
std::string value_in_words(Store& store, const FieldSpec& f, const Json& value);
// A length of time kept in field `f` (one with a `unit`), in hours and minutes ("2 hours 5
// minutes"); nothing for a field without one or a value that is no whole number.
std::optional<std::string> length_in_words(const FieldSpec& f, const Json& value);
// True for a name as the engine and workflows store them, lower-case letters and '_' (a state,
// a choice, a role, a decision): one readable_label reads well. Digits make it none, so that a
// hash or a date is never relabelled.
bool is_stored_name(std::string_view s);

// A value recorded in an event's payload under `key`: a field's value as value_in_words; else a
// state by its label, an identifier ("approved") as a readable label, a person by name; lists
// joined with ", ".
std::string payload_in_words(Store& store, const Definition& d, std::string_view key,
                             const Json& value);

// The label of what an event's payload records under `key`: a field's label, the sign-off's own
// records in words ("Decisions taken back" for `voided`), else the key made readable.
std::string payload_label(const Definition& d, std::string_view key);

// True for a payload entry that tells a person nothing: no decision taken back (`voided` 0).
bool payload_says_nothing(std::string_view key, const Json& value);

// A sign-off decision (approved, approved_with_changes, ...) as people say it: "Approved with
// changes".
std::string decision_label(std::string_view decision);

// A sign-off group's result in the current step as people read it: its decision's label, or
// "waiting", with how many decisions it has of those asked when the step set a number
// ("waiting: 1 of 2 decisions, each by a different person").
std::string group_result_in_words(const Json& record);

// Whom a decision's "as" names: a person named as an approver, by name; else a role's label.
std::string approver_in_words(Store& store, std::string_view as);

// One decision recorded in a sign-off: "Approved: Hannah Head (as Head of comms) on version 2 at
// Tue 3 Dec 2026, 14:30: \"comment\"".
std::string decision_in_words(Store& store, const Json& decision);

// The changes asked for on an item's current text, in words, oldest first: each sign-off decision
// in `history` (the item's events as the reader may see them) that asks for changes (changes
// required, approved with changes), made since the document's last new version and not answered
// since by a later decision in the same step in the same person's place (theirs, or a delegate's
// on their behalf): "Changes required by Cara Clinical in Clinical accuracy review, on version 1
// at Mon 7 Dec 2026, 07:54: \"Wrong dose\"".
std::vector<std::string> changes_asked_in_words(Store& store, const Definition& d,
                                                const std::vector<Event>& history);

// `text` with each UTC time written in it ("2026-12-03T14:30:00Z") in UK time, as people read
// it: prose a workflow writes (a guard's reasons) may quote a stored time.
std::string times_in_words(std::string_view text);

// The names in braces in a workflow's wording ("assigned to {assignee}"), in order.
std::vector<std::string> placeholders(std::string_view wording);

// What action `a` did to `item`, for a success message: its `done` wording with each {name}
// given in words from the action's payload or else the item's data ("assigned to Olivia
// Officer"); without wording, "<action label> done".
std::string done_in_words(Store& store, const Definition& d, const ActionSpec& a, const Item& item,
                          const Json& payload);

}  // namespace commsflow
