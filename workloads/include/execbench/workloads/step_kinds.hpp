// The step kinds: one table, the single source of every kind's name, order and behaviour.
//
// A step is written as one JSON object (workloads/README.md lists the forms), read into a
// step_spec, planned into planned_steps and run by the step program (program.hpp). Each kind
// is one struct of namespace step_kinds, listed in EXECBENCH_STEP_KINDS; the CPU kernels are
// listed in EXECBENCH_CPU_KERNELS. The enums step_kind, cpu_kernel and step_op (the kernels,
// then the other kinds) are declared from those lists, so the lists are their only order.
// A kind's struct holds:
//   key             the JSON key that selects it: "cpu" (its value names the kernel), "io"
//                   (its value names the kind) or a key of its own ("lock");
//   traits          what the rest of the project needs to know of it (step_traits);
//   parse(in, s)    reads its keys into s, through spec.cpp's reader `in` (every failure names
//                   the JSON path; "p" and "repeat" are read for every kind);
//   plan(s, p, ps)  turns one run of it into ps, through plan.cpp's planner `p` (random draws,
//                   plan totals); ps.op is set already;
//   write(s, spec, out)  writes it back as JSON (the spec fuzz target's round trip).
// Adding a kind: its struct and its row here, its coroutine and its case in other_step
// (program.hpp), a test, and its row in workloads/README.md. Adding a kernel: its row here,
// its code in kernels.cpp, a test, and workloads/README.md. A kind whose step yields a result
// also says how to predict it (verify_run, run_state.cpp); one that needs a fixture (a server,
// a file) adds it to workload_fixtures.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "execbench/workloads/enum_names.hpp"

namespace execbench::workloads {

// How a latency is drawn. Parameters in microseconds:
//   fixed {us}, uniform {min_us, max_us}, exponential {mean_us},
//   lognormal {mean_us, sigma}: sigma is the standard deviation of the underlying normal,
//   and its mu is chosen so that the mean of the draws is mean_us.
#define EXECBENCH_DIST_KINDS(X) X(fixed) X(uniform) X(exponential) X(lognormal)
EXECBENCH_ENUM(dist_kind, EXECBENCH_DIST_KINDS)

struct latency_dist {
  dist_kind kind = dist_kind::fixed;
  double us = 0;       // fixed
  double min_us = 0;   // uniform
  double max_us = 0;   // uniform
  double mean_us = 0;  // exponential, lognormal
  double sigma = 0;    // lognormal

  // The distribution's mean in microseconds.
  double mean() const noexcept;
};

// What the plan gives a kernel as its input, per run of a step: nothing, a fresh random
// number, or a seed shared by every run of one spec step (a verifier then computes each
// expected result once: the kernel's check costs as much as its work).
#define EXECBENCH_KERNEL_INPUTS(X) X(none) X(random) X(spec_step)
EXECBENCH_ENUM(kernel_input, EXECBENCH_KERNEL_INPUTS)

// The CPU kernels (kernels.cpp), X(name, input): the order of every array indexed by
// cpu_kernel (the calibration's speeds among them).
#define EXECBENCH_CPU_KERNELS(X) \
  X(spin, none)                  \
  X(compute, random)             \
  X(memory, random)              \
  X(hash, spec_step)
EXECBENCH_ENUM(cpu_kernel, EXECBENCH_CPU_KERNELS)

#define EXECBENCH_KERNEL_INPUT_OF(name, input) kernel_input::input,
inline constexpr std::array<kernel_input, enum_count<cpu_kernel>> kernel_inputs = {
    EXECBENCH_CPU_KERNELS(EXECBENCH_KERNEL_INPUT_OF)};
#undef EXECBENCH_KERNEL_INPUT_OF
constexpr kernel_input input_of(cpu_kernel k) noexcept {
  return kernel_inputs[static_cast<std::size_t>(k)];
}

// The step kinds other than cpu, each a struct of step_kinds below.
#define EXECBENCH_OTHER_STEP_KINDS(X) X(timer) X(blocking) X(tcp) X(disk) X(lock)
#define EXECBENCH_STEP_KINDS(X) X(cpu) EXECBENCH_OTHER_STEP_KINDS(X)
EXECBENCH_ENUM(step_kind, EXECBENCH_STEP_KINDS)

// What a planned step does: the kernels, then the other kinds, named as they are.
#define EXECBENCH_STEP_OPS(X) EXECBENCH_CPU_KERNELS(X) EXECBENCH_OTHER_STEP_KINDS(X)
EXECBENCH_ENUM(step_op, EXECBENCH_STEP_OPS)

// The request header every tcp request carries (see tcp.hpp).
inline constexpr std::uint32_t tcp_header_bytes = 16;
// The most bytes one tcp or disk step moves.
inline constexpr std::uint64_t max_io_bytes = std::uint64_t{1} << 30;

// One step of a task's program, as written. Only the fields of its kind are meaningful.
struct step_spec {
  step_kind kind = step_kind::cpu;
  cpu_kernel kernel = cpu_kernel::spin;  // cpu
  double us = 0;                         // cpu: work; lock: hold time
  latency_dist latency;                  // timer, blocking
  std::uint32_t request_bytes = 0;       // tcp: whole request, header included
  std::uint32_t response_bytes = 0;      // tcp
  double server_delay_us = 0;            // tcp
  std::uint64_t bytes = 0;               // disk: bytes read by the step
  std::uint64_t file_bytes = 0;          // disk: size of the file it reads from
  std::uint32_t lock_id = 0;             // lock: index into workload_spec::locks
  double p = 1;                          // probability that the step runs
  std::uint32_t repeat = 1;              // how many times it runs when it does
};

// One resolved step. Fields by op:
//   spin/compute/memory/hash: ns = CPU work, arg = kernel input (kernel_input);
//   timer/blocking: ns = the drawn latency;
//   tcp: ns = server delay, size = request bytes (header included), size2 = response bytes;
//   disk: arg = file offset (4096-aligned), size = bytes read;
//   lock: ns = hold time, size2 = lock id (index into workload_spec::locks).
struct planned_step {
  std::uint64_t ns = 0;
  std::uint64_t arg = 0;
  std::uint32_t size = 0;
  std::uint32_t size2 = 0;
  step_op op = step_op::spin;
};

// The host cost floors a step kind can be priced by (floors.hpp).
enum class host_floor : std::uint8_t { none, tcp_round_trip, disk_read };

// What the project needs to know of a kind besides running it.
struct step_traits {
  // Its step yields a value folded into the task's checksum, which verify_run predicts.
  bool has_result = false;
  // Its planned ns is time the task waits (not CPU work): the ideal makespan counts it.
  bool planned_wait = true;
  // Its work is a call through r.blocking, which holds a thread (on a loop, the loop's).
  bool runs_blocking = false;
  // What it takes beyond its planned ns, as bench's run-time estimate assumes it (µs).
  double extra_us = 0;
  // The host cost floor (floors.hpp) that prices the CPU the kernel spends on its I/O.
  host_floor floor = host_floor::none;
};

namespace step_kinds {

// {"cpu": KERNEL, "us": >0}: a CPU kernel for `us` of work.
struct cpu {
  static constexpr std::string_view key = "cpu";
  static constexpr step_traits traits{.has_result = true, .planned_wait = false};
  template <class In>
  static void parse(In& in, step_spec& s) {
    in.only_keys({"cpu", "us"});
    s.kernel = in.template choice<cpu_kernel>("cpu", "cpu kernel");
    s.us = in.duration("us", false);
  }
  template <class P>
  static void plan(const step_spec& s, P& p, planned_step& ps) {
    ps.ns = p.ns(s.us);
    switch (input_of(s.kernel)) {
      case kernel_input::none:
        break;
      case kernel_input::random:
        ps.arg = p.random();
        break;
      case kernel_input::spec_step:
        ps.arg = p.spec_step_seed();
        break;
    }
    ++p.totals().cpu_steps;
  }
  template <class Spec, class Json>
  static void write(const step_spec& s, const Spec&, Json& out) {
    out["cpu"] = name_of(s.kernel);
    out["us"] = s.us;
  }
};

// {"io": "timer", "latency": DIST} (or "latency_us"): the task waits, awaiting a timer.
struct timer {
  static constexpr std::string_view key = "io";
  static constexpr step_traits traits{};
  template <class In>
  static void parse(In& in, step_spec& s) {
    s.latency = in.latency();
  }
  template <class P>
  static void plan(const step_spec& s, P& p, planned_step& ps) {
    ps.ns = p.draw_ns(s.latency);
  }
  template <class Spec, class Json>
  static void write(const step_spec& s, const Spec&, Json& out) {
    out["io"] = name_of(s.kind);
    out["latency"] = latency_document<Json>(s.latency);
  }

  // DIST as JSON, every parameter of its kind explicit.
  template <class Json>
  static Json latency_document(const latency_dist& d) {
    Json j;
    j["dist"] = name_of(d.kind);
    switch (d.kind) {
      case dist_kind::fixed:
        j["us"] = d.us;
        break;
      case dist_kind::uniform:
        j["min_us"] = d.min_us;
        j["max_us"] = d.max_us;
        break;
      case dist_kind::exponential:
        j["mean_us"] = d.mean_us;
        break;
      case dist_kind::lognormal:
        j["mean_us"] = d.mean_us;
        j["sigma"] = d.sigma;
        break;
    }
    return j;
  }
};

// {"io": "blocking", "latency": DIST} (or "latency_us"): a call that holds its thread.
struct blocking : timer {
  static constexpr step_traits traits{.runs_blocking = true};
};

// {"io": "tcp", "request_bytes": ≥16, "response_bytes": ≥1, "server_delay_us": ≥0}: one round
// trip to the loopback server, which answers after its delay. Beyond it, the estimate counts
// the loopback round trip (about 30 µs).
struct tcp {
  static constexpr std::string_view key = "io";
  static constexpr step_traits traits{.extra_us = 30, .floor = host_floor::tcp_round_trip};
  template <class In>
  static void parse(In& in, step_spec& s) {
    in.only_keys({"io", "request_bytes", "response_bytes", "server_delay_us"});
    s.request_bytes =
        static_cast<std::uint32_t>(in.integer("request_bytes", tcp_header_bytes, max_io_bytes));
    s.response_bytes = static_cast<std::uint32_t>(in.integer("response_bytes", 1, max_io_bytes));
    s.server_delay_us = 0;
    if (in.has("server_delay_us")) s.server_delay_us = in.duration("server_delay_us", true);
  }
  template <class P>
  static void plan(const step_spec& s, P& p, planned_step& ps) {
    ps.ns = p.ns(s.server_delay_us);
    ps.size = s.request_bytes;
    ps.size2 = s.response_bytes;
    ++p.totals().tcp_exchanges;
    p.totals().tcp_request_bytes += s.request_bytes;
    p.totals().tcp_response_bytes += s.response_bytes;
  }
  template <class Spec, class Json>
  static void write(const step_spec& s, const Spec&, Json& out) {
    out["io"] = "tcp";
    out["request_bytes"] = s.request_bytes;
    out["response_bytes"] = s.response_bytes;
    out["server_delay_us"] = s.server_delay_us;
  }
};

// {"io": "disk", "bytes": ≥1, "file_bytes": ≥bytes}: a read of `bytes` at a random 4096-aligned
// offset of a file of file_bytes (default max(bytes, 8 MiB)), checksummed. Its time is the
// read's, not planned: the estimate assumes 20 µs (64 KiB from the page cache).
struct disk {
  static constexpr std::string_view key = "io";
  static constexpr step_traits traits{.has_result = true,
                                      .planned_wait = false,
                                      .runs_blocking = true,
                                      .extra_us = 20,
                                      .floor = host_floor::disk_read};
  template <class In>
  static void parse(In& in, step_spec& s) {
    in.only_keys({"io", "bytes", "file_bytes"});
    s.bytes = in.integer("bytes", 1, max_io_bytes);
    s.file_bytes = std::max<std::uint64_t>(s.bytes, std::uint64_t{8} << 20);
    if (in.has("file_bytes")) {
      s.file_bytes = in.integer("file_bytes", 1, max_io_bytes);
      if (s.file_bytes < s.bytes)
        in.fail("file_bytes", "must be >= \"bytes\" (" + std::to_string(s.bytes) + "), got " +
                                  std::to_string(s.file_bytes));
    }
  }
  template <class P>
  static void plan(const step_spec& s, P& p, planned_step& ps) {
    ps.size = static_cast<std::uint32_t>(s.bytes);
    const std::uint64_t slots = (s.file_bytes - s.bytes) / 4096 + 1;
    ps.arg = p.below(slots) * 4096;
    ++p.totals().disk_reads;
    p.totals().disk_bytes += s.bytes;
    p.reads_file_of(s.file_bytes);
  }
  template <class Spec, class Json>
  static void write(const step_spec& s, const Spec&, Json& out) {
    out["io"] = "disk";
    out["bytes"] = s.bytes;
    out["file_bytes"] = s.file_bytes;
  }
};

// {"lock": NAME or true, "hold_us": ≥0}: a critical section on the named lock (true: the
// workload's one unnamed lock). A zero hold is meaningful: the shared counter's increment alone.
struct lock {
  static constexpr std::string_view key = "lock";
  static constexpr step_traits traits{};
  template <class In>
  static void parse(In& in, step_spec& s) {
    in.only_keys({"lock", "hold_us"});
    const auto& name = in.value("lock");
    std::string lock_name;
    if (name.is_string())
      lock_name = name.template get<std::string>();
    else if (!(name.is_boolean() && name.template get<bool>()))
      in.fail("lock", "expected a lock name (string) or true, got " + in.describe(name));
    s.lock_id = in.lock_index(lock_name);
    s.us = in.duration("hold_us", true);
  }
  template <class P>
  static void plan(const step_spec& s, P& p, planned_step& ps) {
    ps.ns = p.ns(s.us);
    ps.size2 = s.lock_id;
    ++p.totals().lock_acquisitions[s.lock_id];
  }
  template <class Spec, class Json>
  static void write(const step_spec& s, const Spec& spec, Json& out) {
    out["lock"] = spec.locks.at(s.lock_id);
    out["hold_us"] = s.us;
  }
};

}  // namespace step_kinds

// Calls f(step_kinds::K{}) for kind k's struct K, and returns what it returns.
#define EXECBENCH_VISIT_KIND(name, ...) \
  case step_kind::name:                 \
    return f(step_kinds::name{});
template <class F>
constexpr decltype(auto) visit_kind(step_kind k, F&& f) {
  switch (k) { EXECBENCH_STEP_KINDS(EXECBENCH_VISIT_KIND) }
  return f(step_kinds::cpu{});  // not reached: k is one of the kinds
}
#undef EXECBENCH_VISIT_KIND

// The JSON key that selects each kind.
#define EXECBENCH_KEY_OF(name, ...) step_kinds::name::key,
inline constexpr std::array<std::string_view, enum_count<step_kind>> step_keys = {
    EXECBENCH_STEP_KINDS(EXECBENCH_KEY_OF)};
#undef EXECBENCH_KEY_OF

// Each op's traits: the cpu kind's for the kernels, their own kind's for the others.
#define EXECBENCH_KERNEL_TRAITS(name, ...) step_kinds::cpu::traits,
#define EXECBENCH_KIND_TRAITS(name, ...) step_kinds::name::traits,
#define EXECBENCH_OP_TRAITS \
  EXECBENCH_CPU_KERNELS(EXECBENCH_KERNEL_TRAITS) EXECBENCH_OTHER_STEP_KINDS(EXECBENCH_KIND_TRAITS)
inline constexpr std::array<step_traits, enum_count<step_op>> op_traits = {EXECBENCH_OP_TRAITS};
#undef EXECBENCH_OP_TRAITS
#undef EXECBENCH_KERNEL_TRAITS
#undef EXECBENCH_KIND_TRAITS

constexpr const step_traits& traits_of(step_op op) noexcept {
  return op_traits[static_cast<std::size_t>(op)];
}

constexpr bool is_cpu(step_op op) noexcept {
  return static_cast<std::size_t>(op) < enum_count<cpu_kernel>;
}
constexpr cpu_kernel kernel_of(step_op op) noexcept {
  return static_cast<cpu_kernel>(op);
}
// The op a planned run of step s is.
constexpr step_op op_of(const step_spec& s) noexcept {
  if (s.kind == step_kind::cpu) return static_cast<step_op>(s.kernel);
  return static_cast<step_op>(enum_count<cpu_kernel> + static_cast<std::size_t>(s.kind) - 1);
}

// Whether op's step yields a result (step_traits::has_result), as one bit test: the step
// program asks it after every step.
inline constexpr std::uint32_t ops_with_result = [] {
  static_assert(enum_count<step_op> <= 32);
  std::uint32_t mask = 0;
  for (std::size_t i = 0; i < op_traits.size(); ++i)
    if (op_traits[i].has_result) mask |= std::uint32_t{1} << i;
  return mask;
}();
constexpr bool has_result(step_op op) noexcept {
  return (ops_with_result >> static_cast<unsigned>(op)) & 1U;
}

static_assert(name_of(op_of(step_spec{.kind = step_kind::lock})) == "lock",
              "step_op lists the kinds other than cpu in step_kind's order, after the kernels");

}  // namespace execbench::workloads
