#pragma once
// Figures as people write them (17,860 tasks/s, 1.2 ms, 93 M/s), never 1.786e+04: one rule for
// every console and Markdown rendering of execbench-report, the same as scripts/plot.py's page.
// The rule and its cases are tests/reports/data/number_formats.json.
//
// Every function takes any double: NaN reads "-", an infinity "∞" or "-∞", and figures beyond
// the rule's reach (below 0.0001, a thousand T and up) are written 1.23×10⁻⁵, never with an
// exponent in e-notation and never by undefined behaviour.

#include <string>
#include <string_view>

namespace execbench::reports {

/// What a figure measures, which decides how it is written.
enum class figure_kind {
  count,     ///< things, rates, ratios: 0.457, 12.3, 17,860, 93.4 M
  duration,  ///< a time in a unit (ns, us, µs, ms, s), shown in ns, µs, ms or s: 850 µs, 1.2 ms
};

/// A count: below 1,000 three significant figures (trailing zeros after the point dropped),
/// to 1,000,000 four, whole, with thousands separators, from there M, G or T with three.
/// `unit` follows after a space ("17,860 tasks/s"); after a prefix it follows a space, or joins
/// it when it starts with '/' ("93 M/s", "93.4 M items/s").
std::string format_count(double value, std::string_view unit = {});

/// A duration given in `unit` (ns, us, µs, ms or s), shown in the unit that puts it in
/// [1, 1000) with three significant figures: 1200 us reads "1.2 ms". Seconds from 1,000 up
/// follow the count rule ("1,235 s"); zero keeps the unit given ("0 ms"). Another unit is
/// written as a count with that unit.
std::string format_duration(double value, std::string_view unit);

/// format_count or format_duration by `kind`.
std::string format_figure(figure_kind kind, double value, std::string_view unit);

/// A fraction as a percentage with one decimal: 0.0535 reads "+5.4%" (`sign`: "+" before
/// positive changes). A rounded zero has no sign; from 1,000% on whole, with separators.
std::string format_percent(double fraction, bool sign = true);

/// A probability with two significant figures: 0.5, 0.023, 0.0013, 4.1×10⁻⁵ (below 0.0001).
std::string format_probability(double p);

/// "[10.3–10.5 M]" from "10.3 M" and "10.5 M": a unit both ends share is written once, at the
/// end; "[980 µs–1.2 ms]" when they differ.
std::string format_range(const std::string& low, const std::string& high);

/// The unit as shown: "us" reads "µs"; any other unit is returned as it is.
std::string_view display_unit(std::string_view unit);

}  // namespace execbench::reports
