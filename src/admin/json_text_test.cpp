#include "admin/json_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>

namespace apigw::admin {
namespace {

namespace json = boost::json;

TEST(JsonText, WritesFractionsInPlainDecimalNotation) {
  EXPECT_EQ(json_text(json::value(12.47)), "12.47");
  EXPECT_EQ(json_text(json::value(0.0031)), "0.0031");
  EXPECT_EQ(json_text(json::value(-250.5)), "-250.5");
  EXPECT_EQ(json_text(json::value(3.0)), "3.0");
  EXPECT_EQ(json_text(json::value(0.0)), "0.0");
}

TEST(JsonText, KeepsTheExponentWherePlainNotationWouldRunLong) {
  EXPECT_EQ(json_text(json::value(1e20)), "1e+20");
  EXPECT_EQ(json_text(json::value(2.5e-9)), "2.5e-09");
}

TEST(JsonText, WritesNonFiniteNumbersAsNull) {
  EXPECT_EQ(json_text(json::value(std::numeric_limits<double>::quiet_NaN())), "null");
  EXPECT_EQ(json_text(json::value(std::numeric_limits<double>::infinity())), "null");
}

TEST(JsonText, WritesEverythingElseAsBoostDoes) {
  const json::value document = json::parse(
      R"({"name":"a \"quoted\" \u00e9 name\n","count":18446744073709551615,"signed":-7,)"
      R"("list":[true,false,null,{}],"empty":[],"nested":{"k":"v"}})");
  EXPECT_EQ(json_text(document), json::serialize(document));
}

TEST(JsonText, ReadsBackToTheSameValues) {
  json::object object;
  object["p99"] = 1.247;
  object["rate"] = 1234567.891;
  object["share"] = 0.000123;
  object["tiny"] = 1e-12;
  object["requests"] = 42;
  const json::value document(object);
  EXPECT_EQ(json::parse(json_text(document)), document);
}

}  // namespace
}  // namespace apigw::admin
