/*
 * Consumer-group timings through librdkafka's high-level KafkaConsumer, printed as JSON, for `npm run bench groups`.
 * Target: a broker at `bootstrap`, or "mock" for librdkafka's in-process mock cluster (one broker), the reference
 * Samsa is compared with.
 *
 *   rdkafka-group <bootstrap|mock> <topic> <partitions> <group> <members> <extra> <session_ms> <heartbeat_ms>
 *
 * `members` consumers (one rd_kafka_t each, each polled from its own thread) subscribe to `topic` in `group`
 * back to back. formMs: from the last member's rd_kafka_subscribe until every member holds an assignment and the
 * assignments split all `partitions` among them (with one member: "subscribe to first assignment"). When `extra`
 * is 1, one more consumer then joins the Stable group; rebalanceMs: from its rd_kafka_subscribe until all
 * members + 1 received their new assignment (an ASSIGN_PARTITIONS callback after that instant) and the new
 * assignments again split every partition. Each handle has fetched the topic's metadata before any clock starts,
 * so connecting to the broker is not counted. The mock has the topic created with `partitions` partitions; against
 * a broker the topic must exist.
 *
 * RDKAFKA_DEBUG in the environment sets librdkafka's `debug` on the consumers (e.g. cgrp) for diagnosis.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MEMBERS 64
#define PHASE_TIMEOUT_MS 120000.0

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

/* What one member knows of its assignment; written by its poll thread (in the rebalance callback), read by main. */
struct member {
  rd_kafka_t *rk;
  pthread_t thread;
  int assigned;          /* holds an assignment from its latest ASSIGN_PARTITIONS, not revoked since */
  int partitions;        /* how many, when assigned */
  unsigned long long *owned; /* bitmap of owned partitions, when assigned */
  double last_assign_ms; /* when its latest ASSIGN_PARTITIONS arrived */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct member members[MAX_MEMBERS];
static int partition_count;
static volatile int stopping;

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
  struct member *m = opaque;
  double t = now_ms();
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, parts);
    pthread_mutex_lock(&lock);
    memset(m->owned, 0, sizeof(unsigned long long) * ((partition_count + 63) / 64));
    for (int i = 0; i < parts->cnt; i++) {
      int p = parts->elems[i].partition;
      if (p >= 0 && p < partition_count) m->owned[p / 64] |= 1ULL << (p % 64);
    }
    m->partitions = parts->cnt;
    m->assigned = 1;
    m->last_assign_ms = t;
    pthread_mutex_unlock(&lock);
  } else {
    pthread_mutex_lock(&lock);
    m->assigned = 0;
    pthread_mutex_unlock(&lock);
    rd_kafka_assign(rk, NULL);
  }
}

static void *poll_loop(void *arg) {
  struct member *m = arg;
  while (!stopping) {
    rd_kafka_message_t *msg = rd_kafka_consumer_poll(m->rk, 20);
    if (msg) rd_kafka_message_destroy(msg);
  }
  rd_kafka_consumer_close(m->rk);
  return NULL;
}

static rd_kafka_t *new_consumer(struct member *m, const char *bootstrap, const char *group, const char *session_ms,
                                const char *heartbeat_ms) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", bootstrap);
  set(conf, "group.id", group);
  set(conf, "session.timeout.ms", session_ms);
  set(conf, "heartbeat.interval.ms", heartbeat_ms);
  /* no commits: the join/sync path is what is timed, not offset traffic */
  set(conf, "enable.auto.commit", "false");
  const char *debug = getenv("RDKAFKA_DEBUG");
  if (debug && *debug) set(conf, "debug", debug);
  rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  rd_kafka_conf_set_opaque(conf, m);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "consumer: %s\n", err);
    exit(1);
  }
  rd_kafka_poll_set_consumer(rk);
  return rk;
}

/* Connect and learn the topic before any clock starts: connection setup is not group coordination. */
static void warm_up(rd_kafka_t *rk, const char *topic) {
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  const struct rd_kafka_metadata *md;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fprintf(stderr, "metadata: %s\n", rd_kafka_err2str(e));
    exit(1);
  }
  int found = md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR
                  ? md->topics[0].partition_cnt
                  : -1;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  if (found != partition_count) {
    fprintf(stderr, "topic %s has %d partitions, expected %d\n", topic, found, partition_count);
    exit(1);
  }
}

static void subscribe(rd_kafka_t *rk, const char *topic) {
  rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    fprintf(stderr, "subscribe: %s\n", rd_kafka_err2str(e));
    exit(1);
  }
}

/*
 * True when members [0, n) each hold an assignment received after `since` and together own every partition
 * exactly once, i.e. all of them are in one settled generation. Sets *done_ms to the latest of those arrivals.
 */
static int settled(int n, double since, double *done_ms) {
  int words = (partition_count + 63) / 64, total = 0, ok = 1;
  unsigned long long seen[(MAX_MEMBERS * 4 + 63) / 64] = {0};
  double latest = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < n && ok; i++) {
    struct member *m = &members[i];
    if (!m->assigned || m->last_assign_ms < since) {
      ok = 0;
      break;
    }
    total += m->partitions;
    for (int w = 0; w < words; w++) {
      if (seen[w] & m->owned[w]) ok = 0;
      seen[w] |= m->owned[w];
    }
    if (m->last_assign_ms > latest) latest = m->last_assign_ms;
  }
  pthread_mutex_unlock(&lock);
  if (!ok || total != partition_count) return 0;
  *done_ms = latest;
  return 1;
}

static double wait_settled(int n, double since, const char *phase) {
  double done = 0;
  struct timespec pause = {0, 1000000};
  while (!settled(n, since, &done)) {
    if (now_ms() - since > PHASE_TIMEOUT_MS) {
      pthread_mutex_lock(&lock);
      fprintf(stderr, "%s: no settled assignment after %.0f ms; members (assigned, partitions):", phase,
              PHASE_TIMEOUT_MS);
      for (int i = 0; i < n; i++) fprintf(stderr, " %d:(%d,%d)", i, members[i].assigned, members[i].partitions);
      fprintf(stderr, "\n");
      pthread_mutex_unlock(&lock);
      exit(1);
    }
    nanosleep(&pause, NULL);
  }
  return done - since;
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: rdkafka-group <bootstrap|mock> <topic> <partitions> <group> <members> <extra 0|1> "
                    "<session_ms> <heartbeat_ms>\n");
    return 2;
  }
  const char *target = argv[1], *topic = argv[2], *group = argv[4], *session_ms = argv[7], *heartbeat_ms = argv[8];
  partition_count = atoi(argv[3]);
  int n = atoi(argv[5]), extra = atoi(argv[6]) ? 1 : 0;
  if (n < 1 || n + extra > MAX_MEMBERS || partition_count < n + extra || partition_count > MAX_MEMBERS * 4) {
    fprintf(stderr, "need 1 <= members (+extra) <= %d and members (+extra) <= partitions <= %d\n", MAX_MEMBERS,
            MAX_MEMBERS * 4);
    return 2;
  }

  rd_kafka_t *mock_owner = NULL;
  const char *bootstrap = target;
  if (strcmp(target, "mock") == 0) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "test.mock.num.brokers", "1");
    mock_owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!mock_owner) {
      fprintf(stderr, "mock: %s\n", err);
      return 1;
    }
    rd_kafka_mock_cluster_t *cluster = rd_kafka_handle_mock_cluster(mock_owner);
    rd_kafka_mock_topic_create(cluster, topic, partition_count, 1);
    bootstrap = rd_kafka_mock_cluster_bootstraps(cluster);
  }

  int total = n + extra;
  for (int i = 0; i < total; i++) {
    members[i].owned = calloc((partition_count + 63) / 64, sizeof(unsigned long long));
    members[i].rk = new_consumer(&members[i], bootstrap, group, session_ms, heartbeat_ms);
    warm_up(members[i].rk, topic);
  }
  for (int i = 0; i < total; i++) pthread_create(&members[i].thread, NULL, poll_loop, &members[i]);

  for (int i = 0; i < n - 1; i++) subscribe(members[i].rk, topic);
  double start = now_ms();
  subscribe(members[n - 1].rk, topic);
  double form_ms = wait_settled(n, start, "form");
  printf("{\"formMs\":%.1f", form_ms);
  if (extra) {
    start = now_ms();
    subscribe(members[n].rk, topic);
    printf(",\"rebalanceMs\":%.1f", wait_settled(total, start, "rebalance"));
  }
  printf("}\n");
  fflush(stdout);

  stopping = 1;
  for (int i = 0; i < total; i++) pthread_join(members[i].thread, NULL);
  for (int i = 0; i < total; i++) {
    rd_kafka_destroy(members[i].rk);
    free(members[i].owned);
  }
  if (mock_owner) rd_kafka_destroy(mock_owner);
  return 0;
}
