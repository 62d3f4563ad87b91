#include "admin/target_api.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "admin/entity_api.h"
#include "config/entity_document.h"
#include "store/mutation.h"

namespace apigw::admin {
namespace json = boost::json;
using server::awaitable;

namespace {

// Addresses compare as the validator compares them: case-insensitively (host names).
bool same_address(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The targets array of an upstream's document (made when missing).
json::array& targets_of(json::object& document) {
  json::value& targets = document["targets"];
  if (!targets.is_array()) targets = json::array();
  return targets.get_array();
}

// The target with `address` in `targets`, or end().
json::array::iterator find_target(json::array& targets, std::string_view address) {
  return std::find_if(targets.begin(), targets.end(), [&](const json::value& target) {
    const json::object* object = target.if_object();
    const json::value* at = object != nullptr ? object->if_contains("address") : nullptr;
    return at != nullptr && at->is_string() && same_address(at->get_string(), address);
  });
}

store::MutationResult refusal(int status, std::string code, std::string message) {
  store::MutationResult result;
  result.status = status;
  result.code = std::move(code);
  result.message = std::move(message);
  return result;
}

AdminResponse with_etag(AdminResponse response, const config::Entity& upstream) {
  response.headers.emplace_back("ETag", etag_of(upstream));
  return response;
}

// The answer for one target of a written (or read) upstream.
AdminResponse target_response(int status, const config::Entity& upstream,
                              std::string_view address) {
  json::object document = config::entity_to_json(upstream);
  json::array& targets = targets_of(document);
  const auto found = find_target(targets, address);
  if (found == targets.end()) {
    return error_response(404, "target_not_found",
                          "upstream '" + upstream.name + "' has no target '" +
                              std::string(address) + "'");
  }
  return with_etag(json_response(status, *found), upstream);
}

}  // namespace

awaitable<AdminResponse> handle_target_api(const AdminRequest& request, std::string_view upstream,
                                           std::string_view address, ConfigService& service) {
  const bool read = request.method == "GET" || request.method == "HEAD";
  if (read) {
    const config::Entity* entity =
        store::find_entity(service.entities(), config::EntityKind::upstream, upstream);
    if (entity == nullptr) {
      co_return error_response(404, "not_found",
                               "no upstream with id or name '" + std::string(upstream) + "'");
    }
    if (!address.empty()) co_return target_response(200, *entity, address);
    json::object document = config::entity_to_json(*entity);
    json::object body;
    body["upstream"] = entity->name;
    body["version"] = entity->version;
    body["targets"] = std::move(targets_of(document));
    co_return with_etag(json_response(200, body), *entity);
  }

  store::Mutation mutation;
  mutation.op = store::Mutation::Op::patch;
  mutation.kind = config::EntityKind::upstream;
  mutation.key = std::string(upstream);
  bool valid_if_match = true;
  mutation.expected_version = expected_version(request.header("if-match"), valid_if_match);
  if (!valid_if_match) {
    co_return error_response(400, "invalid_if_match", "If-Match must be an ETag such as \"3\"");
  }
  json::object body;
  if (request.method != "DELETE") {
    AdminResponse refused;
    auto parsed = body_object(request, refused);
    if (!parsed) co_return refused;
    body = std::move(*parsed);
  }
  std::string written_address(address);
  if (request.method == "POST") {
    const json::value* given = body.if_contains("address");
    if (given == nullptr || !given->is_string() || given->get_string().empty()) {
      co_return error_response(400, "invalid_entity", "the target has invalid fields",
                               {{"", "address", "a target needs an 'address' (\"host:port\")"}});
    }
    written_address = std::string(given->get_string());
    mutation.edit = [body, written_address](json::object& document)
        -> std::optional<store::MutationResult> {
      json::array& targets = targets_of(document);
      if (find_target(targets, written_address) != targets.end()) {
        return refusal(409, "target_conflict",
                       "the upstream already has target '" + written_address +
                           "' (PATCH it to change it)");
      }
      targets.push_back(body);
      return std::nullopt;
    };
  } else if (request.method == "PATCH") {
    if (const json::value* given = body.if_contains("address");
        given != nullptr && (!given->is_string() || !same_address(given->get_string(), address))) {
      co_return error_response(400, "invalid_entity", "the target has invalid fields",
                               {{"", "address",
                                 "a target's address cannot change: add the new one and delete "
                                 "this one"}});
    }
    mutation.edit = [body, written_address](json::object& document)
        -> std::optional<store::MutationResult> {
      json::array& targets = targets_of(document);
      const auto found = find_target(targets, written_address);
      if (found == targets.end()) {
        return refusal(404, "target_not_found", "no target '" + written_address + "'");
      }
      if (!found->is_object()) *found = json::object();
      config::merge_patch(found->get_object(), body);
      return std::nullopt;
    };
  } else {  // DELETE
    mutation.edit = [written_address](json::object& document)
        -> std::optional<store::MutationResult> {
      json::array& targets = targets_of(document);
      const auto found = find_target(targets, written_address);
      if (found == targets.end()) {
        return refusal(404, "target_not_found", "no target '" + written_address + "'");
      }
      targets.erase(found);
      return std::nullopt;
    };
  }
  const WriteOutcome outcome = co_await service.write(std::move(mutation));
  if (outcome.status >= 400) co_return outcome_error(outcome);
  if (request.method == "DELETE") {
    AdminResponse response;
    response.status = 204;
    co_return with_etag(std::move(response), outcome.entity);
  }
  AdminResponse response =
      target_response(request.method == "POST" ? 201 : 200, outcome.entity, written_address);
  if (request.method == "POST") {
    response.headers.emplace_back("Location", "/admin/upstreams/" + outcome.entity.name +
                                                  "/targets/" + percent_encode(written_address));
  }
  co_return response;
}

}  // namespace apigw::admin
