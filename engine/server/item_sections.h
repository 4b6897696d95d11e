// Sections of the item page beyond its details and actions: the stage checklist, the document
// versions, the sign-off decisions step by step, the children, and the decide form; and the
// document version page with its diff.
//
// Each is rendered from a template (engine/server/templates/item-*.mustache), which escapes every
// piece of data. Callers hold the engine mutex. Not thread-safe on their own.
#pragma once

#include <commsflow/engine.h>
#include <commsflow/read_access.h>

#include <optional>
#include <string>
#include <vector>

namespace commsflow::server {

// What a person needs first, as a summary list: the state, what is needed next and from whom
// (the sign-off groups still to decide, else the actions open now and the roles that take them;
// an action blocked by a rule is named with its first reason), and the due time with how far
// off it is. `stored` is the item as stored, for the rules; `item` the reader's view of it;
// `actions` Engine::available_actions of `stored`; `changes_asked` changes_asked_in_words of the
// history the reader sees, listed in a row of their own when there are any; `text_shown` whether
// the page shows the reader the current text (a decision waiting is "on the text below").
std::string at_a_glance_html(Engine& engine, const Definition& d, const Item& stored,
                             const Item& item, const std::vector<AvailableAction>& actions,
                             const std::vector<std::string>& changes_asked, bool text_shown);
// The current version of the item's document in a read-only panel, under a heading that says
// whether it is the text being approved, the text approved, or (to one who reads approved
// versions alone, `approved_only`: Sight::document false) the text last approved. Empty when
// there is none. `versions` as the reader may read them (ReadAccess::documents, read once for
// the page).
std::string current_text_html(Engine& engine, const Item& item,
                              const std::vector<DocumentVersion>& versions, bool approved_only);

// Met and unmet lines of the item's current stage, each stated in words ("Done" / "Not done"),
// or an empty string when the stage has no checklist.
std::string checklist_html(Engine& engine, const Item& item);
// The item's document versions, newest first: number, SHA-256, author, time, and links to view
// each and compare it with the one before it in `versions`, folded under "details" (they are for
// those who audit). Empty when the item has no document. `versions` as the reader may read them
// (ReadAccess::documents): all, or only those approved, with `drafts_withheld` saying so. Each
// version an approval of record was given to says so, from `history` (the item's events): the
// approval that stands, one given with changes asked, or one that no longer stands.
std::string documents_html(Engine& engine, const Item& item,
                           const std::vector<DocumentVersion>& versions,
                           const std::vector<Event>& history, bool drafts_withheld = false);
// The current sign-off step (groups, their decisions, due time, overdue), the steps passed and
// the final approval, from the engine's records in item.data. Empty when there are none.
std::string signoff_html(Store& store, const Definition& d, const Item& item);
// Links to the item's children with their state, and a button to add a child of each workflow
// that belongs to the item's workflow when `actor` may start one. Empty when there is neither.
std::string children_html(ReadAccess& access, const Item& item, const Actor& actor);

// What the decide form shows again after a failed post.
struct DecideFormState {
  std::string decision;
  std::string comment;
  std::string error;          // inline error on the decision radios
  std::string comment_error;  // inline error on the comment
};
// The decide form when `actor` may decide on the item now (it is in their inbox), else empty.
// `csrf` is the session's token for the form.
std::string decide_form_html(Engine& engine, const Item& item, const Actor& actor,
                             const std::string& csrf, const DecideFormState& state);

// What the new-version form shows: the text to start from (the posted text after a failed post,
// else empty for the current version's text) and the note.
struct DocumentFormState {
  std::optional<std::string> content;
  std::string note;
  std::string error;  // what is wrong with the text, shown beside it
};
// The form to store a new version of the item's document, starting from the current text, when
// the workflow has a document, the item is open and `actor` holds a document role; else empty.
// `csrf` is the session's token for the form; `versions` as for current_text_html.
std::string document_form_html(Engine& engine, const Item& item, const Actor& actor,
                               const std::string& csrf, const DocumentFormState& state,
                               const std::vector<DocumentVersion>& versions);

// The body of the page showing document version `version` of the item, and the line diff from
// version `against` (default: the one before it in `versions`) to it. `versions` as the reader
// may read them (ReadAccess::documents). Throws Error(NotFound) for a version the item does not
// have, or that is a draft withheld from the reader.
std::string document_page_html(Engine& engine, const Item& item,
                               const std::vector<DocumentVersion>& versions, bool drafts_withheld,
                               std::int64_t version, std::optional<std::int64_t> against);

}  // namespace commsflow::server
