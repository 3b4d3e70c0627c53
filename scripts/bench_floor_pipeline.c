/*
 * The floor pipeline (issue #17; scripts/bench_floor_pipeline.py runs it, docs/benchmark.md
 * "tenth pass" has the method and the figures): the contract's durable path with nothing
 * else, and the load and the observer that measure it, in C (rabbitmq-c and libpq, the
 * clients with the least CPU of their own), so that what is measured is the path and not
 * the tools. `scripts/bench` publishes and observes with the same program (publish-file,
 * observe-events) for the same reason.
 *
 * floor_pipeline stage HOST PORT USER PASSWORD VHOST IN_QUEUE OUT_EXCHANGE OUT_KEY POSTGRES_URL SCHEMA PREFETCH
 *                      ROUND_TRIPS
 *   What a service does with an inbound message, less everything that is Switchboard's
 *   own. One thread, no allocation per message beyond the libraries':
 *   1. wait for deliveries from IN_QUEUE (prefetch PREFETCH), then take every one already
 *      received, without waiting for more: the batch;
 *   2. one transaction: the batch's message ids into SCHEMA.inbox (a duplicate is
 *      skipped), its bodies into SCHEMA.messages, and, when the stage publishes, the same
 *      bodies into SCHEMA.outbox; the outbox rows confirmed since the last batch are deleted
 *      in it too. ROUND_TRIPS `one`: all of it in one round trip (a simple-protocol query of
 *      several statements); `each`: `BEGIN`, each statement and `COMMIT` one round trip
 *      each, as a client that waits for every statement's answer does;
 *   3. the batch acked with one `basic.ack multiple`;
 *   4. when the stage publishes (OUT_EXCHANGE not "-"): each outbox row published
 *      persistent to OUT_EXCHANGE / OUT_KEY on a second connection in confirm mode, and not
 *      waited for: confirms are read as they come, between batches, so the next batch
 *      never waits for the broker's quorum.
 *   The body goes out as it came in. Runs until SIGTERM or SIGINT, then prints one JSON
 *   line of counts.
 *
 * floor_pipeline publish HOST PORT USER PASSWORD VHOST EXCHANGE KEY COUNT RATE WINDOW RUN
 *   COUNT persistent messages, message k due at start + k / RATE (RATE 0: as fast as the
 *   WINDOW of unconfirmed messages allows), with publisher confirms. Prints one JSON line:
 *   its start and the time the last confirm came, and each message's publish time
 *   (CLOCK_MONOTONIC seconds, the clock of Python's time.monotonic()).
 *
 * floor_pipeline observe HOST PORT USER PASSWORD VHOST EXCHANGE COUNT IDLE_SECONDS
 *   A queue of its own bound to EXCHANGE, consumed without acks (as the benchmark's
 *   observer does), until COUNT distinct messages were seen or none came for IDLE_SECONDS.
 *   Prints `{"ready": true}` once consuming, then one JSON line: when each was seen.
 *
 * floor_pipeline publish-file HOST PORT USER PASSWORD VHOST FILE RATE WINDOW
 *   `scripts/bench`'s C publisher (its default `--tools c`): FILE's messages, one per line as
 *   `EXCHANGE<TAB>KEY<TAB>MESSAGE_ID<TAB>BODY`, published in the file's order as `publish`
 *   publishes (persistent, confirms, WINDOW, RATE), mandatory: a message no queue is bound
 *   for comes back and is counted as returned. Prints the same JSON line, with `returned`.
 *
 * floor_pipeline observe-events HOST PORT USER PASSWORD VHOST EXCHANGE KEY SECOND_KEY COUNT IDLE_SECONDS
 *                               GRACE_SECONDS
 *   `scripts/bench`'s C observer: a queue of its own bound to EXCHANGE with KEY (and
 *   SECOND_KEY unless it is "-"), consumed without acks, until COUNT distinct
 *   `message_id`s were seen in KEY's deliveries, or none came for IDLE_SECONDS; then either
 *   way, with a SECOND_KEY, until as many were seen in its deliveries as in KEY's, or
 *   GRACE_SECONDS passed (as the Python observer waits for `message.received`). Prints
 *   `{"ready": true}` once consuming, then at the end a JSON line of counts and every
 *   delivery as `SEEN<TAB>ROUTING_KEY<TAB>AMQP_MESSAGE_ID<TAB>BODY_LENGTH` and a line of its
 *   body: the events are read (JSON) by the benchmark after the run, not on the machine
 *   while it is measured.
 *
 * Any failure ends it with status 1 and a reason on stderr: this is a measuring tool, and
 * one that carried on past an error would measure something else.
 */

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

enum { CHANNEL = 1, MAX_BATCH = 1000 };

/* Ends each statement of a batch's SQL (a byte no JSON text holds unescaped). */
static const char STATEMENT_END = '\x01';

static volatile sig_atomic_t stopping = 0;

static void on_signal(int signal_number) {
    (void)signal_number;
    stopping = 1;
}

static void fail(const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    fprintf(stderr, "floor_pipeline: ");
    vfprintf(stderr, format, arguments);
    fprintf(stderr, "\n");
    va_end(arguments);
    exit(1);
}

static void check_reply(amqp_rpc_reply_t reply, const char *what) {
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) return;
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) fail("%s: %s", what, amqp_error_string2(reply.library_error));
    fail("%s: the broker refused (reply type %d)", what, (int)reply.reply_type);
}

static amqp_connection_state_t connect_amqp(const char *host, int port, const char *user, const char *password,
                                            const char *vhost) {
    amqp_connection_state_t connection = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(connection);
    if (socket == NULL) fail("cannot create a socket");
    if (amqp_socket_open(socket, host, port) != AMQP_STATUS_OK) fail("cannot reach RabbitMQ at %s:%d", host, port);
    check_reply(amqp_login(connection, vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, user, password), "login");
    amqp_channel_open(connection, CHANNEL);
    check_reply(amqp_get_rpc_reply(connection), "channel.open");
    return connection;
}

/* A growing string, for the batch's statement. */
typedef struct {
    char *text;
    size_t length;
    size_t capacity;
} Buffer;

static void reserve(Buffer *buffer, size_t more) {
    if (buffer->length + more + 1 <= buffer->capacity) return;
    size_t capacity = buffer->capacity ? buffer->capacity : 65536;
    while (capacity < buffer->length + more + 1) capacity *= 2;
    char *text = realloc(buffer->text, capacity);
    if (text == NULL) fail("out of memory");
    buffer->text = text;
    buffer->capacity = capacity;
}

static void append(Buffer *buffer, const char *format, ...) {
    for (;;) {
        va_list arguments;
        va_start(arguments, format);
        size_t room = buffer->capacity - buffer->length;
        int written = buffer->capacity ? vsnprintf(buffer->text + buffer->length, room, format, arguments) : -1;
        va_end(arguments);
        if (written >= 0 && (size_t)written < room) {
            buffer->length += (size_t)written;
            return;
        }
        reserve(buffer, written > 0 ? (size_t)written : 256);
    }
}

/* 'text' as an SQL literal (standard_conforming_strings is on by default). */
static void append_literal(Buffer *buffer, PGconn *database, const void *bytes, size_t length) {
    reserve(buffer, 2 * length + 3);
    buffer->text[buffer->length++] = '\'';
    int error = 0;
    buffer->length += PQescapeStringConn(database, buffer->text + buffer->length, bytes, length, &error);
    if (error) fail("cannot quote a message for SQL: %s", PQerrorMessage(database));
    buffer->text[buffer->length++] = '\'';
    buffer->text[buffer->length] = '\0';
}

typedef struct {
    amqp_envelope_t envelopes[MAX_BATCH];
    int count;
} Batch;

/* Outbox rows published and not yet confirmed: publish sequence number -> outbox id, and
 * whether its confirm came (a single confirm may come before an earlier one's). */
typedef struct {
    uint64_t next_sequence;     /* the broker numbers a channel's publishes from 1 */
    uint64_t first_unconfirmed; /* every sequence below it is confirmed */
    int64_t confirmed_below_id; /* outbox ids below it are confirmed, and may be deleted */
    int64_t deleted_below_id;   /* outbox ids below it are deleted */
    int64_t *ids;               /* ring: ids[sequence % capacity] */
    unsigned char *acked;       /* ring: acked[sequence % capacity] */
    uint64_t capacity;
} Flight;

static void flight_add(Flight *flight, int64_t id) {
    if (flight->next_sequence - flight->first_unconfirmed >= flight->capacity) {
        uint64_t capacity = flight->capacity ? flight->capacity * 2 : 4096;
        int64_t *ids = malloc(capacity * sizeof *ids);
        unsigned char *acked = calloc(capacity, 1);
        if (ids == NULL || acked == NULL) fail("out of memory");
        for (uint64_t s = flight->first_unconfirmed; s < flight->next_sequence; s++) {
            ids[s % capacity] = flight->ids[s % flight->capacity];
            acked[s % capacity] = flight->acked[s % flight->capacity];
        }
        free(flight->ids);
        free(flight->acked);
        flight->ids = ids;
        flight->acked = acked;
        flight->capacity = capacity;
    }
    flight->ids[flight->next_sequence % flight->capacity] = id;
    flight->acked[flight->next_sequence % flight->capacity] = 0;
    flight->next_sequence++;
}

/* A confirm of TAG (and, MULTIPLE, of every sequence up to it): the confirmed prefix, and
 * with it the outbox rows that may be deleted, grows past every sequence confirmed. */
static void flight_confirm(Flight *flight, uint64_t tag, int multiple) {
    if (tag >= flight->next_sequence) fail("a confirm for a message never published");
    uint64_t from = multiple ? flight->first_unconfirmed : tag;
    for (uint64_t s = from; s <= tag; s++) {
        if (s >= flight->first_unconfirmed) flight->acked[s % flight->capacity] = 1;
    }
    while (flight->first_unconfirmed < flight->next_sequence && flight->acked[flight->first_unconfirmed % flight->capacity]) {
        flight->confirmed_below_id = flight->ids[flight->first_unconfirmed % flight->capacity] + 1;
        flight->first_unconfirmed++;
    }
}

/* The next publisher confirm already received on CONNECTION, without waiting: 1 with its
 * TAG, MULTIPLE and whether it is a NACK, or 1 with RETURNED set for a mandatory message no
 * queue was bound for (`basic.return`: its content frames are skipped); 0 when none is here. */
static int next_confirm(amqp_connection_state_t connection, uint64_t *tag, int *multiple, int *nack, int *returned) {
    for (;;) {
        /* The last frame's fields are copied out: its memory can go back to the pool (rabbitmq-c
         * keeps every frame read until this is called). */
        amqp_maybe_release_buffers(connection);
        amqp_frame_t frame;
        struct timeval zero = {0, 0};
        int status = amqp_simple_wait_frame_noblock(connection, &frame, &zero);
        if (status == AMQP_STATUS_TIMEOUT) return 0;
        if (status != AMQP_STATUS_OK) fail("reading confirms: %s", amqp_error_string2(status));
        if (frame.frame_type != AMQP_FRAME_METHOD) continue;
        *returned = frame.payload.method.id == AMQP_BASIC_RETURN_METHOD;
        if (*returned) return 1;
        if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *ack = frame.payload.method.decoded;
            *tag = ack->delivery_tag;
            *multiple = ack->multiple;
            *nack = 0;
            return 1;
        }
        if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
            amqp_basic_nack_t *refusal = frame.payload.method.decoded;
            *tag = refusal->delivery_tag;
            *multiple = refusal->multiple;
            *nack = 1;
            return 1;
        }
        if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) fail("the broker closed the publishing channel");
    }
}

/* Reads every confirm already received on the publishing connection, without waiting. */
static void read_confirms(amqp_connection_state_t publisher, Flight *flight) {
    uint64_t tag;
    int multiple, nack, returned;
    while (next_confirm(publisher, &tag, &multiple, &nack, &returned)) {
        if (returned) fail("the broker returned a publish (no queue bound)");
        if (nack) fail("the broker refused a publish (basic.nack)");
        flight_confirm(flight, tag, multiple);
    }
}

static int buffered(amqp_connection_state_t connection) {
    return amqp_data_in_buffer(connection) || amqp_frames_enqueued(connection);
}

/* Takes one delivery if one is already here (WAIT_MS 0) or comes within WAIT_MS; 0 if none. */
static int take_delivery(amqp_connection_state_t consumer, amqp_envelope_t *envelope, int wait_ms) {
    struct timeval timeout = {wait_ms / 1000, (wait_ms % 1000) * 1000};
    amqp_maybe_release_buffers(consumer);
    amqp_rpc_reply_t reply = amqp_consume_message(consumer, envelope, &timeout, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) return 1;
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) return 0;
    check_reply(reply, "consuming");
    return 0;
}

/* Runs the statements of SQL, separated by STATEMENT_END, in one round trip (ONE_ROUND_TRIP)
 * or one each. */
static void run_statements(PGconn *database, Buffer *sql, int one_round_trip) {
    if (one_round_trip) {
        for (size_t i = 0; i < sql->length; i++) {
            if (sql->text[i] == STATEMENT_END) sql->text[i] = ';';
        }
        PGresult *result = PQexec(database, sql->text);
        if (PQresultStatus(result) != PGRES_COMMAND_OK) fail("the batch's transaction failed: %s", PQerrorMessage(database));
        PQclear(result);
        return;
    }
    char *statement = sql->text;
    while (statement != NULL && *statement != '\0') {
        char *end = strchr(statement, STATEMENT_END);
        if (end != NULL) *end = '\0';
        PGresult *result = PQexec(database, statement);
        if (PQresultStatus(result) != PGRES_COMMAND_OK) fail("a statement of the batch failed: %s", PQerrorMessage(database));
        PQclear(result);
        statement = end != NULL ? end + 1 : NULL;
    }
}

static int run_stage(int argc, char **argv) {
    if (argc != 13) {
        fail("usage: floor_pipeline stage HOST PORT USER PASSWORD VHOST IN_QUEUE OUT_EXCHANGE OUT_KEY POSTGRES_URL SCHEMA "
             "PREFETCH one|each");
    }
    const char *host = argv[1], *user = argv[3], *password = argv[4], *vhost = argv[5];
    const char *in_queue = argv[6], *out_exchange = argv[7], *out_key = argv[8];
    const char *postgres_url = argv[9], *schema = argv[10];
    int port = atoi(argv[2]);
    int prefetch = atoi(argv[11]);
    if (port <= 0 || prefetch <= 0 || prefetch > MAX_BATCH) fail("PORT and PREFETCH (1-%d) must be positive", MAX_BATCH);
    int publishes = strcmp(out_exchange, "-") != 0;
    if (strcmp(argv[12], "one") != 0 && strcmp(argv[12], "each") != 0) fail("ROUND_TRIPS is one or each");
    int one_round_trip = strcmp(argv[12], "one") == 0;

    PGconn *database = PQconnectdb(postgres_url);
    if (PQstatus(database) != CONNECTION_OK) fail("cannot connect to PostgreSQL: %s", PQerrorMessage(database));
    /* Outbox ids continue after any row a previous stage left. */
    Buffer sql = {0};
    append(&sql, "SELECT coalesce(max(id), 0) + 1 FROM %s.outbox", schema);
    PGresult *start = PQexec(database, sql.text);
    if (PQresultStatus(start) != PGRES_TUPLES_OK) fail("reading the outbox: %s", PQerrorMessage(database));
    int64_t next_id = strtoll(PQgetvalue(start, 0, 0), NULL, 10);
    PQclear(start);

    amqp_connection_state_t consumer = connect_amqp(host, port, user, password, vhost);
    amqp_basic_qos(consumer, CHANNEL, 0, (uint16_t)prefetch, 0);
    check_reply(amqp_get_rpc_reply(consumer), "basic.qos");
    amqp_basic_consume(consumer, CHANNEL, amqp_cstring_bytes(in_queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(consumer), "basic.consume");

    amqp_connection_state_t publisher = NULL;
    Flight flight = {.next_sequence = 1, .first_unconfirmed = 1, .confirmed_below_id = next_id, .deleted_below_id = next_id};
    if (publishes) {
        publisher = connect_amqp(host, port, user, password, vhost);
        amqp_confirm_select(publisher, CHANNEL);
        check_reply(amqp_get_rpc_reply(publisher), "confirm.select");
    }
    amqp_basic_properties_t properties;
    memset(&properties, 0, sizeof properties);
    properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    properties.delivery_mode = 2;
    properties.content_type = amqp_cstring_bytes("application/json");

    printf("{\"ready\": true}\n");
    fflush(stdout);

    static Batch batch;
    long messages = 0, batches = 0, published = 0, largest = 0;
    while (!stopping) {
        /* 1. The batch: wait for a first delivery (or a confirm), then take what is here. */
        batch.count = 0;
        while (!stopping && batch.count == 0) {
            if (publishes) read_confirms(publisher, &flight);
            if (take_delivery(consumer, &batch.envelopes[0], 0)) {
                batch.count = 1;
                break;
            }
            if (publishes && buffered(publisher)) continue;
            struct pollfd fds[2] = {{.fd = amqp_get_sockfd(consumer), .events = POLLIN},
                                    {.fd = publishes ? amqp_get_sockfd(publisher) : -1, .events = POLLIN}};
            if (poll(fds, 2, 200) < 0 && !stopping) fail("poll failed");
        }
        if (batch.count == 0) break;
        while (batch.count < prefetch) {
            if (!take_delivery(consumer, &batch.envelopes[batch.count], 0)) break;
            batch.count++;
        }
        if (publishes) read_confirms(publisher, &flight);

        /* 2. One transaction. */
        sql.length = 0;
        append(&sql, "BEGIN\x01" "INSERT INTO %s.inbox (message_id) VALUES ", schema);
        for (int i = 0; i < batch.count; i++) {
            amqp_basic_properties_t *p = &batch.envelopes[i].message.properties;
            if (i) append(&sql, ", ");
            append(&sql, "(");
            if (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) {
                append_literal(&sql, database, p->message_id.bytes, p->message_id.len);
            } else {
                append(&sql, "gen_random_uuid()::text");
            }
            append(&sql, ")");
        }
        append(&sql, " ON CONFLICT DO NOTHING\x01" "INSERT INTO %s.messages (body) VALUES ", schema);
        for (int i = 0; i < batch.count; i++) {
            amqp_bytes_t body = batch.envelopes[i].message.body;
            append(&sql, i ? ", (" : "(");
            append_literal(&sql, database, body.bytes, body.len);
            append(&sql, ")");
        }
        int64_t first_id = next_id;
        if (publishes) {
            append(&sql, "\x01" "INSERT INTO %s.outbox (id, body) VALUES ", schema);
            for (int i = 0; i < batch.count; i++) {
                amqp_bytes_t body = batch.envelopes[i].message.body;
                append(&sql, i ? ", (%lld, " : "(%lld, ", (long long)(first_id + i));
                append_literal(&sql, database, body.bytes, body.len);
                append(&sql, ")");
            }
            if (flight.confirmed_below_id > flight.deleted_below_id) {
                append(&sql, "\x01" "DELETE FROM %s.outbox WHERE id < %lld", schema, (long long)flight.confirmed_below_id);
            }
        }
        append(&sql, "\x01" "COMMIT");
        run_statements(database, &sql, one_round_trip);
        if (publishes) {
            flight.deleted_below_id = flight.confirmed_below_id;
            next_id += batch.count;
        }

        /* 3. Committed: the batch is acked, with one frame. */
        if (amqp_basic_ack(consumer, CHANNEL, batch.envelopes[batch.count - 1].delivery_tag, 1) != AMQP_STATUS_OK) {
            fail("basic.ack failed");
        }

        /* 4. The outbox rows published; their confirms are read between batches. */
        for (int i = 0; publishes && i < batch.count; i++) {
            int status = amqp_basic_publish(publisher, CHANNEL, amqp_cstring_bytes(out_exchange), amqp_cstring_bytes(out_key),
                                            0, 0, &properties, batch.envelopes[i].message.body);
            if (status != AMQP_STATUS_OK) fail("basic.publish failed: %s", amqp_error_string2(status));
            flight_add(&flight, first_id + i);
            published++;
        }
        for (int i = 0; i < batch.count; i++) amqp_destroy_envelope(&batch.envelopes[i]);
        messages += batch.count;
        batches++;
        if (batch.count > largest) largest = batch.count;
    }

    printf("{\"messages\": %ld, \"batches\": %ld, \"largest_batch\": %ld, \"published\": %ld, \"unconfirmed\": %llu}\n",
           messages, batches, largest, published, (unsigned long long)(flight.next_sequence - flight.first_unconfirmed));
    fflush(stdout);
    PQfinish(database);
    return 0;
}

static double monotonic_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* One message to publish: where, its AMQP message id and its body (pointers into memory
 * that outlives the publishing). */
typedef struct {
    const char *exchange, *key, *message_id;
    amqp_bytes_t body;
} Outgoing;

/* Publishes MESSAGES (COUNT of them) persistent with confirms, message k due at start + k /
 * RATE (RATE 0: as fast as the WINDOW of unconfirmed messages allows), mandatory (a message
 * no queue is bound for comes back and is counted as returned), and prints one JSON line:
 * the start, the time the last confirm came, the counts and each message's publish time.
 * Returns 0 when every message was confirmed, none refused or returned. */
static int publish_all(amqp_connection_state_t connection, const Outgoing *messages, long count, double rate, long window) {
    amqp_confirm_select(connection, CHANNEL);
    check_reply(amqp_get_rpc_reply(connection), "confirm.select");
    double *published_at = calloc((size_t)count, sizeof *published_at);
    unsigned char *acked = calloc((size_t)count + 2, 1);
    if (published_at == NULL || acked == NULL) fail("out of memory");
    amqp_basic_properties_t properties;
    memset(&properties, 0, sizeof properties);
    properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                        AMQP_BASIC_TIMESTAMP_FLAG;
    properties.delivery_mode = 2;
    properties.content_type = amqp_cstring_bytes("application/json");

    long published = 0, confirmed = 0, nacked = 0, returned = 0; /* confirmed: sequence numbers 1...confirmed all acked */
    double t0 = monotonic_seconds(), t_done = t0;
    while (confirmed < count && !stopping) {
        /* Confirms already here. */
        uint64_t tag;
        int multiple, nack, was_returned;
        while (next_confirm(connection, &tag, &multiple, &nack, &was_returned)) {
            if (was_returned) {
                returned++;
                continue;
            }
            if (nack) nacked++;
            if (tag > (uint64_t)published) fail("a confirm for a message never published");
            if (multiple) {
                for (long s = confirmed + 1; s <= (long)tag; s++) acked[s] = 1;
            } else {
                acked[tag] = 1;
            }
            while (confirmed < published && acked[confirmed + 1]) confirmed++;
        }
        if (confirmed == count) {
            t_done = monotonic_seconds();
            break;
        }
        double now = monotonic_seconds();
        double due = rate > 0 ? t0 + (double)published / rate : now;
        if (published < count && now >= due && published - confirmed < window) {
            const Outgoing *message = &messages[published];
            properties.message_id = amqp_cstring_bytes(message->message_id);
            properties.timestamp = (uint64_t)time(NULL);
            published_at[published] = now;
            int status = amqp_basic_publish(connection, CHANNEL, amqp_cstring_bytes(message->exchange),
                                            amqp_cstring_bytes(message->key), 1, 0, &properties, message->body);
            if (status != AMQP_STATUS_OK) fail("basic.publish failed: %s", amqp_error_string2(status));
            published++;
            continue;
        }
        if (buffered(connection)) continue;
        int wait_ms = 50;
        if (published < count && published - confirmed < window) {
            double until_due = (due - now) * 1000;
            wait_ms = until_due < 1 ? 1 : until_due < 50 ? (int)until_due : 50;
        }
        struct pollfd socket = {.fd = amqp_get_sockfd(connection), .events = POLLIN};
        if (poll(&socket, 1, wait_ms) < 0 && !stopping) fail("poll failed");
    }
    printf("{\"t0\": %.6f, \"t_done\": %.6f, \"published\": %ld, \"confirmed\": %ld, \"nacked\": %ld, \"returned\": %ld, "
           "\"published_at\": [",
           t0, t_done, published, confirmed, nacked, returned);
    for (long i = 0; i < published; i++) printf(i ? ", %.6f" : "%.6f", published_at[i]);
    printf("]}\n");
    fflush(stdout);
    free(published_at);
    free(acked);
    return confirmed == count && nacked == 0 && returned == 0 ? 0 : 1;
}

static int run_publisher(int argc, char **argv) {
    if (argc != 12) fail("usage: floor_pipeline publish HOST PORT USER PASSWORD VHOST EXCHANGE KEY COUNT RATE WINDOW RUN");
    const char *exchange = argv[6], *key = argv[7], *run = argv[11];
    long count = atol(argv[8]);
    double rate = atof(argv[9]);
    long window = atol(argv[10]);
    if (count <= 0 || rate < 0 || window <= 0) fail("COUNT and WINDOW must be positive, RATE 0 or more");
    /* Every body and id made before the first publish: the publishing loop only sends. */
    Outgoing *messages = calloc((size_t)count, sizeof *messages);
    if (messages == NULL) fail("out of memory");
    for (long i = 0; i < count; i++) {
        char body[512], message_id[96];
        int length = snprintf(body, sizeof body,
                              "{\"id\": \"floor-%s-%ld\", \"i\": %ld, \"from\": \"+15555550123\", \"to\": \"+15555550100\", "
                              "\"text\": \"floor:%s:%ld hello, I need help with my order\"}",
                              run, i, i, run, i);
        if (length < 0 || (size_t)length >= sizeof body) fail("RUN is too long for a message body");
        if ((size_t)snprintf(message_id, sizeof message_id, "floor-%s-%ld", run, i) >= sizeof message_id) {
            fail("RUN is too long for a message id");
        }
        char *copy = malloc((size_t)length + 1);
        char *id = strdup(message_id);
        if (copy == NULL || id == NULL) fail("out of memory");
        memcpy(copy, body, (size_t)length + 1);
        messages[i] = (Outgoing){.exchange = exchange, .key = key, .message_id = id, .body = {.len = (size_t)length, .bytes = copy}};
    }
    amqp_connection_state_t connection = connect_amqp(argv[1], atoi(argv[2]), argv[3], argv[4], argv[5]);
    return publish_all(connection, messages, count, rate, window);
}

/* FILE's lines, each `EXCHANGE<TAB>KEY<TAB>MESSAGE_ID<TAB>BODY` (a JSON body holds no raw tab
 * or newline), as messages to publish; COUNT is set to how many. The file's memory is kept. */
static Outgoing *read_messages(const char *path, long *count) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) fail("cannot open %s", path);
    if (fseek(file, 0, SEEK_END) != 0) fail("cannot read %s", path);
    long size = ftell(file);
    if (size < 0 || fseek(file, 0, SEEK_SET) != 0) fail("cannot read %s", path);
    char *text = malloc((size_t)size + 1);
    if (text == NULL) fail("out of memory");
    if (fread(text, 1, (size_t)size, file) != (size_t)size) fail("cannot read %s", path);
    fclose(file);
    text[size] = '\0';
    long lines = 0;
    for (long i = 0; i < size; i++) lines += text[i] == '\n';
    Outgoing *messages = calloc((size_t)lines + 1, sizeof *messages);
    if (messages == NULL) fail("out of memory");
    long n = 0;
    char *line = text;
    while (line < text + size) {
        char *end = strchr(line, '\n');
        if (end == NULL) fail("%s: the last line has no newline", path);
        *end = '\0';
        char *fields[4] = {line, NULL, NULL, NULL};
        for (int f = 1; f < 4; f++) {
            char *tab = strchr(fields[f - 1], '\t');
            if (tab == NULL) fail("%s: line %ld is not EXCHANGE, KEY, MESSAGE_ID and BODY separated by tabs", path, n + 1);
            *tab = '\0';
            fields[f] = tab + 1;
        }
        messages[n++] = (Outgoing){.exchange = fields[0], .key = fields[1], .message_id = fields[2],
                                   .body = {.len = (size_t)(end - fields[3]), .bytes = fields[3]}};
        line = end + 1;
    }
    *count = n;
    return messages;
}

static int run_file_publisher(int argc, char **argv) {
    if (argc != 9) fail("usage: floor_pipeline publish-file HOST PORT USER PASSWORD VHOST FILE RATE WINDOW");
    double rate = atof(argv[7]);
    long window = atol(argv[8]), count = 0;
    if (rate < 0 || window <= 0) fail("WINDOW must be positive, RATE 0 or more");
    Outgoing *messages = read_messages(argv[6], &count);
    if (count <= 0) fail("%s holds no message", argv[6]);
    amqp_connection_state_t connection = connect_amqp(argv[1], atoi(argv[2]), argv[3], argv[4], argv[5]);
    return publish_all(connection, messages, count, rate, window);
}

static int run_observer(int argc, char **argv) {
    if (argc != 9) fail("usage: floor_pipeline observe HOST PORT USER PASSWORD VHOST EXCHANGE COUNT IDLE_SECONDS");
    const char *exchange = argv[6];
    long count = atol(argv[7]);
    double idle_seconds = atof(argv[8]);
    if (count <= 0 || idle_seconds <= 0) fail("COUNT and IDLE_SECONDS must be positive");
    amqp_connection_state_t connection = connect_amqp(argv[1], atoi(argv[2]), argv[3], argv[4], argv[5]);
    amqp_queue_declare_ok_t *declared =
        amqp_queue_declare(connection, CHANNEL, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(connection), "queue.declare");
    amqp_bytes_t queue = amqp_bytes_malloc_dup(declared->queue);
    amqp_queue_bind(connection, CHANNEL, queue, amqp_cstring_bytes(exchange), amqp_empty_bytes, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(connection), "queue.bind");
    amqp_basic_consume(connection, CHANNEL, queue, amqp_empty_bytes, 0, 1, 1, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(connection), "basic.consume");
    printf("{\"ready\": true}\n");
    fflush(stdout);

    double *seen_at = calloc((size_t)count, sizeof *seen_at);
    if (seen_at == NULL) fail("out of memory");
    long seen = 0, duplicates = 0, foreign = 0;
    double last = monotonic_seconds();
    while (seen < count && !stopping && monotonic_seconds() - last < idle_seconds) {
        amqp_envelope_t envelope;
        if (!take_delivery(connection, &envelope, 200)) continue;
        double now = monotonic_seconds();
        /* The index: `"i": N` in the body the publisher wrote (a stage passes it on as is). */
        char text[64] = {0};
        amqp_bytes_t body = envelope.message.body;
        const char *found = NULL;
        for (size_t at = 0; at + 5 < body.len && found == NULL; at++) {
            if (memcmp((const char *)body.bytes + at, "\"i\": ", 5) == 0) found = (const char *)body.bytes + at + 5;
        }
        long index = -1;
        if (found != NULL) {
            size_t room = (size_t)((const char *)body.bytes + body.len - found);
            memcpy(text, found, room < sizeof text - 1 ? room : sizeof text - 1);
            char *end = NULL;
            index = strtol(text, &end, 10);
            if (end == text) index = -1;
        }
        amqp_destroy_envelope(&envelope);
        if (index < 0 || index >= count) {
            foreign++;
        } else if (seen_at[index] != 0) {
            duplicates++;
        } else {
            seen_at[index] = now;
            seen++;
            last = now;
        }
    }
    printf("{\"seen\": %ld, \"duplicates\": %ld, \"foreign\": %ld, \"seen_at\": [", seen, duplicates, foreign);
    const char *separator = "";
    for (long i = 0; i < count; i++) {
        if (seen_at[i] == 0) continue;
        printf("%s[%ld, %.6f]", separator, i, seen_at[i]);
        separator = ", ";
    }
    printf("]}\n");
    fflush(stdout);
    return 0;
}

/* The string value of "message_id" in BODY (a Switchboard event's `data.message_id`), copied
 * into OUT (ROOM bytes); 0 when the body has none (a system entry) or it is not a string. */
static int message_id_of(amqp_bytes_t body, char *out, size_t room) {
    static const char name[] = "\"message_id\"";
    const char *text = body.bytes, *end = text + body.len;
    for (const char *at = text; at + sizeof name - 1 <= end; at++) {
        if (memcmp(at, name, sizeof name - 1) != 0) continue;
        const char *p = at + sizeof name - 1;
        while (p < end && (*p == ' ' || *p == ':')) p++;
        if (p >= end || *p != '"') return 0;
        const char *value = ++p;
        while (p < end && *p != '"') p++;
        size_t length = (size_t)(p - value);
        if (p >= end || length == 0 || length >= room) return 0;
        memcpy(out, value, length);
        out[length] = '\0';
        return 1;
    }
    return 0;
}

/* The message ids seen of one routing key: an open-addressing set of strings. */
typedef struct {
    char **slots;
    size_t capacity, count;
} IdSet;

static uint64_t hash_text(const char *text) {
    uint64_t hash = 1469598103934665603ULL;
    for (; *text; text++) hash = (hash ^ (unsigned char)*text) * 1099511628211ULL;
    return hash;
}

/* Adds ID; 0 if it was there already. */
static int id_set_add(IdSet *set, const char *id) {
    if ((set->count + 1) * 2 > set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 4096;
        char **slots = calloc(capacity, sizeof *slots);
        if (slots == NULL) fail("out of memory");
        for (size_t i = 0; i < set->capacity; i++) {
            if (set->slots[i] == NULL) continue;
            size_t at = hash_text(set->slots[i]) % capacity;
            while (slots[at] != NULL) at = (at + 1) % capacity;
            slots[at] = set->slots[i];
        }
        free(set->slots);
        set->slots = slots;
        set->capacity = capacity;
    }
    size_t at = hash_text(id) % set->capacity;
    while (set->slots[at] != NULL) {
        if (strcmp(set->slots[at], id) == 0) return 0;
        at = (at + 1) % set->capacity;
    }
    set->slots[at] = strdup(id);
    if (set->slots[at] == NULL) fail("out of memory");
    set->count++;
    return 1;
}

static int run_event_observer(int argc, char **argv) {
    if (argc != 12) {
        fail("usage: floor_pipeline observe-events HOST PORT USER PASSWORD VHOST EXCHANGE KEY SECOND_KEY COUNT IDLE_SECONDS "
             "GRACE_SECONDS");
    }
    const char *exchange = argv[6], *key = argv[7], *second_key = argv[8];
    long count = atol(argv[9]);
    double idle_seconds = atof(argv[10]), grace_seconds = atof(argv[11]);
    if (count <= 0 || idle_seconds <= 0 || grace_seconds < 0) fail("COUNT and IDLE_SECONDS must be positive, GRACE_SECONDS 0 or more");
    int second = strcmp(second_key, "-") != 0;
    amqp_connection_state_t connection = connect_amqp(argv[1], atoi(argv[2]), argv[3], argv[4], argv[5]);
    amqp_queue_declare_ok_t *declared =
        amqp_queue_declare(connection, CHANNEL, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(connection), "queue.declare");
    amqp_bytes_t queue = amqp_bytes_malloc_dup(declared->queue);
    for (int k = 0; k < 1 + second; k++) {
        amqp_queue_bind(connection, CHANNEL, queue, amqp_cstring_bytes(exchange), amqp_cstring_bytes(k ? second_key : key),
                        amqp_empty_table);
        check_reply(amqp_get_rpc_reply(connection), "queue.bind");
    }
    amqp_basic_qos(connection, CHANNEL, 0, 2000, 0);
    check_reply(amqp_get_rpc_reply(connection), "basic.qos");
    amqp_basic_consume(connection, CHANNEL, queue, amqp_empty_bytes, 0, 1, 1, amqp_empty_table);
    check_reply(amqp_get_rpc_reply(connection), "basic.consume");
    printf("{\"ready\": true}\n");
    fflush(stdout);

    /* Every delivery kept until the end, printed then: writing while measuring would cost the
     * machine being measured, and a reader that waits for the end would block the writer. */
    Buffer seen = {0};
    IdSet firsts = {0}, seconds = {0};
    long duplicates = 0;
    double last = monotonic_seconds(), grace_until = 0;
    int waiting_for_second = 0; /* KEY's part is over: COUNT seen, or none came for IDLE_SECONDS */
    while (!stopping) {
        double now = monotonic_seconds();
        if (!waiting_for_second && ((long)firsts.count >= count || now - last >= idle_seconds)) {
            waiting_for_second = 1;
            grace_until = now + grace_seconds;
        }
        if (waiting_for_second && (!second || seconds.count >= firsts.count || now >= grace_until)) break;
        amqp_envelope_t envelope;
        if (!take_delivery(connection, &envelope, 200)) continue;
        now = monotonic_seconds();
        char id[128];
        amqp_bytes_t routing = envelope.routing_key, body = envelope.message.body;
        int is_first = routing.len == strlen(key) && memcmp(routing.bytes, key, routing.len) == 0;
        if (message_id_of(body, id, sizeof id)) {
            if (is_first) {
                if (id_set_add(&firsts, id)) {
                    last = now;
                } else {
                    duplicates++;
                }
            } else {
                id_set_add(&seconds, id);
            }
        }
        amqp_basic_properties_t *p = &envelope.message.properties;
        int has_id = (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0;
        append(&seen, "%.6f\t%.*s\t%.*s\t%zu\n", now, (int)routing.len, (const char *)routing.bytes,
               has_id ? (int)p->message_id.len : 0, has_id ? (const char *)p->message_id.bytes : "", body.len);
        reserve(&seen, body.len + 2);
        memcpy(seen.text + seen.length, body.bytes, body.len);
        seen.length += body.len;
        seen.text[seen.length++] = '\n';
        seen.text[seen.length] = '\0';
        amqp_destroy_envelope(&envelope);
    }
    printf("{\"seen\": %zu, \"duplicates\": %ld}\n", firsts.count, duplicates);
    if (seen.length) fwrite(seen.text, 1, seen.length, stdout);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    if (argc >= 2 && strcmp(argv[1], "stage") == 0) return run_stage(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "publish") == 0) return run_publisher(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "observe") == 0) return run_observer(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "publish-file") == 0) return run_file_publisher(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "observe-events") == 0) return run_event_observer(argc - 1, argv + 1);
    fail("usage: floor_pipeline stage|publish|observe|publish-file|observe-events ... (see the comment at the top of "
         "bench_floor_pipeline.c)");
    return 1;
}
