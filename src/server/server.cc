#include "server/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "commands/errors.h"
#include "replication/replication.h"
#include "server/connection.h"
#include "server/open_files.h"
#include "server/primary_link.h"

namespace basalt::server {

namespace {

// Redis 7.0.15's text, word for word (its typo included: clients may match on it).
constexpr std::string_view kProtectedModeDenied =
    "DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections "
    "from the outside.";

// protected-mode: with no password, only the loopback addresses (exactly 127.0.0.1 and ::1, as
// Redis checks) may connect.
bool DeniedByProtectedMode(const config::Settings& s, std::string_view peer) {
  if (!s.protected_mode || !s.requirepass.empty()) return false;
  const std::string_view ip = peer.substr(0, peer.rfind(':'));
  return ip != "127.0.0.1" && ip != "::1";
}

}  // namespace

Server::Server(config::Config& config)
    : config_(config),
      clock_(*SystemClock::Instance()),
      // Sockets and timers are touched by the loop thread only; other threads only post work,
      // so the reactor's per-descriptor locking can go while the scheduler keeps its own.
      io_(ASIO_CONCURRENCY_HINT_UNSAFE_IO),
      continuations_([this](std::function<void()> fn) { asio::post(io_, std::move(fn)); },
                     [this] { return read_cap_; }),
      // The engine's completions change the dataset's state: never inside a busy script.
      engine_(std::make_unique<engine::Engine>(config, clock_,
                                               [this](std::function<void()> fn) {
                                                 asio::post(io_, [this, fn = std::move(fn)] {
                                                   busy_gate_.RunOrPark(std::move(fn));
                                                 });
                                               })),
      listeners_(io_, [this](asio::ip::tcp::socket socket,
                             std::string peer) { OnAccept(std::move(socket), std::move(peer)); }),
      http_port_(std::make_unique<HttpPort>(
          io_, [this](const std::vector<std::string>& args) { return RunForHttp(args); },
          [this] { return config_.settings().requirepass; },
          [this](std::string_view peer) {
            return DeniedByProtectedMode(config_.settings(), peer);
          })),
      signals_(io_, SIGINT, SIGTERM),
      cron_timer_(io_),
      background_timer_(io_),
      group_commit_(std::make_unique<GroupCommit>(io_, *engine_, busy_gate_)),
      primary_link_(std::make_unique<PrimaryLink>(io_, busy_gate_, engine_->replication().replica(),
                                                  [this] { group_commit_->SubmitUnawaited(); })) {
  engine_->replication().set_transport(primary_link_.get());
  context().clients = this;
  context().control = this;
  context().metrics = &metrics_;
  engine_->set_on_durable([this](uint64_t seq) { group_commit_->OnDurable(seq); });
  engine_->set_on_aof_failure(
      [this](const std::string& refusal) { group_commit_->OnFailure(refusal); });
  SyncParserLimits();
  config_.OnChange("proto-max-bulk-len", [this] { SyncParserLimits(); });
}

Server::~Server() {
  connections_.clear();
  engine_->replication().set_transport(nullptr);
  primary_link_.reset();
  engine_.reset();
}

void Server::SyncParserLimits() {
  parser_limits_.max_bulk_len = config_.settings().proto_max_bulk_len;
}

Status Server::Listen() {
  if (Status st = FitClientsToOpenFiles(); !st.ok()) return st;
  config_.OnChangeMayFail("maxclients", [this] { return CheckClientsFitOpenFiles(); });
  const config::Settings& s = config_.settings();
  Status st = listeners_.Bind(s.bind, static_cast<int>(s.port), static_cast<int>(s.tcp_backlog),
                              {.keepalive_seconds = s.tcp_keepalive});
  if (!st.ok()) return st;
  config_.OnChange("tcp-keepalive",
                   [this] { listeners_.SetKeepalive(config_.settings().tcp_keepalive); });
  context().tcp_port = listeners_.port();
  return http_port_->Listen(s.http_bind, static_cast<int>(s.http_port));
}

std::string Server::RunForHttp(const std::vector<std::string>& args) {
  cmd::ClientSession session;
  session.authenticated = true;    // the HTTP port checked the password itself
  session.answers_at_once = true;  // lives on this stack: must never be parked
  session.name = "basalt-http";
  session.created_ms = clock_.NowMs();
  std::string reply;
  protocol::ReplyWriter writer(&reply);
  const std::vector<std::string_view> argv(args.begin(), args.end());
  engine_->Execute(session, argv, writer);
  return reply;
}

Status Server::FitClientsToOpenFiles() {
  int64_t& maxclients = config_.settings().maxclients;
  const FileLimitFit fit = FitOpenFiles(maxclients, SystemFileLimitOps());
  if (fit.maxclients == maxclients) {
    if (fit.limit_now != fit.limit_before) {
      spdlog::info("Increased maximum number of open files to {} (it was originally set to {}).",
                   fit.limit_now, fit.limit_before);
    }
    return Status::Ok();
  }
  if (fit.maxclients < 1) {
    return Status::InvalidArgument(
        fmt::format("Your current 'ulimit -n' of {} is not enough for the server to start. "
                    "Please increase your open file limit to at least {}. Exiting.",
                    fit.limit_now, maxclients + kReservedFds));
  }
  spdlog::warn("You requested maxclients of {} requiring at least {} max file descriptors.",
               maxclients, maxclients + kReservedFds);
  spdlog::warn("Server can't set maximum open files to {} because of OS error: {}.",
               maxclients + kReservedFds, std::strerror(fit.error));
  spdlog::warn(
      "Current maximum open files is {}. maxclients has been reduced to {} to compensate for "
      "low ulimit. If you need higher maxclients increase 'ulimit -n'.",
      fit.limit_now, fit.maxclients);
  maxclients = fit.maxclients;
  return Status::Ok();
}

Status Server::CheckClientsFitOpenFiles() {
  const FileLimitFit fit = FitOpenFiles(config_.settings().maxclients, SystemFileLimitOps());
  if (fit.maxclients < config_.settings().maxclients) {
    return Status::InvalidArgument(
        "The operating system is not able to handle the specified number of clients, try with " +
        std::to_string(fit.maxclients));
  }
  return Status::Ok();
}

int Server::Run() {
  listeners_.StartAccepting();
  http_port_->StartAccepting();
  WaitForSignal();
  ScheduleCron();
  spdlog::info("Ready to accept connections tcp (port {})", listeners_.port());
  if (http_port_->port() != 0) {
    spdlog::info("HTTP port {} serves /health, /metrics and /info", http_port_->port());
  }
  engine_->StartLoading([this](const Status& st) { OnLoaded(st); });
  RunLoop();
  spdlog::info("basalt is now ready to exit, bye bye...");
  return exit_code_;
}

// Under load, most of a client's cost on loopback was waking the server: with basalt idle
// between requests more often than Redis (it finishes them sooner), each request's send went
// through try_to_wake_up of the sleeping loop thread (a quarter of redis-benchmark's samples
// at -c 50 -P 1 LRANGE). While events keep arriving within busy-poll-us of each other, the
// loop polls for up to that long before it sleeps in epoll_wait, so it is awake when the next
// request lands. The gaps are averaged (1/8 weight per wait): a server whose waits are longer never
// spins, so an idle or lightly loaded server costs no CPU for this.
void Server::RunLoop() {
  int64_t gap_avg_us = 1'000'000;
  auto observe = [&gap_avg_us](int64_t gap_us) { gap_avg_us += (gap_us - gap_avg_us) / 8; };
  while (!io_.stopped()) {
    if (busy_gate_.has_parked()) ReleaseParked();  // a busy script returned
    // poll() returns once an epoll_wait found nothing new: the loop is idle from here, and asking
    // the kernel again at once (as this loop did) cost an empty epoll_wait per wake (at -c 50
    // -P 1 GET, 1.7 epoll_waits per request where Redis makes 0.4-0.6).
    io_.poll();
    if (io_.stopped()) break;
    if (busy_gate_.has_parked()) continue;
    const int64_t idle_from = MonotonicUs();
    const int64_t spin_us = config_.settings().busy_poll_us;  // CONFIG SET applies at once
    if (gap_avg_us < spin_us) {
      bool woke = false;
      while (!woke && MonotonicUs() - idle_from < spin_us) woke = io_.poll() > 0;
      if (io_.stopped()) break;
      if (woke) {
        observe(MonotonicUs() - idle_from);
        continue;
      }
    }
    io_.run_one();
    observe(MonotonicUs() - idle_from);
  }
}

void Server::WaitForSignal() {
  signals_.async_wait([this](const asio::error_code& ec, int signo) {
    if (ec) return;
    // Inside a busy script the shutdown waits for it, as in Redis.
    busy_gate_.RunOrPark([this, signo] {
      const config::Settings& s = config_.settings();
      BeginShutdown(signo == SIGINT ? "Received SIGINT scheduling shutdown..."
                                    : "Received SIGTERM scheduling shutdown...",
                    false, signo == SIGINT ? s.shutdown_on_sigint : s.shutdown_on_sigterm);
    });
  });
}

void Server::OnAccept(asio::ip::tcp::socket socket, std::string peer) {
  ++context().stats.total_connections_received;
  if (static_cast<int64_t>(connections_.size()) >= config_.settings().maxclients) {
    ++context().stats.rejected_connections;
    RejectConnection(socket, cmd::err::kMaxClients);
    return;
  }
  if (DeniedByProtectedMode(config_.settings(), peer)) {
    ++context().stats.rejected_connections;
    RejectConnection(socket, kProtectedModeDenied);
    return;
  }
  uint64_t id = next_client_id_++;
  auto conn = std::make_shared<Connection>(*this, std::move(socket), id, std::move(peer));
  connections_.emplace(id, conn);
  conn->Start();
}

void Server::RejectConnection(asio::ip::tcp::socket& socket, std::string_view error) {
  std::string reply = "-";
  reply.append(error);
  reply.append("\r\n");
  asio::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(reply), ec);  // best effort, as Redis does
  socket.close(ec);
}

void Server::Unregister(uint64_t id) {
  // The connection may be running this call from its own handler: keep it alive until the
  // handler returns by releasing it from a posted task.
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  group_commit_->NoteActivity(*it->second);
  asio::post(io_, [keep = std::move(it->second)] {});
  connections_.erase(it);
}

void Server::ForEach(const std::function<void(cmd::ClientSession&)>& fn) {
  // Snapshot the ids first: fn may close clients.
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (auto& [id, c] : connections_) all.push_back(c);
  std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a->id < b->id; });
  for (auto& c : all) {
    if (!c->closed()) fn(*c);
  }
  // The link to our primary is a client too (CLIENT LIST flag M, CLIENT KILL TYPE master).
  replication::Replica& replica = engine_->replication().replica();
  if (replica.link_up()) fn(replica.session());
}

void Server::ScheduleCron() {
  int64_t hz = std::clamp<int64_t>(config_.settings().hz, 1, 500);
  cron_timer_.expires_after(std::chrono::milliseconds(1000 / hz));
  cron_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || shutting_down_) return;
    busy_gate_.RunOrPark([this] {
      if (shutting_down_) return;
      Cron();
      ScheduleCron();
    });
  });
}

void Server::Cron() {
  int64_t now_ms = clock_.NowMs();
  engine_->Cron();
  metrics_.Sample(context().stats, now_ms);
  KickBackgroundWork();
  if (now_ms - last_idle_check_ms_ >= 1000) {
    last_idle_check_ms_ = now_ms;
    CheckIdleClients(now_ms);
  }
}

void Server::CheckIdleClients(int64_t now_ms) {
  const int64_t timeout_ms = config_.settings().timeout * 1000;
  std::vector<std::shared_ptr<Connection>> idle;
  for (auto& [id, c] : connections_) {
    const int64_t idle_ms = now_ms - c->last_interaction_ms;
    if (timeout_ms > 0 && !c->is_replica && idle_ms > timeout_ms) {
      idle.push_back(c);
    } else if (idle_ms >= kIdleMemoryReleaseMs) {
      c->ReleaseIdleMemory();
    }
  }
  for (auto& c : idle) {
    spdlog::debug("Closing idle client id={}", c->id);
    c->Close();
  }
}

std::string Server::RequestShutdown(bool save, bool nosave, bool force) {
  spdlog::warn("User requested shutdown...");
  supervisor_.Stopping();
  if (Status st = engine_->PrepareShutdown(save, nosave, force); !st.ok()) {
    spdlog::warn("{}", st.message());
    supervisor_.SaveFailed();
    return "ERR Errors trying to SHUTDOWN. Check logs.";
  }
  asio::post(io_, [this] {
    busy_gate_.RunOrPark([this] { BeginShutdown("Shutting down on request.", true); });
  });
  return {};
}

void Server::OnLoaded(const Status& st) {
  if (shutting_down_) return;  // cancelled by the shutdown
  if (!st.ok()) {
    spdlog::critical("Fatal error loading the DB: {}. Exiting.", st.message());
    exit_code_ = 1;
    io_.stop();
    return;
  }
  if (Status repl = engine_->replication().StartFromConfig(); !repl.ok()) {
    spdlog::warn("Not following a primary: {}", repl.message());
  }
  supervisor_.Ready(!config_.settings().replicaof.empty());
  KickBackgroundWork();
}

void Server::set_supervisor(Supervisor supervisor) {
  supervisor_ = std::move(supervisor);
  context().supervised = supervisor_.name();
  context().service_status = supervisor_.active() ? &supervisor_ : nullptr;
}

void Server::KickBackgroundWork() {
  if (background_scheduled_ || !engine_->has_background_work()) return;
  background_scheduled_ = true;
  if (engine_->background_throttled()) {
    // A full sync waits for its replicas to drain their buffers, a BGSAVE or rewrite for its
    // file's writer thread: look again shortly instead of spinning the loop.
    background_timer_.expires_after(std::chrono::milliseconds(2));
    background_timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) {
        background_scheduled_ = false;
        return;
      }
      busy_gate_.RunOrPark([this] {
        background_scheduled_ = false;
        if (!shutting_down_) KickBackgroundWork();
      });
    });
    return;
  }
  // Each slice is posted behind the network events that are ready, so clients interleave.
  asio::post(io_, [this] {
    busy_gate_.RunOrPark([this] {
      background_scheduled_ = false;
      if (shutting_down_) return;
      if (engine_->BackgroundStep()) KickBackgroundWork();
    });
  });
}

void Server::BeginShutdown(const char* reason, bool save_done, int64_t signal_flags) {
  if (shutting_down_) return;
  spdlog::warn("{}", reason);
  if (!save_done) supervisor_.Stopping();  // SHUTDOWN told the supervisor before its save
  // A load in progress is abandoned (as Redis exits at once); nothing is saved over the files.
  if (context().loading) engine_->CancelLoading();
  if (!save_done) {
    // shutdown-on-sigterm / -sigint: save or not whatever the save points say, and with force
    // exit even when that save fails. ("now" changes nothing: a signal never waits for lagging
    // replicas here.)
    const bool save = signal_flags & config::kShutdownSave;
    const bool nosave = signal_flags & config::kShutdownNoSave;
    const bool force = signal_flags & config::kShutdownForce;
    if (Status st = engine_->PrepareShutdown(save, nosave, force); !st.ok()) {
      // As Redis: a failed final save keeps the server running rather than losing data, and
      // the next signal tries again.
      spdlog::warn("{}", st.message());
      supervisor_.SaveFailed();
      WaitForSignal();
      return;
    }
  }
  shutting_down_ = true;
  listeners_.Close();
  http_port_->Close();
  cron_timer_.cancel();
  background_timer_.cancel();
  signals_.cancel();
  primary_link_->Close();
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [id, c] : connections_) all.push_back(c);
  for (auto& c : all) c->FlushAndClose();
  WaitForConnectionsThenStop(50);
}

void Server::WaitForConnectionsThenStop(int attempts_left) {
  // Give pending replies up to ~5 seconds to drain, then stop regardless.
  if (connections_.empty() || attempts_left == 0) {
    for (auto& [id, c] : std::unordered_map(connections_)) c->Close();
    io_.stop();
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
  timer->async_wait([this, timer, attempts_left](const asio::error_code&) {
    WaitForConnectionsThenStop(attempts_left - 1);
  });
}

void Server::FlushAtEndOfTurn(std::shared_ptr<Connection> conn) {
  to_flush_.push_back(std::move(conn));
  if (flush_posted_) return;
  flush_posted_ = true;
  // Posted work runs after the handlers the reactor found ready in this turn.
  asio::post(io_, [this] {
    flush_posted_ = false;
    std::vector<std::shared_ptr<Connection>> conns;
    conns.swap(to_flush_);
    busy_ = conns.size() + continuations_.waiting();
    read_cap_ = ReadBudget::PerRead(busy_);
    for (const auto& c : conns) {
      if (!c->closed()) c->FlushNow();
    }
  });
}

// Redis's processEventsWhileBlocked: a bounded number of ready handlers, so a flood of
// requests (each answered -BUSY) cannot keep the script from going on. Asio supports nested
// poll_one() calls from inside a handler.
void Server::ServeWhileBusy(uint64_t caller_id) {
  if (busy_gate_.closed()) return;  // a handler run here cannot start a script, but be sure
  auto it = connections_.find(caller_id);
  busy_gate_.Close(it == connections_.end() ? nullptr : it->second.get());
  for (int i = 0; i < kHandlersPerBusyTurn && io_.poll_one() > 0; ++i) {
  }
  busy_gate_.Open();
}

void Server::ReleaseParked() {
  for (std::function<void()>& fn : busy_gate_.TakeParked()) asio::post(io_, std::move(fn));
}

}  // namespace basalt::server
