// execbench-report: compare and summarise execbench reports (see execbench-report --help).

#include <unistd.h>

#include <iostream>

#include "execbench/reports/cli.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int status = execbench::reports::run_cli(args, std::cout, std::cerr, ::isatty(1) == 1);
  std::cout.flush();
  return status;
}
