// The conditions a route may set on a request besides host, method and path: header, query
// parameter and cookie predicates (config::ValuePredicate). Semantics, as docs/configuration.md
// "Routing" documents them:
//   - Headers: names compare case-insensitively; a value predicate holds when some header of that
//     name satisfies it; `present` when the header occurs, `absent` when it does not.
//   - Query parameters: the query is split on '&' into name[=value]; names and values are
//     percent-decoded before comparing ('+' stays '+': no form encoding is assumed), names are
//     case-sensitive; a value predicate holds when some occurrence of the name satisfies it;
//     "?debug" is present with an empty value.
//   - Cookies: the first cookie of that name (the one servers read) is compared, raw.
// Regex predicates match the whole value; the caller passes the RE2 object to use (a per-thread
// copy on the hot path, see util/anchored_regex.h).
#pragma once

#include <string_view>
#include <vector>

#include "config/schema.h"
#include "http/message.h"

namespace apigw::proxy {

bool header_predicate_holds(const config::ValuePredicate& predicate, const re2::RE2* regex,
                            const std::vector<http::Header>& headers);

bool query_predicate_holds(const config::ValuePredicate& predicate, const re2::RE2* regex,
                           std::string_view query);

bool cookie_predicate_holds(const config::ValuePredicate& predicate, const re2::RE2* regex,
                            const std::vector<http::Header>& headers);

}  // namespace apigw::proxy
