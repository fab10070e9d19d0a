# Sourced by the checks that need a demo server: `start_demo_server PORT
# PASSWORD` serves the demo data on a fresh SQLite database in a temporary
# directory ($work, with the server's log in $work/server.log), as the
# built debug `jiuzhu` binary, with PASSWORD for the administrator; it
# returns once the server is ready, and the server and $work go when the
# calling script exits.
start_demo_server() {
    local port=$1 password=$2
    local binary="${CARGO_TARGET_DIR:-target}/debug/jiuzhu"
    work="$(mktemp -d)"
    JIUZHU_DATABASE_URL="sqlite://$work/demo.db?mode=rwc" JIUZHU_ADMIN_PASSWORD="$password" \
        JIUZHU_JWT_SECRET=demo-check-secret-0123456789abcdef0123 JIUZHU_BIND="127.0.0.1:$port" JIUZHU_LOG=warn \
        "$binary" serve --demo >"$work/server.log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
    for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0; sleep 0.5; done
    echo "the demo server on port $port never became ready"; cat "$work/server.log"; return 1
}
