// doc put|show|list|diff, decide, delegate, delegations, inbox, outbox, tick; and the sign-off
// part of `show`.
#include <commsflow/delivery.h>
#include <commsflow/people.h>
#include <commsflow/registry.h>
#include <commsflow/signoff.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "base/hidden_characters.h"
#include "cli/commands.h"
#include "workflow/field_values.h"

namespace commsflow::cli {

namespace {

Json version_json(const DocumentVersion& v, bool with_content) {
  Json attachments = Json::array();
  for (const auto& a : v.attachments) {
    attachments.push_back(Json{{"name", a.name}, {"hash", a.hash}, {"bytes", a.content.size()}});
  }
  Json out{{"version", v.version},       {"hash", v.hash},
           {"author", v.author},         {"created_at", v.created_at},
           {"attachments", attachments}, {"bytes", v.content.size()}};
  if (with_content) out["content"] = v.content;
  return out;
}

// `versions` as ReadAccess::documents gives them: all, or only those approved when
// `drafts_withheld`. Number 0 is the latest the reader may read.
const DocumentVersion& find_version(const std::vector<DocumentVersion>& versions,
                                    bool drafts_withheld, const std::string& ref,
                                    std::int64_t number) {
  if (versions.empty()) {
    fail(ErrorKind::NotFound, "{} has no document yet (put one with `commsflow doc put {}`)", ref,
         ref);
  }
  if (number == 0) return versions.back();
  for (const auto& v : versions) {
    if (v.version == number) return v;
  }
  if (drafts_withheld) {
    std::vector<std::int64_t> numbers;
    for (const auto& v : versions) numbers.push_back(v.version);
    fail(ErrorKind::NotFound,
         "version {} of {}'s document is a draft, or not there: you may read the versions that "
         "were approved ({})",
         number, ref, fmt::join(numbers, ", "));
  }
  fail(ErrorKind::NotFound, "{} has no document version {} (it has 1 to {})", ref, number,
       versions.back().version);
}

void print_outcome(Session& s, Outcome<Item>& outcome, const std::string& done,
                   const std::string& actor) {
  if (!outcome) {
    s.refused(outcome.refusal());
    return;
  }
  const Item& item = outcome.value();
  if (s.options.json) {
    // As far as the person who made the change may read it.
    const std::optional<Item> seen = s.seen_by(actor, item);
    s.print_json(seen ? seen->to_json() : Json{{"ref", item.ref}});
  } else {
    const Definition& d = s.engine().registry().version(item.version).definition;
    fmt::print("{}: {}; now {} (revision {})\n", item.ref, done, state_label(d, item.state),
               item.revision);
  }
  warn_if_changed_on_altered(s.engine().store(), item);
}

void add_doc_commands(CLI::App& app, Session& s) {
  auto* doc = app.add_subcommand("doc", "An item's document: put a new version, show, list, diff");
  doc->require_subcommand(1);
  {
    auto* cmd =
        doc->add_subcommand("put", "Store a new version of the document (never changes old ones)");
    auto request = std::make_shared<PutDocumentRequest>();
    auto file = std::make_shared<std::string>();
    auto attach = std::make_shared<std::vector<std::string>>();
    cmd->add_option("ref", request->ref, "Item reference")->transform(as_reference())->required();
    cmd->add_option("--file", *file, "Text file holding the new version")->required();
    cmd->add_option("--attach", *attach, "A file attached to this version (repeatable)");
    cmd->add_option("--as", request->actor, "Actor writing the version")
        ->transform(as_person())
        ->required();
    cmd->add_option("--note", request->note, "What changed, kept in the history");
    cmd->callback([&s, request, file, attach] {
      // The engine first: a command handed over to commsflow-full (hand_over.h) must not have
      // read a pipe it then finds empty.
      Engine& engine = s.engine();
      request->content = read_file(*file);
      for (const auto& path : *attach) {
        request->attachments.push_back(
            Attachment{std::filesystem::path(path).filename().string(), "", read_file(path)});
      }
      auto outcome = Signoff(engine).put_document(*request);
      std::string stored;
      if (outcome) {
        const Json& current = outcome.value().data["_document"];
        stored = fmt::format("stored document version {} (sha256 {})", current.value("version", 0),
                             current.value("hash", ""));
      }
      print_outcome(s, outcome, stored, request->actor);
    });
  }
  {
    auto* cmd =
        doc->add_subcommand("show",
                            "Print a version of the document (default: the latest): its text "
                            "on standard output, as `doc put --file` takes it back, and its "
                            "version, hash, author and attachments on standard error");
    auto ref = std::make_shared<std::string>();
    auto version = std::make_shared<std::int64_t>(0);
    cmd->add_option("ref", *ref, "Item reference")->transform(as_reference())->required();
    cmd->add_option("--version", *version, "Version number");
    add_read_as(cmd, s);
    cmd->callback([&s, ref, version] {
      s.only_reads();
      bool drafts_withheld = false;
      auto versions = s.access().documents(*ref, &drafts_withheld);
      const DocumentVersion& v = find_version(versions, drafts_withheld, *ref, *version);
      if (s.options.json) {
        s.print_json(version_json(v, true));
        return;
      }
      // Only the text on standard output: saved to a file, edited and put back, it is the text
      // and nothing else.
      std::cerr << fmt::format(
          "{} document version {}{}\n  sha256 {}\n  by {} at {} (UK time)\n", *ref, v.version,
          drafts_withheld ? " (approved)" : fmt::format(" of {}", versions.back().version), v.hash,
          person_name(s.engine().store(), v.author), uk_datetime(v.created_at));
      for (const auto& a : v.attachments) {
        std::cerr << fmt::format("  attachment {} ({} bytes, sha256 {})\n", a.name,
                                 a.content.size(), a.hash);
      }
      // Characters that show nothing are said, not changed: the text saved and put back is the
      // same text.
      if (auto hidden = hidden_characters_in(v.content); !hidden.empty()) {
        std::cerr << fmt::format(
            "  it holds characters that do not show ({}): its web page and `doc diff` mark each\n",
            listed(hidden, "and"));
      }
      // Stored text holds no control characters but tabs and line breaks (CR LF too), and is
      // printed as it is; anything else is shown escaped.
      fmt::print("{}", control_character_in(v.content).empty() ? v.content : printable(v.content));
      // A text without a last line break leaves the terminal's next line after it: the break is
      // written on standard error, so the text on standard output stays as it was stored.
      if (!v.content.empty() && v.content.back() != '\n') {
        std::fflush(stdout);
        std::cerr << "\n";
      }
    });
  }
  {
    auto* cmd = doc->add_subcommand("list", "List the document's versions");
    auto ref = std::make_shared<std::string>();
    cmd->add_option("ref", *ref, "Item reference")->transform(as_reference())->required();
    add_read_as(cmd, s);
    cmd->callback([&s, ref] {
      s.only_reads();
      bool drafts_withheld = false;
      auto versions = s.access().documents(*ref, &drafts_withheld);
      // Said on stderr in JSON too: the list stays the array it has always been.
      if (drafts_withheld) {
        std::cerr << "Only the versions that were approved are listed: the others are drafts.\n";
      }
      if (s.options.json) {
        Json out = Json::array();
        for (const auto& v : versions) out.push_back(version_json(v, false));
        s.print_json(out);
        return;
      }
      if (versions.empty()) fmt::print("{} has no document yet\n", *ref);
      Store& store = s.engine().store();
      for (const auto& v : versions) {
        fmt::print(
            "v{:<3} {:<23} {:<20} {} bytes{}  sha256 {}\n", v.version, uk_datetime(v.created_at),
            person_name(store, v.author), v.content.size(),
            v.attachments.empty() ? "" : fmt::format(", {} attachment(s)", v.attachments.size()),
            v.hash);
      }
    });
  }
  {
    auto* cmd = doc->add_subcommand("diff", "Show what changed between two versions, line by line");
    auto ref = std::make_shared<std::string>();
    auto a = std::make_shared<std::int64_t>(0);
    auto b = std::make_shared<std::int64_t>(0);
    cmd->add_option("ref", *ref, "Item reference")->transform(as_reference())->required();
    // CLI11's number checks name a range up to 1.8e308 when the text is not a number.
    const CLI::Validator version_number(
        [](std::string& text) -> std::string {
          std::int64_t n = 0;
          auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
          if (ec != std::errc() || end != text.data() + text.size() || n < 1) {
            return fmt::format("'{}' is not a version number (1, 2, ...)", text);
          }
          return {};
        },
        "", "version number");
    cmd->add_option("from", *a, "Earlier version number")
        ->required()
        ->check(version_number)
        ->type_name("VERSION")
        ->default_str("");
    cmd->add_option("to", *b, "Later version number")
        ->required()
        ->check(version_number)
        ->type_name("VERSION")
        ->default_str("");
    add_read_as(cmd, s);
    cmd->callback([&s, ref, a, b] {
      s.only_reads();
      bool drafts_withheld = false;
      auto versions = s.access().documents(*ref, &drafts_withheld);
      const DocumentVersion& from = find_version(versions, drafts_withheld, *ref, *a);
      const DocumentVersion& to = find_version(versions, drafts_withheld, *ref, *b);
      std::string diff = changes_between(from, to);
      if (s.options.json) {
        s.print_json(Json{{"ref", *ref},
                          {"from", version_json(from, false)},
                          {"to", version_json(to, false)},
                          {"diff", diff}});
        return;
      }
      Store& store = s.engine().store();
      fmt::print("--- {} version {} ({}, {})\n+++ {} version {} ({}, {})\n", *ref, from.version,
                 person_name(store, from.author), uk_datetime(from.created_at), *ref, to.version,
                 person_name(store, to.author), uk_datetime(to.created_at));
      fmt::print("{}", diff.empty() ? "(the texts are the same)\n" : diff);
    });
  }
}

}  // namespace

void print_signoff(Session& s, const Item& item) {
  Store& store = s.engine().store();
  const Definition& d = s.engine().registry().version(item.version).definition;
  auto step_name = [&](const Json& step) { return state_label(d, step.value("step", "")); };
  auto decisions = [&](const Json& list) {
    for (const auto& one : list) fmt::print("    - {}\n", printable(decision_in_words(store, one)));
  };
  auto doc = item.data.find("_document");
  if (doc != item.data.end()) {
    fmt::print("Document: version {} by {} at {}\n  sha256 {}\n", doc->value("version", 0),
               person_name(store, doc->value("author", "")), uk_datetime(doc->value("at", "")),
               doc->value("hash", ""));
  }
  auto signoff = item.data.find("_signoff");
  if (signoff != item.data.end()) {
    fmt::print("Sign-off step: {}, started {}{}{}\n", step_name(*signoff),
               uk_datetime(signoff->value("started_at", "")),
               signoff->contains("due_at")
                   ? fmt::format(", due {}", uk_datetime((*signoff)["due_at"].get<std::string>()))
                   : "",
               signoff->value("overdue", false) ? "  OVERDUE (escalated)" : "");
    for (const auto& [group, record] : (*signoff)["groups"].items()) {
      fmt::print("  {}: {}\n", d.state(group) ? state_label(d, group) : readable_label(group),
                 group_result_in_words(record));
      decisions(record["decisions"]);
    }
    if (signoff->contains("void") && !(*signoff)["void"].empty()) {
      fmt::print(
          "  Void (taken back when the text, or a condition of its approval, changed; the "
          "history says which):\n");
      decisions((*signoff)["void"]);
    }
    fmt::print(
        "  To decide, having read version {1}: commsflow decide {0} DECISION --version {1} --as "
        "NAME (see decide --help)\n",
        item.ref, doc == item.data.end() ? 0 : doc->value("version", 0));
  }
  auto chain = item.data.find("_chain");
  if (chain != item.data.end()) {
    fmt::print("Steps passed:\n");
    for (const auto& step : *chain) {
      fmt::print("  {}: {} at {}\n", step_name(step), decision_label(step.value("result", "")),
                 uk_datetime(step.value("at", "")));
    }
  }
  auto approved = item.data.find("_approved");
  if (approved != item.data.end()) {
    fmt::print("Approved: version {} (sha256 {}) at {}\n", approved->value("document_version", 0),
               approved->value("document_hash", ""), uk_datetime(approved->value("at", "")));
    for (const auto& step : (*approved)["steps"]) {
      fmt::print("  {}: {}\n", step_name(step), decision_label(step.value("result", "")));
      decisions(step["decisions"]);
    }
  }
}

void add_signoff_commands(CLI::App& app, Session& s) {
  add_doc_commands(app, s);
  {
    auto* cmd = app.add_subcommand(
        "decide",
        "Decide in a sign-off step: approved, approved_with_changes, changes_required "
        "or not_relevant");
    auto request = std::make_shared<DecideRequest>();
    auto revision = std::make_shared<std::int64_t>(0);
    cmd->add_option("ref", request->ref, "Item reference")->transform(as_reference())->required();
    cmd->add_option("decision", request->decision,
                    "approved, approved_with_changes, changes_required or not_relevant (or as "
                    "said: \"Approved with changes\")")
        ->transform(as_decision())
        ->required();
    cmd->add_option("--as", request->actor, "Actor deciding")->transform(as_person())->required();
    cmd->add_option("--comment", request->comment, "A comment kept with the decision");
    cmd->add_option("--on-behalf-of", request->on_behalf_of,
                    "Decide as the delegate of this actor (when several delegated to you)")
        ->transform(as_person());
    auto* rev =
        cmd->add_option("--revision", *revision, "Refuse if the item is no longer at this revision")
            ->default_str("")
            ->check(at_least(0));
    auto version = std::make_shared<std::int64_t>(0);
    cmd->add_option("--version", *version,
                    "The version of the text you read (`doc show REF` prints it); refused if "
                    "another was put since")
        ->required()
        ->default_str("")
        ->check(at_least(1));
    cmd->callback([&s, request, revision, rev, version] {
      if (rev->count() > 0) request->expected_revision = *revision;
      request->document_version = *version;
      auto outcome = Signoff(s.engine()).decide(*request);
      print_outcome(s, outcome, fmt::format("{} recorded", decision_label(request->decision)),
                    request->actor);
      if (outcome && !s.options.json) {
        if (auto seen = s.seen_by(request->actor, outcome.value())) print_signoff(s, *seen);
      }
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "delegate", "Let another actor decide in your place for a role, until a date");
    auto from = std::make_shared<std::string>();
    auto to = std::make_shared<std::string>();
    auto role = std::make_shared<std::string>();
    auto until = std::make_shared<std::string>();
    auto by = std::make_shared<std::string>();
    cmd->add_option("from", *from, "The actor delegating")->transform(as_person())->required();
    cmd->add_option("to", *to, "The delegate")->transform(as_person())->required();
    cmd->add_option("--role", *role, "The role delegated")->required();
    cmd->add_option("--until", *until, "Last day of the delegation (31/12/2026 or 2026-12-31)")
        ->required();
    cmd->add_option("--as", *by,
                    "Who records it: FROM or an admin (without it, the operator of the database, "
                    "as for every change made here)")
        ->transform(as_person());
    cmd->callback([&s, from, to, role, until, by] {
      auto outcome =
          Signoff(s.engine()).delegate(*from, *to, *role, *until, by->empty() ? kOperator : *by);
      if (!outcome) {
        s.refused(outcome.refusal());
        return;
      }
      const Delegation& d = outcome.value();
      if (s.options.json) {
        s.print_json(Json{
            {"id", d.id}, {"from", d.from}, {"to", d.to}, {"role", d.role}, {"until", d.until}});
        return;
      }
      Store& store = s.engine().store();
      fmt::print("{} may decide for {} as {} until the end of {}\n", person_name(store, d.to),
                 person_name(store, d.from), readable_label(d.role), uk_date(d.until));
    });
  }
  {
    auto* cmd = app.add_subcommand("delegations", "List delegations");
    auto to = std::make_shared<std::string>();
    cmd->add_option("--to", *to, "Only delegations to this actor");
    cmd->callback([&s, to] {
      s.only_reads();
      Engine& engine = s.engine();
      Store& store = engine.store();
      auto list = store.delegations(*to);
      std::string today = uk_today(s.clock().now());
      // Why one no longer counts, as deciding finds it (delegation_covers); empty while it does.
      auto not_in_force = [&](const Delegation& d) -> std::string {
        if (!d.revoked_at.empty()) return "revoked " + uk_datetime(d.revoked_at);
        if (d.until < today) return "lapsed";
        const auto giver = store.actor(d.from);
        if (!giver || giver->disabled) return person_name(store, d.from) + " is disabled";
        if (!giver->has_role(d.role)) {
          return fmt::format("{} no longer holds the role", person_name(store, d.from));
        }
        return {};
      };
      if (s.options.json) {
        Json out = Json::array();
        for (const auto& d : list) {
          out.push_back(Json{{"id", d.id},
                             {"from", d.from},
                             {"to", d.to},
                             {"role", d.role},
                             {"until", d.until},
                             {"active", not_in_force(d).empty()},
                             {"revoked_at", d.revoked_at},
                             {"created_by", d.created_by},
                             {"created_at", d.created_at}});
        }
        s.print_json(out);
        return;
      }
      for (const auto& d : list) {
        const std::string why = not_in_force(d);
        fmt::print("{:<4} {:<20} -> {:<20} {:<20} until {}{}\n", d.id, person_name(store, d.from),
                   person_name(store, d.to), readable_label(d.role), uk_date(d.until),
                   why.empty() ? "" : " (" + why + ")");
      }
      if (list.empty()) fmt::print("no delegations\n");
    });
  }
  {
    auto* cmd = app.add_subcommand("inbox", "What waits for your decision, soonest due first");
    auto actor = std::make_shared<std::string>();
    cmd->add_option("--as", *actor, "Actor")->transform(as_person())->required();
    cmd->callback([&s, actor] {
      s.only_reads();
      // As far as they may read each item (a clinical reviewer does not see the journalist).
      auto pending = s.access_as(*actor).inbox();
      if (s.options.json) {
        Json out = Json::array();
        for (const auto& p : pending) {
          Json j = p.item.to_json();
          j["step"] = p.step;
          j["due_at"] = p.due_at;
          j["groups"] = p.groups;
          if (!p.on_behalf_of.empty()) j["on_behalf_of"] = p.on_behalf_of;
          if (!p.in_place_of.empty()) j["in_place_of"] = p.in_place_of;
          out.push_back(j);
        }
        s.print_json(out);
        return;
      }
      Engine& engine = s.engine();
      const auto step_of = [&](const PendingDecision& p) {
        return state_label(engine.registry().version(p.item.version).definition, p.step);
      };
      std::size_t step_width = 20;  // as wide as the longest step's label
      for (const auto& p : pending) step_width = std::max(step_width, step_of(p).size());
      for (const auto& p : pending) {
        // An overdue decision says so beside its due time.
        auto due = parse_datetime(p.due_at);
        const bool overdue = due && *due < s.clock().now();
        fmt::print("{:<15} {:<{}}  due {:<23} {}{}{}\n", p.item.ref, step_of(p), step_width,
                   p.due_at.empty() ? "-" : uk_datetime(p.due_at), overdue ? "OVERDUE  " : "",
                   printable(item_title(p.item)),
                   !p.on_behalf_of.empty()
                       ? fmt::format("  (for {})", person_name(engine.store(), p.on_behalf_of))
                   : !p.in_place_of.empty()
                       ? fmt::format("  (escalated: in place of {})",
                                     approvers_in_words(engine.store(), p.in_place_of, "or"))
                       : "");
      }
      if (pending.empty())
        fmt::print("nothing waits for {}\n", person_name(s.engine().store(), *actor));
      else
        fmt::print("(times are UK time)\n");
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "outbox", "Notifications: who must decide on what, and why, and whether each was emailed");
    auto recipient = std::make_shared<std::string>();
    auto ref = std::make_shared<std::string>();
    auto failed = std::make_shared<bool>(false);
    cmd->add_option("--for", *recipient,
                    "Only notifications for this actor (or role:NAME: those for a role when "
                    "nobody held it)")
        ->transform(as_person());
    cmd->add_option("--ref", *ref, "Only notifications about this item")->transform(as_reference());
    cmd->add_flag("--failed", *failed,
                  "Only those whose email failed for good, with the last error (see `deliver`)");
    auto* resend = cmd->add_subcommand(
        "resend",
        "Put emails that failed for good back to be sent at the next delivery pass (`serve` "
        "with email on runs one every 15 seconds; or `commsflow deliver`), their attempts "
        "counted afresh");
    auto resend_ids = std::make_shared<std::vector<std::int64_t>>();
    auto all_failed = std::make_shared<bool>(false);
    resend->add_option("ids", *resend_ids, "Outbox row numbers, as `outbox --failed` shows (#12)")
        ->type_name("NUMBER")
        ->transform(CLI::Validator(
            [](std::string& text) -> std::string {
              if (text.starts_with('#')) text.erase(0, 1);  // as `outbox` shows it: #12
              std::int64_t n = 0;
              const char* end = text.data() + text.size();
              auto [at, ec] = std::from_chars(text.data(), end, n);
              return ec == std::errc() && at == end && n >= 1
                         ? std::string()
                         : fmt::format("'{}' is not an outbox row number (12, as #12)", text);
            },
            "", "outbox row number"));
    resend->add_flag("--all-failed", *all_failed, "Every one that failed for good");
    resend->callback([&s, cmd, resend_ids, all_failed] {
      if (resend_ids->empty() && !*all_failed) {
        fail(ErrorKind::BadInput,
             "name the rows to send again (`outbox resend 12 14`), or give --all-failed");
      }
      if (!resend_ids->empty() && *all_failed) {
        fail(ErrorKind::BadInput, "give the rows to send again or --all-failed, not both");
      }
      for (const char* listing : {"--for", "--ref", "--failed"}) {
        if (cmd->count(listing) > 0) {
          fail(ErrorKind::BadInput,
               "{} chooses what `outbox` lists; `outbox resend` takes row numbers or "
               "--all-failed",
               listing);
        }
      }
      std::sort(resend_ids->begin(), resend_ids->end());
      resend_ids->erase(std::unique(resend_ids->begin(), resend_ids->end()), resend_ids->end());
      const auto rows = resend_failed(s.engine().store(), *resend_ids);
      if (s.options.json) {
        Json ids = Json::array();
        for (const auto& row : rows) ids.push_back(row.id);
        s.print_json(Json{{"resent", ids}});
        return;
      }
      for (const auto& row : rows) {
        fmt::print("#{} to {} about {}: to be sent again (it failed: {})\n", row.id, row.recipient,
                   row.ref, row.last_error);
      }
      if (rows.empty()) {
        fmt::print("no email had failed for good: nothing to send again\n");
        return;
      }
      fmt::print("{} email notification(s) put back to be sent at the next delivery pass\n",
                 rows.size());
    });
    cmd->callback([&s, cmd, recipient, ref, failed] {
      if (!cmd->get_subcommands().empty()) return;  // `outbox resend` ran on its own
      s.only_reads();
      // A misspelt name or reference is said so, not answered with an empty outbox.
      Store& store = s.engine().store();
      if (recipient->starts_with("role:")) {
        const auto roles = s.engine().registry().known_roles();
        if (std::find(roles.begin(), roles.end(), recipient->substr(5)) == roles.end()) {
          fail(ErrorKind::NotFound, "--for: unknown role '{}' (known roles: {})",
               recipient->substr(5), fmt::join(roles, ", "));
        }
      } else if (!recipient->empty() && !store.actor(*recipient)) {
        fail(ErrorKind::NotFound, "--for: unknown actor '{}'", *recipient);
      }
      if (!ref->empty() && !store.item(*ref)) fail(ErrorKind::NotFound, "--ref: no item {}", *ref);
      auto entries = Signoff(s.engine()).outbox(*recipient, *ref);
      if (*failed)
        std::erase_if(entries, [](const OutboxEntry& e) { return e.status != "failed"; });
      if (s.options.json) {
        Json out = Json::array();
        for (const auto& e : entries) {
          out.push_back(Json{{"id", e.id},
                             {"created_at", e.created_at},
                             {"recipient", e.recipient},
                             {"ref", e.ref},
                             {"kind", e.kind},
                             {"message", e.message},
                             {"status", e.status},
                             {"attempts", e.attempts},
                             {"last_error", e.last_error},
                             {"next_attempt_at", e.next_attempt_at},
                             {"sent_at", e.sent_at},
                             {"sent_to", e.sent_to}});
        }
        s.print_json(out);
        return;
      }
      for (const auto& e : entries) {
        // As delivery will find it: a row no longer needed, or for someone who may no longer
        // see the item, is not sent.
        std::string unneeded;
        if (e.status == "waiting") {
          const auto item = store.item(e.ref);
          unneeded = unneeded_reason(store, e, item);
          const auto person = store.actor(e.recipient);
          if (unneeded.empty() && item && person && !seen_by(s.engine(), *person, *item)) {
            unneeded = fmt::format("{} may no longer see {}", person->name, e.ref);
          }
        }
        const auto next_try = [&] {
          return e.next_attempt_at <= format_datetime(s.clock().now())
                     ? std::string("at the next pass")
                     : "from " + uk_datetime(e.next_attempt_at);
        };
        std::string delivery =
            !unneeded.empty() ? "not to be sent: " + unneeded
            : e.status == "sent"
                ? fmt::format("emailed to {} at {}", e.sent_to, uk_datetime(e.sent_at))
            : e.status == "failed"
                ? fmt::format(
                      "FAILED after {} attempt(s): {} (`commsflow outbox resend {}` "
                      "sends it again)",
                      e.attempts, e.last_error, e.id)
            : e.status == "skipped" ? fmt::format("not sent: {}", e.last_error)
            : e.attempts > 0        ? fmt::format("waiting, {} attempt(s) so far: {}; next try {}",
                                                  e.attempts, e.last_error, next_try())
                                    : std::string("waiting to be emailed");
        fmt::print(
            "#{:<5} {}  {:<20} {:<16} {}\n       {}\n", e.id, uk_datetime(e.created_at),
            e.recipient.starts_with("role:") ? readable_label(e.recipient.substr(5))
                                             : person_name(store, e.recipient),
            readable_label(e.kind),
            // A workflow's notice is its heading alone: say which item it is about.
            e.message.starts_with(e.ref) ? e.message : fmt::format("{}: {}", e.ref, e.message),
            delivery);
      }
      if (entries.empty())
        fmt::print("{}\n", *failed ? "no failed deliveries" : "the outbox is empty");
      else
        fmt::print("(times are UK time)\n");
    });
  }
  app.add_subcommand("tick", "Fire due timers (reminders, escalations) as actor system")
      ->callback([&s] {
        auto fired = Signoff(s.engine()).tick();
        if (s.options.json) {
          Json out = Json::array();
          for (const auto& f : fired) {
            out.push_back(Json{{"ref", f.ref}, {"action", f.action}, {"message", f.message}});
          }
          s.print_json(out);
          return;
        }
        for (const auto& f : fired) fmt::print("{} {}: {}\n", f.ref, f.action, f.message);
        fmt::print("{} timer(s) fired\n", fired.size());
      });
}

}  // namespace commsflow::cli
