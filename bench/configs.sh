# shellcheck shell=bash
# Config writers for bench/run.sh, interleave.sh and route_scale.sh (sourced). Each writes one
# server's config into DIR.
# All listen on 127.0.0.1 only; idle keep-alive timeouts are 300 s so the memory test's
# held connections stay open. BACKEND_PORT is set by run.sh before the proxies are written.

write_backend_conf() {  # DIR PORT
  cat >"$1/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile 20000;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $1/body;
  keepalive_timeout 300s;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$2 backlog=4096;
    location / { return 200 "hello world\n"; }
  }
}
EOF
}

write_nginx_conf() {  # DIR WORKERS PORT [UPSTREAM_KEEPALIVE, default 1024]
  cat >"$1/nginx.conf" <<EOF
worker_processes $2;
worker_rlimit_nofile 20000;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  keepalive_timeout 300s;
  keepalive_requests 1000000;
  upstream backend {
    server 127.0.0.1:$BACKEND_PORT;
    keepalive ${4:-1024};
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:$3 backlog=4096$([ -z "${H2:-}" ] || echo " http2")$(nginx_tls_listen);
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
}

# HAProxy reserves 2 fds per connection and refuses to start if maxconn*2 exceeds the hard
# open-files limit, so its global maxconn is capped at (limit - 100) / 2 (9950 for 20000).
write_haproxy_conf() {  # DIR WORKERS PORT
  local hard HAPROXY_MAXCONN=20000
  hard=$(ulimit -Hn)
  [ "$hard" = unlimited ] || [ $(( (hard - 100) / 2 )) -ge 20000 ] || HAPROXY_MAXCONN=$(( (hard - 100) / 2 ))
  cat >"$1/haproxy.cfg" <<EOF
global
  nbthread $2
  maxconn $HAPROXY_MAXCONN
$([ -z "${TLS:-}" ] || [ "${TLS_TICKETS:-1}" = 1 ] || echo "  tune.ssl.cachesize 0")
defaults
  mode http
  http-reuse always
  option http-keep-alive
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-request 300s
  timeout http-keep-alive 300s
frontend fe
  bind 127.0.0.1:$3$(haproxy_bind_options)$([ -z "${TLS:-}" ] || [ "${TLS_TICKETS:-1}" = 1 ] || echo " no-tls-tickets")
  maxconn 20000
  default_backend be
backend be
  server s1 127.0.0.1:$BACKEND_PORT
EOF
}

# With TLS: the TLS settings apigw, NGINX and HAProxy share in the comparison (TLS 1.2 and 1.3,
# tickets on, no server session cache).
nginx_tls_listen() {
  [ -n "${TLS:-}" ] || return 0
  printf ' ssl;\n    ssl_certificate %s;\n    ssl_certificate_key %s;\n' "$TLS_CERT" "$TLS_KEY"
  printf '    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_session_cache off;\n    ssl_session_tickets %s' \
    "$([ "${TLS_TICKETS:-1}" = 1 ] && echo on || echo off)"
}

# HAProxy's bind: TLS (ALPN h2 first with H2=1), or h2c with H2=1 on plain.
haproxy_bind_options() {
  if [ -n "${TLS:-}" ]; then
    printf ' ssl crt %s alpn %s' "$TMP/tls-combined.pem" "$([ -z "${H2:-}" ] && echo http/1.1 || echo h2,http/1.1)"
  elif [ -n "${H2:-}" ]; then
    printf ' proto h2'
  fi
}

apigw_listener() {  # PORT: apigw's client listener lines (a TLS listener offers h2 by default)
  if [ -z "${TLS:-}" ] && [ -n "${H2:-}" ]; then
    printf '[[server.listeners]]\naddress = "127.0.0.1:%s"\nhttp2 = true\n' "$1"
  elif [ -z "${TLS:-}" ]; then
    echo "listen = [\"127.0.0.1:$1\"]"
  else
    printf '[[server.listeners]]\naddress = "127.0.0.1:%s"\n[server.listeners.tls]\n' "$1"
    [ "${TLS_TICKETS:-1}" = 1 ] || echo "session_tickets = false"
    printf '[[server.listeners.tls.certificates]]\ncert = "%s"\nkey = "%s"\n' "$TLS_CERT" "$TLS_KEY"
  fi
}

write_apigw_conf() {  # DIR WORKERS PORT ADMINPORT [ROUTE_EXTRA: TOML lines of the route]
  cat >"$1/apigw.toml" <<EOF
[server]
workers = $2
$(apigw_listener "$3")
[server.limits]
max_connections = 20000
[server.timeouts]
idle = "300s"
[admin]
listen = "127.0.0.1:$4"
[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:$BACKEND_PORT", weight = 1 }]
keepalive = { max_idle = 1024, idle_timeout = "300s" }
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
${5:-}
EOF
}

# apigw with defaults only: what a new user's config looks like (bench/run.sh's apigw-defaults).
write_apigw_defaults_conf() {  # DIR WORKERS PORT ADMINPORT
  cat >"$1/apigw.toml" <<EOF
[server]
listen = ["127.0.0.1:$3"]
workers = $2
[admin]
listen = "127.0.0.1:$4"
[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:$BACKEND_PORT" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
EOF
}

# Route scale (bench/route_scale.sh): ROUTES routes of one mix spread over min(ROUTES, 1000)
# upstreams ("u0".."u999", route K on upstream K mod that), every upstream pointing at the one
# backend. Route K of each kind, for apigw and NGINX (NGINX tries regex locations in order):
#   prefix    path_prefix = "/rK/"                  location /rK/
#   template  path_template = "/rK/items/{id}"      location ~ ^/rK/items/[^/]+$
#   regex     path_regex = "/rK/v[0-9]+/items"      location ~ ^/rK/v[0-9]+/items$
# The mix "mixed" takes the three kinds in turn (route K is of kind K mod 3). KEEPALIVE is the idle
# upstream connections kept per upstream (NGINX allocates its keepalive cache per upstream block
# at start, so 1024 x 1000 upstreams would inflate its RSS by ~150 MB for nothing).
ROUTE_SCALE_KINDS=(prefix template regex)

route_scale_kind() {  # MIX K: the kind of route K
  if [ "$1" = mixed ]; then echo "${ROUTE_SCALE_KINDS[$(($2 % 3))]}"; else echo "$1"; fi
}

route_scale_path() {  # MIX K: a request path that route K matches (and no other route)
  case $(route_scale_kind "$1" "$2") in
    prefix | template) echo "/r$2/items/42" ;;
    regex) echo "/r$2/v1/items" ;;
  esac
}

write_apigw_routes_conf() {  # DIR PORT ADMINPORT MIX ROUTES KEEPALIVE
  local mix=$4 n=$5 ups=$(($5 < 1000 ? $5 : 1000)) u k kind m
  {
    cat <<EOT
[server]
listen = ["127.0.0.1:$2"]
workers = 1
[server.limits]
max_connections = 20000
[server.timeouts]
idle = "300s"
[admin]
listen = "127.0.0.1:$3"
EOT
    for ((u = 0; u < ups; u++)); do
      printf '[[upstreams]]\nname = "u%d"\ntargets = [{ address = "127.0.0.1:%s", weight = 1 }]\n' "$u" "$BACKEND_PORT"
      printf 'keepalive = { max_idle = %d, idle_timeout = "300s" }\n' "$6"
    done
    for ((k = 0; k < n; k++)); do
      kind=$mix; [ "$mix" != mixed ] || kind=${ROUTE_SCALE_KINDS[k % 3]}
      case $kind in
        prefix) m="path_prefix = \"/r$k/\"" ;;
        template) m="path_template = \"/r$k/items/{id}\"" ;;
        regex) m="path_regex = \"/r$k/v[0-9]+/items\"" ;;
      esac
      printf '[[routes]]\nname = "r%d"\nmatch = { %s }\nupstream = "u%d"\n' "$k" "$m" $((k % ups))
    done
  } >"$1/apigw.toml"
}

write_nginx_routes_conf() {  # DIR PORT MIX ROUTES KEEPALIVE [PCRE_JIT: on|off, default off]
  local mix=$3 n=$4 ups=$(($4 < 1000 ? $4 : 1000)) u k kind loc
  {
    cat <<EOT
worker_processes 1;
worker_rlimit_nofile 20000;
pid $1/nginx.pid;
error_log $1/error.log warn;
pcre_jit ${6:-off};
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  keepalive_timeout 300s;
  keepalive_requests 1000000;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
EOT
    for ((u = 0; u < ups; u++)); do
      printf '  upstream u%d { server 127.0.0.1:%s; keepalive %d; keepalive_requests 1000000; keepalive_timeout 300s; }\n' \
        "$u" "$BACKEND_PORT" "$5"
    done
    # An unrouted path is a 404, as in apigw (without this NGINX would look for a file).
    printf '  server {\n    listen 127.0.0.1:%s backlog=4096;\n    location / { return 404; }\n' "$2"
    for ((k = 0; k < n; k++)); do
      kind=$mix; [ "$mix" != mixed ] || kind=${ROUTE_SCALE_KINDS[k % 3]}
      case $kind in
        prefix) loc="/r$k/" ;;
        template) loc="~ ^/r$k/items/[^/]+\$" ;;
        regex) loc="~ ^/r$k/v[0-9]+/items\$" ;;
      esac
      printf '    location %s { proxy_pass http://u%d; }\n' "$loc" $((k % ups))
    done
    printf '  }\n}\n'
  } >"$1/nginx.conf"
}
