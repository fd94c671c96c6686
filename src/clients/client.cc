#include "clients/client.h"

#include "clients/pubsub.h"
#include "clients/tracking.h"
#include "clients/transaction.h"

namespace basalt::clients {

Client::Client() = default;
Client::~Client() = default;

Transaction& Client::EnsureTransaction() {
  if (!transaction_) transaction_ = std::make_unique<Transaction>();
  return *transaction_;
}

bool Client::in_multi() const { return transaction_ != nullptr && transaction_->in_multi; }

Subscriptions& Client::EnsureSubscriptions() {
  if (!subscriptions_) subscriptions_ = std::make_unique<Subscriptions>();
  return *subscriptions_;
}

TrackingState& Client::EnsureTracking() {
  if (!tracking_) tracking_ = std::make_unique<TrackingState>();
  return *tracking_;
}

void Client::EndRequest() {
  if (reply_mode == ReplyMode::kSkip) {
    reply_mode = ReplyMode::kOn;
  } else if (reply_mode == ReplyMode::kSkipNext) {
    reply_mode = ReplyMode::kSkip;
  }
}

bool Client::subscribed() const { return subscriptions_ != nullptr && !subscriptions_->empty(); }

}  // namespace basalt::clients
