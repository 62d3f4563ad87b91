// What a worker lends to the filters and handlers of the requests it serves: its outbound
// clients, which run on the worker's io_context. Reached through RequestContext::services.
#pragma once

namespace apigw::store::http {
class HttpClient;
}  // namespace apigw::store::http
namespace apigw::store::redis {
class RedisClient;
}  // namespace apigw::store::redis

namespace apigw::pipeline {

class WorkerServices {
 public:
  virtual ~WorkerServices() = default;
  // The worker's HTTP/1.1 client (keep-alive pools, TLS), for auth services and webhooks.
  virtual store::http::HttpClient& http_client() = 0;
  // The worker's Redis client (config [redis]); null when the config has none.
  virtual store::redis::RedisClient* redis() = 0;
};

}  // namespace apigw::pipeline
