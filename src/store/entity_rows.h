// What both stores share about entity rows: the kind's column text, tags as a JSON array, and
// the row operations that turn one entity set into another.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/entity.h"

namespace apigw::store {

std::string kind_column(config::EntityKind kind);
std::optional<config::EntityKind> kind_from_column(std::string_view text);
std::string tags_to_json(const std::vector<std::string>& tags);
std::vector<std::string> tags_from_json(std::string_view text);

// The row operations from `before` to `after` (matched by kind and id): deletes first (so a name
// freed by a delete can be taken by an insert in the same write), then updates, then inserts in
// `after`'s order.
struct RowChanges {
  std::vector<const config::Entity*> deletes;
  std::vector<const config::Entity*> updates;
  std::vector<const config::Entity*> inserts;
  bool empty() const { return deletes.empty() && updates.empty() && inserts.empty(); }
};
RowChanges diff_rows(const std::vector<config::Entity>& before,
                     const std::vector<config::Entity>& after);

}  // namespace apigw::store
