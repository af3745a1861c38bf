/*
 * Produce then consume `count` messages of `size` bytes through librdkafka, and print the two phases' times as
 * JSON. Target: a broker at `bootstrap`, or "mock" for librdkafka's in-process mock cluster (one broker,
 * test.mock.num.brokers), the reference `npm run bench broker` compares Samsa with. The mock keeps only the last
 * ~5 MB of a partition (its built-in retention), so `count` x `size` must stay below that for the consume phase
 * to read everything.
 *
 *   rdkafka-perf <bootstrap|mock> <topic> <count> <size> <acks>
 *   rdkafka-perf serve <topic>    runs a mock cluster with a one-partition topic for other clients: prints its
 *                                 bootstrap address on a line, then serves until stdin closes
 *   rdkafka-perf produce <bootstrap> <topic> <partitions> <count> <size> <acks>
 *                                 produce only, record i to partition i % partitions, after one untimed record
 *                                 to each partition (connections to every leader and their metadata are set-up,
 *                                 not throughput); prints {"produceMs":...}
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s: %s\n", key, err);
    exit(2);
  }
}

static long delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (failed++ == 0) fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    delivered++;
  }
}

static int serve(const char *topic) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "test.mock.num.brokers", "1");
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "mock: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_handle_mock_cluster(rk);
  rd_kafka_mock_topic_create(cluster, topic, 1, 1);
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);
  while (getchar() != EOF) {
  }
  rd_kafka_destroy(rk);
  return 0;
}

/* Produces record i of `count` to partition i % partitions and waits for every delivery report; 0 when all were
 * delivered. Resets the delivery counters first. */
static int produce_all(rd_kafka_t *rk, const char *topic, int partitions, long count, char *payload, size_t size) {
  delivered = failed = 0;
  for (long i = 0; i < count; i++) {
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(i % partitions),
                                                RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        fprintf(stderr, "produce: %s\n", rd_kafka_err2str(e));
        return 1;
      }
      rd_kafka_poll(rk, 10);
    }
    rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, 120000);
  if (delivered != count) {
    fprintf(stderr, "delivered %ld of %ld (%ld failed)\n", delivered, count, failed);
    return 1;
  }
  return 0;
}

/* A producer to `target`, a bootstrap list or "mock" (an in-process mock cluster of one broker). */
static rd_kafka_t *new_producer(const char *target, const char *acks) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (strcmp(target, "mock") == 0) set(conf, "test.mock.num.brokers", "1");
  else set(conf, "bootstrap.servers", target);
  set(conf, "acks", acks);
  set(conf, "linger.ms", "5");
  set(conf, "enable.idempotence", "false");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) fprintf(stderr, "producer: %s\n", err);
  return rk;
}

static int produce_only(char **argv) {
  const char *bootstrap = argv[0], *topic = argv[1], *acks = argv[5];
  int partitions = atoi(argv[2]);
  long count = atol(argv[3]);
  size_t size = (size_t)atol(argv[4]);
  if (partitions < 1) {
    fprintf(stderr, "partitions must be at least 1\n");
    return 2;
  }
  rd_kafka_t *producer = new_producer(bootstrap, acks);
  if (!producer) return 1;
  char *payload = malloc(size);
  memset(payload, 'x', size);
  if (produce_all(producer, topic, partitions, partitions, payload, size) != 0) return 1;
  double start = now_ms();
  if (produce_all(producer, topic, partitions, count, payload, size) != 0) return 1;
  double produce_ms = now_ms() - start;
  rd_kafka_destroy(producer);
  free(payload);
  printf("{\"produceMs\":%.1f}\n", produce_ms);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
  if (argc == 8 && strcmp(argv[1], "produce") == 0) return produce_only(argv + 2);
  if (argc != 6) {
    fprintf(stderr, "usage: rdkafka-perf <bootstrap|mock> <topic> <count> <size> <acks>\n"
                    "       rdkafka-perf produce <bootstrap> <topic> <partitions> <count> <size> <acks>\n");
    return 2;
  }
  const char *target = argv[1], *topic = argv[2], *acks = argv[5];
  long count = atol(argv[3]);
  size_t size = (size_t)atol(argv[4]);
  int mock = strcmp(target, "mock") == 0;
  char err[512];

  rd_kafka_t *producer = new_producer(target, acks);
  if (!producer) return 1;
  const char *bootstrap = target;
  if (mock) {
    rd_kafka_mock_cluster_t *cluster = rd_kafka_handle_mock_cluster(producer);
    rd_kafka_mock_topic_create(cluster, topic, 1, 1);
    bootstrap = rd_kafka_mock_cluster_bootstraps(cluster);
  }

  char *payload = malloc(size);
  memset(payload, 'x', size);
  double start = now_ms();
  if (produce_all(producer, topic, 1, count, payload, size) != 0) return 1;
  double produce_ms = now_ms() - start;

  rd_kafka_conf_t *cconf = rd_kafka_conf_new();
  set(cconf, "bootstrap.servers", bootstrap);
  set(cconf, "fetch.wait.max.ms", "100");
  /* small fetches, so the few MB the mock retains take many request round trips: the broker's fetch path is
   * what is measured, not one large copy */
  set(cconf, "fetch.message.max.bytes", "65536");
  rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
  if (!consumer) {
    fprintf(stderr, "consumer: %s\n", err);
    return 1;
  }
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(consumer, topic, NULL);
  /* connect and learn the leader before the clock starts: setting up is not throughput */
  const struct rd_kafka_metadata *metadata;
  if (rd_kafka_metadata(consumer, 0, rkt, &metadata, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fprintf(stderr, "metadata: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
    return 1;
  }
  rd_kafka_metadata_destroy(metadata);
  start = now_ms();
  if (rd_kafka_consume_start(rkt, 0, RD_KAFKA_OFFSET_BEGINNING) == -1) {
    fprintf(stderr, "consume_start: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
    return 1;
  }
  long consumed = 0;
  rd_kafka_message_t *batch[10000];
  while (consumed < count) {
    /* it waits until the array is full or the timeout passes: ask for no more than remain */
    size_t want = count - consumed < 10000 ? (size_t)(count - consumed) : 10000;
    ssize_t n = rd_kafka_consume_batch(rkt, 0, 1000, batch, want);
    for (ssize_t i = 0; i < n; i++) {
      if (!batch[i]->err) consumed++;
      rd_kafka_message_destroy(batch[i]);
    }
    if (now_ms() - start > 120000) {
      fprintf(stderr, "consumed %ld of %ld before giving up\n", consumed, count);
      return 1;
    }
  }
  double consume_ms = now_ms() - start;
  rd_kafka_consume_stop(rkt, 0);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(consumer);
  rd_kafka_destroy(producer);
  free(payload);
  printf("{\"produceMs\":%.1f,\"consumeMs\":%.1f}\n", produce_ms, consume_ms);
  return 0;
}
