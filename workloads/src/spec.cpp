#include "execbench/workloads/spec.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>
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

std::string_view to_string(cpu_kernel k) noexcept {
  constexpr std::string_view names[] = {"spin", "compute", "memory", "hash"};
  return names[static_cast<int>(k)];
}
std::string_view to_string(step_kind k) noexcept {
  constexpr std::string_view names[] = {"cpu", "timer", "blocking", "tcp", "disk", "lock"};
  return names[static_cast<int>(k)];
}
std::string_view to_string(graph_shape s) noexcept {
  constexpr std::string_view names[] = {"independent", "chain", "tree", "wavefront"};
  return names[static_cast<int>(s)];
}
std::string_view to_string(dist_kind d) noexcept {
  constexpr std::string_view names[] = {"fixed", "uniform", "exponential", "lognormal"};
  return names[static_cast<int>(d)];
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

std::string join_names(const std::vector<std::string_view>& names) {
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

  template <class Enum, std::size_t N>
  Enum choice(const json& v, const std::string& path, const std::string_view (&names)[N],
              std::string_view what) const {
    std::string s = string(v, path);
    for (std::size_t i = 0; i < N; ++i)
      if (names[i] == s) return static_cast<Enum>(i);
    std::vector<std::string_view> all(std::begin(names), std::end(names));
    fail(path, "unknown " + std::string(what) + " \"" + s +
                   "\" (expected one of: " + join_names(all) + ")");
  }

 private:
  static std::string range_text(std::uint64_t min, std::uint64_t max) {
    if (max == std::numeric_limits<std::uint64_t>::max())
      return "must be an integer >= " + std::to_string(min);
    return "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  }

  std::string source_;
};

constexpr std::string_view shape_names[] = {"independent", "chain", "tree", "wavefront"};
constexpr std::string_view kernel_names[] = {"spin", "compute", "memory", "hash"};
constexpr std::string_view io_names[] = {"timer", "blocking", "tcp", "disk"};
constexpr std::string_view dist_names[] = {"fixed", "uniform", "exponential", "lognormal"};
constexpr std::uint32_t max_u32 = std::numeric_limits<std::uint32_t>::max();
// A single duration beyond an hour is a typo, not a benchmark.
constexpr double max_duration_us = 3600e6;
constexpr std::uint64_t max_io_bytes = std::uint64_t{1} << 30;

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
    g.shape = v_.choice<graph_shape>(v_.require(j, path, "shape"), validator::at(path, "shape"),
                                     shape_names, "shape");
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
      v_.fail(path, "too many tasks (" + std::string(to_string(g.shape)) + " of more than " +
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

  step_spec parse_step(const json& j, const std::string& path) {
    v_.expect_object(j, path);
    const int kinds = int(j.contains("cpu")) + int(j.contains("io")) + int(j.contains("lock"));
    if (kinds == 0) v_.fail(path, "a step needs one of the keys \"cpu\", \"io\" or \"lock\"");
    if (kinds > 1) v_.fail(path, "a step has exactly one of the keys \"cpu\", \"io\" or \"lock\"");
    step_spec s;
    if (j.contains("cpu")) {
      v_.only_keys(j, path, {"cpu", "us", "p", "repeat"});
      s.kind = step_kind::cpu;
      s.kernel =
          v_.choice<cpu_kernel>(j["cpu"], validator::at(path, "cpu"), kernel_names, "cpu kernel");
      s.us = duration(j, path, "us", false);
    } else if (j.contains("lock")) {
      v_.only_keys(j, path, {"lock", "hold_us", "p", "repeat"});
      s.kind = step_kind::lock;
      const json& name = j["lock"];
      std::string lock_name;
      if (name.is_string())
        lock_name = name.get<std::string>();
      else if (!(name.is_boolean() && name.get<bool>()))
        v_.fail(validator::at(path, "lock"),
                "expected a lock name (string) or true, got " + describe(name));
      s.lock_id = lock_index(lock_name);
      // A zero hold is a meaningful critical section: the shared counter's increment alone.
      s.us = duration(j, path, "hold_us", true);
    } else {
      const std::string io_path = validator::at(path, "io");
      const auto kind = v_.choice<int>(j["io"], io_path, io_names, "io kind");
      s.kind = static_cast<step_kind>(kind + 1);
      switch (s.kind) {
        case step_kind::timer:
        case step_kind::blocking:
          parse_latency(j, path, s);
          break;
        case step_kind::tcp:
          v_.only_keys(j, path,
                       {"io", "request_bytes", "response_bytes", "server_delay_us", "p", "repeat"});
          s.request_bytes = static_cast<std::uint32_t>(
              v_.integer(v_.require(j, path, "request_bytes"), validator::at(path, "request_bytes"),
                         tcp_header_bytes, max_io_bytes));
          s.response_bytes = static_cast<std::uint32_t>(
              v_.integer(v_.require(j, path, "response_bytes"),
                         validator::at(path, "response_bytes"), 1, max_io_bytes));
          s.server_delay_us = 0;
          if (j.contains("server_delay_us"))
            s.server_delay_us = duration(j, path, "server_delay_us", true);
          break;
        case step_kind::disk: {
          v_.only_keys(j, path, {"io", "bytes", "file_bytes", "p", "repeat"});
          s.bytes = v_.integer(v_.require(j, path, "bytes"), validator::at(path, "bytes"), 1,
                               max_io_bytes);
          s.file_bytes = std::max<std::uint64_t>(s.bytes, std::uint64_t{8} << 20);
          if (j.contains("file_bytes")) {
            s.file_bytes =
                v_.integer(j["file_bytes"], validator::at(path, "file_bytes"), 1, max_io_bytes);
            if (s.file_bytes < s.bytes)
              v_.fail(validator::at(path, "file_bytes"), "must be >= \"bytes\" (" +
                                                             std::to_string(s.bytes) + "), got " +
                                                             std::to_string(s.file_bytes));
          }
          break;
        }
        default:
          break;
      }
    }
    if (auto it = j.find("p"); it != j.end())
      s.p = v_.number(*it, validator::at(path, "p"), 0, false, 1);
    if (auto it = j.find("repeat"); it != j.end())
      s.repeat = static_cast<std::uint32_t>(
          v_.integer(*it, validator::at(path, "repeat"), 1, max_planned_steps));
    return s;
  }

  void parse_latency(const json& j, const std::string& path, step_spec& s) {
    const bool full = j.contains("latency"), shorthand = j.contains("latency_us");
    if (full && shorthand) v_.fail(path, "give either \"latency\" or \"latency_us\", not both");
    if (!full && !shorthand) v_.fail(path, "missing required key \"latency\" (or \"latency_us\")");
    v_.only_keys(j, path, {"io", full ? "latency" : "latency_us", "p", "repeat"});
    if (shorthand) {
      s.latency.kind = dist_kind::fixed;
      s.latency.us = duration(j, path, "latency_us", false);
      return;
    }
    const std::string lpath = validator::at(path, "latency");
    const json& l = j["latency"];
    v_.expect_object(l, lpath);
    latency_dist& d = s.latency;
    d.kind = v_.choice<dist_kind>(v_.require(l, lpath, "dist"), validator::at(lpath, "dist"),
                                  dist_names, "distribution");
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

}  // namespace execbench::workloads
