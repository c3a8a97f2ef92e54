// Descriptor waits (see execbench/runtime/loop/descriptor_table.hpp).
#include "execbench/runtime/loop/descriptor_table.hpp"

#include <cerrno>
#include <utility>

namespace execbench::rt::loop_detail {

namespace {

io_direction direction(bool write) noexcept { return write ? io_write : io_read; }

}  // namespace

int descriptor_table::arm(int fd, bool write, std::coroutine_handle<> h, fd_wait& out) {
  auto& owned = fds_[fd];
  if (!owned) {
    owned = std::make_unique<fd_state>();
    owned->fd = fd;
  }
  fd_state* st = owned.get();
  wait_slot*& current = write ? st->writer : st->reader;
  std::uint64_t& current_gen = write ? st->writer_gen : st->reader_gen;
  if (current != nullptr) {
    if (current->status() != slot_cancelled) return EBUSY;
    release(fd_wait{st, current, current_gen, write});
  }
  wait_slot* slot = slots_->alloc();
  slot->callback.emplace_resume(h);
  current = slot;
  current_gen = slot->generation();
  if (const int err = reactor_->arm(*st, direction(write)); err != 0) {
    current = nullptr;
    slots_->free(slot);
    return err;
  }
  ++waits_;
  out = fd_wait{st, slot, current_gen, write};
  return 0;
}

void descriptor_table::release(const fd_wait& w) noexcept {
  wait_slot*& current = w.write ? w.state->writer : w.state->reader;
  const std::uint64_t current_gen = w.write ? w.state->writer_gen : w.state->reader_gen;
  if (current != w.slot || current_gen != w.gen) return;  // already fired or released
  current = nullptr;
  slots_->discard(w.slot);
  --waits_;
  reactor_->disarm(*w.state, direction(w.write));
}

void descriptor_table::dispatch(const reactor_event& ev, ready_queue& ready) {
  auto* st = static_cast<fd_state*>(ev.descriptor);
  auto fire = [&](wait_slot*& slot, std::uint64_t gen) {
    if (slot == nullptr) return;
    wait_slot* s = std::exchange(slot, nullptr);
    if (s->transition(gen, slot_armed, slot_fired)) {
      ready.push_relocate(s->callback);
    } else {
      s->callback.destroy();  // cancelled: its canceller resumes the task
    }
    slots_->free(s);
    --waits_;
  };
  if ((ev.ready & io_read) != 0) fire(st->reader, st->reader_gen);
  if ((ev.ready & io_write) != 0) fire(st->writer, st->writer_gen);
}

void descriptor_table::forget(int fd) noexcept {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  fd_state* st = it->second.get();
  for (auto* slot : {st->reader, st->writer}) {
    if (slot != nullptr) {  // a cancelled wait not yet cleaned up
      slots_->discard(slot);
      --waits_;
    }
  }
  reactor_->forget(*st);
  fds_.erase(it);
}

void descriptor_table::clear() noexcept {
  for (auto& [fd, st] : fds_) {
    for (auto* slot : {st->reader, st->writer}) {
      if (slot != nullptr) slots_->discard(slot);
    }
    st->reader = st->writer = nullptr;
  }
  waits_ = 0;
}

}  // namespace execbench::rt::loop_detail

