#include "execbench/runtime/event_loop.hpp"
#include <gtest/gtest.h>
