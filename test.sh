#!/usr/bin/env bash
# Duban: the one command that runs every test.
#
#   ./test.sh                     build, then run all tests twice:
#                                   1. DUBAN_TEST_PROVIDER=sqlite   (every test but Category=Postgres)
#                                   2. DUBAN_TEST_PROVIDER=postgres (Category=Database and Category=Postgres)
#   ./test.sh --filter Foo        extra arguments are appended to both `dotnet test` calls
#                                 (a --filter is combined with each pass's categories)
#   The build is followed by `dotnet format --verify-no-changes`: unformatted code fails.
#   DUBAN_TEST_SKIP_POSTGRES=1 ./test.sh
#                                 quick local run: skip the PostgreSQL pass
#   DUBAN_TEST_SKIP_DATA=1 ./test.sh
#                                 skip checking that data/ regenerates from scripts/ (needs npm)
#
# Pass 2 runs against a throw-away PostgreSQL cluster (initdb into a temp dir, loopback only,
# free port from 55432 up), removed on exit. Its connection string is exported as
# DUBAN_TEST_POSTGRES; tests create their own databases from it. A streaming replica of it
# (pg_basebackup -R) runs beside it for the read-replica tests: DUBAN_TEST_REPLICA.
# TRX results land in TestResults/<pass>/, one file per test project (LogFilePrefix, not
# LogFileName: with several test projects a fixed LogFileName is overwritten by each project
# in turn, so only the last project's results would be counted). The last line printed is
#   tests: N passed, N failed[, N skipped]
# and the exit code is non-zero if the build or a test run failed, a test failed,
# or a pass ran no test.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$PWD
SOLUTION=Duban.slnx
RESULTS_DIR=$ROOT/TestResults
CONSOLE_VERBOSITY=${DUBAN_TEST_VERBOSITY:-normal}

export DEBIAN_FRONTEND=noninteractive
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '==> %s\n' "$*"; }
die() { printf 'test.sh: error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# --------------------------------------------------------------------------- apt helpers
APT_UPDATED=0
apt_update_once() {
    if [[ $APT_UPDATED -eq 0 ]]; then
        is_root || die "packages are missing and this is not root; install them with apt-get first"
        log "apt-get update"
        apt-get update -q
        APT_UPDATED=1
    fi
}
apt_install() {
    apt_update_once
    log "apt-get install -y $*"
    apt-get install -y -q --no-install-recommends "$@"
}

ensure_postgres() {
    if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        apt_install postgresql
        # The package may have created and started a default cluster (port 5432); this
        # script uses its own throw-away cluster, so stop that one again.
        if command -v pg_lsclusters >/dev/null 2>&1; then
            pg_lsclusters -h 2>/dev/null | while read -r ver cluster _port status _rest; do
                [[ $status == online* ]] && pg_ctlcluster "$ver" "$cluster" stop || true
            done
        fi
    fi
}

# ---------------------------------------------------------------------------------------
# ensure_browser: Chromium and the Noto CJK fonts for the browser tests (Chromium renders Chinese
# with them), WenQuanYi Micro Hei, whose subset the PDFs (supervision notice, assignment slip) embed,
# and poppler's pdftotext, the independent reader the PDF tests check the Chinese text with.
ensure_browser() {
    # fonts-wqy-microhei: the PDFs embed a subset of its TrueType outlines (Noto CJK's are CFF, which they cannot use).
    # poppler-utils: without pdftotext the PDF oracle test fails (a missing tool is a failed test, not a pass).
    if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' \
        || [[ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] || ! command -v pdftotext >/dev/null 2>&1; then
        apt_install chromium fonts-noto-cjk fonts-wqy-microhei poppler-utils
    fi
}

# ensure_dovecot: Debian's dovecot IMAP server for the e-mail intake's tests (Features/MailIntake). The tests'
# fixture (tests/Duban.Tests/Infrastructure/DovecotServer.cs) starts its own throw-away instance with a generated
# configuration on free loopback ports; the package's own service is not used, and stopped if it started.
# A missing dovecot fails those tests, never skips them.
ensure_dovecot() {
    if [[ ! -x /usr/sbin/dovecot ]]; then
        apt_install dovecot-imapd
        if command -v systemctl >/dev/null 2>&1; then systemctl stop dovecot >/dev/null 2>&1 || true; fi
    fi
}

# ensure_axe: axe-core from npm (tests/axe, pinned with its lock file) for the browser tests' accessibility checks
# (tests/Duban.Tests/Browser/AxeTests.cs), on every run whatever DUBAN_TEST_SKIP_DATA says: without it those tests
# fail, never skip. Nothing of it is shipped.
ensure_axe() {
    command -v npm >/dev/null 2>&1 || apt_install nodejs npm
    local want have=''
    want=$(node -p "require('./tests/axe/package.json').dependencies['axe-core']")
    [[ -f tests/axe/node_modules/axe-core/package.json ]] \
        && have=$(node -p "require('./tests/axe/node_modules/axe-core/package.json').version")
    if [[ $have != "$want" ]]; then
        log "npm ci in tests/axe (axe-core $want for the browser tests)"
        (cd tests/axe && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in tests/axe failed: the accessibility tests need axe-core"
    fi
}
# ---------------------------------------------------------------------------------------

# ------------------------------------------------------------------ throw-away PostgreSQL
PG_TMP=''
PG_BIN=''
PG_PORT=''

as_pg() {  # run a command as the postgres OS user when we are root
    if is_root; then
        if command -v runuser >/dev/null 2>&1; then
            (cd "$PG_TMP" && runuser -u postgres -- "$@")
        else
            (cd "$PG_TMP" && su -s /bin/bash postgres -c 'exec "$0" "$@"' "$@")
        fi
    else
        (cd "$PG_TMP" && "$@")
    fi
}

stop_postgres() {
    [[ -n $PG_TMP && -d $PG_TMP ]] || return 0
    local dir
    for dir in "$PG_TMP/replica" "$PG_TMP/data"; do
        [[ -f $dir/postmaster.pid ]] || continue
        as_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate -w -t 30 stop >/dev/null 2>&1 || {
            local pid
            pid=$(head -n1 "$dir/postmaster.pid" 2>/dev/null || true)
            [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2>/dev/null || true
        }
    done
    rm -rf "$PG_TMP"
    PG_TMP=''
}

port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]
    else
        (: <"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

start_postgres() {
    ensure_postgres
    # Prefer PostgreSQL 15 (Debian 12's), else the newest installed.
    if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        PG_BIN=/usr/lib/postgresql/15/bin
    else
        PG_BIN=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n1)
        PG_BIN=${PG_BIN%/initdb}
    fi
    if is_root; then
        id postgres >/dev/null 2>&1 || die "OS user 'postgres' does not exist (is the postgresql package installed?)"
    fi

    PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/duban-pg.XXXXXX")
    chmod 700 "$PG_TMP"
    is_root && chown postgres: "$PG_TMP"

    local locale=C
    locale -a 2>/dev/null | grep -qix 'c\.utf-\?8' && locale=C.UTF-8

    log "initdb ($PG_BIN) into $PG_TMP/data"
    as_pg "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust \
        --encoding=UTF8 --locale="$locale" --no-sync >"$PG_TMP/initdb.log" 2>&1 || {
        cat "$PG_TMP/initdb.log" >&2
        die "initdb failed"
    }
    cat >>"$PG_TMP/data/postgresql.conf" <<EOF

# --- throw-away test cluster (test.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_TMP'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF

    local port tries=0
    for ((port = 55432; port < 55532; port++)); do
        port_in_use "$port" && continue
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 \
            -o "-p $port" start >/dev/null 2>&1; then
            PG_PORT=$port
            break
        fi
        # Lost a race for the port (or something else): show why, then try the next port.
        tail -n 5 "$PG_TMP/postgres.log" >&2 || true
        ((++tries >= 5)) && break
    done
    [[ -n $PG_PORT ]] || die "could not start PostgreSQL (log: see above)"
    log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') listening on 127.0.0.1:$PG_PORT"
}

PG_REPLICA_PORT=''
start_replica() {  # a hot standby of the test cluster, streaming from it (pg_basebackup -R)
    log "pg_basebackup: a streaming replica into $PG_TMP/replica"
    as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U postgres -D "$PG_TMP/replica" \
        -R -X stream --no-sync >"$PG_TMP/basebackup.log" 2>&1 || {
        cat "$PG_TMP/basebackup.log" >&2
        die "pg_basebackup failed"
    }
    echo "hot_standby = on" >>"$PG_TMP/replica/postgresql.conf"
    local port
    for ((port = PG_PORT + 1; port < PG_PORT + 100; port++)); do
        port_in_use "$port" && continue
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/replica" -l "$PG_TMP/replica.log" -w -t 60 \
            -o "-p $port" start >/dev/null 2>&1; then
            PG_REPLICA_PORT=$port
            break
        fi
        tail -n 5 "$PG_TMP/replica.log" >&2 || true
    done
    [[ -n $PG_REPLICA_PORT ]] || die "could not start the PostgreSQL replica (log: see above)"
    log "PostgreSQL replica streaming on 127.0.0.1:$PG_REPLICA_PORT"
}

on_exit() {
    local rc=$?
    stop_postgres || true
    exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------------ arguments
# Extra arguments go to both `dotnet test` calls; a --filter is pulled out so that the
# PostgreSQL pass can AND it with Category=Database instead of having two filters.
USER_FILTER=''
USER_ARGS=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --filter)   [[ $# -ge 2 ]] || die "--filter needs a value"; USER_FILTER=$2; shift 2 ;;
        --filter=*) USER_FILTER=${1#--filter=}; shift ;;
        *)          USER_ARGS+=("$1"); shift ;;
    esac
done

# ------------------------------------------------------------------------ TRX counting
# Prints "total passed failed skipped" summed over every .trx under a directory.
trx_counts() {
    local dir=$1 files=()
    [[ -d $dir ]] && mapfile -t files < <(find "$dir" -name '*.trx' -type f | sort)
    if [[ ${#files[@]} -eq 0 ]]; then
        echo "0 0 0 0"
        return
    fi
    # The <Counters .../> element holds the totals; it may span several lines.
    awk '
        BEGIN { RS = "<" }
        /^Counters[ \t\r\n]/ {
            n = split($0, parts, /[ \t\r\n]+/)
            for (i = 2; i <= n; i++) {
                if (match(parts[i], /^[A-Za-z]+="[0-9]+"/)) {
                    kv = substr(parts[i], 1, RLENGTH)
                    key = kv; sub(/=.*/, "", key)
                    val = kv; sub(/^[^"]*"/, "", val); sub(/".*/, "", val)
                    c[key] += val
                }
            }
        }
        END {
            failed = c["failed"] + c["error"] + c["timeout"] + c["aborted"]
            # Skipped tests are in "total" but not in "executed" (nor in notExecuted).
            skipped = c["total"] - c["executed"]
            if (skipped < c["notExecuted"] + c["inconclusive"]) skipped = c["notExecuted"] + c["inconclusive"]
            if (skipped < 0) skipped = 0
            printf "%d %d %d %d\n", c["total"] + 0, c["passed"] + 0, failed, skipped
        }' "${files[@]}"
}

# Prints each failed test under a directory, with the first lines of its message, so that
# the end of a long log (all a CI page may keep) names what failed.
trx_failures() {
    local dir=$1 files=()
    [[ -d $dir ]] && mapfile -t files < <(find "$dir" -name '*.trx' -type f | sort)
    [[ ${#files[@]} -eq 0 ]] && return
    awk '
        function text(s) { gsub(/&quot;/, "\"", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&amp;/, "\\&", s); return s }
        BEGIN { RS = "<UnitTestResult " }
        # Only the opening tag of the record: the last record runs on to the end of the file,
        # where the summary of the run carries outcome="Failed" too.
        NR > 1 && substr($0, 1, index($0, ">")) ~ /outcome="Failed"/ {
            name = $0; sub(/^.*testName="/, "", name); sub(/".*$/, "", name)
            msg = ""
            if (match($0, /<Message>[^<]*<\/Message>/)) msg = substr($0, RSTART + 9, RLENGTH - 19)
            printf "  FAILED %s\n", text(name)
            if (msg != "") printf "    %s\n", substr(text(msg), 1, 1500)
        }' "${files[@]}"
}

# ---------------------------------------------------------------------------- run
[[ -f $SOLUTION ]] || die "$SOLUTION not found in $ROOT"
command -v dotnet >/dev/null 2>&1 || die "dotnet not found on PATH"

SKIP_PG=${DUBAN_TEST_SKIP_POSTGRES:-0}
[[ $SKIP_PG == 1 || $SKIP_PG == true ]] && SKIP_PG=1 || SKIP_PG=0

ensure_browser
ensure_dovecot
ensure_axe
log "dotnet build $SOLUTION -c Release"
dotnet build "$SOLUTION" -c Release || die "dotnet build failed; no test was run"
# The code's layout is part of the build: CONVENTIONS.md asks for `dotnet format --verify-no-changes`.
log "dotnet format --verify-no-changes"
dotnet format "$SOLUTION" --verify-no-changes --no-restore \
    || die "code is not formatted: run 'dotnet format Duban.slnx' and commit; no test was run"

# The shipped data is what its scripts make from their npm packages (data/README.md).
# DUBAN_TEST_SKIP_DATA=1 skips this (about a minute: npm ci, then parsing 620,000 villages).
if [[ ${DUBAN_TEST_SKIP_DATA:-0} != 1 ]]; then
    command -v npm >/dev/null 2>&1 || die "npm not found: the data checks need Node.js (or set DUBAN_TEST_SKIP_DATA=1)"
    log "data/geo, data/demo and data/calendar regenerate from their packages"
    (cd scripts/geo && npm ci --no-audit --no-fund --loglevel=error && node make-divisions.mjs --check && node make-traditional.mjs --check) \
        || die "data/geo/divisions.txt.br does not match scripts/geo; no test was run"
    (cd scripts/demo && npm ci --no-audit --no-fund --loglevel=error && node make-units.mjs --check) \
        || die "data/demo does not match scripts/demo; no test was run"
    (cd scripts/calendar && npm ci --no-audit --no-fund --loglevel=error && node make-calendar.mjs --check) \
        || die "data/calendar does not match scripts/calendar; no test was run"
    (cd scripts/web && npm ci --no-audit --no-fund --loglevel=error && node make-web.mjs --check) \
        || die "src/Duban/wwwroot/lib does not match scripts/web; no test was run"
fi

if [[ $SKIP_PG -eq 1 ]]; then
    log "DUBAN_TEST_SKIP_POSTGRES=1: no PostgreSQL, the PostgreSQL pass will be skipped"
else
    start_postgres
    export DUBAN_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
    start_replica
    export DUBAN_TEST_REPLICA="Host=127.0.0.1;Port=$PG_REPLICA_PORT;Username=postgres;Database=postgres"
fi

rm -rf "$RESULTS_DIR/sqlite" "$RESULTS_DIR/postgres"

PASSES=()
declare -A PASS_RC=()

run_pass() {  # run_pass NAME FILTER
    local name=$1 filter=$2 rc=0
    local args=(test "$SOLUTION" -c Release --no-build
        --results-directory "$RESULTS_DIR/$name"
        --logger "trx;LogFilePrefix=$name"
        --logger "console;verbosity=$CONSOLE_VERBOSITY")
    [[ -n $filter ]] && args+=(--filter "$filter")
    args+=(${USER_ARGS[@]+"${USER_ARGS[@]}"})
    log "DUBAN_TEST_PROVIDER=$name dotnet ${args[*]}"
    DUBAN_TEST_PROVIDER=$name dotnet "${args[@]}" || rc=$?
    PASSES+=("$name")
    PASS_RC[$name]=$rc
}

sqlite_filter='Category!=Postgres'
[[ -n $USER_FILTER ]] && sqlite_filter="(Category!=Postgres)&($USER_FILTER)"
run_pass sqlite "$sqlite_filter"

if [[ $SKIP_PG -eq 1 ]]; then
    log "DUBAN_TEST_SKIP_POSTGRES=1: skipping the PostgreSQL pass"
else
    pg_filter='Category=Database|Category=Postgres'
    [[ -n $USER_FILTER ]] && pg_filter="(Category=Database|Category=Postgres)&($USER_FILTER)"
    run_pass postgres "$pg_filter"
fi

stop_postgres

# ------------------------------------------------------------------------- summary
status=0
sum_passed=0 sum_failed=0 sum_skipped=0
echo
for name in "${PASSES[@]}"; do
    read -r total passed failed skipped < <(trx_counts "$RESULTS_DIR/$name")
    rc=${PASS_RC[$name]}
    line="$name: $passed passed, $failed failed"
    ((skipped > 0)) && line+=", $skipped skipped"
    line+=" (total $total, dotnet test exit $rc)"
    notes=()
    ((rc != 0)) && notes+=("dotnet test failed") && status=1
    ((failed > 0)) && status=1
    if ((total == 0)); then
        if [[ $name == postgres && -n $USER_FILTER ]]; then
            notes+=("no test matched the filter")
        else
            notes+=("ran no test") && status=1
        fi
    fi
    ((${#notes[@]} > 0)) && line+=" <-- $(IFS=';'; echo "${notes[*]}")"
    echo "pass $line"
    ((failed > 0)) && trx_failures "$RESULTS_DIR/$name"
    sum_passed=$((sum_passed + passed))
    sum_failed=$((sum_failed + failed))
    sum_skipped=$((sum_skipped + skipped))
done
[[ $SKIP_PG -eq 1 ]] && echo "pass postgres: skipped (DUBAN_TEST_SKIP_POSTGRES=1)"

final="tests: $sum_passed passed, $sum_failed failed"
((sum_skipped > 0)) && final+=", $sum_skipped skipped"
echo "$final"
exit "$status"
