-- The one table perseus reads and writes, for a PostgreSQL node
-- (bin/init-lily.sh applies this file with psql, connected to the
-- database postgres). Safe to apply again: the database is created only
-- when missing (PostgreSQL has no CREATE DATABASE IF NOT EXISTS, and cannot
-- create one inside a transaction, hence \gexec), the table IF NOT EXISTS.
SELECT 'CREATE DATABASE lily'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'lily')
\gexec
\connect lily
CREATE TABLE IF NOT EXISTS storage (
    id VARCHAR(128) NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
