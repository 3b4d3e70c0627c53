#ifndef SWITCHBOARD_CRABBITMQ_SHIM_H
#define SWITCHBOARD_CRABBITMQ_SHIM_H

// rabbitmq-c 0.11 (Debian's librabbitmq-dev) keeps its headers at the top level;
// 0.12+ moved them under <rabbitmq-c/...>.
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <amqp_framing.h>
#include <poll.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/prctl.h>

/// Names the calling thread as `top -H`, `/proc/<pid>/task/*/comm` and thread dumps show it
/// (at most 15 bytes are kept; `prctl` is variadic, which Swift cannot call). 0 on success.
static inline int sb_name_this_thread(const char *name) {
  return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

/// `amqp_login` is variadic, which Swift cannot call: fixed to PLAIN authentication.
static inline amqp_rpc_reply_t sb_amqp_login_plain(amqp_connection_state_t state,
                                                   const char *vhost,
                                                   int channel_max,
                                                   int frame_max,
                                                   int heartbeat,
                                                   const char *user,
                                                   const char *password,
                                                   amqp_table_t *client_properties) {
  return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat,
                                    client_properties, AMQP_SASL_METHOD_PLAIN, user, password);
}

/// Waits up to `timeout_ms` for the broker socket or the wake-up pipe to become readable.
/// Returns a bit set: 1 = socket readable, 2 = wake pipe readable, 0 = timed out, -1 = error.
static inline int sb_poll_two(int socket_fd, int wake_fd, int timeout_ms) {
  struct pollfd fds[2];
  fds[0].fd = socket_fd; fds[0].events = POLLIN; fds[0].revents = 0;
  fds[1].fd = wake_fd; fds[1].events = POLLIN; fds[1].revents = 0;
  int rc = poll(fds, 2, timeout_ms);
  if (rc < 0) return -1;
  int result = 0;
  if (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) result |= 1;
  if (fds[1].revents & POLLIN) result |= 2;
  return result;
}

/// A `timeval` of whole seconds, made in C: Swift would need the module that happens to
/// define `struct timeval` (CDispatch on Linux) imported to call its initializer.
static inline struct timeval sb_seconds(long seconds) {
  struct timeval tv;
  tv.tv_sec = seconds;
  tv.tv_usec = 0;
  return tv;
}

/// Shuts a socket down in both directions, which wakes a thread blocked sending on it
/// (a broker that stopped reading, as under a memory alarm) with an error.
static inline void sb_shutdown_socket(int fd) {
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
}

/// Reads one frame if one is already buffered or arrives within `timeout_usec`.
static inline int sb_wait_frame(amqp_connection_state_t state, amqp_frame_t *frame, long timeout_usec) {
  struct timeval tv;
  tv.tv_sec = timeout_usec / 1000000;
  tv.tv_usec = timeout_usec % 1000000;
  return amqp_simple_wait_frame_noblock(state, frame, &tv);
}

/// Creates a non-blocking pipe for waking the connection thread. Returns 0 on success.
static inline int sb_make_wake_pipe(int fds[2]) {
  if (pipe(fds) != 0) return -1;
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  return 0;
}

/// Drains the wake-up pipe (non-blocking).
static inline void sb_drain_wake_pipe(int fd) {
  char buffer[256];
  while (read(fd, buffer, sizeof(buffer)) > 0) {}
}

/// Writes one byte to the wake-up pipe; a full pipe already means "wake up".
static inline void sb_wake(int fd) {
  char byte = 1;
  ssize_t ignored = write(fd, &byte, 1);
  (void)ignored;
}

// Method ids are macros with casts, which Swift does not import: re-exported as constants.
static const amqp_method_number_t SB_BASIC_DELIVER = AMQP_BASIC_DELIVER_METHOD;
static const amqp_method_number_t SB_BASIC_ACK = AMQP_BASIC_ACK_METHOD;
static const amqp_method_number_t SB_BASIC_NACK = AMQP_BASIC_NACK_METHOD;
static const amqp_method_number_t SB_BASIC_RETURN = AMQP_BASIC_RETURN_METHOD;
static const amqp_method_number_t SB_BASIC_CANCEL = AMQP_BASIC_CANCEL_METHOD;
static const amqp_method_number_t SB_CHANNEL_CLOSE = AMQP_CHANNEL_CLOSE_METHOD;
static const amqp_method_number_t SB_CHANNEL_CLOSE_OK = AMQP_CHANNEL_CLOSE_OK_METHOD;
static const amqp_method_number_t SB_CONNECTION_CLOSE = AMQP_CONNECTION_CLOSE_METHOD;
static const amqp_method_number_t SB_CONNECTION_CLOSE_OK = AMQP_CONNECTION_CLOSE_OK_METHOD;
static const amqp_flags_t SB_FLAG_CONTENT_TYPE = AMQP_BASIC_CONTENT_TYPE_FLAG;
static const amqp_flags_t SB_FLAG_HEADERS = AMQP_BASIC_HEADERS_FLAG;
static const amqp_flags_t SB_FLAG_DELIVERY_MODE = AMQP_BASIC_DELIVERY_MODE_FLAG;
static const amqp_flags_t SB_FLAG_CORRELATION_ID = AMQP_BASIC_CORRELATION_ID_FLAG;
static const amqp_flags_t SB_FLAG_MESSAGE_ID = AMQP_BASIC_MESSAGE_ID_FLAG;
static const amqp_flags_t SB_FLAG_TIMESTAMP = AMQP_BASIC_TIMESTAMP_FLAG;
static const amqp_flags_t SB_FLAG_TYPE = AMQP_BASIC_TYPE_FLAG;
static const amqp_flags_t SB_FLAG_APP_ID = AMQP_BASIC_APP_ID_FLAG;

/// Sends channel.close-ok after the broker closed a channel.
static inline int sb_send_channel_close_ok(amqp_connection_state_t state, amqp_channel_t channel) {
  amqp_channel_close_ok_t ok;
  ok.dummy = 0;
  return amqp_send_method(state, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
}

/// Sends connection.close-ok after the broker closed the connection.
static inline int sb_send_connection_close_ok(amqp_connection_state_t state) {
  amqp_connection_close_ok_t ok;
  ok.dummy = 0;
  return amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
}

#endif
