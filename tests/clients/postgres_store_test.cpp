// The PostgreSQL store's write path in-process against a real PostgreSQL (tests/support/postgres):
// a write starts from the rows this store last read or wrote only while the revision is still
// theirs, and what it returns is what a fresh read finds.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/postgres_store.h"
#include "support/postgres.h"

namespace apigw::test {
namespace {

using store::Change;
using store::ChangeFunction;
using store::StoredState;

// Runs `task` on `io` until it finishes, within 20 s (a hung store fails the test, not CI).
template <typename T>
T run(boost::asio::io_context& io, store::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr failure;
  bool done = false;
  boost::asio::co_spawn(io.get_executor(), std::move(task),
                        [&](std::exception_ptr error, auto... value) {
                          failure = error;
                          if (!error) (result.emplace(std::move(value)), ...);
                          done = true;
                        });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(10));
  }
  if (!done) throw std::runtime_error("the store operation did not finish within 20 s");
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

struct Nothing {};
store::awaitable<Nothing> and_nothing(store::awaitable<void> task) {
  co_await std::move(task);
  co_return Nothing{};
}
void run(boost::asio::io_context& io, store::awaitable<void> task) {
  run(io, and_nothing(std::move(task)));
}

// Adds a consumer named `name` to whatever the store holds.
ChangeFunction add_consumer(const std::string& name) {
  return [name](const StoredState& current) {
    Change change;
    change.commit = true;
    change.entities = current.entities;
    config::Entity entity;
    entity.kind = config::EntityKind::consumer;
    entity.id = "id-" + name;
    entity.name = name;
    entity.version = 1;
    entity.body = "{}";
    change.entities.push_back(entity);
    return change;
  };
}

std::vector<std::string> names(const StoredState& state) {
  std::vector<std::string> out;
  for (const auto& entity : state.entities) out.push_back(entity.name);
  return out;
}

TEST(PostgresStoreWrites, AWriteAfterAnotherNodesWriteStartsFromTheRowsInTheDatabase) {
  TestPostgres postgres;
  boost::asio::io_context io;
  store::PostgresStore first(io.get_executor(), postgres.url());
  store::PostgresStore second(io.get_executor(), postgres.url());
  run(io, first.open());
  run(io, second.open());
  EXPECT_EQ(run(io, first.load()).revision, 0);
  EXPECT_EQ(run(io, second.load()).revision, 0);

  const ChangeFunction add_a = add_consumer("a"), add_b = add_consumer("b"),
                       add_c = add_consumer("c"), add_d = add_consumer("d");
  const StoredState after_a = run(io, first.write(add_a));
  EXPECT_EQ(names(after_a), (std::vector<std::string>{"a"}));
  // `second` last read revision 0; the database is at 1 now.
  const StoredState after_b = run(io, second.write(add_b));
  EXPECT_EQ(names(after_b), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(after_b.revision, 2);
  // `first` last wrote revision 1, which `second` moved on from.
  const StoredState after_c = run(io, first.write(add_c));
  EXPECT_EQ(names(after_c), (std::vector<std::string>{"a", "b", "c"}));
  // Right after its own write `first` starts from what it committed.
  const StoredState after_d = run(io, first.write(add_d));
  EXPECT_EQ(names(after_d), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(after_d.revision, 4);

  // What the writes returned is what the database holds, in its order.
  const StoredState read = run(io, second.load());
  EXPECT_EQ(read.revision, after_d.revision);
  EXPECT_EQ(names(read), names(after_d));
  // A write someone made by hand, bumping the revision as apigw's writes do, is seen too.
  postgres.psql("UPDATE apigw_entities SET name = 'renamed' WHERE name = 'b'; "
                "UPDATE apigw_revision SET revision = revision + 1");
  const ChangeFunction add_e = add_consumer("e");
  EXPECT_EQ(names(run(io, first.write(add_e))),
            (std::vector<std::string>{"a", "renamed", "c", "d", "e"}));
}

}  // namespace
}  // namespace apigw::test
