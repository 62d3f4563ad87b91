# shellcheck shell=bash
# Config writers for bench/run.sh (sourced). Each writes one server's config into DIR.
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
    listen 127.0.0.1:$3 backlog=4096;
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
  bind 127.0.0.1:$3
  maxconn 20000
  default_backend be
backend be
  server s1 127.0.0.1:$BACKEND_PORT
EOF
}

write_apigw_conf() {  # DIR WORKERS PORT ADMINPORT [ROUTE_EXTRA: TOML lines of the route]
  cat >"$1/apigw.toml" <<EOF
[server]
listen = ["127.0.0.1:$3"]
workers = $2
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
