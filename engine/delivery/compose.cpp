// compose_mail: what a notification says. Plain text and HTML carry the same words: what is
// needed, by when in UK time, the item's reference and title, and a link to its page. Nothing of
// the document's text or the item's other fields goes into an email.
#include <commsflow/definition.h>
#include <commsflow/delivery.h>
#include <commsflow/sha256.h>
#include <commsflow/uk_time.h>
#include <commsflow/words.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "base/html_escape.h"

namespace commsflow {

namespace {

std::string title_of(const Item& item) {
  std::string title = item_title(item);
  return title.empty() ? item.ref : title;
}

// The due time the row is about: a sign-off step's, or the workflow's queue due field.
std::optional<TimePoint> due_of(const OutboxEntry& row, const Item& item, const Definition& d) {
  std::string due;
  if (row.kind == "overdue" || row.kind == "due_soon") {
    if (!d.queue.due_field.empty()) due = item.data.value(d.queue.due_field, std::string());
  } else if (auto s = item.data.find("_signoff"); s != item.data.end() && s->is_object()) {
    due = s->value("due_at", std::string());
  }
  return parse_datetime(due);
}

// What the workflow calls its document, as a word within a sentence: "statement".
std::string document_noun(const Definition& d) {
  std::string noun =
      readable_label(d.document_label.empty() ? std::string("document") : d.document_label);
  noun[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(noun[0])));
  return noun;
}

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find_first_of(":/", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  return host.empty() ? "commsflow.invalid" : host;
}

std::string base_url(const MailSettings& settings) {
  std::string base = settings.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

// The row's id and creation time: the same on every attempt, unique across databases that
// share a relay closely enough to recognise a duplicate.
void set_ids(MailMessage& m, const OutboxEntry& row, const std::string& base) {
  std::string stamp = row.created_at;
  std::erase_if(stamp, [](char c) { return c < '0' || c > '9'; });
  m.message_id = fmt::format("<commsflow.outbox.{}.{}@{}>", row.id, stamp, host_of(base));
  m.reference = fmt::format("commsflow-outbox-{}-{}", row.id, stamp);
}

}  // namespace

MailMessage compose_mail(const OutboxEntry& row, const Item& item, const Definition& d,
                         const Actor& to, const MailSettings& settings, TimePoint now) {
  const auto due = due_of(row, item, d);
  const std::string when = due ? uk_deadline(*due, now) : std::string();
  std::string heading, explanation, button = "Open it to decide";
  if (row.kind == "reminder") {
    heading =
        due ? fmt::format("Reminder: decision needed by {}", when) : "Reminder: decision needed";
    explanation = "Your decision has not been recorded yet.";
  } else if (row.kind == "escalation") {
    heading = due ? fmt::format("Overdue: decision was needed by {}", when) : "Overdue decision";
    explanation = "The decision is overdue, and you are asked to decide.";
  } else if (row.kind == "escalated") {
    heading = due ? fmt::format("Gone to a fallback approver: decision was needed by {}", when)
                  : "Gone to a fallback approver";
    explanation =
        "The decision is overdue, so it has gone to a fallback approver, who may now decide in "
        "your place. You may still decide.";
  } else if (row.kind == "overdue") {
    heading = due ? fmt::format("Overdue since {}", when) : "Overdue";
    explanation = "This was due and is not done yet.";
    button = "Open it";
  } else if (row.kind == "due_soon") {
    heading = !due         ? std::string("Due soon")
              : *due < now ? fmt::format("Overdue since {}", when)  // sent late
                           : fmt::format("Due by {}", when);
    explanation = "This is due soon and is not done yet.";
    button = "Open it";
  } else if (row.kind == "notice") {
    heading = row.message;  // the words the workflow's `notify` gives
    explanation = "Open it in commsflow to see what was done and what is needed.";
    button = "Open it";
  } else if (row.kind == "changes_required") {
    heading = "Changes required";
    explanation = fmt::format(
        "Changes were asked for on the {} you wrote. The decision's comment "
        "says what to change.",
        document_noun(d));
    button = "Open it to redraft";
  } else {
    heading = due ? fmt::format("Decision needed by {}", when) : "Decision needed";
    const int version = item.data.value("_document", Json::object()).value("version", 0);
    explanation = version > 0 ? fmt::format("Your decision is needed on version {} of the {}.",
                                            version, document_noun(d))
                              : std::string("Your decision is needed.");
  }
  const std::string title = title_of(item);
  const std::string where =
      fmt::format("{}: {}", d.title.empty() ? d.name : d.title, state_label(d, item.state));
  const std::string base = base_url(settings);

  MailMessage m;
  m.to = to.email;
  m.to_name = to.shown_name();
  m.subject = fmt::format("{}: {} {}", heading, item.ref, title);
  m.link = fmt::format("{}/items/{}", base, item.ref);  // references are letters, digits, '-'
  set_ids(m, row, base);
  const std::string footer =
      "You are getting this because commsflow names you as someone who acts on this item. "
      "If it is not for you, tell your comms team.";
  m.text = fmt::format("{}\n\n{}: {}\n{}\n\n{}\n\n{}: {}\n\n--\n{}\n", heading, item.ref, title,
                       where, explanation, button, m.link, footer);
  auto e = [](const std::string& s) { return escape_html(s); };
  m.html = fmt::format(
      R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{subject}</title></head>)"
      R"(<body style="margin:0;padding:0;background:#f0f4f5;font-family:Arial,Helvetica,sans-serif;color:#212b32">)"
      R"(<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff">)"
      R"(<h1 style="font-size:24px;line-height:1.3;margin:0 0 16px">{heading}</h1>)"
      R"(<p style="font-size:19px;margin:0 0 8px"><strong>{ref}</strong>: {title}</p>)"
      R"(<p style="font-size:16px;margin:0 0 16px;color:#4c6272">{where}</p>)"
      R"(<p style="font-size:16px;margin:0 0 24px">{explanation}</p>)"
      R"(<p style="margin:0 0 24px"><a href="{link}" style="display:inline-block;background:#007f3b;color:#ffffff;padding:12px 16px;font-size:19px;font-weight:bold;text-decoration:none">{button}</a></p>)"
      R"(<p style="font-size:14px;margin:0 0 24px;color:#4c6272">Or copy this address into your browser: {link}</p>)"
      R"(<p style="font-size:14px;margin:0;color:#4c6272">{footer}</p></div></body></html>)",
      fmt::arg("subject", e(m.subject)), fmt::arg("heading", e(heading)),
      fmt::arg("ref", e(item.ref)), fmt::arg("title", e(title)), fmt::arg("where", e(where)),
      fmt::arg("explanation", e(explanation)), fmt::arg("link", e(m.link)),
      fmt::arg("button", e(button)), fmt::arg("footer", e(footer)));
  return m;
}

MailMessage compose_digest(const std::vector<MailPart>& parts, const Actor& to,
                           const MailSettings& settings, TimePoint now) {
  struct Line {
    TimePoint due;
    bool overdue;
    std::string ref, title, link;
  };
  const std::string base = base_url(settings);
  std::vector<Line> lines;
  for (const MailPart& p : parts) {
    const auto due = due_of(p.row, p.item, *p.definition);
    lines.push_back(Line{due.value_or(now), p.row.kind == "overdue", p.item.ref, title_of(p.item),
                         fmt::format("{}/items/{}", base, p.item.ref)});
  }
  std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return a.overdue != b.overdue ? a.overdue : a.due < b.due;
  });
  const auto overdue = std::count_if(lines.begin(), lines.end(), [](auto& l) { return l.overdue; });
  const auto count = static_cast<std::ptrdiff_t>(lines.size());
  const std::string heading = overdue == count ? fmt::format("{} items overdue", count)
                              : overdue == 0   ? fmt::format("{} items due soon", count)
                                               : fmt::format("{} items overdue or due soon", count);

  MailMessage m;
  m.to = to.email;
  m.to_name = to.shown_name();
  m.subject = heading;
  m.link = base + "/queue";
  // One id for this set of rows, the same on every attempt of it and never that of another set.
  std::vector<std::string> ids;
  for (const MailPart& p : parts) ids.push_back(fmt::format("{}.{}", p.row.id, p.row.created_at));
  std::sort(ids.begin(), ids.end());
  const std::string set = to_hex(sha256(fmt::format("{}", fmt::join(ids, ",")))).substr(0, 24);
  m.message_id = fmt::format("<commsflow.outbox-digest.{}@{}>", set, host_of(base));
  m.reference = fmt::format("commsflow-outbox-digest-{}", set);
  const std::string footer =
      "You are getting this because commsflow names you as someone who acts on these items. "
      "If they are not for you, tell your comms team.";
  std::string text = heading + "\n\n", items_html;
  auto e = [](const std::string& s) { return escape_html(s); };
  for (const Line& l : lines) {
    const std::string when = l.overdue ? fmt::format("overdue since {}", uk_deadline(l.due, now))
                                       : fmt::format("due by {}", uk_deadline(l.due, now));
    text += fmt::format("{}: {}\n{}\n{}\n\n", l.ref, l.title, when, l.link);
    items_html += fmt::format(
        R"(<li style="margin:0 0 12px"><a href="{}" style="color:#005eb8"><strong>{}</strong>: {}</a><br>{}</li>)",
        e(l.link), e(l.ref), e(l.title), e(when));
  }
  text += fmt::format("Your queue: {}\n\n--\n{}\n", m.link, footer);
  m.text = std::move(text);
  m.html = fmt::format(
      R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{heading}</title></head>)"
      R"(<body style="margin:0;padding:0;background:#f0f4f5;font-family:Arial,Helvetica,sans-serif;color:#212b32">)"
      R"(<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff">)"
      R"(<h1 style="font-size:24px;line-height:1.3;margin:0 0 16px">{heading}</h1>)"
      R"(<ul style="font-size:16px;padding-left:20px;margin:0 0 24px">{items}</ul>)"
      R"(<p style="font-size:16px;margin:0 0 24px"><a href="{link}" style="color:#005eb8">Your queue</a></p>)"
      R"(<p style="font-size:14px;margin:0;color:#4c6272">{footer}</p></div></body></html>)",
      fmt::arg("heading", e(heading)), fmt::arg("items", items_html), fmt::arg("link", e(m.link)),
      fmt::arg("footer", e(footer)));
  return m;
}

std::optional<TimePoint> next_attempt(const MailSettings& settings, int attempts, TimePoint now) {
  if (attempts >= settings.max_attempts) return std::nullopt;
  std::chrono::seconds wait = settings.first_retry;
  for (int i = 1; i < attempts && wait < std::chrono::hours(1); ++i) wait *= 2;
  return now + std::min<std::chrono::seconds>(wait, std::chrono::hours(1));
}

}  // namespace commsflow
