// Enums named from one list: the project's one way to map an enum to names and back.
//
// A list macro holds the values in order, each as X(name, ...) (extra arguments are columns
// for other tables built from the same list). EXECBENCH_ENUM(Type, LIST) declares the enum
// with those values in that order and, beside it, their names, so that the order and the
// names have one source: arrays indexed by the enum take their size from enum_count, and the
// list is the order of every table over it.
//   name_of(e)          the value's name ("spin"), as JSON documents and report rows spell it;
//   enum_names<E>       every name, in order (a name's index is its value: spec.cpp reads a
//                       document's names back through it);
//   enum_values<E>      every value, in order;
//   enum_count<E>       how many there are.
// The names are the identifiers themselves: a value and its public name are one token.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#define EXECBENCH_ENUM_VALUE(name, ...) name,
#define EXECBENCH_ENUM_NAME(name, ...) #name,

// Declares `enum class Type : std::uint8_t` with LIST's values, and their names, found by
// argument-dependent lookup (execbench_enum_names), so that it works in any namespace.
#define EXECBENCH_ENUM(Type, LIST)                                       \
  enum class Type : std::uint8_t { LIST(EXECBENCH_ENUM_VALUE) };         \
  constexpr auto execbench_enum_names(Type) noexcept {                   \
    return std::to_array<std::string_view>({LIST(EXECBENCH_ENUM_NAME)}); \
  }

namespace execbench {

template <class E>
inline constexpr auto enum_names = execbench_enum_names(E{});

template <class E>
inline constexpr std::size_t enum_count = enum_names<E>.size();

template <class E>
constexpr std::string_view name_of(E value) noexcept {
  return enum_names<E>[static_cast<std::size_t>(value)];
}

template <class E>
inline constexpr auto enum_values = [] {
  std::array<E, enum_count<E>> values{};
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<E>(i);
  return values;
}();

}  // namespace execbench
