#!/usr/bin/env bash
# nginx (Debian's nginx-light) terminating TLS in front of moto, with the certificates of
# certs.sh: one port per certificate.
#   scripts/services/nginx.sh start   # prints `export PANOPLY_TEST_TLS_...=...` lines
#   scripts/services/nginx.sh stop
# Needs PANOPLY_TEST_MOTO_URL (moto.sh) and PANOPLY_TEST_TLS_DIR (certs.sh), which start
# before it; without them (or without nginx) it prints nothing and the TLS tests skip.
#   PANOPLY_TEST_TLS_URL         https://127.0.0.1:PORT  (trusted with ca.pem)
#   PANOPLY_TEST_TLS_WRONGHOST_URL, PANOPLY_TEST_TLS_EXPIRED_URL
set -euo pipefail

state_dir="${PANOPLY_SERVICE_STATE:-${TMPDIR:-/tmp}/panoply-services-$(id -u)}"
state_file="$state_dir/nginx.dir"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

find_nginx() { command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; }; }

server_block() {  # port certname upstream
    cat <<CONF
    server {
        listen 127.0.0.1:$1 ssl;
        ssl_certificate $tls/$2.pem;
        ssl_certificate_key $tls/$2.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {
            proxy_pass $3;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$http_host;
        }
    }
CONF
}

start() {
    local bin
    bin=$(find_nginx) || { echo "nginx.sh: nginx not found (apt-get install nginx-light); TLS tests will be skipped" >&2; exit 0; }
    tls="${PANOPLY_TEST_TLS_DIR:-}"
    local moto="${PANOPLY_TEST_MOTO_URL:-}"
    if [ -z "$tls" ] || [ -z "$moto" ]; then
        echo "nginx.sh: needs certs.sh and moto.sh started first; TLS tests will be skipped" >&2
        exit 0
    fi
    local dir good wrong expired
    dir=$(mktemp -d "${TMPDIR:-/tmp}/panoply-nginx.XXXXXX")
    # As root the workers run as nobody: they must reach the folder (request bodies stay in
    # memory up to 2 MiB, so they rarely need the temp folders).
    chmod 755 "$dir"
    mkdir -p "$dir/body" "$dir/proxy"
    [ "$(id -u)" = 0 ] && chown nobody "$dir/body" "$dir/proxy"
    good=$(free_port); wrong=$(free_port); expired=$(free_port)
    {
        echo "worker_processes 1;"
        echo "pid $dir/nginx.pid;"
        echo "error_log $dir/error.log warn;"
        [ "$(id -u)" = 0 ] && echo "user nobody nogroup;"
        echo "events { worker_connections 1024; }"
        echo "http {"
        echo "    access_log off;"
        echo "    client_max_body_size 64m; client_body_buffer_size 2m;"
        echo "    client_body_temp_path $dir/body; proxy_temp_path $dir/proxy;"
        echo "    fastcgi_temp_path $dir/fastcgi; uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;"
        echo "    keepalive_requests 100000;"
        echo "    upstream moto { server ${moto#http://}; keepalive 16; }"
        server_block "$good" good http://moto
        server_block "$wrong" wronghost http://moto
        server_block "$expired" expired http://moto
        echo "}"
    } >"$dir/nginx.conf"
    "$bin" -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" \
        || { echo "nginx.sh: nginx did not start, see $dir/error.log" >&2; cat "$dir/error.log" >&2; exit 1; }
    local i
    for i in $(seq 1 50); do
        [ -s "$dir/nginx.pid" ] && python3 -c "import socket; socket.create_connection(('127.0.0.1', $good), 1)" 2>/dev/null && break
        sleep 0.1
    done
    mkdir -p "$state_dir"
    echo "$dir" >"$state_file"
    echo "export PANOPLY_TEST_TLS_URL=https://127.0.0.1:$good"
    echo "export PANOPLY_TEST_TLS_WRONGHOST_URL=https://127.0.0.1:$wrong"
    echo "export PANOPLY_TEST_TLS_EXPIRED_URL=https://127.0.0.1:$expired"
    echo "export PANOPLY_TEST_NGINX_DIR=$dir"
}

stop() {
    local dir="${PANOPLY_TEST_NGINX_DIR:-}"
    [ -z "$dir" ] && [ -f "$state_file" ] && dir=$(cat "$state_file")
    if [ -n "$dir" ] && [ -f "$dir/nginx.pid" ]; then
        kill "$(cat "$dir/nginx.pid")" 2>/dev/null || true
        local i
        for i in $(seq 1 50); do [ -f "$dir/nginx.pid" ] || break; sleep 0.1; done
    fi
    [ -n "$dir" ] && rm -rf "$dir"
    rm -f "$state_file"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
