#!/usr/bin/env bash
# deploy/nginx-commsflow.conf in front of `commsflow serve`, as a team would run it: Debian's
# nginx with a throwaway self-signed certificate, on loopback ports of its own. Signs in and
# decides through the proxy, then checks what the proxy must refuse or outlast: slow clients,
# conflicting Content-Length, an unknown Transfer-Encoding, a body over the limit.
# Usage: tests/deploy/proxy_test.sh COMMSFLOW_BINARY SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
command -v nginx >/dev/null || { echo "nginx is not installed: run scripts/install-deps" >&2; exit 1; }

tmp=$(mktemp -d)
serve_pid=""
cleanup() {
  [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/serve.log" ] && tail -20 "$tmp/serve.log" >&2; exit 1; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
https_port=$(free_port)
app_port=$(free_port)

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null

cd "$tmp"
cp -r "$src/workflows" workflows
"$bin" init --demo >/dev/null
"$bin" serve --port "$app_port" --public-url "https://localhost:$https_port" \
  --trusted-proxy 127.0.0.1 --assets "$src/web/node_modules/nhsuk-frontend/dist/nhsuk" \
  >"$tmp/serve.log" 2>&1 &
serve_pid=$!

# The shipped site, pointed at this test's certificate and ports (HTTPS only: port 80 is not ours).
sed -e "s|/etc/ssl/commsflow/fullchain.pem|$tmp/cert.pem|" \
    -e "s|/etc/ssl/commsflow/privkey.pem|$tmp/key.pem|" \
    -e "s|listen 443 ssl;|listen 127.0.0.1:$https_port ssl;|" \
    -e "/listen \[::\]:443 ssl;/d" \
    -e "s|proxy_pass http://127.0.0.1:8080;|proxy_pass http://127.0.0.1:$app_port;|" \
    "$src/deploy/nginx-commsflow.conf" |
  awk 'BEGIN { skip = 0 } /^server \{/ { n++ } n == 1 && /^server \{/ { skip = 1 } { if (!skip) print } skip && /^\}/ { skip = 0 }' \
  >"$tmp/site.conf"
mkdir -p "$tmp/temp"
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
events {}
http {
  access_log off;
  client_body_temp_path $tmp/temp/body;
  proxy_temp_path $tmp/temp/proxy;
  fastcgi_temp_path $tmp/temp/fastcgi;
  uwsgi_temp_path $tmp/temp/uwsgi;
  scgi_temp_path $tmp/temp/scgi;
  include $tmp/site.conf;
}
EOF
nginx -t -p "$tmp" -c "$tmp/nginx.conf" 2>"$tmp/nginx-t.log" || { cat "$tmp/nginx-t.log" >&2; fail "nginx -t refused the shipped site"; }
nginx -p "$tmp" -c "$tmp/nginx.conf"

base="https://127.0.0.1:$https_port"
for _ in $(seq 1 300); do  # until commsflow answers through the proxy (30 s at most)
  curl -skf -o /dev/null "$base/sign-in" && break
  sleep 0.1
done
passed=0

# Sign-in through the proxy: a Secure cookie, HSTS, and the queue.
headers=$(curl -sk -o /dev/null -D - -d 'name=hannah.head&password=demo-password' "$base/sign-in")
# Here-strings rather than `echo | grep -q`: with pipefail, grep -q stopping at its match can
# leave echo writing to a closed pipe (SIGPIPE), which fails a check that matched.
grep -qi '^HTTP/1.1 303' <<<"$headers" || fail "sign-in through the proxy: $headers"
grep -qi '^set-cookie: cf_session=.*; Secure' <<<"$headers" || fail "no Secure cookie: $headers"
grep -qi '^strict-transport-security:' <<<"$headers" || fail "no HSTS: $headers"
passed=$((passed + 1))

# A decision through the proxy with an API token.
token=$("$bin" token create --as hannah.head 2>/dev/null)
read -r ref version < <("$bin" --json inbox --as hannah.head | python3 -c \
  'import json, sys; i = json.load(sys.stdin)[0]; print(i["ref"], i["data"]["_document"]["version"])')
code=$(curl -sk -o "$tmp/decide.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d "{\"decision\": \"approved\", \"document_version\": $version}" \
  "$base/api/v1/items/$ref/decide")
[ "$code" = 200 ] || fail "decide through the proxy answered $code: $(cat "$tmp/decide.json")"
passed=$((passed + 1))

# What the proxy refuses before commsflow sees it.
raw() { python3 - "$https_port" "$1" <<'PY'
import socket, ssl, sys
context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
s = context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10))
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = s.recv(200).decode("latin-1")
print(data.split("\r\n")[0])
PY
}
status=$(raw 'POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello')
case "$status" in *" 400 "*) ;; *) fail "conflicting Content-Length: $status" ;; esac
status=$(raw 'POST /api/v1/items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n')
case "$status" in *" 501 "* | *" 400 "*) ;; *) fail "unknown Transfer-Encoding: $status" ;; esac
status=$(raw 'POST /api/v1/items HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n')
case "$status" in *" 413 "*) ;; *) fail "a body over the limit: $status" ;; esac
passed=$((passed + 1))

# Slowloris through the proxy: 50 TLS connections trickling headers; a normal request is still
# answered at once.
python3 - "$https_port" "$base" <<'PY' || fail "a normal request waited behind slow clients"
import socket, ssl, subprocess, sys, time
port = int(sys.argv[1])
context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
slow = []
for _ in range(50):
    s = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
    s.sendall(b"GET /sign-in HTTP/1.1\r\nHost: x\r\n")
    slow.append(s)
for _ in range(2):
    time.sleep(1)
    for s in slow:
        s.sendall(b"X-Slow: 1\r\n")
    started = time.monotonic()
    result = subprocess.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3",
                             sys.argv[2] + "/sign-in"], capture_output=True, text=True)
    if result.stdout != "200":
        print("normal request:", result.stdout, result.stderr, file=sys.stderr)
        sys.exit(1)
for s in slow:
    s.close()
PY
passed=$((passed + 1))

echo "$passed passed, 0 failed"
