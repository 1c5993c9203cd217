-- Run once by the postgres image (/docker-entrypoint-initdb.d) when its data volume is empty, as
-- POSTGRES_USER, which then owns every database. One database per process, named as the `database`
-- of each entry in deploy/services.toml (tests/test_deploy_consistency.py keeps the two in step).
-- A service added later to an existing volume needs its database created by hand, e.g.
--   docker compose -f deploy/compose.yml exec postgres sh -c 'createdb -U "$POSTGRES_USER" onewindow_<name>'
-- (or `docker compose down -v` to start from an empty volume).

CREATE DATABASE onewindow_gateway;
CREATE DATABASE onewindow_intake;
CREATE DATABASE onewindow_mediation;
CREATE DATABASE onewindow_arbitration;
CREATE DATABASE onewindow_court;
