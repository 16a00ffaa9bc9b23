# shellcheck shell=bash
# .ci/services.sh: start the servers gocred's integration tests need, on
# 127.0.0.1 and on ports of their own, under a temporary directory.
#
#   source .ci/services.sh          # starts redis-server, a three-node
#                                   # Redis Cluster and PostgreSQL; exports
#                                   # GOCRED_REDIS_ADDR,
#                                   # GOCRED_REDIS_CLUSTER_ADDRS (comma
#                                   # separated) and GOCRED_POSTGRES_DSN
#   services_stop                   # stops both and removes the directory
#                                   # (.ci/run: trap services_stop EXIT)
#
# It is meant to be sourced (it exports variables into the caller's shell);
# run as a script it starts the servers, prints the variables and stops them
# again, which is a quick self-test. PostgreSQL refuses to run as root, so
# when run as root the cluster belongs to the "postgres" user (or
# $GOCRED_PG_USER) and its commands run through runuser. Needs redis-server
# and PostgreSQL's initdb/pg_ctl (Debian: apt-get install redis-server
# postgresql); $GOCRED_PG_BINDIR overrides where pg_ctl is looked for.

gocred_services_free_port() {
	# Ask the kernel for a free port by binding port 0.
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

gocred_services_free_cluster_port() {
	# A Redis Cluster node also listens on its port + 10000 (the cluster
	# bus), so both must be free and below 65536: try ports in 20000-29999.
	python3 -c '
import random, socket
for _ in range(200):
    p = random.randint(20000, 29999)
    try:
        for q in (p, p + 10000):
            s = socket.socket(); s.bind(("127.0.0.1", q)); s.close()
    except OSError:
        continue
    print(p); break
' 2>/dev/null || echo $((20000 + RANDOM % 10000))
}

gocred_services_pg_bindir() {
	if [ -n "${GOCRED_PG_BINDIR:-}" ]; then
		echo "$GOCRED_PG_BINDIR"
		return
	fi
	if command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(command -v pg_ctl)"
		return
	fi
	# Debian keeps the server binaries out of PATH, one directory per major version.
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# gocred_services_as_pg runs a command as the cluster's owner.
gocred_services_as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "${GOCRED_PG_USER:-postgres}" -- "$@"
	else
		"$@"
	fi
}

gocred_services_stop() {
	local dir=${GOCRED_SERVICES_DIR:-}
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	local pidfile
	for pidfile in "$dir"/redis/redis.pid "$dir"/cluster*/redis.pid; do
		[ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
	done
	if [ -f "$dir/pg/postmaster.pid" ]; then
		gocred_services_as_pg "$(gocred_services_pg_bindir)/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	unset GOCRED_SERVICES_DIR GOCRED_REDIS_ADDR GOCRED_REDIS_CLUSTER_ADDRS GOCRED_POSTGRES_DSN
}

# services_stop is the name .ci/run traps on exit.
services_stop() { gocred_services_stop; }

# gocred_services_redis PORT DIR [ARGS...] starts a redis-server on
# 127.0.0.1:PORT with its files in DIR and waits until it answers. No
# persistence (a restart forgets everything, which the nonce store treats as
# possible replays and refuses), noeviction so a full Redis refuses writes
# instead of silently forgetting nonce-counts.
gocred_services_redis() {
	local port=$1 dir=$2 i
	shift 2
	mkdir -p "$dir"
	redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
		--maxmemory-policy noeviction --daemonize yes \
		--pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" "$@" || {
		echo "services.sh: redis-server on port $port did not start" >&2
		return 1
	}
	for i in $(seq 50); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "services.sh: redis-server on port $port does not answer; its log:" >&2
	cat "$dir/redis.log" >&2
	return 1
}

gocred_services_start() {
	local dir bindir redis_port pg_port i
	dir=$(mktemp -d "${TMPDIR:-/tmp}/gocred-services.XXXXXX") || return 1
	chmod 0755 "$dir"
	export GOCRED_SERVICES_DIR=$dir

	# Redis, alone and as a three-master cluster (no replicas), all with the
	# settings of gocred_services_redis.
	redis_port=$(gocred_services_free_port)
	gocred_services_redis "$redis_port" "$dir/redis" || return 1
	export GOCRED_REDIS_ADDR=127.0.0.1:$redis_port
	local cluster_addrs="" port node
	for node in 1 2 3; do
		port=$(gocred_services_free_cluster_port)
		gocred_services_redis "$port" "$dir/cluster$node" \
			--cluster-enabled yes --cluster-config-file "$dir/cluster$node/nodes.conf" || return 1
		cluster_addrs="$cluster_addrs${cluster_addrs:+ }127.0.0.1:$port"
	done
	# shellcheck disable=SC2086 # the addresses are separate arguments
	redis-cli --cluster create $cluster_addrs --cluster-replicas 0 --cluster-yes >"$dir/cluster-create.log" 2>&1 || {
		echo "services.sh: redis-cli --cluster create failed:" >&2
		cat "$dir/cluster-create.log" >&2
		return 1
	}
	for i in $(seq 100); do
		redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
		sleep 0.1
	done
	if ! redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then
		echo "services.sh: the Redis Cluster did not reach cluster_state:ok" >&2
		return 1
	fi
	export GOCRED_REDIS_CLUSTER_ADDRS=${cluster_addrs// /,}

	# PostgreSQL: a throwaway cluster, trust authentication on 127.0.0.1 only.
	bindir=$(gocred_services_pg_bindir)
	if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
		echo "services.sh: PostgreSQL's pg_ctl not found (set GOCRED_PG_BINDIR)" >&2
		return 1
	fi
	mkdir -p "$dir/pg"
	if [ "$(id -u)" -eq 0 ]; then
		chown "${GOCRED_PG_USER:-postgres}" "$dir/pg"
	fi
	gocred_services_as_pg "$bindir/initdb" -D "$dir/pg" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1 || {
		echo "services.sh: initdb failed:" >&2
		cat "$dir/initdb.log" >&2
		return 1
	}
	pg_port=$(gocred_services_free_port)
	gocred_services_as_pg "$bindir/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir/pg -c fsync=off" start >/dev/null || {
		echo "services.sh: PostgreSQL did not start:" >&2
		cat "$dir/pg/server.log" >&2
		return 1
	}
	export GOCRED_POSTGRES_DSN="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"
	echo "services.sh: redis on $GOCRED_REDIS_ADDR, redis cluster on $GOCRED_REDIS_CLUSTER_ADDRS, postgres on 127.0.0.1:$pg_port (under $dir)" >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	# Run, not sourced: a self-test.
	set -eu
	trap gocred_services_stop EXIT
	gocred_services_start
	echo "GOCRED_REDIS_ADDR=$GOCRED_REDIS_ADDR"
	echo "GOCRED_REDIS_CLUSTER_ADDRS=$GOCRED_REDIS_CLUSTER_ADDRS"
	echo "GOCRED_POSTGRES_DSN=$GOCRED_POSTGRES_DSN"
	gocred_services_stop
else
	gocred_services_start || {
		gocred_services_stop
		return 1
	}
fi
