# Sourced by .ci/run: a PostgreSQL server for the tests' second backend, on 127.0.0.1.
# `ensure_postgres PORT` uses the server that answers there; when none does, it installs
# Debian's postgresql, starts a cluster on PORT (making one when none is set up for that
# port), lets user postgres in over TCP (a fresh password in PGPASSWORD when the server asks
# for one), makes sure database `test` exists and exports KEYCTL_TEST_POSTGRES.
# CI_DRY_RUN=1 prints what would change the machine instead of doing it.

ci_change() {
    if [ -n "${CI_DRY_RUN:-}" ]; then
        echo "would run: $*" >&2
    else
        "$@"
    fi
}

# psql as the server's postgres user over TCP, with whatever PGPASSWORD says.
ci_psql() {
    psql -X -q -w -h 127.0.0.1 -p "$pg_port" -U postgres "$@"
}

ensure_postgres() {
    pg_port=$1
    if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
        echo "== installing PostgreSQL (psql or pg_isready missing)"
        ci_change apt-get update -qq
        ci_change env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    if pg_isready -q -h 127.0.0.1 -p "$pg_port" 2>/dev/null; then
        echo "== PostgreSQL answers on 127.0.0.1:$pg_port: using it"
    else
        if ! command -v pg_ctlcluster >/dev/null 2>&1; then
            ci_change env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        fi
        local version cluster
        version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
        [ -n "$version" ] || [ -n "${CI_DRY_RUN:-}" ] || { echo "no PostgreSQL installed" >&2; return 1; }
        version=${version:-VERSION}
        # A cluster already set up for this port (Debian's `main` after the install), else ours.
        cluster=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v p="$pg_port" '$1 == v && $3 == p { print $2; exit }')
        if [ -z "$cluster" ]; then
            cluster=keyctl_ci
            echo "== creating PostgreSQL cluster $version/$cluster on port $pg_port"
            ci_change pg_createcluster "$version" "$cluster" -p "$pg_port" >/dev/null
        fi
        echo "== starting PostgreSQL cluster $version/$cluster on port $pg_port"
        ci_change pg_ctlcluster "$version" "$cluster" start || ci_change service postgresql start
        if [ -z "${CI_DRY_RUN:-}" ]; then
            for _ in $(seq 60); do
                pg_isready -q -h 127.0.0.1 -p "$pg_port" && break
                sleep 0.5
            done
            pg_isready -h 127.0.0.1 -p "$pg_port" || { echo "PostgreSQL did not start on port $pg_port" >&2; return 1; }
        fi
    fi
    # Debian's host lines ask for a password (scram): give postgres a fresh one for this run,
    # set over the local socket as the postgres system user; a trusting server needs none.
    if ! ci_psql -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
        echo "== PostgreSQL wants a password over TCP: setting a fresh one for user postgres (PGPASSWORD)"
        PGPASSWORD=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
        export PGPASSWORD
        if [ -n "${CI_DRY_RUN:-}" ]; then
            echo "would run: su postgres -c \"psql -p $pg_port -c 'ALTER USER postgres PASSWORD ...'\""
        else
            echo "ALTER USER postgres PASSWORD '$PGPASSWORD'" | su postgres -c "psql -X -q -p $pg_port -d postgres" >/dev/null
        fi
    fi
    if [ -z "${CI_DRY_RUN:-}" ] || ci_psql -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
        if [ "$(ci_psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'test'")" != 1 ]; then
            echo "== creating database test"
            ci_change createdb -w -h 127.0.0.1 -p "$pg_port" -U postgres test
        fi
        if [ -z "${CI_DRY_RUN:-}" ]; then
            ci_psql -d test -c 'SELECT 1' >/dev/null || { echo "cannot connect to database test" >&2; return 1; }
        fi
    fi
    export KEYCTL_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/test"
    echo "== KEYCTL_TEST_POSTGRES=$KEYCTL_TEST_POSTGRES"
}
