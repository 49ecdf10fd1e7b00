#!/usr/bin/env bash
# A throwaway 3-master Redis Cluster on loopback, for tests and for trying chatbatch on a cluster.
#
#   scripts/redis-cluster.sh start <dir> <base-port>   # masters on base-port, +1, +2
#   scripts/redis-cluster.sh stop  <dir>
#
# Each node keeps its nodes.conf, pid file and log in <dir>/node-<port>/ (nothing else on disk:
# no RDB, no AOF). Cluster buses use port+10000. `start` prints the REDIS_URL to use and returns
# once every node reports cluster_state:ok; if the cluster does not form it stops what it started.
# `stop` ends the servers listed in <dir> and removes their node-* folders.
set -euo pipefail

usage() {
  echo "usage: $0 start <dir> <base-port> | stop <dir>" >&2
  exit 2
}

MASTERS=3
READY_TIMEOUT_S=${REDIS_CLUSTER_READY_TIMEOUT_S:-20}

stop_nodes() {
  local dir=$1 pidfile pid
  shopt -s nullglob
  for pidfile in "$dir"/node-*/redis.pid; do
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pidfile in "$dir"/node-*/redis.pid; do
    pid=$(cat "$pidfile" 2>/dev/null || true)
    for _ in $(seq 1 50); do
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$dir"/node-*
}

wait_for() {
  # wait_for <seconds> <description> <command…>: polls every 0.1 s.
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "redis-cluster: timed out after ${seconds}s waiting for $what" >&2
  return 1
}

cluster_ok() {
  redis-cli -h 127.0.0.1 -p "$1" cluster info | grep -q '^cluster_state:ok'
}

start_nodes() {
  local dir=$1 base=$2 port node i addresses=()
  mkdir -p "$dir"
  trap 'stop_nodes "$dir"' ERR
  for i in $(seq 0 $((MASTERS - 1))); do
    port=$((base + i))
    node="$dir/node-$port"
    mkdir -p "$node"
    redis-server --port "$port" --bind 127.0.0.1 \
      --cluster-enabled yes --cluster-config-file "$node/nodes.conf" \
      --cluster-node-timeout 5000 \
      --save "" --appendonly no --dir "$node" \
      --maxmemory-policy noeviction \
      --daemonize yes --pidfile "$node/redis.pid" --logfile "$node/redis.log"
    addresses+=("127.0.0.1:$port")
  done
  for i in $(seq 0 $((MASTERS - 1))); do
    wait_for 10 "redis-server on port $((base + i))" redis-cli -h 127.0.0.1 -p $((base + i)) ping
  done
  redis-cli --cluster create "${addresses[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 ||
    {
      cat "$dir/create.log" >&2
      false
    }
  for i in $(seq 0 $((MASTERS - 1))); do
    wait_for "$READY_TIMEOUT_S" "cluster_state:ok on port $((base + i))" cluster_ok $((base + i))
  done
  trap - ERR
  local IFS=,
  echo "redis+cluster://${addresses[*]}"
}

case "${1:-}" in
  start)
    [ $# -eq 3 ] || usage
    [[ $3 =~ ^[0-9]+$ ]] && [ "$3" -ge 1024 ] && [ "$3" -le $((55535 - MASTERS)) ] || {
      echo "redis-cluster: base port must be 1024..$((55535 - MASTERS)) (the bus uses port+10000)" >&2
      exit 2
    }
    start_nodes "$2" "$3"
    ;;
  stop)
    [ $# -eq 2 ] || usage
    stop_nodes "$2"
    ;;
  *) usage ;;
esac
