#pragma once
// The Universal Scalability Law (Gunther): throughput against concurrency,
// X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)), fitted by bounded nonlinear least
// squares.

#include <span>

namespace execbench::reports {

/// A fitted USL curve. sigma is contention (serialised share), kappa coherency (crosstalk cost
/// per pair of workers), lambda the throughput of one worker without either.
struct usl_fit {
  double sigma = 0;
  double kappa = 0;
  double lambda = 0;
  double r2 = 0;      ///< 1 - SSE / SST over the fitted points (1 when both are zero)
  double n_star = 0;  ///< sqrt((1 - sigma) / kappa): peak throughput; +infinity when kappa = 0
  double sse = 0;     ///< sum of squared residuals
};

/// X(N) of the law for the given parameters.
double usl_throughput(double sigma, double kappa, double lambda, double workers);

/// Fits the law to (workers, throughput) pairs: a grid over sigma and kappa (lambda solved in
/// closed form for each, it enters linearly) picks starting points, then Levenberg-Marquardt
/// refines all three with sigma in [0, 1], kappa >= 0 and lambda > 0 (bounds by an active set).
/// Needs at least 3 points with distinct worker counts; throws std::invalid_argument otherwise.
usl_fit fit_usl(std::span<const double> workers, std::span<const double> throughput);

}  // namespace execbench::reports
