#include "config/yaml_document.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <charconv>
#include <limits>
#include <algorithm>
#include <cctype>
#include <memory>
#include <sstream>
#include <unordered_set>

namespace apigw::config {
namespace {

// Nesting deeper than this is no config of ours; the cap keeps a hostile file from recursing far.
constexpr std::size_t kMaxDepth = 64;

// A refusal from inside the event handler, carried out of yaml-cpp's parser.
struct Refusal {
  YAML::Mark mark;
  std::string message;
};

std::uint32_t one_based(int zero_based) { return static_cast<std::uint32_t>(zero_based + 1); }

bool is_digits(std::string_view text, int base) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool digit = base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                       : base == 8 ? c >= '0' && c <= '7'
                                   : c >= '0' && c <= '9';
    if (!digit) return false;
  }
  return true;
}

// YAML 1.2 core schema integers: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+. A decimal with a leading
// zero (0755) is refused rather than read: YAML 1.1 readers take it as octal, 1.2 as decimal.
enum class IntegerForm : std::uint8_t { none, integer, ambiguous, out_of_range };

IntegerForm parse_integer(std::string_view text, std::int64_t& out) {
  std::string_view digits = text;
  bool negative = false;
  int base = 10;
  if (text.starts_with("0x")) {
    base = 16;
    digits.remove_prefix(2);
  } else if (text.starts_with("0o")) {
    base = 8;
    digits.remove_prefix(2);
  } else if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (!is_digits(digits, base)) return IntegerForm::none;
  if (base == 10 && digits.size() > 1 && digits[0] == '0') return IntegerForm::ambiguous;
  std::uint64_t magnitude = 0;
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  const std::uint64_t limit =
      negative ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(INT64_MAX);
  if (error != std::errc() || magnitude > limit) return IntegerForm::out_of_range;
  out = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  return IntegerForm::integer;
}

// YAML 1.2 core schema floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, .inf, .nan.
// `out_of_range`: it is such a float, but beyond a double (1e400).
bool parse_float(std::string_view text, double& out, bool& out_of_range) {
  out_of_range = false;
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF") {
    out = negative ? -std::numeric_limits<double>::infinity()
                   : std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    return i - from;
  };
  const std::size_t whole = digits();
  std::size_t fraction = 0;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    fraction = digits();
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < rest.size() && (rest[i] == 'e' || rest[i] == 'E')) {
    ++i;
    if (i < rest.size() && (rest[i] == '-' || rest[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  if (i != rest.size()) return false;
  // from_chars takes neither a leading '+' nor a bare leading '.'.
  std::string normal(negative ? "-" : "");
  if (rest[0] == '.') normal.push_back('0');
  normal.append(rest);
  const auto [end, error] = std::from_chars(normal.data(), normal.data() + normal.size(), out);
  out_of_range = error == std::errc::result_out_of_range;
  return error == std::errc() && end == normal.data() + normal.size();
}

constexpr std::string_view kCoreTag = "tag:yaml.org,2002:";

// Events go nowhere: a first pass that only finds syntax errors. yaml-cpp reports one when it
// meets it, after the events of what came before; so without this pass an unclosed `[1, 2` could
// be refused for a null the parser made up on its way to the real error.
class SyntaxOnly final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(toml::table& root, NodePositions& positions, const std::string& source_name)
      : root_(root), positions_(positions), path_(std::make_shared<const std::string>(source_name)),
        source_name_(source_name) {}


  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      throw Refusal{mark, "more than one YAML document ('---'): a config file is one document"};
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    refuse_anchor(mark, anchor);
    if (stack_.empty()) {
      saw_root_ = true;  // "---" and nothing: an empty config
      return;
    }
    if (expecting_key()) throw Refusal{mark, "a key must not be null"};
    // An empty value's mark is wherever the next token starts (often the next line): the key
    // says better where the value is missing.
    const Frame& frame = stack_.back();
    throw Refusal{frame.node->is_table() ? frame.key_mark : mark, "a value must not be null (`~`, `null` or nothing after the colon): give "
                        "it a value or leave the key out"};
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw Refusal{mark, "aliases (*name) are not supported in apigw config files"};
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    refuse_anchor(mark, anchor);
    if (stack_.empty()) throw Refusal{mark, "the document must be a mapping of sections and keys"};
    Frame& frame = stack_.back();
    if (expecting_key()) {
      if (!tag.empty() && tag != "?" && tag != "!" && tag != std::string(kCoreTag) + "str") {
        throw Refusal{mark, "a key must be a plain string"};
      }
      if (!frame.keys.insert(value).second) {
        throw Refusal{mark, "duplicate key '" + value + "'"};
      }
      frame.key = value;
      frame.key_mark = mark;
      frame.has_key = true;
      return;
    }
    add_scalar(mark, tag, value);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    refuse_anchor(mark, anchor);
    refuse_tag(mark, tag, "seq");
    if (stack_.empty()) throw Refusal{mark, "the document must be a mapping of sections and keys"};
    if (expecting_key()) throw Refusal{mark, "a key must be a plain string, not a list"};
    toml::node* node = add(mark, toml::array{});
    push(mark, node);
  }

  void OnSequenceEnd() override { stack_.pop_back(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    refuse_anchor(mark, anchor);
    refuse_tag(mark, tag, "map");
    if (stack_.empty()) {
      if (saw_root_) throw Refusal{mark, "the document must be one mapping"};
      saw_root_ = true;
      positions_[&root_] = position(mark);
      push(mark, &root_);
      return;
    }
    if (expecting_key()) throw Refusal{mark, "a key must be a plain string, not a mapping"};
    toml::node* node = add(mark, toml::table{});
    push(mark, node);
  }

  void OnMapEnd() override { stack_.pop_back(); }

  void OnAnchor(const YAML::Mark& mark, const std::string&) override { refuse_anchor(mark, 1); }

 private:
  struct Frame {
    toml::node* node;  // a table or an array
    bool has_key = false;
    std::string key;
    YAML::Mark key_mark;
    std::unordered_set<std::string> keys;
  };

  SourcePosition position(const YAML::Mark& mark) const {
    return {source_name_, one_based(mark.line), one_based(mark.column), {}};
  }

  toml::source_region region(const YAML::Mark& mark) const {
    toml::source_region region;
    region.begin = {one_based(mark.line), one_based(mark.column)};
    region.end = region.begin;
    region.path = path_;
    return region;
  }

  bool expecting_key() const {
    const Frame& frame = stack_.back();
    return frame.node->is_table() && !frame.has_key;
  }

  static void refuse_anchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) {
      throw Refusal{mark, "anchors (&name) are not supported in apigw config files"};
    }
  }

  static void refuse_tag(const YAML::Mark& mark, const std::string& tag, std::string_view kind) {
    if (tag.empty() || tag == "?" || tag == "!" || tag == std::string(kCoreTag).append(kind)) return;
    throw Refusal{mark, "unsupported tag '" + tag + "'"};
  }

  void push(const YAML::Mark& mark, toml::node* node) {
    if (stack_.size() >= kMaxDepth) throw Refusal{mark, "nested too deeply"};
    stack_.push_back({node});
  }

  // A scalar value by the core schema: quoted and block scalars ("!") are strings; plain ones
  // ("?") are booleans, integers or floats when they read as one, else strings.
  void add_scalar(const YAML::Mark& mark, const std::string& tag, const std::string& value) {
    const bool plain = tag == "?" || tag.empty();
    const std::string_view core =
        tag.starts_with(kCoreTag) ? std::string_view(tag).substr(kCoreTag.size()) : "";
    if (!plain && tag != "!" && core != "str" && core != "bool" && core != "int" &&
        core != "float") {
      throw Refusal{mark, "unsupported tag '" + tag + "'"};
    }
    if (tag == "!" || core == "str") {
      add(mark, toml::value<std::string>(value));
      return;
    }
    if (plain || core == "bool") {
      if (value == "true" || value == "True" || value == "TRUE") {
        add(mark, toml::value<bool>(true));
        return;
      }
      if (value == "false" || value == "False" || value == "FALSE") {
        add(mark, toml::value<bool>(false));
        return;
      }
      if (core == "bool") throw Refusal{mark, "'" + value + "' is not a boolean"};
    }
    if (plain || core == "int") {
      std::int64_t number = 0;
      switch (parse_integer(value, number)) {
        case IntegerForm::integer:
          add(mark, toml::value<std::int64_t>(number));
          return;
        case IntegerForm::ambiguous:
          throw Refusal{mark, "'" + value + "': a number with a leading zero is read as octal "
                              "by some YAML readers and decimal by others; write it without the "
                              "zero, or quote it for a string"};
        case IntegerForm::out_of_range:
          throw Refusal{mark, "'" + value + "' is out of range for a 64-bit integer"};
        case IntegerForm::none:
          if (core == "int") throw Refusal{mark, "'" + value + "' is not an integer"};
          break;
      }
    }
    if (plain || core == "float") {
      double number = 0;
      bool out_of_range = false;
      if (parse_float(value, number, out_of_range)) {
        add(mark, toml::value<double>(number));
        return;
      }
      if (out_of_range) throw Refusal{mark, "'" + value + "' is out of range for a number"};
      if (core == "float") throw Refusal{mark, "'" + value + "' is not a number"};
    }
    add(mark, toml::value<std::string>(value));  // a plain scalar that is nothing else
  }

  // Adds `value` under the frame's pending key (a table) or at the end (an array); records where
  // it was written. Nodes never move once in the tree (tables and arrays hold them by pointer).
  template <typename Node>
  toml::node* add(const YAML::Mark& mark, Node&& value) {
    Frame& frame = stack_.back();
    toml::node* added = nullptr;
    if (auto* table = frame.node->as_table()) {
      const auto [at, inserted] =
          table->insert(toml::key(frame.key, region(frame.key_mark)), std::forward<Node>(value));
      added = &at->second;
      frame.has_key = false;
    } else {
      auto* array = frame.node->as_array();
      array->push_back(std::forward<Node>(value));
      added = &array->back();
    }
    positions_[added] = position(mark);
    return added;
  }

  toml::table& root_;
  NodePositions& positions_;
  toml::source_path_ptr path_;
  const std::string& source_name_;
  std::vector<Frame> stack_;
  int documents_ = 0;
  bool saw_root_ = false;
};

}  // namespace

bool parse_yaml_document(std::string_view text, const std::string& source_name, toml::table& root,
                         NodePositions& positions, YamlError& error) {
  root.clear();
  positions.clear();
  const std::string copy(text);
  try {
    std::istringstream first_pass{copy};
    YAML::Parser syntax(first_pass);
    SyntaxOnly discard;
    while (syntax.HandleNextDocument(discard)) {
    }
    std::istringstream input{copy};
    YAML::Parser parser(input);
    TreeBuilder builder(root, positions, source_name);
    // The second call finds the end, or another document (which the builder refuses).
    while (parser.HandleNextDocument(builder)) {
    }
    return true;
  } catch (const Refusal& refusal) {
    error = {one_based(refusal.mark.line), one_based(refusal.mark.column), refusal.message};
  } catch (const YAML::Exception& exception) {
    error = {one_based(exception.mark.line), one_based(exception.mark.column),
             "YAML syntax error: " + exception.msg};
  }
  return false;
}

bool is_yaml_file(std::string_view path) {
  const auto ends_with = [&](std::string_view suffix) {
    if (path.size() < suffix.size()) return false;
    const std::string_view tail = path.substr(path.size() - suffix.size());
    return std::equal(tail.begin(), tail.end(), suffix.begin(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == b;
    });
  };
  return ends_with(".yaml") || ends_with(".yml");
}

}  // namespace apigw::config
