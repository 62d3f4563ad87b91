#include "server/deadline_sweeper.h"

namespace apigw::server {

Expirable::~Expirable() {
  if (sweeper_ != nullptr) sweeper_->remove(*this);
}

void DeadlineSweeper::add(Expirable& item) {
  item.sweeper_ = this;
  item.prev_ = nullptr;
  item.next_ = head_;
  if (head_ != nullptr) head_->prev_ = &item;
  head_ = &item;
  ++size_;
}

void DeadlineSweeper::remove(Expirable& item) {
  if (item.sweeper_ != this) return;
  if (cursor_next_ == &item) cursor_next_ = item.next_;
  if (item.prev_ != nullptr) item.prev_->next_ = item.next_;
  if (item.next_ != nullptr) item.next_->prev_ = item.prev_;
  if (head_ == &item) head_ = item.next_;
  item.sweeper_ = nullptr;
  item.prev_ = item.next_ = nullptr;
  --size_;
}

void DeadlineSweeper::start() {
  timer_.expires_after(kTick);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    sweep();
    start();
  });
}

void DeadlineSweeper::sweep() {
  const auto now = Clock::now();
  for (Expirable* item = head_; item != nullptr; item = cursor_next_) {
    cursor_next_ = item->next_;
    if (item->deadline_ <= now) {
      item->deadline_ = Clock::time_point::max();
      item->on_deadline();
    }
  }
  cursor_next_ = nullptr;
}

}  // namespace apigw::server
