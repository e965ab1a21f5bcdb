#!/usr/bin/env bash
# Duban 督办 on several nodes against one PostgreSQL database, on this machine (issue 15, "nodes add
# capacity"): start, stop, recreate the database, put nginx in front, and measure 1, 2, 3 nodes under
# `bench load` with the CPU each side used.
#
#   deploy/nodes.sh start N      N Release nodes on 127.0.0.1:5101.. (node 1 first, waited for: it migrates
#                                and loads the demo; then the others together)
#   deploy/nodes.sh stop         stop the nodes (and nginx) this script started
#   deploy/nodes.sh status       which nodes run, and their health
#   deploy/nodes.sh fresh        stop, then drop and create the database
#   deploy/nodes.sh nginx N      nginx on 127.0.0.1:5100 in front of the first N nodes (deploy/nginx/duban.conf)
#   deploy/nodes.sh measure      for N in 1 2 3: fresh database, start N nodes, `bench load` against them,
#                                the throughput and the CPU share of nodes, PostgreSQL and the load generator
#
# Settings (environment):
#   DUBAN_NODES_PG        the database, an Npgsql connection string
#                         (default Host=127.0.0.1;Port=55432;Username=postgres;Database=duban_load)
#   DUBAN_NODES_DIR       state: keys, data directories, logs, pids, results (default /tmp/duban-nodes)
#   DUBAN_NODES_PORT      first node's port (default 5101)
#   DUBAN_DEMO_PASSWORD   the demo accounts' password (default bench-password)
#   DUBAN_NODES_DLL       the Duban.dll the nodes run (default: this checkout's Release build, built if missing)
#   LOAD_CLIENTS, LOAD_SECONDS, LOAD_WARMUP, LOAD_MIX, LOAD_NODES   measure's load (12, 60, 30, bench's mix, "1 2 3")
#   LOAD_VIA_NGINX=1      measure through nginx on :5100 instead of spreading the clients over the nodes
#
# Every node gets the same Duban:Seal:Key, Duban:Auth:SigningKey and Duban:Audit:Key (generated once into
# $DUBAN_NODES_DIR/keys.env; keep it while the database lives) and the same Duban:DataProtection:KeysPath,
# its own data directory, and the per-address rate limits lifted (the load generator is one address).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG=${DUBAN_NODES_PG:-"Host=127.0.0.1;Port=55432;Username=postgres;Database=duban_load"}
STATE=${DUBAN_NODES_DIR:-/tmp/duban-nodes}
BASE_PORT=${DUBAN_NODES_PORT:-5101}
PASSWORD=${DUBAN_DEMO_PASSWORD:-bench-password}
DLL=${DUBAN_NODES_DLL:-$ROOT/src/Duban/bin/Release/net10.0/Duban.dll}
BENCH=$ROOT/bench/Duban.Bench/bin/Release/net10.0/Duban.Bench.dll
HZ=$(getconf CLK_TCK)
CORES=$(nproc)

die() { echo "nodes.sh: $*" >&2; exit 1; }

# One key of the Npgsql connection string (case-insensitive), or the default given.
pg_part() {
    local key=$1 default=$2 part
    IFS=';' read -ra parts <<< "$PG"
    for part in "${parts[@]}"; do
        if [[ "${part%%=*}" =~ ^[[:space:]]*(${key})[[:space:]]*$ ]]; then echo "${part#*=}"; return; fi
    done
    echo "$default"
}
DB_NAME=$(pg_part 'Database|database|DATABASE' duban)
psql_admin() {
    PGPASSWORD=$(pg_part 'Password|password' '') psql -v ON_ERROR_STOP=1 -q -X \
        -h "$(pg_part 'Host|host|Server|server' 127.0.0.1)" -p "$(pg_part 'Port|port' 5432)" \
        -U "$(pg_part 'Username|username|User ID|user id|User|user' postgres)" -d postgres "$@"
}

keys() {
    mkdir -p "$STATE/dataprotection"
    if [[ ! -f $STATE/keys.env ]]; then
        command -v openssl > /dev/null || die "openssl is needed to generate the keys"
        umask 077
        {
            echo "export Duban__Seal__Key=$(openssl rand -base64 32)"
            echo "export Duban__Auth__SigningKey=$(openssl rand -base64 32)"
            echo "export Duban__Audit__Key=$(openssl rand -base64 32)"
        } > "$STATE/keys.env"
    fi
    # shellcheck disable=SC1091
    . "$STATE/keys.env"
}

running() { # the node numbers whose pid is alive
    local f n
    for f in "$STATE"/node*.pid; do
        [[ -f $f ]] || continue
        n=${f##*/node}; n=${n%.pid}
        if kill -0 "$(cat "$f")" 2> /dev/null; then echo "$n"; else rm -f "$f"; fi
    done
}

start_node() {
    local i=$1 port=$((BASE_PORT + $1 - 1))
    mkdir -p "$STATE/node$i"
    (
        export Duban__Database__Provider=postgres
        export Duban__Database__ConnectionString="$PG"
        export DUBAN_DATA_DIR="$STATE/node$i"
        export Duban__DataProtection__KeysPath="$STATE/dataprotection"
        export Duban__Demo__Seed=true
        export DUBAN_DEMO_PASSWORD="$PASSWORD"
        # One load generator (or nginx) is one client address: the per-address door limits would answer 429.
        export Duban__RateLimits__PublicPerMinute=${DUBAN_NODES_PUBLIC_PER_MINUTE:-10000000}
        export Duban__RateLimits__LoginPerMinute=${DUBAN_NODES_LOGIN_PER_MINUTE:-10000000}
        export Duban__KnownProxies=127.0.0.1
        export ASPNETCORE_ENVIRONMENT=Production
        # Several processes on a machine of 2 cores: the workstation GC (not one heap and GC thread per core in
        # every process) and thread-pool workers that sleep rather than spin when idle. Measured with 3 nodes on
        # this machine: 40 -> 56 registrations/s (docs/BENCHMARKS.md, Several nodes). Override by setting them.
        export DOTNET_gcServer=${DOTNET_gcServer:-0}
        export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=${DOTNET_ThreadPool_UnfairSemaphoreSpinLimit:-0}
        export Logging__LogLevel__Default=Warning
        cd "$ROOT"
        exec setsid dotnet "$DLL" --urls "http://127.0.0.1:$port" > "$STATE/node$i.log" 2>&1 < /dev/null
    ) &
    echo $! > "$STATE/node$i.pid"
}

wait_healthy() {
    local i=$1 port=$((BASE_PORT + $1 - 1)) waited=0
    until curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2> /dev/null; do
        kill -0 "$(cat "$STATE/node$i.pid")" 2> /dev/null || { tail -20 "$STATE/node$i.log" >&2; die "node $i stopped (log: $STATE/node$i.log)"; }
        ((waited++ < 600)) || die "node $i not healthy after 300 s (log: $STATE/node$i.log)"
        sleep 0.5
    done
    echo "node $i healthy on http://127.0.0.1:$port"
}

cmd_start() {
    local n=${1:-}
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "start N: N nodes, 1 or more"
    [[ -f $DLL ]] || (cd "$ROOT" && dotnet build src/Duban -c Release -v q -nologo) || die "build failed"
    [[ -z $(running) ]] || die "nodes already running ($(running | tr '\n' ' ')): deploy/nodes.sh stop first"
    mkdir -p "$STATE"
    keys
    start_node 1
    wait_healthy 1
    local i
    for ((i = 2; i <= n; i++)); do start_node "$i"; done
    for ((i = 2; i <= n; i++)); do wait_healthy "$i"; done
}

cmd_stop() {
    local i pid waited
    if [[ -f $STATE/nginx.pid ]] && kill -0 "$(cat "$STATE/nginx.pid")" 2> /dev/null; then
        nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -s stop 2> /dev/null || kill "$(cat "$STATE/nginx.pid")"
        echo "nginx stopped"
    fi
    for i in $(running); do
        pid=$(cat "$STATE/node$i.pid")
        kill -TERM "$pid" 2> /dev/null || true
        waited=0
        while kill -0 "$pid" 2> /dev/null && ((waited++ < 60)); do sleep 0.5; done
        kill -0 "$pid" 2> /dev/null && kill -KILL "$pid" 2> /dev/null
        rm -f "$STATE/node$i.pid"
        echo "node $i stopped"
    done
}

cmd_status() {
    local i
    for i in $(running); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$((BASE_PORT + i - 1))/healthz" 2> /dev/null; then
            echo "node $i: pid $(cat "$STATE/node$i.pid"), healthy on :$((BASE_PORT + i - 1))"
        else
            echo "node $i: pid $(cat "$STATE/node$i.pid"), not answering on :$((BASE_PORT + i - 1))"
        fi
    done
}

cmd_fresh() {
    cmd_stop
    [[ $DB_NAME =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "database name '$DB_NAME' is not a plain identifier"
    psql_admin -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" -c "CREATE DATABASE \"$DB_NAME\""
    echo "database $DB_NAME created anew"
}

cmd_nginx() {
    local n=${1:-} i
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "nginx N: in front of the first N nodes"
    command -v nginx > /dev/null || die "nginx is not installed (apt-get install nginx)"
    mkdir -p "$STATE/nginx/logs" "$STATE/nginx/temp"
    # The shipped conf's servers, keeping the first N nodes' ports.
    {
        echo "worker_processes 1; pid $STATE/nginx.pid; error_log $STATE/nginx/logs/error.log warn;"
        echo "events { worker_connections 1024; }"
        echo "http { access_log off; client_body_temp_path $STATE/nginx/temp/body; proxy_temp_path $STATE/nginx/temp/proxy;"
        echo "  fastcgi_temp_path $STATE/nginx/temp/fastcgi; uwsgi_temp_path $STATE/nginx/temp/uwsgi; scgi_temp_path $STATE/nginx/temp/scgi;"
        while IFS= read -r line; do
            if [[ $line =~ server\ 127\.0\.0\.1:([0-9]+) ]]; then
                i=$((BASH_REMATCH[1] - BASE_PORT + 1))
                ((i >= 1 && i <= n)) || continue
            fi
            echo "  $line"
        done < "$ROOT/deploy/nginx/duban.conf"
        echo "}"
    } > "$STATE/nginx/nginx.conf"
    # As root, nginx's worker runs as nobody: let it reach its temp directory.
    chmod -R a+rwx "$STATE/nginx/temp"
    nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -t -q
    nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf"
    echo "nginx on http://127.0.0.1:5100 in front of $n node(s)"
}

# "pid ticks" (user + system time of the process and its threads) for every process now.
snapshot() {
    local f line pid rest
    for f in /proc/[0-9]*/stat; do
        { read -r line < "$f"; } 2> /dev/null || continue
        pid=${line%% *}
        rest=${line##*) }
        # shellcheck disable=SC2086
        set -- $rest
        echo "$pid $((${12} + ${13}))"
    done
}

# Registration transactions so far: each takes the year's number counter once (RegisterNumbers), an update of
# the counters row; the writes over it are the matters a group commit (IntakeBatcher) wrote together.
batches() {
    PGPASSWORD=$(pg_part 'Password|password' '') psql -X -At -h "$(pg_part 'Host|host|Server|server' 127.0.0.1)" -p "$(pg_part 'Port|port' 5432)" \
        -U "$(pg_part 'Username|username|User ID|user id|User|user' postgres)" -d "$DB_NAME" \
        -c "SELECT COALESCE(SUM(n_tup_upd + n_tup_ins), 0) FROM pg_stat_user_tables WHERE relname = 'counters'"
}

# The busy and total ticks of the whole machine (/proc/stat's first line).
machine_ticks() {
    awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; total = busy + $5 + $6; print busy, total }' /proc/stat
}

# Which side a process is on: node, load, postgres (a backend of our database), pgserver (the cluster's
# own processes: checkpointer, WAL writer and sender, the replica's), other.
side() {
    local pid=$1 nodes=$2 load=$3 cmd
    [[ " $nodes " == *" $pid "* ]] && { echo node; return; }
    [[ $pid == "$load" ]] && { echo load; return; }
    [[ $(cat "/proc/$pid/comm" 2> /dev/null) == postgres ]] || { echo other; return; }
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null)
    if [[ $cmd == *" $DB_NAME "* || $cmd == *" $DB_NAME" ]]; then echo postgres # its backends, its autovacuum
    elif [[ $cmd != "postgres: "* || $cmd =~ ^postgres:\ (checkpointer|background\ writer|walwriter|walsender|walreceiver|startup|autovacuum\ launcher|logical\ replication|archiver) ]]; then echo pgserver
    else echo other; fi # another database's backend (other engineers' tests on a shared cluster)
}

cmd_measure() {
    local clients=${LOAD_CLIENTS:-12} seconds=${LOAD_SECONDS:-60} warmup=${LOAD_WARMUP:-30} n urls i
    [[ -f $BENCH ]] || (cd "$ROOT" && dotnet build bench/Duban.Bench -c Release -v q -nologo) || die "build failed"
    mkdir -p "$STATE/results"
    local summary=$STATE/results/summary.md
    {
        echo "machine: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(uptime | sed 's/.*load/load/')"
        echo "load: $clients clients, $seconds s after $warmup s warm-up, mix ${LOAD_MIX:-default}$([[ ${LOAD_VIA_NGINX:-0} == 1 ]] && echo ', through nginx')"
        echo
        echo "| nodes | writes/s (intake 2xx) | all requests/s | intake p50 / p95 / p99 ms | errors | matters per registration transaction | CPU nodes | CPU postgres (ours) | CPU postgres (server) | CPU load generator | CPU others | machine busy | load avg before |"
        echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    } > "$summary"
    for n in ${LOAD_NODES:-1 2 3}; do
        cmd_fresh > /dev/null
        cmd_start "$n"
        if [[ ${LOAD_VIA_NGINX:-0} == 1 ]]; then
            cmd_nginx "$n"
            urls=http://127.0.0.1:5100
        else
            urls=$(for ((i = 1; i <= n; i++)); do printf 'http://127.0.0.1:%d,' $((BASE_PORT + i - 1)); done)
            urls=${urls%,}
        fi
        local before
        before=$(cut -d' ' -f1-3 /proc/loadavg)
        local out=$STATE/results/load-$n.json
        local args=(load --urls "$urls" --clients "$clients" --seconds "$seconds" --warmup "$warmup" --password "$PASSWORD" --json)
        [[ -n ${LOAD_MIX:-} ]] && args+=(--mix "$LOAD_MIX")
        dotnet "$BENCH" "${args[@]}" > "$out" 2> "$STATE/results/load-$n.log" &
        local load=$!
        # The CPU counted over the measured window: after the warm-up (and the sign-ins), for its seconds.
        sleep "$((warmup + 1))"
        local a b ma mb
        local xa xb
        xa=$(batches); a=$(snapshot); ma=$(machine_ticks)
        sleep "$seconds"
        b=$(snapshot); mb=$(machine_ticks); xb=$(batches)
        wait "$load" || die "bench load failed: $(cat "$STATE/results/load-$n.log")"
        local nodes
        nodes=$(for ((i = 1; i <= n; i++)); do cat "$STATE/node$i.pid"; done | tr '\n' ' ')
        declare -A used=([node]=0 [load]=0 [postgres]=0 [pgserver]=0 [other]=0)
        local pid ticks was s
        declare -A start=()
        while read -r pid ticks; do start[$pid]=$ticks; done <<< "$a"
        while read -r pid ticks; do
            was=${start[$pid]:-0}
            ((ticks > was)) || continue
            s=$(side "$pid" "$nodes" "$load")
            used[$s]=$((used[$s] + ticks - was))
        done <<< "$b"
        local window=$((seconds * HZ))
        share() { awk -v t="$1" -v w="$window" -v c="$CORES" 'BEGIN { printf "%.0f %% (%.2f cores)", 100 * t / w / c, t / w }'; }
        local busy
        busy=$(awk -v a="$ma" -v b="$mb" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f %%", 100 * (y[1] - x[1]) / (y[2] - x[2]) }')
        local row
        row=$(jq -rs '(map({(.kind): .}) | add) as $r | ($r.intake // {}) as $i
            | "\($i.ok_per_s // 0) | \($r.all.ok_per_s) | \($i.p50_ms) / \($i.p95_ms) / \($i.p99_ms) | \([.[] | select(.kind != "all") | .errors[]] | add // 0)"' "$out")
        local per_write
        per_write=$(jq -rs --argjson c "$((xb - xa))" --argjson s "$seconds" \
            '(map(select(.kind == "intake")) | .[0].ok_per_s // 0) as $w | if $c > 0 then ($w * $s / $c * 10 | round / 10) else "-" end' "$out")
        echo "| $n | $row | $per_write | $(share "${used[node]}") | $(share "${used[postgres]}") | $(share "${used[pgserver]}") | $(share "${used[load]}") | $(share "${used[other]}") | $busy | $before |" | tee -a "$summary"
        cat "$out"
        unset used start
        cmd_stop > /dev/null
    done
    echo
    cat "$summary"
}

case ${1:-} in
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    fresh) cmd_fresh ;;
    nginx) cmd_nginx "${2:-}" ;;
    measure) cmd_measure ;;
    *) sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; [[ -z ${1:-} || $1 == -h || $1 == --help ]] && exit 0 || exit 64 ;;
esac
