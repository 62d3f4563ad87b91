#include "store/redis/reply.h"

namespace apigw::store::redis {

std::string_view to_string(RedisErrc code) {
  switch (code) {
    case RedisErrc::not_connected:
      return "not_connected";
    case RedisErrc::connect_failed:
      return "connect_failed";
    case RedisErrc::connection_lost:
      return "connection_lost";
    case RedisErrc::timeout:
      return "timeout";
    case RedisErrc::cancelled:
      return "cancelled";
    case RedisErrc::closed:
      return "closed";
  }
  return "unknown";
}

}  // namespace apigw::store::redis
