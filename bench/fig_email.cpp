// Figure 7: email. Notifications delivered per second by `deliver_due` (claim, compose, send,
// record: the database work around each email) to a local SMTP server (Debian's aiosmtpd, the
// tests' sink), against the same messages sent by the same SMTP client with no database at all;
// and the time from a decision to its next approver's email landing in the server's folder, when
// a delivery pass follows the decision at once (`serve` runs a pass every 15 seconds, which adds
// up to that much).
#include <commsflow/delivery.h>
#include <commsflow/engine.h>
#include <commsflow/import.h>
#include <commsflow/people.h>
#include <commsflow/registry.h>
#include <commsflow/signoff.h>
#include <commsflow/store.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "bench.h"
#include "rows.h"

namespace commsflow::bench {

namespace {

// tests/tools/smtp_sink.py as a child; stopped when its input closes.
class Sink {
 public:
  Sink(const Paths& paths, const std::filesystem::path& folder) : folder_(folder) {
    int out[2], in[2];
    if (pipe(out) != 0 || pipe(in) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(in[0], 0);
      close(out[0]);
      close(in[1]);
      const std::string script = (paths.source_dir / "tests" / "tools" / "smtp_sink.py").string();
      execl("/usr/bin/python3", "python3", script.c_str(), folder.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    close(in[0]);
    stdin_ = in[1];
    std::string said;
    char c = 0;
    while (read(out[0], &c, 1) == 1 && c != '\n') said += c;
    close(out[0]);
    if (!said.starts_with("listening on ")) throw std::runtime_error("the SMTP sink did not start");
    port_ = std::stoi(said.substr(13));
  }
  ~Sink() {
    close(stdin_);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  int port() const { return port_; }
  size_t received() const {
    size_t n = 0;
    for (const auto& f : std::filesystem::directory_iterator(folder_)) {
      n += f.path().extension() == ".json";
    }
    return n;
  }
  void wait_for(size_t n) const {
    const double give_up = now_seconds() + 120;
    while (received() < n) {
      if (now_seconds() > give_up) throw std::runtime_error("the SMTP sink stopped receiving");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

 private:
  std::filesystem::path folder_;
  pid_t pid_ = 0;
  int stdin_ = -1;
  int port_ = 0;
};

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

}  // namespace

void bench_email(const Paths& paths, const Sizes& sizes, std::vector<Row>& rows) {
  const int n = sizes.email_messages;
  const auto folder = paths.scratch / "mail";
  std::filesystem::create_directories(folder);
  Sink sink(paths, folder);

  auto store_owner = Store::open(paths.scratch / "email.db",
                                 Store::Options{true, Store::Durability::Normal, 5000});

  Store& store = *store_owner;
  WorkflowRegistry registry(store, bench_clock(), paths.source_dir / "bench" / "workflows");
  registry.sync();
  Engine engine(store, registry, bench_clock());
  engine.add_actor("olivia.officer", {"comms_officer"}, "operator", "Olivia Officer",
                   "olivia@example.org");
  engine.add_actor("hannah.head", {"head_of_comms"}, "operator", "Hannah Head",
                   "hannah@example.org");
  engine.add_actor("clara.clinical", {"clinical_lead"}, "operator", "Clara Clinical",
                   "clara@example.org");
  std::vector<ImportRow> items;
  for (int i = 1; i <= n; ++i) {
    items.push_back(ImportRow{i, Json{{"headline", fmt::format("Statement {}", i)}}});
  }
  const auto refs = import_items(engine, "bench_signoff", "olivia.officer", items);
  for (const auto& ref : refs) {
    PutDocumentRequest document;
    document.ref = ref;
    document.actor = "olivia.officer";
    document.content = "Our hospitals are busy this winter.";
    if (!Signoff(engine).put_document(document))
      throw std::runtime_error("put_document was refused");
    if (!engine.act(ActRequest{ref, "send", "olivia.officer", Json::object(), "", {}})) {
      throw std::runtime_error("send was refused");
    }
  }

  MailSettings settings;
  settings.transport = "smtp";
  settings.smtp_url = fmt::format("smtp://127.0.0.1:{}", sink.port());
  settings.smtp_starttls = false;
  settings.from = "Comms team <comms@example.org>";
  settings.public_url = "https://comms.example.org";
  auto mailer = make_mailer(settings);

  // Baseline: the same client sends the same messages, composed beforehand, no database.
  std::vector<MailMessage> messages;
  for (const auto& row : store.outbox("hannah.head", "")) {
    messages.push_back(compose_mail(row, *store.item(row.ref),
                                    registry.current("bench_signoff").definition,
                                    *store.actor("hannah.head"), settings, bench_clock().now()));
  }
  double t0 = now_seconds();
  for (const auto& m : messages) mailer->send(m);
  sink.wait_for(messages.size());
  const double raw_seconds = now_seconds() - t0;

  t0 = now_seconds();
  DeliveryReport report = deliver_due(engine, *mailer, settings, {}, n + 1);
  sink.wait_for(messages.size() + static_cast<size_t>(report.sent));
  const double engine_seconds = now_seconds() - t0;
  if (report.sent != n) throw std::runtime_error("not every notification was delivered");
  const double engine_rate = n / engine_seconds, raw_rate = n / raw_seconds;
  rows.push_back(Row{"7. Email: notifications delivered to a local SMTP server",
                     format_rate(engine_rate, "emails/s"), format_rate(raw_rate, "emails/s"),
                     format_ratio(engine_rate / raw_rate), "-", "-",
                     fmt::format("{} decisions needed; baseline: the same SMTP client sending the "
                                 "same messages with no database",
                                 n)});

  // A decision, then a delivery pass: until the next approver's email is in the folder.
  std::vector<double> latencies;
  const int decisions = std::min(n, 50);
  for (int i = 0; i < decisions; ++i) {
    const size_t before = sink.received();
    t0 = now_seconds();
    if (!Signoff(engine).decide(DecideRequest{
            refs[static_cast<size_t>(i)], "approved", "hannah.head", "", "", {}, {}})) {
      throw std::runtime_error("the decision was refused");
    }
    deliver_due(engine, *mailer, settings);
    sink.wait_for(before + 1);
    latencies.push_back(now_seconds() - t0);
  }
  rows.push_back(Row{"7. Email: decision to the next approver's email landing, p50 / p99",
                     fmt::format("{:.1f} ms / {:.1f} ms", percentile(latencies, 0.5) * 1000,
                                 percentile(latencies, 0.99) * 1000),
                     "-", "-", "-", "-",
                     fmt::format("{} decisions, each followed by one delivery pass (serve runs "
                                 "one every 15 s)",
                                 decisions)});
}

}  // namespace commsflow::bench
