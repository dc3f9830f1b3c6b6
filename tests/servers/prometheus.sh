#!/usr/bin/env bash
# Start or stop a throwaway Prometheus for the adapter tests: Debian's package, on 127.0.0.1, no
# systemd, config and TSDB in one folder, scraping every 1 s the targets listed in DIR/targets.json
# (the tests write that file; file_sd re-reads it, so targets can come and go while it runs).
# Usage: prometheus.sh start DIR PORT | prometheus.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?state folder}
if ! command -v prometheus >/dev/null 2>&1; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus
fi
case "$cmd" in
  start)
    port=${3:-19090}
    mkdir -p "$dir/data"
    [ -f "$dir/targets.json" ] || echo '[]' > "$dir/targets.json"
    cat > "$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: qianyun-test
    honor_labels: true   # the test exporter speaks for several hosts through its own instance labels
    scrape_timeout: 1s
    file_sd_configs:
      - files: ["$dir/targets.json"]
        refresh_interval: 1s
YAML
    # setsid: its own process group, so the stop below reaches only this server.
    setsid prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
      --web.listen-address="127.0.0.1:$port" --storage.tsdb.retention.time=1h \
      --query.lookback-delta=5s >"$dir/server.log" 2>&1 < /dev/null &
    echo $! > "$dir/prometheus.pid"
    for _ in $(seq 1 100); do
      if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
        echo "http://127.0.0.1:$port"; exit 0
      fi
      if ! kill -0 "$(cat "$dir/prometheus.pid")" 2>/dev/null; then break; fi
      sleep 0.2
    done
    echo "prometheus did not become ready; its log:" >&2; tail -n 20 "$dir/server.log" >&2; exit 1
    ;;
  stop)
    if [ -f "$dir/prometheus.pid" ]; then
      pid=$(cat "$dir/prometheus.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/prometheus.pid"
    fi
    ;;
esac
