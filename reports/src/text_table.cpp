#include "execbench/reports/text_table.hpp"

#include <algorithm>

namespace execbench::reports {

namespace {

// Display width: UTF-8 continuation bytes take no column.
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

std::string text_table::to_console(bool colour) const {
  std::vector<std::size_t> widths(header.size(), 0);
  for (std::size_t c = 0; c < header.size(); ++c) widths[c] = display_width(header[c]);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c].text));
  auto line = [&](const std::vector<text_cell>& cells) {
    std::string out;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const text_cell empty;
      const text_cell& cell = c < cells.size() ? cells[c] : empty;
      const std::string padding(widths[c] - display_width(cell.text), ' ');
      const bool right = c < numeric.size() && numeric[c];
      std::string text = cell.text;
      if (colour && !cell.colour.empty()) text = "\x1b[" + cell.colour + "m" + text + "\x1b[0m";
      out += right ? padding + text : text + padding;
      if (c + 1 < widths.size()) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::vector<text_cell> header_cells;
  std::vector<text_cell> rule;
  for (std::size_t c = 0; c < header.size(); ++c) {
    header_cells.push_back({header[c], ""});
    rule.push_back({std::string(widths[c], '-'), ""});
  }
  std::string out = line(header_cells) + line(rule);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string text_table::to_markdown() const {
  auto escape = [](const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == '|') out += '\\';
      out += c;
    }
    return out;
  };
  std::string out = "|";
  for (const auto& name : header) {
    out += " ";
    out += escape(name);
    out += " |";
  }
  out += "\n|";
  for (std::size_t c = 0; c < header.size(); ++c)
    out += (c < numeric.size() && numeric[c]) ? " ---: |" : " --- |";
  out += "\n";
  for (const auto& row : rows) {
    out += "|";
    for (std::size_t c = 0; c < header.size(); ++c) {
      out += " ";
      if (c < row.size()) out += escape(row[c].text);
      out += " |";
    }
    out += "\n";
  }
  return out;
}

}  // namespace execbench::reports
