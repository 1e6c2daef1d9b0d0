#!/usr/bin/env bash
# The real Apache Kafka broker in KRaft mode (one combined broker+controller) on loopback.
#   scripts/kafka.sh up|down|status|destroy INSTANCE PORT CONTROLLER_PORT
# The broker's jars come from Maven Central through scripts/kafka/pom.xml (the pinned version
# lives there). `up` is idempotent and formats storage only on the first start.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cmd=${1:?usage: kafka.sh up|down|status|destroy INSTANCE PORT CONTROLLER_PORT}
instance=${2:?instance name}
port=${3:?broker port}
cport=${4:?controller port}
dir="$(state_root)/$instance/kafka"
pidfile="$dir/kafka.pid"
POM="$REPO_ROOT/scripts/kafka/pom.xml"
LIBS="$REPO_ROOT/.local/kafka/libs"

# Fetches the jars once per pom version; a stamp holds the pom's hash so that a version bump in
# the pom refetches instead of running a stale broker.
fetch_jars() {
  local want have=""
  want=$(sha1sum "$POM" | cut -c1-40)
  [ -f "$LIBS/.pom-sha1" ] && have=$(cat "$LIBS/.pom-sha1")
  [ "$want" = "$have" ] && return
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka broker: apt-get install maven"
  command -v java >/dev/null || die "Java 17+ is needed to run the Kafka broker: apt-get install openjdk-17-jre-headless"
  log "fetching the Kafka broker's jars from Maven Central (once)"
  rm -rf "$LIBS" && mkdir -p "$LIBS"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIBS" >"$REPO_ROOT/.local/kafka/mvn.log" 2>&1 \
    || { tail -n 30 "$REPO_ROOT/.local/kafka/mvn.log" >&2; die "Maven could not fetch the Kafka jars"; }
  echo "$want" >"$LIBS/.pom-sha1"
}

write_config() {
  mkdir -p "$dir/data"
  # Tuned for a single local node and fast tests: replication factors of 1, no initial
  # rebalance delay, few internal partitions. Topics are never auto-created: the relay creates
  # posts.events.v1 with its configured partitions and cleanup.policy=delete.
  cat >"$dir/server.properties" <<CONF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
CONF
  cat >"$dir/log4j2.properties" <<'CONF'
rootLogger.level=WARN
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka.server.KafkaRaftServer
logger.kafka.level=INFO
CONF
}

java_args() {
  JAVA_ARGS=(-Xms256m "-Xmx${KAFKA_HEAP:-768m}" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$dir/log4j2.properties" -cp "$LIBS/*")
}
java_cmd() { java_args; java "${JAVA_ARGS[@]}" "$@"; }

up() {
  if pid_alive "$pidfile"; then log "Kafka '$instance' already running on 127.0.0.1:$port"; return; fi
  fetch_jars
  if port_in_use "$port" || port_in_use "$cport"; then
    die "port $port or $cport is taken by another program; Kafka '$instance' cannot start"
  fi
  write_config
  if [ ! -f "$dir/data/meta.properties" ]; then
    java_cmd kafka.tools.StorageTool format -t "$(java_cmd kafka.tools.StorageTool random-uuid)" \
      -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
      || { cat "$dir/format.log" >&2; die "formatting Kafka storage failed"; }
  fi
  : >"$dir/server.log"
  java_args
  # setsid: the broker outlives this script and ignores the terminal's Ctrl-C; `down` stops it.
  nohup setsid java "${JAVA_ARGS[@]}" kafka.Kafka "$dir/server.properties" \
    >"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  until grep -q "Kafka Server started" "$dir/server.log"; do
    pid_alive "$pidfile" || { tail -n 40 "$dir/server.log" >&2; die "Kafka '$instance' exited during start (log: $dir/server.log)"; }
    ((SECONDS < deadline)) || { tail -n 40 "$dir/server.log" >&2; die "Kafka '$instance' not ready in time (log: $dir/server.log)"; }
    sleep 0.3
  done
  wait_for_port 30 "$port" || die "Kafka '$instance' does not accept connections on $port"
  log "Kafka '$instance' ready on 127.0.0.1:$port (data: $dir/data)"
}

down() {
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$pidfile"
  log "Kafka '$instance' stopped"
}

case "$cmd" in
  up) up ;;
  down) down ;;
  status) if pid_alive "$pidfile"; then echo "running"; else echo "stopped"; exit 3; fi ;;
  destroy) down; rm -rf "$dir" ;;
  fetch) fetch_jars ;;
  *) die "unknown command '$cmd' (up|down|status|destroy|fetch)" ;;
esac
