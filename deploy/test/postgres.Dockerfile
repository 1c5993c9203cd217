# PostgreSQL 15 from Debian's package, for the compose test stack (`make compose-test`) on machines
# that reach no image registry: built on the same debootstrapped base as the services' test images.
# It mimics what compose.yml uses of the official postgres image: POSTGRES_USER/POSTGRES_PASSWORD
# make the superuser on an empty data volume, *.sql in /docker-entrypoint-initdb.d run once then,
# and pg_isready answers the health check. PGPORT moves the port (compose.test.yml: host network).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}

RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d \
 && mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/no-main-cluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql /docker-entrypoint-initdb.d \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql

COPY deploy/test/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:${PATH} \
    PGDATA=/var/lib/postgresql/data
USER postgres
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]
