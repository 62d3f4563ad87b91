// The load pipeline: TOML text -> ${VAR} interpolation -> APIGW__ overrides -> schema structs ->
// validation. Each pass appends to one error list so that a user sees every problem at once.
#include "config/loader.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "config/detail.h"

namespace apigw::config {

std::string ConfigError::to_string() const {
  if (position.line == 0 && !position.field.empty()) {
    return position.file + ": " + position.field + ": " + message;
  }
  if (position.line == 0) return position.file + ": " + message;
  return position.file + ":" + std::to_string(position.line) + ":" +
         std::to_string(position.column) + ": " + message;
}

Environment Environment::from_process() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t equals = text.find('=');
    if (equals == text.npos) continue;
    env.variables.emplace(std::string(text.substr(0, equals)),
                          std::string(text.substr(equals + 1)));
  }
  return env;
}

namespace detail {

SourcePosition LoadContext::position_of(const toml::node& node) const {
  if (const auto found = origins_.find(&node); found != origins_.end()) return found->second;
  if (file_positions_ != nullptr) {
    if (const auto found = file_positions_->find(&node); found != file_positions_->end()) {
      return found->second;
    }
  }
  const auto& begin = node.source().begin;
  return {file_, begin.line, begin.column};
}

SourcePosition LoadContext::position_of(const toml::key& key, const toml::node& value) const {
  if (origins_.contains(&value) || key.source().begin.line == 0) return position_of(value);
  return {file_, key.source().begin.line, key.source().begin.column};
}

void LoadContext::mark_from_env(const toml::node& node, const std::string& variable) {
  origins_.insert_or_assign(&node, SourcePosition{"env:" + variable, 0, 0});
}

void LoadContext::mark_origin(const toml::node& node, SourcePosition position) {
  origins_.insert_or_assign(&node, std::move(position));
}

void LoadContext::drop_follow_up_errors() {
  std::set<PositionKey> seen;
  std::erase_if(errors_, [&](const ConfigError& error) {
    const PositionKey key = key_of(error.position);
    return unresolved_.contains(key) && !seen.insert(key).second;
  });
}

namespace {

void interpolate_node(toml::node& node, const Environment& env, LoadContext& ctx) {
  if (auto* table = node.as_table()) {
    for (auto&& [key, value] : *table) interpolate_node(value, env, ctx);
  } else if (auto* array = node.as_array()) {
    for (auto& element : *array) interpolate_node(element, env, ctx);
  } else if (auto* text = node.as_string()) {
    if (text->get().find('$') == std::string::npos) return;
    std::string expanded;
    std::string error;
    if (interpolate(text->get(), env, expanded, error)) {
      text->get() = std::move(expanded);
    } else {
      ctx.error(node, error);
      ctx.mark_unresolved(node);
    }
  }
}

}  // namespace

void interpolate_tree(toml::table& root, const Environment& env, LoadContext& ctx) {
  interpolate_node(root, env, ctx);
}

}  // namespace detail

namespace {

// The passes after parsing, on a tree of the load's own.
LoadResult load_tree(toml::table& root, detail::LoadContext& ctx, LoadResult& result,
                     const Environment& env, const FilterCatalog& filters,
                     const std::vector<Entity>* entities, const EntityNames* names) {
  if (entities != nullptr) {
    // The file's own entity tables only seed a store: with stored entities they are dropped
    // before anything reads them (an unset ${VAR} in them must not break a write).
    for (const auto& info : entity_kinds()) root.erase(info.collection);
  }
  detail::interpolate_tree(root, env, ctx);
  detail::apply_env_overrides(root, env, ctx);
  if (entities != nullptr) {
    // After interpolation: a stored document is literal, "${...}" in it is text.
    detail::replace_entities(root, *entities, ctx);
    result.entities = *entities;
  } else {
    result.entities = detail::entities_of_tree(root);
  }
  Config config = detail::convert(root, filters, ctx);
  detail::validate(config, ctx.positions(), result.errors, names);
  detail::validate_entities(config, ctx.positions(), result.errors, names);
  ctx.drop_follow_up_errors();
  if (result.errors.empty()) result.config = std::move(config);
  return std::move(result);
}

// toml++ copies nodes without their source positions: the copy's nodes get the original's
// (`yaml`: a YAML file's, which its nodes do not carry).
void copy_positions(const toml::node& original, const toml::node& copy, const NodePositions& yaml,
                    detail::LoadContext& ctx) {
  if (const auto found = yaml.find(&original); found != yaml.end()) {
    ctx.mark_origin(copy, found->second);
  } else {
    const auto& begin = original.source().begin;
    ctx.mark_origin(copy, SourcePosition{ctx.file(), begin.line, begin.column});
  }
  if (const auto* table = original.as_table()) {
    const auto* copied = copy.as_table();
    for (const auto& [key, value] : *table) {
      if (const auto* twin = copied->get(key.str())) copy_positions(value, *twin, yaml, ctx);
    }
  } else if (const auto* array = original.as_array()) {
    const auto* copied = copy.as_array();
    for (std::size_t i = 0; i < array->size() && i < copied->size(); ++i) {
      copy_positions(*array->get(i), *copied->get(i), yaml, ctx);
    }
  }
}

}  // namespace

bool parse_config_document(std::string_view text, const std::string& source_name, toml::table& root,
                           NodePositions& positions, std::vector<ConfigError>& errors) {
  if (is_yaml_file(source_name)) {
    YamlError error;
    if (parse_yaml_document(text, source_name, root, positions, error)) return true;
    errors.push_back({{source_name, error.line, error.column}, error.message});
    return false;
  }
  try {
    root = toml::parse(text, std::string_view(source_name));
    return true;
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    errors.push_back({{source_name, begin.line, begin.column},
                      "TOML syntax error: " + std::string(error.description())});
    return false;
  }
}

LoadResult load_config_text(std::string_view text, const std::string& source_name,
                            const Environment& env, const FilterCatalog& filters,
                            const std::vector<Entity>* entities, const EntityNames* names) {
  LoadResult result;
  toml::table root;
  NodePositions positions;
  if (!parse_config_document(text, source_name, root, positions, result.errors)) return result;
  detail::LoadContext ctx(source_name, result.errors);
  ctx.use_file_positions(&positions);
  return load_tree(root, ctx, result, env, filters, entities, names);
}

FileSections::FileSections(std::string_view text, std::string source_name)
    : source_name_(std::move(source_name)) {
  auto root = std::make_unique<toml::table>();
  std::vector<ConfigError> errors;
  if (!parse_config_document(text, source_name_, *root, positions_, errors)) return;
  root_ = std::move(root);
  for (const auto& info : entity_kinds()) root_->erase(info.collection);
}

FileSections::~FileSections() = default;

LoadResult load_config_sections(const FileSections& sections, const Environment& env,
                                const FilterCatalog& filters, const std::vector<Entity>& entities,
                                const EntityNames* names) {
  LoadResult result;
  detail::LoadContext ctx(sections.source_name(), result.errors);
  toml::table root = sections.root();
  copy_positions(sections.root(), root, sections.positions(), ctx);
  return load_tree(root, ctx, result, env, filters, &entities, names);
}

std::optional<ConfigError> read_config_file(const std::string& path, std::string& text) {
  const auto cannot_read = [&](int error) {
    return ConfigError{{path, 0, 0}, "cannot read " + path + ": " + std::strerror(error)};
  };
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (file == nullptr) return cannot_read(errno);
  text.clear();
  char buffer[64 * 1024];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, count);
  // A directory opens fine and fails on the first read (EISDIR).
  if (std::ferror(file.get())) return cannot_read(errno);
  return std::nullopt;
}

LoadResult load_config_file(const std::string& path, const Environment& env,
                            const FilterCatalog& filters, const std::vector<Entity>* entities,
                            std::string* text_out) {
  std::string text;
  if (auto error = read_config_file(path, text)) {
    LoadResult result;
    result.errors.push_back(std::move(*error));
    return result;
  }
  if (text_out != nullptr) *text_out = text;
  return load_config_text(text, path, env, filters, entities);
}

}  // namespace apigw::config
