#include "execbench/reports/number_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace execbench::reports {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Every case of the table the page (scripts/plot.py) and the summaries share.
TEST(number_format, every_case_of_number_formats_json) {
  const std::string path = std::string(EXECBENCH_REPORTS_DATA_DIR) + "/number_formats.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const nlohmann::json table = nlohmann::json::parse(in);
  ASSERT_TRUE(table.contains("rule"));
  const auto& cases = table.at("cases");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string kind = c.at("kind");
    ASSERT_TRUE(kind == "count" || kind == "duration") << kind;
    const double value = c.at("value");
    const std::string unit = c.at("unit");
    EXPECT_EQ(
        format_figure(kind == "count" ? figure_kind::count : figure_kind::duration, value, unit),
        c.at("text").get<std::string>())
        << c.dump();
  }
}

TEST(number_format, counts_round_half_away_from_zero_on_the_decimal_written) {
  EXPECT_EQ(format_count(1.005), "1.01");  // 1.00499999... in binary
  EXPECT_EQ(format_count(0.125), "0.125");
  EXPECT_EQ(format_count(2.675), "2.68");
  EXPECT_EQ(format_count(999.5), "1,000");  // rounding carries into the next regime
  EXPECT_EQ(format_count(999'950), "1 M");
  EXPECT_EQ(format_count(999'500'000), "1 G");
  EXPECT_EQ(format_count(12'345'678'901'234.0), "12.3 T");
  EXPECT_EQ(format_count(0.0001234), "0.000123");
  EXPECT_EQ(format_count(-0.0), "0");
  EXPECT_EQ(format_count(-0.0001, "tasks/s"), "-0.0001 tasks/s");
}

TEST(number_format, durations_pick_their_unit) {
  EXPECT_EQ(format_duration(850, "us"), "850 µs");
  EXPECT_EQ(format_duration(999.6, "us"), "1 ms");
  EXPECT_EQ(format_duration(0.9996, "s"), "1 s");
  EXPECT_EQ(format_duration(469'900'000, "ns"), "470 ms");
  EXPECT_EQ(format_duration(-12.5, "ms"), "-12.5 ms");
  EXPECT_EQ(format_duration(0, "us"), "0 µs");
  EXPECT_EQ(format_duration(3, "weeks"), "3 weeks");  // not a time unit it knows: a count
}

TEST(number_format, bad_figures_read_as_text_never_as_exponents) {
  for (const double value :
       {nan, inf, -inf, 1e300, -1e300, 1e-300, 5e-324, std::numeric_limits<double>::max(),
        std::numeric_limits<double>::lowest()}) {
    for (const std::string& text :
         {format_count(value, "tasks/s"), format_duration(value, "us"), format_duration(value, "s"),
          format_percent(value), format_probability(value)}) {
      EXPECT_FALSE(text.empty()) << value;
      EXPECT_EQ(text.find('e'), std::string::npos) << value << ": " << text;
      EXPECT_LT(text.size(), 40u) << value << ": " << text;
    }
  }
  EXPECT_EQ(format_count(nan, "tasks/s"), "-");
  EXPECT_EQ(format_count(inf), "∞");
  EXPECT_EQ(format_count(-inf, "ms"), "-∞");
  EXPECT_EQ(format_duration(nan, "ms"), "-");
  EXPECT_EQ(format_count(1e300), "1×10³⁰⁰");
  EXPECT_EQ(format_count(-1.5e20, "/s"), "-1.5×10²⁰ /s");
  EXPECT_EQ(format_count(4.1234e-5), "4.12×10⁻⁵");
  EXPECT_EQ(format_duration(1e300, "s"), "1×10³⁰⁰ s");
  EXPECT_EQ(format_duration(1e-300, "s"), "1×10⁻²⁹¹ ns");
  EXPECT_EQ(format_duration(std::numeric_limits<double>::max(), "ns"), "1.8×10²⁹⁹ s");
}

TEST(number_format, percentages_keep_one_decimal_and_their_sign) {
  EXPECT_EQ(format_percent(0.2), "+20.0%");
  EXPECT_EQ(format_percent(-0.1667), "-16.7%");
  EXPECT_EQ(format_percent(0.05, false), "5.0%");
  EXPECT_EQ(format_percent(1.0, false), "100.0%");
  EXPECT_EQ(format_percent(-0.0004), "0.0%");  // no sign on a rounded zero
  EXPECT_EQ(format_percent(0.00025), "0.0%");
  EXPECT_EQ(format_percent(123.456), "+12,350%");
  EXPECT_EQ(format_percent(1e10), "+1×10¹²%");
  EXPECT_EQ(format_percent(nan), "-");
  EXPECT_EQ(format_percent(inf), "+∞%");
  EXPECT_EQ(format_percent(-inf, false), "-∞%");
}

TEST(number_format, probabilities_with_two_significant_figures) {
  EXPECT_EQ(format_probability(0.5), "0.5");
  EXPECT_EQ(format_probability(1), "1");
  EXPECT_EQ(format_probability(0.0234), "0.023");
  EXPECT_EQ(format_probability(0.00125), "0.0013");
  EXPECT_EQ(format_probability(0.000164), "0.00016");
  EXPECT_EQ(format_probability(4.1135e-5), "4.1×10⁻⁵");
  EXPECT_EQ(format_probability(0), "0");
  EXPECT_EQ(format_probability(nan), "-");
}

TEST(number_format, ranges_write_a_shared_unit_once) {
  EXPECT_EQ(format_range(format_count(10.3e6), format_count(10.5e6)), "[10.3–10.5 M]");
  EXPECT_EQ(format_range(format_count(93.4e6, "items/s"), format_count(95e6, "items/s")),
            "[93.4–95 M items/s]");
  EXPECT_EQ(format_range(format_duration(980, "us"), format_duration(1200, "us")),
            "[980 µs–1.2 ms]");
  EXPECT_EQ(format_range(format_count(769'800), format_count(1.23e6)), "[769,800–1.23 M]");
  EXPECT_EQ(format_range("13,280", "13,420"), "[13,280–13,420]");
}

}  // namespace
}  // namespace execbench::reports
