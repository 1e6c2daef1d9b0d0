#!/usr/bin/env bash
# Starts or stops the local PostgreSQL and Kafka of one instance, with its fixed ports:
#   run  — what `make run` uses: PostgreSQL 127.0.0.1:54320, Kafka 127.0.0.1:19092 (+19093)
#   test — what `make test` uses: PostgreSQL 127.0.0.1:54330, Kafka 127.0.0.1:29092 (+29093)
#   bench — what the benchmarks use: PostgreSQL 127.0.0.1:54340, Kafka 127.0.0.1:39092 (+39093)
# Separate instances let the suite run while `make run` is up.
#   scripts/services.sh up|down|status|destroy run|test
set -euo pipefail
here=$(dirname "$0")
cmd=${1:?usage: services.sh up|down|status|destroy run|test|bench}
instance=${2:-run}
case "$instance" in
  run) pg=54320 kafka=19092 ctrl=19093 ;;
  # The suite reads the same two variables (tests/support/services.py), so a second checkout
  # can run its suite beside this one's by choosing other ports.
  test)
    pg=${POST_SERVICE_TEST_PG_PORT:-54330}
    kafka=${POST_SERVICE_TEST_KAFKA_PORT:-29092}
    ctrl=${POST_SERVICE_TEST_KAFKA_CONTROLLER_PORT:-$((kafka + 1))} ;;
  bench) pg=54340 kafka=39092 ctrl=39093 ;;
  *) echo "error: unknown instance '$instance' (run|test|bench)" >&2; exit 1 ;;
esac
case "$cmd" in
  up) "$here/pg.sh" up "$instance" "$pg" && "$here/kafka.sh" up "$instance" "$kafka" "$ctrl" ;;
  down) "$here/kafka.sh" down "$instance" "$kafka" "$ctrl"; "$here/pg.sh" down "$instance" "$pg" ;;
  destroy) "$here/kafka.sh" destroy "$instance" "$kafka" "$ctrl"; "$here/pg.sh" destroy "$instance" "$pg" ;;
  status)
    echo "postgresql 127.0.0.1:$pg $("$here/pg.sh" status "$instance" "$pg" || true)"
    echo "kafka      127.0.0.1:$kafka $("$here/kafka.sh" status "$instance" "$kafka" "$ctrl" || true)" ;;
  *) echo "error: unknown command '$cmd'" >&2; exit 1 ;;
esac
