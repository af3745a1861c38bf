/*
 * librdkafka's mock cluster (one broker) on a real loopback port, for developing the consumer-group tests against
 * an independent group coordinator (SAMSA_GROUP_TEST_TARGET=mock, see test/helpers/group-target.ts). Creates each
 * `topic:partitions` argument, prints the bootstrap address on a line, then serves until stdin closes.
 *
 *   mock-cluster <topic:partitions>...
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof err) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "config: %s\n", err);
    return 2;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "mock: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *cluster = rd_kafka_handle_mock_cluster(rk);
  for (int i = 1; i < argc; i++) {
    char *colon = strrchr(argv[i], ':');
    if (colon == NULL) {
      fprintf(stderr, "expected topic:partitions, got %s\n", argv[i]);
      return 2;
    }
    *colon = '\0';
    rd_kafka_mock_topic_create(cluster, argv[i], atoi(colon + 1), 1);
  }
  printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  fflush(stdout);
  while (getchar() != EOF) {
  }
  rd_kafka_destroy(rk);
  return 0;
}
