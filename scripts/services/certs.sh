#!/usr/bin/env bash
# A throwaway certificate authority and server certificates for the TLS tests, made with
# the openssl command line (no network, a few hundred milliseconds).
#   scripts/services/certs.sh start   # prints `export PANOPLY_TEST_TLS_DIR=...`
#   scripts/services/certs.sh stop
# In PANOPLY_TEST_TLS_DIR: ca.pem (the CA to trust), and key+cert pairs
#   good.key/good.pem       for localhost and 127.0.0.1
#   wronghost.key/.pem      for other.example only (a "wrong host" certificate)
#   expired.key/.pem        for localhost and 127.0.0.1, expired yesterday
#   pg.key/pg.pem           for localhost only (PostgreSQL: 127.0.0.1 is then a wrong host)
# nginx.sh and postgres.sh use them when this ran first (the services start in name order).
set -euo pipefail

state_dir="${PANOPLY_SERVICE_STATE:-${TMPDIR:-/tmp}/panoply-services-$(id -u)}"
state_file="$state_dir/certs.dir"

command -v openssl >/dev/null || { echo "certs.sh: openssl not found (apt-get install openssl); TLS tests will be skipped" >&2; exit 0; }

issue() {  # name days san
    local dir=$1 name=$2 days=$3 san=$4
    openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/$name.key" -subj "/CN=$name" -out "$dir/$name.csr" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" >"$dir/$name.ext"
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -days "$days" -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
    rm -f "$dir/$name.csr" "$dir/$name.ext"
}

start() {
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/panoply-certs.XXXXXX")
    chmod 755 "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 30 \
        -subj "/CN=Panoply test CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    issue "$dir" good 30 "IP:127.0.0.1,DNS:localhost"
    issue "$dir" wronghost 30 "DNS:other.example"
    issue "$dir" expired -1 "IP:127.0.0.1,DNS:localhost"
    issue "$dir" pg 30 "DNS:localhost"
    # PostgreSQL reads its key only when no one else can.
    chmod 644 "$dir"/*.pem "$dir"/*.key
    mkdir -p "$state_dir"
    echo "$dir" >"$state_file"
    echo "export PANOPLY_TEST_TLS_DIR=$dir"
}

stop() {
    local dir="${PANOPLY_TEST_TLS_DIR:-}"
    [ -z "$dir" ] && [ -f "$state_file" ] && dir=$(cat "$state_file")
    [ -n "$dir" ] && [ -d "$dir" ] && rm -rf "$dir"
    rm -f "$state_file"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
