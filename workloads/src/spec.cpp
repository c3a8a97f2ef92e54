#include "execbench/workloads/spec.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <span>
#include <sstream>

#include <nlohmann/json.hpp>

namespace execbench::workloads {

using nlohmann::json;

double latency_dist::mean() const noexcept {
  switch (kind) {
    case dist_kind::fixed:
      return us;
    case dist_kind::uniform:
      return (min_us + max_us) / 2;
    case dist_kind::exponential:
    case dist_kind::lognormal:
      return mean_us;
  }
  return 0;
}

std::uint64_t graph_spec::node_count() const noexcept {
  switch (shape) {
    case graph_shape::independent:
    case graph_shape::chain:
      return tasks;
    case graph_shape::tree: {
      // 1 + f + f^2 + ... + f^depth, saturating so that absurd trees fail the size check.
      std::uint64_t level = 1, total = 1;
      for (std::uint32_t d = 0; d < depth; ++d) {
        if (level > max_tasks) return max_tasks + 1;
        level *= fanout;
        total += level;
      }
      return total;
    }
    case graph_shape::wavefront:
      return std::uint64_t{width} * steps;
  }
  return 0;
}

std::uint64_t graph_spec::work_count() const noexcept {
  if (shape != graph_shape::tree) return node_count();
  std::uint64_t leaves = 1;
  for (std::uint32_t d = 0; d < depth; ++d) {
    if (leaves > max_tasks) return max_tasks + 1;
    leaves *= fanout;
  }
  return leaves;
}

namespace {

// A JSON value as it appears in a message: short, and on one line.
std::string describe(const json& v) {
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  const char* type = v.is_object()         ? "an object"
                     : v.is_array()        ? "an array"
                     : v.is_string()       ? "a string"
                     : v.is_boolean()      ? "a boolean"
                     : v.is_null()         ? "null"
                     : v.is_number_float() ? "a number"
                                           : "an integer";
  return std::string(type) + " " + text;
}

std::string join_names(std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Walks a document, keeping the JSON pointer of where it is so that every error names it.
class validator {
 public:
  explicit validator(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
    std::string message = source_ + ": " + (path.empty() ? "/" : path) + ": " + problem;
    // A key or string of the document may hold control characters (a newline): the message
    // stays one line.
    for (char& c : message)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    throw workload_error(message);
  }

  static std::string at(const std::string& path, std::string_view key) {
    // JSON pointer escaping, so that the path is a valid pointer even for odd keys.
    std::string out = path + "/";
    for (char c : key) {
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out += c;
    }
    return out;
  }
  static std::string at(const std::string& path, std::size_t index) {
    return path + "/" + std::to_string(index);
  }

  void expect_object(const json& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "expected an object, got " + describe(v));
  }

  void only_keys(const json& obj, const std::string& path,
                 const std::vector<std::string_view>& allowed) const {
    for (const auto& [key, value] : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        fail(at(path, key), "unknown key (expected one of: " + join_names(allowed) + ")");
    }
  }

  const json& require(const json& obj, const std::string& path, std::string_view key) const {
    auto it = obj.find(key);
    if (it == obj.end()) fail(path, "missing required key \"" + std::string(key) + "\"");
    return *it;
  }

  std::uint64_t integer(const json& v, const std::string& path, std::uint64_t min,
                        std::uint64_t max) const {
    if (v.is_number_unsigned()) {
      auto n = v.get<std::uint64_t>();
      if (n < min || n > max) fail(path, range_text(min, max) + ", got " + std::to_string(n));
      return n;
    }
    if (v.is_number_integer())  // negative: is_number_unsigned() was false
      fail(path, range_text(min, max) + ", got " + v.dump());
    fail(path, "expected an integer, got " + describe(v));
  }

  double number(const json& v, const std::string& path, double min, bool min_open,
                double max = std::numeric_limits<double>::infinity()) const {
    if (!v.is_number()) fail(path, "expected a number, got " + describe(v));
    double x = v.get<double>();
    const bool low = min_open ? !(x > min) : !(x >= min);
    if (low || !std::isfinite(x)) {
      std::ostringstream s;
      s << "must be " << (min_open ? "> " : ">= ") << min << ", got " << v.dump();
      fail(path, s.str());
    }
    if (x > max) {
      std::ostringstream s;
      s << "must be <= " << max << ", got " << v.dump();
      fail(path, s.str());
    }
    return x;
  }

  std::string string(const json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "expected a string, got " + describe(v));
    return v.get<std::string>();
  }

  // The index of v's string among names; else a failure naming them, "unknown WHAT ...".
  std::size_t choice(const json& v, const std::string& path,
                     std::span<const std::string_view> names, std::string_view what) const {
    std::string s = string(v, path);
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == s) return i;
    fail(path, "unknown " + std::string(what) + " \"" + s +
                   "\" (expected one of: " + join_names(names) + ")");
  }
  template <class Enum>
  Enum choice(const json& v, const std::string& path, std::string_view what) const {
    return static_cast<Enum>(choice(v, path, enum_names<Enum>, what));
  }

 private:
  static std::string range_text(std::uint64_t min, std::uint64_t max) {
    if (max == std::numeric_limits<std::uint64_t>::max())
      return "must be an integer >= " + std::to_string(min);
    return "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  }

  std::string source_;
};

constexpr std::uint32_t max_u32 = std::numeric_limits<std::uint32_t>::max();
// A single duration beyond an hour is a typo, not a benchmark.
constexpr double max_duration_us = 3600e6;

class workload_parser {
 public:
  explicit workload_parser(std::string_view source) : v_(source) { spec_.source = source; }

  workload_spec parse(const json& doc) {
    v_.expect_object(doc, "");
    const bool grouped = doc.contains("groups");
    if (grouped) {
      v_.only_keys(doc, "", {"name", "description", "seed", "release", "groups"});
    } else {
      v_.only_keys(doc, "", {"name", "description", "seed", "graph", "release", "task"});
    }
    spec_.name = v_.string(v_.require(doc, "", "name"), "/name");
    if (spec_.name.empty()) v_.fail("/name", "must not be empty");
    if (auto it = doc.find("description"); it != doc.end())
      spec_.description = v_.string(*it, "/description");
    if (auto it = doc.find("seed"); it != doc.end())
      spec_.seed = v_.integer(*it, "/seed", 0, std::numeric_limits<std::uint64_t>::max());

    release_spec default_release;
    if (auto it = doc.find("release"); it != doc.end())
      default_release = parse_release(*it, "/release");

    if (grouped) {
      const json& groups = doc["groups"];
      if (!groups.is_array()) v_.fail("/groups", "expected an array, got " + describe(groups));
      if (groups.empty()) v_.fail("/groups", "must hold at least one group");
      for (std::size_t i = 0; i < groups.size(); ++i)
        spec_.groups.push_back(
            parse_group(groups[i], validator::at("/groups", i), i, default_release));
    } else {
      if (!doc.contains("task") && !doc.contains("graph"))
        v_.fail("", "missing required key \"task\" (or \"groups\"): the workload has no program");
      group_spec g;
      g.name = "main";
      g.graph = parse_graph(v_.require(doc, "", "graph"), "/graph");
      g.release = default_release;
      g.program = parse_program(v_.require(doc, "", "task"), "/task");
      check_size(g, "");
      spec_.groups.push_back(std::move(g));
    }

    std::uint64_t tasks = 0;
    for (const auto& g : spec_.groups) tasks += g.graph.node_count();
    if (tasks > max_tasks)
      v_.fail("/groups", "too many tasks in all: " + std::to_string(tasks) + " (at most " +
                             std::to_string(max_tasks) + ")");
    return std::move(spec_);
  }

 private:
  group_spec parse_group(const json& j, const std::string& path, std::size_t index,
                         const release_spec& default_release) {
    v_.expect_object(j, path);
    v_.only_keys(j, path, {"name", "graph", "count", "release", "task"});
    group_spec g;
    g.name = "group" + std::to_string(index);
    if (auto it = j.find("name"); it != j.end()) {
      g.name = v_.string(*it, validator::at(path, "name"));
      if (g.name.empty()) v_.fail(validator::at(path, "name"), "must not be empty");
      for (const auto& other : spec_.groups)
        if (other.name == g.name)
          v_.fail(validator::at(path, "name"), "duplicate group name \"" + g.name + "\"");
    } else {
      for (const auto& other : spec_.groups)
        if (other.name == g.name)
          v_.fail(path, "an unnamed group is called \"" + g.name +
                            "\", which an earlier group's name already takes: name it");
    }
    // "count": N is short for {"shape": "independent", "tasks": N}.
    if (j.contains("count") && j.contains("graph"))
      v_.fail(path, "give either \"graph\" or \"count\", not both");
    if (auto it = j.find("count"); it != j.end()) {
      g.graph.shape = graph_shape::independent;
      g.graph.tasks =
          static_cast<std::uint32_t>(v_.integer(*it, validator::at(path, "count"), 1, max_tasks));
    } else {
      if (!j.contains("graph")) v_.fail(path, "missing required key \"graph\" (or \"count\")");
      g.graph = parse_graph(j["graph"], validator::at(path, "graph"));
    }
    g.release = default_release;
    if (auto it = j.find("release"); it != j.end())
      g.release = parse_release(*it, validator::at(path, "release"));
    g.program = parse_program(v_.require(j, path, "task"), validator::at(path, "task"));
    check_size(g, path);
    return g;
  }

  // A plan must fit in memory: bound its steps before anything is allocated.
  void check_size(const group_spec& g, const std::string& path) const {
    std::uint64_t per_task = 0;
    for (const auto& s : g.program) per_task += s.repeat;
    const std::uint64_t work = g.graph.work_count();
    if (work > max_tasks || g.graph.node_count() > max_tasks)
      v_.fail(validator::at(path, "graph"),
              "too many tasks: at most " + std::to_string(max_tasks) + " in a workload");
    if (per_task * work > max_planned_steps)
      v_.fail(validator::at(path, "task"),
              "tasks x steps (repeats included) is " + std::to_string(per_task * work) +
                  ", more than the " + std::to_string(max_planned_steps) + " a plan may hold");
  }

  graph_spec parse_graph(const json& j, const std::string& path) {
    v_.expect_object(j, path);
    graph_spec g;
    g.shape =
        v_.choice<graph_shape>(v_.require(j, path, "shape"), validator::at(path, "shape"), "shape");
    auto count = [&](std::string_view key) {
      return static_cast<std::uint32_t>(
          v_.integer(v_.require(j, path, key), validator::at(path, key), 1, max_tasks));
    };
    switch (g.shape) {
      case graph_shape::independent:
      case graph_shape::chain:
        v_.only_keys(j, path, {"shape", "tasks"});
        g.tasks = count("tasks");
        break;
      case graph_shape::tree:
        v_.only_keys(j, path, {"shape", "depth", "fanout"});
        g.depth = static_cast<std::uint32_t>(
            v_.integer(v_.require(j, path, "depth"), validator::at(path, "depth"), 1, 64));
        g.fanout = count("fanout");
        break;
      case graph_shape::wavefront:
        v_.only_keys(j, path, {"shape", "width", "steps"});
        g.width = count("width");
        g.steps = count("steps");
        break;
    }
    if (g.node_count() > max_tasks)
      v_.fail(path, "too many tasks (" + std::string(name_of(g.shape)) + " of more than " +
                        std::to_string(max_tasks) + ")");
    return g;
  }

  release_spec parse_release(const json& j, const std::string& path) {
    v_.expect_object(j, path);
    v_.only_keys(j, path, {"concurrency", "rate_per_s"});
    const bool closed = j.contains("concurrency"), open = j.contains("rate_per_s");
    if (closed && open)
      v_.fail(path,
              "give either \"concurrency\" (closed loop) or \"rate_per_s\" (open loop), "
              "not both");
    if (!closed && !open)
      v_.fail(path,
              "missing required key \"concurrency\" (closed loop) or \"rate_per_s\" "
              "(open loop)");
    release_spec r;
    if (closed) {
      r.mode = release_mode::closed;
      r.concurrency = static_cast<std::uint32_t>(
          v_.integer(j["concurrency"], validator::at(path, "concurrency"), 1, max_u32));
    } else {
      r.mode = release_mode::open;
      r.rate_per_s = v_.number(j["rate_per_s"], validator::at(path, "rate_per_s"), 0, true, 1e9);
    }
    return r;
  }

  std::vector<step_spec> parse_program(const json& j, const std::string& path) {
    if (!j.is_array()) v_.fail(path, "expected an array of steps, got " + describe(j));
    if (j.empty()) v_.fail(path, "the task program has no steps");
    std::vector<step_spec> program;
    for (std::size_t i = 0; i < j.size(); ++i)
      program.push_back(parse_step(j[i], validator::at(path, i)));
    return program;
  }

  double duration(const json& obj, const std::string& path, std::string_view key,
                  bool zero_ok) const {
    return v_.number(v_.require(obj, path, key), validator::at(path, key), 0, !zero_ok,
                     max_duration_us);
  }

  // What a step kind's parse reads its keys with (step_kinds.hpp): the step's object, its
  // path, and the key that selected the kind.
  class step_reader {
   public:
    step_reader(workload_parser& parser, const json& step, const std::string& path,
                std::string_view key)
        : parser_(parser), step_(step), path_(path), key_(key) {}

    // The keys the kind allows, besides "p" and "repeat" (allowed for every kind).
    void only_keys(std::initializer_list<std::string_view> keys) const {
      std::vector<std::string_view> allowed(keys);
      allowed.insert(allowed.end(), {"p", "repeat"});
      parser_.v_.only_keys(step_, path_, allowed);
    }
    bool has(std::string_view key) const { return step_.contains(key); }
    const json& value(std::string_view key) const { return parser_.v_.require(step_, path_, key); }
    double duration(std::string_view key, bool zero_ok) const {
      return parser_.duration(step_, path_, key, zero_ok);
    }
    std::uint64_t integer(std::string_view key, std::uint64_t min, std::uint64_t max) const {
      return parser_.v_.integer(value(key), validator::at(path_, key), min, max);
    }
    template <class Enum>
    Enum choice(std::string_view key, std::string_view what) const {
      return parser_.v_.template choice<Enum>(value(key), validator::at(path_, key), what);
    }
    latency_dist latency() const { return parser_.parse_latency(step_, path_, key_); }
    std::uint32_t lock_index(const std::string& name) const { return parser_.lock_index(name); }
    static std::string describe(const json& v) { return workloads::describe(v); }
    [[noreturn]] void fail(std::string_view key, const std::string& problem) const {
      parser_.v_.fail(validator::at(path_, key), problem);
    }

   private:
    workload_parser& parser_;
    const json& step_;
    const std::string& path_;
    std::string_view key_;
  };

  // The keys that select a step's kind, each once, in the table's order ("cpu", "io", "lock").
  static std::vector<std::string_view> selecting_keys() {
    std::vector<std::string_view> keys;
    for (const auto key : step_keys)
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    return keys;
  }
  // `"cpu", "io" or "lock"`.
  static std::string either_of(const std::vector<std::string_view>& keys) {
    std::string out;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i > 0) out += i + 1 == keys.size() ? " or " : ", ";
      out += '"';
      out += keys[i];
      out += '"';
    }
    return out;
  }

  // A step's kind is named by its selecting key alone ("lock"), or by that key's value among
  // the kinds that share the key ("io": "timer").
  step_kind kind_of_step(const json& j, const std::string& path, std::string_view key) const {
    std::vector<std::string_view> names;
    std::vector<step_kind> kinds;
    for (const auto kind : enum_values<step_kind>) {
      if (step_keys[static_cast<std::size_t>(kind)] != key) continue;
      names.push_back(name_of(kind));
      kinds.push_back(kind);
    }
    if (kinds.size() == 1) return kinds.front();
    return kinds[v_.choice(v_.require(j, path, key), validator::at(path, key), names,
                           std::string(key) + " kind")];
  }

  step_spec parse_step(const json& j, const std::string& path) {
    v_.expect_object(j, path);
    static const std::vector<std::string_view> keys = selecting_keys();
    std::string_view key;
    int present = 0;
    for (const auto k : keys) {
      if (!j.contains(k)) continue;
      key = k;
      ++present;
    }
    if (present == 0) v_.fail(path, "a step needs one of the keys " + either_of(keys));
    if (present > 1) v_.fail(path, "a step has exactly one of the keys " + either_of(keys));
    step_spec s;
    s.kind = kind_of_step(j, path, key);
    step_reader in(*this, j, path, key);
    visit_kind(s.kind, [&](auto kind) { decltype(kind)::parse(in, s); });
    if (auto it = j.find("p"); it != j.end())
      s.p = v_.number(*it, validator::at(path, "p"), 0, false, 1);
    if (auto it = j.find("repeat"); it != j.end())
      s.repeat = static_cast<std::uint32_t>(
          v_.integer(*it, validator::at(path, "repeat"), 1, max_planned_steps));
    return s;
  }

  // "latency": DIST or "latency_us": N, beside the step's selecting key.
  latency_dist parse_latency(const json& j, const std::string& path, std::string_view key) {
    const bool full = j.contains("latency"), shorthand = j.contains("latency_us");
    if (full && shorthand) v_.fail(path, "give either \"latency\" or \"latency_us\", not both");
    if (!full && !shorthand) v_.fail(path, "missing required key \"latency\" (or \"latency_us\")");
    v_.only_keys(j, path, {key, full ? "latency" : "latency_us", "p", "repeat"});
    latency_dist d;
    if (shorthand) {
      d.kind = dist_kind::fixed;
      d.us = duration(j, path, "latency_us", false);
      return d;
    }
    const std::string lpath = validator::at(path, "latency");
    const json& l = j["latency"];
    v_.expect_object(l, lpath);
    d.kind = v_.choice<dist_kind>(v_.require(l, lpath, "dist"), validator::at(lpath, "dist"),
                                  "distribution");
    switch (d.kind) {
      case dist_kind::fixed:
        v_.only_keys(l, lpath, {"dist", "us"});
        d.us = duration(l, lpath, "us", false);
        break;
      case dist_kind::uniform:
        v_.only_keys(l, lpath, {"dist", "min_us", "max_us"});
        d.min_us = duration(l, lpath, "min_us", true);
        d.max_us = duration(l, lpath, "max_us", false);
        if (d.max_us < d.min_us) v_.fail(validator::at(lpath, "max_us"), "must be >= \"min_us\"");
        break;
      case dist_kind::exponential:
        v_.only_keys(l, lpath, {"dist", "mean_us"});
        d.mean_us = duration(l, lpath, "mean_us", false);
        break;
      case dist_kind::lognormal:
        v_.only_keys(l, lpath, {"dist", "mean_us", "sigma"});
        d.mean_us = duration(l, lpath, "mean_us", false);
        d.sigma =
            v_.number(v_.require(l, lpath, "sigma"), validator::at(lpath, "sigma"), 0, false, 4);
        break;
    }
    return d;
  }

  std::uint32_t lock_index(const std::string& name) {
    auto it = std::find(spec_.locks.begin(), spec_.locks.end(), name);
    if (it != spec_.locks.end()) return static_cast<std::uint32_t>(it - spec_.locks.begin());
    spec_.locks.push_back(name);
    return static_cast<std::uint32_t>(spec_.locks.size() - 1);
  }

  validator v_;
  workload_spec spec_;
};

}  // namespace

workload_spec parse_workload(const json& doc, std::string_view source) {
  return workload_parser(source).parse(doc);
}

workload_spec parse_workload_text(std::string_view text, std::string_view source) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    // Line and column of the byte where parsing stopped, counted by us: nlohmann's message
    // carries them too, but wrapped in its own prefix.
    std::size_t line = 1, column = 1;
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (std::size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string problem = e.what();
    if (auto pos = problem.find(": "); pos != std::string::npos) problem = problem.substr(pos + 2);
    std::replace(problem.begin(), problem.end(), '\n', ' ');
    throw workload_error(std::string(source) + ":" + std::to_string(line) + ":" +
                         std::to_string(column) + ": invalid JSON: " + problem);
  } catch (const json::exception& e) {
    // A number too large for a double is an out_of_range error, which carries no position.
    std::string problem = e.what();
    if (auto pos = problem.find("] "); pos != std::string::npos) problem = problem.substr(pos + 2);
    throw workload_error(std::string(source) + ": invalid JSON: " + problem);
  }
  return parse_workload(doc, source);
}

workload_spec load_workload(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw workload_error(file.string() + ": cannot open the workload file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw workload_error(file.string() + ": cannot read the workload file");
  return parse_workload_text(text.str(), file.string());
}

workload_spec scaled_in_time(const workload_spec& spec, double factor) {
  if (!(factor > 0) || !std::isfinite(factor))
    throw std::invalid_argument("scaled_in_time: the factor must be a finite number > 0");
  workload_spec scaled = spec;
  for (auto& g : scaled.groups) {
    if (g.release.mode == release_mode::open) g.release.rate_per_s /= factor;
    for (auto& s : g.program) {
      s.us *= factor;
      s.server_delay_us *= factor;
      latency_dist& l = s.latency;  // sigma is a shape, not a duration
      l.us *= factor;
      l.min_us *= factor;
      l.max_us *= factor;
      l.mean_us *= factor;
    }
  }
  return scaled;
}

}  // namespace execbench::workloads
