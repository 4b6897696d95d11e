// Notifications by email, checked against a real SMTP server: Debian's aiosmtpd, started on a
// free loopback port by each test (tests/tools/smtp_sink.py), which parses what it receives
// with Python's email package and keeps each message as JSON. `commsflow deliver` is the real
// binary, configured by a --mail-config file.
#include <commsflow/people.h>
#include <commsflow/signoff.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "support.h"

using namespace commsflow;
namespace fs = std::filesystem;
using Catch::Contains;
using test::RunResult;

namespace {

constexpr const char* kMorning = "2026-03-02T09:00:00Z";  // a Monday, GMT

std::string later(const char* at, std::chrono::seconds by) {
  return format_datetime(*parse_datetime(at) + by);
}

// A port nothing listens on (bound, then let go).
int free_port() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t size = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &size);
  close(s);
  return ntohs(a.sin_port);
}

// A receiver from tests/tools/ as a child (/usr/bin/python3 SCRIPT FOLDER ARGS...): listening
// once constructed, stopped on destruction; what it accepted is kept in FOLDER as JSON files.
class Receiver {
 public:
  Receiver(const std::string& script, fs::path folder, const std::vector<std::string>& args)
      : folder_(std::move(folder)) {
    int out[2], in[2];
    REQUIRE(pipe(out) == 0);
    REQUIRE(pipe(in) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(in[0], 0);
      close(out[0]);
      close(in[1]);
      const std::string path = std::string(COMMSFLOW_SOURCE_DIR) + "/tests/tools/" + script;
      std::vector<std::string> words = {"/usr/bin/python3", path, folder_.string()};
      words.insert(words.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& w : words) argv.push_back(w.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    close(in[0]);
    stdin_ = in[1];
    std::string said;
    char c = 0;
    while (read(out[0], &c, 1) == 1 && c != '\n') said += c;
    close(out[0]);
    INFO(script << " said: " << said);
    REQUIRE(said.starts_with("listening on "));
    port_ = std::stoi(said.substr(13));
  }
  ~Receiver() {
    close(stdin_);  // it stops when its input closes
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  int port() const { return port_; }

  // Everything received so far, oldest first.
  std::vector<Json> messages() const {
    std::vector<fs::path> files;
    if (fs::exists(folder_)) {
      for (const auto& f : fs::directory_iterator(folder_)) {
        if (f.path().extension() == ".json") files.push_back(f.path());
      }
    }
    std::sort(files.begin(), files.end());
    std::vector<Json> out;
    for (const auto& f : files) out.push_back(Json::parse(test::read_bytes(f)));
    return out;
  }

 private:
  fs::path folder_;
  pid_t pid_ = 0;
  int stdin_ = -1;
  int port_ = 0;
};

// An SMTP server (aiosmtpd) on `port` (0: a free one), taking `delay` seconds over each message.
struct SmtpSink : Receiver {
  explicit SmtpSink(const fs::path& folder, int port = 0, double delay = 0)
      : Receiver("smtp_sink.py", folder, {std::to_string(port), "--delay", std::to_string(delay)}) {
  }
};

// A folder with the shipped workflows, a team with addresses, and a mail settings file.
struct Team {
  test::TempDir dir;
  std::unique_ptr<test::LocalEngine> here;

  Team() {
    fs::copy(test::shipped_workflows(), dir / "workflows", fs::copy_options::recursive);
    here = std::make_unique<test::LocalEngine>(dir.path(), /*create=*/true);
    // Olivia drafts and also holds the approvers' role: as the author she is never asked.
    here->engine->add_actor("olivia", {"comms_officer", "head_of_comms"}, "operator",
                            "Olivia Officer", "olivia@example.org");
    here->engine->add_actor("hannah", {"head_of_comms"}, "operator", "Hannah Head",
                            "hannah@example.org");
    here->engine->add_actor("cara", {"clinical_lead"}, "operator", "Cara Clinical",
                            "cara@example.org");
  }

  // A reactive statement with clinical content, sent for review at `now`; its reference.
  std::string statement(const std::string& headline, const char* now = kMorning) {
    const std::string ref =
        here->submit("media_signoff", "olivia",
                     test::inputs_of({"headline=" + headline, "kind=reactive_statement",
                                      "journalist=Jo Reporter", "outlet=Valley Gazette",
                                      "journalist_deadline=2026-03-02T17:00:00Z",
                                      "clinical_content=true"}),
                     now)
            .ref;
    here->clock.set(*parse_datetime(now));
    REQUIRE(Signoff(*here->engine)
                .put_document(PutDocumentRequest{
                    ref, "olivia", "The ward reopens on Monday after a deep clean.\n", {}, "", {}})
                .ok());
    here->act(ref, "send_for_review", "olivia", Json::object(), now);
    return ref;
  }

  // Hannah asks for changes to `ref`'s first version, a minute after kMorning.
  void ask_for_changes(const std::string& ref, const std::string& comment) {
    here->clock.set(*parse_datetime(later(kMorning, std::chrono::seconds(60))));
    REQUIRE(Signoff(*here->engine)
                .decide(DecideRequest{ref, "changes_required", "hannah", comment, "", {}, {}})
                .ok());
  }

  // A waiting outbox row about `ref`'s comms review step, made at `at`; its id.
  std::int64_t add_row(const std::string& ref, const std::string& recipient, const char* kind,
                       const std::string& at, const char* message) {
    OutboxEntry row{0, at, recipient, ref, kind, message};
    row.state = "comms_review";
    return here->store->add_outbox(row);
  }

  fs::path settings(int port, const std::string& extra = "") const {
    return dir.write("mail.conf",
                     fmt::format("# how email leaves, for these tests\n"
                                 "COMMSFLOW_MAIL=smtp\n"
                                 "COMMSFLOW_SMTP_URL=smtp://127.0.0.1:{}\n"
                                 "COMMSFLOW_SMTP_STARTTLS=off\n"
                                 "COMMSFLOW_MAIL_FROM=\"Comms team <comms@example.org>\"\n"
                                 "COMMSFLOW_PUBLIC_URL=https://comms.example.org/\n{}",
                                 port, extra));
  }

  RunResult deliver(const std::string& now, int expected_exit = 0) const {
    RunResult r = test::run_cli(dir.path(), {"deliver", "--mail-config", "mail.conf"}, now);
    INFO("deliver at " << now << "\nexit " << r.exit_code << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == expected_exit);
    return r;
  }

  // `commsflow deliver` started in the background at `now`, its output discarded; its pid.
  pid_t start_deliver(const std::string& now) const {
    const std::string db = test::folder_database(dir.path());
    pid_t worker = fork();
    REQUIRE(worker >= 0);
    if (worker == 0) {
      if (chdir(dir.path().c_str()) != 0) _exit(126);
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      setenv("COMMSFLOW_NOW", now.c_str(), 1);
      setenv("COMMSFLOW_DB", db.c_str(), 1);
      execl(COMMSFLOW_BIN, COMMSFLOW_BIN, "deliver", "--mail-config", "mail.conf",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    return worker;
  }

  Json outbox(const std::string& now = kMorning) const {
    RunResult r = test::run_cli(dir.path(), {"--json", "outbox"}, now);
    REQUIRE(r.exit_code == 0);
    return Json::parse(r.out);
  }
};

}  // namespace

TEST_CASE(
    "email: a decision needed reaches the approver by SMTP, with the deadline in UK time "
    "and a link to decide - never the author",
    "[email]") {
  Team t;
  // A headline beyond ASCII: the subject is encoded for mail and decoded whole by Python.
  const std::string ref = t.statement("Ward 7 reopens – café closed");
  const std::string due = t.here->item(ref).data["_signoff"]["due_at"];
  SmtpSink sink(t.dir / "mail");
  t.settings(sink.port());

  RunResult first = t.deliver(later(kMorning, std::chrono::seconds(60)));
  CHECK_THAT(first.out, Contains("1 sent"));
  std::vector<Json> mail = sink.messages();
  REQUIRE(mail.size() == 1);
  const Json& m = mail[0];
  CHECK(m["rcpt_tos"] == Json::array({"hannah@example.org"}));
  CHECK(m["mail_from"] == "comms@example.org");
  CHECK(m["to"] == "Hannah Head <hannah@example.org>");
  // March is GMT: the stored UTC time is the clock time people read.
  CHECK(m["subject"] == fmt::format("Decision needed by {} today: {} Ward 7 reopens – café closed",
                                    due.substr(11, 5), ref));
  const std::string link = "https://comms.example.org/items/" + ref;
  CHECK_THAT(m["text"].get<std::string>(),
             Contains(link) && Contains("version 1 of the statement") && Contains("Comms review"));
  CHECK_THAT(m["html"].get<std::string>(), Contains("href=\"" + link + "\""));
  // Its lines are lines of the message, as mail readers expect (RFC 2045), not "=0A" escapes.
  CHECK_THAT(m["raw"].get<std::string>(), !Contains("=0A") && !Contains("=0D"));
  const std::string text = m["text"].get<std::string>();
  CHECK(std::count(text.begin(), text.end(), '\n') >= 3);
  // Nothing of the statement itself leaves in an email.
  CHECK_THAT(m["raw"].get<std::string>(), !Contains("deep clean"));
  CHECK_THAT(m["message_id"].get<std::string>(),
             Catch::Matches("<commsflow\\.outbox\\.[0-9]+\\.[0-9]+@comms\\.example\\.org>"));

  // Recorded as sent; a second pass sends nothing again.
  const Json rows = t.outbox();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["status"] == "sent");
  CHECK(rows[0]["sent_to"] == "hannah@example.org");
  CHECK(rows[0]["attempts"] == 1);
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(120))).out, Contains("0 sent"));
  CHECK(sink.messages().size() == 1);

  // Hannah approves: the clinical review asks Cara, by email too.
  t.here->clock.set(*parse_datetime(later(kMorning, std::chrono::seconds(180))));
  REQUIRE(Signoff(*t.here->engine)
              .decide(DecideRequest{ref, "approved", "hannah", "", "", {}, {}})
              .ok());
  t.deliver(later(kMorning, std::chrono::seconds(240)));
  mail = sink.messages();
  REQUIRE(mail.size() == 2);
  CHECK(mail[1]["rcpt_tos"] == Json::array({"cara@example.org"}));
  CHECK_THAT(mail[1]["subject"].get<std::string>(), Catch::StartsWith("Decision needed by"));
  for (const auto& each : mail) CHECK(each["rcpt_tos"][0] != "olivia@example.org");
}

TEST_CASE("email: changes asked for reach the author of the version, without the comment",
          "[email]") {
  Team t;
  const std::string ref = t.statement("Ward 7 reopens");
  SmtpSink sink(t.dir / "mail");
  t.settings(sink.port());
  t.ask_for_changes(ref, "Say which ward staff move to");
  t.deliver(later(kMorning, std::chrono::seconds(120)));
  std::vector<Json> mail = sink.messages();
  // Hannah's own "decision needed" is no longer needed: she has decided.
  REQUIRE(mail.size() == 1);
  CHECK(mail[0]["rcpt_tos"] == Json::array({"olivia@example.org"}));
  CHECK(mail[0]["subject"] == "Changes required: " + ref + " Ward 7 reopens");
  CHECK_THAT(mail[0]["text"].get<std::string>(),
             Contains("Changes were asked for on the statement you wrote") &&
                 Contains("https://comms.example.org/items/" + ref));
  // The comment is read in commsflow, not in an email.
  CHECK_THAT(mail[0]["raw"].get<std::string>(), !Contains("which ward"));
  bool listed = false;
  for (const auto& row : t.outbox()) {
    if (row["kind"] != "changes_required") continue;
    listed = true;
    CHECK(row["recipient"] == "olivia");
    CHECK_THAT(row["message"].get<std::string>(),
               Contains("Hannah Head asked for changes to version 1"));
  }
  CHECK(listed);
}

TEST_CASE("email: the person assigned is told - overdue requests reach each person in one email",
          "[email]") {
  Team t;
  t.here->engine->add_actor("rita", {"requester"}, "operator", "Rita Requester",
                            "rita@example.org");
  t.here->engine->add_actor("tom", {"triager"}, "operator", "Tom Triager", "tom@example.org");
  std::vector<std::string> refs;
  for (const char* title : {"Newsletter item", "Poster for the atrium", "Intranet banner"}) {
    refs.push_back(
        t.here->submit("comms_request", "rita", test::comms_request_fields(title, "low"), kMorning)
            .ref);
    t.here->act(refs.back(), "accept", "tom", Json{{"assignee", "olivia"}}, kMorning);
  }
  SmtpSink sink(t.dir / "mail");
  t.settings(sink.port());
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(60))).out, Contains("3 sent"));
  std::vector<Json> mail = sink.messages();
  REQUIRE(mail.size() == 3);
  for (const auto& m : mail) {
    CHECK(m["rcpt_tos"] == Json::array({"olivia@example.org"}));
    CHECK_THAT(m["subject"].get<std::string>(), Catch::StartsWith("Assigned to you: REQ-"));
  }
  // The outbox names the item beside the workflow's heading.
  CHECK_THAT(test::run_cli(t.dir.path(), {"outbox", "--for", "olivia"}, kMorning).out,
             Contains("Notice") && Contains(refs[0] + ": Assigned to you"));

  // A month on, without a tick between: each person gets one email listing all three.
  const std::string month_on = "2026-04-02T09:00:00Z";
  REQUIRE(test::run_cli(t.dir.path(), {"tick"}, month_on).exit_code == 0);
  CHECK_THAT(t.deliver(later("2026-04-02T09:00:00Z", std::chrono::seconds(60))).out,
             Contains("6 sent"));
  mail = sink.messages();
  REQUIRE(mail.size() == 5);
  std::set<std::string> to;
  for (size_t i = 3; i < mail.size(); ++i) {
    const Json& m = mail[i];
    to.insert(m["rcpt_tos"][0].get<std::string>());
    CHECK(m["subject"] == "3 items overdue");
    for (const auto& ref : refs) {
      CHECK_THAT(m["text"].get<std::string>(),
                 Contains(ref) && Contains("https://comms.example.org/items/" + ref));
    }
    CHECK_THAT(m["text"].get<std::string>(), Contains("overdue since") &&
                                                 Contains("Poster for the atrium") &&
                                                 Contains("https://comms.example.org/queue"));
  }
  CHECK(to == std::set<std::string>{"olivia@example.org", "tom@example.org"});
  for (const auto& row : t.outbox(month_on)) CHECK(row["status"] == "sent");
}

TEST_CASE("email: someone who has lost the roles that let them read the item is not sent it",
          "[email]") {
  Team t;
  const std::string ref = t.statement("Ward 7 reopens");
  SmtpSink sink(t.dir / "mail");
  t.settings(sink.port());
  t.ask_for_changes(ref, "Say which ward");
  // Olivia moves to another team before the email leaves: she may no longer read statements.
  People people(*t.here->store, *t.here->registry, t.here->clock);
  people.add("olivia", {"requester"}, kOperator);
  people.remove_role("olivia", "comms_officer", kOperator);
  people.remove_role("olivia", "head_of_comms", kOperator);

  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(120))).out, Contains("0 sent"));
  CHECK(sink.messages().empty());
  bool listed = false;
  for (const auto& row : t.outbox()) {
    if (row["kind"] != "changes_required") continue;
    listed = true;
    CHECK(row["status"] == "skipped");
    CHECK(row["last_error"] == "olivia may no longer see " + ref);
  }
  CHECK(listed);
}

TEST_CASE(
    "email: with the relay down a row is retried with backoff and sent once it is up - "
    "without an address it fails for good after the attempts allowed",
    "[email]") {
  Team t;
  const int port = free_port();
  t.settings(port, "COMMSFLOW_MAIL_MAX_ATTEMPTS=3\nCOMMSFLOW_MAIL_FIRST_RETRY_SECONDS=60\n");
  const std::string ref = t.statement("Car park closure");

  RunResult down = t.deliver(later(kMorning, std::chrono::seconds(10)), 1);  // for cron: failed
  CHECK_THAT(down.out, Contains("0 sent, 1 to retry (the first from Mon 2 Mar 2026, 09:01)"));
  CHECK_THAT(down.out, Contains("outbox 1 (hannah)"));
  CHECK_THAT(
      test::run_cli(t.dir.path(), {"outbox"}, kMorning).out,
      Contains("waiting, 1 attempt(s) so far") && Contains("next try from Mon 2 Mar 2026, 09:01"));
  Json row = t.outbox()[0];
  CHECK(row["status"] == "waiting");
  CHECK(row["attempts"] == 1);
  CHECK(row["next_attempt_at"] == later(kMorning, std::chrono::seconds(70)));
  CHECK_FALSE(row["last_error"].get<std::string>().empty());

  // Not before the backoff ends.
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(40))).out,
             Contains("0 sent, 0 to retry"));

  {
    SmtpSink sink(t.dir / "mail", port);
    CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(71))).out, Contains("1 sent"));
    REQUIRE(sink.messages().size() == 1);
    CHECK(sink.messages()[0]["rcpt_tos"] == Json::array({"hannah@example.org"}));
  }
  row = t.outbox()[0];
  CHECK(row["status"] == "sent");
  CHECK(row["attempts"] == 2);

  // Cara has no address now: her row is tried three times, 60 then 120 seconds apart, then it
  // is given up and listed as failed.
  REQUIRE(test::run_cli(t.dir.path(), {"actor", "set", "cara", "--email", ""}).exit_code == 0);
  t.here->clock.set(*parse_datetime(later(kMorning, std::chrono::seconds(100))));
  REQUIRE(Signoff(*t.here->engine)
              .decide(DecideRequest{ref, "approved", "hannah", "", "", {}, {}})
              .ok());
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(110)), 1).out,
             Contains("cara has no email address"));
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(170)), 1).out, Contains("1 to retry"));
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(290)), 1).out,
             Contains("1 failed for good"));
  RunResult failed = test::run_cli(t.dir.path(), {"outbox", "--failed"}, kMorning);
  CHECK(failed.exit_code == 0);
  CHECK_THAT(failed.out, Contains("cara") && Contains("FAILED after 3 attempt(s)") &&
                             Contains("cara has no email address"));
  CHECK_THAT(failed.out, !Contains("hannah"));

  // Given an address, her email is sent again when asked: by number, or every failed one.
  std::int64_t cara_row = 0;
  for (const auto& r : t.outbox()) {
    if (r["status"] == "failed") cara_row = r["id"].get<std::int64_t>();
  }
  REQUIRE(cara_row > 0);
  CHECK_THAT(failed.out, Contains(fmt::format("commsflow outbox resend {}", cara_row)));
  REQUIRE(test::run_cli(t.dir.path(), {"actor", "set", "cara", "--email", "cara@example.org"})
              .exit_code == 0);
  const auto resend = [&](const std::vector<std::string>& args) {
    std::vector<std::string> all = {"outbox", "resend"};
    all.insert(all.end(), args.begin(), args.end());
    return test::run_cli(t.dir.path(), all, kMorning);
  };
  RunResult neither = resend({});
  CHECK(neither.exit_code == 2);
  CHECK_THAT(neither.err, Contains("name the rows to send again"));
  RunResult sent_already = resend({"1", std::to_string(cara_row)});
  CHECK(sent_already.exit_code == 2);
  CHECK_THAT(sent_already.err, Contains("outbox row #1 has not failed: it is sent already"));
  for (const auto& r : t.outbox()) {  // nothing changed
    if (r["id"] == cara_row) CHECK(r["status"] == "failed");
  }
  RunResult missing = resend({"999"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Contains("there is no outbox row #999"));
  RunResult zero = resend({"0"});
  CHECK(zero.exit_code == 2);
  CHECK_THAT(zero.err, Contains("'0' is not an outbox row number"));
  RunResult listing = test::run_cli(t.dir.path(), {"outbox", "--for", "cara", "resend", "1"});
  CHECK(listing.exit_code == 2);
  CHECK_THAT(listing.err, Contains("--for chooses what `outbox` lists"));
  RunResult both = resend({std::to_string(cara_row), "--all-failed"});
  CHECK(both.exit_code == 2);
  CHECK_THAT(both.err, Contains("not both"));

  // Named twice, put back once.
  RunResult again = resend({std::to_string(cara_row), "#" + std::to_string(cara_row)});
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Contains("1 email notification(s) put back to be sent"));
  {
    SmtpSink sink(t.dir / "mail-again", port);
    RunResult delivered = t.deliver(later(kMorning, std::chrono::seconds(300)));
    CHECK_THAT(delivered.out, Contains("1 sent"));
    REQUIRE(sink.messages().size() == 1);
    CHECK(sink.messages()[0]["rcpt_tos"] == Json::array({"cara@example.org"}));
  }
  CHECK(test::run_cli(t.dir.path(), {"outbox", "--failed"}, kMorning).out ==
        "no failed deliveries\n");
  CHECK_THAT(resend({"--all-failed"}).out, Contains("no email had failed for good"));
}

TEST_CASE(
    "email: a worker killed with SIGKILL mid-batch loses nothing: every row is sent at "
    "least once, and a row sent twice carries the same Message-ID",
    "[email][sqlite]") {
  Team t;
  constexpr int kRows = 12;
  for (int i = 1; i <= kRows; ++i) t.statement(fmt::format("Statement {}", i));
  REQUIRE(t.outbox().size() == kRows);
  SmtpSink sink(t.dir / "mail", 0, /*delay=*/0.15);
  t.settings(sink.port());

  const pid_t worker = t.start_deliver(later(kMorning, std::chrono::seconds(60)));
  // Killed once a few messages are through: mid-batch.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (sink.messages().size() < 3 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(worker, SIGKILL);
  int status = 0;
  waitpid(worker, &status, 0);
  const size_t before = sink.messages().size();
  CHECK(before >= 3);
  CHECK(before < kRows);

  // The next pass, after the claimed rows' lease, sends the rest (and perhaps again what was
  // sent but not recorded).
  t.deliver(later(kMorning, std::chrono::seconds(60 + 6 * 60)));
  std::map<std::string, std::set<std::string>> ids_by_subject;
  for (const auto& m : sink.messages()) {
    ids_by_subject[m["subject"].get<std::string>()].insert(m["message_id"].get<std::string>());
  }
  CHECK(ids_by_subject.size() == kRows);
  for (const auto& [subject, ids] : ids_by_subject) {
    INFO(subject);
    CHECK(ids.size() == 1);
  }
  for (const auto& row : t.outbox()) CHECK(row["status"] == "sent");
}

TEST_CASE(
    "email: through GOV.UK Notify, each email is the template with its personalisation and "
    "the row's reference, under a token Notify's checks accept",
    "[email]") {
  Team t;
  const std::string service = "26785a09-ab16-4eb0-8407-a37497a57506";
  const std::string secret = "3d844edf-8d35-48ac-975b-e847b4f122b0";
  const std::string template_id = "f33517ff-2a88-4f6e-b855-c550268ce08a";
  Receiver notify("notify_sink.py", t.dir / "notify", {service, secret});
  auto settings = [&](const std::string& key_secret) {
    t.dir.write("mail.conf", fmt::format("COMMSFLOW_MAIL=notify\n"
                                         "COMMSFLOW_NOTIFY_URL=http://127.0.0.1:{}\n"
                                         "COMMSFLOW_NOTIFY_API_KEY=commsflow_test-{}-{}\n"
                                         "COMMSFLOW_NOTIFY_TEMPLATE_ID={}\n"
                                         "COMMSFLOW_PUBLIC_URL=https://comms.example.org\n",
                                         notify.port(), service, key_secret, template_id));
  };
  const std::string ref = t.statement("Flu clinic hours");

  // A key with the wrong secret is refused by Notify: the row waits with Notify's answer.
  settings("00000000-0000-4000-8000-000000000000");
  RunResult refused = t.deliver(later(kMorning, std::chrono::seconds(30)), 1);
  CHECK_THAT(refused.out, Contains("Notify answered 403: Invalid token"));
  CHECK(notify.messages().empty());

  settings(secret);
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(120))).out, Contains("1 sent"));
  std::vector<Json> sent = notify.messages();
  REQUIRE(sent.size() == 1);
  const Json& m = sent[0];
  CHECK(m["email_address"] == "hannah@example.org");
  CHECK(m["template_id"] == template_id);
  CHECK_THAT(m["reference"].get<std::string>(), Catch::Matches("commsflow-outbox-1-[0-9]+"));
  CHECK_THAT(m["personalisation"]["subject"].get<std::string>(),
             Catch::StartsWith("Decision needed by") && Contains(ref + " Flu clinic hours"));
  CHECK(m["personalisation"]["link"] == "https://comms.example.org/items/" + ref);
  CHECK_THAT(m["personalisation"]["body"].get<std::string>(),
             Contains("https://comms.example.org/items/" + ref) && !Contains("deep clean"));
  CHECK(t.outbox()[0]["status"] == "sent");
}

TEST_CASE(
    "email: a row for a role nobody held when it was made goes to whoever holds it now, "
    "never the author",
    "[email]") {
  Team t;
  const std::string ref = t.statement("Bank holiday opening");
  t.add_row(ref, "role:head_of_comms", "reminder", kMorning, "why");
  SmtpSink sink(t.dir / "mail");
  t.settings(sink.port());
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(60))).out, Contains("2 sent"));
  std::multiset<std::string> to;
  for (const auto& m : sink.messages()) to.insert(m["rcpt_tos"][0].get<std::string>());
  // Hannah's own decision row, and the role's row given to her; Olivia holds the role too but
  // wrote the statement.
  CHECK(to == std::multiset<std::string>{"hannah@example.org", "hannah@example.org"});
  bool passed_on = false;
  for (const auto& r : t.outbox()) {
    if (r["recipient"] == "role:head_of_comms") {
      CHECK(r["status"] == "skipped");
      CHECK(r["last_error"] == "given to those holding the role: hannah");
      passed_on = true;
    }
  }
  CHECK(passed_on);
}

TEST_CASE(
    "email: a notification a later one replaces, or for someone who since wrote the text, is "
    "not sent",
    "[email]") {
  Team t;
  const std::string ref = t.statement("Ward reopens");
  auto put = [&](const std::string& author, const std::string& text) {
    REQUIRE(Signoff(*t.here->engine)
                .put_document(PutDocumentRequest{ref, author, text, {}, "", {}})
                .ok());
  };
  // Version 2 restarts the step and asks Hannah again; then Hannah writes version 3, so Olivia
  // (who also holds the role) is asked, and Hannah is not.
  put("olivia", "The ward reopens on Monday.\n");
  put("hannah", "The ward reopens on Monday at 8am.\n");

  // The outbox says so before delivery...
  const std::string listed = test::run_cli(t.dir.path(), {"outbox"}, kMorning).out;
  CHECK_THAT(listed, Contains("not to be sent: replaced by the later notification #") &&
                         Contains("not to be sent: no longer needed: Hannah Head wrote version "
                                  "3, so someone else decides"));
  // ...and delivery sends one email, to Olivia, about version 3.
  SmtpSink sink(t.dir / "mail");
  t.settings(sink.port());
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(60))).out, Contains("1 sent"));
  REQUIRE(sink.messages().size() == 1);
  CHECK(sink.messages()[0]["rcpt_tos"][0] == "olivia@example.org");
  int skipped = 0;
  for (const auto& r : t.outbox()) {
    if (r["recipient"] == "hannah") {
      CHECK(r["status"] == "skipped");
      ++skipped;
    }
  }
  CHECK(skipped == 2);
}

TEST_CASE("email: a role's row given to its holders does not replace a later row to one of them",
          "[email]") {
  Team t;
  const std::string ref = t.statement("Bank holiday opening");
  // A row for the role from before Hannah held it, then one to her, made later.
  t.add_row(ref, "role:head_of_comms", "decision_needed", kMorning, "on version 1");
  const std::int64_t direct_id = t.add_row(
      ref, "hannah", "decision_needed", later(kMorning, std::chrono::seconds(30)), "on version 2");
  SmtpSink sink(t.dir / "mail");
  t.settings(sink.port());
  CHECK_THAT(t.deliver(later(kMorning, std::chrono::seconds(60))).out, Contains("1 sent"));
  REQUIRE(sink.messages().size() == 1);
  CHECK(sink.messages()[0]["rcpt_tos"][0] == "hannah@example.org");
  for (const auto& r : t.outbox()) {
    if (r["id"] == direct_id) CHECK(r["status"] == "sent");
  }
}

TEST_CASE(
    "email: a step started again (a new version) leaves nothing said of its earlier start to "
    "send - an email that cannot be written fails alone",
    "[email][sqlite]") {
  Team t;
  const std::string ref = t.statement("Bank holiday opening");
  const std::string other = t.statement("Car park charges");
  // Hannah was told the first start had gone to a fallback; the step then started again.
  const std::int64_t stale =
      t.add_row(ref, "hannah", "escalated", later(kMorning, std::chrono::seconds(10)), "v1");
  t.add_row(ref, "hannah", "decision_needed", later(kMorning, std::chrono::seconds(20)), "v2");
  // The other statement's record holds what no email can be written from.
  // The folder's database: a file in it (named relative to it), or a PostgreSQL URL.
  const std::string db = test::folder_database(t.dir.path());
  const bool url = Store::is_url(db);
  test::raw_sql(url ? db : (t.dir / db).string(),
                fmt::format("UPDATE items SET data = {} WHERE ref = '{}'",
                            url ? "jsonb_set(data::jsonb, '{_document,version}', '\"two\"')::text"
                                : "json_set(data, '$._document.version', 'two')",
                            other));
  SmtpSink sink(t.dir / "mail");
  t.settings(sink.port());
  const RunResult delivered = t.deliver(later(kMorning, std::chrono::seconds(60)), 1);
  CHECK_THAT(delivered.out, Contains("1 sent") && Contains("the email could not be written"));
  std::vector<Json> mail = sink.messages();
  REQUIRE(mail.size() == 1);
  CHECK_THAT(mail[0]["subject"].get<std::string>(),
             Catch::StartsWith("Decision needed by") && Contains(ref));
  for (const auto& r : t.outbox()) {
    if (r["id"] == stale) {
      CHECK(r["status"] == "skipped");
      CHECK_THAT(r["last_error"].get<std::string>(), Contains("replaced by the later"));
    }
    if (r["ref"] == other) CHECK(r["attempts"] == 1);
  }
}

TEST_CASE("email: two workers delivering at once (two servers of one database) send each row once",
          "[email]") {
  Team t;
  constexpr int kRows = 12;
  for (int i = 1; i <= kRows; ++i) t.statement(fmt::format("Statement {}", i));
  SmtpSink sink(t.dir / "mail", 0, /*delay=*/0.05);
  t.settings(sink.port());
  const std::string now = later(kMorning, std::chrono::seconds(60));
  const std::vector<pid_t> workers = {t.start_deliver(now), t.start_deliver(now)};
  for (pid_t worker : workers) {
    int status = 0;
    waitpid(worker, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  std::multiset<std::string> subjects;
  for (const auto& m : sink.messages()) subjects.insert(m["subject"].get<std::string>());
  CHECK(subjects.size() == kRows);
  for (const auto& subject : std::set<std::string>(subjects.begin(), subjects.end())) {
    INFO(subject);
    CHECK(subjects.count(subject) == 1);
  }
  for (const auto& row : t.outbox()) CHECK(row["status"] == "sent");
}

TEST_CASE("email: serve says at start that email is on and how it leaves, or why it is off") {
  Team t;
  t.settings(2525);
  {
    test::ServeChild server(t.dir.path(), {}, kMorning, {"--mail-config", "mail.conf"});
    CHECK_THAT(server.log(), Contains("email: on, by smtp through smtp://127.0.0.1:2525, from "
                                      "Comms team <comms@example.org>"));
  }
  // A password written into the relay's URL stays out of the log.
  t.dir.write("secret.conf",
              "COMMSFLOW_MAIL=smtp\nCOMMSFLOW_SMTP_URL=smtp://comms:s3cret@127.0.0.1:2525\n"
              "COMMSFLOW_MAIL_FROM=comms@example.org\n"
              "COMMSFLOW_PUBLIC_URL=https://comms.example.org/\n");
  REQUIRE(
      test::run_cli(t.dir.path(), {"actor", "passwd", "hannah"}, kMorning, "long enough password\n")
          .exit_code == 0);
  {
    test::ServeChild server(t.dir.path(), {}, kMorning, {"--mail-config", "secret.conf"});
    CHECK_THAT(server.log(), Contains("through smtp://127.0.0.1:2525") && !Contains("s3cret"));
    // The settings' public URL is the server's too: https there makes the cookie Secure.
    CHECK_THAT(server.log(), Contains("reached at https://comms.example.org/: the session cookie "
                                      "is Secure"));
    httplib::Client client("127.0.0.1", server.port());
    auto signed_in = client.Post(
        "/sign-in", httplib::Params{{"name", "hannah"}, {"password", "long enough password"}});
    REQUIRE(signed_in);
    CHECK_THAT(signed_in->get_header_value("Set-Cookie"), Contains("; Secure"));
  }
  // One that is not a web address is named, with email off as with it on.
  t.dir.write("bad-url.conf", "COMMSFLOW_PUBLIC_URL=comms.example.org\n");
  const RunResult bad_url = test::run_cli(t.dir.path(), {"serve", "--mail-config", "bad-url.conf"});
  CHECK(bad_url.exit_code == 2);
  CHECK_THAT(bad_url.err, Contains("COMMSFLOW_PUBLIC_URL: 'comms.example.org' does not begin with "
                                   "https:// or http://"));
  const RunResult bad_option = test::run_cli(t.dir.path(), {"serve", "--public-url", "https://"});
  CHECK(bad_option.exit_code == 2);
  CHECK_THAT(bad_option.err, Contains("--public-url: 'https://' names no host") &&
                                 !Contains("--public-url: --public-url"));
  for (const char* twice : {"https://http://comms.example.org", "https://@comms"}) {
    CHECK(test::run_cli(t.dir.path(), {"serve", "--public-url", twice}).exit_code == 2);
  }
  // A folder where the file should be is refused, not taken for "no email".
  const RunResult folder = test::run_cli(t.dir.path(), {"serve", "--mail-config", "workflows"});
  CHECK(folder.exit_code == 2);
  CHECK_THAT(folder.err, Contains("the mail settings file workflows is a folder"));
}
