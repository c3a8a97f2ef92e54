// The context of a run, written into the report beside Google Benchmark's own: which build of
// what, on which machine, so that two reports can be judged comparable or not.
#pragma once

#include <string>
#include <vector>

namespace execbench::bench {

struct context_entry {
  std::string key;
  std::string value;
};

// Every context key execbench reports (docs/design.md, "The report's context"), with its value;
// a value that cannot be found is "unknown", never left out, so reports always have the same keys.
std::vector<context_entry> collect_context();

// collect_context() handed to benchmark::AddCustomContext.
void add_context_to_report();

}  // namespace execbench::bench
