#include "execbench/reports/usl_fit.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <vector>

namespace execbench::reports {

namespace {

using parameters = std::array<double, 3>;  // sigma, kappa, lambda

double sum_of_squares(std::span<const double> n, std::span<const double> x, const parameters& p) {
  double sse = 0;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const double r = x[i] - usl_throughput(p[0], p[1], p[2], n[i]);
    sse += r * r;
  }
  return sse;
}

/// The least-squares lambda for fixed sigma and kappa: X is linear in it.
double best_lambda(std::span<const double> n, std::span<const double> x, double sigma,
                   double kappa) {
  double xf = 0, ff = 0;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const double f = usl_throughput(sigma, kappa, 1, n[i]);
    xf += x[i] * f;
    ff += f * f;
  }
  return ff > 0 ? std::max(xf / ff, std::numeric_limits<double>::min()) : 0;
}

/// Solves the 3x3 system a d = b restricted to the `free` parameters (fixed ones get d = 0).
/// Returns false when singular.
bool solve(std::array<std::array<double, 3>, 3> a, parameters b, const std::array<bool, 3>& free,
           parameters& d) {
  for (int i = 0; i < 3; ++i) {
    if (free[i]) continue;
    for (int j = 0; j < 3; ++j) a[i][j] = a[j][i] = 0;
    a[i][i] = 1;
    b[i] = 0;
  }
  // Gaussian elimination with partial pivoting.
  for (int col = 0; col < 3; ++col) {
    int pivot = col;
    for (int row = col + 1; row < 3; ++row)
      if (std::abs(a[row][col]) > std::abs(a[pivot][col])) pivot = row;
    if (!(std::abs(a[pivot][col]) > 0)) return false;
    std::swap(a[col], a[pivot]);
    std::swap(b[col], b[pivot]);
    for (int row = col + 1; row < 3; ++row) {
      const double factor = a[row][col] / a[col][col];
      for (int k = col; k < 3; ++k) a[row][k] -= factor * a[col][k];
      b[row] -= factor * b[col];
    }
  }
  for (int row = 2; row >= 0; --row) {
    double value = b[row];
    for (int k = row + 1; k < 3; ++k) value -= a[row][k] * d[k];
    d[row] = value / a[row][row];
  }
  return std::all_of(d.begin(), d.end(), [](double v) { return std::isfinite(v); });
}

parameters project(parameters p) {
  p[0] = std::clamp(p[0], 0.0, 1.0);
  p[1] = std::max(p[1], 0.0);
  p[2] = std::max(p[2], std::numeric_limits<double>::min());
  return p;
}

/// Levenberg-Marquardt with Marquardt's scaling (damping proportional to diag(J'J)), which
/// copes with lambda ~ 1e5 next to kappa ~ 1e-4. A bound parameter whose step points out of
/// its range is held at the bound for that step (a simple active set), so the others still move.
parameters levenberg_marquardt(std::span<const double> n, std::span<const double> x, parameters p) {
  double sse = sum_of_squares(n, x, p);
  double damping = 1e-3;
  for (int iteration = 0; iteration < 500 && damping < 1e16; ++iteration) {
    std::array<std::array<double, 3>, 3> jtj{};
    parameters jtr{};
    for (std::size_t i = 0; i < n.size(); ++i) {
      const double d = 1 + p[0] * (n[i] - 1) + p[1] * n[i] * (n[i] - 1);
      const double model = p[2] * n[i] / d;
      const parameters grad = {-model * (n[i] - 1) / d, -model * n[i] * (n[i] - 1) / d, n[i] / d};
      const double r = x[i] - model;
      for (int a = 0; a < 3; ++a) {
        jtr[a] += grad[a] * r;
        for (int b = 0; b < 3; ++b) jtj[a][b] += grad[a] * grad[b];
      }
    }
    auto damped = jtj;
    for (int a = 0; a < 3; ++a) damped[a][a] += damping * std::max(jtj[a][a], 1e-300);
    std::array<bool, 3> free = {true, true, true};
    parameters step{};
    if (!solve(damped, jtr, free, step)) {
      damping *= 10;
      continue;
    }
    // Parameters at a bound with a step pointing outside stay there; the others re-solve.
    bool held = false;
    if (p[0] <= 0 && step[0] < 0) free[0] = false, held = true;
    if (p[0] >= 1 && step[0] > 0) free[0] = false, held = true;
    if (p[1] <= 0 && step[1] < 0) free[1] = false, held = true;
    if (held && !solve(damped, jtr, free, step)) {
      damping *= 10;
      continue;
    }
    parameters candidate = p;
    for (int a = 0; a < 3; ++a) candidate[a] += step[a];
    candidate = project(candidate);
    const double candidate_sse = sum_of_squares(n, x, candidate);
    if (candidate_sse < sse) {
      const bool converged = sse - candidate_sse <= 1e-14 * sse;
      p = candidate;
      sse = candidate_sse;
      damping = std::max(damping / 10, 1e-12);
      if (converged || sse == 0) break;
    } else {
      damping *= 10;
    }
  }
  return p;
}

}  // namespace

double usl_throughput(double sigma, double kappa, double lambda, double workers) {
  return lambda * workers / (1 + sigma * (workers - 1) + kappa * workers * (workers - 1));
}

usl_fit fit_usl(std::span<const double> workers, std::span<const double> throughput) {
  if (workers.size() != throughput.size())
    throw std::invalid_argument("fit_usl: as many throughputs as worker counts are needed");
  if (std::set<double>(workers.begin(), workers.end()).size() < 3)
    throw std::invalid_argument("fit_usl: at least 3 distinct worker counts are needed");

  // Grid start: sigma and kappa over several decades (zero included: linear scaling and pure
  // contention are common answers), lambda in closed form. usl4j and R's usl start from one
  // guess (lambda from the smallest N); a grid avoids the local minima of a wrong start.
  std::vector<double> sigmas = {0}, kappas = {0};
  for (double e = -4; e <= 0.001; e += 0.25) sigmas.push_back(std::pow(10, e));
  for (double e = -7; e <= 0.001; e += 0.25) kappas.push_back(std::pow(10, e));
  std::vector<std::pair<double, parameters>> starts;
  for (double sigma : sigmas) {
    for (double kappa : kappas) {
      const parameters p = {sigma, kappa, best_lambda(workers, throughput, sigma, kappa)};
      starts.emplace_back(sum_of_squares(workers, throughput, p), p);
    }
  }
  const std::size_t tries = std::min<std::size_t>(6, starts.size());
  std::partial_sort(starts.begin(), starts.begin() + tries, starts.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  parameters best = starts.front().second;
  double best_sse = starts.front().first;
  for (std::size_t i = 0; i < tries; ++i) {
    const parameters p = levenberg_marquardt(workers, throughput, starts[i].second);
    const double sse = sum_of_squares(workers, throughput, p);
    if (sse < best_sse) best = p, best_sse = sse;
  }

  usl_fit fit;
  fit.sigma = best[0];
  fit.kappa = best[1];
  fit.lambda = best[2];
  fit.sse = best_sse;
  double mean = 0;
  for (double x : throughput) mean += x;
  mean /= static_cast<double>(throughput.size());
  double sst = 0;
  for (double x : throughput) sst += (x - mean) * (x - mean);
  fit.r2 = sst > 0 ? 1 - best_sse / sst : (best_sse <= 1e-12 * mean * mean ? 1 : 0);
  fit.n_star = fit.kappa > 0 ? std::sqrt(std::max(0.0, 1 - fit.sigma) / fit.kappa)
                             : std::numeric_limits<double>::infinity();
  return fit;
}

}  // namespace execbench::reports
