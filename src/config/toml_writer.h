#pragma once

#include <iosfwd>

#include <toml++/toml.h>

namespace apigw::config {

// Writes `root` as a TOML document in toml++'s own layout (values first, then [sub.tables], then
// [[arrays.of.tables]], nested headers indented by four spaces), but with keys quoted by this
// writer. Why not toml++'s formatter: 3.3.0 prints a key holding ' bare (it takes ' for a bare-key
// character), so a header name like content-len'th — a legal HTTP token — would export to a
// document that does not parse back. Values (strings, numbers, dates) are still printed by toml++.
void write_toml(std::ostream& out, const toml::table& root);

}  // namespace apigw::config
