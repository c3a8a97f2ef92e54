#include "execbench/bench/metg.hpp"

#include "execbench/workloads/ideal.hpp"
#include "execbench/workloads/plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <optional>
#include <stdexcept>
#include <utility>

namespace execbench::bench {
namespace {

using curve = std::vector<std::pair<double, double>>;

double median_of(std::vector<double> v) {
  if (v.empty()) throw std::invalid_argument("metg: a point without efficiencies");
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

template <class F>
curve curve_of(const std::vector<metg_point>& points, F&& figure, double scale = 1) {
  curve c;
  c.reserve(points.size());
  for (const auto& p : points) c.emplace_back(p.grain_us, figure(p) / scale);
  return c;
}

double best_median(const std::vector<metg_point>& points) {
  double best = 0;
  for (const auto& p : points) best = std::max(best, p.median());
  return best;
}

// The curve reached the threshold somewhere, and its last two points are below it: the last
// crossing is passed by one point (a dip that recovers is not).
bool crossing_passed(const curve& c, double threshold) {
  if (c.size() < 2) return false;
  const bool reached =
      std::any_of(c.begin(), c.end(), [&](const auto& point) { return point.second >= threshold; });
  return reached && c[c.size() - 1].second < threshold && c[c.size() - 2].second < threshold;
}

// The index of the last point at or above the threshold, if a point below it follows.
std::optional<std::size_t> last_crossing(const curve& c, double threshold) {
  for (std::size_t i = c.size(); i-- > 1;) {
    if (c[i - 1].second >= threshold && c[i].second < threshold) {
      // The last such pair, unless a later point reaches the threshold again.
      for (std::size_t j = i + 1; j < c.size(); ++j)
        if (c[j].second >= threshold) return std::nullopt;
      return i - 1;
    }
  }
  return std::nullopt;
}

metg_result result_of(const std::vector<metg_point>& points, double threshold, double scale) {
  metg_result r;
  const auto med = curve_of(
      points, [](const metg_point& p) { return p.median(); }, scale);
  r.metg = crossing_of(med, threshold);
  r.low = crossing_of(curve_of(
                          points, [](const metg_point& p) { return p.max(); }, scale),
                      threshold);
  r.high = crossing_of(curve_of(
                           points, [](const metg_point& p) { return p.min(); }, scale),
                       threshold);
  r.best_efficiency = 0;
  std::size_t best_at = 0;
  for (std::size_t i = 0; i < med.size(); ++i) {
    if (med[i].second > r.best_efficiency) {
      r.best_efficiency = med[i].second;
      best_at = i;
    }
  }
  if (points.empty()) return r;
  r.n = points[best_at].efficiencies.size();
  if (const auto i = last_crossing(med, threshold)) {
    r.n = std::min(points[*i].efficiencies.size(), points[*i + 1].efficiencies.size());
  }
  return r;
}

}  // namespace

double metg_point::median() const {
  return median_of(efficiencies);
}
double metg_point::min() const {
  if (efficiencies.empty()) throw std::invalid_argument("metg: a point without efficiencies");
  return *std::min_element(efficiencies.begin(), efficiencies.end());
}
double metg_point::max() const {
  if (efficiencies.empty()) throw std::invalid_argument("metg: a point without efficiencies");
  return *std::max_element(efficiencies.begin(), efficiencies.end());
}

std::vector<double> metg_grains(double coarse_us, double fine_us) {
  if (!(coarse_us > 0) || !(fine_us > 0) || fine_us > coarse_us)
    throw std::invalid_argument("metg_grains: 0 < fine <= coarse");
  std::vector<double> grains;
  for (double g = coarse_us; g >= fine_us * (1 - 1e-9); g /= 2) grains.push_back(g);
  return grains;
}

metg_crossing crossing_of(const curve& c, double threshold) {
  const bool reached =
      std::any_of(c.begin(), c.end(), [&](const auto& point) { return point.second >= threshold; });
  if (!reached) return {metg_crossing::kind::never, 0};
  const auto i = last_crossing(c, threshold);
  if (!i) return {metg_crossing::kind::below_sweep, c.back().first};
  const auto [g_coarse, e_coarse] = c[*i];
  const auto [g_fine, e_fine] = c[*i + 1];
  const double f = (threshold - e_fine) / (e_coarse - e_fine);
  return {metg_crossing::kind::crossed,
          std::exp(std::log(g_fine) + f * (std::log(g_coarse) - std::log(g_fine)))};
}

metg_result metg_from_points(const std::vector<metg_point>& points, double threshold) {
  return result_of(points, threshold, 1);
}

metg_result metg_against_plateau(const std::vector<metg_point>& points, double threshold) {
  const double plateau = best_median(points);
  if (!(plateau > 0)) return result_of(points, threshold, 1);  // nothing reached: never
  return result_of(points, threshold, plateau);
}

bool metg_sweep_can_stop(const std::vector<metg_point>& points, double threshold) {
  const auto med = curve_of(points, [](const metg_point& p) { return p.median(); });
  bool machine_done = crossing_passed(med, threshold);
  if (!machine_done && med.size() >= 3) {
    double best_before = 0;
    for (std::size_t i = 0; i + 1 < med.size(); ++i)
      best_before = std::max(best_before, med[i].second);
    machine_done = best_before < threshold && med.back().second < threshold &&
                   med.back().second <= best_before;
  }
  if (!machine_done) return false;
  const double plateau = best_median(points);
  if (!(plateau > 0)) return true;
  return crossing_passed(curve_of(
                             points, [](const metg_point& p) { return p.median(); }, plateau),
                         threshold);
}

std::string metg_point_spec(std::string_view family, double grain_us, unsigned cores) {
  char text[512];
  if (family == "cpu") {
    const double tasks = std::clamp(std::round(metg_point_ideal_us * cores / grain_us),
                                    4.0 * cores, 50000.0);
    std::snprintf(text, sizeof text,
                  R"({"name": "metg_cpu", "graph": {"shape": "independent", "tasks": %.0f},)"
                  R"( "task": [{"cpu": "spin", "us": %.6g}]})",
                  tasks, grain_us);
  } else if (family == "wait") {
    // At most 200,000 waits a point: at fine grains a runtime's cost per wait dominates anyway.
    const double waits = std::clamp(std::round(metg_point_ideal_us / 2 / grain_us), 1.0,
                                    200000.0 / metg_wait_tasks);
    std::snprintf(text, sizeof text,
                  R"({"name": "metg_wait", "graph": {"shape": "independent", "tasks": %u},)"
                  R"( "task": [{"io": "timer", "latency_us": %.6g, "repeat": %.0f}]})",
                  metg_wait_tasks, grain_us, waits);
  } else {
    throw std::invalid_argument("metg: unknown family '" + std::string(family) + "'");
  }
  return text;
}

std::vector<metg_family> builtin_metg_families(unsigned cores) {
  std::vector<metg_family> families;
  for (const char* name : metg_families) {
    families.push_back({name, metg_grains(), [name = std::string(name), cores](double grain_us) {
                          return workloads::parse_workload_text(
                              metg_point_spec(name, grain_us, cores), "metg/" + name);
                        }});
  }
  return families;
}

metg_family file_metg_family(const workloads::workload_spec& spec, unsigned cores) {
  const workloads::plan unscaled = workloads::materialize(spec);
  const double grain_us = workloads::mean_work_task_us(unscaled);
  if (!(grain_us > 0)) {
    throw std::invalid_argument(spec.source +
                                ": its tasks have no duration to scale for a METG sweep (no CPU "
                                "work, lock hold, timer, blocking call or server delay)");
  }
  const double ideal_us =
      workloads::compute_ideal_makespan(unscaled, cores, 1.0, workloads::host_floors{})
          .value_us();
  // The ideal makespan grows with the grain, as ideal_us * grain / grain_us: the grains within
  // the bound are the finest ones. The finest grain is measured whatever it costs.
  const std::vector<double> all = metg_grains();
  std::vector<double> grains;
  for (const double g : all) {
    if (ideal_us * g / grain_us <= metg_file_point_ideal_max_us || g == all.back())
      grains.push_back(g);
  }
  return {spec.name, grains, [spec, grain_us](double g) {
            return workloads::scaled_in_time(spec, g / grain_us);
          }};
}

}  // namespace execbench::bench
