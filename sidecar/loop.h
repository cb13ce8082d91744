/*
 * loop.h — the sidecar's single-threaded event loop: epoll over
 * non-blocking file descriptors plus one-shot timers on the monotonic
 * clock. Everything the sidecar does (shim connections, the control socket,
 * approver backends, signals via signalfd) runs as callbacks of one loop.
 *
 * Callbacks may add and remove descriptors and timers freely, including the
 * one being dispatched: a removed descriptor's pending events in the current
 * batch are dropped (registrations carry a generation number).
 */
#ifndef INTERLOCK_LOOP_H
#define INTERLOCK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef struct il_loop il_loop;
typedef void (*il_fd_cb)(il_loop *l, int fd, uint32_t events, void *arg);
typedef void (*il_timer_cb)(il_loop *l, void *arg);

il_loop *il_loop_new(void);
void il_loop_free(il_loop *l);

/* Watch fd for `events` (EPOLLIN, EPOLLOUT...). 0 or -1 with errno. */
int il_loop_add_fd(il_loop *l, int fd, uint32_t events, il_fd_cb cb, void *arg);
int il_loop_mod_fd(il_loop *l, int fd, uint32_t events);
/* Stop watching fd (does not close it). */
void il_loop_del_fd(il_loop *l, int fd);

/* Call cb(arg) once at monotonic time `when_ms` (il_now_mono_ms clock).
 * Returns a non-zero timer id, or 0 on allocation failure. */
uint64_t il_loop_add_timer(il_loop *l, int64_t when_ms, il_timer_cb cb, void *arg);
/* Cancel a timer that has not fired; unknown or 0 ids are ignored. */
void il_loop_cancel_timer(il_loop *l, uint64_t id);

/* Wait up to max_wait_ms (-1: until something happens) and dispatch one
 * batch of events and every due timer. 0, or -1 if epoll failed. */
int il_loop_run_once(il_loop *l, int max_wait_ms);

#endif
