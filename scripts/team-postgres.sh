#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for team mode (local tries, the tests, CI), from Debian's
# `postgresql` package: a temp dir, a free port on 127.0.0.1, password auth over TCP.
#
#   scripts/team-postgres.sh start [DIR]   creates and starts a cluster; prints shell `export` lines
#                                          (eval them: LLM_ROUTER_TEST_PG_URL, PGPASSWORD, ...)
#   scripts/team-postgres.sh stop DIR      stops it (fast shutdown)
#   scripts/team-postgres.sh restart DIR   starts a stopped cluster again on its port
#   scripts/team-postgres.sh destroy DIR   stops it and removes DIR
#
# initdb and postgres refuse to run as root: as root the server runs as the `postgres` user.
set -euo pipefail

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
  echo "team-postgres: no initdb found: apt-get install -y postgresql" >&2
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

cmd=${1:-}
case "$cmd" in
  start)
    BIN=$(bindir)
    DIR=${2:-$(mktemp -d "${TMPDIR:-/tmp}/llm-router-pg.XXXXXX")}
    mkdir -p "$DIR"
    PORT=$(free_port)
    PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
    if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
    chmod 700 "$DIR"
    printf '%s\n' "$PASSWORD" > "$DIR/.pw"
    if [ "$(id -u)" = 0 ]; then chown postgres "$DIR/.pw"; fi
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/.pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
    echo "$PORT" > "$DIR/port"
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
      || { cat "$DIR/server.log" >&2; exit 1; }
    # The product's role: not a superuser; CREATEDB so each test file gets its own database.
    as_owner "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE ROLE llm_router LOGIN CREATEDB PASSWORD '$PASSWORD'" \
      -c "CREATE DATABASE llm_router OWNER llm_router" >/dev/null
    echo "export LLM_ROUTER_TEST_PG_URL=postgres://llm_router@127.0.0.1:$PORT/llm_router"
    echo "export LLM_ROUTER_TEST_PG_PASSWORD=$PASSWORD"
    echo "export LLM_ROUTER_TEST_PG_DIR=$DIR"
    echo "export PGPASSWORD=$PASSWORD"
    ;;
  stop)
    DIR=${2:?usage: team-postgres.sh stop DIR}
    as_owner "$(bindir)/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
    ;;
  restart)
    DIR=${2:?usage: team-postgres.sh restart DIR}
    PORT=$(cat "$DIR/port")
    as_owner "$(bindir)/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    ;;
  destroy)
    DIR=${2:?usage: team-postgres.sh destroy DIR}
    as_owner "$(bindir)/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: scripts/team-postgres.sh start [DIR] | stop DIR | restart DIR | destroy DIR" >&2
    exit 2
    ;;
esac
