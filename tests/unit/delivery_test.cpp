// What an email says and when a failed one is tried again (engine/delivery): subjects in UK time
// (GMT and BST), links, nothing of the document, backoff, the settings and their mistakes, and
// the GOV.UK Notify token, checked by PyJWT (Debian's python3-jwt), code nobody here wrote.
#include <commsflow/delivery.h>
#include <fmt/format.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

#include "delivery/mailers.h"
#include "support.h"

using namespace commsflow;
using Catch::Contains;

namespace {

Definition media_definition() {
  Definition d;
  d.name = "media_signoff";
  d.title = "Media statement sign-off";
  d.document_label = "Statement";
  StateSpec review;
  review.name = "comms_review";
  review.label = "Comms review";
  d.states.push_back(review);
  return d;
}

Item waiting_item(const std::string& due_at) {
  Item item;
  item.ref = "MED-2026-0007";
  item.workflow = "media_signoff";
  item.state = "comms_review";
  item.data = Json{{"headline", "Statement on ward closures"},
                   {"_document", Json{{"version", 2}, {"content", "SECRET DRAFT TEXT"}}},
                   {"_signoff", Json{{"step", "comms_review"}, {"due_at", due_at}}},
                   {"patient", "Mrs A Patient"}};
  return item;
}

OutboxEntry row(const std::string& kind) {
  OutboxEntry r{42, "2026-07-01T09:00:00Z", "hannah", "MED-2026-0007", kind, "why"};
  r.state = "comms_review";
  return r;
}

MailSettings settings() {
  MailSettings s;
  s.public_url = "https://comms.example.nhs.uk/";
  return s;
}

TimePoint at(const char* utc) {
  return *parse_datetime(utc);
}

}  // namespace

TEST_CASE("delivery: the subject names what is needed and by when, in UK time") {
  const Definition d = media_definition();
  Actor hannah{"hannah", {"head_of_comms"}, false, "Hannah Head", "hannah@nhs.net"};
  // 13:30 UTC in July is 14:30 BST.
  MailMessage m = compose_mail(row("decision_needed"), waiting_item("2026-07-01T13:30:00Z"), d,
                               hannah, settings(), at("2026-07-01T09:00:00Z"));
  CHECK(m.subject == "Decision needed by 14:30 today: MED-2026-0007 Statement on ward closures");
  CHECK(m.to == "hannah@nhs.net");
  CHECK(m.to_name == "Hannah Head");
  CHECK(m.link == "https://comms.example.nhs.uk/items/MED-2026-0007");
  CHECK(m.message_id == "<commsflow.outbox.42.20260701090000@comms.example.nhs.uk>");
  CHECK(m.reference == "commsflow-outbox-42-20260701090000");
  CHECK_THAT(m.text, Contains("Your decision is needed on version 2 of the statement.") &&
                         Contains("Media statement sign-off: Comms review") &&
                         Contains("Open it to decide: " + m.link));
  CHECK_THAT(m.html, Contains("<a href=\"" + m.link + "\"") && Contains("lang=\"en\"") &&
                         !Contains("<img"));
  for (const std::string& part : {m.subject, m.text, m.html}) {
    CHECK_THAT(part, !Contains("SECRET DRAFT TEXT") && !Contains("Mrs A Patient") &&
                         !Contains("2026-07-01T13:30:00Z"));
  }

  // Tomorrow, another day, and in winter (GMT).
  CHECK(compose_mail(row("reminder"), waiting_item("2026-07-02T08:00:00Z"), d, hannah, settings(),
                     at("2026-07-01T09:00:00Z"))
            .subject ==
        "Reminder: decision needed by 09:00 tomorrow: MED-2026-0007 Statement on ward closures");
  CHECK(compose_mail(row("escalation"), waiting_item("2026-12-01T14:30:00Z"), d, hannah, settings(),
                     at("2026-12-03T09:00:00Z"))
            .subject ==
        "Overdue: decision was needed by Tue 1 Dec 2026, 14:30: MED-2026-0007 "
        "Statement on ward closures");
  // Text that could break the HTML is escaped.
  Item odd = waiting_item("2026-07-01T13:30:00Z");
  odd.data["headline"] = "Beds <b>& \"trolleys\"</b>";
  MailMessage escaped =
      compose_mail(row("decision_needed"), odd, d, hannah, settings(), at("2026-07-01T09:00:00Z"));
  CHECK_THAT(escaped.html,
             Contains("Beds &lt;b&gt;&amp; &quot;trolleys&quot;&lt;/b&gt;") && !Contains("<b>&"));
}

TEST_CASE(
    "delivery: the queue's reminders, an escalation away and a workflow's notice say what "
    "happened, in UK time") {
  Definition d = media_definition();
  d.queue.due_field = "due_at";
  Actor olivia{"olivia", {"comms_officer"}, false, "Olivia Officer", "olivia@nhs.net"};
  Item request = waiting_item("2026-07-01T13:30:00Z");
  request.data["due_at"] = "2026-12-04T16:00:00Z";
  const TimePoint morning = at("2026-12-04T09:00:00Z");

  MailMessage soon = compose_mail(row("due_soon"), request, d, olivia, settings(), morning);
  CHECK(soon.subject == "Due by 16:00 today: MED-2026-0007 Statement on ward closures");
  // Sent after the time it was due by (delivery was held up): it says so.
  CHECK(compose_mail(row("due_soon"), request, d, olivia, settings(), at("2026-12-04T16:30:00Z"))
            .subject == "Overdue since 16:00 today: MED-2026-0007 Statement on ward closures");
  CHECK_THAT(soon.text, Contains("This is due soon and is not done yet.") &&
                            Contains("Open it: " + soon.link));

  MailMessage away =
      compose_mail(row("escalated"), request, d, olivia, settings(), at("2026-07-01T15:00:00Z"));
  CHECK(away.subject ==
        "Gone to a fallback approver: decision was needed by 14:30 today: "
        "MED-2026-0007 Statement on ward closures");
  CHECK_THAT(away.text, Contains("fallback approver") && Contains("You may still decide."));

  OutboxEntry notice = row("notice");
  notice.message = "Assigned to you";
  MailMessage assigned = compose_mail(notice, request, d, olivia, settings(), morning);
  CHECK(assigned.subject == "Assigned to you: MED-2026-0007 Statement on ward closures");
  CHECK_THAT(assigned.html, Contains(">Assigned to you</h1>"));
}

TEST_CASE("delivery: a failed email is tried again after a doubling wait, then given up") {
  MailSettings s;
  s.max_attempts = 8;
  s.first_retry = std::chrono::seconds(60);
  const TimePoint now = at("2026-03-02T09:00:00Z");
  std::vector<long long> waits;
  for (int attempt = 1; attempt < 8; ++attempt) {
    auto next = next_attempt(s, attempt, now);
    REQUIRE(next);
    waits.push_back((*next - now).count());
  }
  CHECK(waits == std::vector<long long>{60, 120, 240, 480, 960, 1920, 3600});  // at most an hour
  CHECK_FALSE(next_attempt(s, 8, now));
}

TEST_CASE("delivery: settings name the setting, or file and line, that is wrong") {
  test::TempDir dir;
  auto error_of = [&](const std::string& text) {
    const auto file = dir.write("mail.conf", text);
    try {
      read_mail_settings(file);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::BadInput);
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  const std::string smtp =
      "COMMSFLOW_MAIL=smtp\nCOMMSFLOW_SMTP_URL=smtp://relay.nhs.net:587\n"
      "COMMSFLOW_MAIL_FROM=Comms <comms@nhs.net>\nCOMMSFLOW_PUBLIC_URL=https://comms.nhs.uk\n";
  CHECK(error_of(smtp) == "(accepted)");
  CHECK_THAT(error_of(smtp + "COMMSFLOW_SMTP_PORT=25\n"),
             Contains("mail.conf:5: unknown setting COMMSFLOW_SMTP_PORT"));
  CHECK_THAT(error_of(smtp + "this is not a setting\n"),
             Contains("mail.conf:5: expected KEY=value"));
  CHECK_THAT(error_of("COMMSFLOW_MAIL=pigeon\n"), Contains("COMMSFLOW_MAIL: 'pigeon'"));
  CHECK_THAT(error_of(smtp + "COMMSFLOW_SMTP_URL=relay.nhs.net\n"), Contains("COMMSFLOW_SMTP_URL"));
  CHECK_THAT(error_of(smtp + "COMMSFLOW_MAIL_FROM=\n"), Contains("COMMSFLOW_MAIL_FROM: is needed"));
  CHECK_THAT(error_of(smtp + "COMMSFLOW_MAIL_FROM=not an address\n"),
             Contains("COMMSFLOW_MAIL_FROM: 'not an address' is not an address"));
  CHECK_THAT(error_of(smtp + "COMMSFLOW_MAIL_FROM=Comms team comms@example\n"),
             Contains("COMMSFLOW_MAIL_FROM: 'Comms team comms@example' is not an address"));
  CHECK_THAT(error_of(smtp + "COMMSFLOW_MAIL_FROM=Comms <comms@nhs.net\n"),
             Contains("is not an address"));
  CHECK(error_of(smtp + "COMMSFLOW_MAIL_FROM=comms@nhs.net\n") == "(accepted)");
  CHECK_THAT(error_of(smtp + "COMMSFLOW_PUBLIC_URL=comms.nhs.uk\n"),
             Contains("COMMSFLOW_PUBLIC_URL: 'comms.nhs.uk' does not begin with https://"));
  CHECK_THAT(error_of(smtp + "COMMSFLOW_PUBLIC_URL=https://\n"), Contains("names no host"));
  CHECK_THAT(error_of(smtp + "COMMSFLOW_PUBLIC_URL=https://comms nhs.uk\n"),
             Contains("has a space or a control character in it"));
  // Checked with email off too: serve takes it as where it is reached.
  CHECK_THAT(error_of("COMMSFLOW_PUBLIC_URL=comms.nhs.uk\n"),
             Contains("does not begin with https://"));
  {
    // A folder named where the file should be is said to be one, not read as no settings.
    CHECK_THROWS_WITH(read_mail_settings(dir.path()), Contains("is a folder"));
  }
  CHECK_THAT(error_of(smtp + "COMMSFLOW_SMTP_STARTTLS=maybe\n"),
             Contains("COMMSFLOW_SMTP_STARTTLS: 'maybe'"));
  CHECK_THAT(error_of(smtp + "COMMSFLOW_PUBLIC_URL=comms.nhs.uk\n"),
             Contains("COMMSFLOW_PUBLIC_URL"));
  CHECK_THAT(error_of(smtp + "COMMSFLOW_MAIL_MAX_ATTEMPTS=0\n"),
             Contains("COMMSFLOW_MAIL_MAX_ATTEMPTS: '0' is not a whole number from 1 to 100"));
  CHECK_THAT(error_of("COMMSFLOW_MAIL=notify\nCOMMSFLOW_NOTIFY_API_KEY=abc\n"),
             Contains("COMMSFLOW_NOTIFY_API_KEY"));
  CHECK_THAT(error_of("COMMSFLOW_MAIL=off\n"), Contains("(accepted)"));
  // Every problem at once, not one per attempt to start.
  const std::string several = error_of(
      "COMMSFLOW_MAIL=smtp\nCOMMSFLOW_SMTP_URL=relay.nhs.net\nCOMMSFLOW_SMTP_PORT=25\n"
      "COMMSFLOW_MAIL_MAX_ATTEMPTS=many\n");
  CHECK_THAT(several, Contains("mail settings: bad input") &&
                          Contains("mail.conf:3: unknown setting COMMSFLOW_SMTP_PORT") &&
                          Contains("COMMSFLOW_SMTP_URL: 'relay.nhs.net' must be") &&
                          Contains("COMMSFLOW_MAIL_MAX_ATTEMPTS: 'many' is not a whole number") &&
                          Contains("COMMSFLOW_MAIL_FROM: is needed") &&
                          Contains("COMMSFLOW_PUBLIC_URL: needed"));
  CHECK_THROWS_WITH(read_mail_settings(dir / "missing.conf"), Contains("missing.conf"));

  const MailSettings s = read_mail_settings(dir.write("mail.conf", smtp), "https://other.nhs.uk");
  CHECK(s.transport == "smtp");
  CHECK(s.smtp_starttls);                         // required unless turned off
  CHECK(s.public_url == "https://other.nhs.uk");  // --public-url wins
  CHECK(s.from == "Comms <comms@nhs.net>");
}

TEST_CASE("delivery: the Notify token is an HS256 JWT that PyJWT accepts with the key's secret") {
  const std::string service = "26785a09-ab16-4eb0-8407-a37497a57506";
  const std::string secret = "3d844edf-8d35-48ac-975b-e847b4f122b0";
  const std::string key = "commsflow_test-" + service + "-" + secret;
  const std::int64_t issued = 1764666000;
  const std::string token = notify_token(key, issued);
  const std::string script = fmt::format(
      "import jwt, sys\n"
      "claims = jwt.decode(sys.argv[1], '{}', algorithms=['HS256'], options={{'verify_iat': "
      "False}})\n"
      "header = jwt.get_unverified_header(sys.argv[1])\n"
      "assert claims == {{'iss': '{}', 'iat': {}}}, claims\n"
      "assert header['alg'] == 'HS256' and header['typ'] == 'JWT', header\n"
      "try:\n"
      "    jwt.decode(sys.argv[1], 'not-the-secret', algorithms=['HS256'])\n"
      "    sys.exit(3)\n"
      "except jwt.InvalidSignatureError:\n"
      "    pass\n",
      secret, service, issued);
  test::TempDir dir;
  const auto path = dir.write("check.py", script);
  const std::string command = fmt::format("/usr/bin/python3 {} {} 2>&1", path.string(), token);
  FILE* p = popen(command.c_str(), "r");
  REQUIRE(p);
  std::string output;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, p)) output += buffer;
  const int status = pclose(p);
  INFO(output);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
