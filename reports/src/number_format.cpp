#include "execbench/reports/number_format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>
#include <utility>

namespace execbench::reports {

namespace {

// Figures are rounded in decimal, half away from zero, on the shortest decimal text that reads
// back as the same double (what a person typed: 85.25, 1.005): printf rounds the binary value
// half to even, so 85.25 would read "85.2" and 1.005 "1.00". Scaling by 10^k is then exact too.
struct decimal {
  std::string digits;  ///< significant digits, no leading or trailing zeros; empty for zero
  int exponent = 0;    ///< the power of ten of the first digit
};

/// The shortest decimal of a finite magnitude (>= 0).
decimal shortest(double magnitude) {
  decimal d;
  if (!(magnitude > 0) || !std::isfinite(magnitude)) return d;
  char buffer[64];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, magnitude, std::chars_format::scientific);
  if (error != std::errc()) return d;
  const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  const std::size_t e = text.find('e');
  if (e == std::string_view::npos) return d;
  for (char c : text.substr(0, e))
    if (c != '.') d.digits += c;
  std::size_t start = e + 1;
  if (start < text.size() && text[start] == '+') ++start;
  int exponent = 0;
  std::from_chars(text.data() + start, text.data() + text.size(), exponent);
  d.exponent = exponent;
  while (!d.digits.empty() && d.digits.back() == '0') d.digits.pop_back();
  if (d.digits.empty()) d.exponent = 0;
  return d;
}

decimal scaled(decimal d, int power_of_ten) {
  if (!d.digits.empty()) d.exponent += power_of_ten;
  return d;
}

/// Rounded, half away from zero, to the digit of 10^place.
decimal round_to_place(const decimal& d, long place) {
  if (d.digits.empty()) return d;
  const long kept = static_cast<long>(d.exponent) - place + 1;
  if (kept >= static_cast<long>(d.digits.size())) return d;
  if (kept < 0) return {};
  decimal r{d.digits.substr(0, static_cast<std::size_t>(kept)), d.exponent};
  if (d.digits[static_cast<std::size_t>(kept)] >= '5') {
    long i = kept - 1;
    while (i >= 0 && r.digits[static_cast<std::size_t>(i)] == '9')
      r.digits[static_cast<std::size_t>(i--)] = '0';
    if (i < 0) {
      r.digits.insert(r.digits.begin(), '1');
      ++r.exponent;
    } else {
      ++r.digits[static_cast<std::size_t>(i)];
    }
  }
  while (!r.digits.empty() && r.digits.back() == '0') r.digits.pop_back();
  if (r.digits.empty()) return {};
  return r;
}

decimal round_significant(const decimal& d, int significant) {
  return round_to_place(d, static_cast<long>(d.exponent) - significant + 1);
}

/// "17,860": groups of three digits.
std::string with_separators(const std::string& integer) {
  std::string out;
  for (std::size_t i = 0; i < integer.size(); ++i) {
    if (i > 0 && (integer.size() - i) % 3 == 0) out += ',';
    out += integer[i];
  }
  return out;
}

/// Positional text without an exponent; only for exponents a person reads (callers keep them
/// small). `min_decimals` pads the fraction with zeros ("100.0").
std::string plain(const decimal& d, std::size_t min_decimals = 0, bool separators = false) {
  std::string integer, fraction;
  if (d.digits.empty()) {
    integer = "0";
  } else if (d.exponent >= 0) {
    const auto integer_digits = static_cast<std::size_t>(d.exponent) + 1;
    for (std::size_t i = 0; i < integer_digits; ++i)
      integer += i < d.digits.size() ? d.digits[i] : '0';
    if (d.digits.size() > integer_digits) fraction = d.digits.substr(integer_digits);
  } else {
    integer = "0";
    fraction = std::string(static_cast<std::size_t>(-d.exponent - 1), '0') + d.digits;
  }
  if (fraction.size() < min_decimals) fraction.append(min_decimals - fraction.size(), '0');
  if (separators) integer = with_separators(integer);
  return fraction.empty() ? integer : integer + "." + fraction;
}

std::string superscript(int value) {
  static constexpr const char* digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  const std::string number = std::to_string(value < 0 ? -static_cast<long>(value) : value);
  std::string out = value < 0 ? "⁻" : "";
  for (char c : number) out += digits[c - '0'];
  return out;
}

/// "1.23×10⁻⁵": for figures beyond the reach of positional text and prefixes.
std::string scientific(const decimal& d) {
  if (d.digits.empty()) return "0";
  std::string mantissa(1, d.digits[0]);
  if (d.digits.size() > 1) {  // appended in steps: GCC 12's -Wrestrict false positive
    mantissa += '.';
    mantissa.append(d.digits, 1);
  }
  return mantissa + "×10" + superscript(d.exponent);
}

// Below this power of ten (0.0001) positional text grows long: 4.12×10⁻⁵ reads better.
constexpr int smallest_positional_exponent = -4;

struct count_text {
  std::string number;
  std::string_view prefix;  ///< "", "M", "G" or "T"
};

/// The count rule on a magnitude: three significant figures below 1,000, four and whole below
/// 1,000,000, then M, G, T with three (with `prefixes`; scientific without, or beyond T).
count_text count_magnitude(const decimal& exact, bool prefixes = true) {
  if (exact.digits.empty()) return {"0", ""};
  const decimal three = round_significant(exact, 3);
  if (three.exponent < smallest_positional_exponent) return {scientific(three), ""};
  if (three.exponent < 3) return {plain(three), ""};
  // Four significant figures, whole: 999.5 is rounded to 1,000 like 17,856.4 to 17,860.
  const decimal four = round_to_place(exact, std::max(exact.exponent - 3, 0));
  if (four.exponent < 6) return {plain(four, 0, true), ""};
  if (prefixes) {
    static constexpr std::pair<int, std::string_view> si[] = {{6, "M"}, {9, "G"}, {12, "T"}};
    for (const auto& [power, prefix] : si) {
      const decimal r = round_significant(scaled(exact, -power), 3);
      if (r.exponent < 3) return {plain(r), prefix};
    }
  }
  return {scientific(three), ""};
}

std::string joined(const std::string& number, std::string_view prefix, std::string_view unit) {
  std::string out = number;
  if (!prefix.empty()) {
    out += ' ';
    out += prefix;
    if (!unit.empty() && unit.front() != '/') out += ' ';
  } else if (!unit.empty()) {
    out += ' ';
  }
  out += unit;
  return out;
}

std::string sign_of(double value, const std::string& magnitude_text) {
  return value < 0 && magnitude_text != "0" ? "-" : "";
}

std::string non_finite(double value) {
  if (std::isnan(value)) return "-";
  return value > 0 ? "∞" : "-∞";
}

/// A unit's power of ten against seconds' 10^-9 (ns = 0), or -1 for another unit.
int nanosecond_power(std::string_view unit) {
  if (unit == "ns") return 0;
  if (unit == "us" || unit == "µs") return 3;
  if (unit == "ms") return 6;
  if (unit == "s") return 9;
  return -1;
}

}  // namespace

std::string_view display_unit(std::string_view unit) {
  return unit == "us" ? std::string_view("µs") : unit;
}

std::string format_count(double value, std::string_view unit) {
  if (!std::isfinite(value)) return non_finite(value);
  const count_text text = count_magnitude(shortest(std::abs(value)));
  return sign_of(value, text.number) + joined(text.number, text.prefix, unit);
}

std::string format_duration(double value, std::string_view unit) {
  const int given = nanosecond_power(unit);
  if (given < 0) return format_count(value, unit);
  if (!std::isfinite(value)) return non_finite(value);
  const decimal exact = shortest(std::abs(value));
  if (exact.digits.empty()) return joined("0", "", display_unit(unit));
  // The largest unit in which the figure, rounded, is at least 1.
  static constexpr std::pair<int, std::string_view> units[] = {{9, "s"}, {6, "ms"}, {3, "µs"}};
  for (const auto& [power, name] : units) {
    const decimal in_unit = scaled(exact, given - power);
    const decimal rounded = round_significant(in_unit, 3);
    if (rounded.exponent < 0) continue;
    if (rounded.exponent >= 3) {  // only seconds: from 1,000 s on, the count rule
      const count_text text = count_magnitude(in_unit);
      return sign_of(value, text.number) + joined(text.number, text.prefix, name);
    }
    const std::string number = plain(rounded);
    return sign_of(value, number) + joined(number, "", name);
  }
  const count_text text = count_magnitude(scaled(exact, given));
  return sign_of(value, text.number) + joined(text.number, text.prefix, "ns");
}

std::string format_figure(figure_kind kind, double value, std::string_view unit) {
  return kind == figure_kind::duration ? format_duration(value, unit) : format_count(value, unit);
}

std::string format_percent(double fraction, bool sign) {
  if (std::isnan(fraction)) return "-";
  const std::string plus = sign ? "+" : "";
  if (std::isinf(fraction)) return (fraction > 0 ? plus : "-") + "∞%";
  const decimal percent = scaled(shortest(std::abs(fraction)), 2);
  const decimal rounded = round_to_place(percent, -1);
  if (rounded.digits.empty()) return "0.0%";
  const std::string number =
      rounded.exponent < 3 ? plain(rounded, 1) : count_magnitude(percent, false).number;
  return (fraction < 0 ? "-" : plus) + number + "%";
}

std::string format_probability(double p) {
  if (!std::isfinite(p)) return non_finite(p);
  const decimal rounded = round_significant(shortest(std::abs(p)), 2);
  std::string number;
  if (rounded.digits.empty())
    number = "0";
  else if (rounded.exponent < smallest_positional_exponent)
    number = scientific(rounded);
  else if (rounded.exponent < 3)
    number = plain(rounded);
  else
    return format_count(p);  // not a probability: shown as the figure it is
  return sign_of(p, number) + number;
}

std::string format_range(const std::string& low, const std::string& high) {
  // Numbers hold no space: what follows the first space is the prefix and unit.
  const auto low_space = low.find(' '), high_space = high.find(' ');
  const bool shared =
      low_space != std::string::npos && high_space != std::string::npos &&
      low.compare(low_space, std::string::npos, high, high_space, std::string::npos) == 0;
  // Appended in steps: "literal" + temporary trips GCC 12's -Wrestrict false positive.
  std::string out = "[";
  out.append(low, 0, shared ? low_space : std::string::npos);
  out += "–";
  out += high;
  out += ']';
  return out;
}

}  // namespace execbench::reports
