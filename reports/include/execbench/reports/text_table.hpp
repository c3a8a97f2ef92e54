#pragma once
// A table of text cells rendered as aligned console text or as Markdown: one table model for
// every command, so columns line up the same way everywhere.

#include <string>
#include <vector>

namespace execbench::reports {

/// One cell: its text, and an ANSI colour code used only when colour is on ("" for none).
struct text_cell {
  std::string text;
  std::string colour;
};

/// Rows of cells under a header; `numeric` columns are right-aligned.
struct text_table {
  std::vector<std::string> header;
  std::vector<bool> numeric;
  std::vector<std::vector<text_cell>> rows;

  /// Columns padded to their widest cell, two spaces apart, header underlined.
  std::string to_console(bool colour) const;
  /// A GitHub-flavoured Markdown table; pipes inside cells are escaped.
  std::string to_markdown() const;
};

/// ANSI colour codes.
inline constexpr const char* ansi_red = "31";
inline constexpr const char* ansi_green = "32";
inline constexpr const char* ansi_yellow = "33";
inline constexpr const char* ansi_dim = "2";

}  // namespace execbench::reports
