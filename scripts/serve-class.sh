#!/usr/bin/env bash
# Serve the playground to a class from K servers behind one nginx with sticky sessions, on one machine.
#
#   bash scripts/serve-class.sh --replicas 2                 # http://localhost:8500
#   bash scripts/serve-class.sh --replicas 4 --port 9000     # http://localhost:9000
#
# Streamlit keeps each browser session in the memory of one server, so every request of one browser must reach
# the same server: nginx sends each browser to one server by a cookie (deploy/nginx-playground.conf.template,
# the configuration the recipes for several machines in deploy/ use too). The servers listen on localhost only,
# on the ports after --port (8501, 8502, ...).
#
# Uploaded files are stored in one folder that every server reads (NN_PLAYGROUND_CACHE, by default
# ~/.cache/nn-playground), so a link to an upload works on each of them; on several machines, make it a
# shared folder. Needs nginx (Debian's package: installed with apt-get when missing, as root or through sudo).
# Ctrl+C stops nginx and every server.
set -euo pipefail

# shellcheck source=scripts/start.sh
source "$(dirname "${BASH_SOURCE[0]}")/start.sh"   # set-up functions only

replicas=2
port="${PORT:-8500}"
MAX_REPLICAS=32  # each server takes about 700 MB with its workers' template before any student comes
while [[ $# -gt 0 ]]; do
    case "$1" in
        --replicas) replicas="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        *) die "unknown argument $1 (use --replicas K and --port P)" ;;
    esac
done
[[ "$replicas" =~ ^[1-9][0-9]*$ ]] || die "--replicas: $replicas is not a whole number of at least 1"
((replicas <= MAX_REPLICAS)) || die "--replicas: $replicas is over the limit of $MAX_REPLICAS servers on one machine"
[[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port + replicas < 65536)) || die "--port: $port is not a usable port"

cd "$REPO_ROOT"
lock_setup
ensure_venv
ensure_installed . app test
unlock_setup
[[ -n "$(nginx_path)" ]] || apt_install nginx
NGINX="$(nginx_path)"
[[ -n "$NGINX" ]] || die "nginx is still missing after apt-get install nginx"

runtime="$(mktemp -d "${TMPDIR:-/tmp}/playground-class.XXXXXX")"
pids=()
stop_all() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$runtime"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

upstreams=""
for ((index = 1; index <= replicas; index++)); do
    replica_port=$((port + index))
    say "starting server $index of $replicas on 127.0.0.1:$replica_port"
    "$VENV/bin/streamlit" run app.py --server.headless true --server.address 127.0.0.1 \
        --server.port "$replica_port" --server.fileWatcherType none --browser.gatherUsageStats false &
    pids+=("$!")
    upstreams+="server 127.0.0.1:$replica_port; "
done

mkdir -p "$runtime/temp"
user_line=""
if [[ "$(id -u)" == 0 ]]; then  # nginx's workers drop root: they must reach the temporary files
    user_line="user nobody nogroup;"
    chmod 755 "$runtime"
    chmod 1777 "$runtime/temp"
fi
template="$(<"$REPO_ROOT/deploy/nginx-playground.conf.template")"
template="${template//'${PLAYGROUND_RESOLVER}'/}"
template="${template//'${PLAYGROUND_UPSTREAMS}'/$upstreams}"
template="${template//'${PLAYGROUND_PORT}'/$port}"
cat >"$runtime/nginx.conf" <<EOF
$user_line
worker_processes 1;
pid $runtime/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $runtime/temp/body;
    proxy_temp_path $runtime/temp/proxy;
    fastcgi_temp_path $runtime/temp/fastcgi;
    uwsgi_temp_path $runtime/temp/uwsgi;
    scgi_temp_path $runtime/temp/scgi;
$template
}
EOF
"$NGINX" -t -q -e stderr -p "$runtime" -c "$runtime/nginx.conf" || die "nginx refused the configuration in $runtime"
"$NGINX" -e stderr -p "$runtime" -c "$runtime/nginx.conf" -g "daemon off;" &
pids+=("$!")
say "serving $replicas servers at http://localhost:$port (Ctrl+C stops them)"
wait -n "${pids[@]}" || true
die "a server or nginx stopped; stopping the others"
