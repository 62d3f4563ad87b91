#!/bin/sh
# First start: a cluster with the superuser's password from POSTGRES_PASSWORD, the role and
# database apigw (password APIGW_DB_PASSWORD), password logins from the compose network.
set -eu
bin=/usr/lib/postgresql/15/bin
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password_file="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" >"$password_file"
  "$bin/initdb" -D "$PGDATA" --username=postgres --pwfile="$password_file" \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  rm -f "$password_file"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  "$bin/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  psql -v ON_ERROR_STOP=1 -q -v password="${APIGW_DB_PASSWORD:?set APIGW_DB_PASSWORD}" <<'SQL'
CREATE ROLE apigw LOGIN PASSWORD :'password';
CREATE DATABASE apigw OWNER apigw;
SQL
  "$bin/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec "$bin/postgres" -D "$PGDATA" -c listen_addresses='*'
