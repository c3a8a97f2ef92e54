#include "execbench/bench/calibration_store.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "execbench/bench/context.hpp"
#include "execbench/reports/report.hpp"
#include "execbench/workloads/floors.hpp"
#include "execbench/workloads/kernels.hpp"
#include "execbench/workloads/spec.hpp"

namespace execbench::bench {
namespace {

namespace fs = std::filesystem;
namespace wl = execbench::workloads;

std::string speed_key(wl::cpu_kernel k) {
  return "calibration_ns_per_iteration_" + std::string(name_of(k));
}

std::string context_value(const std::string& key) {
  for (const auto& entry : collect_context()) {
    if (entry.key == key) return entry.value;
  }
  return "unknown";
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

// What a cached calibration is valid for.
std::string cache_key() {
  return host_name() + "|" + context_value("cpu_model") + "|" +
         context_value("hardware_concurrency") + "|" + context_value("compiler") + "|" +
         context_value("build_type") + "|kernels " + std::to_string(wl::kernels::kernel_code_version);
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char text[32] = {};
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// The speeds of a JSON object holding the calibration keys; throws std::runtime_error.
wl::kernels::kernel_speeds speeds_of(const nlohmann::json& object) {
  wl::kernels::kernel_speeds speeds{};
  for (const auto k : enum_values<wl::cpu_kernel>) {
    const auto key = speed_key(k);
    if (!object.is_object() || !object.contains(key)) {
      throw std::runtime_error("its context has no \"" + key + "\" (not an execbench report)");
    }
    const auto& v = object.at(key);
    double value = NAN;
    if (v.is_number()) {
      value = v.get<double>();
    } else if (v.is_string()) {
      try {
        value = std::stod(v.get<std::string>());
      } catch (const std::exception&) {
      }
    }
    if (!std::isfinite(value) || value <= 0) {
      throw std::runtime_error("\"" + key + "\" is not a positive number");
    }
    speeds[static_cast<std::size_t>(k)] = value;
  }
  return speeds;
}

struct cached_calibration {
  wl::kernels::kernel_speeds speeds;
  std::string measured_at;
  std::optional<wl::host_floors> floors;  // absent from a cache written before floors existed
};

// The cache, when present, readable and made for this key; a warning when it is unusable.
std::optional<cached_calibration> read_cache(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  try {
    const auto doc = nlohmann::json::parse(in);
    if (doc.value("key", "") != cache_key()) return std::nullopt;
    cached_calibration c{speeds_of(doc), doc.value("measured_at", "an unknown date"), {}};
    if (doc.contains("floors")) c.floors = wl::floors_from_json(doc.at("floors").dump());
    return c;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "execbench: warning: ignoring the calibration cache %s: %s\n",
                 file.c_str(), e.what());
    return std::nullopt;
  }
}

// Writes a calibration and its floors to the cache, whole or not at all.
void write_cache(const fs::path& file, const wl::kernels::kernel_speeds& speeds,
                 const wl::host_floors& floors) {
  nlohmann::json doc;
  doc["key"] = cache_key();
  doc["measured_at"] = today();
  for (const auto k : enum_values<wl::cpu_kernel>) {
    doc[speed_key(k)] = speeds[static_cast<std::size_t>(k)];
  }
  doc["floors"] = nlohmann::json::parse(wl::floors_to_json(floors));
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  const fs::path tmp = file.string() + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp);
    out << doc.dump(2) << '\n';
    if (!out.flush()) {
      fs::remove(tmp, ec);
      std::fprintf(stderr, "execbench: warning: cannot write the calibration cache %s\n",
                   file.c_str());
      return;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    std::fprintf(stderr, "execbench: warning: cannot write the calibration cache %s\n",
                 file.c_str());
  }
}

}  // namespace

fs::path calibration_cache_file() {
  fs::path dir;
  if (const char* d = std::getenv("EXECBENCH_CACHE_DIR"); d && *d) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = fs::path(x) / "execbench";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = fs::path(h) / ".cache" / "execbench";
  } else {
    dir = fs::temp_directory_path() / "execbench";
  }
  std::ostringstream name;
  name << "calibration-" << std::hex << std::hash<std::string>{}(cache_key()) << ".json";
  return dir / name.str();
}

wl::kernels::kernel_speeds read_calibration_file(const fs::path& file) {
  return read_calibration_report(file).speeds;
}

calibration_report read_calibration_report(const fs::path& file) {
  try {
    const auto report = reports::read_report(file.string());
    calibration_report c{speeds_of(report.context), {}};
    if (report.context.contains("floors")) {
      const auto& f = report.context.at("floors");
      if (!f.is_string()) throw std::runtime_error("its context's \"floors\" is not text");
      c.floors = wl::floors_from_json(f.get<std::string>());
    }
    return c;
  } catch (const reports::input_error& e) {  // "FILE: problem"
    throw usage_error(std::string("--calibration=") + e.what());
  } catch (const std::runtime_error& e) {
    throw usage_error("--calibration=" + file.string() + ": " + e.what());
  }
}

std::string settle_calibration(const options& opts) {
  if (!opts.calibration.empty()) {
    auto c = read_calibration_report(opts.calibration);
    wl::kernels::use_calibration(c.speeds);
    // A report from before the floors existed has none: this machine's, measured now.
    wl::use_floors(c.floors ? *c.floors : wl::measure_host_floors());
    return "report " + opts.calibration + (c.floors ? "" : " (floors measured now)");
  }
  const fs::path cache = calibration_cache_file();
  if (!opts.recalibrate) {
    if (const auto cached = read_cache(cache)) {
      wl::kernels::use_calibration(cached->speeds);
      if (cached->floors) {
        wl::use_floors(*cached->floors);
        return "cache " + cache.string() + " (measured " + cached->measured_at + ")";
      }
      // The cache predates the floors: they are measured now and join it.
      wl::use_floors(wl::measure_host_floors());
      write_cache(cache, cached->speeds, wl::current_floors());
      return "cache " + cache.string() + " (measured " + cached->measured_at +
             "; floors measured now)";
    }
  }
  const auto& measured = wl::kernels::calibrate();
  wl::use_floors(wl::measure_host_floors());
  write_cache(cache, measured.ns_per_iteration, wl::current_floors());
  return "measured (cached in " + cache.string() + ")";
}

}  // namespace execbench::bench
